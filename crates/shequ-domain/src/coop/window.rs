//! A run of dates, both ends included: when a need runs, or when a
//! resource is available.

use chrono::{Datelike, NaiveDate};

use crate::{Code, InvalidValue};

/// Dates from `start` to `end`, both included; never ends before it
/// starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Window {
    start: NaiveDate,
    end: NaiveDate,
}

impl Window {
    /// The window from `start` to `end`; a window of one day starts and
    /// ends on it. Refused when `end` is before `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Window, InvalidValue> {
        if end < start {
            return Err(InvalidValue::new(
                Code::CoopWindowOrder,
                format!("the window ends on {end}, before it starts on {start}"),
            )
            .at("end"));
        }
        Ok(Window { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    /// How many days the window holds (at least one).
    pub fn days(&self) -> u32 {
        span(self.first(), self.last())
    }

    /// Whether `day` falls in the window.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// How many days the two windows share.
    pub fn overlap_days(&self, other: &Window) -> u32 {
        span(
            self.first().max(other.first()),
            self.last().min(other.last()),
        )
    }

    /// The first and last day as day numbers, for counting.
    pub(crate) fn first(&self) -> i32 {
        self.start.num_days_from_ce()
    }

    pub(crate) fn last(&self) -> i32 {
        self.end.num_days_from_ce()
    }
}

/// Days from day number `a` to `b`, both included; none when `b < a`.
pub(crate) fn span(a: i32, b: i32) -> u32 {
    u32::try_from(i64::from(b) - i64::from(a) + 1).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).expect("day")
    }

    fn w(a: NaiveDate, b: NaiveDate) -> Window {
        Window::new(a, b).expect("window")
    }

    #[test]
    fn a_window_ending_before_it_starts_is_refused() {
        let e = Window::new(day(3, 10), day(3, 9)).expect_err("reversed");
        assert_eq!((e.code, e.field()), (Code::CoopWindowOrder, Some("end")));
        assert_eq!(
            e.message,
            "the window ends on 2026-03-09, before it starts on 2026-03-10"
        );
        assert_eq!(w(day(3, 10), day(3, 10)).days(), 1);
    }

    #[test]
    fn overlap_counts_shared_days_both_ends_included() {
        let march = w(day(3, 1), day(3, 31));
        assert_eq!(march.days(), 31);
        assert_eq!(march.overlap_days(&w(day(3, 25), day(4, 5))), 7);
        assert_eq!(march.overlap_days(&w(day(3, 31), day(4, 5))), 1);
        assert_eq!(march.overlap_days(&w(day(4, 1), day(4, 5))), 0);
        assert_eq!(march.overlap_days(&w(day(2, 1), day(5, 1))), 31);
        assert!(march.contains(day(3, 1)) && march.contains(day(3, 31)));
        assert!(!march.contains(day(4, 1)) && !march.contains(day(2, 28)));
    }

    proptest! {
        /// Overlap is symmetric, at most the shorter window, and counts
        /// exactly the days both contain.
        #[test]
        fn overlap_is_the_days_both_contain(
            a in 0i64..60, la in 0i64..30, b in 0i64..60, lb in 0i64..30,
        ) {
            let base = day(1, 1);
            let x = w(base + chrono::Days::new(a as u64), base + chrono::Days::new((a + la) as u64));
            let y = w(base + chrono::Days::new(b as u64), base + chrono::Days::new((b + lb) as u64));
            let both = (0..120u64)
                .map(|i| base + chrono::Days::new(i))
                .filter(|d| x.contains(*d) && y.contains(*d))
                .count() as u32;
            prop_assert_eq!(x.overlap_days(&y), both);
            prop_assert_eq!(y.overlap_days(&x), both);
            prop_assert!(both <= x.days().min(y.days()));
        }
    }
}
