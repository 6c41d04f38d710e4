//! Daily counts and retention. Every minute the days that ingest marked
//! stale are recounted from their raw events (per building and household;
//! see `Store::recount_door_day`). Every ten minutes, after a recount, raw
//! door events older than `sensing_retention_days` and refused events older
//! than `rejected_retention_days` are deleted in small batches, each its
//! own short transaction, with a pause between batches so the ingest writer
//! is never held up for long.

use std::time::Duration;

use crate::sensing::SensingState;

/// Rows per delete: a few milliseconds of the writer's time.
pub const PRUNE_BATCH: i64 = 2_000;
/// Pause between batches while there is a backlog.
const PAUSE: Duration = Duration::from_millis(50);
/// How often stale days are recounted.
const RECOUNT_EVERY: Duration = Duration::from_secs(60);
/// How often to look for rows past their retention, in recount passes.
const PRUNE_EVERY_PASSES: u32 = 10;
const DAY_MS: i64 = 86_400_000;

/// What one pass deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub events: u64,
    pub rejected: u64,
}

/// The epoch-ms bounds of a day (`YYYY-MM-DD`) in the street's zone.
fn day_bounds(day: &str, tz: chrono_tz::Tz) -> Option<(i64, i64)> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let start = |d| crate::app::state::midnight_ms(tz, d);
    Some((start(date)?, start(date.succ_opt()?)?))
}

/// Recounts every day marked stale; returns how many were brought up to
/// date. A day that began before the retention cutoff is only unmarked:
/// part of its raw events may be gone, and its counts stand as they were.
pub async fn recount_once(state: &SensingState) -> shequ_store::Result<usize> {
    let cutoff = state.clock.now_ms() - i64::from(state.settings.sensing_retention_days) * DAY_MS;
    let mut done = 0;
    for (day, version) in state.store.stale_door_days().await? {
        match day_bounds(&day, state.tz) {
            Some((from, until)) if from >= cutoff => {
                if state
                    .store
                    .recount_door_day(&day, from, until, version)
                    .await?
                {
                    done += 1;
                }
            }
            _ => {
                tracing::info!(
                    day,
                    "late door events for a day past retention are not counted"
                );
                state.store.forget_door_day(&day, version).await?;
            }
        }
    }
    Ok(done)
}

/// Deletes everything past its retention, batch by batch (after bringing
/// the daily counts up to date, so no pass is pruned uncounted).
pub async fn run_once(state: &SensingState) -> shequ_store::Result<Pruned> {
    recount_once(state).await?;
    let now = state.clock.now_ms();
    let day = DAY_MS;
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
pub async fn run(state: SensingState) {
    let mut tick = tokio::time::interval(RECOUNT_EVERY);
    let mut pass: u32 = 0;
    loop {
        tick.tick().await;
        pass = pass.wrapping_add(1);
        if pass % PRUNE_EVERY_PASSES != 1 {
            if let Err(e) = recount_once(&state).await {
                tracing::warn!(error = %e, "recounting door events failed");
            }
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_bounded_by_local_midnights() {
        let (from, until) = day_bounds("2026-05-28", chrono_tz::Asia::Shanghai).expect("day");
        // 2026-05-27T16:00:00Z is midnight in Shanghai.
        assert_eq!(from, 1_779_897_600_000);
        assert_eq!(until - from, DAY_MS);
        assert!(day_bounds("28/05/2026", chrono_tz::Asia::Shanghai).is_none());
    }
}
