//! Log compaction (3D): the service's snapshots, and InstallSnapshot (Figure 13) for a
//! follower whose next entry the leader has already compacted away.

use crate::dprintf;
use crate::raft::{Raft, Role};
use crate::rpc::{InstallSnapshotArgs, InstallSnapshotReply};
use std::time::Instant;

impl Raft {
    /// The service has a snapshot of everything through `index`: drop the log up to it.
    pub fn snapshot(&self, index: i64, snapshot: Vec<u8>) {
        let mut st = self.lock();
        if index <= st.log.base_index() || index > st.commit_index {
            return; // stale, or not yet committed here
        }
        let Some(term) = st.log.term_at(index) else {
            return;
        };
        st.log.compact(index, term);
        st.snapshot = snapshot;
        self.persist(&mut st);
        dprintf!("SNAP", self.me, "T{} snapshot through I{index}", st.current_term);
    }

    /// InstallSnapshot handler: take the leader's snapshot if it is newer than what we have
    /// committed; the applier hands it to the service.
    pub(crate) fn install_snapshot(&self, args: &InstallSnapshotArgs, reply: &mut InstallSnapshotReply) {
        let mut st = self.lock();
        let from_leader = self.hear_from_leader(&mut st, args.term);
        reply.term = st.current_term;
        if !from_leader {
            return;
        }
        if args.last_included_index <= st.commit_index {
            return; // we have all of it already
        }
        st.log.compact(args.last_included_index, args.last_included_term);
        st.snapshot = args.data.clone();
        st.commit_index = args.last_included_index;
        st.snapshot_pending = true;
        self.persist(&mut st);
        self.apply_cond.notify_all();
        dprintf!(
            "SNAP",
            self.me,
            "T{} installed snapshot through I{}",
            st.current_term,
            args.last_included_index
        );
    }

    pub(crate) fn send_install_snapshot(&self, peer: usize, args: InstallSnapshotArgs) {
        let mut reply = InstallSnapshotReply::default();
        let sent = Instant::now();
        let ok = self.peers[peer].call("Raft.InstallSnapshot", &args, &mut reply);
        let mut st = self.lock();
        self.call_done(&mut st, peer, ok, sent);
        if ok {
            if reply.term > st.current_term {
                self.become_follower(&mut st, reply.term);
            } else if st.role == Role::Leader && st.current_term == args.term {
                let matched = args.last_included_index;
                if matched > st.match_index[peer] {
                    st.match_index[peer] = matched;
                    self.advance_commit(&mut st);
                }
                st.next_index[peer] = st.next_index[peer].max(matched + 1);
            }
        }
    }
}
