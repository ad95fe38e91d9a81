//! labrpc: Go's simulated RPC network, on OS threads.
//!
//! Peers talk only through [`ClientEnd::call`]; arguments and replies cross as labgob bytes,
//! so peers share no memory. The network can lose, delay and reorder messages and cut ends
//! off, with Go's numbers: see [`Network`]. A handler is a method `fn(&self, &Args, &mut
//! Reply)` registered on a [`Service`]; each request runs on a thread of its own, so a handler
//! that blocks stalls nothing else.

mod network;
mod pool;
mod service;

pub use network::{ClientEnd, LONGDELAY, Network, SHORTDELAY};
pub use service::{Server, Service, ServiceBuilder};

/// Reports a fatal misuse and ends the process, like Go's `log.Fatalf`.
pub(crate) fn fatal(msg: &str) -> ! {
    labtest::fail_process(msg)
}
