//! The history of clients' Gets and Puts and its linearizability check (Go's
//! `kvtest1/porcupine.go`).

use crate::{IKVClerk, Test};
use models::{KvInput, KvModel, KvOutput};
use porcupine::{CheckResult, Operation, Page};
use rpc::Tversion;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::ops::Deref;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tester::annotation::{add_to_page, finalize_annotations, get_annotation_finalized};
use tester::{Config, now_ns, t_fatalf};

/// How long a check may take before it is called Unknown, which passes (Go's
/// `linearizabilityCheckTimeout`).
const LINEARIZABILITY_CHECK_TIMEOUT: Duration = Duration::from_secs(1);

/// The operations recorded so far (Go's `OpLog`).
#[derive(Default)]
pub struct OpLog {
    operations: Mutex<Vec<Operation<KvInput, KvOutput>>>,
    /// Each key once, shared by the operations on it.
    keys: Mutex<HashMap<String, Arc<str>>>,
}

impl OpLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Operation<KvInput, KvOutput>>> {
        self.operations.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many operations there are.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Records one.
    pub fn append(&self, op: Operation<KvInput, KvOutput>) {
        self.lock().push(op);
    }

    /// A copy of them all.
    pub fn read(&self) -> Vec<Operation<KvInput, KvOutput>> {
        self.lock().clone()
    }

    /// Takes them all out, leaving none (put them back with [`OpLog::restore`]): a history
    /// of a few hundred thousand operations is checked without a copy.
    fn take(&self) -> Vec<Operation<KvInput, KvOutput>> {
        std::mem::take(&mut *self.lock())
    }

    /// Puts back operations taken out, before any recorded since.
    fn restore(&self, ops: impl IntoIterator<Item = Operation<KvInput, KvOutput>>) {
        let mut log = self.lock();
        let later = std::mem::take(&mut *log);
        log.extend(ops);
        log.extend(later);
    }

    /// `key`, shared with the operations recorded on it before.
    fn key(&self, key: &str) -> Arc<str> {
        let mut keys = self.keys.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(k) = keys.get(key) {
            return k.clone();
        }
        let k: Arc<str> = Arc::from(key);
        keys.insert(key.to_string(), k.clone());
        k
    }
}

/// `ck.get(key)`, counted as an operation of `cfg` and recorded in `log` (if any) as
/// client `cli`'s, timed on the annotations' clock (Go's `kvtest.Get`).
pub fn get(
    cfg: &Config,
    ck: &dyn IKVClerk,
    key: &str,
    log: Option<&OpLog>,
    cli: i64,
) -> (String, Tversion, rpc::Err) {
    let start = now_ns();
    let (val, ver, err) = ck.get(key);
    let end = now_ns();
    cfg.op();
    if let Some(log) = log {
        log.append(Operation {
            client_id: cli,
            input: KvInput { op: 0, key: log.key(key), ..KvInput::default() },
            call: start,
            output: KvOutput { value: Arc::from(val.as_str()), version: ver, err: err.as_str() },
            ret: end,
        });
    }
    (val, ver, err)
}

/// `ck.put(key, value, version)`, counted and recorded as [`get`] does (Go's `kvtest.Put`).
pub fn put(
    cfg: &Config,
    ck: &dyn IKVClerk,
    key: &str,
    value: &str,
    version: Tversion,
    log: Option<&OpLog>,
    cli: i64,
) -> rpc::Err {
    let start = now_ns();
    let err = ck.put(key, value, version);
    let end = now_ns();
    cfg.op();
    if let Some(log) = log {
        log.append(Operation {
            client_id: cli,
            input: KvInput { op: 1, key: log.key(key), value: Arc::from(value), version },
            call: start,
            // A Put's output carries only its error.
            output: KvOutput { err: err.as_str(), ..KvOutput::default() },
            ret: end,
        });
    }
    err
}

/// Opens `VIS_FILE`, or else a new temporary `porcupine-*.html`, as Go does before it
/// knows whether it will write (so `VIS_ENABLE=never` leaves an empty temporary file, as
/// in Go).
fn open_page_file() -> Result<(File, PathBuf), String> {
    match std::env::var("VIS_FILE").ok().filter(|f| !f.is_empty()) {
        Some(path) => OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map(|f| (f, PathBuf::from(&path)))
            .map_err(|e| format!("info: failed to open visualization file {path} ({e})")),
        // Go prints the (empty) VIS_FILE in this message.
        None => porcupine::create_temp()
            .map_err(|(_, e)| format!("info: failed to open visualization file  ({e})")),
    }
}

/// Writes the page of the checked history, with the test's annotations and peer lanes,
/// into an opened file; prints where, as Go does.
fn write_history_page(
    info: &porcupine::LinearizationInfo<KvInput, KvOutput>,
    end: &str,
    file: File,
    path: PathBuf,
) {
    let mut page = Page::from_info(&KvModel, info);
    let timeline = finalize_annotations(end);
    add_to_page(&timeline, &mut page);
    page.test = if timeline.test.is_empty() { labtest::name().to_string() } else { timeline.test.clone() };
    page.result = end.to_string();
    let mut file = file;
    match file.write_all(page.to_html().as_bytes()).and_then(|()| file.flush()) {
        Ok(()) => println!("info: wrote history visualization to {}", path.display()),
        Err(_) => println!("info: failed to write history visualization to {}", path.display()),
    }
}

/// What the check found; dropped (also when the test fails), it gives the history back to
/// the log.
struct Restore<'a> {
    info: Option<porcupine::LinearizationInfo<KvInput, KvOutput>>,
    log: &'a OpLog,
}

impl Deref for Restore<'_> {
    type Target = porcupine::LinearizationInfo<KvInput, KvOutput>;
    fn deref(&self) -> &Self::Target {
        self.info.as_ref().expect("present until dropped")
    }
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        if let Some(info) = self.info.take() {
            self.log.restore(info.into_operations());
        }
    }
}

/// One recorded operation as `KVTEST_HISTORY` saves it.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct SavedOp {
    /// The client (-1: the tester).
    pub client: i64,
    /// When it was called, ns.
    pub call: i64,
    /// When it returned, ns.
    pub ret: i64,
    /// 0 get, 1 put.
    pub op: u8,
    /// The key.
    pub key: String,
    /// A Put's value.
    pub value: String,
    /// A Put's version.
    pub version: u64,
    /// A Get's value.
    pub out_value: String,
    /// A Get's version.
    pub out_version: u64,
    /// The error.
    pub err: String,
}

impl SavedOp {
    /// The operation to check again.
    pub fn to_operation(&self) -> Operation<KvInput, KvOutput> {
        let err: &'static str = match self.err.as_str() {
            "OK" => "OK",
            "ErrNoKey" => "ErrNoKey",
            "ErrVersion" => "ErrVersion",
            "ErrMaybe" => "ErrMaybe",
            "ErrWrongLeader" => "ErrWrongLeader",
            "ErrWrongGroup" => "ErrWrongGroup",
            _ => "",
        };
        Operation {
            client_id: self.client,
            input: KvInput {
                op: self.op,
                key: self.key.as_str().into(),
                value: self.value.as_str().into(),
                version: self.version,
            },
            call: self.call,
            output: KvOutput { value: self.out_value.as_str().into(), version: self.out_version, err },
            ret: self.ret,
        }
    }
}

/// Saves a history checked with `KVTEST_HISTORY=DIR` set, as `DIR/<test>-<n>.json`, to
/// check again offline (`cargo run -p kvtest --example check_history -- FILE`).
fn save_history(dir: &std::path::Path, ops: &[Operation<KvInput, KvOutput>]) {
    let saved: Vec<SavedOp> = ops
        .iter()
        .map(|o| SavedOp {
            client: o.client_id,
            call: o.call,
            ret: o.ret,
            op: o.input.op,
            key: o.input.key.to_string(),
            value: o.input.value.to_string(),
            version: o.input.version,
            out_value: o.output.value.to_string(),
            out_version: o.output.version,
            err: o.output.err.to_string(),
        })
        .collect();
    let name = labtest::name();
    let path = (0..).map(|n| dir.join(format!("{name}-{n}.json"))).find(|p| !p.exists()).unwrap_or_default();
    let written =
        serde_json::to_vec(&saved).map_err(std::io::Error::other).and_then(|b| std::fs::write(&path, b));
    match written {
        Ok(()) => println!("info: saved the history to {}", path.display()),
        Err(e) => println!("info: failed to save the history to {} ({e})", path.display()),
    }
}

impl Test {
    /// `ck.get(key)` as client `cli`, counted and recorded (Go's `ts.Get`).
    pub fn get(&self, ck: &dyn IKVClerk, key: &str, cli: i64) -> (String, Tversion, rpc::Err) {
        get(self.config(), ck, key, Some(&self.oplog), cli)
    }

    /// `ck.put(key, value, version)` as client `cli`, counted and recorded (Go's `ts.Put`).
    pub fn put(&self, ck: &dyn IKVClerk, key: &str, value: &str, version: Tversion, cli: i64) -> rpc::Err {
        put(self.config(), ck, key, value, version, Some(&self.oplog), cli)
    }

    /// Checks the history recorded so far, giving up after 1 s (Go's `CheckPorcupine`).
    pub fn check_porcupine(&self) {
        self.check_porcupine_t(LINEARIZABILITY_CHECK_TIMEOUT)
    }

    /// Checks the history recorded so far, giving up after `nsec` (Go's
    /// `CheckPorcupineT`): an illegal history writes its page and fails the test; a check
    /// that times out says so and passes; with `VIS_ENABLE=always`, a test that finalized
    /// its annotations gets the page either way. A failure reports this file's line, as
    /// Go's `t.Fatal` in `checkPorcupine` does.
    pub fn check_porcupine_t(&self, nsec: Duration) {
        let enabled = std::env::var("VIS_ENABLE").unwrap_or_default();
        if let Some(dir) = std::env::var_os("KVTEST_HISTORY") {
            save_history(std::path::Path::new(&dir), &self.oplog.read());
        }
        // The history goes to the checker and comes back in the partitions of what it
        // found, regrouped by key (which no later check minds), rather than copied.
        let (res, info) = match porcupine::check_operations_verbose(&KvModel, self.oplog.take(), nsec) {
            Ok(checked) => checked,
            // The recorder takes each return time after its call time, on a clock that
            // never goes back.
            Err(e) => t_fatalf(&format!("kvtest recorded a malformed history: {e}")),
        };
        let info = Restore { info: Some(info), log: &self.oplog };
        if res == CheckResult::Illegal {
            match open_page_file() {
                Err(line) => println!("{line}"),
                Ok((file, path)) => {
                    if enabled != "never" {
                        write_history_page(&info, "test failed", file, path);
                    }
                }
            }
            t_fatalf("history is not linearizable");
        } else if res == CheckResult::Unknown {
            println!("info: linearizability check timed out, assuming history is ok");
        }
        // The result is Ok or Unknown.
        if enabled == "always" && get_annotation_finalized() {
            match open_page_file() {
                Err(line) => println!("{line}"),
                Ok((file, path)) => write_history_page(&info, "test passed", file, path),
            }
        }
    }
}
