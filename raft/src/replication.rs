//! Log replication (§5.3) and commitment (§5.4.2): AppendEntries, the leader's replicators,
//! and the fast backup of nextIndex over a conflicting follower log.

use crate::dprintf;
use crate::raft::{BATCH_GAP, HEARTBEAT, QUICK_FAILURE, Raft, Role, State, election_timeout, go};
use crate::rpc::{AppendEntriesArgs, AppendEntriesReply, InstallSnapshotArgs};
use std::sync::Arc;
use std::time::Instant;

impl Raft {
    /// AppendEntries handler: accept the leader, check that our log matches at
    /// prev_log_index, store the new entries, and learn the commit index.
    pub(crate) fn append_entries(&self, args: &AppendEntriesArgs, reply: &mut AppendEntriesReply) {
        let mut st = self.lock();
        let from_leader = self.hear_from_leader(&mut st, args.term);
        reply.term = st.current_term;
        if !from_leader {
            return;
        }

        // Entries up to our snapshot are committed, hence equal to the leader's: skip them.
        let base = st.log.base_index();
        let (prev, prev_term, entries) = if args.prev_log_index >= base {
            (args.prev_log_index, args.prev_log_term, &args.entries[..])
        } else {
            let skip = (base - args.prev_log_index) as usize;
            if skip >= args.entries.len() {
                reply.success = true; // all of it is in our snapshot already
                return;
            }
            (base, st.log.base_term(), &args.entries[skip..])
        };

        if prev > st.log.last_index() {
            reply.x_term = -1;
            reply.x_len = st.log.last_index() + 1;
            return;
        }
        match st.log.term_at(prev) {
            Some(t) if t == prev_term => {}
            t => {
                let t = t.unwrap_or(-1);
                reply.x_term = t;
                reply.x_index = st.log.first_index_of_term(t, prev);
                reply.x_len = st.log.last_index() + 1;
                return;
            }
        }

        // Append what is new; cut our log only where it conflicts, since an old, reordered
        // AppendEntries must not remove entries a newer one added.
        let mut changed = false;
        for (i, e) in entries.iter().enumerate() {
            let index = prev + 1 + i as i64;
            match st.log.term_at(index) {
                Some(t) if t == e.term => continue,
                Some(_) => st.log.truncate_from(index),
                None => {}
            }
            for e in &entries[i..] {
                st.log.push(e.clone());
            }
            changed = true;
            break;
        }
        if changed {
            self.persist(&mut st);
            dprintf!(
                "LOG2",
                self.me,
                "T{} from S{}: log now ends at I{}",
                st.current_term,
                args.leader_id,
                st.log.last_index()
            );
        }
        reply.success = true;
        let last_new = prev + entries.len() as i64;
        if args.leader_commit > st.commit_index {
            let commit = args.leader_commit.min(last_new);
            if commit > st.commit_index {
                st.commit_index = commit;
                self.apply_cond.notify_all();
            }
        }
    }

    /// What a request from a leader in `term` means to us: a newer term is adopted; an older
    /// one is refused (false); otherwise we follow the sender and restart the election timer.
    pub(crate) fn hear_from_leader(&self, st: &mut State, term: i64) -> bool {
        st.heard_any = true;
        if term > st.current_term {
            self.become_follower(st, term);
        }
        if term < st.current_term {
            return false;
        }
        st.role = Role::Follower;
        st.last_heard = Instant::now();
        st.election_deadline = st.last_heard + election_timeout();
        true
    }

    /// Keeps `peer` up to date while this peer leads: new entries go out in batches at most
    /// every BATCH_GAP, one request at a time while replies come back promptly; a new
    /// commit index alone goes out at once (if entries are waiting, it rides with them); and
    /// a heartbeat goes out when the peer has heard nothing for a heartbeat interval.
    pub(crate) fn replicator(self: Arc<Self>, peer: usize) {
        let mut st = self.lock();
        while !self.killed() {
            if st.role != Role::Leader {
                st = self.repl_cond[peer].wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            let now = Instant::now();
            let heartbeat = st.last_sent[peer] + HEARTBEAT;
            let batch = st.last_sent[peer] + BATCH_GAP;
            let entries = st.next_index[peer] <= st.log.last_index();
            let idle = !st.in_flight[peer];
            let send = now >= heartbeat
                || idle
                    && (st.send_now[peer]
                        || entries && now >= batch
                        || !entries && st.commit_sent[peer] < st.commit_index);
            if send {
                st.send_now[peer] = false;
                st.in_flight[peer] = true;
                st.last_sent[peer] = now;
                st.commit_sent[peer] = st.commit_index;
                // Counted as asked even if no thread could send it: a peer we cannot reach
                // is not one that answers.
                st.unanswered_since[peer].get_or_insert(now);
                if !self.send_to(peer, &st) {
                    st.in_flight[peer] = false; // not sent: the next heartbeat tries again
                }
            } else {
                let until = if entries && idle { batch.min(heartbeat) } else { heartbeat };
                let wait = until.saturating_duration_since(now);
                st = self.repl_cond[peer].wait_timeout(st, wait).unwrap_or_else(|p| p.into_inner()).0;
            }
        }
    }

    /// Sends `peer` an AppendEntries from its nextIndex, or the snapshot if the log no longer
    /// reaches back that far; the call runs on a thread of its own. False if it could not
    /// be sent.
    fn send_to(self: &Arc<Self>, peer: usize, st: &State) -> bool {
        let next = st.next_index[peer];
        if next <= st.log.base_index() {
            let args = InstallSnapshotArgs {
                term: st.current_term,
                leader_id: self.me,
                last_included_index: st.log.base_index(),
                last_included_term: st.log.base_term(),
                data: st.snapshot.clone(),
            };
            return go(self, "snapshot", move |rf| rf.send_install_snapshot(peer, args));
        }
        let prev = next - 1;
        let args = AppendEntriesArgs {
            term: st.current_term,
            leader_id: self.me,
            prev_log_index: prev,
            prev_log_term: st.log.term_at(prev).unwrap_or(-1),
            entries: st.log.from(next),
            leader_commit: st.commit_index,
        };
        go(self, "append", move |rf| rf.send_append_entries(peer, args))
    }

    fn send_append_entries(&self, peer: usize, args: AppendEntriesArgs) {
        let mut reply = AppendEntriesReply::default();
        let sent = Instant::now();
        let ok = self.peers[peer].call("Raft.AppendEntries", &args, &mut reply);
        let mut st = self.lock();
        self.call_done(&mut st, peer, ok, sent);
        if ok {
            self.handle_append_reply(&mut st, peer, &args, &reply);
        }
    }

    /// Bookkeeping after any AppendEntries or InstallSnapshot call: the peer may be sent to
    /// again, counts as alive if it answered, and a request lost on a live link goes again
    /// at once.
    pub(crate) fn call_done(&self, st: &mut State, peer: usize, ok: bool, sent: Instant) {
        st.in_flight[peer] = false;
        if ok {
            if st.unanswered_since[peer].is_some_and(|since| since <= sent) {
                st.unanswered_since[peer] = None;
            }
        } else if sent.elapsed() < QUICK_FAILURE {
            st.send_now[peer] = true;
        }
        self.repl_cond[peer].notify_all();
    }

    fn handle_append_reply(
        &self,
        st: &mut State,
        peer: usize,
        args: &AppendEntriesArgs,
        reply: &AppendEntriesReply,
    ) {
        if reply.term > st.current_term {
            self.become_follower(st, reply.term);
            return;
        }
        if st.role != Role::Leader || st.current_term != args.term {
            return; // a reply to an old term's request
        }
        if reply.success {
            let matched = args.prev_log_index + args.entries.len() as i64;
            if matched > st.match_index[peer] {
                st.match_index[peer] = matched;
                self.advance_commit(st);
            }
            st.next_index[peer] = st.next_index[peer].max(matched + 1);
        } else {
            // Back up over the whole conflicting term at once (XTerm/XIndex/XLen).
            let next = if reply.x_term == -1 {
                reply.x_len
            } else {
                match st.log.last_index_of_term(reply.x_term) {
                    Some(i) => i + 1,
                    None => reply.x_index,
                }
            };
            st.next_index[peer] = next.max(st.match_index[peer] + 1).min(st.log.last_index() + 1);
            dprintf!(
                "DROP",
                self.me,
                "T{} S{peer} conflicts, next I{}",
                st.current_term,
                st.next_index[peer]
            );
        }
        if st.next_index[peer] <= st.log.last_index() || !reply.success {
            st.send_now[peer] = true;
        }
    }

    /// Commits the highest index of the current term that a majority holds (§5.4.2: older
    /// terms' entries commit only with it); followers hear of it at once.
    pub(crate) fn advance_commit(&self, st: &mut State) {
        let majority = self.peers.len() / 2 + 1;
        for n in (st.commit_index + 1..=st.log.last_index()).rev() {
            match st.log.term_at(n) {
                Some(t) if t == st.current_term => {}
                Some(t) if t < st.current_term => break,
                _ => continue,
            }
            if st.match_index.iter().filter(|&&m| m >= n).count() >= majority {
                dprintf!("CMIT", self.me, "T{} commit I{n}", st.current_term);
                st.commit_index = n;
                self.apply_cond.notify_all();
                self.wake_replicators();
                break;
            }
        }
    }
}
