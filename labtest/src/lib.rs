//! labtest: runs a lab's tests the way `go test` does.
//!
//! libtest sorts tests by name and runs them in parallel with their output captured; the lab's
//! timing assumes Go's behaviour instead: tests in file order, one at a time, progress lines
//! printed as they happen. A test binary built with `harness = false` calls [`tests!`] and gets
//! that, while keeping libtest's command line (`NAME` filters, `--exact`, `--skip`, `--list`),
//! so `cargo test -p raft 3A` and `cargo nextest run` work as usual.
//!
//! Failures end as `go test` ends them: a failed test prints `--- FAIL` and the run goes on;
//! a panic on any thread ends the run at once (`panic: …`, `exit status 2`); a process-fatal
//! error ([`fail_process`]) prints `log.Fatalf`'s line (`exit status 1`); a run longer than
//! `LAB_TIMEOUT` (Go's `-timeout`, 10 minutes by default) is cut off with Go's message; and
//! after a failure the last lines are `exit status N` and `FAIL\t<package>\t<secs>s`.

use libtest_mimic::{Arguments, Trial};
use std::any::Any;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, OnceLock};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

mod duration;
mod timeout;

pub use duration::go_duration;
use timeout::whole_run_timeout;

/// The test now running and when it started.
static CURRENT: Mutex<Option<(&'static str, Instant)>> = Mutex::new(None);

/// Callbacks that [`fail_process`] runs before it exits (see [`on_fatal`]).
static ON_FATAL: Mutex<Vec<fn(&str)>> = Mutex::new(Vec::new());

/// The run under way, once [`run`] has begun it.
static RUN: OnceLock<Run> = OnceLock::new();

struct Run {
    /// The Go package the `ok`/`FAIL` lines name.
    package: String,
    start: Instant,
    /// The thread the tests run on.
    tests_thread: ThreadId,
}

/// The thread ending the run (a panic, a fatal error, a time-out), once one is.
static ENDER: Mutex<Option<ThreadId>> = Mutex::new(None);

/// What a panic on the tests' own thread is to print once the test has unwound (its
/// cleanup run, its failure page written, as Go runs a test's deferred calls on a panic).
static TEST_PANIC: Mutex<Option<String>> = Mutex::new(None);

/// How long the thread ending the run may take (writing the page, reading a backtrace)
/// before the process exits anyway: a thread that panicked holding stdout's lock, say,
/// must not leave the run hanging.
const ENDING_GRACE: Duration = Duration::from_secs(20);

/// Panic payload of a failure whose message was already printed (see [`fail_now`]).
pub struct Failed;

/// Declares the test binary's `main` from test functions listed in Go's file order.
#[macro_export]
macro_rules! tests {
    ($($test:ident),* $(,)?) => {
        fn main() {
            $crate::run(env!("CARGO_PKG_NAME"), $crate::test_list!($($test),*));
        }
    };
}

/// The `(name, function)` list [`run`] takes, for a `main` that does more than run tests.
#[macro_export]
macro_rules! test_list {
    ($($test:ident),* $(,)?) => {
        &[$((stringify!($test), $test as fn())),*]
    };
}

/// The name of the running test, like Go's `t.Name()`.
pub fn name() -> &'static str {
    CURRENT.lock().unwrap_or_else(|p| p.into_inner()).map_or("(no test)", |c| c.0)
}

/// Fails the running test now; the caller has printed why (Go's `t.FailNow()`).
pub fn fail_now() -> ! {
    panic::resume_unwind(Box::new(Failed))
}

/// Registers `f` to run with the message when [`fail_process`] ends the run, before anything
/// is printed: the tester writes its failure timeline there, as Go does before `log.Fatalf`.
/// Register each callback once.
pub fn on_fatal(f: fn(&str)) {
    ON_FATAL.lock().unwrap_or_else(|p| p.into_inner()).push(f);
}

/// Runs the [`on_fatal`] callbacks once; one that panics does not stop the exit.
fn run_fatal_hooks(msg: &str) {
    // Taken out, so that a hook that itself calls fail_process cannot loop.
    let hooks = std::mem::take(&mut *ON_FATAL.lock().unwrap_or_else(|p| p.into_inner()));
    for hook in hooks {
        let _ = panic::catch_unwind(AssertUnwindSafe(|| hook(msg)));
    }
}

/// Fails the whole run from any thread, like Go's `log.Fatalf`: runs the [`on_fatal`]
/// callbacks, prints the date, time and `msg` on stderr (no `--- FAIL` line, as in Go), then
/// `exit status 1` and the `FAIL` line, and exits with status 1.
pub fn fail_process(msg: &str) -> ! {
    if !begin_ending() {
        // Called again from an on_fatal callback: the first call goes on.
        panic::resume_unwind(Box::new(Failed));
    }
    run_fatal_hooks(msg);
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{} {msg}", log_timestamp());
    let _ = err.flush();
    drop(err);
    exit_run(1)
}

/// Lets one thread end the run: true for the first caller; any other thread that tries as
/// well waits here for the exit. False when the thread already ending it calls again (a
/// panic in an [`on_fatal`] callback), which then goes on with what it was doing.
fn begin_ending() -> bool {
    let me = thread::current().id();
    let mut ender = ENDER.lock().unwrap_or_else(|p| p.into_inner());
    match *ender {
        None => {
            *ender = Some(me);
            // Nothing to do if it cannot start: the ending then has no deadline.
            let _ = thread::Builder::new().name("labtest-ending".into()).spawn(|| {
                thread::sleep(ENDING_GRACE);
                std::process::exit(2)
            });
            true
        }
        Some(id) if id == me => false,
        Some(_) => {
            drop(ender);
            loop {
                thread::park();
            }
        }
    }
}

/// Prints what the `go` command prints after a failed test binary (`exit status N`, then
/// `FAIL\t<package>\t<secs>s`) and exits with `code`.
fn exit_run(code: i32) -> ! {
    if let Some(run) = RUN.get() {
        let mut out = std::io::stdout().lock();
        let secs = run.start.elapsed().as_secs_f64();
        let _ = writeln!(out, "exit status {code}\nFAIL\t{}\t{secs:.3}s", run.package);
        let _ = out.flush();
    }
    std::process::exit(code)
}

/// The time now as Go's `log` package prints it, in local time: `2026/11/28 09:21:30`.
fn log_timestamp() -> String {
    chrono::Local::now().format("%Y/%m/%d %H:%M:%S").to_string()
}

/// Where the calls that led here were made in the lab's test files, innermost first, as
/// `path:line`: the frames Go's tester lists under `Fatal:`. Go keeps the frames whose file
/// name contains `test.go` (`test.go`, `raft_test.go`, `kvtest1/kvtest.go`); here, those in
/// a file whose name ends in `test.rs` (`tests/test.rs`, `raft_test.rs`) or in kvtest's
/// `lib.rs`. Empty if the binary carries no debug info.
pub fn test_frames() -> Vec<String> {
    stack()
        .into_iter()
        .filter(|f| f.path.ends_with("test.rs") || f.path.ends_with("kvtest/src/lib.rs"))
        .map(|f| format!("{}:{}", f.path, f.line))
        .collect()
}

/// The frames of this thread's stack in the workspace's code (not the standard library's,
/// nor a registry crate's, nor labtest's own or the panic machinery's), as
/// `function\n\tpath:line`, innermost first.
fn workspace_frames() -> Vec<String> {
    const PLUMBING: [&str; 6] =
        ["std::panic", "core::panic", "labtest::", "std::rt::", "__rust", "std::sys::backtrace"];
    stack()
        .into_iter()
        .filter(|f| !PLUMBING.iter().any(|p| f.function.contains(p)))
        .map(|f| format!("{}\n\t{}:{}", f.function, f.path, f.line))
        .collect()
}

/// One frame of a backtrace whose source file is in the workspace.
struct Frame {
    function: String,
    /// Absolute.
    path: String,
    line: String,
}

/// This thread's stack, innermost first, keeping only the frames whose source file is the
/// workspace's and is here to be found (read from std's backtrace text: `N: function` then
/// `at path:line:column`).
fn stack() -> Vec<Frame> {
    let trace = std::backtrace::Backtrace::force_capture().to_string();
    let mut frames = Vec::new();
    let mut function = None;
    for line in trace.lines().map(str::trim_start) {
        let Some(at) = line.strip_prefix("at ") else {
            function = line.split_once(": ").map(|(_, f)| f.to_string());
            continue;
        };
        let mut parts = at.strip_prefix("./").unwrap_or(at).rsplitn(3, ':');
        let (Some(_column), Some(line), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let Some(path) = source_path(path) else { continue };
        frames.push(Frame { function: function.clone().unwrap_or_default(), path, line: line.to_string() });
    }
    frames
}

/// Whether `path` is the standard library's or a downloaded crate's.
fn foreign(path: &str) -> bool {
    path.starts_with("/rustc/")
        || ["/.cargo/", "/registry/src/", "/git/checkouts/"].iter().any(|dir| path.contains(dir))
}

/// The absolute path of a source file of the workspace that the debug info names (relative
/// to the workspace root, or printed relative to the current directory), if it exists here;
/// `None` for the standard library's files and registry crates'.
fn source_path(path: &str) -> Option<String> {
    let p = std::path::Path::new(path);
    if p.is_absolute() {
        return (!foreign(path) && p.is_file()).then(|| path.to_string());
    }
    let cwd = std::env::current_dir().ok()?;
    cwd.ancestors().map(|d| d.join(p)).find(|f| f.is_file()).map(|f| f.display().to_string())
}

/// Ends the run on a panic in any thread, as a panic in any goroutine ends a Go test binary:
/// `panic: msg`, the thread and where it panicked (the workspace's frames of its stack), then
/// `exit status 2`. A panic on the tests' own thread first fails the running test.
fn install_panic_hook() {
    let default = panic::take_hook();
    panic::set_hook(Box::new(move |info| {
        let me = thread::current();
        let test_running = CURRENT.lock().unwrap_or_else(|p| p.into_inner()).is_some();
        let on_test_thread = test_running && RUN.get().is_some_and(|r| r.tests_thread == me.id());
        if !on_test_thread && !begin_ending() {
            // An on_fatal callback panicked while the run ends: say so, and let it unwind.
            return default(info);
        }
        let msg = panic_text(info.payload()).unwrap_or_default();
        let mut report = if on_test_thread {
            format!("panic: {msg} [recovered]\n\tpanic: {msg}\n\n")
        } else {
            format!("panic: {msg}\n\n")
        };
        report += &format!("thread '{}' [running]:\n", me.name().unwrap_or("<unnamed>"));
        if let Some(at) = info.location() {
            let file = source_path(at.file()).unwrap_or_else(|| at.file().to_string());
            report += &format!("\t{file}:{}\n", at.line());
        }
        for frame in workspace_frames() {
            report += &format!("{frame}\n");
        }
        if on_test_thread {
            // The test unwinds first (its cleanup writes the failure page); `run` ends it.
            *TEST_PANIC.lock().unwrap_or_else(|p| p.into_inner()) = Some(report);
            return;
        }
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(report.as_bytes());
        let _ = err.flush();
        drop(err);
        exit_run(2)
    }));
}

/// Which tests the command line chooses: the filter is Go's `-run`, an unanchored regular
/// expression (`cargo test -p raft 'Backup|Count'`), or, with `--exact`, a whole name;
/// `--skip` leaves out the names that contain its text, as libtest's does.
fn selector(args: &Arguments) -> Result<impl Fn(&str) -> bool + use<>, String> {
    let exact = args.exact;
    let skip = args.skip.clone();
    let filter = match &args.filter {
        None => None,
        Some(f) if exact => Some(Err(f.clone())),
        Some(f) => match regex::Regex::new(f) {
            Ok(re) => Some(Ok(re)),
            Err(e) => return Err(format!("testing: invalid regexp for -test.run: {e}")),
        },
    };
    Ok(move |name: &str| {
        let chosen = match &filter {
            None => true,
            Some(Ok(re)) => re.is_match(name),
            Some(Err(whole)) => name == whole,
        };
        chosen && !skip.iter().any(|s| if exact { name == s } else { name.contains(s.as_str()) })
    })
}

fn panic_text(p: &(dyn Any + Send)) -> Option<String> {
    if p.is::<Failed>() {
        return None;
    }
    let text =
        p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
    Some(text.unwrap_or_else(|| "test panicked".to_string()))
}

/// The Go module the `ok`/`FAIL` lines name: `ece419` (the ECE419 handout's), or what
/// `LAB_MODULE` says (`LAB_MODULE=6.5840` for MIT's).
pub fn go_module() -> String {
    std::env::var("LAB_MODULE").ok().filter(|m| !m.is_empty()).unwrap_or_else(|| "ece419".to_string())
}

/// The Go package that cargo package `package` stands for, as `go test` names it in its
/// `ok`/`FAIL` line: `raft` is `ece419/raft1`.
pub fn go_package(package: &str) -> String {
    let go = match package {
        "raft" => "raft1",
        "kvsrv" => "kvsrv1",
        "lock" => "kvsrv1/lock",
        "rpc" => "kvsrv1/rpc",
        "rsm" => "kvraft1/rsm",
        "kvraft" => "kvraft1",
        "kvtest" => "kvtest1",
        "tester" => "tester1",
        "models" => "models1",
        other => other,
    };
    format!("{}/{go}", go_module())
}

/// Runs `tests` (name, function) in the given order, one at a time, with Go's output; the
/// `ok`/`FAIL` line names cargo package `package` as Go would ([`go_package`]).
pub fn run(package: &str, tests: &[(&'static str, fn())]) -> ! {
    let package = go_package(package);
    let args = Arguments::from_args();
    let trials = || tests.iter().map(|(name, _)| Trial::test(*name, || Ok(())));
    if args.list {
        libtest_mimic::run(&args, trials().collect()).exit();
    }
    let selected = match selector(&args) {
        Ok(s) => s,
        Err(msg) => {
            println!("{msg}\nFAIL\t{package}\t0.000s");
            std::process::exit(1);
        }
    };
    let timeout = match whole_run_timeout() {
        Ok(t) => t,
        Err(msg) => {
            println!("{msg}\nFAIL\t{package}\t0.000s");
            std::process::exit(2);
        }
    };
    let start = Instant::now();
    let _ = RUN.set(Run { package: package.clone(), start, tests_thread: thread::current().id() });
    install_panic_hook();
    install_interrupt_handler();
    if let Some(limit) = timeout {
        timeout::start_watchdog(limit, start);
    }
    let chosen: Vec<_> = tests.iter().filter(|(name, _)| selected(name) && !args.ignored).copied().collect();
    let mut failed = Vec::new();
    for (name, f) in &chosen {
        *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some((name, Instant::now()));
        let t0 = Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(f));
        let secs = t0.elapsed().as_secs_f64();
        if let Some(report) = TEST_PANIC.lock().unwrap_or_else(|p| p.into_inner()).take() {
            // As Go: the test's FAIL line, then the panic, and the run ends.
            begin_ending();
            let _ = writeln!(std::io::stdout(), "--- FAIL: {name} ({secs:.2}s)");
            let _ = std::io::stderr().write_all(report.as_bytes());
            exit_run(2);
        }
        if let Err(p) = outcome {
            println!("--- FAIL: {name} ({secs:.2}s)");
            if let Some(text) = panic_text(&*p) {
                // As Go's testing decorates a message: one trailing newline dropped, the
                // first line indented by four spaces, the rest by eight.
                let text = text.strip_suffix('\n').unwrap_or(&text);
                for (i, line) in text.lines().enumerate() {
                    println!("{}{line}", if i == 0 { "    " } else { "        " });
                }
            }
            failed.push(*name);
        }
        if std::env::var_os("LABTEST_THREADS").is_some() {
            // A leak check: threads of killed peers should be gone by the next test, and
            // the process should not keep growing.
            let n = std::fs::read_dir("/proc/self/task").map_or(0, |d| d.count());
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let rss = status.lines().find_map(|l| l.strip_prefix("VmRSS:")).map_or("?", str::trim);
            println!("labtest: {n} threads, {rss} resident after {name}");
        }
    }
    *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = None;
    summary(&package, chosen.len(), &failed, tests.len() - chosen.len(), start.elapsed())
}

/// On Ctrl-C, SIGTERM or SIGHUP: the [`on_fatal`] callbacks (the tester writes its failure
/// timeline, marked as interrupted, and prints where), then exit status 1 and nothing more,
/// as Go's tester does on SIGINT.
fn install_interrupt_handler() {
    // Failing to install it leaves the default: the signal ends the run, without the page.
    let _ = ctrlc::set_handler(|| {
        if ENDER.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            // Already ending (a second Ctrl-C, or an ending that is stuck): end now.
            std::process::exit(1);
        }
        if !begin_ending() {
            return;
        }
        run_fatal_hooks(INTERRUPTED);
        let _ = std::io::stdout().flush();
        std::process::exit(1)
    });
}

/// The message [`on_fatal`] callbacks get when the run is interrupted (Ctrl-C).
pub const INTERRUPTED: &str = "interrupted (Ctrl-C)";

fn summary(package: &str, ran: usize, failed: &[&str], filtered: usize, took: Duration) -> ! {
    // A thread that is ending the run (a panic, a fatal error) wins: this one waits for it.
    begin_ending();
    let secs = took.as_secs_f64();
    let passed = ran - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    if failed.is_empty() {
        println!("PASS\nok  \t{package}\t{secs:.3}s");
    } else {
        println!("FAIL\nexit status 1\nFAIL\t{package}\t{secs:.3}s");
    }
    // libtest's last line, for tools that read cargo's output.
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; 0 ignored; 0 measured; \
         {filtered} filtered out; finished in {secs:.2}s\n",
        failed.len()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 1 })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names `args` (a test binary's command line after its path) selects.
    fn chosen(args: &[&str]) -> Vec<&'static str> {
        const NAMES: [&str; 4] = ["TestBackup3B", "TestCount3B", "TestFigure83C", "TestFigure8Unreliable3C"];
        let args = Arguments::from_iter(std::iter::once("raft_test").chain(args.iter().copied()));
        let selected = selector(&args).expect("a valid filter");
        NAMES.into_iter().filter(|n| selected(n)).collect()
    }

    #[test]
    fn the_filter_is_gos_run_regexp() {
        assert_eq!(chosen(&[]).len(), 4);
        assert_eq!(chosen(&["Backup|Count"]), ["TestBackup3B", "TestCount3B"]);
        assert_eq!(chosen(&["3C"]), ["TestFigure83C", "TestFigure8Unreliable3C"]);
        assert_eq!(chosen(&["^TestFigure8[0-9]"]), ["TestFigure83C"]);
        assert_eq!(chosen(&["--exact", "TestFigure83C"]), ["TestFigure83C"]);
        assert_eq!(chosen(&["3C", "--skip", "Unreliable"]), ["TestFigure83C"]);
    }

    #[test]
    fn a_bad_filter_is_gos_error() {
        let args = Arguments::from_iter(["raft_test", "Backup("]);
        let err = selector(&args).err().expect("an invalid regexp");
        assert!(err.starts_with("testing: invalid regexp for -test.run: "), "{err}");
    }

    #[test]
    fn go_packages() {
        let m = go_module();
        assert_eq!(go_package("raft"), format!("{m}/raft1"));
        assert_eq!(go_package("lock"), format!("{m}/kvsrv1/lock"));
        assert_eq!(go_package("rsm"), format!("{m}/kvraft1/rsm"));
        assert_eq!(go_package("labgob"), format!("{m}/labgob"));
    }
}
