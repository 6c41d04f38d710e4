//! The registry of people and places (人、地): the region tree, places,
//! households and residents, with masked numbers and the logged reveal.

pub mod api;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::Core;

/// The registry's routes under `/api/v1`.
pub fn api() -> Router<Core> {
    use api::{people, places, regions};
    Router::new()
        .route("/regions", get(regions::tree))
        .route("/regions/{code}", get(regions::detail))
        .route("/places", get(places::list))
        .route("/places/{id}", get(places::detail))
        .route("/households", get(people::households))
        .route("/households/{id}", get(people::household))
        .route("/people", get(people::search))
        .route("/people/{id}", get(people::detail))
        .route("/people/{id}/reveal", post(people::reveal))
}

/// The registry's pages, and the home page.
pub fn pages() -> Router<Core> {
    use pages::{home, people, places, regions};
    Router::new()
        .route("/", get(home::show))
        .route("/regions", get(regions::tree))
        .route("/regions/{code}", get(regions::detail))
        .route("/people", get(people::list))
        .route("/people/{id}", get(people::detail))
        .route("/people/{id}/reveal", post(people::reveal))
        .route("/households/{id}", get(people::household))
        .route("/places", get(places::list))
        .route("/places/{id}", get(places::detail))
}
