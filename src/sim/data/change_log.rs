//! A change log: writes appended in commit order and read by consumer
//! groups, each at its own offset, in batches — a Kafka topic read by
//! consumer groups, or a database's binlog read by a replica or a capture
//! connector.
//!
//! Two parts read one: a replicated store's replica nodes apply its
//! asynchronous writes from it (`replicated.rs`), and change data capture
//! streams one table's writes to another through it (`cdc.rs`).
//!
//! A record becomes fetchable at its `due_us` (producer batching, the
//! broker's replication, the consumer's fetch), never before the record
//! ahead of it: a log is read in order. A consumer takes up to
//! `max_poll_records` fetchable records at once (Kafka's `max.poll.records`)
//! and holds them until it has applied them. The log keeps at most
//! `retention` records: a group that falls further behind loses the oldest,
//! which never reach it.

use std::collections::VecDeque;

use crate::sim::kernel::time::Micros;

/// A write on the log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Record {
    /// When the write was acknowledged (committed) at its source.
    pub(crate) acked_us: Micros,
    /// When it becomes fetchable.
    pub(crate) due_us: Micros,
    /// Real writes it stands for.
    pub(crate) weight: u32,
    /// The written row's key.
    pub(crate) key: u64,
}

/// A consumer: idle, or applying a batch (which it keeps until applied).
#[derive(Clone, Debug, Default)]
pub(crate) struct Consumer {
    pub(crate) batch: Vec<Record>,
    /// The batch's attempt reached a node cut off: it ends at the timeout.
    pub(crate) lost: bool,
}

impl Consumer {
    pub(crate) fn is_idle(&self) -> bool {
        self.batch.is_empty()
    }
}

/// A consumer group: its offset and its consumers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Group {
    /// Sequence number of the next record to take.
    pub(crate) next_seq: u64,
    pub(crate) consumers: Vec<Consumer>,
}

/// The log and the groups reading it.
#[derive(Clone, Debug)]
pub(crate) struct ChangeLog {
    /// The records, oldest first; `records[0]` has sequence number `base_seq`.
    pub(crate) records: VecDeque<Record>,
    pub(crate) base_seq: u64,
    pub(crate) groups: Vec<Group>,
    /// Most records kept.
    pub(crate) retention: usize,
    /// Most records a consumer takes at once.
    pub(crate) max_poll_records: usize,
}

impl ChangeLog {
    /// A log read by `groups` groups, keeping `retention` records, handing
    /// out batches of at most `max_poll_records`.
    pub(crate) fn new(groups: usize, retention: usize, max_poll_records: usize) -> Self {
        assert!(retention >= 1 && max_poll_records >= 1);
        ChangeLog {
            records: VecDeque::new(),
            base_seq: 0,
            groups: (0..groups).map(|_| Group::default()).collect(),
            retention,
            max_poll_records,
        }
    }

    /// Appends a write acknowledged at `acked_us`, fetchable at `due_us` or
    /// when the record ahead of it is, whichever is later; returns the
    /// records dropped by retention, weighted, summed over the groups that
    /// had not taken them.
    pub(crate) fn append(
        &mut self,
        acked_us: Micros,
        due_us: Micros,
        weight: u32,
        key: u64,
    ) -> f64 {
        let due_us = self
            .records
            .back()
            .map_or(due_us, |last| due_us.max(last.due_us));
        self.records.push_back(Record {
            acked_us,
            due_us,
            weight,
            key,
        });
        let mut dropped = 0.0;
        while self.records.len() > self.retention {
            let r = self.records.pop_front().expect("over retention");
            for g in &mut self.groups {
                if g.next_seq <= self.base_seq {
                    g.next_seq = self.base_seq + 1;
                    dropped += r.weight as f64;
                }
            }
            self.base_seq += 1;
        }
        dropped
    }

    /// Forgets records every group has taken.
    pub(crate) fn trim(&mut self) {
        let end = self.base_seq + self.records.len() as u64;
        let low = self.groups.iter().map(|g| g.next_seq).min().unwrap_or(end);
        while self.base_seq < low && self.records.pop_front().is_some() {
            self.base_seq += 1;
        }
    }

    /// Takes up to `max_poll_records` records fetchable at `now` for group `g`.
    pub(crate) fn take_batch(&mut self, g: usize, now: Micros) -> Vec<Record> {
        let group = &mut self.groups[g];
        let start = (group.next_seq - self.base_seq) as usize;
        let batch: Vec<Record> = self
            .records
            .range(start..)
            .take(self.max_poll_records)
            .take_while(|r| r.due_us <= now)
            .copied()
            .collect();
        group.next_seq += batch.len() as u64;
        batch
    }

    /// When the next record of group `g` becomes fetchable, if it has one.
    pub(crate) fn next_due(&self, g: usize) -> Option<Micros> {
        let start = (self.groups[g].next_seq - self.base_seq) as usize;
        self.records.get(start).map(|r| r.due_us)
    }

    /// Records group `g` has still to apply: behind its offset, and in its
    /// consumers' batches.
    pub(crate) fn backlog_of(&self, g: usize) -> f64 {
        let end = self.base_seq + self.records.len() as u64;
        let group = &self.groups[g];
        let batches: usize = group.consumers.iter().map(|c| c.batch.len()).sum();
        (end - group.next_seq) as f64 + batches as f64
    }

    /// Records the slowest group has still to apply.
    pub(crate) fn backlog(&self) -> f64 {
        (0..self.groups.len())
            .map(|g| self.backlog_of(g))
            .fold(0.0, f64::max)
    }

    /// Records on the log, and held by consumers applying them.
    pub(crate) fn held(&self) -> usize {
        let batches: usize = self
            .groups
            .iter()
            .flat_map(|g| &g.consumers)
            .map(|c| c.batch.len())
            .sum();
        self.records.len() + batches
    }

    /// The most [`held`](Self::held) may reach with `consumers` consumers a
    /// group.
    pub(crate) fn cap(&self, consumers: usize) -> usize {
        self.retention + self.groups.len() * consumers * self.max_poll_records
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::time::{MS, SEC};

    #[test]
    fn every_group_reads_the_log_at_its_own_offset() {
        let mut log = ChangeLog::new(2, 100, 3);
        for t in 0..5 {
            log.append(t * MS, t * MS + 10 * MS, 1, t);
        }
        assert_eq!(log.take_batch(0, 5 * MS), vec![], "nothing fetchable yet");
        assert_eq!(log.take_batch(0, 20 * MS).len(), 3, "max_poll_records");
        assert_eq!(log.take_batch(0, 20 * MS).len(), 2);
        assert_eq!(log.take_batch(1, 20 * MS).len(), 3);
        log.trim();
        assert_eq!(log.base_seq, 3, "kept until the slower group took them");
        assert_eq!(log.next_due(1), Some(13 * MS));
        assert_eq!(log.next_due(0), None);
        assert_eq!((log.backlog_of(0), log.backlog_of(1)), (0.0, 2.0));
    }

    #[test]
    fn retention_drops_the_oldest_records_a_group_had_not_taken() {
        let mut log = ChangeLog::new(2, 4, 3);
        let dropped: f64 = (0..6).map(|t| log.append(t * MS, t * MS, 1, t)).sum();
        assert_eq!(dropped, 4.0, "two records, lost to both groups");
        assert_eq!(log.held(), 4);
        let first = log.take_batch(0, SEC)[0];
        assert_eq!((first.acked_us, first.key), (2 * MS, 2));
    }

    #[test]
    fn a_record_is_never_fetchable_before_the_one_ahead_of_it() {
        let mut log = ChangeLog::new(1, 100, 10);
        log.append(0, 50 * MS, 1, 1);
        log.append(MS, 2 * MS, 1, 2);
        assert_eq!(log.next_due(0), Some(50 * MS));
        assert_eq!(log.take_batch(0, 10 * MS), vec![]);
        assert_eq!(log.take_batch(0, 50 * MS).len(), 2);
    }

    #[test]
    fn what_a_log_holds_stays_under_its_cap() {
        let mut log = ChangeLog::new(1, 10, 4);
        log.groups[0].consumers.resize_with(2, Consumer::default);
        for t in 0..100 {
            log.append(t, t, 1, t);
            for c in 0..2 {
                if log.groups[0].consumers[c].is_idle() {
                    let b = log.take_batch(0, t);
                    log.groups[0].consumers[c].batch = b;
                }
            }
            log.trim();
            assert!(log.held() <= log.cap(2), "{}", log.held());
        }
    }
}
