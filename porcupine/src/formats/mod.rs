//! The two history formats of porcupine's own tests, with the models that check them:
//! key/value histories ([`kv`], EDN-like lines) and Jepsen's etcd logs ([`jepsen`], a
//! single register). `porcupine-check` and this crate's tests read them.

pub mod jepsen;
pub mod kv;

use std::fmt;
use std::path::{Path, PathBuf};

/// A history file that could not be read: which file, which line (1-based; 0 for the
/// whole file) and why.
#[derive(Debug)]
pub struct ParseError {
    /// The file.
    pub file: PathBuf,
    /// The line, 1-based; 0 when it is about the whole file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// Which format a history file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Key/value lines like `{:process 3, :type :invoke, :f :get, :key "4", :value nil}`.
    Kv,
    /// A Jepsen log with lines like `INFO  jepsen.util - 3 :invoke :cas [1 4]` (tab-separated).
    Jepsen,
}

/// Tells the format of `text` from its content: the first line that is a key/value
/// event or a Jepsen operation decides.
pub fn detect(text: &str) -> Option<Format> {
    text.lines().find_map(|l| {
        let l = l.trim_start();
        if l.starts_with("{:process") {
            Some(Format::Kv)
        } else if jepsen::is_operation_line(l) {
            Some(Format::Jepsen)
        } else {
            None
        }
    })
}

/// Reads the file at `path` as text.
pub fn read(path: &Path) -> Result<String, ParseError> {
    std::fs::read_to_string(path).map_err(|e| ParseError {
        file: path.to_path_buf(),
        line: 0,
        message: format!("cannot read it: {e}"),
    })
}
