//! Group commit for door events, as `orders::writer` does for orders:
//! messages that arrive while a transaction is being written wait and go
//! together into the next one, so under load many requests share one
//! commit. Each caller is answered only after its events are committed;
//! then the stored events go to the rules engine ([`crate::sensing::EventSink`]).

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use shequ_store::sensing::events::DoorBatch;
use shequ_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::sensing::EventSink;
use crate::sensing::SensingState;
use crate::sensing::metrics::Channel;
use crate::sensing::metrics::Metrics;

/// A transaction stops taking more messages once it holds this many events.
const MAX_BATCH_EVENTS: usize = 40_000;

type Reply = oneshot::Sender<Result<(usize, usize), StoreError>>;

struct Job {
    channel: Channel,
    batch: DoorBatch,
    reply: Reply,
}

/// The writer; its thread starts on first use.
#[derive(Debug, Default)]
pub struct Writer {
    tx: OnceLock<mpsc::Sender<Job>>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("events", &self.batch.events.len())
            .finish()
    }
}

impl Writer {
    /// Stores one message's batch with whatever else is waiting; returns
    /// (accepted, duplicates) once committed.
    pub async fn write(
        &self,
        state: &SensingState,
        channel: Channel,
        batch: DoorBatch,
    ) -> Result<(usize, usize), StoreError> {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(1024);
            let store = state.store.clone();
            let sink = state.sensing.clone();
            let metrics = state.ingest.metrics.clone();
            // Its own thread and runtime, so the writer's round trips to the
            // database never queue behind request handlers.
            let spawned = std::thread::Builder::new()
                .name("shequ-door-writer".into())
                .spawn(move || {
                    match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt.block_on(run(store, sink, metrics, rx)),
                        Err(e) => {
                            tracing::error!(error = %e, "cannot start the door event writer's runtime")
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start the door event writer's thread");
            }
            tx
        });
        let (reply, answer) = oneshot::channel();
        if tx
            .send(Job {
                channel,
                batch,
                reply,
            })
            .await
            .is_err()
        {
            return Err(StoreError::Corrupt(
                "the door event writer has stopped".to_owned(),
            ));
        }
        answer.await.map_err(|_| {
            StoreError::Corrupt("the door event writer dropped a request".to_owned())
        })?
    }
}

/// A device's "last heard" is written to the database at most this often;
/// in between, only the rules engine's memory moves (a silence window is
/// hours long). Writing it with every commit dirtied a devices page per
/// device and slowed small MQTT transactions.
const HEARD_WRITE_EVERY_MS: i64 = 60_000;

async fn run(
    store: Store,
    sink: Arc<dyn EventSink>,
    metrics: Arc<Metrics>,
    mut rx: mpsc::Receiver<Job>,
) {
    // When each device's last heard was last written.
    let mut heard_written: HashMap<i64, i64> = HashMap::new();
    while let Some(first) = rx.recv().await {
        let mut events = first.batch.events.len();
        let mut jobs = vec![first];
        while events < MAX_BATCH_EVENTS {
            match rx.try_recv() {
                Ok(next) => {
                    events += next.batch.events.len();
                    jobs.push(next);
                }
                Err(_) => break,
            }
        }
        let mut merged = DoorBatch {
            received_at: jobs.iter().map(|j| j.batch.received_at).max().unwrap_or(0),
            ..DoorBatch::default()
        };
        merged.events.reserve(events);
        let mut spans = Vec::with_capacity(jobs.len());
        let mut replies = Vec::with_capacity(jobs.len());
        for job in jobs {
            let Job {
                channel,
                batch,
                reply,
            } = job;
            spans.push((channel, merged.events.len(), batch.events.len()));
            merged.events.extend(batch.events);
            merged.rejected.extend(batch.rejected);
            merged.heard.extend(batch.heard);
            replies.push(reply);
        }
        // Every device heard goes to the engine; only those not written
        // for a while go to the database.
        let heard_now = std::mem::take(&mut merged.heard);
        merged.heard = heard_now
            .iter()
            .copied()
            .filter(|(device, at)| {
                heard_written
                    .get(device)
                    .is_none_or(|written| at - written >= HEARD_WRITE_EVERY_MS)
            })
            .collect();
        let started = std::time::Instant::now();
        let outcome = store.insert_door_events(&merged).await;
        tracing::debug!(
            events = merged.events.len(),
            messages = replies.len(),
            duration_us = started.elapsed().as_micros() as u64,
            "door event batch written"
        );
        match outcome {
            Ok(stored) => {
                metrics.batch_committed();
                // The rules get the events before any sender hears back, so
                // an acknowledged event is already on its way to them (the
                // sink only queues).
                if !stored.events.is_empty() {
                    sink.accept(&stored.events);
                }
                for &(device, at) in &merged.heard {
                    heard_written.insert(device, at);
                }
                for (device, at) in &heard_now {
                    sink.device_heard(*device, *at);
                }
                for ((channel, start, len), reply) in spans.into_iter().zip(replies) {
                    let seqs = &stored.seqs[start..start + len];
                    let duplicates = seqs.iter().filter(|s| s.is_none()).count();
                    metrics.stored(channel, (len - duplicates) as u64, duplicates as u64);
                    let _ = reply.send(Ok((len - duplicates, duplicates)));
                }
            }
            Err(e) => {
                // Nothing was stored; every sender is told and may retry
                // (re-sent events are counted once).
                tracing::error!(error = %e, events = merged.events.len(), "storing door events failed");
                for reply in replies {
                    let _ = reply.send(Err(e.copy_for_another_sender()));
                }
            }
        }
    }
}
