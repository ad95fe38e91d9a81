//! Grading a class end to end: submissions made from the handout (the reference Raft copied
//! in, the skeleton as it is, one that does not compile, one that edits a test to pass, one
//! whose ticker panics), graded for part 3A into one CSV and one JSON.

use std::path::{Path, PathBuf};
use std::process::Command;
use tools::handout::{workspace_root, write};

/// Copies every file under `from` to `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), dst).unwrap();
        }
    }
}

#[test]
fn a_class_of_five_submissions() {
    let root = workspace_root();
    let base = std::env::temp_dir().join(format!("grading-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let handout = base.join("handout");
    write(&root, &handout, false).unwrap();
    let class = base.join("class");
    // The reference solution copied into a handout tree.
    let full = class.join("alice");
    copy_dir(&handout, &full);
    std::fs::remove_dir_all(full.join("raft/src")).unwrap();
    copy_dir(&root.join("raft/src"), &full.join("raft/src"));
    // The skeleton as handed out.
    copy_dir(&handout, &class.join("bob"));
    // A skeleton that does not compile.
    let broken = class.join("carol");
    copy_dir(&handout, &broken);
    let raft = broken.join("raft/src/raft.rs");
    let text = std::fs::read_to_string(&raft).unwrap();
    std::fs::write(&raft, text.replace("pub fn make(", "pub fn make(this is not rust")).unwrap();
    // The skeleton with the tests emptied: the grader's tests are the originals.
    let cheat = class.join("dave");
    copy_dir(&handout, &cheat);
    std::fs::write(cheat.join("raft/tests/raft_test.rs"), "fn main() {}\n").unwrap();

    // The reference solution with a ticker that panics: the grade is what the tests say.
    let panics = class.join("erin");
    copy_dir(&full, &panics);
    let raft = panics.join("raft/src/raft.rs");
    let text = std::fs::read_to_string(&raft).unwrap();
    let ticker = "    fn ticker(self: Arc<Self>) {\n";
    assert!(text.contains(ticker), "the reference ticker moved: update this test");
    let text = text.replacen(ticker, &format!("{ticker}        panic!(\"erin's ticker broke\");\n"), 1);
    std::fs::write(&raft, text).unwrap();

    let out = base.join("grades");
    let cache: PathBuf = root.join("target/grader-test");
    // A work tree left by an earlier run, from an older course workspace: it must not be used.
    let stale = cache.join("work-0");
    std::fs::create_dir_all(stale.join("tester/src")).unwrap();
    std::fs::write(stale.join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::write(stale.join("tester/src/lib.rs"), "compile_error!(\"a stale work tree\");\n").unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_check"))
        .args(["lab3A", "--submissions"])
        .arg(&class)
        .arg("--out")
        .arg(&out)
        .arg("--cache")
        .arg(&cache)
        .current_dir(&root)
        .env_remove("LAB_MODULE")
        .status()
        .unwrap();
    assert!(status.success());

    let csv = std::fs::read_to_string(out.join("grades.csv")).unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().skip(1).map(|l| l.splitn(6, ',').collect()).collect();
    let of = |who: &str| rows.iter().filter(|r| r[0] == who).map(|r| r[3]).collect::<Vec<_>>();
    assert_eq!(of("alice"), ["ok", "ok", "ok"], "{csv}");
    assert_eq!(of("bob"), ["FAIL", "FAIL", "FAIL"], "{csv}");
    assert_eq!(of("carol"), ["FAIL"], "{csv}");
    // The failure is the last field, quoted when it holds a comma, as a compiler error does.
    let failure = |r: &Vec<&str>| {
        r[5].strip_prefix('"').map_or(r[5].to_string(), |q| q.trim_end_matches('"').replace("\"\"", "\""))
    };
    assert!(
        rows.iter().any(|r| r[0] == "carol" && r[2] == "(build)" && failure(r).starts_with("error")),
        "{csv}"
    );
    assert_eq!(of("dave"), ["FAIL", "FAIL", "FAIL"], "an edited test file gains nothing: {csv}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("grades.json")).unwrap()).unwrap();
    let score = |i: usize| json[i]["score"].as_f64().unwrap();
    assert_eq!(of("erin"), ["FAIL", "FAIL", "FAIL"], "a panicking ticker: {csv}");
    assert_eq!((score(0), score(1), score(2), score(3), score(4)), (1.0, 0.0, 0.0, 0.0, 0.0));
    let log = std::fs::read_to_string(out.join("erin/test.log")).unwrap();
    assert!(log.contains("erin's ticker broke"), "{log}");
    for who in ["alice", "bob", "dave", "erin"] {
        let log = std::fs::read_to_string(out.join(who).join("test.log")).unwrap();
        assert!(!log.contains("ulimit"), "the limits leak into {who}'s log: {log}");
    }
    let log = std::fs::read_to_string(out.join("bob/test.log")).unwrap();
    assert!(log.contains("Fatal: expected one leader, got none"), "{log}");
    assert!(
        log.ends_with(&format!(
            "FAIL\nexit status 1\nFAIL\tece419/raft1\t{}",
            log.rsplit('\t').next().unwrap()
        )),
        "{log}"
    );
    let log = std::fs::read_to_string(out.join("carol/test.log")).unwrap();
    assert!(log.contains("does not compile") && log.contains("error"), "{log}");
    std::fs::remove_dir_all(&base).unwrap();
}
