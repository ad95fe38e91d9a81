//! `check`: the course's grade check (`ece419-check lab3A`) for the Rust lab.

use clap::Parser;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tools::grade::part::{PartSpec, parts};
use tools::grade::report::{GradeReport, TestResult};
use tools::runner::{Children, DEFAULT_TIMEOUT_SECS, Runner};
use tools::testbin::{self, BinaryArgs};
use tools::{Error, Result, grade, interrupt};

/// Grade a lab: run every test of the chosen parts once, write test.log, and score.
///
/// Builds the parts' test binaries (`cargo test -p raft --no-run`; kvsrv and lock for
/// Lab 2; rsm and kvraft for Lab 4), then runs each test one at a time, each in its own
/// process (killed at the time limit). The log has the shape of `go test` output for those
/// parts: each Go package's run ends in `ok  \t6.5840/raft1\t<secs>s` or
/// `FAIL\t6.5840/raft1\t<secs>s` (`6.5840/kvsrv1`, `6.5840/kvsrv1/lock`,
/// `6.5840/kvraft1/rsm`, `6.5840/kvraft1`), so grading scripts written for the Go lab read
/// it unchanged. Prints a per-test table and the score (tests passed; each part weighs the
/// same), or with --json the same as JSON. Exits 1 if any test failed, 130 if interrupted.
///
/// Example: check lab3A        check lab3 --json        check lab2        check lab4B
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Parts to check: lab3A, lab3B, lab3C, lab3D (or 3A … 3D), lab3 for all four; kvsrv,
    /// lock, or lab2 for both; lab4A, lab4B, lab4C, or lab4.
    #[arg(required = true, value_name = "PART")]
    parts: Vec<PartSpec>,

    /// Where to write the go test-shaped log.
    #[arg(long, value_name = "PATH", default_value = "test.log")]
    log: PathBuf,

    /// Print the result as JSON (tests, pass/fail, seconds, RPCs, failure messages, score)
    /// instead of tables.
    #[arg(long)]
    json: bool,

    /// Kill a test still going after this many seconds (the tester's own limit is 120 s).
    #[arg(long, value_name = "SECS", default_value_t = DEFAULT_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,

    #[command(flatten)]
    binary: BinaryArgs,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("check: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<ExitCode> {
    let parts = parts(&args.parts);
    let suites: Vec<_> = parts.iter().flat_map(|p| p.0.pieces.iter().map(|x| x.suite)).collect();
    if args.binary.binary.is_some() && suites.iter().any(|s| *s != suites[0]) {
        return Err(Error::new("--binary gives one test binary, but these parts have tests in several"));
    }
    let children = Arc::new(Children::default());
    interrupt::on_interrupt(children.clone(), || {})?;
    let timeout = Duration::from_secs(args.timeout);
    let runner_for = |suite| -> Result<(Runner, Vec<String>)> {
        let binary = args.binary.resolve_for(suite)?;
        let all = testbin::list_tests(&binary)?;
        Ok((Runner { binary, timeout, verbose: None, children: children.clone() }, all))
    };
    let width = 44;
    let report =
        grade::grade(&parts, runner_for, &args.log, |test, result| show_progress(test, result, width))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).expect("the report serializes"));
    } else {
        print_report(&report);
    }
    Ok(if report.interrupted {
        ExitCode::from(130)
    } else if report.all_passed() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Shows on stderr each test as it starts and ends.
fn show_progress(test: &str, result: Option<&TestResult>, width: usize) {
    let mut err = std::io::stderr().lock();
    let _ = match result {
        None => write!(err, "{test:width$} ... "),
        Some(r) if r.passed => writeln!(err, "ok   {:5.1}s", r.seconds),
        Some(r) => writeln!(err, "FAIL {:5.1}s  {}", r.seconds, r.failure.as_deref().unwrap_or("")),
    };
    let _ = err.flush();
}

fn print_report(report: &GradeReport) {
    println!();
    print!("{}", report.tests_table());
    println!();
    print!("{}", report.score_table());
    if report.interrupted {
        println!("interrupted: not every test ran; {} has no closing line", report.log);
    } else {
        println!(
            "score: {:.1}% ({} of {} tests passed; each part weighs the same); log in {}",
            100.0 * report.score,
            report.passed,
            report.total,
            report.log
        );
    }
}
