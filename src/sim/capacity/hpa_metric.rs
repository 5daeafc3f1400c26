//! What an autoscaler scales on: its pods' utilisation (Kubernetes' Resource
//! metric, the default) or a request rate measured elsewhere, such as arrivals
//! at the CDN (an External metric with an average-value target per pod, as a
//! Prometheus adapter or KEDA would feed it).
//!
//! A rate measured at the edge keeps telling the autoscaler how much traffic
//! there is even while the origin is shielded from it (a static page served by
//! the CDN, a feature switched off), so capacity can catch up behind the
//! shield; utilisation only sees the load that gets through.
//!
//! The rate is read from the named counters' closed metric buckets over a
//! window, as a metrics pipeline reports it (no extra state).

use crate::sim::capacity::hpa::Tolerance;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

/// The metric an autoscaler compares with its target.
#[derive(Clone, Debug, PartialEq)]
pub enum HpaMetric {
    /// Mean utilisation of the ready pods' CPU (or busy workers) against
    /// `HpaSpec::target`.
    Utilisation,
    /// Requests per second counted by `counters` (summed; weighted requests)
    /// over the last `window_us` (a metrics pipeline's rate window, such as
    /// Prometheus' `rate(x[1m])`: the autoscaler sees a rise only gradually),
    /// against `per_pod_rps` per replica.
    RequestRate {
        counters: Vec<String>,
        window_us: Micros,
        per_pod_rps: f64,
    },
}

/// Kubernetes' replica count for an External metric with an AverageValue
/// target (`GetExternalPerPodMetricReplicas`; an Object metric's AverageValue
/// target is the same arithmetic): `ceil(total / per_pod)`, unless `total /
/// (per_pod × current)` is within `tolerance` of 1, when `current` stays.
pub fn recommend_for_rate(current: u32, total: f64, per_pod: f64, tolerance: Tolerance) -> u32 {
    assert!(per_pod > 0.0, "the per-pod target must be positive");
    let ratio = total / (per_pod * current.max(1) as f64);
    if tolerance.within(ratio) {
        return current;
    }
    (total / per_pod - 1e-9).ceil().max(0.0) as u32
}

impl World {
    /// Requests per second counted by `counters` over the last `window_us`
    /// of closed metric buckets (`None` before a whole window has closed).
    pub fn counted_rate(&self, counters: &[String], window_us: Micros) -> Option<f64> {
        let m = &self.kernel.metrics;
        let k = (window_us / m.bucket_us()).max(1);
        let last = m.buckets_closed();
        let first = last.checked_sub(k)?;
        let sum: f64 = counters
            .iter()
            .filter_map(|n| m.series(n))
            .map(|r| (first..last).filter_map(|i| r.get(i)).sum::<f64>())
            .sum();
        Some(sum / (k * m.bucket_us()) as f64 * 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::*;

    #[test]
    fn rate_recommendation_is_the_ceiling_of_rate_over_target_outside_tolerance() {
        let t = Tolerance::both(0.1);
        assert_eq!(recommend_for_rate(2, 500.0, 50.0, t), 10);
        assert_eq!(recommend_for_rate(10, 520.0, 50.0, t), 10);
        assert_eq!(recommend_for_rate(10, 200.0, 50.0, t), 4);
        assert_eq!(recommend_for_rate(3, 0.0, 50.0, t), 0);
    }

    #[test]
    fn an_autoscaler_on_edge_rate_scales_for_traffic_its_pods_never_see() {
        // Every visitor is answered at the edge; the web pods see nothing, yet
        // the autoscaler sizes them for the traffic.
        let mut w = World::new(2, WorldConfig::default());
        let edge = w.add_service(ServiceSpec::new("edge", 1, 1_000));
        let web = w.add_service(ServiceSpec::new("web", 2, 10));
        w.set_startup(web, 30 * SEC);
        let h = w.add_handler(Handler::new(
            "static",
            edge,
            vec![Step::Work(Dist::Constant { ms: 1.0 })],
        ));
        w.add_client(ClientSpec::new("visitors", 400.0, edge, h));
        let mut spec = HpaSpec::new(web, 2, 50, 0.6);
        spec.metric = HpaMetric::RequestRate {
            counters: vec!["visitors.arrived".into()],
            window_us: 15 * SEC,
            per_pod_rps: 50.0,
        };
        w.add_autoscaler(spec);
        w.step(120 * SEC);
        let svc = &w.topology.services[web.index()];
        assert_eq!(svc.ready_pods(), 8);
        let rate = w
            .counted_rate(&["visitors.arrived".into()], 15 * SEC)
            .unwrap();
        assert!((rate - 400.0).abs() < 25.0, "{rate}");
        assert_eq!(
            w.counted_rate(&["visitors.arrived".into()], 600 * SEC),
            None
        );
    }
}
