//! Connections dropped: a service's capacity shrinks at once, and the work
//! beyond the new capacity is cut off; or a pod's process is gone, and every
//! request in it with it.
//!
//! `set_workers` shrinks a pool gracefully (busy workers finish first). A
//! provider that loses capacity abruptly — a node gone, a connection pool
//! reset — drops the connections beyond what it can still hold: those callers
//! all get an error in the same instant, which is what synchronises their
//! retries.

use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::sort::sort_by_key;
use crate::sim::kernel::world::World;

impl World {
    /// Sets pool `pool` of `service` to `workers` per pod and fails at once, with
    /// an error, the requests holding a worker beyond that in each pod (the most
    /// recently started first) and every request waiting in the pool's queue (an
    /// accept queue is reset with the rest). Returns how many were cut off; logs it.
    pub fn drop_connections(&mut self, service: ServiceId, pool: usize, workers: u32) -> usize {
        self.set_workers(service, pool, workers);
        let svc = &self.topology.services[service.index()];
        let excess: Vec<(u32, u32)> = svc
            .pods
            .iter()
            .enumerate()
            .map(|(i, p)| (i as u32, p.pools[pool].busy.saturating_sub(workers)))
            .filter(|&(_, n)| n > 0)
            .collect();
        let mut cut: Vec<ReqRef> = Vec::new();
        let svc = &mut self.topology.services[service.index()];
        let queued_gauge = svc.m.queued;
        for p in svc.pods.iter_mut() {
            cut.extend(p.pools[pool].queue.drain(..));
        }
        // Queued requests hold no worker: leaving the pod only counts them out.
        let n_queued = cut.len();
        self.kernel
            .metrics
            .shift(queued_gauge, self.kernel.now, -(n_queued as f64));
        for (pod, n) in excess {
            let mut holders: Vec<(u64, ReqRef)> = self
                .kernel
                .requests
                .iter()
                .filter(|(_, q)| {
                    q.service == service
                        && q.pod == pod
                        && q.pool as usize == pool
                        && q.holds_worker
                })
                .map(|(r, q)| (q.queued_at_us, r))
                .collect();
            // The latest queued first (ties: the highest slot first).
            sort_by_key(&mut holders, |h| (!h.0, !u64::from(h.1.idx)));
            cut.extend(holders.into_iter().take(n as usize).map(|(_, r)| r));
        }
        for &r in &cut {
            if self.kernel.requests.get(r).is_some() {
                self.finish(r, Outcome::Error);
            }
        }
        let name = self.topology.services[service.index()].spec.name.clone();
        let text = format!(
            "{name}: capacity down to {workers}, {} connections dropped",
            cut.len()
        );
        self.note(LogLevel::Error, text, false);
        cut.len()
    }

    /// Fails at once, with an error, every request in pod `p` of service `s`
    /// (its process is gone: an OOM kill, a pod killed from outside): the
    /// queued ones first, so that a freed worker starts nothing, then the
    /// rest. The pod must be out of the balancer already. Returns how many.
    pub(crate) fn fail_pod_requests(&mut self, s: ServiceId, p: u32) -> usize {
        let now = self.kernel.now;
        let svc = &mut self.topology.services[s.index()];
        let mut queued = 0;
        for pool in svc.pods[p as usize].pools.iter_mut() {
            queued += pool.queue.len();
            pool.queue.clear();
        }
        let g = svc.m.queued;
        self.kernel.metrics.shift(g, now, -(queued as f64));
        let victims: Vec<ReqRef> = self
            .kernel
            .requests
            .iter()
            .filter(|(_, q)| q.service == s && q.pod == p)
            .map(|(r, _)| r)
            .collect();
        for &r in &victims {
            // A victim's caller may have failed an earlier victim already.
            if self.kernel.requests.get(r).is_some() {
                self.finish(r, Outcome::Error);
            }
        }
        victims.len()
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    #[test]
    fn the_work_beyond_the_new_capacity_fails_at_once() {
        let mut w = World::new(1, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("provider", 2, 10));
        let h = w.add_handler(Handler::new("h", s, vec![Step::Hang]));
        w.add_client(ClientSpec::new("c", 100.0, s, h));
        w.step(SEC);
        assert_eq!(w.topology.services[0].busy(0), 20);
        let before = w.ledger();
        let queued = w.topology.services[0].queued(0) as usize;
        assert!(queued > 50);
        assert_eq!(w.drop_connections(s, 0, 4), 12 + queued);
        assert_eq!(w.topology.services[0].busy(0), 8);
        assert_eq!(w.topology.services[0].queued(0), 0);
        let after = w.ledger();
        assert_eq!(after.failed - before.failed, (12 + queued) as u64);
        assert!(after.balances());
        assert_eq!(w.kernel.metrics.value(w.topology.services[0].m.queued), 0.0);
        // New arrivals queue again behind the 8 that still hang.
        w.step(2 * SEC);
        assert_eq!(w.topology.services[0].busy(0), 8);
        assert!(w.topology.services[0].queued(0) > 50);
    }
}
