//! Scoped API tokens for devices and integrations. The token is shown once
//! at creation; only its hash is stored.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shequ_domain::Role;
use shequ_store::accounts::{ApiToken, NewApiToken};

use crate::accounts::AccountsState;
use crate::app::auth::API_TOKEN_PREFIX;
use crate::app::auth::AuthUser;
use crate::app::auth::new_token;
use crate::app::auth::token_hash;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use shequ_domain::Code;

/// Scopes a token may carry.
pub const TOKEN_SCOPES: &[&str] = &[
    "registry:read",
    "devices:write",
    "open311",
    "orders:write",
    "party:read",
    "party:write",
    "coop:read",
    "coop:write",
    "assess:read",
    "consult:read",
];

/// API tokens bound inside your scope (administrators only).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts",
    responses((status = 200, body = Vec<ApiToken>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AccountsState>,
    admin: AuthUser,
) -> AppResult<Json<Vec<ApiToken>>> {
    admin.require_role(Role::manages_accounts)?;
    Ok(Json(state.store.api_tokens_in(&admin.scope).await?))
}

/// A token to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateToken {
    /// What the token is for, e.g. "田林一村 door controllers".
    pub name: String,
    /// Any of `registry:read`, `devices:write`, `open311`, `orders:write`.
    pub scopes: Vec<String>,
    /// Region the token is bound to (inside your scope); defaults to yours.
    pub region: Option<String>,
    /// Days until it expires; never when absent.
    pub expires_in_days: Option<u32>,
}

/// The new token, shown only this once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub token: String,
}

/// Create a scoped API token (administrators only).
#[utoipa::path(post, path = "/api/v1/tokens", tag = "accounts",
    request_body = CreateToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AccountsState>,
    admin: AuthUser,
    Json(req): Json<CreateToken>,
) -> AppResult<(StatusCode, Json<CreatedToken>)> {
    admin.require_role(Role::manages_accounts)?;
    let mut errors = Vec::new();
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new(
            "name",
            Code::NameLength,
            "give a name of 1 to 100 characters",
        ));
    }
    let unknown: Vec<&str> = req
        .scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !TOKEN_SCOPES.contains(s))
        .collect();
    if req.scopes.is_empty() || !unknown.is_empty() {
        errors.push(FieldError::new(
            "scopes",
            Code::ScopesInvalid,
            format!("use one or more of {}", TOKEN_SCOPES.join(", ")),
        ));
    }
    let region_id = match req.region.as_deref() {
        None => Some(admin.user.region_id),
        Some(code) => match state.store.region_by_code(code).await? {
            Some(r) if admin.scope.contains(&r.region.path) => Some(r.region.id),
            Some(_) => return Err(AppError::Forbidden(Code::OutOfScope)),
            None => {
                errors.push(FieldError::new(
                    "region",
                    Code::RegionUnknown,
                    "no region has this code",
                ));
                None
            }
        },
    };
    let (Some(region_id), true) = (region_id, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let token = new_token(API_TOKEN_PREFIX);
    let id = state
        .store
        .create_api_token(&NewApiToken {
            name: name.to_owned(),
            token_hash: token_hash(&token),
            scopes: req.scopes.join(" "),
            region_id,
            created_by: Some(admin.user.id),
            expires_at: req
                .expires_in_days
                .map(|d| shequ_store::now_ms() + i64::from(d) * 86_400_000),
        })
        .await?;
    tracing::info!(admin = %admin.user.username, token.id = id, token.name = name, "api token created");
    Ok((StatusCode::CREATED, Json(CreatedToken { id, token })))
}

/// Revoke a token (administrators only).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts",
    params(("id" = i64, Path)),
    responses((status = 204, description = "revoked"), (status = 404, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    State(state): State<AccountsState>,
    admin: AuthUser,
    Path(id): Path<i64>,
) -> AppResult<StatusCode> {
    admin.require_role(Role::manages_accounts)?;
    state.store.revoke_api_token(&admin.scope, id).await?;
    state.tokens.clear();
    Ok(StatusCode::NO_CONTENT)
}
