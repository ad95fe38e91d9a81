//! The applier: hands committed commands (and installed snapshots) to the service, in
//! index order, without holding the lock while the service takes them.

use crate::raft::{APPLY_RETRY, Raft};
use crossbeam_channel::{SendTimeoutError, Sender};
use raftapi::ApplyMsg;
use std::sync::Arc;

impl Raft {
    /// Waits for `commit_index` to pass `last_applied` (or for a snapshot from the leader)
    /// and sends the messages; the only writer of `last_applied`. Exits when killed, which
    /// drops `apply_ch` and so tells the service.
    pub(crate) fn applier(self: Arc<Self>, apply_ch: Sender<ApplyMsg>) {
        let mut st = self.lock();
        while !self.killed() {
            let (msgs, upto) = if st.snapshot_pending {
                st.snapshot_pending = false;
                if st.log.base_index() <= st.last_applied {
                    continue; // the service is past it already
                }
                let (index, term) = (st.log.base_index(), st.log.base_term());
                (vec![ApplyMsg::snapshot(st.snapshot.clone(), term, index)], index)
            } else if st.last_applied < st.commit_index {
                let upto = st.commit_index;
                let msgs = (st.last_applied + 1..=upto)
                    .map(|i| {
                        // Committed entries above the snapshot are always in the log; say so
                        // loudly if that ever breaks rather than skip an index.
                        let entry = st.log.entry(i).expect("raft: a committed entry is missing from the log");
                        ApplyMsg::command(
                            entry.command.clone().expect("raft: a log entry without a command"),
                            i,
                        )
                    })
                    .collect();
                (msgs, upto)
            } else {
                st = self.apply_cond.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            };
            drop(st);
            {
                let _handing_over = self.apply_gate.lock().unwrap_or_else(|p| p.into_inner());
                for mut m in msgs {
                    // A killed peer must fall silent at once: its restarted successor now
                    // answers for its index with the service (kill waits for this loop).
                    if self.killed() {
                        return;
                    }
                    loop {
                        match apply_ch.send_timeout(m, APPLY_RETRY) {
                            Ok(()) => break,
                            Err(SendTimeoutError::Disconnected(_)) => return,
                            Err(SendTimeoutError::Timeout(back)) if !self.killed() => m = back,
                            Err(SendTimeoutError::Timeout(_)) => return,
                        }
                    }
                }
            }
            st = self.lock();
            st.last_applied = st.last_applied.max(upto);
        }
    }
}
