//! kvtest: what every key/value test of the course shares (Go's `kvtest1`): the clerk
//! interface, a [`Test`] over the tester's `Config` with clerks and client threads, the
//! checks on versions and values, and ([`porcupine`](mod@crate::porcupine)) the history of
//! clients' Gets and Puts and its linearizability check.
//!
//! The tests are used for grading: you may change them to help you debug, but test with
//! the original before submitting.

mod porcupine;

pub use crate::porcupine::{OpLog, SavedOp, get, put};

use crossbeam_channel::{Receiver, RecvTimeoutError, bounded};
use rand::RngExt;
use rpc::Tversion;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::collections::HashMap;
use std::ops::Deref;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;
use tester::annotation::{
    annotate_checker_begin, annotate_checker_failure, annotate_checker_success, annotate_info,
    annotate_two_partitions,
};
use tester::{Clnt, Config, Tgid, fatalf};

/// The tester generously allows solutions to complete elections in one second (much more
/// than the paper's range of timeouts).
pub const ELECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// `n` random letters (Go's `kvtest.RandValue`).
pub fn rand_value(n: usize) -> String {
    const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..n).map(|_| LETTERS[rng.random_range(0..LETTERS.len())] as char).collect()
}

/// A key/value clerk, as the tests see it (Go's `IKVClerk`).
pub trait IKVClerk: Send + Sync {
    /// The key's value and version, or `ErrNoKey`.
    fn get(&self, key: &str) -> (String, Tversion, rpc::Err);
    /// Installs `value` if the key's version is `version` (0 for a new key).
    fn put(&self, key: &str, value: &str, version: Tversion) -> rpc::Err;
}

/// A clerk and the tester's client under it (Go's `TestClerk`), so that a test can cut the
/// clerk off from servers.
pub struct TestClerk {
    /// The student's clerk.
    pub ck: Box<dyn IKVClerk>,
    /// The client its RPCs go through.
    pub clnt: Arc<Clnt>,
}

impl IKVClerk for TestClerk {
    fn get(&self, key: &str) -> (String, Tversion, rpc::Err) {
        self.ck.get(key)
    }
    fn put(&self, key: &str, value: &str, version: Tversion) -> rpc::Err {
        self.ck.put(key, value, version)
    }
}

/// Makes and deletes a lab's clerks (Go's `IClerkMaker`).
pub trait IClerkMaker: Send + Sync {
    /// A new clerk with a client of its own.
    fn make_clerk(&self) -> TestClerk;
    /// Deletes the clerk's client.
    fn delete_clerk(&self, ck: &TestClerk);
}

/// What one client thread did: Puts known to have happened, and Puts that may have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClntRes {
    /// Puts that returned OK.
    pub nok: i64,
    /// Puts that returned ErrMaybe.
    pub nmaybe: i64,
}

impl ClntRes {
    /// As Go's `%v` prints a `*ClntRes`: `&{5 3}`.
    fn go(&self) -> String {
        format!("&{{{} {}}}", self.nok, self.nmaybe)
    }
}

/// The signal to stop that client threads poll between operations (Go's `done` channel):
/// the spawner hands one to each client, and waits until a client takes it.
pub struct Done(Receiver<()>);

impl Done {
    /// Whether this client is told to stop now (Go's `case <-done:`).
    pub fn is_done(&self) -> bool {
        self.0.try_recv().is_ok()
    }
}

/// The JSON value `one_put` writes: `{"Id":3,"V":7}` (Go's `EntryV`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryV {
    /// The client that wrote it.
    #[serde(rename = "Id")]
    pub id: i64,
    /// The version it was written at.
    #[serde(rename = "V")]
    pub v: Tversion,
}

/// An element of the list `one_client_append` builds: `{"Id":3,"N":7}` (Go's `EntryN`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryN {
    /// The client that appended it.
    #[serde(rename = "Id")]
    pub id: i64,
    /// The client's iteration.
    #[serde(rename = "N")]
    pub n: i64,
}

/// A key/value test: the tester's `Config` (reachable through `Deref`, as Go embeds
/// `*tester.Config`), its clerk maker and the history of clients' operations (Go's
/// `kvtest.Test`). Dropping it is Go's `defer ts.Cleanup()`.
pub struct Test {
    cfg: Arc<Config>,
    oplog: OpLog,
    mck: Arc<dyn IClerkMaker>,
    randomkeys: bool,
    cleaned: AtomicBool,
}

impl Deref for Test {
    type Target = Config;
    fn deref(&self) -> &Config {
        &self.cfg
    }
}

impl Drop for Test {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// A test on `cfg` whose clerks `mck` makes; `randomkeys` makes `one_client_put` pick
/// among its keys at random (Go's `MakeTest`).
pub fn make_test(cfg: Arc<Config>, randomkeys: bool, mck: Arc<dyn IClerkMaker>) -> Test {
    Test { cfg, oplog: OpLog::default(), mck, randomkeys, cleaned: AtomicBool::new(false) }
}

/// `n` keys: `k0`, `k1`, ... (Go's `MakeKeys`).
pub fn make_keys(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("k{i}")).collect()
}

impl Test {
    /// The tester's config.
    pub fn config(&self) -> &Arc<Config> {
        &self.cfg
    }

    /// Prints the Passed line (unless the test failed) and tears the test down (Go's
    /// `Cleanup`); the drop does it, once.
    pub fn cleanup(&self) {
        if self.cleaned.swap(true, Ordering::SeqCst) {
            return;
        }
        self.cfg.end();
        self.cfg.cleanup();
    }

    /// Lets each client reach every server again (Go's `ConnectClnts`).
    pub fn connect_clnts(&self, clnts: &[Arc<Clnt>]) {
        for c in clnts {
            c.connect_all();
        }
    }

    /// A new clerk (Go's `MakeClerk`).
    pub fn make_clerk(&self) -> TestClerk {
        self.mck.make_clerk()
    }

    /// Deletes a clerk's client (Go's `DeleteClerk`).
    pub fn delete_clerk(&self, ck: &TestClerk) {
        self.mck.delete_clerk(ck)
    }

    /// Puts until a Put is known or may be known to have happened, moving on to the next
    /// version after each ErrMaybe or ErrVersion; returns the version after it. Assumes
    /// that different clerks put to different keys (Go's `PutAtLeastOnce`).
    #[track_caller]
    pub fn put_at_least_once(
        &self,
        ck: &dyn IKVClerk,
        key: &str,
        value: &str,
        ver: Tversion,
        me: i64,
    ) -> Tversion {
        let ver_prev = ver;
        let mut ver = ver;
        loop {
            let err = self.put(ck, key, value, ver, me);
            if err == rpc::OK {
                ver += 1;
                break;
            }
            if err == rpc::ErrMaybe || err == rpc::ErrVersion {
                ver += 1;
            } else if ver != 0 {
                // Go retries when a Put of version 0 fails otherwise.
                fatalf(&format!("Put {key} ver {ver} err {err}"));
            }
        }
        annotate_info(&format!("Put({key}, {value}) completes"), &format!("version: {ver_prev} -> {ver}"));
        ver
    }

    /// Gets `key` (as client 0) and fails the test unless it is (`value`, `version`).
    #[track_caller]
    pub fn check_get(&self, ck: &dyn IKVClerk, key: &str, value: &str, version: Tversion) {
        annotate_checker_begin(&format!("checking Get({key}) = ({value}, {version})"));
        let (val, ver, err) = self.get(ck, key, 0);
        if err != rpc::OK {
            let text = format!("Get({key}) returns error = {err}");
            annotate_checker_failure(&text, &text);
            fatalf(&text);
        }
        if val != value || ver != version {
            let text = format!("Get({key}) returns ({val}, {ver}) != ({value}, {version})");
            annotate_checker_failure(&text, &text);
            fatalf(&text);
        }
        let text = format!("Get({key}) returns ({val}, {ver}) as expected");
        annotate_checker_success(&text, "OK");
    }

    /// Adds the clients' results `rs` to `res` and checks the key's version against them:
    /// equal to the OK Puts on a reliable network, at most the OK and maybe Puts otherwise
    /// (Go's `CheckPutConcurrent`).
    #[track_caller]
    pub fn check_put_concurrent(
        &self,
        ck: &dyn IKVClerk,
        key: &str,
        rs: &[ClntRes],
        res: &mut ClntRes,
        reliable: bool,
    ) {
        let mut e = EntryV::default();
        let ver0 = self.get_json(ck, key, -1, &mut e);
        for r in rs {
            res.nok += r.nok;
            res.nmaybe += r.nmaybe;
        }
        if reliable {
            if ver0 != res.nok as Tversion {
                fatalf(&format!("Reliable: Wrong number of puts: server {ver0} clnts {}", res.go()));
            }
        } else if ver0 > (res.nok + res.nmaybe) as Tversion {
            fatalf(&format!("Unreliable: Wrong number of puts: server {ver0} clnts {}", res.go()));
        }
    }

    /// Runs `nclnt` clients, each on a thread with a clerk of its own, for `t`; then tells
    /// them to stop, one at a time as each comes to look (a client stuck in an operation
    /// holds the test up, as in Go), and returns their results in client order (Go's
    /// `SpawnClientsAndWait`).
    ///
    /// Beyond Go: a client whose check fails fails the test once the others have stopped,
    /// with its message; in Go such a test hangs. (A panic in a client ends the run at once,
    /// as in Go.)
    pub fn spawn_clients_and_wait<F>(&self, nclnt: usize, t: Duration, f: F) -> Vec<ClntRes>
    where
        F: Fn(usize, &TestClerk, &Done) -> ClntRes + Sync,
    {
        let (tx, rx) = bounded::<()>(0);
        let outcomes: Vec<Result<ClntRes, Box<dyn Any + Send>>> = thread::scope(|s| {
            let clients: Vec<_> = (0..nclnt)
                .map(|cli| {
                    let (f, done) = (&f, Done(rx.clone()));
                    s.spawn(move || {
                        let ck = self.mck.make_clerk();
                        let v = panic::catch_unwind(AssertUnwindSafe(|| f(cli, &ck, &done)));
                        if v.is_err() {
                            // Take this client's stop signal, so the spawner does not wait
                            // for it for ever.
                            let _ = done.0.recv();
                        }
                        self.mck.delete_clerk(&ck);
                        v
                    })
                })
                .collect();
            thread::sleep(t);
            for _ in 0..nclnt {
                if tx.send(()).is_err() {
                    break;
                }
            }
            clients.into_iter().map(|c| c.join().unwrap_or_else(Err)).collect()
        });
        let mut rs = Vec::with_capacity(nclnt);
        for outcome in outcomes {
            match outcome {
                Ok(r) => rs.push(r),
                Err(p) => panic::resume_unwind(p),
            }
        }
        rs
    }

    /// Gets `key` (as client `me`), fails the test unless OK, and reads its JSON into `v`;
    /// returns its version (Go's `GetJson`).
    #[track_caller]
    pub fn get_json<T: DeserializeOwned>(
        &self,
        ck: &dyn IKVClerk,
        key: &str,
        me: i64,
        v: &mut T,
    ) -> Tversion {
        let (val, ver, err) = get(&self.cfg, ck, key, Some(&self.oplog), me);
        if err != rpc::OK {
            fatalf(&format!("{me}: Get {key:?} err {err}"));
        }
        match serde_json::from_str(&val) {
            Ok(x) => *v = x,
            // Go's message prints the version, not the error.
            Err(_) => fatalf(&format!("Unmarshal err {ver}")),
        }
        ver
    }

    /// Puts `v` as JSON (as client `me`) at version `ver` (Go's `PutJson`).
    #[track_caller]
    pub fn put_json<T: Serialize>(
        &self,
        ck: &dyn IKVClerk,
        key: &str,
        v: &T,
        ver: Tversion,
        me: i64,
    ) -> rpc::Err {
        let b = match serde_json::to_string(v) {
            Ok(b) => b,
            Err(e) => fatalf(&format!("{me}: marshal {e}")),
        };
        put(&self.cfg, ck, key, &b, ver, Some(&self.oplog), me)
    }

    /// Puts `value` as JSON until the result is not ErrMaybe (Go's `PutAtLeastOnceJson`,
    /// which no test uses; like Go's, it always puts at version 0).
    #[track_caller]
    pub fn put_at_least_once_json<T: Serialize>(
        &self,
        ck: &dyn IKVClerk,
        key: &str,
        value: &T,
        ver: Tversion,
        me: i64,
    ) -> Tversion {
        let mut ver = ver;
        while self.put_json(ck, key, value, 0, me) == rpc::ErrMaybe {
            ver += 1;
        }
        ver
    }

    /// Puts `{me, ver}` at version `ver` until a Put happens or may have, while others put
    /// to the same key; returns the key's version after it and whether it was OK (Go's
    /// `OnePut`).
    #[track_caller]
    pub fn one_put(&self, me: i64, ck: &dyn IKVClerk, key: &str, ver: Tversion) -> (Tversion, bool) {
        let mut ver = ver;
        loop {
            let err = self.put_json(ck, key, &EntryV { id: me, v: ver }, ver, me);
            if !(err == rpc::OK || err == rpc::ErrVersion || err == rpc::ErrMaybe) {
                fatalf(&format!("Wrong error {err}"));
            }
            let mut e = EntryV::default();
            let ver0 = self.get_json(ck, key, me, &mut e);
            // Go's check says `&&` where `||` was probably meant, so it rarely fires;
            // kept as Go has it.
            if err == rpc::OK && ver0 == ver + 1 && e.id != me && e.v != ver {
                fatalf(&format!("Wrong value {{{} {}}}", e.id, e.v));
            }
            ver = ver0;
            if err == rpc::OK || err == rpc::ErrMaybe {
                return (ver, err == rpc::OK);
            }
        }
    }

    /// Splits group `gid`'s servers in two at random, again and again, until told to stop
    /// on `stop`; then answers on `stop`'s partner (Go's `Partitioner`, which answers on
    /// the channel it was told on). Each split lasts 1 s plus up to 199 ms.
    pub fn partitioner(&self, gid: Tgid, stop: &Receiver<()>, stopped: &crossbeam_channel::Sender<()>) {
        let g = self.group(gid);
        let mut rng = rand::rng();
        loop {
            let n = g.n();
            let side: Vec<usize> = (0..n).map(|_| rng.random_range(0..2)).collect();
            let pa: [Vec<usize>; 2] = [0, 1].map(|s| (0..n).filter(|&j| side[j] == s).collect());
            g.partition(&pa[0], &pa[1]);
            annotate_two_partitions(&pa[0], &pa[1]);
            let pause = ELECTION_TIMEOUT + Duration::from_millis(rng.random_range(0..200));
            // Go looks at the channel only between splits.
            thread::sleep(pause);
            match stop.recv_timeout(Duration::ZERO) {
                Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
        let _ = stopped.send(());
    }

    /// One of perhaps many clients doing `one_put`s on the keys `ka` until told to stop
    /// (Go's `OneClientPut`).
    #[track_caller]
    pub fn one_client_put(&self, cli: usize, ck: &dyn IKVClerk, ka: &[String], done: &Done) -> ClntRes {
        let mut res = ClntRes::default();
        let mut verm: HashMap<&str, Tversion> = ka.iter().map(|k| (k.as_str(), 0)).collect();
        let mut rng = rand::rng();
        while !done.is_done() {
            let k = if self.randomkeys { &ka[rng.random_range(0..ka.len())] } else { &ka[0] };
            let (ver, ok) = self.one_put(cli as i64, ck, k, verm[k.as_str()]);
            verm.insert(k, ver);
            if ok {
                res.nok += 1;
            } else {
                res.nmaybe += 1;
            }
        }
        res
    }

    /// Puts `n` keys with random values of `valsz` bytes, then checks them (Go's
    /// `SpreadPutsSize`, for Lab 5).
    #[track_caller]
    pub fn spread_puts_size(&self, ck: &dyn IKVClerk, n: usize, valsz: usize) -> (Vec<String>, Vec<String>) {
        let ka = make_keys(n);
        let va: Vec<String> = (0..n).map(|_| tester::randstring(valsz)).collect();
        for (k, v) in ka.iter().zip(&va) {
            ck.put(k, v, 0);
        }
        for (k, v) in ka.iter().zip(&va) {
            self.check_get(ck, k, v, 1);
        }
        (ka, va)
    }

    /// `spread_puts_size` with 20-byte values (Go's `SpreadPuts`).
    #[track_caller]
    pub fn spread_puts(&self, ck: &dyn IKVClerk, n: usize) -> (Vec<String>, Vec<String>) {
        self.spread_puts_size(ck, n, 20)
    }

    /// Appends (me, i) to the list at key "k" by a Get and a versioned Put, for i = 0, 1,
    /// ... until told to stop (Go's `OneClientAppend`, for Lab 5).
    #[track_caller]
    pub fn one_client_append(&self, me: i64, ck: &dyn IKVClerk, done: &Done) -> ClntRes {
        let (mut nok, mut nmaybe) = (0, 0);
        let mut i = 0;
        while !done.is_done() {
            loop {
                let mut es: Vec<EntryN> = Vec::new();
                let ver = self.get_json(ck, "k", me, &mut es);
                es.push(EntryN { id: me, n: i });
                match self.put_json(ck, "k", &es, ver, me) {
                    rpc::OK => {
                        nok += 1;
                        break;
                    }
                    rpc::ErrMaybe => {
                        nmaybe += 1;
                        break;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        ClntRes { nok, nmaybe }
    }

    /// Checks the list `one_client_append`s built against the clients' results (Go's
    /// `CheckAppends`).
    #[track_caller]
    pub fn check_appends(&self, es: &[EntryN], nclnt: usize, rs: &[ClntRes], ver: Tversion) {
        let mut expect: HashMap<i64, i64> = (0..nclnt as i64).map(|i| (i, 0)).collect();
        let mut skipped: HashMap<i64, i64> = (0..nclnt as i64).map(|i| (i, 0)).collect();
        for e in es {
            let want = *expect.entry(e.id).or_default();
            if want > e.n {
                fatalf(&format!("{}: wrong expecting {want} but got {}", e.id, e.n));
            } else if want == e.n {
                expect.insert(e.id, want + 1);
            } else {
                expect.insert(e.id, e.n + 1);
                *skipped.entry(e.id).or_default() += e.n - want;
            }
        }
        if es.len() + 1 != ver as usize {
            fatalf(&format!("{} appends in val != puts on server {ver}", es.len()));
        }
        let mut clients: Vec<_> = expect.into_iter().collect();
        clients.sort_unstable();
        for (c, n) in clients {
            let r = rs.get(c as usize).copied().unwrap_or_default();
            let s = skipped.get(&c).copied().unwrap_or(0);
            if s > r.nmaybe {
                fatalf(&format!("{c}: skipped puts {s} on server > {} maybe", r.nmaybe));
            }
            if n > r.nok + r.nmaybe {
                fatalf(&format!("{c}: {n} puts on server > ok+maybe {}", r.nok + r.nmaybe));
            }
        }
    }
}
