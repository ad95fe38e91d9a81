//! The handout: the skeletons in place of the reference solutions, and not one line of a
//! reference solution anywhere in it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use tools::handout::{LAB_CRATES, workspace_root, write};

/// Every file under `dir` (but `.git`), relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == ".git" || n == "target") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out
}

/// The reference solutions' files: each lab crate's `src/`, but its starter, its `lib.rs`
/// and the files the starter shares.
fn reference_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for c in &LAB_CRATES {
        let src = root.join(c.dir).join("src");
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_file() && name != "lib.rs" && !c.shared.contains(&name.as_str()) {
                out.push(p);
            }
        }
    }
    out
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim)
}

#[test]
fn the_handout_has_the_skeletons_and_no_line_of_a_reference_solution() {
    let root = workspace_root();
    let out = std::env::temp_dir().join(format!("handout-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    write(&root, &out, true).expect("the handout is written");

    // Lines only the reference solutions have: in no other file of the workspace.
    let refs = reference_files(&root);
    let ref_set: HashSet<PathBuf> = refs.iter().cloned().collect();
    let mut elsewhere: HashSet<String> = HashSet::new();
    for f in files(&root) {
        let p = root.join(&f);
        if ref_set.contains(&p) || f.starts_with(".git") {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&p) {
            elsewhere.extend(lines(&text).map(str::to_string));
        }
    }
    let mut own: HashSet<String> = HashSet::new();
    for p in &refs {
        let text = std::fs::read_to_string(p).unwrap();
        own.extend(lines(&text).filter(|l| l.len() >= 25 && !elsewhere.contains(*l)).map(str::to_string));
    }
    assert!(own.len() > 300, "too few lines to look for: {}", own.len());
    for f in files(&out) {
        let Ok(text) = std::fs::read_to_string(out.join(&f)) else { continue };
        for l in lines(&text) {
            assert!(!own.contains(l), "{} has a line of a reference solution: {l}", f.display());
        }
    }

    // The skeletons are in place, with no starter feature or folder left.
    for c in &LAB_CRATES {
        let toml = std::fs::read_to_string(out.join(c.dir).join("Cargo.toml")).unwrap();
        assert!(!toml.contains("starter"), "{}/Cargo.toml: {toml}", c.dir);
        assert!(!out.join(c.dir).join("src/starter").exists());
    }
    let raft = std::fs::read_to_string(out.join("raft/src/raft.rs")).unwrap();
    assert!(raft.contains("Build and test it with `cargo test -p raft 3A`."), "{raft}");
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(!readme.to_lowercase().contains("reference"), "the README speaks of reference solutions");
    assert!(readme.contains("cargo test -p raft 3A") && readme.contains("## Porting your Go code"));
    assert!(!out.join(".ci").exists());
    // Its own history: one commit.
    let log =
        std::process::Command::new("git").arg("-C").arg(&out).args(["log", "--oneline"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&log.stdout).lines().count(), 1);
    std::fs::remove_dir_all(&out).unwrap();
}
