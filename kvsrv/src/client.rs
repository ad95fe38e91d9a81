//! The clerk: sends Gets and Puts to the server and resends them until they get through.

use kvtest::IKVClerk;
use rpc::{GetArgs, GetReply, PutArgs, PutReply, Tversion};
use std::sync::Arc;
use std::thread;
use std::time::Duration;
use tester::Clnt;

/// How long the clerk waits before resending an RPC that got no reply.
const RETRY: Duration = Duration::from_millis(10);

/// A clerk talking to one server (Go's `Clerk`).
pub struct Clerk {
    clnt: Arc<Clnt>,
    server: String,
}

/// A clerk for `server`, sending through `clnt` (Go's `MakeClerk`).
pub fn make_clerk(clnt: Arc<Clnt>, server: &str) -> Box<dyn IKVClerk> {
    Box::new(Clerk { clnt, server: server.to_string() })
}

impl IKVClerk for Clerk {
    /// The key's value and version, or ErrNoKey; resends for ever until a reply comes.
    fn get(&self, key: &str) -> (String, Tversion, rpc::Err) {
        let args = GetArgs { key: key.to_string() };
        loop {
            let mut reply = GetReply::default();
            if self.clnt.call(&self.server, "KVServer.Get", &args, &mut reply) {
                return (reply.value, reply.version, reply.err);
            }
            thread::sleep(RETRY);
        }
    }

    /// Installs `value` if the key's version is `version`. ErrVersion on the first RPC
    /// means the Put did not happen; on a resend it may mean that an earlier RPC did it
    /// and its reply was lost, so the clerk says ErrMaybe.
    fn put(&self, key: &str, value: &str, version: Tversion) -> rpc::Err {
        let args = PutArgs { key: key.to_string(), value: value.to_string(), version };
        let mut first = true;
        loop {
            let mut reply = PutReply::default();
            if self.clnt.call(&self.server, "KVServer.Put", &args, &mut reply) {
                return if reply.err == rpc::ErrVersion && !first { rpc::ErrMaybe } else { reply.err };
            }
            first = false;
            thread::sleep(RETRY);
        }
    }
}
