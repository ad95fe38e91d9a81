//! `Any`: Go's `interface{}` for commands, and the registry that lets it cross the network.
//!
//! Go's gob needs `labgob.Register(T{})` before a `T` travels inside an `interface{}`; the
//! receiver looks the name up to know what to build. `Any` works the same way: the bytes carry
//! the registered name and the value, and `register` maps the name back to a decoder.

use crate::{Error, Result, stash};
use serde::de::{self, DeserializeOwned, SeqAccess, Visitor};
use serde::ser::{self, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::any::TypeId;
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock, RwLock};

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
    fn payload(&self) -> Result<Vec<u8>>;
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
    fn payload(&self) -> Result<Vec<u8>> {
        crate::encode_bare(self)
    }
}

/// A value of any registered type, like Go's `interface{}`: cloneable, comparable, printable.
#[derive(Clone)]
pub struct Any(Arc<dyn Dyn>);

impl Any {
    /// Wraps a value; its type must be registered before the value is encoded.
    pub fn new<T: Value>(v: T) -> Any {
        Any(Arc::new(v))
    }
    /// The value as a `T`, if it is one.
    pub fn downcast_ref<T: Value>(&self) -> Option<&T> {
        self.0.as_std().downcast_ref::<T>()
    }
    /// Whether the value is a `T`.
    pub fn is<T: Value>(&self) -> bool {
        self.0.type_id_dyn() == TypeId::of::<T>()
    }
    /// The Rust name of the value's type.
    pub fn type_name(&self) -> &'static str {
        self.0.type_name()
    }
}

impl PartialEq for Any {
    fn eq(&self, other: &Any) -> bool {
        self.0.eq_dyn(&*other.0)
    }
}

impl fmt::Debug for Any {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt_dyn(f)
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
    by_type: HashMap<TypeId, String>,
    by_name: HashMap<String, Entry>,
    /// Names asked for by a second type; reported when either type is encoded.
    conflicts: HashMap<TypeId, Error>,
}

fn decode_as<T: Value>(bytes: &[u8]) -> Result<Any> {
    crate::decode_bare::<T>(bytes).map(Any::new)
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
    if let Some(e) = r.by_name.get(name) {
        if e.type_id != id {
            let err = Error::NameConflict {
                name: name.to_string(),
                first: e.type_name,
                second: std::any::type_name::<T>(),
            };
            r.conflicts.insert(id, err);
        }
        return;
    }
    r.by_type.entry(id).or_insert_with(|| name.to_string());
    r.by_name.insert(
        name.to_string(),
        Entry { type_id: id, type_name: std::any::type_name::<T>(), decode: decode_as::<T> },
    );
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

fn name_of(v: &dyn Dyn) -> Result<String> {
    let r = REGISTRY.read().unwrap_or_else(|p| p.into_inner());
    if let Some(err) = r.conflicts.get(&v.type_id_dyn()) {
        return Err(err.clone());
    }
    r.by_type.get(&v.type_id_dyn()).cloned().ok_or(Error::Unregistered { type_name: v.type_name() })
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

struct ByteBuf(Vec<u8>);

impl<'de> Deserialize<'de> for ByteBuf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<ByteBuf, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ByteBuf;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<ByteBuf, E> {
                Ok(ByteBuf(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> std::result::Result<ByteBuf, E> {
                Ok(ByteBuf(v))
            }
        }
        d.deserialize_byte_buf(V)
    }
}

impl Serialize for Any {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let named = name_of(&*self.0).and_then(|n| Ok((n, self.0.payload()?)));
        let (name, payload) = named.map_err(|e| ser::Error::custom(stash(e)))?;
        let mut t = s.serialize_tuple(2)?;
        t.serialize_element(&name)?;
        t.serialize_element(&Bytes(&payload))?;
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
                let name: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let bytes: ByteBuf =
                    seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                decoder_for(&name)
                    .and_then(|decode| decode(&bytes.0))
                    .map_err(|e| de::Error::custom(stash(e)))
            }
        }
        d.deserialize_tuple(2, V)
    }
}
