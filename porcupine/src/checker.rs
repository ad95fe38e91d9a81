//! The search (Go's `checker.go`): Wing and Gong's backtracking over the calls that may
//! come next, with Lowe's memory of explored configurations, one partition at a time on a
//! small pool of threads.

use crate::config::{Cache, Linearized, States, mix};
use crate::model::{CheckResult, Model, Operation};
use crate::visualization::Annotation;
use crossbeam_channel::RecvTimeoutError;
use hashbrown::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const NONE: u32 = u32::MAX;

/// What a check found, partition by partition, for the visualisation (Go's
/// `LinearizationInfo`).
#[derive(Clone, Debug)]
pub struct LinearizationInfo<I, O> {
    pub(crate) partitions: Vec<PartitionInfo<I, O>>,
    pub(crate) annotations: Vec<Annotation>,
}

/// One partition's operations and the longest linearizations the search found there.
#[derive(Clone, Debug)]
pub struct PartitionInfo<I, O> {
    /// The partition's operations; an operation's id is its index here. Event histories
    /// get their event positions as times.
    pub operations: Vec<Operation<I, O>>,
    /// The distinct longest linearizable prefixes found, as operation ids: a complete
    /// linearization when the partition is linearizable.
    pub partial_linearizations: Vec<Vec<usize>>,
    /// This partition's own verdict; `Unknown` if its search was stopped (by the timeout,
    /// or because another partition was found illegal first).
    pub result: CheckResult,
}

impl<I, O> Default for LinearizationInfo<I, O> {
    fn default() -> Self {
        LinearizationInfo { partitions: Vec::new(), annotations: Vec::new() }
    }
}

impl<I, O> LinearizationInfo<I, O> {
    /// The partitions, in the order the model's `partition` gave them.
    pub fn partitions(&self) -> &[PartitionInfo<I, O>] {
        &self.partitions
    }

    /// For each partition, the distinct longest linearizable prefixes found, as operation
    /// ids (Go's `PartialLinearizations`).
    pub fn partial_linearizations(&self) -> Vec<Vec<Vec<usize>>> {
        self.partitions.iter().map(|p| p.partial_linearizations.clone()).collect()
    }

    /// The same as operations (Go's `PartialLinearizationsOperations`).
    pub fn partial_linearizations_operations(&self) -> Vec<Vec<Vec<Operation<I, O>>>>
    where
        I: Clone,
        O: Clone,
    {
        self.partitions
            .iter()
            .map(|p| {
                p.partial_linearizations
                    .iter()
                    .map(|seq| seq.iter().map(|&id| p.operations[id].clone()).collect())
                    .collect()
            })
            .collect()
    }

    /// Adds annotations to show with the history (Go's `AddAnnotations`); an end before
    /// the start is taken as the start (a point).
    pub fn add_annotations(&mut self, annotations: impl IntoIterator<Item = Annotation>) {
        for mut a in annotations {
            a.end = a.end.max(a.start);
            self.annotations.push(a);
        }
    }

    /// The annotations added so far.
    pub fn annotations(&self) -> &[Annotation] {
        &self.annotations
    }
}

/// A partition ready for the search: its operations and their calls and returns in time
/// order.
pub(crate) struct Prepared<I, O> {
    pub(crate) ops: Vec<Operation<I, O>>,
    /// (operation id, is a return), sorted by time with calls before returns at equal
    /// times (closed intervals).
    order: Vec<(u32, bool)>,
}

impl<I, O> Prepared<I, O> {
    /// Sorts the calls and returns of `ops` (each with `call <= ret`).
    pub(crate) fn new(ops: Vec<Operation<I, O>>) -> Self {
        let mut order: Vec<(u32, bool)> =
            (0..ops.len() as u32).flat_map(|i| [(i, false), (i, true)]).collect();
        let time = |&(i, ret): &(u32, bool)| {
            let op = &ops[i as usize];
            (if ret { op.ret } else { op.call }, ret)
        };
        order.sort_by_key(time);
        Prepared { ops, order }
    }
}

/// The search's outcome in one partition.
enum Outcome {
    Linearizable,
    Illegal,
    Stopped,
}

/// A longest prefix found, shared by every operation it was recorded for.
type Seq = Arc<[u32]>;

/// Searches one partition for a linearization; with `verbose`, also records for each
/// operation the longest linearizable prefix containing it (Go's `checkSingle`).
fn check_single<M: Model>(
    model: &M,
    part: &Prepared<M::Input, M::Output>,
    verbose: bool,
    kill: &AtomicBool,
) -> (Outcome, Vec<Option<Seq>>) {
    let n = part.ops.len();
    // Node 0 is the head; node k + 1 is part.order[k]. Lifting an operation out of the
    // list and putting it back are a few index writes.
    let len = 2 * n + 1;
    let mut next: Vec<u32> = (1..=len as u32).collect();
    next[len - 1] = NONE;
    let mut prev: Vec<u32> = (0..len as u32).map(|i| i.wrapping_sub(1)).collect();
    let mut op_of = vec![0u32; len];
    let mut ret_node = vec![NONE; len];
    let mut rank = vec![0u32; n];
    let mut ret_at = vec![0u32; n];
    let mut returns = 0;
    for (k, &(id, is_ret)) in part.order.iter().enumerate() {
        op_of[k + 1] = id;
        if is_ret {
            ret_at[id as usize] = (k + 1) as u32;
            rank[id as usize] = returns;
            returns += 1;
        }
    }
    for (k, &(id, is_ret)) in part.order.iter().enumerate() {
        if !is_ret {
            ret_node[k + 1] = ret_at[id as usize];
        }
    }

    let mut lin = Linearized::new(n);
    let mut cache = Cache::new();
    let mut states: States<M::State> = States::new();
    // What step gave for (state, operation), so a step is computed once.
    let mut steps: HashMap<u64, u32, IdHash> = HashMap::default();
    let mut calls: Vec<(u32, u32)> = Vec::new();
    let mut longest: Vec<Option<Seq>> = vec![None; if verbose { n } else { 0 }];
    let mut record = Record::new(if verbose { n } else { 0 });

    let init = model.init();
    let mut state = states.intern(init.clone(), model.hash_state(&init), |a, b| model.equal(a, b));
    let mut entry = next[0];
    while next[0] != NONE {
        if kill.load(Ordering::Relaxed) {
            return (Outcome::Stopped, longest);
        }
        let e = entry as usize;
        let id = op_of[e] as usize;
        if ret_node[e] != NONE {
            let key = (u64::from(state) << 32) | id as u64;
            let after = *steps.entry(key).or_insert_with(|| {
                let op = &part.ops[id];
                match model.step(states.get(state), &op.input, &op.output) {
                    Some(s) => {
                        let h = model.hash_state(&s);
                        states.intern(s, h, |a, b| model.equal(a, b))
                    }
                    None => NONE,
                }
            });
            if after != NONE {
                lin.set(rank[id] as usize);
                if cache.insert(&lin, after) {
                    calls.push((entry, state));
                    if verbose {
                        record.push(id);
                    }
                    state = after;
                    lift(&mut next, &mut prev, e, ret_node[e] as usize);
                    entry = next[0];
                    continue;
                }
                lin.clear(rank[id] as usize);
            }
            entry = next[e];
        } else {
            if calls.is_empty() {
                return (Outcome::Illegal, longest);
            }
            if verbose {
                record.at_backtrack(&calls, &op_of, &mut longest);
            }
            let (top, before) = calls.pop().unwrap_or((0, 0));
            if verbose {
                record.pop();
            }
            state = before;
            let t = top as usize;
            lin.clear(rank[op_of[t] as usize] as usize);
            unlift(&mut next, &mut prev, t, ret_node[t] as usize);
            entry = next[t];
        }
    }
    if verbose {
        // The stack is a complete linearization: the longest for every operation.
        let seq: Seq = calls.iter().map(|&(e, _)| op_of[e as usize]).collect();
        longest.iter_mut().for_each(|l| *l = Some(seq.clone()));
    }
    (Outcome::Linearizable, longest)
}

/// Takes call node `c` and its return node `r` out of the list.
fn lift(next: &mut [u32], prev: &mut [u32], c: usize, r: usize) {
    next[prev[c] as usize] = next[c];
    // A call is always followed by at least its own return.
    prev[next[c] as usize] = prev[c];
    next[prev[r] as usize] = next[r];
    if next[r] != NONE {
        prev[next[r] as usize] = prev[r];
    }
}

/// Puts call node `c` and its return node `r` back where they were.
fn unlift(next: &mut [u32], prev: &mut [u32], c: usize, r: usize) {
    next[prev[r] as usize] = r as u32;
    if next[r] != NONE {
        prev[next[r] as usize] = r as u32;
    }
    next[prev[c] as usize] = c as u32;
    prev[next[c] as usize] = c as u32;
}

/// The longest prefix recorded for each operation, kept as Go does (at every backtrack,
/// every operation on the stack whose record is shorter than the stack gets the stack),
/// but without walking the whole stack each time: `floor[i]` is the shortest record among
/// stack positions `0..=i`, so positions whose records are all long enough are skipped.
struct Record {
    len: Vec<u32>,
    floor: Vec<u32>,
}

impl Record {
    fn new(n: usize) -> Self {
        Record { len: vec![0; n], floor: Vec::new() }
    }

    fn push(&mut self, id: usize) {
        let below = self.floor.last().copied().unwrap_or(u32::MAX);
        self.floor.push(below.min(self.len[id]));
    }

    fn pop(&mut self) {
        self.floor.pop();
    }

    fn at_backtrack(&mut self, calls: &[(u32, u32)], op_of: &[u32], longest: &mut [Option<Seq>]) {
        let depth = calls.len() as u32;
        if self.floor.last().is_none_or(|&f| f >= depth) {
            return;
        }
        // floor never grows going up the stack: find the first position below `depth`.
        let first = self.floor.partition_point(|&f| f >= depth);
        let seq: Seq = calls.iter().map(|&(e, _)| op_of[e as usize]).collect();
        let mut below = if first == 0 { u32::MAX } else { self.floor[first - 1] };
        for (pos, &(e, _)) in calls.iter().enumerate().skip(first) {
            let id = op_of[e as usize] as usize;
            if self.len[id] < depth {
                self.len[id] = depth;
                longest[id] = Some(seq.clone());
            }
            below = below.min(self.len[id]);
            self.floor[pos] = below;
        }
    }
}

/// A hasher for keys that are already well mixed (or mixed here).
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHash;

impl std::hash::BuildHasher for IdHash {
    type Hasher = IdHasher;
    fn build_hasher(&self) -> IdHasher {
        IdHasher(0)
    }
}

/// See [`IdHash`].
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) ^ u64::from(b) ^ (self.0 >> 56);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 ^= n;
    }
}

/// Checks the partitions on a pool of threads (Go's `checkParallel`): the first illegal
/// partition, or the timeout (zero: none), stops the others at once. The clock starts
/// here, after partitioning and sorting.
pub(crate) fn check_parallel<M: Model>(
    model: &M,
    parts: Vec<Prepared<M::Input, M::Output>>,
    verbose: bool,
    timeout: Duration,
) -> (CheckResult, LinearizationInfo<M::Input, M::Output>) {
    if parts.is_empty() {
        return (CheckResult::Ok, LinearizationInfo::default());
    }
    let deadline = (!timeout.is_zero()).then(|| Instant::now() + timeout);
    let kill = AtomicBool::new(false);
    // The biggest partitions first, so that one big one does not start last.
    let mut queue: Vec<usize> = (0..parts.len()).collect();
    queue.sort_by_key(|&i| std::cmp::Reverse(parts[i].ops.len()));
    let taken = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get()).min(parts.len());
    let (tx, rx) = crossbeam_channel::unbounded();

    let mut outcomes: Vec<Option<(Outcome, Vec<Option<Seq>>)>> = (0..parts.len()).map(|_| None).collect();
    let mut illegal = false;
    let mut timed_out = false;
    std::thread::scope(|s| {
        for _ in 0..workers {
            let tx = tx.clone();
            let (parts, queue, taken, kill) = (&parts, &queue, &taken, &kill);
            s.spawn(move || {
                loop {
                    let k = taken.fetch_add(1, Ordering::Relaxed);
                    if k >= queue.len() || kill.load(Ordering::Relaxed) {
                        break;
                    }
                    let i = queue[k];
                    let outcome = check_single(model, &parts[i], verbose, kill);
                    if tx.send((i, outcome)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut done = 0;
        while done < parts.len() {
            let got = match deadline {
                Some(d) => rx.recv_deadline(d),
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match got {
                Ok((i, outcome)) => {
                    done += 1;
                    let bad = matches!(outcome.0, Outcome::Illegal);
                    outcomes[i] = Some(outcome);
                    if bad {
                        illegal = true;
                        break;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    timed_out = true;
                    break;
                }
                // Every worker ended without reporting: only after a kill, which we set.
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        kill.store(true, Ordering::Relaxed);
        // Outcomes that arrive while the others stop still tell what they found.
        while let Ok((i, outcome)) = rx.recv() {
            if outcomes[i].is_none() {
                outcomes[i] = Some(outcome);
            }
        }
    });

    let result = if illegal {
        CheckResult::Illegal
    } else if timed_out || outcomes.iter().any(Option::is_none) {
        CheckResult::Unknown
    } else {
        CheckResult::Ok
    };
    let mut info = LinearizationInfo::default();
    if verbose {
        info.partitions = parts
            .into_iter()
            .zip(outcomes)
            .map(|(part, outcome)| {
                let (result, longest) = match outcome {
                    Some((Outcome::Linearizable, l)) => (CheckResult::Ok, l),
                    Some((Outcome::Illegal, l)) => (CheckResult::Illegal, l),
                    Some((Outcome::Stopped, l)) => (CheckResult::Unknown, l),
                    None => (CheckResult::Unknown, Vec::new()),
                };
                PartitionInfo { operations: part.ops, partial_linearizations: distinct(longest), result }
            })
            .collect();
    }
    (result, info)
}

/// The distinct sequences among the records (shared ones counted once, as Go's set of
/// pointers does).
fn distinct(longest: Vec<Option<Seq>>) -> Vec<Vec<usize>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for seq in longest.into_iter().flatten() {
        if seen.insert(Arc::as_ptr(&seq) as *const u32 as usize) {
            out.push(seq.iter().map(|&i| i as usize).collect());
        }
    }
    out
}
