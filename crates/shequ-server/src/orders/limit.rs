//! A cap on public reports per client address: at most N in any hour
//! (a sliding window), kept in memory. A restart forgets it, which is
//! acceptable: it is there to blunt a flood, not to keep a record.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

/// The window the cap applies to.
pub const WINDOW_MS: i64 = 60 * 60 * 1000;

/// Addresses tracked before idle ones are forgotten.
const SWEEP_AT: usize = 50_000;

/// Sliding-window counter of reports per client address.
#[derive(Debug)]
pub struct ReportLimiter {
    per_hour: u32,
    seen: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl ReportLimiter {
    pub fn new(per_hour: u32) -> Self {
        Self {
            per_hour,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a report from `key` at `now_ms`. `Err(seconds)` when the cap
    /// is reached: the report is refused and may be retried after that
    /// many seconds (refused attempts are not counted).
    pub fn hit(&self, key: &str, now_ms: i64) -> Result<(), u64> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > SWEEP_AT {
            seen.retain(|_, times| times.back().is_some_and(|t| now_ms - t < WINDOW_MS));
        }
        let times = seen.entry(key.to_owned()).or_default();
        while times.front().is_some_and(|t| now_ms - t >= WINDOW_MS) {
            times.pop_front();
        }
        if times.len() >= self.per_hour as usize {
            let oldest = times.front().copied().unwrap_or(now_ms);
            let wait_ms = (oldest + WINDOW_MS - now_ms).max(1000);
            return Err(u64::try_from((wait_ms + 999) / 1000).unwrap_or(3600));
        }
        times.push_back(now_ms);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eleventh_in_an_hour_waits_for_the_first_to_age_out() {
        let l = ReportLimiter::new(10);
        let t0 = 1_000_000;
        for i in 0..10 {
            assert_eq!(l.hit("1.2.3.4", t0 + i * 60_000), Ok(()));
        }
        // The first was at t0; at t0 + 10 min it ages out 50 min later.
        assert_eq!(l.hit("1.2.3.4", t0 + 600_000), Err(3000));
        assert_eq!(l.hit("5.6.7.8", t0 + 600_000), Ok(()), "per address");
        assert_eq!(l.hit("1.2.3.4", t0 + WINDOW_MS), Ok(()));
        assert!(l.hit("1.2.3.4", t0 + WINDOW_MS + 1).is_err());
    }
}
