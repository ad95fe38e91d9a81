//! The Raft peer of Lab 3, following Figure 2 of the extended Raft paper, one concern per
//! file: `raft` (state, `make`, API, ticker), `election`, `replication`, `persist`,
//! `snapshot`, `applier`, `rpc` (argument and reply types) and `log` (index arithmetic).
//!
//! Built with `--features starter`, the crate is the student's skeleton instead
//! (`src/starter/`), which compiles against the same tests and fails them as Go's does.

pub mod util;

#[cfg(not(feature = "starter"))]
mod applier;
#[cfg(not(feature = "starter"))]
mod election;
#[cfg(not(feature = "starter"))]
mod log;
#[cfg(not(feature = "starter"))]
mod persist;
#[cfg(not(feature = "starter"))]
mod raft;
#[cfg(not(feature = "starter"))]
mod replication;
#[cfg(not(feature = "starter"))]
mod rpc;
#[cfg(not(feature = "starter"))]
mod snapshot;

#[cfg(not(feature = "starter"))]
pub use raft::{Raft, make};

#[cfg(feature = "starter")]
#[path = "starter/raft.rs"]
mod raft;
#[cfg(feature = "starter")]
pub use raft::{Raft, make};
