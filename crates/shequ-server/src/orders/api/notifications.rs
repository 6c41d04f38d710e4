//! Notifications that could not be delivered (dead letters), for the
//! command centre: list them, and put one back in the queue once the cause
//! (a missing phone number, the gateway) is fixed.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shequ_domain::Role;
use shequ_domain::person::mask_middle;
use shequ_store::orders::outbox::OutboxRow;

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::orders::OrdersState;
use crate::orders::intake::REPORTER_TOKEN_PREFIX;
use shequ_domain::Code;

/// A notification that was given up on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetter {
    /// The outbox id (also the id the SMS gateway saw).
    pub id: i64,
    pub order_id: Option<i64>,
    /// The user it was for (none for a reporter's SMS).
    pub user_id: Option<i64>,
    /// `sms` (pop-ups are never given up on).
    pub channel: String,
    /// The phone number, masked (`138****5678`); empty when there was none.
    pub recipient: String,
    /// The message, with private rating links hidden.
    pub text: String,
    pub attempts: i64,
    /// Why the last attempt failed, e.g. `no phone number`.
    pub last_error: Option<String>,
    pub created_at: i64,
}

impl DeadLetter {
    fn of(row: OutboxRow) -> Self {
        let text = serde_json::from_str::<serde_json::Value>(&row.payload)
            .ok()
            .and_then(|p| p["text"].as_str().map(str::to_owned))
            .unwrap_or_default();
        Self {
            id: row.id,
            order_id: row.order_id,
            user_id: row.user_id,
            channel: row.channel,
            recipient: if row.recipient.is_empty() {
                String::new()
            } else {
                mask_middle(&row.recipient)
            },
            text: hide_links(&text),
            attempts: row.attempts,
            last_error: row.last_error,
            created_at: row.created_at,
        }
    }
}

/// Replaces reporters' private link tokens (which would let the reader rate
/// the order in the reporter's name) with `***`.
fn hide_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(REPORTER_TOKEN_PREFIX) {
        out.push_str(&rest[..at]);
        out.push_str("***");
        rest = rest[at..]
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    }
    out.push_str(rest);
    out
}

/// `?limit=` for the dead-letter list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct DeadParams {
    /// Rows to return, newest first: 1–500 (default 100).
    pub limit: Option<u32>,
}

fn require_operator(user: &AuthUser) -> AppResult<()> {
    user.require_role(|r| matches!(r, Role::StreetOperator | Role::Admin))
}

/// Notifications given up on, about orders in your scope (street operators
/// and administrators).
#[utoipa::path(get, path = "/api/v1/notifications/dead", tag = "notifications",
    params(DeadParams),
    responses((status = 200, body = Vec<DeadLetter>), (status = 403, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn dead(
    State(state): State<OrdersState>,
    user: AuthUser,
    Query(params): Query<DeadParams>,
) -> AppResult<Json<Vec<DeadLetter>>> {
    require_operator(&user)?;
    let limit = i64::from(params.limit.unwrap_or(100).clamp(1, 500));
    let rows = state
        .store
        .dead_letters_in(&user.scope, None, limit)
        .await?;
    Ok(Json(rows.into_iter().map(DeadLetter::of).collect()))
}

/// What a retry did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Requeued {
    pub id: i64,
    /// Always `pending`: the worker sends it again at once.
    pub state: String,
}

/// Put a dead letter back in the queue, its attempts counted from zero
/// (street operators and administrators).
#[utoipa::path(post, path = "/api/v1/notifications/{id}/retry", tag = "notifications",
    params(("id" = i64, Path, description = "Outbox id of the dead letter")),
    responses((status = 200, body = Requeued), (status = 403, body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody),
              (status = 409, description = "Not a dead letter (pending or sent)", body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn retry(
    State(state): State<OrdersState>,
    user: AuthUser,
    Path(id): Path<i64>,
    addr: ClientAddr,
) -> AppResult<Json<Requeued>> {
    require_operator(&user)?;
    let visible = state
        .store
        .dead_letters_in(&user.scope, Some(id), 1)
        .await?;
    if visible.is_empty() {
        let row = state
            .store
            .outbox_row(id)
            .await?
            .ok_or(AppError::NotFound("notification"))?;
        if row.state != "dead" {
            return Err(AppError::Refused {
                code: Code::NotificationNotDead,
                message: format!("notification {id} is {}, not dead-lettered", row.state),
            });
        }
        let path = match row.order_id {
            Some(o) => state.store.order_by_id(o).await?.map(|o| o.region_path),
            None => None,
        };
        let who = Principal::User(Box::new(user));
        return Err(deny(&state, &who, "notification", id.to_string(), path, &addr).await);
    }
    state.store.requeue_outbox(id, state.clock.now_ms()).await?;
    state.sms_wake.notify_one();
    tracing::info!(outbox.id = id, by = %user.user.username, "dead letter requeued");
    Ok(Json(Requeued {
        id,
        state: "pending".to_owned(),
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn rating_links_are_hidden() {
        assert_eq!(
            super::hide_links("请评价：http://x/r/shequ_r_AbC-d_9。谢谢"),
            "请评价：http://x/r/***。谢谢"
        );
        assert_eq!(super::hide_links("无链接"), "无链接");
    }
}
