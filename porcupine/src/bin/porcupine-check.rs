//! porcupine-check: checks history files for linearizability and prints one line per file,
//! `<file> <Ok|Illegal|Unknown> <seconds>`.
//!
//! It reads the two formats of porcupine's tests, told apart by their content: key/value
//! histories (checked key by key, or as one map with `--no-partition`) and Jepsen etcd
//! logs (one register). Exit status: 0 when every file is Ok, 1 when one is Illegal, 2 when
//! one is Unknown (timed out) and none Illegal, 3 when a file cannot be read or parsed.

use clap::Parser;
use porcupine::formats::jepsen::{self, EtcdModel};
use porcupine::formats::kv::{self, KvModel, KvNoPartitionModel};
use porcupine::formats::{self, Format, ParseError};
use porcupine::{CheckResult, Event, HistoryError, Model, Page};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "Checks histories for linearizability (porcupine's kv and Jepsen etcd formats)")]
struct Args {
    /// Check a key/value history as one map instead of key by key (the hard way).
    #[arg(long)]
    no_partition: bool,
    /// Give up on a file after this many seconds and call it Unknown (0: no limit).
    #[arg(long, value_name = "SECS", default_value_t = 0.0)]
    timeout: f64,
    /// Write the history page here; with several files, a folder for `<name>.html` pages.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// For an Illegal history, say where the search got stuck and why.
    #[arg(long)]
    explain: bool,
    /// The history files.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// A failure that makes the exit status 3.
enum Failure {
    Parse(ParseError),
    History(PathBuf, HistoryError),
    Page(PathBuf, String),
}

fn main() -> ExitCode {
    let args = Args::parse();
    if !(args.timeout.is_finite() && args.timeout >= 0.0) {
        eprintln!("porcupine-check: --timeout must be a number of seconds, 0 or more");
        return ExitCode::from(3);
    }
    let timeout = Duration::from_secs_f64(args.timeout);
    let several = args.files.len() > 1;
    if let (Some(dir), true) = (&args.html, several)
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("porcupine-check: cannot create the folder {}: {e}", dir.display());
        return ExitCode::from(3);
    }
    let (mut illegal, mut unknown, mut broken) = (false, false, false);
    for file in &args.files {
        let page = args.html.as_ref().map(|h| if several { page_path(h, file) } else { h.clone() });
        match check_file(file, &args, timeout, page.as_deref()) {
            Ok((result, secs, explanation)) => {
                println!("{} {result} {secs:.3}", file.display());
                for line in explanation {
                    println!("  {line}");
                }
                illegal |= result == CheckResult::Illegal;
                unknown |= result == CheckResult::Unknown;
            }
            Err(f) => {
                broken = true;
                match f {
                    Failure::Parse(e) => eprintln!("porcupine-check: {e}"),
                    Failure::History(p, e) => eprintln!("porcupine-check: {}: {e}", p.display()),
                    Failure::Page(p, e) => eprintln!("porcupine-check: {}: {e}", p.display()),
                }
            }
        }
    }
    ExitCode::from(if broken {
        3
    } else if illegal {
        1
    } else if unknown {
        2
    } else {
        0
    })
}

/// `<dir>/<file's name without extension>.html`.
fn page_path(dir: &Path, file: &Path) -> PathBuf {
    let stem = file.file_stem().map_or_else(|| "history".into(), |s| s.to_string_lossy().into_owned());
    dir.join(format!("{stem}.html"))
}

type Checked = (CheckResult, f64, Vec<String>);

fn check_file(file: &Path, args: &Args, timeout: Duration, page: Option<&Path>) -> Result<Checked, Failure> {
    let text = formats::read(file).map_err(Failure::Parse)?;
    let format = formats::detect(&text).ok_or_else(|| {
        Failure::Parse(ParseError {
            file: file.to_path_buf(),
            line: 0,
            message: "not a history this tool reads: no key/value event ({:process ...}) and no Jepsen \
                      operation (INFO jepsen.util - ...) in it"
                .into(),
        })
    })?;
    match format {
        Format::Kv => {
            let events = kv::parse(file, &text).map_err(Failure::Parse)?;
            if args.no_partition {
                check(&KvNoPartitionModel, events, file, args, timeout, page)
            } else {
                check(&KvModel, events, file, args, timeout, page)
            }
        }
        Format::Jepsen => {
            let events = jepsen::parse(file, &text).map_err(Failure::Parse)?;
            check(&EtcdModel, events, file, args, timeout, page)
        }
    }
}

fn check<M: Model>(
    model: &M,
    events: Vec<Event<M::Input, M::Output>>,
    file: &Path,
    args: &Args,
    timeout: Duration,
    page: Option<&Path>,
) -> Result<Checked, Failure> {
    let verbose = page.is_some() || args.explain;
    let start = Instant::now();
    let checked = if verbose {
        porcupine::check_events_verbose(model, events, timeout).map(|(r, info)| (r, Some(info)))
    } else {
        porcupine::check_events_timeout(model, events, timeout).map(|r| (r, None))
    };
    let (result, info) = checked.map_err(|e| Failure::History(file.to_path_buf(), e))?;
    let secs = start.elapsed().as_secs_f64();
    let mut explanation = Vec::new();
    if let Some(info) = info {
        if args.explain && result == CheckResult::Illegal {
            explanation = porcupine::explain(model, &info);
        }
        if let Some(path) = page {
            let mut p = Page::from_info(model, &info);
            p.test = file.display().to_string();
            p.wall_clock = false;
            p.description = format!("{result} after {secs:.3} s");
            let target = path.to_string_lossy();
            let line = porcupine::write_page(&p, Some(&target));
            if !line.starts_with("info: wrote") {
                return Err(Failure::Page(path.to_path_buf(), line));
            }
            eprintln!("{line}");
        }
    }
    Ok((result, secs, explanation))
}
