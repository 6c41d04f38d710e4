//! The time as the platform sees it. Workers and intake read the clock
//! through this trait, so tests can move time forward by days in an
//! instant.

use std::fmt::Debug;
use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time in epoch milliseconds.
pub trait Clock: Send + Sync + Debug {
    fn now_ms(&self) -> i64;
}

/// The real clock.
#[derive(Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        shequ_store::now_ms()
    }
}

/// Real time run faster from the moment it is made: `speed` virtual
/// milliseconds pass per real one. For demonstrations and end-to-end tests
/// of a running binary (a 48-hour rule due in seconds); never in production.
#[derive(Debug)]
pub struct ScaledClock {
    origin_ms: i64,
    speed: f64,
}

impl ScaledClock {
    pub fn new(speed: f64) -> Self {
        Self {
            origin_ms: shequ_store::now_ms(),
            speed,
        }
    }
}

impl Clock for ScaledClock {
    fn now_ms(&self) -> i64 {
        let real = shequ_store::now_ms();
        self.origin_ms + ((real - self.origin_ms) as f64 * self.speed) as i64
    }
}

/// A clock that moves only when told to.
#[derive(Debug)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        Self(AtomicI64::new(start_ms))
    }

    /// Moves the clock forward.
    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn set_ms(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaled_clock_runs_ahead_of_real_time_by_its_speed() {
        let clock = ScaledClock::new(3600.0);
        let start = clock.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let moved = clock.now_ms() - start;
        // 20 ms of real time is at least 72 s at 3600×.
        assert!(moved >= 72_000, "moved only {moved} ms");
        assert!(start >= shequ_store::now_ms() - 1_000);
    }
}
