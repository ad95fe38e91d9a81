//! models: Go's `models1`, the sequential key/value model that the lab's linearizability
//! checks use (`kvtest` records clients' Gets and Puts and checks them against it).
//!
//! Go's strings are `Arc<str>` here: a history holds hundreds of thousands of operations
//! on a few keys and values, and a state is the value a Put left, shared, not copied.

use porcupine::{Model, Operation};
use std::sync::Arc;

/// A client's call: a Get (`op` 0) or a versioned Put (`op` 1) (Go's `KvInput`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvInput {
    /// 0 for Get, 1 for Put; anything else is never legal.
    pub op: u8,
    /// The key.
    pub key: Arc<str>,
    /// A Put's value.
    pub value: Arc<str>,
    /// A Put's version.
    pub version: u64,
}

/// What the client got back (Go's `KvOutput`); a Put's output carries only `err`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvOutput {
    /// A Get's value.
    pub value: Arc<str>,
    /// A Get's version.
    pub version: u64,
    /// The error, spelt as Go's `rpc.Err` ("OK", "ErrVersion", ...).
    pub err: &'static str,
}

/// One key's value and version (Go's `KvState`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvState {
    /// The value; "" while the key is absent.
    pub value: Arc<str>,
    /// The version; 0 while the key is absent.
    pub version: u64,
}

/// The lab's key/value model (Go's `models.KvModel`), checked key by key.
pub struct KvModel;

impl Model for KvModel {
    type Input = KvInput;
    type Output = KvOutput;
    type State = KvState;

    /// One partition per key, in sorted key order (Go sorts the keys with `sort.Strings`),
    /// each in history order. A history of one key stays as it is; otherwise each key's
    /// operations move once, not the whole history per key.
    fn partition(
        &self,
        history: Vec<Operation<KvInput, KvOutput>>,
    ) -> Vec<Vec<Operation<KvInput, KvOutput>>> {
        let mut h = history;
        if h.iter().all(|op| op.input.key == h[0].input.key) {
            return if h.is_empty() { Vec::new() } else { vec![h] };
        }
        // Stable: history order within a key.
        h.sort_by(|a, b| a.input.key.cmp(&b.input.key));
        let mut parts = Vec::new();
        while let Some(last) = h.last() {
            let key = last.input.key.clone();
            let start = h.partition_point(|op| op.input.key < key);
            parts.push(h.split_off(start));
        }
        parts.reverse();
        parts
    }

    /// One key, absent: an absent key reads as "".
    fn init(&self) -> KvState {
        KvState::default()
    }

    fn step(&self, state: &KvState, input: &KvInput, output: &KvOutput) -> Option<KvState> {
        match input.op {
            // A Get must read the value; its version and error are not compared (so a
            // Get of an absent key that says ErrNoKey matches the initial state).
            0 => (output.value == state.value).then(|| state.clone()),
            // A Put installs its value if the version matches, else fails with
            // ErrVersion; ErrMaybe may be either, decided at the linearization point.
            1 if state.version == input.version => matches!(output.err, "OK" | "ErrMaybe")
                .then(|| KvState { value: input.value.clone(), version: state.version + 1 }),
            1 => matches!(output.err, "ErrVersion" | "ErrMaybe").then(|| state.clone()),
            _ => None,
        }
    }

    /// A Get, and a Put that failed with ErrVersion (allowed only when the versions differ,
    /// and then changing nothing), never change the state; nor does a Put whose version the
    /// key has passed (versions only grow, so it can never match again).
    fn read_only(&self, state: &KvState, input: &KvInput, output: &KvOutput) -> bool {
        input.op == 0 || (input.op == 1 && (output.err == "ErrVersion" || input.version < state.version))
    }

    fn describe_operation(&self, input: &KvInput, output: &KvOutput) -> String {
        match input.op {
            0 => format!(
                "get('{}') -> ('{}', '{}', '{}')",
                input.key, output.value, output.version, output.err
            ),
            1 => {
                format!("put('{}', '{}', '{}') -> ('{}')", input.key, input.value, input.version, output.err)
            }
            _ => "<invalid>".to_string(),
        }
    }

    /// Go's `%v` of a `KvState`: `{value version}`.
    fn describe_state(&self, state: &KvState) -> String {
        format!("{{{} {}}}", state.value, state.version)
    }

    fn describe_partition(&self, history: &[Operation<KvInput, KvOutput>]) -> Option<String> {
        history.first().map(|op| format!("key '{}'", op.input.key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(key: &str, value: &str, version: u64, err: &'static str) -> (KvInput, KvOutput) {
        let input = KvInput { op: 0, key: key.into(), ..Default::default() };
        (input, KvOutput { value: value.into(), version, err })
    }

    fn put(key: &str, value: &str, version: u64, err: &'static str) -> (KvInput, KvOutput) {
        let input = KvInput { op: 1, key: key.into(), value: value.into(), version };
        (input, KvOutput { err, ..Default::default() })
    }

    fn step(s: &KvState, (i, o): &(KvInput, KvOutput)) -> Option<KvState> {
        KvModel.step(s, i, o)
    }

    fn st(value: &str, version: u64) -> KvState {
        KvState { value: value.into(), version }
    }

    #[test]
    fn get_compares_the_value_only() {
        let s = st("x", 3);
        assert_eq!(step(&s, &get("k", "x", 3, "OK")), Some(s.clone()));
        assert_eq!(step(&s, &get("k", "x", 9, "ErrNoKey")), Some(s.clone()));
        assert_eq!(step(&s, &get("k", "y", 3, "OK")), None);
        assert_eq!(step(&KvState::default(), &get("k", "", 0, "ErrNoKey")), Some(KvState::default()));
    }

    #[test]
    fn put_with_the_current_version() {
        let s = st("x", 3);
        for err in ["OK", "ErrMaybe"] {
            assert_eq!(step(&s, &put("k", "y", 3, err)), Some(st("y", 4)), "{err}");
        }
        for err in ["ErrVersion", "ErrNoKey", ""] {
            assert_eq!(step(&s, &put("k", "y", 3, err)), None, "{err}");
        }
    }

    #[test]
    fn put_with_another_version() {
        let s = st("x", 3);
        for err in ["ErrVersion", "ErrMaybe"] {
            assert_eq!(step(&s, &put("k", "y", 2, err)), Some(s.clone()), "{err}");
        }
        for err in ["OK", "ErrNoKey"] {
            assert_eq!(step(&s, &put("k", "y", 2, err)), None, "{err}");
        }
    }

    #[test]
    fn other_ops_are_never_legal() {
        let i = KvInput { op: 2, ..Default::default() };
        assert_eq!(KvModel.step(&KvState::default(), &i, &KvOutput::default()), None);
        assert_eq!(KvModel.describe_operation(&i, &KvOutput::default()), "<invalid>");
    }

    #[test]
    fn descriptions_are_gos() {
        let (i, o) = get("k", "v", 2, "OK");
        assert_eq!(KvModel.describe_operation(&i, &o), "get('k') -> ('v', '2', 'OK')");
        let (i, o) = put("k", "v", 1, "ErrMaybe");
        assert_eq!(KvModel.describe_operation(&i, &o), "put('k', 'v', '1') -> ('ErrMaybe')");
        assert_eq!(KvModel.describe_state(&st("{\"Id\":0,\"V\":3}", 4)), "{{\"Id\":0,\"V\":3} 4}");
    }

    #[test]
    fn partitions_in_sorted_key_order() {
        let op = |key: &str, t: i64| {
            let (input, output) = get(key, "", 0, "OK");
            Operation { client_id: 0, input, call: t, output, ret: t + 1 }
        };
        let parts = KvModel.partition(vec![op("b", 0), op("a", 1), op("b", 2), op("A", 3)]);
        let keys: Vec<Vec<(String, i64)>> =
            parts.iter().map(|p| p.iter().map(|o| (o.input.key.to_string(), o.call)).collect()).collect();
        assert_eq!(
            keys,
            vec![vec![("A".into(), 3)], vec![("a".into(), 1)], vec![("b".into(), 0), ("b".into(), 2)]]
        );
        assert_eq!(KvModel.partition(vec![op("k", 0), op("k", 1)]).len(), 1);
        assert!(KvModel.partition(Vec::new()).is_empty());
    }
}
