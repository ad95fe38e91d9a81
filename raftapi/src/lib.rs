//! raftapi: what a Raft peer offers the services above it (the tester, Lab 4's key/value
//! server), as in Go's `raftapi` package.

pub use labgob::Any;

/// A Raft peer as the tester and services see it.
pub trait Raft: Send + Sync {
    /// Starts agreement on `command`; returns at once with (the index it will have if it is
    /// ever committed, the current term, whether this peer believes it is the leader).
    fn start(&self, command: Any) -> (i64, i64, bool);

    /// The current term and whether this peer believes it is the leader.
    fn get_state(&self) -> (i64, bool);

    /// The service has a snapshot of everything through `index`; Raft may trim its log (3D).
    fn snapshot(&self, index: i64, snapshot: Vec<u8>);

    /// The size in bytes of Raft's persisted state (3D and Lab 4C).
    fn persist_bytes(&self) -> usize;

    /// Stops the peer: its threads exit soon and it no longer acts as a leader.
    fn kill(&self);

    /// The current term and role, for the tester's failure timeline only (Go's Raft has no
    /// such method). The default tells nothing: the timeline then knows leaders from
    /// `get_state` but cannot tell candidates from followers.
    fn debug_role(&self) -> Option<(i64, Role)> {
        None
    }
}

/// What a peer is in its current term (Figure 2's three states).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Follows a leader, or waits for one.
    Follower,
    /// Asks for votes.
    Candidate,
    /// Leads the term.
    Leader,
}

/// What a peer sends on its apply channel: a newly committed command (`command_valid`), or
/// a snapshot to install (`snapshot_valid`). Other kinds of message set `command_valid` false.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApplyMsg {
    /// The message carries a newly committed command.
    pub command_valid: bool,
    /// The committed command.
    pub command: Option<Any>,
    /// The command's log index.
    pub command_index: i64,

    /// The message carries a snapshot (3D).
    pub snapshot_valid: bool,
    /// The snapshot's bytes.
    pub snapshot: Vec<u8>,
    /// The term of the last entry the snapshot covers.
    pub snapshot_term: i64,
    /// The index of the last entry the snapshot covers.
    pub snapshot_index: i64,
}

impl ApplyMsg {
    /// A message carrying the committed `command` at `index`.
    pub fn command(command: Any, index: i64) -> ApplyMsg {
        ApplyMsg { command_valid: true, command: Some(command), command_index: index, ..Default::default() }
    }

    /// A message carrying a snapshot through `index` (whose entry has `term`).
    pub fn snapshot(snapshot: Vec<u8>, term: i64, index: i64) -> ApplyMsg {
        ApplyMsg {
            snapshot_valid: true,
            snapshot,
            snapshot_term: term,
            snapshot_index: index,
            ..Default::default()
        }
    }
}
