//! `check`'s engine: runs each test of the chosen parts once, one at a time, each in its own
//! process, writing a `go test`-shaped log and scoring the parts.

pub mod part;
pub mod report;
pub mod submission;
pub mod testlog;

use crate::labs::Suite;
use crate::runner::{Exit, Runner};
use crate::testbin::tests_of_part;
use crate::{Context, Error, Result};
use part::Part;
use report::{GradeReport, PartResult, TestResult};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Runs the tests of `parts` with `runner_for` (a runner and its test list for each suite),
/// writing the log to `log_path`: one `go test` run per stretch of one Go package, each
/// closed by its own `ok`/`FAIL` line. `progress` hears of each test as it starts (`None`)
/// and ends.
pub fn grade(
    parts: &[Part],
    mut runner_for: impl FnMut(Suite) -> Result<(Runner, Vec<String>)>,
    log_path: &Path,
    mut progress: impl FnMut(&str, Option<&TestResult>),
) -> Result<GradeReport> {
    // Each suite's runner and test list, made once.
    let mut runners: Vec<(Suite, Runner, Vec<String>)> = Vec::new();
    let mut plan = Vec::new();
    for &part in parts {
        let mut tests = Vec::new();
        for piece in part.0.pieces {
            if !runners.iter().any(|(s, ..)| *s == piece.suite) {
                let (runner, all) = runner_for(piece.suite)?;
                runners.push((piece.suite, runner, all));
            }
            let all = &runners.iter().find(|(s, ..)| *s == piece.suite).expect("made above").2;
            let chosen: Vec<String> = match piece.tag {
                Some(tag) => tests_of_part(all, tag).into_iter().cloned().collect(),
                None => all.clone(),
            };
            tests.extend(chosen.into_iter().map(|t| (piece.suite, t)));
        }
        if tests.is_empty() {
            return Err(Error::new(format!("the test binaries have no tests of part {part}")));
        }
        plan.push((part, tests));
    }
    let what = || format!("writing {}", log_path.display());
    let mut log = std::fs::File::create(log_path).context(what)?;
    let start = Instant::now();
    let mut results = Vec::new();
    let mut interrupted = false;
    // The Go package whose run the log is in: its start and whether all its tests passed.
    let mut open: Option<(Suite, Instant, bool)> = None;
    for (part, tests) in plan {
        let mut result = PartResult::new(part, tests.len());
        if interrupted {
            // A part that never ran scores nothing (and still weighs its share).
            results.push(result);
            continue;
        }
        for (suite, test) in tests {
            let runner = &runners.iter().find(|(s, ..)| *s == suite).expect("a runner per suite").1;
            if runner.children.is_stopped() {
                interrupted = true;
                break;
            }
            if let Some((s, since, ok)) = open.filter(|(s, ..)| *s != suite) {
                log.write_all(testlog::closing(&s.go_path(), ok, since.elapsed().as_secs_f64()).as_bytes())
                    .context(what)?;
                open = None;
            }
            let (_, _, all_ok) = open.get_or_insert((suite, Instant::now(), true));
            progress(&test, None);
            let out = runner.run(&test)?;
            if out.exit == Exit::Interrupted {
                interrupted = true;
                break;
            }
            log.write_all(testlog::section(&test, &out).as_bytes()).context(what)?;
            let r = TestResult::from_run(&test, &out);
            *all_ok &= r.passed;
            progress(&test, Some(&r));
            result.add(r);
        }
        results.push(result);
    }
    let seconds = start.elapsed().as_secs_f64();
    let report = GradeReport::new(results, seconds, log_path.display().to_string(), interrupted);
    if let (false, Some((s, since, ok))) = (interrupted, open) {
        log.write_all(testlog::closing(&s.go_path(), ok, since.elapsed().as_secs_f64()).as_bytes())
            .context(what)?;
    }
    Ok(report)
}
