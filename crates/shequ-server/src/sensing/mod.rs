//! Door-access sensing (门禁感知): ingest (HTTP and MQTT) stores events
//! durably and then hands them to the rules engine through [`EventSink`];
//! the engine's alerts become work orders through the orders' intake.
//! Devices, alert rules and alerts have their API and pages here.

pub(crate) mod alerting;
pub mod api;
pub mod engine;
pub mod pages;
pub mod state;

use std::fmt::Debug;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post, put};

pub use state::SensingState;

/// The sensing routes under `/api/v1`.
pub fn api() -> Router<SensingState> {
    use api::{alerts, devices};
    Router::new()
        .route("/devices", get(devices::list).post(devices::create))
        // 10,000 events of a few hundred bytes each; the count is checked
        // after reading (413 with the limit).
        .route(
            "/devices/events",
            post(devices::post_events).layer(DefaultBodyLimit::max(16 * 1024 * 1024)),
        )
        .route("/devices/rejected", get(devices::rejected))
        .route("/devices/ingest-health", get(devices::ingest_health))
        .route(
            "/alert-rules",
            get(alerts::list_rules).post(alerts::create_rule),
        )
        .route("/alert-rules/{id}", put(alerts::update_rule))
        .route("/alert-rules/{id}/disable", post(alerts::disable_rule))
        .route("/alerts", get(alerts::list_alerts))
}

/// Starts sensing's background work on the current runtime: retention,
/// the door registry loaded into memory, and MQTT ingest. The server calls
/// this once; in-process tests leave it out.
pub fn spawn(state: &SensingState) {
    tokio::spawn(retention::run(state.clone()));
    // Door devices and cards into memory now, not on the first event.
    let warm = state.clone();
    tokio::spawn(async move {
        let registry = &warm.ingest.registry;
        if let Err(e) = registry.devices(&warm.store).await {
            tracing::warn!(error = %e, "loading the door devices failed; the first event will retry");
        }
        if let Err(e) = registry.cards(&warm.store).await {
            tracing::warn!(error = %e, "loading the door cards failed; the first event will retry");
        }
    });
    mqtt::spawn(state);
}

/// The sensing pages: alert rules and devices, under operations.
pub fn pages() -> Router<SensingState> {
    use pages::{alert_rules, devices};
    Router::new()
        .merge(alert_rules::router())
        .route("/ops/devices", get(devices::list))
}

use shequ_domain::sensing::DoorEvent;

/// Where accepted events go once they are stored: the rules engine. Called
/// after the events' transaction committed, in the order they were stored;
/// must not block (queue and return).
pub trait EventSink: Send + Sync + Debug {
    /// Events just stored.
    fn accept(&self, events: &[DoorEvent]);
    /// A device was heard from at `at` (any message, even one whose events
    /// were all rejected), for the device-silence rule.
    fn device_heard(&self, device_id: i64, at: i64);
    /// Appends the sink's own counters to the `/metrics` text (Prometheus
    /// exposition format); nothing by default.
    fn render_metrics(&self, _out: &mut String) {}
}

/// A sink that drops everything (until the rules engine is wired in).
#[derive(Debug, Default)]
pub struct NoSink;

impl EventSink for NoSink {
    fn accept(&self, _events: &[DoorEvent]) {}
    fn device_heard(&self, _device_id: i64, _at: i64) {}
}

pub mod ingest;
pub mod metrics;
pub mod mqtt;
pub mod registry;
pub mod retention;
pub mod writer;
