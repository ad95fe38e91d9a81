//! Debug printing, like the lab's `DPrintf`: off unless `VERBOSE` is set (to anything but
//! `0`), and then one line per event, `<ms since the test began> <TOPIC> S<peer> <text>`,
//! which the log viewer can colour and split into a column per peer. The tester prints its
//! own events (`TEST S* partition [0, 1, 2] | [3, 4]`, crashes, restarts, checks) on the same
//! clock, which the failure timeline's times count from too.

/// Whether debug printing is on.
pub fn verbose() -> bool {
    tester::debug::verbose()
}

/// Milliseconds since the running test began.
pub fn millis() -> u128 {
    tester::debug::test_millis()
}

/// Prints a debug line for peer `$me` under `$topic` when `VERBOSE` is set; otherwise the
/// arguments are not even evaluated.
#[macro_export]
macro_rules! dprintf {
    ($topic:expr, $me:expr, $($arg:tt)*) => {
        if $crate::util::verbose() {
            println!("{:06} {} S{} {}", $crate::util::millis(), $topic, $me, format_args!($($arg)*));
        }
    };
}
