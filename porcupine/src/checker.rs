//! The search (Go's `checker.go`): Wing and Gong's backtracking over the calls that may
//! come next, with Lowe's memory of explored configurations, one partition at a time on a
//! small pool of threads.

use crate::config::{Cache, Linearized, States, mix};
use crate::model::{CheckResult, Model, Operation};
use crate::visualization::Annotation;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const NONE: u32 = u32::MAX;
/// In the step memory, marks a step that is a read from there on (state numbers stay
/// below it).
const READ: u32 = 1 << 31;

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

    /// The checked operations, partition after partition (the history, regrouped).
    pub fn into_operations(self) -> impl Iterator<Item = Operation<I, O>> {
        self.partitions.into_iter().flat_map(|p| p.operations)
    }
}

/// A partition ready for the search: its operations and their calls and returns in time
/// order.
pub(crate) struct Prepared<I, O> {
    pub(crate) ops: Vec<Operation<I, O>>,
    /// The calls and returns in time order, for the search to take when it starts.
    list: Mutex<Option<List>>,
}

impl<I, O> Prepared<I, O> {
    /// Sorts the calls and returns of `ops` (each with `call <= ret`).
    pub(crate) fn new(mut ops: Vec<Operation<I, O>>) -> Self {
        // A history recorded by pushing has up to twice the room it needs.
        ops.shrink_to_fit();
        let mut order: Vec<(u32, bool)> =
            (0..ops.len() as u32).flat_map(|i| [(i, false), (i, true)]).collect();
        let time = |&(i, ret): &(u32, bool)| {
            let op = &ops[i as usize];
            (if ret { op.ret } else { op.call }, ret)
        };
        // Calls before returns at equal times: the intervals are closed.
        order.sort_by_key(time);
        let list = List::new(&order, ops.len());
        Prepared { ops, list: Mutex::new(Some(list)) }
    }
}

/// The search's outcome in one partition.
enum Outcome {
    Linearizable,
    Illegal,
    Stopped,
}

/// A longest prefix found, shared by every operation it was recorded for (a thin pointer:
/// one is kept per operation).
type Seq = Arc<Vec<u32>>;

/// The search of one partition for a linearization (Go's `checkSingle`), resumable: it
/// runs for a budget of steps at a time, so that a pool of a few threads can share out
/// many partitions fairly, as Go's goroutine per partition does. With `verbose`, it also
/// records for each operation the longest linearizable prefix containing it.
struct Search<'a, M: Model> {
    model: &'a M,
    part: &'a Prepared<M::Input, M::Output>,
    verbose: bool,
    list: List,
    lin: Linearized,
    cache: Cache,
    states: States<M::State>,
    steps: StepMemo,
    /// The linearized calls, each with the state before it.
    calls: Vec<(u32, u32)>,
    /// For each of `calls`, whether it was a read taken without trying the others.
    forced: Vec<bool>,
    longest: Vec<Option<Seq>>,
    record: Record,
    state: u32,
    entry: u32,
}

impl<'a, M: Model> Search<'a, M> {
    fn new(model: &'a M, part: &'a Prepared<M::Input, M::Output>, verbose: bool) -> Self {
        let n = part.ops.len();
        let taken = part.list.lock().unwrap_or_else(|p| p.into_inner()).take();
        let list = taken.expect("each partition's search starts once");
        let mut states = States::with_capacity(n);
        let init = model.init();
        let state = states.intern(init.clone(), model.hash_state(&init), |a, b| model.equal(a, b));
        let entry = list.first();
        Search {
            model,
            part,
            verbose,
            list,
            lin: Linearized::new(n),
            cache: Cache::with_capacity(n),
            states,
            steps: StepMemo::new(n),
            calls: Vec::new(),
            forced: Vec::new(),
            longest: vec![None; if verbose { n } else { 0 }],
            record: Record::new(if verbose { n } else { 0 }),
            state,
            entry,
        }
    }

    /// What step gives for the current state and call node `node`, as a state number
    /// (`NONE`: illegal there).
    /// What step gives for the current state and operation `id`, as a state number
    /// (`NONE`: illegal there), and whether the operation is a read from here on (it
    /// changes neither this state nor any that can follow it).
    fn step(&mut self, id: usize) -> (u32, bool) {
        let key = (u64::from(self.state) << 32) | id as u64;
        if let Some(v) = self.steps.get(key) {
            return if v == NONE { (NONE, false) } else { (v & !READ, v & READ != 0) };
        }
        let op = &self.part.ops[id];
        let model = self.model;
        let before = self.states.get(self.state);
        let (after, read) = match model.step(before, &op.input, &op.output) {
            Some(s) => {
                let read = model.read_only(before, &op.input, &op.output);
                let h = model.hash_state(&s);
                (self.states.intern(s, h, |a, b| model.equal(a, b)), read)
            }
            None => (NONE, false),
        };
        let read = read && after == self.state;
        self.steps.put(key, if read { after | READ } else { after });
        (after, read)
    }

    /// Searches for up to `budget` steps; `None` if it is not done yet.
    fn run(&mut self, budget: u64, stop: &Stop) -> Option<Outcome> {
        for tick in 0..budget {
            if self.entry == NONE {
                if self.verbose {
                    // The stack is a complete linearization: the longest for every operation.
                    let seq: Seq =
                        Arc::new(self.calls.iter().map(|&(e, _)| self.list.nodes[e as usize].op).collect());
                    self.longest.iter_mut().for_each(|l| *l = Some(seq.clone()));
                }
                return Some(Outcome::Linearizable);
            }
            // The kill flag every time, the clock every 256 steps.
            if stop.now(tick % 256 == 255) {
                return Some(Outcome::Stopped);
            }
            let node = self.list.nodes[self.entry as usize];
            let id = node.op as usize;
            if node.ret == NONE {
                // The first return left: nothing after it may come first. Undo the last
                // call and try the one after it.
                if let Some(outcome) = self.backtrack() {
                    return Some(outcome);
                }
                continue;
            }
            // A call: linearize it next, if the model allows it and this configuration was
            // not explored before.
            let (after, keeps) = self.step(id);
            if after == NONE {
                self.entry = node.next;
                continue;
            }
            // A read (it changes no state from here on) could as well come right here as
            // anywhere later: if no linearization goes on from here with it, none goes on
            // from here at all. So it is taken without trying the others, and if it fails,
            // so does this configuration. This keeps a crowd of concurrent reads from being
            // tried in every order (Go's v1.0.3 tries them all).
            self.lin.set(node.rank as usize);
            if self.cache.insert(&self.lin, after) {
                self.calls.push((self.entry, self.state));
                self.forced.push(keeps);
                if self.verbose {
                    self.record.push(id);
                }
                self.state = after;
                self.list.lift(self.entry);
                self.entry = self.list.first();
                continue;
            }
            self.lin.clear(node.rank as usize);
            if keeps {
                // Explored before, with this read linearized next: it failed.
                if let Some(outcome) = self.backtrack() {
                    return Some(outcome);
                }
                continue;
            }
            self.entry = node.next;
        }
        None
    }

    /// The configuration on top of the stack has no linearization: undoes its last call
    /// and moves on to the call after it, or, if that call was a read taken without
    /// trying the others, undoes the one below too. `Illegal` when nothing is left.
    fn backtrack(&mut self) -> Option<Outcome> {
        if self.calls.is_empty() {
            return Some(Outcome::Illegal);
        }
        if self.verbose {
            self.record.at_backtrack(&self.calls, &self.list, &mut self.longest);
        }
        loop {
            let Some((top, before)) = self.calls.pop() else {
                return Some(Outcome::Illegal);
            };
            let forced = self.forced.pop().unwrap_or(false);
            if self.verbose {
                self.record.pop();
            }
            self.state = before;
            self.lin.clear(self.list.nodes[top as usize].rank as usize);
            self.list.unlift(top);
            if !forced {
                self.entry = self.list.nodes[top as usize].next;
                return None;
            }
        }
    }
}

/// One call or return in the search's list.
#[derive(Clone, Copy)]
struct Node {
    next: u32,
    prev: u32,
    /// The operation's id.
    op: u32,
    /// For a call, its return's node; `NONE` for a return.
    ret: u32,
    /// For a call, the rank of its return among all returns.
    rank: u32,
}

/// The calls and returns not yet linearized, in time order (Go's linked list of entries).
/// Node 0 is the head; node k + 1 is the partition's k-th entry. Lifting an operation out
/// of the list and putting it back are a few index writes.
struct List {
    nodes: Vec<Node>,
}

impl List {
    fn new(order: &[(u32, bool)], n: usize) -> Self {
        let len = order.len() + 1;
        let mut nodes: Vec<Node> = (0..len as u32)
            .map(|i| Node {
                next: if i + 1 < len as u32 { i + 1 } else { NONE },
                prev: i.wrapping_sub(1),
                op: 0,
                ret: NONE,
                rank: 0,
            })
            .collect();
        // Each operation's return node and rank, then each call points at its return.
        let mut ret_of = vec![(0u32, 0u32); n];
        let mut returns = 0;
        for (k, &(id, is_ret)) in order.iter().enumerate() {
            nodes[k + 1].op = id;
            if is_ret {
                ret_of[id as usize] = ((k + 1) as u32, returns);
                returns += 1;
            }
        }
        for (k, &(id, is_ret)) in order.iter().enumerate() {
            if !is_ret {
                (nodes[k + 1].ret, nodes[k + 1].rank) = ret_of[id as usize];
            }
        }
        List { nodes }
    }

    /// The first node left, or `NONE` when every operation is linearized.
    fn first(&self) -> u32 {
        self.nodes[0].next
    }

    /// Takes call node `c` and its return out of the list.
    fn lift(&mut self, c: u32) {
        let Node { next, prev, ret, .. } = self.nodes[c as usize];
        self.nodes[prev as usize].next = next;
        // A call is always followed by at least its own return.
        self.nodes[next as usize].prev = prev;
        let Node { next, prev, .. } = self.nodes[ret as usize];
        self.nodes[prev as usize].next = next;
        if next != NONE {
            self.nodes[next as usize].prev = prev;
        }
    }

    /// Puts call node `c` and its return back where they were.
    fn unlift(&mut self, c: u32) {
        let Node { next, prev, ret, .. } = self.nodes[c as usize];
        let r = self.nodes[ret as usize];
        self.nodes[r.prev as usize].next = ret;
        if r.next != NONE {
            self.nodes[r.next as usize].prev = ret;
        }
        self.nodes[prev as usize].next = c;
        self.nodes[next as usize].prev = c;
    }
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

    fn at_backtrack(&mut self, calls: &[(u32, u32)], list: &List, longest: &mut [Option<Seq>]) {
        let depth = calls.len() as u32;
        if self.floor.last().is_none_or(|&f| f >= depth) {
            return;
        }
        // floor never grows going up the stack: find the first position below `depth`.
        let first = self.floor.partition_point(|&f| f >= depth);
        let seq: Seq = Arc::new(calls.iter().map(|&(e, _)| list.nodes[e as usize].op).collect());
        let mut below = if first == 0 { u32::MAX } else { self.floor[first - 1] };
        for (pos, &(e, _)) in calls.iter().enumerate().skip(first) {
            let id = list.nodes[e as usize].op as usize;
            if self.len[id] < depth {
                self.len[id] = depth;
                longest[id] = Some(seq.clone());
            }
            below = below.min(self.len[id]);
            self.floor[pos] = below;
        }
    }
}

/// What step gave for recent (state, operation) pairs, so that the search, which tries
/// the same few calls in the same few states again and again, steps each pair about once.
/// A fixed table where a newer pair takes an older one's slot: its size stays bounded
/// however long the search, and a model with big states (one map for every key) still
/// gains most of what a complete memory would.
struct StepMemo {
    slots: Vec<(u64, u32)>,
    mask: usize,
}

impl StepMemo {
    fn new(n: usize) -> Self {
        let size = (n * 16).next_power_of_two().clamp(1 << 6, 1 << 16);
        StepMemo { slots: vec![(u64::MAX, 0); size], mask: size - 1 }
    }

    fn get(&self, key: u64) -> Option<u32> {
        let (k, v) = self.slots[mix(key) as usize & self.mask];
        (k == key).then_some(v)
    }

    fn put(&mut self, key: u64, after: u32) {
        self.slots[mix(key) as usize & self.mask] = (key, after);
    }
}

/// Stops the searches: when one partition is found illegal, or at the deadline.
struct Stop {
    kill: AtomicBool,
    start: Instant,
    deadline: Option<Instant>,
    /// Once a partition is illegal in a verbose check: when the others must stop (ns
    /// after `start`; 0 while none is illegal).
    grace: AtomicU64,
}

/// How long a verbose check goes on with the other partitions once one is illegal, so
/// that the page shows the easy ones' linearizations (as Go's, which checks every
/// partition to the end) while a hard one cannot make it wait for the timeout.
const GRACE: Duration = Duration::from_millis(100);

impl Stop {
    fn new(timeout: Duration) -> Self {
        let start = Instant::now();
        Stop {
            kill: AtomicBool::new(false),
            start,
            deadline: (!timeout.is_zero()).then(|| start + timeout),
            grace: AtomicU64::new(0),
        }
    }

    /// A partition is illegal: stop the others now, or after the grace period.
    fn illegal(&self, verbose: bool) {
        if verbose {
            let at = (self.start.elapsed() + GRACE).as_nanos() as u64;
            let _ = self.grace.compare_exchange(0, at.max(1), Ordering::Relaxed, Ordering::Relaxed);
        } else {
            self.kill.store(true, Ordering::Relaxed);
        }
    }

    /// Whether to stop now; looks at the clock too when `clock` is set.
    fn now(&self, clock: bool) -> bool {
        if self.kill.load(Ordering::Relaxed) {
            return true;
        }
        if !clock {
            return false;
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            self.kill.store(true, Ordering::Relaxed);
            return true;
        }
        let grace = self.grace.load(Ordering::Relaxed);
        if grace != 0 && self.start.elapsed().as_nanos() as u64 >= grace {
            self.kill.store(true, Ordering::Relaxed);
            return true;
        }
        false
    }
}

/// Below this many operations in all, the partitions are checked on the calling thread:
/// starting threads would cost more than the whole check.
const PARALLEL_MIN_OPS: usize = 4096;

/// The steps a partition's search runs before the next partition's turn; each turn of a
/// partition is twice as long as its last, so that a search that needs W steps ends after
/// about log(W) turns and every other partition has had its share in the meantime.
const FIRST_TURN: u64 = 2048;

/// Checks the partitions on a pool of threads, the calling thread among them (Go's
/// `checkParallel`, which starts a goroutine per partition). The partitions take turns, so
/// that a hard one cannot hold up an easy one that is illegal; the first illegal
/// partition stops the others at once (verbose: after [`GRACE`]), the timeout (zero:
/// none) stops them all. The clock starts
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
    let stop = Stop::new(timeout);
    // The biggest partitions first; searches start when their turn first comes.
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(parts[i].ops.len()));
    let turns: Mutex<VecDeque<Turn<M>>> =
        Mutex::new(order.into_iter().map(|i| Turn { part: i, search: None, budget: FIRST_TURN }).collect());
    let total: usize = parts.iter().map(|p| p.ops.len()).sum();
    let workers = if total < PARALLEL_MIN_OPS {
        1
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get()).min(parts.len())
    };
    let work = || {
        let mut done = Vec::new();
        loop {
            // Stopped: the turns left keep what their searches found.
            if stop.now(true) {
                return done;
            }
            // A worker that finds no turn waiting ends: the turns still under way come
            // back to the workers running them.
            let next = turns.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
            let Some(mut turn) = next else { return done };
            let search =
                turn.search.get_or_insert_with(|| Box::new(Search::new(model, &parts[turn.part], verbose)));
            match search.run(turn.budget, &stop) {
                Some(outcome) => {
                    if matches!(outcome, Outcome::Illegal) {
                        stop.illegal(verbose);
                    }
                    let longest = std::mem::take(&mut search.longest);
                    done.push((turn.part, (outcome, longest)));
                }
                None => {
                    turn.budget = turn.budget.saturating_mul(2);
                    turns.lock().unwrap_or_else(|p| p.into_inner()).push_back(turn);
                }
            }
        }
    };
    let mut outcomes: Vec<Option<(Outcome, Vec<Option<Seq>>)>> = (0..parts.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let helpers: Vec<_> = (1..workers).map(|_| s.spawn(work)).collect();
        let mut done = work();
        for h in helpers {
            // A panic in the model's code on a helper thread is the caller's to see.
            done.extend(h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        }
        for (i, outcome) in done {
            outcomes[i] = Some(outcome);
        }
    });
    // Searches stopped between turns still tell what they found.
    for turn in turns.into_inner().unwrap_or_else(|p| p.into_inner()) {
        if let Some(mut search) = turn.search {
            outcomes[turn.part] = Some((Outcome::Stopped, std::mem::take(&mut search.longest)));
        }
    }

    let illegal = outcomes.iter().flatten().any(|o| matches!(o.0, Outcome::Illegal));
    let finished = outcomes.iter().all(|o| matches!(o, Some((Outcome::Linearizable, _))));
    let result = if illegal {
        CheckResult::Illegal
    } else if !finished {
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

/// A partition waiting for its next turn: its search (once started) and its next budget.
struct Turn<'a, M: Model> {
    part: usize,
    search: Option<Box<Search<'a, M>>>,
    budget: u64,
}

/// The distinct sequences among the records (shared ones counted once, as Go's set of
/// pointers does).
fn distinct(longest: Vec<Option<Seq>>) -> Vec<Vec<usize>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for seq in longest.into_iter().flatten() {
        if seen.insert(Arc::as_ptr(&seq) as usize) {
            out.push(seq.iter().map(|&i| i as usize).collect());
        }
    }
    out
}
