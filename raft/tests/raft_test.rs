//! Raft tests (Go's raft1/raft_test.go), in Go's order and with Go's names, so that
//! `cargo test -p raft 3A` picks a part as `go test -run 3A` does.
//!
//! The original tests are used for grading: you may change them to help you debug, but test
//! with the original before submitting.
#![allow(non_snake_case)]
#![allow(clippy::identity_op)] // `(leader1 + 0) % servers` reads as Go does

mod server;
mod test;

use labgob::Any;
use server::SNAPSHOT_INTERVAL;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;
use test::{MAX_LOG_SIZE, RAFT_ELECTION_TIMEOUT, make_test, rand_int, show, show_ints};
use tester::annotation::{
    annotate_checker_begin, annotate_checker_failure, annotate_checker_neutral, annotate_checker_success,
    annotate_connection, annotate_info, annotate_info_interval, annotate_restart, annotate_restart_all,
    annotate_shutdown, annotate_shutdown_all, annotate_test, get_annotate_timestamp,
};
use tester::t_fatalf;

fn TestInitialElection3A() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestInitialElection3A", servers);
    ts.begin("Test (3A): initial election");

    // Is a leader elected?
    ts.check_one_leader();

    // Sleep a bit to avoid racing with followers learning of the election, then check
    // that all peers agree on the term.
    thread::sleep(Duration::from_millis(50));
    let term1 = ts.check_terms();
    if term1 < 1 {
        t_fatalf(&format!("term is {term1}, but should be at least 1"));
    }

    // Does the leader+term stay the same if there is no network failure?
    thread::sleep(2 * RAFT_ELECTION_TIMEOUT);
    let term2 = ts.check_terms();
    if term1 != term2 {
        print!("warning: term changed even though there were no failures");
    }

    // There should still be a leader.
    ts.check_one_leader();
}

fn TestReElection3A() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestReElection3A", servers);
    ts.begin("Test (3A): election after network failure");

    let leader1 = ts.check_one_leader();

    // If the leader disconnects, a new one should be elected.
    ts.g.disconnect_all(leader1);
    annotate_connection(&ts.g.get_connected());
    ts.check_one_leader();

    // If the old leader rejoins, that shouldn't disturb the new leader, and the old leader
    // should switch to follower.
    ts.g.connect_one(leader1);
    annotate_connection(&ts.g.get_connected());
    let leader2 = ts.check_one_leader();

    // If there's no quorum, no new leader should be elected.
    ts.g.disconnect_all(leader2);
    ts.g.disconnect_all((leader2 + 1) % servers);
    annotate_connection(&ts.g.get_connected());
    thread::sleep(2 * RAFT_ELECTION_TIMEOUT);

    // Check that the one connected server does not think it is the leader.
    ts.check_no_leader();

    // If a quorum arises, it should elect a leader.
    ts.g.connect_one((leader2 + 1) % servers);
    annotate_connection(&ts.g.get_connected());
    ts.check_one_leader();

    // Re-join of last node shouldn't prevent leader from existing.
    ts.g.connect_one(leader2);
    annotate_connection(&ts.g.get_connected());
    ts.check_one_leader();
}

fn TestManyElections3A() {
    let servers = 7;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestManyElections3A", servers);
    ts.begin("Test (3A): multiple elections");

    ts.check_one_leader();

    let iters = 10;
    for _ in 1..iters {
        // Disconnect three nodes (not necessarily different ones).
        let i1 = rand::random_range(0..servers);
        let i2 = rand::random_range(0..servers);
        let i3 = rand::random_range(0..servers);
        ts.g.disconnect_all(i1);
        ts.g.disconnect_all(i2);
        ts.g.disconnect_all(i3);
        annotate_connection(&ts.g.get_connected());

        // Either the current leader should still be alive, or the remaining four should
        // elect a new one.
        ts.check_one_leader();

        ts.g.connect_one(i1);
        ts.g.connect_one(i2);
        ts.g.connect_one(i3);
        annotate_connection(&ts.g.get_connected());
    }
    ts.check_one_leader();
}

fn TestBasicAgree3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestBasicAgree3B", servers);
    ts.begin("Test (3B): basic agreement");

    let iters = 3;
    for index in 1..iters + 1 {
        let (nd, _) = ts.n_committed(index);
        if nd > 0 {
            t_fatalf("some have committed before Start()");
        }

        let xindex = ts.one(index * 100, servers, false);
        if xindex != index {
            t_fatalf(&format!("got index {xindex} but expected {index}"));
        }
    }
}

/// Checks, by counting the bytes of RPCs, that each command is sent to each peer just once.
fn TestRPCBytes3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestRPCBytes3B", servers);
    ts.begin("Test (3B): RPC byte count");

    ts.one(99, servers, false);
    let bytes0 = ts.bytes_total();

    let iters = 10;
    let mut sent: i64 = 0;
    for index in 2..iters + 2 {
        let cmd = tester::randstring(5000);
        let len = cmd.len() as i64;
        let xindex = ts.one(cmd, servers, false);
        if xindex != index {
            t_fatalf(&format!("got index {xindex} but expected {index}"));
        }
        sent += len;
    }

    let bytes1 = ts.bytes_total();
    let got = bytes1 - bytes0;
    let expected = servers as i64 * sent;
    if got > expected + 50000 {
        t_fatalf(&format!("too many RPC bytes; got {got}, expected {expected}"));
    }
}

/// Tests just the failure of followers.
fn TestFollowerFailure3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestFollowerFailure3B", servers);
    ts.begin("Test (3B): test progressive failure of followers");

    ts.one(101, servers, false);

    // Disconnect one follower from the network.
    let leader1 = ts.check_one_leader();
    ts.g.disconnect_all((leader1 + 1) % servers);
    annotate_connection(&ts.g.get_connected());

    // The leader and remaining follower should be able to agree despite the disconnected
    // follower.
    ts.one(102, servers - 1, false);
    thread::sleep(RAFT_ELECTION_TIMEOUT);
    ts.one(103, servers - 1, false);

    // Disconnect the remaining follower.
    let leader2 = ts.check_one_leader();
    ts.g.disconnect_all((leader2 + 1) % servers);
    ts.g.disconnect_all((leader2 + 2) % servers);
    annotate_connection(&ts.g.get_connected());

    // Submit a command.
    let (index, _, ok) = ts.srv(leader2).raft().unwrap().start(Any::from(104));
    if !ok {
        t_fatalf("leader rejected Start()");
    }
    if index != 4 {
        t_fatalf(&format!("expected index 4, got {index}"));
    }

    thread::sleep(2 * RAFT_ELECTION_TIMEOUT);

    // Check that command 104 did not commit.
    ts.check_no_agreement(index);
}

/// Tests just the failure of leaders.
fn TestLeaderFailure3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestLeaderFailure3B", servers);
    ts.begin("Test (3B): test failure of leaders");

    ts.one(101, servers, false);

    // Disconnect the first leader.
    let leader1 = ts.check_one_leader();
    ts.g.disconnect_all(leader1);
    annotate_connection(&ts.g.get_connected());

    // The remaining followers should elect a new leader.
    ts.one(102, servers - 1, false);
    thread::sleep(RAFT_ELECTION_TIMEOUT);
    ts.one(103, servers - 1, false);

    // Disconnect the new leader.
    let leader2 = ts.check_one_leader();
    ts.g.disconnect_all(leader2);
    annotate_connection(&ts.g.get_connected());

    // Submit a command to each server.
    for i in 0..servers {
        ts.srv(i).raft().unwrap().start(Any::from(104));
    }

    thread::sleep(2 * RAFT_ELECTION_TIMEOUT);

    // Check that command 104 did not commit.
    ts.check_no_agreement(4);
}

/// Tests that a follower participates after disconnect and re-connect.
fn TestFailAgree3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestFailAgree3B", servers);
    ts.begin("Test (3B): agreement after follower reconnects");

    ts.one(101, servers, false);

    // Disconnect one follower from the network.
    let leader = ts.check_one_leader();
    ts.g.disconnect_all((leader + 1) % servers);
    annotate_connection(&ts.g.get_connected());

    // The leader and remaining follower should be able to agree despite the disconnected
    // follower.
    ts.one(102, servers - 1, false);
    ts.one(103, servers - 1, false);
    thread::sleep(RAFT_ELECTION_TIMEOUT);
    ts.one(104, servers - 1, false);
    ts.one(105, servers - 1, false);

    // Re-connect.
    ts.g.connect_one((leader + 1) % servers);
    annotate_connection(&ts.g.get_connected());

    // The full set of servers should preserve previous agreements, and be able to agree on
    // new commands.
    ts.one(106, servers, true);
    thread::sleep(RAFT_ELECTION_TIMEOUT);
    ts.one(107, servers, true);
}

fn TestFailNoAgree3B() {
    let servers = 5;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestFailNoAgree3B", servers);
    ts.begin("Test (3B): no agreement if too many followers disconnect");

    ts.one(10, servers, false);

    // 3 of 5 followers disconnect.
    let leader = ts.check_one_leader();
    ts.g.disconnect_all((leader + 1) % servers);
    ts.g.disconnect_all((leader + 2) % servers);
    ts.g.disconnect_all((leader + 3) % servers);
    annotate_connection(&ts.g.get_connected());

    let (index, _, ok) = ts.srv(leader).raft().unwrap().start(Any::from(20));
    if !ok {
        t_fatalf("leader rejected Start()");
    }
    if index != 2 {
        t_fatalf(&format!("expected index 2, got {index}"));
    }

    thread::sleep(2 * RAFT_ELECTION_TIMEOUT);

    let (n, _) = ts.n_committed(index);
    if n > 0 {
        t_fatalf(&format!("{n} committed but no majority"));
    }

    // Repair.
    ts.g.connect_one((leader + 1) % servers);
    ts.g.connect_one((leader + 2) % servers);
    ts.g.connect_one((leader + 3) % servers);
    annotate_connection(&ts.g.get_connected());

    // The disconnected majority may have chosen a leader from among their own ranks,
    // forgetting index 2.
    let leader2 = ts.check_one_leader();
    let (index2, _, ok2) = ts.srv(leader2).raft().unwrap().start(Any::from(30));
    if !ok2 {
        t_fatalf("leader2 rejected Start()");
    }
    if !(2..=3).contains(&index2) {
        t_fatalf(&format!("unexpected index {index2}"));
    }

    ts.one(1000, servers, true);
}

fn TestConcurrentStarts3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestConcurrentStarts3B", servers);
    ts.begin("Test (3B): concurrent Start()s");

    let mut success = false;
    'retry: for attempt in 0..5 {
        if attempt > 0 {
            // Give the solution some time to settle.
            thread::sleep(Duration::from_secs(3));
        }

        let leader = ts.check_one_leader();
        annotate_checker_begin(&format!("checking concurrent submission of commands (attempt {attempt})"));
        let (_, term, ok) = ts.srv(leader).raft().unwrap().start(Any::from(1));

        let despretry = "concurrent submission failed; retry";
        if !ok {
            // The leader moved on really quickly.
            annotate_checker_neutral(despretry, &format!("{leader} is no longer a leader"));
            continue;
        }

        let iters = 5;
        let starters: Vec<_> = (0..iters)
            .map(|i| {
                let ts = ts.clone();
                thread::spawn(move || {
                    let (i, term1, ok) = ts.srv(leader).raft().unwrap().start(Any::from(100 + i));
                    if term1 != term || !ok {
                        return None;
                    }
                    Some(i)
                })
            })
            .collect();
        let is: Vec<i64> = starters.into_iter().filter_map(join).collect();

        for j in 0..servers {
            let (t, _) = ts.srv(j).raft().unwrap().get_state();
            if t != term {
                // The term changed: can't expect all Start()s to have succeeded.
                let details = format!("term of server {j} changed from {term} to {t}");
                annotate_checker_neutral(despretry, &details);
                continue 'retry;
            }
        }

        let mut failed = false;
        let mut cmds: Vec<i64> = Vec::new();
        for index in is {
            let cmd = ts.wait(index, servers, term);
            match cmd.as_ref().and_then(|c| c.downcast_ref::<i64>()) {
                Some(&ix) => {
                    if ix == -1 {
                        // Peers have moved on to later terms, so we can't expect all
                        // Start()s to have succeeded.
                        failed = true;
                        let details = format!(
                            "term changed while waiting for {servers} servers to commit index {index}"
                        );
                        annotate_checker_neutral(despretry, &details);
                        break;
                    }
                    cmds.push(ix);
                }
                None => {
                    let details = format!("value {} is not an int", show(cmd.as_ref()));
                    annotate_checker_failure("read ill-typed value", &details);
                    t_fatalf(&details)
                }
            }
        }

        if failed {
            continue;
        }

        for ii in 0..iters {
            let x = 100 + ii;
            if !cmds.contains(&x) {
                let details = format!("cmd {x} missing in {}", show_ints(&cmds));
                annotate_checker_failure("concurrent submission failed", &details);
                t_fatalf(&details);
            }
        }

        success = true;
        break;
    }

    if !success {
        annotate_checker_failure(
            "agreement failed under concurrent submission",
            "unable to reach agreement after 5 attempts",
        );
        t_fatalf("term changed too often");
    }

    annotate_checker_success("agreement reached under concurrent submission", "OK");
}

fn TestRejoin3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestRejoin3B", servers);
    ts.begin("Test (3B): rejoin of partitioned leader");

    ts.one(101, servers, true);

    // Leader network failure.
    let leader1 = ts.check_one_leader();
    ts.g.disconnect_all(leader1);
    annotate_connection(&ts.g.get_connected());

    // Make the old leader try to agree on some entries.
    let start = get_annotate_timestamp();
    ts.srv(leader1).raft().unwrap().start(Any::from(102));
    ts.srv(leader1).raft().unwrap().start(Any::from(103));
    ts.srv(leader1).raft().unwrap().start(Any::from(104));
    let text = format!("submitted commands [102 103 104] to {leader1}");
    annotate_info_interval(start, &text, &text);

    // The new leader commits, also for index=2.
    ts.one(103, 2, true);

    // New leader network failure.
    let leader2 = ts.check_one_leader();
    ts.g.disconnect_all(leader2);

    // Old leader connected again.
    ts.g.connect_one(leader1);
    annotate_connection(&ts.g.get_connected());

    ts.one(104, 2, true);

    // All together now.
    ts.g.connect_one(leader2);
    annotate_connection(&ts.g.get_connected());

    ts.one(105, servers, true);
}

fn TestBackup3B() {
    let servers = 5;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestBackup3B", servers);
    ts.begin("Test (3B): leader backs up quickly over incorrect follower logs");

    ts.one(rand_int(), servers, true);

    // Put the leader and one follower in a partition.
    let leader1 = ts.check_one_leader();
    ts.g.disconnect_all((leader1 + 2) % servers);
    ts.g.disconnect_all((leader1 + 3) % servers);
    ts.g.disconnect_all((leader1 + 4) % servers);
    annotate_connection(&ts.g.get_connected());

    // Submit lots of commands that won't commit.
    let start = get_annotate_timestamp();
    for _ in 0..50 {
        ts.srv(leader1).raft().unwrap().start(Any::from(rand_int()));
    }
    let text = format!("submitted 50 commands to {leader1}");
    annotate_info_interval(start, &text, &text);

    thread::sleep(RAFT_ELECTION_TIMEOUT / 2);

    ts.g.disconnect_all((leader1 + 0) % servers);
    ts.g.disconnect_all((leader1 + 1) % servers);

    // Allow the other partition to recover.
    ts.g.connect_one((leader1 + 2) % servers);
    ts.g.connect_one((leader1 + 3) % servers);
    ts.g.connect_one((leader1 + 4) % servers);
    annotate_connection(&ts.g.get_connected());

    // Lots of successful commands to the new group.
    for _ in 0..50 {
        ts.one(rand_int(), 3, true);
    }

    // Now another partitioned leader and one follower.
    let leader2 = ts.check_one_leader();
    let mut other = (leader1 + 2) % servers;
    if leader2 == other {
        other = (leader2 + 1) % servers;
    }
    ts.g.disconnect_all(other);
    annotate_connection(&ts.g.get_connected());

    // Lots more commands that won't commit.
    let start = get_annotate_timestamp();
    for _ in 0..50 {
        ts.srv(leader2).raft().unwrap().start(Any::from(rand_int()));
    }
    let text = format!("submitted 50 commands to {leader2}");
    annotate_info_interval(start, &text, &text);

    thread::sleep(RAFT_ELECTION_TIMEOUT / 2);

    // Bring the original leader back to life.
    for i in 0..servers {
        ts.g.disconnect_all(i);
    }
    ts.g.connect_one((leader1 + 0) % servers);
    ts.g.connect_one((leader1 + 1) % servers);
    ts.g.connect_one(other);
    annotate_connection(&ts.g.get_connected());

    // Lots of successful commands to the new group.
    for _ in 0..50 {
        ts.one(rand_int(), 3, true);
    }

    // Now everyone.
    for i in 0..servers {
        ts.g.connect_one(i);
    }
    annotate_connection(&ts.g.get_connected());
    ts.one(rand_int(), servers, true);
}

fn TestCount3B() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestCount3B", servers);
    ts.begin("Test (3B): RPC counts aren't too high");

    // RPCs delivered to the servers so far.
    let rpcs = || (0..servers).map(|j| ts.g.rpc_count(j) as i64).sum::<i64>();

    ts.check_one_leader();

    let mut total1 = rpcs();

    if !(1..=30).contains(&total1) {
        let text = format!("too many or few RPCs ({total1}) to elect initial leader");
        annotate_checker_failure(&text, &text);
        t_fatalf(&text);
    }

    let mut total2 = 0;
    let mut success = false;
    'retry: for attempt in 0..5 {
        if attempt > 0 {
            // Give the solution some time to settle.
            thread::sleep(Duration::from_secs(3));
        }

        let leader = ts.check_one_leader();
        annotate_checker_begin(&format!("checking reasonable RPC counts for agreement (attempt {attempt})"));
        total1 = rpcs();

        let iters = 10;
        let (starti, term, ok) = ts.srv(leader).raft().unwrap().start(Any::from(1));
        let despretry = "submission failed; retry";
        if !ok {
            // The leader moved on really quickly.
            annotate_checker_neutral(despretry, &format!("{leader} is no longer a leader"));
            continue;
        }

        let mut cmds: Vec<i64> = Vec::new();
        for i in 1..iters + 2 {
            let x = rand::random_range(0..1i64 << 31);
            cmds.push(x);
            let (index1, term1, ok) = ts.srv(leader).raft().unwrap().start(Any::from(x));
            if term1 != term {
                // The term changed while starting.
                let details = format!("term of the leader ({leader}) changed from {term} to {term1}");
                annotate_checker_neutral(despretry, &details);
                continue 'retry;
            }
            if !ok {
                // No longer the leader, so the term has changed.
                annotate_checker_neutral(despretry, &format!("{leader} is no longer a leader"));
                continue 'retry;
            }
            if starti + i != index1 {
                let desp = format!("leader {leader} adds the command at the wrong index");
                let details = format!(
                    "the command should locate at index {}, but the leader puts it at {index1}",
                    starti + i
                );
                annotate_checker_failure(&desp, &details);
                t_fatalf("Start() failed");
            }
        }

        for i in 1..iters + 1 {
            let cmd = ts.wait(starti + i, servers, term);
            let (ix, ok) = match cmd.as_ref().and_then(|c| c.downcast_ref::<i64>()) {
                Some(&ix) => (ix, true),
                None => (0, false),
            };
            if !ok || ix != cmds[(i - 1) as usize] {
                if ix == -1 {
                    // The term changed: try again.
                    let details = format!(
                        "term changed while waiting for {servers} servers to commit index {}",
                        starti + i
                    );
                    annotate_checker_neutral(despretry, &details);
                    continue 'retry;
                }
                let details = format!(
                    "the command submitted at index {} in term {term} is {}, but read {}",
                    starti + i,
                    cmds[(i - 1) as usize],
                    show(cmd.as_ref())
                );
                annotate_checker_failure("incorrect command committed", &details);
                t_fatalf(&format!(
                    "wrong value {} committed for index {}; expected {}",
                    show(cmd.as_ref()),
                    starti + i,
                    show_ints(&cmds)
                ));
            }
        }

        let mut failed = false;
        total2 = 0;
        for j in 0..servers {
            let (t, _) = ts.srv(j).raft().unwrap().get_state();
            if t != term {
                // The term changed: can't expect low RPC counts; keep going to update total2.
                annotate_checker_neutral(
                    despretry,
                    &format!("term of server {j} changed from {term} to {t}"),
                );
                failed = true;
            }
            total2 += ts.g.rpc_count(j) as i64;
        }

        if failed {
            continue 'retry;
        }

        if total2 - total1 > (iters + 1 + 3) * 3 {
            let details = format!(
                "number of RPC used for {iters} entries = {} > {}",
                total2 - total1,
                (iters + 1 + 3) * 3
            );
            annotate_checker_failure("used too many RPCs for agreement", &details);
            t_fatalf(&format!("too many RPCs ({}) for {iters} entries", total2 - total1));
        }

        let details = format!(
            "number of RPC used for {iters} entries = {} <= {}",
            total2 - total1,
            (iters + 1 + 3) * 3
        );
        annotate_checker_success("used reasonable number of RPCs for agreement", &details);

        success = true;
        break;
    }

    if !success {
        annotate_checker_failure("agreement failed", "unable to reach agreement after 5 attempts");
        t_fatalf("term changed too often");
    }

    annotate_checker_begin("checking reasonable RPC counts in idle");

    thread::sleep(RAFT_ELECTION_TIMEOUT);

    let mut total3 = 0;
    for j in 0..servers {
        total3 += ts.g.rpc_count(j) as i64;
    }

    if total3 - total2 > 3 * 20 {
        let details =
            format!("number of RPC used for 1 second of idleness = {} > {}", total3 - total2, 3 * 20);
        annotate_checker_failure("used too many RPCs in idle", &details);
        t_fatalf(&format!("too many RPCs ({}) for 1 second of idleness", total3 - total2));
    }
    let details = format!("number of RPC used for 1 second of idleness = {} <= {}", total3 - total2, 3 * 20);
    annotate_checker_success("used a reasonable number of RPCs in idle", &details);
}

fn TestPersist13C() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestPersist13C", servers);
    ts.begin("Test (3C): basic persistence");

    ts.one(11, servers, true);

    ts.g.shutdown();
    annotate_shutdown_all();
    ts.g.start_servers();
    annotate_restart_all();

    ts.one(12, servers, true);

    let leader1 = ts.check_one_leader();
    ts.g.shutdown_server(leader1);
    annotate_shutdown(&[leader1]);
    ts.restart(leader1);
    annotate_restart(&[leader1]);

    ts.one(13, servers, true);

    let leader2 = ts.check_one_leader();
    ts.g.shutdown_server(leader2);
    annotate_shutdown(&[leader2]);

    ts.one(14, servers - 1, true);

    ts.restart(leader2);
    annotate_restart(&[leader2]);

    annotate_checker_begin("wait for all servers to commit until index 4");
    ts.wait(4, servers, -1); // wait for leader2 to join before killing i3
    annotate_checker_success("all committed until index 4", "OK");

    let i3 = (ts.check_one_leader() + 1) % servers;
    ts.g.shutdown_server(i3);
    annotate_shutdown(&[i3]);

    ts.one(15, servers - 1, true);

    ts.restart(i3);
    annotate_restart(&[i3]);

    ts.one(16, servers, true);
}

fn TestPersist23C() {
    let servers = 5;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestPersist23C", servers);
    ts.begin("Test (3C): more persistence");

    let mut index = 1;
    for _ in 0..5 {
        ts.one(10 + index, servers, true);
        index += 1;

        let leader1 = ts.check_one_leader();

        ts.g.shutdown_server((leader1 + 1) % servers);
        ts.g.shutdown_server((leader1 + 2) % servers);
        annotate_shutdown(&[(leader1 + 1) % servers, (leader1 + 2) % servers]);

        ts.one(10 + index, servers - 2, true);
        index += 1;

        ts.g.shutdown_server((leader1 + 0) % servers);
        ts.g.shutdown_server((leader1 + 3) % servers);
        ts.g.shutdown_server((leader1 + 4) % servers);
        annotate_shutdown(&[(leader1 + 0) % servers, (leader1 + 3) % servers, (leader1 + 4) % servers]);

        ts.restart((leader1 + 1) % servers);
        ts.restart((leader1 + 2) % servers);
        annotate_restart(&[(leader1 + 1) % servers, (leader1 + 2) % servers]);

        thread::sleep(RAFT_ELECTION_TIMEOUT);

        ts.restart((leader1 + 3) % servers);
        annotate_restart(&[(leader1 + 3) % servers]);

        ts.one(10 + index, servers - 2, true);
        index += 1;

        ts.restart((leader1 + 4) % servers);
        ts.restart((leader1 + 0) % servers);
        annotate_restart(&[(leader1 + 4) % servers, (leader1 + 0) % servers]);
    }

    ts.one(1000, servers, true);
}

fn TestPersist33C() {
    let servers = 3;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestPersist33C", servers);
    ts.begin("Test (3C): partitioned leader and one follower crash, leader restarts");

    ts.one(101, 3, true);

    let leader = ts.check_one_leader();
    ts.g.disconnect_all((leader + 2) % servers);
    annotate_connection(&ts.g.get_connected());

    ts.one(102, 2, true);

    ts.g.shutdown_server((leader + 0) % servers);
    ts.g.shutdown_server((leader + 1) % servers);
    annotate_shutdown(&[(leader + 0) % servers, (leader + 1) % servers]);
    ts.g.connect_one((leader + 2) % servers);
    annotate_connection(&ts.g.get_connected());
    ts.restart((leader + 0) % servers);
    annotate_restart(&[(leader + 0) % servers]);

    ts.one(103, 2, true);

    ts.restart((leader + 1) % servers);
    annotate_restart(&[(leader + 1) % servers]);

    ts.one(104, servers, true);
}

/// Tests the scenarios described in Figure 8 of the extended Raft paper. Each iteration
/// asks a leader, if there is one, to insert a command in the Raft log. If there is a
/// leader, that leader will fail quickly with a high probability (perhaps without
/// committing the command), or crash after a while with low probability (most likely
/// committing the command). If the number of alive servers isn't enough to form a
/// majority, perhaps start a new server. The leader in a new term may try to finish
/// replicating log entries that haven't been committed yet.
fn TestFigure83C() {
    let servers = 5;
    let ts = make_test(servers, true, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestFigure83C", servers);
    ts.begin("Test (3C): Figure 8");

    ts.one(rand_int(), 1, true);

    let mut nup = servers;
    for _ in 0..1000 {
        let mut leader = None;
        for i in 0..servers {
            if let Some(rf) = ts.srv(i).raft() {
                let cmd = rand_int();
                let (_, _, ok) = rf.start(Any::from(cmd));
                if ok {
                    let text = format!("submitted command {cmd} to server {i}");
                    annotate_info(&text, &text);
                    leader = Some(i);
                }
            }
        }

        if rand::random_range(0..1000) < 100 {
            let ms = rand::random_range(0..RAFT_ELECTION_TIMEOUT.as_millis() as u64 / 2);
            thread::sleep(Duration::from_millis(ms));
        } else {
            let ms = rand::random_range(0..13);
            thread::sleep(Duration::from_millis(ms));
        }

        if let Some(leader) = leader {
            ts.g.shutdown_server(leader);
            annotate_shutdown(&[leader]);
            nup -= 1;
        }

        if nup < 3 {
            let s = rand::random_range(0..servers);
            if ts.srv(s).raft().is_none() {
                ts.restart(s);
                annotate_restart(&[s]);
                nup += 1;
            }
        }
    }

    for i in 0..servers {
        if ts.srv(i).raft().is_none() {
            ts.restart(i);
        }
    }
    annotate_restart_all();

    ts.one(rand_int(), servers, true);
}

fn TestUnreliableAgree3C() {
    let servers = 5;
    let ts = make_test(servers, false, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestUnreliableAgree3C", servers);
    ts.begin("Test (3C): unreliable agreement");

    let mut wg = Vec::new();

    for iters in 1..50 {
        for j in 0..4 {
            let ts = ts.clone();
            wg.push(thread::spawn(move || {
                ts.one(100 * iters + j, 1, true);
            }));
        }
        ts.one(iters, 1, true);
    }

    ts.set_reliable(true);

    for h in wg {
        join(h);
    }

    ts.one(100, servers, true);
}

fn TestFigure8Unreliable3C() {
    let servers = 5;
    let ts = make_test(servers, false, false);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestFigure8Unreliable3C", servers);
    ts.begin("Test (3C): Figure 8 (unreliable)");

    ts.one(rand_int() % 10000, 1, true);

    let mut nup = servers;
    for iters in 0..1000 {
        if iters == 200 {
            ts.set_long_reordering(true);
        }
        let mut leader = None;
        for i in 0..servers {
            let cmd = rand_int() % 10000;
            let (_, _, ok) = ts.srv(i).raft().unwrap().start(Any::from(cmd));
            if ok {
                let text = format!("submitted command {cmd} to server {i}");
                annotate_info(&text, &text);
            }
            if ok && ts.g.is_connected(i) {
                leader = Some(i);
            }
        }

        if rand::random_range(0..1000) < 100 {
            let ms = rand::random_range(0..RAFT_ELECTION_TIMEOUT.as_millis() as u64 / 2);
            thread::sleep(Duration::from_millis(ms));
        } else {
            let ms = rand::random_range(0..13);
            thread::sleep(Duration::from_millis(ms));
        }

        if let Some(leader) = leader
            && rand::random_range(0..1000) < RAFT_ELECTION_TIMEOUT.as_millis() / 2
        {
            ts.g.disconnect_all(leader);
            annotate_connection(&ts.g.get_connected());
            nup -= 1;
        }

        if nup < 3 {
            let s = rand::random_range(0..servers);
            if !ts.g.is_connected(s) {
                ts.g.connect_one(s);
                annotate_connection(&ts.g.get_connected());
                nup += 1;
            }
        }
    }

    for i in 0..servers {
        if !ts.g.is_connected(i) {
            ts.g.connect_one(i);
        }
    }
    annotate_connection(&ts.g.get_connected());

    ts.one(rand_int() % 10000, servers, true);
}

fn internal_churn(reliable: bool) {
    let servers = 5;
    let ts = make_test(servers, reliable, false);
    let _cleanup = ts.defer_cleanup();

    if ts.is_reliable() {
        annotate_test("TestReliableChurn3C", servers);
        ts.begin("Test (3C): churn");
    } else {
        annotate_test("TestUnreliableChurn3C", servers);
        ts.begin("Test (3C): unreliable churn");
    }

    let stop = Arc::new(AtomicBool::new(false));

    // A client: submits commands until stopped; returns those it saw committed.
    let cfn = |me: u64| {
        let ts = ts.clone();
        let stop = stop.clone();
        move || {
            let mut values = Vec::new();
            // (Also stop if the test failed and ended without setting `stop`, rather than
            // run on into the next test.)
            while !stop.load(Ordering::SeqCst) && !ts.check_finished() {
                let x = rand_int();
                let mut index = -1;
                let mut ok = false;
                for i in 0..servers {
                    // Try them all, maybe one of them is a leader.
                    if let Some(rf) = ts.srv(i).raft() {
                        let (index1, _, ok1) = rf.start(Any::from(x));
                        if ok1 {
                            ok = ok1;
                            index = index1;
                        }
                    }
                }
                if ok {
                    // Maybe the leader will commit our value, maybe not; but don't wait
                    // forever.
                    for to in [10, 20, 50, 100, 200] {
                        let (nd, cmd) = ts.n_committed(index);
                        if nd > 0 {
                            match cmd.as_ref().and_then(|c| c.downcast_ref::<i64>()) {
                                Some(&xx) => {
                                    if xx == x {
                                        values.push(x);
                                    }
                                }
                                None => t_fatalf("wrong command type"),
                            }
                            break;
                        }
                        thread::sleep(Duration::from_millis(to));
                    }
                } else {
                    thread::sleep(Duration::from_millis(79 + me * 17));
                }
            }
            values
        }
    };

    let startcli = get_annotate_timestamp();
    let ncli = 3;
    // A client that fails ends without a result: Go's nil.
    let cha: Vec<_> = (0..ncli).map(|i| thread::spawn(cfn(i))).collect();

    for _ in 0..20 {
        if rand::random_range(0..1000) < 200 {
            let i = rand::random_range(0..servers);
            ts.g.disconnect_all(i);
            annotate_connection(&ts.g.get_connected());
        }

        if rand::random_range(0..1000) < 500 {
            let i = rand::random_range(0..servers);
            if ts.srv(i).raft().is_none() {
                ts.restart(i);
                annotate_restart(&[i]);
            }
            ts.g.connect_one(i);
            annotate_connection(&ts.g.get_connected());
        }

        if rand::random_range(0..1000) < 200 {
            let i = rand::random_range(0..servers);
            if ts.srv(i).raft().is_some() {
                ts.g.shutdown_server(i);
                annotate_shutdown(&[i]);
            }
        }

        // Make crash/restart infrequent enough that the peers can often keep up, but not
        // so infrequent that everything has settled down from one change to the next.
        // Pick a value smaller than the election timeout, but not hugely smaller.
        thread::sleep((RAFT_ELECTION_TIMEOUT * 7) / 10);
    }

    thread::sleep(RAFT_ELECTION_TIMEOUT);
    ts.set_reliable(true);
    for i in 0..servers {
        if ts.srv(i).raft().is_none() {
            ts.restart(i);
        }
        ts.g.connect_one(i);
    }
    annotate_restart_all();
    annotate_connection(&ts.g.get_connected());

    stop.store(true, Ordering::SeqCst);
    let textcli = format!("{ncli} clients submitting commands concurrently");
    annotate_info_interval(startcli, &textcli, &textcli);

    annotate_checker_begin("checking if any client has failed");
    let mut values = Vec::new();
    for h in cha {
        match h.join() {
            Ok(vv) => values.extend(vv),
            Err(_) => t_fatalf("client failed"),
        }
    }
    annotate_checker_success("none of the clients have failed", "OK");

    thread::sleep(RAFT_ELECTION_TIMEOUT);

    let last_index = ts.one(rand_int(), servers, true);

    // As Go's, this starts with last_index+1 zeros.
    let mut really = vec![0; (last_index + 1) as usize];
    for index in 1..=last_index {
        let v = ts.wait(index, servers, -1);
        match v.as_ref().and_then(|v| v.downcast_ref::<i64>()) {
            Some(&vi) => really.push(vi),
            None => {
                let text = format!("committed value {} is not an integer", show(v.as_ref()));
                annotate_checker_failure(&text, &text);
                t_fatalf("not an int")
            }
        }
    }

    annotate_checker_begin("checking if committed values observed by the clients remain in the log");
    for v1 in &values {
        if !really.contains(v1) {
            t_fatalf("didn't find a value");
        }
    }
    annotate_checker_success("committed values remain in the log", "OK");
}

fn TestReliableChurn3C() {
    internal_churn(true);
}

fn TestUnreliableChurn3C() {
    internal_churn(false);
}

/// The body of the first five 3D tests: `iters` rounds in which the leader or a follower
/// is given enough commands to snapshot while another server is disconnected or crashed
/// (or neither), with a check that the persisted Raft state stays small.
fn snapcommon(name: &str, disconnect: bool, reliable: bool, crash: bool) {
    let iters = 30;
    let servers = 3;
    let ts = make_test(servers, reliable, true);
    let _cleanup = ts.defer_cleanup();

    // Go passes the description here; the page shows the test's name instead.
    annotate_test(labtest::name(), servers);
    ts.begin(name);

    ts.one(rand_int(), servers, true);
    let mut leader1 = ts.check_one_leader();

    for i in 0..iters {
        let mut victim = (leader1 + 1) % servers;
        let mut sender = leader1;
        if i % 3 == 1 {
            sender = (leader1 + 1) % servers;
            victim = leader1;
        }

        if disconnect {
            ts.g.disconnect_all(victim);
            annotate_connection(&ts.g.get_connected());
            ts.one(rand_int(), servers - 1, true);
        }
        if crash {
            ts.g.shutdown_server(victim);
            annotate_shutdown(&[victim]);
            ts.one(rand_int(), servers - 1, true);
        }

        // Perhaps send enough to get a snapshot.
        let start = get_annotate_timestamp();
        let nn = (SNAPSHOT_INTERVAL / 2) + (rand_int() % SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            ts.srv(sender).raft().unwrap().start(Any::from(rand_int()));
        }
        let text = format!("submitting {nn} commands to {sender}");
        annotate_info_interval(start, &text, &text);

        // Let the applier threads catch up with the Start()s.
        if !disconnect && !crash {
            // Make sure all followers have caught up, so that an InstallSnapshot RPC isn't
            // required for TestSnapshotBasic3D().
            ts.one(rand_int(), servers, true);
        } else {
            ts.one(rand_int(), servers - 1, true);
        }

        if ts.g.log_size() >= MAX_LOG_SIZE {
            t_fatalf("Log size too large");
        }
        if disconnect {
            // Reconnect a follower, who may be behind and need to receive a snapshot to
            // catch up.
            ts.g.connect_one(victim);
            annotate_connection(&ts.g.get_connected());
            ts.one(rand_int(), servers, true);
            leader1 = ts.check_one_leader();
        }
        if crash {
            ts.restart(victim);
            annotate_restart(&[victim]);
            ts.one(rand_int(), servers, true);
            leader1 = ts.check_one_leader();
        }
    }
}

fn TestSnapshotBasic3D() {
    snapcommon("Test (3D): snapshots basic", false, true, false);
}

fn TestSnapshotInstall3D() {
    snapcommon("Test (3D): install snapshots (disconnect)", true, true, false);
}

fn TestSnapshotInstallUnreliable3D() {
    snapcommon("Test (3D): install snapshots (disconnect)", true, false, false);
}

fn TestSnapshotInstallCrash3D() {
    snapcommon("Test (3D): install snapshots (crash)", false, true, true);
}

fn TestSnapshotInstallUnCrash3D() {
    snapcommon("Test (3D): install snapshots (crash)", false, false, true);
}

/// Do the servers persist the snapshots, and restart using the snapshot along with the
/// tail of the log?
fn TestSnapshotAllCrash3D() {
    let servers = 3;
    let iters = 5;
    let ts = make_test(servers, false, true);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestSnapshotAllCrash3D", servers);
    ts.begin("Test (3D): crash and restart all servers");

    ts.one(rand_int(), servers, true);

    for _ in 0..iters {
        // Perhaps enough to get a snapshot.
        let nn = (SNAPSHOT_INTERVAL / 2) + (rand_int() % SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            ts.one(rand_int(), servers, true);
        }

        let index1 = ts.one(rand_int(), servers, true);

        // Crash all.
        ts.g.shutdown();
        annotate_shutdown_all();
        ts.g.start_servers();
        annotate_restart_all();

        let index2 = ts.one(rand_int(), servers, true);
        if index2 < index1 + 1 {
            let msg = format!("index decreased from {index1} to {index2}");
            annotate_checker_failure("incorrect behavior: index decreased", &msg);
            t_fatalf(&msg);
        }
    }
}

/// Do the servers correctly initialize their in-memory copy of the snapshot, making sure
/// that future writes to persistent state don't lose state?
fn TestSnapshotInit3D() {
    let servers = 3;
    let ts = make_test(servers, false, true);
    let _cleanup = ts.defer_cleanup();

    annotate_test("TestSnapshotInit3D", servers);
    ts.begin("Test (3D): snapshot initialization after crash");
    ts.one(rand_int(), servers, true);

    // Enough ops to make a snapshot.
    let nn = SNAPSHOT_INTERVAL + 1;
    for _ in 0..nn {
        ts.one(rand_int(), servers, true);
    }

    ts.g.shutdown();
    annotate_shutdown_all();
    ts.g.start_servers();
    annotate_restart_all();

    // A single op, to get something to be written back to persistent storage.
    ts.one(rand_int(), servers, true);

    ts.g.shutdown();
    annotate_shutdown_all();
    ts.g.start_servers();
    annotate_restart_all();

    // Do another op to trigger a potential bug.
    ts.one(rand_int(), servers, true);
}

/// Waits for a thread (Go's `wg.Wait()`): its result, or its failure re-raised here.
fn join<T>(h: thread::JoinHandle<T>) -> T {
    h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
}

labtest::tests!(
    TestInitialElection3A,
    TestReElection3A,
    TestManyElections3A,
    TestBasicAgree3B,
    TestRPCBytes3B,
    TestFollowerFailure3B,
    TestLeaderFailure3B,
    TestFailAgree3B,
    TestFailNoAgree3B,
    TestConcurrentStarts3B,
    TestRejoin3B,
    TestBackup3B,
    TestCount3B,
    TestPersist13C,
    TestPersist23C,
    TestPersist33C,
    TestFigure83C,
    TestUnreliableAgree3C,
    TestFigure8Unreliable3C,
    TestReliableChurn3C,
    TestUnreliableChurn3C,
    TestSnapshotBasic3D,
    TestSnapshotInstall3D,
    TestSnapshotInstallUnreliable3D,
    TestSnapshotInstallCrash3D,
    TestSnapshotInstallUnCrash3D,
    TestSnapshotAllCrash3D,
    TestSnapshotInit3D,
);
