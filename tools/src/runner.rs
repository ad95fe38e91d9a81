//! Runs one test of a test binary in its own process (`BIN --exact TestName`), with a time
//! limit, collecting its output as a terminal would show it (stdout and stderr interleaved).

use crate::golog::{self, Verdict};
use crate::{Context, Result};
use std::collections::HashMap;
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

/// The time limit the tools put on one test process (the tester's own limit is 120 s).
pub const DEFAULT_TIMEOUT_SECS: u64 = 150;

/// How a test process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It exited with status 0.
    Passed,
    /// It exited otherwise (a failed test, a panic, a crash).
    Failed(ExitStatus),
    /// It was killed at the time limit.
    TimedOut,
    /// It was killed because the user interrupted the tool.
    Interrupted,
}

/// Resource limits on a test process (a grader's protection against a submission that
/// spins, eats memory, forks or fills the disk), set with the shell's `ulimit` before the
/// test binary starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// CPU seconds (the process gets SIGXCPU).
    pub cpu_secs: Option<u64>,
    /// Address space, MB (allocations fail).
    pub mem_mb: Option<u64>,
    /// Processes and threads of the user (not enforced for root).
    pub procs: Option<u64>,
    /// The largest file it may write, MB (the process gets SIGXFSZ).
    pub fsize_mb: Option<u64>,
}

impl Limits {
    /// The `ulimit` commands that set these limits.
    fn ulimits(&self) -> String {
        let mut s = String::new();
        if let Some(t) = self.cpu_secs {
            // SIGXCPU at the soft limit (which names the limit); SIGKILL at an equal hard
            // one would not, so the hard limit comes 5 s later, for a process that ignores
            // it. Soft first: a hard limit below the soft one is refused.
            s += &format!("ulimit -S -t {t}; ulimit -H -t {}; ", t + 5);
        }
        if let Some(m) = self.mem_mb {
            s += &format!("ulimit -v {}; ", m * 1024);
        }
        if let Some(p) = self.procs {
            // bash calls it -u, dash (Debian's sh) -p. Only dash's "Illegal option" is hushed:
            // a limit that cannot be set still says so in the log.
            s += &format!("ulimit -u {p} 2>/dev/null || ulimit -p {p}; ");
        }
        if let Some(f) = self.fsize_mb {
            // In blocks of 1024 bytes.
            s += &format!("ulimit -f {}; ", f * 1024);
        }
        s
    }

    /// Which limit a run that ended so seems to have hit.
    fn hit(&self, status: ExitStatus, output: &str) -> Option<String> {
        match status.signal() {
            Some(24) if self.cpu_secs.is_some() => {
                return Some(format!("CPU time limit hit ({} s)", self.cpu_secs.unwrap_or(0)));
            }
            Some(25) if self.fsize_mb.is_some() => {
                return Some(format!("file size limit hit ({} MB)", self.fsize_mb.unwrap_or(0)));
            }
            _ => {}
        }
        let mem = ["memory allocation of", "failed to allocate", "Cannot allocate memory"];
        if self.mem_mb.is_some() && mem.iter().any(|m| output.contains(m)) {
            return Some(format!("memory limit hit ({} MB)", self.mem_mb.unwrap_or(0)));
        }
        if self.procs.is_some() && output.contains("Resource temporarily unavailable") {
            return Some(format!("process limit hit ({} processes and threads)", self.procs.unwrap_or(0)));
        }
        None
    }
}

/// What one run of one test produced.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// How the process ended.
    pub exit: Exit,
    /// Wall time from start to exit.
    pub wall: Duration,
    /// Everything it printed, stdout and stderr interleaved.
    pub output: String,
    /// The time limit it ran under.
    pub timeout: Duration,
    /// The resource limit it hit, if it was run under limits and hit one.
    pub limit_hit: Option<String>,
}

impl RunOutput {
    /// Whether the test passed.
    pub fn passed(&self) -> bool {
        self.exit == Exit::Passed
    }

    /// Why the process itself failed, beyond what the test printed (killed, crashed).
    pub fn exit_note(&self) -> Option<String> {
        match self.exit {
            Exit::Passed => None,
            Exit::TimedOut => Some(format!("test process killed after {} s", self.timeout.as_secs())),
            Exit::Interrupted => Some("test process killed: interrupted".to_string()),
            Exit::Failed(_) if self.limit_hit.is_some() => self.limit_hit.clone(),
            Exit::Failed(status) => match status.signal() {
                Some(sig) => Some(format!("test process killed by signal {sig}")),
                None => Some(format!("test process exited with status {}", status.code().unwrap_or(-1))),
            },
        }
    }

    /// One line saying why the run failed: how the process was killed, else the test's first
    /// failure message, else how the process ended.
    pub fn failure_reason(&self) -> String {
        if let Exit::TimedOut | Exit::Interrupted = self.exit {
            return self.exit_note().unwrap_or_default();
        }
        if let Some(limit) = &self.limit_hit {
            return limit.clone();
        }
        let log = golog::parse(&self.output);
        let from_test =
            log.tests.iter().filter(|t| t.verdict != Verdict::Passed).find_map(|t| t.first_failure());
        match from_test {
            Some(msg) => msg.to_string(),
            None => self.exit_note().unwrap_or_else(|| "passed".to_string()),
        }
    }

    /// The output, followed by a note when the process was killed or crashed.
    pub fn transcript(&self) -> String {
        let mut text = self.output.clone();
        if matches!(self.exit, Exit::TimedOut | Exit::Interrupted) {
            if !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            text.push_str(&format!("*** {}\n", self.exit_note().unwrap_or_default()));
        }
        text
    }
}

/// The test processes now running, so that they can all be killed at once (on Ctrl-C).
#[derive(Debug, Default)]
pub struct Children {
    state: Mutex<ChildrenState>,
}

#[derive(Debug, Default)]
struct ChildrenState {
    stopped: bool,
    next_id: u64,
    running: HashMap<u64, Child>,
}

impl Children {
    fn lock(&self) -> MutexGuard<'_, ChildrenState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Kills every running test process, and every one started from now on.
    pub fn stop(&self) {
        let mut state = self.lock();
        state.stopped = true;
        for child in state.running.values_mut() {
            let _ = child.kill();
        }
    }

    /// Whether [`stop`](Self::stop) was called.
    pub fn is_stopped(&self) -> bool {
        self.lock().stopped
    }

    fn add(&self, mut child: Child) -> u64 {
        let mut state = self.lock();
        if state.stopped {
            let _ = child.kill();
        }
        state.next_id += 1;
        let id = state.next_id;
        state.running.insert(id, child);
        id
    }

    fn kill(&self, id: u64) {
        if let Some(child) = self.lock().running.get_mut(&id) {
            let _ = child.kill();
        }
    }

    fn take(&self, id: u64) -> Option<Child> {
        self.lock().running.remove(&id)
    }
}

/// Runs tests of one binary, each in its own process.
#[derive(Debug, Clone)]
pub struct Runner {
    /// The test binary.
    pub binary: PathBuf,
    /// When to kill a test process.
    pub timeout: Duration,
    /// `VERBOSE` for the tests (`None`: unset, so no debug output).
    pub verbose: Option<String>,
    /// The running processes, shared with the interrupt handler.
    pub children: Arc<Children>,
    /// Resource limits for each test process (`None`: none).
    pub limits: Option<Limits>,
}

impl Runner {
    /// Runs `test` alone and waits for it to end (or kills it at the time limit).
    pub fn run(&self, test: &str) -> Result<RunOutput> {
        self.run_with_page(test, None)
    }

    /// Runs `test` as `run` does, with the failure timeline, if it writes one, at `page`.
    pub fn run_with_page(&self, test: &str, page: Option<&Path>) -> Result<RunOutput> {
        let what = || format!("running {} --exact {test}", self.binary.display());
        let (mut reader, writer) = std::io::pipe().context(what)?;
        let child = {
            let mut cmd = match &self.limits {
                Some(l) => {
                    let mut c = Command::new("sh");
                    c.arg("-c").arg(format!("{}exec \"$0\" \"$@\"", l.ulimits())).arg(&self.binary);
                    c
                }
                None => Command::new(&self.binary),
            };
            cmd.arg("--exact").arg(test).stdin(Stdio::null());
            cmd.stdout(writer.try_clone().context(what)?).stderr(writer);
            // Its own process group: a terminal's Ctrl-C reaches only the tool, which kills
            // the tests itself and reports.
            cmd.process_group(0);
            match &self.verbose {
                Some(level) => cmd.env("VERBOSE", level),
                None => cmd.env_remove("VERBOSE"),
            };
            if let Some(page) = page {
                cmd.env("VIS_FILE", page);
            }
            cmd.spawn().context(what)?
            // `cmd` (holding the pipe's write ends) is dropped here, so EOF means exit.
        };
        let start = Instant::now();
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = reader.read_to_end(&mut bytes);
            let _ = tx.send(bytes);
        });
        let id = self.children.add(child);
        let (bytes, timed_out) = match rx.recv_timeout(self.timeout) {
            Ok(bytes) => (bytes, false),
            Err(RecvTimeoutError::Timeout) => {
                self.children.kill(id);
                // A process that left children holding the pipe would keep it open: give up
                // on its output rather than wait for them.
                (rx.recv_timeout(Duration::from_secs(5)).unwrap_or_default(), true)
            }
            Err(RecvTimeoutError::Disconnected) => (Vec::new(), false),
        };
        let mut child = self.children.take(id).expect("a running child is only taken by its runner");
        let status = child.wait().context(what)?;
        let exit = if status.success() {
            Exit::Passed
        } else if timed_out {
            Exit::TimedOut
        } else if self.children.is_stopped() && status.signal().is_some() {
            Exit::Interrupted
        } else {
            Exit::Failed(status)
        };
        let output = String::from_utf8_lossy(&bytes).into_owned();
        let limit_hit = match (exit, &self.limits) {
            (Exit::Failed(status), Some(l)) => l.hit(status, &output),
            _ => None,
        };
        Ok(RunOutput { exit, wall: start.elapsed(), output, timeout: self.timeout, limit_hit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{TempDir, serial};

    fn runner(binary: PathBuf, timeout: Duration) -> Runner {
        Runner { binary, timeout, verbose: Some("1".into()), children: Arc::default(), limits: None }
    }

    #[test]
    fn collects_interleaved_output_and_status() {
        let _serial = serial();
        let dir = TempDir::new("runner-ok");
        let bin = dir.script("ok.sh", "echo \"out $1 $2 VERBOSE=$VERBOSE\"; echo err >&2; echo more");
        let out = runner(bin, Duration::from_secs(20)).run("TestX").unwrap();
        assert!(out.passed());
        assert_eq!(out.output, "out --exact TestX VERBOSE=1\nerr\nmore\n");
        assert_eq!(out.exit_note(), None);
    }

    #[test]
    fn failure_status_is_reported() {
        let _serial = serial();
        let dir = TempDir::new("runner-fail");
        let bin = dir.script("fail.sh", "echo failing; exit 3");
        let out = runner(bin, Duration::from_secs(20)).run("TestX").unwrap();
        assert!(matches!(out.exit, Exit::Failed(s) if s.code() == Some(3)));
        assert_eq!(out.exit_note().unwrap(), "test process exited with status 3");
    }

    #[test]
    fn kills_at_the_time_limit() {
        let _serial = serial();
        let dir = TempDir::new("runner-hang");
        let bin = dir.script("hang.sh", "echo started; exec sleep 30");
        let out = runner(bin, Duration::from_millis(300)).run("TestX").unwrap();
        assert_eq!(out.exit, Exit::TimedOut);
        assert!(out.wall < Duration::from_secs(10));
        assert_eq!(out.transcript(), "started\n*** test process killed after 0 s\n");
    }

    #[test]
    fn stop_kills_running_and_later_children() {
        let _serial = serial();
        let dir = TempDir::new("runner-stop");
        let bin = dir.script("hang2.sh", "exec sleep 30");
        let r = runner(bin, Duration::from_secs(60));
        let r2 = r.clone();
        let handle = thread::spawn(move || r2.run("TestX").unwrap());
        thread::sleep(Duration::from_millis(300));
        r.children.stop();
        assert_eq!(handle.join().unwrap().exit, Exit::Interrupted);
        assert_eq!(r.run("TestY").unwrap().exit, Exit::Interrupted);
    }

    #[test]
    fn limits_are_set_and_the_one_hit_is_named() {
        let _serial = serial();
        let dir = TempDir::new("runner-limits");
        let spin = dir.script("spin.sh", "while :; do :; done");
        let mut r = runner(spin, Duration::from_secs(30));
        r.limits = Some(Limits { cpu_secs: Some(1), ..Limits::default() });
        let out = r.run("TestSpin").unwrap();
        assert_eq!(out.failure_reason(), "CPU time limit hit (1 s)");
        let big = dir.script("big.sh", "exec head -c 3000000 /dev/zero > \"$(dirname \"$0\")/big.out\"");
        let mut r = runner(big, Duration::from_secs(30));
        r.limits = Some(Limits { fsize_mb: Some(1), ..Limits::default() });
        let out = r.run("TestFill").unwrap();
        assert_eq!(out.exit_note().as_deref(), Some("file size limit hit (1 MB)"), "{:?}", out.exit);
        let show = dir.script("show.sh", "ulimit -S -t; ulimit -v");
        let mut r = runner(show, Duration::from_secs(30));
        r.limits = Some(Limits { cpu_secs: Some(7), mem_mb: Some(64), ..Limits::default() });
        assert_eq!(r.run("TestShow").unwrap().output, "7\n65536\n");
        // The process limit, whichever shell `sh` is (its flag differs in bash and dash).
        let procs = dir.script("procs.sh", "grep 'Max processes' /proc/self/limits");
        let mut r = runner(procs, Duration::from_secs(30));
        r.limits = Some(Limits { procs: Some(4321), ..Limits::default() });
        let out = r.run("TestProcs").unwrap().output;
        assert!(out.starts_with("Max processes") && out.contains(" 4321 "), "{out}");
    }

    #[test]
    fn missing_binary_is_an_error() {
        let _serial = serial();
        let e = runner(PathBuf::from("/nonexistent/bin"), Duration::from_secs(1)).run("T").unwrap_err();
        assert!(e.to_string().starts_with("running /nonexistent/bin --exact T:"), "{e}");
    }
}
