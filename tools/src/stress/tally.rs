//! Per-test results of a stress run, and their table.

use crate::stats::mean_std;
use crate::table::{Align, Table};

/// One test's results so far.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The test's name.
    pub name: String,
    /// Runs ended (interrupted ones not counted).
    pub runs: usize,
    /// Runs that failed.
    pub failed: usize,
    /// Runs under way.
    pub running: usize,
    walls: Vec<f64>,
    rpcs: Vec<u64>,
}

impl Tally {
    /// An empty tally for `name`.
    pub fn new(name: &str) -> Self {
        Tally { name: name.to_string(), ..Tally::default() }
    }

    /// Counts an ended run: whether it passed, its wall time, the RPCs of its Passed line.
    pub fn record(&mut self, passed: bool, wall_secs: f64, rpcs: Option<u64>) {
        self.runs += 1;
        self.failed += usize::from(!passed);
        self.walls.push(wall_secs);
        self.rpcs.extend(rpcs);
    }

    /// Mean and standard deviation of the wall times.
    pub fn wall(&self) -> Option<(f64, f64)> {
        mean_std(&self.walls)
    }

    /// Mean RPC count over the Passed lines seen.
    pub fn mean_rpcs(&self) -> Option<f64> {
        let rpcs: Vec<f64> = self.rpcs.iter().map(|&r| r as f64).collect();
        mean_std(&rpcs).map(|(m, _)| m)
    }
}

/// The summary table: failed/total, wall time, mean RPCs per test.
pub fn table(tallies: &[Tally]) -> Table {
    let mut t = Table::new(&[
        ("Test", Align::Left),
        ("Failed", Align::Right),
        ("Time (s)", Align::Right),
        ("#RPCs", Align::Right),
    ]);
    for tally in tallies {
        t.row(vec![
            tally.name.clone(),
            format!("{}/{}", tally.failed, tally.runs),
            tally.wall().map_or("-".into(), |(m, s)| format!("{m:.2} ± {s:.2}")),
            tally.mean_rpcs().map_or("-".into(), |r| format!("{r:.0}")),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_results() {
        let mut a = Tally::new("TestInitialElection3A");
        a.record(true, 3.0, Some(50));
        a.record(true, 4.0, Some(54));
        a.record(false, 5.0, None);
        let b = Tally::new("TestReElection3A");
        assert_eq!(
            table(&[a, b]).to_string(),
            "Test                   Failed     Time (s)  #RPCs\n\
             TestInitialElection3A     1/3  4.00 ± 1.00     52\n\
             TestReElection3A          0/0            -      -\n"
        );
    }
}
