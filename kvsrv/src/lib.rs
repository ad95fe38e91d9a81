//! Lab 2: a key/value server with versioned Puts on one machine, and its clerk (Go's
//! `kvsrv1`): `client` (the clerk) and `server` (the server), plus `test`, the harness the
//! lock's tests reuse.
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

pub mod test;

pub use client::{Clerk, make_clerk};
pub use server::{KVServer, make_kv_server, start_kv_server};
