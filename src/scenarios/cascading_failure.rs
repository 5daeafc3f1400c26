//! `cascading-failure` (story 162): a hung image resizer takes every Tomcat
//! thread of the Core API, and login dies with it — unless timeouts, a circuit
//! breaker or a bulkhead stop the spread.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - Core API: one pod with 200 worker threads and an accept queue of 100, as a
//!   default Tomcat (`maxThreads=200`, `acceptCount=100`). Login: median 15 ms.
//!   Profile page: 2 ms of work, a synchronous call to the resizer, 10 ms more.
//! - Image Resizer: 64 workers, median 40 ms a resize. At t = 60 s it hangs
//!   (a bad library update): every resize blocks for ever.
//! - Traffic: 100 logins/s and 150 profile pages/s. Browsers give up after 10 s.
//!   150/s × 2 s = 300 threads wanted with a 2 s timeout, more than 200: the
//!   timeout alone cannot keep up with this load.
//! - Bulkhead: the resizer calls run on a pool of 10 threads with a queue of 20
//!   inside the Core API (Resilience4j `ThreadPoolBulkhead`-style); normal load
//!   needs about 7.
//! - Breaker (workshop values, Resilience4j semantics): count window 20, at
//!   least 10 calls, opens at 50 % failures or 100 % calls slower than 1 s,
//!   10 s open, 3 probes. A breaker only learns from calls that end, so it comes
//!   with a 1 s time limiter (`cb_time_limit_ms`, as Spring Cloud CircuitBreaker
//!   wraps Resilience4j by default); with both a timeout and the limiter, the
//!   shorter one cuts the call.

use crate::sim::{
    BreakerId, CallSpec, ClientSpec, Dist, Handler, HandlerId, PoolSpec, ServiceId, ServiceSpec,
    Span, Step, World, MS, SEC,
};

use super::breaker_params::{self, WindowKind};
use super::figures::{bucket_at, outcome_names, quantile_ms, series_max, share_between};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

/// When the resizer hangs.
const FAULT_S: u64 = 60;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::number("timeout_ms", "Resizer call timeout", "ms", 2000.0, 1.0, 60_000.0, "How long a Core API thread waits for the resizer; off waits for ever.").or_off(true),
    ParamSpec::switch("circuit_breaker", "Circuit breaker", false, "Resizer calls pass a circuit breaker (with a time limiter): once it opens they fail at once."),
    ParamSpec::switch("bulkhead", "Bulkhead", false, "Resizer calls run on their own pool of 10 threads (queue 20) instead of on the 200 Tomcat threads."),
    breaker_params::failure_rate(50.0),
    breaker_params::window(WindowKind::Calls, 20.0, 1_000.0),
    breaker_params::min_calls(10.0, 1_000.0),
    breaker_params::open_s(10.0),
    breaker_params::half_open_calls(3.0, 100.0),
    breaker_params::slow_call_ms(1000.0),
    ParamSpec::number("cb_time_limit_ms", "Breaker time limiter", "ms", 1000.0, 1.0, 120_000.0, "With the breaker on, calls are cut off after this long and count as failures; off: a hung call never reaches the breaker.").or_off(false).advanced(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: no timeout, no breaker, no bulkhead. The image resizer hangs at 60 s.",
        "Threads busy and login success.",
        "Login never touches the resizer. Does it care?",
        "Within seconds all 200 threads wait on the resizer, the accept queue fills, and login success falls to zero: the failure cascades through a shared thread pool.",
        300.0,
    )
    .choices(&["No: login has nothing to do with images", "Yes: login success falls to almost zero", "Login slows down a little"], 1)
    .expect("login_success_after_fault", 0.0, 0.1),
    GuidedStep::new(
        "Set Resizer call timeout to 2000 ms, from the start.",
        "Threads busy and login success after 60 s.",
        "Threads are freed after 2 s now. Is login safe?",
        "Only partly: 150 profile pages a second holding a thread for 2 s want 300 threads. The pool stays full, the queue overflows, and about a third of logins are turned away.",
        300.0,
    )
    .choices(&["Yes, fully", "Only partly: about a third of logins are turned away", "No: nothing changes"], 1)
    .set(&[("timeout_ms", "2000")])
    .expect("login_success_after_fault", 0.4, 0.9),
    GuidedStep::new(
        "Turn the Bulkhead on, with no Resizer call timeout.",
        "Threads busy per pool and login success.",
        "The resizer still hangs. What happens to login?",
        "Login stays at 100 %: the resizer can take only the 10 bulkhead threads and the 20 calls queued for them, and every other image request is refused at once.",
        300.0,
    )
    .choices(&["It falls to zero as before", "It stays at 100 %", "Half of logins fail"], 1)
    .set(&[("bulkhead", "on")])
    .expect("login_success_after_fault", 0.98, 1.0),
    GuidedStep::new(
        "Turn the Circuit breaker on, with the Bulkhead off.",
        "The breaker band and image request latency.",
        "How long does an image request take to fail once the breaker is open?",
        "About 2 ms, the page's own work, instead of a thread held for a second: the breaker refuses without calling. Every 10 s three probes test the resizer, fail, and the breaker opens again.",
        300.0,
    )
    .choices(&["About 1 s, the time limit", "About 2 ms", "It never fails"], 1)
    .set(&[("circuit_breaker", "on")])
    .expect("image_fail_fast_p50_ms", 0.5, 5.0)
    .charts(&["Resizer breaker state", "Image request latency"]),
    GuidedStep::new(
        "Keep the Circuit breaker on and set Breaker time limiter to off.",
        "The breaker band.",
        "Will the breaker still open?",
        "Never: a call to a hung service never ends, so the breaker never sees a failure. A breaker needs a timeout to learn from.",
        300.0,
    )
    .choices(&["Yes, as before", "Never", "Only once"], 1)
    .set(&[("circuit_breaker", "on"), ("cb_time_limit_ms", "off")])
    .expect("breaker_opened", 0.0, 0.0)
    .charts(&["Resizer breaker state", "Image request latency"]),
];

fn charts() -> Vec<ChartSpec> {
    let (login_ok, login_all) = outcome_names("login");
    let (profile_ok, profile_all) = outcome_names("profile");
    vec![
        ChartSpec {
            title: "Login success rate",
            unit: "share of logins",
            lines: vec![
                line("login", SeriesExpr::Ratio(login_ok, login_all)),
                line("profile pages", SeriesExpr::Ratio(profile_ok, profile_all)),
            ],
        },
        ChartSpec {
            title: "Threads busy per pool",
            unit: "threads",
            lines: vec![
                line(
                    "Tomcat (200)",
                    SeriesExpr::Plain("core-api.pool.workers.busy".into()),
                ),
                line(
                    "resizer bulkhead (10)",
                    SeriesExpr::Plain("core-api.pool.resizer-bulkhead.busy".into()),
                ),
                line("accept queue", SeriesExpr::Plain("core-api.queued".into())),
            ],
        },
        ChartSpec {
            title: "Resizer breaker state",
            unit: "state",
            // The worst state in each bucket, so a short opening still shows.
            lines: vec![line(
                "breaker",
                SeriesExpr::State(
                    "resizer-breaker.state.max".into(),
                    &[(0, "closed"), (1, "half-open"), (2, "open")],
                ),
            )],
        },
        ChartSpec {
            title: "Image request latency",
            unit: "ms",
            lines: vec![
                line("p50", SeriesExpr::Plain("profile.latency.p50".into())),
                line("p99", SeriesExpr::Plain("profile.latency.p99".into())),
                line(
                    "failures p50",
                    SeriesExpr::Plain("profile.error_latency.p50".into()),
                ),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    (
        "login_success_after_fault",
        "Logins that succeed after the fault",
    ),
    ("image_fail_fast_p50_ms", "Failed image calls, p50"),
    ("max_threads_busy", "Most Tomcat threads busy"),
    (
        "login_success_before_fault",
        "Logins that succeed before the fault",
    ),
    (
        "image_success_after_fault",
        "Image calls that succeed after the fault",
    ),
    ("breaker_opened", "Times the breaker opened"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "cascading-failure",
    title: "Cascading failure",
    story: Some(162),
    lesson: "timeouts, circuit breaker and bulkhead keep login alive",
    narrative: "The Core API runs on 200 Tomcat threads and serves logins and profile pages. \
        Profile pages ask the Image Resizer for a thumbnail and wait for the answer. One minute in, \
        a bad library update makes the resizer hang. Nothing about login changed, yet login dies: \
        every thread ends up waiting on the resizer. A timeout frees threads, a bulkhead fences the \
        resizer calls into a pool of their own, and a circuit breaker stops calling a service that \
        is plainly down — failing image requests in milliseconds so that everything else lives.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 300.0,
    speed: 5.0,
    bucket_ms: 1_000,
    build,
};

struct CascadeModel {
    world: World,
    breaker: BreakerId,
    profile: HandlerId,
    proxy: HandlerId,
    resizer: ServiceId,
    resize: HandlerId,
    core: ServiceId,
}

impl CascadeModel {
    /// The call to the resizer with the timeout and breaker the parameters ask for.
    fn resizer_call(&self, p: &Params) -> CallSpec {
        let mut call = CallSpec::new(self.resizer, self.resize);
        let limiter = if p.on("circuit_breaker") {
            call = call.breaker(self.breaker);
            p.num("cb_time_limit_ms")
        } else {
            None
        };
        let t = match (p.num("timeout_ms"), limiter) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        call.timeout_us = t.map(|ms| (ms * MS as f64) as u64);
        call
    }

    /// Points the profile page at the resizer, directly or through the bulkhead.
    fn wire(&mut self, p: &Params) {
        let call = self.resizer_call(p);
        self.world
            .set_steps(self.proxy, vec![Step::Call(call.clone())]);
        let to_resizer = if p.on("bulkhead") {
            Step::Call(CallSpec::new(self.core, self.proxy).in_caller_pod())
        } else {
            Step::Call(call)
        };
        self.world.set_step(self.profile, 1, to_resizer);
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let core = world.add_service(
        ServiceSpec::new("core-api", 1, 200)
            .queue_cap(100)
            .pool(PoolSpec::new("resizer-bulkhead", 10).queue_cap(20)),
    );
    let resizer = world.add_service(ServiceSpec::new("image-resizer", 1, 64));
    let resize = world.add_handler(Handler::new(
        "resize",
        resizer,
        vec![Step::Work(Dist::LogNormal {
            median_ms: 40.0,
            sigma: 0.5,
        })],
    ));
    let login = world.add_handler(Handler::new(
        "login",
        core,
        vec![Step::Work(Dist::LogNormal {
            median_ms: 15.0,
            sigma: 0.5,
        })],
    ));
    let proxy = world.add_handler(Handler::new("resizer-call", core, vec![]).on_pool(1));
    let profile = world.add_handler(Handler::new(
        "profile",
        core,
        vec![
            Step::Work(Dist::Exponential { mean_ms: 2.0 }),
            Step::Call(CallSpec::new(resizer, resize)),
            Step::Work(Dist::LogNormal {
                median_ms: 10.0,
                sigma: 0.5,
            }),
        ],
    ));
    let breaker = world.add_breaker(breaker_params::spec(
        p,
        "resizer-breaker",
        WindowKind::Calls,
    ));
    world.add_client(ClientSpec::new("login", 100.0, core, login).timeout_us(10 * SEC));
    world.add_client(ClientSpec::new("profile", 150.0, core, profile).timeout_us(10 * SEC));
    world.at(
        FAULT_S * SEC,
        "image resizer hangs",
        Box::new(move |w: &mut World| w.set_steps(resize, vec![Step::Hang])),
    );
    let mut m = CascadeModel {
        world,
        breaker,
        profile,
        proxy,
        resizer,
        resize,
        core,
    };
    m.wire(p);
    Box::new(m)
}

impl Model for CascadeModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        if breaker_params::is_breaker_param(name) {
            self.world.set_breaker(
                self.breaker,
                breaker_params::spec(p, "resizer-breaker", WindowKind::Calls),
            );
        } else {
            // timeout_ms, circuit_breaker, bulkhead, cb_time_limit_ms: the calls
            // made from now on follow the new wiring.
            self.wire(p);
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let fault = bucket_at(v, FAULT_S * SEC);
        let now = v.buckets_closed();
        let (ok, all) = outcome_names("login");
        let (pok, pall) = outcome_names("profile");
        vec![
            (
                "login_success_after_fault",
                share_between(v, &ok, &all, fault, now),
            ),
            (
                "image_fail_fast_p50_ms",
                quantile_ms(v, "profile.error_latency", 0.5),
            ),
            (
                "max_threads_busy",
                series_max(v, "core-api.pool.workers.busy.max"),
            ),
            (
                "login_success_before_fault",
                share_between(v, &ok, &all, 0, fault),
            ),
            (
                "image_success_after_fault",
                share_between(v, &pok, &pall, fault, now),
            ),
            (
                "breaker_opened",
                Some(v.counter_total("resizer-breaker.opened")),
            ),
        ]
    }
}
