//! `strangler-fig` (story 157): an NGINX gateway in front of a legacy
//! inventory monolith, and a new Warehouse service built to take its
//! `/warehouse` routes over. Shadow traffic tests the new service on live
//! requests without users seeing it; the routes flip; a rollback flips them
//! back, and finds the writes made meanwhile only if change data capture
//! kept the two databases in step.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - Users send `requests_rps` (500 a second) through the gateway: 80 %
//!   stock checks (`GET /warehouse/stock`), 20 % reservations
//!   (`POST /warehouse/reservations`); a user gives up after 10 s.
//! - The gateway (NGINX: 2 pods × 1,024 connections) spends 0.3 ms (σ 0.3)
//!   on a request and forwards it by its `warehouse` rule, waiting 30 s at
//!   most for the backend.
//! - The monolith (a Java application: 4 pods × 200 threads, a queue of 100)
//!   spends 20 ms (σ 0.5) on a stock check and 25 ms on a reservation, then
//!   queries its database (2 ms of CPU to read, 3 ms to write, on 8 cores;
//!   1 ms round trips, σ 0.5); 0.1 % of its requests fail, the legacy code's
//!   own errors.
//! - Warehouse (a Go service: 3 pods × 500 goroutines) spends 4 ms (σ 0.4)
//!   and 5 ms, and queries its own database (1 ms and 2 ms on 4 cores); a
//!   share `new_service_bug_rate` (5 %) of its answers are errors. A copy of a
//!   reservation is a dry run: the same work and write, rolled back.
//! - Each database keeps reservations in a table keyed by reservation, with
//!   a unique key. `cdc_sync` runs two Debezium-style captures, monolith →
//!   Warehouse and back (the log read every 500 ms, 10 ms (σ 0.5) through
//!   Kafka, batches of at most 500 applied in 20 ms (σ 0.5) + 0.2 ms a row).
//! - 300 s, one-second buckets.

use crate::sim::{
    CallSpec, ChangeCaptureId, ChangeCaptureSpec, ClientId, ClientSpec, DataAccess, DatabaseId,
    DatabaseSpec, Dist, Handler, HandlerId, OnDuplicate, Query, RoutePath, RouteRule, RouterId,
    RouterSpec, ServiceSpec, Span, Step, TableId, Target, TimedId, World, MS, SEC,
};

use super::figures::{client_series, merged_quantile_ms, Outcomes, ENDED, FAILED};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, Hue, ParamSpec, SeriesExpr};
use super::Scenario;
use crate::sim::kernel::time::from_secs;

/// The user populations: stock checks and reservations.
const USERS: [&str; 2] = ["stock_checks", "reservations"];
/// The share of the traffic that writes (reservations).
const WRITE_SHARE: f64 = 0.2;
/// The gateway rule the migration moves, and its backends.
const RULE: &str = "warehouse";
const MONOLITH: u16 = 0;
const WAREHOUSE: u16 = 1;
/// The share of the monolith's requests that fail on their own.
const MONOLITH_ERRORS: f64 = 0.001;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::number("shadow_percent", "Shadow traffic", "%", 25.0, 0.0, 100.0, "Share of live requests copied to Warehouse; its answers are compared with the monolith's and thrown away."),
    ParamSpec::choice("route_warehouse", "Route /warehouse", &["monolith", "new"], "monolith", "Where the gateway sends /warehouse requests: the monolith, or the new Warehouse service."),
    ParamSpec::switch("cdc_sync", "CDC sync", false, "Change data capture between the two databases, both ways, about half a second behind."),
    ParamSpec::number("new_service_bug_rate", "New-service bug rate", "", 0.05, 0.0, 1.0, "Share of Warehouse's answers that are wrong (errors)."),
    ParamSpec::number("rollback", "Roll back at", "s", 240.0, 1.0, 3_600.0, "When the gateway's /warehouse route flips back to the monolith; off: never.").or_off(true),
    ParamSpec::number("requests_rps", "Requests per second", "/s", 500.0, 50.0, 2_000.0, "Requests users send through the gateway: 80 % stock checks, 20 % reservations."),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: Shadow traffic 25 %, New-service bug rate 0.05.",
        "User-facing error rate and shadow mismatches.",
        "A quarter of the requests are copied to Warehouse, which gets 5 % of them wrong. What do users see?",
        "Only the monolith's own errors, about 0.1 %: the gateway answers with the monolith's answer and throws the copy's away, without waiting for it. The mismatches chart counts Warehouse's bugs instead — about one compared copy in twenty.",
        300.0,
    )
    .choices(&["About 5 % errors", "About 1 % errors", "Only the monolith's own errors"], 2)
    .expect("user_error_rate", 0.0, 0.004)
    .charts(&["User-facing error rate", "Shadow comparisons"]),
    GuidedStep::new(
        "Set Shadow traffic to 100 %.",
        "Traffic per backend.",
        "How many requests a second does Warehouse take now, with 500 a second coming in?",
        "All 500: a copy of every request. New-service load is the shadow share times the traffic, so the new service is tested at full production load before it answers a single user.",
        300.0,
    )
    .choices(&["None: copies are not requests", "About 125", "About 500"], 2)
    .set(&[("shadow_percent", "100")])
    .expect("new_service_rps", 470.0, 530.0)
    .charts(&["Traffic per backend", "User-facing error rate"]),
    GuidedStep::new(
        "Set Route /warehouse to new at 120 s, Roll back at 240 s, with CDC sync off.",
        "User-facing error rate, and writes present in each database.",
        "After the rollback, what has become of the reservations made on Warehouse between 120 s and 240 s?",
        "The monolith's database never got them: about 12,000 reservations users were told had succeeded are missing once the routes flip back. Users also met Warehouse's 5 % of errors while it answered.",
        300.0,
    )
    .choices(&["The monolith has them all", "They are missing", "Half arrived"], 1)
    .set(&[("rollback", "240")])
    .at(&[(120.0, "route_warehouse", "new")])
    .expect("lost_writes_after_rollback", 9_000.0, 14_000.0)
    .charts(&["Writes present in each database", "User-facing error rate"]),
    GuidedStep::new(
        "Turn CDC sync on, with Route /warehouse to new at 120 s and Roll back at 240 s.",
        "Writes present in each database.",
        "How many of the reservations made on Warehouse are missing after the rollback now?",
        "None: every write to one database reaches the other about half a second later, both ways, so the monolith's database holds Warehouse's reservations when the routes flip back.",
        300.0,
    )
    .choices(&["None", "A few hundred", "About 12,000"], 0)
    .set(&[("cdc_sync", "on"), ("rollback", "240")])
    .at(&[(120.0, "route_warehouse", "new")])
    .expect("lost_writes_after_rollback", 0.0, 0.0)
    .charts(&["Writes present in each database", "Traffic per backend"]),
];

/// The colours of the two backends, the same in every chart.
const MONOLITH_HUE: Hue = Hue::Orange;
const WAREHOUSE_HUE: Hue = Hue::Sky;

fn charts() -> Vec<ChartSpec> {
    let per_s = |n: &str| SeriesExpr::PerSecond(n.to_string());
    let plain = |n: &str| SeriesExpr::Plain(n.to_string());
    vec![
        ChartSpec {
            title: "Traffic per backend",
            unit: "req/s",
            lines: vec![
                line("monolith", per_s("monolith.arrived")).hue(MONOLITH_HUE),
                line("Warehouse", per_s("warehouse.arrived")).hue(WAREHOUSE_HUE),
                line("copies to Warehouse", per_s("gateway.shadow.sent"))
                    .hue(WAREHOUSE_HUE)
                    .dashed(),
                line(
                    "route",
                    SeriesExpr::State(
                        "gateway.warehouse.backend".into(),
                        &[(0, "monolith"), (1, "new")],
                    ),
                ),
            ],
        },
        ChartSpec {
            title: "Shadow comparisons",
            unit: "per second",
            lines: vec![
                line("mismatched", per_s("gateway.shadow.mismatched")).hue(Hue::Vermillion),
                line("matched", per_s("gateway.shadow.matched")).hue(Hue::Black),
            ],
        },
        ChartSpec {
            title: "User-facing error rate",
            unit: "share",
            lines: vec![line(
                "errors, rejections and timeouts",
                SeriesExpr::Ratio(
                    client_series(&USERS, &FAILED),
                    client_series(&USERS, &ENDED),
                ),
            )],
        },
        ChartSpec {
            title: "Writes present in each database",
            unit: "reservations",
            lines: vec![
                line("monolith DB", plain("monolith_reservations.row_count")).hue(MONOLITH_HUE),
                line("Warehouse DB", plain("warehouse_reservations.row_count")).hue(WAREHOUSE_HUE),
                line(
                    "CDC",
                    SeriesExpr::State("cdc_to_monolith.running".into(), &[(0, "off"), (1, "on")]),
                ),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("user_error_rate", "User-facing error rate"),
    ("user_p99_ms", "User latency p99"),
    ("shadow_mismatches", "Shadow mismatches"),
    ("shadow_mismatch_rate", "Mismatches per compared copy"),
    ("new_service_rps", "Load on Warehouse"),
    ("monolith_rps", "Load on the monolith"),
    (
        "lost_writes_after_rollback",
        "Writes missing after the rollback",
    ),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "strangler-fig",
    title: "Strangler fig",
    story: Some(157),
    lesson: "shadow traffic tests a new service unseen; a rollback needs the data synced",
    narrative: "A ten-year-old inventory monolith is being replaced route by route. An NGINX \
        gateway sends /warehouse to the monolith, and a new Warehouse service with its own \
        database mimics its API. Before it answers anyone, the gateway copies live requests to it \
        and compares the answers: users only ever get the monolith's, and the mismatches show \
        Warehouse's bugs at production load. Then the route flips. If it has to flip back, the \
        reservations Warehouse took meanwhile live only in its database — unless change data \
        capture has been streaming every write to the monolith's database too, so the rollback \
        finds them there.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 300.0,
    speed: 10.0,
    bucket_ms: 1_000,
    build,
};

struct StranglerModel {
    world: World,
    router: RouterId,
    users: [ClientId; 2],
    /// Warehouse's handlers: stock check, reservation, a reservation's dry run.
    warehouse: [HandlerId; 3],
    /// Warehouse's database and reservations table.
    warehouse_db: DatabaseId,
    warehouse_rows: TableId,
    /// Monolith → Warehouse, and Warehouse → monolith.
    captures: [ChangeCaptureId; 2],
    /// The rollback, while still to come.
    rollback: Option<TimedId>,
}

fn lognormal(median_ms: f64, sigma: f64) -> Dist {
    Dist::LogNormal { median_ms, sigma }
}

fn route(p: &Params) -> Target {
    match p.choice("route_warehouse") {
        "new" => Target::Backend(WAREHOUSE),
        _ => Target::Backend(MONOLITH),
    }
}

/// Warehouse's steps: stock check, reservation, and a reservation's dry run
/// (its work and write, rolled back: no row).
fn warehouse_steps(db: DatabaseId, table: TableId, bug: f64) -> [Vec<Step>; 3] {
    let read = Step::Db(DataAccess::one(db, Query::read(1.0, 1.0)));
    let write = Step::Db(DataAccess::one(db, Query::write(2.0, 1.0)));
    let fail = Step::FailWith { p: bug };
    [
        vec![Step::Work(lognormal(4.0, 0.4)), fail.clone(), read],
        vec![
            Step::Work(lognormal(5.0, 0.4)),
            fail.clone(),
            write.clone(),
            Step::Insert {
                table,
                on_duplicate: OnDuplicate::ReplyOk,
            },
        ],
        vec![Step::Work(lognormal(5.0, 0.4)), fail, write],
    ]
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let gateway = world.add_service(ServiceSpec::new("gateway", 2, 1_024));
    let monolith = world.add_service(ServiceSpec::new("monolith", 4, 200).queue_cap(100));
    let warehouse = world.add_service(ServiceSpec::new("warehouse", 3, 500));
    let db = |name: &str, cores| {
        DatabaseSpec::new(name, cores)
            .rtt_us(MS)
            .rtt_spread(0.5)
            .max_connections(100)
    };
    let monolith_db = world.add_database(db("monolith_db", 8), 0);
    let warehouse_db = world.add_database(db("warehouse_db", 4), 0);
    let old_rows = world.add_table("monolith_reservations", true);
    let new_rows = world.add_table("warehouse_reservations", true);

    let legacy_errors = Step::FailWith { p: MONOLITH_ERRORS };
    let old_stock = world.add_handler(Handler::new(
        "stock",
        monolith,
        vec![
            legacy_errors.clone(),
            Step::Work(lognormal(20.0, 0.5)),
            Step::Db(DataAccess::one(monolith_db, Query::read(2.0, 1.0))),
        ],
    ));
    let old_reserve = world.add_handler(Handler::new(
        "reserve",
        monolith,
        vec![
            legacy_errors,
            Step::Work(lognormal(25.0, 0.5)),
            Step::Db(DataAccess::one(monolith_db, Query::write(3.0, 1.0))),
            Step::Insert {
                table: old_rows,
                on_duplicate: OnDuplicate::ReplyOk,
            },
        ],
    ));
    let [stock, reserve, dry_run] =
        warehouse_steps(warehouse_db, new_rows, p.f("new_service_bug_rate"));
    let new_stock = world.add_handler(Handler::new("stock", warehouse, stock));
    let new_reserve = world.add_handler(Handler::new("reserve", warehouse, reserve));
    let new_dry_run = world.add_handler(Handler::new("reserve_dry_run", warehouse, dry_run));

    let call = |service, handler| CallSpec::new(service, handler).timeout_us(30 * SEC);
    let spec = RouterSpec::new("gateway", &["monolith", "warehouse"])
        .path(RoutePath::new(
            "/warehouse/stock",
            vec![call(monolith, old_stock), call(warehouse, new_stock)],
        ))
        .path(
            RoutePath::new(
                "/warehouse/reservations",
                vec![call(monolith, old_reserve), call(warehouse, new_reserve)],
            )
            .shadow_handler(WAREHOUSE, new_dry_run),
        )
        .rule(
            RouteRule::new(RULE, "/warehouse", route(p)).mirror(WAREHOUSE, p.f("shadow_percent")),
        );
    let router = world.add_router(spec);

    let mut users = Vec::new();
    for (name, path, share) in [
        (USERS[0], "/warehouse/stock", 1.0 - WRITE_SHARE),
        (USERS[1], "/warehouse/reservations", WRITE_SHARE),
    ] {
        let step = world.route_step(router, path);
        let h = world.add_handler(Handler::new(
            name,
            gateway,
            vec![Step::Work(lognormal(0.3, 0.3)), step],
        ));
        let rate = p.f("requests_rps") * share;
        users.push(world.add_client(ClientSpec::new(name, rate, gateway, h).timeout_us(10 * SEC)));
    }

    let sync = |spec: ChangeCaptureSpec| {
        if p.on("cdc_sync") {
            spec
        } else {
            spec.stopped()
        }
    };
    let forward = world.add_change_capture(sync(ChangeCaptureSpec::new(
        "cdc_to_warehouse",
        old_rows,
        new_rows,
    )));
    let back = world.add_change_capture(sync(ChangeCaptureSpec::new(
        "cdc_to_monolith",
        new_rows,
        old_rows,
    )));

    let mut model = StranglerModel {
        world,
        router,
        users: [users[0], users[1]],
        warehouse: [new_stock, new_reserve, new_dry_run],
        warehouse_db,
        warehouse_rows: new_rows,
        captures: [forward, back],
        rollback: None,
    };
    model.schedule_rollback(p);
    Box::new(model)
}

impl StranglerModel {
    /// Cancels a rollback still to come, and schedules the one `p` asks for
    /// if it is still ahead.
    fn schedule_rollback(&mut self, p: &Params) {
        if let Some(id) = self.rollback.take() {
            self.world.cancel(id);
        }
        let Some(at) = p.num("rollback") else {
            return;
        };
        let at_us = from_secs(at);
        if at_us < self.world.now() {
            return;
        }
        let router = self.router;
        self.rollback = Some(self.world.at(
            at_us,
            "Rollback: /warehouse flips back to the monolith",
            Box::new(move |w: &mut World| {
                w.set_route_target(router, RULE, Target::Backend(MONOLITH))
            }),
        ));
    }
}

impl Model for StranglerModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "shadow_percent" => {
                self.world
                    .set_mirror_percent(self.router, RULE, p.f("shadow_percent"))
            }
            "route_warehouse" => self.world.set_route_target(self.router, RULE, route(p)),
            "cdc_sync" => {
                for c in self.captures {
                    self.world.set_capture_running(c, p.on("cdc_sync"));
                }
            }
            "new_service_bug_rate" => {
                let bug = p.f("new_service_bug_rate");
                let steps = warehouse_steps(self.warehouse_db, self.warehouse_rows, bug);
                for (h, s) in self.warehouse.into_iter().zip(steps) {
                    self.world.set_steps(h, s);
                }
            }
            "rollback" => self.schedule_rollback(p),
            "requests_rps" => {
                let rate = p.f("requests_rps");
                self.world
                    .set_client_rate(self.users[0], rate * (1.0 - WRITE_SHARE));
                self.world
                    .set_client_rate(self.users[1], rate * WRITE_SHARE);
            }
            _ => {}
        }
    }

    /// Every figure reads span `v`, but the writes missing after the
    /// rollback: a state of the databases now, the same over any span.
    fn headline(&self, p: &Params, v: &Span) -> Headline {
        let users = Outcomes::of(v, &USERS);
        let latencies: Vec<String> = USERS.iter().map(|u| format!("{u}.latency")).collect();
        let mismatched = v.counter_total("gateway.shadow.mismatched");
        let compared = mismatched + v.counter_total("gateway.shadow.matched");
        // Reservations Warehouse's database holds that the monolith's lacks,
        // once the routes have flipped back.
        let now = self.world.now();
        let lost = p
            .num("rollback")
            .filter(|at| now >= from_secs(*at))
            .map(|_| self.world.change_capture(self.captures[1]).missing() as f64);
        vec![
            ("user_error_rate", users.failure_rate()),
            ("user_p99_ms", merged_quantile_ms(v, &latencies, 0.99)),
            ("shadow_mismatches", Some(mismatched)),
            (
                "shadow_mismatch_rate",
                (compared > 0.0).then(|| mismatched / compared),
            ),
            ("new_service_rps", v.per_second("warehouse.arrived")),
            ("monolith_rps", v.per_second("monolith.arrived")),
            ("lost_writes_after_rollback", lost),
        ]
    }
}
