//! A gateway's routing table: each request matched to a rule by its path
//! and the API version it asks for, sent to one backend (or shared out
//! among backends by weight), and perhaps copied to a second backend whose
//! answer is compared with the first's and thrown away — NGINX's
//! `location`s, `split_clients` and `mirror`, or Envoy's route table with its
//! weighted clusters and request mirroring.
//!
//! A router serves *paths* (`/warehouse/stock`): each path names, for every
//! backend, the call that serves it there (the backend's service and
//! handler, with the call's own timeout, retry, breaker). A gateway handler
//! forwards with [`Step::Route`](crate::sim::Step::Route): the first rule
//! whose prefix starts the path, and whose version (if it names one) is the
//! one the request's client population asks for, decides:
//! - its **target**: one backend, or weights over several; a weighted choice
//!   hashes the request's key (as `split_clients` hashes a variable), so a
//!   key — a user's session, or a request of its own — always goes the same
//!   way;
//! - its **mirror** (shadow traffic): a share of the requests, again by a
//!   hash of the key, is also sent to a second backend. The copy runs there
//!   like any request, holding nothing at the gateway; the caller never
//!   waits for it and never sees its answer. When both answers are in, the
//!   router compares their outcomes (served, failed, refused, timed out) and
//!   counts a match or a mismatch, as Twitter's Diffy or GitHub's Scientist
//!   do. A copy is not sent to the backend the request is routed to. A
//!   backend may serve copies of a path with a handler of their own (a dry
//!   run that commits nothing, as a service does when it sees the `-shadow`
//!   host Envoy gives its copies).
//!
//! A request no rule matches is answered 404 at once (an error). A rule may
//! be retired (an API version deleted at its sunset): the requests it
//! matches are answered 410 Gone at once (an error), counted `NAME.gone`.
//!
//! Bounds: at most `max_mirrors` copies are out at once (Envoy's default
//! `max_requests` for a cluster, 1,024); a copy beyond is not sent. A copy
//! that has not answered after `mirror_timeout_us` (Envoy's 15 s route
//! timeout) is compared as timed out and forgotten; the backend may finish
//! it later, unheard.
//!
//! Series per router `NAME`: `NAME.to.BACKEND` (requests routed to each
//! backend), `NAME.unrouted`, `NAME.gone`, `NAME.RULE.backend` (the backend a rule sends
//! to, its index; −1 for weights), and for copies `NAME.shadow.sent`,
//! `.skipped` (over the bound), `.matched`, `.mismatched`, `.timed_out`
//! (compared as timed out), `.uncompared` (the caller ended without an
//! answer) and `.in_flight`.

use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::ids::HandlerId;
use crate::sim::kernel::metrics::{CounterId, GaugeId};
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::kernel::time::{Micros, SEC};
use crate::sim::topology::handler::CallSpec;

/// Where a rule sends the requests it matches.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Every request to this backend (its index in the router's backends).
    Backend(u16),
    /// Shared out by these weights, one per backend (need not sum to 1).
    Weighted(Vec<f64>),
}

/// Copies of a share of a rule's requests, sent to a second backend.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mirror {
    /// The backend the copies go to.
    pub backend: u16,
    /// Share of the requests copied, 0–100.
    pub percent: f64,
}

/// A routing rule: which requests it matches, where they go, and whether
/// some are copied elsewhere.
#[derive(Clone, Debug, PartialEq)]
pub struct RouteRule {
    /// Short name, for its series and the log (`"warehouse"`).
    pub name: String,
    /// Paths starting with this match (`""` matches every path).
    pub prefix: String,
    /// Only requests asking for this API version match (an `Accept-Version`
    /// header); `None`: any version, or none.
    pub version: Option<u16>,
    pub target: Target,
    pub mirror: Option<Mirror>,
    /// Retired: its requests are answered 410 Gone.
    pub gone: bool,
}

impl RouteRule {
    /// A rule sending every path under `prefix` to `target`.
    pub fn new(name: &str, prefix: &str, target: Target) -> Self {
        RouteRule {
            name: name.to_string(),
            prefix: prefix.to_string(),
            version: None,
            target,
            mirror: None,
            gone: false,
        }
    }

    /// The same rule, for requests asking for API version `v` only.
    pub fn version(mut self, v: u16) -> Self {
        self.version = Some(v);
        self
    }

    /// The same rule, copying `percent` % of its requests to `backend`.
    pub fn mirror(mut self, backend: u16, percent: f64) -> Self {
        self.mirror = Some(Mirror { backend, percent });
        self
    }
}

/// A path the router serves, and the call serving it at each backend.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutePath {
    /// The path (`"/warehouse/stock"`).
    pub path: String,
    /// One call per backend, in backend order.
    pub calls: Vec<CallSpec>,
    /// The handler a copy of this path runs at each backend, when it is not
    /// the one its call names (a dry run).
    pub shadow_handlers: Vec<Option<HandlerId>>,
}

impl RoutePath {
    /// A path served at each backend by `calls` (one per backend).
    pub fn new(path: &str, calls: Vec<CallSpec>) -> Self {
        let n = calls.len();
        RoutePath {
            path: path.to_string(),
            calls,
            shadow_handlers: vec![None; n],
        }
    }

    /// The same path, whose copies at `backend` run `handler`.
    pub fn shadow_handler(mut self, backend: u16, handler: HandlerId) -> Self {
        self.shadow_handlers[backend as usize] = Some(handler);
        self
    }
}

/// A router as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RouterSpec {
    /// Name, the prefix of its series (`"gateway"`).
    pub name: String,
    /// The backends' names, in index order (`"monolith"`, `"warehouse"`).
    pub backends: Vec<String>,
    pub paths: Vec<RoutePath>,
    /// Tried in order; the first that matches decides.
    pub rules: Vec<RouteRule>,
    /// How long a copy's answer is awaited.
    pub mirror_timeout_us: Micros,
    /// Most copies out at once.
    pub max_mirrors: usize,
}

impl RouterSpec {
    /// A router over `backends` with no path or rule yet, awaiting a copy's
    /// answer 15 s and keeping at most 1,024 out (Envoy's defaults).
    pub fn new(name: &str, backends: &[&str]) -> Self {
        RouterSpec {
            name: name.to_string(),
            backends: backends.iter().map(|b| b.to_string()).collect(),
            paths: Vec::new(),
            rules: Vec::new(),
            mirror_timeout_us: 15 * SEC,
            max_mirrors: 1_024,
        }
    }

    /// The same router, serving `path` too.
    pub fn path(mut self, path: RoutePath) -> Self {
        self.paths.push(path);
        self
    }

    /// The same router, with `rule` tried after the others.
    pub fn rule(mut self, rule: RouteRule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Panics with a message on a declaration that cannot route.
    pub(crate) fn check(&self) {
        let n = self.backends.len();
        assert!(n >= 1, "router {}: no backend", self.name);
        for p in &self.paths {
            assert_eq!(p.calls.len(), n, "{}: one call per backend", p.path);
            assert_eq!(p.shadow_handlers.len(), n, "{}", p.path);
        }
        for r in &self.rules {
            check_target(&r.target, n);
            if let Some(m) = r.mirror {
                assert!((m.backend as usize) < n, "rule {}: mirror backend", r.name);
                assert!(
                    (0.0..=100.0).contains(&m.percent),
                    "{}",
                    trimmed(m.percent, 6)
                );
            }
        }
    }
}

/// Panics unless `target` names backends among `n`, with usable weights.
pub(crate) fn check_target(target: &Target, n: usize) {
    match target {
        Target::Backend(b) => assert!((*b as usize) < n, "backend {b} of {n}"),
        Target::Weighted(w) => {
            assert_eq!(w.len(), n, "one weight per backend");
            if let Some(x) = w.iter().find(|x| !(x.is_finite() && **x >= 0.0)) {
                panic!("weight {}", trimmed(*x, 6));
            }
            assert!(w.iter().sum::<f64>() > 0.0, "a weight above 0");
        }
    }
}

/// A fraction in [0, 1) from a key: the same key, the same fraction
/// (SplitMix64's finaliser, so neighbouring keys spread evenly).
pub(crate) fn key_fraction(key: u64, salt: u64) -> f64 {
    let mut z = (key ^ salt).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// Salts that keep the weighted choice and the copy's draw independent.
const SPLIT_SALT: u64 = 0x5851_F42D_4C95_7F2D;
const MIRROR_SALT: u64 = 0x1405_7B7E_F767_814F;

/// How a copy's answer compared with the caller's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Matched,
    Mismatched,
    /// The caller ended without an answer of its own (its pod went away).
    Uncompared,
}

/// A copy out, and what is known of the two answers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Comparison {
    pub(crate) copy: ReqRef,
    pub(crate) weight: u32,
    primary: Option<Outcome>,
    shadow: Option<Outcome>,
    caller_gone: bool,
}

impl Comparison {
    /// True once the copy's answer (or its timeout) is in.
    pub(crate) fn shadow_known(&self) -> bool {
        self.shadow.is_some()
    }
}

/// The copies out, each in a slot whose generation tells a late timer from
/// a live one; at most `max` at once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Comparisons {
    slots: Vec<Option<Comparison>>,
    gens: Vec<u32>,
    free: Vec<u32>,
    open: usize,
    max: usize,
}

impl Comparisons {
    pub(crate) fn new(max: usize) -> Self {
        Comparisons {
            max,
            ..Comparisons::default()
        }
    }

    /// Copies out now.
    pub(crate) fn open(&self) -> usize {
        self.open
    }

    /// A slot for a new copy of `weight` and its generation, or `None` at
    /// the bound; [`set_copy`](Self::set_copy) names the copy once sent.
    pub(crate) fn start(&mut self, weight: u32) -> Option<(u32, u32)> {
        if self.open >= self.max {
            return None;
        }
        let c = Comparison {
            copy: ReqRef {
                idx: u32::MAX,
                gen: 0,
            },
            weight,
            primary: None,
            shadow: None,
            caller_gone: false,
        };
        self.open += 1;
        let slot = match self.free.pop() {
            Some(s) => {
                self.slots[s as usize] = Some(c);
                s
            }
            None => {
                self.slots.push(Some(c));
                self.gens.push(0);
                self.slots.len() as u32 - 1
            }
        };
        Some((slot, self.gens[slot as usize]))
    }

    /// Names the copy a slot waits for (once it exists).
    pub(crate) fn set_copy(&mut self, slot: u32, copy: ReqRef) {
        self.slots[slot as usize].as_mut().expect("open slot").copy = copy;
    }

    /// The comparison in `slot`, if it is still the one of generation `gen`.
    pub(crate) fn get(&self, slot: u32, gen: u32) -> Option<&Comparison> {
        (self.gens[slot as usize] == gen)
            .then(|| self.slots[slot as usize].as_ref())
            .flatten()
    }

    /// The caller's answer (`None`: the caller ended without one); the
    /// verdict and the copy's weight once both are known.
    pub(crate) fn primary(
        &mut self,
        slot: u32,
        outcome: Option<Outcome>,
    ) -> Option<(Verdict, u32)> {
        let c = self.slots[slot as usize].as_mut().expect("open slot");
        match outcome {
            Some(o) => c.primary = Some(o),
            None => c.caller_gone = true,
        }
        self.decide(slot)
    }

    /// The copy's answer (a timed-out wait is `Outcome::TimedOut`), ignored
    /// once one came; the verdict and the copy's weight once both are known.
    pub(crate) fn shadow(&mut self, slot: u32, outcome: Outcome) -> Option<(Verdict, u32)> {
        let c = self.slots[slot as usize].as_mut().expect("open slot");
        if c.shadow.is_some() {
            return None;
        }
        c.shadow = Some(outcome);
        self.decide(slot)
    }

    /// Closes the slot once both sides are known.
    fn decide(&mut self, slot: u32) -> Option<(Verdict, u32)> {
        let c = self.slots[slot as usize].expect("open slot");
        let verdict = match (c.primary, c.shadow, c.caller_gone) {
            (_, Some(_), true) => Verdict::Uncompared,
            (Some(p), Some(s), false) if p == s => Verdict::Matched,
            (Some(_), Some(_), false) => Verdict::Mismatched,
            _ => return None,
        };
        self.slots[slot as usize] = None;
        self.gens[slot as usize] = self.gens[slot as usize].wrapping_add(1);
        self.free.push(slot);
        self.open -= 1;
        Some((verdict, c.weight))
    }
}

#[derive(Clone, Debug)]
pub(crate) struct RouterMetrics {
    pub(crate) to: Vec<CounterId>,
    pub(crate) unrouted: CounterId,
    pub(crate) gone: CounterId,
    pub(crate) rule_backend: Vec<GaugeId>,
    pub(crate) sent: CounterId,
    pub(crate) skipped: CounterId,
    pub(crate) matched: CounterId,
    pub(crate) mismatched: CounterId,
    pub(crate) timed_out: CounterId,
    pub(crate) uncompared: CounterId,
    pub(crate) in_flight: GaugeId,
}

/// A router's live state: its table as it stands, and the copies out.
pub struct Router {
    pub(crate) spec: RouterSpec,
    pub(crate) comparisons: Comparisons,
    pub(crate) m: RouterMetrics,
}

impl Router {
    pub(crate) fn new(spec: RouterSpec, m: RouterMetrics) -> Self {
        spec.check();
        let comparisons = Comparisons::new(spec.max_mirrors);
        Router {
            spec,
            comparisons,
            m,
        }
    }

    /// The table as it stands (targets and mirrors change while running).
    pub fn spec(&self) -> &RouterSpec {
        &self.spec
    }

    /// Copies out now.
    pub fn mirrors_in_flight(&self) -> usize {
        self.comparisons.open()
    }

    /// The index of the path named `path`.
    pub fn path_index(&self, path: &str) -> Option<u16> {
        let i = self.spec.paths.iter().position(|p| p.path == path)?;
        Some(i as u16)
    }

    /// The index of the rule named `name`.
    pub fn rule_index(&self, name: &str) -> Option<usize> {
        self.spec.rules.iter().position(|r| r.name == name)
    }

    /// The first rule matching path `path` for a request asking for
    /// `version`.
    pub fn rule_for(&self, path: u16, version: Option<u16>) -> Option<usize> {
        let p = &self.spec.paths[path as usize].path;
        self.spec
            .rules
            .iter()
            .position(|r| p.starts_with(&r.prefix) && (r.version.is_none() || r.version == version))
    }

    /// The backend rule `rule` sends a request with `key` to.
    pub fn pick(&self, rule: usize, key: u64) -> u16 {
        match &self.spec.rules[rule].target {
            Target::Backend(b) => *b,
            Target::Weighted(w) => {
                let total: f64 = w.iter().sum();
                let mut x = key_fraction(key, SPLIT_SALT) * total;
                for (i, wi) in w.iter().enumerate() {
                    if x < *wi {
                        return i as u16;
                    }
                    x -= wi;
                }
                // Rounding at the very top: the last backend with a weight.
                w.iter().rposition(|x| *x > 0.0).expect("a weight above 0") as u16
            }
        }
    }

    /// The backend a copy of a request with `key`, routed to `backend` by
    /// rule `rule`, goes to, if it is copied.
    pub fn mirror_for(&self, rule: usize, backend: u16, key: u64) -> Option<u16> {
        let m = self.spec.rules[rule].mirror?;
        let copied = m.backend != backend
            && m.percent > 0.0
            && key_fraction(key, MIRROR_SALT) * 100.0 < m.percent;
        copied.then_some(m.backend)
    }

    /// The call serving path `path` at `backend`.
    pub fn call(&self, path: u16, backend: u16) -> &CallSpec {
        &self.spec.paths[path as usize].calls[backend as usize]
    }

    /// The handler a copy of path `path` runs at `backend`.
    pub fn shadow_handler(&self, path: u16, backend: u16) -> HandlerId {
        let p = &self.spec.paths[path as usize];
        p.shadow_handlers[backend as usize].unwrap_or(p.calls[backend as usize].handler)
    }

    /// The value of a rule's `backend` gauge: its backend, or −1 for weights.
    pub(crate) fn target_gauge(target: &Target) -> f64 {
        match target {
            Target::Backend(b) => *b as f64,
            Target::Weighted(_) => -1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::kernel::ids::ServiceId;

    fn router(rules: Vec<RouteRule>) -> Router {
        let call = |s: usize| CallSpec::new(ServiceId::new(s), HandlerId::new(s));
        let mut spec = RouterSpec::new("gw", &["old", "new"])
            .path(RoutePath::new("/stock", vec![call(0), call(1)]))
            .path(
                RoutePath::new("/orders/1", vec![call(0), call(1)])
                    .shadow_handler(1, HandlerId::new(9)),
            );
        spec.max_mirrors = 2;
        for r in rules {
            spec = spec.rule(r);
        }
        let m = RouterMetrics {
            to: Vec::new(),
            unrouted: CounterId(0),
            gone: CounterId(0),
            rule_backend: Vec::new(),
            sent: CounterId(0),
            skipped: CounterId(0),
            matched: CounterId(0),
            mismatched: CounterId(0),
            timed_out: CounterId(0),
            uncompared: CounterId(0),
            in_flight: GaugeId(0),
        };
        Router::new(spec, m)
    }

    #[test]
    fn the_first_rule_whose_prefix_and_version_match_decides() {
        let r = router(vec![
            RouteRule::new("orders-v2", "/orders", Target::Backend(1)).version(2),
            RouteRule::new("orders", "/orders", Target::Backend(0)),
            RouteRule::new("rest", "", Target::Backend(1)),
        ]);
        assert_eq!(r.rule_for(1, Some(2)), Some(0));
        assert_eq!(r.rule_for(1, Some(1)), Some(1));
        assert_eq!(r.rule_for(1, None), Some(1));
        assert_eq!(r.rule_for(0, Some(2)), Some(2));
        let only = router(vec![RouteRule::new(
            "orders",
            "/orders",
            Target::Backend(0),
        )]);
        assert_eq!(only.rule_for(0, None), None, "a 404");
    }

    #[test]
    fn weights_share_keys_out_and_a_key_always_goes_the_same_way() {
        let r = router(vec![RouteRule::new(
            "all",
            "",
            Target::Weighted(vec![3.0, 1.0]),
        )]);
        let n = 100_000;
        let new = (0..n).filter(|k| r.pick(0, *k) == 1).count() as f64;
        assert!((new / n as f64 - 0.25).abs() < 0.01, "{new}");
        assert!((0..1_000).all(|k| r.pick(0, k) == r.pick(0, k)));
        let none = router(vec![RouteRule::new(
            "all",
            "",
            Target::Weighted(vec![0.0, 1.0]),
        )]);
        assert!((0..1_000).all(|k| none.pick(0, k) == 1));
    }

    #[test]
    fn a_share_of_keys_is_copied_and_never_to_the_backend_routed_to() {
        let r = router(vec![
            RouteRule::new("all", "", Target::Backend(0)).mirror(1, 20.0)
        ]);
        let n = 100_000;
        let copied = (0..n).filter(|k| r.mirror_for(0, 0, *k) == Some(1)).count() as f64;
        assert!((copied / n as f64 - 0.2).abs() < 0.01, "{copied}");
        assert!((0..1_000).all(|k| r.mirror_for(0, 1, k).is_none()));
        // The copy's draw does not follow the weighted choice's.
        let w = router(vec![RouteRule::new(
            "all",
            "",
            Target::Weighted(vec![1.0, 1.0]),
        )
        .mirror(1, 50.0)]);
        let both = (0..n)
            .filter(|k| w.pick(0, *k) == 0 && w.mirror_for(0, 0, *k).is_some())
            .count();
        assert!((both as f64 / n as f64 - 0.25).abs() < 0.01, "{both}");
    }

    #[test]
    fn a_copy_runs_the_paths_shadow_handler_where_it_has_one() {
        let r = router(vec![]);
        assert_eq!(r.shadow_handler(1, 1), HandlerId::new(9));
        assert_eq!(r.shadow_handler(0, 1), HandlerId::new(1));
        assert_eq!(r.path_index("/orders/1"), Some(1));
    }

    #[test]
    fn answers_are_compared_once_both_are_in_whichever_comes_first() {
        let mut c = Comparisons::new(2);
        let (a, _) = c.start(1).unwrap();
        let (b, _) = c.start(1).unwrap();
        assert_eq!(c.start(1), None, "at most two out");
        assert_eq!(c.primary(a, Some(Outcome::Ok)), None);
        assert_eq!(c.shadow(a, Outcome::Error), Some((Verdict::Mismatched, 1)));
        assert_eq!(c.shadow(b, Outcome::Ok), None);
        assert_eq!(c.shadow(b, Outcome::Error), None, "the first answer counts");
        assert_eq!(c.primary(b, Some(Outcome::Ok)), Some((Verdict::Matched, 1)));
        assert_eq!(c.open(), 0);
        let (d, gen) = c.start(1).unwrap();
        c.set_copy(d, ReqRef { idx: 4, gen: 0 });
        assert_eq!(c.get(d, gen).unwrap().copy, ReqRef { idx: 4, gen: 0 });
        assert!(c.get(d, gen).is_some() && c.get(d, gen.wrapping_add(1)).is_none());
        assert_eq!(c.primary(d, None), None, "the copy is still out");
        assert_eq!(
            c.shadow(d, Outcome::TimedOut),
            Some((Verdict::Uncompared, 1))
        );
        assert!(
            c.get(d, gen).is_none(),
            "a late timer finds its slot closed"
        );
    }
}
