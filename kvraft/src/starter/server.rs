//! Your key/value server: the skeleton of Go's `kvraft1/server.go`, in Rust.

#![allow(dead_code, unused_variables, unused_imports)]

use labgob::Any;
use labrpc::{ClientEnd, Service};
use rpc::{GetArgs, GetReply, PutArgs, PutReply};
use rsm::{RSM, StateMachine, make_rsm};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tester::{IService, Persister, Tgid};

/// Your server.
pub struct KVServer {
    me: usize,
    /// Set by kill().
    dead: AtomicBool,
    rsm: OnceLock<Arc<RSM>>,
    // Your definitions here.
}

impl StateMachine for KVServer {
    /// To find out what req is, look at `req.downcast_ref::<GetArgs>()` and
    /// `req.downcast_ref::<PutArgs>()`; return the reply as `Any::new(reply)`.
    fn do_op(&self, req: Any) -> Any {
        // Your code here
        Any::new(())
    }

    fn snapshot(&self) -> Vec<u8> {
        // Your code here
        Vec::new()
    }

    fn restore(&self, data: &[u8]) {
        // Your code here
    }
}

impl KVServer {
    /// Your code here. Use `self.rsm.get().unwrap().submit()` to submit args. You can use
    /// `rep.downcast_ref::<GetReply>()` to turn the `Any` that submit returns into a
    /// GetReply.
    pub fn get(&self, args: &GetArgs, reply: &mut GetReply) {}

    /// Your code here. Use submit() to submit args; the reply is a PutReply.
    pub fn put(&self, args: &PutArgs, reply: &mut PutReply) {}

    /// The tester calls kill() when a KVServer instance won't be needed again. For your
    /// convenience, we supply code to set `dead`, and a `killed()` method to test it in
    /// long-running loops. You can also add your own code to kill(). You're not required
    /// to do anything about this, but it may be convenient (for example) to suppress debug
    /// output from a killed instance.
    pub fn kill(&self) {
        self.dead.store(true, Ordering::SeqCst);
        // Your code here, if desired.
    }

    /// Whether kill() was called.
    pub fn killed(&self) -> bool {
        self.dead.load(Ordering::SeqCst)
    }
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

/// start_kv_server() and make_rsm() must return quickly, so they should start threads for
/// any long-running work.
pub fn start_kv_server(
    servers: Vec<ClientEnd>,
    gid: Tgid,
    me: usize,
    persister: Arc<Persister>,
    maxraftstate: i64,
) -> Vec<Arc<dyn IService>> {
    // Register the types that cross the network or go into Raft's log with labgob.
    labgob::register::<rsm::Op>();
    labgob::register::<PutArgs>();
    labgob::register::<GetArgs>();

    let kv = Arc::new(KVServer { me, dead: AtomicBool::new(false), rsm: OnceLock::new() });
    let rsm = make_rsm(servers, me, persister, maxraftstate, kv.clone());
    let raft = rsm.raft();
    let _ = kv.rsm.set(rsm);
    // You may need initialization code here.
    vec![kv, raft]
}
