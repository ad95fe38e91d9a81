//! The annotation store: what one test recorded so far, and the tester's view of which
//! servers are connected or crashed (Go's `Annotation` and `FrameworkInfo` in one). Every
//! method takes the current time, so that the logic is testable with made-up times.

use super::timeline::{Annotation, NetMode, NetState, PeerSample, Timeline};
use super::{COLOR_FAULT, COLOR_INFO, PeerView, TAG_CHECKER, TAG_INFO, TAG_PARTITION};
use std::collections::BTreeMap;

/// A continuous annotation still open: it ends when the next one of its tag begins.
struct Open {
    start: i64,
    description: String,
    details: String,
    color: String,
}

/// One test's recordings.
pub(crate) struct Store {
    annotations: Vec<Annotation>,
    continuous: BTreeMap<String, Open>,
    /// Set once a page was produced (or the test finalized), until the next test.
    pub(crate) finalized: bool,
    test: String,
    description: String,
    start: Option<i64>,
    peers: Vec<Vec<PeerSample>>,
    network: Vec<NetState>,
    modes: Vec<NetMode>,
    connected: Vec<bool>,
    crashed: Vec<bool>,
    /// The pending checker's begin time and details.
    checker: Option<(i64, String)>,
}

impl Store {
    /// An empty store.
    pub(crate) const fn new() -> Store {
        Store {
            annotations: Vec::new(),
            continuous: BTreeMap::new(),
            finalized: false,
            test: String::new(),
            description: String::new(),
            start: None,
            peers: Vec::new(),
            network: Vec::new(),
            modes: Vec::new(),
            connected: Vec::new(),
            crashed: Vec::new(),
            checker: None,
        }
    }

    /// Forgets everything.
    pub(crate) fn clear(&mut self) {
        *self = Store::new();
    }

    /// Starts a new test of `n` servers, all connected and none crashed.
    pub(crate) fn begin_test(&mut self, name: &str, n: usize, now: i64) {
        self.clear();
        self.test = name.to_string();
        self.start = Some(now);
        self.connected = vec![true; n];
        self.crashed = vec![false; n];
        self.network.push(NetState {
            at: now,
            connected: self.connected.clone(),
            crashed: self.crashed.clone(),
        });
        let text = format!("{name} ({n} servers)");
        self.point(TAG_INFO, &text, &text, COLOR_INFO, now);
    }

    /// Whether nothing was recorded since the last clear.
    pub(crate) fn is_empty(&self) -> bool {
        self.annotations.is_empty() && self.continuous.is_empty() && self.peers.iter().all(Vec::is_empty)
    }

    /// The number of servers the tester knows of.
    pub(crate) fn servers(&self) -> usize {
        self.connected.len()
    }

    /// Remembers the test's description line for the page's header.
    pub(crate) fn set_description(&mut self, description: &str) {
        self.description = description.to_string();
    }

    /// Adds a point annotation.
    pub(crate) fn point(&mut self, tag: &str, desp: &str, details: &str, color: &str, now: i64) {
        self.push(tag, now, None, desp, details, color);
    }

    /// Adds an interval annotation from `start` to now.
    pub(crate) fn interval(
        &mut self,
        tag: &str,
        start: i64,
        desp: &str,
        details: &str,
        color: &str,
        now: i64,
    ) {
        self.push(tag, start, Some(now), desp, details, color);
    }

    fn push(&mut self, tag: &str, start: i64, end: Option<i64>, desp: &str, details: &str, color: &str) {
        self.annotations.push(Annotation {
            tag: tag.to_string(),
            start,
            end,
            description: desp.to_string(),
            details: details.to_string(),
            color: color.to_string(),
        });
    }

    /// Ends `tag`'s open continuous annotation, if any, and opens this one.
    pub(crate) fn continuous(&mut self, tag: &str, desp: &str, details: &str, color: &str, now: i64) {
        self.continuous_end(tag, now);
        let open = Open {
            start: now,
            description: desp.to_string(),
            details: details.to_string(),
            color: color.to_string(),
        };
        self.continuous.insert(tag.to_string(), open);
    }

    /// Ends `tag`'s open continuous annotation, if any. (Go's would add one starting at
    /// time 0 when none is open, which would stretch the time axis back to 1970.)
    pub(crate) fn continuous_end(&mut self, tag: &str, now: i64) {
        if let Some(o) = self.continuous.remove(tag) {
            self.push(tag, o.start, Some(now), &o.description, &o.details, &o.color);
        }
    }

    /// Records that a checker began.
    pub(crate) fn checker_begin(&mut self, details: &str, now: i64) {
        self.checker = Some((now, details.to_string()));
    }

    /// Records a checker's outcome: an interval from its begin, or a point if none is
    /// pending. Unlike Go's, whose reset of the begin time never takes effect, each begin
    /// is used once, so that a later outcome without a begin does not reach back to it.
    pub(crate) fn checker_end(&mut self, desp: &str, details: &str, color: &str, now: i64) {
        match self.checker.take() {
            Some((start, begin)) => {
                let d = format!("{begin}: {details}");
                self.interval(TAG_CHECKER, start, desp, &d, color, now);
            }
            None => self.point(TAG_CHECKER, desp, details, color, now),
        }
    }

    /// Grows the per-server flags to cover server `i`: never panic on an unexpected id.
    fn cover(&mut self, i: usize) {
        if self.connected.len() <= i {
            self.connected.resize(i + 1, true);
            self.crashed.resize(i + 1, false);
        }
    }

    /// Records which servers are connected, if that changed.
    pub(crate) fn set_connected(&mut self, connected: &[bool], now: i64) {
        if connected.is_empty() {
            return;
        }
        self.cover(connected.len() - 1);
        if self.connected[..connected.len()] == *connected {
            return;
        }
        self.connected[..connected.len()].copy_from_slice(connected);
        self.fault(now);
    }

    /// Records that `servers` crashed, if any of them was up.
    pub(crate) fn shutdown(&mut self, servers: &[usize], now: i64) {
        let mut changed = false;
        for &i in servers {
            self.cover(i);
            changed |= !self.crashed[i];
            self.crashed[i] = true;
            // Now rather than at the sampler's next look.
            self.peer_state(i, None, now);
        }
        if changed {
            self.fault(now);
        }
    }

    /// Records that `servers` restarted, if any of them was crashed.
    pub(crate) fn restart(&mut self, servers: &[usize], now: i64) {
        let mut changed = false;
        for &i in servers {
            self.cover(i);
            changed |= self.crashed[i];
            self.crashed[i] = false;
            // Up, in a state the sampler (if any) has yet to see.
            if self.peers.get(i).and_then(|s| s.last()).is_some_and(|s| !s.alive) {
                self.peer_state(i, Some(PeerView { term: -1, leader: false, candidate: None }), now);
            }
        }
        if changed {
            self.fault(now);
        }
    }

    /// Records a partition of the servers into `p1` and `p2`.
    pub(crate) fn two_partitions(&mut self, p1: &[usize], p2: &[usize], now: i64) {
        let text = format!("partition = {} {}", show(p1), show(p2));
        self.continuous(TAG_PARTITION, &text, &text, COLOR_FAULT, now);
    }

    /// Records that every server is connected and none crashed.
    pub(crate) fn clear_failure(&mut self, now: i64) {
        self.connected.fill(true);
        self.crashed.fill(false);
        self.network.push(NetState {
            at: now,
            connected: self.connected.clone(),
            crashed: self.crashed.clone(),
        });
        self.continuous_end(TAG_PARTITION, now);
    }

    /// Updates the failure lane after a connection or crash change: each disconnected
    /// server is alone in its partition, the connected ones share one, the crashed are
    /// listed apart.
    fn fault(&mut self, now: i64) {
        self.network.push(NetState {
            at: now,
            connected: self.connected.clone(),
            crashed: self.crashed.clone(),
        });
        let (mut alone, mut conn, mut crashes) = (Vec::new(), Vec::new(), Vec::new());
        for (i, (&connected, &crashed)) in self.connected.iter().zip(&self.crashed).enumerate() {
            if crashed {
                crashes.push(i);
            } else if connected {
                conn.push(i);
            } else {
                alone.push(format!("[{i}]"));
            }
        }
        if alone.is_empty() && crashes.is_empty() {
            self.continuous_end(TAG_PARTITION, now);
            return;
        }
        let mut parts = Vec::new();
        if !alone.is_empty() || !conn.is_empty() {
            if !conn.is_empty() {
                alone.push(show(&conn));
            }
            parts.push(format!("partition = {}", alone.join(" ")));
        }
        if !crashes.is_empty() {
            parts.push(format!("crash = {}", show(&crashes)));
        }
        let text = parts.join(" / ");
        self.continuous(TAG_PARTITION, &text, &text, COLOR_FAULT, now);
    }

    fn last_term(&self, peer: usize) -> i64 {
        self.peers.get(peer).and_then(|s| s.last()).map_or(-1, |s| s.term)
    }

    /// Records peer `peer` as it sees itself, or as down (`None`, keeping its last known
    /// term), if that changed.
    pub(crate) fn peer_state(&mut self, peer: usize, view: Option<PeerView>, now: i64) {
        let (term, leader, candidate, alive) = match view {
            Some(v) => (v.term, v.leader, v.candidate.map(|c| c && !v.leader), true),
            None => (self.last_term(peer), false, None, false),
        };
        if self.peers.len() <= peer {
            self.peers.resize_with(peer + 1, Vec::new);
        }
        let samples = &mut self.peers[peer];
        let same =
            |s: &PeerSample| (s.term, s.leader, s.candidate, s.alive) == (term, leader, candidate, alive);
        if samples.last().is_some_and(same) {
            return;
        }
        samples.push(PeerSample { at: now, term, leader, candidate, alive });
    }

    /// Records the network's settings if they changed.
    pub(crate) fn net_mode(&mut self, mode: NetMode) {
        let same = |m: &NetMode| NetMode { at: mode.at, ..*m } == mode;
        if !self.modes.last().is_some_and(same) {
            self.modes.push(mode);
        }
    }

    /// Closes the open continuous annotations and marks the store finalized; returns the
    /// timeline so far (without a result).
    pub(crate) fn finalize(&mut self, now: i64) -> Timeline {
        let tags: Vec<String> = self.continuous.keys().cloned().collect();
        for tag in tags {
            self.continuous_end(&tag, now);
        }
        self.finalized = true;
        let first =
            self.annotations.iter().map(|a| a.start).chain(self.peers.iter().flatten().map(|s| s.at)).min();
        Timeline {
            test: self.test.clone(),
            servers: self.connected.len(),
            description: self.description.clone(),
            result: String::new(),
            start: self.start.or(first).unwrap_or(now),
            end: now,
            annotations: self.annotations.clone(),
            peers: self.peers.clone(),
            network: self.network.clone(),
            modes: self.modes.clone(),
        }
    }
}

impl Timeline {
    /// Ends the timeline with its result, as an info point (Go's end annotation).
    pub(crate) fn end_with(&mut self, result: &str, now: i64) {
        self.result = result.to_string();
        self.end = self.end.max(now);
        self.annotations.push(Annotation {
            tag: TAG_INFO.to_string(),
            start: now,
            end: None,
            description: result.to_string(),
            details: result.to_string(),
            color: COLOR_INFO.to_string(),
        });
    }
}

/// Formats ids as Go's `%v` prints an `[]int`: `[0 2]`.
fn show(ids: &[usize]) -> String {
    let items: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    format!("[{}]", items.join(" "))
}
