//! End-to-end tests of the four tools, run as a user would run them. For `dstest` and `check`
//! this executable doubles as the lab's test binary: run with `TOOLS_FAKE_LAB` set, it is a
//! fake lab (see `fake_lab`), so the real Raft tests are never run.

mod fake_lab;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// An end-to-end test.
type Test = fn() -> Result<(), Failed>;

fn main() {
    if std::env::var_os(fake_lab::ENV).is_some() {
        fake_lab::main();
    }
    let tests: &[(&str, Test)] = &[
        ("dstest_counts_failures_and_saves_their_logs", dstest_counts_failures_and_saves_their_logs),
        ("dstest_keep_passing_sequential_verbose", dstest_keep_passing_sequential_verbose),
        ("dstest_kills_at_the_time_limit", dstest_kills_at_the_time_limit),
        ("dstest_ctrl_c_kills_runs_and_prints_the_table", dstest_ctrl_c_kills_runs_and_prints_the_table),
        ("dstest_rejects_unknown_tests", dstest_rejects_unknown_tests),
        ("check_writes_a_go_shaped_log_and_scores", check_writes_a_go_shaped_log_and_scores),
        ("check_json_for_a_passing_part", check_json_for_a_passing_part),
        ("check_reports_exits_and_timeouts", check_reports_exits_and_timeouts),
        ("check_rejects_unknown_parts", check_rejects_unknown_parts),
        ("check_ctrl_c_stops_and_reports", check_ctrl_c_stops_and_reports),
        ("compare_go_and_ours", compare_go_and_ours),
        ("compare_reports_bad_input", compare_reports_bad_input),
        ("dslogs_filters_colours_and_columns", dslogs_filters_colours_and_columns),
        ("every_tool_has_help", every_tool_has_help),
    ];
    let trials = tests.iter().map(|&(name, f)| Trial::test(name, f)).collect();
    let conclusion = libtest_mimic::run(&Arguments::from_args(), trials);
    let _ = std::fs::remove_dir_all(temp_root());
    conclusion.exit();
}

/// Fails the test with `msg` unless `cond`.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)*) => {
        if !$cond {
            return Err(format!($($msg)*).into());
        }
    };
}

/// Where the tests' temporary directories go (removed after the run).
fn temp_root() -> PathBuf {
    std::env::temp_dir().join(format!("tools-e2e-{}", std::process::id()))
}

/// A fresh, empty temporary directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = temp_root().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A command running tool `bin` against the fake lab.
fn tool(bin: &str) -> Command {
    let path = match bin {
        "dstest" => env!("CARGO_BIN_EXE_dstest"),
        "check" => env!("CARGO_BIN_EXE_check"),
        "compare" => env!("CARGO_BIN_EXE_compare"),
        "dslogs" => env!("CARGO_BIN_EXE_dslogs"),
        _ => unreachable!("no tool {bin}"),
    };
    let mut cmd = Command::new(path);
    let me = std::env::current_exe().expect("own path");
    if matches!(bin, "dstest" | "check") {
        cmd.arg("--binary").arg(me).env(fake_lab::ENV, "1");
    }
    cmd.env_remove("VERBOSE")
        .env_remove("NO_COLOR")
        .env_remove("LABTEST_THREADS")
        .env_remove("LAB_MODULE")
        .stdin(Stdio::null());
    cmd
}

fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("tool runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| d.map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    names.sort();
    names
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn dstest_counts_failures_and_saves_their_logs() -> Result<(), Failed> {
    let dir = temp_dir("dstest-fail");
    let out = output(tool("dstest").args(["3A", "TestPanic3C", "-n", "3", "-p", "2", "-o"]).arg(&dir));
    let stdout = text(&out.stdout);
    ensure!(out.status.code() == Some(1), "exit {:?}\n{stdout}{}", out.status, text(&out.stderr));
    ensure!(
        files(&dir)
            == [
                "TestBroken3A_1.log",
                "TestBroken3A_2.log",
                "TestBroken3A_3.log",
                "TestPanic3C_1.log",
                "TestPanic3C_2.log",
                "TestPanic3C_3.log",
            ],
        "saved {:?}",
        files(&dir)
    );
    let log = std::fs::read_to_string(dir.join("TestBroken3A_2.log"))?;
    ensure!(
        log.contains("Fatal: expected one leader, got none\n") && log.contains("--- FAIL: TestBroken3A"),
        "{log}"
    );
    ensure!(
        stdout.contains("FAIL TestBroken3A #") && stdout.contains("expected one leader, got none -> "),
        "no announcement in\n{stdout}"
    );
    ensure!(stdout.contains("FAIL TestPanic3C #"), "{stdout}");
    let row = |name: &str| stdout.lines().find(|l| l.starts_with(name)).unwrap_or("").to_string();
    ensure!(row("TestQuick3A").contains(" 0/3 ") && row("TestQuick3A").ends_with(" 42"), "{stdout}");
    ensure!(row("TestBroken3A").contains(" 3/3 ") && row("TestBroken3A").ends_with(" -"), "{stdout}");
    ensure!(stdout.contains("6 of 9 runs failed"), "{stdout}");
    Ok(())
}

fn dstest_keep_passing_sequential_verbose() -> Result<(), Failed> {
    let dir = temp_dir("dstest-keep");
    let out = output(
        tool("dstest")
            .args([
                "TestQuick3A",
                "3D",
                "-n",
                "2",
                "--sequential",
                "--keep-passing",
                "--verbose",
                "2",
                "--output",
            ])
            .arg(&dir),
    );
    ensure!(out.status.success(), "exit {:?}\n{}{}", out.status, text(&out.stdout), text(&out.stderr));
    ensure!(files(&dir).len() == 6, "saved {:?}", files(&dir));
    let log = std::fs::read_to_string(dir.join("TestGood3D_2.log"))?;
    ensure!(log.contains("000000 TEST S0 VERBOSE=2\n") && log.contains("ok  \tece419/raft1\t"), "{log}");
    ensure!(text(&out.stdout).contains("0 of 6 runs failed"), "{}", text(&out.stdout));
    let quiet =
        output(tool("dstest").args(["TestQuick3A", "-n", "1", "--keep-passing", "-o"]).arg(dir.join("q")));
    let log = std::fs::read_to_string(dir.join("q/TestQuick3A_1.log"))?;
    ensure!(quiet.status.success() && !log.contains("VERBOSE"), "{log}");
    Ok(())
}

fn dstest_kills_at_the_time_limit() -> Result<(), Failed> {
    let dir = temp_dir("dstest-timeout");
    let start = Instant::now();
    let out = output(tool("dstest").args(["TestSlow3B", "-n", "1", "--timeout", "1", "-o"]).arg(&dir));
    ensure!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
    ensure!(out.status.code() == Some(1), "exit {:?}", out.status);
    let log = std::fs::read_to_string(dir.join("TestSlow3B_1.log"))?;
    ensure!(log.ends_with("*** test process killed after 1 s\n"), "{log}");
    ensure!(text(&out.stdout).contains("test process killed after 1 s -> "), "{}", text(&out.stdout));
    Ok(())
}

fn dstest_ctrl_c_kills_runs_and_prints_the_table() -> Result<(), Failed> {
    let dir = temp_dir("dstest-interrupt");
    let pids = dir.join("pids");
    std::fs::create_dir_all(&pids)?;
    let child = tool("dstest")
        .args(["TestSlow3B", "TestQuick3A", "-n", "3", "-p", "2", "--sequential", "-o"])
        .arg(dir.join("out"))
        .env(fake_lab::PIDS_ENV, &pids)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let start = Instant::now();
    while files(&pids).len() < 2 {
        ensure!(start.elapsed() < Duration::from_secs(30), "the slow tests did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status()?;
    ensure!(kill.success(), "kill failed");
    let out = child.wait_with_output()?;
    ensure!(start.elapsed() < Duration::from_secs(40), "interrupt took {:?}", start.elapsed());
    let stdout = text(&out.stdout);
    ensure!(out.status.code() == Some(130), "exit {:?}\n{stdout}{}", out.status, text(&out.stderr));
    ensure!(stdout.contains("0 of 0 runs failed (interrupted: 0 of 6 runs done)"), "{stdout}");
    ensure!(stdout.starts_with("Test "), "{stdout}");
    for pid in files(&pids) {
        ensure!(!Path::new("/proc").join(&pid).exists(), "test process {pid} still running");
    }
    ensure!(files(&dir.join("out")).is_empty(), "interrupted runs were saved");
    Ok(())
}

fn dstest_rejects_unknown_tests() -> Result<(), Failed> {
    let out = output(tool("dstest").args(["TestNope3A"]));
    ensure!(out.status.code() == Some(2), "exit {:?}", out.status);
    let stderr = text(&out.stderr);
    ensure!(
        stderr.starts_with("dstest: no test named \"TestNope3A\"; the binary has: TestQuick3A,"),
        "{stderr}"
    );
    let out =
        output(Command::new(env!("CARGO_BIN_EXE_dstest")).args(["3A", "--binary", "/nonexistent/raft_test"]));
    ensure!(out.status.code() == Some(2), "exit {:?}", out.status);
    ensure!(
        text(&out.stderr) == "dstest: test binary /nonexistent/raft_test not found\n",
        "{}",
        text(&out.stderr)
    );
    Ok(())
}

fn check_writes_a_go_shaped_log_and_scores() -> Result<(), Failed> {
    let dir = temp_dir("check-log");
    let log_path = dir.join("test.log");
    let out = output(tool("check").args(["lab3D", "lab3A", "--log"]).arg(&log_path));
    let stdout = text(&out.stdout);
    ensure!(out.status.code() == Some(1), "exit {:?}\n{stdout}{}", out.status, text(&out.stderr));
    let log = std::fs::read_to_string(&log_path)?;
    let expected_start = "\
Test (3A): quick (reliable network)...
  ... Passed --  time  0.1s #peers 3 #RPCs    42 #Ops    0
Test (3A): broken (reliable network)...
Fatal: expected one leader, got none
        raft_test.rs:80
--- FAIL: TestBroken3A (";
    ensure!(log.starts_with(expected_start), "log:\n{log}");
    let tail: Vec<&str> = log.lines().skip(6).collect();
    ensure!(
        tail[..4]
            == [
                "Test (3D): good (reliable network)...",
                "  ... Passed --  time  0.1s #peers 3 #RPCs     7 #Ops    0",
                "Test (3D): also good (reliable network)...",
                "  ... Passed --  time  0.1s #peers 3 #RPCs     9 #Ops    0",
            ],
        "log:\n{log}"
    );
    ensure!(
        tail[4..6] == ["FAIL", "exit status 1"]
            && tail[6].starts_with("FAIL\tece419/raft1\t")
            && tail.len() == 7,
        "log:\n{log}"
    );
    ensure!(stdout.contains("score: 75.0% (3 of 4 tests passed"), "{stdout}");
    ensure!(stdout.lines().any(|l| l.starts_with("TestBroken3A") && l.contains("FAIL")), "{stdout}");
    let stderr = text(&out.stderr);
    ensure!(stderr.lines().any(|l| l.starts_with("TestQuick3A") && l.contains(" ok ")), "{stderr}");
    Ok(())
}

fn check_json_for_a_passing_part() -> Result<(), Failed> {
    let dir = temp_dir("check-json");
    let log_path = dir.join("graded.log");
    let out = output(tool("check").args(["3D", "--json", "--log"]).arg(&log_path));
    ensure!(out.status.success(), "exit {:?}\n{}", out.status, text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    ensure!(json["score"] == 1.0 && json["passed"] == 2 && json["total"] == 2, "{json}");
    let tests = &json["parts"][0]["tests"];
    ensure!(
        tests[0]["name"] == "TestGood3D" && tests[1]["rpcs"] == 9 && tests[0]["seconds"] == 0.1,
        "{json}"
    );
    ensure!(tests[0]["failure"].is_null() && json["parts"][0]["part"] == "3D", "{json}");
    let log = std::fs::read_to_string(&log_path)?;
    ensure!(log.lines().rev().nth(1) == Some("PASS"), "{log}");
    ensure!(log.lines().last().is_some_and(|l| l.starts_with("ok  \tece419/raft1\t")), "{log}");
    // MIT's module name, with the one setting; the test binaries name it the same way.
    let out = output(tool("check").args(["3D", "--log"]).arg(&log_path).env("LAB_MODULE", "6.5840"));
    ensure!(out.status.success(), "exit {:?}\n{}", out.status, text(&out.stderr));
    let log = std::fs::read_to_string(&log_path)?;
    ensure!(log.lines().last().is_some_and(|l| l.starts_with("ok  \t6.5840/raft1\t")), "{log}");
    ensure!(log.contains("ok  \t6.5840/raft1\t") && !log.contains("ece419"), "{log}");
    Ok(())
}

fn check_reports_exits_and_timeouts() -> Result<(), Failed> {
    let dir = temp_dir("check-exits");
    let out = output(
        tool("check").args(["lab3B", "lab3C", "--json", "--timeout", "1", "--log"]).arg(dir.join("t.log")),
    );
    ensure!(out.status.code() == Some(1), "exit {:?}", out.status);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let failures: Vec<&str> = json["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["tests"].as_array().into_iter().flatten())
        .map(|t| t["failure"].as_str().unwrap_or(""))
        .collect();
    ensure!(
        failures[0] == "apply error: server 1 apply out of order 5"
            && failures[1] == "test process killed after 1 s"
            && failures[2].contains("index out of bounds"),
        "{failures:?}"
    );
    ensure!(json["score"] == 0.0, "{json}");
    let log = std::fs::read_to_string(dir.join("t.log"))?;
    ensure!(log.contains("    apply error: server 1 apply out of order 5\nTest (3B): slow"), "{log}");
    ensure!(
        log.contains("--- FAIL: TestSlow3B (") && log.contains("    test process killed after 1 s\n"),
        "{log}"
    );
    ensure!(log.contains("--- FAIL: TestPanic3C ("), "{log}");
    Ok(())
}

fn check_ctrl_c_stops_and_reports() -> Result<(), Failed> {
    let dir = temp_dir("check-interrupt");
    let pids = dir.join("pids");
    std::fs::create_dir_all(&pids)?;
    let child = tool("check")
        .args(["lab3B", "--log"])
        .arg(dir.join("test.log"))
        .env(fake_lab::PIDS_ENV, &pids)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let start = Instant::now();
    while files(&pids).is_empty() {
        ensure!(start.elapsed() < Duration::from_secs(30), "the slow test did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    let kill = Command::new("kill").args(["-INT", &child.id().to_string()]).status()?;
    ensure!(kill.success(), "kill failed");
    let out = child.wait_with_output()?;
    let stdout = text(&out.stdout);
    ensure!(out.status.code() == Some(130), "exit {:?}\n{stdout}{}", out.status, text(&out.stderr));
    ensure!(stdout.contains("interrupted: not every test ran"), "{stdout}");
    ensure!(stdout.contains("TestApply3B") && !stdout.contains("TestSlow3B"), "{stdout}");
    for pid in files(&pids) {
        ensure!(!Path::new("/proc").join(&pid).exists(), "test process {pid} still running");
    }
    let log = std::fs::read_to_string(dir.join("test.log"))?;
    ensure!(log.ends_with("    apply error: server 1 apply out of order 5\n"), "{log}");
    Ok(())
}

fn check_rejects_unknown_parts() -> Result<(), Failed> {
    let out = output(tool("check").arg("lab3E"));
    ensure!(out.status.code() == Some(2), "exit {:?}", out.status);
    ensure!(text(&out.stderr).contains("unknown part \"lab3E\""), "{}", text(&out.stderr));
    Ok(())
}

fn compare_go_and_ours() -> Result<(), Failed> {
    let out = output(tool("compare").arg(fixture("go-3B.log")).arg(fixture("ours-3B.log")));
    let stdout = text(&out.stdout);
    ensure!(out.status.success(), "{}", text(&out.stderr));
    ensure!(stdout.lines().count() == 13, "{stdout}");
    let backup = stdout.lines().find(|l| l.contains("leader backs up")).unwrap_or("");
    ensure!(
        backup
            .split_whitespace()
            .collect::<Vec<_>>()
            .ends_with(&["21.9", "4.6", "0.21", "10396", "676", "0.07"]),
        "{backup}"
    );
    ensure!(stdout.contains("wall time (ok lines): Go 53.098s, ours 25.321s, ours/Go 0.48"), "{stdout}");
    let out = output(tool("compare").arg(fixture("go-3B.log")).arg(fixture("ours-3B.log")).arg("--json"));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    ensure!(json["totals"]["go_rpcs"] == 13885 && json["totals"]["our_rpcs"] == 1361, "{json}");
    ensure!(json["rows"][0]["go"]["verdict"] == "passed", "{json}");
    Ok(())
}

fn compare_reports_bad_input() -> Result<(), Failed> {
    let out = output(tool("compare").arg(fixture("go-3B.log")).arg("/nonexistent/ours.log"));
    ensure!(out.status.code() == Some(2), "exit {:?}", out.status);
    ensure!(
        text(&out.stderr).starts_with("compare: reading /nonexistent/ours.log: "),
        "{}",
        text(&out.stderr)
    );
    let out = output(tool("compare").arg(fixture("go-3B.log")).arg(fixture("../../Cargo.toml")));
    ensure!(text(&out.stderr).contains("no tests found"), "{}", text(&out.stderr));
    // Logs of different parts still compare (every row one-sided), with a warning.
    let out = output(tool("compare").arg(fixture("go-3A.log")).arg(fixture("ours-3B.log")));
    ensure!(out.status.success(), "exit {:?}", out.status);
    ensure!(text(&out.stderr).contains("share no test"), "{}", text(&out.stderr));
    ensure!(!text(&out.stdout).contains("-0.0"), "{}", text(&out.stdout));
    Ok(())
}

fn dslogs_filters_colours_and_columns() -> Result<(), Failed> {
    let dir = temp_dir("dslogs");
    let input = dir.join("debug.log");
    std::fs::write(
        &input,
        "Test (3A): initial election (reliable network)...\n000010 TIMR S0 timeout\n\
         000011 VOTE S1 granted vote to S0 in term 1\n000012 LEAD S0 T1 leader\n\
         \x20 ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0\n",
    )?;
    let out =
        output(tool("dslogs").arg(&input).args(["--ignore", "TIMR", "--columns", "2", "--width", "43"]));
    ensure!(out.status.success(), "{}", text(&out.stderr));
    let expected = format!(
        "S0{}│ S1\n{}┼{}\nTest (3A): initial election (reliable network)...\n\
         {}│ 000011 VOTE granted\n{}│ vote to S0 in term 1\n000012 LEAD T1\nleader\n\
         \x20 ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0\n",
        " ".repeat(19),
        "─".repeat(21),
        "─".repeat(21),
        " ".repeat(21),
        " ".repeat(21)
    );
    ensure!(text(&out.stdout) == expected, "got:\n{}\nwanted:\n{expected}", text(&out.stdout));
    let out = output(tool("dslogs").args(["--topics", "lead", "--color", "always"]).arg(&input));
    let lines: Vec<String> = text(&out.stdout).lines().map(str::to_string).collect();
    ensure!(lines[1] == "000012 \x1b[38;5;179mLEAD S0 T1 leader\x1b[0m" && lines.len() == 3, "{lines:?}");
    let out = output(tool("dslogs").args(["--color", "always", "--no-color"]).arg(&input));
    ensure!(
        !text(&out.stdout).contains('\x1b') && text(&out.stdout).lines().count() == 5,
        "{}",
        text(&out.stdout)
    );
    let out = output(tool("dslogs").arg(dir.join("missing.log")));
    ensure!(
        out.status.code() == Some(2) && text(&out.stderr).starts_with("dslogs: opening "),
        "{}",
        text(&out.stderr)
    );
    let out = output(tool("dslogs").args(["--columns", "9", "--width", "40"]).arg(&input));
    ensure!(text(&out.stderr).contains("do not fit"), "{}", text(&out.stderr));
    Ok(())
}

fn every_tool_has_help() -> Result<(), Failed> {
    for (bin, option) in
        [("dstest", "--keep-passing"), ("check", "--json"), ("compare", "--json"), ("dslogs", "--columns")]
    {
        let out = output(tool(bin).arg("--help"));
        ensure!(
            out.status.success() && text(&out.stdout).contains(option),
            "{bin} --help:\n{}",
            text(&out.stdout)
        );
    }
    Ok(())
}
