//! How a request picks its pod: the pod its session is pinned to while that
//! pod lives (`affinity.rs`), else the balancer's choice.

use crate::sim::kernel::time::Micros;
use crate::sim::topology::affinity::Pin;
use crate::sim::topology::service::Service;

/// Where a request goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pick {
    pub pod: Option<u32>,
    /// The session's pod had gone: its in-memory session is lost.
    pub lost: bool,
}

impl Service {
    /// Picks a pod for a request with session `key`: its pinned pod if that pod
    /// is still the same and ready, else the balancer's choice (then pinned).
    /// (Inlined where it is called, every request: a service without session
    /// affinity goes straight to its balancer.)
    #[inline]
    pub(crate) fn pick_pod_for(&mut self, key: u64, now: Micros) -> Pick {
        if self.affinity.spec.is_none() || key == 0 {
            return Pick {
                pod: self.pick_pod(),
                lost: false,
            };
        }
        self.pick_pinned_pod(key, now)
    }

    /// [`pick_pod_for`](Self::pick_pod_for) with affinity on and a session key.
    fn pick_pinned_pod(&mut self, key: u64, now: Micros) -> Pick {
        self.affinity.expire(now);
        let mut lost = false;
        if let Some(p) = self.affinity.pins.get(&key).copied() {
            let pod = &self.pods[p.slot as usize];
            if pod.uid == p.uid && pod.is_ready() {
                // Refresh at most twice per idle period, to bound `order`.
                let idle = self.affinity.spec.map_or(0, |s| s.idle_us);
                if now >= p.last_us + idle / 2 {
                    self.affinity.order.push_back((key, now));
                    self.affinity.pins.get_mut(&key).expect("pinned").last_us = now;
                }
                return Pick {
                    pod: Some(p.slot),
                    lost: false,
                };
            }
            // Replaced, draining or gone: the memory holding the session is going.
            lost = true;
        }
        let pod = self.pick_pod();
        match pod {
            Some(slot) => {
                let uid = self.pods[slot as usize].uid;
                self.affinity.pins.insert(
                    key,
                    Pin {
                        slot,
                        uid,
                        last_us: now,
                    },
                );
                self.affinity.order.push_back((key, now));
            }
            None => {
                self.affinity.pins.remove(&key);
            }
        }
        Pick { pod, lost }
    }
}
