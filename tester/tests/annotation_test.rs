//! The failure timeline: what the store records, the page's embedded data, and when and
//! where the page is written (in child processes, whose environment the test sets).
#![allow(non_snake_case)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use tester::annotation::*;
use tester::{Config, IService, fatalf};

const DATA_OPEN: &str = r#"<script type="application/json" id="page-data">"#;

/// The JSON block embedded in a page.
fn embedded_json(html: &str) -> &str {
    let start = html.find(DATA_OPEN).expect("the page has no data block") + DATA_OPEN.len();
    let len = html[start..].find("</script>").expect("the data block is not closed");
    &html[start..start + len]
}

fn on(tl: &Timeline, tag: &str) -> Vec<Annotation> {
    tl.annotations.iter().filter(|a| a.tag == tag).cloned().collect()
}

/// A scenario with two checkers (and an outcome with no begin), a partition, a crash and
/// restart, peer states and a student's notes.
fn record_scenario() -> Timeline {
    annotate_test("TestScenario3A", 3);
    annotate_checker_begin("checking for a single leader");
    annotate_peer_state(0, 1, true, true);
    annotate_peer_state(0, 1, true, true); // unchanged: not kept
    annotate_peer_state(1, 1, false, true);
    annotate_peer_state(2, 1, false, true);
    annotate_checker_success("leader in term 1 = 0", "leader in term 1 = 0");
    annotate_connection(&[false, true, true]);
    annotate_connection(&[false, true, true]); // unchanged: nothing new
    annotate_checker_begin("checking for a single leader");
    annotate_checker_failure("no leader", "unable to find a leader");
    annotate_checker_neutral("retry", "no begin");
    annotate_shutdown(&[1]);
    annotate_peer_state(1, -1, false, false); // what the sampler then sees: no change
    annotate_restart(&[1]);
    annotate_clear_failure();
    annotate("raft-2", "note </script><!-- & \"q\"", "details </b> \u{2028}");
    let start = get_annotate_timestamp();
    annotate_interval("raft-2", start, "span", "span details");
    annotate_continuous("log", "open", "open details");
    annotate_info("info point", "info details");
    finalize_annotations("test failed")
}

fn TestRecordScenario() {
    let tl = record_scenario();
    assert_eq!((tl.test.as_str(), tl.servers, tl.result.as_str()), ("TestScenario3A", 3, "test failed"));

    let checkers = on(&tl, TAG_CHECKER);
    let got: Vec<_> =
        checkers.iter().map(|a| (a.description.as_str(), a.color.as_str(), a.end.is_some())).collect();
    assert_eq!(
        got,
        [
            ("leader in term 1 = 0", COLOR_SUCCESS, true),
            ("no leader", COLOR_FAILURE, true),
            ("retry", COLOR_NEUTRAL, false)
        ]
    );
    assert_eq!(checkers[0].details, "checking for a single leader: leader in term 1 = 0");
    assert_eq!(checkers[1].details, "checking for a single leader: unable to find a leader");
    assert_eq!(checkers[2].details, "no begin", "an outcome without a begin is a point");

    let faults = on(&tl, TAG_PARTITION);
    let texts: Vec<_> = faults.iter().map(|a| a.description.as_str()).collect();
    assert_eq!(
        texts,
        ["partition = [0] [1 2]", "partition = [0] [2] / crash = [1]", "partition = [0] [1 2]"]
    );
    assert!(faults.iter().all(|a| a.color == COLOR_FAULT && a.end.is_some()));
    assert!(faults.windows(2).all(|w| w[0].end == Some(w[1].start)), "one fault follows the other");

    assert_eq!(tl.peers[0].len(), 1, "only changes are kept");
    let p1: Vec<_> = tl.peers[1].iter().map(|s| (s.term, s.leader, s.alive)).collect();
    assert_eq!(p1, [(1, false, true), (1, false, false), (-1, false, true)], "down keeps the last term");
    assert_eq!(tl.network.len(), 5, "begin, partition, crash, restart, clear");
    assert_eq!(tl.network[2].crashed, [false, true, false]);

    let user = on(&tl, "raft-2");
    assert_eq!(user.len(), 2);
    assert!(user.iter().all(|a| a.color == COLOR_USER));
    let log = on(&tl, "log");
    assert_eq!(log.len(), 1);
    assert!(log[0].end.is_some_and(|e| e <= tl.end), "finalize closes the open annotation");

    let info = on(&tl, TAG_INFO);
    assert_eq!(info[0].description, "TestScenario3A (3 servers)");
    let last = tl.annotations.last().unwrap();
    assert_eq!((last.tag.as_str(), last.description.as_str()), (TAG_INFO, "test failed"));
    assert!(tl.start <= tl.annotations[0].start && tl.end >= last.start);
    assert!(get_annotation_finalized());
}

/// What a page shows of a timeline: its embedded data.
struct Shown {
    test: String,
    result: String,
    /// (tag, description, details, colour) of each annotation.
    annotations: Vec<(String, String, String, String)>,
    /// Each peer lane's name and items' (title, first label).
    lanes: Vec<(String, Vec<(String, String)>)>,
}

fn shown(html: &str) -> Shown {
    let v: serde_json::Value = serde_json::from_str(embedded_json(html)).expect("the embedded data is JSON");
    let page = &v["page"];
    let s = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let list = |v: &serde_json::Value| v.as_array().cloned().unwrap_or_default();
    Shown {
        test: s(&page["test"]),
        result: s(&page["result"]),
        annotations: list(&page["annotations"])
            .iter()
            .map(|a| (s(&a["tag"]), s(&a["description"]), s(&a["details"]), s(&a["background_color"])))
            .collect(),
        lanes: list(&page["lanes"])
            .iter()
            .map(|l| {
                (
                    s(&l["name"]),
                    list(&l["items"]).iter().map(|i| (s(&i["title"]), s(&i["texts"][0]))).collect(),
                )
            })
            .collect(),
    }
}

fn TestRenderedPage() {
    let tl = record_scenario();
    let html = render_html(&tl);
    assert_eq!(html.matches(DATA_OPEN).count(), 1);
    let json = embedded_json(&html);
    assert!(!json.contains("</") && !json.contains("<!--"), "the data must not end its script block");
    let page = shown(&html);
    assert_eq!((page.test.as_str(), page.result.as_str()), ("TestScenario3A", "test failed"));
    let want: Vec<_> = tl
        .annotations
        .iter()
        .map(|a| (a.tag.clone(), a.description.clone(), a.details.clone(), a.color.clone()))
        .collect();
    assert_eq!(page.annotations, want);
    // A lane per peer: 0 leader all along; 1 follower, down, then up and unsampled.
    let names: Vec<_> = page.lanes.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(names, ["peer 0", "peer 1", "peer 2"]);
    assert_eq!(page.lanes[0].1, [("peer 0: leader".to_string(), "leader T1".to_string())]);
    let p1: Vec<_> = page.lanes[1].1.iter().map(|i| i.0.as_str()).collect();
    assert_eq!(
        p1,
        ["peer 1: follower or candidate", "peer 1: down (crashed)", "peer 1: up (state not yet sampled)"]
    );
    assert!(html.contains("<title>TestScenario3A: test failed</title>"));
    // Self-contained: nothing to load.
    for attr in [" src=", "href=", "@import", "<link"] {
        assert!(!html.contains(attr), "the page refers to {attr}");
    }

    let odd = Timeline { test: "<b>&\"x\"</b>".into(), ..Default::default() };
    let html = render_html(&odd);
    assert!(html.contains("<title>&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;</title>"));
    assert_eq!(shown(&html).test, odd.test);
}

fn TestBadIdsAreTolerated() {
    annotate_test("TestBadIds", 3);
    annotate_shutdown(&[7]);
    annotate_restart(&[7]);
    annotate_connection(&[true, true, true, false, true]);
    annotate_connection(&[]);
    annotate_continuous_end("no such tag");
    let tl = finalize_annotations("test passed");
    assert_eq!(tl.servers, 8);
    assert_eq!(on(&tl, TAG_PARTITION).len(), 2, "the crash of 7, then the cut of 3");
}

// ---- writing the page, in child processes ----

/// A server with nothing to do.
struct Nop;

impl IService for Nop {
    fn kill(&self) {}
}

/// Cleans up when dropped, also while a failure unwinds, as the tests' guards do.
struct Cleanup(Arc<Config>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        self.0.cleanup();
    }
}

/// Run in a child: passes, fails or dies as env `ANNOTATION_CHILD` says.
fn TestChild() {
    let mks: tester::FstartServer = Arc::new(|_e, _g, _i, _p| vec![Arc::new(Nop) as Arc<dyn IService>]);
    let _cleanup = Cleanup(Config::make_config(1, true, mks));
    if std::env::var("ANNOTATION_CHILD").as_deref() == Ok("fatal-quiet") {
        labtest::fail_process("died before recording anything");
    }
    annotate_test("TestChild", 1);
    annotate_checker_begin("checking the child");
    match std::env::var("ANNOTATION_CHILD").as_deref() {
        Ok("fail") => {
            annotate_checker_failure("child failed", "on purpose");
            fatalf("child failed on purpose");
        }
        Ok("fatal") => labtest::fail_process("apply error: boom"),
        _ => annotate_checker_success("child passed", "OK"),
    }
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("annotation-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the child `how` with `env` set (and `VIS_*`, `TMPDIR` otherwise cleared); returns
/// its stdout.
fn child(how: &str, env: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "TestChild"]).env("ANNOTATION_CHILD", how);
    cmd.env_remove("VIS_ENABLE").env_remove("VIS_FILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    // stderr after stdout: where a fatal error's log line goes, as Go's log.Fatalf's does.
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn info_lines(stdout: &str) -> Vec<&str> {
    stdout.lines().filter(|l| l.starts_with("info:")).collect()
}

fn read_page(path: &Path) -> Shown {
    shown(&std::fs::read_to_string(path).unwrap())
}

fn TestFailedTestWritesPage() {
    let dir = scratch("fail");
    let file = dir.join("vis.html");
    let out = child("fail", &[("VIS_FILE", &file)]);
    assert_eq!(info_lines(&out), [format!("info: wrote visualization to {}", file.display())], "{out}");
    assert!(out.find("info:") < out.find("--- FAIL"), "{out}");
    let tl = read_page(&file);
    assert_eq!((tl.test.as_str(), tl.result.as_str()), ("TestChild", "test failed"));
    assert!(tl.annotations.iter().any(|a| a.1 == "child failed" && a.3 == COLOR_FAILURE));
    std::fs::remove_dir_all(dir).unwrap();
}

fn TestPassedTestWritesOnlyIfAlways() {
    let dir = scratch("pass");
    let file = dir.join("vis.html");
    let out = child("pass", &[("VIS_FILE", &file)]);
    assert!(info_lines(&out).is_empty() && !file.exists(), "{out}");

    let out = child("pass", &[("VIS_FILE", &file), ("VIS_ENABLE", Path::new("always"))]);
    assert_eq!(info_lines(&out), [format!("info: wrote visualization to {}", file.display())], "{out}");
    assert_eq!(read_page(&file).result, "test passed");
    std::fs::remove_dir_all(dir).unwrap();
}

fn TestNeverWritesNothing() {
    let dir = scratch("never");
    let file = dir.join("vis.html");
    let out = child("fail", &[("VIS_FILE", &file), ("VIS_ENABLE", Path::new("never"))]);
    assert!(out.contains("--- FAIL: TestChild"), "{out}");
    assert!(info_lines(&out).is_empty() && !file.exists(), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn TestUnopenableFileIsReported() {
    let dir = scratch("bad");
    let file = dir.join("no-such-dir").join("vis.html");
    let out = child("fail", &[("VIS_FILE", &file)]);
    let lines = info_lines(&out);
    let want = format!("info: failed to open visualization file {} (", file.display());
    assert!(lines.len() == 1 && lines[0].starts_with(&want), "{out}");
    assert!(out.contains("--- FAIL: TestChild"), "the test fails for its own reason, not this: {out}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn TestTempFileByDefault() {
    let dir = scratch("temp");
    let out = child("fail", &[("TMPDIR", &dir)]);
    let lines = info_lines(&out);
    let prefix = format!("info: wrote visualization to {}/porcupine-", dir.display());
    assert!(lines.len() == 1 && lines[0].starts_with(&prefix) && lines[0].ends_with(".html"), "{out}");
    let path = Path::new(lines[0].trim_start_matches("info: wrote visualization to "));
    assert_eq!(read_page(path).result, "test failed");
    std::fs::remove_dir_all(dir).unwrap();
}

fn TestFatalErrorWritesPageFirst() {
    let dir = scratch("fatal");
    let file = dir.join("vis.html");
    let out = child("fatal", &[("VIS_FILE", &file)]);
    assert_eq!(info_lines(&out), [format!("info: wrote visualization to {}", file.display())], "{out}");
    // log.Fatalf's shape: no --- FAIL line; the page, then the error, then the end.
    assert!(!out.contains("--- FAIL") && out.contains("\nexit status 1\nFAIL\t"), "{out}");
    assert!(out.contains("apply error: boom"), "{out}");
    let tl = read_page(&file);
    let fatal = tl.annotations.iter().find(|a| a.1 == "fatal error").expect("a fatal-error checker");
    assert_eq!(fatal.2, "checking the child: apply error: boom");
    std::fs::remove_dir_all(dir).unwrap();
}

fn TestFatalErrorWithoutRecordingsWritesNothing() {
    let dir = scratch("quiet");
    let file = dir.join("vis.html");
    let out = child("fatal-quiet", &[("VIS_FILE", &file)]);
    assert!(out.contains("died before recording anything"), "{out}");
    assert!(info_lines(&out).is_empty() && !file.exists(), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

fn main() {
    if std::env::var("ANNOTATION_CHILD").is_ok() {
        labtest::run("tester", labtest::test_list!(TestChild));
    }
    labtest::run(
        env!("CARGO_PKG_NAME"),
        labtest::test_list!(
            TestRecordScenario,
            TestRenderedPage,
            TestBadIdsAreTolerated,
            TestFailedTestWritesPage,
            TestPassedTestWritesOnlyIfAlways,
            TestNeverWritesNothing,
            TestUnopenableFileIsReported,
            TestTempFileByDefault,
            TestFatalErrorWritesPageFirst,
            TestFatalErrorWithoutRecordingsWritesNothing,
        ),
    );
}
