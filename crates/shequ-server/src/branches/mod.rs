//! 三缘 branches: the preference-form rounds that put every member of a
//! neighbourhood into an interest, occupation or location branch within
//! its limits (the assignment is the domain's, computed again from the
//! stored forms on every view), and the candidate-less direct elections
//! (无候选人直选) of a branch committee, each round counted again from its
//! stored ballots. Reads and changes go through [`service`], which reaches
//! the organisations and members through the party capability's service.

pub mod api;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::Core;

/// The branches routes under `/api/v1`.
pub fn api() -> Router<Core> {
    Router::new()
        .route("/branches/rounds", get(api::rounds).post(api::open_round))
        .route("/branches/rounds/{id}", get(api::round))
        .route("/branches/rounds/{id}/forms", post(api::enter_form))
        .route("/branches/rounds/{id}/{step}", post(api::step))
        .route(
            "/branches/elections",
            get(api::elections).post(api::create_election),
        )
        .route("/branches/elections/{id}", get(api::election))
        .route("/branches/elections/{id}/rounds", post(api::record_round))
}

/// The branches pages.
pub fn pages() -> Router<Core> {
    use pages::{elections, form, rounds};
    Router::new()
        .route("/branches", get(rounds::list).post(rounds::open))
        .route("/branches/rounds/{id}", get(rounds::show))
        .route("/branches/rounds/{id}/forms", post(rounds::enter_form))
        .route("/branches/rounds/{id}/step/{step}", post(rounds::step))
        .route(
            "/branches/form/{round}/{person}/{tag}",
            get(form::show).post(form::send),
        )
        .route(
            "/branches/elections",
            get(elections::list).post(elections::create),
        )
        .route("/branches/elections/{id}", get(elections::show))
        .route("/branches/elections/{id}/rounds", post(elections::record))
        .route("/branches/elections/{id}/seat", post(elections::seat))
        .route("/branches/elections/{id}/sheet", get(elections::sheet))
}
