//! Glue of [`pipeline`](super::pipeline): releases arriving, the gates they
//! pass (a contract check, a suite request sent into the environment, a
//! chaos experiment's traffic and kills), promotion or blocking.

use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::{HandlerId, PipelineId, ServiceId};
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef, Request};
use crate::sim::kernel::world::World;
use crate::sim::topology::event::{PipelineStep, TopologyEvent};
use crate::sim::topology::pipeline::{
    Experiment, Gates, Pipeline, PipelineMetrics, PipelineSpec, ReleaseDraft, ReleaseRun, SUITE,
};
use crate::sim::topology::service::PodState;

impl World {
    /// Adds a release pipeline (see [`pipeline`](super::pipeline)); its
    /// first release is drawn from now.
    pub fn add_pipeline(&mut self, spec: PipelineSpec) -> PipelineId {
        let n = spec.name.clone();
        let now = self.kernel.now;
        let k = &mut self.kernel.metrics;
        let mut c = |s: &str| k.counter(&format!("{n}.{s}"));
        let m = PipelineMetrics {
            releases: c("releases"),
            breaking: c("breaking"),
            caught: c("caught"),
            escaped: c("escaped"),
            blocked_clean: c("blocked_clean"),
            e2e_green: c("e2e_green"),
            e2e_red: c("e2e_red"),
            clean_checks: c("clean_checks"),
            clean_e2e: c("clean_e2e"),
            clean_e2e_green: c("clean_e2e_green"),
            false_reds: c("false_reds"),
            contract_checks: c("contract_checks"),
            contract_red: c("contract_red"),
            chaos_kills: c("chaos_kills"),
            defects_found: c("defects_found"),
            dropped: c("dropped"),
            in_flight: k.gauge(&format!("{n}.in_flight"), now, 0.0),
        };
        self.topology.pipelines.push(Pipeline::new(spec, m));
        let id = PipelineId::new(self.topology.pipelines.len() - 1);
        self.schedule_release(id);
        id
    }

    /// The id the next `add_pipeline` returns, for the `Step::Expect`s of
    /// the handlers its contracts name (built before the pipeline).
    pub fn next_pipeline_id(&self) -> PipelineId {
        PipelineId::new(self.topology.pipelines.len())
    }

    /// The pipeline `id`.
    pub fn pipeline(&self, id: PipelineId) -> &Pipeline {
        &self.topology.pipelines[id.index()]
    }

    /// Changes the gates of the releases from now on.
    pub fn set_pipeline_gates(&mut self, id: PipelineId, gates: Gates) {
        self.topology.pipelines[id.index()].spec.gates = gates;
    }

    /// Changes the share of releases that are breaking changes.
    pub fn set_breaking_change_rate(&mut self, id: PipelineId, rate: f64) {
        self.topology.pipelines[id.index()]
            .spec
            .breaking_change_rate = rate;
    }

    fn schedule_release(&mut self, id: PipelineId) {
        let p = &mut self.topology.pipelines[id.index()];
        p.epoch = p.epoch.wrapping_add(1);
        let (epoch, mean) = (p.epoch, p.spec.mean_gap_us());
        if !(mean.is_finite() && mean > 0.0) {
            return;
        }
        let gap = (self.kernel.rng.exponential(mean) + 0.5) as u64;
        self.pipeline_at(id, gap.max(1), PipelineStep::Release(epoch));
    }

    fn pipeline_at(&mut self, id: PipelineId, after_us: u64, step: PipelineStep) {
        let e = Event::Topology(TopologyEvent::Pipeline(id, step));
        self.kernel.schedule(self.kernel.now + after_us, e);
    }

    pub(crate) fn on_pipeline_step(&mut self, id: PipelineId, step: PipelineStep) {
        match step {
            PipelineStep::Release(epoch) => {
                if epoch == self.topology.pipelines[id.index()].epoch {
                    self.schedule_release(id);
                    self.release_arrives(id);
                }
            }
            PipelineStep::Rerun(slot) => self.run_suite(id, slot),
            PipelineStep::ChaosTick => self.chaos_tick(id),
        }
    }

    fn count(&mut self, id: PipelineId, pick: fn(&PipelineMetrics) -> CounterId) {
        let c = pick(&self.topology.pipelines[id.index()].m);
        self.kernel.metrics.add(c, 1.0);
    }

    fn release_arrives(&mut self, id: PipelineId) {
        let p = &self.topology.pipelines[id.index()];
        let Some(draft) = p.draw_release(&mut self.kernel.rng) else {
            return;
        };
        self.count(id, |m| m.releases);
        if draft.renamed.is_some() {
            self.count(id, |m| m.breaking);
        }
        let p = &mut self.topology.pipelines[id.index()];
        let run = ReleaseRun {
            draft,
            reruns_left: p.spec.reruns,
            suite_running: false,
        };
        match p.admit(run) {
            Some(slot) => self.start_release(id, slot),
            None => self.count(id, |m| m.dropped),
        }
        self.update_in_flight(id);
    }

    fn update_in_flight(&mut self, id: PipelineId) {
        let p = &self.topology.pipelines[id.index()];
        let (g, n) = (p.m.in_flight, p.in_flight());
        self.kernel.metrics.set(g, self.kernel.now, n as f64);
    }

    fn provider_name(&self, id: PipelineId, provider: u16) -> String {
        let s = self.topology.pipelines[id.index()].providers[provider as usize];
        self.topology.services[s.index()].spec.name.clone()
    }

    fn draft(&self, id: PipelineId, slot: u32) -> Option<ReleaseDraft> {
        let run = self.topology.pipelines[id.index()]
            .runs
            .get(slot as usize)?;
        run.map(|r| r.draft)
    }

    fn start_release(&mut self, id: PipelineId, slot: u32) {
        let Some(r) = self.draft(id, slot) else {
            return;
        };
        let gates = self.topology.pipelines[id.index()].spec.gates;
        if gates.contracts {
            self.count(id, |m| m.contract_checks);
            if r.renamed.is_none() {
                self.count(id, |m| m.clean_checks);
            }
            let broken = self.topology.pipelines[id.index()].broken_by(r);
            if broken > 0 {
                self.count(id, |m| m.contract_red);
                return self.end_release(id, slot, false);
            }
        }
        if gates.e2e {
            return self.run_suite(id, slot);
        }
        self.end_release(id, slot, true);
    }

    /// Sends a pipeline request (`slot`: a release's suite, or a contract's
    /// path) into `target`'s service, for its handler.
    fn send_pipeline_request(&mut self, id: PipelineId, slot: u32, target: (ServiceId, HandlerId)) {
        let now = self.kernel.now;
        let origin = Origin::Suite { pipeline: id, slot };
        let req = Request::new(origin, 0, 1, target.0, target.1, now, now);
        let r = self.kernel.requests.insert(req);
        self.enter(r);
    }

    /// Deploys release `slot`'s version to the environment and runs the suite.
    fn run_suite(&mut self, id: PipelineId, slot: u32) {
        let p = &mut self.topology.pipelines[id.index()];
        let Some(run) = p.runs.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        run.suite_running = true;
        let (provider, suite) = (run.draft.provider, p.spec.suite);
        p.redeploy(provider);
        self.send_pipeline_request(id, SUITE | slot, suite);
    }

    /// A pipeline request ended: a release's suite, or a path request of an
    /// experiment.
    pub(crate) fn on_pipeline_answer(
        &mut self,
        id: PipelineId,
        slot: u32,
        r: ReqRef,
        outcome: Outcome,
    ) {
        if slot & SUITE != 0 {
            self.on_suite_done(id, slot & !SUITE, outcome.is_ok());
            return;
        }
        let p = &mut self.topology.pipelines[id.index()];
        let path = &mut p.paths[slot as usize];
        if path.hit != Some(r) {
            return;
        }
        path.hit = None;
        if outcome.is_ok() || path.found {
            return;
        }
        path.found = true;
        let spec = p.spec.contracts[slot as usize];
        self.count(id, |m| m.defects_found);
        let name = |s: ServiceId| &self.topology.services[s.index()].spec.name;
        let text = format!(
            "chaos: {} failed when a {} pod was killed under its call (no retry)",
            name(spec.consumer),
            name(spec.provider)
        );
        self.note(LogLevel::Error, text, true);
    }

    fn on_suite_done(&mut self, id: PipelineId, slot: u32, green: bool) {
        let p = &mut self.topology.pipelines[id.index()];
        let Some(run) = p.runs.get_mut(slot as usize).and_then(Option::as_mut) else {
            return;
        };
        run.suite_running = false;
        let r = *run;
        p.redeploy(r.draft.provider);
        self.count(
            id,
            if green {
                |m: &PipelineMetrics| m.e2e_green
            } else {
                |m: &PipelineMetrics| m.e2e_red
            },
        );
        if r.draft.renamed.is_none() {
            self.count(id, |m| m.clean_checks);
            self.count(id, |m| m.clean_e2e);
            self.count(
                id,
                if green {
                    |m: &PipelineMetrics| m.clean_e2e_green
                } else {
                    |m: &PipelineMetrics| m.false_reds
                },
            );
        }
        if green {
            return self.end_release(id, slot, true);
        }
        let p = &mut self.topology.pipelines[id.index()];
        if r.reruns_left > 0 {
            if let Some(run) = p.runs[slot as usize].as_mut() {
                run.reruns_left -= 1;
            }
            let after = p.spec.rerun_after_us;
            return self.pipeline_at(id, after, PipelineStep::Rerun(slot));
        }
        self.end_release(id, slot, false);
    }

    /// Release `slot` is promoted (`pass`) or blocked, and leaves its slot.
    fn end_release(&mut self, id: PipelineId, slot: u32, pass: bool) {
        let p = &mut self.topology.pipelines[id.index()];
        let Some(run) = p.runs.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let r = run.draft;
        let broken = p.broken_by(r);
        if pass && broken > 0 {
            self.count(id, |m| m.escaped);
            let text = format!(
                "{}: breaking change escaped to production, {broken} consumer(s) broken",
                self.provider_name(id, r.provider)
            );
            self.note(LogLevel::Error, text, true);
        } else if !pass && r.renamed.is_some() {
            self.count(id, |m| m.caught);
        } else if !pass {
            self.count(id, |m| m.blocked_clean);
        }
        let p = &mut self.topology.pipelines[id.index()];
        if pass && p.spec.gates.chaos {
            p.chaos_waiting.push(r.provider);
            if p.experiment.is_none() {
                self.next_experiment(id);
            }
        }
        self.update_in_flight(id);
    }

    /// Starts the next experiment waiting, if any.
    fn next_experiment(&mut self, id: PipelineId) {
        let p = &mut self.topology.pipelines[id.index()];
        if !p.chaos_waiting.is_empty() {
            let provider = p.chaos_waiting.remove(0);
            p.experiment = Some(Experiment { provider, tick: 0 });
            self.chaos_tick(id);
        }
        self.update_in_flight(id);
    }

    /// A tick of the experiment under way: perhaps a kill, then a request
    /// on every path to the provider.
    fn chaos_tick(&mut self, id: PipelineId) {
        let p = &mut self.topology.pipelines[id.index()];
        let Some(ex) = p.experiment.as_mut() else {
            return;
        };
        let (tick, provider) = (ex.tick, ex.provider);
        ex.tick += 1;
        if tick >= p.spec.chaos_ticks {
            p.experiment = None;
            p.paths.iter_mut().for_each(|c| c.hit = None);
            return self.next_experiment(id);
        }
        let (every, after) = (p.spec.kill_every, p.spec.chaos_tick_us);
        if every > 0 && tick % every == every / 2 {
            self.chaos_kill(id, provider);
        }
        for c in 0..self.topology.pipelines[id.index()].paths.len() {
            let p = &self.topology.pipelines[id.index()];
            if p.paths[c].provider == provider {
                let spec = p.spec.contracts[c];
                self.send_pipeline_request(id, c as u32, (spec.consumer, spec.path));
            }
        }
        self.pipeline_at(id, after, PipelineStep::ChaosTick);
    }

    /// Kills a ready pod of the provider (and starts it again, as a
    /// Kubernetes pod deleted): every path request with a call in flight
    /// there is hit.
    fn chaos_kill(&mut self, id: PipelineId, provider: u16) {
        let s = self.topology.pipelines[id.index()].providers[provider as usize];
        let ready: Vec<u32> = (0..self.topology.services[s.index()].pods.len() as u32)
            .filter(|&p| {
                self.topology.services[s.index()].pods[p as usize].state == PodState::Ready
            })
            .collect();
        if ready.is_empty() {
            return;
        }
        let pod = ready[self.kernel.rng.below(ready.len() as u64) as usize];
        let reqs = &self.kernel.requests;
        let paths = &mut self.topology.pipelines[id.index()].paths;
        for (_, q) in reqs.iter().filter(|(_, q)| q.service == s && q.pod == pod) {
            let Origin::Call(parent) = q.origin else {
                continue;
            };
            if let Some(Origin::Suite { pipeline, slot }) = reqs.get(parent).map(|c| c.origin) {
                if pipeline == id && slot & SUITE == 0 {
                    paths[slot as usize].hit = Some(parent);
                }
            }
        }
        self.count(id, |m| m.chaos_kills);
        self.kill_held_pod(s, pod);
        self.restart_held_pod(s, pod);
        self.update_pods_gauge(s);
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// A runner whose suite calls consumer `a`'s path; `a` and `c` call
    /// provider `b` (`a` without a retry, `c` with one); contracts on both
    /// paths, and the suite covers only `a`'s.
    fn world(seed: u64, gates: Gates, breaking: f64) -> (World, PipelineId) {
        let mut w = World::new(seed, WorldConfig::default());
        let runner = w.add_service(ServiceSpec::new("runner", 1, 8));
        let [a, b, c] = ["a", "b", "c"].map(|n| w.add_service(ServiceSpec::new(n, 2, 16)));
        let work = |ms| {
            Step::Work(Dist::LogNormal {
                median_ms: ms,
                sigma: 0.3,
            })
        };
        let serve = w.add_handler(Handler::new("serve", b, vec![work(100.0)]));
        let retry = w.add_retry("retry", RetryPolicy::new(3, Backoff::Immediate));
        let pipeline = w.next_pipeline_id();
        let path = |w: &mut World, s, call: CallSpec, k| {
            let steps = vec![
                Step::Call(call),
                Step::Expect {
                    pipeline,
                    contract: k,
                },
            ];
            w.add_handler(Handler::new("path", s, steps))
        };
        let pa = path(&mut w, a, CallSpec::new(b, serve), 0);
        let pc = path(
            &mut w,
            c,
            CallSpec::new(b, serve).timeout_us(SEC).retry(retry),
            1,
        );
        let suite = w.add_handler(Handler::new(
            "suite",
            runner,
            vec![Step::Call(CallSpec::new(a, pa).timeout_us(10 * SEC))],
        ));
        let contract = |consumer, path, fields| ContractSpec {
            consumer,
            path,
            provider: b,
            fields,
        };
        let spec = PipelineSpec::new("ci", runner, suite)
            .contract(contract(a, pa, 0b01))
            .contract(contract(c, pc, 0b10))
            .gates(gates)
            .releases(8.0, breaking);
        let id = w.add_pipeline(spec);
        (w, id)
    }

    fn total(w: &World, name: &str) -> f64 {
        w.metrics().counter_total(&format!("ci.{name}"))
    }

    const E2E: Gates = Gates {
        e2e: true,
        contracts: false,
        chaos: false,
    };
    const CONTRACTS: Gates = Gates {
        e2e: false,
        contracts: true,
        chaos: false,
    };

    #[test]
    fn contract_checks_catch_every_breaking_change_with_no_false_red() {
        let (mut w, _) = world(1, CONTRACTS, 0.5);
        w.step(30 * 24 * HOUR);
        let breaking = total(&w, "breaking");
        assert!(breaking > 50.0, "{breaking}");
        assert_eq!(total(&w, "caught"), breaking);
        assert_eq!(total(&w, "escaped"), 0.0);
        assert_eq!(total(&w, "false_reds"), 0.0);
        assert!(total(&w, "clean_checks") > 50.0);
    }

    #[test]
    fn the_suite_catches_changes_on_the_path_it_covers_and_lets_the_others_escape() {
        let (mut w, _) = world(2, E2E, 0.5);
        w.step(30 * 24 * HOUR);
        let (caught, escaped) = (total(&w, "caught"), total(&w, "escaped"));
        assert_eq!(caught + escaped, total(&w, "breaking"));
        assert!(caught > 20.0 && escaped > 20.0, "{caught} {escaped}");
        // A stable environment: no false red, and a red suite is red on every rerun.
        assert_eq!(total(&w, "false_reds"), 0.0);
        assert_eq!(total(&w, "e2e_red"), 3.0 * caught);
        assert!(w
            .log()
            .entries()
            .any(|e| e.text.contains("escaped to production")));
    }

    #[test]
    fn a_suite_in_a_flaky_environment_goes_red_for_nothing() {
        let (mut w, _) = world(3, E2E, 0.0);
        let services: Vec<ServiceId> = (1..4).map(ServiceId::new).collect();
        w.add_uptime(UptimeSpec::new("env", services, 0.8, 10 * MIN));
        w.step(30 * 24 * HOUR);
        let runs = total(&w, "clean_e2e");
        let pass = total(&w, "clean_e2e_green") / runs;
        // The suite needs a and b up: 0.8² of the time.
        assert!((pass - 0.64).abs() < 0.1, "{pass} over {runs}");
        assert_eq!(total(&w, "false_reds"), runs - total(&w, "clean_e2e_green"));
        assert!(total(&w, "blocked_clean") > 0.0);
    }

    #[test]
    fn chaos_finds_the_call_without_a_retry_and_not_the_one_with() {
        let gates = Gates {
            chaos: true,
            ..CONTRACTS
        };
        let (mut w, id) = world(4, gates, 0.0);
        w.step(2 * 24 * HOUR);
        assert!(total(&w, "chaos_kills") > 10.0);
        assert_eq!(total(&w, "defects_found"), 1.0);
        assert_eq!(w.pipeline(id).defects_found(), 1);
        let (mut none, id) = world(4, CONTRACTS, 0.0);
        none.step(2 * 24 * HOUR);
        assert_eq!(none.pipeline(id).defects_found(), 0);
    }

    #[test]
    fn releases_beyond_the_bound_are_dropped_and_counted() {
        let (mut w, id) = world(5, E2E, 0.0);
        w.topology.pipelines[id.index()].spec.max_in_flight = 4;
        w.topology.pipelines[id.index()].spec.releases_per_day = 500.0;
        w.schedule_release(id);
        // Provider b held down: every suite is red and waits for its reruns.
        w.set_pods_down(ServiceId::new(2), 2);
        w.step(24 * HOUR);
        assert!(w.pipeline(id).in_flight() <= 4);
        assert!(total(&w, "dropped") > 100.0);
        assert!(w
            .footprint()
            .iter()
            .any(|h| h.store == "pipeline releases" && h.cap == Some(4)));
    }
}
