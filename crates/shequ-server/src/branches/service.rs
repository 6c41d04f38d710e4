//! The branches capability's service: preference-form rounds (志愿填报)
//! with their computed assignment and its confirmation, and the committee
//! elections (无候选人直选) with every round counted again from its stored
//! ballots. Handlers (API and pages) go through here. The organisations
//! and their members are the party capability's, reached through
//! [`crate::party::service`]; this service adds the caller's scope and
//! role to each read and change, and logs the reads of members.

use std::collections::{BTreeSet, HashMap};

use chrono::Datelike;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::digest::Key;
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use shequ_domain::Code;
use shequ_domain::branches::assign::AssignError;
use shequ_domain::branches::{
    Assignment, Ballots, Branch, BranchKind, Decide, Infeasible, Preference, Purpose, RoundResult,
    RoundRules, Standing, standing, tally,
};
use shequ_domain::party::{Seat, SeatRole};
use shequ_store::branches::{
    ElectionRoundRow, ElectionRow, NewElectionRound, NewOffer, OfferRow, Placement, PreferenceRow,
    RoundRow, RoundState,
};
use shequ_store::party::{PartyMemberRow, ScopedPartyOrg};

use crate::app::access::{ClientAddr, actor};
use crate::app::auth::Principal;
use crate::app::error::{AppError, FieldError};
use crate::app::state::Core;
use crate::party::service as party;

/// The most branches one round may offer.
pub const MAX_OFFERS: usize = 60;
/// Years a committee elected here serves (a branch committee's term).
pub const TERM_YEARS: i32 = 3;

/// One member of a round: who, their standing, where they are now, and
/// their form if they sent one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoundMember {
    pub person_id: i64,
    pub name: String,
    /// A full member (正式党员); probationary members are placed but do
    /// not count towards a branch's minimum.
    pub full: bool,
    /// The organisation they are in now.
    pub org_code: String,
    pub org_name: String,
    /// The location branch of where they live, if an offer serves it.
    pub home: Option<String>,
    pub choices: Vec<String>,
    /// `self` when the member sent it, else the user who typed it.
    pub entered_by: Option<String>,
}

/// What a round's assignment is, as the page and the API show it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Open: forms still coming in, the assignment so far for a preview.
    Preview(Result<Assignment, AssignError>),
    /// Closed: the assignment to confirm, or why there is none.
    Computed(Result<Assignment, AssignError>),
    /// Confirmed: the placements as they were made.
    Confirmed(Vec<Placement>),
}

impl Outcome {
    /// How many got their first, second and third choice, their home,
    /// or another branch; `None` when there is no assignment.
    pub fn counts(&self) -> Option<[usize; 5]> {
        match self {
            Outcome::Preview(Ok(a)) | Outcome::Computed(Ok(a)) => {
                let c = a.counts;
                Some([c.first, c.second, c.third, c.home, c.moved].map(|n| n as usize))
            }
            Outcome::Preview(Err(_)) | Outcome::Computed(Err(_)) => None,
            Outcome::Confirmed(placed) => {
                let mut c = [0; 5];
                for p in placed {
                    let i = match p.rank.as_str() {
                        "1" => 0,
                        "2" => 1,
                        "3" => 2,
                        "home" => 3,
                        _ => 4,
                    };
                    c[i] += 1;
                }
                Some(c)
            }
        }
    }
}

/// A round with its offers, members and assignment.
#[derive(Debug, Clone)]
pub struct RoundView {
    pub round: RoundRow,
    pub offers: Vec<OfferRow>,
    pub members: Vec<RoundMember>,
    pub outcome: Outcome,
}

impl RoundView {
    pub fn state(&self) -> RoundState {
        self.round.state().unwrap_or(RoundState::Confirmed)
    }
}

fn field(name: &str, code: Code, message: impl Into<String>) -> FieldError {
    FieldError::new(name, code, message.into())
}

/// A stored row the domain refuses: corrupt data, never the caller's
/// fault.
fn corrupt(message: String) -> AppError {
    AppError::from(shequ_store::StoreError::Corrupt(message))
}

/// The rounds of organisations the caller sees, newest first.
pub async fn rounds(core: &Core, who: &Principal) -> Result<Vec<RoundRow>, AppError> {
    party::require_member_reader(who)?;
    let visible = party::visible_org_ids(core, who).await?;
    Ok(core
        .store
        .branch_rounds()
        .await?
        .into_iter()
        .filter(|r| visible.contains(&r.org_id))
        .collect())
}

/// Round `id` and its organisation, if the caller may see them.
async fn round_in_view(
    core: &Core,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> Result<(RoundRow, ScopedPartyOrg), AppError> {
    party::require_member_reader(who)?;
    let round = core
        .store
        .branch_round(id)
        .await?
        .ok_or(AppError::NotFound("branch round"))?;
    let org = party::org_in_view(core, who, &round.org_code, addr).await?;
    Ok((round, org))
}

/// The home branch of someone living at `path`: the location offer
/// whose region holds it, the innermost one when several do.
fn home_of<'a>(offers: &'a [OfferRow], path: &str) -> Option<&'a OfferRow> {
    offers
        .iter()
        .filter(|o| o.kind == BranchKind::Location.as_str())
        .filter(|o| {
            o.region_path
                .as_deref()
                .is_some_and(|p| path.starts_with(p))
        })
        .max_by_key(|o| o.region_path.as_ref().map_or(0, String::len))
}

fn standing_full(m: &PartyMemberRow) -> bool {
    m.probation_end.is_none()
}

/// The offers as the domain's branches. An offer was checked when the
/// round opened, so a refusal here is a corrupt row.
fn branches_of(offers: &[OfferRow]) -> Result<Vec<Branch>, shequ_domain::InvalidValue> {
    offers
        .iter()
        .map(|o| {
            Branch::new(
                &o.code,
                &o.name,
                BranchKind::parse(&o.kind)?,
                u32::try_from(o.min_full).unwrap_or(u32::MAX),
                u32::try_from(o.max_size).unwrap_or(0),
            )
        })
        .collect()
}

/// The members of a round with their forms.
fn round_members(
    offers: &[OfferRow],
    members: &[PartyMemberRow],
    forms: &[PreferenceRow],
) -> Vec<RoundMember> {
    let forms: HashMap<i64, &PreferenceRow> = forms.iter().map(|f| (f.person_id, f)).collect();
    members
        .iter()
        .map(|m| {
            let form = forms.get(&m.person_id);
            RoundMember {
                person_id: m.person_id,
                name: m.name.clone(),
                full: standing_full(m),
                org_code: m.org_code.clone(),
                org_name: m.org_name.clone(),
                home: home_of(offers, &m.region_path).map(|o| o.code.clone()),
                choices: form.map(|f| f.choices()).unwrap_or_default(),
                entered_by: form.map(|f| f.entered_by.clone()),
            }
        })
        .collect()
}

/// The assignment of these members to these offers: the pure
/// computation, on what is stored.
pub fn compute(offers: &[OfferRow], members: &[RoundMember]) -> Result<Assignment, AssignError> {
    let branches = branches_of(offers).map_err(AssignError::Invalid)?;
    // Members with no form and no location branch where they live: named
    // all at once, by name, with what to do (the domain would name the
    // first by id).
    let homeless: Vec<&str> = members
        .iter()
        .filter(|m| m.choices.is_empty() && m.home.is_none())
        .map(|m| m.name.as_str())
        .collect();
    if !homeless.is_empty() {
        return Err(AssignError::Invalid(shequ_domain::InvalidValue::new(
            Code::BranchHomeMissing,
            format!(
                "{}: no form, and no location branch serves where they live; enter their forms, or offer a location branch for their area",
                homeless.join(", ")
            ),
        )));
    }
    let codes: BTreeSet<&str> = offers.iter().map(|o| o.code.as_str()).collect();
    let prefs: Vec<Preference> = members
        .iter()
        .map(|m| Preference {
            member: m.person_id.to_string(),
            full: m.full,
            home: m.home.clone(),
            current: codes
                .contains(m.org_code.as_str())
                .then(|| m.org_code.clone()),
            // A form naming an offer that was since withdrawn would be a
            // corrupt row; the form's checks keep them to the offers.
            choices: m.choices.clone(),
        })
        .collect();
    shequ_domain::branches::assign(&branches, &prefs)
}

/// Round `id` with its members and assignment, if the caller may see it;
/// the read of its members is logged.
pub async fn view_round(
    core: &Core,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> Result<RoundView, AppError> {
    let (round, org) = round_in_view(core, who, id, addr).await?;
    let offers = core.store.branch_offers(id).await?;
    let forms = core.store.branch_preferences(id).await?;
    let members = party::members_under(core, who, &org).await?;
    let members = round_members(&offers, &members, &forms);
    party::log_view(
        core,
        who,
        "branch_round",
        id.to_string(),
        org.region_path.clone(),
        addr,
    )
    .await?;
    let outcome = match round.state()? {
        RoundState::Open => Outcome::Preview(compute(&offers, &members)),
        RoundState::Closed => Outcome::Computed(compute(&offers, &members)),
        RoundState::Confirmed => Outcome::Confirmed(
            round
                .result
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt(format!("round {id} result: {e}")))?
                .unwrap_or_default(),
        ),
    };
    Ok(RoundView {
        round,
        offers,
        members,
        outcome,
    })
}

/// Parses the offers of a new round, one a line:
/// `code,name,kind,min,max[,region code]` (kind 趣缘/业缘/地缘 or
/// interest/occupation/location). Every bad line is named.
pub fn parse_offers(text: &str) -> Result<Vec<(Branch, Option<String>)>, AppError> {
    let mut out: Vec<(Branch, Option<String>)> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("code,") {
            continue;
        }
        let cells: Vec<&str> = line.split([',', '，']).map(str::trim).collect();
        let at = |msg: String| format!("line {}: {msg}", i + 1);
        if cells.len() < 3 {
            errors.push(field(
                "offers",
                Code::BranchName,
                at("write code,name,kind[,min,max[,region]]".into()),
            ));
            continue;
        }
        let kind = match BranchKind::parse(cells[2]) {
            Ok(k) => k,
            Err(e) => {
                errors.push(field("offers", e.code, at(e.message)));
                continue;
            }
        };
        let number = |j: usize, default: u32| -> Result<u32, String> {
            match cells.get(j).filter(|c| !c.is_empty()) {
                None => Ok(default),
                Some(c) => c
                    .parse()
                    .map_err(|_| format!("{c:?} is not a whole number")),
            }
        };
        let limits = number(3, shequ_domain::branches::FULL_MEMBERS_NEEDED)
            .and_then(|min| Ok((min, number(4, shequ_domain::branches::DEFAULT_MAX)?)));
        let (min, max) = match limits {
            Ok(l) => l,
            Err(m) => {
                errors.push(field("offers", Code::BranchLimits, at(m)));
                continue;
            }
        };
        match Branch::new(cells[0], cells[1], kind, min, max) {
            Ok(b) if out.iter().any(|(o, _)| o.code == b.code) => errors.push(field(
                "offers",
                Code::BranchDuplicate,
                at(format!("branch {} is listed twice", b.code)),
            )),
            Ok(b) => out.push((
                b,
                cells
                    .get(5)
                    .filter(|c| !c.is_empty())
                    .map(|c| (*c).to_owned()),
            )),
            Err(e) => errors.push(field("offers", e.code, at(e.message))),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(field(
            "offers",
            Code::BranchName,
            "list the branches on offer, one a line",
        ));
    }
    if out.len() > MAX_OFFERS {
        errors.push(field(
            "offers",
            Code::BranchTooMany,
            format!("a round offers at most {MAX_OFFERS} branches"),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

/// Opens a round for organisation `org_code` with the offers' text.
pub async fn open_round(
    core: &Core,
    who: &Principal,
    org_code: &str,
    title: &str,
    offers: &str,
    addr: &ClientAddr,
) -> Result<i64, AppError> {
    party::require_manager(who)?;
    let org = party::org_in_view(core, who, org_code, addr).await?;
    let parsed = parse_offers(offers)?;
    // One round at a time per organisation: two would place the same
    // members twice.
    if let Some(r) = core
        .store
        .branch_rounds()
        .await?
        .into_iter()
        .find(|r| r.org_id == org.id && r.state != RoundState::Confirmed.as_str())
    {
        return Err(AppError::unprocessable(
            "org",
            Code::BranchRoundState,
            format!(
                "round {} ({}) of this organisation is not confirmed yet: confirm it first, or place its members there",
                r.id, r.title
            ),
        ));
    }
    let mut regions = Vec::with_capacity(parsed.len());
    for (b, region) in &parsed {
        regions.push(match region {
            None => None,
            Some(code) => {
                let r = core.store.region_by_code(code).await?.ok_or_else(|| {
                    AppError::unprocessable(
                        "offers",
                        Code::RegionNotFound,
                        format!("branch {}: no region has the code {code:?}", b.code),
                    )
                })?;
                if !who.scope()?.contains(&r.region.path) {
                    return Err(AppError::Forbidden(Code::OutOfScope));
                }
                Some(r.region.id)
            }
        });
    }
    let title = match title.trim() {
        "" => format!("{} 三缘支部志愿填报", org.name),
        t => t.to_owned(),
    };
    let kinds: Vec<&str> = parsed.iter().map(|(b, _)| b.kind.as_str()).collect();
    let new: Vec<NewOffer> = parsed
        .iter()
        .zip(&regions)
        .zip(&kinds)
        .map(|(((b, _), region), kind)| NewOffer {
            code: &b.code,
            name: &b.name,
            kind,
            min_full: b.min,
            max_size: b.max,
            region_id: *region,
        })
        .collect();
    let (_, by) = actor(who);
    Ok(core
        .store
        .open_branch_round(org.id, &title, &new, core.today(), &by, core.clock.now_ms())
        .await?)
}

/// Checks one form against the round's offers: at most three, each on
/// offer, none twice. The fields are `choice1`…`choice3`.
pub fn check_form(offers: &[OfferRow], choices: &[String]) -> Result<Vec<String>, AppError> {
    let mut errors = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for (i, c) in choices.iter().enumerate() {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        let name = format!("choice{}", i + 1);
        if i >= 3 {
            errors.push(field(
                &name,
                Code::BranchChoice,
                "rank at most three branches",
            ));
        } else if !offers.iter().any(|o| o.code == c) {
            errors.push(field(
                &name,
                Code::BranchUnknown,
                format!("branch {c:?} is not on offer in this round"),
            ));
        } else if out.iter().any(|o| o == c) {
            errors.push(field(
                &name,
                Code::BranchChoiceTwice,
                format!("branch {c} is ranked twice; rank each branch once"),
            ));
        } else {
            out.push(c.to_owned());
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(AppError::Unprocessable(errors))
    }
}

/// Saves member `person_id`'s form in round `id`, typed by the caller
/// from paper.
pub async fn enter_form(
    core: &Core,
    who: &Principal,
    id: i64,
    person_id: i64,
    choices: &[String],
    addr: &ClientAddr,
) -> Result<(), AppError> {
    party::require_manager(who)?;
    let (_, org) = round_in_view(core, who, id, addr).await?;
    let members = party::members_under(core, who, &org).await?;
    if !members.iter().any(|m| m.person_id == person_id) {
        return Err(AppError::unprocessable(
            "person_id",
            Code::BranchNotInRound,
            "that member is not in the organisation running this round",
        ));
    }
    let offers = core.store.branch_offers(id).await?;
    let choices = check_form(&offers, choices)?;
    let (_, by) = actor(who);
    Ok(core
        .store
        .save_branch_preference(id, person_id, &choices, &by, core.clock.now_ms())
        .await?)
}

/// The key that signs members' form links.
async fn form_key(core: &Core) -> Result<[u8; 64], AppError> {
    let mut fresh = [0u8; 64];
    rand::fill(&mut fresh);
    let stored = core
        .store
        .server_secret("branch_form_v1", &hex::encode(fresh))
        .await?;
    hex::decode(&stored)
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| corrupt("server secret branch_form_v1 is not 64 hex bytes".into()))
}

fn sign(key: &[u8; 64], round: i64, person: i64) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new(&Key::<Hmac<Sha256>>::from(*key));
    mac.update(format!("branch-form:{round}:{person}").as_bytes());
    mac
}

/// The links members open on their phones to fill in their own forms,
/// one per person in `persons`: signed, so a link opens that member's
/// form and no other, without a login.
pub async fn form_links(core: &Core, round: i64, persons: &[i64]) -> Result<Vec<String>, AppError> {
    let key = form_key(core).await?;
    Ok(persons
        .iter()
        .map(|person| {
            let tag = sign(&key, round, *person).finalize().into_bytes();
            format!(
                "/branches/form/{round}/{person}/{}",
                URL_SAFE_NO_PAD.encode(&tag[..16])
            )
        })
        .collect())
}

/// What a member's own form page shows.
#[derive(Debug, Clone)]
pub struct OwnForm {
    pub round: RoundRow,
    pub offers: Vec<OfferRow>,
    pub name: String,
    pub choices: Vec<String>,
}

/// The member's form behind a signed link; not found for a link that
/// does not verify (no hint which part is wrong).
pub async fn own_form(
    core: &Core,
    round: i64,
    person: i64,
    tag: &str,
) -> Result<OwnForm, AppError> {
    let key = form_key(core).await?;
    let ok = URL_SAFE_NO_PAD.decode(tag).ok().is_some_and(|t| {
        t.len() == 16 && sign(&key, round, person).verify_truncated_left(&t).is_ok()
    });
    if !ok {
        return Err(AppError::NotFound("branch form"));
    }
    let r = core
        .store
        .branch_round(round)
        .await?
        .ok_or(AppError::NotFound("branch form"))?;
    let m = core
        .store
        .party_member(person)
        .await?
        .ok_or(AppError::NotFound("branch form"))?;
    let offers = core.store.branch_offers(round).await?;
    let choices = core
        .store
        .branch_preferences(round)
        .await?
        .into_iter()
        .find(|f| f.person_id == person)
        .map(|f| f.choices())
        .unwrap_or_default();
    Ok(OwnForm {
        round: r,
        offers,
        name: m.name,
        choices,
    })
}

/// Saves the member's own form behind a signed link.
pub async fn send_own_form(
    core: &Core,
    round: i64,
    person: i64,
    tag: &str,
    choices: &[String],
) -> Result<(), AppError> {
    let form = own_form(core, round, person, tag).await?;
    let choices = check_form(&form.offers, choices)?;
    Ok(core
        .store
        .save_branch_preference(round, person, &choices, "self", core.clock.now_ms())
        .await?)
}

/// A step on a round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundStep {
    Close,
    Reopen,
    Confirm,
}

impl RoundStep {
    pub fn parse(s: &str) -> Option<RoundStep> {
        match s {
            "close" => Some(RoundStep::Close),
            "reopen" => Some(RoundStep::Reopen),
            "confirm" => Some(RoundStep::Confirm),
            _ => None,
        }
    }
}

/// Closes, reopens or confirms round `id`. Confirming computes the
/// assignment again, creates the branches that do not exist yet under
/// the round's organisation, and moves every member into theirs; limits
/// no assignment can meet are refused with the reasons, and nothing
/// moves.
pub async fn step_round(
    core: &Core,
    who: &Principal,
    id: i64,
    step: RoundStep,
    addr: &ClientAddr,
) -> Result<usize, AppError> {
    party::require_manager(who)?;
    let (round, org) = round_in_view(core, who, id, addr).await?;
    let (today, now) = (core.today(), core.clock.now_ms());
    match step {
        RoundStep::Close => {
            core.store
                .step_branch_round(id, RoundState::Open, RoundState::Closed, today, now)
                .await?;
            Ok(0)
        }
        RoundStep::Reopen => {
            core.store
                .step_branch_round(id, RoundState::Closed, RoundState::Open, today, now)
                .await?;
            Ok(0)
        }
        RoundStep::Confirm => {
            if round.state()? != RoundState::Closed {
                return Err(AppError::unprocessable(
                    "state",
                    Code::BranchRoundState,
                    "close the round before confirming its assignment",
                ));
            }
            let view = view_round(core, who, id, addr).await?;
            let assignment = compute(&view.offers, &view.members).map_err(assign_refusal)?;
            let specs: Vec<party::BranchSpec> = view
                .offers
                .iter()
                .map(|o| {
                    Ok(party::BranchSpec {
                        code: &o.code,
                        name: &o.name,
                        kind: BranchKind::parse(&o.kind)
                            .map_err(|e| corrupt(format!("offer kind: {e}")))?
                            .org_kind(),
                        region_id: o.region_id,
                    })
                })
                .collect::<Result<_, AppError>>()?;
            let ids = party::ensure_branches(core, who, &org, &specs).await?;
            let org_of: HashMap<&str, i64> = view
                .offers
                .iter()
                .map(|o| o.code.as_str())
                .zip(ids)
                .collect();
            let placements: Vec<Placement> = assignment
                .placed
                .iter()
                .map(|p| {
                    Ok(Placement {
                        person_id: p
                            .member
                            .parse()
                            .map_err(|_| corrupt(format!("member id {:?}", p.member)))?,
                        org_id: org_of[p.branch.as_str()],
                        branch: p.branch.clone(),
                        rank: p.placement.as_str().to_owned(),
                    })
                })
                .collect::<Result<_, AppError>>()?;
            Ok(core
                .store
                .confirm_branch_round(id, &placements, today, now)
                .await?)
        }
    }
}

/// An assignment that cannot be made, as a refusal naming each branch.
pub fn assign_refusal(e: AssignError) -> AppError {
    match e {
        AssignError::Invalid(v) => {
            AppError::Unprocessable(vec![FieldError::from_invalid("forms", &v)])
        }
        AssignError::Infeasible(why) => AppError::Unprocessable(
            why.iter()
                .map(|w: &Infeasible| field("offers", Code::BranchInfeasible, w.to_string()))
                .collect(),
        ),
    }
}

// ---------------------------------------------------------------------
// Elections

/// One round as shown: its rules, its ballots counted again now, and
/// whether that count matches the one recorded when it was entered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CountedRound {
    #[serde(flatten)]
    pub row: ElectionRoundRow,
    #[schema(value_type = Object)]
    pub result: RoundResult,
    /// The recount matches the tally recorded with the ballots.
    pub matches_record: bool,
}

/// An election with its rounds and where it stands.
#[derive(Debug, Clone)]
pub struct ElectionView {
    pub election: ElectionRow,
    pub rounds: Vec<CountedRound>,
    pub standing: Standing,
    /// The branch's full members' names: whom a first round may elect.
    pub full_members: Vec<String>,
    /// Its members who may attend: full and probationary.
    pub attending: usize,
}

/// Recounts a stored round from its ballots.
pub fn recount(row: &ElectionRoundRow, ballots: Vec<Vec<String>>) -> Result<RoundResult, AppError> {
    let decide =
        Decide::parse(&row.decide).ok_or_else(|| corrupt(format!("decide {:?}", row.decide)))?;
    let n = |v: i64| u32::try_from(v).map_err(|_| corrupt(format!("round {} numbers", row.id)));
    let rules = RoundRules {
        seats: n(row.seats)?,
        entitled: n(row.entitled)?,
        present: n(row.present)?,
        issued: n(row.issued)?,
        eligible: Some(row.eligible()?.into_iter().collect()),
        decide,
    };
    tally(&rules, &Ballots(ballots)).map_err(|e| corrupt(format!("round {}: {e}", row.id)))
}

/// Recounts a stored round and says whether the recount is the tally
/// recorded when its ballots were entered.
pub fn recount_against_record(
    row: &ElectionRoundRow,
    ballots: Vec<Vec<String>>,
) -> Result<(RoundResult, bool), AppError> {
    let result = recount(row, ballots)?;
    let recorded: Option<serde_json::Value> = serde_json::from_str(&row.result).ok();
    let matches = recorded == serde_json::to_value(&result).ok();
    Ok((result, matches))
}

/// The elections of branches the caller sees, newest first.
pub async fn elections(core: &Core, who: &Principal) -> Result<Vec<ElectionRow>, AppError> {
    party::require_member_reader(who)?;
    let visible = party::visible_org_ids(core, who).await?;
    Ok(core
        .store
        .branch_elections()
        .await?
        .into_iter()
        .filter(|e| visible.contains(&e.org_id))
        .collect())
}

/// Starts an election of branch `org_code`'s committee of `seats`.
pub async fn create_election(
    core: &Core,
    who: &Principal,
    org_code: &str,
    seats: u32,
    addr: &ClientAddr,
) -> Result<i64, AppError> {
    party::require_manager(who)?;
    shequ_domain::branches::election::check_seats(seats)
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("seats", &e)]))?;
    let org = party::org_in_view(core, who, org_code, addr).await?;
    let (_, by) = actor(who);
    Ok(core
        .store
        .create_branch_election(org.id, seats, core.today(), &by, core.clock.now_ms())
        .await?)
}

/// Election `id` with every round counted again from its ballots.
pub async fn view_election(
    core: &Core,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> Result<ElectionView, AppError> {
    party::require_member_reader(who)?;
    let election = core
        .store
        .branch_election(id)
        .await?
        .ok_or(AppError::NotFound("branch election"))?;
    let org = party::org_in_view(core, who, &election.org_code, addr).await?;
    let members = party::members_under(core, who, &org).await?;
    let mut rounds = Vec::new();
    for row in core.store.election_rounds(id).await? {
        let ballots = core.store.election_ballots(row.id).await?;
        let (result, matches_record) = recount_against_record(&row, ballots)?;
        rounds.push(CountedRound {
            row,
            result,
            matches_record,
        });
    }
    let seats = u32::try_from(election.seats).unwrap_or(0);
    let held: Vec<(Purpose, Decide, &RoundResult)> = rounds
        .iter()
        .filter_map(|r| {
            Some((
                Purpose::parse(&r.row.purpose)?,
                Decide::parse(&r.row.decide)?,
                &r.result,
            ))
        })
        .collect();
    let standing = standing(seats, &held);
    let mut full_members: Vec<String> = members
        .iter()
        .filter(|m| standing_full(m))
        .map(|m| m.name.clone())
        .collect();
    full_members.sort();
    full_members.dedup();
    Ok(ElectionView {
        election,
        rounds,
        standing,
        full_members,
        attending: members.len(),
    })
}

/// The numbers of a round as entered.
#[derive(Debug, Clone, Copy)]
pub struct RoundNumbers {
    pub entitled: u32,
    pub present: u32,
    pub issued: u32,
}

/// Holds the election's next round with these numbers and ballots (one
/// a line): counts them, and records the ballots and the tally. Returns
/// the result.
pub async fn record_round(
    core: &Core,
    who: &Principal,
    id: i64,
    numbers: RoundNumbers,
    ballots: &str,
    addr: &ClientAddr,
) -> Result<RoundResult, AppError> {
    party::require_manager(who)?;
    let view = view_election(core, who, id, addr).await?;
    let Some(next) = view.standing.next.clone() else {
        return Err(AppError::unprocessable(
            "ballots",
            Code::ElectionRoundOrder,
            "the election is complete: its committee, secretary and deputy are chosen",
        ));
    };
    let eligible: Vec<String> = next
        .candidates
        .clone()
        .unwrap_or_else(|| view.full_members.clone());
    let parsed = Ballots::parse(ballots)
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("ballots", &e)]))?;
    let rules = RoundRules {
        seats: next.seats,
        entitled: numbers.entitled,
        present: numbers.present,
        issued: numbers.issued,
        eligible: Some(eligible.iter().cloned().collect()),
        decide: next.decide,
    };
    let result = tally(&rules, &parsed).map_err(|e| {
        let f = e.field().unwrap_or("ballots").to_owned();
        AppError::Unprocessable(vec![FieldError::from_invalid(&f, &e)])
    })?;
    let json = serde_json::to_string(&result).map_err(|e| corrupt(e.to_string()))?;
    let (_, by) = actor(who);
    let seq = view.rounds.len() as i64 + 1;
    core.store
        .record_election_round(
            id,
            seq,
            &NewElectionRound {
                purpose: next.purpose.as_str(),
                decide: next.decide.as_str(),
                seats: next.seats,
                entitled: numbers.entitled,
                present: numbers.present,
                issued: numbers.issued,
                eligible: &eligible,
                ballots: &parsed.0,
                result: &json,
            },
            &by,
            core.clock.now_ms(),
        )
        .await?;
    Ok(result)
}

/// Seats the elected committee on the branch for a term of
/// [`TERM_YEARS`] from the election's day: the secretary, the deputy and
/// the other members, each a member of the branch by name.
pub async fn seat_elected(
    core: &Core,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> Result<usize, AppError> {
    party::require_manager(who)?;
    let view = view_election(core, who, id, addr).await?;
    let s = &view.standing;
    if s.secretary.is_none() {
        return Err(AppError::unprocessable(
            "election",
            Code::ElectionRoundOrder,
            "elect the committee and its secretary first",
        ));
    }
    let org = party::org_in_view(core, who, &view.election.org_code, addr).await?;
    let members = party::members_under(core, who, &org).await?;
    let start: chrono::NaiveDate = view
        .election
        .held_on
        .parse()
        .map_err(|_| corrupt("election day".into()))?;
    let end = start
        .with_year(start.year() + TERM_YEARS)
        .unwrap_or(start + chrono::Days::new(365 * 3));
    let mut seats = Vec::new();
    for name in &s.committee {
        let Some(m) = members.iter().find(|m| &m.name == name && standing_full(m)) else {
            continue;
        };
        let role = if s.secretary.as_ref() == Some(name) {
            SeatRole::Secretary
        } else if s.deputy.as_ref() == Some(name) {
            SeatRole::DeputySecretary
        } else {
            SeatRole::Member
        };
        seats.push(Seat {
            person: m.person_id,
            role,
            term_start: start,
            term_end: end,
        });
    }
    party::seat_committee(core, who, &view.election.org_code, &seats, addr).await?;
    Ok(seats.len())
}
