//! "Now" and the wall-clock format of the token times (docs/contract.md, "Tokens"), with a seam so
//! tests can set the time.

use jiff::{Timestamp, tz::TimeZone};
use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

/// Where the current time comes from. Whole seconds are all the API ever shows.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn now(&self) -> i64;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> i64 {
        Timestamp::now().as_second()
    }
}

/// A clock tests set and move by hand. Clones share the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    pub fn at(epoch_seconds: i64) -> Self {
        Self(Arc::new(AtomicI64::new(epoch_seconds)))
    }
    pub fn set(&self, epoch_seconds: i64) {
        self.0.store(epoch_seconds, Ordering::SeqCst);
    }
    pub fn advance(&self, seconds: i64) {
        self.0.fetch_add(seconds, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// `YYYY-MM-DD HH:MM:SS` in `tz` (token times are local wall-clock time).
pub fn wall_clock(epoch_seconds: i64, tz: &TimeZone) -> String {
    match Timestamp::from_second(epoch_seconds) {
        Ok(ts) => ts
            .to_zoned_datetime(tz.clone())
            .strftime("%Y-%m-%d %H:%M:%S")
            .to_string(),
        // Out of jiff's range (year ±9999): never produced by this service's own arithmetic.
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_jakarta_wall_clock() {
        let tz = TimeZone::get("Asia/Jakarta").unwrap();
        // 2026-06-21 03:00:00 UTC is 10:00 in Jakarta (UTC+7, no DST).
        assert_eq!(wall_clock(1_782_010_800, &tz), "2026-06-21 10:00:00");
    }

    #[test]
    fn manual_clock_moves() {
        let c = ManualClock::at(100);
        c.advance(5);
        assert_eq!(c.now(), 105);
        c.set(7);
        assert_eq!(c.clone().now(), 7);
    }
}
