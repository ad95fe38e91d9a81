//! Persistence (3C): currentTerm, votedFor and the log, saved with labgob at every change
//! (with the snapshot, which must be saved alongside), and read back by `make`. The state is
//! labgob values back to back, as Go's repeated `Encode` calls write them: the term, the vote,
//! the log's base index, then each log entry.

use crate::log::Log;
use crate::raft::{Raft, State};
use labgob::{Decoder, Encoder};

impl Raft {
    /// Saves the persistent state and the snapshot; the caller holds the lock.
    pub(crate) fn persist(&self, st: &mut State) {
        let mut e = Encoder::new();
        let header = e
            .encode(&st.current_term)
            .and_then(|_| e.encode(&st.voted_for))
            .and_then(|_| e.encode(&st.log.base_index()));
        match header.and_then(|_| st.log.encoded()) {
            Ok(entries) => self.persister.save_owned([e.bytes(), entries].concat(), Some(&st.snapshot)),
            Err(err) => panic!("raft S{}: cannot persist the Raft state: {err}", self.me),
        }
    }

    /// Restores what a previous instance persisted; nothing at all means a fresh start.
    pub(crate) fn read_persist(&self) {
        let data = self.persister.read_raft_state();
        if data.is_empty() {
            return;
        }
        let mut d = Decoder::new(&data);
        let decoded = (|| {
            let (term, voted_for, base) = (d.decode()?, d.decode()?, d.decode()?);
            Ok::<_, labgob::Error>((term, voted_for, Log::decode(base, &mut d)?))
        })();
        let (term, voted_for, log) = match decoded {
            Ok((term, voted_for, Some(log))) => (term, voted_for, log),
            Ok(_) => panic!("raft S{}: the persisted Raft state is corrupt: it holds no log", self.me),
            Err(err) => panic!("raft S{}: the persisted Raft state is corrupt: {err}", self.me),
        };
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

#[cfg(test)]
mod tests {
    use crate::log::Entry;
    use crate::raft::Raft;
    use labgob::{Any, Encoder};
    use std::sync::Arc;
    use tester::Persister;

    /// A lone peer over `persister` (no one to elect it: it only reads its state back).
    fn peer(persister: &Arc<Persister>) -> Arc<Raft> {
        crate::raft::tests::peer(1, persister, 1).0
    }

    #[test]
    fn state_survives_a_restart_after_appends_truncations_and_compaction() {
        let p = Persister::new();
        let rf = peer(&p);
        {
            let mut st = rf.lock();
            st.current_term = 7;
            st.voted_for = Some(0);
            for i in 1..=10 {
                st.log.push(Entry { term: i / 4 + 1, command: Some(Any::from(i * 100)) });
                rf.persist(&mut st);
            }
            st.log.truncate_from(8); // 1..=7 left
            rf.persist(&mut st);
            st.log.push(Entry { term: 7, command: Some(Any::from("x")) });
            st.log.compact(3, 1); // 4..=8 left
            st.snapshot = b"snap".to_vec();
            rf.persist(&mut st);
        }
        let want = rf.lock().log.from(0);
        rf.kill();
        let again = peer(&p);
        let st = again.lock();
        assert_eq!((st.current_term, st.voted_for), (7, Some(0)));
        assert_eq!(st.log.from(0), want);
        assert_eq!((st.log.base_index(), st.log.last_index(), st.log.base_term()), (3, 8, 1));
        assert_eq!(st.log.entry(8).and_then(|e| e.command.clone()), Some(Any::from("x")));
        assert_eq!(st.log.entry(4).and_then(|e| e.command.clone()), Some(Any::from(400)));
        assert_eq!((st.commit_index, st.last_applied, st.snapshot.as_slice()), (3, 3, &b"snap"[..]));
        drop(st);
        again.kill();
    }

    #[test]
    #[should_panic(expected = "raft S0: the persisted Raft state is corrupt")]
    fn garbage_state_is_a_clear_error() {
        let p = Persister::new();
        p.save(b"not labgob at all", None);
        peer(&p);
    }

    #[test]
    #[should_panic(expected = "raft S0: the persisted Raft state is corrupt: it holds no log")]
    fn a_state_without_a_log_is_a_clear_error() {
        let mut e = Encoder::new();
        e.encode(&3i64).unwrap();
        e.encode(&None::<usize>).unwrap();
        e.encode(&0i64).unwrap();
        let p = Persister::new();
        p.save(e.bytes(), None);
        peer(&p);
    }
}
