//! Grading submissions as the course does: a submission's graded files go into a pristine
//! handout (its tests, tester and the rest are the originals), which is built and tested
//! under limits. Each worker keeps a tree and a build folder of its own across
//! submissions, so that only the student's crates are built again.

use super::part::Part;
use super::report::GradeReport;
use super::{grade, testlog};
use crate::handout;
use crate::labs::Suite;
use crate::runner::{Children, Limits, Runner};
use crate::testbin::{executable_from_messages, list_tests};
use crate::{Context, Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the grader grades.
#[derive(Debug, Clone)]
pub struct Grader {
    /// The course's workspace, which the pristine handout is made from.
    pub root: PathBuf,
    /// Where the grader keeps its trees and builds.
    pub cache: PathBuf,
    /// The parts to grade.
    pub parts: Vec<Part>,
    /// Kill a test process after this long.
    pub timeout: Duration,
    /// Resource limits on each test process.
    pub limits: Limits,
    /// Stop grading a submission after this long in all.
    pub total: Duration,
}

/// One submission's grade.
#[derive(Debug, Clone, Serialize)]
pub struct SubmissionGrade {
    /// The submission's name (its folder's).
    pub name: String,
    /// The tests' results, unless it did not build.
    pub report: Option<GradeReport>,
    /// The compiler's first error, if it did not build.
    pub build_error: Option<String>,
    /// The limit that ended the grading early, if one did.
    pub limit: Option<String>,
    /// The score, 0 to 1.
    pub score: f64,
    /// Seconds it took to grade, build included.
    pub seconds: f64,
}

impl Grader {
    fn pristine(&self) -> PathBuf {
        self.cache.join("pristine")
    }

    /// Writes the pristine handout the submissions go into (again, if it is there), and
    /// forgets the work trees of earlier runs: only their graded files are reset between
    /// submissions, so a tree from before a change to the course's workspace would keep its
    /// old tester. (The build folders stay, for speed.)
    pub fn prepare(&self) -> Result<()> {
        let p = self.pristine();
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&self.cache).context(|| format!("creating {}", self.cache.display()))?;
        let entries =
            std::fs::read_dir(&self.cache).context(|| format!("reading {}", self.cache.display()))?;
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with("work-") {
                std::fs::remove_dir_all(entry.path())
                    .context(|| format!("removing the old work tree {}", entry.path().display()))?;
            }
        }
        handout::write(&self.root, &p, false)
    }

    /// The labs the parts belong to.
    fn labs(&self) -> Vec<&'static str> {
        let mut labs: Vec<&'static str> = self.parts.iter().map(|p| p.0.lab).collect();
        labs.dedup();
        labs
    }

    /// Grades the submission at `submission` (a folder, or a git repository's path or URL)
    /// in worker `slot`'s tree, writing its `test.log` to `log`.
    pub fn grade(
        &self,
        submission: &str,
        name: &str,
        slot: usize,
        log: &Path,
        progress: impl FnMut(&str, Option<&super::report::TestResult>),
    ) -> Result<SubmissionGrade> {
        let start = Instant::now();
        let source = self.fetch(submission, slot)?;
        let work = self.cache.join(format!("work-{slot}"));
        let target = self.cache.join(format!("target-{slot}"));
        let graded = handout::graded_paths(&self.labs());
        self.reset(&work, &graded)?;
        handout::copy_graded(&source, &work, &graded)?;

        let mut suites: Vec<Suite> =
            self.parts.iter().flat_map(|p| p.0.pieces.iter().map(|x| x.suite)).collect();
        suites.dedup();
        let mut built = Vec::new();
        for suite in suites {
            match build_in(&work, &target, suite)? {
                Ok(binary) => built.push((suite, binary)),
                Err(first_error) => {
                    let text = format!(
                        "# {name}: the submission does not compile (cargo test -p {} --no-run)\n{first_error}\nFAIL\nFAIL\t{}\t0.000s\n",
                        suite.package,
                        suite.go_path()
                    );
                    std::fs::write(log, text).context(|| format!("writing {}", log.display()))?;
                    return Ok(SubmissionGrade {
                        name: name.to_string(),
                        report: None,
                        build_error: Some(first_error),
                        limit: None,
                        score: 0.0,
                        seconds: start.elapsed().as_secs_f64(),
                    });
                }
            }
        }

        let children = Arc::new(Children::default());
        // The whole submission's limit: stopping the children ends the grading, and what
        // did not run counts as failed.
        let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
        let watchdog = {
            let (children, total) = (children.clone(), self.total);
            std::thread::spawn(move || {
                if done_rx.recv_timeout(total).is_err() {
                    children.stop();
                    return true;
                }
                false
            })
        };
        let runner_for = |suite: Suite| -> Result<(Runner, Vec<String>)> {
            let binary = built
                .iter()
                .find(|(s, _)| *s == suite)
                .map(|(_, b)| b.clone())
                .expect("every suite was built");
            let all = list_tests(&binary)?;
            let runner = Runner {
                binary,
                timeout: self.timeout,
                verbose: None,
                children: children.clone(),
                limits: Some(self.limits),
            };
            Ok((runner, all))
        };
        let report = grade(&self.parts, runner_for, log, progress)?;
        let _ = done_tx.send(());
        let total_hit = watchdog.join().unwrap_or(false);
        let limit = total_hit.then(|| format!("total time limit hit ({} s)", self.total.as_secs()));
        if total_hit {
            // The log of an interrupted grading has no closing line: say why it stopped.
            let mut text = std::fs::read_to_string(log).unwrap_or_default();
            text += &format!("# {name}: {}\n", limit.clone().unwrap_or_default());
            text += &testlog::closing(&self.parts[0].0.pieces[0].suite.go_path(), false, report.seconds);
            std::fs::write(log, text).context(|| format!("writing {}", log.display()))?;
        }
        // Tests that never ran (the total limit) count as failed: the score is over all.
        let score = report.score;
        Ok(SubmissionGrade {
            name: name.to_string(),
            score,
            report: Some(report),
            build_error: None,
            limit,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The submission's files: its folder, or a fresh clone of its git repository.
    fn fetch(&self, submission: &str, slot: usize) -> Result<PathBuf> {
        let path = Path::new(submission);
        let is_url = submission.contains("://") || submission.starts_with("git@");
        if !is_url && path.is_dir() && !path.join(".git").exists() {
            return Ok(path.to_path_buf());
        }
        if !is_url && !path.exists() {
            return Err(Error::new(format!("submission {submission} not found")));
        }
        let clone = self.cache.join(format!("clone-{slot}"));
        let _ = std::fs::remove_dir_all(&clone);
        let what = || format!("cloning {submission} (git clone --depth 1)");
        let out = Command::new("git")
            .args(["clone", "-q", "--depth", "1"])
            .arg(submission)
            .arg(&clone)
            .stdin(Stdio::null())
            .output()
            .context(what)?;
        if !out.status.success() {
            return Err(Error::new(format!("{}: {}", what(), String::from_utf8_lossy(&out.stderr).trim())));
        }
        Ok(clone)
    }

    /// Makes `work` the pristine tree again where a submission may have changed it (its
    /// graded files), or copies the pristine tree there the first time.
    fn reset(&self, work: &Path, graded: &[String]) -> Result<()> {
        let pristine = self.pristine();
        if !work.join("Cargo.toml").is_file() {
            let _ = std::fs::remove_dir_all(work);
            return copy_all(&pristine, work);
        }
        for g in graded {
            let rel = g.trim_end_matches('/');
            let dst = work.join(rel);
            if g.ends_with('/') {
                let _ = std::fs::remove_dir_all(&dst);
            } else {
                let _ = std::fs::remove_file(&dst);
            }
        }
        handout::copy_graded(&pristine, work, graded)?;
        Ok(())
    }
}

/// Copies every file of `from` to `to` (a graded folder of "" is the whole tree).
fn copy_all(from: &Path, to: &Path) -> Result<()> {
    handout::copy_graded(from, to, &["/".to_string()]).map(|_| ())
}

/// Builds `suite`'s tests in the tree `work` with the build folder `target`; `Err` holds
/// the compiler's first error when it does not compile.
pub fn build_in(work: &Path, target: &Path, suite: Suite) -> Result<std::result::Result<PathBuf, String>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let what = || format!("building {} in {}", suite.package, work.display());
    let out = Command::new(cargo)
        .args([
            "test",
            "-p",
            suite.package,
            "--no-run",
            "--message-format=json-render-diagnostics",
            "--manifest-path",
        ])
        .arg(work.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target)
        .stdin(Stdio::null())
        .output()
        .context(what)?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        return Ok(Err(first_error(&stderr)));
    }
    executable_from_messages(&String::from_utf8_lossy(&out.stdout), suite.target)
        .map(Ok)
        .ok_or_else(|| Error::new(format!("{}: cargo named no executable for {}", what(), suite.target)))
}

/// The first `error` block of cargo's output (up to the blank line after it).
pub fn first_error(stderr: &str) -> String {
    let lines: Vec<&str> = stderr.lines().collect();
    let Some(start) = lines.iter().position(|l| l.starts_with("error")) else {
        return stderr
            .lines()
            .rev()
            .take(5)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
    };
    let end = (start + 1..lines.len()).find(|&i| lines[i].trim().is_empty()).unwrap_or(lines.len());
    lines[start..end].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_compiler_error() {
        let out = "   Compiling raft v0.1.0\nwarning: unused\n\nerror[E0425]: cannot find value `x`\n --> raft/src/raft.rs:3:5\n  |\n\nerror: aborting\n";
        assert_eq!(first_error(out), "error[E0425]: cannot find value `x`\n --> raft/src/raft.rs:3:5\n  |");
    }
}
