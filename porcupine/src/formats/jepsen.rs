//! Jepsen's etcd logs (porcupine's `test_data/jepsen`): reads, writes and compare-and-set
//! on one register, and [`EtcdModel`], the register that checks them.

use super::ParseError;
use crate::model::{Event, Model};
use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// What a client asks of the register.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EtcdInput {
    /// Read it.
    Read,
    /// Set it.
    Write(i64),
    /// Set it to `.1` if it holds `.0`.
    Cas(i64, i64),
}

/// What a client got back.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EtcdOutput {
    /// A read's value (`None`: the register was absent).
    Read(Option<i64>),
    /// A write is done.
    Written,
    /// Whether a compare-and-set took place.
    Cas(bool),
    /// The operation timed out: it may or may not have taken place.
    Unknown,
}

/// The register, absent at first (porcupine's `etcdModel`).
pub struct EtcdModel;

impl Model for EtcdModel {
    type Input = EtcdInput;
    type Output = EtcdOutput;
    type State = Option<i64>;

    fn init(&self) -> Option<i64> {
        None
    }

    fn step(&self, state: &Option<i64>, input: &EtcdInput, output: &EtcdOutput) -> Option<Option<i64>> {
        let unknown = *output == EtcdOutput::Unknown;
        match input {
            EtcdInput::Read => (unknown || *output == EtcdOutput::Read(*state)).then_some(*state),
            EtcdInput::Write(v) => Some(Some(*v)),
            EtcdInput::Cas(from, to) => {
                let held = *state == Some(*from);
                let legal = unknown || *output == EtcdOutput::Cas(held);
                legal.then_some(if held { Some(*to) } else { *state })
            }
        }
    }

    fn read_only(&self, _state: &Option<i64>, input: &EtcdInput, _output: &EtcdOutput) -> bool {
        *input == EtcdInput::Read
    }

    fn describe_operation(&self, input: &EtcdInput, output: &EtcdOutput) -> String {
        match (input, output) {
            (EtcdInput::Read, EtcdOutput::Read(Some(v))) => format!("read() -> {v}"),
            (EtcdInput::Read, EtcdOutput::Unknown) => "read() -> unknown".to_string(),
            (EtcdInput::Read, _) => "read() -> null".to_string(),
            (EtcdInput::Write(v), _) => format!("write({v})"),
            (EtcdInput::Cas(from, to), out) => {
                let r = match out {
                    EtcdOutput::Unknown => "unknown",
                    EtcdOutput::Cas(true) => "ok",
                    _ => "fail",
                };
                format!("cas({from}, {to}) -> {r}")
            }
        }
    }

    fn describe_state(&self, state: &Option<i64>) -> String {
        state.map_or("null".to_string(), |v| v.to_string())
    }
}

static OPERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^INFO\s+jepsen\.util\s+-\s+(\d+)\s+(:\S+)\s+(:\S+)\s+(.*?)\s*$").expect("valid regex")
});
static PAIR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\[(\d+)\s+(\d+)\]$").expect("valid regex"));

/// Whether `line` is an operation line of a Jepsen log.
pub fn is_operation_line(line: &str) -> bool {
    OPERATION.is_match(line)
}

/// Reads a Jepsen etcd log. Lines that are not operations are skipped; an operation that
/// never ends (an `:info` timeout) returns at the end with an unknown result; an
/// operation line of another shape is an error.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Event<EtcdInput, EtcdOutput>>, ParseError> {
    let err = |line: usize, message: String| ParseError { file: path.to_path_buf(), line, message };
    let mut events = Vec::new();
    let mut open: BTreeMap<u64, (usize, &'static str)> = BTreeMap::new();
    let mut next_id = 0;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let Some(c) = OPERATION.captures(line) else { continue };
        let p: u64 = c[1].parse().map_err(|e| err(n, format!("bad process number: {e}")))?;
        let (kind, f, arg) = (&c[2], &c[3], &c[4]);
        let number = |s: &str| s.parse::<i64>().map_err(|e| err(n, format!("bad value {s:?}: {e}")));
        let pair = |s: &str| match PAIR.captures(s) {
            Some(c) => Ok((number(&c[1])?, number(&c[2])?)),
            None => Err(err(n, format!("expected [FROM TO], found {s:?}"))),
        };
        if kind == ":invoke" {
            let (name, input) = match (f, arg) {
                (":read", "nil") => ("read", EtcdInput::Read),
                (":write", v) => ("write", EtcdInput::Write(number(v)?)),
                (":cas", v) => {
                    let (from, to) = pair(v)?;
                    ("cas", EtcdInput::Cas(from, to))
                }
                _ => return Err(err(n, format!("unknown invocation {f} {arg}"))),
            };
            if open.contains_key(&p) {
                return Err(err(n, format!("process {p} invokes again before its last operation ended")));
            }
            open.insert(p, (next_id, name));
            events.push(Event::call(p as i64, next_id, input));
            next_id += 1;
            continue;
        }
        if kind == ":info" {
            // Timed out: it stays open and returns, unknown, at the end.
            continue;
        }
        let output = match (kind, f, arg) {
            (":ok", ":read", "nil") => EtcdOutput::Read(None),
            (":ok", ":read", v) => EtcdOutput::Read(Some(number(v)?)),
            (":ok", ":write", _) => EtcdOutput::Written,
            (":ok" | ":fail", ":cas", v) => {
                pair(v)?;
                EtcdOutput::Cas(kind == ":ok")
            }
            (":fail", ":read", ":timed-out") => EtcdOutput::Unknown,
            _ => return Err(err(n, format!("unknown completion {kind} {f} {arg}"))),
        };
        let Some((id, invoked)) = open.remove(&p) else {
            return Err(err(n, format!("process {p} completes but has no operation open")));
        };
        if invoked != &f[1..] {
            return Err(err(n, format!("process {p} completes {f} but invoked :{invoked}")));
        }
        events.push(Event::ret(p as i64, id, output));
    }
    for (p, (id, _)) in open {
        events.push(Event::ret(p as i64, id, EtcdOutput::Unknown));
    }
    Ok(events)
}
