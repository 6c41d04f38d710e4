//! Slows down password guessing: after too many failures for one key within
//! a window, further attempts are refused for a lock-out period that
//! doubles each time it is hit again. The keys (a client address, an
//! account tried from unknown devices, one known device) are chosen by
//! [`crate::accounts::api::auth::authenticate`].

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// First lock-out length; doubles on each further lock-out, up to the cap.
const BASE_LOCKOUT: Duration = Duration::from_secs(30);
const MAX_LOCKOUT: Duration = Duration::from_secs(60 * 60);
/// Keys untouched this long are forgotten so the map stays small.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Clone)]
struct Failures {
    count: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
    lockouts: u32,
    last_seen: Instant,
}

/// In-memory failure counters. A restart forgets them, which is acceptable:
/// the limit is about slowing guessing down, not a permanent record.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    state: Mutex<HashMap<String, Failures>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures: max_failures.max(1),
            window,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// If any of `keys` is locked at `now`, how long until it opens.
    pub fn locked_for(&self, keys: &[String], now: Instant) -> Option<Duration> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        keys.iter()
            .filter_map(|k| state.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Records a failed attempt against every key.
    pub fn record_failure(&self, keys: &[String], now: Instant) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.len() > 100_000 {
            state.retain(|_, f| now.duration_since(f.last_seen) < FORGET_AFTER);
        }
        for key in keys {
            let f = state.entry(key.clone()).or_insert(Failures {
                count: 0,
                window_start: now,
                locked_until: None,
                lockouts: 0,
                last_seen: now,
            });
            f.last_seen = now;
            if now.duration_since(f.window_start) > self.window {
                f.count = 0;
                f.window_start = now;
            }
            f.count += 1;
            if f.count >= self.max_failures {
                let factor = 2u32.saturating_pow(f.lockouts.min(16));
                let lockout = BASE_LOCKOUT.saturating_mul(factor).min(MAX_LOCKOUT);
                f.locked_until = Some(now + lockout);
                f.lockouts += 1;
                f.count = 0;
                f.window_start = now;
            }
        }
    }

    /// Forgets the failures of a key after a successful login.
    pub fn record_success(&self, key: &str) {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_max_failures_and_doubles() {
        let l = LoginLimiter::new(3, Duration::from_secs(900));
        let keys = vec!["u:alice".to_owned()];
        let t0 = Instant::now();
        for _ in 0..2 {
            l.record_failure(&keys, t0);
        }
        assert_eq!(l.locked_for(&keys, t0), None);
        l.record_failure(&keys, t0);
        assert_eq!(l.locked_for(&keys, t0), Some(BASE_LOCKOUT));
        let t1 = t0 + BASE_LOCKOUT + Duration::from_secs(1);
        assert_eq!(l.locked_for(&keys, t1), None);
        for _ in 0..3 {
            l.record_failure(&keys, t1);
        }
        assert_eq!(l.locked_for(&keys, t1), Some(BASE_LOCKOUT * 2));
        l.record_success("u:alice");
        assert_eq!(l.locked_for(&keys, t1), None);
    }

    #[test]
    fn failures_outside_the_window_do_not_add_up() {
        let l = LoginLimiter::new(3, Duration::from_secs(60));
        let keys = vec!["ip:1.2.3.4".to_owned()];
        let t0 = Instant::now();
        l.record_failure(&keys, t0);
        l.record_failure(&keys, t0);
        let later = t0 + Duration::from_secs(61);
        l.record_failure(&keys, later);
        assert_eq!(l.locked_for(&keys, later), None);
    }
}
