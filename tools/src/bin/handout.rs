//! `handout`: writes the students' handout of the labs.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write the students' handout: every crate, test and tool of this workspace, with each
/// lab's skeleton in the place of its reference solution (no feature flag: in the handout,
/// `cargo test -p raft 3A` tests the student's code), a student README, and a git history
/// of its own.
///
/// Example: handout /tmp/labs
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// The folder to write (it must not exist, or be empty).
    #[arg(value_name = "OUT")]
    out: PathBuf,

    /// The workspace to make it from (default: the one this program was built in).
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,

    /// Do not start a git history.
    #[arg(long)]
    no_git: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let root = args.from.unwrap_or_else(tools::handout::workspace_root);
    match tools::handout::write(&root, &args.out, !args.no_git) {
        Ok(()) => {
            println!("wrote the handout to {}", args.out.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("handout: {e}");
            ExitCode::from(2)
        }
    }
}
