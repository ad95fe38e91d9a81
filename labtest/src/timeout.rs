//! The whole-run time limit, like `go test -timeout` (10 minutes unless `LAB_TIMEOUT` says
//! otherwise): a test that never ends is cut off with Go's message naming it.

use std::io::Write;
use std::time::{Duration, Instant};

/// Go's default `-timeout`.
const DEFAULT: Duration = Duration::from_secs(600);

/// The whole-run limit from `LAB_TIMEOUT` (Go's duration syntax: `10m`, `90s`, `1h30m`;
/// `0` for none), or Go's 10 minutes; an error in Go's words for a value Go would refuse.
pub fn whole_run_timeout() -> Result<Option<Duration>, String> {
    let Some(text) = std::env::var("LAB_TIMEOUT").ok().filter(|t| !t.is_empty()) else {
        return Ok(Some(DEFAULT));
    };
    match parse_go_duration(&text) {
        Some(d) if d.is_zero() => Ok(None),
        Some(d) => Ok(Some(d)),
        None => Err(format!("invalid value \"{text}\" for flag -test.timeout (LAB_TIMEOUT): parse error")),
    }
}

/// Parses a duration as Go's `time.ParseDuration` does (`1h30m`, `2.5s`, `300ms`, `0`);
/// `None` if it is not one, or negative.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    if text == "0" {
        return Some(Duration::ZERO);
    }
    let mut rest = text.strip_prefix('+').unwrap_or(text);
    if rest.is_empty() {
        return None;
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let (num, tail) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return None;
        }
        let value: f64 = num.parse().ok()?;
        let unit_len = tail.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(tail.len());
        let (unit, tail) = tail.split_at(unit_len);
        let scale = match unit {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = tail;
    }
    Duration::try_from_secs_f64(total).ok()
}

/// A duration as Go's `time.Duration` prints it, to the millisecond: `3s`, `2.5s`, `10m0s`,
/// `1h0m0s`.
fn go_secs(d: Duration) -> String {
    let ms = d.as_millis();
    let secs = if ms.is_multiple_of(1000) {
        (ms / 1000 % 60).to_string()
    } else {
        format!("{}.{:03}", ms / 1000 % 60, ms % 1000).trim_end_matches('0').to_string()
    };
    match (ms / 3_600_000, ms / 60_000 % 60) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m{secs}s"),
        (h, m) => format!("{h}h{m}m{secs}s"),
    }
}

/// Ends the run `limit` after `start` if it is still going, as Go does: `panic: test timed
/// out after …`, the running test and how long it has run, then `exit status 2`.
pub(crate) fn start_watchdog(limit: Duration, start: Instant) {
    let spawned = std::thread::Builder::new().name("labtest-timeout".into()).spawn(move || {
        std::thread::sleep(limit.saturating_sub(start.elapsed()));
        if !crate::begin_ending() {
            return;
        }
        let running = *crate::CURRENT.lock().unwrap_or_else(|p| p.into_inner());
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "panic: test timed out after {}", go_secs(limit));
        if let Some((name, began)) = running {
            let _ = writeln!(
                err,
                "\trunning tests:\n\t\t{name} ({})",
                go_secs(Duration::from_secs(began.elapsed().as_secs_f64().round() as u64))
            );
        }
        let _ = writeln!(err);
        let _ = err.flush();
        drop(err);
        crate::exit_run(2)
    });
    if let Err(e) = spawned {
        eprintln!("labtest: cannot start the whole-run timer ({e}); the run has no time limit");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations_parse() {
        let s = Duration::from_secs;
        assert_eq!(parse_go_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_go_duration("10m"), Some(s(600)));
        assert_eq!(parse_go_duration("90s"), Some(s(90)));
        assert_eq!(parse_go_duration("1h30m"), Some(s(5400)));
        assert_eq!(parse_go_duration("2.5s"), Some(Duration::from_millis(2500)));
        assert_eq!(parse_go_duration("300ms"), Some(Duration::from_millis(300)));
        for bad in ["", "10", "m", "-1s", "1x", "1.2.3s", "s10"] {
            assert_eq!(parse_go_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn whole_seconds_print_as_in_go() {
        let s = Duration::from_secs;
        assert_eq!(go_secs(s(3)), "3s");
        assert_eq!(go_secs(s(600)), "10m0s");
        assert_eq!(go_secs(s(3600)), "1h0m0s");
        assert_eq!(go_secs(s(3723)), "1h2m3s");
        assert_eq!(go_secs(Duration::from_millis(2500)), "2.5s");
        assert_eq!(go_secs(Duration::from_millis(90_250)), "1m30.25s");
    }
}
