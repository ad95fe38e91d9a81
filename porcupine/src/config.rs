//! The search's memory: which operations are linearized (a bit set with an incremental
//! hash), the configurations already explored, and the states met so far (interned, so
//! that a configuration holds a number, not a copy of a state).
//!
//! Go's v1.0.3 clones an n-bit set for every configuration it remembers and hashes it by
//! popcount and XOR, which collides for most sets of the same size. Here a configuration
//! is stored compactly and exactly: every operation whose return comes before the first
//! unlinearized return is linearized in it, so the set is that count plus the few bits
//! after it, and its hash is a Zobrist hash kept up to date on every set and clear.

use hashbrown::HashTable;

/// SplitMix64: spreads consecutive numbers over all 64 bits.
pub(crate) fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// The linearized operations, by their rank in return order.
pub(crate) struct Linearized {
    words: Vec<u64>,
    /// How many bits are set.
    count: usize,
    /// The first clear bit: every rank below it is set.
    low: usize,
    /// XOR of the Zobrist keys of the set ranks.
    hash: u64,
    keys: Vec<u64>,
}

impl Linearized {
    /// An empty set of `n` ranks.
    pub(crate) fn new(n: usize) -> Self {
        let keys = (0..n as u64).map(|r| mix(r ^ 0x5851_F42D_4C95_7F2D)).collect();
        Linearized { words: vec![0; n.div_ceil(64)], count: 0, low: 0, hash: 0, keys }
    }

    /// Adds rank `r` (not in the set).
    pub(crate) fn set(&mut self, r: usize) {
        self.words[r / 64] |= 1 << (r % 64);
        self.count += 1;
        self.hash ^= self.keys[r];
        if r == self.low {
            self.advance_low();
        }
    }

    /// Removes rank `r` (in the set).
    pub(crate) fn clear(&mut self, r: usize) {
        self.words[r / 64] &= !(1 << (r % 64));
        self.count -= 1;
        self.hash ^= self.keys[r];
        self.low = self.low.min(r);
    }

    fn advance_low(&mut self) {
        let mut w = self.low / 64;
        let mut bits = self.words.get(w).map_or(0, |x| x >> (self.low % 64));
        let mut at = self.low;
        loop {
            let ones = bits.trailing_ones() as usize;
            let room = 64 - at % 64;
            if ones < room {
                self.low = at + ones;
                return;
            }
            at += room;
            w += 1;
            match self.words.get(w) {
                Some(&x) => bits = x,
                None => {
                    self.low = at;
                    return;
                }
            }
        }
    }

    /// The set's Zobrist hash.
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }

    /// The set in compact form: the index of the word holding the first clear bit, and the
    /// words from there to the last one with a bit set (every word before is full).
    pub(crate) fn compact(&self) -> (usize, &[u64]) {
        let from = self.low / 64;
        let mut left = self.count - from * 64;
        let mut to = from;
        while left > 0 {
            left -= self.words[to].count_ones() as usize;
            to += 1;
        }
        (from, &self.words[from..to])
    }
}

/// A remembered configuration: a compact linearized set and an interned state.
struct Config {
    /// 32 bits of the configuration's hash (20 bytes a configuration, not 24: the table
    /// hashes these bits again when it grows).
    hash: u32,
    from: u32,
    state: u32,
    off: u32,
    len: u32,
}

/// The table's hash of a configuration's 32 stored bits.
fn table_hash(h: u32) -> u64 {
    mix(u64::from(h))
}

/// The configurations explored so far.
pub(crate) struct Cache {
    table: HashTable<u32>,
    configs: Vec<Config>,
    words: Vec<u64>,
}

impl Cache {
    /// An empty cache with room for `n` configurations.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Cache {
            table: HashTable::with_capacity(n),
            configs: Vec::with_capacity(n),
            words: Vec::with_capacity(n),
        }
    }

    /// Remembers (`lin`, `state`); false if it was already there.
    pub(crate) fn insert(&mut self, lin: &Linearized, state: u32) -> bool {
        let full = lin.hash() ^ mix(u64::from(state));
        let hash = (full >> 32) as u32 ^ full as u32;
        let (from, words) = lin.compact();
        let Cache { table, configs, words: arena } = self;
        let found = table.find(table_hash(hash), |&i| {
            let c = &configs[i as usize];
            c.hash == hash
                && c.state == state
                && c.from as usize == from
                && arena[c.off as usize..(c.off + c.len) as usize] == *words
        });
        if found.is_some() {
            return false;
        }
        let config =
            Config { hash, from: from as u32, state, off: arena.len() as u32, len: words.len() as u32 };
        arena.extend_from_slice(words);
        let i = configs.len() as u32;
        configs.push(config);
        table.insert_unique(table_hash(hash), i, |&j| table_hash(configs[j as usize].hash));
        true
    }
}

/// The states met so far, each stored once and named by its number.
pub(crate) struct States<S> {
    table: HashTable<u32>,
    states: Vec<S>,
    hashes: Vec<u64>,
}

impl<S> States<S> {
    /// No states yet, with room for `n`.
    pub(crate) fn with_capacity(n: usize) -> Self {
        States {
            table: HashTable::with_capacity(n),
            states: Vec::with_capacity(n),
            hashes: Vec::with_capacity(n),
        }
    }

    /// The number of `state`, adding it if it is new; `hash` and `eq` are the model's.
    pub(crate) fn intern(&mut self, state: S, hash: u64, eq: impl Fn(&S, &S) -> bool) -> u32 {
        let States { table, states, hashes } = self;
        if let Some(&i) = table.find(hash, |&i| hashes[i as usize] == hash && eq(&states[i as usize], &state))
        {
            return i;
        }
        // The step memory flags a number's top bit: 2^31 states are far beyond any memory.
        assert!(states.len() < 1 << 31, "porcupine: more than 2^31 states in one partition");
        let i = states.len() as u32;
        states.push(state);
        hashes.push(hash);
        table.insert_unique(hash, i, |&j| hashes[j as usize]);
        i
    }

    /// State number `i`.
    pub(crate) fn get(&self, i: u32) -> &S {
        &self.states[i as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn low_tracks_the_first_clear_bit() {
        let mut l = Linearized::new(200);
        for r in 0..130 {
            l.set(r);
        }
        assert_eq!(l.low, 130);
        l.set(131);
        assert_eq!(l.compact(), (2, &[0b1011u64][..]));
        l.clear(5);
        assert_eq!(l.low, 5);
        assert_eq!(l.compact().0, 0);
        l.set(5);
        assert_eq!(l.low, 130);
        l.set(130);
        assert_eq!(l.low, 132);
    }

    #[test]
    fn compact_form_is_exact() {
        let mut a = Linearized::new(300);
        let mut b = Linearized::new(300);
        for r in [0, 1, 2, 70, 250] {
            a.set(r);
        }
        for r in [250, 70, 2, 1, 0] {
            b.set(r);
        }
        assert_eq!(a.hash(), b.hash());
        assert_eq!(a.compact(), b.compact());
        let mut c = Cache::with_capacity(0);
        assert!(c.insert(&a, 0));
        assert!(!c.insert(&b, 0));
        assert!(c.insert(&b, 1));
        b.clear(70);
        assert!(c.insert(&b, 0));
    }

    #[test]
    fn full_set_has_low_at_the_end() {
        let mut l = Linearized::new(64);
        for r in 0..64 {
            l.set(r);
        }
        assert_eq!(l.low, 64);
        assert_eq!(l.compact(), (1, &[][..]));
    }
}
