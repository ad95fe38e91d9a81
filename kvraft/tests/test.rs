//! The kvraft tests' harness (Go's kvraft1/test.go): a key/value test on a group of
//! replicated servers, with its title built from the test's settings.

use kvraft::{make_clerk, start_kv_server};
use kvtest::{IClerkMaker, TestClerk};
use std::ops::Deref;
use std::sync::Arc;
use tester::{Config, FstartServer, GRP0, Tgid};

/// The one group.
pub const GID: Tgid = GRP0;

/// A kvraft test (Go's `kvraft.Test`): a `kvtest::Test` (through `Deref`) and its settings.
pub struct Test {
    ts: kvtest::Test,
    /// The part and case, as the title shows it (`4B basic`).
    pub part: String,
    /// Client threads in `generic_test`.
    pub nclients: usize,
    /// Servers in the group.
    pub nservers: usize,
    /// Whether the servers crash and restart.
    pub crash: bool,
    /// Whether the network partitions.
    pub partitions: bool,
    /// Snapshot when Raft's state reaches this many bytes (-1: never).
    pub maxraftstate: i64,
    /// Whether clients pick among 100 keys.
    pub randomkeys: bool,
}

impl Deref for Test {
    type Target = kvtest::Test;
    fn deref(&self) -> &kvtest::Test {
        &self.ts
    }
}

/// Runs `ts.cleanup()` when dropped, like Go's `defer ts.Cleanup()`.
#[must_use = "bind it to a local (`let _cleanup = ...`) so that it lives until the test ends"]
pub struct Cleanup(pub Arc<Test>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.cleanup();
    }
}

/// Makes clerks that know every server of the group.
struct Maker {
    cfg: Arc<Config>,
}

impl IClerkMaker for Maker {
    fn make_clerk(&self) -> TestClerk {
        let clnt = self.cfg.make_client();
        let ck = make_clerk(clnt.clone(), self.cfg.group(GID).srv_names());
        TestClerk { ck, clnt }
    }

    fn delete_clerk(&self, ck: &TestClerk) {
        self.cfg.delete_client(&ck.clnt);
    }
}

/// A test of `nservers` servers, and prints its title (Go's `MakeTest`).
#[allow(clippy::too_many_arguments)] // Go's signature
pub fn make_test(
    part: &str,
    nclients: usize,
    nservers: usize,
    reliable: bool,
    crash: bool,
    partitions: bool,
    maxraftstate: i64,
    randomkeys: bool,
) -> Arc<Test> {
    let mks: FstartServer = Arc::new(move |servers, gid, me, persister| {
        start_kv_server(servers, gid, me, persister, maxraftstate)
    });
    let cfg = Config::make_config(nservers, reliable, mks);
    // Beyond Go: peer lanes on the failure page.
    cfg.start_peer_sampler(GID);
    let mck = Arc::new(Maker { cfg: cfg.clone() });
    let ts = Test {
        ts: kvtest::make_test(cfg, randomkeys, mck),
        part: part.to_string(),
        nclients,
        nservers,
        crash,
        partitions,
        maxraftstate,
        randomkeys,
    };
    ts.begin(&ts.make_title());
    Arc::new(ts)
}

impl Test {
    /// A clerk whose client reaches only the servers `to` (it still knows them all) (Go's
    /// `MakeClerkTo`).
    pub fn make_clerk_to(&self, to: &[usize]) -> TestClerk {
        let ns = self.group(GID).srv_names_to(to);
        let clnt = self.make_client_to(&ns);
        let ck = make_clerk(clnt.clone(), self.group(GID).srv_names());
        TestClerk { ck, clnt }
    }

    /// `Test: restarts, partitions, snapshots, random keys, many clients (4B ...)`.
    fn make_title(&self) -> String {
        let mut title = "Test: ".to_string();
        if self.crash {
            // peers re-start, and thus persistence must work.
            title += "restarts, ";
        }
        if self.partitions {
            // the network may partition
            title += "partitions, ";
        }
        if self.maxraftstate != -1 {
            title += "snapshots, ";
        }
        if self.randomkeys {
            title += "random keys, ";
        }
        if self.nclients > 1 {
            title += "many clients";
        } else {
            title += "one client";
        }
        title + " (" + &self.part + ")" // 4A, 4B, 4C
    }
}
