//! `POST /api/v1/orders/{id}/photos`: a photo at intake or resolution,
//! from the order's owner, co-owners, supervisor or the command centre in
//! scope. Multipart with the file in `photo` and `stage` =
//! `intake|resolution`. The type is read from the bytes (JPEG, PNG, WebP;
//! else 415) and the size capped by `max_photo_bytes` (else 413). The
//! photos are served at `GET /photos/{id}`.

use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use serde::Serialize;
use shequ_domain::order::{ActorKind, actor_kinds};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::auth::AuthUser;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::page::form::FormData;
use crate::orders::OrdersState;
use crate::orders::photos;
use shequ_domain::Code;

/// A stored photo.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PhotoAdded {
    pub id: i64,
    pub order_id: i64,
    pub stage: String,
    pub content_type: String,
    pub size: usize,
    /// Where to fetch it (with the session or bearer token).
    pub url: String,
}

/// Attach a photo to an order (multipart: `photo`, `stage`).
#[utoipa::path(post, path = "/api/v1/orders/{id}/photos", tag = "orders", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "`photo`: the image file; `stage`: intake or resolution"),
    responses((status = 201, body = PhotoAdded),
              (status = 403, description = "not yours to work on, or outside your scope (logged)", body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody),
              (status = 413, description = "larger than max_photo_bytes", body = crate::app::error::ErrorBody),
              (status = 415, description = "not a JPEG, PNG or WebP image", body = crate::app::error::ErrorBody),
              (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn upload(
    State(state): State<OrdersState>,
    user: AuthUser,
    addr: ClientAddr,
    Path(id): Path<i64>,
    req: Request,
) -> AppResult<(StatusCode, Json<PhotoAdded>)> {
    let order = state
        .store
        .order_by_id(id)
        .await?
        .ok_or(AppError::NotFound("order"))?;
    let in_scope = user.scope.contains(&order.region_path);
    let participant = state
        .store
        .order_participants(id)
        .await?
        .iter()
        .any(|p| p.user_id == Some(user.user.id));
    let kinds = actor_kinds(
        user.user.id,
        user.role,
        in_scope,
        order.owner_user_id,
        order.supervisor_user_id,
        participant,
    );
    if kinds.is_empty() {
        let who = Principal::User(Box::new(user));
        return Err(deny(
            &state,
            &who,
            "order",
            id.to_string(),
            Some(order.region_path),
            &addr,
        )
        .await);
    }
    if kinds == [ActorKind::Viewer] {
        return Err(AppError::Forbidden(Code::ForbiddenRole));
    }
    let form = FormData::read(req, &state).await?;
    if let Some(e) = crate::orders::photos::refused_upload(&form) {
        return Err(e.into());
    }
    let bytes = form.file.as_deref().ok_or_else(|| {
        AppError::unprocessable("photo", Code::PhotoMissing, "send the file in `photo`")
    })?;
    let stage = form.get("stage").to_owned();
    let content_type = photos::check(bytes, state.settings.max_photo_bytes)?;
    let photo_id =
        photos::save(&state, id, &stage, bytes, &format!("user:{}", user.user.id)).await?;
    Ok((
        StatusCode::CREATED,
        Json(PhotoAdded {
            id: photo_id,
            order_id: id,
            stage,
            content_type: content_type.to_owned(),
            size: bytes.len(),
            url: format!("/photos/{photo_id}"),
        }),
    ))
}
