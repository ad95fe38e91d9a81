//! Lab 4B/4C: a fault-tolerant key/value service (Go's `kvraft1`): `client` (the clerk,
//! which finds the leader among the servers) and `server` (the key/value state machine
//! behind `rsm`).
//!
//! Built with `--features starter`, the crate is the student's skeleton instead
//! (`src/starter/`), which compiles against the same tests and fails them as Go's does.

#[cfg(not(feature = "starter"))]
mod client;
#[cfg(not(feature = "starter"))]
mod server;

#[cfg(feature = "starter")]
#[path = "starter/client.rs"]
mod client;
#[cfg(feature = "starter")]
#[path = "starter/server.rs"]
mod server;

pub use client::{Clerk, make_clerk};
pub use server::{KVServer, start_kv_server};
