//! Accounts: logging in and out (sessions, bearer tokens, the login limits
//! and device cookies), users, API tokens, and the access log.

pub mod api;
pub mod device;
pub mod limiter;
pub mod pages;
pub mod state;

use axum::Router;
use axum::routing::{delete, get, post};

pub use state::AccountsState;

/// The accounts' routes under `/api/v1`.
pub fn api() -> Router<AccountsState> {
    use api::{access_log, auth, tokens, users};
    Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/me", get(auth::me))
        .route("/users", get(users::list).post(users::create))
        .route("/tokens", get(tokens::list).post(tokens::create))
        .route("/tokens/{id}", delete(tokens::revoke))
        .route("/access-log", get(access_log::list))
}

/// The accounts' pages.
pub fn pages() -> Router<AccountsState> {
    use pages::{admin, login};
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{tag}", get(login::switch_language))
        .route("/admin/users", get(admin::users))
        .route("/admin/access-log", get(admin::access_log))
}
