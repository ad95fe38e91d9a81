//! rpc: the key/value service's RPC arguments, replies and errors (Go's `kvsrv1/rpc`),
//! shared by the clerks, the servers and the tests of Labs 2 and 4. You need not change it.
//!
//! Refer to the error type as `rpc::Err`: a bare `Err` is Rust's `Result::Err`. Its values
//! have Go's names, both as `rpc::Err::ErrNoKey` and as `rpc::ErrNoKey`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a server or clerk reports (Go's `rpc.Err`, a string in Go, printed the same).
#[allow(clippy::upper_case_acronyms)] // Go's spelling: `rpc.OK`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Err {
    /// No error set: Go's zero value `""`, which prints as nothing.
    #[default]
    Unset,
    /// Done.
    OK,
    /// The key does not exist.
    ErrNoKey,
    /// The Put's version does not match the key's.
    ErrVersion,
    /// The Put may or may not have happened (returned by the Clerk only).
    ErrMaybe,
    /// This server is not the leader (Lab 4).
    ErrWrongLeader,
    /// This server's group does not own the key (Lab 5).
    ErrWrongGroup,
}

// Go's names for the values, as `rpc::ErrNoKey` (also `rpc::Err::ErrNoKey`).
#[allow(non_upper_case_globals)]
mod names {
    use super::Err;
    /// Done.
    pub const OK: Err = Err::OK;
    /// The key does not exist.
    pub const ErrNoKey: Err = Err::ErrNoKey;
    /// The Put's version does not match the key's.
    pub const ErrVersion: Err = Err::ErrVersion;
    /// The Put may or may not have happened (returned by the Clerk only).
    pub const ErrMaybe: Err = Err::ErrMaybe;
    /// This server is not the leader (Lab 4).
    pub const ErrWrongLeader: Err = Err::ErrWrongLeader;
    /// This server's group does not own the key (Lab 5).
    pub const ErrWrongGroup: Err = Err::ErrWrongGroup;
}
pub use names::*;

impl Err {
    /// Go's spelling: `"OK"`, `"ErrNoKey"`, ..., and `""` for [`Err::Unset`].
    pub fn as_str(self) -> &'static str {
        match self {
            Err::Unset => "",
            Err::OK => "OK",
            Err::ErrNoKey => "ErrNoKey",
            Err::ErrVersion => "ErrVersion",
            Err::ErrMaybe => "ErrMaybe",
            Err::ErrWrongLeader => "ErrWrongLeader",
            Err::ErrWrongGroup => "ErrWrongGroup",
        }
    }
}

impl fmt::Display for Err {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key's version: how many Puts installed it (Go's `rpc.Tversion`).
pub type Tversion = u64;

/// A Put's arguments: install `value` if the key's version is `version`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutArgs {
    /// The key.
    pub key: String,
    /// The new value.
    pub value: String,
    /// The version the key must have now.
    pub version: Tversion,
}

/// A Put's reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PutReply {
    /// OK, ErrVersion, ErrNoKey (or, in Lab 4, ErrWrongLeader).
    pub err: Err,
}

/// A Get's arguments.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetArgs {
    /// The key.
    pub key: String,
}

/// A Get's reply.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetReply {
    /// The key's value.
    pub value: String,
    /// The key's version.
    pub version: Tversion,
    /// OK, ErrNoKey (or, in Lab 4, ErrWrongLeader).
    pub err: Err,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_print_as_in_go() {
        assert_eq!(Err::default().to_string(), "");
        assert_eq!(format!("Wrong error {}", Err::Unset), "Wrong error ");
        for e in [OK, ErrNoKey, ErrVersion, ErrMaybe, ErrWrongLeader, ErrWrongGroup] {
            assert_eq!(e.to_string(), format!("{e:?}"));
        }
    }
}
