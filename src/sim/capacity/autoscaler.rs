//! A Horizontal Pod Autoscaler attached to a service: measures the pods' CPU
//! every sync period and scales the service with [`World::scale_to`].
//!
//! The metric is CPU utilisation averaged over the last sync period: per pod
//! from its CPU's busy integral when pods declare a CPU (`pod_cpu.rs`), else
//! busy workers of the first pool over workers, from the service's `busy`
//! gauge. A pod measured for the first time counts as not ready yet (like
//! Kubernetes' CPU initialisation period, in which a pod whose metric window
//! began before it was ready is left out), so a fresh pod's idle first seconds
//! do not trigger a scale-down; pods starting count as not ready, draining ones
//! not at all (as pods being deleted). No lab pod is ever missing its metric,
//! so the replica calculator's missing-pod rules (`hpa.rs`) never come into
//! play here. The arithmetic is in `hpa.rs`.
//!
//! Series (prefix: the service's name): `NAME.hpa_decision` (+1 up, 0 hold,
//! −1 down, a state band), `NAME.hpa_desired`, `NAME.hpa_cpu` (the measured
//! utilisation, 0–1), `NAME.cpu_pod_max` / `NAME.cpu_pod_min` (the hottest and
//! coolest ready pod; pods with a CPU only). Each scale is logged.

use crate::sim::capacity::hpa::{Behavior, History, Tolerance};
use crate::sim::capacity::hpa_metric::HpaMetric;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::metrics::GaugeId;
use crate::sim::kernel::time::{Micros, SEC};

/// An autoscaler as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct HpaSpec {
    /// The service scaled.
    pub service: ServiceId,
    /// Fewest replicas (raised by `scheduled_min` while a schedule is in force).
    pub min_replicas: u32,
    /// Most replicas.
    pub max_replicas: u32,
    /// Target utilisation, 0–1 (0.6 = 60 % CPU).
    pub target: f64,
    /// How often the controller looks (15 s).
    pub sync_us: Micros,
    /// No change while utilisation / target is within the tolerance of 1 (0.1
    /// each way).
    pub tolerance: Tolerance,
    /// Stabilisation windows and rate policies.
    pub behavior: Behavior,
    /// Scheduled scaling: from each (time, replicas) on, the minimum is at
    /// least `replicas` (a pre-warm before a known peak). Sorted by time.
    pub scheduled_min: Vec<(Micros, u32)>,
    /// A disabled autoscaler measures but never scales.
    pub enabled: bool,
    /// What it scales on (`hpa_metric.rs`); utilisation by default.
    pub metric: HpaMetric,
}

impl HpaSpec {
    /// Kubernetes' defaults for `service`, between `min` and `max` replicas at `target`.
    pub fn new(service: ServiceId, min: u32, max: u32, target: f64) -> Self {
        assert!(min >= 1 && max >= min, "bad replica bounds {min}..{max}");
        assert!(
            target > 0.0 && target <= 1.0,
            "target is a utilisation in (0, 1]"
        );
        HpaSpec {
            service,
            min_replicas: min,
            max_replicas: max,
            target,
            sync_us: 15 * SEC,
            tolerance: Tolerance::both(0.1),
            behavior: Behavior::default(),
            scheduled_min: Vec::new(),
            enabled: true,
            metric: HpaMetric::Utilisation,
        }
    }

    /// The minimum in force at `now`, scheduled scaling included.
    pub fn min_at(&self, now: Micros) -> u32 {
        self.scheduled_min
            .iter()
            .rev()
            .find(|s| s.0 <= now)
            .map_or(self.min_replicas, |s| s.1.max(self.min_replicas))
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct HpaMetrics {
    pub(super) decision: GaugeId,
    pub(super) desired: GaugeId,
    pub(super) cpu: GaugeId,
    pub(super) pod_max: GaugeId,
    pub(super) pod_min: GaugeId,
}

/// An autoscaler's live state.
#[derive(Clone, Debug)]
pub struct Autoscaler {
    /// The declaration (bounds, target and `enabled` may be changed while running).
    pub spec: HpaSpec,
    /// The most replicas it has asked for so far (the replicas at the start included).
    pub replicas_max: u32,
    /// The fewest replicas it has asked for so far.
    pub replicas_min: u32,
    /// Scale-ups so far.
    pub scale_ups: u32,
    /// Scale-downs so far.
    pub scale_downs: u32,
    pub(super) history: History,
    /// (pod uid, busy integral) at the last sync, for pods with a CPU.
    pub(super) last_pod_area: Vec<(u32, f64)>,
    /// Busy-worker integral of the service at the last sync.
    pub(super) last_busy_area: f64,
    pub(super) last_sync_us: Micros,
    pub(super) m: HpaMetrics,
}
