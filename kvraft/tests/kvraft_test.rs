//! The kvraft tests (Go's kvraft1/kvraft_test.go), in Go's order and with Go's names, so
//! that `cargo test -p kvraft 4B` runs what `go test -run 4B` runs in kvraft1.
//!
//! The original tests are used for grading: you may change them to help you debug, but test
//! with the original before submitting.
#![allow(non_snake_case)]

mod test;

use crossbeam_channel::{bounded, select};
use kvtest::{ClntRes, Done, ELECTION_TIMEOUT, IKVClerk, TestClerk, make_keys};
use rpc::Tversion;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use test::{Cleanup, GID, Test, make_test};
use tester::annotation::{
    annotate_checker_begin, annotate_checker_failure, annotate_checker_success, annotate_clear_failure,
    annotate_info, annotate_shutdown_all, annotate_test, annotate_two_partitions, set_annotation_finalized,
};
use tester::{go_duration, t_fatalf};

/// Go declares it and never uses it.
#[allow(dead_code)]
const NCLNT: usize = 10;

/// Basic test is as follows: one or more clients submitting Puts/Gets operations to set of
/// servers for some period of time using kvtest.OneClientPut. After the period is over, test
/// checks that all puts/gets values form a linearizable history. If unreliable is set, RPCs
/// may fail. If crash is set, the servers crash after the period is over and restart. If
/// partitions is set, the test repartitions the network concurrently with the clients and
/// servers. If maxraftstate is a positive number, the size of the state for Raft (i.e., log
/// size) shouldn't exceed 8*maxraftstate. If maxraftstate is negative, snapshots shouldn't
/// be used.
fn generic_test(ts: &Arc<Test>) {
    const NITER: usize = 3;
    const NSEC: u64 = 1;
    const T: Duration = Duration::from_secs(NSEC);
    const NKEYS: usize = 100;
    let _cleanup = Cleanup(ts.clone());

    let ck = ts.make_clerk();
    let mut res = ClntRes::default();
    // if not running with randomkeys
    let default_key: Vec<String> = if ts.randomkeys { make_keys(NKEYS) } else { vec!["k".to_string()] };
    for i in 0..NITER {
        thread::scope(|s| {
            let (ck, res, default_key) = (&ck, &mut res, &default_key);
            let spawn = s.spawn(move || {
                let rs = ts.spawn_clients_and_wait(ts.nclients, T, |cli, ck: &TestClerk, done: &Done| {
                    ts.one_client_put(cli, ck, default_key, done)
                });
                if !ts.randomkeys {
                    let reliable = ts.is_reliable() && !ts.crash && !ts.partitions;
                    ts.check_put_concurrent(ck, &default_key[0], &rs, res, reliable);
                }
            });

            // Dropped (also when a check fails), it stops the partitioner.
            let (stop_tx, stop) = bounded::<()>(0);
            let (stopped_tx, stopped) = bounded::<()>(1);
            if ts.partitions {
                // Allow the clients to perform some operations without interruption
                thread::sleep(Duration::from_secs(1));
                s.spawn(move || ts.partitioner(GID, &stop, &stopped_tx));
            }

            // wait for clients to be done
            if let Err(p) = spawn.join() {
                std::panic::resume_unwind(p);
            }

            if i == NITER - 1 {
                // As in Go: finalized before the last check, so a check that fails after it
                // (the log sizes below) writes no page at cleanup.
                set_annotation_finalized();
            }

            ts.check_porcupine();

            if ts.partitions {
                let _ = stop_tx.send(());
                let _ = stopped.recv();
                // reconnect network and submit a request. A client may have submitted a
                // request in a minority. That request won't return until that server
                // discovers a new term has started.
                ts.group(GID).connect_all();
                annotate_clear_failure();
                // wait for a while so that we have a new term
                thread::sleep(ELECTION_TIMEOUT);
            }
        });

        if ts.crash {
            for i in 0..ts.nservers {
                ts.group(GID).shutdown_server(i);
            }
            annotate_shutdown_all();
            // Wait for a while for servers to shutdown, since shutdown isn't a real crash
            // and isn't instantaneous
            thread::sleep(ELECTION_TIMEOUT);
            // crash and re-start all
            for i in 0..ts.nservers {
                ts.group(GID).start_server(i);
            }
            ts.group(GID).connect_all();
            annotate_clear_failure();
        }

        if ts.maxraftstate > 0 {
            // Check maximum after the servers have processed all client requests and had
            // time to checkpoint.
            let sz = ts.group(GID).log_size() as i64;
            if sz > 8 * ts.maxraftstate {
                let err = format!("logs were not trimmed ({sz} > 8*{})", ts.maxraftstate);
                annotate_checker_failure(&err, &err);
                t_fatalf(&err);
            }
        }
        if ts.maxraftstate < 0 {
            // Check that snapshots are not used
            let ssz = ts.group(GID).snapshot_size();
            if ssz > 0 {
                let err = format!(
                    "snapshot too large ({ssz}), should not be used when maxraftstate = {}",
                    ts.maxraftstate
                );
                annotate_checker_failure(&err, &err);
                t_fatalf(&err);
            }
        }
    }
}

/// check that ops are committed fast enough, better than 1 per heartbeat interval
fn generic_test_speed(ts: &Arc<Test>) {
    const NUM_OPS: u32 = 1000;

    let _cleanup = Cleanup(ts.clone());

    let ck = ts.make_clerk();

    // wait until first op completes, so we know a leader is elected and KV servers are
    // ready to process client requests
    ck.get("x");

    let start = Instant::now();
    for i in 0..NUM_OPS {
        let err = ck.put("k", &i.to_string(), Tversion::from(i));
        if err != rpc::OK {
            t_fatalf(&format!("Put err {err}"));
        }
    }
    let dur = start.elapsed();

    let (_, ver, err) = ck.get("k");
    if err != rpc::OK {
        t_fatalf(&format!("Get err {err}"));
    } else if ver != Tversion::from(NUM_OPS) {
        t_fatalf(&format!("Get too few ops {ver}"));
    }

    // heartbeat interval should be ~ 100 ms; require at least 3 ops per
    const HEARTBEAT_INTERVAL: Duration = Duration::from_millis(100);
    const OPS_PER_INTERVAL: u32 = 3;
    const TIME_PER_OP: Duration = HEARTBEAT_INTERVAL.checked_div(OPS_PER_INTERVAL).unwrap();
    if dur > TIME_PER_OP * NUM_OPS {
        t_fatalf(&format!(
            "Operations completed too slowly {}/op > {}/op\n",
            go_duration(dur / NUM_OPS),
            go_duration(TIME_PER_OP)
        ));
    }
}

fn TestBasic4B() {
    let ts = make_test("4B basic", 1, 5, true, false, false, -1, false);
    annotate_test("TestBasic4B", ts.nservers);
    generic_test(&ts);
}

fn TestSpeed4B() {
    let ts = make_test("4B speed", 1, 3, true, false, false, -1, false);
    annotate_test("TestSpeed4B", ts.nservers);
    generic_test_speed(&ts);
}

fn TestConcurrent4B() {
    let ts = make_test("4B many clients", 5, 5, true, false, false, -1, false);
    annotate_test("TestConcurrent4B", ts.nservers);
    generic_test(&ts);
}

fn TestUnreliable4B() {
    let ts = make_test("4B many clients", 5, 5, false, false, false, -1, false);
    annotate_test("TestUnreliable4B", ts.nservers);
    generic_test(&ts);
}

/// Submit a request in the minority partition and check that the requests doesn't go
/// through until the partition heals. The leader in the original network ends up in the
/// minority partition.
fn TestOnePartition4B() {
    let ts = make_test("4B progress in majority", 0, 5, false, false, false, -1, false);
    let _cleanup = Cleanup(ts.clone());

    annotate_test("TestOnePartition4B", ts.nservers);

    let ck = ts.make_clerk();

    // -1: the tester's own operations, as Go's client id (its page draws them above the
    // clients).
    let ver0 = ts.put_at_least_once(&ck, "1", "13", 0, -1);

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

    let ckp1 = ts.make_clerk_to(&p1); // connect ckp1 to p1
    let ckp2a = Arc::new(ts.make_clerk_to(&p2)); // connect ckp2a to p2
    let ckp2b = Arc::new(ts.make_clerk_to(&p2)); // connect ckp2b to p2

    let ver1 = ts.put_at_least_once(&ckp1, "1", "14", ver0, -1);
    ts.check_get(&ckp1, "1", "14", ver1);

    ts.end();

    let (done0_tx, done0) = bounded::<Tversion>(1);
    let (done1_tx, done1) = bounded::<Tversion>(1);

    ts.begin("Test: no progress in minority (4B)");
    annotate_checker_begin(&format!("submit Put(1, 15) and Get(1) to {}", tester_ids(&p2)));
    {
        let (ts, ckp2a) = (ts.clone(), ckp2a.clone());
        thread::spawn(move || {
            let ver = ts.put_at_least_once(&*ckp2a, "1", "15", ver1, -1);
            let _ = done0_tx.send(ver);
        });
    }
    {
        let (ts, ckp2b) = (ts.clone(), ckp2b.clone());
        thread::spawn(move || {
            let (_, ver, _) = ts.get(&*ckp2b, "1", -1); // different clerk in p2
            let _ = done1_tx.send(ver);
        });
    }

    select! {
        recv(done0) -> ver => {
            let err = format!("Put in minority completed with version = {}", ver.unwrap_or_default());
            annotate_checker_failure(&err, &err);
            t_fatalf(&err);
        }
        recv(done1) -> ver => {
            let err = format!("Get in minority completed with version = {}", ver.unwrap_or_default());
            annotate_checker_failure(&err, &err);
            t_fatalf(&err);
        }
        default(Duration::from_secs(1)) => {}
    }
    annotate_checker_success("commands to minority partition not committed after 1 second", "not committed");

    ts.check_get(&ckp1, "1", "14", ver1);
    let ver2 = ts.put_at_least_once(&ckp1, "1", "16", ver1, -1);
    ts.check_get(&ckp1, "1", "16", ver2);

    ts.end();

    ts.begin("Test: completion after heal (4B)");

    ts.group(GID).connect_all();
    annotate_clear_failure();
    ckp2a.clnt.connect_all();
    ckp2b.clnt.connect_all();

    thread::sleep(ELECTION_TIMEOUT);

    annotate_checker_begin("status of Put(1, 15)");
    let ver15 = select! {
        recv(done0) -> ver => ver.unwrap_or_default(),
        default(Duration::from_millis(30 * 100)) => {
            annotate_checker_failure("Put(1, 15) did not complete after partition resolved", "OK");
            t_fatalf("Put did not complete");
        }
    };
    annotate_checker_success("Put(1, 15) completed after partition resolved", "OK");

    annotate_checker_begin("status of Get(1)");
    // Go's select has a default branch, so the Get's completion is not waited for: kept.
    let _ = done1.try_recv();
    annotate_checker_success("Get(1) completed after partition resolved", "OK");

    ts.check_get(&ck, "1", "15", ver15);
}

/// Go's `%v` of an `[]int`: `[3 4]`.
fn tester_ids(ids: &[usize]) -> String {
    format!("[{}]", ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(" "))
}

fn TestManyPartitionsOneClient4B() {
    let ts = make_test("4B partitions, one client", 1, 5, true, false, true, -1, false);
    annotate_test("TestManyPartitionsOneClient4B", ts.nservers);
    generic_test(&ts);
}

fn TestManyPartitionsManyClients4B() {
    let ts = make_test("4B partitions, many clients (4B)", 5, 5, true, false, true, -1, false);
    annotate_test("TestManyPartitionsManyClients4B", ts.nservers);
    generic_test(&ts);
}

fn TestPersistOneClient4B() {
    let ts = make_test("4B restarts, one client 4B ", 1, 5, true, true, false, -1, false);
    annotate_test("TestPersistOneClient4B", ts.nservers);
    generic_test(&ts);
}

fn TestPersistConcurrent4B() {
    let ts = make_test("4B restarts, many clients", 5, 5, true, true, false, -1, false);
    annotate_test("TestPersistConcurrent4B", ts.nservers);
    generic_test(&ts);
}

fn TestPersistConcurrentUnreliable4B() {
    let ts = make_test("4B restarts, many clients ", 5, 5, false, true, false, -1, false);
    annotate_test("TestPersistConcurrentUnreliable4B", ts.nservers);
    generic_test(&ts);
}

fn TestPersistPartition4B() {
    let ts = make_test("4B restarts, partitions, many clients", 5, 5, true, true, true, -1, false);
    annotate_test("TestPersistPartition4B", ts.nservers);
    generic_test(&ts);
}

fn TestPersistPartitionUnreliable4B() {
    let ts = make_test("4B restarts, partitions, many clients", 5, 5, false, true, true, -1, false);
    annotate_test("TestPersistPartitionUnreliable4B", ts.nservers);
    generic_test(&ts);
}

fn TestPersistPartitionUnreliableLinearizable4B() {
    let ts =
        make_test("4B restarts, partitions, random keys, many clients", 15, 7, false, true, true, -1, true);
    annotate_test("TestPersistPartitionUnreliableLinearizable4B", ts.nservers);
    generic_test(&ts);
}

/// if one server falls behind, then rejoins, does it recover by using the InstallSnapshot
/// RPC? also checks that majority discards committed log entries even if minority doesn't
/// respond.
fn TestSnapshotRPC4C() {
    const NSRV: usize = 3;
    const MAXRAFTSTATE: i64 = 1000;
    let ts = make_test("4C SnapshotsRPC", 0, NSRV, true, false, false, MAXRAFTSTATE, false);
    annotate_test("TestSnapshotRPC4C", ts.nservers);
    let _cleanup = Cleanup(ts.clone());

    let ck = ts.make_clerk();

    ts.begin("Test: InstallSnapshot RPC (4C)");

    let vera = ts.put_at_least_once(&ck, "a", "A", 0, -1);
    ts.check_get(&ck, "a", "A", vera);

    // a bunch of puts into the majority partition.
    ts.group(GID).partition(&[0, 1], &[2]);
    annotate_two_partitions(&[0, 1], &[2]);
    let verb = {
        let ck1 = ts.make_clerk_to(&[0, 1]);
        for i in 0..50 {
            ts.put_at_least_once(&ck1, &i.to_string(), &i.to_string(), 0, -1);
        }
        thread::sleep(ELECTION_TIMEOUT);
        ts.put_at_least_once(&ck1, "b", "B", 0, -1)
    };

    // check that the majority partition has thrown away most of its log entries.
    let sz = ts.group(GID).log_size() as i64;
    if sz > 8 * ts.maxraftstate {
        let err = format!("logs were not trimmed ({sz} > 8*{})", ts.maxraftstate);
        annotate_checker_failure(&err, &err);
        t_fatalf(&err);
    }

    // now make group that requires participation of lagging server, so that it has to
    // catch up.
    ts.group(GID).partition(&[0, 2], &[1]);
    annotate_two_partitions(&[0, 2], &[1]);
    let verc = {
        let ck1 = ts.make_clerk_to(&[0, 2]);
        let verc = ts.put_at_least_once(&ck1, "c", "C", 0, -1);
        ts.put_at_least_once(&ck1, "d", "D", 0, -1);
        ts.check_get(&ck1, "a", "A", vera);
        ts.check_get(&ck1, "b", "B", verb);
        ts.check_get(&ck1, "1", "1", 1);
        ts.check_get(&ck1, "49", "49", 1);
        verc
    };

    // now everybody
    ts.group(GID).partition(&[0, 1, 2], &[]);
    annotate_clear_failure();

    let vere = ts.put_at_least_once(&ck, "e", "E", 0, -1);
    ts.check_get(&ck, "c", "C", verc);
    ts.check_get(&ck, "e", "E", vere);
    ts.check_get(&ck, "1", "1", 1);
}

/// are the snapshots not too huge? 500 bytes is a generous bound for the operations we're
/// doing here.
fn TestSnapshotSize4C() {
    let ts = make_test("4C snapshot size is reasonable", 0, 3, true, false, false, 1000, false);
    annotate_test("TestSnapshotSize4C", ts.nservers);
    let _cleanup = Cleanup(ts.clone());

    let maxsnapshotstate = 500;

    let ck = ts.make_clerk();

    let mut ver = 0;
    for _ in 0..200 {
        ver = ts.put_at_least_once(&ck, "x", "0", ver, -1);
        ts.check_get(&ck, "x", "0", ver);
        ver = ts.put_at_least_once(&ck, "x", "1", ver, -1);
        ts.check_get(&ck, "x", "1", ver);
    }

    // check that servers have thrown away most of their log entries
    let sz = ts.group(GID).log_size() as i64;
    if sz > 8 * ts.maxraftstate {
        let err = format!("logs were not trimmed ({sz} > 8*{})", ts.maxraftstate);
        annotate_checker_failure(&err, &err);
        t_fatalf(&err);
    }

    // check that the snapshots are not unreasonably large
    let ssz = ts.group(GID).snapshot_size();
    if ssz > maxsnapshotstate {
        let err = format!("snapshot too large ({ssz} > {maxsnapshotstate})");
        annotate_checker_failure(&err, &err);
        t_fatalf(&err);
    }
}

fn TestSpeed4C() {
    let ts = make_test("4C speed", 1, 3, true, false, false, 1000, false);
    annotate_test("TestSpeed4C", ts.nservers);
    generic_test_speed(&ts);
}

fn TestSnapshotRecover4C() {
    let ts = make_test("4C restarts, snapshots, one client", 1, 5, true, true, false, 1000, false);
    annotate_test("TestSnapshotRecover4C", ts.nservers);
    generic_test(&ts);
}

fn TestSnapshotRecoverManyClients4C() {
    let ts = make_test("4C restarts, snapshots, many clients ", 20, 5, true, true, false, 1000, false);
    annotate_test("TestSnapshotRecoverManyClients4C", ts.nservers);
    generic_test(&ts);
}

fn TestSnapshotUnreliable4C() {
    let ts = make_test("4C unreliable net, snapshots, many clients", 5, 5, false, false, false, 1000, false);
    annotate_test("TestSnapshotUnreliable4C", ts.nservers);
    generic_test(&ts);
}

fn TestSnapshotUnreliableRecover4C() {
    let ts = make_test(
        "4C unreliable net, restarts, snapshots, many clients",
        5,
        5,
        false,
        true,
        false,
        1000,
        false,
    );
    annotate_test("TestSnapshotUnreliableRecover4C", ts.nservers);
    generic_test(&ts);
}

fn TestSnapshotUnreliableRecoverConcurrentPartition4C() {
    let ts = make_test(
        "4C unreliable net, restarts, partitions, snapshots, many clients",
        5,
        5,
        false,
        true,
        true,
        1000,
        false,
    );
    annotate_test("TestSnapshotUnreliableRecoverConcurrentPartition4C", ts.nservers);
    generic_test(&ts);
}

fn TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable4C() {
    let ts = make_test(
        "4C unreliable net, restarts, partitions, snapshots, random keys, many clients",
        15,
        7,
        false,
        true,
        true,
        1000,
        true,
    );
    annotate_test("TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable4C", ts.nservers);
    generic_test(&ts);
}

labtest::tests!(
    TestBasic4B,
    TestSpeed4B,
    TestConcurrent4B,
    TestUnreliable4B,
    TestOnePartition4B,
    TestManyPartitionsOneClient4B,
    TestManyPartitionsManyClients4B,
    TestPersistOneClient4B,
    TestPersistConcurrent4B,
    TestPersistConcurrentUnreliable4B,
    TestPersistPartition4B,
    TestPersistPartitionUnreliable4B,
    TestPersistPartitionUnreliableLinearizable4B,
    TestSnapshotRPC4C,
    TestSnapshotSize4C,
    TestSpeed4C,
    TestSnapshotRecover4C,
    TestSnapshotRecoverManyClients4C,
    TestSnapshotUnreliable4C,
    TestSnapshotUnreliableRecover4C,
    TestSnapshotUnreliableRecoverConcurrentPartition4C,
    TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable4C,
);
