//! The students' handout: the workspace with each lab's skeleton in the place of its
//! reference solution, a student README, and a git history of its own (Go's course tree,
//! which holds only skeletons). Also what a grader takes from a submission: each lab's
//! graded files (Go's `.check-build`).

use crate::{Context, Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A lab crate as the handout gives it.
pub struct LabCrate {
    /// Its folder in the workspace.
    pub dir: &'static str,
    /// The lab it belongs to (`2`, `3`, `4`).
    pub lab: &'static str,
    /// The handout's `src/lib.rs`.
    pub lib_rs: &'static str,
    /// Files of `src/` that the reference and the starter share, kept as they are.
    pub shared: &'static [&'static str],
    /// The graded files under the crate's folder; `src/` alone means every file under it
    /// (the student may add files there).
    pub graded: &'static [&'static str],
    /// Text in the starter's files to say otherwise in the handout (where the course's
    /// repository needs `--features starter`, the handout needs nothing).
    pub rewrites: &'static [(&'static str, &'static str)],
}

/// The lab crates, in lab order.
pub const LAB_CRATES: [LabCrate; 5] = [
    LabCrate {
        dir: "kvsrv",
        lab: "2",
        lib_rs: "//! Lab 2: your key/value server (`server.rs`) and clerk (`client.rs`), Go's `kvsrv1`;\n\
                 //! `test` is the tests' harness (the lock's tests use it too).\n\n\
                 mod client;\nmod server;\n\npub mod test;\n\n\
                 pub use client::{Clerk, make_clerk};\npub use server::{KVServer, make_kv_server, start_kv_server};\n",
        shared: &["test.rs"],
        graded: &["src/client.rs", "src/server.rs"],
        rewrites: &[("`cargo test -p kvsrv --features starter`", "`cargo test -p kvsrv`")],
    },
    LabCrate {
        dir: "kvsrv/lock",
        lab: "2",
        lib_rs: "//! Lab 2: your lock on the key/value clerk (`lock.rs`), Go's `kvsrv1/lock`.\n\n\
                 mod lock;\n\npub use lock::{Lock, make_lock};\n",
        shared: &[],
        graded: &["src/lock.rs"],
        rewrites: &[("`cargo test -p lock --features starter`", "`cargo test -p lock`")],
    },
    LabCrate {
        dir: "raft",
        lab: "3",
        lib_rs: "//! Lab 3: your Raft peer, Go's `raft1`. Start from `raft.rs`; add files (modules) here\n\
                 //! as you like. `util` has `dprintf!`.\n\n\
                 pub mod util;\n\nmod raft;\n\npub use raft::{Raft, make};\n",
        shared: &["util.rs"],
        graded: &["src/"],
        rewrites: &[("`cargo test -p raft --features starter 3A`", "`cargo test -p raft 3A`")],
    },
    LabCrate {
        dir: "kvraft/rsm",
        lab: "4",
        lib_rs: "//! Lab 4A: your replicated state machine on your Raft (`rsm.rs`), Go's `kvraft1/rsm`.\n\n\
                 mod rsm;\n\npub use rsm::{Op, RSM, StateMachine, make_rsm};\n\n\
                 use tester::{Config, Tgid};\n\n\
                 /// Whether some server of group `gid` thinks it is the Raft leader, and the first that does\n\
                 /// (Go's `rsm.Leader`, which the kvraft tests use too).\n\
                 pub fn leader(cfg: &Config, gid: Tgid) -> (bool, usize) {\n\
                 \x20   for (i, services) in cfg.group(gid).services().iter().enumerate() {\n\
                 \x20       for s in services.iter().flatten() {\n\
                 \x20           if let Some(rf) = s.as_raft()\n\
                 \x20               && rf.get_state().1\n\
                 \x20           {\n\
                 \x20               return (true, i);\n\
                 \x20           }\n\
                 \x20       }\n\
                 \x20   }\n\
                 \x20   (false, 0)\n\
                 }\n",
        shared: &[],
        graded: &["src/rsm.rs"],
        rewrites: &[(
            "Build and test it with `cargo test -p rsm --features starter` (add `raft/starter` to run\n//! it on your own Raft).",
            "Build and test it with `cargo test -p rsm 4A`.",
        )],
    },
    LabCrate {
        dir: "kvraft",
        lab: "4",
        lib_rs: "//! Lab 4B/4C: your fault-tolerant key/value service (`server.rs`) on your RSM, and its\n\
                 //! clerk (`client.rs`), Go's `kvraft1`.\n\n\
                 mod client;\nmod server;\n\n\
                 pub use client::{Clerk, make_clerk};\npub use server::{KVServer, start_kv_server};\n",
        shared: &[],
        graded: &["src/client.rs", "src/server.rs"],
        rewrites: &[("`cargo test -p kvraft --features starter 4B`", "`cargo test -p kvraft 4B`")],
    },
];

/// The workspace this program was built in.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Files of the workspace the handout leaves out: the course's CI, and the reference
/// solutions (each lab crate's `src/` is written anew).
fn left_out(path: &str) -> bool {
    path.starts_with(".ci/") || LAB_CRATES.iter().any(|c| path.starts_with(&format!("{}/src/", c.dir)))
}

/// The files git tracks in `root`, relative to it.
fn tracked_files(root: &Path) -> Result<Vec<String>> {
    let what = || format!("listing the files of {} (git ls-files)", root.display());
    let out = Command::new("git").arg("-C").arg(root).args(["ls-files", "-z"]).output().context(what)?;
    if !out.status.success() {
        return Err(Error::new(format!("{}: {}", what(), String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(out
        .stdout
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect())
}

/// `Cargo.toml` without the `starter` feature (and its `[features]` table, if that was all),
/// and with a description that speaks of the student's code alone.
pub fn without_starter_feature(toml: &str) -> String {
    let toml = toml.replace(" (reference solution and student starter)", "");
    let lines: Vec<&str> = toml.lines().collect();
    let mut out: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.trim() == "[features]" {
            // The table's lines, up to the next table.
            let end = (i + 1..lines.len()).find(|&j| lines[j].starts_with('[')).unwrap_or(lines.len());
            let kept: Vec<&str> = lines[i + 1..end]
                .iter()
                .copied()
                .filter(|l| !l.trim_start().starts_with("starter") && !l.contains("starter skeleton"))
                .collect();
            if kept.iter().any(|l| !l.trim().is_empty()) {
                out.push(line);
                out.extend(kept);
            } else if end < lines.len() && out.last().is_some_and(|l| l.trim().is_empty()) {
                // Nothing left: drop the table and the blank line before the next one.
            }
            i = end;
            continue;
        }
        out.push(line);
        i += 1;
    }
    let mut text = out.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text + "\n"
}

/// The student README: `template` with each `{{include:NAME}}` replaced by the main
/// README's block between `<!-- handout:NAME -->` and `<!-- /handout:NAME -->`.
pub fn student_readme(template: &str, main: &str) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(at) = rest.find("{{include:") {
        out.push_str(&rest[..at]);
        let tail = &rest[at + "{{include:".len()..];
        let end = tail.find("}}").ok_or_else(|| Error::new("handout README: an {{include: with no }}"))?;
        let name = &tail[..end];
        let open = format!("<!-- handout:{name} -->\n");
        let close = format!("<!-- /handout:{name} -->");
        let start = main.find(&open).ok_or_else(|| Error::new(format!("README.md has no block {open:?}")))?;
        let body = &main[start + open.len()..];
        let stop =
            body.find(&close).ok_or_else(|| Error::new(format!("README.md's block {name} is not closed")))?;
        out.push_str(&body[..stop]);
        rest = &tail[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// The student README's template (its `{{include:..}}` blocks come from README.md).
const README_TEMPLATE: &str = include_str!("handout/README.md");

/// Writes the handout of the workspace at `root` into `out` (which must not exist yet, or
/// be empty), with a git history of its own if `git` is set.
pub fn write(root: &Path, out: &Path, git: bool) -> Result<()> {
    if out.exists() && std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(Error::new(format!("{} exists and is not an empty folder", out.display())));
    }
    let files = tracked_files(root)?;
    for f in &files {
        if left_out(f) {
            continue;
        }
        let from = root.join(f);
        let to = out.join(f);
        let what = || format!("copying {} to {}", from.display(), to.display());
        if let Some(dir) = to.parent() {
            std::fs::create_dir_all(dir).context(what)?;
        }
        let is_lab_toml = LAB_CRATES.iter().any(|c| f == &format!("{}/Cargo.toml", c.dir));
        if f == "README.md" {
            let main = std::fs::read_to_string(&from).context(what)?;
            std::fs::write(&to, student_readme(README_TEMPLATE, &main)?).context(what)?;
        } else if is_lab_toml {
            let toml = std::fs::read_to_string(&from).context(what)?;
            std::fs::write(&to, without_starter_feature(&toml)).context(what)?;
        } else {
            std::fs::copy(&from, &to).context(what)?;
        }
    }
    for c in &LAB_CRATES {
        write_lab_src(root, out, c)?;
    }
    if git {
        init_git(out)?;
    }
    Ok(())
}

/// A lab crate's `src/`: the handout's `lib.rs`, the shared files, and the starter's files.
fn write_lab_src(root: &Path, out: &Path, c: &LabCrate) -> Result<()> {
    let src = root.join(c.dir).join("src");
    let dst = out.join(c.dir).join("src");
    let what = || format!("writing {}", dst.display());
    std::fs::create_dir_all(&dst).context(what)?;
    std::fs::write(dst.join("lib.rs"), c.lib_rs).context(what)?;
    for f in c.shared {
        std::fs::copy(src.join(f), dst.join(f)).context(what)?;
    }
    let starter = src.join("starter");
    for entry in std::fs::read_dir(&starter).context(|| format!("reading {}", starter.display()))? {
        let path = entry.context(what)?.path();
        let Some(name) = path.file_name() else { continue };
        let mut text = std::fs::read_to_string(&path).context(what)?;
        for (from, to) in c.rewrites {
            text = text.replace(from, to);
        }
        std::fs::write(dst.join(name), text).context(what)?;
    }
    Ok(())
}

/// Starts the handout's own git history: one commit of everything.
fn init_git(dir: &Path) -> Result<()> {
    let git = |args: &[&str]| -> Result<()> {
        let what = || format!("git {} in {}", args.join(" "), dir.display());
        let out = Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            .env("GIT_AUTHOR_NAME", "course staff")
            .env("GIT_AUTHOR_EMAIL", "staff@example.com")
            .env("GIT_COMMITTER_NAME", "course staff")
            .env("GIT_COMMITTER_EMAIL", "staff@example.com")
            .stdin(Stdio::null())
            .output()
            .context(what)?;
        if !out.status.success() {
            return Err(Error::new(format!("{}: {}", what(), String::from_utf8_lossy(&out.stderr).trim())));
        }
        Ok(())
    };
    git(&["init", "-q", "-b", "main"])?;
    git(&["add", "-A"])?;
    git(&["commit", "-q", "-m", "The labs' handout"])
}

/// The graded files of the labs `labs` (`["3"]`), as paths relative to a tree's root: a
/// folder ends in `/` and stands for every file under it.
pub fn graded_paths(labs: &[&str]) -> Vec<String> {
    // Lab 4 runs on the student's own Raft (as Go's kvraft1 imports the tree's raft1).
    let graded = |lab: &str| labs.contains(&lab) || (lab == "3" && labs.contains(&"4"));
    LAB_CRATES
        .iter()
        .filter(|c| graded(c.lab))
        .flat_map(|c| c.graded.iter().map(move |g| format!("{}/{g}", c.dir)))
        .collect()
}

/// Copies the graded files `graded` from the submission at `from` into the tree at `to`:
/// a graded folder replaces the tree's whole folder; a graded file missing from the
/// submission leaves the tree's (the skeleton's) in place.
pub fn copy_graded(from: &Path, to: &Path, graded: &[String]) -> Result<Vec<PathBuf>> {
    let mut copied = Vec::new();
    for g in graded {
        if let Some(dir) = g.strip_suffix('/') {
            let (src, dst) = (from.join(dir), to.join(dir));
            if !src.is_dir() {
                continue;
            }
            let _ = std::fs::remove_dir_all(&dst);
            copy_tree(&src, &dst, &mut copied)?;
        } else {
            let (src, dst) = (from.join(g), to.join(g));
            if src.is_file() {
                std::fs::copy(&src, &dst).context(|| format!("copying {}", src.display()))?;
                copied.push(dst);
            }
        }
    }
    Ok(copied)
}

/// Copies the regular files and folders under `src` to `dst` (links are not followed).
fn copy_tree(src: &Path, dst: &Path, copied: &mut Vec<PathBuf>) -> Result<()> {
    std::fs::create_dir_all(dst).context(|| format!("creating {}", dst.display()))?;
    for entry in std::fs::read_dir(src).context(|| format!("reading {}", src.display()))? {
        let entry = entry.context(|| format!("reading {}", src.display()))?;
        let kind = entry.file_type().context(|| format!("reading {}", src.display()))?;
        let to = dst.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &to, copied)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &to).context(|| format!("copying {}", entry.path().display()))?;
            copied.push(to);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_starter_feature_goes() {
        let toml = "[package]\nname = \"raft\"\ndescription = \"The Raft peer (reference solution and student starter)\"\n\n[features]\n# Build the student's starter skeleton (src/starter/) instead of the reference solution.\nstarter = []\n\n[dev-dependencies]\nx = 1\n";
        assert_eq!(
            without_starter_feature(toml),
            "[package]\nname = \"raft\"\ndescription = \"The Raft peer\"\n\n[dev-dependencies]\nx = 1\n"
        );
        let other = "[features]\nstarter = []\nfast = []\n";
        assert_eq!(without_starter_feature(other), "[features]\nfast = []\n");
    }

    #[test]
    fn readme_blocks_are_included() {
        let main = "# x\n<!-- handout:a -->\nA text\n<!-- /handout:a -->\nrest\n";
        assert_eq!(student_readme("top\n{{include:a}}end\n", main).unwrap(), "top\nA text\nend\n");
        assert!(student_readme("{{include:b}}", main).is_err());
    }

    #[test]
    fn graded_paths_per_lab() {
        assert_eq!(graded_paths(&["3"]), ["raft/src/"]);
        assert_eq!(
            graded_paths(&["2"]),
            ["kvsrv/src/client.rs", "kvsrv/src/server.rs", "kvsrv/lock/src/lock.rs"]
        );
        assert_eq!(
            graded_paths(&["4"]),
            ["raft/src/", "kvraft/rsm/src/rsm.rs", "kvraft/src/client.rs", "kvraft/src/server.rs"]
        );
    }
}
