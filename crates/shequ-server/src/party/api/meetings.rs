//! Joint meetings under `/api/v1/party/meetings`: the meetings of your
//! area with their decisions counted by stage; one meeting with members,
//! sessions and each decision's order; seating a member; recording a
//! session, whose decisions become work orders; a decision added later.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use super::{READ, WRITE};
use crate::app::access::ClientAddr;
use crate::app::auth::Principal;
use crate::app::error::AppResult;
use crate::party::PartyState;
use crate::party::meetings::{
    self, DecisionInput, DecisionView, MeetingDetail, MeetingInput, MeetingSummary, MemberInput,
    Recorded, SessionInput,
};

/// The meetings serving a region of your area, with their decisions
/// counted by stage (open, overdue, done…).
#[utoipa::path(get, path = "/api/v1/party/meetings", tag = "party",
    responses((status = 200, body = Vec<MeetingSummary>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<PartyState>,
    who: Principal,
) -> AppResult<Json<Vec<MeetingSummary>>> {
    who.require_token_scope(READ)?;
    Ok(Json(meetings::visible(&state, &who).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MeetingIn {
    pub code: String,
    pub name: String,
    /// The code of the district, street or neighbourhood it serves.
    pub region: String,
    /// The code of the convening organisation.
    #[serde(default)]
    pub convener: Option<String>,
    /// The meeting one level up this one sends representatives to.
    #[serde(default)]
    pub parent_id: Option<i64>,
}

/// Creates a joint meeting; its level follows its region.
#[utoipa::path(post, path = "/api/v1/party/meetings", tag = "party",
    request_body = MeetingIn,
    responses((status = 201, body = MeetingSummary), (status = 422), (status = 409)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<PartyState>,
    who: Principal,
    addr: ClientAddr,
    Json(m): Json<MeetingIn>,
) -> AppResult<(StatusCode, Json<MeetingSummary>)> {
    who.require_token_scope(WRITE)?;
    let meeting = meetings::create(
        &state,
        &who,
        &MeetingInput {
            code: m.code,
            name: m.name,
            region: m.region,
            convener: m.convener.unwrap_or_default(),
            parent_id: m.parent_id,
        },
        &addr,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(MeetingSummary {
            meeting,
            tally: Default::default(),
        }),
    ))
}

/// One meeting: members, the meetings below it, sessions latest first,
/// and each decision with where its work order stands.
#[utoipa::path(get, path = "/api/v1/party/meetings/{id}", tag = "party",
    params(("id" = i64, Path)),
    responses((status = 200, body = MeetingDetail), (status = 404)),
    security(("bearer" = [])))]
pub async fn show(
    State(state): State<PartyState>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<MeetingDetail>> {
    who.require_token_scope(READ)?;
    Ok(Json(meetings::detail(&state, &who, id, &addr).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct MemberIn {
    /// A party organisation's code…
    #[serde(default)]
    pub org: Option<String>,
    /// …or a resident unit's name (驻区单位), optionally at a place.
    #[serde(default)]
    pub unit_name: Option<String>,
    #[serde(default)]
    pub place_id: Option<i64>,
    #[serde(default)]
    pub representative: Option<String>,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Seats an organisation or a resident unit on the meeting.
#[utoipa::path(post, path = "/api/v1/party/meetings/{id}/members", tag = "party",
    params(("id" = i64, Path)), request_body = MemberIn,
    responses((status = 201, body = Created), (status = 404), (status = 409), (status = 422)),
    security(("bearer" = [])))]
pub async fn add_member(
    State(state): State<PartyState>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(m): Json<MemberIn>,
) -> AppResult<(StatusCode, Json<Created>)> {
    who.require_token_scope(WRITE)?;
    let id = meetings::add_member(
        &state,
        &who,
        id,
        &MemberInput {
            org: m.org.unwrap_or_default(),
            unit_name: m.unit_name.unwrap_or_default(),
            place_id: m.place_id,
            representative: m.representative.unwrap_or_default(),
        },
        &addr,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionIn {
    /// What was decided (the order's title).
    pub title: String,
    #[serde(default)]
    pub detail: Option<String>,
    /// The order category it is filed under.
    pub category: String,
    /// The place it concerns, inside the meeting's region.
    #[serde(default)]
    pub place_id: Option<i64>,
    /// The day it is due (YYYY-MM-DD); the category's deadline otherwise.
    #[serde(default)]
    pub due_on: Option<String>,
}

impl From<DecisionIn> for DecisionInput {
    fn from(d: DecisionIn) -> Self {
        DecisionInput {
            title: d.title,
            detail: d.detail.unwrap_or_default(),
            category: d.category,
            place_id: d.place_id,
            due_on: d.due_on.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SessionIn {
    /// The day it was held (YYYY-MM-DD), not after today.
    pub held_on: String,
    #[serde(default)]
    pub venue: Option<String>,
    pub agenda: String,
    #[serde(default)]
    pub minutes: Option<String>,
    /// The meeting's members present (their ids in the meeting).
    #[serde(default)]
    pub attended: Vec<i64>,
    /// People in the room.
    #[serde(default)]
    pub attendees: Option<u32>,
    #[serde(default)]
    pub decisions: Vec<DecisionIn>,
}

/// Records a session; each decision becomes a work order (source
/// `meeting`), routed to one owner with a deadline.
#[utoipa::path(post, path = "/api/v1/party/meetings/{id}/sessions", tag = "party",
    params(("id" = i64, Path)), request_body = SessionIn,
    responses((status = 201, body = Recorded), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn record_session(
    State(state): State<PartyState>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(s): Json<SessionIn>,
) -> AppResult<(StatusCode, Json<Recorded>)> {
    who.require_token_scope(WRITE)?;
    let input = SessionInput {
        held_on: s.held_on,
        venue: s.venue.unwrap_or_default(),
        agenda: s.agenda,
        minutes: s.minutes.unwrap_or_default(),
        attended: s.attended,
        attendees: s.attendees.map(|n| n.to_string()).unwrap_or_default(),
        decisions: s.decisions.into_iter().map(DecisionInput::from).collect(),
    };
    let recorded = meetings::record_session(&state, &who, id, &input, &addr).await?;
    Ok((StatusCode::CREATED, Json(recorded)))
}

/// Adds a decision to a recorded session and files its order.
#[utoipa::path(post, path = "/api/v1/party/sessions/{id}/decisions", tag = "party",
    params(("id" = i64, Path, description = "the session")), request_body = DecisionIn,
    responses((status = 201, body = DecisionView), (status = 404), (status = 422)),
    security(("bearer" = [])))]
pub async fn add_decision(
    State(state): State<PartyState>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(d): Json<DecisionIn>,
) -> AppResult<(StatusCode, Json<DecisionView>)> {
    who.require_token_scope(WRITE)?;
    let view = meetings::add_decision(&state, &who, id, &d.into(), &addr).await?;
    Ok((StatusCode::CREATED, Json(view)))
}
