//! Logging in and out, and who am I.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_store::accounts::{SessionKind, User};
use shequ_store::now_ms;

use super::ClientAddr;
use crate::auth::password::{verify_dummy, verify_password};
use crate::auth::{AuthUser, USER_TOKEN_PREFIX, new_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Credentials for `POST /api/v1/auth/login`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

/// A bearer token and the user it belongs to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub token_type: &'static str,
    /// Epoch milliseconds.
    pub expires_at: i64,
    pub user: User,
}

/// Checks a username and password, applying the failure limits. The same
/// error and roughly the same time for an unknown user and a wrong password,
/// so a caller cannot tell which part was wrong.
pub async fn authenticate(
    state: &AppState,
    username: &str,
    password: &str,
    addr: &ClientAddr,
) -> AppResult<User> {
    let username = username.trim();
    let mut keys = vec![format!("u:{username}")];
    if let Some(ip) = &addr.0 {
        keys.push(format!("ip:{ip}"));
    }
    if let Some(wait) = state.limiter.locked_for(&keys, Instant::now()) {
        return Err(AppError::TooManyRequests {
            retry_after_secs: wait.as_secs().max(1),
        });
    }
    let found = state.store.user_credentials(username).await?;
    let password = password.to_owned();
    let ok = match found {
        Some((user, phc)) => {
            let verified = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            (verified && !user.disabled).then_some(user)
        }
        None => {
            tokio::task::spawn_blocking(move || verify_dummy(&password))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            None
        }
    };
    match ok {
        Some(user) => {
            state.limiter.record_success(&keys[0]);
            tracing::info!(user = %user.username, "login");
            Ok(user)
        }
        None => {
            state.limiter.record_failure(&keys, Instant::now());
            tracing::info!(username, "failed login");
            Err(AppError::Unauthorized("invalid_credentials"))
        }
    }
}

/// Starts a session of `kind` for `user`; returns the token and its expiry.
pub async fn start_session(
    state: &AppState,
    user: &User,
    kind: SessionKind,
) -> AppResult<(String, i64)> {
    let hours = match kind {
        SessionKind::Cookie => state.settings.session_hours,
        SessionKind::Bearer => state.settings.bearer_token_hours,
    };
    let expires_at = now_ms() + i64::from(hours) * 3_600_000;
    let token = new_token(USER_TOKEN_PREFIX);
    state
        .store
        .create_session(&token_hash(&token), user.id, kind, expires_at)
        .await?;
    Ok((token, expires_at))
}

/// Log in with a username and password; returns a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, description = "wrong username or password (`invalid_credentials`)", body = crate::error::ErrorBody),
        (status = 429, description = "too many failures; see Retry-After", body = crate::error::ErrorBody),
    ))]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    Json(req): Json<LoginRequest>,
) -> AppResult<Json<LoginResponse>> {
    let user = authenticate(&state, &req.username, &req.password, &addr).await?;
    let (token, expires_at) = start_session(&state, &user, SessionKind::Bearer).await?;
    Ok(Json(LoginResponse {
        token,
        token_type: "Bearer",
        expires_at,
        user,
    }))
}

/// End the session or bearer token used for this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out")),
    security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AppState>,
    _user: AuthUser,
    headers: axum::http::HeaderMap,
) -> AppResult<StatusCode> {
    if let Some(token) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim().to_owned()))
    {
        state.store.delete_session(&token_hash(&token)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// The logged-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = User), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(user: AuthUser) -> Json<User> {
    Json(user.user)
}
