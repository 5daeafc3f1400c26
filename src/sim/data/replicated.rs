//! A replicated store: one write kept on `nodes` nodes, by two-phase commit or
//! by asynchronous replication through a log.
//!
//! Two ways to write, switchable while the world runs
//! ([`Replication`]):
//! - **two-phase commit** — the coordinator (the writing request, holding its
//!   worker) sends *prepare* to every node and waits for every vote, then
//!   *commit* to every node and waits for every acknowledgement. Each phase
//!   lasts as long as its slowest node: a network round trip drawn from
//!   `rtt` (`local_rtt` for node 0) plus the node's own work (`prepare`: take the locks and force the
//!   prepare record to disk; `commit`: force the commit). A node that cannot
//!   be reached never answers: the coordinator waits `timeout_us` and the
//!   write fails. The write is visible on every node when it is
//!   acknowledged. At most `max_prepared` transactions are in flight (as
//!   PostgreSQL's `max_prepared_transactions`); a write beyond fails at once.
//! - **asynchronous** — the write goes to the local node (node 0: one
//!   `local_rtt` and a commit) and is acknowledged; it is appended to a replication
//!   log (Kafka-like) that every other node reads with its own consumer
//!   group of `consumers` consumers and its own offset. A record becomes
//!   fetchable after `delivery` (producer batching, the broker's own
//!   replication, the consumer's fetch), never before the record ahead of it.
//!   A free consumer takes up to `max_poll_records` fetchable records and
//!   applies them to its node in one transaction: a round trip, `apply_batch`
//!   and `apply_per_write` per record. A node that cannot be reached fails
//!   the batch after `timeout_us`, and the consumer tries it again. The log
//!   keeps at most `log_retention` records; a group that falls behind further
//!   loses the oldest (they never reach its node).
//!
//! A network partition cuts chosen nodes off from the coordinators and the
//! consumers ([`ReplicatedStore::set_cut_off`]); messages to or from a node cut
//! off are lost, whether it was cut off when they left or when the answer was
//! due.
//!
//! Series per store `NAME`: `NAME.writes` (acknowledged), `NAME.write_failed`
//! (a node out of reach), `NAME.refused` (no prepared-transaction slot),
//! `NAME.visibility_lag` (acknowledgement to visible on a node, per write
//! and node; 0 for a two-phase commit), `NAME.applied` (records applied by
//! consumers), `NAME.replication_dropped` (records lost to retention),
//! `NAME.replication_backlog` (records the slowest node has still to apply),
//! `NAME.prepared` (transactions in flight), `NAME.cut_off` (nodes cut off).

use crate::sim::data::change_log::ChangeLog;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::{Micros, SEC};

/// How a write reaches the nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replication {
    /// Prepare and commit on every node before the write is acknowledged.
    TwoPhaseCommit,
    /// Acknowledged by the local node; the others apply it from a log.
    Async,
}

/// A replicated store, as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplicatedStoreSpec {
    /// Name, for its series (`"posts"`).
    pub name: String,
    /// Nodes holding every write; node 0 is the writers' local node.
    pub nodes: u16,
    /// How writes reach the nodes.
    pub mode: Replication,
    /// A network round trip between a writer or consumer and a remote node.
    pub rtt: Dist,
    /// A round trip between a writer and its local node (node 0).
    pub local_rtt: Dist,
    /// A node's prepare: locks taken and the prepare record forced to disk.
    pub prepare: Dist,
    /// A node's commit (a local write's too): the commit record forced to disk.
    pub commit: Dist,
    /// How long a coordinator or consumer waits for a node before giving up.
    pub timeout_us: Micros,
    /// Most two-phase transactions in flight (`max_prepared_transactions`).
    pub max_prepared: usize,
    /// Consumers in each replica node's group.
    pub consumers: u16,
    /// From the local acknowledgement to fetchable on the log.
    pub delivery: Dist,
    /// A consumer's fixed cost of applying one batch to its node.
    pub apply_batch: Dist,
    /// A consumer's cost per record of a batch (drawn once per batch).
    pub apply_per_write: Dist,
    /// Most records a consumer takes at once (Kafka's `max.poll.records`).
    pub max_poll_records: usize,
    /// Most records the log keeps (retention); beyond, the oldest go.
    pub log_retention: usize,
}

impl ReplicatedStoreSpec {
    /// A store of `nodes` nodes written in `mode`: 20 ms round trips to a
    /// remote node and 0.5 ms to the local one (a spread of σ 0.5), a 5 ms prepare and a 3 ms commit (σ 0.6), a 2 s
    /// timeout, 1,000 prepared slots; four consumers per replica node, a
    /// delivery of 20–120 ms, batches of at most 500 records costing 100 ms plus
    /// 1 ms a record, and a log of a million records (a topic of 1 GB at
    /// 1 kB a record).
    pub fn new(name: &str, nodes: u16, mode: Replication) -> Self {
        assert!(nodes >= 1);
        ReplicatedStoreSpec {
            name: name.to_string(),
            nodes,
            mode,
            rtt: Dist::LogNormal {
                median_ms: 20.0,
                sigma: 0.5,
            },
            local_rtt: Dist::LogNormal {
                median_ms: 0.5,
                sigma: 0.5,
            },
            prepare: Dist::LogNormal {
                median_ms: 5.0,
                sigma: 0.6,
            },
            commit: Dist::LogNormal {
                median_ms: 3.0,
                sigma: 0.6,
            },
            timeout_us: 2 * SEC,
            max_prepared: 1_000,
            consumers: 4,
            delivery: Dist::Uniform {
                lo_ms: 20.0,
                hi_ms: 120.0,
            },
            apply_batch: Dist::LogNormal {
                median_ms: 100.0,
                sigma: 0.5,
            },
            apply_per_write: Dist::Constant { ms: 1.0 },
            max_poll_records: 500,
            log_retention: 1_000_000,
        }
    }
}

/// The phase a two-phase transaction is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Prepare,
    Commit,
}

/// A two-phase transaction in flight: its coordinator and where it is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Txn {
    pub(crate) req: ReqRef,
    pub(crate) weight: u32,
    pub(crate) phase: Phase,
    pub(crate) phase_start_us: Micros,
    /// A message of this phase was lost: the phase ends at its timeout.
    pub(crate) lost: bool,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct StoreMetrics {
    pub(crate) writes: CounterId,
    pub(crate) failed: CounterId,
    pub(crate) refused: CounterId,
    pub(crate) applied: CounterId,
    pub(crate) dropped: CounterId,
    pub(crate) lag: LatencyId,
    pub(crate) backlog: GaugeId,
    pub(crate) prepared: GaugeId,
    pub(crate) cut_off: GaugeId,
}

/// A replicated store's state: prepared transactions, the log, the groups.
pub struct ReplicatedStore {
    pub(crate) spec: ReplicatedStoreSpec,
    /// Two-phase transactions by slot; `None` is a free slot.
    pub(crate) txns: Vec<Option<Txn>>,
    free: Vec<u32>,
    in_flight: usize,
    /// The replication log, read by one group per replica node (node
    /// `i + 1` reads as group `i`).
    pub(crate) log: ChangeLog,
    /// Nodes cut off by a partition.
    cut_off: Vec<bool>,
    /// A poll of the log is scheduled for this time.
    pub(crate) poll_at: Option<Micros>,
    pub(crate) m: StoreMetrics,
}

impl ReplicatedStore {
    pub(crate) fn new(spec: ReplicatedStoreSpec, m: StoreMetrics) -> Self {
        assert!(spec.nodes >= 1 && spec.consumers >= 1 && spec.max_poll_records >= 1);
        assert!(spec.log_retention >= 1 && spec.max_prepared >= 1 && spec.timeout_us > 0);
        let log = ChangeLog::new(
            spec.nodes as usize - 1,
            spec.log_retention,
            spec.max_poll_records,
        );
        let cut_off = vec![false; spec.nodes as usize];
        ReplicatedStore {
            spec,
            txns: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            log,
            cut_off,
            poll_at: None,
            m,
        }
    }

    /// The store's declaration as it stands (mode and consumers change).
    pub fn spec(&self) -> &ReplicatedStoreSpec {
        &self.spec
    }

    /// Two-phase transactions in flight.
    pub fn prepared(&self) -> usize {
        self.in_flight
    }

    /// Records on the log, and held by consumers applying them.
    pub fn held(&self) -> usize {
        self.log.held()
    }

    /// The most [`held`](Self::held) and [`prepared`](Self::prepared) may
    /// reach together.
    pub fn cap(&self) -> usize {
        self.log.cap(self.spec.consumers as usize) + self.spec.max_prepared
    }

    /// True when node `node` is cut off by a partition.
    pub fn is_cut_off(&self, node: u16) -> bool {
        self.cut_off[node as usize]
    }

    /// Nodes cut off now.
    pub fn cut_off_count(&self) -> usize {
        self.cut_off.iter().filter(|c| **c).count()
    }

    /// Cuts exactly `nodes` off (none heals the partition).
    pub fn set_cut_off(&mut self, nodes: &[u16]) {
        self.cut_off.iter_mut().for_each(|c| *c = false);
        for &n in nodes {
            assert!(n < self.spec.nodes, "node {n} of {}", self.spec.nodes);
            self.cut_off[n as usize] = true;
        }
    }

    /// True when some node is cut off.
    pub fn any_cut_off(&self) -> bool {
        self.cut_off.iter().any(|c| *c)
    }

    /// A slot for a new two-phase transaction, or `None` when
    /// `max_prepared` are in flight.
    pub(crate) fn open_txn(&mut self, txn: Txn) -> Option<u32> {
        if self.in_flight >= self.spec.max_prepared {
            return None;
        }
        self.in_flight += 1;
        match self.free.pop() {
            Some(slot) => {
                self.txns[slot as usize] = Some(txn);
                Some(slot)
            }
            None => {
                self.txns.push(Some(txn));
                Some(self.txns.len() as u32 - 1)
            }
        }
    }

    /// Ends a two-phase transaction and frees its slot.
    pub(crate) fn close_txn(&mut self, slot: u32) -> Txn {
        let t = self.txns[slot as usize].take().expect("open transaction");
        self.in_flight -= 1;
        self.free.push(slot);
        t
    }

    /// How long one phase takes when every node answers: the slowest node's
    /// round trip plus its work.
    pub(crate) fn phase_us(&self, phase: Phase, rng: &mut SimRng) -> Micros {
        let work = match phase {
            Phase::Prepare => self.spec.prepare,
            Phase::Commit => self.spec.commit,
        };
        (0..self.spec.nodes)
            .map(|node| {
                let rtt = if node == 0 {
                    self.spec.local_rtt
                } else {
                    self.spec.rtt
                };
                rtt.sample(rng) + work.sample(rng)
            })
            .max()
            .unwrap_or(0)
    }

    /// A local write's time: a round trip to node 0 and its commit.
    pub(crate) fn local_write_us(&self, rng: &mut SimRng) -> Micros {
        self.spec.local_rtt.sample(rng) + self.spec.commit.sample(rng)
    }

    /// Appends a write acknowledged at `acked_us` to the log (fetchable after
    /// the delivery, and not before the record ahead of it); returns the
    /// records dropped by retention over every group.
    pub(crate) fn append(
        &mut self,
        acked_us: Micros,
        weight: u32,
        key: u64,
        rng: &mut SimRng,
    ) -> f64 {
        let due_us = acked_us + self.spec.delivery.sample(rng);
        self.log.append(acked_us, due_us, weight, key)
    }

    /// How long applying `n` records takes at a node that answers.
    pub(crate) fn apply_us(&self, n: usize, rng: &mut SimRng) -> Micros {
        let per = self.spec.apply_per_write.sample(rng);
        self.spec.rtt.sample(rng) + self.spec.apply_batch.sample(rng) + per * n as Micros
    }

    /// Records the slowest node has still to apply: behind its offset, and
    /// in its consumers' batches.
    pub(crate) fn backlog(&self) -> f64 {
        self.log.backlog()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(nodes: u16, retention: usize) -> ReplicatedStore {
        let mut spec = ReplicatedStoreSpec::new("s", nodes, Replication::Async);
        spec.log_retention = retention;
        spec.max_poll_records = 3;
        spec.max_prepared = 2;
        spec.delivery = Dist::Constant { ms: 10.0 };
        let m = StoreMetrics {
            writes: CounterId(0),
            failed: CounterId(0),
            refused: CounterId(0),
            applied: CounterId(0),
            dropped: CounterId(0),
            lag: LatencyId(0),
            backlog: GaugeId(0),
            prepared: GaugeId(0),
            cut_off: GaugeId(0),
        };
        ReplicatedStore::new(spec, m)
    }

    #[test]
    fn a_record_is_never_fetchable_before_the_one_ahead_of_it() {
        let mut s = store(2, 100);
        s.spec.delivery = Dist::Uniform {
            lo_ms: 0.0,
            hi_ms: 100.0,
        };
        let mut rng = SimRng::new(7);
        for k in 0..50 {
            s.append(0, 1, k, &mut rng);
        }
        let due: Vec<Micros> = s.log.records.iter().map(|r| r.due_us).collect();
        assert!(due.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn prepared_slots_are_bounded_and_reused() {
        let mut s = store(3, 100);
        let txn = Txn {
            req: ReqRef { idx: 0, gen: 0 },
            weight: 1,
            phase: Phase::Prepare,
            phase_start_us: 0,
            lost: false,
        };
        let a = s.open_txn(txn).unwrap();
        let b = s.open_txn(txn).unwrap();
        assert_eq!(s.open_txn(txn), None, "max_prepared is 2");
        s.close_txn(a);
        assert_eq!(s.open_txn(txn), Some(a));
        assert_ne!(a, b);
        assert_eq!(s.prepared(), 2);
    }

    #[test]
    fn a_phase_lasts_as_long_as_its_slowest_node() {
        let s = store(5, 100);
        let one = store(1, 100);
        let (mut r1, mut r2) = (SimRng::new(3), SimRng::new(3));
        let n = 2_000;
        let five: f64 = (0..n)
            .map(|_| s.phase_us(Phase::Prepare, &mut r1) as f64)
            .sum();
        let single: f64 = (0..n)
            .map(|_| one.phase_us(Phase::Prepare, &mut r2) as f64)
            .sum();
        assert!(five > 1.4 * single, "{five} vs {single}");
    }

    #[test]
    fn a_partition_cuts_off_exactly_the_nodes_named() {
        let mut s = store(3, 100);
        s.set_cut_off(&[2]);
        assert!(s.is_cut_off(2) && !s.is_cut_off(1) && s.any_cut_off());
        assert_eq!(s.cut_off_count(), 1);
        s.set_cut_off(&[]);
        assert!(!s.any_cut_off());
    }
}
