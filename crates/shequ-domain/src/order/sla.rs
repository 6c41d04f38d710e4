//! SLA deadlines: when an order must be accepted and resolved, how a
//! paused clock moves them, and when the SLA worker escalates (what counts
//! as overdue or on time is [`super::figures`]). Times are epoch
//! milliseconds; the caller supplies `now`, so tests can run days in
//! microseconds.

use serde::{Deserialize, Serialize};

/// A category's service levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    pub accept_within_minutes: u32,
    pub resolve_within_minutes: u32,
}

const MINUTE_MS: i64 = 60_000;

/// The deadlines of an order dispatched at `dispatched_at`.
pub fn deadlines(policy: SlaPolicy, dispatched_at: i64) -> (i64, i64) {
    (
        dispatched_at + i64::from(policy.accept_within_minutes) * MINUTE_MS,
        dispatched_at + i64::from(policy.resolve_within_minutes) * MINUTE_MS,
    )
}

/// After a pause from `paused_at` to `now`, every deadline moves by the
/// paused time: waiting for the reporter does not count against the owner.
pub fn shift_after_pause(due: i64, paused_at: i64, now: i64) -> i64 {
    due + (now - paused_at).max(0)
}

/// Which deadline an order has missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overdue {
    /// Still pending past its accept deadline.
    Accept,
    /// Not resolved past its resolve deadline.
    Resolve,
}

impl Overdue {
    pub fn as_str(self) -> &'static str {
        match self {
            Overdue::Accept => "accept",
            Overdue::Resolve => "resolve",
        }
    }
}

/// What the SLA worker needs to know about an open order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockFacts {
    pub state: super::OrderState,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    pub clock_paused: bool,
    /// Already escalated for this kind of lateness.
    pub escalated_accept: bool,
    pub escalated_resolve: bool,
}

/// The lateness to escalate now, if any. A paused clock never escalates;
/// each kind of lateness escalates once. Lateness itself, for the lists
/// and the figures, is defined in [`super::figures`]; with the clock
/// running the two agree.
pub fn due_escalation(o: ClockFacts, now: i64) -> Option<Overdue> {
    use super::OrderState as S;
    if o.clock_paused || !o.state.is_open() {
        return None;
    }
    if o.state == S::Pending && now >= o.accept_due_at && !o.escalated_accept {
        return Some(Overdue::Accept);
    }
    if now >= o.resolve_due_at && !o.escalated_resolve {
        return Some(Overdue::Resolve);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::OrderState;
    use super::*;
    use proptest::prelude::*;

    fn open(state: OrderState) -> ClockFacts {
        ClockFacts {
            state,
            accept_due_at: 1_000,
            resolve_due_at: 5_000,
            clock_paused: false,
            escalated_accept: false,
            escalated_resolve: false,
        }
    }

    #[test]
    fn escalates_each_lateness_once() {
        assert_eq!(due_escalation(open(OrderState::Pending), 999), None);
        assert_eq!(
            due_escalation(open(OrderState::Pending), 1_000),
            Some(Overdue::Accept)
        );
        let once = ClockFacts {
            escalated_accept: true,
            ..open(OrderState::Pending)
        };
        assert_eq!(due_escalation(once, 2_000), None);
        assert_eq!(due_escalation(once, 5_000), Some(Overdue::Resolve));
        assert_eq!(
            due_escalation(open(OrderState::Accepted), 2_000),
            None,
            "accepted in time"
        );
        assert_eq!(due_escalation(open(OrderState::Resolved), 9_000), None);
        let paused = ClockFacts {
            clock_paused: true,
            ..open(OrderState::InProgress)
        };
        assert_eq!(due_escalation(paused, 9_000), None);
    }

    #[test]
    fn deadlines_follow_the_policy() {
        let p = SlaPolicy {
            accept_within_minutes: 30,
            resolve_within_minutes: 24 * 60,
        };
        assert_eq!(deadlines(p, 0), (1_800_000, 86_400_000));
    }

    proptest! {
        /// Pausing for any time and resuming leaves exactly the remaining
        /// time that was left when the clock stopped.
        #[test]
        fn a_pause_preserves_the_remaining_time(due in 0i64..1_000_000, paused_at in 0i64..1_000_000, pause in 0i64..1_000_000) {
            let remaining_before = due - paused_at;
            let new_due = shift_after_pause(due, paused_at, paused_at + pause);
            prop_assert_eq!(new_due - (paused_at + pause), remaining_before);
        }
    }
}
