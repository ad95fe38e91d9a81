//! Leader election (§5.2) with the election restriction (§5.4.1): RequestVote.

use crate::dprintf;
use crate::raft::{Raft, Role, State, election_timeout, spawn};
use crate::rpc::{RequestVoteArgs, RequestVoteReply};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

impl Raft {
    /// RequestVote handler: grant at most one vote per term, and only to a candidate whose
    /// log is at least as up to date as ours.
    pub(crate) fn request_vote(&self, args: &RequestVoteArgs, reply: &mut RequestVoteReply) {
        let mut st = self.lock();
        if args.term > st.current_term {
            self.become_follower(&mut st, args.term);
        }
        reply.term = st.current_term;
        if args.term < st.current_term {
            return;
        }
        let up_to_date =
            (args.last_log_term, args.last_log_index) >= (st.log.last_term(), st.log.last_index());
        if st.voted_for.is_none_or(|v| v == args.candidate_id) && up_to_date {
            st.voted_for = Some(args.candidate_id);
            self.persist(&st);
            st.election_deadline = Instant::now() + election_timeout();
            reply.vote_granted = true;
            dprintf!("VOTE", self.me, "T{} vote for S{}", st.current_term, args.candidate_id);
        }
    }

    /// Becomes a candidate in a new term and asks every peer for its vote (the caller holds
    /// the lock; the requests go out from their own threads).
    pub(crate) fn start_election(self: &Arc<Self>, st: &mut State) {
        st.current_term += 1;
        st.role = Role::Candidate;
        st.voted_for = Some(self.me);
        st.election_deadline = Instant::now() + election_timeout();
        self.persist(st);
        dprintf!("TIMR", self.me, "T{} election", st.current_term);
        let args = RequestVoteArgs {
            term: st.current_term,
            candidate_id: self.me,
            last_log_index: st.log.last_index(),
            last_log_term: st.log.last_term(),
        };
        let votes = Arc::new(AtomicUsize::new(1));
        for peer in (0..self.peers.len()).filter(|&p| p != self.me) {
            let (args, votes) = (args.clone(), votes.clone());
            spawn(self, "vote", move |rf| rf.send_request_vote(peer, args, &votes));
        }
    }

    /// Asks `peer` for its vote and counts it; a majority makes this peer leader.
    fn send_request_vote(&self, peer: usize, args: RequestVoteArgs, votes: &AtomicUsize) {
        let mut reply = RequestVoteReply::default();
        if !self.peers[peer].call("Raft.RequestVote", &args, &mut reply) {
            return;
        }
        let mut st = self.lock();
        if reply.term > st.current_term {
            self.become_follower(&mut st, reply.term);
            return;
        }
        if !reply.vote_granted || st.role != Role::Candidate || st.current_term != args.term {
            return;
        }
        if votes.fetch_add(1, Ordering::SeqCst) + 1 > self.peers.len() / 2 {
            self.become_leader(&mut st);
        }
    }

    /// Takes office: every peer is assumed to be up to date until it says otherwise, and
    /// each hears from the new leader at once.
    fn become_leader(&self, st: &mut State) {
        dprintf!("LEAD", self.me, "T{} leader", st.current_term);
        st.role = Role::Leader;
        let next = st.log.last_index() + 1;
        st.next_index.fill(next);
        st.match_index.fill(0);
        st.match_index[self.me] = st.log.last_index();
        st.in_flight.fill(false);
        self.send_now_to_all(st);
    }
}
