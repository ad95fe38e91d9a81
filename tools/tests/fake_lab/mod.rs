//! A fake lab test binary for the end-to-end tests: the lab's real harness (labtest) running
//! tests that print the tester's lines and pass, fail, exit, panic or hang.
#![allow(non_snake_case)]

use std::thread;
use std::time::Duration;

/// Set (to anything) to make this executable the fake lab instead of the test runner.
pub const ENV: &str = "TOOLS_FAKE_LAB";

/// Set to a directory to have TestSlow3B write its process id there.
pub const PIDS_ENV: &str = "TOOLS_FAKE_LAB_PIDS";

fn begin(description: &str) {
    println!("{description} (reliable network)...");
    if let Ok(level) = std::env::var("VERBOSE") {
        println!("000000 TEST S0 VERBOSE={level}");
    }
}

fn passed(rpcs: u64) {
    println!("  ... Passed --  time  0.1s #peers 3 #RPCs {rpcs:5} #Ops    0");
}

fn TestQuick3A() {
    begin("Test (3A): quick");
    thread::sleep(Duration::from_millis(50));
    passed(42);
}

fn TestBroken3A() {
    begin("Test (3A): broken");
    println!("Fatal: expected one leader, got none\n        raft_test.rs:80");
    labtest::fail_now()
}

fn TestApply3B() {
    begin("Test (3B): apply");
    labtest::fail_process("apply error: server 1 apply out of order 5")
}

fn TestSlow3B() {
    begin("Test (3B): slow");
    if let Some(dir) = std::env::var_os(PIDS_ENV) {
        let id = std::process::id();
        std::fs::write(std::path::Path::new(&dir).join(id.to_string()), "").expect("pid file");
    }
    thread::sleep(Duration::from_secs(60));
    passed(1);
}

fn TestPanic3C() {
    begin("Test (3C): panics");
    let v: Vec<u32> = Vec::new();
    println!("{}", v[std::hint::black_box(3)]);
}

fn TestGood3D() {
    begin("Test (3D): good");
    passed(7);
}

fn TestAlsoGood3D() {
    begin("Test (3D): also good");
    passed(9);
}

/// Runs the fake lab's tests with libtest's command line, like the raft test binary.
pub fn main() -> ! {
    labtest::run(
        "raft",
        labtest::test_list!(
            TestQuick3A,
            TestBroken3A,
            TestApply3B,
            TestSlow3B,
            TestPanic3C,
            TestGood3D,
            TestAlsoGood3D
        ),
    )
}
