//! `dslogs`: a viewer for the lab's debug output (like the course's dslogs.py).

use clap::{Parser, ValueEnum};
use std::io::{BufRead, BufReader, ErrorKind, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use tools::logview::{Layout, TopicFilter, Viewer};
use tools::{Context, Error, Result};

/// View Raft debug output: colour lines by topic, filter topics, or give each peer a column.
///
/// Debug lines look like `001234 LEAD S2 T5 leader` (milliseconds, topic, peer, text), as
/// the lab prints them with VERBOSE=1, with milliseconds counted from the test's start. The
/// tester's own events (`001250 TEST S* crash S2`, partitions, restarts, checks) span the
/// columns; every other line (test output, panics, Begin/Passed lines) passes through
/// unchanged, at full width.
///
/// Example: VERBOSE=1 cargo test -p raft TestBackup3B | dslogs -c 5 --ignore TIMR
#[derive(Parser, Debug)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// The log to read (`-` or nothing: standard input).
    file: Option<PathBuf>,

    /// Show only these topics (comma-separated, e.g. LEAD,VOTE).
    #[arg(short, long, value_name = "TOPICS", value_delimiter = ',')]
    topics: Vec<String>,

    /// Hide these topics (comma-separated, e.g. TIMR,DROP).
    #[arg(short, long, value_name = "TOPICS", value_delimiter = ',')]
    ignore: Vec<String>,

    /// Show peer i's lines in column i of N (peers beyond N are shown full width).
    #[arg(short, long, value_name = "N")]
    columns: Option<usize>,

    /// Total width for --columns (default: the terminal's, else 160).
    #[arg(short, long, value_name = "CHARS")]
    width: Option<usize>,

    /// When to colour by topic: auto = only when standard output is a terminal (and
    /// NO_COLOR is unset).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    /// Never colour (same as --color never).
    #[arg(long)]
    no_color: bool,
}

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    /// When standard output is a terminal.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The width used when neither --width nor a terminal gives one.
const FALLBACK_WIDTH: usize = 160;

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dslogs: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> Result<()> {
    let viewer = viewer(&args)?;
    let input: Box<dyn BufRead> = match &args.file {
        Some(path) if path.as_os_str() != "-" => Box::new(BufReader::new(
            std::fs::File::open(path).context(|| format!("opening {}", path.display()))?,
        )),
        _ if std::io::stdin().is_terminal() => {
            return Err(Error::new("no log to read: give a file, or pipe one in (see --help)"));
        }
        _ => Box::new(std::io::stdin().lock()),
    };
    match view(&viewer, input) {
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(()),
        r => r.context(|| "reading the log".to_string()),
    }
}

fn viewer(args: &Args) -> Result<Viewer> {
    let stdout = std::io::stdout();
    let color = match (args.no_color, args.color) {
        (true, _) | (_, ColorWhen::Never) => false,
        (_, ColorWhen::Always) => true,
        (_, ColorWhen::Auto) => {
            stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let layout = match args.columns {
        None => Layout::Plain,
        Some(count) => {
            // Piped into a pager, stdout is no terminal but stderr usually still is.
            let terminal = [console::Term::stdout(), console::Term::stderr()]
                .iter()
                .find_map(|t| t.size_checked())
                .map(|(_, cols)| cols as usize);
            Layout::Columns { count, width: args.width.or(terminal).unwrap_or(FALLBACK_WIDTH) }
        }
    };
    let viewer = Viewer { filter: TopicFilter::new(&args.topics, &args.ignore), color, layout };
    viewer.check().map_err(Error::new)?;
    Ok(viewer)
}

/// Renders `input` to stdout line by line, as it arrives.
fn view(viewer: &Viewer, mut input: Box<dyn BufRead>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if let Some(header) = viewer.header() {
        writeln!(out, "{header}")?;
    }
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&buf);
        if let Some(text) = viewer.render(line.trim_end_matches(['\n', '\r'])) {
            writeln!(out, "{text}")?;
        }
    }
}
