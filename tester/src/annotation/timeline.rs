//! The data a failure timeline shows, as the page embeds it (JSON).

use serde::{Deserialize, Serialize};

/// One annotation on a tag's lane, like porcupine's: a point (`end` is `None`) or an
/// interval. Times are nanoseconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// The lane it goes on.
    pub tag: String,
    /// When it happened or began.
    pub start: i64,
    /// When it ended; `None` for a point.
    pub end: Option<i64>,
    /// The short text shown on the timeline.
    pub description: String,
    /// The longer text shown on hover.
    pub details: String,
    /// Its background colour (`#RRGGBB`).
    pub color: String,
}

/// A peer's state from `at` on, until its next sample.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerSample {
    /// When the state was first seen.
    pub at: i64,
    /// The peer's term (for a down peer, its last known term); -1 if unknown.
    pub term: i64,
    /// Whether the peer thought it was the leader.
    pub leader: bool,
    /// Whether a peer that is not the leader was a candidate; `None` if the peer does not
    /// tell (its Raft has no `debug_role`).
    #[serde(default)]
    pub candidate: Option<bool>,
    /// False while the peer is crashed (shut down).
    pub alive: bool,
}

/// Which servers the tester had connected and crashed from `at` on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetState {
    /// When the tester changed them.
    pub at: i64,
    /// Whether each server was connected.
    pub connected: Vec<bool>,
    /// Whether each server was crashed.
    pub crashed: Vec<bool>,
}

/// The network's settings from `at` on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetMode {
    /// When the tester set them.
    pub at: i64,
    /// Whether no request or reply was lost or delayed.
    pub reliable: bool,
    /// Whether calls to dead servers took up to 7 s to fail.
    pub long_delays: bool,
    /// Whether replies were delayed enough to be reordered.
    pub long_reordering: bool,
}

impl NetMode {
    /// The settings in words: `unreliable, long delays`.
    pub fn describe(&self) -> String {
        let mut words = vec![if self.reliable { "reliable" } else { "unreliable" }];
        if self.long_delays {
            words.push("long delays");
        }
        if self.long_reordering {
            words.push("long reordering");
        }
        words.join(", ")
    }
}

/// One test's timeline: everything the page draws.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timeline {
    /// The test's name, from `annotate_test`.
    pub test: String,
    /// The number of servers, from `annotate_test`.
    pub servers: usize,
    /// The test's description line, from `Config::begin`.
    pub description: String,
    /// "test failed", "test passed" or "interrupted"; empty until the test ends.
    pub result: String,
    /// When the test (or the first recording) began.
    pub start: i64,
    /// When the timeline was finalized.
    pub end: i64,
    /// The annotations, in the order they were recorded.
    pub annotations: Vec<Annotation>,
    /// Each peer's state changes, indexed by peer.
    pub peers: Vec<Vec<PeerSample>>,
    /// The tester's connection and crash changes.
    pub network: Vec<NetState>,
    /// The network's settings as the test began, then each change.
    #[serde(default)]
    pub modes: Vec<NetMode>,
}

impl Timeline {
    /// Whether nothing at all was recorded.
    pub fn is_empty(&self) -> bool {
        self.annotations.is_empty() && self.peers.iter().all(Vec::is_empty)
    }
}
