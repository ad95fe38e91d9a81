//! tester: Go's `tester1` for the Rust Raft lab. A [`Config`] owns a test's simulated
//! network and server groups; the tests crash, restart and cut off servers through it, and
//! it prints Go's Begin and Passed lines byte for byte. [`annotation`] records the test's
//! failure timeline and writes it as an HTML page when the test fails.

pub mod annotation;
mod clnts;
mod clock;
mod config;
pub mod debug;
mod group;
mod persister;
mod srv;

pub use annotation::{
    annotate, annotate_checker_begin, annotate_checker_failure, annotate_checker_neutral,
    annotate_checker_success, annotate_clear_failure, annotate_connection, annotate_continuous,
    annotate_info, annotate_info_interval, annotate_interval, annotate_peer_state, annotate_restart,
    annotate_restart_all, annotate_shutdown, annotate_shutdown_all, annotate_test, annotate_two_partitions,
    get_annotate_timestamp,
};
pub use clnts::{Clnt, Clnts};
pub use clock::now_ns;
pub use config::{Config, TIME_LIMIT, fatalf, lower_time_limit, t_fatalf};
pub use group::{FstartServer, GRP0, Groups, IService, ServerGrp, Tgid, server_name};
pub use labtest::go_duration;
pub use persister::Persister;

use base64::Engine;
use rand::RngExt;

/// `n` random URL-safe characters, like Go's `tester.Randstring`.
pub fn randstring(n: usize) -> String {
    let mut b = vec![0u8; 2 * n];
    rand::rng().fill(&mut b[..]);
    let mut s = base64::engine::general_purpose::URL_SAFE.encode(&b);
    s.truncate(n);
    s
}
