//! The engine's task: it takes events, devices heard and clock ticks off
//! the queue, lets the domain's step decide, and carries the decisions out
//! — alerts stored and their orders filed through [`alerting`], which
//! knows nothing of the engine's state.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use shequ_domain::sensing::engine::{Decision, Device};
use tokio::sync::mpsc;

use super::load::{build, ensure_default_rules, refresh};
use super::state::EngineState;
use super::{EngineStats, Msg};
use crate::sensing::SensingState;
use crate::sensing::alerting;

/// How often the engine looks at the clock when nothing else wakes it.
/// Bounds alert latency after a deadline (and lets a manual clock in
/// tests be seen to move).
const TICK: Duration = Duration::from_millis(200);

pub(super) async fn run(
    state: SensingState,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    stats: Arc<EngineStats>,
) {
    if let Err(e) = ensure_default_rules(&state).await {
        tracing::error!(error = %e, "could not install the default alert rules");
    }
    let mut engine = loop {
        match build(&state, None).await {
            Ok(r) => break r,
            Err(e) => {
                tracing::error!(error = %e, "rules engine: reading its state failed; retrying in 5 s");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    };
    publish_stats(&engine, &stats);
    tracing::info!(
        people = engine.rules.watched_people(),
        bytes = engine.rules.memory_bytes(),
        "rules engine started"
    );
    loop {
        let msg = tokio::select! {
            m = rx.recv() => match m {
                Some(m) => Some(m),
                None => return,
            },
            () = tokio::time::sleep(TICK) => None,
        };
        let now = state.clock.now_ms();
        match msg {
            Some(Msg::Events(events)) => {
                stats
                    .events
                    .fetch_add(events.len() as u64, Ordering::Relaxed);
                let decisions = engine.rules.on_events(&events, &state.tz);
                carry_out(&state, &engine, decisions, &stats).await;
            }
            Some(Msg::Heard(device, at)) => {
                if engine.rules.device(device).is_none() {
                    add_device(&state, &mut engine, device, at).await;
                }
                let decisions = engine.rules.on_heard(device, at);
                carry_out(&state, &engine, decisions, &stats).await;
            }
            Some(Msg::Settle(reply)) => {
                refresh(&state, &mut engine, now, true).await;
                tick(&state, &mut engine, now, &stats).await;
                publish_stats(&engine, &stats);
                let _ = reply.send(());
                continue;
            }
            None => {}
        }
        // Under a steady stream of events the timer branch may never win,
        // so deadlines are checked after every message too.
        refresh(&state, &mut engine, now, false).await;
        tick(&state, &mut engine, now, &stats).await;
    }
}

fn publish_stats(engine: &EngineState, stats: &EngineStats) {
    stats
        .state_bytes
        .store(engine.rules.memory_bytes() as u64, Ordering::Relaxed);
    stats
        .watched_people
        .store(engine.rules.watched_people() as u64, Ordering::Relaxed);
}

/// A device registered after the engine started: read it, and rebuild at
/// the next refresh so the silence rule watches it too.
async fn add_device(state: &SensingState, engine: &mut EngineState, device: i64, at: i64) {
    match state.store.watched_devices().await {
        Ok(all) => {
            for d in all.into_iter().filter(|d| d.id == device) {
                engine.rules.add_device(
                    d.id,
                    Device {
                        building: d.building_id,
                        last_heard: d.last_heard_at.unwrap_or(d.created_at).min(at),
                        enabled: d.enabled,
                    },
                );
            }
        }
        Err(e) => tracing::warn!(error = %e, "rules engine: reading devices failed"),
    }
    if engine.rules.device(device).is_some() {
        // Until the rebuild it counts as a live door for its building.
        engine.rules_read_at = i64::MIN / 2;
        engine.stale = true;
    }
}

/// Raises every alert whose deadline has passed, and clears the
/// period-bound alerts whose night or day is over.
async fn tick(state: &SensingState, engine: &mut EngineState, now: i64, stats: &EngineStats) {
    let decisions = engine.rules.on_tick(now, &state.tz);
    carry_out(state, engine, decisions, stats).await;
}

/// Carries the step's decisions out, in order.
async fn carry_out(
    state: &SensingState,
    engine: &EngineState,
    decisions: Vec<Decision>,
    stats: &EngineStats,
) {
    for d in decisions {
        match d {
            Decision::Raise(r) => {
                let Some(rule) = engine.rule(r.rule()) else {
                    tracing::error!(rule.id = r.rule(), "an alert of a rule no longer loaded");
                    continue;
                };
                if alerting::raise(state, rule, &engine.root_path, &r).await {
                    stats.alerts_raised.fetch_add(1, Ordering::Relaxed);
                }
            }
            Decision::Clear {
                rule,
                subject,
                at,
                seen,
            } => {
                // Only a clear by a pass or a device heard counts; an
                // alert whose night or day is over was not "cleared by a
                // later pass".
                if seen {
                    stats.alerts_cleared.fetch_add(1, Ordering::Relaxed);
                }
                alerting::clear(state, rule, &subject.to_string(), at, seen).await;
            }
            Decision::Mute {
                person, building, ..
            } => {
                stats.muted.fetch_add(1, Ordering::Relaxed);
                tracing::info!(
                    person.id = person,
                    building.id = building,
                    "absence not raised: the building's doors are silent"
                );
            }
        }
    }
}
