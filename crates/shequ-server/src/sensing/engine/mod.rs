//! The rules engine: one task owns the in-memory state of every rule,
//! fed by a queue (ingest never waits for it), rebuilt from the database
//! at start and whenever the rules change, and woken by a timer so alerts
//! fire within a second of their deadline on the platform's clock.
//!
//! The state and the step that decides alerts are pure, in the domain
//! (`shequ_domain::sensing::engine`); here are the handle ([`Engine`]),
//! reading the state from the database (`load`), what the task holds
//! beside it (`state`) and the task that runs the step and carries its
//! decisions out (`task`).

mod load;
mod state;
mod task;

pub use load::ensure_default_rules;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use shequ_domain::sensing::DoorEvent;
use tokio::sync::{mpsc, oneshot};

use crate::sensing::EventSink;
use crate::sensing::SensingState;

enum Msg {
    Events(Vec<DoorEvent>),
    Heard(i64, i64),
    /// Replies once everything queued before it is processed, the rules
    /// re-read and every due alert raised.
    Settle(oneshot::Sender<()>),
}

/// Counters for `/metrics` and the bench.
#[derive(Debug, Default)]
pub struct EngineStats {
    pub events: AtomicU64,
    pub alerts_raised: AtomicU64,
    pub alerts_cleared: AtomicU64,
    /// Absence alerts withheld because the person's doors are silent.
    pub muted: AtomicU64,
    /// Bytes of rule state (after the last rebuild or tick).
    pub state_bytes: AtomicU64,
    pub watched_people: AtomicU64,
}

/// The handle ingest and the server hold: a queue into the engine task.
#[derive(Debug)]
pub struct Engine {
    tx: mpsc::UnboundedSender<Msg>,
    pub stats: Arc<EngineStats>,
}

impl EventSink for Engine {
    fn accept(&self, events: &[DoorEvent]) {
        // An unbounded queue: ingest has already stored the events, and the
        // engine catches up; dropping them would lose last-seen times.
        let _ = self.tx.send(Msg::Events(events.to_vec()));
    }

    fn device_heard(&self, device_id: i64, at: i64) {
        let _ = self.tx.send(Msg::Heard(device_id, at));
    }

    fn render_metrics(&self, out: &mut String) {
        use std::fmt::Write;
        let s = &self.stats;
        let rows: [(&str, &str, &str, &AtomicU64); 6] = [
            (
                "shequ_rules_events_total",
                "counter",
                "Door events the rules engine has taken in.",
                &s.events,
            ),
            (
                "shequ_rules_alerts_raised_total",
                "counter",
                "Welfare and device alerts raised.",
                &s.alerts_raised,
            ),
            (
                "shequ_rules_alerts_cleared_total",
                "counter",
                "Alerts cleared by a later pass.",
                &s.alerts_cleared,
            ),
            (
                "shequ_rules_absence_muted_total",
                "counter",
                "Absence alerts withheld because the person's doors are silent.",
                &s.muted,
            ),
            (
                "shequ_rules_state_bytes",
                "gauge",
                "Bytes of rule state in memory.",
                &s.state_bytes,
            ),
            (
                "shequ_rules_watched_people",
                "gauge",
                "People the rules watch.",
                &s.watched_people,
            ),
        ];
        for (name, kind, help, value) in rows {
            let _ = writeln!(out, "# HELP {name} {help}");
            let _ = writeln!(out, "# TYPE {name} {kind}");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
    }
}

impl Engine {
    /// Starts the engine task for `state` (on the current runtime).
    pub fn spawn(state: SensingState) -> Arc<Engine> {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(EngineStats::default());
        tokio::spawn(task::run(state, rx, stats.clone()));
        Arc::new(Engine { tx, stats })
    }

    /// Waits until everything queued so far is processed and every alert
    /// due on the clock is raised (tests, the bench, shutdown).
    pub async fn settle(&self) {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(Msg::Settle(tx)).is_ok() {
            let _ = rx.await;
        }
    }
}

/// Builds the engine and installs it as the state's event sink.
pub fn install(mut state: SensingState) -> SensingState {
    state.sensing = Engine::spawn(state.clone());
    state
}
