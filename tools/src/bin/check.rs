//! `check`: the course's grade check (`ece419-check lab3A`) for the Rust lab.

use clap::Parser;
use std::io::Write;
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tools::grade::part::{PartSpec, parts};
use tools::grade::report::{GradeReport, TestResult};
use tools::grade::submission::{Grader, SubmissionGrade};
use tools::runner::Limits;
use tools::runner::{Children, DEFAULT_TIMEOUT_SECS, Runner};
use tools::table::{Align, Table};
use tools::testbin::{self, BinaryArgs};
use tools::{Error, Result, grade, interrupt};

/// Grade a lab: run every test of the chosen parts once, write test.log, and score.
///
/// Builds the parts' test binaries (`cargo test -p raft --no-run`; kvsrv and lock for
/// Lab 2; rsm and kvraft for Lab 4), then runs each test one at a time, each in its own
/// process (killed at the time limit). The log has the shape of `go test` output for those
/// parts: each Go package's run ends in `ok  \tece419/raft1\t<secs>s` or
/// `FAIL\tece419/raft1\t<secs>s` (`ece419/kvsrv1`, `ece419/kvsrv1/lock`,
/// `ece419/kvraft1/rsm`, `ece419/kvraft1`; `LAB_MODULE=6.5840` for MIT's), so grading scripts written for the Go lab read
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

    /// Grade a student's submission instead of this workspace: its graded files (Lab 3:
    /// everything under raft/src/) go into a pristine handout, whose tests and tester are the
    /// originals; then it is built and tested under the limits below. PATH is a folder (a
    /// student's handout tree) or a git repository (a path or a URL).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["submissions", "binary"])]
    submission: Option<String>,

    /// Grade every submission in DIR (one folder per student), one after another or -p at
    /// once, writing OUT/<student>/test.log, OUT/grades.csv and OUT/grades.json.
    #[arg(long, value_name = "DIR", conflicts_with = "binary")]
    submissions: Option<PathBuf>,

    /// Where a class's results go.
    #[arg(long, value_name = "OUT", default_value = "grades")]
    out: PathBuf,

    /// Submissions graded at once, each in a tree and build folder of its own (tests run
    /// side by side then, which the labs' timing may not survive on a small machine).
    #[arg(short = 'p', long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    parallel: u64,

    /// The grader's cache: the pristine handout, each worker's tree and build folder (kept
    /// across runs, so that a class does not mean a cold build per student).
    #[arg(long, value_name = "DIR", default_value = "target/grader")]
    cache: PathBuf,

    /// Grading limit: CPU seconds per test process.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    cpu: u64,

    /// Grading limit: address space per test process, MB.
    #[arg(long, value_name = "MB", default_value_t = 16384)]
    mem: u64,

    /// Grading limit: processes and threads (not enforced when the grader runs as root).
    #[arg(long, value_name = "N", default_value_t = 4096)]
    procs: u64,

    /// Grading limit: the largest file a test may write, MB.
    #[arg(long, value_name = "MB", default_value_t = 1024)]
    fsize: u64,

    /// Grading limit: seconds for a whole submission, its build included.
    #[arg(long, value_name = "SECS", default_value_t = 3600)]
    total: u64,
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
    if args.submission.is_some() || args.submissions.is_some() {
        return grade_submissions(&args);
    }
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
        Ok((Runner { binary, timeout, verbose: None, children: children.clone(), limits: None }, all))
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

/// The grader the arguments describe.
fn grader(args: &Args) -> Grader {
    Grader {
        root: tools::handout::workspace_root(),
        cache: args.cache.clone(),
        parts: parts(&args.parts),
        timeout: Duration::from_secs(args.timeout),
        limits: Limits {
            cpu_secs: Some(args.cpu),
            mem_mb: Some(args.mem),
            procs: Some(args.procs),
            fsize_mb: Some(args.fsize),
        },
        total: Duration::from_secs(args.total),
    }
}

/// `--submission` and `--submissions`.
fn grade_submissions(args: &Args) -> Result<ExitCode> {
    let grader = grader(args);
    grader.prepare()?;
    if let Some(one) = &args.submission {
        let name =
            Path::new(one).file_name().map_or_else(|| one.clone(), |n| n.to_string_lossy().into_owned());
        let g = grader.grade(one, &name, 0, &args.log, |test, result| show_progress(test, result, 44))?;
        if args.json {
            println!("{}", serde_json::to_string_pretty(&g).expect("the grade serializes"));
        } else {
            print_submission(&g, &args.log);
        }
        return Ok(if g.score >= 1.0 { ExitCode::SUCCESS } else { ExitCode::FAILURE });
    }
    let dir = args.submissions.as_ref().expect("one of the two");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("reading {}: {e}", dir.display())))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    if names.is_empty() {
        return Err(Error::new(format!("{} has no submission folders", dir.display())));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| Error::new(format!("creating {}: {e}", args.out.display())))?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let grades = std::sync::Mutex::new(Vec::new());
    let start = std::time::Instant::now();
    std::thread::scope(|s| {
        for slot in 0..(args.parallel as usize).min(names.len()) {
            let (next, grades, names, grader) = (&next, &grades, &names, &grader);
            s.spawn(move || {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(name) = names.get(i) else { return };
                    let folder = args.out.join(name);
                    let _ = std::fs::create_dir_all(&folder);
                    let path = dir.join(name).display().to_string();
                    eprintln!("grading {name} ...");
                    let g = grader.grade(&path, name, slot, &folder.join("test.log"), |_, _| {});
                    let g = g.unwrap_or_else(|e| SubmissionGrade {
                        name: name.clone(),
                        report: None,
                        build_error: Some(format!("the grader could not grade it: {e}")),
                        limit: None,
                        score: 0.0,
                        seconds: 0.0,
                    });
                    eprintln!("graded {name}: {:.1}% in {:.0} s", 100.0 * g.score, g.seconds);
                    grades.lock().unwrap_or_else(|p| p.into_inner()).push(g);
                }
            });
        }
    });
    let mut grades = grades.into_inner().unwrap_or_else(|p| p.into_inner());
    grades.sort_by(|a, b| a.name.cmp(&b.name));
    let csv = args.out.join("grades.csv");
    std::fs::write(&csv, grades_csv(&grades))
        .map_err(|e| Error::new(format!("writing {}: {e}", csv.display())))?;
    let json = args.out.join("grades.json");
    std::fs::write(&json, serde_json::to_string_pretty(&grades).expect("the grades serialize"))
        .map_err(|e| Error::new(format!("writing {}: {e}", json.display())))?;
    let mut t = Table::new(&[
        ("Student", Align::Left),
        ("Score", Align::Right),
        ("Passed", Align::Right),
        ("Time (s)", Align::Right),
        ("Note", Align::Left),
    ]);
    for g in &grades {
        let (passed, total) = g.report.as_ref().map_or((0, 0), |r| (r.passed, r.total));
        let note =
            g.build_error.as_deref().map(|e| e.lines().next().unwrap_or("").to_string()).or(g.limit.clone());
        t.row(vec![
            g.name.clone(),
            format!("{:.1}%", 100.0 * g.score),
            format!("{passed}/{total}"),
            format!("{:.0}", g.seconds),
            note.unwrap_or_default(),
        ]);
    }
    print!("{t}");
    println!(
        "{} submissions graded in {:.0} s; {} and {}; logs in {}/<student>/test.log",
        grades.len(),
        start.elapsed().as_secs_f64(),
        csv.display(),
        json.display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// One row per student and test: `student,part,test,result,seconds,failure`.
fn grades_csv(grades: &[SubmissionGrade]) -> String {
    let field = |s: &str| {
        if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
    };
    let mut out = String::from("student,part,test,result,seconds,failure\n");
    for g in grades {
        match &g.report {
            None => {
                let why = g.build_error.as_deref().unwrap_or("").lines().next().unwrap_or("").to_string();
                out += &format!("{},,(build),FAIL,0.0,{}\n", field(&g.name), field(&why));
            }
            Some(r) => {
                for p in &r.parts {
                    for t in &p.tests {
                        let result = if t.passed { "ok" } else { "FAIL" };
                        let why = t.failure.as_deref().unwrap_or("");
                        out += &format!(
                            "{},{},{},{result},{:.1},{}\n",
                            field(&g.name),
                            p.part,
                            t.name,
                            t.seconds,
                            field(why)
                        );
                    }
                }
            }
        }
    }
    out
}

fn print_submission(g: &SubmissionGrade, log: &Path) {
    match (&g.report, &g.build_error) {
        (_, Some(err)) => {
            println!("\n{}: does not compile; score 0.0%\n{err}", g.name);
        }
        (Some(report), None) => {
            print_report(report);
            if let Some(limit) = &g.limit {
                println!("{}: {limit}", g.name);
            }
        }
        (None, None) => {}
    }
    println!("log in {}", log.display());
}
