//! Server-rendered web pages (Chinese first, English second).

use axum::Router;
use axum::response::Redirect;
use axum::routing::get;

use crate::state::AppState;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(|| async { Redirect::to("/api/docs") }))
}
