//! Debug printing, like the lab's `DPrintf`: off unless `VERBOSE` is set (to anything but
//! `0`), and then one line per event, `<ms since start> <TOPIC> S<peer> <text>`, which the
//! log viewer can colour and split into a column per peer.

use std::sync::LazyLock;
use std::time::Instant;

/// When the debug clock started and whether printing is on.
pub static DEBUG: LazyLock<Option<Instant>> = LazyLock::new(|| {
    let on = std::env::var("VERBOSE").is_ok_and(|v| !v.is_empty() && v != "0");
    on.then(Instant::now)
});

/// Prints a debug line for peer `$me` under `$topic` when `VERBOSE` is set; otherwise the
/// arguments are not even evaluated.
#[macro_export]
macro_rules! dprintf {
    ($topic:expr, $me:expr, $($arg:tt)*) => {
        if let Some(start) = *$crate::util::DEBUG {
            println!("{:06} {} S{} {}", start.elapsed().as_millis(), $topic, $me, format_args!($($arg)*));
        }
    };
}
