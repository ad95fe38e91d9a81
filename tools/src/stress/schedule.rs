//! The order of a stress run's test runs, and how many run at once.

use std::collections::VecDeque;

/// One run to do: a test (its index) and which iteration of it (from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Job {
    /// Index of the test in the run's test list.
    pub test: usize,
    /// Iteration number, from 1.
    pub iteration: usize,
}

/// Hands out runs, at most `workers` at once: round-robin over the tests, or (sequential)
/// all of one test's runs, finished, before the next test's.
#[derive(Debug)]
pub struct Scheduler {
    queue: VecDeque<Job>,
    workers: usize,
    sequential: bool,
    running: Vec<Job>,
}

impl Scheduler {
    /// Plans `iterations` runs of each of `tests` tests.
    pub fn new(tests: usize, iterations: usize, workers: usize, sequential: bool) -> Self {
        let queue = if sequential {
            (0..tests)
                .flat_map(|test| (1..=iterations).map(move |iteration| Job { test, iteration }))
                .collect()
        } else {
            (1..=iterations)
                .flat_map(|iteration| (0..tests).map(move |test| Job { test, iteration }))
                .collect()
        };
        Scheduler { queue, workers: workers.max(1), sequential, running: Vec::new() }
    }

    /// The next run to start now, if one may start.
    pub fn start_next(&mut self) -> Option<Job> {
        if self.running.len() >= self.workers {
            return None;
        }
        let job = *self.queue.front()?;
        if self.sequential && self.running.iter().any(|r| r.test != job.test) {
            return None;
        }
        self.queue.pop_front();
        self.running.push(job);
        Some(job)
    }

    /// Records that `job` ended.
    pub fn finished(&mut self, job: Job) {
        self.running.retain(|r| *r != job);
    }

    /// Drops the runs not yet started.
    pub fn cancel(&mut self) {
        self.queue.clear();
    }

    /// Whether every run started has ended and none is left to start.
    pub fn is_done(&self) -> bool {
        self.queue.is_empty() && self.running.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(test: usize, iteration: usize) -> Job {
        Job { test, iteration }
    }

    fn drain(s: &mut Scheduler) -> Vec<Job> {
        std::iter::from_fn(|| s.start_next()).collect()
    }

    #[test]
    fn round_robin_with_a_worker_limit() {
        let mut s = Scheduler::new(2, 2, 3, false);
        assert_eq!(drain(&mut s), vec![job(0, 1), job(1, 1), job(0, 2)]);
        s.finished(job(1, 1));
        assert_eq!(drain(&mut s), vec![job(1, 2)]);
        for j in [job(0, 1), job(0, 2), job(1, 2)] {
            assert!(!s.is_done());
            s.finished(j);
        }
        assert!(s.is_done());
    }

    #[test]
    fn sequential_finishes_a_test_before_the_next() {
        let mut s = Scheduler::new(2, 2, 4, true);
        assert_eq!(drain(&mut s), vec![job(0, 1), job(0, 2)]);
        s.finished(job(0, 2));
        assert_eq!(s.start_next(), None, "test 0 still running");
        s.finished(job(0, 1));
        assert_eq!(drain(&mut s), vec![job(1, 1), job(1, 2)]);
    }

    #[test]
    fn cancel_leaves_only_the_running() {
        let mut s = Scheduler::new(3, 3, 1, false);
        let j = s.start_next().unwrap();
        s.cancel();
        assert_eq!(s.start_next(), None);
        assert!(!s.is_done());
        s.finished(j);
        assert!(s.is_done());
    }
}
