//! The rsm tests' harness (Go's kvraft1/rsm/test.go): three servers, each a counter behind
//! an RSM, and helpers that submit to whichever is the leader.

use crate::server::{IncRep, NullRep, RsmSrv, make_rsm_srv};
use labgob::Any;
use labrpc::ClientEnd;
use std::ops::Deref;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};
use tester::annotation::{annotate_checker_failure, annotate_checker_success};
use tester::{Config, FstartServer, GRP0, IService, Persister, ServerGrp, Tgid, fatalf};

/// The number of servers.
pub const NSRV: usize = 3;
/// How long `one_partition` tries, in seconds.
pub const NSEC: u64 = 10;
/// The one group.
pub const GID: Tgid = GRP0;

/// An rsm test (Go's `rsm.Test`): the tester's `Config` (through `Deref`), the group and
/// each server's current `RsmSrv`.
pub struct Test {
    cfg: OnceLock<Arc<Config>>,
    /// Snapshot when Raft's state reaches this many bytes (-1: never).
    pub maxraftstate: i64,
    srvs: Mutex<Vec<Option<Arc<RsmSrv>>>>,
    leader: Mutex<usize>,
}

impl Deref for Test {
    type Target = Config;
    fn deref(&self) -> &Config {
        self.cfg.get().expect("the Config is set right after make_config")
    }
}

/// Runs `ts.cleanup()` when dropped, like Go's `defer ts.cleanup()`.
#[must_use = "bind it to a local (`let _cleanup = ...`) so that it lives until the test ends"]
pub struct Cleanup(pub Arc<Test>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.cleanup();
    }
}

/// A test of `NSRV` servers on a reliable network (Go's `makeTest`).
pub fn make_test(maxraftstate: i64) -> Arc<Test> {
    let ts = Arc::new(Test {
        cfg: OnceLock::new(),
        maxraftstate,
        srvs: Mutex::new(vec![None; NSRV]),
        leader: Mutex::new(0),
    });
    let weak = Arc::downgrade(&ts);
    let mks: FstartServer = Arc::new(move |ends, grp, srv, persister| {
        let ts = weak.upgrade().expect("test: a server started after the test ended");
        ts.mksrv(ends, grp, srv, persister)
    });
    let cfg = Config::make_config(NSRV, true, mks);
    // Beyond Go: peer lanes on the failure page.
    cfg.start_peer_sampler(GID);
    let _ = ts.cfg.set(cfg);
    ts
}

impl Test {
    /// Group 0.
    pub fn g(&self) -> Arc<ServerGrp> {
        self.group(GID)
    }

    /// Prints the Passed line, tears down and checks the time limit (Go's `cleanup`).
    pub fn cleanup(&self) {
        self.end();
        Config::cleanup(self);
        self.check_timeout();
    }

    fn mksrv(
        &self,
        ends: Vec<ClientEnd>,
        _grp: Tgid,
        srv: usize,
        persister: Arc<Persister>,
    ) -> Vec<Arc<dyn IService>> {
        let s = make_rsm_srv(self, srv, ends, persister);
        let raft = s.rsm().raft();
        self.srvs.lock().unwrap_or_else(|p| p.into_inner())[srv] = Some(s);
        vec![raft as Arc<dyn IService>]
    }

    /// Server `i`'s current `RsmSrv`.
    pub fn srv(&self, i: usize) -> Option<Arc<RsmSrv>> {
        self.srvs.lock().unwrap_or_else(|p| p.into_inner())[i].clone()
    }

    /// Submits `req` to each connected server in `p` (`None`: any) until one, the leader,
    /// applies it; gives up after `NSEC` seconds (Go's `onePartition`).
    pub fn one_partition(&self, p: Option<&[usize]>, req: Any) -> Option<Any> {
        let t0 = Instant::now();
        let n = NSRV;
        while t0.elapsed() < Duration::from_secs(NSEC) {
            let mut index = *self.leader.lock().unwrap_or_else(|p| p.into_inner());
            for _ in 0..n {
                if self.g().is_connected(index)
                    && let Some(s) = self.srv(index)
                    && p.is_none_or(|p| p.contains(&index))
                {
                    let (err, rep) = s.rsm().submit(req.clone());
                    if err == rpc::OK {
                        *self.leader.lock().unwrap_or_else(|p| p.into_inner()) = index;
                        return rep;
                    }
                }
                index = (index + 1) % n;
            }
            thread::sleep(Duration::from_millis(50));
        }
        None
    }

    /// Submits an `Inc` (Go's `oneInc`); like Go's, which then reads a nil pointer, fails
    /// if no server applied it.
    pub fn one_inc(&self) -> IncRep {
        match self.one_partition(None, Any::new(crate::server::Inc {})) {
            Some(rep) => rep.downcast_ref::<IncRep>().cloned().unwrap_or_default(),
            None => panic!("runtime error: invalid memory address or nil pointer dereference"),
        }
    }

    /// Submits a `Null` (Go's `oneNull`); `None` if no server applied it.
    pub fn one_null(&self) -> Option<NullRep> {
        self.one_partition(None, Any::new(crate::server::Null {})).map(|_| NullRep {})
    }

    /// Fails the test unless `nsrv` servers reach counter `v` within about 12 s (Go's
    /// `checkCounter`).
    #[track_caller]
    pub fn check_counter(&self, v: i64, nsrv: usize) {
        let mut to = Duration::from_millis(10);
        let mut n = 0;
        for _ in 0..30 {
            n = self.count_value(v);
            if n >= nsrv {
                let text = format!("all {nsrv} servers have counter value {v}");
                annotate_checker_success(&text, &text);
                return;
            }
            thread::sleep(to);
            if to < Duration::from_secs(1) {
                to *= 2;
            }
        }
        let err = format!("checkCounter: only {n} srvs have {v} instead of {nsrv}");
        annotate_checker_failure(&err, &err);
        fatalf(&err);
    }

    fn count_value(&self, v: i64) -> usize {
        (0..NSRV)
            .filter_map(|i| self.srv(i))
            .filter(|s| *s.counter.lock().unwrap_or_else(|p| p.into_inner()) == v)
            .count()
    }

    /// Cuts the leader `one_partition` last used off (Go's `disconnectLeader`).
    pub fn disconnect_leader(&self) -> usize {
        let l = *self.leader.lock().unwrap_or_else(|p| p.into_inner());
        self.g().disconnect_all(l);
        l
    }

    /// Connects server `i` back (Go's `connect`).
    pub fn connect(&self, i: usize) {
        self.g().connect_one(i);
    }
}
