//! The lab's test binary: building it with cargo (or taking a given one), listing its tests,
//! and choosing tests by name or part tag.

use crate::labs::Suite;
use crate::{Context, Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where the test binary comes from: a path given, or a `cargo test --no-run` build.
#[derive(clap::Args, Debug, Clone)]
pub struct BinaryArgs {
    /// Use this already-built test binary (it must accept libtest's `--list` and `--exact`)
    /// instead of building one with cargo.
    #[arg(long, value_name = "PATH")]
    pub binary: Option<PathBuf>,

    /// Cargo features to build the package with, e.g. `starter` for the student skeleton
    /// (passed to `cargo test --features`).
    #[arg(long, value_name = "FEATURES", conflicts_with = "binary")]
    pub features: Option<String>,

    /// The package whose tests to build (default: the one the chosen tests belong to, e.g.
    /// kvsrv for `TestReliablePut`; raft when they do not tell).
    #[arg(long, value_name = "NAME")]
    pub package: Option<String>,

    /// The package's test target (its `[[test]]` name; default: the package's own, e.g.
    /// raft_test).
    #[arg(long, value_name = "NAME")]
    pub test_target: Option<String>,
}

impl BinaryArgs {
    /// The test binary for `suite` (unless `--package` names another): the one given, or a
    /// fresh build.
    pub fn resolve_for(&self, suite: Suite) -> Result<PathBuf> {
        match &self.binary {
            Some(path) if path.is_file() => Ok(path.clone()),
            Some(path) => Err(Error::new(format!("test binary {} not found", path.display()))),
            None => {
                let package = self.package.as_deref().unwrap_or(suite.package);
                let own = Suite::of_package(package).map_or(suite.target, |s| s.target);
                build(package, self.test_target.as_deref().unwrap_or(own), self.features.as_deref())
            }
        }
    }

    /// The suite `--package` names, if it names one the tools know.
    pub fn package_suite(&self) -> Option<Suite> {
        self.package.as_deref().and_then(Suite::of_package)
    }
}

/// Builds the package's tests with `cargo test --no-run` and returns the `target`'s binary.
/// Cargo's progress and any compile errors go to stderr as usual.
pub fn build(package: &str, target: &str, features: Option<&str>) -> Result<PathBuf> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["test", "-p", package, "--no-run", "--message-format=json-render-diagnostics"]);
    if let Some(f) = features {
        cmd.args(["--features", f]);
    }
    let what = || format!("building the tests of {package} (cargo test -p {package} --no-run)");
    let out = cmd.stdin(Stdio::null()).stderr(Stdio::inherit()).output().context(what)?;
    if !out.status.success() {
        return Err(Error::new(format!("{}: cargo failed ({}); see its errors above", what(), out.status)));
    }
    let messages = String::from_utf8_lossy(&out.stdout);
    executable_from_messages(&messages, target)
        .ok_or_else(|| Error::new(format!("{}: cargo named no executable for test target {target}", what())))
}

/// The `executable` of the `compiler-artifact` message for test target `target`, from cargo's
/// JSON messages (one per line).
pub fn executable_from_messages(messages: &str, target: &str) -> Option<PathBuf> {
    messages
        .lines()
        .rev()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == target)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// The binary's tests in its own order (Go's file order), from `BIN --list`.
pub fn list_tests(binary: &Path) -> Result<Vec<String>> {
    let what = || format!("listing the tests of {}", binary.display());
    let out = Command::new(binary).arg("--list").stdin(Stdio::null()).output().context(what)?;
    if !out.status.success() {
        return Err(Error::new(format!("{}: it exited with {}", what(), out.status)));
    }
    let tests = parse_list(&String::from_utf8_lossy(&out.stdout));
    if tests.is_empty() {
        return Err(Error::new(format!("{}: it lists no tests", what())));
    }
    Ok(tests)
}

/// Test names from libtest's `--list` output (`TestX: test` lines).
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines().filter_map(|l| l.strip_suffix(": test")).map(str::to_string).collect()
}

/// Whether `s` looks like a part tag: digits then one capital letter, such as `3A`.
pub fn is_part_tag(s: &str) -> bool {
    let Some(letter) = s.chars().last() else { return false };
    let digits = &s[..s.len() - letter.len_utf8()];
    letter.is_ascii_uppercase() && !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// The tests of `all` (in its order) whose names end with part tag `tag`.
pub fn tests_of_part<'a>(all: &'a [String], tag: &str) -> Vec<&'a String> {
    all.iter().filter(|t| t.ends_with(tag)).collect()
}

/// The tests `selectors` choose, each once, in the order chosen: a selector is a test's full
/// name, or a part tag (`3A`) standing for every test whose name ends with it.
pub fn expand(selectors: &[String], all: &[String]) -> Result<Vec<String>> {
    let mut chosen: Vec<String> = Vec::new();
    for sel in selectors {
        let found: Vec<&String> = if all.contains(sel) {
            vec![all.iter().find(|t| *t == sel).expect("contained")]
        } else if is_part_tag(sel) {
            tests_of_part(all, sel)
        } else {
            Vec::new()
        };
        if found.is_empty() {
            return Err(Error::new(format!(
                "no test {} {sel:?}; the binary has: {}",
                if is_part_tag(sel) { "of part" } else { "named" },
                all.join(", ")
            )));
        }
        for t in found {
            if !chosen.contains(t) {
                chosen.push(t.clone());
            }
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<String> {
        ["TestInitialElection3A", "TestReElection3A", "TestBasicAgree3B", "TestPersist13C"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn finds_the_test_executable_in_cargo_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"raft","kind":["lib"]},"executable":null}
{"reason":"compiler-message","message":{"rendered":"warning"}}
{"reason":"compiler-artifact","target":{"name":"raft_test","kind":["test"]},"executable":"/w/target/debug/deps/raft_test-abc"}
not json
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable_from_messages(messages, "raft_test"),
            Some(PathBuf::from("/w/target/debug/deps/raft_test-abc"))
        );
        assert_eq!(executable_from_messages(messages, "other"), None);
    }

    #[test]
    fn parses_list_output() {
        assert_eq!(parse_list("TestA3A: test\nTestB3B: test\n\n"), vec!["TestA3A", "TestB3B"]);
    }

    #[test]
    fn part_tags() {
        assert!(is_part_tag("3A"));
        assert!(is_part_tag("12D"));
        assert!(!is_part_tag("A"));
        assert!(!is_part_tag("3a"));
        assert!(!is_part_tag("TestX3A"));
        assert!(!is_part_tag(""));
    }

    #[test]
    fn expands_part_tags_and_names_in_order_without_repeats() {
        let sel = ["3B", "TestReElection3A", "3A"].map(String::from);
        assert_eq!(
            expand(&sel, &all()).unwrap(),
            vec!["TestBasicAgree3B", "TestReElection3A", "TestInitialElection3A"]
        );
    }

    #[test]
    fn unknown_selectors_are_errors() {
        let e = expand(&["3E".to_string()], &all()).unwrap_err();
        assert!(e.to_string().starts_with("no test of part \"3E\""), "{e}");
        let e = expand(&["TestNope".to_string()], &all()).unwrap_err();
        assert!(e.to_string().starts_with("no test named \"TestNope\""), "{e}");
    }

    #[test]
    fn missing_binary_is_reported() {
        let args = BinaryArgs {
            binary: Some("/nonexistent/raft_test".into()),
            features: None,
            package: None,
            test_target: None,
        };
        let e = args.resolve_for(crate::labs::RAFT).unwrap_err();
        assert_eq!(e.to_string(), "test binary /nonexistent/raft_test not found");
    }
}
