//! The SLA worker: every tick it escalates orders past their deadlines to
//! the owner's supervisor (督办) and closes resolved orders the reporter
//! left unrated for `auto_close_days`.
//!
//! Who is the supervisor: the supervising person bound to the nearest
//! region above the owner's own region (`routing::supervisor_of`); when
//! nobody is above, a street operator of the order's street (the command
//! centre); when there is none either, the owner themself, so the order is
//! still marked 督办 and counted as overdue.
//!
//! An order not accepted in time is escalated **and reassigned** to that
//! supervisor ("escalates to the worker's supervisor"): the one who did not
//! answer is no longer the one the order waits for, and the supervisor gets
//! a fresh acceptance deadline. If they do not accept within it either, the
//! next tick escalates again, one level higher — a ladder up the region
//! tree. An order not resolved in time is escalated once and stays with its
//! owner; the supervisor follows it up. A paused clock never escalates.
//!
//! Every change goes through the state machine as the platform (`system`),
//! so it is in the order's trail and notifies the supervisor (pop-up and
//! SMS) in the same transaction.

use std::time::Duration;

use shequ_domain::Role;
use shequ_domain::order::Action;
use shequ_domain::order::routing::{pick_person, supervisor_of};
use shequ_domain::order::sla::{ClockFacts, Overdue, due_escalation};
use shequ_store::orders::Order;
use shequ_store::orders::act::{ActError, Actor};

use crate::app::access::ClientAddr;
use crate::app::error::AppError;
use crate::app::error::AppResult;
use crate::orders::OrdersState;
use crate::orders::notices::short_time;
use crate::orders::service::Who;
use crate::orders::service::act;
use crate::orders::service::publish;

/// Orders looked at per kind of work per pass.
pub const BATCH: i64 = 200;

const DAY_MS: i64 = 86_400_000;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pass {
    pub escalated: usize,
    /// Of those escalated, reassigned to the supervisor (acceptance late).
    pub reassigned: usize,
    pub closed: usize,
    /// Orders left as they were: changed meanwhile, or nobody to tell.
    pub skipped: usize,
}

/// Loops until the process ends, one pass per `sla_tick_seconds`.
pub async fn run(state: OrdersState) {
    let tick = Duration::from_secs(u64::from(state.settings.sla_tick_seconds.max(1)));
    let mut interval = tokio::time::interval(tick);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(tick_s = tick.as_secs(), "SLA worker started");
    loop {
        interval.tick().await;
        match run_once(&state).await {
            Ok(p) if p != Pass::default() => tracing::info!(
                escalated = p.escalated,
                reassigned = p.reassigned,
                closed = p.closed,
                skipped = p.skipped,
                "SLA pass"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "SLA worker: pass failed"),
        }
    }
}

/// One pass at the platform's clock: escalations, then auto-closes.
pub async fn run_once(state: &OrdersState) -> AppResult<Pass> {
    let now = state.clock.now_ms();
    let mut pass = Pass::default();
    for order in state.store.orders_due_for_escalation(now, BATCH).await? {
        let id = order.id;
        match escalate(state, order, now).await {
            Ok(Some(reassigned)) => {
                pass.escalated += 1;
                pass.reassigned += usize::from(reassigned);
            }
            Ok(None) => pass.skipped += 1,
            Err(e) => {
                log_refusal(id, "escalate", &e);
                pass.skipped += 1;
            }
        }
    }
    let days = i64::from(state.settings.auto_close_days);
    for id in state
        .store
        .resolved_before(now - days * DAY_MS, BATCH)
        .await?
    {
        match act(
            state,
            id,
            &Who::System,
            &Action::AutoClose,
            &ClientAddr::default(),
        )
        .await
        {
            Ok(_) => {
                tracing::info!(order.id = id, days, "closed unrated order");
                pass.closed += 1;
            }
            Err(e) => {
                log_refusal(id, "auto_close", &e);
                pass.skipped += 1;
            }
        }
    }
    Ok(pass)
}

fn log_refusal(id: i64, action: &str, e: &AppError) {
    match e {
        // The order changed between the query and the action (someone
        // accepted or resolved it): nothing to do.
        AppError::Refused { .. } | AppError::NotFound(_) => {
            tracing::debug!(order.id = id, action, error = %e, "SLA action no longer applies");
        }
        _ => tracing::warn!(order.id = id, action, error = %e, "SLA action failed"),
    }
}

/// Escalates one overdue order. `Some(reassigned)` when done; `None` when
/// it is not overdue after all or nobody can be told.
async fn escalate(state: &OrdersState, order: Order, now: i64) -> AppResult<Option<bool>> {
    let facts = ClockFacts {
        state: order.state(),
        accept_due_at: order.accept_due_at,
        resolve_due_at: order.resolve_due_at,
        clock_paused: order.clock_paused_at.is_some(),
        escalated_accept: order.escalated_accept,
        escalated_resolve: order.escalated_resolve,
    };
    let Some(kind) = due_escalation(facts, now) else {
        return Ok(None);
    };
    let Some(to_user) = supervisor(state, &order).await? else {
        tracing::warn!(
            order.id = order.id,
            "overdue order has no owner, supervisor or street operator to escalate to"
        );
        return Ok(None);
    };
    let reason = match kind {
        Overdue::Accept => format!(
            "超时未受理：应于{}前受理",
            short_time(state, order.accept_due_at)
        ),
        Overdue::Resolve => format!(
            "超时未办结：应于{}前办结",
            short_time(state, order.resolve_due_at)
        ),
    };
    let escalation = Action::Escalate {
        to_user,
        reason,
        overdue: Some(kind),
    };
    let acted = act(
        state,
        order.id,
        &Who::System,
        &escalation,
        &ClientAddr::default(),
    )
    .await?;
    tracing::info!(
        order.id = order.id,
        to_user,
        overdue = kind.as_str(),
        "order escalated"
    );
    let reassign = kind == Overdue::Accept
        && acted.after.state == "pending"
        && acted.after.owner_user_id != Some(to_user);
    if !reassign {
        return Ok(Some(false));
    }
    // The supervisor was just told by the escalation; the reassignment
    // writes no second pop-up and SMS, only its trail event and the feed.
    let result = state
        .store
        .act_on_order(
            order.id,
            &Actor::System,
            &Action::Reassign { to_user },
            state.clock.now_ms(),
            |_, _, _| Default::default(),
        )
        .await;
    match result {
        Ok(acted) => {
            publish(state, &acted);
            Ok(Some(true))
        }
        Err(ActError::Refused(e)) => {
            tracing::debug!(order.id = order.id, error = %e, "reassignment no longer applies");
            Ok(Some(false))
        }
        Err(e) => {
            tracing::warn!(order.id = order.id, error = %e, "reassigning an escalated order failed");
            Ok(Some(false))
        }
    }
}

/// Whom an overdue order goes to (see the module comment).
async fn supervisor(state: &OrdersState, order: &Order) -> AppResult<Option<i64>> {
    let owner = order.owner_user_id;
    let owner_path = match owner {
        Some(id) => state
            .store
            .user_by_id(id)
            .await?
            .map(|u| u.region_path)
            .unwrap_or_else(|| order.region_path.clone()),
        // Nobody owns it: whoever supervises the place.
        None => order.region_path.clone(),
    };
    let people = state.store.people_above(&owner_path).await?;
    if let Some(s) = supervisor_of(owner.unwrap_or(0), &owner_path, &people) {
        return Ok(Some(s));
    }
    let operators: Vec<_> = state
        .store
        .role_candidates(Role::StreetOperator, &order.region_path)
        .await?
        .into_iter()
        .filter(|c| Some(c.user_id) != owner)
        .collect();
    Ok(pick_person(&operators, &order.region_path).or(owner))
}
