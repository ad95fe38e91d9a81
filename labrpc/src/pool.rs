//! Threads for RPC handlers: every request gets a thread of its own at once, as Go gives each a
//! goroutine, but finished threads wait a while for the next request instead of exiting, since
//! starting a thread costs more than a whole simulated round trip. (A mutex and a condvar,
//! not a channel: a channel's receiver spins and yields before it sleeps, which on two cores
//! costs more than the wake-up it hopes to save.)

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// How long an idle handler thread waits for work before it exits.
const IDLE: Duration = Duration::from_secs(5);

/// Threads waiting = `idle` + `jobs.len()`: a job is queued only for a thread promised to it.
struct Queue {
    /// Waiting threads not yet promised a job.
    idle: usize,
    jobs: VecDeque<Job>,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue { idle: 0, jobs: VecDeque::new() });
static QUEUED: Condvar = Condvar::new();

fn queue() -> MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `job` on a thread that nothing else is using; an error only if no thread could be
/// started.
pub(crate) fn spawn(job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    let job: Job = Box::new(job);
    {
        let mut q = queue();
        if q.idle > 0 {
            q.idle -= 1;
            q.jobs.push_back(job);
            drop(q);
            QUEUED.notify_one();
            return Ok(());
        }
    }
    std::thread::Builder::new().name("labrpc-handler".into()).spawn(move || worker(job)).map(drop)
}

fn worker(mut job: Job) {
    loop {
        job();
        let mut q = queue();
        q.idle += 1;
        job = loop {
            if let Some(j) = q.jobs.pop_front() {
                break j;
            }
            let (guard, waited) = QUEUED.wait_timeout(q, IDLE).unwrap_or_else(|p| p.into_inner());
            q = guard;
            // Leave only if no queued job is left for us to take.
            if waited.timed_out() && q.jobs.is_empty() && q.idle > 0 {
                q.idle -= 1;
                return;
            }
        };
    }
}
