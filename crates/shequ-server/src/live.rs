//! Live events inside one process: pop-ups for a user, and order changes
//! for the command centre's feed. Pages subscribe over SSE; the outbox
//! remains the durable record, so a page that reconnects replays what it
//! missed from there.

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::broadcast;

/// Something that happened, to push to open pages.
#[derive(Debug, Clone, Serialize)]
pub struct LiveEvent {
    /// The outbox row of a pop-up (its SSE id); 0 for feed events.
    pub id: i64,
    /// For pop-ups: whose pages show it. `None`: a feed event for everyone
    /// whose scope contains `region_path`.
    pub user_id: Option<i64>,
    /// `popup`, `order_created`, `order_changed`, `alert`…
    pub kind: &'static str,
    pub order_id: Option<i64>,
    pub region_path: String,
    /// JSON text the page renders.
    pub payload: String,
}

/// The fan-out of live events (cheap to clone).
#[derive(Debug, Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<LiveEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl Hub {
    /// A hub keeping up to `capacity` events for slow subscribers; a page
    /// that falls further behind is told to reload.
    pub fn new(capacity: usize) -> Self {
        let (tx, _) = broadcast::channel(capacity);
        Self { tx }
    }

    /// Sends an event to every subscriber; nobody listening is fine.
    pub fn publish(&self, event: LiveEvent) {
        let _ = self.tx.send(Arc::new(event));
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.tx.subscribe()
    }
}
