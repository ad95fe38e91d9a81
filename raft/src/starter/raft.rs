//! Your Raft peer: the skeleton of Go's `raft1/raft.go`, in Rust.
//!
//! This is an outline of the API that raft must expose to the service (or tester). See the
//! comments below for each of these functions for more details.
//!
//! - `make(peers, me, persister, apply_ch)` creates a new Raft server.
//! - `rf.start(command)` starts agreement on a new log entry.
//! - `rf.get_state()` asks a Raft for its current term, and whether it thinks it is leader.
//! - Each time a new entry is committed to the log, each Raft peer should send an
//!   `ApplyMsg` to the service (or tester) on `apply_ch`.
//!
//! Build and test it with `cargo test -p raft --features starter 3A`.

#![allow(dead_code, unused_variables, clippy::needless_return)]

use crossbeam_channel::Sender;
use labgob::Any;
use labrpc::{ClientEnd, Service};
use raftapi::ApplyMsg;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tester::{IService, Persister};

use crate::dprintf;

/// A Go object implementing a single Raft peer.
pub struct Raft {
    /// Lock to protect shared access to this peer's state.
    mu: Mutex<State>,
    /// RPC end points of all peers.
    peers: Vec<ClientEnd>,
    /// Object to hold this peer's persisted state.
    persister: Arc<Persister>,
    /// This peer's index into peers[].
    me: usize,
    /// Set by kill().
    dead: AtomicBool,
}

/// Your data here (3A, 3B, 3C).
/// Look at the paper's Figure 2 for a description of what state a Raft server must
/// maintain.
#[derive(Default)]
struct State {}

impl Raft {
    /// Returns currentTerm and whether this server believes it is the leader.
    pub fn get_state(&self) -> (i64, bool) {
        let term = 0;
        let is_leader = false;
        // Your code here (3A).
        (term, is_leader)
    }

    /// Saves Raft's persistent state to stable storage, where it can later be retrieved
    /// after a crash and restart. See paper's Figure 2 for a description of what should be
    /// persistent. Before you've implemented snapshots, you should pass None as the second
    /// argument to persister.save(). After you've implemented snapshots, pass the current
    /// snapshot (or None if there's not yet a snapshot).
    fn persist(&self) {
        // Your code here (3C).
        // Example:
        // let mut e = labgob::Encoder::new();
        // e.encode(&self.xxx).unwrap();
        // e.encode(&self.yyy).unwrap();
        // self.persister.save(e.bytes(), None);
    }

    /// Restores previously persisted state.
    fn read_persist(&self, data: &[u8]) {
        if data.is_empty() {
            // bootstrap without any state?
            return;
        }
        // Your code here (3C).
        // Example:
        // let mut d = labgob::Decoder::new(data);
        // let xxx: i64 = d.decode().expect("corrupt state");
        // let yyy: i64 = d.decode().expect("corrupt state");
    }

    /// How many bytes in Raft's persisted log?
    pub fn persist_bytes(&self) -> usize {
        let _guard = self.mu.lock().unwrap();
        self.persister.raft_state_size()
    }

    /// The service says it has created a snapshot that has all info up to and including
    /// index. This means the service no longer needs the log through (and including) that
    /// index. Raft should now trim its log as much as possible.
    pub fn snapshot(&self, index: i64, snapshot: Vec<u8>) {
        // Your code here (3D).
    }

    /// Example RequestVote RPC handler.
    fn request_vote(&self, args: &RequestVoteArgs, reply: &mut RequestVoteReply) {
        // Your code here (3A, 3B).
    }

    /// Example code to send a RequestVote RPC to a server.
    /// `server` is the index of the target server in self.peers[].
    /// Expects RPC arguments in args.
    /// Fills in *reply with RPC reply, so caller should pass &mut reply.
    /// The types of the args and reply passed to call() must be the same as the types of
    /// the arguments declared in the handler function (including whether they are
    /// references).
    ///
    /// The labrpc package simulates a lossy network, in which servers may be unreachable,
    /// and in which requests and replies may be lost. call() sends a request and waits for
    /// a reply. If a reply arrives within a timeout interval, call() returns true;
    /// otherwise call() returns false. Thus call() may not return for a while. A false
    /// return can be caused by a dead server, a live server that can't be reached, a lost
    /// request, or a lost reply.
    ///
    /// call() is guaranteed to return (perhaps after a delay) *except* if the handler
    /// function on the server side does not return. Thus there is no need to implement
    /// your own timeouts around call().
    ///
    /// Look at the comments in labrpc/src/network.rs for more details.
    ///
    /// If you're having trouble getting RPC to work, check that you've registered the
    /// handler in rpc_service() below, and that the argument and reply types match.
    fn send_request_vote(&self, server: usize, args: &RequestVoteArgs, reply: &mut RequestVoteReply) -> bool {
        self.peers[server].call("Raft.RequestVote", args, reply)
    }

    /// The service using Raft (e.g. a k/v server) wants to start agreement on the next
    /// command to be appended to Raft's log. If this server isn't the leader, returns
    /// false. Otherwise start the agreement and return immediately. There is no guarantee
    /// that this command will ever be committed to the Raft log, since the leader may fail
    /// or lose an election. Even if the Raft instance has been killed, this function should
    /// return gracefully.
    ///
    /// The first return value is the index that the command will appear at if it's ever
    /// committed. The second return value is the current term. The third return value is
    /// true if this server believes it is the leader.
    pub fn start(&self, command: Any) -> (i64, i64, bool) {
        let index = -1;
        let term = -1;
        let is_leader = true;
        // Your code here (3B).
        (index, term, is_leader)
    }

    /// The tester doesn't halt threads created by Raft after each test, but it does call
    /// the kill() method. Your code can use killed() to check whether kill() has been
    /// called. The use of an atomic avoids the need for a lock.
    ///
    /// The issue is that long-running threads use memory and may chew up CPU time, perhaps
    /// causing later tests to fail and generating confusing debug output. Any thread with a
    /// long-running loop should call killed() to check whether it should stop.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        // Your code here, if desired.
    }

    fn killed(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    fn ticker(&self) {
        while !self.killed() {
            // Your code here (3A)
            // Check if a leader election should be started.

            // pause for a random amount of time between 50 and 350 milliseconds.
            let ms = 50 + rand::rng().random_range(0..300);
            std::thread::sleep(Duration::from_millis(ms));
        }
    }
}

/// Example RequestVote RPC arguments structure.
/// Every field must be serializable (the derive does it; private fields are fine).
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct RequestVoteArgs {
    // Your data here (3A, 3B).
}

/// Example RequestVote RPC reply structure.
#[derive(Serialize, Deserialize, Default, Debug, Clone)]
pub struct RequestVoteReply {
    // Your data here (3A).
}

/// The service or tester wants to create a Raft server. The ports of all the Raft servers
/// (including this one) are in peers[]. This server's port is peers[me]. All the servers'
/// peers[] arrays have the same order. persister is a place for this server to save its
/// persistent state, and also initially holds the most recent saved state, if any.
/// apply_ch is a channel on which the tester or service expects Raft to send ApplyMsg
/// messages. make() must return quickly, so it should start threads for any long-running
/// work.
pub fn make(
    peers: Vec<ClientEnd>,
    me: usize,
    persister: Arc<Persister>,
    apply_ch: Sender<ApplyMsg>,
) -> Arc<Raft> {
    let rf = Arc::new(Raft {
        mu: Mutex::new(State::default()),
        peers,
        persister,
        me,
        dead: AtomicBool::new(false),
    });

    // Your initialization code here (3A, 3B, 3C).

    // initialize from state persisted before a crash
    rf.read_persist(&rf.persister.read_raft_state());

    // Debug printing: shown with VERBOSE=1, free otherwise (see util.rs).
    dprintf!("INIT", me, "started with {} peers", rf.peers.len());

    // start ticker thread to start elections
    let r = rf.clone();
    std::thread::spawn(move || r.ticker());

    rf
}

impl raftapi::Raft for Raft {
    fn start(&self, command: Any) -> (i64, i64, bool) {
        Raft::start(self, command)
    }
    fn get_state(&self) -> (i64, bool) {
        Raft::get_state(self)
    }
    fn snapshot(&self, index: i64, snapshot: Vec<u8>) {
        Raft::snapshot(self, index, snapshot)
    }
    fn persist_bytes(&self) -> usize {
        Raft::persist_bytes(self)
    }
    fn kill(&self) {
        Raft::kill(self)
    }
    // Optional, for debugging: `fn debug_role(&self) -> Option<(i64, raftapi::Role)>`, your
    // term and role, lets the failure timeline tell candidates from followers.
}

impl IService for Raft {
    fn kill(&self) {
        Raft::kill(self)
    }
    /// The RPC handlers other peers can call, as "Raft.<name>"; add yours here.
    fn rpc_service(self: Arc<Self>) -> Option<Service> {
        Some(Service::builder(self).method("RequestVote", Raft::request_vote).build())
    }
    /// Lets the Lab 4 tests find this peer among a server's services.
    fn as_raft(&self) -> Option<&dyn raftapi::Raft> {
        Some(self)
    }
}
