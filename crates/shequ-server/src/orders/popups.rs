//! Marking pop-ups shown on an open page as sent in the outbox.

use std::sync::{Arc, OnceLock};

use shequ_store::Store;
use tokio::sync::mpsc;

/// Pop-ups shown on a page, marked sent in the outbox a batch at a time.
///
/// A page gets its pop-up at once; the mark only keeps a reconnecting page
/// from being shown it again, so it can wait a moment. Marked one by one,
/// a thousand pop-ups a second were a thousand write transactions a second
/// on SQLite's one writer, queued with the new orders themselves.
#[derive(Debug, Clone)]
pub struct PopupMarks {
    store: Store,
    tx: Arc<OnceLock<mpsc::UnboundedSender<(i64, i64)>>>,
}

/// Most pop-ups marked in one transaction.
const MARK_BATCH: usize = 1000;

impl PopupMarks {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            tx: Arc::new(OnceLock::new()),
        }
    }

    /// Queues pop-up outbox rows `ids`, shown at `now`, to be marked sent.
    pub fn sent(&self, ids: &[i64], now: i64) {
        let tx = self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(mark(self.store.clone(), rx));
            tx
        });
        for &id in ids {
            // The receiver lives as long as the runtime.
            let _ = tx.send((id, now));
        }
    }
}

/// Marks whatever has queued up while the last batch was written.
async fn mark(store: Store, mut rx: mpsc::UnboundedReceiver<(i64, i64)>) {
    let mut batch = Vec::with_capacity(MARK_BATCH);
    while rx.recv_many(&mut batch, MARK_BATCH).await > 0 {
        let now = batch.iter().map(|&(_, at)| at).max().unwrap_or_default();
        let ids: Vec<i64> = batch.drain(..).map(|(id, _)| id).collect();
        if let Err(e) = store.mark_popups_sent(&ids, now).await {
            tracing::warn!(error = %e, n = ids.len(), "marking pop-ups sent failed");
        }
    }
}
