//! Leader election (§5.2) with the election restriction (§5.4.1): RequestVote, preceded by
//! a pre-vote (§9.6 of Ongaro's thesis) so that a peer that was cut off, and so timed out
//! again and again, does not force a working leader out with its inflated term.

use crate::dprintf;
use crate::raft::{ELECTION_MIN, MAX_ISOLATION, QUICK_FAILURE, Raft, Role, State, election_timeout, go};
use crate::rpc::{RequestVoteArgs, RequestVoteReply};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// How many times a lost vote request is asked again in one round: enough that a 10 % loss
/// each way rarely costs a vote, few enough that a round to a peer that fails fast (cut off,
/// without long delays) stays a handful of calls.
const VOTE_RETRIES: u32 = 3;

impl Raft {
    /// RequestVote handler: grant at most one vote per term, and only to a candidate whose
    /// log is at least as up to date as ours. A pre-vote changes nothing here and is refused
    /// while we hear from a leader.
    pub(crate) fn request_vote(&self, args: &RequestVoteArgs, reply: &mut RequestVoteReply) {
        let mut st = self.lock();
        st.heard_any = true;
        let up_to_date =
            (args.last_log_term, args.last_log_index) >= (st.log.last_term(), st.log.last_index());
        if args.pre_vote {
            let leader_alive = st.role == Role::Leader || st.last_heard.elapsed() < ELECTION_MIN;
            reply.term = st.current_term;
            reply.vote_granted = args.term > st.current_term && up_to_date && !leader_alive;
            return;
        }
        if args.term > st.current_term {
            self.become_follower(&mut st, args.term);
        }
        reply.term = st.current_term;
        if args.term < st.current_term {
            return;
        }
        if st.voted_for.is_none_or(|v| v == args.candidate_id) && up_to_date {
            st.voted_for = Some(args.candidate_id);
            self.persist(&mut st);
            st.election_deadline = Instant::now() + election_timeout();
            reply.vote_granted = true;
            dprintf!("VOTE", self.me, "T{} vote for S{}", st.current_term, args.candidate_id);
        }
    }

    /// Asks every peer whether it would vote for us in the next term; the election proper
    /// starts only if a majority would.
    /// A peer that nobody answered last time waits longer before asking again.
    pub(crate) fn start_pre_vote(self: &Arc<Self>, st: &mut State) {
        st.isolation = if st.heard_any { 0 } else { (st.isolation + 1).min(MAX_ISOLATION) };
        st.heard_any = false;
        st.election_deadline = Instant::now() + election_timeout() * (1 << st.isolation);
        dprintf!("TIMR", self.me, "T{} pre-vote", st.current_term);
        self.ask_for_votes(st, true);
    }

    /// Becomes a candidate in a new term and asks every peer for its vote.
    fn start_election(self: &Arc<Self>, st: &mut State) {
        st.current_term += 1;
        st.role = Role::Candidate;
        st.voted_for = Some(self.me);
        st.election_deadline = Instant::now() + election_timeout();
        self.persist(st);
        dprintf!("TIMR", self.me, "T{} election", st.current_term);
        self.ask_for_votes(st, false);
    }

    /// Sends a RequestVote for the next term (pre-vote) or this one to each peer, each call
    /// on a thread of its own; the caller holds the lock.
    fn ask_for_votes(self: &Arc<Self>, st: &State, pre_vote: bool) {
        let args = RequestVoteArgs {
            term: st.current_term + pre_vote as i64,
            candidate_id: self.me,
            last_log_index: st.log.last_index(),
            last_log_term: st.log.last_term(),
            pre_vote,
        };
        let votes = Arc::new(AtomicUsize::new(1));
        let asked = Instant::now();
        for peer in (0..self.peers.len()).filter(|&p| p != self.me) {
            let (args, votes) = (args.clone(), votes.clone());
            // A call that cannot start is a vote not had, as if the network lost it.
            go(self, "vote", move |rf| rf.send_request_vote(peer, args, &votes, asked));
        }
    }

    /// Asks `peer` for its vote and counts it; a majority of pre-votes starts the election,
    /// a majority of votes makes this peer leader.
    fn send_request_vote(
        self: &Arc<Self>,
        peer: usize,
        args: RequestVoteArgs,
        votes: &AtomicUsize,
        asked: Instant,
    ) {
        let mut reply = RequestVoteReply::default();
        let mut tries = 1;
        loop {
            let sent = Instant::now();
            if self.peers[peer].call("Raft.RequestVote", &args, &mut reply) {
                break;
            }
            // A request or reply lost on a live link (the call failed at once) is asked
            // again while the round is still on: with 10 % lost each way, a round that needs
            // every one of three answers (4 of 7 peers) would otherwise fail half the time,
            // each failure costing an election timeout.
            if sent.elapsed() >= QUICK_FAILURE || tries > VOTE_RETRIES || !self.still_asking(&args, asked) {
                return;
            }
            tries += 1;
        }
        let mut st = self.lock();
        if self.killed() {
            return; // a killed peer must not start an election or take office
        }
        st.heard_any = true;
        if reply.term > st.current_term {
            self.become_follower(&mut st, reply.term);
            return;
        }
        if !reply.vote_granted || votes.fetch_add(1, Ordering::SeqCst) + 1 != self.peers.len() / 2 + 1 {
            return; // no vote, or not the vote that makes the majority
        }
        if args.pre_vote {
            // Still in the term we asked about, and no leader has spoken up since.
            if st.current_term + 1 == args.term && st.role != Role::Leader && st.last_heard < asked {
                self.start_election(&mut st);
            }
        } else if st.role == Role::Candidate && st.current_term == args.term {
            self.become_leader(&mut st);
        }
    }

    /// Whether the round of `args` (asked at `asked`) is still on: the pre-vote's term not yet
    /// started and no leader heard since, or the election's candidacy still standing.
    fn still_asking(&self, args: &RequestVoteArgs, asked: Instant) -> bool {
        let st = self.lock();
        let on = if args.pre_vote {
            st.current_term + 1 == args.term && st.role != Role::Leader && st.last_heard < asked
        } else {
            st.role == Role::Candidate && st.current_term == args.term
        };
        on && !self.killed()
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
        st.unanswered_since.fill(None);
        self.send_now_to_all(st);
    }
}
