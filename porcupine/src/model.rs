//! Histories, models and results (Go's `model.go`).

use std::fmt::{self, Debug};
use std::hash::{BuildHasher, Hash, Hasher};

/// The default state hash: fast, and the same for equal states within a process.
fn default_hash<S: Hash>(state: &S) -> u64 {
    foldhash::fast::FixedState::with_seed(0x243F_6A88_85A3_08D3).hash_one(state)
}

/// One operation of a history: a call with its input at `call` and its return with its
/// output at `ret`. The interval `[call, ret]` is closed: `[10, 20]` and `[20, 30]` are
/// concurrent, so a clock that may return the same value twice never makes a
/// linearizable history look illegal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// The client that ran it (a lane of the visualisation); the lab's tester uses -1.
    pub client_id: i64,
    /// What the client asked.
    pub input: I,
    /// When the call was made.
    pub call: i64,
    /// What the client got back.
    pub output: O,
    /// When the call returned.
    pub ret: i64,
}

/// One half of an operation in an event history: calls and returns are matched by `id`
/// and ordered only by their place in the history (Go's `Event`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<I, O> {
    /// The client that ran it.
    pub client_id: i64,
    /// The call's input or the return's output.
    pub value: EventValue<I, O>,
    /// Matches a call with its return.
    pub id: usize,
}

/// What an [`Event`] carries: a call's input or a return's output (Go's `EventKind`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventValue<I, O> {
    /// A call with its input.
    Call(I),
    /// A return with its output.
    Return(O),
}

impl<I, O> Event<I, O> {
    /// A call of operation `id` by `client_id`.
    pub fn call(client_id: i64, id: usize, input: I) -> Self {
        Event { client_id, value: EventValue::Call(input), id }
    }

    /// The return of operation `id` to `client_id`.
    pub fn ret(client_id: i64, id: usize, output: O) -> Self {
        Event { client_id, value: EventValue::Return(output), id }
    }

    /// Whether this is a call.
    pub fn is_call(&self) -> bool {
        matches!(self.value, EventValue::Call(_))
    }
}

/// The verdict of a check (Go's `CheckResult`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckResult {
    /// Linearizable.
    Ok,
    /// Not linearizable.
    Illegal,
    /// Not decided: the check timed out (or was stopped).
    Unknown,
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CheckResult::Ok => "Ok",
            CheckResult::Illegal => "Illegal",
            CheckResult::Unknown => "Unknown",
        })
    }
}

/// A history of operations, for [`Model`]'s signatures.
pub type History<M> = Vec<Operation<<M as Model>::Input, <M as Model>::Output>>;
/// A history of events, for [`Model`]'s signatures.
pub type EventHistory<M> = Vec<Event<<M as Model>::Input, <M as Model>::Output>>;

/// A sequential specification of a system (Go's `Model`).
///
/// `step` must be a pure function of its arguments: the checker remembers its results.
/// Two states are the same configuration when [`Model::equal`] says so; its default is the
/// state type's `==`, and [`Model::hash_state`] must agree with it (equal states, equal
/// hashes), as Go's `Model.Hash` must agree with `Equal`.
pub trait Model: Sync {
    /// What a client asks.
    type Input: Debug + Send + Sync;
    /// What a client gets back.
    type Output: Debug + Send + Sync;
    /// The system's state.
    type State: Clone + Debug + Eq + Hash + Send + Sync;

    /// Splits a history into parts that are linearizable together if and only if each is
    /// (for example, one per key); checking them apart is what makes big histories
    /// tractable. The default keeps one part.
    fn partition(&self, history: History<Self>) -> Vec<History<Self>> {
        vec![history]
    }

    /// [`Model::partition`] for event histories.
    fn partition_events(&self, history: EventHistory<Self>) -> Vec<EventHistory<Self>> {
        vec![history]
    }

    /// The initial state.
    fn init(&self) -> Self::State;

    /// The state after running `input` in `state` and getting `output`, or `None` if the
    /// system could not have answered `output` there.
    fn step(&self, state: &Self::State, input: &Self::Input, output: &Self::Output) -> Option<Self::State>;

    /// Whether two states are the same (Go's `Equal`; default `==`).
    fn equal(&self, a: &Self::State, b: &Self::State) -> bool {
        a == b
    }

    /// Whether the operation, allowed in `state`, changes neither `state` nor any state
    /// that can follow it (a read, or a write that can no longer take effect; default
    /// false). The checker then takes such an operation as early as it may and never tries
    /// it in another order, which saves most of the work on histories with many concurrent
    /// reads; so say true only when `step` changes none of those states.
    fn read_only(&self, _state: &Self::State, _input: &Self::Input, _output: &Self::Output) -> bool {
        false
    }

    /// A hash of a state that agrees with [`Model::equal`] (default: the state's `Hash`).
    fn hash_state(&self, state: &Self::State) -> u64 {
        default_hash(state)
    }

    /// An operation as the visualisation shows it (default `input -> output`).
    fn describe_operation(&self, input: &Self::Input, output: &Self::Output) -> String {
        format!("{input:?} -> {output:?}")
    }

    /// A state as the visualisation shows it (default its `Debug` form).
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }

    /// A name for a partition in the visualisation, such as its key (default none).
    fn describe_partition(&self, _history: &[Operation<Self::Input, Self::Output>]) -> Option<String> {
        None
    }
}

/// A sequential specification whose steps may lead to several states (Go's
/// `NondeterministicModel`). Turn it into a [`Model`] with [`PowerSet`].
pub trait NondeterministicModel: Sync {
    /// What a client asks.
    type Input: Debug + Send + Sync;
    /// What a client gets back.
    type Output: Debug + Send + Sync;
    /// One of the system's possible states.
    type State: Clone + Debug + Eq + Hash + Send + Sync;

    /// See [`Model::partition`].
    fn partition(
        &self,
        history: Vec<Operation<Self::Input, Self::Output>>,
    ) -> Vec<Vec<Operation<Self::Input, Self::Output>>> {
        vec![history]
    }

    /// See [`Model::partition_events`].
    fn partition_events(
        &self,
        history: Vec<Event<Self::Input, Self::Output>>,
    ) -> Vec<Vec<Event<Self::Input, Self::Output>>> {
        vec![history]
    }

    /// The possible initial states.
    fn init(&self) -> Vec<Self::State>;

    /// Every state the system may be in after running `input` in `state` and getting
    /// `output`; empty if it could not have answered `output` there.
    fn step(&self, state: &Self::State, input: &Self::Input, output: &Self::Output) -> Vec<Self::State>;

    /// Whether two states are the same (default `==`).
    fn equal(&self, a: &Self::State, b: &Self::State) -> bool {
        a == b
    }

    /// See [`Model::read_only`]: from `state` and every state that can follow it, each
    /// state the operation may lead to is the state it was in.
    fn read_only(&self, _state: &Self::State, _input: &Self::Input, _output: &Self::Output) -> bool {
        false
    }

    /// A hash that agrees with [`NondeterministicModel::equal`] (default the state's `Hash`).
    fn hash_state(&self, state: &Self::State) -> u64 {
        default_hash(state)
    }

    /// See [`Model::describe_operation`].
    fn describe_operation(&self, input: &Self::Input, output: &Self::Output) -> String {
        format!("{input:?} -> {output:?}")
    }

    /// See [`Model::describe_state`].
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }

    /// See [`Model::describe_partition`].
    fn describe_partition(&self, _history: &[Operation<Self::Input, Self::Output>]) -> Option<String> {
        None
    }
}

/// A [`NondeterministicModel`] as a [`Model`] whose state is the set of states the system
/// may be in (Go's `ToModel`, the power-set construction).
pub struct PowerSet<N>(pub N);

/// The set of states a [`PowerSet`] model may be in, duplicates merged.
#[derive(Clone, Debug)]
pub struct StateSet<S> {
    states: Vec<S>,
    hashes: Vec<u64>,
}

impl<S> StateSet<S> {
    /// The states, in the order they were first reached.
    pub fn states(&self) -> &[S] {
        &self.states
    }
}

// Equality and hashing of state sets go through the model (see `PowerSet::equal`); these
// plain ones, on the merged representation, are what `Hash`/`Eq` bounds need.
impl<S: PartialEq> PartialEq for StateSet<S> {
    fn eq(&self, other: &Self) -> bool {
        self.states.len() == other.states.len() && self.states.iter().all(|s| other.states.contains(s))
    }
}

impl<S: Eq> Eq for StateSet<S> {}

impl<S> Hash for StateSet<S> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Order-free: a sum of the members' hashes.
        state.write_u64(self.hashes.iter().fold(0u64, |a, h| a.wrapping_add(*h)));
    }
}

impl<N: NondeterministicModel> PowerSet<N> {
    /// Merges `states` into a set under the model's equality.
    fn merge(&self, states: Vec<N::State>) -> StateSet<N::State> {
        let mut set = StateSet { states: Vec::with_capacity(states.len()), hashes: Vec::new() };
        for s in states {
            let h = self.0.hash_state(&s);
            let dup = set.states.iter().zip(&set.hashes).any(|(t, &th)| th == h && self.0.equal(t, &s));
            if !dup {
                set.states.push(s);
                set.hashes.push(h);
            }
        }
        set
    }
}

impl<N: NondeterministicModel> Model for PowerSet<N> {
    type Input = N::Input;
    type Output = N::Output;
    type State = StateSet<N::State>;

    fn partition(&self, history: History<Self>) -> Vec<History<Self>> {
        self.0.partition(history)
    }

    fn partition_events(&self, history: EventHistory<Self>) -> Vec<EventHistory<Self>> {
        self.0.partition_events(history)
    }

    fn init(&self) -> Self::State {
        self.merge(self.0.init())
    }

    fn step(&self, state: &Self::State, input: &N::Input, output: &N::Output) -> Option<Self::State> {
        let next: Vec<N::State> = state.states.iter().flat_map(|s| self.0.step(s, input, output)).collect();
        let set = self.merge(next);
        (!set.states.is_empty()).then_some(set)
    }

    fn equal(&self, a: &Self::State, b: &Self::State) -> bool {
        // Both are merged sets, so inclusion one way and equal sizes suffice.
        a.states.len() == b.states.len()
            && a.states
                .iter()
                .zip(&a.hashes)
                .all(|(s, &h)| b.states.iter().zip(&b.hashes).any(|(t, &th)| th == h && self.0.equal(s, t)))
    }

    fn hash_state(&self, state: &Self::State) -> u64 {
        state.hashes.iter().fold(0u64, |a, h| a.wrapping_add(*h))
    }

    fn read_only(&self, state: &Self::State, input: &N::Input, output: &N::Output) -> bool {
        state.states.iter().all(|s| self.0.read_only(s, input, output))
    }

    fn describe_operation(&self, input: &N::Input, output: &N::Output) -> String {
        self.0.describe_operation(input, output)
    }

    fn describe_partition(&self, history: &[Operation<N::Input, N::Output>]) -> Option<String> {
        self.0.describe_partition(history)
    }

    fn describe_state(&self, state: &Self::State) -> String {
        let parts: Vec<String> = state.states.iter().map(|s| self.0.describe_state(s)).collect();
        format!("{{{}}}", parts.join(", "))
    }
}
