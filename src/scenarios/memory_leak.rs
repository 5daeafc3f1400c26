//! `memory-leak` (story 152): a static map used as a local cache, with no
//! eviction, keeps every order for ever. The heap's post-GC floor climbs, GC
//! runs ever more often and pauses ever longer, and the pod is OOM-restarted
//! every four hours. An eviction policy (TTL or LRU) flattens the floor.
//!
//! Calibration (chosen once, then left to the mechanism):
//! - The Order service: one pod, a 2,048 MB heap (`heap_mb`), 300 MB live
//!   after start (Spring context, pools), 50 worker threads, 30 s to boot.
//! - 100 orders/s; each allocates 0.5 MB of short-lived objects (parsing,
//!   mapping, JSON: 50 MB/s of garbage, a collection every ≈ 35 s on a fresh
//!   heap), keeps a 50 KB working set while in the pod, and works a log-normal
//!   time, median 20 ms.
//! - Each order puts one `OrderDTO` of 1.15 KB into the static map: 0.115 MB/s,
//!   ≈ 414 MB an hour, and 1.4 million entries by the time the heap is full.
//! - GC (stop-the-world, when the heap is full): pause = 10 ms + 0.25 ms per
//!   live MB — 85 ms on a fresh heap, ≈ 0.5 s on a full one. The JVM gives up
//!   after five collections in a row that leave under 2 % of the heap free
//!   (HotSpot's GC overhead limit): when the floor reaches ≈ 2,007 MB, that
//!   is (2,007 − 300) / 0.115 s ≈ 4.1 hours after a start.
//! - TTL 30 minutes keeps ≈ 180,000 entries (≈ 207 MB); LRU 200,000 entries
//!   ≈ 230 MB: the floor levels off at ≈ 500–530 MB.
//! - A day at 100 orders/s is 8.6 million orders; one simulated request stands
//!   for `request_weight` (10) orders. Memory and counts scale with the weight.

use crate::sim::{
    ClientId, ClientSpec, Dist, Eviction, GcSpec, Handler, MemorySpec, RestartPolicy, ServiceId,
    ServiceSpec, Span, Step, World, HOUR, MIN, SEC,
};

use super::figures::{last_buckets, slope_per_life, Lives};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{plain, ChartSpec, ParamSpec};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("cache_eviction", "Cache eviction", &["none", "ttl", "lru"], "none", "How the static order map forgets entries: none (it only grows), ttl (entries expire), lru (at most max_entries)."),
    ParamSpec::number("ttl_minutes", "Entry TTL", "min", 30.0, 1.0, 1_440.0, "With ttl: how long an order stays in the map."),
    ParamSpec::number("max_entries", "Max entries", "", 200_000.0, 1_000.0, 10_000_000.0, "With lru: the most orders the map keeps; adding more drops the oldest.").integer(),
    ParamSpec::number("orders_per_s", "Orders per second", "rps", 100.0, 1.0, 1_000.0, "Orders placed per second; each adds one entry to the map."),
    ParamSpec::number("heap_mb", "JVM heap", "MB", 2_048.0, 512.0, 16_384.0, "Maximum heap (-Xmx). Changed while running it applies at once, as if the pod were resized in place (a real JVM needs a restart)."),
    ParamSpec::number("request_weight", "Orders per simulated request", "", 10.0, 1.0, 1_000.0, "Simulation detail: each simulated request stands for this many orders, so a day runs smoothly. Results do not depend on it beyond noise.").integer().advanced(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: no cache eviction, 100 orders a second, a 2 GB heap, for a day.",
        "The heap after each GC, and the restarts.",
        "The heap is collected every half minute. Does the floor it returns to stay put?",
        "No: every order stays reachable from the static map, so each collection returns to a higher floor, a diagonal line of about 400 MB an hour. About four hours in, the heap is full of live entries and the pod is OOM-restarted; then it starts over.",
        86_400.0,
    )
    .choices(&["Yes: the collector frees what is no longer used", "No: it climbs a few hundred MB an hour until the pod is killed", "It climbs, then levels off by itself"], 1)
    .expect("heap_floor_slope_mb_per_h", 300.0, 500.0)
    .charts(&["Heap after GC", "Restarts"]),
    GuidedStep::new(
        "Look at the time between restarts, and at p99 latency in the hour before each one.",
        "Restarts, the heap after GC and the p99 latency.",
        "How often is the pod restarted?",
        "About every four hours. In the last hour before each one the collector runs every second or two and pauses about half a second to trace a nearly full heap, so p99 climbs from tens of ms to hundreds before the crash.",
        86_400.0,
    )
    .choices(&["Every 40 minutes", "About every four hours", "Once a day"], 1)
    .expect("mean_restart_interval_h", 3.2, 5.2)
    .charts(&["Restarts", "p99 latency"]),
    GuidedStep::new(
        "Set Cache eviction to ttl (an Entry TTL of 30 minutes).",
        "The heap after GC.",
        "Will the floor still rise?",
        "Only for the first half hour while the cache fills; then entries leave as fast as they come, the floor flattens at about 500 MB and there is no restart all day. lru with 200,000 Max entries does the same.",
        86_400.0,
    )
    .choices(&["Yes, only more slowly", "Only for the first half hour, then it stays flat", "It falls below where it started"], 1)
    .set(&[("cache_eviction", "ttl")])
    .expect("restarts", 0.0, 0.0),
    GuidedStep::new(
        "Back to no eviction, set Orders per second to 200.",
        "The time between restarts.",
        "Twice the orders. What happens to the four hours between restarts?",
        "Twice the orders fill the map twice as fast: a restart about every two hours.",
        86_400.0,
    )
    .choices(&["They stay four hours", "They halve, to about two", "They double"], 1)
    .set(&[("orders_per_s", "200")])
    .expect("mean_restart_interval_h", 1.6, 2.7)
    .charts(&["Heap after GC", "Restarts"]),
    GuidedStep::new(
        "Back to 100 orders a second, set JVM heap to 4096 MB.",
        "The time between restarts.",
        "Twice the heap. What does it buy?",
        "It only moves the fuse, to about nine hours: without eviction, every heap fills.",
        86_400.0,
    )
    .choices(&["No more restarts", "About twice the time between restarts", "Nothing at all"], 1)
    .set(&[("heap_mb", "4096")])
    .expect("mean_restart_interval_h", 7.0, 11.0)
    .charts(&["Heap after GC", "Restarts"]),
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Heap used (GC sawtooth)",
            unit: "MB",
            lines: vec![
                plain("heap used", "order.mem_mb"),
                plain("heap used (peak)", "order.mem_mb.max"),
                plain("heap after GC", "order.heap_after_gc_mb"),
                plain("max heap", "order.mem_limit_mb"),
            ],
        },
        ChartSpec {
            title: "Heap after GC",
            unit: "MB",
            lines: vec![
                plain("heap after GC", "order.heap_after_gc_mb"),
                plain("max heap", "order.mem_limit_mb"),
            ],
        },
        ChartSpec {
            title: "Restarts",
            unit: "count",
            lines: vec![
                plain("OOM kills", "order.oom_kills"),
                plain("pods restarting", "order.pods_restarting"),
            ],
        },
        ChartSpec {
            title: "p99 latency",
            unit: "ms",
            lines: vec![
                plain("orders p99", "orders.latency.p99"),
                plain("GC pause p99", "order.gc_pause.p99"),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("restarts", "Restarts"),
    ("mean_restart_interval_h", "Time between restarts"),
    ("heap_floor_slope_mb_per_h", "Heap floor growth"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "memory-leak",
    title: "Memory leak: a cache with no eviction",
    story: Some(152),
    lesson: "a cache with no eviction is a leak with a 4-hour fuse",
    narrative: "The Order service runs on a JVM with a 2 GB heap. Someone added a static map as a \
        quick local cache of orders — and never gave it an eviction policy. Every order placed \
        stays reachable for ever. The garbage collector still runs and still frees the request \
        garbage, so the heap chart is a healthy-looking sawtooth; but the floor it returns to \
        after each collection climbs steadily. As it nears the ceiling, collections come every \
        second and pause for half a second each, latency climbs, and the JVM finally gives up: \
        OutOfMemoryError, restart, and the same again four hours later. It never shows up in a \
        test with little traffic. Give the map a TTL or a size bound and the floor flattens.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 86_400.0,
    speed: 360.0,
    bucket_ms: 10_000,
    build,
};

/// An `OrderDTO` in the map, MB.
const ENTRY_MB: f64 = 0.001_1;
/// Live after start (Spring context, pools), MB.
const LIVE_MB: f64 = 300.0;
/// The share of the heap the post-GC floor reaches when the JVM gives up
/// (under 2 % free after five collections in a row).
const GIVE_UP_SHARE: f64 = 0.98;
/// Window of the floor slope headline.
const SLOPE_WINDOW_US: u64 = 12 * HOUR;
/// The floor slope is fitted within each pod life, so a restart's drop is not
/// mistaken for a falling floor. Buckets with a kill or a restart in them, or
/// any time with the pod down, are left out: while the pod is down no
/// collection runs and the series holds the dead pod's last floor.
const LIVES: Lives = Lives {
    begin_when: "order.oom_kills",
    leave_out_when: &["order.oom_kills", "order.restarts", "order.pods_restarting"],
};

fn eviction(p: &Params) -> Eviction {
    match p.choice("cache_eviction") {
        "ttl" => Eviction::Ttl {
            ttl_us: (p.f("ttl_minutes") * MIN as f64).round() as u64,
        },
        "lru" => Eviction::Lru {
            max_entries: p.f("max_entries") as u64,
        },
        _ => Eviction::None,
    }
}

struct LeakModel {
    world: World,
    service: ServiceId,
    client: ClientId,
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let service = world.add_service(ServiceSpec::new("order", 1, 50));
    world.add_memory(
        service,
        MemorySpec::new(p.f("heap_mb"), LIVE_MB)
            .gc(GcSpec::new(10.0, 0.25))
            .eviction(eviction(p))
            .restart(RestartPolicy::kubernetes(30 * SEC)),
    );
    let handler = world.add_handler(Handler::new(
        "place_order",
        service,
        vec![
            Step::Churn { mb: 0.5 },
            Step::Allocate { mb: 0.05 },
            Step::Work(Dist::LogNormal {
                median_ms: 20.0,
                sigma: 0.5,
            }),
            Step::Retain { mb: ENTRY_MB },
        ],
    ));
    let client = world.add_client(
        ClientSpec::new("orders", p.f("orders_per_s"), service, handler)
            .timeout_us(30 * SEC)
            .weight(p.f("request_weight") as u32),
    );
    Box::new(LeakModel {
        world,
        service,
        client,
    })
}

impl Model for LeakModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    /// With no eviction, the first OOM kill: the floor climbs by one entry
    /// an order from the live set until the JVM gives up (module doc).
    fn expected(&self, p: &Params) -> Vec<f64> {
        let per_s = p.f("orders_per_s") * ENTRY_MB;
        if p.choice("cache_eviction") != "none" || per_s <= 0.0 {
            return Vec::new();
        }
        vec![(GIVE_UP_SHARE * p.f("heap_mb") - LIVE_MB).max(0.0) / per_s]
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "cache_eviction" | "ttl_minutes" | "max_entries" => {
                self.world.set_eviction(self.service, eviction(p))
            }
            "orders_per_s" => self.world.set_client_rate(self.client, p.f("orders_per_s")),
            "heap_mb" => self.world.set_memory_limit(self.service, p.f("heap_mb")),
            "request_weight" => {
                let c = self.client;
                self.world
                    .set_client_weight(c, p.f("request_weight") as u32);
                self.world.set_client_rate(c, p.f("orders_per_s"));
            }
            _ => {}
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        // How long the pod lived before each OOM kill, on average, in hours.
        let uptime = v.histogram("order.uptime_before_oom");
        let interval = uptime.and_then(|h| h.mean()).map(|us| us / 3_600e6);
        // The post-GC floor's climb over the last 12 h, in MB/h.
        let (from, to) = last_buckets(v, SLOPE_WINDOW_US);
        let slope = slope_per_life(v, "order.heap_after_gc_mb", &LIVES, from, to, HOUR);
        vec![
            ("restarts", Some(v.counter_total("order.oom_kills"))),
            ("mean_restart_interval_h", interval),
            ("heap_floor_slope_mb_per_h", slope),
        ]
    }
}
