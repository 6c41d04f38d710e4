//! Work orders over JSON: filing (operators for callers, systems with an
//! API token), listing with filters, one order with its whole trail,
//! acting on it, and the command centre's counters.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::RegionPath;
use shequ_domain::order::{Action, OrderState};
use shequ_store::orders::Order;
use shequ_store::orders::OrderEvent;
use shequ_store::orders::read::{OrderFilter, Participant, PhotoMeta};
use shequ_store::{Page, Paging};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::access::scope_for_region;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use crate::orders::OrdersState;
use crate::orders::intake;
use crate::orders::intake::Report;
use crate::orders::intake::Submitted;
use crate::orders::service;
use crate::orders::service::Who;
use shequ_domain::Code;

/// A report filed through the API.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FileOrder {
    /// Category code, e.g. `sanitation`.
    pub category: String,
    /// `hotline`, `inspection`, `meeting`, `api` or `sensor`; defaults to
    /// `hotline` for users and `api` for tokens.
    pub source: Option<String>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub address: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub place_id: Option<i64>,
    pub subject_person_id: Option<i64>,
    #[serde(default)]
    pub reporter_name: String,
    pub reporter_phone: Option<String>,
    /// Your own id for this report; filing it again returns the same order.
    pub external_id: Option<String>,
    /// Answers to the category's attributes.
    #[schema(value_type = Object)]
    pub attributes: Option<serde_json::Value>,
    /// `low`, `normal`, `high` or `urgent`; the category's default otherwise.
    pub priority: Option<String>,
}

/// What filing made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Filed {
    pub id: i64,
    pub new: bool,
    pub owner_user_id: Option<i64>,
    pub likely_duplicate_of: Option<i64>,
}

const USER_SOURCES: &[&str] = &["hotline", "inspection", "meeting", "api"];
const TOKEN_SOURCES: &[&str] = &["api", "sensor", "meeting"];
const PRIORITIES: &[&str] = &["low", "normal", "high", "urgent"];

/// File an order: for users on behalf of a caller (hotline) or from an
/// inspection or meeting; for systems with an `orders:write` token.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders", request_body = FileOrder,
    responses((status = 201, body = Filed), (status = 200, description = "same external_id filed before", body = Filed),
              (status = 403, body = crate::app::error::ErrorBody), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn file(
    State(state): State<OrdersState>,
    who: Principal,
    Json(req): Json<FileOrder>,
) -> AppResult<(StatusCode, Json<Filed>)> {
    who.require_token_scope("orders:write")?;
    let (actor, actor_user_id, allowed, default_source, root) = match &who {
        Principal::User(u) => {
            u.require_role(|r| r != shequ_domain::Role::DistrictOrganiser)?;
            (
                format!("user:{}", u.user.id),
                Some(u.user.id),
                USER_SOURCES,
                "hotline",
                u.region_path.clone(),
            )
        }
        Principal::Token(t) => (
            format!("token:{}", t.name),
            None,
            TOKEN_SOURCES,
            "api",
            RegionPath::parse(&t.region_path)
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored path: {e}")))?,
        ),
    };
    let source = req.source.as_deref().unwrap_or(default_source);
    let Some(source) = allowed.iter().find(|s| **s == source).copied() else {
        return Err(AppError::unprocessable(
            "source",
            Code::SourceInvalid,
            format!("use one of {}", allowed.join(", ")),
        ));
    };
    if let Some(p) = &req.priority
        && !PRIORITIES.contains(&p.as_str())
    {
        return Err(AppError::unprocessable(
            "priority",
            Code::PriorityInvalid,
            format!("use one of {}", PRIORITIES.join(", ")),
        ));
    }
    let point = match (req.lon, req.lat) {
        (Some(lon), Some(lat)) => Some((lon, lat)),
        (None, None) => None,
        _ => {
            return Err(AppError::unprocessable(
                "lat",
                Code::LocationIncomplete,
                "give both lon and lat",
            ));
        }
    };
    let submitted: Submitted = intake::submit(
        &state,
        Report {
            category: req.category,
            source,
            title: req.title,
            description: req.description,
            address: req.address,
            point,
            place_id: req.place_id,
            subject_person_id: req.subject_person_id,
            reporter_name: req.reporter_name,
            reporter_phone: req.reporter_phone.filter(|p| !p.trim().is_empty()),
            reporter_email: None,
            external_id: req.external_id,
            attributes: req.attributes.unwrap_or(serde_json::Value::Null),
            priority: req.priority,
            scope_root: root,
            actor,
            actor_user_id,
            reporter_link: false,
            resolve_by: None,
        },
    )
    .await
    .map_err(AppError::from)?;
    let status = if submitted.new {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(Filed {
            id: submitted.id,
            new: submitted.new,
            owner_user_id: submitted.owner_user_id,
            likely_duplicate_of: submitted.likely_duplicate_of,
        }),
    ))
}

/// Filters of `GET /api/v1/orders`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct OrderParams {
    /// Comma-separated states, e.g. `pending,accepted`.
    pub state: Option<String>,
    pub category: Option<String>,
    /// Owner's user id; `me` for your own.
    pub owner: Option<String>,
    pub source: Option<String>,
    /// Only open orders past a deadline now.
    pub overdue: Option<bool>,
    /// Only orders marked 督办.
    pub supervised: Option<bool>,
    /// Only under this region code.
    pub region: Option<String>,
    pub page: Option<u32>,
    pub page_size: Option<u32>,
}

/// Orders under your scope, newest first.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", params(OrderParams),
    responses((status = 200, body = Page<Order>), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Query(p): Query<OrderParams>,
) -> AppResult<Json<Page<Order>>> {
    let mut errors = Vec::new();
    let states: Vec<String> = p
        .state
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .filter_map(|s| match OrderState::parse(s) {
            Some(st) => Some(st.as_str().to_owned()),
            None => {
                errors.push(FieldError::new(
                    "state",
                    Code::StateUnknown,
                    format!("unknown state {s:?}"),
                ));
                None
            }
        })
        .collect();
    let owner = match p.owner.as_deref() {
        None | Some("") => None,
        Some("me") => Some(user.user.id),
        Some(o) => match o.parse() {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(FieldError::new(
                    "owner",
                    Code::OwnerInvalid,
                    "a user id or `me`",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Unprocessable(errors));
    }
    let now = state.clock.now_ms();
    let filter = OrderFilter {
        states,
        categories: p.category.filter(|c| !c.is_empty()).into_iter().collect(),
        owner,
        source: p.source.filter(|s| !s.is_empty()),
        overdue_at: p.overdue.unwrap_or(false).then_some(now),
        supervised: p.supervised,
        ..OrderFilter::default()
    };
    let who = Principal::User(Box::new(user));
    let scope = scope_for_region(&state, &who, p.region.as_deref(), &addr).await?;
    Ok(Json(
        state
            .store
            .orders_in(&scope, &filter, Paging::new(p.page, p.page_size))
            .await?,
    ))
}

/// One order with its whole trail.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    pub order: Order,
    pub trail: Vec<OrderEvent>,
    pub participants: Vec<Participant>,
    pub photos: Vec<PhotoMeta>,
}

/// Loads an order the user may see: in their scope, or theirs to work on
/// (owner, supervisor, co-owner, member of a summoned department).
pub async fn visible_order(
    state: &OrdersState,
    user: &AuthUser,
    id: i64,
    addr: &ClientAddr,
) -> AppResult<Order> {
    let order = state
        .store
        .order_by_id(id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let me = user.user.id;
    if user.scope.contains(&order.region_path)
        || order.owner_user_id == Some(me)
        || order.supervisor_user_id == Some(me)
    {
        return Ok(order);
    }
    // Co-owners, and members of summoned departments, wherever bound.
    let now = state.clock.now_ms();
    for p in state.store.order_participants(id).await? {
        let member = match p.team_id {
            Some(team) => state
                .store
                .team_candidates(team, now)
                .await?
                .iter()
                .any(|c| c.user_id == me),
            None => false,
        };
        if p.user_id == Some(me) || member {
            return Ok(order);
        }
    }
    let who = Principal::User(Box::new(user.clone()));
    Err(deny(
        state,
        &who,
        "order",
        id.to_string(),
        Some(order.region_path),
        addr,
    )
    .await)
}

/// One order with its trail, participants and photos.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", params(("id" = i64, Path)),
    responses((status = 200, body = OrderDetail), (status = 403, description = "outside your scope (logged)", body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<OrderDetail>> {
    let order = visible_order(&state, &user, id, &addr).await?;
    Ok(Json(OrderDetail {
        trail: state.store.order_events(id).await?,
        participants: state.store.order_participants(id).await?,
        photos: state.store.order_photos(id).await?,
        order,
    }))
}

/// What an action did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionResult {
    pub order: Order,
    pub event: OrderEvent,
}

/// Act on an order: accept, start, note, resolve, return, reassign, cancel,
/// escalate, pause_clock, resume_clock, summon, report_in. The body names
/// the action, e.g. `{"action": "resolve", "note": "已清理"}`. Illegal moves
/// are refused with 409 and a code saying why.
#[utoipa::path(post, path = "/api/v1/orders/{id}/actions", tag = "orders", params(("id" = i64, Path)),
    request_body(content = Object, description = "an action, tagged by `action`"),
    responses((status = 200, body = ActionResult), (status = 403, body = crate::app::error::ErrorBody),
              (status = 409, description = "not allowed in this state or for you", body = crate::app::error::ErrorBody),
              (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn act(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
    Json(body): Json<serde_json::Value>,
) -> AppResult<Json<ActionResult>> {
    let action: Action = serde_json::from_value(body).map_err(|e| {
        AppError::unprocessable("action", Code::ActionInvalid, format!("not an action: {e}"))
    })?;
    if matches!(action, Action::Rate { .. } | Action::AutoClose) {
        return Err(AppError::Forbidden(Code::ForbiddenRole));
    }
    let acted = service::act(&state, id, &Who::User(Box::new(user)), &action, &addr).await?;
    Ok(Json(ActionResult {
        order: acted.after,
        event: acted.event,
    }))
}

/// Orders per state under your scope (from the counters, not a scan).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub by_state: std::collections::BTreeMap<String, i64>,
}

/// Orders per state under your scope.
#[utoipa::path(get, path = "/api/v1/orders/counts", tag = "orders",
    responses((status = 200, body = Counts)), security(("bearer" = [])))]
pub async fn counts(State(state): State<OrdersState>, user: AuthUser) -> AppResult<Json<Counts>> {
    let by_state = state
        .store
        .order_counts_in(&user.scope)
        .await?
        .into_iter()
        .collect();
    Ok(Json(Counts { by_state }))
}
