//! The world's side of [`router`](super::router): adding a router and
//! changing its table, a `Step::Route` choosing its backend and sending its
//! copy, and the two answers meeting. Routing moves requests on (calls,
//! 404s, copies entering their backend), so it is `impl World`.

use super::router::*;
use crate::sim::edge::event::EdgeEvent;
use crate::sim::kernel::decimal::{fixed, trimmed};
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::RouterId;
use crate::sim::kernel::log::LogLevel;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef, Request};
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::Step;

impl World {
    /// Adds a router; returns its id. Panics on a table that cannot route
    /// (a path without a call for every backend, a target out of range).
    pub fn add_router(&mut self, spec: RouterSpec) -> RouterId {
        let n = &spec.name;
        let now = self.kernel.now;
        let mt = &mut self.kernel.metrics;
        let m = RouterMetrics {
            to: spec
                .backends
                .iter()
                .map(|b| mt.counter(&format!("{n}.to.{b}")))
                .collect(),
            unrouted: mt.counter(&format!("{n}.unrouted")),
            gone: mt.counter(&format!("{n}.gone")),
            rule_backend: spec
                .rules
                .iter()
                .map(|r| {
                    let v = Router::target_gauge(&r.target);
                    mt.gauge(&format!("{n}.{}.backend", r.name), now, v)
                })
                .collect(),
            sent: mt.counter(&format!("{n}.shadow.sent")),
            skipped: mt.counter(&format!("{n}.shadow.skipped")),
            matched: mt.counter(&format!("{n}.shadow.matched")),
            mismatched: mt.counter(&format!("{n}.shadow.mismatched")),
            timed_out: mt.counter(&format!("{n}.shadow.timed_out")),
            uncompared: mt.counter(&format!("{n}.shadow.uncompared")),
            in_flight: mt.gauge(&format!("{n}.shadow.in_flight"), now, 0.0),
        };
        self.edge.routers.push(Router::new(spec, m));
        RouterId::new(self.edge.routers.len() - 1)
    }

    /// A router's table and copies out.
    pub fn router(&self, id: RouterId) -> &Router {
        &self.edge.routers[id.index()]
    }

    /// The step that forwards a request on `path` through `router`. Panics
    /// if the router does not serve `path`.
    pub fn route_step(&self, router: RouterId, path: &str) -> Step {
        let rt = self.router(router);
        let path = rt
            .path_index(path)
            .unwrap_or_else(|| panic!("router {} serves no {path}", rt.spec.name));
        Step::Route { router, path }
    }

    /// Router `router` and the index of its rule `rule`; panics if it has
    /// no such rule.
    fn rule_of(&mut self, router: RouterId, rule: &str) -> (&mut Router, usize) {
        let rt = &mut self.edge.routers[router.index()];
        match rt.rule_index(rule) {
            Some(i) => (rt, i),
            None => panic!("router {} has no rule {rule}", rt.spec.name),
        }
    }

    /// Sends the requests rule `rule` matches to `target` from now on
    /// (requests already sent stay where they are). Logged, unmarked: the
    /// toggle or timeline entry that asks for it marks the charts.
    pub fn set_route_target(&mut self, router: RouterId, rule: &str, target: Target) {
        let (rt, i) = self.rule_of(router, rule);
        check_target(&target, rt.spec.backends.len());
        if rt.spec.rules[i].target == target {
            return;
        }
        let to = match &target {
            Target::Backend(b) => rt.spec.backends[*b as usize].clone(),
            Target::Weighted(w) => {
                let total: f64 = w.iter().sum();
                let shares: Vec<String> = rt
                    .spec
                    .backends
                    .iter()
                    .zip(w)
                    .map(|(b, x)| format!("{b} {} %", fixed(100.0 * x / total, 0)))
                    .collect();
                shares.join(", ")
            }
        };
        let (g, v) = (rt.m.rule_backend[i], Router::target_gauge(&target));
        rt.spec.rules[i].target = target;
        self.kernel.metrics.set(g, self.kernel.now, v);
        let text = format!("Route {rule} switched to {to}");
        self.note(LogLevel::Warn, text, false);
    }

    /// Retires rule `rule` (`gone`) or brings it back: from now on the
    /// requests it matches are answered 410 Gone, or routed again. Logged,
    /// unmarked, as a route change.
    pub fn set_route_gone(&mut self, router: RouterId, rule: &str, gone: bool) {
        let (rt, i) = self.rule_of(router, rule);
        if rt.spec.rules[i].gone == gone {
            return;
        }
        rt.spec.rules[i].gone = gone;
        let text = format!(
            "Route {rule} {}",
            if gone { "retired: 410 Gone" } else { "back" }
        );
        self.note(LogLevel::Warn, text, false);
    }

    /// Copies `percent` % of the requests rule `rule` matches to its mirror
    /// backend from now on. Panics if the rule has no mirror.
    pub fn set_mirror_percent(&mut self, router: RouterId, rule: &str, percent: f64) {
        assert!(
            (0.0..=100.0).contains(&percent),
            "{} %",
            trimmed(percent, 6)
        );
        let (rt, i) = self.rule_of(router, rule);
        let m = rt.spec.rules[i]
            .mirror
            .as_mut()
            .unwrap_or_else(|| panic!("rule {rule} has no mirror"));
        if m.percent == percent {
            return;
        }
        m.percent = percent;
        let text = format!(
            "Shadow traffic of {rule}: {} % copied to {}",
            fixed(percent, 0),
            rt.spec.backends[m.backend as usize]
        );
        self.note(LogLevel::Info, text, false);
    }

    /// `Step::Route`: picks the backend of `r` by the first rule that
    /// matches, sends a copy if the rule's mirror takes it, and calls.
    pub(crate) fn begin_route(&mut self, r: ReqRef, router: RouterId, path: u16) {
        let req = self
            .kernel
            .requests
            .get(r)
            .expect("routed request is alive");
        let (key, w) = (req.key, req.weight as f64);
        let version = self
            .traffic
            .clients
            .get(req.class as usize)
            .and_then(|c| c.spec.api_version);
        let rt = &self.edge.routers[router.index()];
        let rule = rt.rule_for(path, version);
        let Some(rule) = rule.filter(|&i| !rt.spec.rules[i].gone) else {
            // No rule (404), or a retired one (410 Gone).
            let c = if rule.is_some() {
                rt.m.gone
            } else {
                rt.m.unrouted
            };
            self.kernel.metrics.add(c, w);
            return self.finish(r, Outcome::Error);
        };
        let backend = rt.pick(rule, key);
        let mirror = rt.mirror_for(rule, backend, key);
        let c = rt.m.to[backend as usize];
        self.kernel.metrics.add(c, w);
        self.kernel.requests.get_mut(r).expect("alive").call.backend = backend;
        if let Some(to) = mirror {
            self.send_mirror(r, router, path, to);
        }
        self.begin_call(r);
    }

    /// Sends a copy of `r` to `backend`, unless `max_mirrors` are out.
    fn send_mirror(&mut self, r: ReqRef, router: RouterId, path: u16, backend: u16) {
        let now = self.kernel.now;
        let req = self.kernel.requests.get(r).expect("alive");
        let (class, weight, key) = (req.class, req.weight, req.key);
        let rt = &mut self.edge.routers[router.index()];
        let Some((slot, gen)) = rt.comparisons.start(weight) else {
            let c = rt.m.skipped;
            self.kernel.metrics.add(c, weight as f64);
            return;
        };
        let (service, handler) = (
            rt.call(path, backend).service,
            rt.shadow_handler(path, backend),
        );
        let (sent, in_flight, open) = (rt.m.sent, rt.m.in_flight, rt.comparisons.open());
        let timeout = rt.spec.mirror_timeout_us;
        let origin = Origin::Mirror { router, slot };
        let copy = Request::new(origin, class, weight, service, handler, key, now);
        let copy = self.kernel.requests.insert(copy);
        self.edge.routers[router.index()]
            .comparisons
            .set_copy(slot, copy);
        self.kernel.requests.get_mut(r).expect("alive").call.mirror = Some(slot);
        self.kernel.metrics.add(sent, weight as f64);
        self.kernel.metrics.set(in_flight, now, open as f64);
        let e = EdgeEvent::MirrorTimeout { router, slot, gen };
        self.kernel.schedule(now + timeout, Event::Edge(e));
        self.enter(copy);
    }

    /// The caller's call ended with `outcome` (`None`: the caller ended
    /// without an answer).
    pub(crate) fn primary_answered(
        &mut self,
        router: RouterId,
        slot: u32,
        outcome: Option<Outcome>,
    ) {
        let rt = &mut self.edge.routers[router.index()];
        let verdict = rt.comparisons.primary(slot, outcome);
        self.count_verdict(router, verdict);
    }

    /// A copy (`Origin::Mirror`) ended with `outcome`.
    pub(crate) fn on_mirror_answer(&mut self, router: RouterId, slot: u32, outcome: Outcome) {
        let rt = &mut self.edge.routers[router.index()];
        let verdict = rt.comparisons.shadow(slot, outcome);
        self.count_verdict(router, verdict);
    }

    /// A copy's answer is overdue: compared as timed out; the copy goes on
    /// unheard.
    pub(crate) fn on_mirror_timeout(&mut self, router: RouterId, slot: u32, gen: u32) {
        let rt = &mut self.edge.routers[router.index()];
        let Some(c) = rt.comparisons.get(slot, gen) else {
            return; // compared and closed already
        };
        if c.shadow_known() {
            return; // the copy answered; the caller's answer is awaited
        }
        let (copy, w, timed_out) = (c.copy, c.weight, rt.m.timed_out);
        let verdict = rt.comparisons.shadow(slot, Outcome::TimedOut);
        self.kernel.metrics.add(timed_out, w as f64);
        if let Some(q) = self.kernel.requests.get_mut(copy) {
            q.origin = Origin::Detached;
        }
        self.count_verdict(router, verdict);
    }

    /// Counts a comparison that just closed, by the copy's weight.
    fn count_verdict(&mut self, router: RouterId, verdict: Option<(Verdict, u32)>) {
        let Some((v, w)) = verdict else {
            return;
        };
        let rt = &self.edge.routers[router.index()];
        let c = match v {
            Verdict::Matched => rt.m.matched,
            Verdict::Mismatched => rt.m.mismatched,
            Verdict::Uncompared => rt.m.uncompared,
        };
        let (g, open) = (rt.m.in_flight, rt.comparisons.open() as f64);
        self.kernel.metrics.add(c, w as f64);
        self.kernel.metrics.set(g, self.kernel.now, open);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::*;

    /// A gateway forwarding `rps` requests a second on `/stock` to `old`
    /// (5 ms, a share `old_fail` failing) or `new` (`new_steps`), with a
    /// rule `stock` sending to old and copying `percent` % to new.
    fn world(rps: f64, old_fail: f64, new_steps: Vec<Step>, percent: f64) -> (World, RouterId) {
        world_bounded(rps, old_fail, new_steps, percent, 1_024)
    }

    /// [`world`] with at most `max_mirrors` copies out.
    fn world_bounded(
        rps: f64,
        old_fail: f64,
        new_steps: Vec<Step>,
        percent: f64,
        max_mirrors: usize,
    ) -> (World, RouterId) {
        let mut w = World::new(11, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gw", 2, 500));
        let old = w.add_service(ServiceSpec::new("old", 2, 200));
        let new = w.add_service(ServiceSpec::new("new", 2, 200));
        let old_h = w.add_handler(Handler::new(
            "stock",
            old,
            vec![
                Step::Work(Dist::Constant { ms: 5.0 }),
                Step::FailWith { p: old_fail },
            ],
        ));
        let new_h = w.add_handler(Handler::new("stock", new, new_steps));
        let calls = vec![
            CallSpec::new(old, old_h).timeout_us(5 * SEC),
            CallSpec::new(new, new_h).timeout_us(5 * SEC),
        ];
        let mut spec = RouterSpec::new("router", &["old", "new"])
            .path(RoutePath::new("/stock", calls))
            .rule(RouteRule::new("stock", "/stock", Target::Backend(0)).mirror(1, percent));
        spec.mirror_timeout_us = SEC;
        spec.max_mirrors = max_mirrors;
        let router = w.add_router(spec);
        let step = w.route_step(router, "/stock");
        let front = w.add_handler(Handler::new("front", gw, vec![step]));
        w.add_client(ClientSpec::new("users", rps, gw, front).timeout_us(10 * SEC));
        (w, router)
    }

    fn total(w: &World, name: &str) -> f64 {
        w.metrics().counter_total(name)
    }

    fn work(ms: f64) -> Step {
        Step::Work(Dist::Constant { ms })
    }

    #[test]
    fn a_copys_failure_or_slowness_never_reaches_the_caller() {
        let slow_and_broken = vec![work(2_000.0), Step::FailWith { p: 1.0 }];
        let (mut w, _) = world(100.0, 0.0, slow_and_broken, 100.0);
        w.step(30 * SEC);
        let l = w.ledger();
        assert_eq!(l.failed + l.timed_out + l.rejected, 0);
        let p99 = w.metrics().series_histogram("users.latency").unwrap();
        assert!(
            p99.quantile(0.99).unwrap() < 10e3,
            "the caller never waits for a copy"
        );
        // Copies that answered within the second compare as timed out.
        let (mismatched, sent) = (
            total(&w, "router.shadow.mismatched"),
            total(&w, "router.shadow.sent"),
        );
        assert!(
            sent > 2_900.0 && mismatched > sent - 150.0,
            "{mismatched} of {sent}"
        );
        assert_eq!(total(&w, "router.shadow.timed_out"), mismatched);
        assert!(l.balances());
    }

    #[test]
    fn a_share_of_requests_is_copied_and_each_copy_is_compared() {
        let buggy = vec![work(3.0), Step::FailWith { p: 0.2 }];
        let (mut w, router) = world(400.0, 0.0, buggy, 25.0);
        w.step(60 * SEC);
        let arrived = total(&w, "users.arrived");
        let at_new = total(&w, "new.arrived");
        assert!(
            (at_new / arrived - 0.25).abs() < 0.01,
            "{at_new} of {arrived}"
        );
        let (matched, mismatched) = (
            total(&w, "router.shadow.matched"),
            total(&w, "router.shadow.mismatched"),
        );
        assert!(
            (matched + mismatched - at_new).abs() < 5.0,
            "every copy compared"
        );
        let share = mismatched / (matched + mismatched);
        assert!((share - 0.2).abs() < 0.02, "{share}");
        assert_eq!(total(&w, "router.shadow.timed_out"), 0.0);
        assert!(w.router(router).mirrors_in_flight() < 10);
        assert_eq!(total(&w, "router.to.old"), arrived);
    }

    #[test]
    fn answers_that_agree_are_matched_even_when_both_fail() {
        let (mut w, _) = world(
            200.0,
            1.0,
            vec![work(3.0), Step::FailWith { p: 1.0 }],
            100.0,
        );
        w.step(20 * SEC);
        assert_eq!(total(&w, "router.shadow.mismatched"), 0.0);
        assert!(total(&w, "router.shadow.matched") > 3_900.0);
        assert_eq!(w.ledger().succeeded, 0);
    }

    #[test]
    fn switching_a_rule_moves_new_requests_and_stops_copies_to_that_backend() {
        let (mut w, router) = world(100.0, 0.0, vec![work(3.0)], 50.0);
        w.step(10 * SEC);
        w.set_route_target(router, "stock", Target::Backend(1));
        let old_before = total(&w, "old.arrived");
        let sent_before = total(&w, "router.shadow.sent");
        w.step(20 * SEC);
        assert!((total(&w, "old.arrived") - old_before).abs() < 1.0);
        assert_eq!(
            total(&w, "router.shadow.sent"),
            sent_before,
            "no copy to where it is routed"
        );
        assert!(total(&w, "router.to.new") > 900.0);
        let g = w
            .metrics()
            .gauge_time_mean("router.stock.backend", w.now())
            .unwrap();
        assert!((g - 0.5).abs() < 0.01, "{g}");
        assert!(w
            .log()
            .entries()
            .any(|e| e.text == "Route stock switched to new"));
    }

    #[test]
    fn copies_beyond_the_bound_are_not_sent() {
        let (mut w, router) = world_bounded(100.0, 0.0, vec![Step::Hang], 100.0, 5);
        w.step(20 * SEC);
        assert!(w.router(router).mirrors_in_flight() <= 5);
        assert!(total(&w, "router.shadow.skipped") > 1_500.0);
        // A copy that never answers is compared as timed out at 1 s.
        assert!(total(&w, "router.shadow.timed_out") > 80.0);
    }

    #[test]
    fn weights_and_versions_choose_the_backend() {
        let mut w = World::new(5, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gw", 1, 500));
        let mut calls = Vec::new();
        for name in ["a", "b", "c"] {
            let s = w.add_service(ServiceSpec::new(name, 1, 100));
            let h = w.add_handler(Handler::new("h", s, vec![work(1.0)]));
            calls.push(CallSpec::new(s, h));
        }
        let spec = RouterSpec::new("r", &["a", "b", "c"])
            .path(RoutePath::new("/v/items", calls))
            .rule(RouteRule::new("v2", "/v", Target::Backend(2)).version(2))
            .rule(RouteRule::new(
                "canary",
                "/v",
                Target::Weighted(vec![9.0, 1.0, 0.0]),
            ))
            .rule(RouteRule::new("other", "/x", Target::Backend(0)));
        let router = w.add_router(spec);
        let step = w.route_step(router, "/v/items");
        let front = w.add_handler(Handler::new("front", gw, vec![step]));
        w.add_client(ClientSpec::new("v1", 200.0, gw, front).api_version(1));
        w.add_client(ClientSpec::new("v2", 50.0, gw, front).api_version(2));
        w.step(60 * SEC);
        let (a, b, c) = (
            total(&w, "a.arrived"),
            total(&w, "b.arrived"),
            total(&w, "c.arrived"),
        );
        assert_eq!(c, total(&w, "v2.arrived"));
        assert!((b / (a + b) - 0.1).abs() < 0.01, "{a} {b}");
        assert_eq!(w.ledger().failed, 0);
        let t = w.topology();
        assert_eq!(t.calls, vec![(0, 1), (0, 2), (0, 3)], "every backend drawn");
    }

    #[test]
    fn a_path_no_rule_matches_is_answered_404() {
        let mut w = World::new(5, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gw", 1, 100));
        let s = w.add_service(ServiceSpec::new("s", 1, 100));
        let h = w.add_handler(Handler::new("h", s, vec![work(1.0)]));
        let spec = RouterSpec::new("r", &["s"])
            .path(RoutePath::new("/admin", vec![CallSpec::new(s, h)]))
            .rule(RouteRule::new("api", "/api", Target::Backend(0)));
        let router = w.add_router(spec);
        let step = w.route_step(router, "/admin");
        let front = w.add_handler(Handler::new("front", gw, vec![step]));
        w.add_client(ClientSpec::new("c", 10.0, gw, front));
        w.step(10 * SEC);
        let l = w.ledger();
        assert_eq!(l.failed, l.arrived);
        assert_eq!(total(&w, "r.unrouted"), l.arrived as f64);
        assert_eq!(total(&w, "s.arrived"), 0.0);
    }

    #[test]
    fn a_retired_version_is_answered_410_and_the_other_still_routed() {
        let mut w = World::new(6, WorldConfig::default());
        let gw = w.add_service(ServiceSpec::new("gw", 1, 100));
        let s = w.add_service(ServiceSpec::new("s", 1, 100));
        let h = w.add_handler(Handler::new("h", s, vec![work(1.0)]));
        let spec = RouterSpec::new("r", &["v1", "v2"])
            .path(RoutePath::new("/users", vec![CallSpec::new(s, h); 2]))
            .rule(RouteRule::new("v1", "/users", Target::Backend(0)).version(1))
            .rule(RouteRule::new("v2", "/users", Target::Backend(1)).version(2));
        let router = w.add_router(spec);
        let step = w.route_step(router, "/users");
        let front = w.add_handler(Handler::new("front", gw, vec![step]));
        w.add_client(ClientSpec::new("old", 50.0, gw, front).api_version(1));
        w.add_client(ClientSpec::new("new", 50.0, gw, front).api_version(2));
        w.step(10 * SEC);
        assert_eq!(w.ledger().failed, 0);
        w.set_route_gone(router, "v1", true);
        let before = total(&w, "old.arrived");
        w.step(20 * SEC);
        let gone = total(&w, "r.gone");
        assert!(
            (gone - (total(&w, "old.arrived") - before)).abs() <= 1.0,
            "{gone}"
        );
        assert_eq!(total(&w, "old.error"), gone);
        assert_eq!(total(&w, "new.error"), 0.0);
        assert_eq!(total(&w, "r.unrouted"), 0.0);
    }
}
