//! Records a plausible failing Raft test (about 5.5 s of made-up elections, a partition,
//! a crash and a failed agreement) and writes its failure timeline page, to look at the
//! page without running the Raft tests:
//!
//! ```sh
//! VIS_FILE=/tmp/timeline.html cargo run -p tester --example timeline_demo
//! ```

use std::thread;
use std::time::{Duration, Instant};
use tester::annotation::*;

/// The demo's clock: steps happen at fixed offsets from its start.
struct Clock(Instant);

impl Clock {
    /// Sleeps until `ms` after the start.
    fn at(&self, ms: u64) {
        let when = self.0 + Duration::from_millis(ms);
        if let Some(wait) = when.checked_duration_since(Instant::now()) {
            thread::sleep(wait);
        }
    }
}

/// Peers `ids` move to `term` as followers (these peers tell their role, as a Raft with
/// `debug_role` does).
fn followers(ids: &[usize], term: i64) {
    for &i in ids {
        annotate_peer_view(i, Some(PeerView { term, leader: false, candidate: Some(false) }));
    }
}

/// Peer `i` leads `term`.
fn leader(i: usize, term: i64) {
    annotate_peer_view(i, Some(PeerView { term, leader: true, candidate: Some(false) }));
}

/// Peer `i` stands for election in `term`.
fn candidate(i: usize, term: i64) {
    annotate_peer_view(i, Some(PeerView { term, leader: false, candidate: Some(true) }));
}

fn main() {
    let n = 5;
    let c = Clock(Instant::now());
    annotate_test("TestDemoFailure3C", n);
    annotate_description("Test (3C): demo of a failed agreement (reliable network)");
    annotate_network(true, true, false);
    followers(&[0, 1, 2, 3, 4], 0);

    // The first election.
    annotate_checker_begin("checking for a single leader");
    c.at(300);
    candidate(3, 1);
    c.at(310);
    followers(&[0, 1, 2, 4], 1);
    c.at(320);
    leader(3, 1);
    annotate("raft-3", "won election", "votes from 0, 1, 3 in term 1");
    c.at(520);
    annotate_checker_success("leader in term 1 = 3", "leader in term 1 = 3");

    c.at(600);
    annotate_checker_begin("checking agreement of 101 by at least 5 servers without retry");
    c.at(720);
    annotate_checker_success("agreement of 101 reached", "OK");

    // The leader is cut off; the others elect peer 1.
    c.at(900);
    annotate_connection(&[true, true, true, false, true]);
    annotate_checker_begin("checking for a single leader");
    c.at(1400);
    candidate(1, 2);
    c.at(1420);
    followers(&[0, 2, 4], 2);
    c.at(1430);
    leader(1, 2);
    annotate("raft-1", "won election", "votes from 0, 1, 2 in term 2");
    annotate_continuous("raft-3", "stale leader", "still leader of term 1, cut off from the others");
    c.at(1900);
    annotate_checker_success("leader in term 2 = 1", "leader in term 2 = 1");

    c.at(1950);
    annotate_checker_begin("checking agreement of 102 by at least 4 servers without retry");
    c.at(2100);
    annotate_checker_success("agreement of 102 reached", "OK");

    // A follower crashes; the cut-off leader comes back and steps down.
    c.at(2200);
    annotate_shutdown(&[4]);
    c.at(2300);
    annotate_connection(&[true, true, true, true, false]);
    c.at(2330);
    followers(&[3], 2);
    annotate_continuous_end("raft-3");
    let start = get_annotate_timestamp();
    c.at(2400);
    annotate_info_interval(
        start,
        "submitted commands [104 105 106] to 1",
        "submitted commands [104 105 106] to 1",
    );
    c.at(2500);
    annotate_restart(&[4]);
    annotate_connection(&[true; 5]); // restart reconnects everyone
    c.at(2520);
    followers(&[4], 1);
    c.at(2600);
    followers(&[4], 2);
    annotate_checker_begin("checking agreement of 103 by at least 5 servers with retry");
    c.at(2900);
    annotate_checker_success("agreement of 103 reached", "OK");

    // A partition: 1 and 2 alone, and the leader's log never reaches a majority again.
    c.at(3200);
    annotate_connection(&[true, false, false, true, true]);
    annotate_checker_begin("checking agreement of 107 by at least 5 servers with retry");
    c.at(3700);
    followers(&[0], 3);
    c.at(3720);
    leader(0, 3);
    followers(&[3, 4], 3);
    annotate("raft-0", "won election", "votes from 0, 3, 4 in term 3");
    for (k, term) in [(3900, 3), (4400, 4), (4900, 5)] {
        c.at(k);
        candidate(2, term);
        annotate("raft-2", &format!("election timeout, term {term}"), "no votes: cut off from a majority");
    }
    c.at(5000);
    annotate_info_interval(
        get_annotate_timestamp() - 200_000_000,
        "snapshot created",
        "snapshot created after applying the command at index 9",
    );
    c.at(5500);
    annotate_checker_failure("agreement of 107 failed", "failed after 10-second timeout");
    println!("Fatal: one(107) failed to reach agreement (a made-up failure)");
    cleanup(true, "test failed");
}
