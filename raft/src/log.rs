//! The Raft log, with the index arithmetic in one place.
//!
//! Entries before a snapshot are gone (3D); the log keeps the index and term of the last
//! one it dropped as `base`, so `index` numbering never changes. It also keeps its entries'
//! encodings, so that persisting after a change encodes only the entries added since.

use labgob::{Any, Decoder};
use serde::{Deserialize, Serialize};

/// One log entry.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Entry {
    /// The term in which a leader created the entry.
    pub term: i64,
    /// The client's command (`None` only for the placeholder at `base`).
    pub command: Option<Any>,
}

/// A log whose first `base_index` entries were compacted away.
#[derive(Clone, Debug)]
pub struct Log {
    /// Index of the last compacted entry (0 with no snapshot).
    base_index: i64,
    /// entries[0] stands for `base_index` and holds its term; real entries follow.
    entries: Vec<Entry>,
    /// The labgob encodings of the first `ends.len()` entries, back to back: a log of
    /// thousands of entries (Lab 4 without snapshots) is persisted at every change, and
    /// encoding all of it each time made persisting most of a peer's work.
    encoded: Vec<u8>,
    /// Where each encoded entry ends in `encoded`.
    ends: Vec<usize>,
}

impl Default for Log {
    fn default() -> Log {
        Log::with_entries(0, vec![Entry { term: 0, command: None }])
    }
}

impl Log {
    fn with_entries(base_index: i64, entries: Vec<Entry>) -> Log {
        Log { base_index, entries, encoded: Vec::new(), ends: Vec::new() }
    }

    /// Index of the last compacted entry.
    pub fn base_index(&self) -> i64 {
        self.base_index
    }

    /// Term of the last compacted entry.
    pub fn base_term(&self) -> i64 {
        self.entries[0].term
    }

    /// Index of the last entry.
    pub fn last_index(&self) -> i64 {
        self.base_index + self.entries.len() as i64 - 1
    }

    /// Term of the last entry.
    pub fn last_term(&self) -> i64 {
        self.entries[self.entries.len() - 1].term
    }

    fn pos(&self, index: i64) -> Option<usize> {
        (index >= self.base_index && index <= self.last_index()).then(|| (index - self.base_index) as usize)
    }

    /// Term of the entry at `index`, if the log still has it (the base counts).
    pub fn term_at(&self, index: i64) -> Option<i64> {
        self.pos(index).map(|p| self.entries[p].term)
    }

    /// The entry at `index` (after the base).
    pub fn entry(&self, index: i64) -> Option<&Entry> {
        self.pos(index).filter(|&p| p > 0).map(|p| &self.entries[p])
    }

    /// Copies of the entries from `index` to the end.
    pub fn from(&self, index: i64) -> Vec<Entry> {
        self.pos(index.max(self.base_index + 1)).map_or_else(Vec::new, |p| self.entries[p..].to_vec())
    }

    /// First index holding `term`, searching back from `index` (for the fast backup).
    pub fn first_index_of_term(&self, term: i64, index: i64) -> i64 {
        let mut i = index;
        while i > self.base_index + 1 && self.term_at(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }

    /// Last index holding `term`, if any.
    pub fn last_index_of_term(&self, term: i64) -> Option<i64> {
        (self.base_index + 1..=self.last_index()).rev().find(|&i| self.term_at(i) == Some(term))
    }

    /// Appends an entry; returns its index.
    pub fn push(&mut self, entry: Entry) -> i64 {
        self.entries.push(entry);
        self.last_index()
    }

    /// Drops every entry from `index` on.
    pub fn truncate_from(&mut self, index: i64) {
        if let Some(p) = self.pos(index) {
            self.entries.truncate(p.max(1));
            self.ends.truncate(self.entries.len());
            self.encoded.truncate(self.ends.last().copied().unwrap_or(0));
        }
    }

    /// Drops the entries through `index` (kept as the new base, with `term`); entries after
    /// it stay if the log has `index` with that term, else the whole log goes.
    pub fn compact(&mut self, index: i64, term: i64) {
        let keep = match self.pos(index) {
            Some(p) if self.entries[p].term == term => self.entries.split_off(p + 1),
            _ => Vec::new(),
        };
        let mut entries = vec![Entry { term, command: None }];
        entries.extend(keep);
        *self = Log::with_entries(index, entries);
    }

    /// The entries' labgob encodings, back to back (what [`Log::decode`] reads), encoding
    /// only those not encoded before.
    pub fn encoded(&mut self) -> labgob::Result<&[u8]> {
        for e in &self.entries[self.ends.len()..] {
            self.encoded.extend_from_slice(&labgob::encode(e)?);
            self.ends.push(self.encoded.len());
        }
        Ok(&self.encoded)
    }

    /// Reads back a log with `base_index` whose entries are the rest of `d`; `None` if
    /// there is not even the entry that stands for the base.
    pub fn decode(base_index: i64, d: &mut Decoder<'_>) -> labgob::Result<Option<Log>> {
        let mut entries = Vec::new();
        while !d.is_empty() {
            entries.push(d.decode::<Entry>()?);
        }
        Ok((!entries.is_empty()).then(|| Log::with_entries(base_index, entries)))
    }
}
