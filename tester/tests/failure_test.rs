//! Every way a lab test can fail, each made to happen in a child process (this binary run
//! again with `FAILURE_CHILD` set), with the exact lines and exit status Go gives it. Go's own
//! transcripts (`go test` in the 2025 skeleton's `src/raft1`, Go 1.27.3) sit above each check.
#![allow(non_snake_case)]

use labrpc::ClientEnd;
use regex::Regex;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tester::{Config, IService, Persister, fatalf, t_fatalf};

/// A group of servers that do nothing: enough for a test's world.
fn make_config(n: usize) -> Arc<Config> {
    let mks: tester::FstartServer =
        Arc::new(|_e: Vec<ClientEnd>, _g, _i, _p: Arc<Persister>| vec![Arc::new(Idle) as Arc<dyn IService>]);
    Config::make_config(n, true, mks)
}

struct Idle;
impl IService for Idle {
    fn kill(&self) {}
}

/// Cleans the world up when the test ends, passed or failed (as Go's `defer ts.Cleanup()`).
struct Cleanup(Arc<Config>);
impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.cleanup();
    }
}

// ---- The children: each fails in one way. ----

/// A thread of the peer panics while the test runs.
fn ChildPanicInThread() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3A): initial election");
    std::thread::Builder::new().name("raft-0-ticker".into()).spawn(|| panic!("ticker exploded")).unwrap();
    std::thread::sleep(Duration::from_secs(20));
}

/// The test's own thread panics (an `unwrap` in the test, or a student's `start` called
/// from it).
fn ChildPanicInTest() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3B): basic agreement");
    tester::annotation::annotate_info("about to", "panic");
    panic!("the test's own thread panicked");
}

/// The last test passes while another thread has just panicked: the panic still ends the
/// run, not a PASS.
fn ChildPanicAsTheRunEnds() {
    std::thread::Builder::new().name("raft-1-applier".into()).spawn(|| panic!("late panic")).unwrap();
    std::thread::sleep(Duration::from_millis(20));
}

/// A helper of the test files fails a check, as `checkOneLeader` does.
fn check_one_leader() {
    fatalf("expected one leader, got none");
}

fn ChildTesterFatal() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3A): initial election");
    check_one_leader();
}

/// The test's own check fails, as `raft_test.go`'s `t.Fatalf` calls do.
fn ChildTestFatal() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3B): agreement despite follower disconnection");
    t_fatalf("leader rejected Start()");
}

/// A process-fatal error from another thread, as the tester's applier reports one.
fn ChildApplyError() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3B): basic agreement");
    std::thread::spawn(|| labtest::fail_process("apply error: server 2 apply out of order 5"));
    std::thread::sleep(Duration::from_secs(20));
}

/// Passes, but only after its (lowered) time limit.
fn ChildSlow() {
    tester::lower_time_limit(Duration::from_secs(1));
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3A): initial election");
    std::thread::sleep(Duration::from_millis(1500));
    cfg.0.end();
}

/// Runs after a slow test, and passes.
fn ChildAfterSlow() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3A): election after network failure");
    cfg.0.end();
}

/// Never ends (cut off by the whole-run timeout).
fn ChildHang() {
    let _cfg = Cleanup(make_config(1));
    std::thread::sleep(Duration::from_secs(60));
}

/// Waits to be interrupted, with something on its timeline.
fn ChildWaitForInterrupt() {
    let cfg = Cleanup(make_config(1));
    cfg.0.begin("Test (3A): initial election");
    tester::annotation::annotate_info("waiting", "for Ctrl-C");
    std::thread::sleep(Duration::from_secs(60));
}

// ---- The checks, in the parent. ----

/// Runs this binary as a child that runs only `test` (plus `more`), with `envs` set.
fn child(test: &str, more: &[&str], envs: &[(&str, &str)]) -> (Output, String, String) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env("FAILURE_CHILD", "1").env("VIS_ENABLE", "never").env_remove("LAB_TIMEOUT");
    cmd.arg(format!(
        "^({})$",
        std::iter::once(test).chain(more.iter().copied()).collect::<Vec<_>>().join("|")
    ));
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

/// This file, as the failure lines name it.
const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/failure_test.rs");

/// The line of this file that holds `text` (once, not counting the lines that look it up).
fn line_of(text: &str) -> usize {
    let lines: Vec<usize> = include_str!("failure_test.rs")
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(text) && !l.contains("line_of("))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(lines.len(), 1, "{text:?} is on lines {lines:?}");
    lines[0]
}

fn assert_match(re: &str, text: &str) {
    assert!(Regex::new(re).unwrap().is_match(text), "no match for\n{re}\nin\n{text}");
}

// Go (a goroutine of the skeleton's Raft panics):
// ```text
// Test (3A): initial election (reliable network)...
// panic: ticker exploded
//
// goroutine 13 [running]:
// 6.5840/raft1.(*Raft).ticker(...)
// 	/home/you/6.5840/src/raft1/raft.go:200
// created by 6.5840/raft1.Make in goroutine 9
// 	/home/you/6.5840/src/raft1/raft.go:232 +0xeb
// exit status 2
// FAIL	6.5840/raft1	0.005s
// ```
fn TestPanicInAnyThreadEndsTheRun() {
    let t0 = Instant::now();
    let (out, stdout, stderr) = child("ChildPanicInThread", &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(t0.elapsed() < Duration::from_secs(15), "the run went on after the panic");
    assert_match(
        r"^Test \(3A\): initial election \(reliable network\)\.\.\.\nexit status 2\nFAIL\tece419/tester1\t\d+\.\d{3}s\n$",
        &stdout,
    );
    let at = line_of(r#"panic!("ticker exploded")"#);
    let head = format!("panic: ticker exploded\n\nthread 'raft-0-ticker' [running]:\n\t{FILE}:{at}\n");
    assert!(stderr.starts_with(&head), "{stderr}");
    assert!(!stdout.contains("--- FAIL"), "{stdout}");
}

// Go (a panic on the test's goroutine: its deferred cleanup runs, then):
// ```text
// --- FAIL: TestBasicAgree3B (0.50s)
// panic: ... [recovered]
// 	panic: ...
// ```
fn TestPanicInTheTestFailsItThenEndsTheRun() {
    let page = std::env::temp_dir().join(format!("failure-test-panic-{}.html", std::process::id()));
    let vis = page.to_str().unwrap();
    let (out, stdout, stderr) =
        child("ChildPanicInTest", &["ChildAfterSlow"], &[("VIS_ENABLE", ""), ("VIS_FILE", vis)]);
    let _ = std::fs::remove_file(&page);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    let want = [
        r"^Test \(3B\): basic agreement \(reliable network\)\.\.\.\n",
        &format!("info: wrote visualization to {}\n", regex::escape(vis)),
        r"--- FAIL: ChildPanicInTest \(\d+\.\d\ds\)\n",
        r"exit status 2\nFAIL\tece419/tester1\t\d+\.\d{3}s\n$",
    ];
    assert_match(&want.concat(), &stdout);
    let at = line_of(r#"panic!("the test's own thread panicked");"#);
    let head = format!(
        "panic: the test's own thread panicked [recovered]\n\tpanic: the test's own thread panicked\n\n\
         thread 'main' [running]:\n\t{FILE}:{at}\n"
    );
    assert!(stderr.starts_with(&head), "{stderr}");
}

fn TestAPanicAsTheRunEndsStillEndsIt() {
    let (out, stdout, stderr) = child("ChildPanicAsTheRunEnds", &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(stderr.starts_with("panic: late panic\n"), "{stderr}");
    assert!(!stdout.contains("PASS") && !stdout.contains("ok  "), "{stdout}");
}

// Go (the tester's `Fatalf`, from a helper in `test.go`):
// ```text
// Test (3A): initial election (reliable network)...
// Fatal: expected one leader, got none
//         /home/you/6.5840/src/raft1/test.go:100
//         /home/you/6.5840/src/raft1/raft_test.go:36
// info: wrote visualization to /tmp/porcupine-1234567890.html
// --- FAIL: TestInitialElection3A (5.00s)
// FAIL
// exit status 1
// FAIL	6.5840/raft1	5.003s
// ```
fn TestTesterFatalfShowsTheCallers() {
    let (out, stdout, _) = child("ChildTesterFatal", &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let inner = line_of(r#"fatalf("expected one leader, got none");"#);
    let outer = line_of("    check_one_leader();");
    let want = format!(
        "Test (3A): initial election (reliable network)...\n\
         Fatal: expected one leader, got none\n\
         \x20       {FILE}:{inner}\n\
         \x20       {FILE}:{outer}\n\
         --- FAIL: ChildTesterFatal ("
    );
    assert!(stdout.starts_with(&want), "want\n{want}\ngot\n{stdout}");
    assert_match(r"\(\d+\.\d\ds\)\nFAIL\nexit status 1\nFAIL\tece419/tester1\t\d+\.\d{3}s\n", &stdout);
}

// Go (`t.Fatalf` in `raft_test.go`):
// ```text
// Test (3B): agreement despite follower disconnection (reliable network)...
// --- FAIL: TestFailAgree3B (4.58s)
//     raft_test.go:175: leader rejected Start()
// FAIL
// exit status 1
// FAIL	6.5840/raft1	4.582s
// ```
fn TestTFatalfNamesItsLine() {
    let (out, stdout, _) = child("ChildTestFatal", &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let at = line_of(r#"t_fatalf("leader rejected Start()");"#);
    let want = [
        r"^Test \(3B\): agreement despite follower disconnection \(reliable network\)\.\.\.\n",
        r"--- FAIL: ChildTestFatal \(\d+\.\d\ds\)\n",
        &format!(r"    failure_test\.rs:{at}: leader rejected Start\(\)\n"),
        r"FAIL\nexit status 1\nFAIL\tece419/tester1\t\d+\.\d{3}s\n",
    ];
    assert_match(&want.concat(), &stdout);
}

// Go (the tester's `log.Fatalf` in its applier; no `--- FAIL` line):
// ```text
// Test (3B): basic agreement (reliable network)...
// info: wrote visualization to /tmp/porcupine-1234567890.html
// 2026/11/28 09:21:30 apply error: server 2 apply out of order 5
// exit status 1
// FAIL	6.5840/raft1	0.504s
// ```
fn TestFatalErrorIsLogFatalf() {
    let (out, stdout, stderr) = child("ChildApplyError", &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_match(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d apply error: server 2 apply out of order 5\n$", &stderr);
    assert_match(
        r"^Test \(3B\): basic agreement \(reliable network\)\.\.\.\nexit status 1\nFAIL\tece419/tester1\t\d+\.\d{3}s\n$",
        &stdout,
    );
}

// Go (tests that pass after the limit, lowered to 2 s in a copy of Go's tester; the message
// keeps its text there, ours says the lowered limit): each fails at its end, the run goes on.
// ```text
// Test (3A): initial election (reliable network)...
// --- FAIL: TestInitialElection3A (3.00s)
//     config.go:179: test took longer than 120 seconds
// Test (3A): election after network failure (reliable network)...
// --- FAIL: TestReElection3A (4.47s)
//     config.go:179: test took longer than 120 seconds
// FAIL
// exit status 1
// FAIL	6.5840/raft1	7.478s
// ```
fn TestOverTheLimitFailsAtItsEndAndTheRunGoesOn() {
    let (out, stdout, stderr) = child("ChildSlow", &["ChildAfterSlow"], &[]);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_match(
        concat!(
            r"^Test \(3A\): initial election \(reliable network\)\.\.\.\n",
            r"--- FAIL: ChildSlow \(1\.\d\ds\)\n    config\.rs:\d+: test took longer than 1 seconds\n",
            r"Test \(3A\): election after network failure \(reliable network\)\.\.\.\n  \.\.\. Passed --  time  0\.0s .*\n",
            r"FAIL\nexit status 1\nFAIL\tece419/tester1\t\d+\.\d{3}s\n",
        ),
        &stdout,
    );
    // Beyond Go: said the moment the limit passed, while the test still ran.
    assert!(
        stderr.contains("tester: ChildSlow has run for 1 seconds, over its limit, and is still running"),
        "{stderr}"
    );
}

// Go (`go test -timeout 3s`; a goroutine dump follows, then `exit status 2` and the `FAIL`
// line):
// ```text
// Test (3A): initial election (reliable network)...
// panic: test timed out after 3s
// 	running tests:
// 		TestInitialElection3A (3s)
// ```
fn TestAHungTestIsCutOffByTheRunTimeout() {
    let t0 = Instant::now();
    let (out, stdout, stderr) = child("ChildHang", &[], &[("LAB_TIMEOUT", "2s")]);
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    assert!(t0.elapsed() < Duration::from_secs(20), "not cut off at 2 s");
    assert!(
        stderr.starts_with("panic: test timed out after 2s\n\trunning tests:\n\t\tChildHang (2s)\n"),
        "{stderr}"
    );
    assert_match(r"^exit status 2\nFAIL\tece419/tester1\t2\.\d{3}s\n$", &stdout);
}

// A `LAB_TIMEOUT` that Go's `-timeout` would refuse is refused, not ignored.
fn TestABadRunTimeoutIsRefused() {
    let (out, stdout, _) = child("ChildAfterSlow", &[], &[("LAB_TIMEOUT", "ten minutes")]);
    assert_eq!(out.status.code(), Some(2), "{stdout}");
    assert!(stdout.starts_with("invalid value \"ten minutes\" for flag -test.timeout"), "{stdout}");
}

// Go (SIGINT two seconds into a test; the tester writes its page, exits with status 1,
// nothing else):
// ```text
// Test (3A): initial election (reliable network)...
// info: wrote visualization to /tmp/porcupine-1234567890.html
// ```
fn TestCtrlCWritesTheTimeline() {
    let page = std::env::temp_dir().join(format!("failure-test-{}.html", std::process::id()));
    let mut child = Command::new(std::env::current_exe().unwrap())
        .env("FAILURE_CHILD", "1")
        .env("VIS_FILE", &page)
        .env_remove("VIS_ENABLE")
        .arg("^ChildWaitForInterrupt$")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert_eq!(first, "Test (3A): initial election (reliable network)...\n");
    let killed = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{rest}");
    assert_eq!(rest, format!("info: wrote visualization to {}\n", page.display()));
    let html = std::fs::read_to_string(&page).unwrap();
    let _ = std::fs::remove_file(&page);
    assert!(html.contains("interrupted (Ctrl-C)"), "the page does not say it was interrupted");
}

fn main() {
    if std::env::var_os("FAILURE_CHILD").is_some() {
        labtest::run(
            "tester",
            labtest::test_list!(
                ChildPanicInThread,
                ChildPanicInTest,
                ChildPanicAsTheRunEnds,
                ChildTesterFatal,
                ChildTestFatal,
                ChildApplyError,
                ChildSlow,
                ChildAfterSlow,
                ChildHang,
                ChildWaitForInterrupt,
            ),
        );
    }
    labtest::run(
        "tester",
        labtest::test_list!(
            TestPanicInAnyThreadEndsTheRun,
            TestPanicInTheTestFailsItThenEndsTheRun,
            TestAPanicAsTheRunEndsStillEndsIt,
            TestTesterFatalfShowsTheCallers,
            TestTFatalfNamesItsLine,
            TestFatalErrorIsLogFatalf,
            TestOverTheLimitFailsAtItsEndAndTheRunGoesOn,
            TestAHungTestIsCutOffByTheRunTimeout,
            TestABadRunTimeoutIsRefused,
            TestCtrlCWritesTheTimeline,
        ),
    );
}
