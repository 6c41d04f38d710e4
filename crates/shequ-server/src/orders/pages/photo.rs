//! `GET /photos/{id}`: a photo of an order, for whoever may see the order
//! (refusals logged), or for its reporter with `?r=<link token>`. Served
//! with the type found in its bytes at upload and `Cache-Control: private`.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::app::access::ClientAddr;
use crate::app::auth::AuthUser;
use crate::app::error::AppError;
use crate::app::page::ctx::PageResult;
use crate::orders::OrdersState;
use crate::orders::api::orders::visible_order;
use crate::orders::api::reports::order_for_link;

/// `?r=` for the reporter.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PhotoQuery {
    pub r: String,
}

/// `GET /photos/{id}`
pub async fn serve(
    State(state): State<OrdersState>,
    addr: ClientAddr,
    user: Result<AuthUser, AppError>,
    Path(id): Path<i64>,
    Query(q): Query<PhotoQuery>,
) -> PageResult<Response> {
    let (order_id, content_type, data) = state
        .store
        .order_photo(id)
        .await?
        .ok_or(AppError::NotFound("photo"))?;
    if !q.r.is_empty() {
        let order = order_for_link(&state, &q.r).await?;
        if order.id != order_id {
            return Err(AppError::NotFound("photo").into());
        }
    } else {
        let user = user?;
        visible_order(&state, &user, order_id, &addr).await?;
    }
    let mut resp = data.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("inline"),
    );
    Ok(resp)
}
