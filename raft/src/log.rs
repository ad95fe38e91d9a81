//! The Raft log, with the index arithmetic in one place.
//!
//! Entries before a snapshot are gone (3D); the log keeps the index and term of the last
//! one it dropped as `base`, so `index` numbering never changes.

use labgob::Any;
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
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Log {
    /// Index of the last compacted entry (0 with no snapshot).
    base_index: i64,
    /// entries[0] stands for `base_index` and holds its term; real entries follow.
    entries: Vec<Entry>,
}

impl Default for Log {
    fn default() -> Log {
        Log { base_index: 0, entries: vec![Entry { term: 0, command: None }] }
    }
}

impl Log {
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
        }
    }

    /// Drops the entries through `index` (kept as the new base, with `term`); entries after
    /// it stay if the log has `index` with that term, else the whole log goes.
    pub fn compact(&mut self, index: i64, term: i64) {
        let keep = match self.pos(index) {
            Some(p) if self.entries[p].term == term => self.entries.split_off(p + 1),
            _ => Vec::new(),
        };
        self.base_index = index;
        self.entries = vec![Entry { term, command: None }];
        self.entries.extend(keep);
    }
}
