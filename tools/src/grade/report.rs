//! `check`'s results: per test, per part, and the score (each part weighs the same).

use super::part::Part;
use crate::golog::{self, Verdict};
use crate::runner::RunOutput;
use crate::table::{Align, Table};
use serde::Serialize;

/// One test's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    /// The test function's name.
    pub name: String,
    /// Its Begin line's description, if it printed one.
    pub description: Option<String>,
    /// Whether it passed.
    pub passed: bool,
    /// Seconds the tester reported (Passed or `--- FAIL` line), else the process's wall time.
    pub seconds: f64,
    /// The process's wall time.
    pub wall_seconds: f64,
    /// RPCs from its Passed line.
    pub rpcs: Option<u64>,
    /// Why it failed.
    pub failure: Option<String>,
}

impl TestResult {
    /// The result of test `name` from its run.
    pub fn from_run(name: &str, out: &RunOutput) -> Self {
        let log = golog::parse(&out.output);
        let record = log.tests.iter().find(|t| t.description.is_some());
        let wall = out.wall.as_secs_f64();
        TestResult {
            name: name.to_string(),
            description: record.and_then(|r| r.description.clone()),
            passed: out.passed(),
            seconds: log.tests.iter().find_map(|t| t.seconds).unwrap_or(wall),
            wall_seconds: wall,
            rpcs: log.tests.iter().find(|t| t.verdict == Verdict::Passed).and_then(|t| t.rpcs),
            failure: (!out.passed()).then(|| out.failure_reason()),
        }
    }
}

/// One part's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartResult {
    /// The part.
    pub part: Part,
    /// Its tests, in the lab's order (only those run, if interrupted).
    pub tests: Vec<TestResult>,
    /// Tests passed.
    pub passed: usize,
    /// Tests in the part.
    pub total: usize,
    /// `passed / total`.
    pub score: f64,
}

impl PartResult {
    /// A part with `total` tests, none run yet.
    pub fn new(part: Part, total: usize) -> Self {
        PartResult { part, tests: Vec::new(), passed: 0, total, score: 0.0 }
    }

    /// Adds a test's result.
    pub fn add(&mut self, result: TestResult) {
        self.passed += usize::from(result.passed);
        self.score = self.passed as f64 / self.total.max(1) as f64;
        self.tests.push(result);
    }
}

/// Everything `check` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GradeReport {
    /// Each part's results.
    pub parts: Vec<PartResult>,
    /// Tests passed, over all parts.
    pub passed: usize,
    /// Tests in all parts.
    pub total: usize,
    /// The mean of the parts' scores, from 0 to 1.
    pub score: f64,
    /// Wall time of all the runs.
    pub seconds: f64,
    /// Where the `go test`-shaped log was written.
    pub log: String,
    /// Whether the user stopped it before every test ran.
    pub interrupted: bool,
}

impl GradeReport {
    /// The report of `parts`.
    pub fn new(parts: Vec<PartResult>, seconds: f64, log: String, interrupted: bool) -> Self {
        let passed = parts.iter().map(|p| p.passed).sum();
        let total = parts.iter().map(|p| p.total).sum();
        let score = parts.iter().map(|p| p.score).sum::<f64>() / parts.len().max(1) as f64;
        GradeReport { parts, passed, total, score, seconds, log, interrupted }
    }

    /// Whether every test of every part passed.
    pub fn all_passed(&self) -> bool {
        !self.interrupted && self.passed == self.total
    }

    /// The per-test table.
    pub fn tests_table(&self) -> Table {
        let mut t = Table::new(&[
            ("Test", Align::Left),
            ("Part", Align::Left),
            ("Result", Align::Left),
            ("Time (s)", Align::Right),
            ("#RPCs", Align::Right),
            ("Failure", Align::Left),
        ]);
        for p in &self.parts {
            for r in &p.tests {
                t.row(vec![
                    r.name.clone(),
                    p.part.to_string(),
                    if r.passed { "ok" } else { "FAIL" }.into(),
                    format!("{:.1}", r.seconds),
                    r.rpcs.map_or("-".into(), |n| n.to_string()),
                    r.failure.clone().unwrap_or_default(),
                ]);
            }
        }
        t
    }

    /// The score table: passed/total and score per part, then the total.
    pub fn score_table(&self) -> Table {
        let mut t = Table::new(&[("Part", Align::Left), ("Passed", Align::Right), ("Score", Align::Right)]);
        for p in &self.parts {
            t.row(vec![p.part.to_string(), format!("{}/{}", p.passed, p.total), percent(p.score)]);
        }
        t.row(vec!["total".into(), format!("{}/{}", self.passed, self.total), percent(self.score)]);
        t
    }
}

fn percent(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Exit;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;
    use std::time::Duration;

    fn run(passed: bool, output: &str) -> RunOutput {
        RunOutput {
            exit: if passed { Exit::Passed } else { Exit::Failed(ExitStatus::from_raw(101 << 8)) },
            wall: Duration::from_millis(3100),
            output: output.into(),
            timeout: Duration::from_secs(150),
            limit_hit: None,
        }
    }

    fn results() -> (TestResult, TestResult) {
        let ok = TestResult::from_run(
            "TestInitialElection3A",
            &run(
                true,
                "Test (3A): initial election (reliable network)...\n\
                 \x20 ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0\nPASS\n",
            ),
        );
        let bad = TestResult::from_run(
            "TestReElection3A",
            &run(
                false,
                "Test (3A): election after network failure (reliable network)...\n\
                 Fatal: expected one leader, got none\n        x.rs:1\n--- FAIL: TestReElection3A (4.58s)\n",
            ),
        );
        (ok, bad)
    }

    #[test]
    fn test_results_from_runs() {
        let (ok, bad) = results();
        assert_eq!(ok.description.as_deref(), Some("Test (3A): initial election (reliable network)"));
        assert_eq!((ok.passed, ok.seconds, ok.rpcs, ok.failure.clone()), (true, 3.0, Some(52), None));
        assert_eq!((bad.passed, bad.seconds, bad.rpcs), (false, 4.58, None));
        assert_eq!(bad.failure.as_deref(), Some("expected one leader, got none"));
    }

    #[test]
    fn parts_weigh_the_same() {
        let (ok, bad) = results();
        let mut a = PartResult::new(Part::all()[2], 2);
        a.add(ok.clone());
        a.add(bad);
        let mut b = PartResult::new(Part::all()[3], 1);
        b.add(ok);
        let report = GradeReport::new(vec![a, b], 10.0, "test.log".into(), false);
        assert_eq!((report.passed, report.total), (2, 3));
        assert_eq!(report.score, 0.75);
        assert!(!report.all_passed());
        assert_eq!(
            report.score_table().to_string(),
            "Part   Passed   Score\n3A        1/2   50.0%\n3B        1/1  100.0%\ntotal     2/3   75.0%\n"
        );
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["parts"][0]["tests"][1]["failure"], "expected one leader, got none");
        assert_eq!(json["parts"][1]["part"], "3B");
    }
}
