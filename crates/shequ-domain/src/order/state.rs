//! The lifecycle of a work order:
//!
//! ```text
//! pending (待受理) ─accept→ accepted ─start→ in_progress ─resolve→ resolved (办结) ─rate/auto-close→ closed
//!    ↑  └────────────── return (reason) ──────────────→ returned ─reassign→ pending
//!    └── reopen (rated 不满意, once) ───────────────────────────────── resolved
//! any open state ─cancel (duplicate / invalid)→ cancelled
//! ```
//!
//! [`transition`] is the only place that decides whether an action is
//! allowed; the store records what it returns.

use std::fmt;

use crate::Code;
use serde::{Deserialize, Serialize};

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderState {
    /// Dispatched, waiting for its owner to accept (待受理).
    Pending,
    Accepted,
    InProgress,
    /// The owner reports it done (办结); the reporter may rate it.
    Resolved,
    /// Rated, or timed out after resolution. Final.
    Closed,
    /// Sent back to the dispatcher by its owner, with a reason.
    Returned,
    /// Withdrawn as a duplicate or invalid. Final.
    Cancelled,
}

impl OrderState {
    pub const ALL: [OrderState; 7] = [
        OrderState::Pending,
        OrderState::Accepted,
        OrderState::InProgress,
        OrderState::Resolved,
        OrderState::Closed,
        OrderState::Returned,
        OrderState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderState::Pending => "pending",
            OrderState::Accepted => "accepted",
            OrderState::InProgress => "in_progress",
            OrderState::Resolved => "resolved",
            OrderState::Closed => "closed",
            OrderState::Returned => "returned",
            OrderState::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<OrderState> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Work still to be done by someone (the SLA clock can run).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OrderState::Pending
                | OrderState::Accepted
                | OrderState::InProgress
                | OrderState::Returned
        )
    }

    /// Nothing more can happen.
    pub fn is_final(self) -> bool {
        matches!(self, OrderState::Closed | OrderState::Cancelled)
    }
}

impl fmt::Display for OrderState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The reporter's verdict (满意 / 基本满意 / 不满意).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::BasicallySatisfied => "basically_satisfied",
            Rating::Unsatisfied => "unsatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        [
            Rating::Satisfied,
            Rating::BasicallySatisfied,
            Rating::Unsatisfied,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Why an order is cancelled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CancelReason {
    /// The same problem as another order, which carries on.
    Duplicate { of: i64 },
    /// Not a problem the street handles, or not a real report.
    Invalid { note: String },
}

/// Who is acting, relative to the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The one named person responsible.
    Owner,
    /// A co-owner (a summoned department's person, or a helper).
    CoOwner,
    /// The command centre: street operators and admins in scope.
    Dispatcher,
    /// The owner's supervisor, after escalation.
    Supervisor,
    /// The resident who reported it, through their private link.
    Reporter,
    /// The platform itself (SLA worker, auto-close).
    System,
    /// Anyone else who may read the order.
    Viewer,
}

/// Something someone does to an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    Accept,
    Start,
    /// A progress note; the state does not change.
    Note {
        text: String,
    },
    Resolve {
        note: String,
    },
    Return {
        reason: String,
    },
    /// Dispatch to another person (back to pending).
    Reassign {
        to_user: i64,
    },
    Cancel {
        reason: CancelReason,
    },
    /// Mark 督办 and bring in the supervisor (SLA or by hand).
    Escalate {
        to_user: i64,
        reason: String,
        overdue: Option<super::sla::Overdue>,
    },
    /// Stop the SLA clock while waiting for the reporter.
    PauseClock {
        reason: String,
    },
    ResumeClock,
    /// 吹哨报到: summon departments to report in by a deadline.
    Summon {
        teams: Vec<i64>,
        within_minutes: u32,
    },
    /// A summoned department reports in.
    ReportIn {
        team: i64,
        note: String,
    },
    /// The reporter rates a resolved order; `reopen` with 不满意 sends it
    /// back to work once.
    Rate {
        rating: Rating,
        reopen: bool,
    },
    /// Closed without a rating after the waiting period.
    AutoClose,
    /// What the assessment decided about the order (an accepted appeal
    /// takes it out of a subject's figures), on the trail in any state —
    /// a closed order too — by the command centre; nothing else changes.
    Assessment {
        text: String,
    },
}

impl Action {
    /// The stable name recorded in the trail.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Start => "start",
            Action::Note { .. } => "note",
            Action::Resolve { .. } => "resolve",
            Action::Return { .. } => "return",
            Action::Reassign { .. } => "reassign",
            Action::Cancel { .. } => "cancel",
            Action::Escalate { .. } => "escalate",
            Action::PauseClock { .. } => "pause_clock",
            Action::ResumeClock => "resume_clock",
            Action::Summon { .. } => "summon",
            Action::ReportIn { .. } => "report_in",
            Action::Rate { .. } => "rate",
            Action::AutoClose => "auto_close",
            Action::Assessment { .. } => "assessment",
        }
    }

    /// The text the trail records for the action: what was said with it.
    pub fn trail_note(&self) -> &str {
        match self {
            Action::Note { text } | Action::Assessment { text } => text,
            Action::Resolve { note } | Action::ReportIn { note, .. } => note,
            Action::Return { reason }
            | Action::Escalate { reason, .. }
            | Action::PauseClock { reason } => reason,
            Action::Cancel {
                reason: CancelReason::Invalid { note },
            } => note,
            _ => "",
        }
    }
}

/// Every way a person stands to an order, strongest first, from what is
/// known about both. Empty means the order lies outside what they may see.
pub fn actor_kinds(
    user_id: i64,
    role: crate::Role,
    order_in_scope: bool,
    owner: Option<i64>,
    supervisor: Option<i64>,
    co_owner: bool,
) -> Vec<ActorKind> {
    let mut kinds = Vec::new();
    if owner == Some(user_id) {
        kinds.push(ActorKind::Owner);
    }
    if order_in_scope && matches!(role, crate::Role::StreetOperator | crate::Role::Admin) {
        kinds.push(ActorKind::Dispatcher);
    }
    if supervisor == Some(user_id) {
        kinds.push(ActorKind::Supervisor);
    }
    if co_owner {
        kinds.push(ActorKind::CoOwner);
    }
    if kinds.is_empty() && order_in_scope {
        kinds.push(ActorKind::Viewer);
    }
    kinds
}

/// [`transition`] for someone who stands to the order in several ways: the
/// first way that allows the action wins; if none does, the error for the
/// strongest is returned.
pub fn transition_as_any(
    facts: OrderFacts,
    action: &Action,
    kinds: &[ActorKind],
) -> Result<(Transition, ActorKind), TransitionError> {
    let mut first_error = None;
    for kind in kinds {
        match transition(facts, action, *kind) {
            Ok(t) => return Ok((t, *kind)),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(TransitionError::NotAllowed {
        action: action.name(),
        allowed: "people responsible for the order",
    }))
}

/// What the state machine needs to know about the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFacts {
    pub state: OrderState,
    /// Whether the SLA clock is paused.
    pub clock_paused: bool,
    /// How many times the reporter has reopened it.
    pub reopened: u32,
}

/// How many times a reporter may reopen an order.
pub const MAX_REOPENS: u32 = 1;

/// What an allowed action does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub from: OrderState,
    pub to: OrderState,
    /// The clock is paused after this action.
    pub clock_paused: bool,
    /// The order is marked 督办 by this action.
    pub supervised: bool,
    /// This action reopened the order.
    pub reopened: bool,
}

/// Why an action was refused; each has a stable code for the UI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("cannot {action} an order that is {state}")]
    WrongState {
        action: &'static str,
        state: OrderState,
    },
    #[error("only {allowed} may {action} this order")]
    NotAllowed {
        action: &'static str,
        allowed: &'static str,
    },
    #[error("{field} must not be empty")]
    Missing { field: &'static str },
    #[error("the clock is {0}")]
    Clock(&'static str),
    #[error("this order was already reopened once; contact the street instead")]
    ReopenUsed,
}

impl TransitionError {
    /// Stable code.
    pub fn code(&self) -> Code {
        match self {
            TransitionError::WrongState { .. } => Code::OrderWrongState,
            TransitionError::NotAllowed { .. } => Code::OrderActionNotAllowed,
            TransitionError::Missing { .. } => Code::OrderFieldMissing,
            TransitionError::Clock(_) => Code::OrderClockState,
            TransitionError::ReopenUsed => Code::OrderReopenUsed,
        }
    }

    /// The field that must be filled in, for a missing one.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            TransitionError::Missing { field } => Some(field),
            _ => None,
        }
    }
}

fn need(text: &str, field: &'static str) -> Result<(), TransitionError> {
    if text.trim().is_empty() {
        Err(TransitionError::Missing { field })
    } else {
        Ok(())
    }
}

/// Decides whether `actor` may do `action` to an order with `facts`, and
/// what follows. Pure: no clock, no I/O.
pub fn transition(
    facts: OrderFacts,
    action: &Action,
    actor: ActorKind,
) -> Result<Transition, TransitionError> {
    use ActorKind as A;
    use OrderState as S;
    let from = facts.state;
    let name = action.name();
    let wrong = || TransitionError::WrongState {
        action: name,
        state: from,
    };
    let only = |allowed: &'static str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(TransitionError::NotAllowed {
                action: name,
                allowed,
            })
        }
    };
    let mut t = Transition {
        from,
        to: from,
        clock_paused: facts.clock_paused,
        supervised: false,
        reopened: false,
    };
    let workers = matches!(actor, A::Owner | A::CoOwner | A::Supervisor);
    let command = matches!(actor, A::Dispatcher | A::System);
    match action {
        Action::Accept => {
            only(
                "the owner or supervisor",
                matches!(actor, A::Owner | A::Supervisor),
            )?;
            if from != S::Pending {
                return Err(wrong());
            }
            t.to = S::Accepted;
        }
        Action::Start => {
            only("the owners", workers)?;
            if from != S::Accepted {
                return Err(wrong());
            }
            t.to = S::InProgress;
        }
        Action::Assessment { text } => {
            only("the street command centre", command)?;
            need(text, "text")?;
        }
        Action::Note { text } => {
            only(
                "people working on the order",
                workers || command || actor == A::Reporter,
            )?;
            need(text, "text")?;
            if from.is_final() {
                return Err(wrong());
            }
        }
        Action::Resolve { note } => {
            only(
                "the owner or supervisor",
                matches!(actor, A::Owner | A::Supervisor),
            )?;
            need(note, "note")?;
            if !matches!(from, S::Accepted | S::InProgress) {
                return Err(wrong());
            }
            t.to = S::Resolved;
            t.clock_paused = false;
        }
        Action::Return { reason } => {
            only("the owner", matches!(actor, A::Owner | A::Supervisor))?;
            need(reason, "reason")?;
            if !matches!(from, S::Pending | S::Accepted | S::InProgress) {
                return Err(wrong());
            }
            t.to = S::Returned;
        }
        Action::Reassign { .. } => {
            only("the command centre", command)?;
            if !from.is_open() {
                return Err(wrong());
            }
            t.to = S::Pending;
        }
        Action::Cancel { reason } => {
            only("the command centre", command)?;
            if let CancelReason::Invalid { note } = reason {
                need(note, "note")?;
            }
            if !from.is_open() {
                return Err(wrong());
            }
            t.to = S::Cancelled;
            t.clock_paused = false;
        }
        Action::Escalate { reason, .. } => {
            only("the command centre", command)?;
            need(reason, "reason")?;
            if !from.is_open() {
                return Err(wrong());
            }
            t.supervised = true;
        }
        Action::PauseClock { reason } => {
            only("the owner or the command centre", workers || command)?;
            need(reason, "reason")?;
            if !from.is_open() {
                return Err(wrong());
            }
            if facts.clock_paused {
                return Err(TransitionError::Clock("already paused"));
            }
            t.clock_paused = true;
        }
        Action::ResumeClock => {
            only("the owner or the command centre", workers || command)?;
            if !from.is_open() {
                return Err(wrong());
            }
            if !facts.clock_paused {
                return Err(TransitionError::Clock("not paused"));
            }
            t.clock_paused = false;
        }
        Action::Summon { teams, .. } => {
            only("the command centre", command)?;
            if teams.is_empty() {
                return Err(TransitionError::Missing { field: "teams" });
            }
            if !from.is_open() {
                return Err(wrong());
            }
        }
        Action::ReportIn { .. } => {
            only(
                "a summoned department",
                matches!(actor, A::CoOwner | A::Owner),
            )?;
            if !from.is_open() {
                return Err(wrong());
            }
        }
        Action::Rate { rating, reopen } => {
            only("the reporter", actor == A::Reporter)?;
            if from != S::Resolved {
                return Err(wrong());
            }
            if *reopen && *rating == Rating::Unsatisfied {
                if facts.reopened >= MAX_REOPENS {
                    return Err(TransitionError::ReopenUsed);
                }
                t.to = S::Pending;
                t.reopened = true;
            } else {
                t.to = S::Closed;
            }
        }
        Action::AutoClose => {
            only("the platform", actor == A::System)?;
            if from != S::Resolved {
                return Err(wrong());
            }
            t.to = S::Closed;
        }
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn facts(state: OrderState) -> OrderFacts {
        OrderFacts {
            state,
            clock_paused: false,
            reopened: 0,
        }
    }

    #[test]
    fn the_happy_path() {
        let mut f = facts(OrderState::Pending);
        for (action, actor, expect) in [
            (Action::Accept, ActorKind::Owner, OrderState::Accepted),
            (Action::Start, ActorKind::Owner, OrderState::InProgress),
            (
                Action::Resolve {
                    note: "已清理".into(),
                },
                ActorKind::Owner,
                OrderState::Resolved,
            ),
            (
                Action::Rate {
                    rating: Rating::Satisfied,
                    reopen: false,
                },
                ActorKind::Reporter,
                OrderState::Closed,
            ),
        ] {
            let t = transition(f, &action, actor).expect("allowed");
            assert_eq!(t.to, expect);
            f.state = t.to;
        }
    }

    #[test]
    fn illegal_moves_are_refused_with_clear_errors() {
        let err = transition(
            facts(OrderState::Pending),
            &Action::Resolve { note: "x".into() },
            ActorKind::Owner,
        )
        .expect_err("must accept first");
        assert_eq!(err.to_string(), "cannot resolve an order that is pending");
        assert_eq!(err.code(), "order_wrong_state");
        let err = transition(
            facts(OrderState::Pending),
            &Action::Accept,
            ActorKind::Viewer,
        )
        .expect_err("viewer");
        assert_eq!(err.code(), "order_action_not_allowed");
        let err = transition(
            facts(OrderState::Accepted),
            &Action::Return { reason: " ".into() },
            ActorKind::Owner,
        )
        .expect_err("reason");
        assert_eq!(err, TransitionError::Missing { field: "reason" });
        let cancel_invalid = Action::Cancel {
            reason: CancelReason::Invalid {
                note: String::new(),
            },
        };
        assert!(
            transition(
                facts(OrderState::Pending),
                &cancel_invalid,
                ActorKind::Dispatcher
            )
            .is_err()
        );
    }

    #[test]
    fn a_supervising_operator_may_still_dispatch() {
        let kinds = actor_kinds(
            5,
            crate::Role::StreetOperator,
            true,
            Some(1),
            Some(5),
            false,
        );
        assert_eq!(kinds, [ActorKind::Dispatcher, ActorKind::Supervisor]);
        let (t, as_kind) = transition_as_any(
            facts(OrderState::Pending),
            &Action::Reassign { to_user: 2 },
            &kinds,
        )
        .expect("dispatcher may reassign");
        assert_eq!(
            (t.to, as_kind),
            (OrderState::Pending, ActorKind::Dispatcher)
        );
        let (_, as_kind) = transition_as_any(facts(OrderState::Pending), &Action::Accept, &kinds)
            .expect("supervisor accepts");
        assert_eq!(as_kind, ActorKind::Supervisor);
        assert!(actor_kinds(9, crate::Role::GridWorker, false, Some(1), None, false).is_empty());
        assert_eq!(
            actor_kinds(9, crate::Role::GridWorker, true, Some(1), None, false),
            [ActorKind::Viewer]
        );
    }

    #[test]
    fn unsatisfied_reporter_reopens_once() {
        let rate = Action::Rate {
            rating: Rating::Unsatisfied,
            reopen: true,
        };
        let t =
            transition(facts(OrderState::Resolved), &rate, ActorKind::Reporter).expect("reopen");
        assert_eq!((t.to, t.reopened), (OrderState::Pending, true));
        let used = OrderFacts {
            reopened: 1,
            ..facts(OrderState::Resolved)
        };
        assert_eq!(
            transition(used, &rate, ActorKind::Reporter),
            Err(TransitionError::ReopenUsed)
        );
    }

    #[test]
    fn the_clock_pauses_with_a_reason_and_resumes() {
        let pause = Action::PauseClock {
            reason: "等待居民提供照片".into(),
        };
        let t = transition(facts(OrderState::InProgress), &pause, ActorKind::Owner).expect("pause");
        assert!(t.clock_paused);
        let paused = OrderFacts {
            clock_paused: true,
            ..facts(OrderState::InProgress)
        };
        assert!(
            transition(paused, &pause, ActorKind::Owner).is_err(),
            "twice"
        );
        assert!(
            !transition(paused, &Action::ResumeClock, ActorKind::Owner)
                .expect("resume")
                .clock_paused
        );
        assert!(
            transition(
                facts(OrderState::InProgress),
                &Action::ResumeClock,
                ActorKind::Owner
            )
            .is_err()
        );
        let no_reason = Action::PauseClock {
            reason: String::new(),
        };
        assert!(transition(facts(OrderState::InProgress), &no_reason, ActorKind::Owner).is_err());
    }

    fn any_state() -> impl Strategy<Value = OrderState> {
        proptest::sample::select(OrderState::ALL.to_vec())
    }

    fn any_actor() -> impl Strategy<Value = ActorKind> {
        proptest::sample::select(vec![
            ActorKind::Owner,
            ActorKind::CoOwner,
            ActorKind::Dispatcher,
            ActorKind::Supervisor,
            ActorKind::Reporter,
            ActorKind::System,
            ActorKind::Viewer,
        ])
    }

    fn any_action() -> impl Strategy<Value = Action> {
        let text = proptest::sample::select(vec![String::new(), "原因".to_owned()]);
        prop_oneof![
            Just(Action::Accept),
            Just(Action::Start),
            text.clone().prop_map(|text| Action::Note { text }),
            text.clone().prop_map(|note| Action::Resolve { note }),
            text.clone().prop_map(|reason| Action::Return { reason }),
            Just(Action::Reassign { to_user: 7 }),
            Just(Action::Cancel {
                reason: CancelReason::Duplicate { of: 1 }
            }),
            text.clone().prop_map(|reason| Action::Escalate {
                to_user: 9,
                reason,
                overdue: None
            }),
            text.clone()
                .prop_map(|reason| Action::PauseClock { reason }),
            Just(Action::ResumeClock),
            Just(Action::Summon {
                teams: vec![1],
                within_minutes: 30
            }),
            Just(Action::ReportIn {
                team: 1,
                note: String::new()
            }),
            (
                any::<bool>(),
                proptest::sample::select(vec![Rating::Satisfied, Rating::Unsatisfied])
            )
                .prop_map(|(reopen, rating)| Action::Rate { rating, reopen }),
            Just(Action::AutoClose),
            text.prop_map(|text| Action::Assessment { text }),
        ]
    }

    proptest! {
        /// Whatever happens, final states stay final, a viewer changes
        /// nothing, and no action reaches a state the diagram lacks.
        #[test]
        fn random_walks_respect_the_diagram(
            start in any_state(),
            steps in proptest::collection::vec((any_action(), any_actor()), 0..40),
        ) {
            let mut f = OrderFacts { state: start, clock_paused: false, reopened: 0 };
            for (action, actor) in steps {
                match transition(f, &action, actor) {
                    Ok(t) => {
                        prop_assert!(
                            !f.state.is_final() || (matches!(action, Action::Assessment { .. }) && t.to == f.state),
                            "{action:?} moved a final order"
                        );
                        if matches!(action, Action::Assessment { .. }) {
                            prop_assert_eq!(t.to, f.state, "an assessment record changes nothing");
                            prop_assert!(matches!(actor, ActorKind::Dispatcher | ActorKind::System));
                        }
                        prop_assert!(actor != ActorKind::Viewer);
                        let allowed = match f.state {
                            OrderState::Pending => &[OrderState::Pending, OrderState::Accepted, OrderState::Returned, OrderState::Cancelled][..],
                            OrderState::Accepted => &[OrderState::Accepted, OrderState::InProgress, OrderState::Resolved, OrderState::Returned, OrderState::Pending, OrderState::Cancelled][..],
                            OrderState::InProgress => &[OrderState::InProgress, OrderState::Resolved, OrderState::Returned, OrderState::Pending, OrderState::Cancelled][..],
                            OrderState::Returned => &[OrderState::Returned, OrderState::Pending, OrderState::Cancelled][..],
                            OrderState::Resolved => &[OrderState::Resolved, OrderState::Closed, OrderState::Pending][..],
                            OrderState::Closed | OrderState::Cancelled => &[][..],
                        };
                        prop_assert!(allowed.contains(&t.to) || t.to == f.state, "{:?} -> {:?} by {action:?}", f.state, t.to);
                        if t.to == OrderState::Resolved || t.to.is_final() {
                            prop_assert!(!t.clock_paused, "a finished order has no paused clock");
                        }
                        f = OrderFacts {
                            state: t.to,
                            clock_paused: t.clock_paused,
                            reopened: f.reopened + u32::from(t.reopened),
                        };
                        prop_assert!(f.reopened <= MAX_REOPENS);
                    }
                    Err(e) => prop_assert!(!e.to_string().is_empty()),
                }
            }
        }
    }
}
