//! `dstest`'s engine: runs chosen tests many times, several at once, each run in its own
//! process, saving and announcing the output of failed runs.

pub mod progress;
pub mod schedule;
pub mod tally;

use crate::runner::{Exit, RunOutput, Runner};
use crate::{Context, Result};
use progress::Progress;
use schedule::{Job, Scheduler};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender};
use std::thread;
use tally::Tally;

/// What a stress run does.
#[derive(Debug, Clone)]
pub struct StressConfig {
    /// The tests, by full name.
    pub tests: Vec<String>,
    /// Runs of each test.
    pub iterations: usize,
    /// Runs at once.
    pub workers: usize,
    /// Finish one test's runs before starting the next test's.
    pub sequential: bool,
    /// Save the output of passing runs too.
    pub keep_passing: bool,
    /// Where run outputs are saved.
    pub output: PathBuf,
}

/// Something that happened during a stress run.
#[derive(Debug)]
pub enum Event {
    /// A run ended (or could not start).
    Done(Job, Result<RunOutput>),
    /// The user asked to stop.
    Interrupt,
}

/// What a stress run found.
#[derive(Debug, Clone)]
pub struct StressReport {
    /// Results per test, in the order given.
    pub tallies: Vec<Tally>,
    /// Whether the user stopped it early.
    pub interrupted: bool,
}

impl StressReport {
    /// Runs that ended.
    pub fn runs(&self) -> usize {
        self.tallies.iter().map(|t| t.runs).sum()
    }

    /// Runs that failed.
    pub fn failed(&self) -> usize {
        self.tallies.iter().map(|t| t.failed).sum()
    }
}

/// The file a run's output is saved to: `<dir>/<Test>_<iteration>.log`.
pub fn log_path(dir: &Path, test: &str, iteration: usize) -> PathBuf {
    dir.join(format!("{test}_{iteration}.log"))
}

/// The file a run's failure timeline is written to: `<dir>/<Test>_<iteration>.html`.
pub fn page_path(dir: &Path, test: &str, iteration: usize) -> PathBuf {
    dir.join(format!("{test}_{iteration}.html"))
}

/// Runs the plan of `cfg` with `runner`; `events`/`sender` carry run results (and interrupts,
/// which the caller's handler sends) back to this thread.
pub fn stress(
    cfg: &StressConfig,
    runner: &Runner,
    sender: &Sender<Event>,
    events: &Receiver<Event>,
) -> Result<StressReport> {
    let mut sched = Scheduler::new(cfg.tests.len(), cfg.iterations, cfg.workers, cfg.sequential);
    let mut tallies: Vec<Tally> = cfg.tests.iter().map(|t| Tally::new(t)).collect();
    let progress = Progress::new(&cfg.tests, cfg.iterations);
    let mut interrupted = false;
    let mut error = None;
    // The tester writes a failed run's timeline where VIS_FILE says: beside the run's log.
    std::fs::create_dir_all(&cfg.output).context(|| format!("creating {}", cfg.output.display()))?;
    loop {
        while let Some(job) = sched.start_next() {
            let (runner, sender, test) = (runner.clone(), sender.clone(), cfg.tests[job.test].clone());
            let page = page_path(&cfg.output, &test, job.iteration);
            thread::spawn(move || {
                let _ = sender.send(Event::Done(job, runner.run_with_page(&test, Some(&page))));
            });
            tallies[job.test].running += 1;
            progress.update(job.test, &tallies[job.test], false);
        }
        if sched.is_done() {
            break;
        }
        let event = events.recv().expect("the stress loop holds a sender");
        match event {
            Event::Interrupt => {
                interrupted = true;
                runner.children.stop();
                sched.cancel();
            }
            Event::Done(job, result) => {
                sched.finished(job);
                let tally = &mut tallies[job.test];
                tally.running -= 1;
                let ended = match result.and_then(|out| record(cfg, job, &out, tally, &progress)) {
                    Ok(ended) => ended,
                    Err(e) => {
                        error.get_or_insert(e);
                        runner.children.stop();
                        sched.cancel();
                        false
                    }
                };
                progress.update(job.test, tally, ended);
            }
        }
    }
    progress.finish();
    match error {
        Some(e) => Err(e),
        None => Ok(StressReport { tallies, interrupted }),
    }
}

/// Counts a run that ended, saves its output if wanted and announces a failure; says whether
/// the run counts (an interrupted one does not).
fn record(
    cfg: &StressConfig,
    job: Job,
    out: &RunOutput,
    tally: &mut Tally,
    progress: &Progress,
) -> Result<bool> {
    if out.exit == Exit::Interrupted {
        return Ok(false);
    }
    let passed = out.passed();
    let log = crate::golog::parse(&out.output);
    let rpcs: Vec<u64> = log.tests.iter().filter_map(|t| t.rpcs).collect();
    let rpcs = (!rpcs.is_empty()).then(|| rpcs.iter().sum());
    tally.record(passed, out.wall.as_secs_f64(), rpcs);
    let page = page_path(&cfg.output, &tally.name, job.iteration);
    if passed && !cfg.keep_passing {
        // A page of a passing run (VIS_ENABLE=always) goes with its log.
        let _ = std::fs::remove_file(&page);
        return Ok(true);
    }
    let path = log_path(&cfg.output, &tally.name, job.iteration);
    std::fs::write(&path, out.transcript()).context(|| format!("writing {}", path.display()))?;
    if !passed {
        let page = if page.is_file() { format!(" and {}", page.display()) } else { String::new() };
        progress.println(&format!(
            "FAIL {} #{} ({:.1}s): {} -> {}{page}",
            tally.name,
            job.iteration,
            out.wall.as_secs_f64(),
            out.failure_reason(),
            path.display()
        ));
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::Children;
    use crate::testutil::{TempDir, serial};
    use std::sync::{Arc, mpsc};
    use std::time::Duration;

    /// A fake test binary: `TestPass3A` passes, any other test fails; each writes its
    /// timeline where VIS_FILE says, as the tester does with VIS_ENABLE=always.
    const FAKE_TEST: &str = r#"echo "Test (3A): $2 (reliable network)..."
echo "<html>" > "$VIS_FILE"
case "$2" in
TestPass3A) echo "  ... Passed --  time  0.1s #peers 3 #RPCs    40 #Ops    0"; echo PASS ;;
*) echo "Fatal: it broke"; echo "--- FAIL: $2 (0.10s)"; echo FAIL; exit 101 ;;
esac"#;

    #[test]
    fn runs_counts_and_saves_failures() {
        let _serial = serial();
        let dir = TempDir::new("stress");
        let bin = dir.script("fake_test", FAKE_TEST);
        let out_dir = dir.path().join("out");
        let cfg = StressConfig {
            tests: vec!["TestPass3A".into(), "TestFail3A".into()],
            iterations: 3,
            workers: 2,
            sequential: false,
            keep_passing: false,
            output: out_dir.clone(),
        };
        let runner = Runner {
            binary: bin,
            timeout: Duration::from_secs(30),
            verbose: None,
            children: Arc::new(Children::default()),
            limits: None,
        };
        let (tx, rx) = mpsc::channel();
        let report = stress(&cfg, &runner, &tx, &rx).unwrap();
        assert!(!report.interrupted);
        assert_eq!((report.runs(), report.failed()), (6, 3));
        assert_eq!(report.tallies[0].mean_rpcs(), Some(40.0));
        assert_eq!(report.tallies[1].failed, 3);
        let mut saved: Vec<String> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        saved.sort();
        // Each failed run's log and timeline; nothing of the passing runs.
        let want: Vec<String> =
            (1..=3).flat_map(|i| [format!("TestFail3A_{i}.html"), format!("TestFail3A_{i}.log")]).collect();
        assert_eq!(saved, want);
        let text = std::fs::read_to_string(out_dir.join("TestFail3A_2.log")).unwrap();
        assert!(text.contains("--- FAIL: TestFail3A"), "{text}");
    }
}
