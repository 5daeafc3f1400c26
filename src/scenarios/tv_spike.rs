//! `tv-spike` (story 161): traffic rises 50× in under a minute; new pods take
//! three minutes; shed load at the edge while the autoscaler catches up.
//!
//! System: visitors reach the site through a CDN. Nineteen in twenty open the
//! home page, the rest another page; both are rendered by the web pods, and
//! both show a dynamic "Recommended Products" widget whose queries are the main
//! source of database calls. Each web pod has a small pool of database
//! connections (HikariCP-style, reached with a call kept in the pod), so
//! threads queue for a connection when the widget's queries pile up. The web
//! tier scales on the request rate the CDN sees (an external metric), and a
//! new pod takes three minutes to be ready.
//!
//! Load shedding is two feature flags driven by a flag controller: while the
//! web pods' connection queue is long it turns `static_home` on (the CDN keeps
//! a copy of the home page for a minute and answers from it) and `widget` off;
//! once no pod is still starting, the ready pods are enough for the traffic the
//! CDN sees, and the queues have stayed short for a minute, it turns them back.
//! A scheduled pre-warm raises the autoscaler's minimum four minutes before
//! the (known) broadcast.
//!
//! Calibration (chosen once for the story, then left to the mechanism):
//! - traffic: 6 rps before the spike (95 % home page), rising to
//!   `spike_factor`× (50×: 300 rps) over 30 s from t = 300 s and staying
//!   there; visitors give up after 10 s;
//! - CDN: a cache keyed by page, answering a copy of the home page
//!   (100 kB) in ≈ 6 ms, TTL 60 s;
//! - web pod: 2 cores (processor sharing), 10 ms of CPU per page, 50 threads
//!   with 100 queued at most, 4 database connections (Hikari's
//!   2 × cores + spindles, with the data in memory); a thread waits 3 s at most
//!   for its data;
//! - data per page: one product query (1 ms of database CPU) and, with the
//!   widget, the recommendations: one 80 ms query and three 12 ms look-ups
//!   (N + 1). A connection is held ≈ 122 ms with the widget and ≈ 2 ms
//!   without, so a pod serves ≈ 33 pages a second with the widget and
//!   hundreds without;
//! - database: 64 vCPUs, 200 connections, 1 ms round trips: at 50× with the
//!   widget it is a little over half busy, so pods, not the database, are what
//!   runs out;
//! - autoscaler: 25 rps per pod at the CDN, averaged over a minute as a
//!   metrics pipeline would; 2 to 20 pods, Kubernetes' default sync (15 s) and
//!   rate limits; pods ready after 180 s; the pre-warm asks for 12 pods at
//!   t = 60 s.

use crate::sim::kernel::time::{as_secs, Micros};
use crate::sim::{
    AutoscalerId, CacheSpec, CallSpec, ClientSpec, Cond, DataAccess, DatabaseSpec, Discipline,
    Dist, FlagControllerId, FlagControllerSpec, FlagId, Handler, HpaMetric, HpaSpec, KeySpec,
    PoolSpec, Query, RateProfile, ServiceSpec, Signal, Span, Step, World, MS, SEC,
};

use super::figures::{
    bucket_at, client_series, closed_until, failure_share_between, peak_rate_between, ENDED, FAILED,
};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const BASE_RPS: f64 = 6.0;
const HOME_SHARE: f64 = 0.95;
const SPIKE_AT_S: u64 = 300;
const SPIKE_RISE_S: u64 = 30;
const PREWARM_AT_S: u64 = 60;
const PREWARM_PODS: u32 = 12;
const WEB_MIN_PODS: u32 = 2;
const WEB_MAX_PODS: u32 = 20;
const PER_POD_RPS: f64 = 25.0;
const STARTUP_S: u64 = 180;
const HOME_PAGE: u64 = 1;
/// The visitors' client populations: the home page and the other pages.
const VISITORS: [&str; 2] = ["home", "pages"];
/// The window of the first-minutes figures, from the spike's start.
const WINDOW_S: u64 = 300;
const DB_CONNECTIONS_PER_POD: u32 = 4;
/// How long the queues must stay short, with no pod starting, before the
/// features come back.
const RESTORE_AFTER_S: u64 = 60;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::switch("load_shedding", "Load shedding", false, "Under pressure, serve the home page from the CDN's cache and turn the Recommended Products widget off; turn both back once capacity has caught up."),
    ParamSpec::switch("scheduled_prewarm", "Scheduled pre-warm", false, "Raise the autoscaler's minimum to 12 pods four minutes before the broadcast (t = 60 s); switched on later, from then on."),
    ParamSpec::switch("hpa", "Autoscaler", true, "Scale the web pods on the request rate seen at the CDN (25 rps per pod, 2–20 pods); new pods take 3 minutes."),
    ParamSpec::number("spike_factor", "Spike", "×", 50.0, 10.0, 60.0, "How many times the usual traffic the broadcast brings, reached 30 s after t = 300 s; changed while running, the traffic moves to the new profile at once.").advanced(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: the broadcast at 300 s brings 50 times the traffic within 30 s.",
        "Ready pods, the error rate and the database-connection queue.",
        "The autoscaler reacts within 15 s. How much of the first five minutes goes wrong?",
        "About half: the autoscaler asks for 12 pods within 75 s, but they need 180 s to start; meanwhile two pods' connection pools queue every thread and many visitors get an error.",
        900.0,
    )
    .choices(&["Almost nothing: 15 s is quick", "About half of all requests fail", "Everything, for the whole broadcast"], 1)
    .expect("error_rate_first_5min", 0.35, 0.75)
    .charts(&["Web pods", "Error rate"]),
    GuidedStep::new(
        "Turn Load shedding on.",
        "Database calls per second and the features band.",
        "What happens to the database calls when the widget goes?",
        "They fall by over 90 %: the home page comes from the CDN and the other pages skip the recommendation queries. Errors stay near zero, and the autoscaler still sees the whole traffic at the CDN.",
        900.0,
    )
    .choices(&["They fall by over 90 %", "They stay the same", "They double"], 0)
    .set(&[("load_shedding", "on")])
    .expect("db_calls_per_s_peak", 0.0, 60.0)
    .charts(&["DB calls per second", "Features"]),
    GuidedStep::new(
        "Keep Load shedding on and watch the features band once the new pods are ready.",
        "When the widget comes back, and the database calls then.",
        "Who turns the widget back on, and when?",
        "The flag controller, about five minutes after the broadcast: once no pod is still starting, the ready pods are enough for the traffic at the CDN, and the queues have stayed short for a minute.",
        900.0,
    )
    .choices(&["Nobody: an operator must", "The flag controller, about five minutes after the broadcast", "It never went off"], 1)
    .set(&[("load_shedding", "on")])
    .expect("widget_restored_s", 200.0, 450.0)
    .charts(&["DB calls per second", "Features"]),
    GuidedStep::new(
        "Turn Load shedding off and Scheduled pre-warm on.",
        "Ready pods before the broadcast, and the error rate.",
        "What does knowing the broadcast time buy?",
        "Everything: twelve pods are ready a minute before the spike, so there is no error burst at all and the widget never has to go.",
        900.0,
    )
    .choices(&["Nothing: the autoscaler was fast enough", "Everything: no error burst at all", "Half the errors"], 1)
    .set(&[("scheduled_prewarm", "on")])
    .expect("error_rate_first_5min", 0.0, 0.02)
    .charts(&["Web pods", "Error rate"]),
];

fn charts() -> Vec<ChartSpec> {
    let per_s = |n: &str| SeriesExpr::PerSecond(n.to_string());
    let plain = |n: &str| SeriesExpr::Plain(n.to_string());
    vec![
        ChartSpec {
            title: "Traffic",
            unit: "req/s",
            lines: vec![
                line("home page", per_s("home.arrived")),
                line("other pages", per_s("pages.arrived")),
                line("answered by the CDN", per_s("cdn.hits")),
            ],
        },
        ChartSpec {
            title: "Web pods",
            unit: "pods",
            lines: vec![
                line("ready", plain("web.pods_ready")),
                line("starting", plain("web.pods_starting")),
                line("desired", plain("web.hpa_desired")),
            ],
        },
        ChartSpec {
            title: "Error rate",
            unit: "share",
            lines: vec![line(
                "errors, rejections and timeouts",
                SeriesExpr::Ratio(
                    client_series(&VISITORS, &FAILED),
                    client_series(&VISITORS, &ENDED),
                ),
            )],
        },
        ChartSpec {
            title: "DB calls per second",
            unit: "queries/s",
            lines: vec![line("queries", per_s("db.queries"))],
        },
        ChartSpec {
            title: "Waiting in the web pods",
            unit: "requests",
            lines: vec![
                line(
                    "queued for a thread or a DB connection",
                    plain("web.queued"),
                ),
                line(
                    "DB connections in use",
                    plain("web.pool.db-connections.busy"),
                ),
            ],
        },
        ChartSpec {
            title: "Features",
            unit: "state",
            lines: vec![
                line(
                    "Recommended Products widget",
                    SeriesExpr::State("flag.widget".into(), &[(1, "on"), (0, "off")]),
                ),
                line(
                    "static home page at the CDN",
                    SeriesExpr::State("flag.static_home".into(), &[(0, "off"), (1, "on")]),
                ),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    (
        "error_rate_first_5min",
        "Errors, first 5 minutes of the spike",
    ),
    ("db_calls_per_s_peak", "Database calls, peak"),
    ("widget_restored_s", "Widget back after"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "tv-spike",
    title: "A TV spike",
    story: Some(161),
    lesson: "shed load at the edge while the autoscaler catches up",
    narrative: "The shop is featured on national television and traffic rises fifty-fold in under \
        a minute. The autoscaler notices within half a minute, but a new pod needs three minutes to \
        start, and meanwhile every page runs the expensive Recommended Products queries: the few \
        pods there are queue their threads for database connections and most visitors get \
        errors. Load shedding buys the time: the CDN answers the home page from a cached copy \
        and a feature flag turns the widget off, so the database calls all but stop. When the \
        new pods are ready and the queues have stayed short, a flag controller brings the \
        widget back. Knowing the broadcast time is better still: a scheduled pre-warm has the \
        pods ready before anyone tunes in.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 900.0,
    speed: 5.0,
    bucket_ms: 5_000,
    build,
};

struct TvModel {
    world: World,
    hpa: AutoscalerId,
    shedder: FlagControllerId,
    widget: FlagId,
    spike_at_us: Micros,
}

/// 1× until the broadcast, then `spike_factor`× 30 s later, for good.
fn spike_profile(p: &Params) -> RateProfile {
    RateProfile::points(vec![
        (0, 1.0),
        (SPIKE_AT_S * SEC, 1.0),
        ((SPIKE_AT_S + SPIKE_RISE_S) * SEC, p.f("spike_factor")),
    ])
}

fn prewarm(p: &Params, now: Micros) -> Vec<(Micros, u32)> {
    if p.on("scheduled_prewarm") {
        vec![((PREWARM_AT_S * SEC).max(now), PREWARM_PODS)]
    } else {
        Vec::new()
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let db = world.add_database(
        DatabaseSpec::new("db", 64).max_connections(200).rtt_us(MS),
        0,
    );
    let cdn = world.add_service(ServiceSpec::new("cdn", 1, 100_000));
    let web = world.add_service(
        ServiceSpec::new("web", WEB_MIN_PODS, 50)
            .queue_cap(100)
            .pool(PoolSpec::new("db-connections", DB_CONNECTIONS_PER_POD))
            .cpu(2, Discipline::ProcessorSharing),
    );
    world.set_startup(web, STARTUP_S * SEC);
    let widget = world.add_flag("widget", true);
    let static_home = world.add_flag("static_home", false);
    // The page's data, on one of the pod's connections.
    let data = world.add_handler(
        Handler::new(
            "data",
            web,
            vec![
                Step::Db(DataAccess::one(db, Query::read(1.0, 20.0))),
                Step::WhenFlag {
                    flag: widget,
                    steps: 1,
                },
                Step::Db(DataAccess::n_plus_one(
                    db,
                    Query::read(80.0, 50_000.0),
                    Query::read(12.0, 1_000.0),
                    3,
                )),
            ],
        )
        .on_pool(1),
    );
    let render = world.add_handler(Handler::new(
        "render",
        web,
        vec![
            Step::Call(CallSpec::new(web, data).in_caller_pod().timeout_us(3 * SEC)),
            Step::Cpu(Dist::Exponential { mean_ms: 10.0 }),
        ],
    ));
    // The CDN's copy: 5 ms to answer at the edge, a home page of 100 kB.
    let cache = world.add_cache(CacheSpec::new("cdn", 16).ttl_us(60 * SEC).rtt_us(5 * MS));
    let home_at_edge = world.add_handler(Handler::new(
        "home",
        cdn,
        vec![
            // Only while the static page is on: a fresh copy skips the rest.
            Step::WhenFlag {
                flag: static_home,
                steps: 1,
            },
            Step::CacheLookup {
                cache,
                miss_steps: 3,
            },
            Step::Call(CallSpec::new(web, render)),
            Step::WhenFlag {
                flag: static_home,
                steps: 1,
            },
            Step::CacheStore {
                cache,
                value_bytes: 100_000,
            },
        ],
    ));
    let page_at_edge = world.add_handler(Handler::new(
        "page",
        cdn,
        vec![Step::Call(CallSpec::new(web, render))],
    ));
    let spike_at_us = SPIKE_AT_S * SEC;
    let profile = spike_profile(p);
    // A request's key is the page it asks for: the one home page, or one of
    // many product pages.
    for (name, handler, share, keys) in [
        ("home", home_at_edge, HOME_SHARE, KeySpec::Fixed(HOME_PAGE)),
        (
            "pages",
            page_at_edge,
            1.0 - HOME_SHARE,
            KeySpec::Uniform { keys: 10_000 },
        ),
    ] {
        world.add_client(
            ClientSpec::new(name, BASE_RPS * share, cdn, handler)
                .profile(profile.clone())
                .timeout_us(10 * SEC)
                .keys(keys),
        );
    }
    world.at(
        spike_at_us,
        "on national television",
        Box::new(|_: &mut World| {}),
    );
    let mut hpa = HpaSpec::new(web, WEB_MIN_PODS, WEB_MAX_PODS, 0.6);
    hpa.metric = HpaMetric::RequestRate {
        counters: vec!["home.arrived".into(), "pages.arrived".into()],
        window_us: 60 * SEC,
        per_pod_rps: PER_POD_RPS,
    };
    hpa.scheduled_min = prewarm(p, 0);
    hpa.enabled = p.on("hpa");
    let hpa = world.add_autoscaler(hpa);
    let conn_queue = Signal::QueuedPerPod {
        service: web,
        pool: 1,
    };
    let thread_queue = Signal::QueuedPerPod {
        service: web,
        pool: 0,
    };
    let shedder = world.add_flag_controller(FlagControllerSpec {
        name: "load-shedding".into(),
        flags: vec![(widget, false), (static_home, true)],
        shed_when: vec![
            Cond::Above(conn_queue, 10.0),
            Cond::Above(
                Signal::OldestWaitMs {
                    service: web,
                    pool: 1,
                },
                500.0,
            ),
        ],
        restore_when: vec![
            Cond::AtMost(Signal::PodsStarting { service: web }, 0.0),
            // Enough ready pods for all the traffic the CDN sees, with room.
            Cond::AtMost(
                Signal::RatePerReadyPod {
                    counted_at: cdn,
                    pods_of: web,
                },
                1.2 * PER_POD_RPS,
            ),
            Cond::AtMost(conn_queue, 1.0),
            Cond::AtMost(thread_queue, 1.0),
        ],
        restore_after_us: RESTORE_AFTER_S * SEC,
        period_us: SEC,
        enabled: p.on("load_shedding"),
    });
    Box::new(TvModel {
        world,
        hpa,
        shedder,
        widget,
        spike_at_us,
    })
}

impl Model for TvModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        let now = self.world.now();
        match name {
            "load_shedding" => self
                .world
                .set_flag_controller_enabled(self.shedder, p.on("load_shedding")),
            "scheduled_prewarm" => self
                .world
                .set_autoscaler_schedule(self.hpa, prewarm(p, now)),
            "hpa" => self.world.set_autoscaler_enabled(self.hpa, p.on("hpa")),
            "spike_factor" => {
                let profile = spike_profile(p);
                for c in self.world.client_ids() {
                    self.world.set_client_profile(c, profile.clone());
                }
            }
            _ => {}
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        // The first minutes from the spike's start, or what has run of them.
        let from = bucket_at(v, self.spike_at_us);
        let to = bucket_at(v, closed_until(v).min(self.spike_at_us + WINDOW_S * SEC));
        let error_rate = failure_share_between(
            v,
            &client_series(&VISITORS, &FAILED),
            &client_series(&VISITORS, &["ok"]),
            from,
            to,
        );
        // The DB figure looks at the crisis itself: from the moment traffic
        // reaches its peak, for one pod start-up time, the span in which no new
        // pod can help and only shedding can.
        let crisis_from = self.spike_at_us + SPIKE_RISE_S * SEC;
        let crisis_to = closed_until(v).min(crisis_from + STARTUP_S * SEC);
        let db_peak = peak_rate_between(
            v,
            "db.queries",
            bucket_at(v, crisis_from),
            bucket_at(v, crisis_to),
        );
        // A state figure, the same over any span: the widget is restored if
        // it is on now and last changed after the spike began (it had been
        // shed during the spike).
        let flag = &self.world.flag(self.widget);
        let restored = match flag.changed_at_us() {
            Some(t) if flag.is_on() && t >= self.spike_at_us => Some(as_secs(t - self.spike_at_us)),
            _ => None,
        };
        vec![
            ("error_rate_first_5min", error_rate),
            ("db_calls_per_s_peak", db_peak),
            ("widget_restored_s", restored),
        ]
    }
}
