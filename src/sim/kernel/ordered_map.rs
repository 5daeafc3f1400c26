//! An ordered map whose tree is compiled once for every key and value type.
//!
//! A `BTreeMap<K, V>` compiles its tree (search, insertion, removal with node
//! balancing, iteration, drop) for each key and value type: 3 to 5 KB of the
//! page's wasm each, and the engine keeps over a dozen kinds of map. An
//! [`OrderedMap`] keeps its entries in the slots of a vector and their slots
//! in a `BTreeMap<u128, u32>`, by the key packed into a number that sorts as
//! the key does ([`PackedKey`]), so every map shares that one tree. It holds the
//! same entries and answers as a `BTreeMap` would, in the same key order.
//!
//! An entry takes more than twice a `BTreeMap` entry's memory (a 16-byte key
//! in the tree and a slot of its own), so a store that may hold a million
//! entries keeps its `BTreeMap` (the table's keys, `data/table.rs`).

use std::collections::btree_map::{BTreeMap, Entry};

/// A key that packs into a `u128` without loss, ordered as the key is.
pub trait PackedKey: Copy {
    fn pack(self) -> u128;
}

impl PackedKey for u64 {
    fn pack(self) -> u128 {
        u128::from(self)
    }
}

impl PackedKey for (u32, u32) {
    fn pack(self) -> u128 {
        u128::from(self.0) << 32 | u128::from(self.1)
    }
}

impl PackedKey for (u32, u64) {
    fn pack(self) -> u128 {
        u128::from(self.0) << 64 | u128::from(self.1)
    }
}

impl PackedKey for (u64, u64) {
    fn pack(self) -> u128 {
        u128::from(self.0) << 64 | u128::from(self.1)
    }
}

/// A map ordered by key, like `BTreeMap<K, V>` for the operations the engine
/// uses.
#[derive(Clone, Debug)]
pub struct OrderedMap<K, V> {
    /// Packed key → index of the entry's slot.
    positions: BTreeMap<u128, u32>,
    /// The entries, each in a slot of its own (`None`: a free slot).
    slots: Vec<Option<(K, V)>>,
    /// Free slots, reused before the vector grows.
    free: Vec<u32>,
}

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        OrderedMap {
            positions: BTreeMap::new(),
            slots: Vec::new(),
            free: Vec::new(),
        }
    }
}

impl<K: PackedKey, V> OrderedMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.positions.len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.positions.is_empty()
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.positions.clear();
        self.slots.clear();
        self.free.clear();
    }

    /// True when `key` has an entry.
    pub fn contains_key(&self, key: &K) -> bool {
        self.positions.contains_key(&key.pack())
    }

    /// `key`'s value.
    pub fn get(&self, key: &K) -> Option<&V> {
        let &i = self.positions.get(&key.pack())?;
        self.entry(i).map(|(_, v)| v)
    }

    /// `key`'s value, to change.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let &i = self.positions.get(&key.pack())?;
        self.slots[i as usize].as_mut().map(|(_, v)| v)
    }

    /// Sets `key`'s value; returns the value it replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let mut value = Some(value);
        let v = self.get_or_insert_with(key, || value.take().expect("made once"));
        value.map(|new| std::mem::replace(v, new))
    }

    /// `key`'s value, made by `make` first if `key` has none (`BTreeMap`'s
    /// `entry(key).or_insert_with(make)`).
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.positions.entry(key.pack()) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => *e.insert(place(&mut self.slots, &mut self.free, (key, make()))),
        };
        &mut self.slots[i as usize].as_mut().expect("a placed entry").1
    }

    /// Empties slot `i` and returns its entry.
    fn take(&mut self, i: u32) -> Option<(K, V)> {
        self.free.push(i);
        self.slots[i as usize].take()
    }

    fn entry(&self, i: u32) -> Option<(&K, &V)> {
        self.slots[i as usize].as_ref().map(|(k, v)| (k, v))
    }

    /// Removes `key`'s entry; returns its value.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        let i = self.positions.remove(&key.pack())?;
        self.take(i).map(|(_, v)| v)
    }

    /// The entry with the smallest key.
    pub fn first(&self) -> Option<(&K, &V)> {
        let (_, &i) = self.positions.first_key_value()?;
        self.entry(i)
    }

    /// Removes the entry with the smallest key and returns it.
    pub fn pop_first(&mut self) -> Option<(K, V)> {
        let (_, i) = self.positions.pop_first()?;
        self.take(i)
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.positions.values().filter_map(|&i| self.entry(i))
    }

    /// Keeps the entries for which `keep` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let gone: Vec<K> = self
            .iter()
            .filter(|(k, v)| !keep(k, v))
            .map(|(k, _)| *k)
            .collect();
        for k in gone {
            self.remove(&k);
        }
    }
}

/// Puts an entry in a free slot (or a new one) and returns the slot.
fn place<E>(slots: &mut Vec<Option<E>>, free: &mut Vec<u32>, entry: E) -> u32 {
    match free.pop() {
        Some(i) => {
            slots[i as usize] = Some(entry);
            i
        }
        None => {
            slots.push(Some(entry));
            (slots.len() - 1) as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_and_orders_what_a_btreemap_holds() {
        let mut ours: OrderedMap<(u32, u64), u32> = OrderedMap::new();
        let mut std: BTreeMap<(u32, u64), u32> = BTreeMap::new();
        let mut x = 99u64;
        for step in 0..5_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let key = ((x % 7) as u32, (x >> 8) % 50);
            match x % 6 {
                0 | 1 => assert_eq!(ours.insert(key, step), std.insert(key, step)),
                2 => assert_eq!(ours.remove(&key), std.remove(&key)),
                3 => assert_eq!(ours.pop_first(), std.pop_first()),
                4 => {
                    *ours.get_or_insert_with(key, || step) += 1;
                    *std.entry(key).or_insert_with(|| step) += 1;
                }
                _ => {
                    ours.retain(|k, v| (k.1 + u64::from(*v)) % 5 != 0);
                    std.retain(|k, v| (k.1 + u64::from(*v)) % 5 != 0);
                }
            }
            assert_eq!(ours.len(), std.len());
            assert_eq!(ours.get(&key), std.get(&key));
            assert_eq!(ours.contains_key(&key), std.contains_key(&key));
            assert_eq!(ours.first(), std.first_key_value());
        }
        assert!(ours.iter().eq(std.iter()));
        ours.clear();
        assert!(ours.is_empty() && ours.first().is_none());
    }

    #[test]
    fn packed_keys_sort_as_the_keys_do() {
        let pairs = [(0u32, 0u32), (0, 1), (1, 0), (1, u32::MAX), (u32::MAX, 0)];
        for a in pairs {
            for b in pairs {
                assert_eq!(a.pack().cmp(&b.pack()), a.cmp(&b));
                let (a64, b64) = ((a.0, u64::from(a.1) << 20), (b.0, u64::from(b.1) << 20));
                assert_eq!(a64.pack().cmp(&b64.pack()), a64.cmp(&b64));
                let (a2, b2) = (
                    (u64::from(a.0) << 30, u64::MAX - u64::from(a.1)),
                    (u64::from(b.0) << 30, u64::MAX - u64::from(b.1)),
                );
                assert_eq!(a2.pack().cmp(&b2.pack()), a2.cmp(&b2));
            }
        }
    }
}
