//! Your clerk: the skeleton of Go's `kvraft1/client.go`, in Rust.
//!
//! Build and test it with `cargo test -p kvraft --features starter 4B`.

#![allow(dead_code, unused_variables, unused_imports)]

use kvtest::IKVClerk;
use rpc::{GetArgs, GetReply, PutArgs, PutReply, Tversion};
use std::sync::Arc;
use tester::Clnt;

/// Your clerk.
pub struct Clerk {
    clnt: Arc<Clnt>,
    servers: Vec<String>,
    // You will have to modify this struct.
}

/// A clerk for `servers`, sending through `clnt`.
pub fn make_clerk(clnt: Arc<Clnt>, servers: Vec<String>) -> Box<dyn IKVClerk> {
    let ck = Clerk { clnt, servers };
    // You'll have to add code here.
    Box::new(ck)
}

impl IKVClerk for Clerk {
    /// Get fetches the current value and version for a key. It returns ErrNoKey if the
    /// key does not exist. It keeps trying forever in the face of all other errors.
    ///
    /// You can send an RPC to server i with code like this:
    /// `let ok = self.clnt.call(&self.servers[i], "KVServer.Get", &args, &mut reply);`
    ///
    /// The types of args and reply must match the types of the RPC handler's arguments
    /// (`GetArgs`, `GetReply`); reply is filled in only when `call` returns true.
    fn get(&self, key: &str) -> (String, Tversion, rpc::Err) {
        // You will have to modify this function.
        (String::new(), 0, rpc::Err::Unset)
    }

    /// Put updates key with value only if the version in the request matches the version
    /// of the key at the server. If the version numbers don't match, the server should
    /// return ErrVersion. If Put receives an ErrVersion on its first RPC, Put should return
    /// ErrVersion, since the Put was definitely not performed at the server. If the server
    /// returns ErrVersion on a resend RPC, then Put must return ErrMaybe to the
    /// application, since its earlier RPC might have been processed by the server
    /// successfully but the response was lost, and the Clerk doesn't know if the Put was
    /// performed or not.
    ///
    /// You can send an RPC to server i with code like this:
    /// `let ok = self.clnt.call(&self.servers[i], "KVServer.Put", &args, &mut reply);`
    fn put(&self, key: &str, value: &str, version: Tversion) -> rpc::Err {
        // You will have to modify this function.
        rpc::Err::Unset
    }
}
