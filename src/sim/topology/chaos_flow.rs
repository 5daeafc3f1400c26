//! The world's side of [`chaos`](super::chaos): what front ends and scenarios
//! call to inject a fault into a service or lift it, and how requests meet it
//! (three hooks in the kernel's flow: a request entering, a connection
//! attempt knocking, an answer leaving).

use super::chaos::*;
use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::ServiceId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef, Request};
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::event::TopologyEvent;
use crate::sim::topology::service::PodState;

impl World {
    /// Adds `latency_us` to every request and call reaching `service` from
    /// now on (0: none): each waits that long on the way, holding nothing in
    /// the service, before it is admitted. Requests already on their way keep
    /// the latency they met.
    pub fn set_chaos_latency(&mut self, service: ServiceId, latency_us: Micros) {
        self.change_chaos(service, |c| {
            let was = std::mem::replace(&mut c.latency_us, latency_us);
            (was != latency_us).then(|| match latency_us {
                0 => (LogLevel::Info, "added latency off".to_string()),
                us => (
                    LogLevel::Warn,
                    format!(
                        "+{} ms latency",
                        trimmed(crate::sim::kernel::time::as_ms(us), 3)
                    ),
                ),
            })
        });
    }

    /// Makes share `p` (0 to 1) of the answers `service` would give as OK
    /// fail from now on (0: none).
    pub fn set_chaos_failures(&mut self, service: ServiceId, p: f64) {
        assert!((0.0..=1.0).contains(&p), "failure share {}", trimmed(p, 6));
        self.change_chaos(service, |c| {
            let was = std::mem::replace(&mut c.fail_share, p);
            (was != p).then(|| match p {
                0.0 => (LogLevel::Info, "answers no longer fail".to_string()),
                p => (
                    LogLevel::Warn,
                    format!("{} % of answers fail", trimmed((p * 1e4).round() / 1e2, 2)),
                ),
            })
        });
    }

    /// Cuts `service` off (`on`) so that nothing reaches it, or lets traffic
    /// in again.
    pub fn set_partitioned(&mut self, service: ServiceId, on: bool) {
        self.change_chaos(service, |c| {
            let was = std::mem::replace(&mut c.partitioned, on);
            (was != on).then(|| match on {
                true => (
                    LogLevel::Error,
                    "partitioned: nothing reaches it".to_string(),
                ),
                false => (LogLevel::Info, "partition lifted".to_string()),
            })
        });
        let m = self.chaos_metrics(service);
        self.kernel
            .metrics
            .set(m.partitioned, self.kernel.now, f64::from(u8::from(on)));
    }

    /// Holds `n` pods of `service` down: kills more now (every request in
    /// them fails) or restarts the last killed (each ready after the
    /// service's start-up time). Returns how many are held down.
    pub fn set_pods_down(&mut self, service: ServiceId, n: u32) -> u32 {
        let m = self.chaos_metrics(service);
        let s = service.index();
        let pods: Vec<(PodState, u32)> = self.topology.services[s]
            .pods
            .iter()
            .map(|p| (p.state, p.uid))
            .collect();
        let c = self.topology.chaos.get_mut(s);
        c.settings.pods_down = n;
        c.held = still_held(&c.held, &pods);
        let kill = pods_to_kill(&c.held, &pods, n);
        let release = c.held.split_off(c.held.len().min(n as usize));
        c.held.extend(kill.iter().map(|&p| (p, pods[p as usize].1)));
        let held = c.held.len() as u32;
        let name = self.topology.services[s].spec.name.clone();
        let mut failed = 0;
        for &p in &kill {
            failed += self.kill_held_pod(service, p);
        }
        if !kill.is_empty() {
            let text = format!(
                "{name}: {} killed and held down (chaos), {failed} requests failed",
                pods_text(&kill)
            );
            self.note(LogLevel::Error, text, true);
        }
        let restarted: Vec<u32> = release.iter().rev().map(|&(p, _)| p).collect();
        for &p in &restarted {
            self.restart_held_pod(service, p);
        }
        if !restarted.is_empty() {
            let text = format!("{name}: {} restarting (chaos)", pods_text(&restarted));
            self.note(LogLevel::Info, text, true);
        }
        self.kernel
            .metrics
            .set(m.pods_down, self.kernel.now, held as f64);
        if !(kill.is_empty() && restarted.is_empty()) {
            self.update_pods_gauge(service);
            self.update_memory_gauges(service);
            self.update_after_gc_gauge(service);
        }
        held
    }

    /// The faults injected into `service` now.
    pub fn chaos(&self, service: ServiceId) -> ChaosSettings {
        self.topology
            .chaos
            .get(service.index())
            .map(|c| c.settings.clone())
            .unwrap_or_default()
    }

    /// Changes one setting of `service`'s chaos; `change` says what to log
    /// when it changed anything.
    fn change_chaos(
        &mut self,
        service: ServiceId,
        change: impl FnOnce(&mut ChaosSettings) -> Option<(LogLevel, String)>,
    ) {
        self.chaos_metrics(service);
        let c = self.topology.chaos.get_mut(service.index());
        let said = change(&mut c.settings);
        self.topology.chaos.refresh();
        if let Some((level, what)) = said {
            let name = &self.topology.services[service.index()].spec.name;
            let text = format!("{name}: {what} (chaos)");
            self.note(level, text, true);
        }
    }

    /// The chaos series of `service`, registered the first time.
    fn chaos_metrics(&mut self, service: ServiceId) -> ChaosMetrics {
        let s = service.index();
        if let Some(m) = self.topology.chaos.get(s).and_then(|c| c.m) {
            return m;
        }
        let n = self.topology.services[s].spec.name.clone();
        let now = self.kernel.now;
        let k = &mut self.kernel.metrics;
        let m = ChaosMetrics {
            delayed: k.counter(&format!("{n}.chaos_delayed")),
            failed: k.counter(&format!("{n}.chaos_failed")),
            dropped: k.counter(&format!("{n}.partition_dropped")),
            partitioned: k.gauge(&format!("{n}.partitioned"), now, 0.0),
            pods_down: k.gauge(&format!("{n}.chaos_pods_down"), now, 0.0),
        };
        self.topology.chaos.get_mut(s).m = Some(m);
        m
    }

    /// Kills pod `p` and keeps it down; returns how many requests failed.
    pub(crate) fn kill_held_pod(&mut self, service: ServiceId, p: u32) -> usize {
        // Out of the balancer first, so nothing new lands in it; its process
        // and memory go at once, so nothing in it allocates while it dies.
        self.topology.services[service.index()].pods[p as usize].state = HELD_DOWN;
        self.memory.pod_down(service, p);
        self.fail_pod_requests(service, p)
    }

    /// Lets a held pod start again, ready after the service's start-up time.
    pub(crate) fn restart_held_pod(&mut self, service: ServiceId, p: u32) {
        let now = self.kernel.now;
        let svc = &mut self.topology.services[service.index()];
        let ready_at_us = now + svc.startup_us;
        svc.pods[p as usize].state = PodState::Starting { ready_at_us };
        self.memory.pod_up(service, p, now);
        self.kernel.schedule(
            ready_at_us,
            Event::Topology(TopologyEvent::PodReady { service, pod: p }),
        );
    }

    /// Hook of `enter`: holds `r` on its way to a service with added
    /// latency; true when it waits (it is admitted when the latency is over).
    #[inline]
    pub(crate) fn chaos_delays(&mut self, r: ReqRef) -> bool {
        self.topology.chaos.active() && self.chaos_delay(r)
    }

    fn chaos_delay(&mut self, r: ReqRef) -> bool {
        let Some(req) = self.kernel.requests.get(r) else {
            return false;
        };
        let s = req.service.index();
        let latency = self.topology.chaos.latency_us(s);
        // A call kept in its caller's pod (pod preset) crosses no network.
        if latency == 0 || req.pod != u32::MAX {
            return false;
        }
        let w = req.weight as f64;
        if let Some(m) = self.topology.chaos.get(s).and_then(|c| c.m) {
            self.kernel.metrics.add(m.delayed, w);
        }
        let at = self.kernel.now + latency;
        self.kernel
            .schedule(at, Event::Topology(TopologyEvent::ChaosDelayOver(r)));
        true
    }

    /// The added latency of `r` is over: it knocks on its service now (its
    /// caller may have given up meanwhile; the service does not know).
    pub(crate) fn on_chaos_delay_over(&mut self, r: ReqRef) {
        if self.kernel.requests.get(r).is_some() {
            self.admit(r, 0);
        }
    }

    /// Hook of `admit`: drops the connection attempt of `r` (`sent`
    /// retransmissions so far) to a partitioned service; true when dropped.
    #[inline]
    pub(crate) fn chaos_drops(&mut self, r: ReqRef, sent: u8) -> bool {
        self.topology.chaos.active() && self.chaos_drop(r, sent)
    }

    fn chaos_drop(&mut self, r: ReqRef, sent: u8) -> bool {
        let Some(req) = self.kernel.requests.get(r) else {
            return false;
        };
        let s = req.service.index();
        if !self.topology.chaos.partitioned(s) || req.pod != u32::MAX {
            return false;
        }
        let w = req.weight as f64;
        if let Some(m) = self.topology.chaos.get(s).and_then(|c| c.m) {
            self.kernel.metrics.add(m.dropped, w);
        }
        self.drop_syn(r, sent);
        true
    }

    /// Hook of `finish`: the outcome the service's answer carries — an OK
    /// turned into an error with the service's failure share.
    #[inline]
    pub(crate) fn chaos_answer(&mut self, req: &Request, outcome: Outcome) -> Outcome {
        if self.topology.chaos.active() && outcome == Outcome::Ok {
            self.chaos_fail(req)
        } else {
            outcome
        }
    }

    fn chaos_fail(&mut self, req: &Request) -> Outcome {
        let s = req.service.index();
        let p = self.topology.chaos.fail_share(s);
        // Only an answer the service gave: not a sender's that never entered
        // it, nor a call inside its own pod (its caller answers for both).
        if p <= 0.0 || req.pod == u32::MAX || self.inside_callers_pod(req) {
            return Outcome::Ok;
        }
        if !self.kernel.rng.chance(p) {
            return Outcome::Ok;
        }
        if let Some(m) = self.topology.chaos.get(s).and_then(|c| c.m) {
            self.kernel.metrics.add(m.failed, req.weight as f64);
        }
        Outcome::Error
    }

    /// True for a call whose caller runs in the same pod of the same service.
    fn inside_callers_pod(&self, req: &Request) -> bool {
        let Origin::Call(parent) = req.origin else {
            return false;
        };
        self.kernel
            .requests
            .get(parent)
            .is_some_and(|p| p.service == req.service && p.pod == req.pod)
    }
}

/// "pod 2", "pods 0, 1".
fn pods_text(pods: &[u32]) -> String {
    let list: Vec<String> = pods.iter().map(|p| p.to_string()).collect();
    let s = if pods.len() == 1 { "" } else { "s" };
    format!("pod{s} {}", list.join(", "))
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// A `front` service calling `back` (2 pods, 20 ms a request) with a
    /// timeout of `timeout_ms`, for 100 pages a second.
    fn pair(seed: u64, timeout_ms: Option<u64>) -> (World, ServiceId, ServiceId) {
        let mut w = World::new(seed, WorldConfig::default());
        let front = w.add_service(ServiceSpec::new("front", 1, 2_000));
        let back = w.add_service(ServiceSpec::new("back", 2, 100));
        w.set_startup(back, 5 * SEC);
        let serve = w.add_handler(Handler::new(
            "serve",
            back,
            vec![Step::Work(Dist::Constant { ms: 20.0 })],
        ));
        let mut call = CallSpec::new(back, serve);
        if let Some(t) = timeout_ms {
            call = call.timeout_us(t * MS);
        }
        let page = w.add_handler(Handler::new("page", front, vec![Step::Call(call)]));
        w.add_client(ClientSpec::new("users", 100.0, front, page));
        (w, front, back)
    }

    /// The median of latency series `series` over the whole run, in ms.
    fn p50_ms(w: &World, series: &str) -> f64 {
        let h = w
            .metrics()
            .series_histogram(series)
            .expect("a latency series");
        h.quantile(0.5).expect("samples") / 1_000.0
    }

    fn log_has(w: &World, text: &str) -> bool {
        w.log().entries().any(|e| e.text.contains(text) && e.marker)
    }

    #[test]
    fn added_latency_delays_admission_and_holds_nothing_in_the_service() {
        let (mut w, _, back) = pair(1, None);
        w.set_chaos_latency(back, 300 * MS);
        w.step(30 * SEC);
        // The caller waits the latency plus the work; the service sees only its work.
        let caller = p50_ms(&w, "users.latency");
        assert!((319.0..322.0).contains(&caller), "caller p50 {caller} ms");
        assert!((p50_ms(&w, "back.latency") - 20.0).abs() < 0.5);
        // 100/s × 20 ms: two workers busy on average, not 32 (as if the
        // 300 ms were spent inside).
        let busy = w.metrics().gauge_time_mean("back.busy", w.now()).unwrap();
        assert!(busy < 2.5, "busy {busy}");
        assert!(w.metrics().counter_total("back.chaos_delayed") > 2_900.0);
        assert!(log_has(&w, "back: +300 ms latency (chaos)"));
        // Lifted, new requests go straight in.
        w.set_chaos_latency(back, 0);
        let before = w.metrics().counter_total("back.chaos_delayed");
        w.step(40 * SEC);
        assert_eq!(w.metrics().counter_total("back.chaos_delayed"), before);
        assert!(log_has(&w, "back: added latency off (chaos)"));
        assert!(w.ledger().balances());
    }

    #[test]
    fn a_share_of_answers_fails_and_only_while_the_share_is_above_zero() {
        let (mut w, _, back) = pair(2, None);
        w.set_chaos_failures(back, 0.5);
        w.step(60 * SEC);
        let l = w.ledger();
        let share = l.failed as f64 / (l.failed + l.succeeded) as f64;
        assert!((share - 0.5).abs() < 0.03, "failed share {share}");
        let failed = w.metrics().counter_total("back.chaos_failed");
        assert!((failed - l.failed as f64).abs() < 1.0, "{failed} vs {l:?}");
        // The answer fails after the work: the caller waited for it.
        assert!((p50_ms(&w, "users.error_latency") - 20.0).abs() < 0.5);
        assert!(log_has(&w, "back: 50 % of answers fail (chaos)"));
        w.set_chaos_failures(back, 0.0);
        let failed_before = w.ledger().failed;
        w.step(70 * SEC);
        assert!(w.ledger().failed - failed_before <= 1);
    }

    #[test]
    fn no_chaos_or_chaos_lifted_draws_nothing_from_the_rng() {
        // The same seed with a share set to 0 (and other chaos that draws
        // nothing) gives the same run as no chaos at all.
        let run = |chaos: bool| {
            let (mut w, front, back) = pair(3, Some(1_000));
            if chaos {
                w.set_chaos_failures(back, 0.0);
                w.set_chaos_latency(front, 0);
                w.set_partitioned(front, false);
                w.set_pods_down(front, 0);
            }
            w.step(20 * SEC);
            (w.ledger(), w.events_processed(), w.rng().uniform())
        };
        assert_eq!(run(false), run(true));
    }

    #[test]
    fn a_partition_hangs_callers_until_their_timeout() {
        let (mut w, _, back) = pair(4, Some(2_000));
        w.step(10 * SEC);
        let before = w.ledger();
        w.set_partitioned(back, true);
        w.step(40 * SEC);
        let l = w.ledger();
        // Every page after the cut fails, and only at the caller's timeout.
        assert!(l.succeeded - before.succeeded < 5, "{l:?}");
        let failed_latency = p50_ms(&w, "users.error_latency");
        assert!(
            (1_999.0..2_001.0).contains(&failed_latency),
            "{failed_latency}"
        );
        assert!(w.metrics().counter_total("back.partition_dropped") > 2_900.0);
        assert!(log_has(&w, "back: partitioned: nothing reaches it (chaos)"));
        // Waiting attempts are forgotten at their next retransmission: what
        // stays alive is bounded by the callers' timeouts (100/s × 2 s, and
        // the retransmission up to 3 s after the first SYN), not the run.
        assert!(w.requests_alive() < 100 * 5, "{}", w.requests_alive());
        // Lifted: the next knocks get in.
        w.set_partitioned(back, false);
        let ok = w.ledger().succeeded;
        w.step(50 * SEC);
        assert!(w.ledger().succeeded - ok > 900);
        assert!(w.ledger().balances());
    }

    #[test]
    fn a_caller_without_a_timeout_fails_when_connect_gives_up() {
        let (mut w, _, back) = pair(5, None);
        w.set_partitioned(back, true);
        w.step(200 * SEC);
        let l = w.ledger();
        assert_eq!(l.succeeded, 0);
        assert!(l.failed > 0, "{l:?}");
        let waited = p50_ms(&w, "users.error_latency");
        assert!((126_000.0..128_000.0).contains(&waited), "{waited}");
    }

    #[test]
    fn clients_from_outside_cannot_reach_a_partitioned_service_either() {
        let (mut w, front, _) = pair(6, None);
        let c = w.client_ids().next().unwrap();
        w.set_partitioned(front, true);
        w.step(20 * SEC);
        let l = w.client(c).ledger;
        assert_eq!((l.succeeded, l.rejected, l.failed), (0, 0, 0), "{l:?}");
        assert!(l.in_flight > 1_900, "they wait for connect: {l:?}");
    }

    #[test]
    fn pods_held_down_fail_their_requests_and_restart_when_released() {
        let (mut w, _, back) = pair(7, Some(1_000));
        let serve = HandlerId::new(0);
        // Requests that take a while, so some are inside when pods die.
        w.set_steps(serve, vec![Step::Work(Dist::Constant { ms: 500.0 })]);
        w.step(10 * SEC);
        let failed = w.ledger().failed;
        assert_eq!(w.set_pods_down(back, 1), 1);
        assert!(w.ledger().failed - failed > 10, "its requests failed");
        assert_eq!(w.service(back).ready_pods(), 1);
        assert!(log_has(&w, "back: pod 0 killed and held down (chaos)"));
        // Held: it stays down however long.
        w.step(100 * SEC);
        assert_eq!(w.service(back).ready_pods(), 1);
        assert_eq!(
            w.metrics()
                .gauge_time_mean("back.chaos_pods_down", w.now())
                .map(|x| x > 0.8),
            Some(true)
        );
        // More than there are: every pod is held.
        assert_eq!(w.set_pods_down(back, 5), 2);
        assert_eq!(w.service(back).ready_pods(), 0);
        w.step(110 * SEC);
        let l = w.ledger();
        // Back to 0: both restart, ready after the 5 s start-up.
        assert_eq!(w.set_pods_down(back, 0), 0);
        assert_eq!(w.service(back).starting_pods(), 2);
        assert!(log_has(&w, "back: pods 1, 0 restarting (chaos)"));
        w.step(114 * SEC);
        assert_eq!(w.service(back).ready_pods(), 0);
        w.step(116 * SEC);
        assert_eq!(w.service(back).ready_pods(), 2);
        let ok = w.ledger().succeeded;
        w.step(130 * SEC);
        assert!(
            w.ledger().succeeded - ok > 1_000,
            "{:?} after {l:?}",
            w.ledger()
        );
        assert!(w.ledger().balances());
    }

    #[test]
    fn a_held_pod_scaled_in_is_no_longer_held() {
        let (mut w, _, back) = pair(8, None);
        w.set_pods_down(back, 1);
        // A scale-in takes pods that are not ready first: the held one.
        w.scale_to(back, 1);
        assert_eq!(w.service(back).ready_pods(), 1);
        assert_eq!(w.set_pods_down(back, 0), 0);
        assert_eq!(w.service(back).starting_pods(), 0);
        assert_eq!(w.chaos(back).pods_down, 0);
    }
}
