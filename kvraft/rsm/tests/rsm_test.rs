//! The rsm tests (Go's kvraft1/rsm/rsm_test.go), in Go's order and with Go's names, so that
//! `cargo test -p rsm 4A` runs what `go test -run 4A` runs in kvraft1/rsm.
//!
//! The original tests are used for grading: you may change them to help you debug, but test
//! with the original before submitting.
#![allow(non_snake_case)]

mod server;
mod test;

use crossbeam_channel::{bounded, select};
use labgob::Any;
use server::{Dec, Inc, IncRep};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;
use test::{Cleanup, GID, NSEC, NSRV, make_test};
use tester::annotation::{
    annotate_checker_failure, annotate_clear_failure, annotate_connection, annotate_info,
    annotate_restart_all, annotate_shutdown_all, annotate_test, annotate_two_partitions,
};
use tester::{fatalf, t_fatalf};

/// test that each server executes increments and updates its counter.
fn TestBasic4A() {
    const NINC: i64 = 10;
    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestBasic4A", NSRV);
    ts.begin("Test RSM basic");

    for i in 0..NINC {
        let r = ts.one_inc();
        if r.n != i + 1 {
            let err = format!("expected {i} instead of {}", r.n);
            annotate_checker_failure(&err, &err);
            t_fatalf(&err);
        }
        ts.check_counter(r.n, NSRV);
    }
}

/// test submitting concurrently
fn TestConcurrent4A() {
    const NINC: i64 = 50;
    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestConcurrent4A", NSRV);
    ts.begin("Test concurrent submit");

    thread::scope(|s| {
        for _ in 0..NINC {
            s.spawn(|| ts.one_partition(None, Any::new(Inc {})));
        }
    });
    ts.check_counter(NINC, NSRV);
}

/// test that each server executes increments after disconnecting and reconnecting leader
fn TestLeaderFailure4A() {
    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestLeaderFailure4A", NSRV);
    ts.begin("Test Leader Failure");

    let r = ts.one_inc();
    ts.check_counter(r.n, NSRV);

    let l = ts.disconnect_leader();
    annotate_connection(&ts.g().get_connected());
    let r = ts.one_inc();
    ts.check_counter(r.n, NSRV - 1);

    ts.connect(l);
    annotate_connection(&ts.g().get_connected());

    ts.check_counter(r.n, NSRV);
}

/// test that partitioned leader doesn't commit an operation
fn TestLeaderPartition4A() {
    const NSUBMIT: usize = 100;

    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestLeaderPartition4A", NSRV);
    ts.begin("Test Leader Partition");

    // submit an Inc
    let r = ts.one_inc();
    ts.check_counter(r.n, NSRV);

    // partition leader
    let (foundl, l) = rsm::leader(&ts, GID);
    if foundl {
        let text = format!("leader found = {l}");
        annotate_info(&text, &text);
    } else {
        let text = "did not find a leader";
        annotate_info(text, text);
    }
    let (p1, p2) = ts.group(GID).make_partition(l);
    ts.group(GID).partition(&p1, &p2);
    annotate_two_partitions(&p1, &p2);

    let text = format!("concurrently submitting {NSUBMIT} Dec to {l}");
    annotate_info(&text, &text);
    let (done_tx, done) = bounded::<()>(1);
    // Go's t.Fatalf from a submitting goroutine fails the test when it ends.
    let failure: Arc<Mutex<Option<String>>> = Arc::default();
    {
        let (ts, failure) = (ts.clone(), failure.clone());
        thread::spawn(move || {
            // Submit many Dec's concurrently, which will results in many raft.Start()'s,
            // but none should commit and be executed.
            let rsm = ts.srv(l).map(|s| s.rsm().clone());
            thread::scope(|s| {
                for i in 0..NSUBMIT {
                    let (rsm, failure) = (&rsm, &failure);
                    s.spawn(move || {
                        let Some(rsm) = rsm else { return };
                        let (err, rep) = rsm.submit(Any::new(Dec {}));
                        if err == rpc::OK {
                            let msg =
                                format!("rsm_test.rs:{}: Submit {i} in minority completed {rep:?}", line!());
                            failure.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(msg);
                        }
                    });
                }
            });
            let _ = done_tx.send(());
        });
    }

    // give old leader some time to submit
    thread::sleep(Duration::from_millis(10));

    // submit an Inc in the majority
    let rep = ts.one_partition(Some(&p1), Any::new(Inc {}));

    select! {
        recv(done) -> _ => {
            let text = "Dec's in minority completed; Submit returns {}".to_string();
            annotate_checker_failure(&text, &text);
            fatalf(&text);
        }
        default(Duration::from_secs(1)) => {}
    }

    // reconnect leader
    ts.connect(l);
    // use the fact that there are only three servers, so connecting the leader resolves
    // all partitions (the last line of test also relies on this)
    annotate_clear_failure();

    select! {
        recv(done) -> _ => {}
        default(Duration::from_secs(1)) => {
            let text = "Submit after healing didn't return";
            annotate_checker_failure(text, text);
            fatalf(text);
        }
    }
    if let Some(msg) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
        std::panic::resume_unwind(Box::new(msg));
    }

    // check that all replicas have the same value for counter
    let n = rep
        .and_then(|r| r.downcast_ref::<IncRep>().cloned())
        .map_or_else(|| panic!("runtime error: invalid memory address or nil pointer dereference"), |r| r.n);
    ts.check_counter(n, NSRV);
}

/// test that restart replays Incs
fn TestRestartReplay4A() {
    const NINC: i64 = 100;

    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestRestartReplay4A", NSRV);
    ts.begin("Test Restart");

    for i in 0..NINC {
        let r = ts.one_inc();
        if r.n != i + 1 {
            let err = format!("expected {i} instead of {}", r.n);
            annotate_checker_failure(&err, &err);
            t_fatalf(&err);
        }
        ts.check_counter(r.n, NSRV);
    }

    ts.group(GID).shutdown();
    annotate_shutdown_all();

    thread::sleep(Duration::from_secs(1));

    ts.group(GID).start_servers();
    annotate_restart_all();

    // submit an Inc
    let r = ts.one_inc();

    if r.n != NINC + 1 {
        let err = format!("expected {} got {}", NINC + 1, r.n);
        annotate_checker_failure(&err, &err);
        t_fatalf(&err);
    }

    thread::sleep(Duration::from_secs(1));

    ts.check_counter(r.n, NSRV);
}

/// Submits `n` Nulls at once, on threads; the receiver hears when all have returned.
fn submit_nulls(ts: &Arc<test::Test>, n: usize) -> crossbeam_channel::Receiver<()> {
    let (done_tx, done) = bounded::<()>(1);
    let ts = ts.clone();
    thread::spawn(move || {
        thread::scope(|s| {
            for _ in 0..n {
                s.spawn(|| ts.one_null());
            }
        });
        let _ = done_tx.send(());
    });
    done
}

/// Test if Submit() terminates after tester's Shutdown() has called raft's Kill(). Kill()
/// should cause your raft to close the applyCh passed to it in Make(), which in turns
/// allows rsm to know that it is done.
fn TestShutdown4A() {
    const NSUBMIT: usize = 100;

    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestShutdown4A", NSRV);
    ts.begin("Test Shutdown");

    // Submit many Null's concurrently
    let done = submit_nulls(&ts, NSUBMIT);

    // give some time to submit
    thread::sleep(Duration::from_millis(20));

    ts.group(GID).shutdown();
    annotate_shutdown_all();

    select! {
        recv(done) -> _ => {}
        default(Duration::from_secs(NSEC + 1)) => {
            let err = "Submit didn't stop after shutdown";
            annotate_checker_failure(err, err);
            fatalf(err);
        }
    }
}

/// Test if commands after restart don't get confused with ones submitted before Shutdown()
fn TestRestartSubmit4A() {
    const NINC: i64 = 100;
    const NSUBMIT: usize = 100;

    let ts = make_test(-1);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestRestartSubmit4A", NSRV);
    ts.begin("Test Restart and submit");

    for i in 0..NINC {
        let r = ts.one_inc();
        if r.n != i + 1 {
            let err = format!("expected {i} instead of {}", r.n);
            annotate_checker_failure(&err, &err);
            t_fatalf(&err);
        }
        ts.check_counter(r.n, NSRV);
    }

    ts.group(GID).shutdown();
    annotate_shutdown_all();

    thread::sleep(Duration::from_secs(1));

    ts.group(GID).start_servers();
    annotate_restart_all();

    // submit an Inc
    let r = ts.one_inc();

    if r.n != NINC + 1 {
        let err = format!("Expected {} got {}", NINC + 1, r.n);
        annotate_checker_failure(&err, &err);
        t_fatalf(&err);
    }

    thread::sleep(Duration::from_secs(1));

    // Submit many Null's concurrently
    let text = format!("concurrently submitting {NSUBMIT} Null");
    annotate_info(&text, &text);
    let done = submit_nulls(&ts, NSUBMIT);

    // give some time to submit
    thread::sleep(Duration::from_millis(20));

    ts.group(GID).shutdown();
    annotate_shutdown_all();

    select! {
        recv(done) -> _ => {}
        default(Duration::from_secs(NSEC + 1)) => {
            let err = "Submit didn't stop after shutdown";
            annotate_checker_failure(err, err);
            fatalf(err);
        }
    }

    ts.group(GID).start_servers();
    annotate_restart_all();

    let r = ts.one_inc();
    ts.check_counter(r.n, NSRV);
}

/// test snapshot and restore
fn TestSnapshot4C() {
    const N: i64 = 100;
    const MAXRAFTSTATE: i64 = 1000;

    let ts = make_test(MAXRAFTSTATE);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestSnapshot4C", NSRV);
    ts.begin("Test creating and restoring snapshot");

    for _ in 0..N {
        ts.one_partition(None, Any::new(Inc {}));
    }
    ts.check_counter(N, NSRV);

    let sz = ts.group(GID).log_size() as i64;
    if sz > 2 * MAXRAFTSTATE {
        let err = format!("logs were not trimmed ({sz} > 2 * {})", ts.maxraftstate);
        annotate_checker_failure(&err, &err);
        fatalf(&err);
    }

    // rsm must have made snapshots by now; shutdown all servers and restart them from a
    // snapshot

    ts.g().shutdown();
    annotate_shutdown_all();
    ts.g().start_servers();
    annotate_restart_all();

    // make restarted servers do one increment
    ts.one_partition(None, Any::new(Inc {}));

    ts.check_counter(N + 1, NSRV);
}

labtest::tests!(
    TestBasic4A,
    TestConcurrent4A,
    TestLeaderFailure4A,
    TestLeaderPartition4A,
    TestRestartReplay4A,
    TestShutdown4A,
    TestRestartSubmit4A,
    TestSnapshot4C,
);
