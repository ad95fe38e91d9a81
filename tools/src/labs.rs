//! The labs the tools know: each lab's test binaries (a cargo package's test target, and
//! the Go package its tests come from) and its graded parts.

/// A test binary of the workspace and the Go package its tests mirror.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Suite {
    /// The cargo package (`cargo test -p PACKAGE`).
    pub package: &'static str,
    /// Its test target (the `[[test]]` name).
    pub target: &'static str,
    /// The Go package, as `go test` names it after the module (`raft1`, `kvsrv1/lock`).
    pub go_package: &'static str,
}

/// Lab 3's Raft tests.
pub const RAFT: Suite = Suite { package: "raft", target: "raft_test", go_package: "raft1" };
/// Lab 2's key/value server tests.
pub const KVSRV: Suite = Suite { package: "kvsrv", target: "kvsrv_test", go_package: "kvsrv1" };
/// Lab 2's lock tests.
pub const LOCK: Suite = Suite { package: "lock", target: "lock_test", go_package: "kvsrv1/lock" };

/// Lab 4A's replicated state machine tests.
pub const RSM: Suite = Suite { package: "rsm", target: "rsm_test", go_package: "kvraft1/rsm" };
/// Lab 4B/4C's key/value service tests.
pub const KVRAFT: Suite = Suite { package: "kvraft", target: "kvraft_test", go_package: "kvraft1" };

/// Every suite, in lab order.
pub const SUITES: [Suite; 5] = [KVSRV, LOCK, RAFT, RSM, KVRAFT];

/// The Go module the log's package lines name: `ece419` (the ECE419 handout's), or what
/// `LAB_MODULE` says (`LAB_MODULE=6.5840` for MIT's), as the test binaries do.
pub fn go_module() -> String {
    std::env::var("LAB_MODULE").ok().filter(|m| !m.is_empty()).unwrap_or_else(|| "ece419".to_string())
}

impl Suite {
    /// The suite of cargo package `package`.
    pub fn of_package(package: &str) -> Option<Suite> {
        SUITES.iter().copied().find(|s| s.package == package)
    }

    /// The package as `go test` prints it: `ece419/raft1`.
    pub fn go_path(&self) -> String {
        format!("{}/{}", go_module(), self.go_package)
    }
}

/// Some tests of one suite: all of them, or those whose names end with a tag (`3A`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// The binary.
    pub suite: Suite,
    /// The tag the tests' names end with; `None` for every test of the suite.
    pub tag: Option<&'static str>,
}

/// A graded part of a lab: `3A`, or `kvsrv` (its tests may span binaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartDef {
    /// Its name in `check`'s arguments and reports.
    pub name: &'static str,
    /// The lab it belongs to (`2`, `3`, ...).
    pub lab: &'static str,
    /// Its tests.
    pub pieces: &'static [Piece],
}

const fn piece(suite: Suite, tag: Option<&'static str>) -> Piece {
    Piece { suite, tag }
}

/// Every part, in lab order.
pub const PARTS: [PartDef; 9] = [
    PartDef { name: "kvsrv", lab: "2", pieces: &[piece(KVSRV, None)] },
    PartDef { name: "lock", lab: "2", pieces: &[piece(LOCK, None)] },
    PartDef { name: "3A", lab: "3", pieces: &[piece(RAFT, Some("3A"))] },
    PartDef { name: "3B", lab: "3", pieces: &[piece(RAFT, Some("3B"))] },
    PartDef { name: "3C", lab: "3", pieces: &[piece(RAFT, Some("3C"))] },
    PartDef { name: "3D", lab: "3", pieces: &[piece(RAFT, Some("3D"))] },
    PartDef { name: "4A", lab: "4", pieces: &[piece(RSM, Some("4A"))] },
    PartDef { name: "4B", lab: "4", pieces: &[piece(KVRAFT, Some("4B"))] },
    // Go's `go test -run 4C` in kvraft1/rsm runs TestSnapshot4C, and in kvraft1 the rest.
    PartDef { name: "4C", lab: "4", pieces: &[piece(RSM, Some("4C")), piece(KVRAFT, Some("4C"))] },
];

/// The suite a test selector points to, when it can tell: a part tag (`3A`) or a part's
/// name (`kvsrv`), or a test name ending in a tag (`TestBackup3B`).
pub fn suite_for_selector(sel: &str) -> Option<Suite> {
    if let Some(p) =
        PARTS.iter().find(|p| p.name.eq_ignore_ascii_case(sel) || format!("lab{}", p.name) == sel)
    {
        let first = p.pieces[0].suite;
        return p.pieces.iter().all(|x| x.suite == first).then_some(first);
    }
    PARTS.iter().filter(|p| p.pieces.len() == 1).find_map(|p| {
        let x = p.pieces[0];
        x.tag.filter(|t| sel.starts_with("Test") && sel.ends_with(t)).map(|_| x.suite)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_point_to_suites() {
        assert_eq!(suite_for_selector("3A"), Some(RAFT));
        assert_eq!(suite_for_selector("TestBackup3B"), Some(RAFT));
        assert_eq!(suite_for_selector("kvsrv"), Some(KVSRV));
        assert_eq!(suite_for_selector("lock"), Some(LOCK));
        assert_eq!(suite_for_selector("TestReliablePut"), None);
        assert_eq!(suite_for_selector("4A"), Some(RSM));
        assert_eq!(suite_for_selector("TestBasic4B"), Some(KVRAFT));
        assert_eq!(suite_for_selector("4C"), None, "4C has tests in rsm and in kvraft");
        assert_eq!(RAFT.go_path(), format!("{}/raft1", go_module()));
        assert_eq!(Suite::of_package("lock"), Some(LOCK));
    }
}
