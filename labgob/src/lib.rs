//! labgob: the encoder Raft uses for RPCs and persistence, with the checks students need.
//!
//! Go's labgob wraps `encoding/gob` and warns about two mistakes: lower-case struct fields (gob
//! silently skips them) and decoding into a variable that already holds a value (gob leaves
//! fields alone when the encoded value is zero). Neither can happen here: serde encodes every
//! field, private or not, and decoding always builds a fresh value. What *can* go wrong in Rust
//! is caught instead, each with a [`Error`] that names the types and the fix:
//!
//! - encoding a command ([`Any`]) whose type was never [`register`]ed;
//! - decoding garbage or truncated bytes;
//! - decoding a value as another type than was written (every value carries a 4-byte type tag),
//!   which is also how reading persisted fields back in another order than `persist` wrote
//!   them shows up (fields of one type swapped with each other cannot be told apart).
//!
//! The wire format is bincode 1.3.3 (varint integers) behind this API, so swapping bincode for
//! another serde format touches this file only.

mod any;
mod error;

pub use any::{Any, Value, register, register_name};
pub use error::Error;

use bincode::Options;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{LazyLock, RwLock};

/// labgob's result type.
pub type Result<T> = std::result::Result<T, Error>;

fn options() -> impl Options {
    bincode::DefaultOptions::new().with_varint_encoding().allow_trailing_bytes()
}

thread_local! {
    /// The labgob error behind a serde failure inside `Any`, handed back past bincode.
    static STASH: RefCell<Option<Error>> = const { RefCell::new(None) };
    /// Type tag cache: `type_name` pointer and length to tag.
    static TAGS: RefCell<HashMap<(usize, usize), u32, foldhash::fast::FixedState>> = RefCell::new(HashMap::default());
}

/// Tag to canonical type name, for error messages.
static TAG_NAMES: LazyLock<RwLock<HashMap<u32, String>>> = LazyLock::new(Default::default);

fn stash(e: Error) -> String {
    let msg = e.to_string();
    STASH.with(|s| *s.borrow_mut() = Some(e));
    msg
}

fn take_stash() -> Option<Error> {
    STASH.with(|s| s.borrow_mut().take())
}

/// The type name with serde-transparent wrappers removed, so `&str` matches `String`, `&[T]`
/// matches `Vec<T>` and `Box<T>` matches `T`: they encode the same.
fn canonical(name: &str) -> String {
    let s = name.replace("&mut ", "").replace('&', "").replace("alloc::string::String", "str");
    let mut out = String::with_capacity(s.len());
    let mut closers = Vec::new();
    let mut rest = s.as_str();
    while let Some(c) = rest.chars().next() {
        let opener = ["alloc::vec::Vec<", "alloc::boxed::Box<", "alloc::sync::Arc<", "alloc::rc::Rc<"]
            .into_iter()
            .find(|p| rest.starts_with(*p));
        if let Some(p) = opener {
            let is_vec = p.starts_with("alloc::vec");
            out.push_str(if is_vec { "[" } else { "" });
            closers.push(if is_vec { "]" } else { "" });
            rest = &rest[p.len()..];
            continue;
        }
        match c {
            '<' => closers.push(">"),
            '>' => {
                out.push_str(closers.pop().unwrap_or(">"));
                rest = &rest[1..];
                continue;
            }
            _ => {}
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn tag_of<T: ?Sized>() -> u32 {
    let name = std::any::type_name::<T>();
    let key = (name.as_ptr() as usize, name.len());
    if let Some(t) = TAGS.with(|m| m.borrow().get(&key).copied()) {
        return t;
    }
    let canon = canonical(name);
    // FNV-1a: small, stable across runs and builds.
    let tag = canon.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ b as u32).wrapping_mul(0x0100_0193));
    TAGS.with(|m| m.borrow_mut().insert(key, tag));
    TAG_NAMES.write().unwrap_or_else(|p| p.into_inner()).entry(tag).or_insert(canon);
    tag
}

fn tag_name(tag: u32) -> String {
    match TAG_NAMES.read().unwrap_or_else(|p| p.into_inner()).get(&tag) {
        Some(n) => n.clone(),
        None => format!("a type this program never encoded (tag {tag:08x}; not labgob data?)"),
    }
}

/// Appends a value's encoding without a type tag to `buf` (used inside `Any`).
fn encode_bare<T: Serialize + ?Sized>(v: &T, buf: &mut Vec<u8>) -> Result<()> {
    options().serialize_into(buf, v).map_err(|e| {
        take_stash().unwrap_or(Error::Encode { type_name: std::any::type_name::<T>(), detail: e.to_string() })
    })
}

/// Decodes an untagged value that must fill `bytes` exactly (used inside `Any`).
fn decode_bare<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let mut d = Decoder { data: bytes, position: 0 };
    let v = d.read_value::<T>()?;
    match d.data.len() {
        0 => Ok(v),
        left => Err(Error::TrailingBytes { expected: std::any::type_name::<T>(), left }),
    }
}

/// Appends values to one buffer, like Go's `labgob.NewEncoder(w)` with repeated `Encode`.
#[derive(Debug, Default, Clone)]
pub struct Encoder {
    buf: Vec<u8>,
}

impl Encoder {
    /// An empty encoder.
    pub fn new() -> Encoder {
        Encoder::default()
    }

    /// Appends one value; on error nothing is appended.
    pub fn encode<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        let len = self.buf.len();
        self.buf.extend_from_slice(&tag_of::<T>().to_le_bytes());
        options().serialize_into(&mut self.buf, v).map_err(|e| {
            self.buf.truncate(len);
            take_stash()
                .unwrap_or(Error::Encode { type_name: std::any::type_name::<T>(), detail: e.to_string() })
        })
    }

    /// The bytes written so far.
    pub fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// The encoded bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads values back in the order they were encoded, like Go's `labgob.NewDecoder(r)`.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    data: &'a [u8],
    position: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder over `data`.
    pub fn new(data: &'a [u8]) -> Decoder<'a> {
        Decoder { data, position: 0 }
    }

    /// Whether every value has been read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Reads the next value, which must have been encoded as a `T`.
    pub fn decode<T: DeserializeOwned>(&mut self) -> Result<T> {
        let expected = std::any::type_name::<T>();
        let position = self.position;
        if self.data.is_empty() {
            return Err(Error::Truncated { position, expected });
        }
        let Some((tag, rest)) = self.data.split_first_chunk::<4>() else {
            let detail = "fewer than 4 bytes where a type tag belongs".to_string();
            return Err(Error::Corrupt { position, expected, detail });
        };
        let tag = u32::from_le_bytes(*tag);
        if tag != tag_of::<T>() {
            return Err(Error::TypeMismatch { position, expected, found: tag_name(tag) });
        }
        let before = self.data;
        self.data = rest;
        let v = self.read_value::<T>();
        if v.is_err() {
            self.data = before;
        }
        v
    }

    fn read_value<T: DeserializeOwned>(&mut self) -> Result<T> {
        let expected = std::any::type_name::<T>();
        let position = self.position;
        let limit = self.data.len() as u64;
        let mut reader = self.data;
        let v = options().with_limit(limit).deserialize_from(&mut reader).map_err(|e| {
            take_stash().unwrap_or_else(|| match *e {
                bincode::ErrorKind::Io(ref io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                    Error::Truncated { position, expected }
                }
                bincode::ErrorKind::SizeLimit => Error::Truncated { position, expected },
                ref other => Error::Corrupt { position, expected, detail: other.to_string() },
            })
        })?;
        self.data = reader;
        self.position += 1;
        Ok(v)
    }
}

/// Encodes one value (the shape labrpc sends arguments and replies in).
pub fn encode<T: Serialize + ?Sized>(v: &T) -> Result<Vec<u8>> {
    let mut e = Encoder::new();
    e.encode(v)?;
    Ok(e.into_bytes())
}

/// Decodes one value that must fill `data` exactly.
pub fn decode<T: DeserializeOwned>(data: &[u8]) -> Result<T> {
    let mut d = Decoder::new(data);
    let v = d.decode::<T>()?;
    match d.data.len() {
        0 => Ok(v),
        left => Err(Error::TrailingBytes { expected: std::any::type_name::<T>(), left }),
    }
}
