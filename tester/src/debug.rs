//! Debug lines for the tester's own events (partitions, crashes, restarts, checks) when
//! `VERBOSE` is set, on the clock the peers' `dprintf!` lines use: milliseconds since the
//! running test began. `dslogs` then shows when the network changed among the peers' events.

use std::sync::{LazyLock, Mutex};
use std::time::Instant;

/// Whether `VERBOSE` is set (to anything but `0`).
static VERBOSE: LazyLock<bool> =
    LazyLock::new(|| std::env::var("VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0"));

/// When the running test began (its `make_config`); the process start before any did.
static TEST_START: LazyLock<Mutex<Instant>> = LazyLock::new(|| Mutex::new(Instant::now()));

/// Whether debug printing is on.
pub fn verbose() -> bool {
    *VERBOSE
}

/// Restarts the debug clock: a new test begins.
pub(crate) fn start_test() {
    *TEST_START.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
}

/// Milliseconds since the running test began.
pub fn test_millis() -> u128 {
    TEST_START.lock().unwrap_or_else(|p| p.into_inner()).elapsed().as_millis()
}

/// Prints `<ms> TEST S* <what>` when `VERBOSE` is set (`S*`: about the whole group).
pub(crate) fn event(what: std::fmt::Arguments<'_>) {
    if verbose() {
        println!("{:06} TEST S* {what}", test_millis());
    }
}
