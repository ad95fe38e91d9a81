//! Properties of the checker beyond Go's tests: random histories that have a linearization
//! by construction are Ok; one impossible output makes them Illegal; a timeout comes back
//! on time even on a history the checker cannot decide.

use porcupine::formats::kv::{self, KvNoPartitionModel};
use porcupine::{CheckResult, Model, Operation};
use proptest::prelude::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// A register of one number, initially 0.
struct Register;

#[derive(Clone, Copy, Debug)]
enum Op {
    Put(i64),
    Get,
}

impl Model for Register {
    type Input = Op;
    type Output = i64;
    type State = i64;

    fn init(&self) -> i64 {
        0
    }

    fn step(&self, state: &i64, input: &Op, output: &i64) -> Option<i64> {
        match input {
            Op::Put(v) => Some(*v),
            Op::Get => (output == state).then_some(*state),
        }
    }
}

/// The same register, telling the checker that a get is a read.
struct ReadRegister;

impl Model for ReadRegister {
    type Input = Op;
    type Output = i64;
    type State = i64;

    fn init(&self) -> i64 {
        0
    }

    fn step(&self, state: &i64, input: &Op, output: &i64) -> Option<i64> {
        Register.step(state, input, output)
    }

    fn read_only(&self, _state: &i64, input: &Op, _output: &i64) -> bool {
        matches!(input, Op::Get)
    }
}

/// Any history of puts and gets on the register, linearizable or not: gets read values
/// that some put wrote (or 0), at random.
fn any_history() -> impl Strategy<Value = Vec<Operation<Op, i64>>> {
    prop::collection::vec((0..4i64, prop::option::of(1..4i64), 0..4i64, 0..100i64, 0..30i64), 1..40).prop_map(
        |ops| {
            ops.into_iter()
                .map(|(client, put, read, call, len)| {
                    let (input, output) = match put {
                        Some(v) => (Op::Put(v), 0),
                        None => (Op::Get, read),
                    };
                    Operation { client_id: client, input, call, output, ret: call + len }
                })
                .collect()
        },
    )
}

/// One planned operation: its kind, and how far its call and return reach out from its
/// linearization point.
#[derive(Clone, Debug)]
struct Plan {
    client: i64,
    put: Option<i64>,
    before: i64,
    after: i64,
}

fn plans() -> impl Strategy<Value = Vec<Plan>> {
    prop::collection::vec(
        (0..5i64, prop::option::of(1..4i64), 0..40i64, 0..40i64)
            .prop_map(|(client, put, before, after)| Plan { client, put, before, after }),
        1..60,
    )
}

/// A history that has a linearization by construction: operation i takes effect at time
/// 10 * i, inside its interval, and reads what the operations before it left.
fn history(plans: &[Plan]) -> Vec<Operation<Op, i64>> {
    let mut value = 0;
    plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let at = 10 * i as i64;
            let (input, output) = match p.put {
                Some(v) => {
                    value = v;
                    (Op::Put(v), 0)
                }
                None => (Op::Get, value),
            };
            Operation { client_id: p.client, input, call: at - p.before, output, ret: at + p.after }
        })
        .collect()
}

proptest! {
    #[test]
    fn histories_with_a_linearization_are_ok(plans in plans()) {
        let h = history(&plans);
        let (res, info) = porcupine::check_operations_verbose(&Register, h, Duration::ZERO).unwrap();
        prop_assert_eq!(res, CheckResult::Ok);
        // The linearization found is complete and replays.
        let p = &info.partitions()[0];
        prop_assert_eq!(p.partial_linearizations.len(), 1);
        let seq = &p.partial_linearizations[0];
        prop_assert_eq!(seq.len(), plans.len());
        let mut state = 0;
        for &id in seq {
            let op = &p.operations[id];
            state = Register.step(&state, &op.input, &op.output).expect("every step legal");
        }
    }

    #[test]
    fn one_impossible_read_makes_them_illegal(plans in plans(), pick in any::<prop::sample::Index>()) {
        let mut h = history(&plans);
        let gets: Vec<usize> = (0..h.len()).filter(|&i| matches!(h[i].input, Op::Get)).collect();
        prop_assume!(!gets.is_empty());
        // No operation ever writes -1.
        h[gets[pick.index(gets.len())]].output = -1;
        prop_assert_eq!(porcupine::check_operations_timeout(&Register, h.clone(), Duration::ZERO).unwrap(), CheckResult::Illegal);
        let (res, info) = porcupine::check_operations_verbose(&Register, h, Duration::ZERO).unwrap();
        prop_assert_eq!(res, CheckResult::Illegal);
        prop_assert!(porcupine::explain(&Register, &info).iter().any(|l| l.contains("-1")));
    }
}

proptest! {
    #[test]
    fn taking_reads_first_keeps_every_verdict(h in any_history()) {
        let plain = porcupine::check_operations(&Register, h.clone()).unwrap();
        let reads = porcupine::check_operations(&ReadRegister, h.clone()).unwrap();
        prop_assert_eq!(plain, reads);
        let (res, _) = porcupine::check_operations_verbose(&ReadRegister, h, Duration::ZERO).unwrap();
        prop_assert_eq!(res == CheckResult::Ok, plain);
    }

    #[test]
    fn histories_with_a_linearization_are_ok_taking_reads_first(plans in plans()) {
        prop_assert!(porcupine::check_operations(&ReadRegister, history(&plans)).unwrap());
    }
}

/// porcupine's 50-client key/value history as one map: far beyond any search.
fn hardest() -> Vec<porcupine::Event<kv::KvInput, kv::KvOutput>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data/c50-ok.txt");
    kv::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[test]
fn a_timeout_comes_back_on_time() {
    let timeout = Duration::from_millis(500);
    let t = Instant::now();
    let res = porcupine::check_events_timeout(&KvNoPartitionModel, hardest(), timeout).unwrap();
    let took = t.elapsed();
    assert_eq!(res, CheckResult::Unknown);
    assert!(took < timeout + Duration::from_millis(100), "took {took:?}");
}

#[test]
fn a_verbose_timeout_comes_back_on_time_with_what_it_found() {
    let timeout = Duration::from_millis(500);
    let t = Instant::now();
    let (res, info) = porcupine::check_events_verbose(&KvNoPartitionModel, hardest(), timeout).unwrap();
    let took = t.elapsed();
    assert_eq!(res, CheckResult::Unknown);
    assert!(took < timeout + Duration::from_millis(100), "took {took:?}");
    let p = &info.partitions()[0];
    assert_eq!(p.result, CheckResult::Unknown);
    assert!(p.partial_linearizations.iter().any(|l| !l.is_empty()), "no prefix kept");
}

#[test]
fn malformed_histories_are_errors() {
    use porcupine::{Event, HistoryError};
    let h = vec![Operation { client_id: 0, input: Op::Get, call: 10, output: 0, ret: 5 }];
    assert_eq!(
        porcupine::check_operations(&Register, h),
        Err(HistoryError::ReturnBeforeCall { index: 0, call: 10, ret: 5 })
    );
    let e = vec![Event::call(0, 1, Op::Get), Event::ret(0, 2, 0)];
    assert_eq!(
        porcupine::check_events(&Register, e),
        Err(HistoryError::ReturnWithoutCall { index: 1, id: 2 })
    );
    let e = vec![Event::call(0, 1, Op::Get), Event::call(1, 2, Op::Get), Event::ret(0, 1, 0)];
    assert_eq!(porcupine::check_events(&Register, e), Err(HistoryError::CallWithoutReturn { id: 2 }));
    let e = vec![Event::call(0, 1, Op::Get), Event::ret(0, 1, 0), Event::ret(0, 1, 0)];
    assert_eq!(porcupine::check_events(&Register, e), Err(HistoryError::DuplicateId { index: 2, id: 1 }));
    // Sparse ids work as dense ones do.
    let e = vec![
        Event::call(0, 1 << 40, Op::Put(3)),
        Event::ret(0, 1 << 40, 0),
        Event::call(0, 7, Op::Get),
        Event::ret(0, 7, 3),
    ];
    assert_eq!(porcupine::check_events(&Register, e), Ok(true));
}
