//! Encoding what a Raft peer persists and sends: `cargo bench -p labgob`.
//!
//! `log_of_commands` encodes a log of 1,000 entries whose commands are `Any` (Lab 4's shape:
//! a struct inside `Any`), as a Raft that encodes its whole log at every persist does (after
//! the first round each `Any` has kept its encoding); `log_of_ints` the same with Lab 3's
//! `i64` commands; `decode_log` reads the first back.

use labgob::{Any, Decoder, Encoder};
use serde::{Deserialize, Serialize};

fn main() {
    divan::main();
}

#[derive(Serialize, Deserialize, PartialEq, Debug, Clone)]
struct Op {
    me: usize,
    id: u64,
    key: String,
    value: String,
    version: u64,
}

#[derive(Serialize, Deserialize, Clone)]
struct Entry {
    term: i64,
    command: Option<Any>,
}

fn log_of(command: impl Fn(u64) -> Any) -> Vec<Entry> {
    (0..1000).map(|i| Entry { term: 1 + i as i64 / 100, command: Some(command(i)) }).collect()
}

fn op(i: u64) -> Any {
    Any::new(Op { me: 2, id: i, key: format!("k{}", i % 10), value: "x".repeat(20), version: i / 10 })
}

fn encode(log: &[Entry]) -> Vec<u8> {
    let mut e = Encoder::new();
    e.encode(&7i64).and_then(|_| e.encode(&-1i64)).and_then(|_| e.encode(log)).expect("encodes");
    e.into_bytes()
}

#[divan::bench]
fn log_of_commands(b: divan::Bencher) {
    labgob::register::<Op>();
    let log = log_of(op);
    b.bench(|| encode(divan::black_box(&log)));
}

#[divan::bench]
fn log_of_ints(b: divan::Bencher) {
    let log = log_of(|i| Any::from(i as i64));
    b.bench(|| encode(divan::black_box(&log)));
}

#[divan::bench]
fn decode_log(b: divan::Bencher) {
    labgob::register::<Op>();
    let bytes = encode(&log_of(op));
    b.bench(|| {
        let mut d = Decoder::new(divan::black_box(&bytes));
        let decoded =
            (|| Ok::<_, labgob::Error>((d.decode::<i64>()?, d.decode::<i64>()?, d.decode::<Vec<Entry>>()?)))(
            );
        decoded.expect("decodes")
    });
}
