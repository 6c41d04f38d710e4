//! The order figures (工单指标), each defined once: overdue, on time
//! (acceptance and resolution), response and resolution time, and
//! satisfaction. The command centre, `/api/v1/figures`, the order lists
//! and the assessment all count by these definitions; where the store
//! counts in SQL for speed, its fragments mirror these predicates and a
//! store test checks that they agree order by order on both engines.
//!
//! # The definitions
//!
//! - **The order's clock** stops while it is paused (waiting for the
//!   reporter does not count against the owner): an order paused at `p` is
//!   judged at `p`, however late it is now. Resuming moves both deadlines
//!   by the pause ([`super::sla::shift_after_pause`]), so the order is
//!   judged the same way before and after it resumes.
//! - **Overdue** (超时): an open order (pending, accepted, in progress or
//!   returned) whose deadline has come on its clock: a pending order once
//!   its accept deadline has come (*late to accept*), any open order once
//!   its resolve deadline has come (*late to resolve*). A deadline has
//!   come at its very millisecond. Resolved, closed and cancelled orders
//!   are never overdue: how late a finished order was is what "on time"
//!   measures.
//! - **Accepted on time**: accepted orders whose acceptance came at or
//!   before their accept deadline, **over accepted orders**. A
//!   reassignment forgets the acceptance and gives a fresh deadline.
//! - **Resolved on time** (按时办结率): resolved orders whose resolution
//!   came at or before their resolve deadline (as moved by pauses), **over
//!   resolved orders**. A reopened order counts by its latest resolution:
//!   reopening forgets the resolution and starts fresh deadlines, so until
//!   it is resolved again it is an open order like any other.
//! - **Satisfaction** (满意率): rated resolved orders rated 满意 or 基本满意,
//!   **over rated resolved orders**: a rating judges the resolution it was
//!   given for. A reopened order is not counted while it is open again (its
//!   resolution is forgotten); once resolved again, its standing rating
//!   counts — the new one, or its 不满意 if the reporter did not rate again.
//! - **Response time**: from filing to acceptance, over accepted orders;
//!   **resolution time**: from filing to resolution, over resolved orders.
//! - **Cancelled orders** (duplicates, invalid reports) count in no figure:
//!   they were never anyone's to handle.
//!
//! # Why these denominators
//!
//! Each rate divides by the orders whose outcome it judges — an on-time
//! resolution rate by the resolutions — so every order in the denominator
//! could have been in the numerator. Dividing by all orders (as the
//! figures once did, while the command centre divided by resolved ones)
//! counted every open order as "not on time": each order filed this
//! morning lowered its owner's rate until it was resolved, and a person's
//! rate depended on when in the period one looked. Open orders that are
//! late already are not hidden by this choice: **overdue** counts them,
//! and the command centre and the figures show it next to the rates.

use serde::{Deserialize, Serialize};

use super::sla::Overdue;
use super::state::{OrderState, Rating};

/// What the figures need to know about one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub state: OrderState,
    pub created_at: i64,
    pub accept_due_at: i64,
    pub resolve_due_at: i64,
    /// When its clock was paused, while it is.
    pub clock_paused_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub rating: Option<Rating>,
}

/// The time on the order's clock at `now`: `now`, or when it was paused.
pub fn clock_at(o: &Facts, now: i64) -> i64 {
    o.clock_paused_at.map_or(now, |p| p.min(now))
}

/// Pending past its accept deadline, on its clock.
pub fn late_to_accept(o: &Facts, now: i64) -> bool {
    o.state == OrderState::Pending && o.accept_due_at <= clock_at(o, now)
}

/// Open past its resolve deadline, on its clock.
pub fn late_to_resolve(o: &Facts, now: i64) -> bool {
    o.state.is_open() && o.resolve_due_at <= clock_at(o, now)
}

/// Which deadline an open order has missed at `now`, if any; late to
/// accept is named first (it is the earlier deadline and the one to act on).
pub fn overdue(o: &Facts, now: i64) -> Option<Overdue> {
    if late_to_accept(o, now) {
        Some(Overdue::Accept)
    } else if late_to_resolve(o, now) {
        Some(Overdue::Resolve)
    } else {
        None
    }
}

/// Overdue at `now` (see the module's definitions).
pub fn is_overdue(o: &Facts, now: i64) -> bool {
    overdue(o, now).is_some()
}

/// Counted in the figures at all: not cancelled.
pub fn counted(o: &Facts) -> bool {
    o.state != OrderState::Cancelled
}

/// Accepted (and not since forgotten by a reassignment or a reopen).
pub fn accepted(o: &Facts) -> bool {
    counted(o) && o.accepted_at.is_some()
}

/// Accepted at or before the accept deadline.
pub fn accepted_on_time(o: &Facts) -> bool {
    counted(o) && o.accepted_at.is_some_and(|t| t <= o.accept_due_at)
}

/// Resolved (its latest resolution stands).
pub fn resolved(o: &Facts) -> bool {
    counted(o) && o.resolved_at.is_some()
}

/// Resolved at or before the resolve deadline.
pub fn resolved_on_time(o: &Facts) -> bool {
    counted(o) && o.resolved_at.is_some_and(|t| t <= o.resolve_due_at)
}

/// Resolved and rated by the reporter.
pub fn rated(o: &Facts) -> bool {
    resolved(o) && o.rating.is_some()
}

/// Resolved and rated 满意 or 基本满意.
pub fn satisfied(o: &Facts) -> bool {
    resolved(o)
        && matches!(
            o.rating,
            Some(Rating::Satisfied | Rating::BasicallySatisfied)
        )
}

/// Response time: from filing to acceptance, for accepted orders.
pub fn response_ms(o: &Facts) -> Option<i64> {
    accepted(o)
        .then_some(o.accepted_at)
        .flatten()
        .map(|t| t - o.created_at)
}

/// Resolution time: from filing to resolution, for resolved orders.
pub fn resolution_ms(o: &Facts) -> Option<i64> {
    resolved(o)
        .then_some(o.resolved_at)
        .flatten()
        .map(|t| t - o.created_at)
}

/// A share: `numerator` of `denominator` orders.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub numerator: i64,
    pub denominator: i64,
}

impl Rate {
    pub fn new(numerator: i64, denominator: i64) -> Self {
        Self {
            numerator,
            denominator,
        }
    }

    /// The share from 0 to 1; `None` when there is nothing to judge (0/0).
    pub fn ratio(self) -> Option<f64> {
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The share in percent; `None` when there is nothing to judge (0/0).
    pub fn percent(self) -> Option<f64> {
        self.ratio().map(|r| r * 100.0)
    }
}

/// The counts of a group of orders that the rates are made of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Orders counted (cancelled ones are not).
    pub orders: i64,
    pub accepted: i64,
    pub accepted_on_time: i64,
    pub resolved: i64,
    pub resolved_on_time: i64,
    pub rated: i64,
    pub satisfied: i64,
    /// Overdue at the time counted.
    pub overdue: i64,
}

impl Counts {
    /// Counts `o` as it stands at `now`.
    pub fn add(&mut self, o: &Facts, now: i64) {
        if !counted(o) {
            return;
        }
        let n = |b: bool| i64::from(b);
        self.orders += 1;
        self.accepted += n(accepted(o));
        self.accepted_on_time += n(accepted_on_time(o));
        self.resolved += n(resolved(o));
        self.resolved_on_time += n(resolved_on_time(o));
        self.rated += n(rated(o));
        self.satisfied += n(satisfied(o));
        self.overdue += n(is_overdue(o, now));
    }

    /// The counts of these orders at `now`.
    pub fn of<'a>(orders: impl IntoIterator<Item = &'a Facts>, now: i64) -> Self {
        let mut c = Self::default();
        for o in orders {
            c.add(o, now);
        }
        c
    }

    /// Accepted on time, over accepted orders.
    pub fn on_time_acceptance(&self) -> Rate {
        Rate::new(self.accepted_on_time, self.accepted)
    }

    /// Resolved on time, over resolved orders.
    pub fn on_time_resolution(&self) -> Rate {
        Rate::new(self.resolved_on_time, self.resolved)
    }

    /// Rated satisfied or basically satisfied, over rated resolved orders.
    pub fn satisfaction(&self) -> Rate {
        Rate::new(self.satisfied, self.rated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MIN: i64 = 60_000;

    /// Filed at 0, to accept by 30 min and resolve by 600 min.
    fn order(state: OrderState) -> Facts {
        Facts {
            state,
            created_at: 0,
            accept_due_at: 30 * MIN,
            resolve_due_at: 600 * MIN,
            clock_paused_at: None,
            accepted_at: None,
            resolved_at: None,
            rating: None,
        }
    }

    #[test]
    fn a_deadline_has_come_at_its_very_millisecond() {
        let o = order(OrderState::Pending);
        assert_eq!(overdue(&o, 30 * MIN - 1), None);
        assert_eq!(overdue(&o, 30 * MIN), Some(Overdue::Accept));
        let accepted = Facts {
            accepted_at: Some(40 * MIN),
            ..order(OrderState::Accepted)
        };
        assert_eq!(
            overdue(&accepted, 599 * MIN),
            None,
            "accepted: the accept deadline no longer matters"
        );
        assert_eq!(overdue(&accepted, 600 * MIN), Some(Overdue::Resolve));
        assert_eq!(
            overdue(&order(OrderState::Pending), 700 * MIN),
            Some(Overdue::Accept),
            "late to accept is named first"
        );
        assert!(late_to_resolve(&order(OrderState::Pending), 700 * MIN));
        assert!(is_overdue(&order(OrderState::Returned), 600 * MIN));
    }

    #[test]
    fn finished_orders_are_never_overdue() {
        for s in [
            OrderState::Resolved,
            OrderState::Closed,
            OrderState::Cancelled,
        ] {
            assert!(!is_overdue(&order(s), i64::MAX), "{s:?}");
        }
    }

    #[test]
    fn a_paused_clock_judges_the_order_when_it_was_paused() {
        let paused_in_time = Facts {
            clock_paused_at: Some(10 * MIN),
            ..order(OrderState::Pending)
        };
        assert!(!is_overdue(&paused_in_time, 10_000 * MIN));
        let paused_late = Facts {
            clock_paused_at: Some(30 * MIN),
            ..order(OrderState::Pending)
        };
        assert_eq!(overdue(&paused_late, 10_000 * MIN), Some(Overdue::Accept));
        assert_eq!(clock_at(&paused_late, 20 * MIN), 20 * MIN, "never ahead");
    }

    #[test]
    fn on_time_is_judged_by_the_latest_resolution_against_its_deadline() {
        let on_time = Facts {
            accepted_at: Some(30 * MIN),
            resolved_at: Some(600 * MIN),
            ..order(OrderState::Resolved)
        };
        assert!(accepted_on_time(&on_time) && resolved_on_time(&on_time));
        let late = Facts {
            accepted_at: Some(30 * MIN + 1),
            resolved_at: Some(600 * MIN + 1),
            rating: Some(Rating::Unsatisfied),
            ..order(OrderState::Closed)
        };
        assert!(accepted(&late) && !accepted_on_time(&late));
        assert!(resolved(&late) && !resolved_on_time(&late));
        assert!(rated(&late) && !satisfied(&late));
        // Reopened: the resolution is forgotten, and with it the rating of
        // it, until it is resolved again.
        let reopened = Facts {
            rating: Some(Rating::Unsatisfied),
            ..order(OrderState::Pending)
        };
        assert!(!resolved(&reopened) && !rated(&reopened));
        let resolved_again = Facts {
            accepted_at: Some(700 * MIN),
            resolved_at: Some(800 * MIN),
            ..reopened
        };
        assert!(rated(&resolved_again) && !satisfied(&resolved_again));
        assert_eq!(response_ms(&on_time), Some(30 * MIN));
        assert_eq!(resolution_ms(&on_time), Some(600 * MIN));
        assert_eq!(response_ms(&reopened), None);
    }

    #[test]
    fn cancelled_orders_count_in_no_figure() {
        let cancelled = Facts {
            accepted_at: Some(MIN),
            rating: Some(Rating::Unsatisfied),
            ..order(OrderState::Cancelled)
        };
        assert_eq!(Counts::of([&cancelled], i64::MAX), Counts::default());
        assert_eq!(response_ms(&cancelled), None);
    }

    #[test]
    fn rates_divide_by_the_orders_they_judge() {
        let resolved = Facts {
            accepted_at: Some(MIN),
            resolved_at: Some(2 * MIN),
            rating: Some(Rating::BasicallySatisfied),
            ..order(OrderState::Closed)
        };
        let open = order(OrderState::Pending);
        let c = Counts::of([&resolved, &open, &open], 0);
        assert_eq!((c.orders, c.resolved, c.overdue), (3, 1, 0));
        assert_eq!(c.on_time_resolution(), Rate::new(1, 1));
        assert_eq!(c.on_time_resolution().percent(), Some(100.0));
        assert_eq!(c.on_time_acceptance().ratio(), Some(1.0));
        assert_eq!(c.satisfaction(), Rate::new(1, 1));
        let later = Counts::of([&resolved, &open, &open], 30 * MIN);
        assert_eq!(later.overdue, 2, "the open ones, now late, show as overdue");
        assert_eq!(Rate::new(0, 0).percent(), None);
        assert_eq!(Rate::new(1, 4).percent(), Some(25.0));
    }

    fn any_state() -> impl Strategy<Value = OrderState> {
        proptest::sample::select(OrderState::ALL.to_vec())
    }

    proptest! {
        /// Pausing and resuming never changes whether an order is overdue at
        /// the moment it resumes: the pause moves the deadlines by exactly
        /// the time the clock stood still.
        #[test]
        fn resuming_keeps_the_verdict_of_the_pause(
            state in any_state(), accept in 0i64..1_000, resolve in 0i64..1_000,
            paused_at in 0i64..1_000, pause in 0i64..1_000,
        ) {
            let now = paused_at + pause;
            let paused = Facts {
                clock_paused_at: Some(paused_at),
                accept_due_at: accept,
                resolve_due_at: resolve,
                ..order(state)
            };
            let resumed = Facts {
                clock_paused_at: None,
                accept_due_at: super::super::sla::shift_after_pause(accept, paused_at, now),
                resolve_due_at: super::super::sla::shift_after_pause(resolve, paused_at, now),
                ..paused
            };
            prop_assert_eq!(overdue(&paused, now), overdue(&resumed, now));
        }

        /// Every rate's numerator lies within its denominator, and overdue
        /// orders are open ones.
        #[test]
        fn numerators_stay_within_denominators(
            orders in proptest::collection::vec(
                (any_state(), proptest::option::of(0i64..100), proptest::option::of(0i64..100),
                 proptest::option::of(0i64..100), 0usize..4),
                0..20),
            now in 0i64..200,
        ) {
            let ratings = [None, Some(Rating::Satisfied), Some(Rating::BasicallySatisfied), Some(Rating::Unsatisfied)];
            let facts: Vec<Facts> = orders.into_iter().map(|(state, paused, accepted_at, resolved_at, r)| Facts {
                state,
                created_at: 0,
                accept_due_at: 30,
                resolve_due_at: 60,
                clock_paused_at: paused,
                accepted_at,
                resolved_at,
                rating: ratings[r],
            }).collect();
            let c = Counts::of(&facts, now);
            for rate in [c.on_time_acceptance(), c.on_time_resolution(), c.satisfaction()] {
                prop_assert!(0 <= rate.numerator && rate.numerator <= rate.denominator);
                prop_assert!(rate.denominator <= c.orders);
            }
            let open = facts.iter().filter(|o| o.state.is_open()).count() as i64;
            prop_assert!(c.overdue <= open);
        }
    }
}
