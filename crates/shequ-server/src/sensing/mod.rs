//! Door-access sensing in the server: ingest (HTTP and MQTT) stores events
//! durably and then hands them to the rules engine through [`EventSink`].

pub(crate) mod alerting;
pub mod engine;

use std::fmt::Debug;

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
