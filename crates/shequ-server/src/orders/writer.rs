//! Group commit for new orders. Requests that arrive while a transaction
//! is being written wait and go together into the next one, so under load
//! many orders share one commit (and, on SQLite, one write of the pages
//! they all touch). Each caller still gets its answer only after its order
//! is committed.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use shequ_store::orders::create::{Created, NewOrder, OrderSession, Queued};
use shequ_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// Most orders in one transaction.
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<(Created, Vec<Queued>), StoreError>>;

/// The writer (cheap to clone); its task starts on first use.
#[derive(Debug, Clone)]
pub struct OrderWriter {
    store: Store,
    tx: Arc<OnceLock<mpsc::Sender<(NewOrder, Reply)>>>,
}

impl OrderWriter {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            tx: Arc::new(OnceLock::new()),
        }
    }

    /// Stores one order, batched with whatever else is waiting.
    pub async fn create(&self, order: NewOrder) -> Result<(Created, Vec<Queued>), StoreError> {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
            let store = self.store.clone();
            // The writer runs on a thread and runtime of its own. Each batch
            // takes several round trips to the database; on the shared
            // runtime every one of them would queue behind request handlers,
            // and under load the writer spent most of its time waiting for
            // its turn rather than writing.
            let spawned = std::thread::Builder::new()
                .name("shequ-order-writer".into())
                .spawn(move || {
                    match tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    {
                        Ok(rt) => rt.block_on(run(store, rx)),
                        Err(e) => {
                            tracing::error!(error = %e, "cannot start the order writer's runtime")
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start the order writer's thread");
            }
            tx
        });
        let (reply, answer) = oneshot::channel();
        if tx.send((order, reply)).await.is_err() {
            return Err(StoreError::Corrupt(
                "the order writer has stopped".to_owned(),
            ));
        }
        answer
            .await
            .map_err(|_| StoreError::Corrupt("the order writer dropped a request".to_owned()))?
    }
}

/// Longest the writer keeps the write connection while orders keep
/// coming; then it lets the other writers (door events, deliveries,
/// workers' actions) have a turn.
const HOLD_AT_MOST: Duration = Duration::from_millis(20);

async fn run(store: Store, mut rx: mpsc::Receiver<(NewOrder, Reply)>) {
    while let Some(first) = rx.recv().await {
        let mut session = match store.order_session().await {
            Ok(s) => s,
            Err(e) => {
                let _ = first.1.send(Err(e));
                continue;
            }
        };
        // Batches that follow one another share the session: giving the
        // connection back and taking it again costs two round trips.
        let held = Instant::now();
        let mut next = Some(first);
        while let Some(first) = next.take() {
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(more) => batch.push(more),
                    Err(_) => break,
                }
            }
            write(&mut session, batch).await;
            if held.elapsed() < HOLD_AT_MOST {
                next = rx.try_recv().ok();
            }
        }
    }
}

/// Writes one batch and answers each of its callers.
async fn write(session: &mut OrderSession, batch: Vec<(NewOrder, Reply)>) {
    let (orders, replies): (Vec<NewOrder>, Vec<Reply>) = batch.into_iter().unzip();
    let started = Instant::now();
    let outcome = session.create_orders(&orders).await;
    tracing::debug!(
        orders = orders.len(),
        duration_us = started.elapsed().as_micros() as u64,
        "order batch written"
    );
    match outcome {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(Ok(result));
            }
        }
        Err(e) if orders.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            // One bad order must not sink the others: retry them one by one.
            tracing::warn!(error = %e, orders = orders.len(), "a batch of orders failed; storing them one by one");
            for (order, reply) in orders.iter().zip(replies) {
                let _ = reply.send(session.create_order(order).await);
            }
        }
    }
}
