//! The JSON API under `/api/v1`, and its OpenAPI description at
//! `/api/docs/openapi.json` with a self-contained page at `/api/docs`.

pub mod access_log;
pub mod alerts;
pub mod auth;
pub mod catalogue;
pub mod devices;
pub mod docs;
pub mod events;
pub mod json_errors;
pub mod notifications;
pub mod orders;
pub mod people;
pub mod photos;
pub mod places;
pub mod regions;
pub mod reports;
pub mod tokens;
pub mod users;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::request::Parts;
use axum::routing::{delete, get, post};
use serde::Deserialize;
use shequ_domain::RegionPath;
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::{Paging, Scope};

use crate::auth::Principal;
use crate::error::AppError;
use crate::state::AppState;

/// The `/api/v1` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/regions", get(regions::tree))
        .route("/regions/{code}", get(regions::detail))
        .route("/places", get(places::list))
        .route("/places/{id}", get(places::detail))
        .route("/households", get(people::households))
        .route("/households/{id}", get(people::household))
        .route("/people", get(people::search))
        .route("/people/{id}", get(people::detail))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/users", get(users::list).post(users::create))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/access-log", get(access_log::list))
        .route("/orders", get(orders::list).post(orders::file))
        .route("/orders/counts", get(orders::counts))
        .route("/orders/{id}", get(orders::detail))
        .route("/orders/{id}/actions", post(orders::act))
        // The upload reads its own limits (max_photo_bytes) while streaming.
        .route(
            "/orders/{id}/photos",
            post(photos::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/reports/{token}", get(reports::status))
        .route("/reports/{token}/rating", post(reports::rate))
        .route("/categories", get(catalogue::categories))
        .route(
            "/categories/{code}",
            axum::routing::put(catalogue::put_category),
        )
        .route("/teams", get(catalogue::teams).post(catalogue::create_team))
        .route("/teams/{id}/shifts", post(catalogue::add_shift))
        .route(
            "/routing-rules",
            get(catalogue::rules).post(catalogue::add_rule),
        )
        .route("/routing-rules/{id}", delete(catalogue::delete_rule))
        .route("/figures", get(catalogue::figures))
        .route("/events", get(events::stream))
        .route("/notifications/dead", get(notifications::dead))
        .route("/notifications/{id}/retry", post(notifications::retry))
        .route("/devices", get(devices::list).post(devices::create))
        // 10,000 events of a few hundred bytes each; the count is checked
        // after reading (413 with the limit).
        .route(
            "/devices/events",
            post(devices::post_events).layer(DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route("/devices/rejected", get(devices::rejected))
        .route("/devices/ingest-health", get(devices::ingest_health))
        .route(
            "/alert-rules",
            get(alerts::list_rules).post(alerts::create_rule),
        )
        .route("/alert-rules/{id}", axum::routing::put(alerts::update_rule))
        .route("/alert-rules/{id}/disable", post(alerts::disable_rule))
        .route("/alerts", get(alerts::list_alerts))
        .fallback(json_errors::not_found)
        .layer(axum::middleware::map_response(json_errors::shape))
}

/// `?page=&page_size=` on listings.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct PageParams {
    /// Page number, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–500 (default 50).
    pub page_size: Option<u32>,
}

impl PageParams {
    pub fn paging(&self) -> Paging {
        Paging::new(self.page, self.page_size)
    }
}

/// The client's address, when the server knows it: the connecting peer,
/// or behind a trusted reverse proxy the address it forwards
/// ([`crate::proxy`]). The one source of the address for the report cap,
/// the login limits and the access log.
#[derive(Debug, Clone, Default)]
pub struct ClientAddr(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| state.proxies.client(c.0.ip(), &parts.headers).to_string()),
        ))
    }
}

/// Who a principal is, for the access log.
pub fn actor(p: &Principal) -> (Option<i64>, String) {
    match p {
        Principal::User(u) => (Some(u.user.id), u.user.username.clone()),
        Principal::Token(t) => (None, format!("token:{}", t.name)),
    }
}

/// Records a refused read and returns the 403 to send.
pub async fn deny(
    state: &AppState,
    who: &Principal,
    subject_kind: &'static str,
    subject_id: String,
    subject_path: Option<String>,
    addr: &ClientAddr,
) -> AppError {
    let (actor_user_id, actor_username) = actor(who);
    tracing::warn!(actor = %actor_username, subject_kind, subject_id = %subject_id, "read outside scope refused");
    let entry = NewAccess {
        actor_user_id,
        actor_username,
        action: AccessAction::Denied,
        subject_kind,
        subject_id,
        subject_path,
        fields: String::new(),
        reason: String::new(),
        remote_addr: addr.0.clone(),
    };
    if let Err(e) = state.store.log_access(&entry).await {
        return AppError::from(e);
    }
    AppError::Forbidden("out_of_scope")
}

/// Narrows the caller's scope to the region `code`, or refuses (and logs)
/// when the region lies outside it.
pub async fn scope_for_region(
    state: &AppState,
    who: &Principal,
    code: Option<&str>,
    addr: &ClientAddr,
) -> Result<Scope, AppError> {
    let scope = who.scope()?;
    let Some(code) = code.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(scope);
    };
    let region = state
        .store
        .region_by_code(code)
        .await?
        .ok_or(AppError::NotFound("region"))?;
    let path = RegionPath::parse(&region.region.path)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")))?;
    match scope.narrow_to(&path) {
        Some(s) => Ok(s),
        None => Err(deny(
            state,
            who,
            "region",
            code.to_owned(),
            Some(region.region.path),
            addr,
        )
        .await),
    }
}
