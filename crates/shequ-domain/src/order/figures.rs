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
//! - **Resolution rate** (解决率): orders resolved and never reopened,
//!   **over counted orders**: what the reporter did not have to ask for
//!   twice. Unlike on time, an open order is in the denominator: the rate
//!   asks how many of the orders filed were settled for good, so an order
//!   left alone lowers it.
//! - **Reopen rate** (重办率): orders the reporter reopened at least once,
//!   **over orders ever resolved** (resolved now, or reopened — a reopened
//!   order was resolved before it was reopened).
//! - **Report-in on time** (吹哨报到按时报到率): summons (吹哨) a team
//!   reported in for at or before the summons' deadline, **over summons
//!   judged**: reported in, or past their deadline without a report.
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
    /// How many times the reporter reopened it.
    pub reopened: i64,
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

/// Resolved, or reopened after a resolution: resolved at least once.
pub fn ever_resolved(o: &Facts) -> bool {
    resolved(o) || (counted(o) && o.reopened > 0)
}

/// Reopened by the reporter at least once.
pub fn reopened(o: &Facts) -> bool {
    counted(o) && o.reopened > 0
}

/// Resolved and never reopened: settled for good (the resolution rate's
/// numerator).
pub fn resolved_for_good(o: &Facts) -> bool {
    resolved(o) && o.reopened == 0
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
    /// Resolved at least once (resolved now, or reopened).
    #[serde(default)]
    pub ever_resolved: i64,
    /// Reopened at least once.
    #[serde(default)]
    pub reopened: i64,
    /// Resolved and never reopened.
    #[serde(default)]
    pub resolved_for_good: i64,
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
        self.ever_resolved += n(ever_resolved(o));
        self.reopened += n(reopened(o));
        self.resolved_for_good += n(resolved_for_good(o));
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

    /// Resolved and never reopened, over counted orders.
    pub fn resolution(&self) -> Rate {
        Rate::new(self.resolved_for_good, self.orders)
    }

    /// Reopened at least once, over orders ever resolved.
    pub fn reopen(&self) -> Rate {
        Rate::new(self.reopened, self.ever_resolved)
    }

    /// These counts without `o`'s (a group taken out of them).
    pub fn minus(self, o: Counts) -> Counts {
        Counts {
            orders: self.orders - o.orders,
            accepted: self.accepted - o.accepted,
            accepted_on_time: self.accepted_on_time - o.accepted_on_time,
            resolved: self.resolved - o.resolved,
            resolved_on_time: self.resolved_on_time - o.resolved_on_time,
            rated: self.rated - o.rated,
            satisfied: self.satisfied - o.satisfied,
            overdue: self.overdue - o.overdue,
            ever_resolved: self.ever_resolved - o.ever_resolved,
            reopened: self.reopened - o.reopened,
            resolved_for_good: self.resolved_for_good - o.resolved_for_good,
        }
    }

    /// The counts of both groups together.
    pub fn plus(self, o: Counts) -> Counts {
        Counts {
            orders: self.orders + o.orders,
            accepted: self.accepted + o.accepted,
            accepted_on_time: self.accepted_on_time + o.accepted_on_time,
            resolved: self.resolved + o.resolved,
            resolved_on_time: self.resolved_on_time + o.resolved_on_time,
            rated: self.rated + o.rated,
            satisfied: self.satisfied + o.satisfied,
            overdue: self.overdue + o.overdue,
            ever_resolved: self.ever_resolved + o.ever_resolved,
            reopened: self.reopened + o.reopened,
            resolved_for_good: self.resolved_for_good + o.resolved_for_good,
        }
    }
}

/// What report-in on time needs to know about one summons (吹哨) of a
/// team to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summons {
    /// The deadline to report in by.
    pub due_at: Option<i64>,
    /// When the team reported in, if it has.
    pub reported_at: Option<i64>,
}

/// Judged at `now`: reported in, or past its deadline without a report.
/// A summons with no deadline is judged once reported.
pub fn summons_judged(s: &Summons, now: i64) -> bool {
    s.reported_at.is_some() || s.due_at.is_some_and(|d| d <= now)
}

/// Reported in at or before its deadline (any report, for one without).
pub fn reported_on_time(s: &Summons) -> bool {
    match (s.reported_at, s.due_at) {
        (Some(r), Some(d)) => r <= d,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// The counts report-in on time is made of.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummonsCounts {
    /// Summons of the group.
    pub summoned: i64,
    /// Judged at the time counted (see [`summons_judged`]).
    pub judged: i64,
    pub reported_on_time: i64,
}

impl SummonsCounts {
    /// Counts `s` as it stands at `now`.
    pub fn add(&mut self, s: &Summons, now: i64) {
        self.summoned += 1;
        self.judged += i64::from(summons_judged(s, now));
        self.reported_on_time += i64::from(reported_on_time(s));
    }

    /// Reported in on time, over summons judged.
    pub fn report_in(&self) -> Rate {
        Rate::new(self.reported_on_time, self.judged)
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
            reopened: 0,
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

    #[test]
    fn resolution_counts_what_was_settled_for_good_of_all_filed() {
        let settled = Facts {
            accepted_at: Some(MIN),
            resolved_at: Some(2 * MIN),
            ..order(OrderState::Closed)
        };
        let resolved_after_reopen = Facts {
            reopened: 1,
            ..settled
        };
        let reopened_open = Facts {
            reopened: 1,
            ..order(OrderState::Pending)
        };
        let open = order(OrderState::Accepted);
        let cancelled = Facts {
            reopened: 1,
            ..order(OrderState::Cancelled)
        };
        let c = Counts::of(
            [
                &settled,
                &resolved_after_reopen,
                &reopened_open,
                &open,
                &cancelled,
            ],
            0,
        );
        assert_eq!(c.orders, 4, "the cancelled one is not counted");
        assert_eq!(
            c.resolution(),
            Rate::new(1, 4),
            "only the first is settled for good"
        );
        assert_eq!(
            c.ever_resolved, 3,
            "resolved now, or reopened after a resolution"
        );
        assert_eq!(c.reopen(), Rate::new(2, 3));
        assert_eq!(c.plus(c).resolution(), Rate::new(2, 8));
        assert_eq!(c.plus(c).minus(c), c);
    }

    #[test]
    fn report_in_is_judged_by_the_summons_deadline() {
        let on_time = Summons {
            due_at: Some(60),
            reported_at: Some(60),
        };
        let late = Summons {
            due_at: Some(60),
            reported_at: Some(61),
        };
        let waiting = Summons {
            due_at: Some(60),
            reported_at: None,
        };
        let no_deadline = Summons {
            due_at: None,
            reported_at: None,
        };
        assert!(reported_on_time(&on_time) && !reported_on_time(&late));
        assert!(!summons_judged(&waiting, 59), "not yet due: not judged");
        assert!(
            summons_judged(&waiting, 60),
            "due and silent: judged, not on time"
        );
        assert!(!summons_judged(&no_deadline, i64::MAX));
        let mut c = SummonsCounts::default();
        for s in [&on_time, &late, &waiting, &no_deadline] {
            c.add(s, 100);
        }
        assert_eq!((c.summoned, c.judged), (4, 3));
        assert_eq!(c.report_in(), Rate::new(1, 3));
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
                reopened: 0,
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
