//! The world's side of [`autoscaler`](super::autoscaler): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::autoscaler::*;
use crate::sim::capacity::event::CapacityEvent;
use crate::sim::capacity::hpa::{recommend, Census, History};
use crate::sim::capacity::hpa_metric::{recommend_for_rate, HpaMetric};
use crate::sim::kernel::decimal::{fixed, trimmed};
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::AutoscalerId;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::service::PodState;

impl World {
    /// Switches autoscaler `a` on or off (off: it leaves the pods as they are).
    pub fn set_autoscaler_enabled(&mut self, a: AutoscalerId, enabled: bool) {
        self.capacity.autoscalers[a.index()].spec.enabled = enabled;
    }

    /// Autoscaler `a` aims at `target` (a share of the pods' request) from now on.
    pub fn set_autoscaler_target(&mut self, a: AutoscalerId, target: f64) {
        assert!(
            target > 0.0 && target.is_finite(),
            "target {}",
            trimmed(target, 6)
        );
        self.capacity.autoscalers[a.index()].spec.target = target;
    }

    /// Autoscaler `a` keeps between `min` and `max` pods (`max` at least `min`).
    pub fn set_autoscaler_bounds(&mut self, a: AutoscalerId, min: u32, max: u32) {
        let spec = &mut self.capacity.autoscalers[a.index()].spec;
        spec.min_replicas = min;
        spec.max_replicas = max.max(min);
    }

    /// Autoscaler `a`'s scheduled minimums (pre-warm) become `schedule`.
    pub fn set_autoscaler_schedule(&mut self, a: AutoscalerId, schedule: Vec<(Micros, u32)>) {
        self.capacity.autoscalers[a.index()].spec.scheduled_min = schedule;
    }

    /// Autoscaler `a`'s settings.
    pub fn autoscaler_spec(&self, a: AutoscalerId) -> &HpaSpec {
        &self.capacity.autoscalers[a.index()].spec
    }

    /// Attaches an autoscaler; its first sync is one period from now. Returns its index.
    pub fn add_autoscaler(&mut self, spec: HpaSpec) -> AutoscalerId {
        let now = self.kernel.now;
        let svc = &self.topology.services[spec.service.index()];
        let n = svc.spec.name.clone();
        let live = svc.ready_pods() + svc.starting_pods();
        let m = &mut self.kernel.metrics;
        let hm = HpaMetrics {
            decision: m.gauge(&format!("{n}.hpa_decision"), now, 0.0),
            desired: m.gauge(&format!("{n}.hpa_desired"), now, live as f64),
            cpu: m.gauge(&format!("{n}.hpa_cpu"), now, 0.0),
            pod_max: m.gauge(&format!("{n}.cpu_pod_max"), now, 0.0),
            pod_min: m.gauge(&format!("{n}.cpu_pod_min"), now, 0.0),
        };
        let busy_area = self.busy_area(spec.service);
        self.capacity.autoscalers.push(Autoscaler {
            replicas_max: live,
            replicas_min: live,
            scale_ups: 0,
            scale_downs: 0,
            history: History::default(),
            last_pod_area: Vec::new(),
            last_busy_area: busy_area,
            last_sync_us: now,
            m: hm,
            spec,
        });
        let i = AutoscalerId::new(self.capacity.autoscalers.len() - 1);
        let first = now + self.capacity.autoscalers[i.index()].spec.sync_us;
        self.kernel
            .schedule(first, Event::Capacity(CapacityEvent::HpaSync(i)));
        // Pods alive now have been measured "since" now.
        self.capacity.autoscalers[i.index()].last_pod_area =
            self.pod_areas(self.capacity.autoscalers[i.index()].spec.service);
        i
    }

    fn busy_area(&self, s: ServiceId) -> f64 {
        let g = self.topology.services[s.index()].m.busy;
        self.kernel
            .metrics
            .time_mean(g, self.kernel.now)
            .unwrap_or(0.0)
            * self.kernel.now as f64
    }

    /// (uid, busy integral) of every ready pod with a CPU.
    fn pod_areas(&self, s: ServiceId) -> Vec<(u32, f64)> {
        let now = self.kernel.now;
        self.topology.services[s.index()]
            .pods
            .iter()
            .filter(|p| p.is_ready())
            .filter_map(|p| p.cpu.as_ref().map(|c| (p.uid, c.busy_area(now))))
            .collect()
    }

    pub(crate) fn on_hpa_sync(&mut self, i: AutoscalerId) {
        let now = self.kernel.now;
        let a = &self.capacity.autoscalers[i.index()];
        let s = a.spec.service;
        self.kernel.schedule(
            now + a.spec.sync_us,
            Event::Capacity(CapacityEvent::HpaSync(i)),
        );
        let dt = (now - a.last_sync_us).max(1) as f64;
        let svc = &self.topology.services[s.index()];
        let current = svc.ready_pods() + svc.starting_pods();
        let starting = svc.starting_pods();
        // Measure: the sum of ready pods' utilisations and who counts as ready.
        let areas = self.pod_areas(s);
        let (util_sum, ready, unready, hottest, coolest) = if let Some(c) = svc.spec.cpu {
            let cap = c.cores as f64 * dt;
            let mut utils = Vec::new();
            let mut fresh = 0;
            for &(uid, area) in &areas {
                match a.last_pod_area.iter().find(|x| x.0 == uid) {
                    Some(&(_, prev)) => utils.push(((area - prev) / cap).clamp(0.0, 1.0)),
                    None => fresh += 1,
                }
            }
            let max = utils.iter().copied().fold(0.0, f64::max);
            let min = utils.iter().copied().fold(1.0, f64::min);
            (
                utils.iter().sum::<f64>(),
                utils.len() as u32,
                starting + fresh,
                max,
                min,
            )
        } else {
            let area = self.busy_area(s);
            let workers = svc.spec.pools[0].workers.max(1) as f64;
            let sum = (area - a.last_busy_area) / (dt * workers);
            let r = svc.ready_pods();
            let mean = if r > 0 { sum / r as f64 } else { 0.0 };
            (sum.max(0.0), r, starting, mean, mean)
        };
        let busy_area = self.busy_area(s);
        let a = &mut self.capacity.autoscalers[i.index()];
        a.last_pod_area = areas;
        a.last_busy_area = busy_area;
        a.last_sync_us = now;
        let mean = if ready > 0 {
            util_sum / ready as f64
        } else {
            0.0
        };
        let m = a.m;
        self.kernel.metrics.set(m.cpu, now, mean);
        self.kernel.metrics.set(m.pod_max, now, hottest);
        self.kernel
            .metrics
            .set(m.pod_min, now, if ready > 0 { coolest } else { 0.0 });
        // An external request rate, when that is the metric.
        let rate = match &self.capacity.autoscalers[i.index()].spec.metric {
            HpaMetric::Utilisation => None,
            HpaMetric::RequestRate {
                counters,
                window_us,
                per_pod_rps,
            } => self
                .counted_rate(counters, *window_us)
                .map(|r| (r, *per_pod_rps)),
        };
        // Decide.
        let a = &mut self.capacity.autoscalers[i.index()];
        let spec = &a.spec;
        let (min, max) = (spec.min_at(now), spec.max_replicas);
        let target = if !spec.enabled {
            current
        } else if current < min {
            min
        } else if current > max {
            max
        } else {
            let raw = match rate {
                Some((rps, per_pod)) => recommend_for_rate(current, rps, per_pod, spec.tolerance),
                None => {
                    // Every ready pod measured for a whole period has a metric.
                    let pods = Census {
                        util_sum,
                        ready,
                        missing: 0,
                        unready,
                    };
                    recommend(current, &pods, spec.target, spec.tolerance)
                }
            };
            let stable = spec.behavior.stabilize(&mut a.history, now, current, raw);
            spec.behavior
                .limit(&mut a.history, now, current, stable, min, max)
        };
        // -1, 0 or +1: `f64::signum` would call a hold (+0.0) a scale-up.
        let decision = (i64::from(target) - i64::from(current)).signum() as f64;
        self.kernel.metrics.set(m.decision, now, decision);
        self.kernel.metrics.set(m.desired, now, target as f64);
        if target == current {
            return;
        }
        a.history.record_scale(now, current, target);
        a.replicas_max = a.replicas_max.max(target);
        a.replicas_min = a.replicas_min.min(target);
        if target > current {
            a.scale_ups += 1;
        } else {
            a.scale_downs += 1;
        }
        let name = self.topology.services[s.index()].spec.name.clone();
        let why = match rate {
            Some((rps, per_pod)) => {
                format!("{} rps vs {} per pod", fixed(rps, 0), fixed(per_pod, 0))
            }
            None => format!(
                "CPU {} % vs target {} %",
                fixed(mean * 100.0, 0),
                fixed(self.capacity.autoscalers[i.index()].spec.target * 100.0, 0)
            ),
        };
        self.note(
            LogLevel::Info,
            format!("{name}: autoscaler {current} → {target} pods ({why})"),
            false,
        );
        self.scale_to(s, target);
    }

    /// Pods of service `s` that are draining (scaled in, finishing their requests).
    pub fn draining_pods(&self, s: ServiceId) -> u32 {
        self.topology.services[s.index()]
            .pods
            .iter()
            .filter(|p| p.state == PodState::Draining)
            .count() as u32
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::kernel::time::MIN;
    use crate::sim::*;

    /// Pods of one core each; every request needs 50 ms of CPU. `rate` rps at
    /// 1×, following `profile`.
    fn cpu_world(rate: f64, profile: RateProfile, hpa: HpaSpec) -> (World, AutoscalerId) {
        let mut w = World::new(4, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("web", 2, 1_000).cpu(1, Discipline::Fifo));
        w.set_startup(s, 30 * SEC);
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![Step::Cpu(Dist::Exponential { mean_ms: 50.0 })],
        ));
        w.add_client(ClientSpec::new("c", rate, s, h).profile(profile));
        let a = w.add_autoscaler(HpaSpec { service: s, ..hpa });
        (w, a)
    }

    fn live(w: &World) -> u32 {
        w.topology.services[0].ready_pods() + w.topology.services[0].starting_pods()
    }

    #[test]
    fn a_disabled_autoscaler_decides_hold_every_period() {
        let profile = RateProfile::points(vec![(0, 1.0), (5 * MIN, 10.0)]);
        let mut hpa = HpaSpec::new(ServiceId::new(0), 2, 50, 0.5);
        hpa.enabled = false;
        let (mut w, _) = cpu_world(10.0, profile, hpa);
        w.step(10 * MIN);
        assert_eq!(live(&w), 2);
        let decisions = w.kernel.metrics.series("web.hpa_decision").unwrap();
        assert!(decisions.values().all(|v| v == 0.0));
    }

    #[test]
    fn scales_out_to_load_over_target_and_back_in_after_the_window() {
        // 1× = 10 rps × 50 ms = ½ core; 10× = 5 cores; at a 50 % target: 10 pods.
        let profile = RateProfile::points(vec![
            (0, 1.0),
            (5 * MIN, 1.0),
            (10 * MIN, 10.0),
            (30 * MIN, 10.0),
            (31 * MIN, 1.0),
        ]);
        let (mut w, a) = cpu_world(10.0, profile, HpaSpec::new(ServiceId::new(0), 2, 50, 0.5));
        w.step(9 * MIN);
        assert!(w
            .kernel
            .metrics
            .series("web.hpa_decision.max")
            .unwrap()
            .values()
            .any(|v| v == 1.0));
        w.step(29 * MIN);
        let peak = live(&w);
        assert!((9..=13).contains(&peak), "{peak}");
        let cpu = w.kernel.metrics.series("web.hpa_cpu").unwrap();
        let last = cpu.get(cpu.first_bucket() + cpu.len() as u64 - 1).unwrap();
        assert!((last - 0.5).abs() < 0.1, "{last}");
        // Load drops at 31 min: nothing removed for 5 minutes, then back to 2.
        w.step(35 * MIN);
        assert!(live(&w) >= peak - 2, "{}", live(&w));
        w.step(38 * MIN);
        assert_eq!(live(&w), 2);
        let asc = &w.capacity.autoscalers[a.index()];
        assert!(asc.scale_ups >= 2 && asc.scale_downs >= 1);
        assert!(w
            .kernel
            .log
            .entries()
            .any(|e| e.text.contains("autoscaler 2 →")));
    }

    #[test]
    fn scale_up_is_rate_limited_and_saturated_pods_hide_demand() {
        // A step from ½ to 20 cores of demand. Saturated pods show at most
        // 100 % CPU, so each round can at most double at a 50 % target, and
        // pods still starting (or not measured yet) count as idle: the count
        // doubles about every three syncs. The backlog queued meanwhile makes it
        // overshoot; once worked off and after the 5-minute window, it settles
        // at the 40 pods the demand needs.
        let (mut w, _) = cpu_world(
            10.0,
            RateProfile::step(MIN, 40.0),
            HpaSpec::new(ServiceId::new(0), 2, 100, 0.5),
        );
        let mut seen = vec![];
        for k in 1..=40 {
            w.step(MIN + k * 15 * SEC + 1);
            seen.push(live(&w));
        }
        for p in seen.windows(2) {
            assert!(p[1] <= (2 * p[0]).max(p[0] + 4), "{seen:?}");
        }
        assert_eq!(seen[0], 4, "{seen:?}");
        assert!(seen[11] < 40 && seen[12] >= 40, "{seen:?}");
        w.step(20 * MIN);
        assert!((40..=50).contains(&live(&w)), "{}", live(&w));
    }

    #[test]
    fn scheduled_minimum_prewarms_before_the_peak() {
        let mut hpa = HpaSpec::new(ServiceId::new(0), 2, 50, 0.5);
        hpa.scheduled_min = vec![(2 * MIN, 12)];
        let (mut w, _) = cpu_world(10.0, RateProfile::constant(), hpa);
        w.step(2 * MIN);
        assert_eq!(live(&w), 2);
        w.step(2 * MIN + 16 * SEC);
        assert_eq!(live(&w), 12);
    }

    #[test]
    fn a_worker_pool_service_scales_on_busy_workers() {
        let mut w = World::new(5, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("api", 2, 4));
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![Step::Work(Dist::Exponential { mean_ms: 100.0 })],
        ));
        // 60 rps × 100 ms = 6 busy workers; at 50 % of 4 per pod: 3 pods.
        w.add_client(ClientSpec::new("c", 60.0, s, h));
        w.add_autoscaler(HpaSpec::new(s, 1, 20, 0.5));
        w.step(10 * MIN);
        let n = w.topology.services[0].ready_pods();
        assert!((3..=4).contains(&n), "{n}");
    }

    #[test]
    fn a_disabled_autoscaler_holds() {
        let mut hpa = HpaSpec::new(ServiceId::new(0), 2, 50, 0.5);
        hpa.enabled = false;
        let (mut w, _) = cpu_world(60.0, RateProfile::constant(), hpa);
        w.step(5 * MIN);
        assert_eq!(live(&w), 2);
    }
}
