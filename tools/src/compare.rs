//! Test-by-test comparison of our test output with the Go lab's: outcome, time and RPC count
//! on each side, and the ratios ours / Go.

use crate::golog::{self, GoLog, TestRecord, Verdict};
use crate::stats::ratio;
use crate::table::{Align, Table};
use crate::{Context, Error, Result};
use serde::Serialize;
use std::path::Path;

/// One side's view of a test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The test function's name, if the log gives it.
    pub name: Option<String>,
    /// How it ended.
    pub verdict: Verdict,
    /// Seconds the tester reported.
    pub seconds: Option<f64>,
    /// RPCs from its Passed line.
    pub rpcs: Option<u64>,
}

impl Side {
    fn of(t: &TestRecord) -> Self {
        Side { name: t.name.clone(), verdict: t.verdict, seconds: t.seconds, rpcs: t.rpcs }
    }
}

/// One test, on both sides.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    /// Its Begin line's description (or name, if it has none).
    pub description: String,
    /// Its part tag.
    pub part: Option<String>,
    /// The Go lab's run, if the Go log has it.
    pub go: Option<Side>,
    /// Our run, if our log has it.
    pub ours: Option<Side>,
    /// Our time / Go's time.
    pub time_ratio: Option<f64>,
    /// Our RPCs / Go's RPCs.
    pub rpc_ratio: Option<f64>,
}

/// Sums over the tests both sides passed and have figures for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    /// Tests in both logs, whatever their outcome.
    pub shared_tests: usize,
    /// Tests passed and timed on both sides.
    pub timed_tests: usize,
    /// Go's seconds over those tests.
    pub go_seconds: f64,
    /// Our seconds over those tests.
    pub our_seconds: f64,
    /// Our seconds / Go's.
    pub time_ratio: Option<f64>,
    /// Tests passed with RPC counts on both sides.
    pub counted_tests: usize,
    /// Go's RPCs over those tests.
    pub go_rpcs: u64,
    /// Our RPCs over those tests.
    pub our_rpcs: u64,
    /// Our RPCs / Go's.
    pub rpc_ratio: Option<f64>,
    /// Wall time of Go's `ok`/`FAIL` lines.
    pub go_wall: Option<f64>,
    /// Wall time of our `ok`/`FAIL` lines.
    pub our_wall: Option<f64>,
    /// Our wall time / Go's.
    pub wall_ratio: Option<f64>,
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// Tests in the Go log's order, then those only we have.
    pub rows: Vec<Row>,
    /// Sums.
    pub totals: Totals,
}

/// Reads and parses a `go test`-shaped log, which must have at least one test in it.
pub fn load(path: &Path) -> Result<GoLog> {
    let bytes = std::fs::read(path).context(|| format!("reading {}", path.display()))?;
    let log = golog::parse(&String::from_utf8_lossy(&bytes));
    if log.tests.is_empty() {
        return Err(Error::new(format!(
            "{}: no tests found (expected go test output with Begin lines such as `Test (3A): ...`)",
            path.display()
        )));
    }
    Ok(log)
}

/// Matches the tests of `go` and `ours` by description, in order of appearance.
pub fn compare(go: &GoLog, ours: &GoLog) -> Comparison {
    let mut used = vec![false; ours.tests.len()];
    let mut rows = Vec::new();
    for g in &go.tests {
        let key = g.key();
        let ours_index = (0..ours.tests.len()).find(|&i| !used[i] && ours.tests[i].key() == key);
        let o = ours_index.map(|i| {
            used[i] = true;
            &ours.tests[i]
        });
        rows.push(row(g, Some(g), o));
    }
    for (o, _) in ours.tests.iter().zip(&used).filter(|(_, used)| !**used) {
        rows.push(row(o, None, Some(o)));
    }
    let totals = totals(&rows, go.wall_seconds(), ours.wall_seconds());
    Comparison { rows, totals }
}

fn row(t: &TestRecord, go: Option<&TestRecord>, ours: Option<&TestRecord>) -> Row {
    let (go, ours) = (go.map(Side::of), ours.map(Side::of));
    let both = |f: fn(&Side) -> Option<f64>| match (&go, &ours) {
        (Some(g), Some(o)) => ratio(f(g)?, f(o)?),
        _ => None,
    };
    Row {
        description: t.key(),
        part: t.part().map(str::to_string),
        time_ratio: both(|s| s.seconds),
        rpc_ratio: both(|s| s.rpcs.map(|r| r as f64)),
        go,
        ours,
    }
}

fn totals(rows: &[Row], go_wall: Option<f64>, our_wall: Option<f64>) -> Totals {
    let shared = || rows.iter().filter_map(|r| Some((r.go.as_ref()?, r.ours.as_ref()?)));
    // A failed test's time says when it gave up, not how fast it ran: leave it out of the sums.
    let passed = || shared().filter(|(g, o)| g.verdict == Verdict::Passed && o.verdict == Verdict::Passed);
    let times: Vec<(f64, f64)> = passed().filter_map(|(g, o)| Some((g.seconds?, o.seconds?))).collect();
    let rpcs: Vec<(u64, u64)> = passed().filter_map(|(g, o)| Some((g.rpcs?, o.rpcs?))).collect();
    // Folded from +0.0: an empty f64 `sum()` is -0.0, which would print as "-0.0".
    let go_seconds = times.iter().fold(0.0, |a, t| a + t.0);
    let our_seconds = times.iter().fold(0.0, |a, t| a + t.1);
    let go_rpcs = rpcs.iter().map(|r| r.0).sum();
    let our_rpcs = rpcs.iter().map(|r| r.1).sum();
    Totals {
        shared_tests: shared().count(),
        timed_tests: times.len(),
        go_seconds,
        our_seconds,
        time_ratio: ratio(go_seconds, our_seconds),
        counted_tests: rpcs.len(),
        go_rpcs,
        our_rpcs,
        rpc_ratio: ratio(go_rpcs as f64, our_rpcs as f64),
        go_wall,
        our_wall,
        wall_ratio: go_wall.zip(our_wall).and_then(|(g, o)| ratio(g, o)),
    }
}

impl Comparison {
    /// The test-by-test table, with a totals row.
    pub fn table(&self) -> Table {
        let mut t = Table::new(&[
            ("Part", Align::Left),
            ("Test", Align::Left),
            ("Go", Align::Left),
            ("Ours", Align::Left),
            ("Go s", Align::Right),
            ("Our s", Align::Right),
            ("ours/Go", Align::Right),
            ("Go RPCs", Align::Right),
            ("Our RPCs", Align::Right),
            ("ours/Go", Align::Right),
        ]);
        for r in &self.rows {
            let seconds = |s: &Option<Side>| opt(s.as_ref().and_then(|s| s.seconds), |x| format!("{x:.1}"));
            let rpcs = |s: &Option<Side>| opt(s.as_ref().and_then(|s| s.rpcs), |x| x.to_string());
            t.row(vec![
                r.part.clone().unwrap_or_default(),
                short_description(&r.description).to_string(),
                verdict(&r.go).into(),
                verdict(&r.ours).into(),
                seconds(&r.go),
                seconds(&r.ours),
                opt(r.time_ratio, times),
                rpcs(&r.go),
                rpcs(&r.ours),
                opt(r.rpc_ratio, times),
            ]);
        }
        let s = &self.totals;
        t.row(vec![
            String::new(),
            format!("total of passed ({} timed, {} counted)", s.timed_tests, s.counted_tests),
            String::new(),
            String::new(),
            format!("{:.1}", s.go_seconds),
            format!("{:.1}", s.our_seconds),
            opt(s.time_ratio, times),
            s.go_rpcs.to_string(),
            s.our_rpcs.to_string(),
            opt(s.rpc_ratio, times),
        ]);
        t
    }

    /// The line comparing the `ok` lines' wall times, if either log has one.
    pub fn wall_line(&self) -> Option<String> {
        let s = &self.totals;
        if s.go_wall.is_none() && s.our_wall.is_none() {
            return None;
        }
        let secs = |w: Option<f64>| opt(w, |x| format!("{x:.3}s"));
        Some(format!(
            "wall time (ok lines): Go {}, ours {}, ours/Go {}",
            secs(s.go_wall),
            secs(s.our_wall),
            opt(s.wall_ratio, times)
        ))
    }
}

/// The description without its `Test (3A): ` prefix.
fn short_description(d: &str) -> &str {
    match d.strip_prefix("Test (") {
        Some(_) => d.split_once("): ").map_or(d, |(_, rest)| rest),
        None => d,
    }
}

fn verdict(side: &Option<Side>) -> &'static str {
    match side.as_ref().map(|s| s.verdict) {
        None => "-",
        Some(Verdict::Passed) => "ok",
        Some(Verdict::Failed) => "FAIL",
        Some(Verdict::Unfinished) => "?",
    }
}

fn times(r: f64) -> String {
    format!("{r:.2}")
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map_or_else(|| "-".to_string(), f)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_3B: &str = include_str!("../tests/fixtures/go-3B.log");
    const OURS_3B: &str = include_str!("../tests/fixtures/ours-3B.log");

    #[test]
    fn matches_the_go_3b_run_with_ours() {
        let c = compare(&golog::parse(GO_3B), &golog::parse(OURS_3B));
        assert_eq!(c.rows.len(), 10);
        assert!(c.rows.iter().all(|r| r.go.is_some() && r.ours.is_some()));
        let backup = &c.rows[8];
        assert_eq!(
            backup.description,
            "Test (3B): leader backs up quickly over incorrect follower logs (reliable network)"
        );
        assert_eq!(backup.go.as_ref().unwrap().rpcs, Some(10396));
        assert_eq!(backup.ours.as_ref().unwrap().rpcs, Some(676));
        assert!((backup.time_ratio.unwrap() - 4.6 / 21.9).abs() < 1e-9);
        let t = &c.totals;
        assert_eq!((t.timed_tests, t.counted_tests), (10, 10));
        assert!((t.go_seconds - 53.2).abs() < 1e-9);
        assert!((t.our_seconds - 25.4).abs() < 1e-9);
        assert_eq!((t.go_rpcs, t.our_rpcs), (13885, 1361));
        assert_eq!((t.go_wall, t.our_wall), (Some(53.098), Some(25.321)));
    }

    #[test]
    fn lab2_logs_match_by_their_begin_lines() {
        // Go's kvsrv1 run on this machine (a complete public solution) and one of ours.
        let go = golog::parse(
            "One client and reliable Put (reliable network)...\n  ... Passed --  time  0.0s #peers 1 #RPCs     5 #Ops    0\n\
             Test: many clients racing to put values to the same key (reliable network)...\n  ... Passed --  time  1.5s #peers 1 #RPCs 41077 #Ops 41077\n\
             Test: memory use many put clients (reliable network)...\n  ... Passed --  time  7.6s #peers 1 #RPCs 100000 #Ops    0\n\
             One client (unreliable network)...\n  ... Passed --  time  3.5s #peers 1 #RPCs   259 #Ops  211\nPASS\nok  \t6.5840/kvsrv1\t18.830s\n",
        );
        let ours = golog::parse(
            "One client and reliable Put (reliable network)...\n  ... Passed --  time  0.0s #peers 1 #RPCs     5 #Ops    0\n\
             Test: many clients racing to put values to the same key (reliable network)...\n  ... Passed --  time  1.4s #peers 1 #RPCs 180567 #Ops 180567\n\
             Test: memory use many put clients (reliable network)...\n  ... Passed --  time  2.4s #peers 1 #RPCs 100000 #Ops    0\n\
             One client (unreliable network)...\n  ... Passed --  time  3.8s #peers 1 #RPCs   253 #Ops  208\nPASS\nok  \t6.5840/kvsrv1\t8.600s\n",
        );
        let c = compare(&go, &ours);
        assert_eq!(c.rows.len(), 4);
        assert!(c.rows.iter().all(|r| verdict(&r.go) == "ok" && verdict(&r.ours) == "ok"));
        assert_eq!(
            short_description(&c.rows[0].description),
            "One client and reliable Put (reliable network)"
        );
        assert_eq!(c.rows[1].ours.as_ref().unwrap().rpcs, Some(180567));
        assert_eq!((c.totals.go_wall, c.totals.our_wall), (Some(18.83), Some(8.6)));
    }

    #[test]
    fn unmatched_and_failed_tests_are_shown() {
        let go = golog::parse(
            "Test (3A): a (reliable network)...\n  ... Passed --  time  2.0s #peers 3 #RPCs 10 #Ops 0\n\
             Test (3A): b (reliable network)...\n  ... Passed --  time  1.0s #peers 3 #RPCs 10 #Ops 0\n",
        );
        let ours = golog::parse(
            "Test (3A): b (reliable network)...\n--- FAIL: TestB3A (4.00s)\n    boom\n\
             Test (3A): c (reliable network)...\n  ... Passed --  time  1.0s #peers 3 #RPCs 7 #Ops 0\n",
        );
        let c = compare(&go, &ours);
        let shape: Vec<(&str, &str, &str)> = c
            .rows
            .iter()
            .map(|r| (short_description(&r.description), verdict(&r.go), verdict(&r.ours)))
            .collect();
        assert_eq!(
            shape,
            vec![
                ("a (reliable network)", "ok", "-"),
                ("b (reliable network)", "ok", "FAIL"),
                ("c (reliable network)", "-", "ok")
            ]
        );
        assert_eq!(c.rows[1].time_ratio, Some(4.0));
        assert_eq!(c.rows[1].rpc_ratio, None);
        // The failed test is left out of the sums, which are then empty: 0.0, not -0.0.
        assert_eq!((c.totals.shared_tests, c.totals.timed_tests, c.totals.counted_tests), (1, 0, 0));
        let table = c.table().to_string();
        assert!(table.contains("0.0") && !table.contains("-0.0"), "{table}");
        assert_eq!(c.wall_line(), None);
    }

    #[test]
    fn repeated_descriptions_match_in_order() {
        let go = golog::parse(
            "Test (3D): x (reliable network)...\n  ... Passed --  time  1.0s #peers 3 #RPCs 1 #Ops 0\n\
             Test (3D): x (reliable network)...\n  ... Passed --  time  2.0s #peers 3 #RPCs 2 #Ops 0\n",
        );
        let c = compare(&go, &go.clone());
        assert_eq!(c.rows.len(), 2);
        assert_eq!(c.rows[1].ours.as_ref().unwrap().rpcs, Some(2));
    }

    #[test]
    fn all_go_reference_blocks_parse() {
        for (text, n) in [
            (include_str!("../tests/fixtures/go-3A.log"), 3),
            (GO_3B, 10),
            (include_str!("../tests/fixtures/go-3C.log"), 8),
            (include_str!("../tests/fixtures/go-3D.log"), 7),
        ] {
            let log = golog::parse(text);
            assert_eq!(log.tests.len(), n);
            assert!(log.tests.iter().all(|t| t.verdict == Verdict::Passed && t.rpcs.is_some()));
            assert!(log.summaries[0].ok);
            assert_eq!(log.summaries[0].package, "6.5840/raft1");
        }
    }

    #[test]
    fn empty_log_is_an_error() {
        let dir = crate::testutil::TempDir::new("compare");
        let path = dir.path().join("empty.log");
        std::fs::write(&path, "hello\n").unwrap();
        let e = load(&path).unwrap_err();
        assert!(
            e.to_string().ends_with(
                "no tests found (expected go test output with Begin lines such as `Test (3A): ...`)"
            )
        );
        assert!(
            load(Path::new("/nonexistent.log"))
                .unwrap_err()
                .to_string()
                .starts_with("reading /nonexistent.log")
        );
    }
}
