//! The world's side of [`hpa_metric`](super::hpa_metric): what scenarios call to add
//! and change it, and how requests and events meet it.

use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

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
    use crate::sim::capacity::hpa::Tolerance;
    use crate::sim::capacity::hpa_metric::recommend_for_rate;
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
