//! Live progress of a stress run: an overall bar with ETA, and a line per test with its
//! pass/fail counts (on stderr, drawn only when it is a terminal).

use super::tally::Tally;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::time::Duration;

/// The bars of a stress run.
pub struct Progress {
    multi: MultiProgress,
    overall: ProgressBar,
    tests: Vec<ProgressBar>,
}

impl Progress {
    /// Bars for `names`, each to run `iterations` times.
    pub fn new(names: &[String], iterations: usize) -> Self {
        let multi = MultiProgress::new();
        let total = (names.len() * iterations) as u64;
        let overall = multi.add(
            ProgressBar::new(total)
                .with_style(style("{spinner} [{elapsed_precise}] [{wide_bar}] {pos}/{len} runs, ETA {eta}")),
        );
        overall.enable_steady_tick(Duration::from_millis(250));
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0);
        let line = format!("  {{prefix:{width}}} [{{bar:20}}] {{pos:>3}}/{{len}}  {{msg}}");
        let tests = names
            .iter()
            .map(|name| {
                let bar = multi.add(ProgressBar::new(iterations as u64).with_style(style(&line)));
                bar.set_prefix(name.clone());
                bar
            })
            .collect();
        Progress { multi, overall, tests }
    }

    /// Shows test `index`'s counts; `ended` says a run of it just ended.
    pub fn update(&self, index: usize, tally: &Tally, ended: bool) {
        let bar = &self.tests[index];
        bar.set_position(tally.runs as u64);
        bar.set_message(format!(
            "{} passed, {} failed, {} running",
            tally.runs - tally.failed,
            tally.failed,
            tally.running
        ));
        if ended {
            self.overall.inc(1);
        }
    }

    /// Prints a line above the bars (on stdout, whether or not bars are drawn).
    pub fn println(&self, line: &str) {
        self.multi.suspend(|| println!("{line}"));
    }

    /// Removes the bars.
    pub fn finish(&self) {
        let _ = self.multi.clear();
        self.multi.set_draw_target(ProgressDrawTarget::hidden());
        for bar in self.tests.iter().chain([&self.overall]) {
            bar.finish_and_clear();
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).expect("a valid template").progress_chars("=> ")
}
