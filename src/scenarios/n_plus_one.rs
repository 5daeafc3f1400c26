//! `n-plus-one` (story 153): a monthly billing report that sends 5,001 queries
//! one after another; one `JOIN FETCH`; then the finished report cached.
//!
//! Assembly: a `billing` service (2 pods × 20 threads) whose report handler
//! reads the account's billable items and, per item, its user (the ORM's lazy
//! loading: N + 1 queries) or everything in one joined query, then renders the
//! JSON. With `report_cache=redis` the handler looks the finished report up
//! first (cache-aside) and stores it after a miss. Finance users ask for the
//! reports of 20 accounts and give up after 10 s.
//!
//! Calibration, once, to the story:
//! - database: 8 vCPUs, 20 connections (the app's pools), 2.5 ms network round
//!   trip per query on average (driver + cross-zone network), varying from one
//!   query to the next (log-normal, p99 about 2.5 × the median);
//! - query CPU from the cost model: a user by primary key in a 1 M-row table
//!   ≈ 0.6 ms; the account's items through its index ≈ 11 ms; the join adds
//!   12 µs per item (a cached inner index probe). So each N + 1 query costs
//!   ≈ 3.1 ms and 5,001 of them ≈ 15.5 s — from the round trips alone;
//! - app: 2 ms of routing and auth, 2 µs per item to render, 1.5 ms to send
//!   (medians; CPU and query times vary by a log-normal of shape 0.3);
//! - report JSON: 200 bytes per item (1 MB for 5,000), Redis 0.5 ms away over
//!   1 Gbit/s: a hit costs 0.5 ms + 8 ms of transfer.

use crate::sim::data::query_cost::{CostModel, Filter, TableStats};
use crate::sim::{
    cache_aside, CacheId, CacheSpec, ClientId, ClientSpec, DataAccess, DatabaseId, DatabaseSpec,
    Dist, Handler, HandlerId, KeySpec, Query, ServiceSpec, Span, Step, World, HOUR, SEC,
};

use super::figures::{later_half, quantile_ms, ratio_of_totals, share_between, Outcomes};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice(
        "query_strategy",
        "Query strategy",
        &["n_plus_one", "join_fetch"],
        "n_plus_one",
        "n_plus_one: fetch the items, then each item's user in its own query; join_fetch: one query joining both.",
    ),
    ParamSpec::choice(
        "report_cache",
        "Report cache",
        &["off", "redis"],
        "off",
        "redis: look the finished report up in Redis first and store it after generating it.",
    ),
    ParamSpec::number("cache_ttl_h", "Cache TTL", "h", 24.0, 0.01, 168.0, "How long a cached report lives (applies to reports stored from now on)."),
    ParamSpec::number("items", "Billable items", "items", 5_000.0, 1.0, 100_000.0, "Billable items in one monthly report.").integer(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: an N + 1 query strategy, no report cache.",
        "Report latency and database round trips per report.",
        "Each query takes about 3 ms. How long does a report of 5,000 items take?",
        "About 15 s: 5,001 round trips in a row. Users give up after 10 s, so every report times out while the server keeps working on it.",
        1200.0,
    )
    .choices(&["About 3 ms: it is one report", "About 100 ms", "About 15 s"], 2)
    .expect("p50_latency_ms", 12_000.0, 20_000.0)
    .charts(&["Report latency (server)", "DB round trips per report"]),
    GuidedStep::new(
        "Set Query strategy to join_fetch.",
        "Round trips per report and the latency.",
        "The same data in one query. How fast is a report now?",
        "About 90 ms: one round trip and one bigger query, far below the timeout.",
        1200.0,
    )
    .choices(&["About 10 s", "About 100 ms", "About 1 ms"], 1)
    .set(&[("query_strategy", "join_fetch")])
    .expect("p50_latency_ms", 40.0, 200.0)
    .charts(&["Report latency (server)", "DB round trips per report"]),
    GuidedStep::new(
        "Keep Query strategy at join_fetch and set Report cache to redis.",
        "The cache hit ratio and the latency.",
        "The report only changes daily. What does a cached report cost?",
        "About 12 ms once warm: a Redis round trip plus moving 1 MB of JSON. The hit ratio climbs above 99 % after the first request per account.",
        1200.0,
    )
    .choices(&["Nothing: 0 ms", "About 12 ms", "About 90 ms, as before"], 1)
    .set(&[("query_strategy", "join_fetch"), ("report_cache", "redis")])
    .expect("p50_latency_ms", 5.0, 25.0)
    .charts(&["Report latency (server)", "Cache hit ratio"]),
    GuidedStep::new(
        "Keep Query strategy at join_fetch and set Billable items to 20000.",
        "The report latency.",
        "Four times the items. What happens to the latency?",
        "It grows by a fraction: one query moves more rows, but there is still one round trip. Under N + 1 the same report would take about a minute: the round trips, not the rows, were the cost.",
        1200.0,
    )
    .choices(&["It grows fourfold, as under N + 1", "It grows by a fraction: the rows were never the cost", "Reports time out"], 1)
    .set(&[("query_strategy", "join_fetch"), ("items", "20000")])
    .expect("p50_latency_ms", 40.0, 600.0),
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Report latency (server)",
            unit: "ms",
            lines: vec![
                line("p50", SeriesExpr::Plain("billing.latency.p50".into())),
                line("p99", SeriesExpr::Plain("billing.latency.p99".into())),
            ],
        },
        ChartSpec {
            title: "DB queries per second",
            unit: "queries/s",
            lines: vec![line(
                "queries",
                SeriesExpr::PerSecond("billing-db.queries".into()),
            )],
        },
        ChartSpec {
            title: "DB round trips per report",
            unit: "queries",
            lines: vec![line(
                "per generated report",
                SeriesExpr::Ratio(
                    vec!["billing-db.fetch_queries".into()],
                    vec!["billing-db.fetches".into()],
                ),
            )],
        },
        ChartSpec {
            title: "Cache hit ratio",
            unit: "fraction",
            lines: vec![line(
                "hits",
                SeriesExpr::Ratio(
                    vec!["redis.hits".into()],
                    vec!["redis.hits".into(), "redis.misses".into()],
                ),
            )],
        },
        ChartSpec {
            title: "Finance users",
            unit: "req/s",
            lines: vec![
                line("ok", SeriesExpr::PerSecond("finance-users.ok".into())),
                line(
                    "timed out",
                    SeriesExpr::PerSecond("finance-users.timed_out".into()),
                ),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("p50_latency_ms", "Report p50"),
    ("queries_per_report", "Queries per report"),
    ("cache_hit_ratio", "Cache hits"),
    ("client_timeout_rate", "Reports timed out"),
    ("p99_latency_ms", "Report p99"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "n-plus-one",
    title: "N + 1 queries",
    story: Some(153),
    lesson: "5,000 round trips → 1 query → a cached 12 ms answer",
    narrative: "Billing's 'Generate Monthly Report' times out: it takes over 15 seconds. A trace \
        shows why: the ORM fetches the account's 5,000 billable items, then each item's user in a \
        query of its own, one after another. No query is slow; there are just 5,001 of them, each \
        paying a network round trip. Rewrite it as one joined query, then notice the report only \
        changes daily and cache the finished JSON in Redis.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 3_600.0,
    speed: 10.0,
    bucket_ms: 10_000,
    build,
};

const ACCOUNTS: u64 = 20;
/// The finance team's population, whose requests time out.
const CLIENT: &str = "finance-users";
const REPORT_BYTES_PER_ITEM: f64 = 200.0;

/// The report's data access for the strategy and item count.
fn data_access(p: &Params, db: DatabaseId) -> DataAccess {
    let n = p.f("items") as u32;
    let costs = CostModel::default();
    let index = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let users = TableStats {
        rows: 1e6,
        span_s: 1.0,
        partition_s: None,
        newest_partition_filled_s: 0.0,
        indexes: vec![index(&["id"])],
        time_column: "created_at".into(),
    };
    let by_id = users.plan(
        &Filter {
            eq: vec![("id".into(), 1e-6)],
            window_s: None,
        },
        &costs,
    );
    let item_rows = 5e7;
    let items = TableStats {
        rows: item_rows,
        indexes: vec![index(&["account_id"])],
        ..users
    };
    let of_account = items.plan(
        &Filter {
            eq: vec![("account_id".into(), n as f64 / item_rows)],
            window_s: None,
        },
        &costs,
    );
    let parent = Query::planned(&of_account).spread(QUERY_SPREAD);
    match p.choice("query_strategy") {
        "join_fetch" => {
            // Nested loop over the items with a cached probe of the users' index.
            let probe_us = 12.0;
            DataAccess::join_fetch(
                db,
                Query {
                    cpu_us: parent.cpu_us + n as f64 * probe_us,
                    rows_read: parent.rows_read * 2.0,
                    write: false,
                    cpu_spread: QUERY_SPREAD,
                },
            )
        }
        _ => DataAccess::n_plus_one(db, parent, Query::planned(&by_id).spread(QUERY_SPREAD), n)
            .count_spread(ITEMS_SPREAD),
    }
}

/// Handler steps: routing, [cache lookup], data access, render, [store], send.
fn steps(p: &Params, db: DatabaseId, cache: Option<CacheId>) -> Vec<Step> {
    let n = p.f("items");
    let generate = vec![Step::Db(data_access(p, db)), Step::Cpu(app_cpu(n * 0.002))];
    let mut s = vec![Step::Cpu(app_cpu(2.0))];
    match cache {
        Some(c) => s.extend(cache_aside(c, (n * REPORT_BYTES_PER_ITEM) as u32, generate)),
        None => s.extend(generate),
    }
    s.push(Step::Cpu(app_cpu(1.5)));
    s
}

/// Spread of a query's CPU from one execution to the next (log-normal shape).
const QUERY_SPREAD: f64 = 0.3;
/// Spread of an account's items around `items`: accounts differ.
const ITEMS_SPREAD: f64 = 0.1;
/// Spread of a network round trip to the database: p99 about 2.5 × the median.
const RTT_SPREAD: f64 = 0.4;

/// App CPU of `median_ms`, varying from request to request.
fn app_cpu(median_ms: f64) -> Dist {
    Dist::LogNormal {
        median_ms,
        sigma: 0.3,
    }
}

struct NPlusOne {
    world: World,
    db: DatabaseId,
    cache: CacheId,
    client: ClientId,
    plain: HandlerId,
    cached: HandlerId,
}

fn ttl(p: &Params) -> u64 {
    (p.f("cache_ttl_h") * HOUR as f64) as u64
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let db = world.add_database(
        DatabaseSpec::new("billing-db", 8)
            .max_connections(20)
            .rtt_us(2_500)
            .rtt_spread(RTT_SPREAD)
            .acquire_timeout_us(30 * SEC),
        0,
    );
    let cache = world.add_cache(CacheSpec::new("redis", 10_000).ttl_us(ttl(p)));
    let billing = world.add_service(ServiceSpec::new("billing", 2, 20));
    // Two handlers, so that switching the cache on or off never changes the
    // steps under a request already on its way.
    let plain = world.add_handler(Handler::new("monthly-report", billing, steps(p, db, None)));
    let cached = world.add_handler(Handler::new(
        "monthly-report-cached",
        billing,
        steps(p, db, Some(cache)),
    ));
    let handler = if p.choice("report_cache") == "redis" {
        cached
    } else {
        plain
    };
    let client = world.add_client(
        ClientSpec::new(CLIENT, 0.2, billing, handler)
            .timeout_us(10 * SEC)
            .keys(KeySpec::Uniform { keys: ACCOUNTS }),
    );
    Box::new(NPlusOne {
        world,
        db,
        cache,
        client,
        plain,
        cached,
    })
}

impl Model for NPlusOne {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "query_strategy" | "items" => {
                // Reports on their way finish on the steps they started with.
                let (db, cache) = (self.db, self.cache);
                self.world.set_steps(self.plain, steps(p, db, None));
                self.world.set_steps(self.cached, steps(p, db, Some(cache)));
            }
            "report_cache" => {
                let h = if p.choice("report_cache") == "redis" {
                    self.cached
                } else {
                    self.plain
                };
                self.world.set_client_handler(self.client, h);
            }
            "cache_ttl_h" => self.world.cache_set_ttl(self.cache, Some(ttl(p))),
            _ => {}
        }
    }

    fn headline(&self, _: &Params, v: &Span) -> Headline {
        // "Once warm": hits over lookups in the later half of the span.
        let (hits, lookups) = (
            ["redis.hits".to_string()],
            ["redis.hits".to_string(), "redis.misses".to_string()],
        );
        let hit_ratio = later_half(v, "redis.hits")
            .and_then(|(from, to)| share_between(v, &hits, &lookups, from, to));
        vec![
            ("p50_latency_ms", quantile_ms(v, "billing.latency", 0.5)),
            (
                "queries_per_report",
                ratio_of_totals(v, "billing-db.fetch_queries", "billing-db.fetches"),
            ),
            ("cache_hit_ratio", hit_ratio),
            (
                "client_timeout_rate",
                Outcomes::of(v, &[CLIENT]).timeout_rate(),
            ),
            ("p99_latency_ms", quantile_ms(v, "billing.latency", 0.99)),
        ]
    }
}
