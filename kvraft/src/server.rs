//! The key/value server: a map from key to (value, version), replicated through `rsm`.
//! Gets go through the log too, so that a server cut off in a minority answers none.

use labgob::{Any, Decoder, Encoder};
use labrpc::{ClientEnd, Service};
use rpc::{GetArgs, GetReply, PutArgs, PutReply, Tversion};
use rsm::{RSM, StateMachine, make_rsm};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use tester::{IService, Persister, Tgid};

/// The state machine's state.
type Map = BTreeMap<String, (String, Tversion)>;

/// One replica of the service (Go's `KVServer`). It keeps no table per client: versioned
/// Puts run at most once by themselves.
pub struct KVServer {
    me: usize,
    dead: AtomicBool,
    /// Set once, right after `make_rsm` returns.
    rsm: OnceLock<Arc<RSM>>,
    kv: Mutex<Map>,
}

impl KVServer {
    fn map(&self) -> MutexGuard<'_, Map> {
        self.kv.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn rsm(&self) -> &Arc<RSM> {
        self.rsm.get().expect("set by start_kv_server")
    }

    fn get_op(&self, args: &GetArgs) -> GetReply {
        match self.map().get(&args.key) {
            Some((value, version)) => GetReply { value: value.clone(), version: *version, err: rpc::OK },
            None => GetReply { err: rpc::ErrNoKey, ..GetReply::default() },
        }
    }

    fn put_op(&self, args: &PutArgs) -> PutReply {
        let mut kv = self.map();
        let err = match kv.get_mut(&args.key) {
            Some((value, version)) if *version == args.version => {
                value.clone_from(&args.value);
                *version += 1;
                rpc::OK
            }
            Some(_) => rpc::ErrVersion,
            None if args.version == 0 => {
                kv.insert(args.key.clone(), (args.value.clone(), 1));
                rpc::OK
            }
            None => rpc::ErrNoKey,
        };
        PutReply { err }
    }

    /// Runs a Get through the log.
    pub fn get(&self, args: &GetArgs, reply: &mut GetReply) {
        match self.rsm().submit(Any::new(args.clone())) {
            (rpc::OK, Some(rep)) => *reply = rep.downcast_ref::<GetReply>().cloned().unwrap_or_default(),
            (err, _) => reply.err = err,
        }
    }

    /// Runs a Put through the log.
    pub fn put(&self, args: &PutArgs, reply: &mut PutReply) {
        match self.rsm().submit(Any::new(args.clone())) {
            (rpc::OK, Some(rep)) => *reply = rep.downcast_ref::<PutReply>().cloned().unwrap_or_default(),
            (err, _) => reply.err = err,
        }
    }

    /// Marks the server dead (the tester calls it when the instance won't be needed again).
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
    }

    /// Whether `kill` was called.
    pub fn killed(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }
}

impl StateMachine for KVServer {
    fn do_op(&self, req: Any) -> Any {
        if let Some(args) = req.downcast_ref::<GetArgs>() {
            return Any::new(self.get_op(args));
        }
        if let Some(args) = req.downcast_ref::<PutArgs>() {
            return Any::new(self.put_op(args));
        }
        // Nothing else is ever submitted.
        Any::new(GetReply { err: rpc::Err::Unset, ..GetReply::default() })
    }

    fn snapshot(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        match e.encode(&*self.map()) {
            Ok(()) => e.bytes().to_vec(),
            Err(err) => labtest::fail_process(&format!(
                "kvraft: server {} cannot encode its snapshot: {err}",
                self.me
            )),
        }
    }

    fn restore(&self, data: &[u8]) {
        match Decoder::new(data).decode::<Map>() {
            Ok(m) => *self.map() = m,
            Err(err) => labtest::fail_process(&format!(
                "kvraft: server {} cannot decode its snapshot: {err}",
                self.me
            )),
        }
    }
}

impl IService for KVServer {
    fn kill(&self) {
        KVServer::kill(self)
    }

    fn rpc_service(self: Arc<Self>) -> Option<Service> {
        Some(Service::builder(self).method("Get", KVServer::get).method("Put", KVServer::put).build())
    }
}

/// Starts server `me` of the group: its RSM (and Raft), with the key/value state machine;
/// returns the server and its Raft peer, the two services the tester registers (Go's
/// `StartKVServer`). Returns at once.
pub fn start_kv_server(
    servers: Vec<ClientEnd>,
    _gid: Tgid,
    me: usize,
    persister: Arc<Persister>,
    maxraftstate: i64,
) -> Vec<Arc<dyn IService>> {
    labgob::register::<rsm::Op>();
    labgob::register::<PutArgs>();
    labgob::register::<GetArgs>();
    let kv = Arc::new(KVServer {
        me,
        dead: AtomicBool::new(false),
        rsm: OnceLock::new(),
        kv: Mutex::new(Map::new()),
    });
    let rsm = make_rsm(servers, me, persister, maxraftstate, kv.clone());
    let raft = rsm.raft();
    let _ = kv.rsm.set(rsm);
    vec![kv, raft]
}
