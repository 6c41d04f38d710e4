//! What an allowed action does to an order's own fields — timestamps,
//! owner, supervisor, deadlines, flags — beside the state the state
//! machine decides. The store applies this to every action it records,
//! and a bulk-loaded past plays it too ([`super::history`]), so both write
//! the same row for the same story.

use super::sla::{Overdue, SlaPolicy, deadlines, shift_after_pause};
use super::state::{Action, CancelReason, OrderFacts, OrderState, Rating, Transition};

/// The fields of an order that its actions change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    pub state: OrderState,
    pub owner: Option<i64>,
    pub supervisor: Option<i64>,
    /// Marked 督办.
    pub supervised: bool,
    pub escalated_accept: bool,
    pub escalated_resolve: bool,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    pub clock_paused_at: Option<i64>,
    pub duplicate_of: Option<i64>,
    pub rating: Option<Rating>,
    pub reopened: u32,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

impl Progress {
    /// A new order dispatched to `owner` at `at`, as intake stores it.
    pub fn dispatched(
        owner: Option<i64>,
        accept_due_at: i64,
        resolve_due_at: i64,
        at: i64,
    ) -> Self {
        Self {
            state: OrderState::Pending,
            owner,
            supervisor: None,
            supervised: false,
            escalated_accept: false,
            escalated_resolve: false,
            accept_due_at,
            resolve_due_at,
            clock_paused_at: None,
            duplicate_of: None,
            rating: None,
            reopened: 0,
            accepted_at: None,
            resolved_at: None,
            closed_at: None,
            updated_at: at,
        }
    }

    /// What the state machine needs to know.
    pub fn facts(&self) -> OrderFacts {
        OrderFacts {
            state: self.state,
            clock_paused: self.clock_paused_at.is_some(),
            reopened: self.reopened,
        }
    }

    /// Applies `t`, the state machine's verdict on `action`, at `now`. A
    /// reassignment or a reopen starts the category's deadlines (`sla`)
    /// afresh; resuming a paused clock moves both deadlines by the pause.
    pub fn apply(&mut self, t: &Transition, action: &Action, now: i64, sla: SlaPolicy) {
        self.state = t.to;
        self.updated_at = now;
        self.supervised |= t.supervised;
        let (accept_due, resolve_due) = deadlines(sla, now);
        match action {
            Action::Accept => self.accepted_at = Some(now),
            Action::Resolve { .. } => self.resolved_at = Some(now),
            Action::Reassign { to_user } => {
                self.owner = Some(*to_user);
                self.accept_due_at = accept_due;
                self.escalated_accept = false;
                self.accepted_at = None;
            }
            Action::Escalate {
                to_user, overdue, ..
            } => {
                self.supervisor = Some(*to_user);
                match overdue {
                    Some(Overdue::Accept) => self.escalated_accept = true,
                    Some(Overdue::Resolve) => self.escalated_resolve = true,
                    None => {}
                }
            }
            Action::Cancel { reason } => {
                self.closed_at = Some(now);
                if let CancelReason::Duplicate { of } = reason {
                    self.duplicate_of = Some(*of);
                }
            }
            Action::Rate { rating, .. } => {
                self.rating = Some(*rating);
                if t.reopened {
                    self.reopened += 1;
                    self.resolved_at = None;
                    self.accepted_at = None;
                    self.accept_due_at = accept_due;
                    self.resolve_due_at = resolve_due;
                    self.escalated_accept = false;
                    self.escalated_resolve = false;
                } else {
                    self.closed_at = Some(now);
                }
            }
            Action::AutoClose => self.closed_at = Some(now),
            _ => {}
        }
        match (self.clock_paused_at, t.clock_paused) {
            (None, true) => self.clock_paused_at = Some(now),
            (Some(paused_at), false) => {
                self.clock_paused_at = None;
                self.accept_due_at = shift_after_pause(self.accept_due_at, paused_at, now);
                self.resolve_due_at = shift_after_pause(self.resolve_due_at, paused_at, now);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::order::{ActorKind, transition};

    const SLA: SlaPolicy = SlaPolicy {
        accept_within_minutes: 30,
        resolve_within_minutes: 600,
    };
    const MIN: i64 = 60_000;

    fn act(p: &mut Progress, action: Action, who: ActorKind, now: i64) {
        let t = transition(p.facts(), &action, who).expect("allowed");
        p.apply(&t, &action, now, SLA);
    }

    #[test]
    fn a_reopen_starts_the_deadlines_afresh_and_forgets_acceptance() {
        let mut p = Progress::dispatched(Some(7), 30 * MIN, 600 * MIN, 0);
        act(&mut p, Action::Accept, ActorKind::Owner, 5 * MIN);
        act(
            &mut p,
            Action::Resolve { note: "ok".into() },
            ActorKind::Owner,
            60 * MIN,
        );
        assert_eq!(
            (p.accepted_at, p.resolved_at),
            (Some(5 * MIN), Some(60 * MIN))
        );
        let reopen = Action::Rate {
            rating: Rating::Unsatisfied,
            reopen: true,
        };
        act(&mut p, reopen, ActorKind::Reporter, 100 * MIN);
        assert_eq!(p.state, OrderState::Pending);
        assert_eq!(
            (p.accepted_at, p.resolved_at, p.closed_at),
            (None, None, None)
        );
        assert_eq!((p.accept_due_at, p.resolve_due_at), (130 * MIN, 700 * MIN));
        assert_eq!((p.reopened, p.rating), (1, Some(Rating::Unsatisfied)));
        assert_eq!(p.owner, Some(7), "a reopened order goes back to its owner");
    }

    #[test]
    fn a_paused_clock_moves_both_deadlines_by_the_pause() {
        let mut p = Progress::dispatched(Some(7), 30 * MIN, 600 * MIN, 0);
        let pause = Action::PauseClock {
            reason: "等居民回电".into(),
        };
        act(&mut p, pause, ActorKind::Owner, 10 * MIN);
        assert_eq!(p.clock_paused_at, Some(10 * MIN));
        act(&mut p, Action::ResumeClock, ActorKind::Owner, 70 * MIN);
        assert_eq!(p.clock_paused_at, None);
        assert_eq!((p.accept_due_at, p.resolve_due_at), (90 * MIN, 660 * MIN));
    }

    #[test]
    fn an_escalation_names_the_supervisor_and_marks_the_lateness() {
        let mut p = Progress::dispatched(Some(7), 30 * MIN, 600 * MIN, 0);
        let escalate = Action::Escalate {
            to_user: 9,
            reason: "超时未受理".into(),
            overdue: Some(Overdue::Accept),
        };
        act(&mut p, escalate, ActorKind::System, 31 * MIN);
        assert!(p.supervised && p.escalated_accept && !p.escalated_resolve);
        assert_eq!(p.supervisor, Some(9));
        act(
            &mut p,
            Action::Reassign { to_user: 9 },
            ActorKind::System,
            31 * MIN,
        );
        assert_eq!((p.owner, p.accept_due_at), (Some(9), 61 * MIN));
        assert!(!p.escalated_accept, "the new owner gets a fresh deadline");
        assert!(p.supervised, "督办 stays");
    }
}
