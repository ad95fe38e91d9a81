//! The `test.log` that `check` writes: the same shape as `go test` output for the parts run,
//! naming Go's package so that grading scripts written for Go read it unchanged.

use crate::golog::{self, Line};
use crate::runner::RunOutput;

/// One test's lines for the log: its run's output without the run's own closing lines, and a
/// `--- FAIL` line if the process died without printing one (a fatal error or a panic on
/// another thread, as in Go, or a kill), with why: the error's message, else how it ended.
pub fn section(name: &str, out: &RunOutput) -> String {
    let lines: Vec<&str> = out.output.lines().filter(|l| !is_closing_line(l)).collect();
    let first = lines.iter().position(|l| !l.trim().is_empty()).unwrap_or(lines.len());
    let last = lines.iter().rposition(|l| !l.trim().is_empty()).map_or(first, |i| i + 1);
    let mut text: String = lines[first..last].iter().map(|l| format!("{l}\n")).collect();
    if !out.passed() && !lines.iter().any(|l| l.starts_with("--- FAIL: ")) {
        let note = out.failure_reason();
        text.push_str(&format!("--- FAIL: {name} ({:.2}s)\n    {note}\n", out.wall.as_secs_f64()));
    }
    text
}

/// The lines that close one Go package's run: `PASS` and `ok`, or `FAIL`, `exit status 1`
/// and `FAIL\tpkg`, as `go test` prints them.
pub fn closing(go_package: &str, all_passed: bool, seconds: f64) -> String {
    if all_passed {
        format!("PASS\nok  \t{go_package}\t{seconds:.3}s\n")
    } else {
        format!("FAIL\nexit status 1\nFAIL\t{go_package}\t{seconds:.3}s\n")
    }
}

/// A line that closes one run rather than belonging to its test: `PASS`, `FAIL`,
/// `exit status N`, `ok  \tpkg`, `FAIL\tpkg`, libtest's `test result:`.
fn is_closing_line(line: &str) -> bool {
    matches!(line, "PASS" | "FAIL")
        || line.starts_with("exit status ")
        || line.starts_with("test result: ")
        || matches!(golog::classify(line), Line::Summary(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Exit;
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;
    use std::time::Duration;

    fn out(exit: Exit, output: &str) -> RunOutput {
        RunOutput {
            exit,
            wall: Duration::from_millis(4580),
            output: output.into(),
            timeout: Duration::from_secs(150),
            limit_hit: None,
        }
    }

    #[test]
    fn passing_section_drops_the_run_summary() {
        let o = out(
            Exit::Passed,
            "Test (3A): initial election (reliable network)...\n\
             \x20 ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0\n\
             PASS\nok  \traft\t3.012s\n\ntest result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; \
             20 filtered out; finished in 3.01s\n\n",
        );
        assert_eq!(
            section("TestInitialElection3A", &o),
            "Test (3A): initial election (reliable network)...\n\
             \x20 ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0\n"
        );
    }

    #[test]
    fn failing_section_keeps_the_failure() {
        let o = out(
            Exit::Failed(ExitStatus::from_raw(101 << 8)),
            "Test (3A): election after network failure (reliable network)...\n\
             Fatal: expected one leader, got none\n        raft_test.rs:80\n\
             --- FAIL: TestReElection3A (4.58s)\nFAIL\nexit status 1\nFAIL\traft\t4.600s\n",
        );
        assert_eq!(
            section("TestReElection3A", &o),
            "Test (3A): election after network failure (reliable network)...\n\
             Fatal: expected one leader, got none\n        raft_test.rs:80\n\
             --- FAIL: TestReElection3A (4.58s)\n"
        );
    }

    #[test]
    fn killed_run_gets_a_fail_line() {
        let o = out(Exit::TimedOut, "Test (3C): Figure 8 (reliable network)...\n");
        assert_eq!(
            section("TestFigure83C", &o),
            "Test (3C): Figure 8 (reliable network)...\n\
             --- FAIL: TestFigure83C (4.58s)\n    test process killed after 150 s\n"
        );
    }

    #[test]
    fn closing_lines_name_the_go_package() {
        assert_eq!(closing("6.5840/raft1", true, 12.8814), "PASS\nok  \t6.5840/raft1\t12.881s\n");
        assert_eq!(
            closing("6.5840/kvsrv1", false, 4.0),
            "FAIL\nexit status 1\nFAIL\t6.5840/kvsrv1\t4.000s\n"
        );
    }
}
