//! Persister: where a Raft peer saves its state and snapshot, standing in for a disk.
//!
//! The tester hands a restarted server a copy of its old persister, so a killed instance
//! that keeps writing cannot change what the new one reads.

use std::sync::{Arc, Mutex};

#[derive(Default, Clone)]
struct Saved {
    raftstate: Arc<Vec<u8>>,
    snapshot: Arc<Vec<u8>>,
}

/// Holds a peer's persisted Raft state and snapshot, like Go's `tester.Persister`.
#[derive(Default)]
pub struct Persister {
    saved: Mutex<Saved>,
}

impl Persister {
    /// An empty persister.
    pub fn new() -> Arc<Persister> {
        Arc::new(Persister::default())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Saved> {
        self.saved.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new persister holding the same state.
    pub fn copy(&self) -> Arc<Persister> {
        Arc::new(Persister { saved: Mutex::new(self.lock().clone()) })
    }

    /// Saves the Raft state and the snapshot together, atomically; `None` saves an empty
    /// snapshot, as Go's `Save(state, nil)` does.
    pub fn save(&self, raftstate: &[u8], snapshot: Option<&[u8]>) {
        self.save_owned(raftstate.to_vec(), snapshot);
    }

    /// `save`, keeping `raftstate` itself rather than a copy (one copy fewer of a Raft state
    /// that may be large).
    pub fn save_owned(&self, raftstate: Vec<u8>, snapshot: Option<&[u8]>) {
        let saved = Saved {
            raftstate: Arc::new(raftstate),
            snapshot: Arc::new(snapshot.unwrap_or_default().to_vec()),
        };
        *self.lock() = saved;
    }

    /// The saved Raft state (empty if none was saved).
    pub fn read_raft_state(&self) -> Vec<u8> {
        self.lock().raftstate.to_vec()
    }

    /// The saved snapshot (empty if none was saved).
    pub fn read_snapshot(&self) -> Vec<u8> {
        self.lock().snapshot.to_vec()
    }

    /// The size of the saved Raft state in bytes.
    pub fn raft_state_size(&self) -> usize {
        self.lock().raftstate.len()
    }

    /// The size of the saved snapshot in bytes.
    pub fn snapshot_size(&self) -> usize {
        self.lock().snapshot.len()
    }
}
