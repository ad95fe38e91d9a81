//! `dstest`: runs a lab's tests many times, in parallel, to find rare failures (like the
//! course's dstest.py).

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, mpsc};
use std::time::Duration;
use tools::labs::{self, RAFT, Suite};
use tools::runner::{Children, DEFAULT_TIMEOUT_SECS, Runner};
use tools::stress::{self, Event, StressConfig, StressReport};
use tools::testbin::{self, BinaryArgs};
use tools::{Error, Result, interrupt};

/// Stress-test a lab: run tests many times, several at once, each run in its own process,
/// and save the output of every failed run.
///
/// Builds the tests' binary once (`cargo test -p raft --no-run`, or kvsrv, lock: the
/// package the tests named belong to, or --package), then runs each chosen
/// test ITERATIONS times (`BIN --exact TestName`), killing any run still going at the time
/// limit. Failed runs are announced as they happen and saved to DIR/<Test>_<n>.log, with
/// the failure timeline beside it (DIR/<Test>_<n>.html). At the end it prints, per test, failed/total runs, mean ± std wall time and mean #RPCs. Ctrl-C
/// kills the running tests and prints the table so far. Exits 1 if any run failed.
///
/// Example: dstest 3A TestBackup3B -n 50 -p 2        dstest kvsrv -n 20
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Tests to run: full names (TestBackup3B, TestReliablePut), part tags (3A = every test
    /// whose name ends in 3A), or kvsrv / lock for every test of that package.
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

/// The suite the tests belong to: `--package`'s, else the one the selectors point to
/// (raft when none tells); test names of no known tag are looked for in each suite.
fn suite(args: &Args) -> Result<Suite> {
    if let Some(s) = args.binary.package_suite() {
        return Ok(s);
    }
    if args.binary.package.is_some() || args.binary.binary.is_some() {
        return Ok(RAFT);
    }
    let mut told: Vec<Suite> = args.tests.iter().filter_map(|t| labs::suite_for_selector(t)).collect();
    for t in args.tests.iter().filter(|t| labs::suite_for_selector(t).is_none()) {
        // A name without a part tag (Lab 2's): the suite that has it.
        for s in labs::SUITES {
            let binary = args.binary.resolve_for(s)?;
            if testbin::list_tests(&binary)?.contains(t) {
                told.push(s);
                break;
            }
        }
    }
    told.dedup();
    match told.as_slice() {
        [] => Ok(RAFT),
        [s] => Ok(*s),
        _ => Err(Error::new(format!(
            "these tests are in several packages ({}): run dstest once per package",
            told.iter().map(|s| s.package).collect::<Vec<_>>().join(", ")
        ))),
    }
}

fn run(args: Args) -> Result<ExitCode> {
    let suite = suite(&args)?;
    let binary = args.binary.resolve_for(suite)?;
    // A part's name (kvsrv, lock) stands for all its tests.
    let selectors: Vec<String> = args
        .tests
        .iter()
        .flat_map(|t| {
            match labs::PARTS.iter().find(|p| p.name == t && p.pieces.iter().all(|x| x.tag.is_none())) {
                Some(_) => testbin::list_tests(&binary).unwrap_or_default(),
                None => vec![t.clone()],
            }
        })
        .collect();
    let tests = testbin::expand(&selectors, &testbin::list_tests(&binary)?)?;
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
        limits: None,
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
