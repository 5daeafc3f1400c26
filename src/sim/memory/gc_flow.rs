//! The world's side of [`gc`](super::gc): what scenarios call to add
//! and change it, and how requests and events meet it.

use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::memory::event::MemoryEvent;

impl World {
    /// Collects if `incoming` more MB would take the pod's heap past the
    /// trigger. False if the collector gave up and the pod was killed.
    pub(crate) fn maybe_collect(&mut self, s: ServiceId, p: u32, incoming_mb: f64) -> bool {
        let now = self.kernel.now;
        let Some(sm) = self.memory.get(s) else {
            return true;
        };
        let Some(gc) = &sm.spec.gc else {
            return true;
        };
        let pm = &sm.pods[p as usize];
        if !pm.up || pm.dying || pm.gc.in_pause(now) {
            return true; // a collection is running; the mutator waits with it
        }
        let full =
            pm.used_mb(sm.spec.baseline_mb) + incoming_mb > gc.trigger_fraction * sm.spec.limit_mb;
        !full || self.collect(s, p)
    }

    /// Runs a collection in pod `p` now. False if it was the last futile one.
    fn collect(&mut self, s: ServiceId, p: u32) -> bool {
        let now = self.kernel.now;
        let sm = self.memory.get_mut(s).expect("checked");
        let gc = sm.spec.gc.clone().expect("checked");
        let (base, limit) = (sm.spec.baseline_mb, sm.spec.limit_mb);
        let pm = &mut sm.pods[p as usize];
        pm.garbage_mb = 0.0;
        let live = pm.live_mb(base);
        let pause = gc.pause_us(live);
        pm.gc.begin_pause(now, pause);
        pm.gc.after_gc_mb = live;
        let futile = (limit - live) / limit < gc.overhead_free_fraction;
        pm.gc.futile_in_a_row = if futile { pm.gc.futile_in_a_row + 1 } else { 0 };
        let give_up = pm.gc.futile_in_a_row >= gc.overhead_limit_in_a_row;
        let incarnation = pm.incarnation;
        let m = sm.m.clone();
        if let (Some(c), Some(l)) = (m.gcs, m.gc_pause) {
            self.kernel.metrics.add(c, 1.0);
            self.kernel.metrics.record(l, pause, 1);
        }
        self.update_after_gc_gauge(s);
        self.kernel.schedule(
            now + pause,
            Event::Memory(MemoryEvent::GcEnd {
                service: s,
                pod: p,
                incarnation,
            }),
        );
        self.update_memory_gauges(s);
        if give_up {
            self.oom_kill(s, p, "GC overhead limit exceeded");
            return false;
        }
        true
    }

    /// Sets `NAME.heap_after_gc_mb`: the mean over running pods of the live
    /// heap their latest collection left (the baseline before their first).
    pub(crate) fn update_after_gc_gauge(&mut self, s: ServiceId) {
        let Some(sm) = self.memory.get(s) else {
            return;
        };
        let Some(g) = sm.m.after_gc else {
            return;
        };
        let floors: Vec<f64> = sm
            .pods
            .iter()
            .filter(|q| q.up)
            .map(|q| q.gc.after_gc_mb)
            .collect();
        if !floors.is_empty() {
            let mean = floors.iter().sum::<f64>() / floors.len() as f64;
            self.kernel.metrics.set(g, self.kernel.now, mean);
        }
    }

    pub(crate) fn on_gc_end(&mut self, s: ServiceId, p: u32, incarnation: u32) {
        match self.memory.get(s).and_then(|sm| sm.pods.get(p as usize)) {
            Some(pm) if pm.incarnation == incarnation && pm.up => {}
            _ => return,
        }
        // Requests kept arriving during the pause: collect again if still full.
        self.maybe_collect(s, p, 0.0);
    }

    /// Notes the pause clock of a request's pod as its `Work` step starts.
    pub(crate) fn gc_mark_work(&mut self, r: ReqRef) {
        let Some(mark) = self.pause_clock(r) else {
            return;
        };
        let i = r.idx as usize;
        if self.memory.work_mark_us.len() <= i {
            self.memory.work_mark_us.resize(i + 1, 0);
        }
        self.memory.work_mark_us[i] = mark;
    }

    /// At the planned end of a `Work` step: if GC pauses fell inside it, the
    /// work is not done yet — it ends that much later, counted from the end of
    /// a pause still going on. True if the end was put off.
    pub(crate) fn gc_defer_work(&mut self, r: ReqRef) -> bool {
        let Some(through) = self.pause_clock(r) else {
            return false;
        };
        let i = r.idx as usize;
        let owed =
            through.saturating_sub(self.memory.work_mark_us.get(i).copied().unwrap_or(through));
        if owed == 0 {
            return false;
        }
        let req = self.kernel.requests.get(r).expect("clocked");
        let pm = &self.memory.get(req.service).expect("clocked").pods[req.pod as usize];
        let resume = self.kernel.now.max(pm.gc.pause_end_us());
        self.memory.work_mark_us[i] = pm.gc.paused_through(resume);
        self.kernel.schedule(resume + owed, Event::WorkDone(r));
        true
    }

    /// The paused time so far of the pod holding `r`, if its service collects garbage.
    fn pause_clock(&self, r: ReqRef) -> Option<Micros> {
        let req = self.kernel.requests.get(r)?;
        let sm = self.memory.get(req.service)?;
        sm.spec.gc.as_ref()?;
        let pm = sm.pods.get(req.pod as usize)?;
        Some(pm.gc.paused_through(self.kernel.now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::memory::gc::{GcSpec, GcState};
    use crate::sim::MS;
    use crate::sim::{
        ClientSpec, Dist, Eviction, Handler, MemorySpec, ServiceSpec, Step, WorldConfig, SEC,
    };

    /// One pod, 1,000 MB heap, 100 MB baseline; 100 rps each allocating 1 MB of
    /// garbage and retaining 0.01 MB: a leak of 1 MB/s.
    fn leaky(eviction: Eviction, pause_ms_per_mb: f64) -> (World, ServiceId) {
        let mut w = World::new(4, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("jvm", 1, 50));
        w.add_memory(
            s,
            MemorySpec::new(1_000.0, 100.0)
                .gc(GcSpec::new(5.0, pause_ms_per_mb))
                .eviction(eviction),
        );
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![
                Step::Allocate { mb: 1.0 },
                Step::Work(Dist::Constant { ms: 10.0 }),
                Step::Retain { mb: 0.01 },
            ],
        ));
        w.add_client(ClientSpec::new("c", 100.0, s, h));
        (w, s)
    }

    #[test]
    fn a_leak_raises_the_post_gc_floor_until_the_overhead_limit_kills_the_pod() {
        let (mut w, s) = leaky(Eviction::None, 0.1);
        w.step(600 * SEC);
        let floor = w.kernel.metrics.series("jvm.heap_after_gc_mb").unwrap();
        let (early, late) = (floor.get(60).unwrap(), floor.get(590).unwrap());
        assert!(late - early > 450.0, "floor {early} → {late}");
        assert_eq!(w.memory(s).unwrap().oom_kills, 0);
        // 98 % of 1,000 MB is reached after (980 − 100) MB / 1 MB/s = 880 s.
        w.step(1_000 * SEC);
        let sm = w.memory(s).unwrap();
        assert_eq!(sm.oom_kills, 1);
        let up_s = sm.uptime_before_oom_us as f64 / 1e6;
        assert!((850.0..900.0).contains(&up_s), "killed after {up_s} s");
        assert!(w.kernel.metrics.counter_total("jvm.gcs") > 50.0);
    }

    #[test]
    fn churn_is_garbage_at_once_so_collections_free_all_of_it() {
        let mut w = World::new(8, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("jvm", 1, 50));
        w.add_memory(s, MemorySpec::new(1_000.0, 100.0).gc(GcSpec::new(5.0, 0.1)));
        let h = w.add_handler(Handler::new(
            "h",
            s,
            vec![
                Step::Churn { mb: 10.0 },
                Step::Work(Dist::Constant { ms: 50.0 }),
            ],
        ));
        w.add_client(ClientSpec::new("c", 100.0, s, h));
        w.step(100 * SEC);
        // 1,000 MB/s into 900 MB of room: a collection about every 0.9 s.
        let gcs = w.kernel.metrics.counter_total("jvm.gcs");
        assert!((100.0..125.0).contains(&gcs), "{gcs} collections");
        let floor = w.kernel.metrics.series("jvm.heap_after_gc_mb").unwrap();
        assert_eq!(floor.get(99), Some(100.0));
        assert_eq!(w.memory(s).unwrap().oom_kills, 0);
    }

    #[test]
    fn with_a_ttl_the_floor_stays_flat() {
        let (mut w, s) = leaky(Eviction::Ttl { ttl_us: 60 * SEC }, 0.1);
        w.step(2_000 * SEC);
        assert_eq!(w.memory(s).unwrap().oom_kills, 0);
        let floor = w.kernel.metrics.series("jvm.heap_after_gc_mb").unwrap();
        // 60 s × 1 MB/s retained above the baseline, give or take one batch.
        let f = floor.get(1_990).unwrap();
        assert!((150.0..175.0).contains(&f), "floor {f}");
    }

    #[test]
    fn gc_pauses_stop_work_in_the_pod() {
        // Long pauses (2 ms per live MB) hold up some requests by the pause.
        let (mut w, _) = leaky(Eviction::Ttl { ttl_us: 60 * SEC }, 2.0);
        w.step(300 * SEC);
        let lat = w.kernel.metrics.series_histogram("c.latency").unwrap();
        let pause = w.kernel.metrics.series_histogram("jvm.gc_pause").unwrap();
        assert!(pause.mean().unwrap() > 250_000.0);
        assert!(lat.max().unwrap() > 250_000, "max {:?}", lat.max());
        assert!(lat.quantile(0.5).unwrap() < 12_000.0);
    }

    #[test]
    fn pause_grows_with_live_heap() {
        let g = GcSpec::new(10.0, 0.25);
        assert_eq!(g.pause_us(0.0), 10 * MS);
        assert_eq!(g.pause_us(2_000.0), 510 * MS);
    }

    #[test]
    fn pause_clock_counts_only_paused_time() {
        let mut s = GcState::default();
        s.begin_pause(100, 50); // [100, 150)
        assert_eq!(s.paused_through(99), 0);
        assert_eq!(s.paused_through(120), 20);
        assert_eq!(s.paused_through(1_000), 50);
        s.begin_pause(200, 10); // [200, 210)
        assert_eq!(s.paused_through(150), 50);
        assert_eq!(s.paused_through(205), 55);
        assert_eq!(s.paused_through(999), 60);
        assert!(s.in_pause(209) && !s.in_pause(210));
    }
}
