//! The tester's stand-in for a service above Raft (Go's raft1/server.go): an [`RfSrv`]
//! reads its peer's apply channel, checks every applied entry against the other servers,
//! and in snapshot mode (3D) hands Raft a snapshot every [`SNAPSHOT_INTERVAL`] entries.

use crate::test::{Checker, Test};
use crossbeam_channel::Receiver;
use labgob::{Any, Decoder, Encoder};
use labrpc::ClientEnd;
use raftapi::ApplyMsg;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use tester::annotation::{
    annotate_checker_failure_before_exit, annotate_info_interval, get_annotate_timestamp,
};
use tester::{IService, Persister, t_fatalf};

/// The service snapshots after every this many applied entries (at indexes 9, 19, ...).
pub const SNAPSHOT_INTERVAL: i64 = 10;

/// What `RfSrv::mu` guards.
pub struct SrvState {
    /// The Raft peer; `None` once the server is killed (the tester kills the peer itself).
    pub raft: Option<Arc<dyn raftapi::Raft>>,
    /// A copy of each entry this server applied; a `None` value is Go's nil command.
    pub logs: HashMap<i64, Option<Any>>,
    /// An error from the applier. Go sets it after `log.Fatalf`, which never returns, so it
    /// stays empty; `n_committed` still checks it, as Go's does.
    pub apply_err: String,
    /// The last index applied (snapshot mode).
    pub last_applied: i64,
}

/// One server of a test: its Raft peer and what the peer applied.
pub struct RfSrv {
    me: usize,
    persister: Arc<Persister>,
    mu: Mutex<SrvState>,
}

/// Makes server `srv`'s Raft peer and the `RfSrv` above it, and starts the thread that
/// reads the peer's apply channel; returns both, to register as the server's services.
pub fn new_rfsrv(
    ts: &Arc<Test>,
    srv: usize,
    ends: Vec<ClientEnd>,
    persister: Arc<Persister>,
    snapshot: bool,
) -> (Arc<RfSrv>, Arc<raft::Raft>) {
    // Unbuffered, as Go's channel: each send waits for the applier.
    let (apply_tx, apply_rx) = crossbeam_channel::bounded(0);
    let raft = raft::make(ends, srv, persister.clone(), apply_tx);
    let s = Arc::new(RfSrv {
        me: srv,
        persister: persister.clone(),
        mu: Mutex::new(SrvState {
            raft: Some(raft.clone() as Arc<dyn raftapi::Raft>),
            logs: HashMap::new(),
            apply_err: String::new(),
            last_applied: 0,
        }),
    });
    let applier = thread::Builder::new().name(format!("applier-{srv}"));
    // As Go's applier goroutine, it goes on checking what a killed peer applies even after
    // the test has ended, until the peer drops its end of the channel.
    let (s1, checker) = (s.clone(), ts.checker());
    if snapshot {
        let snapshot = persister.read_snapshot();
        if !snapshot.is_empty() {
            // Mimic a KV server and process the snapshot now; ideally Raft would send it
            // up on the apply channel.
            let err = s.ingest_snap(&snapshot, -1);
            if !err.is_empty() {
                annotate_checker_failure_before_exit("failed to ingest snapshot", &err);
                t_fatalf(&err);
            }
        }
        applier.spawn(move || s1.applier_snap(&checker, apply_rx))
    } else {
        applier.spawn(move || s1.applier(&checker, apply_rx))
    }
    .expect("test: cannot start an applier thread");
    (s, raft)
}

impl IService for RfSrv {
    /// Forgets the Raft peer (the tester kills it separately) and, like a KV server that
    /// saves its state before it stops, saves the persister's contents again.
    fn kill(&self) {
        self.lock().raft = None;
        let raftlog = self.persister.read_raft_state();
        let snapshot = self.persister.read_snapshot();
        self.persister.save(&raftlog, Some(&snapshot));
    }
}

impl RfSrv {
    /// Locks this server's state (Go's `rs.mu`).
    pub fn lock(&self) -> MutexGuard<'_, SrvState> {
        self.mu.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The peer's term and whether it thinks it is the leader; the server must be alive.
    pub fn get_state(&self) -> (i64, bool) {
        let st = self.lock();
        st.raft.as_ref().expect("test: GetState() on a killed server").get_state()
    }

    /// The Raft peer, or `None` if the server was killed (crashed).
    pub fn raft(&self) -> Option<Arc<dyn raftapi::Raft>> {
        self.lock().raft.clone()
    }

    /// The command this server applied at index `i`, if it applied one (`Some(None)` is
    /// Go's nil command).
    pub fn logs(&self, i: i64) -> Option<Option<Any>> {
        self.lock().logs.get(&i).cloned()
    }

    /// Reads the apply channel and checks that each command matches what the other servers
    /// applied at its index, and that this server applied the one before; any mismatch
    /// ends the whole run, as Go's `log.Fatalf` does. Exits once the peer drops its end of
    /// the channel.
    fn applier(&self, ts: &Checker, apply_ch: Receiver<ApplyMsg>) {
        for m in apply_ch.iter() {
            if !m.command_valid {
                // Ignore other kinds of ApplyMsg.
                continue;
            }
            let (mut err_msg, prevok) = ts.check_logs(self.me, &m);
            if m.command_index > 1 && !prevok {
                err_msg = format!("server {} apply out of order {}", self.me, m.command_index);
            }
            if !err_msg.is_empty() {
                annotate_checker_failure_before_exit("apply error", &err_msg);
                labtest::fail_process(&format!("apply error: {err_msg}"));
            }
        }
    }

    /// The applier of the snapshot tests (3D): also requires commands in strict index
    /// order, installs snapshots that Raft sends up, and every `SNAPSHOT_INTERVAL` entries
    /// hands Raft a snapshot of everything applied so far.
    fn applier_snap(&self, ts: &Checker, apply_ch: Receiver<ApplyMsg>) {
        if self.raft().is_none() {
            return; // as Go's; cannot happen, the peer is set before this thread starts
        }

        for m in apply_ch.iter() {
            let mut err_msg = String::new();
            if m.snapshot_valid {
                err_msg = self.ingest_snap(&m.snapshot, m.snapshot_index);
            } else if m.command_valid {
                let last_applied = self.lock().last_applied;
                if m.command_index != last_applied + 1 {
                    err_msg = format!(
                        "server {} apply out of order, expected index {}, got {}",
                        self.me,
                        last_applied + 1,
                        m.command_index
                    );
                }

                if err_msg.is_empty() {
                    let prevok;
                    (err_msg, prevok) = ts.check_logs(self.me, &m);
                    if m.command_index > 1 && !prevok {
                        err_msg = format!("server {} apply out of order {}", self.me, m.command_index);
                    }
                }

                self.lock().last_applied = m.command_index;

                if (m.command_index + 1) % SNAPSHOT_INTERVAL == 0 {
                    // The snapshot: the index, then the log 0..=index (entry 0, and any
                    // this server never applied, are nil).
                    let (raft, xlog) = {
                        let st = self.lock();
                        let xlog: Vec<Option<Any>> =
                            (0..=m.command_index).map(|j| st.logs.get(&j).cloned().flatten()).collect();
                        (st.raft.clone(), xlog)
                    };
                    let mut e = Encoder::new();
                    if let Err(err) = e.encode(&m.command_index).and_then(|()| e.encode(&xlog)) {
                        labtest::fail_process(&format!("snapshot encode error: {err}"));
                    }
                    // Go would dereference a nil Raft here if the server was killed meanwhile.
                    if let Some(raft) = raft {
                        let start = get_annotate_timestamp();
                        raft.snapshot(m.command_index, e.into_bytes());
                        let details = format!(
                            "snapshot created after applying the command at index {}",
                            m.command_index
                        );
                        annotate_info_interval(start, "snapshot created", &details);
                    }
                }
            } else {
                // Ignore other kinds of ApplyMsg.
            }
            if !err_msg.is_empty() {
                annotate_checker_failure_before_exit("apply error", &err_msg);
                labtest::fail_process(&format!("apply error: {err_msg}"));
            }
        }
    }

    /// Replaces this server's applied log with a snapshot's; returns "" or an error. With
    /// `index` other than -1, the snapshot must end at `index`.
    fn ingest_snap(&self, snapshot: &[u8], index: i64) -> String {
        let mut st = self.lock();

        // Go ends the run with "nil snapshot" for a nil slice; a Rust Vec cannot be nil, and
        // an empty one (what Go's persister hands out when it holds no snapshot) fails to
        // decode below, with Go's "snapshot decode error".
        let mut d = Decoder::new(snapshot);
        let decoded = d.decode::<i64>().and_then(|index| Ok((index, d.decode::<Vec<Option<Any>>>()?)));
        let Ok((last_included_index, xlog)) = decoded else {
            let text = "failed to decode snapshot";
            annotate_checker_failure_before_exit(text, text);
            labtest::fail_process("snapshot decode error");
        };
        if index != -1 && index != last_included_index {
            return format!("server {} snapshot doesn't match m.SnapshotIndex", self.me);
        }
        st.logs = xlog.into_iter().enumerate().map(|(j, v)| (j as i64, v)).collect();
        st.last_applied = last_included_index;
        String::new()
    }
}
