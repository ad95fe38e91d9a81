//! tester: Go's `tester1` for the Rust Raft lab. A [`Config`] owns a test's simulated
//! network and server groups; the tests crash, restart and cut off servers through it, and
//! it prints Go's Begin and Passed lines byte for byte.

mod clnts;
mod config;
mod group;
mod persister;
mod srv;

pub use clnts::{Clnt, Clnts};
pub use config::{Config, TIME_LIMIT, fatalf, lower_time_limit};
pub use group::{FstartServer, GRP0, Groups, IService, ServerGrp, Tgid, server_name};
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
