//! The mistakes labgob catches, each with the fix in its message.

use std::fmt;

/// What went wrong while encoding or decoding, with the fix spelled out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A command of a type that was never registered was encoded.
    Unregistered {
        /// The Rust type that was encoded.
        type_name: &'static str,
    },
    /// Encoded data names a command type this process never registered.
    UnknownName {
        /// The registered name found in the bytes.
        name: String,
    },
    /// One registered name was given to two different types.
    NameConflict {
        /// The contested name.
        name: String,
        /// The type that holds the name.
        first: &'static str,
        /// The type that asked for it too.
        second: &'static str,
    },
    /// A value was read back as another type than the one written at that place.
    TypeMismatch {
        /// Position of the value in the stream (0 is the first value).
        position: usize,
        /// The type the caller asked for.
        expected: &'static str,
        /// The type that was written there, if this process knows it.
        found: String,
    },
    /// The stream ended before the value asked for.
    Truncated {
        /// Position of the value in the stream.
        position: usize,
        /// The type the caller asked for.
        expected: &'static str,
    },
    /// The bytes are not a valid encoding of the type asked for.
    Corrupt {
        /// Position of the value in the stream.
        position: usize,
        /// The type the caller asked for.
        expected: &'static str,
        /// What the decoder tripped over.
        detail: String,
    },
    /// A one-shot decode left bytes over: the data holds more than one value.
    TrailingBytes {
        /// The type that was decoded.
        expected: &'static str,
        /// How many bytes were left.
        left: usize,
    },
    /// The serializer failed for another reason (for example a map with non-string keys is fine,
    /// but a type whose `Serialize` impl returns an error is not).
    Encode {
        /// The type being encoded.
        type_name: &'static str,
        /// The serializer's message.
        detail: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unregistered { type_name } => write!(
                f,
                "labgob error: type {type_name} is not registered; call \
                 labgob::register::<{type_name}>() (e.g. in a #[ctor::ctor(unsafe)] fn, \
                 as Go calls labgob.Register in init()) before sending it as a command"
            ),
            Error::UnknownName { name } => write!(
                f,
                "labgob error: data holds a command of type \"{name}\", which is not \
                 registered in this program; register it with labgob::register or \
                 labgob::register_name before decoding"
            ),
            Error::NameConflict { name, first, second } => write!(
                f,
                "labgob error: name \"{name}\" is registered for both {first} and {second}; \
                 give one of them another name with labgob::register_name"
            ),
            Error::TypeMismatch { position, expected, found } => write!(
                f,
                "labgob error: value #{position} was written as {found} but is being read as \
                 {expected}; decode values in the same order and with the same types as they \
                 were encoded (check that read_persist mirrors persist)"
            ),
            Error::Truncated { position, expected } => write!(
                f,
                "labgob error: no value #{position} to read as {expected}: the data ends \
                 there (fewer values were encoded than are being decoded, or the bytes \
                 were cut short)"
            ),
            Error::Corrupt { position, expected, detail } => write!(
                f,
                "labgob error: value #{position} is not a valid {expected} ({detail}); \
                 the bytes are corrupted or were not written by labgob"
            ),
            Error::TrailingBytes { expected, left } => write!(
                f,
                "labgob error: {left} bytes left over after decoding {expected}; the data \
                 holds more values than were decoded"
            ),
            Error::Encode { type_name, detail } => {
                write!(f, "labgob error: cannot encode {type_name}: {detail}")
            }
        }
    }
}

impl std::error::Error for Error {}
