//! Round trips through the simulated network: `cargo bench -p labrpc`.
//!
//! `sequential` is the loop of Go's TestBenchmark (one end, one call at a time), which takes
//! 20–22 µs per call with Go's labrpc on a 2-core machine; `concurrent` has 4 threads calling
//! at once through their own ends.

use labrpc::{ClientEnd, Network, Server, Service};
use std::sync::Arc;

fn main() {
    divan::main();
}

struct Echo;

impl Echo {
    fn handler2(&self, args: &i64, reply: &mut String) {
        *reply = format!("handler2-{args}");
    }
}

fn network(ends: usize) -> (Network, Vec<ClientEnd>) {
    let net = Network::new();
    let mut srv = Server::new();
    srv.add_service(Service::builder(Arc::new(Echo)).method("Handler2", Echo::handler2).build());
    net.add_server("server99", srv);
    let ends = (0..ends)
        .map(|i| {
            let name = format!("end-{i}");
            let e = net.make_end(&name);
            net.connect(&name, "server99");
            net.enable(&name, true);
            e
        })
        .collect();
    (net, ends)
}

#[divan::bench(sample_count = 50, sample_size = 200)]
fn sequential(b: divan::Bencher) {
    let (net, ends) = network(1);
    b.bench_local(|| {
        let mut reply = String::new();
        assert!(ends[0].call("Echo.Handler2", &111i64, &mut reply));
        reply
    });
    net.cleanup();
}

/// 4 threads × 100 calls each; divan reports the time per batch of 400 calls.
#[divan::bench(sample_count = 20, sample_size = 1)]
fn concurrent_4x100(b: divan::Bencher) {
    let (net, ends) = network(4);
    b.bench_local(|| {
        std::thread::scope(|s| {
            for e in &ends {
                s.spawn(move || {
                    for _ in 0..100 {
                        let mut reply = String::new();
                        assert!(e.call("Echo.Handler2", &111i64, &mut reply));
                    }
                });
            }
        });
    });
    net.cleanup();
}
