//! The lock: key `l` holds the id of the client that holds it, or "" when it is free.
//! Clients never crash, so the lock needs no lease.

use kvtest::IKVClerk;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

/// How long a client waits before looking again at a lock someone else holds.
const POLL: Duration = Duration::from_millis(10);

/// A lock kept at one key (Go's `Lock`).
pub struct Lock<'a> {
    ck: &'a dyn IKVClerk,
    /// The key that holds the lock's state.
    l: String,
    /// This client's id, what the key holds while it has the lock.
    me: String,
    /// The key's version since this client took the lock: release puts at it.
    held: AtomicU64,
}

/// A lock at key `l`, used through the clerk `ck` (Go's `MakeLock`).
pub fn make_lock<'a>(ck: &'a dyn IKVClerk, l: &str) -> Lock<'a> {
    Lock { ck, l: l.to_string(), me: kvtest::rand_value(8), held: AtomicU64::new(0) }
}

impl Lock<'_> {
    /// Waits until the lock is free, then takes it.
    pub fn acquire(&self) {
        loop {
            let (val, ver, err) = self.ck.get(&self.l);
            if err == rpc::OK && val == self.me {
                // An earlier Put that said ErrMaybe did happen.
                self.held.store(ver, Ordering::Relaxed);
                return;
            }
            let free = err == rpc::ErrNoKey || (err == rpc::OK && val.is_empty());
            if !free {
                thread::sleep(POLL);
                continue;
            }
            let ver = if err == rpc::ErrNoKey { 0 } else { ver };
            // OK: taken. ErrVersion: someone was faster; look again. ErrMaybe: look
            // again to see whether it is ours.
            if self.ck.put(&self.l, &self.me, ver) == rpc::OK {
                self.held.store(ver + 1, Ordering::Relaxed);
                return;
            }
        }
    }

    /// Frees the lock, which this client holds: a Put at the version it took it at.
    pub fn release(&self) {
        let mut ver = self.held.load(Ordering::Relaxed);
        loop {
            if self.ck.put(&self.l, "", ver) == rpc::OK {
                return;
            }
            // ErrMaybe (or a version that moved on): look whether it is still ours.
            let (val, now, err) = self.ck.get(&self.l);
            if err != rpc::OK || val != self.me {
                // Not ours any more: an earlier Put that said ErrMaybe did free it.
                return;
            }
            ver = now;
        }
    }
}
