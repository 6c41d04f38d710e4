//! Work orders (工单): intake from every channel, the group-commit writer,
//! acting on orders (the service other capabilities call), notifications
//! and their workers (SMS, SLA escalation), photos, the catalogue and
//! routing, and the orders' API and pages.

pub mod api;
pub mod catalogue;
pub mod config;
pub mod geo;
pub mod intake;
pub mod limit;
pub mod memory;
pub mod notices;
pub mod pages;
pub mod photos;
pub mod popups;
pub mod service;
pub mod state;
pub mod workers;
pub mod writer;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, post, put};

pub use state::OrdersState;

/// The orders' routes under `/api/v1`.
pub fn api() -> Router<OrdersState> {
    use api::{catalogue, events, notifications, orders, photos, reports};
    Router::new()
        .route("/orders", get(orders::list).post(orders::file))
        .route("/orders/counts", get(orders::counts))
        .route("/orders/{id}", get(orders::detail))
        .route("/orders/{id}/actions", post(orders::act))
        // The upload reads its own limits (max_photo_bytes) while streaming.
        .route(
            "/orders/{id}/photos",
            post(photos::upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/reports/{token}", get(reports::status))
        .route("/reports/{token}/rating", post(reports::rate))
        .route("/categories", get(catalogue::categories))
        .route("/categories/{code}", put(catalogue::put_category))
        .route("/teams", get(catalogue::teams).post(catalogue::create_team))
        .route("/teams/{id}/shifts", post(catalogue::add_shift))
        .route(
            "/routing-rules",
            get(catalogue::rules).post(catalogue::add_rule),
        )
        .route("/routing-rules/{id}", delete(catalogue::delete_rule))
        .route("/figures", get(catalogue::figures))
        .route("/events", get(events::stream))
        .route("/notifications/dead", get(notifications::dead))
        .route("/notifications/{id}/retry", post(notifications::retry))
}

/// The orders' pages: the public report form and follow link, the
/// operator's form, lists, the order page, the phone page, and the
/// operations page (catalogue, routing, duty roster).
pub fn pages() -> Router<OrdersState> {
    use pages::{act, detail, file, list, ops, photo, report, status};
    Router::new()
        .route("/ops", get(ops::show))
        // Forms with a photo read their own limits while streaming.
        .route(
            "/report",
            get(report::form)
                .post(report::submit)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/r", get(status::lookup))
        .route("/r/{token}", get(status::show).post(status::rate))
        .route("/orders", get(list::list))
        .route(
            "/orders/new",
            get(file::form)
                .post(file::submit)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/orders/{id}", get(detail::show))
        .route(
            "/orders/{id}/act",
            post(act::act).layer(DefaultBodyLimit::disable()),
        )
        .route("/my", get(list::mine))
        .route("/photos/{id}", get(photo::serve))
}
