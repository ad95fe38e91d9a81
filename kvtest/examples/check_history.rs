//! Checks again a history that a key/value test saved with `KVTEST_HISTORY=DIR`:
//!
//! ```sh
//! KVTEST_HISTORY=/tmp/h cargo test -p kvraft TestSnapshotRecoverManyClients4C
//! cargo run --release -p kvtest --example check_history -- /tmp/h/*.json --timeout 10 --html /tmp/h.html
//! ```

use models::KvModel;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut timeout = Duration::ZERO;
    let mut html = None;
    let mut files = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--timeout" => {
                timeout = Duration::from_secs_f64(it.next().and_then(|s| s.parse().ok()).unwrap_or(0.0))
            }
            "--html" => html = it.next().cloned(),
            _ => files.push(a.clone()),
        }
    }
    for f in files {
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{f}: {e}");
                continue;
            }
        };
        let saved: Vec<kvtest::SavedOp> = match serde_json::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{f}: not a saved history: {e}");
                continue;
            }
        };
        let n = saved.len();
        let ops = saved.iter().map(kvtest::SavedOp::to_operation).collect();
        let t = Instant::now();
        match porcupine::check_operations_verbose(&KvModel, ops, timeout) {
            Ok((res, info)) => {
                println!("{f} {res} {:.3} ({n} operations)", t.elapsed().as_secs_f64());
                if let Some(path) = &html {
                    let mut page = porcupine::Page::from_info(&KvModel, &info);
                    page.test = f.clone();
                    println!("{}", porcupine::write_page(&page, Some(path)));
                }
            }
            Err(e) => eprintln!("{f}: {e}"),
        }
    }
}
