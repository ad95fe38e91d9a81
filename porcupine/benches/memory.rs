//! The checker's memory on porcupine's benchmark histories and the Jepsen etcd logs at
//! hand: `cargo bench -p porcupine --bench memory`. Each check runs in a process of its
//! own, which reports the bytes the check allocated on every thread (what Go's
//! `-benchmem` B/op counts), the most bytes live at once (history included), and the
//! process's peak resident size (what `/usr/bin/time -f %M` shows for Go's test binary).

use cap::Cap;
use porcupine::formats::jepsen::{self, EtcdModel};
use porcupine::formats::kv::{self, KvModel, KvNoPartitionModel};
use std::alloc::System;
use std::path::PathBuf;
use std::process::Command;

/// Counts bytes allocated, on every thread.
#[global_allocator]
static ALLOC: Cap<System> = Cap::new(System, usize::MAX);

const HISTORIES: [(&str, bool); 6] = [
    ("c01-ok", true),
    ("c01-bad", false),
    ("c10-ok", true),
    ("c10-bad", false),
    ("c50-ok", true),
    ("c50-bad", false),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--one") {
        one(&args[at + 1], &args[at + 2]);
        return;
    }
    println!("{:<28} {:>12} {:>12} {:>12}", "check", "alloc MB", "peak heap MB", "peak RSS MB");
    let mut runs: Vec<(&str, String)> =
        HISTORIES.iter().map(|(n, _)| ("kv_partitioned", n.to_string())).collect();
    runs.extend(HISTORIES[..4].iter().map(|(n, _)| ("kv_no_partition", n.to_string())));
    runs.push(("jepsen_all", String::new()));
    for (what, name) in runs {
        let out = Command::new(std::env::current_exe().expect("this program"))
            .args(["--one", what, &name])
            .output()
            .expect("a child runs");
        let line = String::from_utf8_lossy(&out.stdout);
        println!("{:<28} {}", format!("{what} {name}"), line.trim());
    }
}

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data")
}

fn kv_history(name: &str) -> Vec<porcupine::Event<kv::KvInput, kv::KvOutput>> {
    let path = data().join(format!("{name}.txt"));
    kv::parse(&path, &std::fs::read_to_string(&path).expect("history")).expect("parses")
}

fn jepsen_logs() -> Vec<Vec<porcupine::Event<jepsen::EtcdInput, jepsen::EtcdOutput>>> {
    let dir = std::env::var_os("PORCUPINE_JEPSEN_DIR").map_or_else(|| data().join("jepsen"), PathBuf::from);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("folder of logs")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .collect();
    files.sort();
    files
        .iter()
        .filter_map(|p| jepsen::parse(p, &std::fs::read_to_string(p).ok()?).ok().filter(|e| !e.is_empty()))
        .collect()
}

/// The process's peak resident size, from /proc (0 where there is none).
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).and_then(|v| v.trim().strip_suffix("kB"));
    kb.and_then(|v| v.trim().parse::<usize>().ok()).unwrap_or(0) * 1024
}

/// In a child: runs one check and prints its figures.
fn one(what: &str, name: &str) {
    let correct = HISTORIES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c);
    let a0 = ALLOC.total_allocated();
    match what {
        "kv_partitioned" => {
            let h = kv_history(name);
            let a0 = ALLOC.total_allocated();
            assert_eq!(porcupine::check_events(&KvModel, h).unwrap(), correct.unwrap());
            report(ALLOC.total_allocated() - a0);
        }
        "kv_no_partition" => {
            let h = kv_history(name);
            let a0 = ALLOC.total_allocated();
            assert_eq!(porcupine::check_events(&KvNoPartitionModel, h).unwrap(), correct.unwrap());
            report(ALLOC.total_allocated() - a0);
        }
        _ => {
            let logs = jepsen_logs();
            let a1 = ALLOC.total_allocated();
            for events in logs {
                porcupine::check_events(&EtcdModel, events).unwrap();
            }
            let _ = a0;
            report(ALLOC.total_allocated() - a1);
        }
    }
}

fn report(allocated: usize) {
    let mb = |b: usize| b as f64 / 1e6;
    println!("{:12.3} {:12.3} {:12.3}", mb(allocated), mb(ALLOC.max_allocated()), mb(peak_rss()));
}
