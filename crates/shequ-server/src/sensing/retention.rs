//! Retention: raw door events older than `sensing_retention_days` and
//! refused events older than `rejected_retention_days` are deleted in small
//! batches, each its own short transaction, with a pause between batches so
//! the ingest writer is never held up for long.

use std::time::Duration;

use crate::state::AppState;

/// Rows per delete: a few milliseconds of the writer's time.
pub const PRUNE_BATCH: i64 = 2_000;
/// Pause between batches while there is a backlog.
const PAUSE: Duration = Duration::from_millis(50);
/// How often to look for rows past their retention.
const EVERY: Duration = Duration::from_secs(600);

/// What one pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub rejected: u64,
}

/// Deletes everything past its retention, batch by batch.
pub async fn run_once(state: &AppState) -> shequ_store::Result<Pruned> {
    let now = state.clock.now_ms();
    let day = 86_400_000i64;
    let events_before = now - i64::from(state.settings.sensing_retention_days) * day;
    let rejected_before = now - i64::from(state.settings.rejected_retention_days) * day;
    let mut pruned = Pruned::default();
    loop {
        let n = state
            .store
            .prune_door_events(events_before, PRUNE_BATCH)
            .await?;
        pruned.events += n;
        if n < PRUNE_BATCH as u64 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    loop {
        let n = state
            .store
            .prune_rejected_door_events(rejected_before, PRUNE_BATCH)
            .await?;
        pruned.rejected += n;
        if n < PRUNE_BATCH as u64 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    Ok(pruned)
}

/// The worker loop.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match run_once(&state).await {
            Ok(p) if p.events + p.rejected > 0 => {
                tracing::info!(
                    events = p.events,
                    rejected = p.rejected,
                    "pruned old door events"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning door events failed"),
        }
    }
}
