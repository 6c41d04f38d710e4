//! The assessment's reads and changes. A period's computed indicators are
//! counted afresh on every read while it is open — its orders by owner,
//! the orders each team was summoned to, and its summons by team, three
//! grouped scans — and added up per subject here: a person's orders are
//! their own; a team's are its members' (an order owned by a member of two
//! teams counts for both) and those it was summoned to (吹哨报到: the
//! department is judged on the outcome it was called in to help with),
//! each once; a department's consultations are its matters concluded in
//! the period, read from the consult capability. The orders of accepted
//! appeals are then taken out of the subject that appealed. Closing stores
//! what went in (the inputs, and each counted order with its figure
//! flags), so a closed period's scores are made again from what was
//! stored, never from orders that changed since.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shequ_domain::Code;
use shequ_domain::assess::scheme::{Scheme, Weights};
use shequ_domain::assess::score::{self, Inputs, ManualScore, Score};
use shequ_domain::assess::{AppealGround, AppealState, Period, PeriodKind, SubjectKind, appeal};
use shequ_domain::order::figures::{self, Counts, SummonsCounts};
use shequ_store::assess::{
    AppealRow, CountedOrder, FrozenSubject, NewPeriod, PeriodRow, ScoreRow, SubjectRow, SummonsRow,
    flags,
};
use shequ_store::consult::MatterRow;
use shequ_store::{Scope, Store, StoreError};

use crate::app::access::{ClientAddr, actor};
use crate::app::auth::{AuthUser, Principal};
use crate::app::error::AppError;
use crate::app::state::midnight_ms;
use crate::assess::AssessState;
use crate::consult::service as consult;
use crate::orders::service as orders;

/// Refuses anyone but the street's command centre (admin, operators):
/// opening, scoring by hand, deciding appeals and closing are theirs.
pub fn require_street(who: &Principal) -> Result<(), AppError> {
    match who {
        Principal::User(u) if u.role.runs_command_centre() => Ok(()),
        _ => Err(AppError::Forbidden(Code::AssessNotAllowed)),
    }
}

/// Whether the caller is the street (the pages show its forms).
pub fn is_street(who: &Principal) -> bool {
    require_street(who).is_ok()
}

fn user(who: &Principal) -> Option<&AuthUser> {
    match who {
        Principal::User(u) => Some(u),
        Principal::Token(_) => None,
    }
}

fn refused(code: Code, message: impl Into<String>) -> AppError {
    AppError::Refused {
        code,
        message: message.into(),
    }
}

fn invalid(e: shequ_domain::InvalidValue) -> AppError {
    AppError::unprocessable(e.field().unwrap_or("input"), e.code, e.message.clone())
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("stored {what}: {e}"))
}

/// A period with its parsed scheme and period.
#[derive(Debug, Clone)]
pub struct PeriodInfo {
    pub row: PeriodRow,
    pub period: Period,
    pub scheme: Scheme,
}

impl PeriodInfo {
    pub fn closed(&self) -> bool {
        self.row.closed_at.is_some()
    }

    /// The orders it judges: filed in `[from, to)`.
    pub fn span(&self) -> (i64, i64) {
        (self.row.starts_at, self.row.ends_at)
    }
}

/// A subject with what its score is made of, its score and rank.
#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub subject: SubjectRow,
    pub inputs: Inputs,
    pub score: Score,
    pub rank: Option<u32>,
}

impl Ranked {
    pub fn kind(&self) -> Option<SubjectKind> {
        SubjectKind::parse(&self.subject.kind).ok()
    }
}

/// A period's ranking: every subject, by kind (departments ranked among
/// departments, secretaries among secretaries…), best first.
#[derive(Debug, Clone)]
pub struct Ranking {
    pub info: PeriodInfo,
    pub subjects: Vec<Ranked>,
    pub appeals: Vec<AppealRow>,
}

async fn info(store: &Store, id: i64) -> Result<PeriodInfo, AppError> {
    let row = store
        .assessment_period(id)
        .await?
        .ok_or(AppError::NotFound("assess period"))?;
    let period = Period::parse(&row.code).map_err(|e| corrupt("period code", e))?;
    let scheme: Scheme = serde_json::from_str(&row.scheme).map_err(|e| corrupt("scheme", e))?;
    Ok(PeriodInfo {
        row,
        period,
        scheme,
    })
}

/// Every period, the latest first.
pub async fn periods(core: &AssessState) -> Result<Vec<PeriodRow>, AppError> {
    Ok(core.store.assessment_periods().await?)
}

/// The subjects the caller is, or is a member of, in every period: what
/// "my assessment" links to.
pub async fn mine(core: &AssessState, who: &Principal) -> Result<Vec<SubjectRow>, AppError> {
    match user(who) {
        Some(u) => Ok(core.store.assessment_subjects_of(u.user.id).await?),
        None => Ok(Vec::new()),
    }
}

/// Opens the period `code` (`2026-Q3`…) over the street's area under the
/// default scheme with the weights chosen (the raters', and any
/// indicator's within its rater's part), its subjects the area's teams,
/// secretaries and grid workers as they are now.
pub async fn open(
    core: &AssessState,
    who: &Principal,
    code: &str,
    weights: &Weights,
) -> Result<i64, AppError> {
    require_street(who)?;
    let (_, name) = actor(who);
    open_at(
        &core.store,
        core.tz,
        &who.scope()?,
        code,
        weights,
        &name,
        core.clock.now_ms(),
    )
    .await
}

/// Opens a period over `scope`'s area, its days in the street's time zone
/// `tz` (what [`open`] does for the street, and the demo for itself).
pub async fn open_at(
    store: &Store,
    tz: chrono_tz::Tz,
    scope: &Scope,
    code: &str,
    weights: &Weights,
    actor: &str,
    now: i64,
) -> Result<i64, AppError> {
    let period = Period::parse(code).map_err(invalid)?;
    let scheme = Scheme::with(weights).map_err(invalid)?;
    let scheme_json = serde_json::to_string(&scheme).map_err(|e| corrupt("scheme", e))?;
    let ms = |day| midnight_ms(tz, day).ok_or_else(|| corrupt("period day", format!("{day}")));
    store
        .open_assessment_period(
            scope,
            &NewPeriod {
                code: &period.code(),
                kind: period.kind.as_str(),
                starts_at: ms(period.first_day())?,
                ends_at: ms(period.end_day())?,
                scheme: &scheme_json,
                actor,
                now,
            },
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => refused(
                Code::AssessPeriodExists,
                format!(
                    "the period {} is open already; open it from the list",
                    period.code()
                ),
            ),
            other => other.into(),
        })
}

/// The hand scores of a period by subject and indicator.
fn manual_by_subject(rows: Vec<ScoreRow>) -> HashMap<i64, BTreeMap<String, ManualScore>> {
    let mut by: HashMap<i64, BTreeMap<String, ManualScore>> = HashMap::new();
    for r in rows {
        by.entry(r.subject_id).or_default().insert(
            r.indicator,
            ManualScore {
                score: r.score,
                comment: r.comment,
            },
        );
    }
    by
}

/// The owners whose orders count for a subject: a person, or a team's
/// members.
fn owners_of(s: &SubjectRow, members: &HashMap<i64, Vec<i64>>) -> Vec<i64> {
    match (s.user_id, s.team_id) {
        (Some(u), _) => vec![u],
        (None, Some(t)) => members.get(&t).cloned().unwrap_or_default(),
        (None, None) => Vec::new(),
    }
}

async fn members(store: &Store) -> Result<HashMap<i64, Vec<i64>>, AppError> {
    let mut by: HashMap<i64, Vec<i64>> = HashMap::new();
    for (team, user) in store.team_memberships().await? {
        by.entry(team).or_default().push(user);
    }
    Ok(by)
}

/// The orders of the subject's accepted appeals, as counted (an order the
/// subject no longer counts — moved to someone else since — takes out
/// nothing).
async fn appealed_out(
    store: &Store,
    appeals: &[AppealRow],
) -> Result<HashMap<i64, Vec<CountedOrder>>, AppError> {
    let mut by: HashMap<i64, Vec<CountedOrder>> = HashMap::new();
    for a in appeals
        .iter()
        .filter(|a| a.state == AppealState::Accepted.as_str())
    {
        if let Some(o) = store.counted_order(a.order_id).await? {
            by.entry(a.subject_id).or_default().push(o);
        }
    }
    Ok(by)
}

/// Whether `o` counts for a subject with these owners: filed in the
/// period, and held by one of them or (for a team) one it was summoned
/// to. Whether it is cancelled the figures decide ([`figures::counted`]).
fn counted_for(o: &CountedOrder, owners: &[i64], summoned: bool, span: (i64, i64)) -> bool {
    (span.0..span.1).contains(&o.created_at)
        && (summoned || o.owner_user_id.is_some_and(|u| owners.contains(&u)))
}

/// The inputs of every subject of an open period, judged at `now`.
async fn live_inputs(
    store: &Store,
    info: &PeriodInfo,
    subjects: &[SubjectRow],
    appeals: &[AppealRow],
    now: i64,
) -> Result<Vec<Inputs>, AppError> {
    let span = info.span();
    let by_owner: HashMap<i64, Counts> = store
        .assessment_owner_counts(span, now)
        .await?
        .into_iter()
        .map(|o| (o.owner_user_id, o.counts))
        .collect();
    let summons: HashMap<i64, SummonsCounts> = store
        .assessment_team_summons(span, now)
        .await?
        .into_iter()
        .map(|t| (t.team_id, t.counts()))
        .collect();
    let summoned: HashMap<i64, Counts> = store
        .assessment_summoned_counts(span, now)
        .await?
        .into_iter()
        .collect();
    let consultations = consult::record(store, span, now).await?;
    let members = members(store).await?;
    let mut manual = manual_by_subject(store.assessment_scores(info.row.id).await?);
    let out = appealed_out(store, appeals).await?;
    let mut all = Vec::with_capacity(subjects.len());
    for s in subjects {
        let owners = owners_of(s, &members);
        let mut counts = owners
            .iter()
            .filter_map(|u| by_owner.get(u))
            .fold(Counts::default(), |acc, c| acc.plus(*c));
        if let Some(c) = s.team_id.and_then(|t| summoned.get(&t)) {
            counts = counts.plus(*c);
        }
        let mut team_summons = s
            .team_id
            .and_then(|t| summons.get(&t).copied())
            .unwrap_or_default();
        for o in out.get(&s.id).into_iter().flatten() {
            let on = match s.team_id {
                Some(t) => summons_on(store, t, o).await?,
                None => Vec::new(),
            };
            if counted_for(o, &owners, !on.is_empty(), span) {
                counts = counts.minus(Counts::of([&o.facts()?], now));
            }
            for r in on {
                let one = r.summons();
                team_summons.summoned -= 1;
                team_summons.judged -= i64::from(figures::summons_judged(&one, now));
                team_summons.reported_on_time -= i64::from(figures::reported_on_time(&one));
            }
        }
        all.push(Inputs {
            counts,
            summons: team_summons,
            consult: s
                .team_id
                .and_then(|t| consultations.get(&t).copied())
                .unwrap_or_default(),
            manual: manual.remove(&s.id).unwrap_or_default(),
        });
    }
    Ok(all)
}

/// The summons of team `t` on order `o`.
async fn summons_on(store: &Store, t: i64, o: &CountedOrder) -> Result<Vec<SummonsRow>, AppError> {
    Ok(store
        .team_summons_in(t, (o.created_at, o.created_at + 1))
        .await?
        .into_iter()
        .filter(|r| r.order_id == o.id)
        .collect())
}

/// Ranks each kind of subject among its own kind.
fn ranked(info: &PeriodInfo, subjects: Vec<SubjectRow>, inputs: Vec<Inputs>) -> Vec<Ranked> {
    let mut all: Vec<Ranked> = subjects
        .into_iter()
        .zip(inputs)
        .map(|(subject, inputs)| Ranked {
            score: score::score(&info.scheme, &inputs),
            subject,
            inputs,
            rank: None,
        })
        .collect();
    let kinds: Vec<String> = {
        let mut k: Vec<String> = all.iter().map(|r| r.subject.kind.clone()).collect();
        k.sort();
        k.dedup();
        k
    };
    for kind in kinds {
        let idx: Vec<usize> = (0..all.len())
            .filter(|&i| all[i].subject.kind == kind)
            .collect();
        let totals: Vec<Option<f64>> = idx.iter().map(|&i| all[i].score.total).collect();
        for (&i, r) in idx.iter().zip(score::rank(&totals)) {
            all[i].rank = r;
        }
    }
    let order = |k: &str| {
        SubjectKind::parse(k)
            .ok()
            .and_then(|k| SubjectKind::ALL.iter().position(|x| *x == k))
            .unwrap_or(usize::MAX)
    };
    all.sort_by(|a, b| {
        (
            order(&a.subject.kind),
            a.rank.unwrap_or(u32::MAX),
            &a.subject.name,
        )
            .cmp(&(
                order(&b.subject.kind),
                b.rank.unwrap_or(u32::MAX),
                &b.subject.name,
            ))
    });
    all
}

/// A period's ranking: counted now while it is open, made again from what
/// was stored once it is closed.
pub async fn ranking(core: &AssessState, id: i64) -> Result<Ranking, AppError> {
    ranking_at(&core.store, id, core.clock.now_ms()).await
}

/// A period's ranking, an open one's judged at `now`.
pub async fn ranking_at(store: &Store, id: i64, now: i64) -> Result<Ranking, AppError> {
    let info = info(store, id).await?;
    let subjects = store.assessment_subjects(id).await?;
    let appeals = store.assessment_appeals(id).await?;
    let inputs = if info.closed() {
        subjects
            .iter()
            .map(|s| {
                s.inputs
                    .as_deref()
                    .map(serde_json::from_str::<Inputs>)
                    .transpose()
                    .map_err(|e| corrupt("frozen inputs", e))
                    .map(Option::unwrap_or_default)
            })
            .collect::<Result<Vec<_>, _>>()?
    } else {
        live_inputs(store, &info, &subjects, &appeals, now).await?
    };
    let mut subjects = ranked(&info, subjects, inputs);
    if info.closed() {
        // The rank as frozen (the same, unless the ranking rules changed).
        for r in &mut subjects {
            r.rank = r.subject.rank.and_then(|x| u32::try_from(x).ok());
        }
    }
    Ok(Ranking {
        info,
        subjects,
        appeals,
    })
}

/// One subject's page: its score traced down to the orders counted.
#[derive(Debug, Clone)]
pub struct SubjectView {
    pub info: PeriodInfo,
    pub ranked: Ranked,
    /// Of the same kind, for "rank of n".
    pub of: usize,
    /// The orders counted, each with its flags (as frozen, or as now).
    pub orders: Vec<(CountedOrder, i64)>,
    /// The orders taken out by an accepted appeal.
    pub appealed_out: Vec<i64>,
    pub summons: Vec<SummonsRow>,
    /// A department's matters concluded in the period (征询采纳率).
    pub consultations: Vec<MatterRow>,
    pub appeals: Vec<AppealRow>,
    /// Whether the caller may appeal for this subject.
    pub may_appeal: bool,
}

/// Whether the caller is the subject or a member of its team.
async fn is_member(core: &AssessState, who: &Principal, s: &SubjectRow) -> Result<bool, AppError> {
    let Some(u) = user(who) else {
        return Ok(false);
    };
    if s.user_id == Some(u.user.id) {
        return Ok(true);
    }
    match s.team_id {
        Some(t) => Ok(core.store.teams_of_member(u.user.id).await?.contains(&t)),
        None => Ok(false),
    }
}

async fn subject_row(core: &AssessState, id: i64) -> Result<SubjectRow, AppError> {
    core.store
        .assessment_subject(id)
        .await?
        .ok_or(AppError::NotFound("assess subject"))
}

/// Refuses a caller who is neither the street nor the subject.
async fn require_street_or_member(
    core: &AssessState,
    who: &Principal,
    s: &SubjectRow,
) -> Result<(), AppError> {
    if is_street(who) || is_member(core, who, s).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden(Code::AssessNotAllowed))
    }
}

/// The orders counted for a subject of an open period now, and the
/// accepted appeals' orders taken out.
async fn live_orders(
    store: &Store,
    (info, members): (&PeriodInfo, &HashMap<i64, Vec<i64>>),
    s: &SubjectRow,
    appeals: &[AppealRow],
    now: i64,
) -> Result<(Vec<(CountedOrder, i64)>, Vec<i64>), AppError> {
    let owners = owners_of(s, members);
    let out: Vec<i64> = appeals
        .iter()
        .filter(|a| a.subject_id == s.id && a.state == AppealState::Accepted.as_str())
        .map(|a| a.order_id)
        .collect();
    let mut orders = store.orders_owned_by(&owners, info.span()).await?;
    if let Some(t) = s.team_id {
        orders.extend(store.orders_summoning_team(t, info.span()).await?);
        orders.sort_by_key(|o| (o.created_at, o.id));
    }
    let mut counted = Vec::new();
    for o in orders {
        if out.contains(&o.id) {
            continue;
        }
        let f = flags::of(&o.facts()?, now);
        counted.push((o, f));
    }
    Ok((counted, out))
}

/// A subject's page content.
pub async fn subject(
    core: &AssessState,
    who: &Principal,
    id: i64,
) -> Result<SubjectView, AppError> {
    let s = subject_row(core, id).await?;
    require_street_or_member(core, who, &s).await?;
    let ranking = ranking(core, s.period_id).await?;
    let info = ranking.info.clone();
    let of = ranking
        .subjects
        .iter()
        .filter(|r| r.subject.kind == s.kind)
        .count();
    let ranked = ranking
        .subjects
        .into_iter()
        .find(|r| r.subject.id == id)
        .ok_or(AppError::NotFound("assess subject"))?;
    let appeals: Vec<AppealRow> = ranking
        .appeals
        .into_iter()
        .filter(|a| a.subject_id == id)
        .collect();
    let (orders, appealed_out) = if info.closed() {
        let out = appeals
            .iter()
            .filter(|a| a.state == AppealState::Accepted.as_str())
            .map(|a| a.order_id)
            .collect();
        (core.store.frozen_counted(id).await?, out)
    } else {
        let members = members(&core.store).await?;
        live_orders(
            &core.store,
            (&info, &members),
            &s,
            &appeals,
            core.clock.now_ms(),
        )
        .await?
    };
    let summons = match s.team_id {
        Some(t) => core.store.team_summons_in(t, info.span()).await?,
        None => Vec::new(),
    };
    let consultations = match s.team_id {
        Some(t) => consult::concluded(&core.store, t, info.span()).await?,
        None => Vec::new(),
    };
    let may_appeal = !info.closed() && (is_member(core, who, &s).await? || is_street(who));
    Ok(SubjectView {
        info,
        ranked,
        of,
        orders,
        appealed_out,
        summons,
        consultations,
        appeals,
        may_appeal,
    })
}

/// The street's hand score of a subject for a hand-scored indicator of
/// the period's scheme.
pub async fn set_score(
    core: &AssessState,
    who: &Principal,
    subject_id: i64,
    indicator: &str,
    score_text: &str,
    comment: &str,
) -> Result<(), AppError> {
    require_street(who)?;
    let s = subject_row(core, subject_id).await?;
    let info = info(&core.store, s.period_id).await?;
    if !info.scheme.manual().any(|(_, key, _)| key == indicator) {
        return Err(AppError::unprocessable(
            "indicator",
            Code::AssessIndicatorUnknown,
            format!("{indicator:?} is not scored by hand in this period's scheme"),
        ));
    }
    if info.closed() {
        return Err(refused(
            Code::AssessPeriodClosed,
            "the period is closed: its scores are frozen",
        ));
    }
    let m = ManualScore::parse(score_text, comment).map_err(invalid)?;
    let (_, name) = actor(who);
    core.store
        .set_assessment_score(
            subject_id,
            indicator,
            m.score,
            &m.comment,
            &name,
            core.clock.now_ms(),
        )
        .await?;
    Ok(())
}

/// A subject's appeal against an order counted for it. The order must be
/// one its figures count now: owned by the subject (or a member of its
/// team), filed in the period, not cancelled.
pub async fn file_appeal(
    core: &AssessState,
    who: &Principal,
    subject_id: i64,
    order_id: i64,
    ground: &str,
    reason: &str,
) -> Result<i64, AppError> {
    let s = subject_row(core, subject_id).await?;
    require_street_or_member(core, who, &s).await?;
    let info = info(&core.store, s.period_id).await?;
    if info.closed() {
        return Err(refused(
            Code::AssessPeriodClosed,
            "the period is closed: its scores are frozen",
        ));
    }
    let ground = AppealGround::parse(ground).map_err(invalid)?;
    let reason = appeal::reason(reason).map_err(invalid)?;
    let members = members(&core.store).await?;
    let owners = owners_of(&s, &members);
    let counted = match core.store.counted_order(order_id).await? {
        Some(o) => {
            let summoned = match s.team_id {
                Some(t) => !summons_on(&core.store, t, &o).await?.is_empty(),
                None => false,
            };
            figures::counted(&o.facts()?) && counted_for(&o, &owners, summoned, info.span())
        }
        None => false,
    };
    if !counted {
        return Err(AppError::unprocessable(
            "order",
            Code::AssessAppealNotCounted,
            format!(
                "order {order_id} is not counted for {} in {}: appeal only an order its figures count",
                s.name,
                info.period.code()
            ),
        ));
    }
    let (_, name) = actor(who);
    core.store
        .file_assessment_appeal(
            subject_id,
            order_id,
            ground.as_str(),
            &reason,
            &name,
            core.clock.now_ms(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Conflict { .. } => refused(
                Code::AssessAppealTwice,
                format!("{} has appealed order {order_id} already", s.name),
            ),
            other => other.into(),
        })
}

/// The street's decision on an appeal; an accepted one is written on the
/// order's trail.
pub async fn decide(
    core: &AssessState,
    who: &Principal,
    appeal_id: i64,
    accept: bool,
    why: &str,
    addr: &ClientAddr,
) -> Result<AppealRow, AppError> {
    require_street(who)?;
    let a = core
        .store
        .assessment_appeal(appeal_id)
        .await?
        .ok_or(AppError::NotFound("assess appeal"))?;
    let current = AppealState::parse(&a.state).map_err(|e| corrupt("appeal state", e))?;
    let (state, why) = appeal::decide(current, accept, why).map_err(|e| {
        if e.code == Code::AssessAppealDecided {
            refused(e.code, e.message)
        } else {
            invalid(e)
        }
    })?;
    let s = subject_row(core, a.subject_id).await?;
    let info = info(&core.store, s.period_id).await?;
    if info.closed() {
        return Err(refused(
            Code::AssessPeriodClosed,
            "the period is closed: its scores are frozen",
        ));
    }
    // The trail first: writing it is what can be refused (an order outside
    // the operator's area), and nothing is decided until it is written.
    // Only a decision by someone else in the moment between can then stop
    // the decision, leaving the trail's record of an acceptance that lost
    // the race — which the appeal list shows as decided the other way.
    if let (true, Some(u)) = (accept, user(who)) {
        let text = format!(
            "考核申诉已采纳：{}（{}）不再以本工单计分。理由：{why} / Assessment appeal accepted: not counted for {} in {}.",
            s.name,
            info.period.zh(),
            s.name,
            info.period.code()
        );
        orders::act(
            &core.orders,
            a.order_id,
            &orders::Who::User(Box::new(u.clone())),
            &shequ_domain::order::Action::Assessment { text },
            addr,
        )
        .await?;
    }
    let (_, name) = actor(who);
    let done = core
        .store
        .decide_assessment_appeal(appeal_id, state.as_str(), &why, &name, core.clock.now_ms())
        .await?;
    if !done {
        return Err(refused(
            Code::AssessAppealDecided,
            "this appeal was decided already; an appeal is decided once",
        ));
    }
    core.store
        .assessment_appeal(appeal_id)
        .await?
        .ok_or(AppError::NotFound("assess appeal"))
}

/// Closes an open period: each subject's inputs, score, rank and counted
/// orders are frozen as they are now. A period is closed once.
pub async fn close(core: &AssessState, who: &Principal, id: i64) -> Result<(), AppError> {
    require_street(who)?;
    let (_, name) = actor(who);
    close_at(&core.store, id, &name, core.clock.now_ms()).await
}

/// Closes period `id` at `now` as `actor` (what [`close`] does for the
/// street, and the demo for itself).
pub async fn close_at(store: &Store, id: i64, actor: &str, now: i64) -> Result<(), AppError> {
    let info = info(store, id).await?;
    let closed_already = || {
        refused(
            Code::AssessPeriodClosed,
            format!(
                "the period {} is closed already; its scores are frozen",
                info.period.code()
            ),
        )
    };
    if info.closed() {
        return Err(closed_already());
    }
    let subjects = store.assessment_subjects(id).await?;
    let appeals = store.assessment_appeals(id).await?;
    let inputs = live_inputs(store, &info, &subjects, &appeals, now).await?;
    let ranked = ranked(&info, subjects, inputs);
    let members = members(store).await?;
    let mut frozen = Vec::with_capacity(ranked.len());
    for r in &ranked {
        let (orders, _) = live_orders(store, (&info, &members), &r.subject, &appeals, now).await?;
        frozen.push(FrozenSubject {
            subject_id: r.subject.id,
            inputs: serde_json::to_string(&r.inputs).map_err(|e| corrupt("inputs", e))?,
            score: r.score.total,
            rank: r.rank.map(i64::from),
            counted: orders.iter().map(|(o, f)| (o.id, *f)).collect(),
        });
    }
    if !store
        .close_assessment_period(id, &frozen, actor, now)
        .await?
    {
        return Err(closed_already());
    }
    Ok(())
}

/// The period an appeal was filed in.
pub async fn period_of_appeal(core: &AssessState, appeal_id: i64) -> Result<i64, AppError> {
    let a = core
        .store
        .assessment_appeal(appeal_id)
        .await?
        .ok_or(AppError::NotFound("assess appeal"))?;
    Ok(subject_row(core, a.subject_id).await?.period_id)
}

/// The kinds a period may be opened as, for the form.
pub fn kinds() -> &'static [PeriodKind] {
    PeriodKind::ALL
}
