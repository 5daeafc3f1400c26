//! The world's side of [`replicated`](super::replicated): what scenarios call
//! to add and change a replicated store, how `Step::ReplicatedWrite` meets
//! it, and how its consumers apply the log.
//!
//! A two-phase write moves its request on (resumes or fails it), so it is
//! `impl World`; the log and its consumers touch only the kernel and the
//! data store, so they are methods of [`DataStore`].

use super::replicated::*;
use crate::sim::data::change_log::Consumer;
use crate::sim::data::event::{DataEvent, ReplicaEvent};
use crate::sim::data::store::DataStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ReplicatedStoreId;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::world::World;

fn replica(e: ReplicaEvent) -> Event {
    Event::Data(DataEvent::Replica(e))
}

impl DataStore {
    /// Adds a replicated store; its series are registered with the kernel.
    pub(in crate::sim) fn add_replicated_store(
        &mut self,
        k: &mut Kernel,
        spec: ReplicatedStoreSpec,
    ) -> ReplicatedStoreId {
        let n = &spec.name;
        let now = k.now;
        let m = &mut k.metrics;
        let sm = StoreMetrics {
            writes: m.counter(&format!("{n}.writes")),
            failed: m.counter(&format!("{n}.write_failed")),
            refused: m.counter(&format!("{n}.refused")),
            applied: m.counter(&format!("{n}.applied")),
            dropped: m.counter(&format!("{n}.replication_dropped")),
            lag: m.latency(&format!("{n}.visibility_lag")),
            backlog: m.gauge(&format!("{n}.replication_backlog"), now, 0.0),
            prepared: m.gauge(&format!("{n}.prepared"), now, 0.0),
            cut_off: m.gauge(&format!("{n}.cut_off"), now, 0.0),
        };
        self.replicated.push(ReplicatedStore::new(spec, sm));
        ReplicatedStoreId::new(self.replicated.len() - 1)
    }

    /// Switches how writes from now on reach the nodes; writes under way
    /// finish as they began, and the log keeps being applied.
    pub(in crate::sim) fn set_replication(&mut self, store: ReplicatedStoreId, mode: Replication) {
        self.replicated[store.index()].spec.mode = mode;
    }

    /// Sets the consumers of every replica node's group from now on; a
    /// consumer beyond the new number finishes its batch and takes no other.
    pub(in crate::sim) fn set_replica_consumers(
        &mut self,
        k: &mut Kernel,
        store: ReplicatedStoreId,
        consumers: u16,
    ) {
        assert!(consumers >= 1);
        self.replicated[store.index()].spec.consumers = consumers;
        self.replica_dispatch(k, store);
    }

    /// Cuts exactly `nodes` off (an empty list heals the partition).
    pub(in crate::sim) fn set_replica_partition(
        &mut self,
        k: &mut Kernel,
        store: ReplicatedStoreId,
        nodes: &[u16],
    ) {
        let s = &mut self.replicated[store.index()];
        s.set_cut_off(nodes);
        let (g, n) = (s.m.cut_off, s.cut_off_count() as f64);
        k.metrics.set(g, k.now, n);
    }

    /// Appends an acknowledged write to the log, for every replica node.
    fn replica_append(
        &mut self,
        k: &mut Kernel,
        store: ReplicatedStoreId,
        acked_us: u64,
        w: u32,
        key: u64,
    ) {
        let s = &mut self.replicated[store.index()];
        if s.log.groups.is_empty() {
            return; // a single node: nothing to replicate
        }
        let dropped = s.append(acked_us, w, key, &mut k.rng);
        k.metrics.add(s.m.dropped, dropped);
        self.replica_dispatch(k, store);
    }

    /// Hands fetchable records to idle consumers; arranges a poll for the
    /// next record that is not fetchable yet.
    fn replica_dispatch(&mut self, k: &mut Kernel, store: ReplicatedStoreId) {
        let now = k.now;
        let s = &mut self.replicated[store.index()];
        let mut next_poll: Option<u64> = None;
        for g in 0..s.log.groups.len() {
            let want = s.spec.consumers as usize;
            if s.log.groups[g].consumers.len() < want {
                s.log.groups[g]
                    .consumers
                    .resize_with(want, Consumer::default);
            }
            for c in 0..want {
                if !s.log.groups[g].consumers[c].is_idle() {
                    continue;
                }
                let batch = s.log.take_batch(g, now);
                if batch.is_empty() {
                    break;
                }
                s.log.groups[g].consumers[c].batch = batch;
                Self::replica_attempt(s, k, store, g, c);
            }
            if let Some(due) = s.log.next_due(g).filter(|d| *d > now) {
                next_poll = Some(next_poll.map_or(due, |p: u64| p.min(due)));
            }
        }
        s.log.trim();
        if let Some(due) = next_poll {
            if s.poll_at.is_none_or(|p| p > due || p < now) {
                s.poll_at = Some(due);
                k.schedule(due, replica(ReplicaEvent::Poll { store }));
            }
        }
        let (g, b) = (s.m.backlog, s.backlog());
        k.metrics.set(g, now, b);
    }

    /// Sends consumer `c` of group `g`'s batch to its node: applied after
    /// the apply time, or lost (the node is cut off) and given up at the
    /// timeout.
    fn replica_attempt(
        s: &mut ReplicatedStore,
        k: &mut Kernel,
        store: ReplicatedStoreId,
        g: usize,
        c: usize,
    ) {
        let node = g as u16 + 1;
        let lost = s.is_cut_off(node);
        let n = s.log.groups[g].consumers[c].batch.len();
        let dt = if lost {
            s.spec.timeout_us
        } else {
            s.apply_us(n, &mut k.rng)
        };
        s.log.groups[g].consumers[c].lost = lost;
        let e = ReplicaEvent::Applied {
            store,
            node,
            consumer: c as u16,
        };
        k.schedule(k.now + dt, replica(e));
    }

    /// A consumer's attempt is over: its records are visible on its node, or
    /// the node was out of reach and the batch is tried again.
    fn on_replica_applied(&mut self, k: &mut Kernel, store: ReplicatedStoreId, node: u16, c: u16) {
        let now = k.now;
        let s = &mut self.replicated[store.index()];
        let (g, c) = (node as usize - 1, c as usize);
        if s.log.groups[g].consumers[c].lost || s.is_cut_off(node) {
            Self::replica_attempt(s, k, store, g, c);
            return;
        }
        let batch = std::mem::take(&mut s.log.groups[g].consumers[c].batch);
        let m = s.m;
        for r in &batch {
            k.metrics.record(m.lag, now - r.acked_us, r.weight);
            k.metrics.add(m.applied, r.weight as f64);
        }
        self.replica_dispatch(k, store);
    }

    fn on_replica_poll(&mut self, k: &mut Kernel, store: ReplicatedStoreId) {
        let s = &mut self.replicated[store.index()];
        if s.poll_at == Some(k.now) {
            s.poll_at = None;
        }
        self.replica_dispatch(k, store);
    }
}

impl World {
    /// Adds a replicated store; returns its id.
    pub fn add_replicated_store(&mut self, spec: ReplicatedStoreSpec) -> ReplicatedStoreId {
        self.data.add_replicated_store(&mut self.kernel, spec)
    }

    /// Switches how writes to `store` reach its nodes, from now on.
    pub fn set_replication(&mut self, store: ReplicatedStoreId, mode: Replication) {
        self.data.set_replication(store, mode)
    }

    /// Sets the consumers of each replica node's group of `store`.
    pub fn set_replica_consumers(&mut self, store: ReplicatedStoreId, consumers: u16) {
        self.data
            .set_replica_consumers(&mut self.kernel, store, consumers)
    }

    /// A network partition: cuts exactly `nodes` of `store` off from its
    /// writers and consumers; an empty list heals it.
    pub fn set_replica_partition(&mut self, store: ReplicatedStoreId, nodes: &[u16]) {
        self.data
            .set_replica_partition(&mut self.kernel, store, nodes)
    }

    /// True while a partition cuts some node of `store` off.
    pub fn replica_cut_off(&self, store: ReplicatedStoreId) -> bool {
        self.data.replicated[store.index()].any_cut_off()
    }

    /// `Step::ReplicatedWrite`: starts request `r`'s write to `store`.
    pub(crate) fn replicated_write(&mut self, r: ReqRef, store: ReplicatedStoreId) {
        let now = self.kernel.now;
        let (w, key) = {
            let req = self.kernel.requests.get(r).expect("alive");
            (req.weight, req.key)
        };
        let s = &mut self.data.replicated[store.index()];
        match s.spec.mode {
            Replication::Async => {
                if s.is_cut_off(0) {
                    let failed = s.m.failed;
                    self.kernel.metrics.add(failed, w as f64);
                    let at = now + s.spec.timeout_us;
                    self.kernel
                        .schedule(at, Event::Resume(r, Some(Outcome::Error)));
                    return;
                }
                let acked = now + s.local_write_us(&mut self.kernel.rng);
                let writes = s.m.writes;
                self.kernel.metrics.add(writes, w as f64);
                self.kernel.schedule(acked, Event::Resume(r, None));
                self.data
                    .replica_append(&mut self.kernel, store, acked, w, key);
            }
            Replication::TwoPhaseCommit => {
                let txn = Txn {
                    req: r,
                    weight: w,
                    phase: Phase::Prepare,
                    phase_start_us: now,
                    lost: false,
                };
                let Some(slot) = s.open_txn(txn) else {
                    let refused = s.m.refused;
                    self.kernel.metrics.add(refused, w as f64);
                    self.kernel
                        .schedule(now, Event::Resume(r, Some(Outcome::Error)));
                    return;
                };
                let (g, n) = (s.m.prepared, s.prepared() as f64);
                self.kernel.metrics.set(g, now, n);
                self.start_phase(store, slot);
            }
        }
    }

    /// Sends the transaction's current phase to every node: over when the
    /// slowest answers, or at the timeout if a node is cut off.
    fn start_phase(&mut self, store: ReplicatedStoreId, slot: u32) {
        let now = self.kernel.now;
        let s = &mut self.data.replicated[store.index()];
        let lost = s.any_cut_off();
        let t = s.txns[slot as usize].as_mut().expect("open");
        t.phase_start_us = now;
        t.lost = lost;
        let phase = t.phase;
        let dt = if lost {
            s.spec.timeout_us
        } else {
            s.phase_us(phase, &mut self.kernel.rng)
        };
        let e = ReplicaEvent::PhaseEnd { store, slot };
        self.kernel.schedule(now + dt, replica(e));
    }

    /// A phase is over: on to the commit, acknowledged, or failed.
    fn on_phase_end(&mut self, store: ReplicatedStoreId, slot: u32) {
        let now = self.kernel.now;
        let s = &mut self.data.replicated[store.index()];
        let t = *s.txns[slot as usize].as_ref().expect("open");
        let deadline = t.phase_start_us + s.spec.timeout_us;
        if !t.lost && s.any_cut_off() {
            // An answer due now crosses a partition that began meanwhile: it
            // is lost, and the coordinator waits out its timeout.
            s.txns[slot as usize].as_mut().expect("open").lost = true;
            let e = ReplicaEvent::PhaseEnd { store, slot };
            self.kernel.schedule(deadline.max(now), replica(e));
            return;
        }
        let alive = self.kernel.requests.get(t.req).is_some();
        if alive && !t.lost && t.phase == Phase::Prepare {
            s.txns[slot as usize].as_mut().expect("open").phase = Phase::Commit;
            self.start_phase(store, slot);
            return;
        }
        let t = s.close_txn(slot);
        let m = s.m;
        let n = s.prepared() as f64;
        self.kernel.metrics.set(m.prepared, now, n);
        let w = t.weight as f64;
        if t.lost {
            self.kernel.metrics.add(m.failed, w);
            self.on_resume(t.req, Some(Outcome::Error));
        } else if alive {
            // Committed on every node before the acknowledgement: no lag.
            self.kernel.metrics.add(m.writes, w);
            self.kernel.metrics.record(m.lag, 0, t.weight);
            self.on_resume(t.req, None);
        }
    }

    pub(crate) fn on_replica_event(&mut self, e: ReplicaEvent) {
        match e {
            ReplicaEvent::PhaseEnd { store, slot } => self.on_phase_end(store, slot),
            ReplicaEvent::Applied {
                store,
                node,
                consumer,
            } => self
                .data
                .on_replica_applied(&mut self.kernel, store, node, consumer),
            ReplicaEvent::Poll { store } => self.data.on_replica_poll(&mut self.kernel, store),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// Writers at `rps` against a 3-node store in `mode`.
    fn world(mode: Replication, rps: f64, consumers: u16) -> (World, ReplicatedStoreId) {
        let mut w = World::new(5, WorldConfig::default());
        let api = w.add_service(ServiceSpec::new("api", 2, 200));
        let mut spec = ReplicatedStoreSpec::new("posts", 3, mode);
        spec.consumers = consumers;
        let store = w.add_replicated_store(spec);
        let h = w.add_handler(Handler::new(
            "post",
            api,
            vec![Step::ReplicatedWrite { store }],
        ));
        w.add_client(ClientSpec::new("c", rps, api, h));
        (w, store)
    }

    fn p(w: &World, name: &str, q: f64) -> f64 {
        w.metrics()
            .series_histogram(name)
            .unwrap()
            .quantile(q)
            .unwrap()
            / 1e3
    }

    #[test]
    fn a_two_phase_write_takes_two_round_trips_to_the_slowest_node() {
        let (mut w, _) = world(Replication::TwoPhaseCommit, 200.0, 4);
        w.step(60 * SEC);
        let (p50, p99) = (p(&w, "c.latency", 0.5), p(&w, "c.latency", 0.99));
        // Each phase: the slower of two 20 ms round trips plus a few ms.
        assert!((40.0..90.0).contains(&p50), "p50 {p50} ms");
        assert!(p99 > 1.5 * p50, "p99 {p99} ms");
        assert_eq!(p(&w, "posts.visibility_lag", 0.99), 0.0);
        assert!(w.metrics().counter_total("posts.writes") > 11_000.0);
        assert!(w.ledger().balances());
    }

    #[test]
    fn an_async_write_is_acknowledged_locally_and_seen_later() {
        let (mut w, _) = world(Replication::Async, 200.0, 4);
        w.step(60 * SEC);
        let p50 = p(&w, "c.latency", 0.5);
        assert!(p50 < 10.0, "one local round trip and a commit: {p50} ms");
        let lag = p(&w, "posts.visibility_lag", 0.95);
        assert!((200.0..1_500.0).contains(&lag), "lag p95 {lag} ms");
        let m = w.metrics();
        // Two replica nodes apply every write.
        let (writes, applied) = (
            m.counter_total("posts.writes"),
            m.counter_total("posts.applied"),
        );
        assert!(applied > 1.9 * writes, "{applied} of {writes}");
    }

    #[test]
    fn fewer_consumers_mean_a_longer_lag() {
        let lag = |consumers| {
            let (mut w, _) = world(Replication::Async, 1_500.0, consumers);
            w.step(60 * SEC);
            p(&w, "posts.visibility_lag", 0.95)
        };
        let (few, many) = (lag(2), lag(8));
        assert!(few > 1.5 * many, "{few} vs {many} ms");
    }

    #[test]
    fn a_partition_fails_two_phase_writes_after_the_timeout() {
        let (mut w, store) = world(Replication::TwoPhaseCommit, 50.0, 4);
        w.step(10 * SEC);
        w.set_replica_partition(store, &[2]);
        w.step(20 * SEC);
        w.set_replica_partition(store, &[]);
        w.step(40 * SEC);
        let l = w.ledger();
        let failed = w.metrics().counter_total("posts.write_failed");
        // Ten seconds at 50 a second, and the writes under way when it began.
        assert!((400.0..650.0).contains(&failed), "{failed}");
        assert_eq!(l.failed as f64, failed);
        let lat = w.metrics().series_histogram("c.error_latency").unwrap();
        let p50 = lat.quantile(0.5).unwrap();
        assert!(p50 >= 1.9e6, "they wait for the timeout: {p50}");
        assert!(l.balances());
        // Only the writes under way hold a prepared slot.
        assert!(w.data.replicated_stores()[0].prepared() < 20);
    }

    #[test]
    fn a_partition_delays_async_replication_and_fails_no_write() {
        let (mut w, store) = world(Replication::Async, 200.0, 4);
        w.step(10 * SEC);
        let before = p(&w, "posts.visibility_lag", 0.99);
        w.set_replica_partition(store, &[2]);
        w.step(30 * SEC);
        let backlog = w.data.replicated_stores()[0].backlog();
        assert!(backlog > 3_000.0, "{backlog}");
        w.set_replica_partition(store, &[]);
        w.step(60 * SEC);
        assert_eq!(w.ledger().failed, 0);
        let after = p(&w, "posts.visibility_lag", 0.99);
        assert!(after > 10.0 * before, "{after} vs {before} ms");
        assert!(
            w.data.replicated_stores()[0].backlog() < 1_000.0,
            "caught up"
        );
    }

    #[test]
    fn retention_bounds_the_log_of_a_node_cut_off_for_long() {
        let mut w = World::new(5, WorldConfig::default());
        let api = w.add_service(ServiceSpec::new("api", 1, 100));
        let mut spec = ReplicatedStoreSpec::new("posts", 2, Replication::Async);
        spec.log_retention = 1_000;
        let store = w.add_replicated_store(spec);
        let h = w.add_handler(Handler::new(
            "post",
            api,
            vec![Step::ReplicatedWrite { store }],
        ));
        w.add_client(ClientSpec::new("c", 500.0, api, h));
        w.set_replica_partition(store, &[1]);
        w.step(60 * SEC);
        let s = &w.data.replicated_stores()[0];
        assert!(s.held() <= s.cap() && s.held() <= 1_000 + 4 * 500);
        assert!(w.metrics().counter_total("posts.replication_dropped") > 25_000.0);
    }
}
