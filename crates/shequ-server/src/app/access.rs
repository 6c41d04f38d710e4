//! Who may see what, shared by every capability: data scope for a region
//! parameter, the refusal that is logged (`deny`), the client's address
//! (behind trusted proxies), paging parameters, and the actor named in the
//! access log.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use shequ_domain::RegionPath;
use shequ_store::access_log::{AccessAction, NewAccess};
use shequ_store::{Paging, Scope};

use crate::app::auth::Principal;
use crate::app::error::AppError;
use axum::extract::FromRef;

use crate::app::state::Core;
use shequ_domain::Code;

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
/// ([`crate::app::proxy`]). The one source of the address for the report cap,
/// the login limits and the access log.
#[derive(Debug, Clone, Default)]
pub struct ClientAddr(pub Option<String>);

impl<S> FromRequestParts<S> for ClientAddr
where
    Core: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &Core::from_ref(state);
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
    state: &Core,
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
    AppError::Forbidden(Code::OutOfScope)
}

/// Narrows the caller's scope to the region `code`, or refuses (and logs)
/// when the region lies outside it.
pub async fn scope_for_region(
    state: &Core,
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

/// Shortest and longest reason accepted for an unmasked read or an
/// export of personal records; the reason goes into the access log.
pub const REASON_CHARS: std::ops::RangeInclusive<usize> = 2..=200;

/// The reason given for an unmasked read or an export, trimmed; refused,
/// naming the field `reason`, when it is shorter or longer than
/// [`REASON_CHARS`].
pub fn check_reason(reason: &str) -> Result<&str, crate::app::error::FieldError> {
    let reason = reason.trim();
    if REASON_CHARS.contains(&reason.chars().count()) {
        return Ok(reason);
    }
    Err(crate::app::error::FieldError::new(
        "reason",
        shequ_domain::Code::ReasonLength,
        format!(
            "give a reason of {} to {} characters; it is recorded in the access log",
            REASON_CHARS.start(),
            REASON_CHARS.end()
        ),
    ))
}
