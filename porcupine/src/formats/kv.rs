//! Key/value histories (porcupine's `test_data/kv`): gets, puts and appends on string
//! keys, one event per line, and the models that check them, by key ([`KvModel`]) or as
//! one map ([`KvNoPartitionModel`], the hard case).

use super::ParseError;
use crate::model::{Event, EventValue, Model, Operation};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, LazyLock};

/// What a key/value client asks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum KvInput {
    /// Read a key.
    Get {
        /// The key.
        key: String,
    },
    /// Set a key.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: String,
    },
    /// Add to the end of a key's value.
    Append {
        /// The key.
        key: String,
        /// What to add.
        value: String,
    },
}

impl KvInput {
    /// The key it is about.
    pub fn key(&self) -> &str {
        match self {
            KvInput::Get { key } | KvInput::Put { key, .. } | KvInput::Append { key, .. } => key,
        }
    }
}

/// What a key/value client gets back: the value read (empty for puts and appends).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KvOutput {
    /// The value a get read.
    pub value: String,
}

/// A key's value after `input`, or `None` if `output` is impossible; a get leaves the
/// value as it is (shared, not copied).
fn step_one(value: &Arc<str>, input: &KvInput, output: &KvOutput) -> Option<Arc<str>> {
    match input {
        KvInput::Get { .. } => (*output.value == **value).then(|| value.clone()),
        KvInput::Put { value: v, .. } => Some(Arc::from(v.as_str())),
        KvInput::Append { value: v, .. } => {
            let mut s = String::with_capacity(value.len() + v.len());
            s.push_str(value);
            s.push_str(v);
            Some(Arc::from(s))
        }
    }
}

fn describe(input: &KvInput, output: &KvOutput) -> String {
    match input {
        KvInput::Get { key } => format!("get('{key}') -> '{}'", output.value),
        KvInput::Put { key, value } => format!("put('{key}', '{value}')"),
        KvInput::Append { key, value } => format!("append('{key}', '{value}')"),
    }
}

/// One key's value, checked key by key (porcupine's `kvModel`). Values are shared
/// strings, so that a get's state is the same value, not a copy.
pub struct KvModel;

impl Model for KvModel {
    type Input = KvInput;
    type Output = KvOutput;
    type State = Arc<str>;

    fn partition(
        &self,
        history: Vec<Operation<KvInput, KvOutput>>,
    ) -> Vec<Vec<Operation<KvInput, KvOutput>>> {
        let mut by_key: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for op in history {
            by_key.entry(op.input.key().to_string()).or_default().push(op);
        }
        by_key.into_values().collect()
    }

    fn partition_events(&self, history: Vec<Event<KvInput, KvOutput>>) -> Vec<Vec<Event<KvInput, KvOutput>>> {
        // Each call's key names its partition; each return goes where its call went.
        let mut part_of_key: hashbrown::HashMap<&str, usize> = hashbrown::HashMap::new();
        let mut part_of_id: hashbrown::HashMap<usize, usize> = hashbrown::HashMap::new();
        let mut keys: Vec<&str> = Vec::new();
        let mut which = Vec::with_capacity(history.len());
        for e in &history {
            let p = match &e.value {
                EventValue::Call(input) => {
                    let next = keys.len();
                    let p = *part_of_key.entry(input.key()).or_insert(next);
                    if p == next {
                        keys.push(input.key());
                    }
                    part_of_id.insert(e.id, p);
                    p
                }
                // A return without a call goes with the first key; the check reports it.
                EventValue::Return(_) => part_of_id.get(&e.id).copied().unwrap_or(0),
            };
            which.push(p);
        }
        let mut order: Vec<usize> = (0..keys.len()).collect();
        order.sort_by_key(|&p| keys[p]);
        let mut rank = vec![0; keys.len()];
        for (r, &p) in order.iter().enumerate() {
            rank[p] = r;
        }
        // The keys borrow from the history, which moves into the partitions next.
        drop(part_of_key);
        let mut parts: Vec<Vec<_>> = (0..keys.len().max(1)).map(|_| Vec::new()).collect();
        for (e, p) in history.into_iter().zip(which) {
            parts[rank.get(p).copied().unwrap_or(0)].push(e);
        }
        parts.retain(|p| !p.is_empty());
        parts
    }

    fn init(&self) -> Arc<str> {
        Arc::from("")
    }

    fn step(&self, state: &Arc<str>, input: &KvInput, output: &KvOutput) -> Option<Arc<str>> {
        step_one(state, input, output)
    }

    fn read_only(&self, _state: &Self::State, input: &KvInput, _output: &KvOutput) -> bool {
        matches!(input, KvInput::Get { .. })
    }

    fn describe_operation(&self, input: &KvInput, output: &KvOutput) -> String {
        describe(input, output)
    }

    fn describe_state(&self, state: &Arc<str>) -> String {
        state.to_string()
    }

    fn describe_partition(&self, history: &[Operation<KvInput, KvOutput>]) -> Option<String> {
        history.first().map(|op| format!("key '{}'", op.input.key()))
    }
}

/// Every key's value in one state, with no partitioning (porcupine's
/// `kvNoPartitionModel`): the same verdicts as [`KvModel`], the hard way.
pub struct KvNoPartitionModel;

impl Model for KvNoPartitionModel {
    type Input = KvInput;
    type Output = KvOutput;
    type State = Arc<BTreeMap<String, Arc<str>>>;

    fn init(&self) -> Self::State {
        Arc::new(BTreeMap::new())
    }

    fn step(&self, state: &Self::State, input: &KvInput, output: &KvOutput) -> Option<Self::State> {
        let key = input.key();
        let empty: Arc<str> = Arc::from("");
        let after = step_one(state.get(key).unwrap_or(&empty), input, output)?;
        if matches!(input, KvInput::Get { .. }) {
            return Some(state.clone());
        }
        let mut next = BTreeMap::clone(state);
        next.insert(key.to_string(), after);
        Some(Arc::new(next))
    }

    fn read_only(&self, _state: &Self::State, input: &KvInput, _output: &KvOutput) -> bool {
        matches!(input, KvInput::Get { .. })
    }

    fn describe_operation(&self, input: &KvInput, output: &KvOutput) -> String {
        describe(input, output)
    }
}

static INVOKE_GET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\{:process (\d+), :type :invoke, :f :get, :key "(.*)", :value nil\}$"#)
        .expect("valid regex")
});
static INVOKE_SET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\{:process (\d+), :type :invoke, :f :(put|append), :key "(.*)", :value "(.*)"\}$"#)
        .expect("valid regex")
});
static RETURN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^\{:process (\d+), :type :ok, :f :(get|put|append), :key ".*", :value "(.*)"\}$"#)
        .expect("valid regex")
});

/// Reads a key/value history. An operation still open at the end returns there (a get
/// reading ""); any line that is not one of the formats' events is an error.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Event<KvInput, KvOutput>>, ParseError> {
    let err = |line: usize, message: String| ParseError { file: path.to_path_buf(), line, message };
    let mut events = Vec::new();
    // process -> (id, what it invoked)
    let mut open: BTreeMap<u64, (usize, &'static str)> = BTreeMap::new();
    let mut next_id = 0;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let process =
            |s: &str| s.parse::<u64>().map_err(|e| err(n, format!("bad process number {s:?}: {e}")));
        let (proc_, f, input) = if let Some(c) = INVOKE_GET.captures(line) {
            (process(&c[1])?, "get", Some(KvInput::Get { key: c[2].to_string() }))
        } else if let Some(c) = INVOKE_SET.captures(line) {
            let (key, value) = (c[3].to_string(), c[4].to_string());
            if &c[2] == "put" {
                (process(&c[1])?, "put", Some(KvInput::Put { key, value }))
            } else {
                (process(&c[1])?, "append", Some(KvInput::Append { key, value }))
            }
        } else if let Some(c) = RETURN.captures(line) {
            let p = process(&c[1])?;
            let Some((id, invoked)) = open.remove(&p) else {
                return Err(err(n, format!("process {p} returns but has no operation open")));
            };
            if invoked != &c[2] {
                return Err(err(n, format!("process {p} returns :{} but invoked :{invoked}", &c[2])));
            }
            let value = if invoked == "get" { c[3].to_string() } else { String::new() };
            events.push(Event::ret(p as i64, id, KvOutput { value }));
            continue;
        } else {
            return Err(err(n, format!("not a key/value event: {line:?}")));
        };
        if open.contains_key(&proc_) {
            return Err(err(n, format!("process {proc_} invokes again before its last operation returned")));
        }
        let f: &'static str = f;
        open.insert(proc_, (next_id, f));
        if let Some(input) = input {
            events.push(Event::call(proc_ as i64, next_id, input));
        }
        next_id += 1;
    }
    for (p, (id, _)) in open {
        events.push(Event::ret(p as i64, id, KvOutput { value: String::new() }));
    }
    Ok(events)
}
