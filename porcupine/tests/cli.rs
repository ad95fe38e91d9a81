//! `porcupine-check` end to end: its lines, exit statuses, error messages and pages.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data").join(name).display().to_string()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_porcupine-check")).args(args).output().expect("porcupine-check runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("porcupine-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn one_line_per_file_and_exit_0_when_all_are_ok() {
    let o = run(&[&data("c10-ok.txt"), &data("jepsen/etcd_002.log")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with(&format!("{} Ok ", data("c10-ok.txt"))), "{out}");
    assert!(lines[1].starts_with(&format!("{} Ok ", data("jepsen/etcd_002.log"))), "{out}");
    // The third field is the time in seconds.
    assert!(lines[0].rsplit(' ').next().unwrap().parse::<f64>().is_ok(), "{out}");
}

#[test]
fn exit_1_when_any_is_illegal_and_the_explanation() {
    let o = run(&["--explain", &data("c01-ok.txt"), &data("c01-bad.txt")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains(&format!("{} Illegal ", data("c01-bad.txt"))), "{out}");
    assert!(out.contains("  key '7': 3 of 5 operations linearize; then"), "{out}");
    assert!(out.contains("(the first to return): cannot come next"), "{out}");
}

#[test]
fn exit_2_when_a_check_times_out() {
    let o = run(&["--no-partition", "--timeout", "0.3", &data("c50-ok.txt")]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stdout(&o).contains(" Unknown "), "{}", stdout(&o));
}

#[test]
fn exit_3_on_unreadable_and_malformed_files_naming_file_and_line() {
    let dir = scratch("bad");
    let missing = dir.join("missing.txt");
    let garbage = dir.join("garbage.txt");
    std::fs::write(&garbage, "hello\nworld\n").unwrap();
    let broken = dir.join("broken.txt");
    std::fs::write(
        &broken,
        "{:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n{:process 0, :type :bogus}\n",
    )
    .unwrap();
    let orphan = dir.join("orphan.log");
    std::fs::write(&orphan, "INFO  jepsen.util - 3\t:ok\t:read\t4\n").unwrap();
    for (file, want) in [
        (&missing, format!("{}: cannot read it", missing.display())),
        (&garbage, format!("{}: not a history this tool reads", garbage.display())),
        (&broken, format!("{}:2: not a key/value event", broken.display())),
        (&orphan, format!("{}:1: process 3 completes but has no operation open", orphan.display())),
    ] {
        let o = run(&[&data("c01-ok.txt"), file.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
        assert!(stderr(&o).contains(&want), "want {want:?} in {}", stderr(&o));
        // The good file is still checked.
        assert!(stdout(&o).contains(" Ok "), "{}", stdout(&o));
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn html_pages_for_one_file_and_for_several() {
    let dir = scratch("html");
    let page = dir.join("one.html");
    let o = run(&["--html", page.to_str().unwrap(), &data("c01-bad.txt")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("info: wrote visualization to {}", page.display())),
        "{}",
        stderr(&o)
    );
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("\"stuck\":{"), "the page says where the search got stuck");
    let folder = dir.join("pages");
    let o = run(&["--html", folder.to_str().unwrap(), &data("c01-ok.txt"), &data("jepsen/etcd_000.log")]);
    assert_eq!(o.status.code(), Some(1));
    for name in ["c01-ok.html", "etcd_000.html"] {
        assert!(Path::new(&folder.join(name)).is_file(), "{name} not written: {}", stderr(&o));
    }
    std::fs::remove_dir_all(dir).unwrap();
}
