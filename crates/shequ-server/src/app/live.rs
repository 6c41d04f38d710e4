//! Live events inside one process: pop-ups for a user, and order changes
//! for the command centre's feed. Pages subscribe over SSE; the outbox
//! remains the durable record, so a page that reconnects replays what it
//! missed from there.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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

type Sender = broadcast::Sender<Arc<LiveEvent>>;

/// The hub's channels: one per user with a page open (their pop-ups) and
/// one per region path a page is scoped to (feed events under it).
#[derive(Debug, Default)]
struct Channels {
    users: HashMap<i64, Sender>,
    regions: HashMap<String, Sender>,
}

/// Sends `event` on the channel at `key`, if any; drops the channel when
/// its last page has gone.
fn send_on<K, Q>(channels: &mut HashMap<K, Sender>, key: &Q, event: &Arc<LiveEvent>)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if let Some(tx) = channels.get(key)
        && tx.send(event.clone()).is_err()
    {
        channels.remove(key);
    }
}

/// The fan-out of live events (cheap to clone).
///
/// Each user's pop-ups and each region's feed have a channel of their own,
/// so an event wakes only the pages it is for. With one channel for all,
/// each of a street's ~150 open pages woke for every pop-up and every new
/// order and threw almost all of them away: at 1,000 orders a second that
/// was 300,000 wake-ups a second on two cores.
#[derive(Debug, Clone)]
pub struct Hub {
    capacity: usize,
    channels: Arc<Mutex<Channels>>,
}

/// What one open page listens to: its user's pop-ups and the feed of its
/// scope.
#[derive(Debug)]
pub struct Subscription {
    pub popups: broadcast::Receiver<Arc<LiveEvent>>,
    pub feed: broadcast::Receiver<Arc<LiveEvent>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl Hub {
    /// A hub keeping up to `capacity` events per channel for slow
    /// subscribers; a page that falls further behind is told to reload.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            channels: Arc::default(),
        }
    }

    fn channels(&self) -> MutexGuard<'_, Channels> {
        self.channels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Sends an event to the pages it is for: a pop-up to its user's pages,
    /// a feed event to every page whose scope holds its region. Nobody
    /// listening is fine.
    pub fn publish(&self, event: LiveEvent) {
        let event = Arc::new(event);
        let mut channels = self.channels();
        match event.user_id {
            Some(user) => send_on(&mut channels.users, &user, &event),
            None => {
                // Every region path and each of its ancestors ends in '/'.
                for (i, _) in event.region_path.match_indices('/') {
                    send_on(&mut channels.regions, &event.region_path[..=i], &event);
                }
            }
        }
    }

    /// Sends an event to every open page (the end of every stream at
    /// shutdown).
    pub fn publish_to_all(&self, event: LiveEvent) {
        let event = Arc::new(event);
        let channels = self.channels();
        for tx in channels.users.values().chain(channels.regions.values()) {
            let _ = tx.send(event.clone());
        }
    }

    /// How many open pages listen for `user_id`'s pop-ups (a page counts
    /// until the server notices its connection is gone).
    pub fn pages_of(&self, user_id: i64) -> usize {
        self.channels()
            .users
            .get(&user_id)
            .map_or(0, broadcast::Sender::receiver_count)
    }

    /// Listens for `user_id`'s pop-ups and feed events under `scope_path`
    /// (a region path, or `/` for everything).
    pub fn subscribe(&self, user_id: i64, scope_path: &str) -> Subscription {
        let mut channels = self.channels();
        let open = || broadcast::channel(self.capacity).0;
        Subscription {
            popups: channels
                .users
                .entry(user_id)
                .or_insert_with(open)
                .subscribe(),
            feed: channels
                .regions
                .entry(scope_path.to_owned())
                .or_insert_with(open)
                .subscribe(),
        }
    }
}
