//! Your lock: the skeleton of Go's `kvsrv1/lock/lock.go`, in Rust.
//!
//! Build and test it with `cargo test -p lock --features starter`.

#![allow(dead_code, unused_variables)]

use kvtest::IKVClerk;

/// Your lock.
pub struct Lock<'a> {
    /// `IKVClerk` is a trait for k/v clerks: it hides the specific Clerk type of ck but
    /// promises that ck supports put and get. The tester passes the clerk in when calling
    /// `make_lock()`.
    ck: &'a dyn IKVClerk,
    // You may add fields here.
}

/// The tester calls `make_lock()` and passes in a k/v clerk; your code can perform a Put
/// or Get by calling `lk.ck.put()` or `lk.ck.get()`.
///
/// Use `l` as the key to store the "lock state" (you would have to decide precisely what
/// the lock state is).
pub fn make_lock<'a>(ck: &'a dyn IKVClerk, l: &str) -> Lock<'a> {
    let lk = Lock { ck };
    // You may add code here.
    lk
}

impl Lock<'_> {
    /// Takes the lock, waiting while another client holds it.
    pub fn acquire(&self) {
        // Your code here.
    }

    /// Frees the lock.
    pub fn release(&self) {
        // Your code here.
    }
}
