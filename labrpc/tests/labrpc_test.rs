//! Go's labrpc tests, with Go's names and bounds, plus the misuse paths.
#![allow(non_snake_case)]

use labrpc::{ClientEnd, Network, Server, Service};
use serde::{Deserialize, Serialize};
use std::process::Command;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

#[derive(Serialize, Deserialize, Default, Debug)]
struct JunkArgs {
    x: i64,
}
#[derive(Serialize, Deserialize, Default, Debug)]
struct JunkReply {
    x: String,
}

#[derive(Default)]
struct JunkServer {
    mu: Mutex<(Vec<String>, Vec<i64>)>, // log1, log2
}

// Handlers take `&A` of an owned, decodable `A`: `&String`, not `&str`.
#[allow(clippy::ptr_arg)]
impl JunkServer {
    fn handler1(&self, args: &String, reply: &mut i64) {
        let mut g = self.mu.lock().unwrap();
        g.0.push(args.clone());
        *reply = args.parse().unwrap_or(0);
    }
    fn handler2(&self, args: &i64, reply: &mut String) {
        let mut g = self.mu.lock().unwrap();
        g.1.push(*args);
        *reply = format!("handler2-{args}");
    }
    fn handler3(&self, args: &i64, reply: &mut i64) {
        let _g = self.mu.lock().unwrap();
        thread::sleep(Duration::from_secs(20));
        *reply = -args;
    }
    fn handler4(&self, _args: &JunkArgs, reply: &mut JunkReply) {
        reply.x = "pointer".into();
    }
    fn handler5(&self, _args: &JunkArgs, reply: &mut JunkReply) {
        reply.x = "no pointer".into();
    }
    fn handler6(&self, args: &String, reply: &mut i64) {
        let _g = self.mu.lock().unwrap();
        *reply = args.len() as i64;
    }
    /// Not in Go's JunkServer: a handler with a bug, for the fatal-misuse test.
    fn panics(&self, _args: &i64, _reply: &mut i64) {
        panic!("a bug in a handler");
    }
    fn handler7(&self, args: &i64, reply: &mut String) {
        let _g = self.mu.lock().unwrap();
        *reply = "y".repeat(*args as usize);
    }
}

fn junk_service(js: &Arc<JunkServer>) -> Service {
    Service::builder(js.clone())
        .method("Handler1", JunkServer::handler1)
        .method("Handler2", JunkServer::handler2)
        .method("Handler3", JunkServer::handler3)
        .method("Handler4", JunkServer::handler4)
        .method("Handler5", JunkServer::handler5)
        .method("Handler6", JunkServer::handler6)
        .method("Handler7", JunkServer::handler7)
        .method("Panics", JunkServer::panics)
        .build()
}

/// A network with one JunkServer named `server`, and the server.
fn setup(server: &str) -> (Network, Arc<JunkServer>) {
    let rn = Network::new();
    let js = Arc::new(JunkServer::default());
    let mut rs = Server::new();
    rs.add_service(junk_service(&js));
    rn.add_server(server, rs);
    (rn, js)
}

/// An enabled end named `name` connected to `server`.
fn end(rn: &Network, name: &str, server: &str) -> ClientEnd {
    let e = rn.make_end(name);
    rn.connect(name, server);
    rn.enable(name, true);
    e
}

fn TestBasic() {
    let (rn, _js) = setup("server99");
    let e = end(&rn, "end1-99", "server99");
    let mut reply = String::new();
    e.call("JunkServer.Handler2", &111i64, &mut reply);
    assert_eq!(reply, "handler2-111", "wrong reply from Handler2");
    let mut reply = 0i64;
    e.call("JunkServer.Handler1", &"9099".to_string(), &mut reply);
    assert_eq!(reply, 9099, "wrong reply from Handler1");
    rn.cleanup();
}

fn TestTypes() {
    let (rn, _js) = setup("server99");
    let e = end(&rn, "end1-99", "server99");
    let mut reply = JunkReply::default();
    e.call("JunkServer.Handler4", &JunkArgs::default(), &mut reply);
    assert_eq!(reply.x, "pointer", "wrong reply from Handler4");
    let mut reply = JunkReply::default();
    e.call("JunkServer.Handler5", &JunkArgs { x: 0 }, &mut reply);
    assert_eq!(reply.x, "no pointer", "wrong reply from Handler5");
    rn.cleanup();
}

/// Does `enable(end, false)` really disconnect a client?
fn TestDisconnect() {
    let (rn, _js) = setup("server99");
    let e = rn.make_end("end1-99");
    rn.connect("end1-99", "server99");
    let mut reply = String::new();
    assert!(!e.call("JunkServer.Handler2", &111i64, &mut reply));
    assert_eq!(reply, "", "unexpected reply from Handler2");
    rn.enable("end1-99", true);
    let mut reply = 0i64;
    e.call("JunkServer.Handler1", &"9099".to_string(), &mut reply);
    assert_eq!(reply, 9099, "wrong reply from Handler1");
    rn.cleanup();
}

fn TestCounts() {
    let (rn, _js) = setup("99");
    let e = end(&rn, "end1-99", "99");
    for i in 0..17i64 {
        let mut reply = String::new();
        e.call("JunkServer.Handler2", &i, &mut reply);
        assert_eq!(reply, format!("handler2-{i}"));
    }
    assert_eq!(rn.get_count("99"), 17, "wrong GetCount()");
    rn.cleanup();
}

fn TestBytes() {
    let (rn, _js) = setup("99");
    let e = end(&rn, "end1-99", "99");
    for _ in 0..17 {
        // Go's 71 x's, doubled twice.
        let args = "x".repeat(71 * 4);
        let mut reply = 0i64;
        e.call("JunkServer.Handler6", &args, &mut reply);
        assert_eq!(reply, args.len() as i64);
    }
    let n = rn.get_total_bytes();
    assert!((4828..=6000).contains(&n), "wrong GetTotalBytes() {n}, expected about 5000");
    for _ in 0..17 {
        let mut reply = String::new();
        e.call("JunkServer.Handler7", &107i64, &mut reply);
        assert_eq!(reply.len(), 107);
    }
    let nn = rn.get_total_bytes() - n;
    assert!((1800..=2500).contains(&nn), "wrong GetTotalBytes() {nn}, expected about 2000");
    rn.cleanup();
}

/// RPCs from concurrent ClientEnds.
fn TestConcurrentMany() {
    let (rn, _js) = setup("1000");
    let (nclients, nrpcs) = (20, 10);
    let handles: Vec<_> = (0..nclients)
        .map(|i| {
            let rn = rn.clone();
            thread::spawn(move || {
                let e = end(&rn, &i.to_string(), "1000");
                for j in 0..nrpcs {
                    let arg = i * 100 + j;
                    let mut reply = String::new();
                    e.call("JunkServer.Handler2", &arg, &mut reply);
                    assert_eq!(reply, format!("handler2-{arg}"));
                }
                nrpcs
            })
        })
        .collect();
    let total: i64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, nclients * nrpcs);
    assert_eq!(rn.get_count("1000") as i64, total, "wrong GetCount()");
    rn.cleanup();
}

fn TestUnreliable() {
    let (rn, _js) = setup("1000");
    rn.reliable(false);
    let nclients = 300;
    let handles: Vec<_> = (0..nclients)
        .map(|i: i64| {
            let rn = rn.clone();
            thread::spawn(move || {
                let e = end(&rn, &i.to_string(), "1000");
                let arg = i * 100;
                let mut reply = String::new();
                let ok = e.call("JunkServer.Handler2", &arg, &mut reply);
                if ok {
                    assert_eq!(reply, format!("handler2-{arg}"));
                }
                ok as i64
            })
        })
        .collect();
    let total: i64 = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert!(total != nclients && total != 0, "all RPCs succeeded despite unreliable");
    rn.cleanup();
}

/// Concurrent RPCs from a single ClientEnd.
fn TestConcurrentOne() {
    let (rn, js) = setup("1000");
    let e = end(&rn, "c", "1000");
    let nrpcs = 20;
    let handles: Vec<_> = (0..nrpcs)
        .map(|i: i64| {
            let e = e.clone();
            thread::spawn(move || {
                let arg = 100 + i;
                let mut reply = String::new();
                e.call("JunkServer.Handler2", &arg, &mut reply);
                assert_eq!(reply, format!("handler2-{arg}"));
                1
            })
        })
        .collect();
    let total: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(total, nrpcs as usize);
    assert_eq!(js.mu.lock().unwrap().1.len(), nrpcs as usize, "wrong number of RPCs delivered");
    assert_eq!(rn.get_count("1000"), total, "wrong GetCount()");
    rn.cleanup();
}

/// An RPC delayed while its end was disabled must not delay later RPCs once it is enabled.
fn TestRegression1() {
    let (rn, js) = setup("1000");
    let e = rn.make_end("c");
    rn.connect("c", "1000");
    rn.enable("c", false);
    let nrpcs = 20;
    let handles: Vec<_> = (0..nrpcs)
        .map(|i: i64| {
            let e = e.clone();
            thread::spawn(move || {
                let mut reply = String::new();
                // This call ought to return false.
                e.call("JunkServer.Handler2", &(100 + i), &mut reply);
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(100));
    // Now enable the end and check that an RPC completes quickly.
    let t0 = Instant::now();
    rn.enable("c", true);
    let mut reply = String::new();
    e.call("JunkServer.Handler2", &99i64, &mut reply);
    assert_eq!(reply, "handler2-99");
    let dur = t0.elapsed().as_secs_f64();
    assert!(dur <= 0.03, "RPC took too long ({dur}) after Enable");
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(js.mu.lock().unwrap().1.len(), 1, "wrong number of RPCs delivered, expected 1");
    assert_eq!(rn.get_count("1000"), 1, "wrong GetCount()");
    rn.cleanup();
}

/// An RPC stuck in a server gets unstuck when the server is deleted.
fn TestKilled() {
    let (rn, _js) = setup("server99");
    let e = end(&rn, "end1-99", "server99");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut reply = 0i64;
        let _ = tx.send(e.call("JunkServer.Handler3", &99i64, &mut reply));
    });
    thread::sleep(Duration::from_millis(1000));
    assert!(rx.recv_timeout(Duration::from_millis(100)).is_err(), "Handler3 should not have returned yet");
    rn.delete_server("server99");
    match rx.recv_timeout(Duration::from_millis(100)) {
        Ok(ok) => assert!(!ok, "Handler3 returned successfully despite DeleteServer()"),
        Err(_) => panic!("Handler3 should return after DeleteServer()"),
    }
    rn.cleanup();
}

fn TestBenchmark() {
    let (rn, _js) = setup("server99");
    let e = end(&rn, "end1-99", "server99");
    let t0 = Instant::now();
    let n = 100000;
    for _ in 0..n {
        let mut reply = String::new();
        e.call("JunkServer.Handler2", &111i64, &mut reply);
        assert_eq!(reply, "handler2-111", "wrong reply from Handler2");
    }
    // Go's line: `fmt.Printf("%v for %v\n", time.Since(t0), n)`.
    println!("{} for {n}", labtest::go_duration(t0.elapsed()));
    rn.cleanup();
}

/// Regression (a data race in Go): toggling long delays while a call goes to a deleted server.
fn TestLongDelayRace() {
    let (rn, _js) = setup("server99");
    let e = end(&rn, "end1-99", "server99");
    let mut reply = 0i64;
    e.call("JunkServer.Handler1", &"9099".to_string(), &mut reply);
    rn.long_delays(true);
    rn.delete_server("server99");
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut reply = 0i64;
        e.call("JunkServer.Handler1", &"9099".to_string(), &mut reply);
        let _ = tx.send(true);
    });
    rn.long_delays(true);
    let _ = rx.recv_timeout(Duration::from_millis(200));
    rn.long_delays(true);
    rn.cleanup();
}

/// After `cleanup`, calls fail at once, and calls waiting out a long delay return early.
fn TestCallAfterCleanup() {
    let (rn, _js) = setup("server99");
    rn.long_delays(true);
    let e = rn.make_end("dead");
    rn.connect("dead", "server99"); // disabled: waits up to 7 s
    let waiting = thread::spawn(move || {
        let t0 = Instant::now();
        let ok = e.call("JunkServer.Handler2", &1i64, &mut String::new());
        (ok, t0.elapsed())
    });
    thread::sleep(Duration::from_millis(20));
    rn.cleanup();
    let e2 = end(&rn, "live", "server99");
    assert!(!e2.call("JunkServer.Handler2", &1i64, &mut String::new()));
    let (ok, took) = waiting.join().unwrap();
    assert!(!ok);
    assert!(took < Duration::from_millis(500), "a delayed call outlived cleanup by {took:?}");
}

/// The total count includes calls to disabled ends, and the byte count their arguments.
fn TestTotalCounts() {
    let (rn, _js) = setup("s");
    let e = end(&rn, "e", "s");
    let off = rn.make_end("off");
    rn.connect("off", "s");
    for i in 0..5i64 {
        assert!(e.call("JunkServer.Handler2", &i, &mut String::new()));
        assert!(!off.call("JunkServer.Handler2", &i, &mut String::new()));
    }
    assert_eq!(rn.get_total_count(), 10);
    assert_eq!(rn.get_count("s"), 5);
    rn.cleanup();
}

/// Misuse that Go answers with `log.Fatalf` ends the process with Go's message; each case
/// runs in a child process (this binary with `LABRPC_FATAL_CASE` set).
fn TestFatalMisuse() {
    let cases = [
        (
            "service",
            "labrpc.Server.dispatch(): unknown service Nope in Nope.Handler2; expecting one of [JunkServer]",
        ),
        (
            "method",
            "labrpc.Service.dispatch(): unknown method Nope in JunkServer.Nope; expecting one of [Handler1 ",
        ),
        (
            "args",
            "labrpc: JunkServer.Handler2: the caller's arguments do not decode as the handler's argument type: labgob error: value #0 was written as str but is being read as i64",
        ),
        ("reply", "labrpc: JunkServer.Handler2: the reply does not decode as the caller's reply type"),
        ("panic", "labrpc: the handler of JunkServer.Panics panicked"),
    ];
    for (case, want) in cases {
        let out =
            Command::new(std::env::current_exe().unwrap()).env("LABRPC_FATAL_CASE", case).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "case {case}: {stderr}");
        assert!(stderr.contains(want), "case {case}: got {stderr:?}, want {want:?}");
    }
}

fn fatal_child(case: &str) {
    let (rn, _js) = setup("s");
    let e = end(&rn, "e", "s");
    match case {
        "service" => e.call("Nope.Handler2", &1i64, &mut String::new()),
        "method" => e.call("JunkServer.Nope", &1i64, &mut String::new()),
        "args" => e.call("JunkServer.Handler2", &"one".to_string(), &mut String::new()),
        "panic" => e.call("JunkServer.Panics", &1i64, &mut 0i64),
        _ => e.call("JunkServer.Handler2", &1i64, &mut 0i64),
    };
    // Reaching here means no fatal error: the parent sees status 0 and fails.
}

fn main() {
    if let Ok(case) = std::env::var("LABRPC_FATAL_CASE") {
        fatal_child(&case);
        return;
    }
    labtest::run(
        env!("CARGO_PKG_NAME"),
        labtest::test_list!(
            TestBasic,
            TestTypes,
            TestDisconnect,
            TestCounts,
            TestBytes,
            TestConcurrentMany,
            TestUnreliable,
            TestConcurrentOne,
            TestRegression1,
            TestKilled,
            TestBenchmark,
            TestLongDelayRace,
            TestCallAfterCleanup,
            TestTotalCounts,
            TestFatalMisuse,
        ),
    );
}
