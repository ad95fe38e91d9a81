//! labtest: runs a lab's tests the way `go test` does.
//!
//! libtest sorts tests by name and runs them in parallel with their output captured; the lab's
//! timing assumes Go's behaviour instead: tests in file order, one at a time, progress lines
//! printed as they happen. A test binary built with `harness = false` calls [`tests!`] and gets
//! that, while keeping libtest's command line (`NAME` filters, `--exact`, `--skip`, `--list`),
//! so `cargo test -p raft 3A` and `cargo nextest run` work as usual.

use libtest_mimic::{Arguments, Trial};
use std::any::Any;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The test now running and when it started.
static CURRENT: Mutex<Option<(&'static str, Instant)>> = Mutex::new(None);

/// Callbacks that [`fail_process`] runs before it exits (see [`on_fatal`]).
static ON_FATAL: Mutex<Vec<fn(&str)>> = Mutex::new(Vec::new());

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
/// callbacks, prints the running test's `--- FAIL` line and `msg`, then exits the process
/// with status 1.
pub fn fail_process(msg: &str) -> ! {
    run_fatal_hooks(msg);
    let current = *CURRENT.lock().unwrap_or_else(|p| p.into_inner());
    let mut out = std::io::stdout().lock();
    if let Some((name, start)) = current {
        let _ = writeln!(out, "--- FAIL: {name} ({:.2}s)", start.elapsed().as_secs_f64());
    }
    let _ = writeln!(out, "    {msg}\nFAIL");
    let _ = out.flush();
    std::process::exit(1)
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
    let package = &go_package(package);
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
    let chosen: Vec<_> = tests.iter().filter(|(name, _)| selected(name) && !args.ignored).copied().collect();
    let start = Instant::now();
    let mut failed = Vec::new();
    for (name, f) in &chosen {
        *CURRENT.lock().unwrap_or_else(|p| p.into_inner()) = Some((name, Instant::now()));
        let t0 = Instant::now();
        let outcome = panic::catch_unwind(AssertUnwindSafe(f));
        let secs = t0.elapsed().as_secs_f64();
        if let Err(p) = outcome {
            println!("--- FAIL: {name} ({secs:.2}s)");
            if let Some(text) = panic_text(&*p) {
                for line in text.lines() {
                    println!("    {line}");
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
    summary(package, chosen.len(), &failed, tests.len() - chosen.len(), start.elapsed())
}

fn summary(package: &str, ran: usize, failed: &[&str], filtered: usize, took: Duration) -> ! {
    let secs = took.as_secs_f64();
    let passed = ran - failed.len();
    let verdict = if failed.is_empty() { "ok" } else { "FAILED" };
    if failed.is_empty() {
        println!("PASS\nok  \t{package}\t{secs:.3}s");
    } else {
        println!("FAIL\nFAIL\t{package}\t{secs:.3}s");
    }
    println!(
        "\ntest result: {verdict}. {passed} passed; {} failed; 0 ignored; 0 measured; \
         {filtered} filtered out; finished in {secs:.2}s\n",
        failed.len()
    );
    std::process::exit(if failed.is_empty() { 0 } else { 101 })
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
