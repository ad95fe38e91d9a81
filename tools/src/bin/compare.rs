//! `compare`: our test output against the Go lab's, test by test.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;
use tools::Result;
use tools::compare::{compare, load};

/// Compare a `go test` log of the Go lab with one of ours, test by test.
///
/// Tests are matched by their Begin line (`Test (3B): basic agreement (reliable
/// network)...`), in order of appearance. For each: pass/fail, time and #RPCs on each side
/// and the ratios ours/Go, then totals (sums over the tests both sides passed)
/// and the wall times of the `ok` lines, if present. Either log may hold several parts or
/// failed tests; a test only one side has is listed with `-` on the other.
///
/// Example: compare go-3B.log our-3B.log
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// The Go lab's `go test` output.
    go_log: PathBuf,

    /// Our test output (`cargo test -p raft 3B`, or check's test.log).
    our_log: PathBuf,

    /// Print the comparison as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    let comparison = compare(&load(&args.go_log)?, &load(&args.our_log)?);
    if comparison.totals.shared_tests == 0 {
        eprintln!(
            "compare: warning: {} and {} share no test (different parts or labs?); nothing to compare",
            args.go_log.display(),
            args.our_log.display()
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&comparison).expect("the comparison serializes"));
    } else {
        print!("{}", comparison.table());
        if let Some(line) = comparison.wall_line() {
            println!("{line}");
        }
    }
    Ok(())
}
