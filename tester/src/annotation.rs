//! The failure timeline (Go's `tester1/annotation.go`): tests, checkers and students record
//! annotations in one process-wide store; when a test fails (or always, with
//! `VIS_ENABLE=always`) the tester writes them as a self-contained HTML page.
//!
//! Beyond Go's, the store also keeps each peer's term and leadership over time (fed by a
//! sampler in the Raft harness, see [`annotate_peer_state`]) and the connection changes,
//! which the page shows as one lane per peer.
//!
//! Recording is cheap (a mutex around a vector) and never fails a test: a bad server id is
//! tolerated, and errors writing the page are printed.

mod page;
mod store;
mod timeline;

pub use page::{add_to_page, render_html, to_page};
pub use timeline::{Annotation, NetMode, NetState, PeerSample, Timeline};

use std::sync::{Mutex, MutexGuard, Once};
use store::Store;

/// Colour of the tester's informational annotations.
pub const COLOR_INFO: &str = "#FAFAFA";
/// Colour of a checker that neither passed nor failed (a retry).
pub const COLOR_NEUTRAL: &str = "#FFECB3";
/// Colour of a checker that passed.
pub const COLOR_SUCCESS: &str = "#C8E6C9";
/// Colour of a checker that failed.
pub const COLOR_FAILURE: &str = "#FFCDD2";
/// Colour of partitions and crashes.
pub const COLOR_FAULT: &str = "#B3E5FC";
/// Colour of students' annotations.
pub const COLOR_USER: &str = "#FFF176";

/// The checkers' lane.
pub const TAG_CHECKER: &str = "$ Checker";
/// The lane of partitions and crashes.
pub const TAG_PARTITION: &str = "$ Failure";
/// The lane of the tester's informational annotations.
pub const TAG_INFO: &str = "$ Test Info";

static STORE: Mutex<Store> = Mutex::new(Store::new());

fn store() -> MutexGuard<'static, Store> {
    // A test that panicked while recording must not stop the next one from recording.
    STORE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `f` on the store with the current time, taken under the lock so that the
/// recordings are in time order.
fn with<R>(f: impl FnOnce(&mut Store, i64) -> R) -> R {
    let mut s = store();
    f(&mut s, timestamp())
}

fn timestamp() -> i64 {
    crate::clock::now_ns()
}

/// The current time as annotations record it (nanoseconds since the Unix epoch).
pub fn get_annotate_timestamp() -> i64 {
    timestamp()
}

// Used by students.

/// Adds a point annotation on lane `tag`.
pub fn annotate(tag: &str, desp: &str, details: &str) {
    annotate_point_color(tag, desp, details, COLOR_USER);
}

/// Adds an annotation on lane `tag` from `start` (see [`get_annotate_timestamp`]) to now.
pub fn annotate_interval(tag: &str, start: i64, desp: &str, details: &str) {
    annotate_interval_color(tag, start, desp, details, COLOR_USER);
}

/// Starts an annotation on lane `tag` that lasts until the next one of that tag.
pub fn annotate_continuous(tag: &str, desp: &str, details: &str) {
    annotate_continuous_color(tag, desp, details, COLOR_USER);
}

/// Adds a point annotation in colour `color`.
pub fn annotate_point_color(tag: &str, desp: &str, details: &str, color: &str) {
    with(|s, now| s.point(tag, desp, details, color, now));
}

/// Adds an interval annotation from `start` to now in colour `color`.
pub fn annotate_interval_color(tag: &str, start: i64, desp: &str, details: &str, color: &str) {
    with(|s, now| s.interval(tag, start, desp, details, color, now));
}

/// Starts a continuous annotation in colour `color`.
pub fn annotate_continuous_color(tag: &str, desp: &str, details: &str, color: &str) {
    with(|s, now| s.continuous(tag, desp, details, color, now));
}

/// Ends lane `tag`'s continuous annotation, if one is open.
pub fn annotate_continuous_end(tag: &str) {
    with(|s, now| s.continuous_end(tag, now));
}

// Used by the tester.

/// Starts a test's timeline: forgets the previous test's and records `name` and `n`.
pub fn annotate_test(name: &str, n: usize) {
    install_fatal_hook();
    with(|s, now| s.begin_test(name, n, now));
}

/// Records the test's description line for the page's header (`Config::begin` calls it).
pub fn annotate_description(description: &str) {
    store().set_description(description);
}

/// Adds an informational point.
pub fn annotate_info(desp: &str, details: &str) {
    annotate_point_color(TAG_INFO, desp, details, COLOR_INFO);
}

/// Adds an informational interval from `start` to now.
pub fn annotate_info_interval(start: i64, desp: &str, details: &str) {
    annotate_interval_color(TAG_INFO, start, desp, details, COLOR_INFO);
}

/// The debug line for a checker's outcome (`details` only when it says more than `desp`).
fn checker_event(outcome: &str, desp: &str, details: &str) {
    if desp == details || details.is_empty() {
        crate::debug::event(format_args!("checker {outcome}: {desp}"));
    } else {
        crate::debug::event(format_args!("checker {outcome}: {desp}: {details}"));
    }
}

/// Records that a checker began; its outcome becomes an interval from now.
pub fn annotate_checker_begin(details: &str) {
    crate::debug::event(format_args!("checker begins: {details}"));
    with(|s, now| s.checker_begin(details, now));
}

/// Records that the pending checker passed.
pub fn annotate_checker_success(desp: &str, details: &str) {
    checker_event("passed", desp, details);
    with(|s, now| s.checker_end(desp, details, COLOR_SUCCESS, now));
}

/// Records that the pending checker failed.
pub fn annotate_checker_failure(desp: &str, details: &str) {
    checker_event("failed", desp, details);
    with(|s, now| s.checker_end(desp, details, COLOR_FAILURE, now));
}

/// Records that the pending checker neither passed nor failed (it will retry).
pub fn annotate_checker_neutral(desp: &str, details: &str) {
    checker_event("undecided", desp, details);
    with(|s, now| s.checker_end(desp, details, COLOR_NEUTRAL, now));
}

/// Records a checker failure and writes the page now, before the process exits.
pub fn annotate_checker_failure_before_exit(desp: &str, details: &str) {
    annotate_checker_failure(desp, details);
    cleanup(true, "test failed");
}

/// Records which servers are connected (as `ServerGrp::get_connected` tells), if it changed.
pub fn annotate_connection(connected: &[bool]) {
    with(|s, now| s.set_connected(connected, now));
}

/// Records that `servers` were shut down (crashed).
pub fn annotate_shutdown(servers: &[usize]) {
    with(|s, now| s.shutdown(servers, now));
}

/// Records that every server was shut down.
pub fn annotate_shutdown_all() {
    with(|s, now| {
        let all: Vec<usize> = (0..s.servers()).collect();
        s.shutdown(&all, now)
    });
}

/// Records that `servers` were restarted.
pub fn annotate_restart(servers: &[usize]) {
    with(|s, now| s.restart(servers, now));
}

/// Records that every server was restarted.
pub fn annotate_restart_all() {
    with(|s, now| {
        let all: Vec<usize> = (0..s.servers()).collect();
        s.restart(&all, now)
    });
}

/// Records a partition of the servers into `p1` and `p2` (for `ServerGrp::partition`,
/// which the connected flags do not describe).
pub fn annotate_two_partitions(p1: &[usize], p2: &[usize]) {
    with(|s, now| s.two_partitions(p1, p2, now));
}

/// Records that the failures are over: all servers connected, none crashed.
pub fn annotate_clear_failure() {
    with(|s, now| s.clear_failure(now));
}

/// Records peer `peer`'s term and leadership, or that it is down (`alive` false; then
/// `term` and `is_leader` are ignored); only changes are kept.
pub fn annotate_peer_state(peer: usize, term: i64, is_leader: bool, alive: bool) {
    annotate_peer_view(peer, alive.then_some(PeerView { term, leader: is_leader, candidate: None }));
}

/// A Raft peer as it sees itself, for the timeline's peer lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerView {
    /// Its current term.
    pub term: i64,
    /// Whether it thinks it leads.
    pub leader: bool,
    /// Whether it is a candidate; `None` if it does not tell.
    pub candidate: Option<bool>,
}

/// Asks peer `rf` what it is: its `debug_role` if it has one, else `get_state`.
pub fn peer_view(rf: &dyn raftapi::Raft) -> PeerView {
    match rf.debug_role() {
        Some((term, role)) => PeerView {
            term,
            leader: role == raftapi::Role::Leader,
            candidate: Some(role == raftapi::Role::Candidate),
        },
        None => {
            let (term, leader) = rf.get_state();
            PeerView { term, leader, candidate: None }
        }
    }
}

/// Records peer `peer` as it sees itself, or as down (`None`); only changes are kept.
pub fn annotate_peer_view(peer: usize, view: Option<PeerView>) {
    with(|s, now| s.peer_state(peer, view, now));
}

/// Records the network's settings (when a test begins and when it changes them).
pub fn annotate_network(reliable: bool, long_delays: bool, long_reordering: bool) {
    with(|s, now| s.net_mode(NetMode { at: now, reliable, long_delays, long_reordering }));
}

/// Marks the current timeline finalized: the test's cleanup then writes no page.
pub fn set_annotation_finalized() {
    store().finalized = true;
}

/// Whether the current timeline was finalized.
pub fn get_annotation_finalized() -> bool {
    store().finalized
}

/// Closes the open annotations, marks the timeline finalized and returns it, ended by
/// the point `end` (for a checker that writes its own page, like Go's kvtest).
pub fn finalize_annotations(end: &str) -> Timeline {
    let mut t = with(|s, now| s.finalize(now));
    t.end_with(end, timestamp());
    t
}

/// Whether `VIS_ENABLE` allows writing pages at all (it is not `never`).
pub fn vis_enabled() -> bool {
    std::env::var("VIS_ENABLE").map_or(true, |v| v != "never")
}

/// Ends the test's timeline: writes the page if the test failed (`failed`) or
/// `VIS_ENABLE=always`, unless `VIS_ENABLE=never` or it was finalized already, and
/// prints where; then or otherwise forgets it. `end` is the result shown.
pub fn cleanup(failed: bool, end: &str) {
    let enable = std::env::var("VIS_ENABLE").unwrap_or_default();
    let mut timeline = {
        let mut s = store();
        if enable == "never" || (!failed && enable != "always") || s.finalized {
            s.clear();
            return;
        }
        s.finalize(timestamp())
    };
    if timeline.is_empty() {
        return;
    }
    timeline.end_with(end, timestamp());
    let target = std::env::var("VIS_FILE").ok().filter(|f| !f.is_empty());
    println!("{}", page::write(&timeline, target.as_deref()));
}

/// Makes `labtest::fail_process` (a fatal error on any thread) and an interrupt (Ctrl-C)
/// write the page first.
pub(crate) fn install_fatal_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| labtest::on_fatal(on_fatal));
}

fn on_fatal(msg: &str) {
    let (what, end) = match msg {
        labtest::INTERRUPTED => ("interrupted", "test interrupted"),
        _ => ("fatal error", "test failed"),
    };
    {
        let mut s = store();
        // A caller that already wrote the page (annotate_checker_failure_before_exit) left
        // the timeline finalized: cleanup then only forgets it. A test that recorded
        // nothing gets no page holding just this error.
        if s.is_empty() {
            return;
        }
        if !s.finalized {
            s.checker_end(what, msg, COLOR_FAILURE, timestamp());
        }
    }
    cleanup(true, end);
}
