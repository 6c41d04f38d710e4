//! `GET /api/v1/events`: the live stream of an open page (Server-Sent
//! Events). It carries the caller's own pop-ups (`event: popup`, with the
//! outbox id as the SSE id) and the feed of order events in the caller's
//! scope (`event: order_created`, `order_changed`, `alert`; no id, so they
//! do not move the page's Last-Event-ID).
//!
//! A page that reconnects with `Last-Event-ID` (the header browsers send,
//! or `?last_event_id=`) first gets the pop-ups it missed, replayed from
//! the outbox, then live ones, without repeats. The outbox is the durable
//! record; the live hub only saves the round trip. A page too slow for the
//! hub's buffer is sent `event: reload`: feed events it missed are gone,
//! so it reloads its lists; to get the missed pop-ups too it reconnects
//! with `?last_event_id=` set to the last pop-up id it saw. A comment every 15 s keeps proxies
//! from closing an idle stream. Pop-up rows are marked `sent` once pushed
//! to at least one open page, so operators can see the ones nobody saw.

use std::collections::{HashSet, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderName};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use shequ_store::Scope;
use tokio::sync::broadcast::error::RecvError;

use crate::app::auth::AuthUser;
use crate::app::error::AppResult;
use crate::app::live::Hub;
use crate::app::live::LiveEvent;
use crate::app::live::Subscription;
use crate::orders::OrdersState;

/// Interval of the keep-alive comments.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Pop-ups read from the outbox per query when replaying.
const REPLAY_PAGE: i64 = 200;
/// Beyond this many missed pop-ups the page is told to reload instead.
const REPLAY_MAX: usize = 1_000;

/// The kind of the hub event that ends every open stream.
const END_STREAMS: &str = "end_streams";

/// Ends every open event stream (at shutdown); pages reconnect by
/// themselves and replay what they missed.
pub fn end_streams(hub: &Hub) {
    hub.publish_to_all(LiveEvent {
        id: 0,
        user_id: None,
        kind: END_STREAMS,
        order_id: None,
        region_path: String::new(),
        payload: String::new(),
    });
}

/// `?last_event_id=` for clients that cannot set the header.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct EventsParams {
    /// Replay your pop-ups after this outbox id (as the `Last-Event-ID`
    /// header does; the header wins).
    pub last_event_id: Option<i64>,
}

/// The live stream for the logged-in user (cookie or bearer).
#[utoipa::path(get, path = "/api/v1/events", tag = "orders",
    params(EventsParams,
        ("Last-Event-ID" = Option<i64>, Header, description = "The id of the last pop-up the page saw")),
    responses((status = 200, description = "text/event-stream: `popup` events (id = outbox id) for you; `order_created`, `order_changed`, `alert` for orders in your scope; `reload` when you fell behind", content_type = "text/event-stream"),
              (status = 401, body = crate::app::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn stream(
    State(state): State<OrdersState>,
    user: AuthUser,
    headers: HeaderMap,
    Query(params): Query<EventsParams>,
) -> AppResult<impl IntoResponse> {
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(params.last_event_id);
    // Subscribe before reading the outbox: a pop-up committed meanwhile is
    // then in the replay, the live stream or both (and sent once).
    let rx = state.hub.subscribe(user.user.id, user.scope.root_path());
    let mut feed = Feed {
        rx,
        user_id: user.user.id,
        scope: user.scope.clone(),
        queue: VecDeque::new(),
        seen_up_to: last_event_id.unwrap_or(0),
        replayed: HashSet::new(),
        state: state.clone(),
    };
    if let Some(after) = last_event_id {
        feed.replay(after).await?;
    }
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let event = feed.next().await?;
        Some((Ok::<_, Infallible>(event), feed))
    });
    Ok((
        // Tell nginx-like proxies not to buffer the stream.
        [(HeaderName::from_static("x-accel-buffering"), "no")],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)),
    ))
}

/// One page's subscription.
struct Feed {
    rx: Subscription,
    user_id: i64,
    scope: Scope,
    /// Events to send before reading the hub (the replay).
    queue: VecDeque<Event>,
    /// The page had every pop-up up to this id when it connected (its
    /// Last-Event-ID; 0 without one).
    seen_up_to: i64,
    /// Pop-ups sent by the replay, not to be sent again live.
    replayed: HashSet<i64>,
    state: OrdersState,
}

impl Feed {
    async fn replay(&mut self, after: i64) -> AppResult<()> {
        let mut cursor = after;
        let mut unsent = Vec::new();
        loop {
            let rows = self
                .state
                .store
                .popups_for(self.user_id, cursor, REPLAY_PAGE)
                .await?;
            let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= REPLAY_PAGE;
            for row in rows {
                cursor = row.id;
                if row.state == "pending" {
                    unsent.push(row.id);
                }
                self.replayed.insert(row.id);
                self.queue.push_back(popup(row.id, &row.payload));
            }
            if !full {
                break;
            }
            if self.replayed.len() >= REPLAY_MAX {
                // Too much to replay: the page reloads and shows its lists
                // (a new page's stream starts without a Last-Event-ID).
                self.queue.clear();
                self.replayed.clear();
                unsent.clear();
                self.queue.push_back(reload("too_many_missed"));
                break;
            }
        }
        self.mark_sent(unsent);
        Ok(())
    }

    /// The next event to send; `None` when the hub is gone (shutdown).
    async fn next(&mut self) -> Option<Event> {
        if let Some(e) = self.queue.pop_front() {
            return Some(e);
        }
        loop {
            // Pop-ups first: an order's pop-up is published before its feed
            // event, and a page shows them in that order.
            let received = tokio::select! {
                biased;
                r = self.rx.popups.recv() => r,
                r = self.rx.feed.recv() => r,
            };
            match received {
                Ok(live) if live.kind == END_STREAMS => return None,
                Ok(live) => {
                    if let Some(e) = self.accept(&live).await {
                        return Some(e);
                    }
                }
                Err(RecvError::Lagged(missed)) => {
                    tracing::info!(
                        user.id = self.user_id,
                        missed,
                        "live stream fell behind; page told to reload"
                    );
                    return Some(reload("lagged"));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    /// The event for this page, if it is one.
    async fn accept(&mut self, live: &LiveEvent) -> Option<Event> {
        if live.kind == "popup" {
            if live.user_id != Some(self.user_id)
                || live.id <= self.seen_up_to
                || self.replayed.contains(&live.id)
            {
                return None;
            }
            // The pop-up's own content is its outbox row, so a live pop-up
            // reads exactly like a replayed one; the hub's summary of the
            // order stands in if the row cannot be read.
            let payload = match self.state.store.outbox_row(live.id).await {
                Ok(Some(row)) => row.payload,
                Ok(None) => live.payload.clone(),
                Err(e) => {
                    tracing::warn!(outbox.id = live.id, error = %e, "reading a pop-up failed");
                    live.payload.clone()
                }
            };
            self.mark_sent(vec![live.id]);
            return Some(popup(live.id, &payload));
        }
        if live.user_id.is_none() && self.scope.contains(&live.region_path) {
            return Some(Event::default().event(live.kind).data(&live.payload));
        }
        None
    }

    /// Marks pop-ups delivered, off the stream's path.
    fn mark_sent(&self, ids: Vec<i64>) {
        if !ids.is_empty() {
            self.state.popup_marks.sent(&ids, self.state.clock.now_ms());
        }
    }
}

/// A pop-up event. The outbox stores the order id as text (it is filled
/// in after the notice is written); pages get it as a number, like every
/// other event's `order_id`.
fn popup(id: i64, payload: &str) -> Event {
    let data = match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(mut v) => {
            if let Some(n) = v["order_id"].as_str().and_then(|s| s.parse::<i64>().ok()) {
                v["order_id"] = n.into();
            }
            v.to_string()
        }
        Err(_) => payload.to_owned(),
    };
    Event::default()
        .event("popup")
        .id(id.to_string())
        .data(data)
}

fn reload(reason: &str) -> Event {
    Event::default()
        .event("reload")
        .data(serde_json::json!({ "reason": reason }).to_string())
}
