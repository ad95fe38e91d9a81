#![allow(non_snake_case)]

//! porcupine's own tests (Go's `porcupine_test.go` and `visualization_test.go`, v1.0.3),
//! by name and in Go's order, on the same data (`test_data/`).

use porcupine::formats::jepsen::{self, EtcdModel};
use porcupine::formats::kv::{self, KvInput, KvModel, KvNoPartitionModel, KvOutput};
use porcupine::{
    Annotation, CheckResult, Event, LinearizationInfo, LinearizationStep, Model, NondeterministicModel,
    Operation, PowerSet,
};
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

const NO_LIMIT: Duration = Duration::ZERO;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test_data").join(name)
}

// ---- the register ----

#[derive(Clone, Copy, Debug)]
struct RegisterInput {
    get: bool,
    value: i64,
}

/// A register holding an integer, initially 0 (Go's `registerModel`).
struct RegisterModel;

impl Model for RegisterModel {
    type Input = RegisterInput;
    type Output = i64;
    type State = i64;

    fn init(&self) -> i64 {
        0
    }

    fn step(&self, state: &i64, input: &RegisterInput, output: &i64) -> Option<i64> {
        if input.get { (output == state).then_some(*state) } else { Some(input.value) }
    }

    fn describe_operation(&self, input: &RegisterInput, output: &i64) -> String {
        if input.get { format!("get() -> '{output}'") } else { format!("put('{}')", input.value) }
    }
}

fn put(v: i64) -> RegisterInput {
    RegisterInput { get: false, value: v }
}

fn get() -> RegisterInput {
    RegisterInput { get: true, value: 0 }
}

fn op<I, O>(client_id: i64, input: I, call: i64, output: O, ret: i64) -> Operation<I, O> {
    Operation { client_id, input, call, output, ret }
}

fn expect(what: &str, got: CheckResult, want: CheckResult) {
    if got != want {
        panic!("{what}: expected {want}, got {got}");
    }
}

/// Writes the page of `info` to a temporary file and returns its HTML (Go's
/// `visualizeTempFile`, which only writes it).
fn visualize_temp_file<M: Model>(model: &M, info: &LinearizationInfo<M::Input, M::Output>) -> String {
    let (mut file, path) = porcupine::create_temp().expect("a temporary file");
    porcupine::visualize(model, info, &mut file).expect("the page is written");
    let html = std::fs::read_to_string(&path).expect("the page reads back");
    let _ = std::fs::remove_file(&path);
    assert!(html.contains("<script type=\"application/json\" id=\"page-data\">"), "no data block");
    html
}

/// The JSON data embedded in a page.
fn page_data(html: &str) -> serde_json::Value {
    let start = html.find("id=\"page-data\">").expect("data block") + "id=\"page-data\">".len();
    let end = start + html[start..].find("</script>").expect("end of data block");
    serde_json::from_str(&html[start..end]).expect("valid JSON")
}

fn TestRegisterModel() {
    // From http://nil.csail.mit.edu/6.824/2017/quizzes/q2-17-ans.pdf, section VII.
    let ops = vec![op(0, put(100), 0, 0, 100), op(1, get(), 25, 100, 75), op(2, get(), 30, 0, 60)];
    assert!(
        porcupine::check_operations(&RegisterModel, ops).unwrap(),
        "expected operations to be linearizable"
    );

    // The same as events.
    let events = vec![
        Event::call(0, 0, put(100)),
        Event::call(1, 1, get()),
        Event::call(2, 2, get()),
        Event::ret(2, 2, 0),
        Event::ret(1, 1, 100),
        Event::ret(0, 0, 0),
    ];
    assert!(
        porcupine::check_events(&RegisterModel, events).unwrap(),
        "expected operations to be linearizable"
    );

    let ops = vec![op(0, put(200), 0, 0, 100), op(1, get(), 10, 200, 30), op(2, get(), 40, 0, 90)];
    assert!(
        !porcupine::check_operations(&RegisterModel, ops).unwrap(),
        "expected operations to not be linearizable"
    );

    let events = vec![
        Event::call(0, 0, put(200)),
        Event::call(1, 1, get()),
        Event::ret(1, 1, 200),
        Event::call(2, 2, get()),
        Event::ret(2, 2, 0),
        Event::ret(0, 0, 0),
    ];
    assert!(
        !porcupine::check_events(&RegisterModel, events).unwrap(),
        "expected operations to not be linearizable"
    );
}

fn TestZeroDuration() {
    let ops = vec![
        op(0, put(100), 0, 0, 100),
        op(1, get(), 25, 100, 75),
        op(2, get(), 30, 0, 30),
        op(3, get(), 30, 0, 30),
    ];
    let (res, info) = porcupine::check_operations_verbose(&RegisterModel, ops, NO_LIMIT).unwrap();
    expect("zero-length reads before the put", res, CheckResult::Ok);
    visualize_temp_file(&RegisterModel, &info);

    let ops = vec![
        op(0, put(200), 0, 0, 100),
        op(1, get(), 10, 200, 10),
        op(2, get(), 10, 200, 10),
        op(3, get(), 40, 0, 90),
    ];
    let (res, _) = porcupine::check_operations_verbose(&RegisterModel, ops, NO_LIMIT).unwrap();
    expect("a read of 0 after reads of 200", res, CheckResult::Illegal);
}

// ---- Jepsen's etcd logs ----

fn check_jepsen(n: usize, correct: bool) {
    let path = data(&format!("jepsen/etcd_{n:03}.log"));
    let text = std::fs::read_to_string(&path).expect("the log reads");
    let events = jepsen::parse(&path, &text).expect("the log parses");
    let res = porcupine::check_events(&EtcdModel, events).unwrap();
    if res != correct {
        panic!("expected output {correct}, got output {res}");
    }
}

macro_rules! jepsen_tests {
    ($($name:ident $n:literal $ok:literal),* $(,)?) => {
        $(fn $name() { check_jepsen($n, $ok) })*
    };
}

// The logs of porcupine's test data that ship here (000 to 019), with Go's verdicts.
jepsen_tests! {
    TestEtcdJepsen000 0 false, TestEtcdJepsen001 1 false, TestEtcdJepsen002 2 true,
    TestEtcdJepsen003 3 false, TestEtcdJepsen004 4 false, TestEtcdJepsen005 5 true,
    TestEtcdJepsen006 6 false, TestEtcdJepsen007 7 true, TestEtcdJepsen008 8 false,
    TestEtcdJepsen009 9 false, TestEtcdJepsen010 10 false, TestEtcdJepsen011 11 false,
    TestEtcdJepsen012 12 false, TestEtcdJepsen013 13 false, TestEtcdJepsen014 14 false,
    TestEtcdJepsen015 15 false, TestEtcdJepsen016 16 false, TestEtcdJepsen017 17 false,
    TestEtcdJepsen018 18 true, TestEtcdJepsen019 19 false,
}

// ---- key/value histories ----

fn kv_events(name: &str) -> Vec<Event<KvInput, KvOutput>> {
    let path = data(&format!("{name}.txt"));
    let text = std::fs::read_to_string(&path).expect("the history reads");
    kv::parse(&path, &text).expect("the history parses")
}

fn check_kv(name: &str, correct: bool, partition: bool) {
    let events = kv_events(name);
    let res = if partition {
        porcupine::check_events(&KvModel, events)
    } else {
        porcupine::check_events(&KvNoPartitionModel, events)
    };
    let res = res.unwrap();
    if res != correct {
        panic!("expected output {correct}, got output {res}");
    }
}

fn TestKv1ClientOk() {
    check_kv("c01-ok", true, true);
}

fn TestKv1ClientBad() {
    check_kv("c01-bad", false, true);
}

fn TestKv10ClientsOk() {
    check_kv("c10-ok", true, true);
}

fn TestKv10ClientsBad() {
    check_kv("c10-bad", false, true);
}

fn TestKv50ClientsOk() {
    check_kv("c50-ok", true, true);
}

fn TestKv50ClientsBad() {
    check_kv("c50-bad", false, true);
}

fn TestKvNoPartition1ClientOk() {
    check_kv("c01-ok", true, false);
}

fn TestKvNoPartition1ClientBad() {
    check_kv("c01-bad", false, false);
}

// Go's comment: "takes about 90 seconds to run" (51 s on this machine); here seconds.
fn TestKvNoPartition10ClientsOk() {
    check_kv("c10-ok", true, false);
}

// Go's comment: "takes about 60 seconds to run" (38 s on this machine).
fn TestKvNoPartition10ClientsBad() {
    check_kv("c10-bad", false, false);
}

// ---- the set (Jepsen/Knossos) ----

#[derive(Debug)]
struct SetInput {
    write: bool,
    value: i64,
}

#[derive(Debug)]
struct SetOutput {
    values: Vec<i64>,
    unknown: bool,
}

/// A set that is read whole and written one value at a time: a read may not see
/// duplicated or unknown values (Go's `setModel`).
struct SetModel;

impl Model for SetModel {
    type Input = SetInput;
    type Output = SetOutput;
    type State = Vec<i64>;

    fn init(&self) -> Vec<i64> {
        Vec::new()
    }

    fn step(&self, state: &Vec<i64>, input: &SetInput, output: &SetOutput) -> Option<Vec<i64>> {
        if input.write {
            let mut st = state.clone();
            if let Err(at) = st.binary_search(&input.value) {
                st.insert(at, input.value);
            }
            return Some(st);
        }
        let mut read = output.values.clone();
        read.sort_unstable();
        // Go's model moves to the read's values (sorted), even when unknown.
        (output.unknown || *state == read).then_some(read)
    }
}

fn set_events(read: Vec<i64>, unknown: bool) -> Vec<Event<SetInput, SetOutput>> {
    let none = || SetOutput { values: Vec::new(), unknown: false };
    vec![
        Event::call(0, 0, SetInput { write: true, value: 100 }),
        Event::call(1, 1, SetInput { write: true, value: if read.len() == 1 { 0 } else { 110 } }),
        Event::call(2, 2, SetInput { write: false, value: 0 }),
        Event::ret(2, 2, SetOutput { values: read, unknown }),
        Event::ret(1, 1, none()),
        Event::ret(0, 0, none()),
    ]
}

fn TestSetModel() {
    assert!(
        porcupine::check_events(&SetModel, set_events(vec![100], false)).unwrap(),
        "expected linearizable"
    );
    assert!(
        porcupine::check_events(&SetModel, set_events(vec![100, 110], false)).unwrap(),
        "expected linearizable"
    );
    assert!(porcupine::check_events(&SetModel, set_events(vec![], true)).unwrap(), "expected linearizable");
    assert!(
        !porcupine::check_events(&SetModel, set_events(vec![100, 100, 110], false)).unwrap(),
        "expected operations not to be linearizable"
    );
}

// ---- the nondeterministic register ----

#[derive(Debug)]
enum NdInput {
    /// Writes some subset of the values.
    PutAny(Vec<i64>),
    /// Reads some subset of what the register holds.
    GetAny,
    /// Reads all of it.
    GetAll,
}

/// A register that holds a set of values: put-any writes any subset of its values,
/// get-any reads any subset (Go's `nondeterministicRegisterModel`).
struct NdRegister;

fn subsets(v: &[i64]) -> Vec<BTreeSet<i64>> {
    let Some((first, rest)) = v.split_first() else { return vec![BTreeSet::new()] };
    let mut out = Vec::new();
    for s in subsets(rest) {
        let mut with = s.clone();
        with.insert(*first);
        out.push(s);
        out.push(with);
    }
    out
}

impl NondeterministicModel for NdRegister {
    type Input = NdInput;
    type Output = Vec<i64>;
    // A set, so that equality is the set equality of Go's `setEqual`.
    type State = BTreeSet<i64>;

    fn init(&self) -> Vec<BTreeSet<i64>> {
        vec![BTreeSet::new()]
    }

    fn step(&self, state: &BTreeSet<i64>, input: &NdInput, output: &Vec<i64>) -> Vec<BTreeSet<i64>> {
        match input {
            NdInput::PutAny(values) => subsets(values),
            NdInput::GetAny => {
                if output.iter().all(|v| state.contains(v)) {
                    vec![state.clone()]
                } else {
                    vec![]
                }
            }
            NdInput::GetAll => {
                let read: BTreeSet<i64> = output.iter().copied().collect();
                if read == *state { vec![state.clone()] } else { vec![] }
            }
        }
    }

    fn describe_operation(&self, input: &NdInput, output: &Vec<i64>) -> String {
        match input {
            NdInput::PutAny(v) => format!("put-any({v:?})"),
            NdInput::GetAny => format!("get-any() -> {output:?}"),
            NdInput::GetAll => format!("get-all() -> {output:?}"),
        }
    }
}

fn TestNondeterministicRegisterModel() {
    let events = vec![
        Event::call(0, 0, NdInput::PutAny(vec![1, 2, 3, 4])),
        Event::call(1, 1, NdInput::GetAny),
        Event::call(2, 2, NdInput::GetAny),
        Event::call(3, 3, NdInput::GetAll),
        Event::ret(2, 2, vec![2]),
        Event::ret(1, 1, vec![1, 4]),
        Event::ret(3, 3, vec![1, 2, 3]),
        Event::ret(0, 0, vec![]),
    ];
    let model = PowerSet(NdRegister);
    let (res, info) = porcupine::check_events_verbose(&model, events, NO_LIMIT).unwrap();
    expect("get-all of {1,2,3} after a get-any of {1,4}", res, CheckResult::Illegal);
    visualize_temp_file(&model, &info);

    // Without the get-all, a put of {1, 2, 4} explains both reads.
    let events = vec![
        Event::call(0, 0, NdInput::PutAny(vec![1, 2, 3, 4])),
        Event::call(1, 1, NdInput::GetAny),
        Event::call(2, 2, NdInput::GetAny),
        Event::ret(2, 2, vec![2]),
        Event::ret(1, 1, vec![1, 4]),
        Event::ret(0, 0, vec![]),
    ];
    assert!(porcupine::check_events(&model, events).unwrap(), "expected linearizable");
}

fn TestCheckNoPartitions() {
    let (res, info) = porcupine::check_operations_verbose(&KvModel, Vec::new(), NO_LIMIT).unwrap();
    expect("no operations", res, CheckResult::Ok);
    assert!(info.partitions().is_empty());
    // Zero partitions with a timeout decide at once too (Go v1.0.0 waited for it).
    let t = std::time::Instant::now();
    let res = porcupine::check_operations_timeout(&KvModel, Vec::new(), Duration::from_secs(5)).unwrap();
    expect("no operations, with a timeout", res, CheckResult::Ok);
    assert!(t.elapsed() < Duration::from_secs(1));
}

// ---- visualisation ----

fn kv_get(key: &str, value: &str) -> (KvInput, KvOutput) {
    (KvInput::Get { key: key.into() }, KvOutput { value: value.into() })
}

fn kv_put(key: &str, value: &str) -> (KvInput, KvOutput) {
    (KvInput::Put { key: key.into(), value: value.into() }, KvOutput { value: String::new() })
}

fn kv_op(
    client: i64,
    (input, output): (KvInput, KvOutput),
    call: i64,
    ret: i64,
) -> Operation<KvInput, KvOutput> {
    op(client, input, call, output, ret)
}

fn multiple_lengths() -> Vec<Operation<KvInput, KvOutput>> {
    vec![
        kv_op(0, kv_get("x", "w"), 0, 100),
        kv_op(1, kv_put("x", "y"), 5, 10),
        kv_op(2, kv_put("x", "z"), 0, 10),
        kv_op(1, kv_get("x", "y"), 20, 30),
        kv_op(1, kv_put("x", "w"), 35, 45),
        kv_op(5, kv_get("x", "z"), 25, 35),
        kv_op(3, kv_get("x", "y"), 30, 40),
        kv_op(4, kv_get("y", "a"), 50, 90),
        kv_op(2, kv_put("y", "a"), 55, 85),
    ]
}

fn TestVisualizationMultipleLengths() {
    let (res, info) = porcupine::check_operations_verbose(&KvModel, multiple_lengths(), NO_LIMIT).unwrap();
    expect("the history of Go's test", res, CheckResult::Illegal);
    let parts = porcupine::visualization_data(&KvModel, &info);
    // Go's expected data, field for field.
    let history = |p: &porcupine::PartitionData| -> Vec<(i64, i64, String, i64, String, String)> {
        p.history
            .iter()
            .map(|h| {
                (
                    h.client_id,
                    h.start,
                    h.original_start.clone(),
                    h.end,
                    h.original_end.clone(),
                    h.description.clone(),
                )
            })
            .collect()
    };
    let h = |c: i64, s: i64, os: &str, e: i64, oe: &str, d: &str| {
        (c, s, os.to_string(), e, oe.to_string(), d.to_string())
    };
    assert_eq!(parts.len(), 2);
    assert_eq!(
        history(&parts[0]),
        vec![
            h(0, 0, "0", 1300, "100", "get('x') -> 'w'"),
            h(1, 100, "5", 200, "10", "put('x', 'y')"),
            h(2, 0, "0", 200, "10", "put('x', 'z')"),
            h(1, 300, "20", 500, "30", "get('x') -> 'y'"),
            h(1, 600, "35", 800, "45", "put('x', 'w')"),
            h(5, 400, "25", 600, "35", "get('x') -> 'z'"),
            h(3, 500, "30", 700, "40", "get('x') -> 'y'"),
        ]
    );
    let steps = |v: &[(usize, &str)]| -> Vec<LinearizationStep> {
        v.iter().map(|&(index, s)| LinearizationStep { index, state_description: s.to_string() }).collect()
    };
    assert_eq!(
        parts[0].partial_linearizations,
        vec![
            steps(&[(2, "z"), (1, "y"), (3, "y"), (6, "y"), (4, "w"), (0, "w")]),
            steps(&[(1, "y"), (2, "z"), (5, "z")]),
        ]
    );
    assert_eq!(
        parts[0].largest,
        [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0), (5, 1), (6, 0)].into_iter().collect()
    );
    assert_eq!(
        history(&parts[1]),
        vec![h(4, 900, "50", 1200, "90", "get('y') -> 'a'"), h(2, 1000, "55", 1100, "85", "put('y', 'a')")]
    );
    assert_eq!(parts[1].partial_linearizations, vec![steps(&[(1, "a"), (0, "a")])]);
    assert_eq!(parts[1].largest, [(0, 0), (1, 0)].into_iter().collect());

    // Beyond Go: the page says where the search got stuck. After z, y, get y, get y,
    // put w, get w (all of key x but the get of z), the get of z cannot come next.
    let page = page_data(&visualize_temp_file(&KvModel, &info));
    let p0 = &page["page"]["partitions"][0];
    assert_eq!(p0["name"], "key 'x'");
    assert_eq!(p0["result"], "Illegal");
    assert_eq!(p0["stuck"]["after"], 6);
    assert_eq!(p0["stuck"]["state"], "w");
    assert_eq!(p0["stuck"]["first"], 5);
    assert_eq!(p0["stuck"]["candidates"][0][0], 5);
    assert_eq!(page["page"]["partitions"][1]["result"], "Ok");
    let why = porcupine::explain(&KvModel, &info);
    assert_eq!(
        why[0],
        "key 'x': 6 of 7 operations linearize; then, in state w, none of these can come next:"
    );
    assert!(why[1].contains("get('x') -> 'z' (the first to return): cannot come next"), "{why:?}");
}

fn TestRegisterModelReadme() {
    let events = vec![
        Event::call(0, 0, put(100)),
        Event::call(1, 1, get()),
        Event::call(2, 2, get()),
        Event::ret(2, 2, 0),
        Event::ret(1, 1, 100),
        Event::ret(0, 0, 0),
    ];
    let (res, info) = porcupine::check_events_verbose(&RegisterModel, events, NO_LIMIT).unwrap();
    expect("README's first history", res, CheckResult::Ok);
    let page = page_data(&visualize_temp_file(&RegisterModel, &info));
    assert_eq!(page["page"]["wall_clock"], true);
    assert_eq!(page["page"]["partitions"][0]["linearizations"][0].as_array().map(Vec::len), Some(3));

    let events = vec![
        Event::call(0, 0, put(200)),
        Event::call(1, 1, get()),
        Event::ret(1, 1, 200),
        Event::call(2, 2, get()),
        Event::ret(2, 2, 0),
        Event::ret(0, 0, 0),
    ];
    let (res, info) = porcupine::check_events_verbose(&RegisterModel, events, NO_LIMIT).unwrap();
    expect("README's second history", res, CheckResult::Illegal);
    visualize_temp_file(&RegisterModel, &info);
}

fn TestVisualizationLarge() {
    // Go uses etcd_070.log, which is not among the logs here; 000 is illegal too.
    let path = data("jepsen/etcd_000.log");
    let events = jepsen::parse(&path, &std::fs::read_to_string(&path).unwrap()).unwrap();
    let (res, info) = porcupine::check_events_verbose(&EtcdModel, events, NO_LIMIT).unwrap();
    expect("etcd_000", res, CheckResult::Illegal);
    let page = page_data(&visualize_temp_file(&EtcdModel, &info));
    assert!(page["page"]["partitions"][0]["stuck"]["candidates"].as_array().is_some_and(|c| !c.is_empty()));
}

fn annotation(
    client_id: i64,
    tag: &str,
    start: i64,
    end: i64,
    description: &str,
    details: &str,
) -> Annotation {
    Annotation {
        client_id,
        tag: tag.into(),
        start,
        end,
        description: description.into(),
        details: details.into(),
        ..Annotation::default()
    }
}

fn TestVisualizationAnnotations() {
    let (res, mut info) =
        porcupine::check_operations_verbose(&KvModel, multiple_lengths(), NO_LIMIT).unwrap();
    let mut timeout = annotation(4, "", 10, 31, "get('y') timeout", "");
    timeout.background_color = "#ff9191".into();
    let mut late = annotation(5, "", 80, 0, "get('x') timeout", "");
    late.background_color = "#ff9191".into();
    info.add_annotations([
        timeout,
        late,
        annotation(0, "Server 1", 30, 0, "leader", "became leader in term 3 with 2 votes"),
        annotation(0, "Server 3", 10, 0, "duplicate", "saw duplicate operation put('x', 'y')"),
        annotation(0, "Server 2", 80, 0, "restart", ""),
        annotation(0, "Server 3", 0, 0, "leader", "became leader in term 1 with 3 votes"),
        annotation(0, "Test Framework", 20, 35, "partition [3] [1 2]", ""),
        annotation(0, "Test Framework", 40, 100, "partition [2] [1 3]", ""),
    ]);
    expect("the history of Go's test", res, CheckResult::Illegal);
    // An end before the start became a point at the start.
    assert_eq!(info.annotations()[1].end, 80);
    let page = page_data(&visualize_temp_file(&KvModel, &info));
    let anns = page["page"]["annotations"].as_array().unwrap();
    assert_eq!(anns.len(), 8);
    assert_eq!(anns[0]["client_id"], 4);
    assert_eq!(anns[0]["tag"], "");
}

fn TestVisualizePointInTimeAnnotationsEnd() {
    let ops = vec![kv_op(0, kv_get("x", "w"), 0, 100), kv_op(1, kv_put("x", "y"), 50, 60)];
    let (res, mut info) = porcupine::check_operations_verbose(&KvModel, ops, NO_LIMIT).unwrap();
    expect("a get of a value never put", res, CheckResult::Illegal);
    info.add_annotations([
        annotation(0, "Server 1", 30, 0, "leader change", "became leader"),
        annotation(0, "Server 2", 50, 0, "heartbeat", ""),
        annotation(0, "Server 1", 100, 0, "shutdown", ""),
        annotation(0, "Test Framework", 20, 40, "network stable", ""),
    ]);
    let page = page_data(&visualize_temp_file(&KvModel, &info));
    // The point at the end is inside the page's span.
    assert_eq!(page["page"]["span"][1], 100);
}

fn TestVisualizeMatchingStartEnd() {
    let ops = vec![kv_op(0, kv_get("x", "w"), 0, 50), kv_op(1, kv_put("x", "y"), 50, 80)];
    let (res, mut info) = porcupine::check_operations_verbose(&KvModel, ops, NO_LIMIT).unwrap();
    expect("a get of a value never put", res, CheckResult::Illegal);
    info.add_annotations([
        annotation(0, "Test Framework", 0, 20, "partition", ""),
        annotation(0, "Test Framework", 20, 20, "point in time 1", ""),
        annotation(0, "Test Framework", 20, 40, "network stable", ""),
    ]);
    visualize_temp_file(&KvModel, &info);
}

fn TestVisualizeAnnotationsNoEvents() {
    let mut info: LinearizationInfo<KvInput, KvOutput> = LinearizationInfo::default();
    info.add_annotations([
        annotation(
            0,
            "$ Test Info",
            1739938076171778000,
            1739938076171778000,
            "TestPersist33C (3 servers)",
            "",
        ),
        annotation(0, "$ Checker", 1739938076171786000, 1739938086186709000, "agreement of 101 failed", ""),
        annotation(0, "$ Test Info", 1739938086187103000, 1739938086187104000, "test failed", ""),
    ]);
    let page = page_data(&visualize_temp_file(&KvModel, &info));
    // Times go in relative to the first, as exact integers.
    assert_eq!(page["origin"], "1739938076171778000");
    assert_eq!(page["page"]["annotations"][2]["end"], 10015326000i64);
}

labtest::tests!(
    TestRegisterModel,
    TestZeroDuration,
    TestEtcdJepsen000,
    TestEtcdJepsen001,
    TestEtcdJepsen002,
    TestEtcdJepsen003,
    TestEtcdJepsen004,
    TestEtcdJepsen005,
    TestEtcdJepsen006,
    TestEtcdJepsen007,
    TestEtcdJepsen008,
    TestEtcdJepsen009,
    TestEtcdJepsen010,
    TestEtcdJepsen011,
    TestEtcdJepsen012,
    TestEtcdJepsen013,
    TestEtcdJepsen014,
    TestEtcdJepsen015,
    TestEtcdJepsen016,
    TestEtcdJepsen017,
    TestEtcdJepsen018,
    TestEtcdJepsen019,
    TestKv1ClientOk,
    TestKv1ClientBad,
    TestKv10ClientsOk,
    TestKv10ClientsBad,
    TestKv50ClientsOk,
    TestKv50ClientsBad,
    TestKvNoPartition1ClientOk,
    TestKvNoPartition1ClientBad,
    TestKvNoPartition10ClientsOk,
    TestKvNoPartition10ClientsBad,
    TestSetModel,
    TestNondeterministicRegisterModel,
    TestCheckNoPartitions,
    TestVisualizationMultipleLengths,
    TestRegisterModelReadme,
    TestVisualizationLarge,
    TestVisualizationAnnotations,
    TestVisualizePointInTimeAnnotationsEnd,
    TestVisualizeMatchingStartEnd,
    TestVisualizeAnnotationsNoEvents,
);
