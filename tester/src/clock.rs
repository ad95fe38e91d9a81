//! One clock for a test's history and its annotations (Go's kvtest and annotations both
//! use `time.Since(time.Unix(0, 0))`), and Go's way of printing a duration.

use std::sync::LazyLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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

/// `d` as Go's `time.Duration.String` writes it: `0s`, `750ns`, `1.5µs`, `37.002908ms`,
/// `2.5s`, `1m30s`, `2h0m0s`.
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos().min(u128::from(u64::MAX)) as u64;
    if ns == 0 {
        return "0s".to_string();
    }
    if ns < 1_000 {
        return format!("{ns}ns");
    }
    if ns < 1_000_000 {
        return format!("{}µs", decimal(ns, 3));
    }
    if ns < 1_000_000_000 {
        return format!("{}ms", decimal(ns, 6));
    }
    let secs = decimal(ns % 60_000_000_000, 9);
    let mins = ns / 60_000_000_000;
    match (mins / 60, mins % 60) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

/// `v / 10^prec` in decimal, without trailing zeros (nor the point, when whole).
fn decimal(v: u64, prec: u32) -> String {
    let pow = 10u64.pow(prec);
    let (whole, frac) = (v / pow, v % pow);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:0width$}", width = prec as usize);
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_as_in_go() {
        let ns = Duration::from_nanos;
        for (d, want) in [
            (ns(0), "0s"),
            (ns(1), "1ns"),
            (ns(999), "999ns"),
            (ns(1_000), "1µs"),
            (ns(1_500), "1.5µs"),
            (ns(37_002_908), "37.002908ms"),
            (ns(33_333_333), "33.333333ms"),
            (ns(100_000_000), "100ms"),
            (ns(1_000_000_000), "1s"),
            (ns(2_500_000_000), "2.5s"),
            (ns(61_000_000_001), "1m1.000000001s"),
            (ns(90_000_000_000), "1m30s"),
            (ns(7_200_000_000_000), "2h0m0s"),
        ] {
            assert_eq!(go_duration(d), want);
        }
    }

    #[test]
    fn the_clock_is_monotonic_and_epoch_aligned() {
        let a = now_ns();
        let b = now_ns();
        assert!(b >= a);
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as i64;
        assert!((wall - b).abs() < 1_000_000_000, "{wall} vs {b}");
    }
}
