//! porcupine: a linearizability checker, after Anish Athalye's Go
//! [porcupine](https://github.com/anishathalye/porcupine) v1.0.3 (MIT), which the MIT
//! 6.5840 labs use to judge a key/value service by the history of its clients' calls.
//!
//! A [`Model`] says what a sequential system would answer; [`check_operations`] and its
//! variants search a history for an order of its operations that respects real time and
//! the model (Wing and Gong's search, with Lowe's memory of explored configurations), one
//! [partition](Model::partition) at a time (P-compositionality). The verbose checks keep
//! the longest linearizations found, which [`visualize`] draws as a self-contained page.
//!
//! ```
//! use porcupine::{CheckResult, Model, Operation};
//!
//! /// A register holding one number, initially 0.
//! struct Register;
//! #[derive(Debug)]
//! enum Op { Put(i64), Get }
//!
//! impl Model for Register {
//!     type Input = Op;
//!     type Output = i64;
//!     type State = i64;
//!     fn init(&self) -> i64 { 0 }
//!     fn step(&self, state: &i64, input: &Op, output: &i64) -> Option<i64> {
//!         match input {
//!             Op::Put(v) => Some(*v),
//!             Op::Get => (output == state).then_some(*state),
//!         }
//!     }
//! }
//!
//! // A put of 100 overlaps a get that saw 100 and, later, one that saw 0: no order works.
//! let history = vec![
//!     Operation { client_id: 0, input: Op::Put(100), call: 0, output: 0, ret: 100 },
//!     Operation { client_id: 1, input: Op::Get, call: 10, output: 100, ret: 30 },
//!     Operation { client_id: 2, input: Op::Get, call: 40, output: 0, ret: 90 },
//! ];
//! let result = porcupine::check_operations_timeout(&Register, history, std::time::Duration::ZERO);
//! assert_eq!(result.unwrap(), CheckResult::Illegal);
//! ```

mod checker;
mod config;
pub mod formats;
mod model;
mod visualization;

pub use checker::{LinearizationInfo, PartitionInfo};
pub use model::{
    CheckResult, Event, EventHistory, EventValue, History, Model, NondeterministicModel, Operation, PowerSet,
    StateSet,
};
pub use visualization::{
    Annotation, HistoryElement, Lane, LaneItem, LinearizationStep, Page, PartitionData, create_temp, explain,
    visualization_data, visualize, visualize_path, write_page,
};

use checker::{Prepared, check_parallel};
use std::fmt;
use std::time::Duration;

/// A history the checker cannot read: what is wrong and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HistoryError {
    /// An operation returns before it is called.
    ReturnBeforeCall {
        /// Its index in the history.
        index: usize,
        /// Its call time.
        call: i64,
        /// Its return time.
        ret: i64,
    },
    /// A return event whose id no earlier call has.
    ReturnWithoutCall {
        /// The event's index in the history.
        index: usize,
        /// Its id.
        id: usize,
    },
    /// A call whose id is not returned in the history (give it a return at the end, with
    /// an output the model reads as "unknown").
    CallWithoutReturn {
        /// The id.
        id: usize,
    },
    /// Two calls, or two returns, with the same id.
    DuplicateId {
        /// The second event's index in the history.
        index: usize,
        /// The id.
        id: usize,
    },
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryError::ReturnBeforeCall { index, call, ret } => {
                write!(f, "operation {index} returns at {ret}, before its call at {call}")
            }
            HistoryError::ReturnWithoutCall { index, id } => {
                write!(f, "event {index} returns operation {id}, which was never called")
            }
            HistoryError::CallWithoutReturn { id } => write!(f, "operation {id} is called but never returns"),
            HistoryError::DuplicateId { index, id } => {
                write!(f, "event {index} repeats the call or return of operation {id}")
            }
        }
    }
}

impl std::error::Error for HistoryError {}

/// Whether `history` is linearizable, with no time limit (Go's `CheckOperations`).
pub fn check_operations<M: Model>(model: &M, history: History<M>) -> Result<bool, HistoryError> {
    Ok(check_operations_timeout(model, history, Duration::ZERO)? == CheckResult::Ok)
}

/// Checks `history`, giving up with `Unknown` after `timeout` (zero: no limit) (Go's
/// `CheckOperationsTimeout`).
pub fn check_operations_timeout<M: Model>(
    model: &M,
    history: History<M>,
    timeout: Duration,
) -> Result<CheckResult, HistoryError> {
    Ok(check_ops(model, history, false, timeout)?.0)
}

/// Checks `history` and keeps what the visualisation needs (Go's `CheckOperationsVerbose`).
pub fn check_operations_verbose<M: Model>(
    model: &M,
    history: History<M>,
    timeout: Duration,
) -> Result<Verbose<M>, HistoryError> {
    check_ops(model, history, true, timeout)
}

/// Whether the event history is linearizable, with no time limit (Go's `CheckEvents`).
pub fn check_events<M: Model>(model: &M, history: EventHistory<M>) -> Result<bool, HistoryError> {
    Ok(check_events_timeout(model, history, Duration::ZERO)? == CheckResult::Ok)
}

/// Checks the event history, giving up after `timeout` (zero: no limit).
pub fn check_events_timeout<M: Model>(
    model: &M,
    history: EventHistory<M>,
    timeout: Duration,
) -> Result<CheckResult, HistoryError> {
    Ok(check_evs(model, history, false, timeout)?.0)
}

/// Checks the event history and keeps what the visualisation needs.
pub fn check_events_verbose<M: Model>(
    model: &M,
    history: EventHistory<M>,
    timeout: Duration,
) -> Result<Verbose<M>, HistoryError> {
    check_evs(model, history, true, timeout)
}

/// A verbose check's verdict and what the visualisation needs.
pub type Verbose<M> = (CheckResult, LinearizationInfo<<M as Model>::Input, <M as Model>::Output>);

fn check_ops<M: Model>(
    model: &M,
    history: History<M>,
    verbose: bool,
    timeout: Duration,
) -> Result<Verbose<M>, HistoryError> {
    if let Some((index, op)) = history.iter().enumerate().find(|(_, op)| op.ret < op.call) {
        return Err(HistoryError::ReturnBeforeCall { index, call: op.call, ret: op.ret });
    }
    let parts = model.partition(history).into_iter().map(Prepared::new).collect();
    Ok(check_parallel(model, parts, verbose, timeout))
}

fn check_evs<M: Model>(
    model: &M,
    history: EventHistory<M>,
    verbose: bool,
    timeout: Duration,
) -> Result<Verbose<M>, HistoryError> {
    validate_events(&history)?;
    // Each event's place in the whole history is its time, so that partitions share one
    // time axis (Go numbers each partition's events from 0).
    let (mut call_at, mut ret_at) = (IdMap::new(&history), IdMap::new(&history));
    for (t, e) in history.iter().enumerate() {
        if e.is_call() { &mut call_at } else { &mut ret_at }.set(e.id, t as u32);
    }
    let mut parts = Vec::new();
    for part in model.partition_events(history) {
        // The model's partition must keep each operation's call and return together.
        validate_events(&part)?;
        parts.push(Prepared::new(to_operations(part, &call_at, &ret_at)));
    }
    Ok(check_parallel(model, parts, verbose, timeout))
}

/// A number per operation id: in a vector when the ids are small (the usual 0, 1, 2,
/// ...), else in a hash map.
enum IdMap {
    Dense(Vec<u32>),
    Sparse(hashbrown::HashMap<usize, u32>),
}

impl IdMap {
    /// Every id maps to `NONE` at first.
    const NONE: u32 = u32::MAX;

    fn new<I, O>(events: &[Event<I, O>]) -> Self {
        let max = events.iter().map(|e| e.id).max().unwrap_or(0);
        if max <= 2 * events.len() + 64 {
            IdMap::Dense(vec![Self::NONE; max + 1])
        } else {
            IdMap::Sparse(hashbrown::HashMap::with_capacity(events.len() / 2))
        }
    }

    fn get(&self, id: usize) -> u32 {
        match self {
            IdMap::Dense(v) => v.get(id).copied().unwrap_or(Self::NONE),
            IdMap::Sparse(m) => m.get(&id).copied().unwrap_or(Self::NONE),
        }
    }

    fn set(&mut self, id: usize, value: u32) {
        match self {
            IdMap::Dense(v) => v[id] = value,
            IdMap::Sparse(m) => {
                m.insert(id, value);
            }
        }
    }
}

/// Every call has one return after it, and every return one call before it.
fn validate_events<I, O>(history: &[Event<I, O>]) -> Result<(), HistoryError> {
    const CALLED: u32 = 0;
    const RETURNED: u32 = 1;
    let mut seen = IdMap::new(history);
    let mut open = 0usize;
    for (index, e) in history.iter().enumerate() {
        match (e.is_call(), seen.get(e.id)) {
            (true, IdMap::NONE) => {
                seen.set(e.id, CALLED);
                open += 1;
            }
            (false, CALLED) => {
                seen.set(e.id, RETURNED);
                open -= 1;
            }
            (false, IdMap::NONE) => return Err(HistoryError::ReturnWithoutCall { index, id: e.id }),
            _ => return Err(HistoryError::DuplicateId { index, id: e.id }),
        }
    }
    if open == 0 {
        return Ok(());
    }
    let id = history.iter().filter(|e| e.is_call() && seen.get(e.id) == CALLED).map(|e| e.id).min();
    Err(HistoryError::CallWithoutReturn { id: id.unwrap_or(0) })
}

/// A partition's events as operations numbered in order of their calls (Go's
/// `renumber`), timed by their places in the whole history (Go's `convertEntries` times
/// them by their places in the partition: the same order, but not one axis for all).
fn to_operations<I, O>(events: Vec<Event<I, O>>, call_at: &IdMap, ret_at: &IdMap) -> Vec<Operation<I, O>> {
    // A model whose partitions renumber the ids (Go's may) gets each partition timed by its
    // own places, as Go times them.
    let known = |id: usize| call_at.get(id) != IdMap::NONE && ret_at.get(id) != IdMap::NONE;
    if !events.iter().all(|e| known(e.id)) {
        let (mut local_call, mut local_ret) = (IdMap::new(&events), IdMap::new(&events));
        for (t, e) in events.iter().enumerate() {
            if e.is_call() { &mut local_call } else { &mut local_ret }.set(e.id, t as u32);
        }
        return to_operations(events, &local_call, &local_ret);
    }
    let mut index = IdMap::new(&events);
    let mut calls: Vec<(usize, i64, I)> = Vec::with_capacity(events.len() / 2);
    let mut returns: Vec<Option<O>> = Vec::with_capacity(events.len() / 2);
    for e in events {
        match e.value {
            EventValue::Call(input) => {
                index.set(e.id, calls.len() as u32);
                calls.push((e.id, e.client_id, input));
                returns.push(None);
            }
            EventValue::Return(output) => {
                let k = index.get(e.id);
                if k != IdMap::NONE {
                    returns[k as usize] = Some(output);
                }
            }
        }
    }
    // validate_events made sure that every call has its return.
    calls
        .into_iter()
        .zip(returns)
        .filter_map(|((id, client_id, input), r)| {
            let (call, ret) = (i64::from(call_at.get(id)), i64::from(ret_at.get(id)));
            r.map(|output| Operation { client_id, input, call, output, ret })
        })
        .collect()
}
