//! Regional cooperation (区域化党建): the units resident in the street
//! (驻区单位), the three lists (三张清单) — needs, resources and the
//! projects that meet needs with resources — with matching that ranks the
//! resources for a need and says why in words, and the year's project
//! list the street picks from. Reads and changes go through [`service`];
//! the rules (commitments within what is left, the project steps, the
//! score) are the domain's (`shequ_domain::coop`).

pub mod api;
pub mod cache;
pub mod callups;
pub mod pages;
pub mod pairing;
pub mod phone;
pub mod service;
pub mod volunteers;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::Core;

/// What the cooperation pages and API hold: the shared core, the orders
/// capability (whose recurring complaints propose needs), and the
/// resources matching ranks against, kept in memory
/// ([`cache::OfferCache`]).
#[derive(Debug, Clone)]
pub struct CoopState {
    pub core: Core,
    pub orders: crate::orders::OrdersState,
    pub offers: cache::OfferCache,
}

crate::core_parts!(CoopState);

impl CoopState {
    pub fn new(orders: crate::orders::OrdersState) -> Self {
        Self {
            core: orders.core.clone(),
            orders,
            offers: cache::OfferCache::default(),
        }
    }
}

/// The cooperation routes under `/api/v1`.
pub fn api() -> Router<CoopState> {
    Router::new()
        .route("/coop/units", get(api::units).post(api::save_unit))
        .route("/coop/units/{id}", get(api::unit))
        .route("/coop/needs", get(api::needs).post(api::save_need))
        .route("/coop/needs/{id}", get(api::need))
        .route(
            "/coop/resources",
            get(api::resources).post(api::save_resource),
        )
        .route(
            "/coop/projects",
            get(api::projects).post(api::create_project),
        )
        .route("/coop/projects/{id}", get(api::project))
        .route("/coop/projects/{id}/step", post(api::step))
        .route("/coop/projects/{id}/rating", post(api::rate))
        .route("/coop/projects/{id}/outcome", post(api::outcome))
        .route("/coop/year", get(api::year))
}

/// The cooperation pages.
pub fn pages() -> Router<CoopState> {
    use pages::{callups, needs, pairs, projects, resources, teams, units, volunteer, year};
    Router::new()
        .route("/coop", get(year::show))
        .route("/coop/pick", post(year::pick))
        .route("/coop/needs", get(needs::list).post(needs::save))
        .route("/coop/needs/{id}", get(needs::show))
        .route("/coop/needs/{id}/confirm", post(needs::confirm))
        .route(
            "/coop/resources",
            get(resources::list).post(resources::save),
        )
        .route("/coop/resources/{id}", get(resources::show))
        .route("/coop/units", get(units::list).post(units::save))
        .route("/coop/units/{id}", get(units::show))
        .route("/coop/projects", get(projects::list))
        .route("/coop/projects/{id}", get(projects::show))
        .route("/coop/projects/{id}/step", post(projects::step))
        .route("/coop/projects/{id}/rating", post(projects::rate))
        .route("/coop/projects/{id}/outcome", post(projects::outcome))
        .route("/coop/teams", get(teams::list).post(teams::create))
        .route("/coop/teams/{id}", get(teams::show))
        .route("/coop/teams/{id}/members", post(teams::add_member))
        .route("/coop/teams/{id}/activities", post(teams::create_activity))
        .route("/coop/activities/{id}", get(teams::activity))
        .route("/coop/pairs", get(pairs::list).post(pairs::create))
        .route("/coop/pairs/{id}", get(pairs::show))
        .route("/coop/pairs/{id}/visits", post(pairs::visit))
        .route("/coop/callups", get(callups::list).post(callups::issue))
        .route("/coop/callups/{id}", get(callups::show))
        .route("/coop/callups/{id}/posts", post(callups::add_post))
        .route("/coop/callups/{id}/close", post(callups::close))
        .route("/v/{person}/{tag}/answer/{post}", post(volunteer::answer))
        .route("/v/{person}/{tag}/duty/{post}", post(volunteer::duty))
        .route("/v/{person}/{tag}", get(volunteer::show))
        .route(
            "/v/{person}/{tag}/signup/{activity}",
            post(volunteer::sign_up),
        )
        .route(
            "/v/{person}/{tag}/checkin/{activity}",
            post(volunteer::check_in),
        )
}
