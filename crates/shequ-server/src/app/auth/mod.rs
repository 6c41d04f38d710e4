//! Authentication: who is calling, and the part of the region tree they
//! may see. Users log in with a password and get either a browser session
//! (cookie) or a bearer token; devices and integrations use API tokens.
//! Every credential is random, stored only as its SHA-256 hash.

pub mod password;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use shequ_domain::{RegionPath, Role};
use shequ_store::accounts::{ApiToken, SessionKind, User};
use shequ_store::{Scope, now_ms};

use crate::app::error::AppError;
use axum::extract::FromRef;

use crate::app::state::Core;
use shequ_domain::Code;

/// Name of the browser session cookie.
pub const SESSION_COOKIE: &str = "shequ_session";
/// Prefix of user credentials (session cookies and bearer tokens).
pub const USER_TOKEN_PREFIX: &str = "shequ_u_";
/// Prefix of API tokens for devices and integrations.
pub const API_TOKEN_PREFIX: &str = "shequ_k_";

/// A new random credential: the prefix and 32 random bytes, base64url.
pub fn new_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::fill(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a credential.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A logged-in user, with their role and data scope.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user: User,
    pub role: Role,
    pub region_path: RegionPath,
    pub scope: Scope,
    /// Whether the credential came from the session cookie (a browser).
    pub via_cookie: bool,
}

impl AuthUser {
    fn from_user(user: User, via_cookie: bool) -> Result<Self, AppError> {
        let role = user.role()?;
        let region_path = RegionPath::parse(&user.region_path)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}")))?;
        Ok(Self {
            scope: Scope::under(&region_path),
            region_path,
            role,
            user,
            via_cookie,
        })
    }

    /// Refuses unless the role is one of `roles`.
    pub fn require_role(&self, allowed: impl Fn(Role) -> bool) -> Result<(), AppError> {
        if allowed(self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(Code::ForbiddenRole))
        }
    }

    /// Refuses unless the user runs the street's operations
    /// ([`Role::runs_command_centre`]).
    pub fn require_command_centre(&self) -> Result<(), AppError> {
        self.require_role(Role::runs_command_centre)
    }
}

/// Whoever is calling: a user, or a device/integration with an API token.
#[derive(Debug, Clone)]
pub enum Principal {
    User(Box<AuthUser>),
    Token(ApiToken),
}

impl Principal {
    /// The data scope of the caller.
    pub fn scope(&self) -> Result<Scope, AppError> {
        match self {
            Principal::User(u) => Ok(u.scope.clone()),
            Principal::Token(t) => RegionPath::parse(&t.region_path)
                .map(|p| Scope::under(&p))
                .map_err(|e| AppError::Internal(anyhow::anyhow!("stored region path: {e}"))),
        }
    }

    /// Refuses an API token that lacks `scope`; users pass.
    pub fn require_token_scope(&self, scope: &str) -> Result<(), AppError> {
        match self {
            Principal::Token(t) if !t.has_scope(scope) => {
                Err(AppError::Forbidden(Code::TokenScope))
            }
            _ => Ok(()),
        }
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// The value of a cookie from the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of a cookie from request headers.
pub fn cookie_in<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Cookies are sent by the browser on cross-site requests too; a state-
/// changing request carried by a cookie must come from our own origin.
/// The web pages apply it to every form post (login CSRF too).
pub fn check_same_origin(parts: &Parts) -> Result<(), AppError> {
    if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        // Old browsers and non-browser clients send no Origin; SameSite=Lax
        // already keeps the cookie off cross-site POSTs in browsers.
        return Ok(());
    };
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    if host.is_some() && origin_host == host {
        Ok(())
    } else {
        Err(AppError::Forbidden(Code::CsrfOrigin))
    }
}

async fn user_from_token(
    state: &Core,
    token: &str,
    kind: SessionKind,
) -> Result<AuthUser, AppError> {
    let found = state.store.session_user(&token_hash(token), kind).await?;
    match found {
        Some((user, expires_at)) if expires_at > now_ms() => {
            if user.disabled {
                Err(AppError::Unauthorized(Code::AccountDisabled))
            } else {
                AuthUser::from_user(user, kind == SessionKind::Cookie)
            }
        }
        Some(_) => Err(AppError::Unauthorized(Code::SessionExpired)),
        None => Err(AppError::Unauthorized(Code::LoginRequired)),
    }
}

impl<S> FromRequestParts<S> for Principal
where
    Core: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &Core::from_ref(state);
        if let Some(token) = bearer(parts) {
            if token.starts_with(API_TOKEN_PREFIX) {
                let found = state
                    .tokens
                    .live(&state.store, &token_hash(token), now_ms())
                    .await?;
                return found
                    .map(Principal::Token)
                    .ok_or(AppError::Unauthorized(Code::InvalidToken));
            }
            return user_from_token(state, token, SessionKind::Bearer)
                .await
                .map(|u| Principal::User(Box::new(u)));
        }
        if let Some(token) = cookie(parts, SESSION_COOKIE) {
            check_same_origin(parts)?;
            return user_from_token(state, token, SessionKind::Cookie)
                .await
                .map(|u| Principal::User(Box::new(u)));
        }
        Err(AppError::Unauthorized(Code::LoginRequired))
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    Core: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = &Core::from_ref(state);
        match <Principal as FromRequestParts<Core>>::from_request_parts(parts, state).await? {
            Principal::User(u) => Ok(*u),
            Principal::Token(_) => Err(AppError::Forbidden(Code::UserRequired)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hash_stably() {
        let a = new_token(USER_TOKEN_PREFIX);
        let b = new_token(USER_TOKEN_PREFIX);
        assert!(a.starts_with(USER_TOKEN_PREFIX));
        assert_ne!(a, b);
        assert_eq!(a.len(), USER_TOKEN_PREFIX.len() + 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
        assert_eq!(token_hash("abc").len(), 64);
    }
}
