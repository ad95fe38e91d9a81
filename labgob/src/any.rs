//! `Any`: Go's `interface{}` for commands, and the registry that lets it cross the network.
//!
//! Go's gob needs `labgob.Register(T{})` before a `T` travels inside an `interface{}`; the
//! receiver looks the name up to know what to build. `Any` works the same way: the bytes carry
//! the registered name and the value, and `register` maps the name back to a decoder.

use crate::{Error, Result, stash};
use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};
use serde::ser::{self, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::any::TypeId;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, OnceLock, RwLock};

/// What a command type needs: encodable, comparable like Go's `==`, printable, shareable.
pub trait Value: Serialize + DeserializeOwned + PartialEq + fmt::Debug + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug + Send + Sync + 'static> Value for T {}

/// Object-safe face of a `Value`.
trait Dyn: Send + Sync {
    fn as_std(&self) -> &dyn std::any::Any;
    fn eq_dyn(&self, other: &dyn Dyn) -> bool;
    fn fmt_dyn(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result;
    fn type_name(&self) -> &'static str;
    fn type_id_dyn(&self) -> TypeId;
    /// Appends the value's encoding to `buf`.
    fn payload(&self, buf: &mut Vec<u8>) -> Result<()>;
}

impl<T: Value> Dyn for T {
    fn as_std(&self) -> &dyn std::any::Any {
        self
    }
    fn eq_dyn(&self, other: &dyn Dyn) -> bool {
        other.as_std().downcast_ref::<T>() == Some(self)
    }
    fn fmt_dyn(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
    fn type_name(&self) -> &'static str {
        std::any::type_name::<T>()
    }
    fn type_id_dyn(&self) -> TypeId {
        TypeId::of::<T>()
    }
    fn payload(&self, buf: &mut Vec<u8>) -> Result<()> {
        crate::encode_bare(self, buf)
    }
}

/// A value of any registered type, like Go's `interface{}`: cloneable, comparable, printable.
#[derive(Clone)]
pub struct Any(Arc<Shared<dyn Dyn>>);

/// An `Any`'s value and, once it has been encoded (or decoded), its encoding: the value never
/// changes, and a Raft peer encodes the same command again at every persist of its log.
struct Shared<T: ?Sized> {
    payload: OnceLock<Box<[u8]>>,
    value: T,
}

impl Any {
    /// Wraps a value; its type must be registered before the value is encoded.
    pub fn new<T: Value>(v: T) -> Any {
        Any(Arc::new(Shared { payload: OnceLock::new(), value: v }))
    }
    /// The value as a `T`, if it is one.
    pub fn downcast_ref<T: Value>(&self) -> Option<&T> {
        self.0.value.as_std().downcast_ref::<T>()
    }
    /// Whether the value is a `T`.
    pub fn is<T: Value>(&self) -> bool {
        self.0.value.type_id_dyn() == TypeId::of::<T>()
    }
    /// The Rust name of the value's type.
    pub fn type_name(&self) -> &'static str {
        self.0.value.type_name()
    }
    /// The value's encoding, made on first use and kept.
    fn payload(&self) -> Result<&[u8]> {
        if let Some(p) = self.0.payload.get() {
            return Ok(p);
        }
        let mut buf = Vec::new();
        self.0.value.payload(&mut buf)?;
        Ok(self.0.payload.get_or_init(|| buf.into_boxed_slice()))
    }
}

impl PartialEq for Any {
    fn eq(&self, other: &Any) -> bool {
        self.0.value.eq_dyn(&other.0.value)
    }
}

impl fmt::Debug for Any {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.value.fmt_dyn(f)
    }
}

impl From<i64> for Any {
    fn from(v: i64) -> Any {
        Any::new(v)
    }
}

impl From<String> for Any {
    fn from(v: String) -> Any {
        Any::new(v)
    }
}

impl From<&str> for Any {
    fn from(v: &str) -> Any {
        Any::new(v.to_string())
    }
}

type DecodeFn = fn(&[u8]) -> Result<Any>;

struct Entry {
    type_id: TypeId,
    type_name: &'static str,
    decode: DecodeFn,
}

#[derive(Default)]
struct Registry {
    /// Each registered type's name, or the clash that keeps it from having one (reported
    /// when the type is encoded).
    by_type: Map<TypeId, Result<&'static str>>,
    by_name: Map<&'static str, Entry>,
}

/// Maps keyed by type ids and names, hashed fast (every `Any` encoded looks its name up).
type Map<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// Bumped on every registration, so that threads know their copies are stale.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The last name this thread looked up: (registry generation, type, name).
    static LAST_NAME: Cell<Option<(u64, TypeId, &'static str)>> = const { Cell::new(None) };
    /// This thread's copy of the names it has looked up, at a registry generation: encoding
    /// runs on many threads at once, which would otherwise all read the one registry lock.
    static NAMES: RefCell<(u64, Map<TypeId, Result<&'static str>>)> = RefCell::new((u64::MAX, Map::default()));
}

fn decode_as<T: Value>(bytes: &[u8]) -> Result<Any> {
    let v = crate::decode_bare::<T>(bytes)?;
    // Kept as the value's encoding: a follower persists the entries it receives at once.
    Ok(Any(Arc::new(Shared { payload: OnceLock::from(Box::from(bytes)), value: v })))
}

static REGISTRY: LazyLock<RwLock<Registry>> = LazyLock::new(|| {
    let mut r = Registry::default();
    // Go's int and string need no registration; neither do ours.
    add::<i64>(&mut r, "int");
    add::<String>(&mut r, "string");
    add::<bool>(&mut r, "bool");
    RwLock::new(r)
});

fn add<T: Value>(r: &mut Registry, name: &str) {
    let id = TypeId::of::<T>();
    GENERATION.fetch_add(1, Ordering::SeqCst);
    if let Some(e) = r.by_name.get(name) {
        if e.type_id != id {
            let err = Error::NameConflict {
                name: name.to_string(),
                first: e.type_name,
                second: std::any::type_name::<T>(),
            };
            r.by_type.insert(id, Err(err));
        }
        return;
    }
    // Names live as long as the process, as Go's registry does; each is registered once.
    let name: &'static str = Box::leak(name.to_string().into_boxed_str());
    r.by_type.entry(id).or_insert(Ok(name));
    r.by_name
        .insert(name, Entry { type_id: id, type_name: std::any::type_name::<T>(), decode: decode_as::<T> });
}

/// Registers `T` under its Rust type name, like Go's `labgob.Register(T{})`.
pub fn register<T: Value>() {
    register_name::<T>(std::any::type_name::<T>());
}

/// Registers `T` under `name`, like Go's `labgob.RegisterName`; a name clash is reported
/// when the type is next encoded.
pub fn register_name<T: Value>(name: &str) {
    let mut r = REGISTRY.write().unwrap_or_else(|p| p.into_inner());
    add::<T>(&mut r, name);
}

fn name_of(v: &dyn Dyn) -> Result<&'static str> {
    let id = v.type_id_dyn();
    let generation = GENERATION.load(Ordering::SeqCst);
    // A log holds one command type, mostly: try the last name first.
    if let Some((g, last, name)) = LAST_NAME.get()
        && g == generation
        && last == id
    {
        return Ok(name);
    }
    let cached =
        NAMES.with_borrow(|(g, names)| if *g == generation { names.get(&id).cloned() } else { None });
    if let Some(found) = cached {
        if let Ok(name) = found {
            LAST_NAME.set(Some((generation, id, name)));
        }
        return found;
    }
    let found = {
        let r = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
        r.by_type.get(&id).cloned().unwrap_or(Err(Error::Unregistered { type_name: v.type_name() }))
    };
    NAMES.with_borrow_mut(|(g, names)| {
        if *g != generation {
            names.clear();
            *g = generation;
        }
        names.insert(id, found.clone());
    });
    if let Ok(name) = found {
        LAST_NAME.set(Some((generation, id, name)));
    }
    found
}

fn decoder_for(name: &str) -> Result<DecodeFn> {
    let r = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
    r.by_name.get(name).map(|e| e.decode).ok_or_else(|| Error::UnknownName { name: name.to_string() })
}

/// Bytes that serialize through `serialize_bytes` (one length, then the raw bytes).
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Reads a registered name and gives its decoder, without keeping the name.
struct NameSeed;

impl<'de> DeserializeSeed<'de> for NameSeed {
    type Value = DecodeFn;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<DecodeFn, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for NameSeed {
    type Value = DecodeFn;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a registered name")
    }
    fn visit_str<E: de::Error>(self, name: &str) -> std::result::Result<DecodeFn, E> {
        decoder_for(name).map_err(|e| E::custom(stash(e)))
    }
}

/// Reads a value's bytes and decodes them in place with the decoder its name gave.
struct PayloadSeed(DecodeFn);

impl<'de> DeserializeSeed<'de> for PayloadSeed {
    type Value = Any;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Any, D::Error> {
        d.deserialize_bytes(self)
    }
}

impl Visitor<'_> for PayloadSeed {
    type Value = Any;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bytes")
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<Any, E> {
        (self.0)(v).map_err(|e| E::custom(stash(e)))
    }
}

impl Serialize for Any {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let named = name_of(&self.0.value).and_then(|n| self.payload().map(|p| (n, p)));
        let (name, payload) = named.map_err(|e| ser::Error::custom(stash(e)))?;
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&name)?;
        t.serialize_element(&Bytes(payload))?;
        t.end()
    }
}

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Any, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Any;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a registered name and its value")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Any, A::Error> {
                let decode =
                    seq.next_element_seed(NameSeed)?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                seq.next_element_seed(PayloadSeed(decode))?.ok_or_else(|| de::Error::invalid_length(1, &self))
            }
        }
        d.deserialize_tuple(2, V)
    }
}
