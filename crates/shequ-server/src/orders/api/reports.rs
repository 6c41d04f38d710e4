//! The reporter's side, through a private link and without an account:
//! follow an order and rate it once resolved.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use shequ_domain::order::{Action, MAX_REOPENS, Rating};
use shequ_store::orders::Order;

use crate::app::access::ClientAddr;
use crate::app::auth::token_hash;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::orders::OrdersState;
use crate::orders::service;
use crate::orders::service::Who;
use shequ_domain::Code;

/// One step as the reporter sees it (no names of staff, no internal notes
/// except the resolution).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublicStep {
    pub at: i64,
    pub action: String,
    pub state: String,
    /// The resolution note, shown to the reporter; empty otherwise.
    pub note: String,
}

/// An order as its reporter sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportStatus {
    pub id: i64,
    pub category: String,
    pub category_en: String,
    pub title: String,
    pub address: String,
    pub state: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub rating: Option<String>,
    /// The reporter may rate now.
    pub can_rate: bool,
    /// Rating 不满意 may also send it back to work.
    pub can_reopen: bool,
    pub steps: Vec<PublicStep>,
}

/// The order a private link opens.
pub async fn order_for_link(state: &OrdersState, token: &str) -> AppResult<Order> {
    state
        .store
        .order_by_reporter_token(&token_hash(token))
        .await?
        .ok_or(AppError::NotFound("report"))
}

/// What the reporter sees of an order.
pub async fn status_of(state: &OrdersState, order: Order) -> AppResult<ReportStatus> {
    let category = state.store.category_by_code(&order.category_code).await?;
    let steps = state
        .store
        .order_events(order.id)
        .await?
        .into_iter()
        .filter(|e| e.action != "note")
        .map(|e| PublicStep {
            note: if e.action == "resolve" {
                e.note
            } else {
                String::new()
            },
            at: e.at,
            action: e.action,
            state: e.to_state,
        })
        .collect();
    Ok(ReportStatus {
        id: order.id,
        category: category
            .as_ref()
            .map_or_else(|| order.category_code.clone(), |c| c.name_zh.clone()),
        category_en: category.map_or_else(|| order.category_code.clone(), |c| c.name_en),
        can_rate: order.state == "resolved",
        can_reopen: order.state == "resolved" && order.reopened < i64::from(MAX_REOPENS),
        title: order.title,
        address: order.address,
        state: order.state,
        created_at: order.created_at,
        resolved_at: order.resolved_at,
        closed_at: order.closed_at,
        rating: order.rating,
        steps,
    })
}

/// Follow a report by its private link.
#[utoipa::path(get, path = "/api/v1/reports/{token}", tag = "orders", params(("token" = String, Path)),
    responses((status = 200, body = ReportStatus), (status = 404, body = crate::app::error::ErrorBody)))]
pub async fn status(
    State(state): State<OrdersState>,
    Path(token): Path<String>,
) -> AppResult<Json<ReportStatus>> {
    let order = order_for_link(&state, &token).await?;
    Ok(Json(status_of(&state, order).await?))
}

/// A rating: `satisfied`, `basically_satisfied` or `unsatisfied`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RateRequest {
    pub rating: String,
    /// With `unsatisfied`: send the order back to work (once).
    #[serde(default)]
    pub reopen: bool,
}

/// Rate a resolved report through its private link.
#[utoipa::path(post, path = "/api/v1/reports/{token}/rating", tag = "orders", params(("token" = String, Path)),
    request_body = RateRequest,
    responses((status = 200, body = ReportStatus), (status = 404, body = crate::app::error::ErrorBody),
              (status = 409, description = "not resolved, or already reopened once", body = crate::app::error::ErrorBody),
              (status = 422, body = crate::app::error::ErrorBody)))]
pub async fn rate(
    State(state): State<OrdersState>,
    addr: ClientAddr,
    Path(token): Path<String>,
    Json(req): Json<RateRequest>,
) -> AppResult<Json<ReportStatus>> {
    let rating = Rating::parse(&req.rating).ok_or_else(|| {
        AppError::unprocessable(
            "rating",
            Code::RatingInvalid,
            "use satisfied, basically_satisfied or unsatisfied",
        )
    })?;
    let order = order_for_link(&state, &token).await?;
    let acted = service::act(
        &state,
        order.id,
        &Who::Reporter,
        &Action::Rate {
            rating,
            reopen: req.reopen,
        },
        &addr,
    )
    .await?;
    Ok(Json(status_of(&state, acted.after).await?))
}
