//! Lab 4A: a replicated state machine on Raft (Go's `kvraft1/rsm`). A server calls
//! [`make_rsm`] with its [`StateMachine`]; [`RSM::submit`] runs a request through Raft and
//! returns what the state machine answered once the request is committed and applied, on
//! every server, in log order.
//!
//! Built with `--features starter`, the crate is the student's skeleton instead
//! (`src/starter/rsm.rs`), which compiles against the same tests and fails them as Go's does.
//! It runs on the `raft` crate's peer: add `--features raft/starter` to run it on yours.

#[cfg(not(feature = "starter"))]
mod rsm;

#[cfg(feature = "starter")]
#[path = "starter/rsm.rs"]
mod rsm;

pub use rsm::{Op, RSM, StateMachine, make_rsm};

use tester::{Config, Tgid};

/// Whether some server of group `gid` thinks it is the Raft leader, and the first that does
/// (Go's `rsm.Leader`, which the kvraft tests use too).
pub fn leader(cfg: &Config, gid: Tgid) -> (bool, usize) {
    for (i, services) in cfg.group(gid).services().iter().enumerate() {
        for s in services.iter().flatten() {
            if let Some(rf) = s.as_raft()
                && rf.get_state().1
            {
                return (true, i);
            }
        }
    }
    (false, 0)
}
