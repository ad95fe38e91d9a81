//! Key/value histories (porcupine's `test_data/kv`): gets, puts and appends on string
//! keys, one event per line, and the models that check them, by key ([`KvModel`]) or as
//! one map ([`KvNoPartitionModel`], the hard case).

use super::ParseError;
use crate::model::{Event, EventValue, Model, Operation};
use regex::Regex;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

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

fn step_one(value: &str, input: &KvInput, output: &KvOutput) -> Option<String> {
    match input {
        KvInput::Get { .. } => (output.value == value).then(|| value.to_string()),
        KvInput::Put { value: v, .. } => Some(v.clone()),
        KvInput::Append { value: v, .. } => Some(format!("{value}{v}")),
    }
}

fn describe(input: &KvInput, output: &KvOutput) -> String {
    match input {
        KvInput::Get { key } => format!("get('{key}') -> '{}'", output.value),
        KvInput::Put { key, value } => format!("put('{key}', '{value}')"),
        KvInput::Append { key, value } => format!("append('{key}', '{value}')"),
    }
}

/// One key's value, checked key by key (porcupine's `kvModel`).
pub struct KvModel;

impl Model for KvModel {
    type Input = KvInput;
    type Output = KvOutput;
    type State = String;

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
        let mut key_of: HashMap<usize, String> = HashMap::new();
        let mut by_key: BTreeMap<String, Vec<_>> = BTreeMap::new();
        for e in history {
            let key = match &e.value {
                EventValue::Call(input) => {
                    key_of.insert(e.id, input.key().to_string());
                    input.key().to_string()
                }
                EventValue::Return(_) => key_of.get(&e.id).cloned().unwrap_or_default(),
            };
            by_key.entry(key).or_default().push(e);
        }
        by_key.into_values().collect()
    }

    fn init(&self) -> String {
        String::new()
    }

    fn step(&self, state: &String, input: &KvInput, output: &KvOutput) -> Option<String> {
        step_one(state, input, output)
    }

    fn describe_operation(&self, input: &KvInput, output: &KvOutput) -> String {
        describe(input, output)
    }

    fn describe_state(&self, state: &String) -> String {
        state.clone()
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
    type State = BTreeMap<String, String>;

    fn init(&self) -> Self::State {
        BTreeMap::new()
    }

    fn step(&self, state: &Self::State, input: &KvInput, output: &KvOutput) -> Option<Self::State> {
        let key = input.key();
        let before = state.get(key).map_or("", String::as_str);
        let after = step_one(before, input, output)?;
        if matches!(input, KvInput::Get { .. }) {
            return Some(state.clone());
        }
        let mut next = state.clone();
        next.insert(key.to_string(), after);
        Some(next)
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
