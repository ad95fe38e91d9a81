//! `dstest`: runs Raft tests many times, in parallel, to find rare failures (like the course's
//! dstest.py).

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, mpsc};
use std::time::Duration;
use tools::runner::{Children, DEFAULT_TIMEOUT_SECS, Runner};
use tools::stress::{self, Event, StressConfig, StressReport};
use tools::testbin::{self, BinaryArgs};
use tools::{Result, interrupt};

/// Stress-test the Raft lab: run tests many times, several at once, each run in its own
/// process, and save the output of every failed run.
///
/// Builds the raft test binary once (`cargo test -p raft --no-run`), then runs each chosen
/// test ITERATIONS times (`BIN --exact TestName`), killing any run still going at the time
/// limit. Failed runs are announced as they happen and saved to DIR/<Test>_<n>.log. At the
/// end it prints, per test, failed/total runs, mean ± std wall time and mean #RPCs. Ctrl-C
/// kills the running tests and prints the table so far. Exits 1 if any run failed.
///
/// Example: dstest 3A TestBackup3B -n 50 -p 2
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Tests to run: full names (TestBackup3B) or part tags (3A = every test whose name ends
    /// in 3A).
    #[arg(required = true, value_name = "TEST")]
    tests: Vec<String>,

    /// Runs of each test.
    #[arg(short = 'n', long, value_name = "ITERATIONS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..))]
    iterations: u32,

    /// Runs at once (more than the machine's cores makes timing failures likelier).
    #[arg(short = 'p', long, value_name = "WORKERS", default_value_t = 1,
          value_parser = clap::value_parser!(u32).range(1..))]
    parallel: u32,

    /// Run the tests in the order given: all runs of one test before the next test's.
    #[arg(short, long)]
    sequential: bool,

    /// Save the output of passing runs too.
    #[arg(short, long)]
    keep_passing: bool,

    /// Directory for the saved run outputs.
    #[arg(short, long, value_name = "DIR", default_value = "dstest-out")]
    output: PathBuf,

    /// Debug output level for the tests (sets VERBOSE=LEVEL; 0 = no debug output).
    #[arg(short, long, value_name = "LEVEL", default_value_t = 0)]
    verbose: u32,

    /// Kill a run still going after this many seconds (the tester's own limit is 120 s).
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
            eprintln!("dstest: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<ExitCode> {
    let binary = args.binary.resolve()?;
    let tests = testbin::expand(&args.tests, &testbin::list_tests(&binary)?)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if args.parallel as usize > cores {
        eprintln!(
            "dstest: warning: {} parallel runs on {cores} cores; tests may fail from lack of CPU",
            args.parallel
        );
    }
    let children = Arc::new(Children::default());
    let runner = Runner {
        binary,
        timeout: Duration::from_secs(args.timeout),
        verbose: (args.verbose > 0).then(|| args.verbose.to_string()),
        children: children.clone(),
    };
    let cfg = StressConfig {
        tests,
        iterations: args.iterations as usize,
        workers: args.parallel as usize,
        sequential: args.sequential,
        keep_passing: args.keep_passing,
        output: args.output,
    };
    let (sender, events) = mpsc::channel();
    let on_interrupt = sender.clone();
    interrupt::on_interrupt(children, move || {
        let _ = on_interrupt.send(Event::Interrupt);
    })?;
    let report = stress::stress(&cfg, &runner, &sender, &events)?;
    print_report(&report, &cfg);
    Ok(if report.interrupted {
        ExitCode::from(130)
    } else if report.failed() > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_report(report: &StressReport, cfg: &StressConfig) {
    print!("{}", stress::tally::table(&report.tallies));
    let planned = cfg.tests.len() * cfg.iterations;
    let mut summary = format!("{} of {} runs failed", report.failed(), report.runs());
    if report.interrupted {
        summary.push_str(&format!(" (interrupted: {} of {planned} runs done)", report.runs()));
    }
    if report.failed() > 0 || cfg.keep_passing {
        summary.push_str(&format!("; outputs in {}", cfg.output.display()));
    }
    println!("{summary}");
}
