//! The RPCs' arguments and replies (Figures 2 and 13 of the extended Raft paper).

use crate::log::Entry;
use serde::{Deserialize, Serialize};

/// RequestVote arguments.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct RequestVoteArgs {
    /// Candidate's term.
    pub term: i64,
    /// Candidate requesting the vote.
    pub candidate_id: usize,
    /// Index of the candidate's last log entry.
    pub last_log_index: i64,
    /// Term of the candidate's last log entry.
    pub last_log_term: i64,
    /// Only asking whether the vote would be granted in `term` (the pre-vote of §9.6 of
    /// Ongaro's thesis): nobody's state changes.
    pub pre_vote: bool,
}

/// RequestVote reply.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct RequestVoteReply {
    /// Current term, for the candidate to update itself.
    pub term: i64,
    /// Whether the candidate received the vote.
    pub vote_granted: bool,
}

/// AppendEntries arguments (also the heartbeat).
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct AppendEntriesArgs {
    /// Leader's term.
    pub term: i64,
    /// The leader, so followers can redirect clients.
    pub leader_id: usize,
    /// Index of the entry just before the new ones.
    pub prev_log_index: i64,
    /// Term of that entry.
    pub prev_log_term: i64,
    /// Entries to store (empty for a heartbeat).
    pub entries: Vec<Entry>,
    /// Leader's commit index.
    pub leader_commit: i64,
}

/// AppendEntries reply, with the fields for backing up quickly over a conflict.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct AppendEntriesReply {
    /// Current term, for the leader to update itself.
    pub term: i64,
    /// Whether the follower had an entry matching prev_log_index and prev_log_term.
    pub success: bool,
    /// Term of the conflicting entry (-1 if the follower's log is too short).
    pub x_term: i64,
    /// First index the follower holds with term `x_term`.
    pub x_index: i64,
    /// The follower's log length (its last index + 1).
    pub x_len: i64,
}

/// InstallSnapshot arguments (sent whole, no chunks).
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct InstallSnapshotArgs {
    /// Leader's term.
    pub term: i64,
    /// The leader.
    pub leader_id: usize,
    /// The snapshot replaces all entries up to and including this index.
    pub last_included_index: i64,
    /// Term of that entry.
    pub last_included_term: i64,
    /// The service's snapshot.
    pub data: Vec<u8>,
}

/// InstallSnapshot reply.
#[derive(Serialize, Deserialize, Debug, Default, Clone)]
pub struct InstallSnapshotReply {
    /// Current term, for the leader to update itself.
    pub term: i64,
}
