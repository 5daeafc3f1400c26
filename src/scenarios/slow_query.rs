//! `slow-query` (story 156): one telemetry query doing a sequential scan of a
//! 100-million-row table keeps PostgreSQL near 95 % CPU; a composite index
//! turns it into a 5 ms seek.
//!
//! Assembly: a `telemetry-api` service (2 pods × 16 worker threads, each
//! holding one database connection while it queries — its connection pool)
//! serves dashboards; an `app` service serves the rest of the product's
//! traffic against the same PostgreSQL server (the background load that stays
//! when the telemetry query is fixed). The telemetry query's CPU comes from the
//! query-cost model (`sim::data::query_cost`) for the chosen index and
//! partitioning. The server's 16 cores are shared by the statements running
//! on them (processor sharing), so a query's time is its own CPU stretched by
//! the others: nothing in the scenario sets the 2 s.
//!
//! Calibration, once, to the story (then the mechanism produces the numbers):
//! - server: 16 vCPUs, 300 connections, 0.5 ms round trips on average
//!   (log-normal, shape 0.4);
//! - table: `rows` rows over 365 days; the query asks for one status held by
//!   0.2 % of rows over the last 3 days; the newest monthly partition holds 15
//!   days; costs: 15 ns a row scanned (wide rows, a JSON payload each), 20 µs a
//!   B-tree level, 2 µs a row fetched through an index, 0.2 ms a statement: a
//!   full scan of 100 M rows is 1.5 s of CPU on average (it varies by a
//!   log-normal of shape 0.25 with the pages found in the buffer cache), the
//!   composite-index seek about 4 ms;
//! - background: 1,050 queries/s of 3 ms CPU on average from the rest of the
//!   app, about 20 % of the server — what the CPU falls to once the scan is gone;
//! - dashboards: 8 telemetry queries/s, giving up after 3 s. That load is the
//!   story's: 12 cores of scans and 3 of background keep the server at 95 %.
//!   At 6 queries/s it would sit at 75 % with a 1.5 s median; from 9 it
//!   saturates (99 %), queries wait for the API's 32 threads and nearly every
//!   dashboard times out.

use crate::sim::data::query_cost::{CostModel, Filter, TableStats};
use crate::sim::{
    ClientId, ClientSpec, DataAccess, DatabaseId, DatabaseSpec, Handler, HandlerId, Query,
    ServiceSpec, Span, Step, World, MS, SEC,
};

use super::figures::{quantile_ms, ratio_of_totals, Outcomes};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice(
        "index",
        "Index",
        &["none", "status", "status_timestamp"],
        "none",
        "B-tree index on the telemetry table: none (sequential scan), on status, or composite on (status, timestamp).",
    ),
    ParamSpec::choice(
        "partitioning",
        "Partitioning",
        &["none", "monthly"],
        "none",
        "none: one big table; monthly: range partitions by month, so a time filter reads only the partitions it touches.",
    ),
    ParamSpec::number("query_rps", "Telemetry queries", "rps", 8.0, 0.1, 100.0, "Telemetry queries per second from dashboards."),
    ParamSpec::number("rows", "Table rows", "rows", 100_000_000.0, 1_000_000.0, 2_000_000_000.0, "Rows in the telemetry table (a year of data).").integer(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: no Index on the telemetry table.",
        "Database CPU and the telemetry query's p50.",
        "Each query reads 100 million rows. How long does one take?",
        "About 95 % CPU and a p50 near 2 s: each scan needs 1.5 s of CPU and shares the 16 cores with a dozen other scans and the rest of the app, and dashboards start timing out.",
        900.0,
    )
    .choices(&["About 5 ms", "About 400 ms", "About 2 s, with the CPU near 95 %"], 2)
    .expect("query_p50_ms", 1500.0, 3200.0),
    GuidedStep::new(
        "Set Index to status.",
        "Rows read per query and the query's p50.",
        "The index narrows the rows to one status. Good enough?",
        "Better but not good: 200,000 rows fetched one by one through the index, about 400 ms a query and some 40 % of the CPU.",
        900.0,
    )
    .choices(&["Yes: a few ms, as indexes are", "Better, not good: hundreds of ms", "No change"], 1)
    .set(&[("index", "status")])
    .expect("query_p50_ms", 200.0, 700.0)
    .charts(&["Rows read per query", "Telemetry query latency"]),
    GuidedStep::new(
        "Set Index to status_timestamp.",
        "The CPU line and the p50.",
        "Both filter columns are now in the index. What happens to the CPU?",
        "It falls at once to about 20 % (the rest of the app) and the query takes about 5 ms: a seek plus a couple of thousand rows.",
        900.0,
    )
    .choices(&["It stays near 95 %", "It falls to about 20 %, the rest of the app", "It falls to zero"], 1)
    .set(&[("index", "status_timestamp")])
    .expect("db_cpu", 0.12, 0.3),
    GuidedStep::new(
        "Set Index back to none and Partitioning to monthly.",
        "Rows read per query.",
        "No index, but the table is split by month and the query only wants the last 3 days. How many rows does it read?",
        "Only the newest partition is scanned, about 4 million rows: tens of ms instead of seconds, no index needed.",
        900.0,
    )
    .choices(&["All 100 million", "Only the newest month, about 4 million", "None"], 1)
    .set(&[("partitioning", "monthly")])
    .expect("rows_read_per_query", 2_000_000.0, 6_000_000.0)
    .charts(&["Rows read per query", "Telemetry query latency"]),
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Database CPU",
            unit: "%",
            lines: vec![line(
                "primary",
                SeriesExpr::Scaled("postgres.primary.cpu".into(), 100.0),
            )],
        },
        ChartSpec {
            title: "Telemetry query latency",
            unit: "ms",
            lines: vec![
                line(
                    "p50",
                    SeriesExpr::Plain("postgres.stmt.telemetry.time.p50".into()),
                ),
                line(
                    "p99",
                    SeriesExpr::Plain("postgres.stmt.telemetry.time.p99".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Timeouts",
            unit: "req/s",
            lines: vec![line(
                "dashboards timed out",
                SeriesExpr::PerSecond("dashboards.timed_out".into()),
            )],
        },
        ChartSpec {
            title: "Rows read per query",
            unit: "rows",
            lines: vec![line(
                "telemetry",
                SeriesExpr::Ratio(
                    vec!["postgres.stmt.telemetry.rows_read".into()],
                    vec!["postgres.stmt.telemetry.calls".into()],
                ),
            )],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("query_p50_ms", "Query p50"),
    ("db_cpu", "Database CPU"),
    ("rows_read_per_query", "Rows read per query"),
    ("query_p99_ms", "Query p99"),
    ("dashboard_timeout_rate", "Dashboards timed out"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "slow-query",
    title: "Slow query",
    story: Some(156),
    lesson: "a composite index turns a 2 s scan into a 5 ms seek",
    narrative: "The primary PostgreSQL server sits near 95 % CPU and requests are timing out. \
        pg_stat_statements points at one query: dashboards asking for the last three days of \
        telemetry with a given status, 2 s each. EXPLAIN shows a sequential scan of all 100 million \
        rows. The rest of the application shares the same server. Before sharding, try an index — \
        and see why the column order matters — or split the table by month. The 95 % and the 2 s \
        belong to the story's load, 8 dashboard queries a second: at 6 the server would sit near \
        75 % with a 1.5 s median, and at 9 it saturates and nearly every dashboard times out.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 1_800.0,
    speed: 30.0,
    bucket_ms: 5_000,
    build,
};

const DAY_S: f64 = 86_400.0;

/// Telemetry rows are wide (a JSON payload each): 15 ns to scan one; the
/// rest are the cost model's defaults.
const COSTS: CostModel = CostModel {
    seq_row_us: 0.015,
    index_level_us: 20.0,
    index_row_us: 2.0,
    per_query_us: 200.0,
};

/// The telemetry query for the chosen index, partitioning and table size.
fn telemetry_query(p: &Params) -> Query {
    let indexes = match p.choice("index") {
        "status" => vec![vec!["status".to_string()]],
        "status_timestamp" => vec![vec!["status".to_string(), "timestamp".to_string()]],
        _ => Vec::new(),
    };
    let table = TableStats {
        rows: p.f("rows"),
        span_s: 365.0 * DAY_S,
        partition_s: (p.choice("partitioning") == "monthly").then_some(365.0 * DAY_S / 12.0),
        newest_partition_filled_s: 15.0 * DAY_S,
        indexes,
        time_column: "timestamp".into(),
    };
    let filter = Filter {
        eq: vec![("status".into(), 0.002)],
        window_s: Some(3.0 * DAY_S),
    };
    Query::planned(&table.plan(&filter, &COSTS)).spread(SCAN_SPREAD)
}

/// How much one execution's CPU varies (pages in the buffer cache or not).
const SCAN_SPREAD: f64 = 0.25;

struct SlowQuery {
    world: World,
    db: DatabaseId,
    telemetry: HandlerId,
    dashboards: ClientId,
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let db = world.add_database(
        DatabaseSpec::new("postgres", 16)
            .max_connections(300)
            .rtt_us(MS / 2)
            .rtt_spread(0.4),
        0,
    );
    let api = world.add_service(ServiceSpec::new("telemetry-api", 2, 16));
    let telemetry = world.add_handler(Handler::new(
        "telemetry",
        api,
        vec![Step::Db(DataAccess::one(db, telemetry_query(p)))],
    ));
    let app = world.add_service(ServiceSpec::new("app", 1, 400));
    let oltp = world.add_handler(Handler::new(
        "app-queries",
        app,
        vec![Step::Db(DataAccess::one(
            db,
            Query::read(3.0, 20.0).spread(0.5),
        ))],
    ));
    world.db_track_statement(db, telemetry);
    world.db_track_statement(db, oltp);
    let dashboards = world.add_client(
        ClientSpec::new("dashboards", p.f("query_rps"), api, telemetry).timeout_us(3 * SEC),
    );
    world.add_client(ClientSpec::new("app-users", 1_050.0, app, oltp).timeout_us(10 * SEC));
    Box::new(SlowQuery {
        world,
        db,
        telemetry,
        dashboards,
    })
}

impl Model for SlowQuery {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "index" | "partitioning" | "rows" => {
                // Queries already running keep their plan; new ones use the new one.
                let step = Step::Db(DataAccess::one(self.db, telemetry_query(p)));
                self.world.set_step(self.telemetry, 0, step);
            }
            "query_rps" => self
                .world
                .set_client_rate(self.dashboards, p.f("query_rps")),
            _ => {}
        }
    }

    fn headline(&self, _: &Params, v: &Span) -> Headline {
        let q = |x: f64| quantile_ms(v, "postgres.stmt.telemetry.time", x);
        let dashboards = self.world.client(self.dashboards).spec.name.as_str();
        vec![
            ("query_p50_ms", q(0.5)),
            ("db_cpu", v.gauge_time_mean("postgres.primary.cpu")),
            (
                "rows_read_per_query",
                ratio_of_totals(
                    v,
                    "postgres.stmt.telemetry.rows_read",
                    "postgres.stmt.telemetry.calls",
                ),
            ),
            ("query_p99_ms", q(0.99)),
            (
                "dashboard_timeout_rate",
                Outcomes::of(v, &[dashboards]).timeout_rate(),
            ),
        ]
    }
}
