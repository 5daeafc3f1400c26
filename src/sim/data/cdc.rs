//! Change data capture: the rows written to one table streamed, with a lag,
//! into another — Debezium reading a database's log and a sink connector
//! applying it to a second database.
//!
//! What happens to a row a request inserts into the source table:
//! 1. it is on the source's log at once (the binlog or WAL is written with
//!    the commit), whether the capture runs or not;
//! 2. the connector reads the log every `poll_interval_us` (Debezium's
//!    `poll.interval.ms`), and the change then crosses Kafka (`transit`,
//!    drawn per row); it is fetchable by the sink after both, never before
//!    the row written ahead of it: changes are applied in commit order;
//! 3. a free sink task (`tasks`, Kafka Connect's `tasks.max`) takes up to
//!    `max_batch` fetchable changes and applies them to the destination in
//!    one transaction: a round trip, `apply_batch`, and `apply_per_write` a
//!    row. A row whose key the destination already holds is left as it is
//!    (an upsert).
//!
//! A capture that is stopped reads nothing: the source's log keeps the rows
//! (its retention, `retention` rows), and a capture started again resumes
//! from its offset, as Debezium resumes from the position it stored. Rows
//! the log no longer holds when the capture reaches them are lost to it.
//!
//! Only rows requests write are captured: the rows a capture applies are
//! not captured again by a capture reading its destination, so two captures
//! in opposite directions keep two databases in step without sending each
//! row back and forth (two-way sync filters its own writes by origin).
//!
//! Whether it runs or not, a capture counts the source's keys its
//! destination lacks (`NAME.missing`): what a reconciliation query would
//! find, kept up to date at every insert into either table.
//!
//! Series per capture `NAME`: `NAME.captured` (rows written to the source),
//! `NAME.applied` (changes applied to the destination), `NAME.dropped` (lost
//! to the log's retention), `NAME.lag` (source commit to applied, per row),
//! `NAME.backlog` (captured, not yet applied), `NAME.missing`, and
//! `NAME.running` (1 while it runs).

use crate::sim::data::change_log::ChangeLog;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::ids::TableId;
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::{Micros, MS};

/// A change data capture between two tables, as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ChangeCaptureSpec {
    /// Name, for its series (`"cdc_to_warehouse"`).
    pub name: String,
    /// The table whose writes are captured.
    pub from: TableId,
    /// The table they are applied to.
    pub to: TableId,
    /// Whether the capture runs from the start.
    pub running: bool,
    /// How often the connector reads the source's log (`poll.interval.ms`).
    pub poll_interval_us: Micros,
    /// From the connector's read to fetchable by the sink: the trip through
    /// Kafka (the producer's batching, the broker's replication).
    pub transit: Dist,
    /// A sink task's round trip to the destination database.
    pub rtt: Dist,
    /// A sink task's fixed cost of applying one batch (its transaction).
    pub apply_batch: Dist,
    /// A sink task's cost per row of a batch (drawn once per batch).
    pub apply_per_write: Dist,
    /// Sink tasks applying batches at once (Kafka Connect's `tasks.max`).
    pub tasks: u16,
    /// Most changes a task applies at once (`max.poll.records`).
    pub max_batch: usize,
    /// Most changes the log keeps for the capture (the source's log
    /// retention); beyond, the oldest go.
    pub retention: usize,
}

impl ChangeCaptureSpec {
    /// A running capture of `from`'s writes into `to`: Debezium's default
    /// 500 ms poll of the log, 10 ms (σ 0.5) through Kafka, one sink task
    /// taking batches of at most 500 rows, each costing a 1 ms round trip
    /// (σ 0.5), 20 ms (σ 0.5) and 0.2 ms a row, and a log of a million
    /// changes.
    pub fn new(name: &str, from: TableId, to: TableId) -> Self {
        assert_ne!(from, to, "a capture between two tables");
        ChangeCaptureSpec {
            name: name.to_string(),
            from,
            to,
            running: true,
            poll_interval_us: 500 * MS,
            transit: Dist::LogNormal {
                median_ms: 10.0,
                sigma: 0.5,
            },
            rtt: Dist::LogNormal {
                median_ms: 1.0,
                sigma: 0.5,
            },
            apply_batch: Dist::LogNormal {
                median_ms: 20.0,
                sigma: 0.5,
            },
            apply_per_write: Dist::Constant { ms: 0.2 },
            tasks: 1,
            max_batch: 500,
            retention: 1_000_000,
        }
    }

    /// The same capture, stopped until started.
    pub fn stopped(mut self) -> Self {
        self.running = false;
        self
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct CaptureMetrics {
    pub(crate) captured: CounterId,
    pub(crate) applied: CounterId,
    pub(crate) dropped: CounterId,
    pub(crate) lag: LatencyId,
    pub(crate) backlog: GaugeId,
    pub(crate) missing: GaugeId,
    pub(crate) running: GaugeId,
}

/// A capture's state: the log it reads (one group, its sink tasks), and the
/// count of the source's keys the destination lacks.
pub struct ChangeCapture {
    pub(crate) spec: ChangeCaptureSpec,
    pub(crate) log: ChangeLog,
    /// Keys the source holds and the destination lacks.
    pub(crate) missing: u64,
    /// A poll of the log is scheduled for this time.
    pub(crate) poll_at: Option<Micros>,
    pub(crate) m: CaptureMetrics,
}

impl ChangeCapture {
    pub(crate) fn new(spec: ChangeCaptureSpec, m: CaptureMetrics) -> Self {
        assert!(spec.tasks >= 1 && spec.max_batch >= 1 && spec.retention >= 1);
        let log = ChangeLog::new(1, spec.retention, spec.max_batch);
        ChangeCapture {
            spec,
            log,
            missing: 0,
            poll_at: None,
            m,
        }
    }

    /// The capture's declaration as it stands (running changes).
    pub fn spec(&self) -> &ChangeCaptureSpec {
        &self.spec
    }

    /// Keys the source holds and the destination lacks.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Changes captured and not yet applied (on the log, or in a batch).
    pub fn backlog(&self) -> f64 {
        self.log.backlog_of(0)
    }

    /// Changes held: on the log and in the tasks' batches.
    pub fn held(&self) -> usize {
        self.log.held()
    }

    /// The most [`held`](Self::held) may reach.
    pub fn cap(&self) -> usize {
        self.log.cap(self.spec.tasks as usize)
    }

    /// Puts a row written at `now` on the log, fetchable once the connector's
    /// next read and its transit are over; returns the changes retention
    /// dropped (weighted).
    pub(crate) fn capture(&mut self, now: Micros, weight: u32, key: u64, rng: &mut SimRng) -> f64 {
        let every = self.spec.poll_interval_us;
        let read = if every > 0 {
            now.div_ceil(every) * every
        } else {
            now
        };
        let due = read + self.spec.transit.sample(rng);
        self.log.append(now, due, weight, key)
    }

    /// How long applying `n` changes takes.
    pub(crate) fn apply_us(&self, n: usize, rng: &mut SimRng) -> Micros {
        let per = self.spec.apply_per_write.sample(rng);
        self.spec.rtt.sample(rng) + self.spec.apply_batch.sample(rng) + per * n as Micros
    }

    /// The count of missing keys after the source gained (`+1`) or lost
    /// (`-1`) a key the destination lacks, or the destination gained or
    /// lost one the source holds.
    pub(crate) fn shift_missing(&mut self, by: i64) {
        self.missing = self
            .missing
            .checked_add_signed(by)
            .expect("a count of missing keys never goes below zero");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(transit_ms: f64, retention: usize) -> ChangeCapture {
        let mut spec = ChangeCaptureSpec::new("c", TableId::new(0), TableId::new(1));
        spec.poll_interval_us = 0;
        spec.transit = Dist::Constant { ms: transit_ms };
        spec.retention = retention;
        spec.max_batch = 2;
        let m = CaptureMetrics {
            captured: CounterId(0),
            applied: CounterId(0),
            dropped: CounterId(0),
            lag: LatencyId(0),
            backlog: GaugeId(0),
            missing: GaugeId(0),
            running: GaugeId(0),
        };
        ChangeCapture::new(spec, m)
    }

    #[test]
    fn a_captured_row_is_fetchable_after_its_delivery_in_commit_order() {
        let mut c = capture(100.0, 10);
        let mut rng = SimRng::new(1);
        for (t, key) in [(0, 7), (MS, 8), (2 * MS, 9)] {
            assert_eq!(c.capture(t, 1, key, &mut rng), 0.0);
        }
        assert_eq!(c.log.take_batch(0, 99 * MS), vec![]);
        let keys: Vec<u64> = c
            .log
            .take_batch(0, 101 * MS)
            .iter()
            .map(|r| r.key)
            .collect();
        assert_eq!(
            keys,
            vec![7, 8],
            "a batch of at most max_batch, oldest first"
        );
        assert_eq!(
            c.backlog(),
            1.0,
            "one behind the offset; the batch is held by no task"
        );
    }

    #[test]
    fn the_log_keeps_at_most_its_retention_for_a_stopped_capture() {
        let mut c = capture(1.0, 3);
        let mut rng = SimRng::new(1);
        let dropped: f64 = (0..10).map(|k| c.capture(k * MS, 1, k, &mut rng)).sum();
        assert_eq!(dropped, 7.0);
        assert_eq!(c.held(), 3);
        assert!(c.held() <= c.cap());
        let first = c.log.take_batch(0, 20 * MS)[0];
        assert_eq!(
            first.key, 7,
            "the capture resumes at the oldest row still kept"
        );
    }

    #[test]
    fn a_row_waits_for_the_connectors_next_read_of_the_log() {
        let mut c = capture(10.0, 10);
        c.spec.poll_interval_us = 500 * MS;
        let mut rng = SimRng::new(1);
        c.capture(20 * MS, 1, 1, &mut rng);
        c.capture(500 * MS, 1, 2, &mut rng);
        c.capture(501 * MS, 1, 3, &mut rng);
        let due: Vec<Micros> = c.log.records.iter().map(|r| r.due_us).collect();
        assert_eq!(due, vec![510 * MS, 510 * MS, 1_010 * MS]);
    }

    #[test]
    fn a_batch_costs_a_round_trip_a_fixed_part_and_a_part_per_row() {
        let mut c = capture(1.0, 10);
        c.spec.rtt = Dist::Constant { ms: 1.0 };
        c.spec.apply_batch = Dist::Constant { ms: 20.0 };
        c.spec.apply_per_write = Dist::Constant { ms: 0.5 };
        let mut rng = SimRng::new(1);
        assert_eq!(c.apply_us(100, &mut rng), 71 * MS);
    }

    #[test]
    fn the_missing_count_follows_its_shifts() {
        let mut c = capture(1.0, 10);
        c.shift_missing(1);
        c.shift_missing(1);
        c.shift_missing(-1);
        assert_eq!(c.missing(), 1);
    }
}
