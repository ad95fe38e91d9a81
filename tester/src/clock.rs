//! One clock for a test's history and its annotations (Go's kvtest and annotations both
//! use `time.Since(time.Unix(0, 0))`).

use std::sync::LazyLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// The wall clock read once, paired with the monotonic clock at the same moment.
static ORIGIN: LazyLock<(i64, Instant)> = LazyLock::new(|| {
    let wall = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
    (wall, Instant::now())
});

/// Nanoseconds since the Unix epoch, counted on the monotonic clock from one reading of
/// the wall clock: never goes back, and lines up with the dates people read.
pub fn now_ns() -> i64 {
    let (wall, at) = *ORIGIN;
    wall + at.elapsed().as_nanos() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_monotonic_and_epoch_aligned() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64;
        assert!((wall - b).abs() < 1_000_000_000, "{wall} vs {b}");
    }
}
