//! Joint meetings' service (联席会议): what a caller sees of the meetings
//! of their area, and the sessions they record. Each decision becomes a
//! work order through the orders' one intake (source `meeting`), routed to
//! one person with a deadline and a trail; the meeting then follows each
//! order's standing through `orders::service::standing`.
//!
//! A decision is stored with its session before its order is filed, and
//! linked to it after. If the filing fails (the database refused, the
//! process stopped), the decision stays unfiled and is shown so; the
//! worker here files it again, and the order's external id
//! (`meeting-decision:<id>`) makes a second filing find the first order.

use std::collections::HashMap;
use std::time::Duration;

use chrono::NaiveDate;
use serde::Serialize;
use shequ_domain::party::meeting::{Stage, Tally, decision_external_id};
use shequ_domain::{Code, RegionPath};
use shequ_store::party::{
    DecisionRow, MeetingMember, MeetingMemberRow, MeetingRow, NewDecision, NewMeeting, NewSession,
    SessionRow,
};
use shequ_store::{Scope, StoreError};

use crate::app::access::{ClientAddr, actor, deny};
use crate::app::auth::Principal;
use crate::app::error::{AppError, FieldError};
use crate::app::state::Core;
use crate::orders::intake::{self, Report};
use crate::orders::service::{Standing, standing};
use crate::party::PartyState;
use crate::party::service::require_manager;

/// A decision and where its order stands.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DecisionView {
    #[serde(flatten)]
    pub decision: DecisionRow,
    /// `unfiled`, `open`, `overdue`, `done` or `cancelled`.
    #[schema(value_type = String)]
    pub stage: Stage,
    pub order: Option<Standing>,
}

/// A session with its decisions.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    #[serde(flatten)]
    pub session: SessionRow,
    /// The members present (ids of the meeting's members).
    pub attended: Vec<i64>,
    pub decisions: Vec<DecisionView>,
}

/// A meeting with its decisions counted by stage.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingSummary {
    #[serde(flatten)]
    pub meeting: MeetingRow,
    #[schema(value_type = Object)]
    pub tally: Tally,
}

/// Everything a meeting's page shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MeetingDetail {
    #[serde(flatten)]
    pub meeting: MeetingRow,
    pub members: Vec<MeetingMemberRow>,
    /// The meetings of the level below that send representatives.
    pub lower: Vec<MeetingRow>,
    pub sessions: Vec<SessionView>,
    #[schema(value_type = Object)]
    pub tally: Tally,
}

fn stage_of(d: &DecisionRow, orders: &HashMap<i64, Standing>) -> (Stage, Option<Standing>) {
    let order = d.order_id.and_then(|id| orders.get(&id)).cloned();
    let state = order
        .as_ref()
        .and_then(|o| shequ_domain::order::OrderState::parse(&o.state));
    let overdue = order.as_ref().is_some_and(|o| o.overdue.is_some());
    (Stage::of(state, overdue), order)
}

/// The decisions `rows` with their orders' standing.
async fn with_standing(
    state: &PartyState,
    rows: Vec<DecisionRow>,
) -> Result<Vec<DecisionView>, AppError> {
    let ids: Vec<i64> = rows.iter().filter_map(|d| d.order_id).collect();
    let orders: HashMap<i64, Standing> = standing(&state.orders, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    Ok(rows
        .into_iter()
        .map(|d| {
            let (stage, order) = stage_of(&d, &orders);
            DecisionView {
                decision: d,
                stage,
                order,
            }
        })
        .collect())
}

fn tally(views: &[DecisionView]) -> Tally {
    Tally::of(views.iter().map(|v| v.stage))
}

/// The meetings serving a region in the caller's scope, with their tallies.
pub async fn visible(state: &PartyState, who: &Principal) -> Result<Vec<MeetingSummary>, AppError> {
    let meetings = state.store.meetings_in(&who.scope()?).await?;
    let mut out = Vec::with_capacity(meetings.len());
    for m in meetings {
        let views = with_standing(state, state.store.decisions_of(m.id).await?).await?;
        out.push(MeetingSummary {
            tally: tally(&views),
            meeting: m,
        });
    }
    Ok(out)
}

/// Meeting `id` if the caller may see it: not found when there is none,
/// refused (and logged) when it serves a region outside their scope.
pub async fn in_view(
    state: &PartyState,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> Result<MeetingRow, AppError> {
    let m = state
        .store
        .meeting(id)
        .await?
        .ok_or(AppError::NotFound("party meeting"))?;
    if !who.scope()?.contains(&m.region_path) {
        return Err(deny(
            state,
            who,
            "party_meeting",
            id.to_string(),
            Some(m.region_path),
            addr,
        )
        .await);
    }
    Ok(m)
}

/// Meeting `id` with its members, lower meetings, sessions and decisions.
pub async fn detail(
    state: &PartyState,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> Result<MeetingDetail, AppError> {
    let meeting = in_view(state, who, id, addr).await?;
    let store = &state.store;
    let members = store.meeting_members(id).await?;
    let lower = store
        .meetings_in(&who.scope()?)
        .await?
        .into_iter()
        .filter(|m| m.parent_id == Some(id))
        .collect();
    let decisions = with_standing(state, store.decisions_of(id).await?).await?;
    let tally = tally(&decisions);
    let mut by_session: HashMap<i64, Vec<DecisionView>> = HashMap::new();
    for d in decisions {
        by_session.entry(d.decision.session_id).or_default().push(d);
    }
    let sessions = store
        .sessions_of(id)
        .await?
        .into_iter()
        .map(|s| {
            Ok(SessionView {
                attended: s.attended_ids()?,
                decisions: by_session.remove(&s.id).unwrap_or_default(),
                session: s,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(MeetingDetail {
        meeting,
        members,
        lower,
        sessions,
        tally,
    })
}

/// The meetings an organisation convenes or sits on, those the caller sees.
pub async fn of_org(
    core: &Core,
    who: &Principal,
    org_id: i64,
) -> Result<Vec<MeetingRow>, AppError> {
    let scope = who.scope()?;
    Ok(core
        .store
        .meetings_of_org(org_id)
        .await?
        .into_iter()
        .filter(|m| scope.contains(&m.region_path))
        .collect())
}

/// A new meeting as a form or the API gives it.
#[derive(Debug, Clone, Default)]
pub struct MeetingInput {
    pub code: String,
    pub name: String,
    /// The code of the region it serves.
    pub region: String,
    /// The code of the convening organisation, if any.
    pub convener: String,
    pub parent_id: Option<i64>,
}

/// Creates a meeting serving a region of the caller's area.
pub async fn create(
    state: &PartyState,
    who: &Principal,
    input: &MeetingInput,
    addr: &ClientAddr,
) -> Result<MeetingRow, AppError> {
    require_manager(who)?;
    let store = &state.store;
    let region = store
        .region_by_code(input.region.trim())
        .await?
        .ok_or_else(|| {
            AppError::unprocessable("region", Code::RegionUnknown, "no region has this code")
        })?;
    if !who.scope()?.contains(&region.region.path) {
        return Err(AppError::Forbidden(Code::OutOfScope));
    }
    let convener = match input.convener.trim() {
        "" => None,
        code => Some(
            super::service::org_in_view(state, who, code, addr)
                .await?
                .id,
        ),
    };
    if let Some(parent) = input.parent_id {
        // The upper meeting may serve a region above the caller's own (a
        // neighbourhood's meeting sends representatives to the street's).
        store.meeting(parent).await?.ok_or_else(|| {
            AppError::unprocessable("parent", Code::PartyMeetingNotFound, "no such meeting")
        })?;
    }
    let id = store
        .create_meeting(
            &NewMeeting {
                code: input.code.clone(),
                name: input.name.clone(),
                region_id: region.region.id,
                convener_org_id: convener,
                parent_id: input.parent_id,
            },
            &actor(who).1,
            state.clock.now_ms(),
        )
        .await?;
    store
        .meeting(id)
        .await?
        .ok_or(AppError::NotFound("party meeting"))
}

/// A member to seat: an organisation by code, or a unit by name.
#[derive(Debug, Clone, Default)]
pub struct MemberInput {
    pub org: String,
    pub unit_name: String,
    pub place_id: Option<i64>,
    pub representative: String,
}

/// Seats a member on meeting `id`.
pub async fn add_member(
    state: &PartyState,
    who: &Principal,
    id: i64,
    input: &MemberInput,
    addr: &ClientAddr,
) -> Result<i64, AppError> {
    require_manager(who)?;
    in_view(state, who, id, addr).await?;
    let member = match input.org.trim() {
        "" => MeetingMember::Unit {
            name: input.unit_name.clone(),
            place_id: input.place_id,
        },
        // A meeting may seat organisations of the whole area it serves,
        // and the district's or city's units above it: any organisation
        // that exists, not only those under the caller.
        code => MeetingMember::Org(
            state
                .store
                .scoped_party_org(code)
                .await?
                .ok_or_else(|| {
                    AppError::unprocessable("org", Code::PartyOrgNotFound, "no such organisation")
                })?
                .id,
        ),
    };
    Ok(state
        .store
        .add_meeting_member(id, &member, &input.representative, state.clock.now_ms())
        .await?)
}

/// A decision as a form or the API gives it.
#[derive(Debug, Clone, Default)]
pub struct DecisionInput {
    pub title: String,
    pub detail: String,
    pub category: String,
    pub place_id: Option<i64>,
    pub due_on: String,
}

/// A session as a form or the API gives it.
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    pub held_on: String,
    pub venue: String,
    pub agenda: String,
    pub minutes: String,
    pub attended: Vec<i64>,
    pub attendees: String,
    pub decisions: Vec<DecisionInput>,
}

fn day(field: &'static str, s: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    s.trim()
        .parse::<NaiveDate>()
        .map_err(|_| {
            errors.push(FieldError::new(
                field,
                Code::DateInvalid,
                "write the day as 2026-03-01",
            ))
        })
        .ok()
}

/// Checks a decision's category and place against the meeting before
/// anything is stored, so a decision that intake would refuse is refused
/// with its session, naming the field.
async fn decision_of(
    state: &PartyState,
    meeting: &MeetingRow,
    d: &DecisionInput,
    errors: &mut Vec<FieldError>,
) -> Result<Option<NewDecision>, AppError> {
    let due_on = match d.due_on.trim() {
        "" => None,
        s => match day("due_on", s, errors) {
            Some(d) => Some(d),
            None => return Ok(None),
        },
    };
    let config = state.orders.config.get(&state.store).await?;
    let category = d.category.trim();
    if !config.categories.get(category).is_some_and(|c| c.active) {
        errors.push(FieldError::new(
            "category",
            Code::CategoryUnknown,
            format!("no active category {category:?}"),
        ));
        return Ok(None);
    }
    if let Some(place) = d.place_id {
        let path = RegionPath::parse(&meeting.region_path)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")))?;
        if state
            .store
            .place_in(&Scope::under(&path), place)
            .await?
            .is_none()
        {
            errors.push(FieldError::new(
                "place_id",
                Code::PlaceUnknown,
                "no such place in the region this meeting serves",
            ));
            return Ok(None);
        }
    }
    Ok(Some(NewDecision {
        title: d.title.clone(),
        detail: d.detail.clone(),
        category: category.to_owned(),
        place_id: d.place_id,
        due_on,
    }))
}

/// What recording a session did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub session_id: i64,
    /// Each decision, filed (with its order) or, if filing failed, unfiled
    /// (the worker files it again).
    pub decisions: Vec<DecisionView>,
}

/// Records a session of meeting `id` and files each decision's order.
pub async fn record_session(
    state: &PartyState,
    who: &Principal,
    id: i64,
    input: &SessionInput,
    addr: &ClientAddr,
) -> Result<Recorded, AppError> {
    require_manager(who)?;
    let meeting = in_view(state, who, id, addr).await?;
    let mut errors = Vec::new();
    let held_on = day("held_on", &input.held_on, &mut errors);
    let attendees = match input.attendees.trim() {
        "" => Some(0),
        s => s
            .parse::<u32>()
            .map_err(|_| {
                errors.push(FieldError::new(
                    "attendees",
                    Code::NumberInvalid,
                    "the number of people present, e.g. 14",
                ))
            })
            .ok(),
    };
    let mut decisions = Vec::new();
    for d in &input.decisions {
        if let Some(d) = decision_of(state, &meeting, d, &mut errors).await? {
            decisions.push(d);
        }
    }
    let (Some(held_on), Some(attendees), true) = (held_on, attendees, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let (session_id, ids) = state
        .store
        .record_session(
            id,
            &NewSession {
                held_on,
                venue: input.venue.clone(),
                agenda: input.agenda.clone(),
                minutes: input.minutes.clone(),
                attended: input.attended.clone(),
                attendees,
                decisions,
            },
            &actor(who).1,
            state.today(),
            state.clock.now_ms(),
        )
        .await?;
    let mut rows = Vec::with_capacity(ids.len());
    for d in ids {
        if let Some(d) = state.store.decision(d).await? {
            rows.push(file(state, &meeting, d, &Filer::of(who)).await);
        }
    }
    Ok(Recorded {
        session_id,
        decisions: with_standing(state, rows).await?,
    })
}

/// Adds a decision to a session recorded before, and files its order.
pub async fn add_decision(
    state: &PartyState,
    who: &Principal,
    session_id: i64,
    input: &DecisionInput,
    addr: &ClientAddr,
) -> Result<DecisionView, AppError> {
    require_manager(who)?;
    let session = state
        .store
        .session(session_id)
        .await?
        .ok_or(AppError::NotFound("party session"))?;
    let meeting = in_view(state, who, session.meeting_id, addr).await?;
    let mut errors = Vec::new();
    let Some(d) = decision_of(state, &meeting, input, &mut errors).await? else {
        return Err(AppError::Unprocessable(errors));
    };
    let id = state
        .store
        .add_decision(session_id, &d, state.clock.now_ms())
        .await?;
    let row = state
        .store
        .decision(id)
        .await?
        .ok_or(AppError::NotFound("party decision"))?;
    let row = file(state, &meeting, row, &Filer::of(who)).await;
    let mut views = with_standing(state, vec![row]).await?;
    views.pop().ok_or(AppError::NotFound("party decision"))
}

/// The meeting a decision belongs to, if the caller may see it (the order
/// page's link back lands here).
pub async fn meeting_of_decision(
    state: &PartyState,
    who: &Principal,
    decision_id: i64,
    addr: &ClientAddr,
) -> Result<MeetingRow, AppError> {
    let d = state
        .store
        .decision(decision_id)
        .await?
        .ok_or(AppError::NotFound("party decision"))?;
    in_view(state, who, d.meeting_id, addr).await
}

/// The end of `day` in the deployment's time zone, in epoch ms: a
/// decision due on a day may be done until that evening.
fn end_of_day(state: &PartyState, day: NaiveDate) -> Option<i64> {
    let evening = day.and_hms_opt(23, 59, 59)?;
    evening
        .and_local_timezone(state.tz)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// Who files a decision's order, as its trail names them.
struct Filer {
    user_id: Option<i64>,
    actor: std::borrow::Cow<'static, str>,
}

impl Filer {
    /// The worker filing a decision whose filing was lost.
    const SYSTEM: Filer = Filer {
        user_id: None,
        actor: std::borrow::Cow::Borrowed("system"),
    };

    fn of(who: &Principal) -> Filer {
        match who {
            Principal::User(u) => Filer {
                user_id: Some(u.user.id),
                actor: format!("user:{}", u.user.id).into(),
            },
            Principal::Token(t) => Filer {
                user_id: None,
                actor: format!("token:{}", t.name).into(),
            },
        }
    }
}

/// Files decision `d`'s order through the orders' intake and links it.
/// A failure is logged and leaves the decision unfiled for the worker;
/// the decision as it now stands is returned either way.
async fn file(state: &PartyState, meeting: &MeetingRow, d: DecisionRow, by: &Filer) -> DecisionRow {
    if d.order_id.is_some() {
        return d;
    }
    match file_once(state, meeting, &d, by).await {
        Ok(order) => DecisionRow {
            order_id: Some(order),
            ..d
        },
        Err(e) => {
            tracing::warn!(decision = d.id, error = %e, "filing a meeting decision's order failed; it will be retried");
            d
        }
    }
}

async fn file_once(
    state: &PartyState,
    meeting: &MeetingRow,
    d: &DecisionRow,
    by: &Filer,
) -> Result<i64, AppError> {
    let session = state
        .store
        .session(d.session_id)
        .await?
        .ok_or(AppError::NotFound("party session"))?;
    let scope_root = RegionPath::parse(&meeting.region_path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")))?;
    let mut description = format!(
        "联席会议 Joint meeting：{}\n会议日期 Session：{}\n决定 Decision {}：{}",
        meeting.name, session.held_on, d.seq, d.title
    );
    if !d.detail.is_empty() {
        description.push_str("\n\n");
        description.push_str(&d.detail);
    }
    let resolve_by = d.due_day()?.and_then(|day| end_of_day(state, day));
    let report = Report {
        category: d.category.clone(),
        source: "meeting",
        title: d.title.clone(),
        description,
        address: if d.place_id.is_some() {
            String::new()
        } else {
            meeting.region_name.clone()
        },
        point: None,
        place_id: d.place_id,
        subject_person_id: None,
        reporter_name: meeting.name.clone(),
        reporter_phone: None,
        reporter_email: None,
        external_id: Some(decision_external_id(d.id)),
        attributes: serde_json::Value::Null,
        priority: None,
        scope_root,
        actor: by.actor.clone().into_owned(),
        actor_user_id: by.user_id,
        reporter_link: false,
        resolve_by,
    };
    let filed = intake::submit(&state.orders, report).await?;
    state.store.link_decision_order(d.id, filed.id).await?;
    Ok(filed.id)
}

/// How often the worker looks for decisions whose filing was lost.
const RETRY_EVERY: Duration = Duration::from_secs(60);

/// Files the orders of decisions left unfiled; returns how many it filed.
pub async fn file_pending(state: &PartyState) -> Result<usize, AppError> {
    let mut filed = 0;
    for d in state.store.unfiled_decisions(100).await? {
        let Some(meeting) = state.store.meeting(d.meeting_id).await? else {
            continue;
        };
        if file(state, &meeting, d, &Filer::SYSTEM)
            .await
            .order_id
            .is_some()
        {
            filed += 1;
        }
    }
    Ok(filed)
}

/// Starts the worker that files decisions left unfiled, at start and then
/// every minute.
pub fn spawn(state: &PartyState) {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RETRY_EVERY);
        loop {
            tick.tick().await;
            match file_pending(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(decisions = n, "filed meeting decisions left unfiled"),
                Err(e) => tracing::warn!(error = %e, "filing unfiled meeting decisions failed"),
            }
        }
    });
}
