//! The history page (Go's `visualization.go`): one self-contained HTML file that draws a
//! checked history with a lane per client, the longest linearizations found, where the
//! search got stuck, and annotation lanes. The tester draws its Raft failure timeline with
//! the same page (state lanes, no history), so a key/value test's page can hold both.
//!
//! The page, its style and its script are ours (`visualization/page.*`); the data goes in
//! as JSON with every `<` escaped, so no text of a history can end the script early.

use crate::checker::{LinearizationInfo, PartitionInfo};
use crate::model::{CheckResult, Model};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const TEMPLATE: &str = include_str!("visualization/page.html");
const STYLE: &str = include_str!("visualization/page.css");
const SCRIPT: &str = include_str!("visualization/page.js");

/// A note to show with a history (Go's `Annotation`): on lane `tag`, or on client
/// `client_id`'s lane when `tag` is empty. An `end` equal to `start` is a point.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// The client lane it goes on when `tag` is empty.
    pub client_id: i64,
    /// The lane it goes on.
    pub tag: String,
    /// When it happened or began (in the history's time unit).
    pub start: i64,
    /// When it ended; `start` for a point.
    pub end: i64,
    /// The short text shown on the lane.
    pub description: String,
    /// The longer text shown on hover.
    pub details: String,
    /// Its text colour (CSS); empty for the default.
    pub text_color: String,
    /// Its background colour (CSS); empty for the default.
    pub background_color: String,
}

/// A lane of coloured intervals that is neither a client nor an annotation tag, such as
/// a Raft peer's role over time.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lane {
    /// The lane's name.
    pub name: String,
    /// A second, smaller line under the name.
    pub sub: String,
    /// Its intervals, in time order.
    pub items: Vec<LaneItem>,
    /// Hatched marks along the lane's bottom edge (a peer cut off from the network).
    pub cuts: Vec<LaneItem>,
}

/// One interval (or point, with no end) of a [`Lane`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaneItem {
    /// When it began.
    pub start: i64,
    /// When it ended; `None` for a point.
    pub end: Option<i64>,
    /// Its background colour (CSS).
    pub color: String,
    /// Its labels, longest first; the page shows the longest that fits.
    pub texts: Vec<String>,
    /// Whether its label is light (on a dark colour).
    pub light: bool,
    /// The tooltip's title.
    pub title: String,
    /// The tooltip's text.
    pub details: String,
}

/// One operation as the page draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct PageOp {
    client: i64,
    start: i64,
    end: i64,
    text: String,
}

/// Where the search got stuck in an illegal partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct Stuck {
    /// The longest prefix's length.
    after: usize,
    /// The state after it.
    state: String,
    /// The operation whose return the search could not pass.
    first: usize,
    /// The operations that could have come next, each with why it did not.
    candidates: Vec<(usize, String)>,
}

/// One partition as the page draws it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
struct PagePartition {
    name: String,
    result: String,
    ops: Vec<PageOp>,
    /// The distinct longest linearizations, longest first: (operation, state after it).
    linearizations: Vec<Vec<(usize, String)>>,
    /// For each operation, the longest linearization holding it (-1: none).
    largest: Vec<i64>,
    stuck: Option<Stuck>,
}

/// Everything one page shows: a checked history, state lanes and annotations, in one
/// time unit (nanoseconds, or event positions for an event history).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Page {
    /// The test or file the page is about.
    pub test: String,
    /// A line under the title.
    pub description: String,
    /// The verdict or the test's result ("Illegal", "test failed", ...).
    pub result: String,
    /// More facts for the header ("5 servers", ...).
    pub meta: Vec<String>,
    /// Whether times are nanoseconds since the Unix epoch (else event positions).
    pub wall_clock: bool,
    /// State lanes, drawn between the clients and the annotations.
    pub lanes: Vec<Lane>,
    /// Legend entries for the lanes' colours: (name, CSS colour; empty for the hatching
    /// of a cut).
    pub legend: Vec<(String, String)>,
    /// Annotations, on tag lanes or client lanes.
    pub annotations: Vec<Annotation>,
    /// When the page's time axis starts and ends; widened to hold everything drawn.
    pub span: Option<(i64, i64)>,
    partitions: Vec<PagePartition>,
}

impl Page {
    /// A page for a checked history, with `info`'s annotations.
    pub fn from_info<M: Model>(model: &M, info: &LinearizationInfo<M::Input, M::Output>) -> Page {
        let partitions: Vec<PagePartition> =
            info.partitions.iter().enumerate().map(|(i, p)| page_partition(model, i, p)).collect();
        let result = overall(info);
        Page {
            result: result.map_or(String::new(), |r| r.to_string()),
            wall_clock: true,
            annotations: info.annotations.clone(),
            partitions,
            ..Page::default()
        }
    }

    /// Whether the page has nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.partitions.iter().all(|p| p.ops.is_empty())
            && self.lanes.iter().all(|l| l.items.is_empty())
            && self.annotations.is_empty()
    }

    /// The first and last time the page draws.
    fn bounds(&self) -> Option<(i64, i64)> {
        let ops = self.partitions.iter().flat_map(|p| &p.ops).flat_map(|o| [o.start, o.end]);
        let anns = self.annotations.iter().flat_map(|a| [a.start, a.end]);
        let items = self.lanes.iter().flat_map(|l| l.items.iter().chain(&l.cuts));
        let items = items.flat_map(|i| [Some(i.start), i.end]).flatten();
        let mut all = ops.chain(anns).chain(items).chain(self.span.into_iter().flat_map(|(a, b)| [a, b]));
        let first = all.next()?;
        Some(all.fold((first, first), |(lo, hi), t| (lo.min(t), hi.max(t))))
    }

    /// The page as HTML.
    pub fn to_html(&self) -> String {
        let title = match (self.test.as_str(), self.result.as_str()) {
            ("", "") => "history".to_string(),
            (test, "") => test.to_string(),
            ("", result) => format!("history: {result}"),
            (test, result) => format!("{test}: {result}"),
        };
        fill(
            TEMPLATE,
            &[
                ("{{title}}", &escape_html(&title)),
                ("{{style}}", STYLE),
                ("{{data}}", &self.json()),
                ("{{script}}", SCRIPT),
            ],
        )
    }

    /// The page's data as JSON that is safe inside `<script>`, times relative to the
    /// first one drawn.
    fn json(&self) -> String {
        let (t0, t1) = self.bounds().unwrap_or((0, 0));
        let shift = |t: i64| t - t0;
        let mut page = self.clone();
        for p in &mut page.partitions {
            for o in &mut p.ops {
                o.start = shift(o.start);
                o.end = shift(o.end);
            }
        }
        for a in &mut page.annotations {
            a.start = shift(a.start);
            a.end = shift(a.end);
        }
        for l in &mut page.lanes {
            for i in l.items.iter_mut().chain(&mut l.cuts) {
                i.start = shift(i.start);
                i.end = i.end.map(shift);
            }
        }
        page.span = Some((0, t1 - t0));
        let data = serde_json::json!({
            "origin": t0.to_string(),
            "page": page,
        });
        data.to_string().replace('<', "\\u003c")
    }
}

/// The overall verdict the partitions give, if any were checked.
fn overall<I, O>(info: &LinearizationInfo<I, O>) -> Option<CheckResult> {
    let results = info.partitions.iter().map(|p| p.result);
    if info.partitions.is_empty() {
        None
    } else if results.clone().any(|r| r == CheckResult::Illegal) {
        Some(CheckResult::Illegal)
    } else if results.clone().any(|r| r == CheckResult::Unknown) {
        Some(CheckResult::Unknown)
    } else {
        Some(CheckResult::Ok)
    }
}

/// The partial linearizations of `p`, longest first, each with the state after each
/// step, replayed from the initial state.
fn replay<M: Model>(model: &M, p: &PartitionInfo<M::Input, M::Output>) -> Vec<Vec<(usize, M::State)>> {
    let mut seqs: Vec<&Vec<usize>> = p.partial_linearizations.iter().collect();
    seqs.sort_by_key(|s| std::cmp::Reverse(s.len()));
    seqs.iter()
        .map(|seq| {
            let mut state = model.init();
            let mut out = Vec::with_capacity(seq.len());
            for &id in seq.iter() {
                let op = &p.operations[id];
                // Every step of a recorded prefix was legal when the search took it, and
                // steps are pure; should a model break that, stop the replay here.
                match model.step(&state, &op.input, &op.output) {
                    Some(s) => state = s,
                    None => break,
                }
                out.push((id, state.clone()));
            }
            out
        })
        .collect()
}

fn page_partition<M: Model>(
    model: &M,
    index: usize,
    p: &PartitionInfo<M::Input, M::Output>,
) -> PagePartition {
    let ops: Vec<PageOp> = p
        .operations
        .iter()
        .map(|o| PageOp {
            client: o.client_id,
            start: o.call,
            end: o.ret,
            text: model.describe_operation(&o.input, &o.output),
        })
        .collect();
    let seqs = replay(model, p);
    let mut largest = vec![-1i64; ops.len()];
    for (i, seq) in seqs.iter().enumerate() {
        for &(id, _) in seq {
            if largest[id] < 0 {
                largest[id] = i as i64;
            }
        }
    }
    let stuck = (p.result == CheckResult::Illegal).then(|| stuck(model, p, seqs.first()));
    let linearizations =
        seqs.iter().map(|seq| seq.iter().map(|(id, s)| (*id, model.describe_state(s))).collect()).collect();
    PagePartition {
        name: model.describe_partition(&p.operations).unwrap_or_else(|| format!("partition {index}")),
        result: p.result.to_string(),
        ops,
        linearizations,
        largest,
        stuck,
    }
}

/// Where the search of an illegal partition got stuck, after its longest prefix: the
/// first return it could not pass, and each call that could have come next.
fn stuck<M: Model>(
    model: &M,
    p: &PartitionInfo<M::Input, M::Output>,
    longest: Option<&Vec<(usize, M::State)>>,
) -> Stuck {
    let state = longest.and_then(|l| l.last()).map_or_else(|| model.init(), |(_, s)| s.clone());
    let done: BTreeSet<usize> = longest.into_iter().flatten().map(|(id, _)| *id).collect();
    let left = || (0..p.operations.len()).filter(|id| !done.contains(id));
    let ops = &p.operations;
    let first = left().min_by_key(|&id| (ops[id].ret, ops[id].call, id)).unwrap_or(0);
    let deadline = ops.get(first).map_or(i64::MAX, |o| o.ret);
    let candidates = left()
        .filter(|&id| ops[id].call <= deadline)
        .map(|id| {
            let op = &ops[id];
            let why = match model.step(&state, &op.input, &op.output) {
                None => "cannot come next: the model does not allow it in this state".to_string(),
                Some(s) => format!(
                    "could come next (the state would become {}), but no linearization goes on from there",
                    model.describe_state(&s)
                ),
            };
            (id, why)
        })
        .collect();
    Stuck { after: done.len(), state: model.describe_state(&state), first, candidates }
}

/// A few lines saying, for each illegal partition, how far the search got and what
/// could not come next.
pub fn explain<M: Model>(model: &M, info: &LinearizationInfo<M::Input, M::Output>) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, p) in info.partitions.iter().enumerate() {
        if p.result != CheckResult::Illegal {
            continue;
        }
        let page = page_partition(model, i, p);
        let Some(st) = page.stuck else { continue };
        lines.push(format!(
            "{}: {} of {} operations linearize; then, in state {}, none of these can come next:",
            page.name,
            st.after,
            page.ops.len(),
            st.state
        ));
        for (id, why) in &st.candidates {
            let o = &page.ops[*id];
            let mark = if *id == st.first { " (the first to return)" } else { "" };
            lines.push(format!("  client {} [{}, {}] {}{mark}: {why}", o.client, o.start, o.end, o.text));
        }
    }
    lines
}

// ---- Go's visualisation data, kept for comparison with Go's page ----

/// One operation in Go's visualisation data (`historyElement`), times compressed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct HistoryElement {
    /// The client.
    pub client_id: i64,
    /// The call, compressed.
    pub start: i64,
    /// The call's time, in decimal.
    pub original_start: String,
    /// The return, compressed.
    pub end: i64,
    /// The return's time, in decimal.
    pub original_end: String,
    /// The model's description.
    pub description: String,
}

/// One step of a partial linearization in Go's data (`linearizationStep`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LinearizationStep {
    /// The operation.
    pub index: usize,
    /// The state after it.
    pub state_description: String,
}

/// One partition in Go's data (`partitionVisualizationData`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PartitionData {
    /// The operations by id.
    pub history: Vec<HistoryElement>,
    /// The partial linearizations, longest first.
    pub partial_linearizations: Vec<Vec<LinearizationStep>>,
    /// For each operation, the longest partial linearization holding it.
    pub largest: BTreeMap<usize, usize>,
}

/// Go's visualisation data (`visualizationData`), without annotations: what Go's page
/// embeds, with times mapped to 0, 100, 200, ... in order.
pub fn visualization_data<M: Model>(
    model: &M,
    info: &LinearizationInfo<M::Input, M::Output>,
) -> Vec<PartitionData> {
    let mut times: Vec<i64> =
        info.partitions.iter().flat_map(|p| &p.operations).flat_map(|o| [o.call, o.ret]).collect();
    times.extend(info.annotations.iter().flat_map(|a| [a.start, a.end]));
    times.sort_unstable();
    times.dedup();
    let map = |t: i64| times.binary_search(&t).map_or(0, |i| i as i64 * 100);
    info.partitions
        .iter()
        .map(|p| {
            let history = p
                .operations
                .iter()
                .map(|o| HistoryElement {
                    client_id: o.client_id,
                    start: map(o.call),
                    original_start: o.call.to_string(),
                    end: map(o.ret),
                    original_end: o.ret.to_string(),
                    description: model.describe_operation(&o.input, &o.output),
                })
                .collect();
            let seqs = replay(model, p);
            let mut largest = BTreeMap::new();
            for (i, seq) in seqs.iter().enumerate() {
                for &(id, _) in seq {
                    largest.entry(id).or_insert(i);
                }
            }
            let partial_linearizations = seqs
                .iter()
                .map(|seq| {
                    seq.iter()
                        .map(|(id, s)| LinearizationStep {
                            index: *id,
                            state_description: model.describe_state(s),
                        })
                        .collect()
                })
                .collect();
            PartitionData { history, partial_linearizations, largest }
        })
        .collect()
}

// ---- writing ----

/// Writes the page of a checked history to `out` (Go's `Visualize`).
pub fn visualize<M: Model>(
    model: &M,
    info: &LinearizationInfo<M::Input, M::Output>,
    out: &mut impl Write,
) -> io::Result<()> {
    out.write_all(Page::from_info(model, info).to_html().as_bytes())
}

/// Writes the page of a checked history to the file `path` (Go's `VisualizePath`).
pub fn visualize_path<M: Model>(
    model: &M,
    info: &LinearizationInfo<M::Input, M::Output>,
    path: impl AsRef<Path>,
) -> io::Result<()> {
    let mut f = File::create(path)?;
    visualize(model, info, &mut f)?;
    f.flush()
}

/// Writes `page` to `target`, or else to a new `porcupine-*.html` in the temporary
/// directory; returns the line to print: Go's `info: wrote visualization to PATH`, or
/// why it could not.
pub fn write_page(page: &Page, target: Option<&str>) -> String {
    let opened = match target {
        Some(path) => File::create(path).map(|f| (f, PathBuf::from(path))).map_err(|e| (path.to_string(), e)),
        None => create_temp(),
    };
    let (mut file, path) = match opened {
        Ok(opened) => opened,
        Err((path, e)) => return format!("info: failed to open visualization file {path} ({e})"),
    };
    match file.write_all(page.to_html().as_bytes()).and_then(|()| file.flush()) {
        Ok(()) => format!("info: wrote visualization to {}", path.display()),
        Err(e) => format!("info: failed to write visualization file {} ({e})", path.display()),
    }
}

/// Creates a new, uniquely named `porcupine-*.html` in the temporary directory.
pub fn create_temp() -> Result<(File, PathBuf), (String, io::Error)> {
    let dir = std::env::temp_dir();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let mut last = None;
    for k in 0..16u64 {
        let n = crate::config::mix(seed as u64 ^ u64::from(std::process::id()) ^ (k << 48)) as u32;
        let path = dir.join(format!("porcupine-{n}.html"));
        match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((path, e)),
            Err(e) => return Err((path.display().to_string(), e)),
        }
    }
    let (path, e) = last.unwrap_or_else(|| (dir.clone(), io::Error::other("no name left to try")));
    Err((path.display().to_string(), e))
}

/// Replaces each marker of `template`, in order, by its value. Only the template is
/// searched, so a value that happens to contain a marker stays as it is.
fn fill(template: &str, parts: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + parts.iter().map(|p| p.1.len()).sum::<usize>());
    let mut rest = template;
    for (marker, value) in parts {
        if let Some(at) = rest.find(marker) {
            out.push_str(&rest[..at]);
            out.push_str(value);
            rest = &rest[at + marker.len()..];
        }
    }
    out.push_str(rest);
    out
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_does_not_search_values() {
        assert_eq!(fill("a{{x}}b{{y}}c", &[("{{x}}", "{{y}}"), ("{{y}}", "Y")]), "a{{y}}bYc");
    }

    #[test]
    fn json_has_no_raw_angle_brackets() {
        let page = Page { test: "</script><!--".into(), ..Page::default() };
        let json = page.json();
        assert!(!json.contains('<'), "{json}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["page"]["test"], "</script><!--");
    }
}
