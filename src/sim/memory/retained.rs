//! A retained set: memory a service keeps after the request that made it has
//! gone — a static map used as a local cache, a session store, a memo table.
//!
//! Entries are kept in insertion order as batches (all entries added within one
//! second share a batch), so a set of millions of entries costs a few thousand
//! batches. Keys are assumed unique (one order, one entry), so least recently
//! used is least recently inserted. The eviction policy decides what becomes
//! unreachable: nothing (a leak), entries older than a TTL, or the oldest beyond
//! a maximum number of entries (LRU). Evicted memory is handed back to the
//! caller, which turns it into garbage (managed runtime) or frees it.

use std::collections::VecDeque;

use crate::sim::kernel::time::{Micros, SEC};

/// How a retained set forgets entries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Eviction {
    /// Never: every entry stays reachable for ever (the classic leak).
    None,
    /// Entries become unreachable `ttl_us` after they were added.
    Ttl { ttl_us: Micros },
    /// At most `max_entries` entries; adding more drops the oldest.
    Lru { max_entries: u64 },
}

/// Entries added within this span share a batch.
const BATCH_US: Micros = SEC;
/// Most batches kept; beyond this the two oldest are merged (their entries then
/// expire with the younger of the two: a TTL is honoured late, never early).
const MAX_BATCHES: usize = 4_096;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Batch {
    added_us: Micros,
    entries: f64,
    mb: f64,
}

/// The entries a pod retains, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RetainedSet {
    batches: VecDeque<Batch>,
    entries: f64,
    mb: f64,
}

impl RetainedSet {
    /// Live entries.
    pub fn entries(&self) -> f64 {
        self.entries
    }

    /// Live memory, MB.
    pub fn mb(&self) -> f64 {
        self.mb
    }

    /// Batches kept (bounded by `MAX_BATCHES`).
    pub fn batches(&self) -> usize {
        self.batches.len()
    }

    /// Forgets everything (the process died).
    pub fn clear(&mut self) {
        *self = RetainedSet::default();
    }

    /// Adds `entries` entries of `mb_each` MB at `now`; returns the MB the
    /// policy evicted to make room (LRU).
    pub fn add(&mut self, now: Micros, entries: f64, mb_each: f64, policy: Eviction) -> f64 {
        debug_assert!(entries >= 0.0 && mb_each >= 0.0);
        let mb = entries * mb_each;
        match self.batches.back_mut() {
            Some(b) if now < b.added_us + BATCH_US => {
                b.entries += entries;
                b.mb += mb;
            }
            _ => self.batches.push_back(Batch {
                added_us: now,
                entries,
                mb,
            }),
        }
        if self.batches.len() > MAX_BATCHES {
            let a = self.batches.pop_front().expect("non-empty");
            let b = self.batches.front_mut().expect("more than one");
            b.entries += a.entries;
            b.mb += a.mb;
        }
        self.entries += entries;
        self.mb += mb;
        self.enforce(now, policy)
    }

    /// Drops what the policy no longer keeps as of `now`; returns the MB dropped.
    pub fn enforce(&mut self, now: Micros, policy: Eviction) -> f64 {
        let mut freed = 0.0;
        match policy {
            Eviction::None => {}
            Eviction::Ttl { ttl_us } => {
                while let Some(b) = self.batches.front() {
                    if b.added_us + ttl_us > now {
                        break;
                    }
                    let b = self.batches.pop_front().expect("front");
                    self.entries -= b.entries;
                    self.mb -= b.mb;
                    freed += b.mb;
                }
            }
            Eviction::Lru { max_entries } => {
                let max = max_entries as f64;
                while self.entries > max {
                    let excess = self.entries - max;
                    let b = self.batches.front_mut().expect("entries > 0");
                    if b.entries <= excess {
                        let b = self.batches.pop_front().expect("front");
                        self.entries -= b.entries;
                        self.mb -= b.mb;
                        freed += b.mb;
                    } else {
                        // Part of a batch: its entries are alike, so memory goes pro rata.
                        let mb = b.mb * excess / b.entries;
                        b.entries -= excess;
                        b.mb -= mb;
                        self.entries -= excess;
                        self.mb -= mb;
                        freed += mb;
                    }
                }
            }
        }
        if self.batches.is_empty() {
            // No drift from floating-point sums.
            self.entries = 0.0;
            self.mb = 0.0;
        }
        freed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::MIN;

    #[test]
    fn without_eviction_everything_stays() {
        let mut s = RetainedSet::default();
        for t in 0..10_000u64 {
            assert_eq!(s.add(t * SEC, 100.0, 0.001, Eviction::None), 0.0);
        }
        assert_eq!(s.entries(), 1_000_000.0);
        assert!((s.mb() - 1_000.0).abs() < 1e-6);
        assert!(s.batches() <= MAX_BATCHES);
    }

    #[test]
    fn ttl_drops_entries_once_they_are_older_than_the_ttl() {
        let ttl = Eviction::Ttl { ttl_us: 10 * MIN };
        let mut s = RetainedSet::default();
        let mut freed = 0.0;
        for t in 0..3_600u64 {
            freed += s.add(t * SEC, 10.0, 0.5, ttl);
        }
        // 600 seconds' worth is kept: 6,000 entries of 0.5 MB.
        assert!((s.entries() - 6_000.0).abs() <= 10.0, "{}", s.entries());
        assert!((freed + s.mb() - 3_600.0 * 10.0 * 0.5).abs() < 1e-6);
        // Nothing added for an hour: all gone.
        s.enforce(2 * 3_600 * SEC, ttl);
        assert_eq!(s.entries(), 0.0);
    }

    #[test]
    fn lru_keeps_at_most_max_entries_and_frees_the_oldest() {
        let lru = Eviction::Lru { max_entries: 1_000 };
        let mut s = RetainedSet::default();
        for t in 0..100u64 {
            s.add(t * SEC, 37.0, 2.0, lru);
        }
        assert!((s.entries() - 1_000.0).abs() < 1e-9);
        assert!((s.mb() - 2_000.0).abs() < 1e-6);
        // Switching from no eviction to LRU trims at once.
        let mut t = RetainedSet::default();
        t.add(0, 5_000.0, 1.0, Eviction::None);
        assert!((t.enforce(SEC, lru) - 4_000.0).abs() < 1e-9);
    }

    #[test]
    fn merged_batches_expire_late_never_early() {
        let ttl = Eviction::Ttl {
            ttl_us: 100_000 * SEC,
        };
        let mut s = RetainedSet::default();
        for t in 0..(MAX_BATCHES as u64 + 10) {
            s.add(t * 2 * SEC, 1.0, 1.0, ttl);
        }
        assert_eq!(s.batches(), MAX_BATCHES);
        // At the TTL of the very first entry, merged ones are still there.
        s.enforce(100_000 * SEC, ttl);
        assert_eq!(s.entries(), MAX_BATCHES as f64 + 10.0);
    }
}
