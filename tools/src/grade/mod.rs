//! `check`'s engine: runs each test of the chosen parts once, one at a time, each in its own
//! process, writing a `go test`-shaped log and scoring the parts.

pub mod part;
pub mod report;
pub mod testlog;

use crate::runner::{Exit, Runner};
use crate::testbin::tests_of_part;
use crate::{Context, Error, Result};
use part::Part;
use report::{GradeReport, PartResult, TestResult};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Runs the tests of `parts` (from `all`, the binary's list) with `runner`, writing the log to
/// `log_path`; `progress` hears of each test as it starts (`None`) and ends.
pub fn grade(
    parts: &[Part],
    all: &[String],
    runner: &Runner,
    log_path: &Path,
    mut progress: impl FnMut(&str, Option<&TestResult>),
) -> Result<GradeReport> {
    let mut plan = Vec::new();
    for &part in parts {
        let tests = tests_of_part(all, &part.tag());
        if tests.is_empty() {
            return Err(Error::new(format!("the test binary has no tests of part {part}")));
        }
        plan.push((part, tests));
    }
    let what = || format!("writing {}", log_path.display());
    let mut log = std::fs::File::create(log_path).context(what)?;
    let start = Instant::now();
    let mut results = Vec::new();
    let mut interrupted = false;
    for (part, tests) in plan {
        let mut result = PartResult::new(part, tests.len());
        for test in tests {
            if runner.children.is_stopped() {
                interrupted = true;
                break;
            }
            progress(test, None);
            let out = runner.run(test)?;
            if out.exit == Exit::Interrupted {
                interrupted = true;
                break;
            }
            log.write_all(testlog::section(test, &out).as_bytes()).context(what)?;
            let r = TestResult::from_run(test, &out);
            progress(test, Some(&r));
            result.add(r);
        }
        results.push(result);
        if interrupted {
            break;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let report = GradeReport::new(results, seconds, log_path.display().to_string(), interrupted);
    if !interrupted {
        log.write_all(testlog::closing(report.all_passed(), seconds).as_bytes()).context(what)?;
    }
    Ok(report)
}
