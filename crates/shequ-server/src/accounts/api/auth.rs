//! Logging in and out, and who am I.

use std::time::Instant;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, StatusCode, header};
use serde::{Deserialize, Serialize};
use shequ_store::accounts::{SessionKind, User};
use shequ_store::now_ms;

use crate::accounts::AccountsState;
use crate::accounts::device;
use crate::app::access::ClientAddr;
use crate::app::auth::AuthUser;
use crate::app::auth::USER_TOKEN_PREFIX;
use crate::app::auth::cookie_in;
use crate::app::auth::new_token;
use crate::app::auth::password::verify_dummy;
use crate::app::auth::password::verify_password;
use crate::app::auth::token_hash;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use shequ_domain::Code;

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

/// A successful login: the user, and a fresh device cookie for the
/// answer (a `Set-Cookie` value) so this browser or client is known next
/// time.
#[derive(Debug)]
pub struct LoggedIn {
    pub user: User,
    pub device_cookie: String,
}

/// Checks a username and password, applying the failure limits. The same
/// error and roughly the same time for an unknown user and a wrong password,
/// so a caller cannot tell which part was wrong.
///
/// The limits (`login_max_failures` within `login_window_minutes`, then a
/// lock that doubles) follow OWASP's device cookies. A login that presents
/// a valid device cookie for this username (`headers`) is from a device
/// that has logged in to the account before: it is counted and locked on
/// its own. Any other login is counted per client address and per account;
/// the account's lock shuts out unknown devices only, so a flood of wrong
/// guesses, from one address or many, never locks the real user out of a
/// browser she has used before, while each address stays slow to guess
/// from. Checked before the password, so a locked attempt costs no hash.
pub async fn authenticate(
    state: &AccountsState,
    username: &str,
    password: &str,
    addr: &ClientAddr,
    headers: &HeaderMap,
) -> AppResult<LoggedIn> {
    let username = username.trim();
    let key = state.device_key().await?;
    let now_secs = now_ms() / 1000;
    let device = cookie_in(headers, &device::cookie_name(username))
        .and_then(|value| key.verify(username, value, now_secs));
    let keys = match &device {
        Some(nonce) => vec![format!("d:{nonce}")],
        None => {
            let mut keys = vec![format!("u:{username}")];
            if let Some(ip) = &addr.0 {
                keys.push(format!("ip:{ip}"));
            }
            keys
        }
    };
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
            // The device's or the account's count starts again; never the
            // address's, or guessers could clear it with their own account.
            state.limiter.record_success(&keys[0]);
            tracing::info!(user = %user.username, known_device = device.is_some(), "login");
            Ok(LoggedIn {
                device_cookie: device_set_cookie(
                    state,
                    &user.username,
                    &key.issue(&user.username, now_secs),
                ),
                user,
            })
        }
        None => {
            state.limiter.record_failure(&keys, Instant::now());
            tracing::info!(username, known_device = device.is_some(), "failed login");
            Err(AppError::Unauthorized(Code::InvalidCredentials))
        }
    }
}

/// The attributes of a device cookie: for the server only (HttpOnly), sent
/// to both the login form and the API login (Path=/), kept as long as the
/// signature is good.
fn device_set_cookie(state: &AccountsState, username: &str, value: &str) -> String {
    let secure = if state.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{secure}",
        device::cookie_name(username),
        device::LIFETIME_SECS
    )
}

/// Starts a session of `kind` for `user`; returns the token and its expiry.
pub async fn start_session(
    state: &AccountsState,
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

/// Log in with a username and password; returns a bearer token. The
/// answer also sets a device cookie (`shequ_device_…`): send it back in a
/// `Cookie` header on later logins to this account, and a flood of wrong
/// guesses by someone else does not lock this client out.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse,
         headers(("Set-Cookie" = String, description = "the device cookie, to send back on later logins"))),
        (status = 401, description = "wrong username or password (`invalid_credentials`)", body = crate::app::error::ErrorBody),
        (status = 429, description = "too many failures from this address, for this account from unknown devices, or from this device; see Retry-After", body = crate::app::error::ErrorBody),
    ))]
pub async fn login(
    State(state): State<AccountsState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> AppResult<([(HeaderName, String); 1], Json<LoginResponse>)> {
    let LoggedIn {
        user,
        device_cookie,
    } = authenticate(&state, &req.username, &req.password, &addr, &headers).await?;
    let (token, expires_at) = start_session(&state, &user, SessionKind::Bearer).await?;
    Ok((
        [(header::SET_COOKIE, device_cookie)],
        Json(LoginResponse {
            token,
            token_type: "Bearer",
            expires_at,
            user,
        }),
    ))
}

/// End the session or bearer token used for this request.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204, description = "logged out")),
    security(("bearer" = [])))]
pub async fn logout(
    State(state): State<AccountsState>,
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
    responses((status = 200, body = User), (status = 401, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn me(user: AuthUser) -> Json<User> {
    Json(user.user)
}
