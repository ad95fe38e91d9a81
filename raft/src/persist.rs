//! Persistence (3C): currentTerm, votedFor and the log, saved with labgob at every change
//! (with the snapshot, which must be saved alongside), and read back by `make`.

use crate::log::Log;
use crate::raft::{Raft, State};
use labgob::{Decoder, Encoder};

impl Raft {
    /// Saves the persistent state and the snapshot; the caller holds the lock.
    pub(crate) fn persist(&self, st: &State) {
        let mut e = Encoder::new();
        let written =
            e.encode(&st.current_term).and_then(|_| e.encode(&st.voted_for)).and_then(|_| e.encode(&st.log));
        if let Err(err) = written {
            panic!("raft S{}: cannot persist the Raft state: {err}", self.me);
        }
        self.persister.save(e.bytes(), Some(&st.snapshot));
    }

    /// Restores what a previous instance persisted; nothing at all means a fresh start.
    pub(crate) fn read_persist(&self) {
        let data = self.persister.read_raft_state();
        if data.is_empty() {
            return;
        }
        let mut d = Decoder::new(&data);
        let decoded = (|| Ok::<_, labgob::Error>((d.decode()?, d.decode()?, d.decode::<Log>()?)))();
        let (term, voted_for, log) = decoded
            .unwrap_or_else(|err| panic!("raft S{}: the persisted Raft state is corrupt: {err}", self.me));
        let mut st = self.lock();
        st.current_term = term;
        st.voted_for = voted_for;
        st.log = log;
        st.snapshot = self.persister.read_snapshot();
        // The service restores the snapshot itself when it restarts.
        st.commit_index = st.log.base_index();
        st.last_applied = st.log.base_index();
    }
}
