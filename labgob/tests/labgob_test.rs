//! Go's labgob tests, adapted to what can go wrong in Rust, plus each error path.
#![allow(non_snake_case)]

use labgob::{Any, Decoder, Encoder, Error};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct T1 {
    T1int0: i64,
    T1int1: i64,
    T1string0: String,
    T1string1: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Default)]
struct T2 {
    T2slice: Vec<T1>,
    T2map: HashMap<i64, Box<T1>>,
    T2t3: Option<Any>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct T3 {
    T3int999: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Unregistered(i64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct LateRegistered(i64);
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct LateClash(i64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct LateInner(i64);
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Outer(Any);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Clash1(i64);
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Clash2(i64);

#[ctor::ctor(unsafe)]
fn init() {
    labgob::register::<T3>();
    labgob::register::<Outer>();
    labgob::register_name::<Clash1>("clash");
    labgob::register_name::<Clash2>("clash");
}

fn TestGOB() {
    let mut e = Encoder::new();
    e.encode(&0i64).unwrap();
    e.encode(&1i64).unwrap();
    let t1 = T1 { T1int0: 1, T1int1: 0, T1string0: "6.5840".into(), T1string1: String::new() };
    e.encode(&t1).unwrap();
    let big = T1 { T1int0: 1, T1int1: 2, T1string0: "x".into(), T1string1: "y".into() };
    let t2 = T2 {
        T2slice: vec![T1::default(), t1.clone()],
        T2map: HashMap::from([(99, Box::new(big))]),
        T2t3: Some(Any::new(T3 { T3int999: 999 })),
    };
    e.encode(&t2).unwrap();
    let data = e.into_bytes();

    let mut d = Decoder::new(&data);
    assert_eq!(d.decode::<i64>().unwrap(), 0);
    assert_eq!(d.decode::<i64>().unwrap(), 1);
    assert_eq!(d.decode::<T1>().unwrap(), t1);
    let got: T2 = d.decode().unwrap();
    assert_eq!(got, t2);
    assert_eq!(got.T2t3.unwrap().downcast_ref::<T3>(), Some(&T3 { T3int999: 999 }));
    assert!(d.is_empty());
}

/// Go warns about lower-case fields, which gob skips. serde encodes private fields too.
fn TestCapital() {
    #[derive(Serialize, Deserialize, Debug, PartialEq, Eq, Hash, Clone)]
    struct T4 {
        yes: i64,
        no: i64,
    }
    let mut v: Vec<HashMap<T4, i64>> = vec![HashMap::new()];
    v[0].insert(T4 { yes: 1, no: 2 }, 3);
    let got: Vec<HashMap<T4, i64>> = labgob::decode(&labgob::encode(&v).unwrap()).unwrap();
    assert_eq!(got, v, "a lower-case (private) field must survive the round trip");
}

/// Go warns about decoding into a non-default value, which gob may leave stale. Decoding here
/// always builds a fresh value, so zero values arrive as zero.
fn TestDefault() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct DD {
        X: i64,
    }
    let mut dd = DD { X: 99 };
    assert_eq!(dd.X, 99);
    dd = labgob::decode(&labgob::encode(&DD { X: 0 }).unwrap()).unwrap();
    assert_eq!(dd, DD { X: 0 });
}

fn TestUnregisteredCommand() {
    let e = labgob::encode(&vec![Any::new(Unregistered(7))]).unwrap_err();
    assert!(matches!(e, Error::Unregistered { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("Unregistered") && msg.contains("labgob::register"), "{msg}");
    // The streaming encoder leaves its buffer as it was.
    let mut enc = Encoder::new();
    enc.encode(&5i64).unwrap();
    let before = enc.bytes().to_vec();
    assert!(enc.encode(&Any::new(Unregistered(1))).is_err());
    assert_eq!(enc.bytes(), &before[..]);
}

/// Each thread remembers the names it looked up: a registration made later, on another
/// thread, must still be seen, and a type that became a clash must fail from then on.
fn TestRegisterLater() {
    let v = Any::new(LateRegistered(4));
    assert!(matches!(labgob::encode(&v), Err(Error::Unregistered { .. })));
    std::thread::spawn(labgob::register::<LateRegistered>).join().unwrap();
    assert_eq!(labgob::decode::<Any>(&labgob::encode(&v).unwrap()).unwrap(), v);
    // The same name asked for by another type later: the first holder keeps it.
    labgob::register::<LateClash>();
    assert!(labgob::encode(&Any::new(LateClash(1))).is_ok());
    std::thread::spawn(|| labgob::register_name::<LateClash>(std::any::type_name::<LateRegistered>()))
        .join()
        .unwrap();
    assert!(matches!(labgob::encode(&Any::new(LateClash(1))), Err(Error::NameConflict { .. })));
    assert_eq!(labgob::decode::<Any>(&labgob::encode(&v).unwrap()).unwrap(), v);
}

fn TestBuiltinCommands() {
    for v in [Any::from(100), Any::from("abc"), Any::new(true)] {
        let got: Any = labgob::decode(&labgob::encode(&v).unwrap()).unwrap();
        assert_eq!(got, v);
        assert_eq!(format!("{got:?}"), format!("{v:?}"));
    }
    assert_ne!(Any::from(100), Any::from(101));
    assert_ne!(Any::from(100), Any::from("100"));
    assert_eq!(format!("{:?}", Any::from(100)), "100");
    assert_eq!(Any::from(5).downcast_ref::<i64>(), Some(&5));
    assert!(Any::from(5).downcast_ref::<String>().is_none());
}

fn TestUnknownName() {
    // Bytes naming a type that this program never registered.
    let mut raw = Encoder::new();
    raw.encode(&("no.such.Type".to_string(), vec![0u8])).unwrap();
    let e = labgob::decode::<Any>(&raw.into_bytes()).unwrap_err();
    // The tag says (String, Vec<u8>), not Any: caught as a type mismatch first.
    assert!(matches!(e, Error::TypeMismatch { .. }), "{e:?}");
    // Same bytes framed as an Any.
    #[derive(Serialize)]
    struct Fake(String, serde_bytes_like::Bytes);
    mod serde_bytes_like {
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }
    let good = labgob::encode(&Any::from(1)).unwrap();
    let fake = labgob::encode(&Fake("no.such.Type".into(), serde_bytes_like::Bytes(vec![2]))).unwrap();
    let mut forged = good[..4].to_vec();
    forged.extend_from_slice(&fake[4..]);
    let e = labgob::decode::<Any>(&forged).unwrap_err();
    assert_eq!(e, Error::UnknownName { name: "no.such.Type".into() });
    assert!(e.to_string().contains("no.such.Type"));
}

fn TestNameConflict() {
    let e = labgob::encode(&Any::new(Clash2(1))).unwrap_err();
    assert!(matches!(e, Error::NameConflict { .. }), "{e:?}");
    assert!(e.to_string().contains("Clash1") && e.to_string().contains("Clash2"));
    // The first holder of the name keeps working.
    let v = Any::new(Clash1(3));
    assert_eq!(labgob::decode::<Any>(&labgob::encode(&v).unwrap()).unwrap(), v);
}

fn TestGarbage() {
    let garbage = [0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03];
    let e = labgob::decode::<T1>(&garbage).unwrap_err();
    assert!(matches!(e, Error::TypeMismatch { position: 0, .. }), "{e:?}");
    assert!(e.to_string().contains("not labgob data"), "{e}");
    assert!(matches!(labgob::decode::<i64>(&[1, 2]).unwrap_err(), Error::Corrupt { .. }));
    // A right tag followed by junk: an impossible string length or bad UTF-8.
    let mut bad = labgob::encode(&"ok".to_string()).unwrap();
    bad.truncate(4);
    bad.extend_from_slice(&[2, 0xff, 0xfe]);
    let e = labgob::decode::<String>(&bad).unwrap_err();
    assert!(matches!(e, Error::Corrupt { .. }), "{e:?}");
    let mut huge = labgob::encode(&Vec::<u64>::new()).unwrap();
    huge.truncate(4);
    huge.extend_from_slice(&[0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    let e = labgob::decode::<Vec<u64>>(&huge).unwrap_err();
    assert!(matches!(e, Error::Truncated { .. } | Error::Corrupt { .. }), "{e:?}");
}

fn TestTruncated() {
    let data = labgob::encode(&T1 { T1string0: "hello".into(), ..T1::default() }).unwrap();
    for cut in 5..data.len() {
        let e = labgob::decode::<T1>(&data[..cut]).unwrap_err();
        assert!(matches!(e, Error::Truncated { .. }), "cut at {cut}: {e:?}");
    }
    // Reading more values than were written.
    let mut d = Decoder::new(&data);
    d.decode::<T1>().unwrap();
    let e = d.decode::<i64>().unwrap_err();
    assert!(matches!(e, Error::Truncated { position: 1, .. }), "{e:?}");
    assert!(matches!(labgob::decode::<i64>(&[]).unwrap_err(), Error::Truncated { .. }));
    let mut two = labgob::encode(&1i64).unwrap();
    two.extend(labgob::encode(&2i64).unwrap());
    assert!(matches!(labgob::decode::<i64>(&two).unwrap_err(), Error::TrailingBytes { .. }));
}

fn TestWrongType() {
    let data = labgob::encode(&T1::default()).unwrap();
    let e = labgob::decode::<T3>(&data).unwrap_err();
    match &e {
        Error::TypeMismatch { position: 0, found, .. } => assert!(found.contains("T1"), "{found}"),
        _ => panic!("{e:?}"),
    }
    assert!(e.to_string().contains("T3"));
    // Types that encode alike are interchangeable: &str / String, &[T] / Vec<T>, Box<T> / T.
    assert_eq!(labgob::decode::<String>(&labgob::encode("abc").unwrap()).unwrap(), "abc");
    let v = vec![T3 { T3int999: 1 }];
    assert_eq!(labgob::decode::<Vec<T3>>(&labgob::encode(&v[..]).unwrap()).unwrap(), v);
    assert_eq!(labgob::decode::<i64>(&labgob::encode(&Box::new(4i64)).unwrap()).unwrap(), 4);
}

/// What `persist` wrote must be read back in the same order by `read_persist`.
fn TestWrongOrder() {
    let log = vec![T1::default()];
    let mut e = Encoder::new();
    e.encode(&3i64).unwrap(); // current_term
    e.encode(&Some(1i64)).unwrap(); // voted_for
    e.encode(&log).unwrap();
    let data = e.into_bytes();
    let mut d = Decoder::new(&data);
    d.decode::<i64>().unwrap();
    let err = d.decode::<Vec<T1>>().unwrap_err();
    assert!(matches!(err, Error::TypeMismatch { position: 1, .. }), "{err:?}");
    assert!(err.to_string().contains("same order"), "{err}");
    // A failed decode consumes nothing: the right type still reads.
    assert_eq!(d.decode::<Option<i64>>().unwrap(), Some(1));
    assert_eq!(d.decode::<Vec<T1>>().unwrap(), log);
}

/// An `Any` keeps its encoding (a Raft log is persisted again and again): the same bytes every
/// time, the same after a round trip, and a failed encoding is not kept.
fn TestEncodingIsKept() {
    let v = Any::new(Outer(Any::new(LateInner(9))));
    assert!(matches!(labgob::encode(&v), Err(Error::Unregistered { .. })));
    labgob::register::<LateInner>();
    let first = labgob::encode(&v).unwrap();
    assert_eq!(labgob::encode(&v).unwrap(), first);
    assert_eq!(labgob::encode(&v.clone()).unwrap(), first);
    let back: Any = labgob::decode(&first).unwrap();
    assert_eq!(back, v);
    assert_eq!(labgob::encode(&back).unwrap(), first);
    let fresh = Any::new(Outer(Any::new(LateInner(9))));
    assert_eq!(labgob::encode(&fresh).unwrap(), first);
}

labtest::tests!(
    TestGOB,
    TestCapital,
    TestDefault,
    TestUnregisteredCommand,
    TestRegisterLater,
    TestBuiltinCommands,
    TestUnknownName,
    TestNameConflict,
    TestGarbage,
    TestTruncated,
    TestWrongType,
    TestWrongOrder,
    TestEncodingIsKept,
);
