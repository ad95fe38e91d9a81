//! Go's tester tests (TestBasic, TestShutdownServer), plus the persister and partitions (the
//! time limits and every other failure path: failure_test.rs).
#![allow(non_snake_case)]

use labrpc::{ClientEnd, Service};
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tester::{Config, GRP0, IService, Persister, fatalf, server_name};

#[derive(Serialize, Deserialize, Default)]
struct GetArgs {
    key: String,
}
#[derive(Serialize, Deserialize, Default)]
struct GetReply {
    version: u64,
}

#[derive(Default)]
struct Server {
    n: AtomicU64,
    killed: AtomicBool,
}

impl Server {
    fn get(&self, _args: &GetArgs, reply: &mut GetReply) {
        reply.version = self.n.fetch_add(1, Ordering::SeqCst) + 1;
    }
}

impl IService for Server {
    fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
    fn rpc_service(self: Arc<Self>) -> Option<Service> {
        Some(Service::builder(self).method("Get", Server::get).build())
    }
}

struct Test {
    cfg: Arc<Config>,
    s: Arc<Mutex<Option<Arc<Server>>>>,
    clnt: Arc<tester::Clnt>,
    sn: String,
}

fn make_test(nsrv: usize) -> Test {
    let s: Arc<Mutex<Option<Arc<Server>>>> = Arc::default();
    let slot = s.clone();
    let mks: tester::FstartServer = Arc::new(move |_ends: Vec<ClientEnd>, _gid, _me, _p: Arc<Persister>| {
        let srv = Arc::new(Server::default());
        *slot.lock().unwrap() = Some(srv.clone());
        vec![srv as Arc<dyn IService>]
    });
    let cfg = Config::make_config(nsrv, true, mks);
    let clnt = cfg.make_client();
    Test { cfg, s, clnt, sn: server_name(GRP0, 0) }
}

impl Test {
    fn server(&self) -> Arc<Server> {
        self.s.lock().unwrap().clone().unwrap()
    }
    fn one_rpc(&self) -> bool {
        let mut reply = GetReply::default();
        if !self.clnt.call(&self.sn, "Server.Get", &GetArgs { key: "xxx".into() }, &mut reply) {
            return false;
        }
        if reply.version != self.server().n.load(Ordering::SeqCst) {
            fatalf("Wrong version");
        }
        true
    }
}

impl Drop for Test {
    fn drop(&mut self) {
        self.cfg.cleanup();
    }
}

fn TestBasic() {
    let ts = make_test(1);
    assert!(ts.one_rpc(), "the RPC failed");
}

fn TestShutdownServer() {
    let ts = make_test(1);
    ts.one_rpc();
    ts.cfg.group(GRP0).shutdown();
    if !ts.server().killed.load(Ordering::SeqCst) {
        fatalf("Not killed");
    }
    if ts.one_rpc() {
        fatalf("RPC succeeded");
    }
}

fn TestPersister() {
    let p = Persister::new();
    assert!(p.read_raft_state().is_empty() && p.read_snapshot().is_empty());
    p.save(b"state", Some(b"snap"));
    let c = p.copy();
    p.save(b"newer", None);
    assert_eq!(c.read_raft_state(), b"state");
    assert_eq!(c.read_snapshot(), b"snap");
    assert_eq!((c.raft_state_size(), c.snapshot_size()), (5, 4));
    assert_eq!(p.read_raft_state(), b"newer");
    assert_eq!(p.read_snapshot(), b"", "Save(state, nil) stores an empty snapshot");
}

fn TestRestartKeepsState() {
    let persisted: Arc<Mutex<Vec<Arc<Persister>>>> = Arc::default();
    let seen = persisted.clone();
    let mks: tester::FstartServer = Arc::new(move |_e, _g, _i, p: Arc<Persister>| {
        seen.lock().unwrap().push(p);
        vec![Arc::new(Server::default()) as Arc<dyn IService>]
    });
    let cfg = Config::make_config(3, true, mks);
    let g = cfg.group(GRP0);
    let first = persisted.lock().unwrap()[0].clone();
    first.save(b"term=3", None);
    g.shutdown_server(0);
    first.save(b"written after the crash", None); // a zombie's write
    g.start_server(0);
    let second = persisted.lock().unwrap().last().unwrap().clone();
    assert_eq!(second.read_raft_state(), b"term=3");
    assert_eq!(g.log_size(), 6);
    cfg.cleanup();
}

fn TestPartition() {
    let mks: tester::FstartServer =
        Arc::new(|_e, _g, _i, _p| vec![Arc::new(Server::default()) as Arc<dyn IService>]);
    let cfg = Config::make_config(5, true, mks);
    let g = cfg.group(GRP0);
    assert_eq!(g.make_partition(2), (vec![0, 1, 3], vec![4, 2]));
    g.disconnect_all(1);
    assert_eq!(g.get_connected(), vec![true, false, true, true, true]);
    g.connect_one(1);
    assert!(g.is_connected(1));
    cfg.cleanup();
}

fn TestRandstring() {
    let a = tester::randstring(20);
    assert_eq!(a.len(), 20);
    assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'), "{a}");
    assert_ne!(a, tester::randstring(20));
}

fn main() {
    labtest::run(
        env!("CARGO_PKG_NAME"),
        labtest::test_list!(
            TestBasic,
            TestShutdownServer,
            TestPersister,
            TestRestartKeepsState,
            TestPartition,
            TestRandstring,
        ),
    );
}
