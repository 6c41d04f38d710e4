//! Party organisation (党组织): the four-level tree with member counts, an
//! organisation's committee, members, places and changes; members and
//! their transfers (组织关系转接); coverage of the new sectors; double
//! registration (双报到); joint meetings (联席会议), whose decisions become
//! work orders. Reads and changes go through [`service`] and
//! [`meetings`], which apply the caller's scope and role; members are
//! sensitive, and their reads are logged.

pub mod api;
pub mod evaluation;
pub mod meetings;
pub mod pages;
pub mod service;
pub mod state;

pub use state::PartyState;

use axum::Router;
use axum::routing::{get, post};

/// The party routes under `/api/v1`.
pub fn api() -> Router<PartyState> {
    Router::new()
        .route("/party/orgs", get(api::tree).post(api::create))
        .route(
            "/party/orgs/{code}",
            get(api::org).patch(api::change).delete(api::dissolve),
        )
        .route("/party/orgs/{code}/seats", post(api::create_seat))
        .route("/party/members/{id}", get(api::member))
        .route(
            "/party/transfers",
            get(api::transfers).post(api::create_transfer),
        )
        .route("/party/transfers/{id}/{step}", post(api::step))
        .route("/party/coverage", get(api::coverage))
        .route(
            "/party/registrations",
            get(api::registrations::list).post(api::registrations::create),
        )
        .route("/party/members", get(api::search_members))
        .route("/party/registrations/{id}", get(api::evaluation::show))
        .route(
            "/party/registrations/{id}/evaluation.xlsx",
            post(api::evaluation::export),
        )
        .route(
            "/party/meetings",
            get(api::meetings::list).post(api::meetings::create),
        )
        .route("/party/meetings/{id}", get(api::meetings::show))
        .route(
            "/party/meetings/{id}/members",
            post(api::meetings::add_member),
        )
        .route(
            "/party/meetings/{id}/sessions",
            post(api::meetings::record_session),
        )
        .route(
            "/party/sessions/{id}/decisions",
            post(api::meetings::add_decision),
        )
}

/// The party pages.
pub fn pages() -> Router<PartyState> {
    use pages::{
        coverage, evaluation, meetings, member, org, registrations, search, transfers, tree,
    };
    Router::new()
        .route("/party", get(tree::show))
        .route("/party/orgs", post(org::create))
        .route("/party/orgs/{code}", get(org::show))
        .route("/party/orgs/{code}/rename", post(org::rename))
        .route("/party/orgs/{code}/move", post(org::move_to))
        .route("/party/orgs/{code}/dissolve", post(org::dissolve))
        .route("/party/orgs/{code}/seats", post(org::add_seat))
        .route("/party/members", get(search::show))
        .route("/party/members/{id}", get(member::show))
        .route("/party/members/{id}/register", post(member::register))
        .route("/party/orgs/{code}/register", post(org::register))
        .route("/party/members/{id}/transfer", post(member::transfer))
        .route("/party/transfers", get(transfers::show))
        .route("/party/transfers/{id}/{step}", post(transfers::step))
        .route("/party/coverage", get(coverage::show))
        .route("/party/registrations", get(registrations::show))
        .route("/party/registrations/record", post(registrations::record))
        .route("/party/registrations/{id}", get(evaluation::show))
        .route(
            "/party/registrations/{id}/evaluation.xlsx",
            post(evaluation::export),
        )
        .route(
            "/party/meetings",
            get(meetings::list).post(meetings::create),
        )
        .route("/party/meetings/{id}", get(meetings::show))
        .route("/party/meetings/{id}/progress", get(meetings::progress))
        .route("/party/meetings/{id}/members", post(meetings::add_member))
        .route(
            "/party/meetings/{id}/sessions",
            post(meetings::record_session),
        )
        .route(
            "/party/sessions/{id}/decisions",
            post(meetings::add_decision),
        )
        .route("/party/decisions/{id}", get(meetings::decision))
}
