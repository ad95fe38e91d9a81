//! The clerk: sends each Get and Put to the server it believes leads, and tries the next
//! server on a wrong leader or a lost RPC (the leader it knows is asked twice).

use kvtest::IKVClerk;
use rpc::{GetArgs, GetReply, PutArgs, PutReply, Tversion};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;
use tester::Clnt;

/// How long the clerk waits after every server said no (an election is likely under way).
const ROUND_PAUSE: Duration = Duration::from_millis(20);

/// A clerk for the replicated servers (Go's `Clerk`).
pub struct Clerk {
    clnt: Arc<Clnt>,
    servers: Vec<String>,
    /// The server that answered last.
    leader: AtomicUsize,
}

/// A clerk for `servers`, sending through `clnt` (Go's `MakeClerk`).
pub fn make_clerk(clnt: Arc<Clnt>, servers: Vec<String>) -> Box<dyn IKVClerk> {
    Box::new(Clerk { clnt, servers, leader: AtomicUsize::new(0) })
}

impl Clerk {
    /// Calls `method` on the leader, trying each server in turn, until one that leads
    /// answers; returns its reply and whether an earlier attempt might have executed.
    fn call<A: serde::Serialize, R: serde::de::DeserializeOwned + Default>(
        &self,
        method: &str,
        args: &A,
        wrong_leader: impl Fn(&R) -> bool,
    ) -> (R, bool) {
        let n = self.servers.len().max(1);
        let mut i = self.leader.load(Ordering::Relaxed) % n;
        let mut tried = false;
        // The server believed to lead gets a second try after a lost RPC.
        let mut second_chance = true;
        // How many servers have been asked in vain since the last pause.
        let mut refused = 0;
        loop {
            let mut reply = R::default();
            let ok = self.clnt.call(&self.servers[i], method, args, &mut reply);
            if ok && !wrong_leader(&reply) {
                self.leader.store(i, Ordering::Relaxed);
                return (reply, tried);
            }
            // A lost RPC, or a server that may have started the op before it found
            // it does not lead: the op may still happen.
            tried = true;
            // A lost message to the server that led last time is most likely just lost:
            // asking it once more costs one RPC, where moving on costs a wrong leader's
            // answer from each server in turn. Others are not asked twice: a crashed or
            // cut-off server would cost its delay again.
            if !ok && second_chance {
                second_chance = false;
                continue;
            }
            second_chance = false;
            i = (i + 1) % n;
            refused += 1;
            if refused == n {
                refused = 0;
                thread::sleep(ROUND_PAUSE);
            }
        }
    }
}

impl IKVClerk for Clerk {
    /// The key's value and version, or ErrNoKey; keeps trying in the face of all other
    /// errors.
    fn get(&self, key: &str) -> (String, Tversion, rpc::Err) {
        let args = GetArgs { key: key.to_string() };
        let (reply, _): (GetReply, _) =
            self.call("KVServer.Get", &args, |r: &GetReply| r.err == rpc::ErrWrongLeader);
        (reply.value, reply.version, reply.err)
    }

    /// Installs `value` if the key's version is `version`. ErrVersion after an earlier
    /// attempt that may have executed (a lost RPC, a wrong leader that may have started
    /// it) means the Put may have happened: ErrMaybe.
    fn put(&self, key: &str, value: &str, version: Tversion) -> rpc::Err {
        let args = PutArgs { key: key.to_string(), value: value.to_string(), version };
        let (reply, tried): (PutReply, _) =
            self.call("KVServer.Put", &args, |r: &PutReply| r.err == rpc::ErrWrongLeader);
        if reply.err == rpc::ErrVersion && tried { rpc::ErrMaybe } else { reply.err }
    }
}
