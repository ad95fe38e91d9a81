//! Your replicated state machine: the skeleton of Go's `kvraft1/rsm/rsm.go`, in Rust.
//!
//! Build and test it with `cargo test -p rsm --features starter` (add `raft/starter` to run
//! it on your own Raft).

#![allow(dead_code, unused_variables, unused_imports)]

use crossbeam_channel::{Receiver, Sender, bounded};
use labgob::Any;
use labrpc::ClientEnd;
use raftapi::ApplyMsg;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use tester::Persister;

/// What goes into Raft's log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    // Your definitions here, for example the submitting server, a unique id and the
    // request (`req: Any`). labgob encodes every field.
}

/// A server (`kvraft`'s `server.rs`) that wants to replicate itself calls `make_rsm` and
/// must implement the StateMachine trait. This trait allows the rsm package to interact
/// with the server for server-specific operations: the server must implement `do_op` to
/// execute an operation (e.g., a Get or Put request), and `snapshot`/`restore` to snapshot
/// and restore the server's state.
pub trait StateMachine: Send + Sync {
    /// Runs a committed request and returns its result.
    fn do_op(&self, req: Any) -> Any;
    /// The state, as bytes.
    fn snapshot(&self) -> Vec<u8>;
    /// Replaces the state with a snapshot's.
    fn restore(&self, data: &[u8]);
}

/// Your replicated state machine.
pub struct RSM {
    mu: Mutex<()>,
    me: usize,
    rf: Arc<raft::Raft>,
    apply_ch: Receiver<ApplyMsg>,
    /// Snapshot if Raft's state grows this big (-1: never).
    maxraftstate: i64,
    sm: Arc<dyn StateMachine>,
    // Your definitions here.
}

/// `servers` contains the ports of the set of servers that will cooperate via Raft to form
/// the fault-tolerant key/value service. `me` is the index of the current server in
/// servers.
///
/// The k/v server should store snapshots through the underlying Raft implementation, which
/// should call `persister.save()` to atomically save the Raft state along with the
/// snapshot. The RSM should snapshot when Raft's saved state exceeds maxraftstate bytes, in
/// order to allow Raft to garbage-collect its log. If maxraftstate is -1, you don't need to
/// snapshot.
///
/// `make_rsm()` must return quickly, so it should start threads for any long-running work.
pub fn make_rsm(
    servers: Vec<ClientEnd>,
    me: usize,
    persister: Arc<Persister>,
    maxraftstate: i64,
    sm: Arc<dyn StateMachine>,
) -> Arc<RSM> {
    // Unbuffered, like Go's; Raft's kill() drops its sender, which closes the channel.
    let (apply_tx, apply_rx) = bounded(0);
    let rf = raft::make(servers, me, persister, apply_tx);
    Arc::new(RSM { mu: Mutex::new(()), me, rf, apply_ch: apply_rx, maxraftstate, sm })
}

impl RSM {
    /// This server's Raft peer.
    pub fn raft(&self) -> Arc<raft::Raft> {
        self.rf.clone()
    }

    /// Submit a command to Raft, and wait for it to be committed. It should return
    /// ErrWrongLeader if the client should find a new leader and try again.
    pub fn submit(&self, req: Any) -> (rpc::Err, Option<Any>) {
        // submit creates an Op structure to run a command through Raft; for example:
        // `let op = Op { me: self.me, id, req };` where req is the argument to submit and
        // id is a unique id for the op.

        // your code here
        (rpc::ErrWrongLeader, None) // i'm dead, try another server.
    }
}
