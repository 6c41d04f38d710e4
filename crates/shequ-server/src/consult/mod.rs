//! The street's say over the departments (征询·会商·会签): a department's
//! member opens a matter and its rounds — asked before, consulted during,
//! signed after — each with a deadline for the street's answer; the street
//! answers each with its opinion and reasons; the department records what
//! it did. Rounds past their deadline unanswered are flagged to the
//! street. The pages and the JSON API ([`api`]) read and change through
//! [`service`]; the order of the
//! rounds and what an answer must say are the domain's
//! (`shequ_domain::consult`).

pub mod api;
pub mod page;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::Core;

/// The consultations' part of the state: the core alone.
#[derive(Debug, Clone)]
pub struct ConsultState {
    pub core: Core,
}

crate::core_parts!(ConsultState);

impl ConsultState {
    pub fn new(core: Core) -> Self {
        Self { core }
    }
}

/// The consultations' routes under `/api/v1`.
pub fn api() -> Router<ConsultState> {
    Router::new()
        .route("/consult/matters", get(api::matters).post(api::open))
        .route("/consult/matters/{id}", get(api::matter))
        .route("/consult/matters/{id}/rounds", post(api::next_round))
        .route("/consult/matters/{id}/outcome", post(api::conclude))
        .route("/consult/rounds/{id}/answer", post(api::answer))
        .route("/consult/records", get(api::records))
}

/// The consultations' pages.
pub fn pages() -> Router<ConsultState> {
    Router::new()
        .route("/consult", get(page::list).post(page::open))
        .route("/consult/{id}", get(page::show))
        .route("/consult/{id}/rounds", post(page::next_round))
        .route("/consult/rounds/{id}/answer", post(page::answer))
        .route("/consult/{id}/outcome", post(page::conclude))
        .route(
            "/consult/rounds/{id}/documents",
            // The upload reads its own limits (max_photo_bytes) while streaming.
            post(page::attach).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/consult/documents/{id}", get(page::download))
}
