//! Lab 2's lock, built on the key/value clerk (Go's `kvsrv1/lock`).
//!
//! Built with `--features starter`, the crate is the student's skeleton instead
//! (`src/starter/lock.rs`), which compiles against the same tests and fails them as Go's does.

#[cfg(not(feature = "starter"))]
mod lock;

#[cfg(feature = "starter")]
#[path = "starter/lock.rs"]
mod lock;

pub use lock::{Lock, make_lock};
