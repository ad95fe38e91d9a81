//! The whole-run time limit, like `go test -timeout` (10 minutes unless `LAB_TIMEOUT` says
//! otherwise): a test that never ends is cut off with Go's message naming it.

use crate::duration::{go_duration, parse_go_duration};
use std::io::Write;
use std::time::{Duration, Instant};

/// Go's default `-timeout`.
const DEFAULT: Duration = Duration::from_secs(600);

/// The whole-run limit from `LAB_TIMEOUT` (Go's duration syntax: `10m`, `90s`, `1h30m`;
/// `0` for none), or Go's 10 minutes; an error in Go's words for a value Go would refuse.
pub(crate) fn whole_run_timeout() -> Result<Option<Duration>, String> {
    let Some(text) = std::env::var("LAB_TIMEOUT").ok().filter(|t| !t.is_empty()) else {
        return Ok(Some(DEFAULT));
    };
    match parse_go_duration(&text) {
        Some(d) if d.is_zero() => Ok(None),
        Some(d) => Ok(Some(d)),
        None => Err(format!("invalid value \"{text}\" for flag -test.timeout (LAB_TIMEOUT): parse error")),
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
        let _ = writeln!(err, "panic: test timed out after {}", go_duration(limit));
        if let Some((name, began)) = running {
            let _ = writeln!(
                err,
                "\trunning tests:\n\t\t{name} ({})",
                go_duration(Duration::from_secs(began.elapsed().as_secs_f64().round() as u64))
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
