//! Accounts, managed by administrators within their own scope.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shequ_domain::{PhoneNumber, Role};
use shequ_store::Page;
use shequ_store::accounts::{NewUser, User};

use crate::accounts::AccountsState;
use crate::app::access::PageParams;
use crate::app::auth::AuthUser;
use crate::app::auth::password::MIN_PASSWORD_LEN;
use crate::app::auth::password::hash_password;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::app::error::FieldError;
use shequ_domain::Code;

/// Users bound to regions inside your scope (administrators only).
#[utoipa::path(get, path = "/api/v1/users", tag = "accounts",
    params(PageParams),
    responses((status = 200, body = Page<User>), (status = 403, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AccountsState>,
    user: AuthUser,
    Query(params): Query<PageParams>,
) -> AppResult<Json<Page<User>>> {
    user.require_role(Role::manages_accounts)?;
    Ok(Json(
        state.store.users_in(&user.scope, params.paging()).await?,
    ))
}

/// A user to create.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateUser {
    pub username: String,
    pub password: String,
    /// One of admin, street_operator, cadre, grid_worker, neighbourhood_secretary, district_organiser.
    pub role: String,
    /// Code of the region the user is bound to (inside your scope).
    pub region: String,
    pub display_name: Option<String>,
    pub phone: Option<String>,
}

/// Create a user inside your scope (administrators only).
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts",
    request_body = CreateUser,
    responses((status = 201, body = User), (status = 403, body = crate::app::error::ErrorBody),
              (status = 409, body = crate::app::error::ErrorBody), (status = 422, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AccountsState>,
    admin: AuthUser,
    Json(req): Json<CreateUser>,
) -> AppResult<(StatusCode, Json<User>)> {
    admin.require_role(Role::manages_accounts)?;
    let mut errors = Vec::new();
    let username = req.username.trim();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    {
        errors.push(FieldError::new(
            "username",
            Code::UsernameInvalid,
            "use 1–64 letters, digits, '_', '-' or '.'",
        ));
    }
    if req.password.chars().count() < MIN_PASSWORD_LEN {
        errors.push(FieldError::new(
            "password",
            Code::PasswordTooShort,
            format!("use at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    let role = Role::parse(&req.role)
        .map_err(|e| errors.push(FieldError::from_invalid("role", &e)))
        .ok();
    let phone = match req.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(p) => PhoneNumber::parse(p)
            .map_err(|e| errors.push(FieldError::from_invalid("phone", &e)))
            .ok()
            .map(|p| p.expose().to_owned()),
        None => None,
    };
    let region = state.store.region_by_code(&req.region).await?;
    match &region {
        None => errors.push(FieldError::new(
            "region",
            Code::RegionUnknown,
            "no region has this code",
        )),
        Some(r) if !admin.scope.contains(&r.region.path) => {
            return Err(AppError::Forbidden(Code::OutOfScope));
        }
        Some(_) => {}
    }
    let (Some(role), Some(region), true) = (role, region, errors.is_empty()) else {
        return Err(AppError::Unprocessable(errors));
    };
    let password = req.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .map_err(|e| AppError::Internal(anyhow::anyhow!("hashing a password: {e}")))?;
    let id = state
        .store
        .create_user(&NewUser {
            username: username.to_owned(),
            display_name: req
                .display_name
                .filter(|d| !d.trim().is_empty())
                .unwrap_or_else(|| username.to_owned()),
            password_hash,
            role,
            region_id: region.region.id,
            phone,
        })
        .await?;
    let user = state
        .store
        .user_by_id(id)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    // A new person may now hold a role somewhere: routing must see them.
    crate::orders::service::roster_changed(&state.orders);
    tracing::info!(admin = %admin.user.username, user = %user.username, role = %user.role, "user created");
    Ok((StatusCode::CREATED, Json(user)))
}
