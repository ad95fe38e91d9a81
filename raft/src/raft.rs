//! A Raft peer: its state (Figure 2), `make`, the public API and the election ticker.
//!
//! One mutex guards all of a peer's state and is held only briefly: never across an RPC or
//! a send on the apply channel. The threads are the ticker (elections), one replicator per
//! other peer (AppendEntries and InstallSnapshot, see replication.rs), the applier (see
//! applier.rs), and a short-lived thread per RPC sent.

use crate::dprintf;
use crate::log::{Entry, Log};
use crossbeam_channel::Sender;
use labgob::Any;
use labrpc::{ClientEnd, Service};
use raftapi::ApplyMsg;
use rand::RngExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tester::{IService, Persister};

/// Time between a leader's heartbeats: under 7 a second, well inside the lab's "tens".
pub(crate) const HEARTBEAT: Duration = Duration::from_millis(150);

/// Shortest time between two AppendEntries carrying new entries to one peer, so that a
/// burst of `start`s goes out in one batch; a new commit index alone goes out at once.
/// 15 ms: a lone client waits about half of it per command (TestSpeed4B: ~4.5 ms, Go's
/// limit 33), while many clients' commands still share AppendEntries (at 10 ms Lab 4's
/// many-client tests sent half as many RPCs again as Go's in their fixed time; at 20 ms a
/// lone client took 6 ms, half of Go's own solution).
pub(crate) const BATCH_GAP: Duration = Duration::from_millis(15);

/// The shortest election timeout; a follower that heard from a leader more recently than
/// this refuses pre-votes, so a rejoining peer cannot unseat a working leader.
pub(crate) const ELECTION_MIN: Duration = Duration::from_millis(250);

/// A leader that has heard from no majority for this long steps down (a stale leader cut
/// off from the rest would otherwise accept commands it can never commit).
pub(crate) const QUORUM_WINDOW: Duration = Duration::from_millis(1000);

/// A leader takes new commands only while a majority answered within this (a little over
/// two heartbeats): a leader that was cut off and has just come back, not yet knowing that
/// it was replaced, would otherwise accept commands that can never commit.
pub(crate) const LEASE: Duration = Duration::from_millis(300);

/// A fresh randomized election timeout, 250–400 ms: over two heartbeats long, and spread
/// enough that one candidate usually wins before another times out.
pub(crate) fn election_timeout() -> Duration {
    ELECTION_MIN + Duration::from_millis(rand::rng().random_range(0..150))
}

/// At most 2 doublings (4×) of the election timeout while a peer seems cut off.
pub(crate) const MAX_ISOLATION: u32 = 2;

/// How long the applier waits on a service that takes nothing before it looks whether it
/// was killed: the longest `kill` waits. (A blocking send with a timeout, not a `select!`
/// on the send and a stop signal: a receiver that pairs with a `select!` spins and yields
/// until the sender's thread runs again, which cost Lab 4 a third of its system time.)
pub(crate) const APPLY_RETRY: Duration = Duration::from_millis(10);

/// A call that fails sooner than this was lost on a live link (an unreliable network drops
/// at once), not sent to a dead or cut-off peer (whose calls fail after up to 7 s): worth
/// retrying at once rather than at the next heartbeat.
pub(crate) const QUICK_FAILURE: Duration = Duration::from_millis(50);

/// What a peer currently is: follower, candidate or leader.
pub(crate) use raftapi::Role;

/// Everything the peer's mutex guards.
pub(crate) struct State {
    // Persistent state (Figure 2), saved before answering any RPC that changed it.
    pub(crate) current_term: i64,
    pub(crate) voted_for: Option<usize>,
    pub(crate) log: Log,
    /// The service's latest snapshot, covering the log through `log.base_index()` (3D).
    pub(crate) snapshot: Vec<u8>,

    // Volatile state on all servers.
    pub(crate) commit_index: i64,
    pub(crate) last_applied: i64,
    pub(crate) role: Role,
    /// When this follower or candidate starts the next election.
    pub(crate) election_deadline: Instant,
    /// When this peer last heard from a leader of its term.
    pub(crate) last_heard: Instant,
    /// Whether any peer has reached us (a request or a reply) since our last pre-vote.
    pub(crate) heard_any: bool,
    /// Pre-vote rounds in a row that nobody answered (we seem cut off), up to
    /// MAX_ISOLATION: each doubles the wait before the next, sparing the RPCs.
    pub(crate) isolation: u32,
    /// A snapshot from the leader that the applier has yet to hand to the service.
    pub(crate) snapshot_pending: bool,

    // Volatile state on leaders, reinitialised after each election.
    pub(crate) next_index: Vec<i64>,
    pub(crate) match_index: Vec<i64>,
    /// When the last AppendEntries or InstallSnapshot went to each peer, and whether its
    /// reply is still awaited: a new one goes out while one is in flight only once a
    /// heartbeat interval has passed.
    pub(crate) last_sent: Vec<Instant>,
    pub(crate) in_flight: Vec<bool>,
    /// Each peer is to hear from us at once (a new leader's first heartbeat, a retry after
    /// a conflict).
    pub(crate) send_now: Vec<bool>,
    /// The commit index each peer was last sent.
    pub(crate) commit_sent: Vec<i64>,
    /// When the oldest request to each peer that is still without an answer was sent
    /// (`None` once it answered one as new): a peer counts as cut off only when a request
    /// went unanswered for a while, never because we sent nothing (on a loaded machine our
    /// own threads may go unscheduled for a while, and the peers are fine).
    pub(crate) unanswered_since: Vec<Option<Instant>>,
}

/// A Raft peer. The RPC service name is the type name, so RPCs are `"Raft.<Method>"`.
pub struct Raft {
    pub(crate) mu: Mutex<State>,
    /// Wakes the applier when there is something to apply.
    pub(crate) apply_cond: Condvar,
    /// Wakes the replicator for each peer when it has something to send.
    pub(crate) repl_cond: Vec<Condvar>,
    /// Wakes the ticker early (on kill).
    tick_cond: Condvar,
    /// Held by the applier while it hands messages over: `kill` takes it to know that no
    /// message of this instance can still reach the service after it returns (a restarted
    /// successor answers for those indexes now).
    pub(crate) apply_gate: Mutex<()>,
    pub(crate) peers: Vec<ClientEnd>,
    pub(crate) persister: Arc<Persister>,
    pub(crate) me: usize,
    dead: AtomicBool,
}

/// Creates a peer. `peers[me]` is this peer's own end; the persister holds what a previous
/// instance saved; committed commands go to `apply_ch` in index order. Returns at once,
/// with the peer's threads running.
pub fn make(
    peers: Vec<ClientEnd>,
    me: usize,
    persister: Arc<Persister>,
    apply_ch: Sender<ApplyMsg>,
) -> Arc<Raft> {
    let n = peers.len();
    let now = Instant::now();
    let state = State {
        current_term: 0,
        voted_for: None,
        log: Log::default(),
        snapshot: Vec::new(),
        commit_index: 0,
        last_applied: 0,
        role: Role::Follower,
        election_deadline: now + election_timeout(),
        last_heard: now,
        heard_any: true,
        isolation: 0,
        snapshot_pending: false,
        next_index: vec![1; n],
        match_index: vec![0; n],
        last_sent: vec![now; n],
        in_flight: vec![false; n],
        send_now: vec![false; n],
        commit_sent: vec![0; n],
        unanswered_since: vec![None; n],
    };
    let rf = Arc::new(Raft {
        mu: Mutex::new(state),
        apply_cond: Condvar::new(),
        repl_cond: (0..n).map(|_| Condvar::new()).collect(),
        tick_cond: Condvar::new(),
        apply_gate: Mutex::new(()),
        peers,
        persister,
        me,
        dead: AtomicBool::new(false),
    });
    rf.read_persist();

    spawn(&rf, "ticker", |rf| rf.ticker());
    spawn(&rf, "applier", move |rf| rf.applier(apply_ch));
    for peer in (0..n).filter(|&p| p != me) {
        spawn(&rf, "replicator", move |rf| rf.replicator(peer));
    }
    rf
}

/// Starts one of the peer's long-lived threads, named after the peer.
pub(crate) fn spawn(rf: &Arc<Raft>, what: &str, f: impl FnOnce(Arc<Raft>) + Send + 'static) {
    let rf = rf.clone();
    std::thread::Builder::new()
        .name(format!("raft-{}-{what}", rf.me))
        .spawn(move || f(rf))
        .expect("raft: cannot start a thread");
}

/// Runs one RPC call on a thread of its own (Go's `go rf.sendX(...)`). False if the thread
/// could not start; the call is then not sent, as if the network lost it, rather than the
/// peer stopping. (A pool of reused threads was tried: on 2 cores its woken threads waited
/// behind their wakers, and TestSpeed4B took twice as long.)
pub(crate) fn go(rf: &Arc<Raft>, what: &str, f: impl FnOnce(Arc<Raft>) + Send + 'static) -> bool {
    let me = rf.me;
    let rf = rf.clone();
    match std::thread::Builder::new().name(format!("raft-{me}-{what}")).spawn(move || f(rf)) {
        Ok(_) => true,
        Err(e) => {
            dprintf!("ERRO", me, "cannot start a thread to send {what}: {e}");
            false
        }
    }
}

impl Raft {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.mu.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether `kill` was called.
    pub fn killed(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }

    /// The current term and whether this peer believes it is the leader.
    pub fn get_state(&self) -> (i64, bool) {
        let st = self.lock();
        (st.current_term, st.role == Role::Leader)
    }

    /// Appends `command` to the log if this peer is the leader and starts replicating it;
    /// returns (its index, the term, whether this peer is the leader) at once.
    pub fn start(&self, command: Any) -> (i64, i64, bool) {
        let mut st = self.lock();
        if st.role != Role::Leader || self.killed() || !self.majority_answered(&st, LEASE) {
            return (-1, st.current_term, false);
        }
        let term = st.current_term;
        let index = st.log.push(Entry { term, command: Some(command) });
        st.match_index[self.me] = index;
        self.persist(&mut st);
        dprintf!("LOG1", self.me, "T{term} start at I{index}");
        // Only a replicator to whom this entry is the first news needs waking: one with
        // entries pending already wakes at its batch time, or when its call returns.
        for (p, c) in self.repl_cond.iter().enumerate() {
            if p != self.me && st.next_index[p] == index {
                c.notify_all();
            }
        }
        (index, term, true)
    }

    /// Stops the peer: every thread of it exits soon, it answers no more as leader, and once
    /// `kill` returns no message of this instance reaches the service any more.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        // Taking the lock orders this after any thread's check of `killed()` and before
        // its wait, so no wake-up is lost.
        drop(self.lock());
        self.apply_cond.notify_all();
        self.tick_cond.notify_all();
        self.wake_replicators();
        // Wait for the applier to be out of its sends: one blocked on a service that takes
        // nothing gives up within APPLY_RETRY.
        drop(self.apply_gate.lock().unwrap_or_else(|p| p.into_inner()));
    }

    /// Whether a majority (this leader included) has left no request unanswered for as
    /// long as `window`.
    fn majority_answered(&self, st: &State, window: Duration) -> bool {
        let now = Instant::now();
        let fresh = |p: &usize| {
            *p != self.me && st.unanswered_since[*p].is_none_or(|since| now.duration_since(since) < window)
        };
        1 + (0..self.peers.len()).filter(fresh).count() > self.peers.len() / 2
    }

    /// Has every replicator send what its peer lacks without waiting for the heartbeat.
    pub(crate) fn send_now_to_all(&self, st: &mut State) {
        st.send_now.fill(true);
        self.wake_replicators();
    }

    pub(crate) fn wake_replicators(&self) {
        for c in &self.repl_cond {
            c.notify_all();
        }
    }

    /// Adopts a newer term seen in an RPC, as a follower that has not voted in it.
    pub(crate) fn become_follower(&self, st: &mut State, term: i64) {
        if term > st.current_term {
            dprintf!("TERM", self.me, "T{} -> T{term}, follower", st.current_term);
            st.current_term = term;
            st.voted_for = None;
            self.persist(st);
        }
        st.role = Role::Follower;
    }

    /// Starts an election whenever the deadline passes without word from a leader; as
    /// leader, steps down when no majority has answered for a while.
    fn ticker(self: Arc<Self>) {
        let mut st = self.lock();
        while !self.killed() {
            let now = Instant::now();
            let wait = if st.role == Role::Leader {
                st.election_deadline = now + election_timeout();
                if !self.majority_answered(&st, QUORUM_WINDOW) {
                    dprintf!("LEAD", self.me, "T{} no majority answers: step down", st.current_term);
                    st.role = Role::Follower;
                }
                HEARTBEAT
            } else {
                if now >= st.election_deadline {
                    self.start_pre_vote(&mut st);
                }
                st.election_deadline.saturating_duration_since(now)
            };
            // The lock is released while waiting; kill() notifies under it, so no wake-up
            // falls between the check above and the wait.
            let woken = self.tick_cond.wait_timeout(st, wait.max(Duration::from_millis(5)));
            st = woken.unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

impl raftapi::Raft for Raft {
    fn start(&self, command: Any) -> (i64, i64, bool) {
        Raft::start(self, command)
    }
    fn get_state(&self) -> (i64, bool) {
        Raft::get_state(self)
    }
    fn snapshot(&self, index: i64, snapshot: Vec<u8>) {
        Raft::snapshot(self, index, snapshot)
    }
    fn persist_bytes(&self) -> usize {
        let _st = self.lock();
        self.persister.raft_state_size()
    }
    fn kill(&self) {
        Raft::kill(self)
    }
    fn debug_role(&self) -> Option<(i64, Role)> {
        let st = self.lock();
        Some((st.current_term, st.role))
    }
}

impl IService for Raft {
    fn kill(&self) {
        Raft::kill(self)
    }
    fn rpc_service(self: Arc<Self>) -> Option<Service> {
        Some(
            Service::builder(self)
                .method("RequestVote", Raft::request_vote)
                .method("AppendEntries", Raft::append_entries)
                .method("InstallSnapshot", Raft::install_snapshot)
                .build(),
        )
    }
    fn as_raft(&self) -> Option<&dyn raftapi::Raft> {
        Some(self)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crossbeam_channel::TryRecvError;

    /// Peer 0 of `n` over `persister`, its ends leading nowhere, and the receiving side of
    /// its apply channel (which holds `apply` messages).
    pub(crate) fn peer(
        n: usize,
        persister: &Arc<Persister>,
        apply: usize,
    ) -> (Arc<Raft>, crossbeam_channel::Receiver<ApplyMsg>) {
        let net = labrpc::Network::new();
        let ends = (0..n).map(|i| net.make_end(&format!("e{i}"))).collect();
        let (tx, rx) = crossbeam_channel::bounded(apply);
        (make(ends, 0, persister.clone(), tx), rx)
    }

    #[test]
    fn the_lease_counts_only_requests_left_unanswered() {
        let (rf, _rx) = peer(3, &Persister::new(), 1);
        rf.kill(); // its threads stop; the state stays to look at
        let mut st = rf.lock();
        let long_ago = Instant::now() - Duration::from_secs(2);
        // Nothing sent for a long time (our threads were not scheduled): still a leader's lease.
        st.unanswered_since = vec![None, None, None];
        assert!(rf.majority_answered(&st, LEASE));
        // One follower silent for long: the other and we are a majority.
        st.unanswered_since[1] = Some(long_ago);
        assert!(rf.majority_answered(&st, LEASE));
        // Both silent for longer than the lease: cut off.
        st.unanswered_since[2] = Some(long_ago);
        assert!(!rf.majority_answered(&st, LEASE));
        // A request just sent and not answered yet does not count against the peer.
        st.unanswered_since[2] = Some(Instant::now());
        assert!(rf.majority_answered(&st, LEASE));
    }

    #[test]
    fn kill_returns_with_the_service_not_reading_and_nothing_arrives_after() {
        let (rf, rx) = peer(1, &Persister::new(), 0); // a service that takes nothing
        {
            let mut st = rf.lock();
            for i in 1..=3 {
                st.log.push(Entry { term: 1, command: Some(Any::from(i)) });
            }
            st.commit_index = 3;
            rf.apply_cond.notify_all();
        }
        std::thread::sleep(Duration::from_millis(50)); // the applier is now blocked sending I1
        let t0 = Instant::now();
        rf.kill();
        assert!(t0.elapsed() < Duration::from_secs(1), "kill waited for the service");
        std::thread::sleep(Duration::from_millis(50));
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Empty | TryRecvError::Disconnected)));
    }
}
