//! The kvsrv tests' harness (Go's `kvsrv1/test.go`, part of the package because the lock
//! tests use it too): one server, and clerks that talk to it.

use crate::{make_clerk, start_kv_server};
use kvtest::{IClerkMaker, TestClerk};
use std::ops::Deref;
use std::sync::Arc;
use tester::{Config, FstartServer, GRP0, server_name};

/// A kvsrv test: a `kvtest::Test` (reachable through `Deref`, as Go embeds it) on one
/// server (Go's `TestKV`). Dropping it is Go's `defer ts.Cleanup()`.
pub struct TestKV {
    test: kvtest::Test,
    /// Whether the network is reliable.
    pub reliable: bool,
}

impl Deref for TestKV {
    type Target = kvtest::Test;
    fn deref(&self) -> &kvtest::Test {
        &self.test
    }
}

/// Makes clerks for the one server.
struct Maker {
    cfg: Arc<Config>,
}

impl IClerkMaker for Maker {
    fn make_clerk(&self) -> TestClerk {
        let clnt = self.cfg.make_client();
        let ck = make_clerk(clnt.clone(), &server_name(GRP0, 0));
        TestClerk { ck, clnt }
    }

    fn delete_clerk(&self, ck: &TestClerk) {
        self.cfg.delete_client(&ck.clnt);
    }
}

/// A test with one key/value server on a `reliable` (or not) network (Go's `MakeTestKV`).
pub fn make_test_kv(reliable: bool) -> TestKV {
    let mks: FstartServer = Arc::new(start_kv_server);
    let cfg = Config::make_config(1, reliable, mks);
    let mck = Arc::new(Maker { cfg: cfg.clone() });
    TestKV { test: kvtest::make_test(cfg, false, mck), reliable }
}
