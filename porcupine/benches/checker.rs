//! The checker's speed on porcupine's benchmark histories (Go's `BenchmarkKv*`), plus every
//! Jepsen etcd log at hand: `cargo bench -p porcupine --bench checker`. Set
//! `PORCUPINE_JEPSEN_DIR` to a folder of more etcd logs (porcupine's own `test_data/jepsen`
//! has 102) to time them all. The bytes each check allocates: `--bench memory`.

use divan::Bencher;
use porcupine::formats::jepsen::{self, EtcdInput, EtcdModel, EtcdOutput};
use porcupine::formats::kv::{self, KvInput, KvModel, KvNoPartitionModel, KvOutput};
use porcupine::{Event, Model};
use std::path::{Path, PathBuf};

fn main() {
    divan::main();
}

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

fn kv_history(name: &str) -> Vec<Event<KvInput, KvOutput>> {
    let path = data().join(format!("{name}.txt"));
    kv::parse(&path, &std::fs::read_to_string(&path).expect("history")).expect("parses")
}

fn bench<M: Model>(b: Bencher, model: &M, events: Vec<Event<M::Input, M::Output>>, correct: bool)
where
    M::Input: Clone,
    M::Output: Clone,
{
    b.with_inputs(|| events.clone()).bench_values(|h| {
        let res = porcupine::check_events(model, h).expect("a well-formed history");
        assert_eq!(res, correct);
    });
}

#[divan::bench(args = [("c01-ok", true), ("c01-bad", false), ("c10-ok", true), ("c10-bad", false), ("c50-ok", true), ("c50-bad", false)])]
fn kv_partitioned(b: Bencher, (name, correct): (&str, bool)) {
    bench(b, &KvModel, kv_history(name), correct);
}

#[divan::bench(args = [("c01-ok", true), ("c01-bad", false), ("c10-ok", true), ("c10-bad", false)], sample_count = 10)]
fn kv_no_partition(b: Bencher, (name, correct): (&str, bool)) {
    bench(b, &KvNoPartitionModel, kv_history(name), correct);
}

fn jepsen_logs(dir: &Path) -> Vec<Vec<Event<EtcdInput, EtcdOutput>>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder of logs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| {
            let events = jepsen::parse(p, &std::fs::read_to_string(p).ok()?).ok()?;
            // etcd_095 is empty ("etcd cluster failed to start up"), as Go's tests skip it.
            (!events.is_empty()).then_some(events)
        })
        .collect()
}

/// All the etcd logs, checked one after another (Go: 666 ms for its 102).
#[divan::bench(sample_count = 20)]
fn jepsen_all(b: Bencher) {
    let logs = jepsen_logs(&jepsen_dir());
    b.with_inputs(|| logs.clone()).bench_values(|logs| {
        for events in logs {
            porcupine::check_events(&EtcdModel, events).expect("a well-formed history");
        }
    });
}

fn jepsen_dir() -> PathBuf {
    std::env::var_os("PORCUPINE_JEPSEN_DIR").map_or_else(|| data().join("jepsen"), PathBuf::from)
}
