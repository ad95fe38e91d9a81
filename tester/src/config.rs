//! Config: one test's network, server groups and clients, its progress lines and limits.

use crate::annotation;
use crate::clnts::{Clnt, Clnts};
use crate::group::{FstartServer, GRP0, Groups, ServerGrp, Tgid};
use crossbeam_channel::{Sender, bounded};
use labrpc::Network;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// Go's limit on a whole test, counted from `make_config`.
pub const TIME_LIMIT: Duration = Duration::from_secs(120);

static LIMIT_MS: AtomicU64 = AtomicU64::new(120_000);

/// How often `start_peer_sampler` records the peers.
const SAMPLE_EVERY: Duration = Duration::from_millis(20);

/// Lowers the per-test time limit (never raises it above Go's 120 s); for testing the
/// tester itself.
pub fn lower_time_limit(limit: Duration) {
    LIMIT_MS.fetch_min(limit.as_millis() as u64, Ordering::SeqCst);
}

fn time_limit() -> Duration {
    Duration::from_millis(LIMIT_MS.load(Ordering::SeqCst))
}

/// A test's world, like Go's `tester.Config`.
pub struct Config {
    net: Network,
    groups: Groups,
    clnts: Clnts,
    start: Instant,
    t0: Mutex<Instant>,
    rpcs0: AtomicI64,
    ops: AtomicI32,
    /// Dropping it stops the watchdog that fails a hung test at the time limit.
    watchdog: Mutex<Option<Sender<()>>>,
    /// Dropping it stops the peer sampler, if one was started.
    sampler: Mutex<Option<Sender<()>>>,
    cleaned: AtomicBool,
}

impl Config {
    /// Builds the network and group 0 of `n` servers made by `mks`, starts and connects
    /// them, then sets the network's reliability (Go's `MakeConfig`).
    pub fn make_config(n: usize, reliable: bool, mks: FstartServer) -> Arc<Config> {
        static ONCE: Once = Once::new();
        ONCE.call_once(|| {
            if std::thread::available_parallelism().map_or(1, |n| n.get()) < 2 {
                println!("warning: only one CPU, which may conceal locking bugs");
            }
        });
        annotation::install_fatal_hook();
        crate::debug::start_test();
        let net = Network::new();
        let cfg = Arc::new(Config {
            groups: Groups::new(net.clone()),
            clnts: Clnts::new(net.clone()),
            net,
            start: Instant::now(),
            t0: Mutex::new(Instant::now()),
            rpcs0: AtomicI64::new(0),
            ops: AtomicI32::new(0),
            watchdog: Mutex::new(Some(start_watchdog())),
            sampler: Mutex::new(None),
            cleaned: AtomicBool::new(false),
        });
        cfg.groups.make_group(GRP0, n, mks);
        cfg.group(GRP0).start_servers();
        cfg.net.reliable(reliable);
        cfg
    }

    /// Records, every 20 ms until cleanup, each server of group `gid` as its Raft peer
    /// sees itself (term, role) or as down, for the failure page's peer lanes (the Raft
    /// tests sample their own peers; the key/value tests on Raft call this).
    pub fn start_peer_sampler(self: &Arc<Self>, gid: Tgid) {
        let (tx, rx) = bounded::<()>(0);
        let weak = Arc::downgrade(self);
        let started = std::thread::Builder::new().name("peer-sampler".into()).spawn(move || {
            while let Err(crossbeam_channel::RecvTimeoutError::Timeout) = rx.recv_timeout(SAMPLE_EVERY) {
                let Some(cfg) = weak.upgrade() else { return };
                for (i, svcs) in cfg.group(gid).services().iter().enumerate() {
                    match svcs {
                        None => annotation::annotate_peer_view(i, None),
                        Some(svcs) => {
                            if let Some(rf) = svcs.iter().find_map(|s| s.as_raft()) {
                                annotation::annotate_peer_view(i, Some(annotation::peer_view(rf)));
                            }
                        }
                    }
                }
            }
        });
        // Without the sampler the page has no peer lanes; the test runs the same.
        if started.is_ok() {
            *self.sampler.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        }
    }

    /// Group `gid`.
    #[track_caller]
    pub fn group(&self, gid: Tgid) -> Arc<ServerGrp> {
        self.groups.group(gid)
    }

    /// Creates group `gid` of `n` servers and starts it.
    pub fn make_group_start(&self, gid: Tgid, n: usize, mks: FstartServer) {
        self.groups.make_group(gid, n, mks);
        self.group(gid).start_servers();
    }

    /// Shuts group `gid` down and forgets it.
    pub fn exit_group(&self, gid: Tgid) {
        self.group(gid).shutdown();
        self.groups.delete(gid);
    }

    /// A client that may reach every server.
    pub fn make_client(&self) -> Arc<Clnt> {
        self.clnts.make_client()
    }

    /// A client that may reach only the named servers.
    pub fn make_client_to(&self, srvs: &[String]) -> Arc<Clnt> {
        self.clnts.make_client_to(Some(srvs))
    }

    /// Deletes a client's ends.
    pub fn delete_client(&self, clnt: &Arc<Clnt>) {
        self.clnts.delete_client(clnt)
    }

    /// Sets whether the network is reliable.
    pub fn set_reliable(&self, reliable: bool) {
        self.net.reliable(reliable);
        self.annotate_network();
    }

    /// Whether the network is reliable.
    pub fn is_reliable(&self) -> bool {
        self.net.is_reliable()
    }

    /// Sets whether replies may be delayed enough to be reordered.
    pub fn set_long_reordering(&self, yes: bool) {
        self.net.long_reordering(yes);
        self.annotate_network();
    }

    /// Sets whether calls to dead servers take up to 7 s to fail.
    pub fn set_long_delays(&self, yes: bool) {
        self.net.long_delays(yes);
        self.annotate_network();
    }

    /// Records the network's settings for the failure timeline's header.
    fn annotate_network(&self) {
        let net = &self.net;
        annotation::annotate_network(net.is_reliable(), net.is_long_delays(), net.is_long_reordering());
    }

    /// Prints the test's opening line and starts its counters (Go's `Begin`).
    pub fn begin(&self, description: &str) {
        let net = if self.is_reliable() { "reliable" } else { "unreliable" };
        println!("{description} ({net} network)...");
        annotation::annotate_description(description);
        self.annotate_network();
        *self.t0.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
        self.rpcs0.store(self.rpc_total(), Ordering::SeqCst);
        self.ops.store(0, Ordering::SeqCst);
    }

    /// Checks the time limit and, unless the test failed, prints Go's Passed line.
    pub fn end(&self) {
        self.check_timeout();
        if std::thread::panicking() {
            return;
        }
        let t = self.t0.lock().unwrap_or_else(|p| p.into_inner()).elapsed().as_secs_f64();
        let npeers = self.group(GRP0).n();
        let nrpc = self.rpc_total() - self.rpcs0.load(Ordering::SeqCst);
        let ops = self.ops.load(Ordering::SeqCst);
        println!("  ... Passed --  time {t:4.1}s #peers {npeers} #RPCs {nrpc:5} #Ops {ops:4}");
    }

    /// Counts one client operation (Lab 4).
    pub fn op(&self) {
        self.ops.fetch_add(1, Ordering::SeqCst);
    }

    /// Every RPC made on the network so far.
    pub fn rpc_total(&self) -> i64 {
        self.net.get_total_count()
    }

    /// Every byte sent on the network so far.
    pub fn bytes_total(&self) -> i64 {
        self.net.get_total_bytes()
    }

    /// Kills every server and closes the network, then writes the failure timeline if the
    /// test failed (see [`annotation::cleanup`]); safe to call twice.
    pub fn cleanup(&self) {
        if self.cleaned.swap(true, Ordering::SeqCst) {
            return;
        }
        self.sampler.lock().unwrap_or_else(|p| p.into_inner()).take();
        self.clnts.cleanup();
        self.groups.cleanup();
        self.net.cleanup();
        self.watchdog.lock().unwrap_or_else(|p| p.into_inner()).take();
        // Cleanup runs from a drop guard: while a failure unwinds, panicking() tells it.
        // A test over its time limit is about to fail in check_timeout below.
        let failed = std::thread::panicking() || self.start.elapsed() > time_limit();
        annotation::cleanup(failed, if failed { "test failed" } else { "test passed" });
        self.check_timeout();
    }

    /// Fails the test, as Go's `t.Fatal`, if more than 120 s passed since `make_config`.
    pub fn check_timeout(&self) {
        if !std::thread::panicking() && self.start.elapsed() > time_limit() {
            t_fatalf(&format!("test took longer than {} seconds", time_limit().as_secs()));
        }
    }

    /// Prints `Fatal: msg` and where it was raised, then fails the test (Go's `Fatalf`).
    #[track_caller]
    pub fn fatalf(&self, msg: &str) -> ! {
        fatalf(msg)
    }
}

/// Fails the running test as Go's tester `Fatalf` does: `Fatal: msg`, then one indented
/// line per caller in the test target's own files (`raft/tests/test.rs:100`), innermost
/// first; the `--- FAIL` line follows when the test has ended.
#[track_caller]
pub fn fatalf(msg: &str) -> ! {
    let mut frames = labtest::test_frames();
    if frames.is_empty() {
        // No debug info to walk the stack with: the caller is all we know.
        let at = std::panic::Location::caller();
        frames.push(format!("{}:{}", at.file(), at.line()));
    }
    println!("Fatal: {msg}");
    for frame in frames {
        println!("        {frame}");
    }
    labtest::fail_now()
}

/// Fails the running test as Go's `t.Fatalf` does: the test's `--- FAIL` line, then
/// `    file.rs:NN: msg` with the caller's file and line.
#[track_caller]
pub fn t_fatalf(msg: &str) -> ! {
    let at = std::panic::Location::caller();
    let file =
        std::path::Path::new(at.file()).file_name().map_or_else(|| at.file().into(), |f| f.to_string_lossy());
    // Unwound without the panic hook: labtest prints the text under the FAIL line.
    std::panic::resume_unwind(Box::new(format!("{file}:{}: {msg}", at.line())))
}

/// Says on stderr, the moment a test passes its time limit, that it is over and still
/// running (it fails when it ends, as in Go; `LAB_TIMEOUT` cuts off one that never does).
fn start_watchdog() -> Sender<()> {
    let (tx, rx) = bounded::<()>(0);
    let limit = time_limit();
    let spawned = std::thread::Builder::new().name("tester-watchdog".into()).spawn(move || {
        if rx.recv_timeout(limit).is_err_and(|e| e.is_timeout()) {
            eprintln!(
                "tester: {} has run for {} seconds, over its limit, and is still running; it \
                 will fail when it ends",
                labtest::name(),
                limit.as_secs()
            );
        }
    });
    if let Err(e) = spawned {
        eprintln!("tester: cannot start the time-limit warning ({e}); the test still fails past its limit");
    }
    tx
}
