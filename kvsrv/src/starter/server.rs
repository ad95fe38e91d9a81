//! Your key/value server: the skeleton of Go's `kvsrv1/server.go`, in Rust.

#![allow(dead_code, unused_variables)]

use labrpc::{ClientEnd, Service};
use rpc::{GetArgs, GetReply, PutArgs, PutReply};
use std::sync::{Arc, Mutex};
use tester::{IService, Persister, Tgid};

/// Your server.
pub struct KVServer {
    mu: Mutex<()>,
    // Your definitions here (put the state the lock protects in the Mutex).
}

/// A new server.
pub fn make_kv_server() -> KVServer {
    let kv = KVServer { mu: Mutex::new(()) };
    // Your code here.
    kv
}

impl KVServer {
    /// Get returns the value and version for args.key, if args.key exists. Otherwise, Get
    /// returns ErrNoKey.
    pub fn get(&self, args: &GetArgs, reply: &mut GetReply) {
        // Your code here.
    }

    /// Update the value for a key if args.version matches the version of the key on the
    /// server. If versions don't match, return ErrVersion. If the key doesn't exist, Put
    /// installs the value if the args.version is 0, and returns ErrNoKey otherwise.
    pub fn put(&self, args: &PutArgs, reply: &mut PutReply) {
        // Your code here.
    }

    /// You can ignore kill() for this lab.
    pub fn kill(&self) {}
}

impl IService for KVServer {
    fn kill(&self) {
        KVServer::kill(self)
    }

    /// The RPC handlers the clerk calls as "KVServer.Get" and "KVServer.Put".
    fn rpc_service(self: Arc<Self>) -> Option<Service> {
        Some(Service::builder(self).method("Get", KVServer::get).method("Put", KVServer::put).build())
    }
}

/// You can ignore all arguments; they are for replicated KVservers.
pub fn start_kv_server(
    _ends: Vec<ClientEnd>,
    _gid: Tgid,
    _srv: usize,
    _persister: Arc<Persister>,
) -> Vec<Arc<dyn IService>> {
    let kv = make_kv_server();
    vec![Arc::new(kv)]
}
