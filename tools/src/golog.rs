//! Parsing of `go test`-shaped output (the Go lab's or ours): each test's Begin line, its
//! Passed line or `--- FAIL` block, and the closing `ok`/`FAIL` line.

use serde::Serialize;

/// How a test in a log ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Its Passed line was printed.
    Passed,
    /// A `--- FAIL` line names it.
    Failed,
    /// It began but the log ends before a verdict.
    Unfinished,
}

/// The figures of a Passed line.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Metrics {
    /// Seconds the tester measured.
    pub seconds: Option<f64>,
    /// Number of Raft peers.
    pub peers: Option<u32>,
    /// RPCs sent during the test.
    pub rpcs: Option<u64>,
    /// Client operations (Lab 4; 0 in Lab 3).
    pub ops: Option<u64>,
}

/// One test as a log shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestRecord {
    /// The Begin line without its `...`, e.g. `Test (3A): initial election (reliable network)`.
    pub description: Option<String>,
    /// The Go test function's name, when the log gives it (`--- FAIL:`, `--- PASS:`, `=== RUN`).
    pub name: Option<String>,
    /// How it ended.
    pub verdict: Verdict,
    /// Seconds the tester reported: the Passed line's time, or the `--- FAIL` line's.
    pub seconds: Option<f64>,
    /// Number of peers, from the Passed line.
    pub peers: Option<u32>,
    /// RPC count, from the Passed line.
    pub rpcs: Option<u64>,
    /// Why it failed: `Fatal:` messages and the lines of its `--- FAIL` block.
    pub failure: Vec<String>,
}

impl TestRecord {
    fn new(description: Option<String>, name: Option<String>) -> Self {
        TestRecord {
            description,
            name,
            verdict: Verdict::Unfinished,
            seconds: None,
            peers: None,
            rpcs: None,
            failure: Vec::new(),
        }
    }

    /// The part tag in the description, e.g. `3A` for `Test (3A): ...`, or the tag the
    /// test's name ends with (`4B` for `TestBasic4B`).
    pub fn part(&self) -> Option<&str> {
        if let Some(rest) = self.description.as_deref().and_then(|d| d.strip_prefix("Test (")) {
            return Some(&rest[..rest.find(')')?]);
        }
        let name = self.name.as_deref()?;
        let tag = &name[name.len().saturating_sub(2)..];
        crate::testbin::is_part_tag(tag).then_some(tag)
    }

    /// What tests are matched by across logs: the description, else the name.
    pub fn key(&self) -> String {
        match (&self.description, &self.name) {
            (Some(d), _) => d.clone(),
            (None, Some(n)) => n.clone(),
            (None, None) => "(unnamed test)".to_string(),
        }
    }

    /// The first line saying why the test failed.
    pub fn first_failure(&self) -> Option<&str> {
        self.failure.iter().map(|l| l.trim()).find(|l| !l.is_empty())
    }
}

/// A closing `ok  \tpkg\t1.2s` or `FAIL\tpkg\t1.2s` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// `ok` rather than `FAIL`.
    pub ok: bool,
    /// The package it names.
    pub package: String,
    /// The wall time it gives, if any (`(cached)` gives none).
    pub seconds: Option<f64>,
}

/// Everything a log says about its tests.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GoLog {
    /// The tests, in order of appearance.
    pub tests: Vec<TestRecord>,
    /// The closing lines, one per `go test` run in the log.
    pub summaries: Vec<Summary>,
}

impl GoLog {
    /// The sum of the closing lines' wall times, if any has one.
    pub fn wall_seconds(&self) -> Option<f64> {
        let times: Vec<f64> = self.summaries.iter().filter_map(|s| s.seconds).collect();
        (!times.is_empty()).then(|| times.iter().sum())
    }
}

/// What one line of output is.
#[derive(Debug, Clone, PartialEq)]
pub enum Line<'a> {
    /// `Test (3A): initial election (reliable network)...`: the description.
    Begin(&'a str),
    /// `  ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0`.
    Passed(Metrics),
    /// `--- FAIL: TestX (4.58s)`.
    Fail(&'a str, Option<f64>),
    /// `--- PASS: TestX (4.58s)` (`go test -v`).
    Pass(&'a str),
    /// `=== RUN   TestX` (`go test -v`).
    Run(&'a str),
    /// `Fatal: msg`.
    Fatal(&'a str),
    /// `ok  \tpkg\t1.2s` or `FAIL\tpkg\t1.2s`.
    Summary(Summary),
    /// A line indented by a tab or four spaces (a `--- FAIL` block's message).
    Indented(&'a str),
    /// Anything else: debug output, bare `PASS`/`FAIL`, libtest's `test result:`.
    Other,
}

/// Says what one line of output is.
pub fn classify(line: &str) -> Line<'_> {
    let line = line.trim_end_matches(['\r', '\n']);
    if let Some(desc) = begin_description(line) {
        return Line::Begin(desc);
    }
    if let Some(at) = line.find("... Passed --") {
        return Line::Passed(parse_metrics(&line[at + "... Passed --".len()..]));
    }
    if let Some(rest) = line.strip_prefix("--- FAIL: ") {
        let (name, secs) = name_and_seconds(rest);
        return Line::Fail(name, secs);
    }
    if let Some(rest) = line.strip_prefix("--- PASS: ") {
        return Line::Pass(name_and_seconds(rest).0);
    }
    if let Some(rest) = line.strip_prefix("=== RUN") {
        return Line::Run(rest.trim());
    }
    if let Some(msg) = line.strip_prefix("Fatal: ") {
        return Line::Fatal(msg);
    }
    // A panic (`panic: msg`, on any goroutine or thread) and log.Fatalf's dated line end a
    // run without a `--- FAIL` line: they are the running test's failure.
    if line.starts_with("panic: ") {
        return Line::Fatal(line);
    }
    if let Some(msg) = log_message(line) {
        return Line::Fatal(msg);
    }
    if let Some(summary) = parse_summary(line) {
        return Line::Summary(summary);
    }
    if line.starts_with('\t') || line.starts_with("    ") {
        return Line::Indented(line.trim());
    }
    Line::Other
}

/// The message of a line that Go's `log` package printed: `2026/11/28 09:21:30 msg`.
fn log_message(line: &str) -> Option<&str> {
    let b = line.as_bytes();
    let shape = b.len() > 20
        && b[..19].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'/',
            10 => *c == b' ',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
        && b[19] == b' ';
    shape.then(|| &line[20..])
}

/// The description of a Begin line: `Test (3A): ...` ending in `...` (Lab 3), or any line
/// ending in ` (reliable network)...` or ` (unreliable network)...` (Labs 2 and 4:
/// `One client and reliable Put (reliable network)...`).
fn begin_description(line: &str) -> Option<&str> {
    let desc = line.strip_suffix("...")?;
    if desc.ends_with(" (reliable network)") || desc.ends_with(" (unreliable network)") {
        return Some(desc);
    }
    let tag_end = desc.strip_prefix("Test (")?.find("): ")?;
    (tag_end > 0).then_some(desc)
}

/// `TestX (4.58s)` → name and seconds.
fn name_and_seconds(rest: &str) -> (&str, Option<f64>) {
    match rest.split_once(" (") {
        Some((name, secs)) => (name.trim(), secs.trim_end_matches(')').trim_end_matches('s').parse().ok()),
        None => (rest.trim(), None),
    }
}

/// The figures after `Passed --`: labelled (`time 3.0s #peers 3 #RPCs 52 #Ops 0`, this lab) or
/// bare numbers (`3.0  3  52 ...`: time, peers, RPCs, as older labs print).
fn parse_metrics(rest: &str) -> Metrics {
    let tokens: Vec<&str> = rest.split_whitespace().collect();
    let mut m = Metrics::default();
    if tokens.first().is_some_and(|t| t.parse::<f64>().is_ok()) {
        m.seconds = tokens.first().and_then(|t| t.parse().ok());
        m.peers = tokens.get(1).and_then(|t| t.parse().ok());
        m.rpcs = tokens.get(2).and_then(|t| t.parse().ok());
        return m;
    }
    for pair in tokens.windows(2) {
        let value = pair[1];
        match pair[0] {
            "time" => m.seconds = value.trim_end_matches('s').parse().ok(),
            "#peers" => m.peers = value.parse().ok(),
            "#RPCs" => m.rpcs = value.parse().ok(),
            "#Ops" => m.ops = value.parse().ok(),
            _ => {}
        }
    }
    m
}

/// `ok  \tpkg\t1.2s` / `FAIL\tpkg\t1.2s` (not a bare `FAIL`).
fn parse_summary(line: &str) -> Option<Summary> {
    let mut tokens = line.split_whitespace();
    let ok = match tokens.next()? {
        "ok" => true,
        "FAIL" => false,
        _ => return None,
    };
    if !line.contains('\t') && !line.starts_with("ok  ") {
        return None;
    }
    let package = tokens.next()?.to_string();
    let seconds = tokens.next().and_then(|t| t.strip_suffix('s')).and_then(|t| t.parse().ok());
    Some(Summary { ok, package, seconds })
}

/// Reads a whole log.
pub fn parse(text: &str) -> GoLog {
    let mut log = GoLog::default();
    let mut pending_name: Option<String> = None;
    let mut in_fail_block = false;
    for line in text.lines() {
        let kind = classify(line);
        if in_fail_block {
            if let Line::Indented(msg) = kind {
                if let Some(t) = log.tests.last_mut() {
                    t.failure.push(msg.to_string());
                }
                continue;
            }
            in_fail_block = false;
        }
        match kind {
            Line::Begin(desc) => log.tests.push(TestRecord::new(Some(desc.to_string()), pending_name.take())),
            Line::Passed(m) => {
                if let Some(t) = unfinished(&mut log.tests, None) {
                    t.verdict = Verdict::Passed;
                    t.seconds = m.seconds;
                    t.peers = m.peers;
                    t.rpcs = m.rpcs;
                }
            }
            Line::Fail(name, secs) => {
                let t = match unfinished(&mut log.tests, Some(name)) {
                    Some(t) => t,
                    None => {
                        log.tests.push(TestRecord::new(None, None));
                        log.tests.last_mut().expect("just pushed")
                    }
                };
                t.verdict = Verdict::Failed;
                t.name = Some(name.to_string());
                t.seconds = t.seconds.or(secs);
                in_fail_block = true;
                pending_name = None;
            }
            Line::Pass(name) => {
                if let Some(t) = log.tests.last_mut().filter(|t| t.name.is_none()) {
                    t.name = Some(name.to_string());
                }
                pending_name = None;
            }
            Line::Run(name) => pending_name = Some(name.to_string()),
            Line::Fatal(msg) => {
                if unfinished(&mut log.tests, None).is_none() {
                    log.tests.push(TestRecord::new(None, pending_name.clone()));
                }
                if let Some(t) = log.tests.last_mut() {
                    t.failure.push(msg.to_string());
                }
            }
            Line::Summary(s) => log.summaries.push(s),
            Line::Indented(_) | Line::Other => {}
        }
    }
    log
}

/// The last test, if it has no verdict yet and (when `name` is given) no other name.
fn unfinished<'a>(tests: &'a mut [TestRecord], name: Option<&str>) -> Option<&'a mut TestRecord> {
    let t = tests.last_mut()?;
    let same_name = match (name, &t.name) {
        (Some(n), Some(m)) => n == m,
        _ => true,
    };
    (t.verdict == Verdict::Unfinished && same_name).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_begin_and_passed_lines() {
        assert_eq!(
            classify("Test (3A): initial election (reliable network)..."),
            Line::Begin("Test (3A): initial election (reliable network)")
        );
        assert_eq!(
            classify("One client and reliable Put (reliable network)..."),
            Line::Begin("One client and reliable Put (reliable network)")
        );
        assert_eq!(
            classify("Test: 10 lock clients (unreliable network)..."),
            Line::Begin("Test: 10 lock clients (unreliable network)")
        );
        assert_eq!(classify("Loading (network)..."), Line::Other);
        assert_eq!(classify("panic: ticker exploded"), Line::Fatal("panic: ticker exploded"));
        assert_eq!(
            classify("2026/11/28 09:21:30 apply error: server 2 apply out of order 5"),
            Line::Fatal("apply error: server 2 apply out of order 5")
        );
        assert_eq!(classify("2026/11/28 09:21 not a log line"), Line::Other);
        let Line::Passed(m) = classify("  ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0") else {
            panic!("not a Passed line");
        };
        assert_eq!(m, Metrics { seconds: Some(3.0), peers: Some(3), rpcs: Some(52), ops: Some(0) });
    }

    #[test]
    fn passed_after_unterminated_print_still_counts() {
        let text = "Test (3A): initial election (reliable network)...\n\
                    warning: term changed even though there were no failures  ... Passed --  time  \
                    3.1s #peers 3 #RPCs    60 #Ops    0\n";
        let log = parse(text);
        assert_eq!(log.tests[0].verdict, Verdict::Passed);
        assert_eq!(log.tests[0].rpcs, Some(60));
    }

    #[test]
    fn reads_older_unlabelled_passed_lines() {
        let Line::Passed(m) = classify("  ... Passed --   3.1  3   62   16614    0") else { panic!() };
        assert_eq!((m.seconds, m.peers, m.rpcs), (Some(3.1), Some(3), Some(62)));
    }

    #[test]
    fn summary_lines_but_not_bare_verdicts() {
        assert_eq!(
            classify("ok  \t6.5840/raft1\t12.881s"),
            Line::Summary(Summary { ok: true, package: "6.5840/raft1".into(), seconds: Some(12.881) })
        );
        assert_eq!(
            classify("FAIL\traft\t4.000s"),
            Line::Summary(Summary { ok: false, package: "raft".into(), seconds: Some(4.0) })
        );
        assert_eq!(classify("FAIL"), Line::Other);
        assert_eq!(classify("PASS"), Line::Other);
        assert_eq!(classify("ok  \t6.5840/raft1\t(cached)").clone(), {
            Line::Summary(Summary { ok: true, package: "6.5840/raft1".into(), seconds: None })
        });
    }

    #[test]
    fn failure_with_fatal_and_message_block() {
        let text = "\
Test (3A): initial election (reliable network)...
  ... Passed --  time  3.0s #peers 3 #RPCs    52 #Ops    0
Test (3A): election after network failure (reliable network)...
Fatal: expected one leader, got none
        raft_test.rs:80
--- FAIL: TestReElection3A (4.58s)
    more detail
FAIL
FAIL\traft\t7.600s

test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; 1 filtered out; finished in 7.60s
";
        let log = parse(text);
        assert_eq!(log.tests.len(), 2);
        let t = &log.tests[1];
        assert_eq!(t.verdict, Verdict::Failed);
        assert_eq!(t.name.as_deref(), Some("TestReElection3A"));
        assert_eq!(t.seconds, Some(4.58));
        assert_eq!(t.failure, vec!["expected one leader, got none", "more detail"]);
        assert_eq!(t.first_failure(), Some("expected one leader, got none"));
        assert_eq!(t.part(), Some("3A"));
        assert_eq!(log.summaries.len(), 1);
        assert_eq!(log.wall_seconds(), Some(7.6));
    }

    #[test]
    fn apply_error_exit() {
        let text = "Test (3B): basic agreement (reliable network)...\n\
                    --- FAIL: TestBasicAgree3B (1.20s)\n    apply error: server 1 apply out of order 5\nFAIL\n";
        let t = &parse(text).tests[0];
        assert_eq!(t.verdict, Verdict::Failed);
        assert_eq!(t.first_failure(), Some("apply error: server 1 apply out of order 5"));
    }

    #[test]
    fn failure_before_begin_gets_its_own_record() {
        let text = "Test (3A): a (reliable network)...\n  ... Passed --  time  1.0s #peers 3 #RPCs 5 #Ops 0\n\
                    --- FAIL: TestB3A (0.01s)\n    boom\n";
        let log = parse(text);
        assert_eq!(log.tests.len(), 2);
        assert_eq!(log.tests[0].verdict, Verdict::Passed);
        assert_eq!(log.tests[1].description, None);
        assert_eq!(log.tests[1].key(), "TestB3A");
    }

    #[test]
    fn verbose_go_output_names_tests() {
        let text = "=== RUN   TestInitialElection3A\nTest (3A): initial election (reliable network)...\n\
                    \x20 ... Passed --  time  3.0s #peers 3 #RPCs    38 #Ops    0\n\
                    --- PASS: TestInitialElection3A (3.03s)\n";
        let t = &parse(text).tests[0];
        assert_eq!(t.name.as_deref(), Some("TestInitialElection3A"));
        assert_eq!(t.seconds, Some(3.0));
    }

    #[test]
    fn debug_lines_are_ignored() {
        let text =
            "000012 VOTE S1 asking for votes\nTest (3A): x (reliable network)...\n000013 LEAD S2 T5 leader\n";
        let log = parse(text);
        assert_eq!(log.tests.len(), 1);
        assert_eq!(log.tests[0].verdict, Verdict::Unfinished);
    }
}
