//! The rsm tests' state machine (Go's kvraft1/rsm/server.go): a counter that `Inc` bumps.

use crate::test::Test;
use labgob::{Any, Decoder, Encoder};
use labrpc::ClientEnd;
use rsm::{Op, RSM, StateMachine, make_rsm};
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex, OnceLock};
use tester::Persister;

/// Bumps the counter.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Inc {}

/// The counter after an `Inc`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct IncRep {
    /// The counter.
    pub n: i64,
}

/// Does nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Null {}

/// What a `Null` returns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NullRep {}

/// Must never be applied (the tests submit it in a minority).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dec {}

/// One server: its counter and its RSM (Go's `rsmSrv`).
pub struct RsmSrv {
    me: usize,
    /// Set once, right after `make_rsm` returns.
    rsm: OnceLock<Arc<RSM>>,
    /// Go's `mu` and `counter`.
    pub counter: Mutex<i64>,
}

/// Go's `%T` of a request: `rsm.Dec`.
fn go_type(req: &Any) -> String {
    let name = req.type_name();
    format!("rsm.{}", name.rsplit("::").next().unwrap_or(name))
}

/// Starts server `srv` with its RSM (Go's `makeRsmSrv`).
pub fn make_rsm_srv(ts: &Test, srv: usize, ends: Vec<ClientEnd>, persister: Arc<Persister>) -> Arc<RsmSrv> {
    labgob::register::<Op>();
    labgob::register::<Inc>();
    labgob::register::<IncRep>();
    labgob::register::<Null>();
    labgob::register::<NullRep>();
    labgob::register::<Dec>();
    let s = Arc::new(RsmSrv { me: srv, rsm: OnceLock::new(), counter: Mutex::new(0) });
    let rsm = make_rsm(ends, srv, persister, ts.maxraftstate, s.clone());
    let _ = s.rsm.set(rsm);
    s
}

impl RsmSrv {
    /// The server's RSM.
    pub fn rsm(&self) -> &Arc<RSM> {
        self.rsm.get().expect("set by make_rsm_srv")
    }

    fn counter(&self) -> std::sync::MutexGuard<'_, i64> {
        self.counter.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl StateMachine for RsmSrv {
    fn do_op(&self, req: Any) -> Any {
        if req.is::<Inc>() {
            let mut c = self.counter();
            *c += 1;
            return Any::new(IncRep { n: *c });
        }
        if req.is::<Null>() {
            return Any::new(NullRep {});
        }
        // wrong type! expecting an Inc.
        labtest::fail_process(&format!("DoOp should execute only Inc and not {}", go_type(&req)))
    }

    fn snapshot(&self) -> Vec<u8> {
        let mut e = Encoder::new();
        let encoded = e.encode(&*self.counter());
        match encoded {
            Ok(()) => e.bytes().to_vec(),
            Err(err) => labtest::fail_process(&format!("{} couldn't encode counter: {err}", self.me)),
        }
    }

    fn restore(&self, data: &[u8]) {
        let mut d = Decoder::new(data);
        match d.decode::<i64>() {
            Ok(v) => *self.counter() = v,
            Err(_) => labtest::fail_process(&format!("{} couldn't decode counter", self.me)),
        }
    }
}
