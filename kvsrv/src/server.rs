//! The key/value server: a map from key to (value, version) under one lock.

use labrpc::{ClientEnd, Service};
use rpc::{GetArgs, GetReply, PutArgs, PutReply, Tversion};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tester::{IService, Persister, Tgid};

/// The server (Go's `KVServer`). It keeps nothing per client: the tests allow 200 bytes
/// per client, and versioned Puts need no duplicate table.
pub struct KVServer {
    mu: Mutex<HashMap<String, (String, Tversion)>>,
}

/// A server with no keys (Go's `MakeKVServer`).
pub fn make_kv_server() -> KVServer {
    KVServer { mu: Mutex::new(HashMap::new()) }
}

impl KVServer {
    /// The value and version of `args.key`, or ErrNoKey.
    pub fn get(&self, args: &GetArgs, reply: &mut GetReply) {
        let kv = self.mu.lock().unwrap_or_else(|p| p.into_inner());
        match kv.get(&args.key) {
            Some((value, version)) => {
                reply.value = value.clone();
                reply.version = *version;
                reply.err = rpc::OK;
            }
            None => reply.err = rpc::ErrNoKey,
        }
    }

    /// Installs `args.value` if `args.version` is the key's version (then the version
    /// goes up by one); a new key needs version 0. Else ErrVersion, or ErrNoKey for a
    /// missing key.
    pub fn put(&self, args: &PutArgs, reply: &mut PutReply) {
        let mut kv = self.mu.lock().unwrap_or_else(|p| p.into_inner());
        reply.err = match kv.get_mut(&args.key) {
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
    }

    /// Nothing to stop in this lab.
    pub fn kill(&self) {}
}

impl IService for KVServer {
    fn kill(&self) {
        KVServer::kill(self)
    }

    fn rpc_service(self: Arc<Self>) -> Option<Service> {
        Some(Service::builder(self).method("Get", KVServer::get).method("Put", KVServer::put).build())
    }
}

/// Starts the one server of the test (Go's `StartKVServer`; the arguments are for the
/// replicated servers of later labs).
pub fn start_kv_server(
    _ends: Vec<ClientEnd>,
    _gid: Tgid,
    _srv: usize,
    _persister: Arc<Persister>,
) -> Vec<Arc<dyn IService>> {
    vec![Arc::new(make_kv_server())]
}
