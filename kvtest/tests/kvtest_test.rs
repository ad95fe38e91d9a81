//! kvtest on clerks that need no server: a correct in-process map passes the checks, and
//! maps that break linearizability on purpose (a stale read, a lost Put, a Put applied
//! twice) are caught as illegal, in child processes, with the history page written.
#![allow(non_snake_case)]

use kvtest::{ClntRes, Done, IClerkMaker, IKVClerk, TestClerk};
use rpc::Tversion;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tester::{Config, FstartServer, IService};

/// What a fake map does wrong.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    /// Every 4th Get returns the value and version from before the last Put (once there
    /// was one).
    StaleRead,
    /// Every 4th OK Put is not installed.
    LostPut,
    /// Every 4th OK Put is installed twice (its version goes up by two).
    DuplicatedPut,
}

#[derive(Default)]
struct Map {
    kv: HashMap<String, (String, Tversion)>,
    before: HashMap<String, (String, Tversion)>,
    gets: u64,
    puts: u64,
}

/// A key/value map shared by every clerk, with a fault.
struct FakeMap {
    fault: Fault,
    map: Mutex<Map>,
}

/// A clerk of the fake map.
struct FakeClerk(Arc<FakeMap>);

/// How long a fake call takes: about as long as an RPC of the simulated network, so that
/// a history has thousands of operations, not millions.
const CALL: Duration = Duration::from_micros(100);

impl IKVClerk for FakeClerk {
    fn get(&self, key: &str) -> (String, Tversion, rpc::Err) {
        std::thread::sleep(CALL);
        let mut m = self.0.map.lock().unwrap();
        m.gets += 1;
        let stale =
            self.0.fault == Fault::StaleRead && m.gets.is_multiple_of(4) && m.before.contains_key(key);
        let got = if stale { m.before.get(key) } else { m.kv.get(key) };
        match got {
            Some((v, ver)) => (v.clone(), *ver, rpc::OK),
            None => (String::new(), 0, rpc::ErrNoKey),
        }
    }

    fn put(&self, key: &str, value: &str, version: Tversion) -> rpc::Err {
        std::thread::sleep(CALL);
        let mut m = self.0.map.lock().unwrap();
        let cur = m.kv.get(key).cloned();
        let now = cur.as_ref().map_or(0, |c| c.1);
        if cur.is_none() && version != 0 {
            return rpc::ErrNoKey;
        }
        if now != version {
            return rpc::ErrVersion;
        }
        m.puts += 1;
        let nth = m.puts.is_multiple_of(4);
        match self.0.fault {
            Fault::LostPut if nth => return rpc::OK,
            Fault::DuplicatedPut if nth => {
                m.kv.insert(key.to_string(), (value.to_string(), version + 2));
                return rpc::OK;
            }
            _ => {}
        }
        if let Some(c) = cur {
            m.before.insert(key.to_string(), c);
        }
        m.kv.insert(key.to_string(), (value.to_string(), version + 1));
        rpc::OK
    }
}

/// Makes clerks of one fake map.
struct Maker {
    cfg: Arc<Config>,
    map: Arc<FakeMap>,
}

impl IClerkMaker for Maker {
    fn make_clerk(&self) -> TestClerk {
        TestClerk { ck: Box::new(FakeClerk(self.map.clone())), clnt: self.cfg.make_client() }
    }
    fn delete_clerk(&self, ck: &TestClerk) {
        self.cfg.delete_client(&ck.clnt);
    }
}

/// A server with nothing to do: the fakes need none, the tester wants one.
struct Nop;

impl IService for Nop {
    fn kill(&self) {}
}

fn make_test(fault: Fault) -> kvtest::Test {
    let mks: FstartServer = Arc::new(|_e, _g, _i, _p| vec![Arc::new(Nop) as Arc<dyn IService>]);
    let cfg = Config::make_config(1, true, mks);
    let map = Arc::new(FakeMap { fault, map: Mutex::default() });
    kvtest::make_test(cfg.clone(), false, Arc::new(Maker { cfg, map }))
}

/// Five clients put to key "k" for half a second.
fn race(ts: &kvtest::Test) -> Vec<ClntRes> {
    ts.spawn_clients_and_wait(5, Duration::from_millis(500), |me, ck: &TestClerk, done: &Done| {
        ts.one_client_put(me, ck, &["k".to_string()], done)
    })
}

fn TestCorrectMapPasses() {
    let ts = make_test(Fault::None);
    ts.begin("Test: a correct map");
    let rs = race(&ts);
    assert!(rs.iter().map(|r| r.nok).sum::<i64>() > 10, "the clients made progress: {rs:?}");
    let ck = ts.make_clerk();
    ts.check_put_concurrent(&ck, "k", &rs, &mut ClntRes::default(), true);
    // Put, then the value and version it left, as the tester sees them.
    let v = ts.put_at_least_once(&ck, "x", "1", 0, -1);
    ts.check_get(&ck, "x", "1", v);
    ts.check_porcupine();
}

/// In a child: runs the fault `CHILD_FAULT` names, then checks the history.
fn TestFaultyChild() {
    let fault = match std::env::var("CHILD_FAULT").as_deref() {
        Ok("stale") => Fault::StaleRead,
        Ok("lost") => Fault::LostPut,
        Ok("duplicated") => Fault::DuplicatedPut,
        _ => Fault::None,
    };
    let ts = make_test(fault);
    ts.begin("Test: a faulty map");
    race(&ts);
    ts.check_porcupine();
}

/// Runs the faulty child with `fault`, writing its page to a fresh file; returns its
/// stdout and the page.
fn faulty(fault: &str) -> (String, String, Option<i32>) {
    let dir = std::env::temp_dir().join(format!("kvtest-test-{}-{fault}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let page: PathBuf = dir.join("vis.html");
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "TestFaultyChild"])
        .env("KVTEST_CHILD", "1")
        .env("CHILD_FAULT", fault)
        .env("VIS_FILE", &page)
        .env_remove("VIS_ENABLE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    (stdout, html, out.status.code())
}

fn assert_caught(fault: &str) {
    let (out, html, code) = faulty(fault);
    assert_ne!(code, Some(0), "the child passed:\n{out}");
    assert!(out.contains("info: wrote history visualization to "), "no page line:\n{out}");
    assert!(out.contains("--- FAIL: TestFaultyChild"), "no FAIL line:\n{out}");
    assert!(out.contains("porcupine.rs:") && out.contains(": history is not linearizable"), "{out}");
    assert!(!out.contains("  ... Passed"), "a failed test prints no Passed line:\n{out}");
    assert!(html.contains(r#""result":"Illegal""#), "the page shows no illegal partition");
    assert!(html.contains(r#""stuck":{"#), "the page does not say where the search got stuck");
}

fn TestStaleReadIsIllegal() {
    assert_caught("stale");
}

fn TestLostPutIsIllegal() {
    assert_caught("lost");
}

fn TestDuplicatedPutIsIllegal() {
    assert_caught("duplicated");
}

fn main() {
    if std::env::var_os("KVTEST_CHILD").is_some() {
        labtest::run("kvtest", labtest::test_list!(TestFaultyChild));
    }
    labtest::run(
        env!("CARGO_PKG_NAME"),
        labtest::test_list!(
            TestCorrectMapPasses,
            TestStaleReadIsIllegal,
            TestLostPutIsIllegal,
            TestDuplicatedPutIsIllegal
        ),
    );
}
