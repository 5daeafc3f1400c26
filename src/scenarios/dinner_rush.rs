//! `dinner-rush` (story 154): a food-delivery monolith takes ten times its
//! traffic at 6 PM. Read replicas, a bigger primary, an autoscaler and
//! stateless pods each remove one bottleneck.
//!
//! Assembly: diners' requests (90 % menu reads, 10 % order writes) reach a
//! `web` service of Node.js-style pods behind a round-robin balancer. Each pod
//! is one event loop: a single FIFO core (`ServiceSpec::cpu`) in front of many
//! connection slots, so database waits overlap but JavaScript does not. Every
//! request runs 15 ms of CPU, one query, 10 ms of CPU. Sessions live either in
//! the pod's memory (the balancer must stick a user to the pod that logged
//! them in) or in Redis (any pod; one Redis lookup per request). PostgreSQL has
//! a primary and up to three read replicas; reads go to replicas when there are
//! any. An optional Kubernetes autoscaler watches the pods' CPU.
//!
//! Calibration, once, to the story (17:00 is t = 0; the run ends at 20:30):
//! - traffic: 110 requests/s at 1× (17:00–17:30), rising to 10× at 18:00,
//!   holding until 19:00, back to 1× by 20:00; diners' sessions last 20
//!   minutes on average and send 60 requests;
//! - pods: 25 ms of CPU per request, so 1× needs 2.75 cores and 10× needs 27.5:
//!   five pods at 55 % before the rush; at a 60 % target about 46 at the peak;
//!   a new pod is ready 45 s after it is asked for; at most 1,000 requests in a
//!   pod at once (more are refused with a 503);
//! - database: a menu read costs 12 ms of CPU, an order write 10 ms; 1× is 1.3
//!   cores, 10× is 13: too much for 4 or 8 vCPUs, fine for 16 or for replicas;
//!   300 connections per node, 5 s to get one, 1 ms round trips; a replica
//!   replays a write for 30 % of its cost, 5 ms after commit;
//! - diners give up after 10 s.
//!
//! Every simulated request is one real request (about 6 million in the 3.5-hour
//! evening). A weighted request, standing for several, would reach a pod's one
//! core as a batch and wait behind its own copies, so its latency would grow
//! with the weight: this scenario does not weight its requests.

use crate::sim::{
    cache_aside, AutoscalerId, CacheId, CacheSpec, ClientId, ClientSpec, DataAccess, DatabaseId,
    DatabaseSpec, Discipline, Dist, Handler, HandlerId, HpaSpec, KeySpec, Query, RateProfile,
    ServiceId, ServiceSpec, SessionSpec, Span, Step, StickySpec, World, HOUR, MIN, MS, SEC,
};

use super::figures::{
    buckets_in, client_series, peak_period_mean, worst_share_per_period, Outcomes, ENDED, FAILED,
};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("db_vcpu", "Primary vCPUs", &["4", "8", "16"], "4", "vCPUs of the PostgreSQL primary and of each replica (vertical scaling)."),
    ParamSpec::number("read_replicas", "Read replicas", "", 0.0, 0.0, 3.0, "Read replicas; menu reads go to them, order writes stay on the primary.").integer(),
    ParamSpec::switch("hpa", "Autoscaler", false, "on: a Horizontal Pod Autoscaler sizes the web tier by CPU; off: a fixed hpa_min_pods pods."),
    ParamSpec::choice(
        "sessions",
        "Sessions",
        &["in_memory_sticky", "redis"],
        "in_memory_sticky",
        "in_memory_sticky: sessions in pod memory, users pinned to their pod; redis: sessions in Redis, any pod serves anyone.",
    ),
    ParamSpec::number("hpa_target_cpu", "Autoscaler target CPU", "%", 60.0, 10.0, 95.0, "The pods' average CPU the autoscaler aims for, measured exactly (Kubernetes truncates it to a whole percent first).").advanced(),
    ParamSpec::number("hpa_min_pods", "Minimum pods", "pods", 5.0, 1.0, 50.0, "Pods before the rush, and the autoscaler's minimum.").integer().advanced(),
    ParamSpec::number("hpa_max_pods", "Maximum pods", "pods", 60.0, 1.0, 200.0, "The autoscaler's maximum.").integer().advanced(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: five pods, 4 Primary vCPUs, no Read replicas, the Autoscaler off.",
        "The error rate and pod CPU from 17:30 (t = 1,800 s).",
        "Traffic grows tenfold by 18:00. Where does it break first?",
        "At the pods: by 17:35 traffic is already twice what five event loops can do, and from then until 20:00 nearly every request fails.",
        7200.0,
    )
    .choices(&["At the database primary", "At the five pods", "Nowhere: five pods are enough"], 1)
    .expect("peak_error_rate", 0.9, 1.0)
    .charts(&["Error rate", "Pod CPU"]),
    GuidedStep::new(
        "Set Primary vCPUs to 16 and Read replicas to 3.",
        "Primary and replica CPU, and the error rate.",
        "Nine requests in ten are menu reads. Are the errors gone?",
        "Reads land on the replicas and the primary keeps only the orders, but the errors stay high while the database is barely busy: the five event loops are still the bottleneck.",
        7200.0,
    )
    .choices(&["Yes: the database was the bottleneck", "No: the five pods still are", "They get worse"], 1)
    .set(&[("db_vcpu", "16"), ("read_replicas", "3")])
    .expect("peak_error_rate", 0.9, 1.0)
    .charts(&["Database CPU", "Error rate"]),
    GuidedStep::new(
        "Keep 16 Primary vCPUs and 3 Read replicas, and turn the Autoscaler on (Sessions still in_memory_sticky).",
        "Pods, and the hottest against the coolest pod's CPU.",
        "The autoscaler adds dozens of pods. Are the errors gone?",
        "Far from it: diners who logged in on the first pods stay pinned there. Old pods burn at 100 % while new ones idle, and the average hides it.",
        7200.0,
    )
    .choices(&["Yes, all of them", "No: diners stay pinned to the first, overloaded pods", "The autoscaler adds no pods"], 1)
    .set(&[("db_vcpu", "16"), ("read_replicas", "3"), ("hpa", "on")])
    .expect("error_rate", 0.02, 0.3)
    .charts(&["Pods", "Pod CPU"]),
    GuidedStep::new(
        "Set Sessions to redis, with 16 Primary vCPUs, 3 Read replicas and the Autoscaler on.",
        "The error rate and pods through the evening.",
        "Any pod can now serve any diner. What happens at 18:00?",
        "About 40 pods are added between 17:30 and 18:00 and the tenfold peak passes with almost no errors; after 20:00 the autoscaler removes them again.",
        7200.0,
    )
    .choices(&["The same errors as before", "The peak passes with almost no errors", "The database falls over"], 1)
    .set(&[("db_vcpu", "16"), ("read_replicas", "3"), ("hpa", "on"), ("sessions", "redis")])
    .expect("error_rate", 0.0, 0.01)
    .charts(&["Error rate", "Pods"]),
];

const DINERS: [&str; 2] = ["diners-menu", "diners-order"];

fn charts() -> Vec<ChartSpec> {
    let outcome = |o: &str| {
        DINERS
            .iter()
            .map(|d| format!("{d}.{o}"))
            .collect::<Vec<_>>()
    };
    let failed: Vec<String> = ["error", "rejected", "timed_out"]
        .iter()
        .flat_map(|o| outcome(o))
        .collect();
    let mut ended = outcome("ok");
    ended.extend(failed.iter().cloned());
    vec![
        ChartSpec {
            title: "Traffic",
            unit: "req/s",
            lines: vec![
                line("menu", SeriesExpr::PerSecond("diners-menu.arrived".into())),
                line(
                    "orders",
                    SeriesExpr::PerSecond("diners-order.arrived".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Pods",
            unit: "pods",
            lines: vec![
                line("ready", SeriesExpr::Plain("web.pods_ready".into())),
                line("starting", SeriesExpr::Plain("web.pods_starting".into())),
                line(
                    "autoscaler",
                    SeriesExpr::State(
                        "web.hpa_decision".into(),
                        &[(0, "hold"), (1, "scale up"), (-1, "scale down")],
                    ),
                ),
            ],
        },
        ChartSpec {
            title: "Pod CPU",
            unit: "fraction",
            lines: vec![
                line(
                    "mean",
                    SeriesExpr::Ratio(vec!["web.cpu_busy".into()], vec!["web.cpu_cores".into()]),
                ),
                line("hottest pod", SeriesExpr::Plain("web.cpu_pod_max".into())),
                line("coolest pod", SeriesExpr::Plain("web.cpu_pod_min".into())),
            ],
        },
        ChartSpec {
            title: "Database CPU",
            unit: "%",
            lines: vec![
                line(
                    "primary",
                    SeriesExpr::Scaled("postgres.primary.cpu".into(), 100.0),
                ),
                line(
                    "replica 1",
                    SeriesExpr::Scaled("postgres.replica1.cpu".into(), 100.0),
                ),
                line(
                    "replica 2",
                    SeriesExpr::Scaled("postgres.replica2.cpu".into(), 100.0),
                ),
                line(
                    "replica 3",
                    SeriesExpr::Scaled("postgres.replica3.cpu".into(), 100.0),
                ),
            ],
        },
        ChartSpec {
            title: "p99 latency",
            unit: "ms",
            lines: vec![
                line("menu", SeriesExpr::Plain("diners-menu.latency.p99".into())),
                line(
                    "order",
                    SeriesExpr::Plain("diners-order.latency.p99".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Error rate",
            unit: "fraction",
            lines: vec![line(
                "errors, 503s and timeouts",
                SeriesExpr::Ratio(failed, ended),
            )],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("peak_error_rate", "Errors, worst minute"),
    ("error_rate", "Errors, whole run"),
    ("pods_added", "Pods added by the autoscaler"),
    ("peak_primary_cpu", "Primary CPU, busiest minute"),
    ("peak_replica_cpu", "Replica CPU, busiest minute"),
    ("pods_at_end", "Pods at the end"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "dinner-rush",
    title: "Dinner rush",
    story: Some(154),
    lesson: "read replicas + HPA + stateless pods absorb 10×",
    narrative: "A food-delivery app went viral. The clock starts at 17:00; at 17:30 diners start \
        pouring in and by 18:00 there are ten times as many as usual, until about 19:00; by 20:00 \
        it is quiet again and the run ends at 20:30. The backend is a Node.js monolith — one \
        event loop per pod — in front of one PostgreSQL primary. Nine requests in ten only read \
        menus. Scale the database up and out, let Kubernetes add pods, and find out why pods \
        only help if they hold no sessions.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 12_600.0,
    speed: 60.0,
    bucket_ms: 10_000,
    build,
};

/// Real requests per second at 1×, and the menu share of them.
const BASE_RPS: f64 = 110.0;
const MENU_SHARE: f64 = 0.9;

fn profile() -> RateProfile {
    RateProfile::points(vec![
        (0, 1.0),
        (30 * MIN, 1.0),
        (HOUR, 10.0),
        (2 * HOUR, 10.0),
        (3 * HOUR, 1.0),
    ])
}

fn vcpu(p: &Params) -> u32 {
    p.choice("db_vcpu").parse().expect("a number")
}

/// Steps of a request: [session lookup], CPU, one query, CPU.
fn steps(db: DatabaseId, query: Query, sessions: Option<CacheId>) -> Vec<Step> {
    let mut s = match sessions {
        // A Redis session: read it, or create it on a user's first request.
        Some(c) => cache_aside(c, 2_000, Vec::new()),
        None => Vec::new(),
    };
    s.extend([
        Step::Cpu(Dist::Exponential { mean_ms: 15.0 }),
        Step::Db(DataAccess::one(db, query)),
        Step::Cpu(Dist::Exponential { mean_ms: 10.0 }),
    ]);
    s
}

struct DinnerRush {
    world: World,
    web: ServiceId,
    db: DatabaseId,
    hpa: AutoscalerId,
    clients: [ClientId; 2],
    /// Handlers (menu, order) with sessions in memory and in Redis.
    sticky: [HandlerId; 2],
    shared: [HandlerId; 2],
    pods_at_start: u32,
}

fn sticky_spec() -> StickySpec {
    StickySpec {
        idle_us: 30 * MIN,
        max_pins: 500_000,
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let db = world.add_database(
        DatabaseSpec::new("postgres", vcpu(p))
            .replicas(p.f("read_replicas") as u32)
            .max_connections(300)
            .rtt_us(MS)
            .acquire_timeout_us(5 * SEC),
        3,
    );
    let redis = world.add_cache(CacheSpec::new("redis-sessions", 1_000_000).ttl_us(HOUR));
    let min_pods = p.f("hpa_min_pods") as u32;
    let web = world.add_service(
        ServiceSpec::new("web", min_pods, 1_000)
            .queue_cap(0)
            .cpu(1, Discipline::Fifo),
    );
    world.set_startup(web, 45 * SEC);
    let menu = Query::read(12.0, 40.0);
    let order = Query::write(10.0, 5.0);
    let mut handler = |name: &str, q: Query, sessions: Option<CacheId>| {
        world.add_handler(Handler::new(name, web, steps(db, q, sessions)))
    };
    let sticky = [handler("menu", menu, None), handler("order", order, None)];
    let shared = [
        handler("menu-redis-session", menu, Some(redis)),
        handler("order-redis-session", order, Some(redis)),
    ];
    let redis_sessions = p.choice("sessions") == "redis";
    if !redis_sessions {
        world.set_sticky(web, Some(sticky_spec()));
    }
    let handlers = if redis_sessions { shared } else { sticky };
    let sessions = KeySpec::Sessions(SessionSpec {
        requests_per_session: 60.0,
        mean_length_us: 20 * MIN,
        max_sessions: 500_000,
    });
    let mut client = |i: usize, share: f64| {
        world.add_client(
            ClientSpec::new(DINERS[i], BASE_RPS * share, web, handlers[i])
                .profile(profile())
                .timeout_us(10 * SEC)
                .keys(sessions.clone()),
        )
    };
    let clients = [client(0, MENU_SHARE), client(1, 1.0 - MENU_SHARE)];
    // The profile's breakpoints, named on the charts when the traffic turns.
    for (at, label) in [
        (30 * MIN, "17:30 the rush begins"),
        (HOUR, "18:00 ten times the traffic"),
        (2 * HOUR, "19:00 easing off"),
        (3 * HOUR, "20:00 back to normal"),
    ] {
        world.mark(at, label);
    }
    let mut hpa = HpaSpec::new(
        web,
        min_pods,
        (p.f("hpa_max_pods") as u32).max(min_pods),
        p.f("hpa_target_cpu") / 100.0,
    );
    hpa.enabled = p.on("hpa");
    let hpa = world.add_autoscaler(hpa);
    Box::new(DinnerRush {
        world,
        web,
        db,
        hpa,
        clients,
        sticky,
        shared,
        pods_at_start: min_pods,
    })
}

impl Model for DinnerRush {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        let w = &mut self.world;
        match name {
            "db_vcpu" => w.db_set_cores(self.db, vcpu(p)),
            "read_replicas" => w.db_set_replicas(self.db, p.f("read_replicas") as u32),
            "hpa" => {
                w.set_autoscaler_enabled(self.hpa, p.on("hpa"));
                if !p.on("hpa") {
                    // Without an autoscaler the deployment is its fixed size.
                    let min = w.autoscaler_spec(self.hpa).min_replicas;
                    w.scale_to(self.web, min);
                }
            }
            "hpa_target_cpu" => w.set_autoscaler_target(self.hpa, p.f("hpa_target_cpu") / 100.0),
            "hpa_min_pods" | "hpa_max_pods" => {
                let (min, max) = (p.f("hpa_min_pods") as u32, p.f("hpa_max_pods") as u32);
                w.set_autoscaler_bounds(self.hpa, min, max);
                if !w.autoscaler_spec(self.hpa).enabled {
                    w.scale_to(self.web, min);
                }
            }
            "sessions" => {
                let redis = p.choice("sessions") == "redis";
                // Moving sessions to Redis forgets the pins; moving them back
                // pins each user to the next pod that serves them.
                w.set_sticky(self.web, (!redis).then(sticky_spec));
                let hs = if redis { self.shared } else { self.sticky };
                for (c, h) in self.clients.iter().zip(hs) {
                    w.set_client_handler(*c, h);
                }
            }
            _ => {}
        }
    }

    fn headline(&self, _: &Params, v: &Span) -> Headline {
        let minute = buckets_in(v, MIN);
        let worst = worst_share_per_period(
            v,
            &client_series(&DINERS, &FAILED),
            &client_series(&DINERS, &ENDED),
            minute,
        );
        let replica_peak = (1..=3)
            .filter_map(|i| peak_period_mean(v, &format!("postgres.replica{i}.cpu"), minute))
            .reduce(f64::max);
        // State figures, the same over any span: the autoscaler's high-water
        // mark of replicas, and the pods there are now.
        let w = &self.world;
        let a = &w.autoscaler(self.hpa);
        let svc = &w.service(self.web);
        vec![
            ("peak_error_rate", worst),
            ("error_rate", Outcomes::of(v, &DINERS).failure_rate()),
            (
                "pods_added",
                Some(a.replicas_max.saturating_sub(self.pods_at_start) as f64),
            ),
            (
                "peak_primary_cpu",
                peak_period_mean(v, "postgres.primary.cpu", minute),
            ),
            ("peak_replica_cpu", replica_peak),
            (
                "pods_at_end",
                Some((svc.ready_pods() + svc.starting_pods()) as f64),
            ),
        ]
    }
}
