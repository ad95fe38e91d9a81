//! The failure timeline as a page: porcupine's history page (one visual family with the
//! key/value tests' pages) with a lane per peer and a lane per annotation tag, written
//! where `VIS_FILE` says or to a temporary file.

use super::timeline::{Annotation, NetMode, PeerSample, Timeline};
use super::{COLOR_FAILURE, COLOR_FAULT, COLOR_INFO, COLOR_NEUTRAL, COLOR_SUCCESS, COLOR_USER};
use porcupine::{Lane, LaneItem, Page};

/// Leaders in even and odd terms.
const LEADER: [&str; 2] = ["#43A047", "#2E7D32"];
/// Followers (or, if the peer does not tell, candidates) in even and odd terms.
const FOLLOWER: [&str; 2] = ["#ECEFF1", "#CFD8DC"];
/// Candidates in even and odd terms.
const CANDIDATE: [&str; 2] = ["#FFE0B2", "#FFCC80"];
/// A peer whose state the sampler has not seen yet.
const UNKNOWN: &str = "#E0E0E0";
/// A crashed peer.
const DOWN: &str = "#616161";

/// The page showing `timeline`.
pub fn render_html(timeline: &Timeline) -> String {
    let mut page = to_page(timeline);
    if page.test.is_empty() {
        page.test = "failure timeline".to_string();
    }
    page.to_html()
}

/// The timeline as a page: its peers, annotations and header.
pub fn to_page(timeline: &Timeline) -> Page {
    let mut page = Page::default();
    page.test = timeline.test.clone();
    page.result = timeline.result.clone();
    add_to_page(timeline, &mut page);
    page
}

/// Adds the timeline's lanes, annotations, legend and header to `page` (a key/value
/// test's history page, say), keeping what `page` already has.
pub fn add_to_page(timeline: &Timeline, page: &mut Page) {
    page.wall_clock = true;
    if page.description.is_empty() {
        page.description = timeline.description.clone();
    }
    if timeline.servers > 0 {
        page.meta.push(format!("{} servers", timeline.servers));
    }
    if let Some(network) = network(&timeline.modes, timeline.start) {
        page.meta.push(network);
    }
    page.lanes.extend(peer_lanes(timeline));
    page.annotations.extend(timeline.annotations.iter().map(annotation));
    let span = page
        .span
        .map_or((timeline.start, timeline.end), |(a, b)| (a.min(timeline.start), b.max(timeline.end)));
    page.span = Some(span);
    let candidates = timeline.peers.iter().flatten().any(|s| s.candidate.is_some());
    let legend: &[(&str, &str)] = &[
        ("leader", LEADER[0]),
        ("candidate", if candidates { CANDIDATE[1] } else { "" }),
        (if candidates { "follower" } else { "follower or candidate" }, FOLLOWER[1]),
        ("down", DOWN),
        ("disconnected", ""),
        ("checker passed", COLOR_SUCCESS),
        ("checker failed", COLOR_FAILURE),
        ("checker retry", COLOR_NEUTRAL),
        ("failure", COLOR_FAULT),
        ("info", COLOR_INFO),
        ("student", COLOR_USER),
    ];
    let shown = legend.iter().filter(|(n, c)| !c.is_empty() || *n == "disconnected");
    page.legend.extend(shown.map(|(n, c)| (n.to_string(), c.to_string())));
}

/// The network's settings for the header: as the test began, then each change and when
/// (`unreliable, long delays; reliable, long delays from 25.3 s`); `None` if none recorded.
fn network(modes: &[NetMode], start: i64) -> Option<String> {
    let (first, changes) = modes.split_first()?;
    let mut text = format!("network: {}", first.describe());
    for m in changes {
        text += &format!("; {} from {:.1} s", m.describe(), (m.at - start) as f64 / 1e9);
    }
    Some(text)
}

fn annotation(a: &Annotation) -> porcupine::Annotation {
    porcupine::Annotation {
        client_id: 0,
        tag: a.tag.clone(),
        start: a.start,
        end: a.end.unwrap_or(a.start),
        description: a.description.clone(),
        details: a.details.clone(),
        text_color: String::new(),
        background_color: a.color.clone(),
    }
}

/// A lane per peer that the sampler saw: its role and term over time, and hatching where
/// the tester had it cut off.
fn peer_lanes(t: &Timeline) -> Vec<Lane> {
    let mut lanes = Vec::new();
    for (p, samples) in t.peers.iter().enumerate() {
        if samples.is_empty() {
            continue;
        }
        let items = samples
            .iter()
            .enumerate()
            .map(|(i, s)| peer_item(p, s, samples.get(i + 1).map_or(t.end, |n| n.at)))
            .collect();
        lanes.push(Lane { name: format!("peer {p}"), sub: String::new(), items, cuts: cuts(t, p) });
    }
    lanes
}

fn peer_item(p: usize, s: &PeerSample, end: i64) -> LaneItem {
    let parity = s.term.rem_euclid(2) as usize;
    let (state, color, texts, light) = if !s.alive {
        ("down (crashed)", DOWN, vec!["down".to_string()], true)
    } else if s.term < 0 {
        ("up (state not yet sampled)", UNKNOWN, vec!["up".to_string()], false)
    } else if s.leader {
        ("leader", LEADER[parity], vec![format!("leader T{}", s.term), format!("L{}", s.term)], true)
    } else if s.candidate == Some(true) {
        (
            "candidate",
            CANDIDATE[parity],
            vec![format!("candidate T{}", s.term), format!("C{}", s.term)],
            false,
        )
    } else {
        let state = if s.candidate.is_some() { "follower" } else { "follower or candidate" };
        (state, FOLLOWER[parity], vec![format!("T{}", s.term), s.term.to_string()], false)
    };
    let details = match (s.alive, s.term) {
        (_, t) if t < 0 => String::new(),
        (true, t) => format!("term {t}"),
        (false, t) => format!("last term {t}"),
    };
    LaneItem {
        start: s.at,
        end: Some(end),
        color: color.to_string(),
        texts,
        light,
        title: format!("peer {p}: {state}"),
        details,
    }
}

/// The intervals in which peer `p` was disconnected but not crashed.
fn cuts(t: &Timeline, p: usize) -> Vec<LaneItem> {
    let mut out = Vec::new();
    let mut from = None;
    let mut close = |from: &mut Option<i64>, at: i64| {
        // A connection change recorded right after a restart leaves an empty cut.
        if let Some(start) = from.take().filter(|&s| at - s >= 1_000_000) {
            out.push(LaneItem {
                start,
                end: Some(at),
                color: String::new(),
                texts: Vec::new(),
                light: false,
                title: format!("peer {p}: disconnected"),
                details: String::new(),
            });
        }
    };
    for n in &t.network {
        let cut = n.connected.get(p) == Some(&false) && n.crashed.get(p) != Some(&true);
        if cut && from.is_none() {
            from = Some(n.at);
        }
        if !cut {
            close(&mut from, n.at);
        }
    }
    close(&mut from, t.end);
    out
}

/// Writes the page for `timeline` to `target`, or else to a new `porcupine-*.html` in the
/// temporary directory; returns the line to print, Go's `info: ...`.
pub(crate) fn write(timeline: &Timeline, target: Option<&str>) -> String {
    porcupine::write_page(&to_page(timeline), target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::timeline::NetState;

    const MS: i64 = 1_000_000;

    fn net(at: i64, connected: [bool; 3], crashed: [bool; 3]) -> NetState {
        NetState { at: at * MS, connected: connected.to_vec(), crashed: crashed.to_vec() }
    }

    #[test]
    fn cuts_are_disconnections_of_live_peers() {
        let up = |at| PeerSample { at: at * MS, term: 1, leader: false, candidate: None, alive: true };
        let t = Timeline {
            servers: 3,
            start: 0,
            end: 100 * MS,
            peers: vec![vec![up(0)], vec![up(0)], vec![up(0)]],
            network: vec![
                net(0, [true; 3], [false; 3]),
                net(10, [true, false, true], [false; 3]),
                // Peer 2 crashes while cut off: a crash, not a cut.
                net(20, [true, false, false], [false, false, true]),
                net(50, [true, true, false], [false, false, true]),
                // Peer 0 is cut off to the end.
                net(60, [false, true, false], [false, false, true]),
            ],
            ..Timeline::default()
        };
        let spans = |p| cuts(&t, p).iter().map(|c| (c.start / MS, c.end.unwrap() / MS)).collect::<Vec<_>>();
        assert_eq!(spans(0), [(60, 100)]);
        assert_eq!(spans(1), [(10, 50)]);
        assert_eq!(spans(2), []);
    }

    #[test]
    fn peer_items_say_what_the_peer_was() {
        let s = |term, leader, alive| PeerSample { at: 0, term, leader, candidate: None, alive };
        let item = |s| peer_item(4, &s, 10);
        assert_eq!(item(s(3, true, true)).texts, ["leader T3", "L3"]);
        assert_eq!(item(s(3, true, true)).color, LEADER[1]);
        assert_eq!(item(s(2, false, true)).title, "peer 4: follower or candidate");
        assert_eq!(item(s(2, false, false)).details, "last term 2");
        assert_eq!(item(s(-1, false, true)).title, "peer 4: up (state not yet sampled)");
        // A peer that tells its role (`debug_role`).
        let told = |candidate| PeerSample { candidate: Some(candidate), ..s(5, false, true) };
        assert_eq!(item(told(true)).title, "peer 4: candidate");
        assert_eq!(item(told(true)).texts, ["candidate T5", "C5"]);
        assert_eq!(item(told(true)).color, CANDIDATE[1]);
        assert_eq!(item(told(false)).title, "peer 4: follower");
        assert_eq!(item(told(false)).color, FOLLOWER[1]);
    }

    #[test]
    fn header_names_the_network_and_its_changes() {
        let mode = |at: i64, reliable, long_reordering| NetMode {
            at: at * MS,
            reliable,
            long_delays: true,
            long_reordering,
        };
        assert_eq!(network(&[], 0), None);
        assert_eq!(network(&[mode(0, true, false)], 0).unwrap(), "network: reliable, long delays");
        let modes = [mode(0, false, true), mode(25_340, true, true)];
        assert_eq!(
            network(&modes, 0).unwrap(),
            "network: unreliable, long delays, long reordering; reliable, long delays, long reordering from 25.3 s"
        );
    }

    #[test]
    fn legend_tells_candidates_only_when_peers_do() {
        let sample = |candidate| PeerSample { at: 0, term: 1, leader: false, candidate, alive: true };
        let legend = |candidate| {
            let t = Timeline { servers: 1, peers: vec![vec![sample(candidate)]], ..Timeline::default() };
            to_page(&t).legend.into_iter().map(|(n, _)| n).take(3).collect::<Vec<_>>()
        };
        assert_eq!(legend(None), ["leader", "follower or candidate", "down"]);
        assert_eq!(legend(Some(false)), ["leader", "candidate", "follower"]);
    }
}
