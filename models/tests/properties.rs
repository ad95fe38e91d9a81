//! The key/value model's reads (`read_only`) change no verdict: on random histories of
//! versioned Puts and Gets on one key, linearizable or not, the check says the same with
//! and without them.

use models::{KvInput, KvModel, KvOutput, KvState};
use porcupine::{Model, Operation};
use proptest::prelude::*;
use std::sync::Arc;

/// `KvModel` without its reads.
struct NoReads;

impl Model for NoReads {
    type Input = KvInput;
    type Output = KvOutput;
    type State = KvState;

    fn init(&self) -> KvState {
        KvModel.init()
    }

    fn step(&self, state: &KvState, input: &KvInput, output: &KvOutput) -> Option<KvState> {
        KvModel.step(state, input, output)
    }
}

const ERRS: [&str; 3] = ["OK", "ErrVersion", "ErrMaybe"];
const VALUES: [&str; 3] = ["", "a", "b"];

/// A history run against the model in some order (so linearizable), each operation's
/// interval around its turn; then about one operation in eight gets a random outcome, which
/// may or may not break it.
fn history() -> impl Strategy<Value = Vec<Operation<KvInput, KvOutput>>> {
    prop::collection::vec((0..2u8, 0..3usize, 0..4u64, 0..3usize, 0..8u8, 0..30i64, 0..30i64), 1..24)
        .prop_map(|ops| {
            let mut state = KvState::default();
            ops.into_iter()
                .enumerate()
                .map(|(i, (op, v, version, e, dice, before, after))| {
                    let value: Arc<str> = VALUES[v].into();
                    let at = 10 * i as i64;
                    let input = if op == 0 {
                        KvInput { op, key: "k".into(), ..KvInput::default() }
                    } else {
                        // Versions near the key's, so that some Puts match.
                        KvInput {
                            op,
                            key: "k".into(),
                            value,
                            version: (state.version + version).saturating_sub(1),
                        }
                    };
                    let mut output = if op == 0 {
                        KvOutput { value: state.value.clone(), version: state.version, err: "OK" }
                    } else if input.version == state.version {
                        KvOutput { err: if e == 2 { "ErrMaybe" } else { "OK" }, ..KvOutput::default() }
                    } else {
                        KvOutput {
                            err: if e == 2 { "ErrMaybe" } else { "ErrVersion" },
                            ..KvOutput::default()
                        }
                    };
                    if let Some(next) = KvModel.step(&state, &input, &output) {
                        state = next;
                    }
                    if dice == 0 {
                        // A random outcome.
                        output = if op == 0 {
                            KvOutput { value: VALUES[e].into(), version: 0, err: "OK" }
                        } else {
                            KvOutput { err: ERRS[e], ..KvOutput::default() }
                        };
                    }
                    Operation { client_id: i as i64, input, call: at - before, output, ret: at + after }
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn reads_change_no_verdict(h in history()) {
        let with = porcupine::check_operations(&KvModel, h.clone()).unwrap();
        let without = porcupine::check_operations(&NoReads, h).unwrap();
        prop_assert_eq!(with, without);
    }
}

#[test]
fn the_generator_makes_both_verdicts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut ok, mut bad) = (0, 0);
    for _ in 0..500 {
        let h = history().new_tree(&mut runner).unwrap().current();
        if porcupine::check_operations(&KvModel, h).unwrap() { ok += 1 } else { bad += 1 }
    }
    assert!(ok > 50 && bad > 50, "ok {ok} bad {bad}");
}
