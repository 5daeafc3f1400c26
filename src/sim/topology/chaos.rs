//! Chaos: faults injected into any service while it runs, the way a chaos
//! tool (a network proxy's toxics, a mesh's fault injection, a pod killer)
//! injects them into a real one.
//!
//! Four faults, each switched on and off at any time, on any service:
//! - **added latency** — a network delay: a request or call reaching the
//!   service waits that long on the way before it is admitted. It holds
//!   nothing in the service meanwhile (no worker, no place in a queue); its
//!   caller keeps waiting, so the latency adds to the caller's and counts
//!   against its timeout. Calls kept inside the caller's own pod
//!   (`CallSpec::in_caller_pod`) do not cross the network and are not delayed.
//! - **failed answers** — a share of the answers that would be OK become
//!   errors, after the work (and its side effects) is done: a fault injected
//!   into the service's responses. The draw comes from the world's one RNG,
//!   and only while the share is above 0, so a run without it keeps its
//!   random sequence.
//! - **partition** — nothing reaches the service: a connection attempt gets
//!   no answer, as a SYN dropped by a firewall. The sender's kernel
//!   retransmits as it does for a full accept backlog ([`backlog`](super::backlog):
//!   after 1 s, 3 s, … until `connect` gives up at 127 s), so a caller waits
//!   until its own timeout, and one without a timeout fails after the
//!   give-up; a client from outside likewise (its load balancer cannot reach
//!   the pods either). Work already inside finishes and answers; a partition
//!   lifted lets the next retransmission in.
//! - **pods down** — N pods killed now and held down: every request in them
//!   fails at once, as in an OOM kill (queued ones too), and they stay out of
//!   the balancer, as pods whose container cannot start. Lowering N restarts
//!   the last killed first: each takes the service's normal start-up time to
//!   be ready. Pods added later (an autoscaler's) are not touched; a held pod
//!   that a scale-in removes is simply gone.
//!
//! Every change that acts is logged, with a chart marker. Series, registered
//! for a service the first time chaos touches it: `NAME.chaos_delayed`
//! (requests held by the added latency), `NAME.chaos_failed` (answers turned
//! into errors), `NAME.partition_dropped` (connection attempts dropped,
//! retransmissions included), `NAME.partitioned` (1 while partitioned) and
//! `NAME.chaos_pods_down` (pods held down).

use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::time::Micros;
use crate::sim::topology::service::PodState;

/// The state of a pod that chaos holds down: starting, and never ready until
/// released (as a container in a crash loop; the balancer, the autoscaler
/// and a pod's own restart all see a pod that is not ready).
pub const HELD_DOWN: PodState = PodState::Starting {
    ready_at_us: Micros::MAX,
};

/// The faults injected into one service, as set (what a front end shows).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChaosSettings {
    /// Latency added before a request or call is admitted; 0: none.
    pub latency_us: Micros,
    /// Share of the answers that would be OK that fail, from 0 to 1.
    pub fail_share: f64,
    /// Nothing reaches the service.
    pub partitioned: bool,
    /// Pods held down now.
    pub pods_down: u32,
}

impl ChaosSettings {
    /// True when no fault is injected.
    pub fn is_quiet(&self) -> bool {
        *self == ChaosSettings::default()
    }
}

/// Series of one service's chaos.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChaosMetrics {
    pub delayed: CounterId,
    pub failed: CounterId,
    pub dropped: CounterId,
    pub partitioned: GaugeId,
    pub pods_down: GaugeId,
}

/// Chaos on one service: its settings and the pods it holds down.
#[derive(Clone, Debug, Default)]
pub struct ServiceChaos {
    pub settings: ChaosSettings,
    /// Pods held down as (slot, uid), in the order they were killed: a slot
    /// reused by a new pod (another uid) is not held any more.
    pub(crate) held: Vec<(u32, u32)>,
    pub(crate) m: Option<ChaosMetrics>,
}

impl ServiceChaos {
    /// True when a request meeting the service may be changed: a latency, a
    /// share of failures or a partition (held pods need no look at requests).
    fn touches_requests(&self) -> bool {
        let s = &self.settings;
        s.latency_us > 0 || s.fail_share > 0.0 || s.partitioned
    }
}

/// Chaos on every service, by service index; empty until chaos is first set.
#[derive(Clone, Debug, Default)]
pub struct Chaos {
    services: Vec<ServiceChaos>,
    /// True while some service has a latency, failures or a partition: the
    /// request path looks no further while false.
    active: bool,
}

impl Chaos {
    /// True while some service's requests may be changed.
    #[inline]
    pub fn active(&self) -> bool {
        self.active
    }

    /// The chaos of service `s`, if chaos ever touched it.
    pub fn get(&self, s: usize) -> Option<&ServiceChaos> {
        self.services.get(s)
    }

    /// The chaos of service `s`, made on first use.
    pub(crate) fn get_mut(&mut self, s: usize) -> &mut ServiceChaos {
        if self.services.len() <= s {
            self.services.resize_with(s + 1, ServiceChaos::default);
        }
        &mut self.services[s]
    }

    /// Recomputes [`active`](Self::active) after a change of settings.
    pub(crate) fn refresh(&mut self) {
        self.active = self.services.iter().any(ServiceChaos::touches_requests);
    }

    /// The latency added to requests reaching service `s` (0: none).
    pub fn latency_us(&self, s: usize) -> Micros {
        self.services.get(s).map_or(0, |c| c.settings.latency_us)
    }

    /// The share of service `s`'s OK answers that fail.
    pub fn fail_share(&self, s: usize) -> f64 {
        self.services.get(s).map_or(0.0, |c| c.settings.fail_share)
    }

    /// True when nothing reaches service `s`.
    pub fn partitioned(&self, s: usize) -> bool {
        self.services.get(s).is_some_and(|c| c.settings.partitioned)
    }
}

/// Which pods to kill so that `want` are held down: `held` are held now;
/// `pods` gives each slot's (state, uid). Ready pods go first, lowest slot
/// first, then pods starting up; draining and gone pods are never picked.
pub fn pods_to_kill(held: &[(u32, u32)], pods: &[(PodState, u32)], want: u32) -> Vec<u32> {
    let more = (want as usize).saturating_sub(held.len());
    let free = |i: &usize| !held.iter().any(|h| h.0 as usize == *i);
    let ready = (0..pods.len()).filter(|i| pods[*i].0 == PodState::Ready);
    let starting = (0..pods.len())
        .filter(|i| matches!(pods[*i].0, PodState::Starting { .. }) && pods[*i].0 != HELD_DOWN);
    ready
        .chain(starting)
        .filter(free)
        .take(more)
        .map(|i| i as u32)
        .collect()
}

/// The held pods that are still held: the same pod (uid) in its slot, and
/// still down (not scaled in since).
pub fn still_held(held: &[(u32, u32)], pods: &[(PodState, u32)]) -> Vec<(u32, u32)> {
    held.iter()
        .copied()
        .filter(|&(slot, uid)| {
            pods.get(slot as usize)
                .is_some_and(|&(state, u)| u == uid && state == HELD_DOWN)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: PodState = PodState::Ready;
    const S: PodState = PodState::Starting { ready_at_us: 5 };

    #[test]
    fn ready_pods_are_killed_first_lowest_slot_first() {
        let pods = [(S, 1), (R, 2), (PodState::Draining, 3), (R, 4), (R, 5)];
        assert_eq!(pods_to_kill(&[], &pods, 2), vec![1, 3]);
        assert_eq!(pods_to_kill(&[], &pods, 4), vec![1, 3, 4, 0]);
        // Never more than there are, never a draining one.
        assert_eq!(pods_to_kill(&[], &pods, 9), vec![1, 3, 4, 0]);
        // Those held count toward the number wanted.
        let held = [(1, 2)];
        let pods = [(S, 1), (HELD_DOWN, 2), (R, 4)];
        assert_eq!(pods_to_kill(&held, &pods, 2), vec![2]);
        assert!(pods_to_kill(&held, &pods, 1).is_empty());
    }

    #[test]
    fn a_pod_scaled_in_or_replaced_is_no_longer_held() {
        let pods = [(HELD_DOWN, 1), (PodState::Gone, 2), (R, 9), (HELD_DOWN, 4)];
        let held = [(0, 1), (1, 2), (2, 3), (3, 4)];
        assert_eq!(still_held(&held, &pods), vec![(0, 1), (3, 4)]);
    }

    #[test]
    fn the_request_path_is_touched_only_by_latency_failures_or_a_partition() {
        let mut c = Chaos::default();
        assert!(!c.active());
        c.get_mut(2).settings.pods_down = 3;
        c.refresh();
        assert!(!c.active(), "held pods need no look at requests");
        c.get_mut(0).settings.fail_share = 0.5;
        c.refresh();
        assert!(c.active());
        assert_eq!((c.fail_share(0), c.fail_share(1)), (0.5, 0.0));
        c.get_mut(0).settings.fail_share = 0.0;
        c.get_mut(1).settings.partitioned = true;
        c.refresh();
        assert!(c.active() && c.partitioned(1) && !c.partitioned(0));
        c.get_mut(1).settings.partitioned = false;
        c.get_mut(1).settings.latency_us = 300;
        c.refresh();
        assert_eq!(c.latency_us(1), 300);
        assert!(c.active());
        assert!(!c.get(1).unwrap().settings.is_quiet());
    }
}
