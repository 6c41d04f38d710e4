//! Assessment from the bottom up (自下而上考核): the street opens a period
//! under a scheme (the street 70% by default), its subjects are scored from
//! the orders' trail by the one definition of each figure and by hand,
//! appeal the orders they dispute, and the street decides the appeals and
//! closes the period, freezing its scores. Reads and changes go through
//! [`service`]; the rules and the arithmetic are the domain's
//! (`shequ_domain::assess`). Accepted appeals are written on the order's
//! trail through the orders capability's service.

pub mod api;
pub mod export;
pub mod pages;
pub mod service;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::Core;

/// What the assessment pages and API hold: the shared core and the
/// orders capability (whose trail records accepted appeals).
#[derive(Debug, Clone)]
pub struct AssessState {
    pub core: Core,
    pub orders: crate::orders::OrdersState,
}

crate::core_parts!(AssessState);

impl AssessState {
    pub fn new(orders: crate::orders::OrdersState) -> Self {
        Self {
            core: orders.core.clone(),
            orders,
        }
    }
}

/// The assessment routes under `/api/v1`.
pub fn api() -> Router<AssessState> {
    Router::new()
        .route("/assess/periods", get(api::periods).post(api::open))
        .route("/assess/periods/{id}", get(api::period))
        .route("/assess/periods/{id}/close", post(api::close))
        .route("/assess/subjects/{id}", get(api::subject))
        .route("/assess/subjects/{id}/scores", post(api::score))
        .route("/assess/subjects/{id}/appeals", post(api::appeal))
        .route("/assess/appeals/{id}/decision", post(api::decide))
}

/// The assessment pages.
pub fn pages() -> Router<AssessState> {
    use pages::{period, periods, subject};
    Router::new()
        .route("/assess", get(periods::list).post(periods::open))
        .route("/assess/periods/{id}", get(period::show))
        .route("/assess/periods/{id}/print", get(period::print))
        .route("/assess/periods/{id}/export.xlsx", get(period::export))
        .route("/assess/periods/{id}/close", post(period::close))
        .route("/assess/appeals/{id}/decision", post(period::decide))
        .route("/assess/subjects/{id}", get(subject::show))
        .route("/assess/subjects/{id}/scores", post(subject::score))
        .route("/assess/subjects/{id}/appeals", post(subject::appeal))
}
