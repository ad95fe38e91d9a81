//! The Raft tests' harness (Go's raft1/test.go): a [`Test`] wraps the tester's [`Config`]
//! and adds the checkers the tests call (one leader, agreement on terms, committed entries).

use crate::server::{RfSrv, new_rfsrv};
use crossbeam_channel::{RecvTimeoutError, Sender, bounded};
use labgob::Any;
use labrpc::ClientEnd;
use raftapi::ApplyMsg;
use std::collections::HashMap;
use std::ops::Deref;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread;
use std::time::{Duration, Instant};
use tester::annotation::{
    annotate_checker_begin, annotate_checker_failure, annotate_checker_success, annotate_peer_view, peer_view,
};
use tester::{Config, FstartServer, GRP0, IService, Persister, ServerGrp, Tgid, fatalf, t_fatalf};

/// The tester generously allows solutions to complete elections in one second (much more
/// than the paper's range of timeouts). Go declares it in raft_test.go.
pub const RAFT_ELECTION_TIMEOUT: Duration = Duration::from_millis(1000);

/// The largest persisted Raft state the 3D tests accept, in bytes (Go's `MAXLOGSIZE`, in
/// raft_test.go).
pub const MAX_LOG_SIZE: usize = 2000;

/// How often the sampler records each peer's term and leadership for the failure timeline.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// A value set once, right after `Config::make_config` returns: the config has to exist
/// before it can be stored, but it starts the servers (through `mksrv`) while it is built.
pub struct Late<T>(OnceLock<Arc<T>>);

impl<T> Late<T> {
    fn set(&self, v: Arc<T>) {
        if self.0.set(v).is_err() {
            panic!("test: set twice");
        }
    }
}

impl<T> Deref for Late<T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.0.get().expect("test: used before make_test finished building the Config")
    }
}

/// What Go's `ts.mu` guards.
struct Shared {
    /// Each server's current `RfSrv`; a restart replaces it (`None` only until the first start).
    srvs: Vec<Option<Arc<RfSrv>>>,
    /// The highest index any server applied (Go keeps it; no Raft test reads it).
    max_index: i64,
}

/// Every server's applied entries, as the appliers check them (Go's `checkLogs` on
/// `ts.srvs`). An applier holds this rather than the test, so that it goes on checking what
/// a killed peer applies after the test has ended (as Go's goroutine does), for as long as
/// the peer keeps its end of the apply channel, without keeping the test itself alive.
pub struct Checker(Arc<Mutex<Shared>>);

impl Checker {
    /// Records that server `i` applied `m`: returns an error if another server (or `i`
    /// itself) applied a different command at that index, and whether `i` had applied the
    /// entry before it.
    pub fn check_logs(&self, i: usize, m: &ApplyMsg) -> (String, bool) {
        let mut st = self.0.lock().unwrap_or_else(|p| p.into_inner());

        let mut err_msg = String::new();
        let v = &m.command;
        let me = st.srvs[i].clone().expect("test: a server applied before it was started");
        for (j, rs) in st.srvs.iter().enumerate() {
            let Some(rs) = rs else { continue };
            if let Some(old) = rs.logs(m.command_index)
                && old != *v
            {
                // Some server has already committed a different value for this entry!
                err_msg = format!(
                    "commit index={} server={} {} != server={} {}",
                    m.command_index,
                    i,
                    show(v.as_ref()),
                    j,
                    show(old.as_ref())
                );
            }
        }
        let prevok = {
            let mut ms = me.lock();
            let prevok = ms.logs.contains_key(&(m.command_index - 1));
            ms.logs.insert(m.command_index, v.clone());
            prevok
        };
        if m.command_index > st.max_index {
            st.max_index = m.command_index;
        }
        (err_msg, prevok)
    }
}

/// One Raft test's world: the tester's `Config` (reachable through `Deref`, as Go embeds
/// `*tester.Config`), group 0, and the `RfSrv` that sits above each Raft peer.
pub struct Test {
    cfg: Late<Config>,
    /// The number of servers.
    pub n: usize,
    /// Group 0, the only group of the Raft tests.
    pub g: Late<ServerGrp>,
    finished: AtomicBool,
    /// The largest persisted Raft state the sampler saw (reported with `RAFT_LOG_SIZE` set).
    max_log_size: AtomicUsize,
    /// Shared with the appliers (see [`Checker`]).
    mu: Arc<Mutex<Shared>>,
    snapshot: bool,
    /// Dropping it stops the peer-state sampler.
    sampler: Mutex<Option<Sender<()>>>,
}

impl Deref for Test {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.cfg
    }
}

/// Runs `ts.cleanup()` when dropped, like Go's `defer ts.cleanup()`: keep it in a local.
#[must_use = "bind it to a local (`let _cleanup = ...`) so that it lives until the test ends"]
pub struct Cleanup(Arc<Test>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.cleanup();
    }
}

/// Runs a closure when dropped, also while a failure unwinds.
struct Finally<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> Drop for Finally<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// Builds a test of `n` servers (started and connected), with long delays on, as every
/// Raft test has them; `snapshot` makes the servers snapshot every 10 entries (3D).
pub fn make_test(n: usize, reliable: bool, snapshot: bool) -> Arc<Test> {
    let ts = Arc::new(Test {
        cfg: Late(OnceLock::new()),
        n,
        g: Late(OnceLock::new()),
        finished: AtomicBool::new(false),
        max_log_size: AtomicUsize::new(0),
        mu: Arc::new(Mutex::new(Shared { srvs: vec![None; n], max_index: 0 })),
        snapshot,
        sampler: Mutex::new(None),
    });
    // The group keeps this closure: a weak reference, so that the test can be dropped.
    let weak = Arc::downgrade(&ts);
    let mks: FstartServer = Arc::new(move |ends, grp, srv, persister| {
        let ts = weak.upgrade().expect("test: a server started after the test ended");
        ts.mksrv(ends, grp, srv, persister)
    });
    let cfg = Config::make_config(n, reliable, mks);
    cfg.set_long_delays(true);
    ts.g.set(cfg.group(GRP0));
    ts.cfg.set(cfg);
    if tester::annotation::vis_enabled() {
        *ts.sampler.lock().unwrap_or_else(|p| p.into_inner()) = Some(start_sampler(&ts));
    }
    ts
}

/// Starts the thread that records each peer's term and leadership (or that it is down)
/// every `SAMPLE_EVERY` for the failure timeline, until the returned sender is dropped.
fn start_sampler(ts: &Arc<Test>) -> Sender<()> {
    let (tx, rx) = bounded::<()>(0);
    let weak = Arc::downgrade(ts);
    thread::Builder::new()
        .name("peer-sampler".into())
        .spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = rx.recv_timeout(SAMPLE_EVERY) {
                let Some(ts) = weak.upgrade() else { return };
                ts.sample_peers();
            }
        })
        .expect("test: cannot start the peer sampler");
    tx
}

impl Test {
    fn lock(&self) -> MutexGuard<'_, Shared> {
        self.mu.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Server `i`'s current `RfSrv` (Go's `ts.srvs[i]`).
    pub fn srv(&self, i: usize) -> Arc<RfSrv> {
        self.lock().srvs[i].clone().expect("test: server was never started")
    }

    /// All servers' current `RfSrv`s.
    fn srvs(&self) -> Vec<Arc<RfSrv>> {
        self.lock().srvs.iter().flatten().cloned().collect()
    }

    /// The guard that cleans up at the end of the test: `let _cleanup = ts.defer_cleanup();`.
    pub fn defer_cleanup(self: &Arc<Self>) -> Cleanup {
        Cleanup(self.clone())
    }

    /// Records each live peer's term and leadership, and each crashed peer as down.
    fn sample_peers(&self) {
        self.max_log_size.fetch_max(self.g.log_size(), Ordering::SeqCst);
        let srvs: Vec<Option<Arc<RfSrv>>> = self.lock().srvs.clone();
        for (i, rs) in srvs.iter().enumerate() {
            let Some(rs) = rs else { continue };
            // raft() only clones the peer out of RfSrv's lock: no test lock is held while
            // Raft runs get_state, which may wait for the peer's own lock.
            let view = rs.raft().map(|rf| peer_view(rf.as_ref()));
            if self.check_finished() {
                return; // the timeline is being written; don't add to it
            }
            annotate_peer_view(i, view);
        }
    }

    /// Ends the test: stops `one()` and the sampler, prints the Passed line unless the test
    /// failed, kills every server and closes the network (and writes the failure timeline
    /// if the test failed).
    fn cleanup(&self) {
        self.finished.store(true, Ordering::SeqCst);
        self.sampler.lock().unwrap_or_else(|p| p.into_inner()).take();
        // Kill the servers even if end() fails the test (time limit), so that they do not
        // run on into the next test. Config::cleanup ends with Go's CheckTimeout.
        let cfg = &self.cfg;
        let _kill = Finally(Some(|| cfg.cleanup()));
        self.end();
        if std::env::var_os("RAFT_LOG_SIZE").is_some() {
            println!("  max log_size {} bytes", self.max_log_size.load(Ordering::SeqCst));
        }
    }

    /// Starts server `srv`'s `RfSrv` and Raft peer; the tester registers and kills the
    /// returned services, `RfSrv` first.
    fn mksrv(
        self: &Arc<Self>,
        ends: Vec<ClientEnd>,
        _grp: Tgid,
        srv: usize,
        persister: Arc<Persister>,
    ) -> Vec<Arc<dyn IService>> {
        let (s, raft) = new_rfsrv(self, srv, ends, persister, self.snapshot);
        self.lock().srvs[srv] = Some(s.clone());
        vec![s as Arc<dyn IService>, raft as Arc<dyn IService>]
    }

    /// Restarts crashed server `i`, then reconnects every server (crashed ones included).
    pub fn restart(&self, i: usize) {
        self.g.start_server(i); // which calls mksrv to make a new server
        self.group(GRP0).connect_all();
    }

    /// Checks that the connected servers elect exactly one leader per term, waiting up to
    /// about 5 s; returns the leader of the latest term.
    #[track_caller]
    pub fn check_one_leader(&self) -> usize {
        annotate_checker_begin("checking for a single leader");
        for _ in 0..10 {
            let ms = 450 + rand::random_range(0..100);
            thread::sleep(Duration::from_millis(ms));

            let mut leaders: HashMap<i64, Vec<usize>> = HashMap::new();
            for i in 0..self.n {
                if self.g.is_connected(i) {
                    let (term, leader) = self.srv(i).get_state();
                    if leader {
                        leaders.entry(term).or_default().push(i);
                    }
                }
            }

            let mut last_term_with_leader = -1;
            for (&term, leaders) in &leaders {
                if leaders.len() > 1 {
                    let details = format!("multiple leaders in term {term} = {}", show_usizes(leaders));
                    annotate_checker_failure("multiple leaders", &details);
                    fatalf(&format!("term {term} has {} (>1) leaders", leaders.len()));
                }
                if term > last_term_with_leader {
                    last_term_with_leader = term;
                }
            }

            if !leaders.is_empty() {
                let leader = leaders[&last_term_with_leader][0];
                let details = format!("leader in term {last_term_with_leader} = {leader}");
                annotate_checker_success(&details, &details);
                return leader;
            }
        }
        annotate_checker_failure("no leader", "unable to find a leader");
        fatalf("expected one leader, got none")
    }

    /// Checks that every connected server is in the same term; returns it (-1 if none is
    /// connected).
    #[track_caller]
    pub fn check_terms(&self) -> i64 {
        annotate_checker_begin("checking term agreement");
        let mut term = -1;
        for i in 0..self.n {
            if self.g.is_connected(i) {
                let (xterm, _) = self.srv(i).get_state();
                if term == -1 {
                    term = xterm;
                } else if term != xterm {
                    // As Go's, this names server i-1 for the first term, which may be another.
                    let details =
                        format!("node ids -> terms = {{ {} -> {term}; {i} -> {xterm} }}", i as i64 - 1);
                    annotate_checker_failure("term disagreed", &details);
                    fatalf("servers disagree on term");
                }
            }
        }
        annotate_checker_success("term agreed", &format!("term = {term}"));
        term
    }

    /// What the appliers check each applied entry against.
    pub fn checker(&self) -> Checker {
        Checker(self.mu.clone())
    }

    /// Checks that no connected server thinks it is the leader.
    #[track_caller]
    pub fn check_no_leader(&self) {
        annotate_checker_begin("checking no unexpected leader among connected servers");
        for i in 0..self.n {
            if self.g.is_connected(i) {
                let (_, is_leader) = self.srv(i).get_state();
                if is_leader {
                    let details = format!("leader = {i}");
                    annotate_checker_failure("unexpected leader found", &details);
                    fatalf(&details);
                }
            }
        }
        annotate_checker_success("no unexpected leader", "no unexpected leader");
    }

    /// Checks that no server has committed an entry at `index`.
    #[track_caller]
    pub fn check_no_agreement(&self, index: i64) {
        annotate_checker_begin(&format!("checking no unexpected agreement at index {index}"));
        let (n, _) = self.n_committed(index);
        if n > 0 {
            let desp = format!("unexpected agreement at index {index}");
            annotate_checker_failure(&desp, &format!("{n} server(s) commit incorrectly index"));
            fatalf(&format!("{n} committed but no majority"));
        }
        annotate_checker_success(&format!("no unexpected agreement at index {index}"), "OK");
    }

    /// How many servers think the entry at `index` is committed, and its command; fails
    /// the test if two servers committed different commands there.
    #[track_caller]
    pub fn n_committed(&self, index: i64) -> (usize, Option<Any>) {
        let st = self.lock();

        let mut count = 0;
        let mut cmd: Option<Any> = None;
        for rs in st.srvs.iter().flatten() {
            let apply_err = rs.lock().apply_err.clone();
            if !apply_err.is_empty() {
                annotate_checker_failure("apply error", &apply_err);
                t_fatalf(&apply_err);
            }

            if let Some(cmd1) = rs.logs(index) {
                if count > 0 && cmd != cmd1 {
                    let text = format!(
                        "committed values at index {index} do not match ({} != {})",
                        show(cmd.as_ref()),
                        show(cmd1.as_ref())
                    );
                    annotate_checker_failure("unmatched committed values", &text);
                    fatalf(&text);
                }
                count += 1;
                cmd = cmd1;
            }
        }
        (count, cmd)
    }

    /// Does a complete agreement on `cmd` and returns its index. It may pick the wrong
    /// leader first and have to resubmit; it gives up after about 10 s. It checks, through
    /// `n_committed` and the appliers, that the servers agree on the same value. With
    /// `retry`, it may submit the command more than once, in case a leader fails just after
    /// `start()`; without, it calls `start()` only once, to keep the early 3B tests simple.
    /// Returns -1 if the test finished meanwhile.
    #[track_caller]
    pub fn one(&self, cmd: impl Into<Any>, expected_servers: usize, retry: bool) -> i64 {
        let cmd = cmd.into();
        // Go's `%.8s`: the command's first 8 characters.
        let textcmd: String = show(Some(&cmd)).chars().take(8).collect();
        let textretry = if retry { "with" } else { "without" };
        annotate_checker_begin(&format!(
            "checking agreement of {textcmd} by at least {expected_servers} servers {textretry} retry"
        ));
        let t0 = Instant::now();
        let mut starts = 0;
        let nsrvs = self.lock().srvs.len();
        while t0.elapsed().as_secs_f64() < 10.0 && !self.check_finished() {
            // Try all the servers, maybe one is the leader.
            let mut index = -1;
            for _ in 0..nsrvs {
                starts = (starts + 1) % nsrvs;
                let mut rf = None;
                if self.g.is_connected(starts) {
                    rf = self.srv(starts).raft();
                }
                if let Some(rf) = rf {
                    let (index1, _, ok) = rf.start(cmd.clone());
                    if ok {
                        index = index1;
                        break;
                    }
                }
            }

            if index != -1 {
                // Somebody claimed to be the leader and to have submitted our command;
                // wait a while for agreement.
                let t1 = Instant::now();
                while t1.elapsed().as_secs_f64() < 2.0 {
                    let (nd, cmd1) = self.n_committed(index);
                    if nd > 0 && nd >= expected_servers {
                        // Committed, and it was the command we submitted.
                        if cmd1.as_ref() == Some(&cmd) {
                            annotate_checker_success(&format!("agreement of {textcmd} reached"), "OK");
                            return index;
                        }
                    }
                    thread::sleep(Duration::from_millis(20));
                }
                if !retry {
                    let desp = format!("agreement of {textcmd} failed");
                    annotate_checker_failure(&desp, "failed after submitting command");
                    fatalf(&format!("one({}) failed to reach agreement", show(Some(&cmd))));
                }
            } else {
                thread::sleep(Duration::from_millis(50));
            }
        }
        if !self.check_finished() {
            let desp = format!("agreement of {textcmd} failed");
            annotate_checker_failure(&desp, "failed after 10-second timeout");
            fatalf(&format!("one({}) failed to reach agreement", show(Some(&cmd))));
        }
        -1
    }

    /// Whether the test has ended (cleanup started).
    pub fn check_finished(&self) -> bool {
        self.finished.load(Ordering::SeqCst)
    }

    /// Waits (about 30 s at most) for at least `n` servers to commit `index` and returns
    /// the command. If `start_term > -1` and some server moved past that term, gives up
    /// and returns -1 (as a command), since the entry may then never commit.
    #[track_caller]
    pub fn wait(&self, index: i64, n: usize, start_term: i64) -> Option<Any> {
        let mut to = Duration::from_millis(10);
        for _ in 0..30 {
            let (nd, _) = self.n_committed(index);
            if nd >= n {
                break;
            }
            thread::sleep(to);
            if to < Duration::from_secs(1) {
                to *= 2;
            }
            if start_term > -1 {
                for rs in self.srvs() {
                    // Go calls GetState on every server's Raft; a crashed one has none.
                    if let Some(rf) = rs.raft()
                        && rf.get_state().0 > start_term
                    {
                        // Someone has moved on; we can no longer guarantee that we'll "win".
                        return Some(Any::from(-1i64));
                    }
                }
            }
        }
        let (nd, cmd) = self.n_committed(index);
        if nd < n {
            let desp = format!("less than {n} servers commit index {index}");
            let details = format!("only {nd} (< {n}) servers commit index {index} at term {start_term}");
            annotate_checker_failure(&desp, &details);
            fatalf(&format!("only {nd} decided for index {index}; wanted {n}"));
        }
        cmd
    }
}

/// Go's `rand.Int()`: a random non-negative integer.
pub fn rand_int() -> i64 {
    (rand::random::<u64>() >> 1) as i64
}

/// Formats a command as Go's `%v` prints an interface value: `<nil>` for none, a string
/// without quotes, anything else as its `Debug`.
pub fn show(v: Option<&Any>) -> String {
    match v {
        None => "<nil>".to_string(),
        Some(v) => match v.downcast_ref::<String>() {
            Some(s) => s.clone(),
            None => format!("{v:?}"),
        },
    }
}

/// Formats server ids as Go's `%v` prints a `[]int`: `[1 2 3]`.
pub fn show_usizes(v: &[usize]) -> String {
    let items: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(" "))
}

/// Formats integers as Go's `%v` prints a `[]int`: `[1 2 3]`.
pub fn show_ints(v: &[i64]) -> String {
    let items: Vec<String> = v.iter().map(|x| x.to_string()).collect();
    format!("[{}]", items.join(" "))
}
