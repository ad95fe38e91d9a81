//! The simulated network: ends, servers, and what happens to each call on its way.

use crate::service::Server;
use rand::RngExt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Largest random delay of an unreliable network, exclusive (Go's `SHORTDELAY`), in ms.
pub const SHORTDELAY: u64 = 27;
/// Largest simulated timeout of a call to a dead server with long delays on (`LONGDELAY`), ms.
pub const LONGDELAY: u64 = 7000;

/// How often a waiting call checks whether its server died, as in Go.
const DEAD_CHECK: Duration = Duration::from_millis(100);

struct State {
    reliable: bool,
    long_delays: bool,
    long_reordering: bool,
    /// End name to whether it is enabled (present for every live end).
    enabled: HashMap<String, bool>,
    /// Server name to server; `None` after `delete_server`.
    servers: HashMap<String, Option<Arc<Server>>>,
    /// End name to the server name it is connected to.
    connections: HashMap<String, String>,
}

struct Inner {
    state: Mutex<State>,
    count: AtomicI64,
    bytes: AtomicI64,
    /// Set by `cleanup`, which wakes every sleeper on `done_cond`.
    done: Mutex<bool>,
    done_cond: Condvar,
}

impl Inner {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn is_done(&self) -> bool {
        *self.done.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sleeps for `ms` milliseconds, or less if the network is cleaned up; true if it was.
    fn sleep(&self, ms: u64) -> bool {
        let done = self.done.lock().unwrap_or_else(|p| p.into_inner());
        let woken = self.done_cond.wait_timeout_while(done, Duration::from_millis(ms), |done| !*done);
        *woken.unwrap_or_else(|p| p.into_inner()).0
    }

    /// Whether the call's server is gone: its end disabled, or the server deleted or replaced.
    /// Whether `end` is cut off, or `server` is no longer the one under `server_name`.
    fn is_dead(&self, end: &str, server_name: &str, server: &Arc<Server>) -> bool {
        let st = self.lock();
        let enabled = st.enabled.get(end).copied().unwrap_or(false);
        let same = matches!(st.servers.get(server_name), Some(Some(s)) if Arc::ptr_eq(s, server));
        !enabled || !same
    }
}

/// A simulated network of client ends and servers, like Go's `labrpc.Network`.
#[derive(Clone)]
pub struct Network(Arc<Inner>);

impl Default for Network {
    fn default() -> Self {
        Network::new()
    }
}

impl Network {
    /// A reliable network with no ends or servers (Go's `MakeNetwork`).
    pub fn new() -> Network {
        let state = State {
            reliable: true,
            long_delays: false,
            long_reordering: false,
            enabled: HashMap::new(),
            servers: HashMap::new(),
            connections: HashMap::new(),
        };
        Network(Arc::new(Inner {
            state: Mutex::new(state),
            count: AtomicI64::new(0),
            bytes: AtomicI64::new(0),
            done: Mutex::new(false),
            done_cond: Condvar::new(),
        }))
    }

    /// Shuts the network down: later calls, and calls still waiting out a delay, return false.
    pub fn cleanup(&self) {
        *self.0.done.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.0.done_cond.notify_all();
        // Servers hold their services (a Raft peer holds its ends to this network): drop
        // them, so that a finished test's state does not live on until the process exits.
        self.0.lock().servers.clear();
    }

    /// Sets whether the network is reliable (no drops, no extra delay).
    pub fn reliable(&self, yes: bool) {
        self.0.lock().reliable = yes;
    }

    /// Whether the network is reliable.
    pub fn is_reliable(&self) -> bool {
        self.0.lock().reliable
    }

    /// Sets whether replies may be delayed long enough to reorder them.
    pub fn long_reordering(&self, yes: bool) {
        self.0.lock().long_reordering = yes;
    }

    /// Whether long reordering is on.
    pub fn is_long_reordering(&self) -> bool {
        self.0.lock().long_reordering
    }

    /// Sets whether a call to a dead server takes up to 7 s (else up to 100 ms) to fail.
    pub fn long_delays(&self, yes: bool) {
        self.0.lock().long_delays = yes;
    }

    /// Whether long delays are on.
    pub fn is_long_delays(&self) -> bool {
        self.0.lock().long_delays
    }

    /// Creates a disabled, unconnected client end; the name must be new.
    #[track_caller]
    pub fn make_end(&self, name: &str) -> ClientEnd {
        let mut st = self.0.lock();
        if st.enabled.contains_key(name) {
            panic!("MakeEnd: {name} already exists");
        }
        st.enabled.insert(name.to_string(), false);
        ClientEnd { name: name.to_string(), net: self.0.clone() }
    }

    /// Removes an end; calls through it then fail as if it were disabled.
    #[track_caller]
    pub fn delete_end(&self, name: &str) {
        let mut st = self.0.lock();
        if st.enabled.remove(name).is_none() {
            panic!("MakeEnd: {name} doesn't exists");
        }
        st.connections.remove(name);
    }

    /// Adds a server under `name`, replacing any previous one.
    pub fn add_server(&self, name: &str, server: Server) {
        self.0.lock().servers.insert(name.to_string(), Some(Arc::new(server)));
    }

    /// Deletes a server: calls in flight to it and later calls fail.
    pub fn delete_server(&self, name: &str) {
        self.0.lock().servers.insert(name.to_string(), None);
    }

    /// Connects an end to a server name (for the end's lifetime).
    pub fn connect(&self, end: &str, server: &str) {
        self.0.lock().connections.insert(end.to_string(), server.to_string());
    }

    /// Enables or disables an end.
    pub fn enable(&self, end: &str, enabled: bool) {
        if let Some(e) = self.0.lock().enabled.get_mut(end) {
            *e = enabled;
        }
    }

    /// RPCs dispatched to the server now registered under `name`.
    #[track_caller]
    pub fn get_count(&self, name: &str) -> usize {
        match self.0.lock().servers.get(name) {
            Some(Some(s)) => s.get_count(),
            _ => panic!("labrpc: GetCount of {name}, which is not a live server"),
        }
    }

    /// Every call made on this network, including failed and dropped ones.
    pub fn get_total_count(&self) -> i64 {
        self.0.count.load(Ordering::SeqCst)
    }

    /// Bytes of every call's arguments plus every delivered reply.
    pub fn get_total_bytes(&self) -> i64 {
        self.0.bytes.load(Ordering::SeqCst)
    }
}

/// One peer's end of a connection to a server, like Go's `*labrpc.ClientEnd`.
#[derive(Clone)]
pub struct ClientEnd {
    name: String,
    net: Arc<Inner>,
}

impl std::fmt::Debug for ClientEnd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientEnd({})", self.name)
    }
}

impl ClientEnd {
    /// The end's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sends an RPC and waits for the reply, like Go's `Call`: true if a reply arrived (and
    /// was decoded into `reply`), false if the server is dead or unreachable or the request
    /// or reply was lost. Always returns eventually, unless the handler never returns.
    pub fn call<A: Serialize, R: DeserializeOwned>(&self, svc_meth: &str, args: &A, reply: &mut R) -> bool {
        let args = labgob::encode(args).unwrap_or_else(|e| {
            crate::fatal(&format!("labrpc: {svc_meth}: cannot encode the arguments: {e}"))
        });
        let net = &self.net;
        if net.is_done() {
            return false;
        }
        net.count.fetch_add(1, Ordering::SeqCst);
        net.bytes.fetch_add(args.len() as i64, Ordering::SeqCst);
        let Some(bytes) = self.deliver(svc_meth, args) else {
            return false;
        };
        match labgob::decode(&bytes) {
            Ok(r) => *reply = r,
            Err(e) => crate::fatal(&format!(
                "labrpc: {svc_meth}: the reply does not decode as the caller's reply type: {e}"
            )),
        }
        true
    }

    /// Carries one request through the network, as Go's `processReq` does; the reply bytes,
    /// or `None` if the call fails.
    fn deliver(&self, svc_meth: &str, args: Vec<u8>) -> Option<Vec<u8>> {
        let net = &self.net;
        let slot = Arc::new(Slot::default());
        let (enabled, server_name, server, reliable, reordering, long_delays) = {
            let st = net.lock();
            let enabled = st.enabled.get(&self.name).copied().unwrap_or(false);
            let name = st.connections.get(&self.name).cloned();
            let server = name.as_ref().and_then(|n| st.servers.get(n).cloned().flatten());
            (enabled, name, server, st.reliable, st.long_reordering, st.long_delays)
        };
        let mut rng = rand::rng();
        let (Some(server_name), Some(server), true) = (server_name, server, enabled) else {
            // Simulate no reply and an eventual timeout.
            let ms = if long_delays { rng.random_range(0..LONGDELAY) } else { rng.random_range(0..100) };
            net.sleep(ms);
            return None;
        };
        if !reliable {
            // Short delay, then perhaps drop the request.
            net.sleep(rng.random_range(0..SHORTDELAY));
            if rng.random_range(0..1000) < 100 {
                return None;
            }
        }
        // Run the handler on its own thread, so a dead server can be noticed meanwhile.
        let (sm, srv, filler) = (svc_meth.to_string(), server.clone(), Filler(Some(slot.clone())));
        let started = crate::pool::spawn(move || {
            // A handler that panics ends the run, as a panicking goroutine does in Go;
            // otherwise its caller would wait on for a reply that never comes.
            let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| srv.dispatch(&sm, &args)));
            match reply {
                Ok(r) => filler.fill(r),
                Err(_) => crate::fatal(&format!("labrpc: the handler of {sm} panicked (see above)")),
            }
        });
        if started.is_err() {
            // No thread to run the handler on: the request is lost, as on a lossy network.
            return None;
        }
        // As in Go, look every 100 ms (not at once) whether the end was cut off or the
        // server deleted meanwhile: a call fails 0–100 ms after the cut, and a cut healed
        // before the next look goes unnoticed.
        let reply = loop {
            if let Some(r) = slot.take_within(DEAD_CHECK) {
                break r;
            }
            if net.is_dead(&self.name, &server_name, &server) {
                break None;
            }
        };
        // A server that died while its handler ran sends no reply.
        let reply = reply.filter(|_| !net.is_dead(&self.name, &server_name, &server))?;
        if !reliable && rng.random_range(0..1000) < 100 {
            return None; // drop the reply
        }
        if reordering && rng.random_range(0..900) < 600 {
            // Delay the reply so that it may arrive after later ones.
            let upper = rng.random_range(0..2000u64);
            let extra = rng.random_range(0..=upper);
            if net.sleep(200 + extra) {
                return None;
            }
        }
        net.bytes.fetch_add(reply.len() as i64, Ordering::SeqCst);
        Some(reply)
    }
}

/// Where a handler leaves its reply for the waiting caller: `Some(None)` if the handler's
/// job went away without one.
#[derive(Default)]
struct Slot {
    reply: Mutex<Option<Option<Vec<u8>>>>,
    filled: Condvar,
}

impl Slot {
    fn put(&self, reply: Option<Vec<u8>>) {
        *self.reply.lock().unwrap_or_else(|p| p.into_inner()) = Some(reply);
        self.filled.notify_one();
    }

    /// What the handler left, if it does so within `wait`.
    fn take_within(&self, wait: Duration) -> Option<Option<Vec<u8>>> {
        let deadline = Instant::now() + wait;
        let mut reply = self.reply.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(r) = reply.take() {
                return Some(r);
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            reply = self.filled.wait_timeout(reply, left).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

/// The handler's side of a `Slot`: dropped unfilled, it leaves "no reply", so that its
/// caller never waits for a job that will not run.
struct Filler(Option<Arc<Slot>>);

impl Filler {
    fn fill(mut self, reply: Vec<u8>) {
        if let Some(slot) = self.0.take() {
            slot.put(Some(reply));
        }
    }
}

impl Drop for Filler {
    fn drop(&mut self) {
        if let Some(slot) = self.0.take() {
            slot.put(None);
        }
    }
}
