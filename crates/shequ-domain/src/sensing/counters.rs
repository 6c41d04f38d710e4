//! Per-period counters of the threshold rules: passes at night per person,
//! distinct visitors per household per day. Only people and households
//! with activity in the current period have an entry, so the maps stay
//! small; a new period starts each entry afresh.

use std::collections::HashMap;

/// Passes per person in the current night window.
#[derive(Debug, Clone, Default)]
pub struct NightCounter {
    max_passes: u32,
    by_person: HashMap<i64, (i32, u32)>,
}

impl NightCounter {
    pub fn new(max_passes: u32) -> Self {
        Self {
            max_passes,
            by_person: HashMap::new(),
        }
    }

    /// Counts a pass of `person` in `night`; true exactly once per night,
    /// on the pass that goes over the limit.
    pub fn pass(&mut self, person: i64, night: i32) -> bool {
        let e = self.by_person.entry(person).or_insert((night, 0));
        if e.0 != night {
            *e = (night, 0);
        }
        e.1 = e.1.saturating_add(1);
        e.1 == self.max_passes.saturating_add(1)
    }

    /// Forgets nights before `night` (memory is bounded by one night).
    pub fn forget_before(&mut self, night: i32) {
        self.by_person.retain(|_, (n, _)| *n >= night);
    }

    pub fn len(&self) -> usize {
        self.by_person.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_person.is_empty()
    }
}

/// Distinct visitor codes per household in the current day.
#[derive(Debug, Clone, Default)]
pub struct VisitorCounter {
    max_visitors: u32,
    by_household: HashMap<i64, (i32, Vec<u64>)>,
}

impl VisitorCounter {
    pub fn new(max_visitors: u32) -> Self {
        Self {
            max_visitors,
            by_household: HashMap::new(),
        }
    }

    /// Counts a visit by the visitor whose code hashes to `visitor` on
    /// `day`; true exactly once per day, when the distinct count goes over
    /// the limit. A repeat visit by the same code does not count.
    pub fn visit(&mut self, household: i64, day: i32, visitor: u64) -> bool {
        let e = self
            .by_household
            .entry(household)
            .or_insert((day, Vec::new()));
        if e.0 != day {
            *e = (day, Vec::new());
        }
        let limit = usize::try_from(self.max_visitors).unwrap_or(usize::MAX);
        // Past the limit the set stops growing: the alert has been decided.
        if e.1.len() > limit || e.1.contains(&visitor) {
            return false;
        }
        e.1.push(visitor);
        e.1.len() == limit + 1
    }

    /// Distinct visitors of `household` counted on `day`.
    pub fn count(&self, household: i64, day: i32) -> usize {
        self.by_household
            .get(&household)
            .filter(|(d, _)| *d == day)
            .map_or(0, |(_, v)| v.len())
    }

    /// Forgets days before `day`.
    pub fn forget_before(&mut self, day: i32) {
        self.by_household.retain(|_, (d, _)| *d >= day);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{HashMap, HashSet};

    proptest! {
        #[test]
        fn visitors_alert_once_when_distinct_codes_exceed_the_limit(
            max in 0u32..5,
            visits in proptest::collection::vec((0i64..3, 0i32..3, 0u64..8), 0..100),
        ) {
            let mut c = VisitorCounter::new(max);
            let mut seen: HashMap<(i64, i32), HashSet<u64>> = HashMap::new();
            let mut alerted: HashSet<(i64, i32)> = HashSet::new();
            let mut visits = visits;
            // Days only move forward, as the clock does.
            visits.sort_by_key(|v| v.1);
            for (h, day, v) in visits {
                let fired = c.visit(h, day, v);
                let set = seen.entry((h, day)).or_default();
                set.insert(v);
                let should = set.len() > max as usize && !alerted.contains(&(h, day));
                prop_assert_eq!(fired, should);
                if fired {
                    alerted.insert((h, day));
                }
            }
        }

        #[test]
        fn nights_alert_once_on_the_pass_over_the_limit(max in 0u32..6, passes in 0u32..20) {
            let mut c = NightCounter::new(max);
            let fired: Vec<bool> = (0..passes).map(|_| c.pass(1, 10)).collect();
            let count = fired.iter().filter(|f| **f).count();
            prop_assert_eq!(count, usize::from(passes > max));
            if passes > max {
                prop_assert!(fired[max as usize]);
            }
            prop_assert!(!c.pass(1, 11) || max == 0, "a new night starts afresh");
        }
    }
}
