//! The access log, for auditors: unmasked reads and refused reads.

use axum::Json;
use axum::extract::{Query, State};
use shequ_domain::Role;
use shequ_store::Page;
use shequ_store::access_log::Access;

use crate::accounts::AccountsState;
use crate::app::access::PageParams;
use crate::app::auth::AuthUser;
use crate::app::error::AppResult;

/// Entries about subjects inside your scope, newest first (administrators only).
#[utoipa::path(get, path = "/api/v1/access-log", tag = "accounts",
    params(PageParams),
    responses((status = 200, body = Page<Access>), (status = 403, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AccountsState>,
    user: AuthUser,
    Query(params): Query<PageParams>,
) -> AppResult<Json<Page<Access>>> {
    user.require_role(Role::manages_accounts)?;
    Ok(Json(
        state
            .store
            .access_log_in(&user.scope, params.paging())
            .await?,
    ))
}
