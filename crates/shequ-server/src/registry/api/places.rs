//! Places the caller may see.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use shequ_domain::PlaceKind;
use shequ_store::places::{Place, PlaceQuery};
use shequ_store::{Page, Paging};

use crate::app::access::ClientAddr;
use crate::app::access::deny;
use crate::app::access::scope_for_region;
use crate::app::auth::Principal;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use crate::app::state::Core;

/// Filters of `GET /api/v1/places`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PlaceParams {
    /// Only places under this region code.
    pub region: Option<String>,
    /// Only places of this kind (e.g. `office_building`).
    pub kind: Option<String>,
    /// Names starting with this text.
    pub q: Option<String>,
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–500 (default 50).
    pub page_size: Option<u32>,
}

/// Places under the caller's scope (or a region inside it).
#[utoipa::path(get, path = "/api/v1/places", tag = "registry",
    params(PlaceParams),
    responses((status = 200, body = Page<Place>), (status = 403, body = crate::app::error::ErrorBody),
              (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Query(params): Query<PlaceParams>,
) -> AppResult<Json<Page<Place>>> {
    who.require_token_scope("registry:read")?;
    let kind = params
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(PlaceKind::parse)
        .transpose()
        .map_err(|e| AppError::Unprocessable(vec![FieldError::from_invalid("kind", &e)]))?;
    let scope = scope_for_region(&state, &who, params.region.as_deref(), &addr).await?;
    let page = state
        .store
        .places_in(
            &scope,
            &PlaceQuery {
                kind,
                name_prefix: params.q,
            },
            Paging::new(params.page, params.page_size),
        )
        .await?;
    Ok(Json(page))
}

/// Loads a place in the caller's scope, or refuses (logging the attempt)
/// when the place exists elsewhere, as for people: a caller learns no more
/// than that it is not theirs.
pub async fn place_for(
    state: &Core,
    who: &Principal,
    id: i64,
    addr: &ClientAddr,
) -> AppResult<Place> {
    if let Some(p) = state.store.place_in(&who.scope()?, id).await? {
        return Ok(p);
    }
    match state.store.place_path(id).await? {
        Some(path) => Err(deny(state, who, "place", id.to_string(), Some(path), addr).await),
        None => Err(AppError::NotFound("place")),
    }
}

/// One place, if inside the caller's scope.
#[utoipa::path(get, path = "/api/v1/places/{id}", tag = "registry",
    params(("id" = i64, Path)),
    responses((status = 200, body = Place), (status = 403, description = "outside your scope (logged)", body = crate::app::error::ErrorBody),
              (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn detail(
    State(state): State<Core>,
    who: Principal,
    addr: ClientAddr,
    Path(id): Path<i64>,
) -> AppResult<Json<Place>> {
    who.require_token_scope("registry:read")?;
    Ok(Json(place_for(&state, &who, id, &addr).await?))
}
