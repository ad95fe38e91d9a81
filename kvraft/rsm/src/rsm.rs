//! The replicated state machine: `submit` hands an `Op` to Raft and waits; the reader thread
//! applies each committed `Op` to the state machine and wakes the `submit` waiting for it;
//! when Raft's state grows past `maxraftstate`, the reader snapshots.

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender, bounded};
use labgob::Any;
use labrpc::ClientEnd;
use raftapi::{ApplyMsg, Raft as _};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::Duration;
use tester::Persister;

/// How often a waiting `submit` looks whether its leader's term moved on. Only the term: a
/// leader cut off in a minority keeps its term (under pre-vote, for as long as the partition
/// lasts) and may step down meanwhile, yet Go's TestLeaderPartition4A requires its submits
/// to stay pending until the partition heals, not to fail when it steps down.
const TERM_CHECK: Duration = Duration::from_millis(100);

/// What goes into Raft's log: the request and who submitted it, with an id no other
/// submission has, even across restarts (it is random).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Op {
    /// The server that submitted it.
    pub me: usize,
    /// Its unique id.
    pub id: u64,
    /// The request, as the state machine gets it.
    pub req: Any,
}

/// What a server that replicates itself implements (Go's `StateMachine`).
pub trait StateMachine: Send + Sync {
    /// Runs a committed request and returns its result.
    fn do_op(&self, req: Any) -> Any;
    /// The state, as bytes.
    fn snapshot(&self) -> Vec<u8>;
    /// Replaces the state with a snapshot's.
    fn restore(&self, data: &[u8]);
}

/// A `submit` waiting for its op: where in the log it went (once Raft said), and where to
/// send the result (`None`: another op took that place, or Raft is gone).
struct Waiter {
    index: Option<i64>,
    reply: Sender<Option<Any>>,
}

struct State {
    /// The waiting submits, by op id.
    waiters: HashMap<u64, Waiter>,
    /// The last index the reader applied.
    applied: i64,
    /// Raft was killed: nothing will be applied any more.
    dead: bool,
}

/// The replicated state machine of one server (Go's `RSM`).
pub struct RSM {
    mu: Mutex<State>,
    me: usize,
    rf: Arc<raft::Raft>,
    maxraftstate: i64,
}

/// Starts a server's Raft peer and the reader that applies what it commits to `sm`; first
/// restores `sm` from the persisted snapshot, if there is one. Snapshots once Raft's state
/// reaches `maxraftstate` bytes (-1: never). Returns at once (Go's `MakeRSM`).
pub fn make_rsm(
    servers: Vec<ClientEnd>,
    me: usize,
    persister: Arc<Persister>,
    maxraftstate: i64,
    sm: Arc<dyn StateMachine>,
) -> Arc<RSM> {
    let snapshot = persister.read_snapshot();
    if !snapshot.is_empty() {
        sm.restore(&snapshot);
    }
    // Unbuffered, like Go's: Raft drops the sender when it is killed, which ends the reader.
    let (apply_tx, apply_rx) = bounded(0);
    let rf = raft::make(servers, me, persister, apply_tx);
    let rsm = Arc::new(RSM {
        mu: Mutex::new(State { waiters: HashMap::new(), applied: 0, dead: false }),
        me,
        rf,
        maxraftstate,
    });
    let reader = rsm.clone();
    thread::Builder::new()
        .name(format!("rsm-reader-{me}"))
        .spawn(move || reader.reader(apply_rx, sm))
        .expect("rsm: cannot start the reader thread");
    rsm
}

impl RSM {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.mu.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// This server's Raft peer.
    pub fn raft(&self) -> Arc<raft::Raft> {
        self.rf.clone()
    }

    /// Runs `req` through Raft and returns (OK, the state machine's result) once it is
    /// applied; `ErrWrongLeader` if this server is not the leader, if its term moved on,
    /// if another op took the op's place in the log, or if Raft is gone (Go's `Submit`).
    pub fn submit(&self, req: Any) -> (rpc::Err, Option<Any>) {
        let id = rand::random::<u64>();
        let (reply, result) = bounded(1);
        {
            let mut st = self.lock();
            if st.dead {
                return (rpc::ErrWrongLeader, None);
            }
            // Waiting before Start: the op may be applied before Start returns.
            st.waiters.insert(id, Waiter { index: None, reply });
        }
        let (index, term, is_leader) = self.rf.start(Any::new(Op { me: self.me, id, req }));
        if !is_leader {
            self.lock().waiters.remove(&id);
            return (rpc::ErrWrongLeader, None);
        }
        {
            let mut st = self.lock();
            let applied = st.applied;
            if let Some(w) = st.waiters.get_mut(&id) {
                if applied >= index {
                    // The reader went past the op's place without finding it there.
                    st.waiters.remove(&id);
                    return (rpc::ErrWrongLeader, None);
                }
                w.index = Some(index);
            }
        }
        loop {
            match result.recv_timeout(TERM_CHECK) {
                Ok(Some(r)) => return (rpc::OK, Some(r)),
                Ok(None) | Err(RecvTimeoutError::Disconnected) => return (rpc::ErrWrongLeader, None),
                Err(RecvTimeoutError::Timeout) => {
                    if self.rf.get_state().0 != term {
                        self.lock().waiters.remove(&id);
                        // The reader may have answered meanwhile.
                        return match result.try_recv() {
                            Ok(Some(r)) => (rpc::OK, Some(r)),
                            _ => (rpc::ErrWrongLeader, None),
                        };
                    }
                }
            }
        }
    }

    /// Applies what Raft commits, in order, until Raft is killed and drops its sender.
    fn reader(self: Arc<Self>, apply: Receiver<ApplyMsg>, sm: Arc<dyn StateMachine>) {
        for msg in apply.iter() {
            if msg.snapshot_valid {
                sm.restore(&msg.snapshot);
                self.applied_through(msg.snapshot_index, None);
                continue;
            }
            if !msg.command_valid {
                continue;
            }
            let index = msg.command_index;
            let op = msg.command.as_ref().and_then(|c| c.downcast_ref::<Op>());
            let done = op.map(|op| (op.id, sm.do_op(op.req.clone())));
            self.applied_through(index, done);
            if self.maxraftstate >= 0 && self.rf.persist_bytes() as i64 >= self.maxraftstate {
                self.rf.snapshot(index, sm.snapshot());
            }
        }
        // Raft is gone: no waiting submit's op will be applied here any more.
        let mut st = self.lock();
        st.dead = true;
        for (_, w) in st.waiters.drain() {
            let _ = w.reply.send(None);
        }
    }

    /// Everything through `index` is applied, the last op there being `done` (its id and
    /// result): wakes its submit, and fails those whose ops lost their places.
    fn applied_through(&self, index: i64, done: Option<(u64, Any)>) {
        let mut st = self.lock();
        st.applied = st.applied.max(index);
        if let Some((id, result)) = done
            && let Some(w) = st.waiters.remove(&id)
        {
            // Room for one: never blocks.
            let _ = w.reply.send(Some(result));
        }
        st.waiters.retain(|_, w| {
            let lost = w.index.is_some_and(|i| i <= index);
            if lost {
                let _ = w.reply.send(None);
            }
            !lost
        });
    }
}
