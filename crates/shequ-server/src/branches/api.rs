//! The branches API under `/api/v1/branches`: preference-form rounds
//! (open one, enter a form, close, reopen, confirm) with the assignment
//! computed from the stored forms, and committee elections whose rounds
//! are counted again from their stored ballots on every read. Tokens need
//! the party scopes: the branches are the party organisation's.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::branches::{NextRound, RoundResult, Standing};
use shequ_store::branches::{ElectionRow, OfferRow, Placement, RoundRow};

use crate::app::access::ClientAddr;
use crate::app::auth::Principal;
use crate::app::error::{AppError, AppResult};
use crate::app::state::Core;
use crate::branches::service::{self, CountedRound, Outcome, RoundMember, RoundNumbers, RoundStep};

const READ: &str = "party:read";
const WRITE: &str = "party:write";

/// What was created.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Created {
    pub id: i64,
}

/// The rounds of your organisations, newest first.
#[utoipa::path(get, path = "/api/v1/branches/rounds", tag = "branches",
    responses((status = 200, body = Vec<RoundRow>)),
    security(("bearer" = [])))]
pub async fn rounds(State(core): State<Core>, who: Principal) -> AppResult<Json<Vec<RoundRow>>> {
    who.require_token_scope(READ)?;
    Ok(Json(service::rounds(&core, &who).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RoundIn {
    /// The code of the organisation running the round.
    pub org: String,
    #[serde(default)]
    pub title: String,
    /// One branch a line: `code,name,kind,min,max[,region code]`, kind
    /// 趣缘/业缘/地缘 or interest/occupation/location.
    pub offers: String,
}

/// Opens a round with the branches on offer.
#[utoipa::path(post, path = "/api/v1/branches/rounds", tag = "branches",
    request_body = RoundIn,
    responses((status = 201, body = Created)),
    security(("bearer" = [])))]
pub async fn open_round(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Json(body): Json<RoundIn>,
) -> AppResult<(StatusCode, Json<Created>)> {
    who.require_token_scope(WRITE)?;
    let id = service::open_round(&core, &who, &body.org, &body.title, &body.offers, &addr).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// A member's place in the assignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlacedOut {
    pub person_id: String,
    pub branch: String,
    /// `1`–`3`, `home` or `moved`.
    pub rank: String,
    /// Why they were placed outside their choices, if they were.
    pub reason: Option<String>,
}

/// A round with its offers, members and assignment.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RoundOut {
    pub round: RoundRow,
    pub offers: Vec<OfferRow>,
    pub members: Vec<RoundMember>,
    /// The assignment (computed from the forms now, or as confirmed).
    pub placed: Vec<PlacedOut>,
    /// first, second, third, home, moved.
    pub counts: [usize; 5],
    /// Why no assignment meets the limits, each naming its branch.
    pub infeasible: Vec<String>,
}

/// A round, its forms and its assignment; the members' read is logged.
#[utoipa::path(get, path = "/api/v1/branches/rounds/{id}", tag = "branches",
    params(("id" = i64, Path)),
    responses((status = 200, body = RoundOut)),
    security(("bearer" = [])))]
pub async fn round(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<RoundOut>> {
    who.require_token_scope(READ)?;
    let v = service::view_round(&core, &who, id, &addr).await?;
    let counts = v.outcome.counts().unwrap_or_default();
    let (placed, infeasible) = match &v.outcome {
        Outcome::Preview(r) | Outcome::Computed(r) => match r {
            Ok(a) => {
                let placed = a
                    .placed
                    .iter()
                    .map(|p| PlacedOut {
                        person_id: p.member.clone(),
                        branch: p.branch.clone(),
                        rank: p.placement.as_str().to_owned(),
                        reason: p.reason().map(str::to_owned),
                    })
                    .collect();
                (placed, Vec::new())
            }
            Err(e) => (Vec::new(), vec![e.to_string()]),
        },
        Outcome::Confirmed(list) => {
            let placed = list
                .iter()
                .map(|p: &Placement| PlacedOut {
                    person_id: p.person_id.to_string(),
                    branch: p.branch.clone(),
                    rank: p.rank.clone(),
                    reason: None,
                })
                .collect();
            (placed, Vec::new())
        }
    };
    Ok(Json(RoundOut {
        round: v.round,
        offers: v.offers,
        members: v.members,
        placed,
        counts,
        infeasible,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FormIn {
    pub person_id: i64,
    /// Up to three offer codes, first choice first.
    pub choices: Vec<String>,
}

/// Enters a member's form from paper (replacing an earlier one).
#[utoipa::path(post, path = "/api/v1/branches/rounds/{id}/forms", tag = "branches",
    params(("id" = i64, Path)),
    request_body = FormIn,
    responses((status = 204)),
    security(("bearer" = [])))]
pub async fn enter_form(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(body): Json<FormIn>,
) -> AppResult<StatusCode> {
    who.require_token_scope(WRITE)?;
    service::enter_form(&core, &who, id, body.person_id, &body.choices, &addr).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Closes (`close`), reopens (`reopen`) or confirms (`confirm`) a round;
/// confirming moves every member into their branch.
#[utoipa::path(post, path = "/api/v1/branches/rounds/{id}/{step}", tag = "branches",
    params(("id" = i64, Path), ("step" = String, Path, description = "close, reopen or confirm")),
    responses((status = 204)),
    security(("bearer" = [])))]
pub async fn step(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path((id, step)): Path<(i64, String)>,
) -> AppResult<StatusCode> {
    who.require_token_scope(WRITE)?;
    let step = RoundStep::parse(&step).ok_or(AppError::NotFound("branch step"))?;
    service::step_round(&core, &who, id, step, &addr).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The elections of your branches, newest first.
#[utoipa::path(get, path = "/api/v1/branches/elections", tag = "branches",
    responses((status = 200, body = Vec<ElectionRow>)),
    security(("bearer" = [])))]
pub async fn elections(
    State(core): State<Core>,
    who: Principal,
) -> AppResult<Json<Vec<ElectionRow>>> {
    who.require_token_scope(READ)?;
    Ok(Json(service::elections(&core, &who).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ElectionIn {
    /// The branch's code.
    pub org: String,
    /// Committee seats, 3 to 7.
    pub seats: u32,
}

/// Starts the election of a branch's committee.
#[utoipa::path(post, path = "/api/v1/branches/elections", tag = "branches",
    request_body = ElectionIn,
    responses((status = 201, body = Created)),
    security(("bearer" = [])))]
pub async fn create_election(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Json(body): Json<ElectionIn>,
) -> AppResult<(StatusCode, Json<Created>)> {
    who.require_token_scope(WRITE)?;
    let id = service::create_election(&core, &who, &body.org, body.seats, &addr).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// An election with each round counted again from its ballots.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ElectionOut {
    pub election: ElectionRow,
    pub rounds: Vec<CountedRound>,
    #[schema(value_type = Object)]
    pub standing: Standing,
    #[schema(value_type = Option<Object>)]
    pub next: Option<NextRound>,
}

/// An election, its rounds recounted, and the round it holds next.
#[utoipa::path(get, path = "/api/v1/branches/elections/{id}", tag = "branches",
    params(("id" = i64, Path)),
    responses((status = 200, body = ElectionOut)),
    security(("bearer" = [])))]
pub async fn election(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<ElectionOut>> {
    who.require_token_scope(READ)?;
    let v = service::view_election(&core, &who, id, &addr).await?;
    Ok(Json(ElectionOut {
        election: v.election,
        next: v.standing.next.clone(),
        standing: v.standing,
        rounds: v.rounds,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ElectionRoundIn {
    /// Members entitled to attend and vote (应到会).
    pub entitled: u32,
    /// Voting members present.
    pub present: u32,
    /// Ballots handed out.
    pub issued: u32,
    /// The ballots, one a line, names separated by commas; an empty line
    /// is a blank ballot.
    pub ballots: String,
}

/// Holds the election's next round: counts its ballots and records them
/// with the tally.
#[utoipa::path(post, path = "/api/v1/branches/elections/{id}/rounds", tag = "branches",
    params(("id" = i64, Path)),
    request_body = ElectionRoundIn,
    responses((status = 201, body = Object)),
    security(("bearer" = [])))]
pub async fn record_round(
    State(core): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(body): Json<ElectionRoundIn>,
) -> AppResult<(StatusCode, Json<RoundResult>)> {
    who.require_token_scope(WRITE)?;
    let numbers = RoundNumbers {
        entitled: body.entitled,
        present: body.present,
        issued: body.issued,
    };
    let r = service::record_round(&core, &who, id, numbers, &body.ballots, &addr).await?;
    Ok((StatusCode::CREATED, Json(r)))
}
