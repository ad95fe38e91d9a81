//! Threads for RPC handlers: every request gets a thread of its own at once, as Go gives each a
//! goroutine, but finished threads wait a while for the next request instead of exiting, since
//! starting a thread costs more than a whole simulated round trip.

use crossbeam_channel::{Receiver, Sender, unbounded};
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// How long an idle handler thread waits for work before it exits.
const IDLE: Duration = Duration::from_secs(5);

struct Pool {
    /// Idle threads not yet promised a job; a job is sent only to a promised thread.
    idle: Mutex<usize>,
    tx: Sender<Job>,
    rx: Receiver<Job>,
}

static POOL: LazyLock<Pool> = LazyLock::new(|| {
    let (tx, rx) = unbounded();
    Pool { idle: Mutex::new(0), tx, rx }
});

/// Runs `job` on a thread that nothing else is using; an error only if no thread could be
/// started.
pub(crate) fn spawn(job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
    let job: Job = Box::new(job);
    {
        let mut idle = POOL.idle.lock().unwrap_or_else(|p| p.into_inner());
        if *idle > 0 {
            *idle -= 1;
            drop(idle);
            // Cannot fail: the pool holds a receiver for as long as the process lives.
            let _ = POOL.tx.send(job);
            return Ok(());
        }
    }
    std::thread::Builder::new().name("labrpc-handler".into()).spawn(move || worker(job)).map(drop)
}

fn worker(mut job: Job) {
    loop {
        job();
        *POOL.idle.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        job = loop {
            match POOL.rx.recv_timeout(IDLE) {
                Ok(j) => break j,
                Err(_) => {
                    let mut idle = POOL.idle.lock().unwrap_or_else(|p| p.into_inner());
                    // Waiting threads = idle + queued jobs; leave only if one is unpromised.
                    if *idle > 0 {
                        *idle -= 1;
                        return;
                    }
                }
            }
        };
    }
}
