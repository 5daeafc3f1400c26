//! `distributed-deadlock` (story 158): Order locks an inventory row and calls
//! Shipping synchronously; Shipping locks a logistics row and calls Order
//! synchronously. Locks held across the calls wait for each other, no database
//! can see the cycle, and only the 30 s HTTP timeout breaks it. A saga over
//! events holds no lock across a remote call; a one-way call graph has no cycle.
//!
//! Calibration (chosen once, then left to the mechanism):
//! - `tx_per_s` transactions a second, half of them checkouts (Order: lock an
//!   inventory row, SQL, call Shipping to reserve a slot, SQL, commit)
//!   and half courier dispatches (Shipping: lock a logistics row, SQL, call
//!   Order to confirm the shipment, SQL, commit). The callees lock a row of
//!   their own table for one SQL step: Shipping's reservation a logistics row,
//!   Order's confirmation an inventory row. SQL: log-normal, median 10 ms.
//! - Contention: each lock takes one of 10 hot rows at random (the popular
//!   products, the busy warehouses), so both kinds of transaction collide.
//!   Without cycles a row is held ≈ 30 ms; at 20 tx/s that is light load
//!   (each row busy ≈ 3 % of the time). A crossing — a checkout and a dispatch
//!   each holding the row the other's callee needs — starts about every
//!   half minute.
//! - Each service: one pod, 100 threads, 100 more connections queued at most
//!   (then refused). Every HTTP call, the clients' included, times out after
//!   `http_timeout_s`; the database's own lock-wait timeout is 50 s (MySQL's
//!   default), longer, so the HTTP timeout is what ends a cross-service wait.
//!   A server does not notice its client gave up and works on.
//! - Saga: the same local transactions, but each commits and publishes an
//!   event (broker delivery 5 ms; 8 consumers per group) instead of calling.

use crate::sim::{
    CallSpec, ClientId, ClientSpec, Dist, Handler, HandlerId, LockTableId, LockTableSpec,
    ServiceId, ServiceSpec, Span, Step, TopicId, TopicSpec, World, SEC,
};

use super::figures::{client_series, merged, merged_quantile_ms, Outcomes};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, plain, ChartSpec, LineSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("communication", "Communication", &["sync_http", "saga_events"], "sync_http", "sync_http: each service calls the other while holding its row lock. saga_events: commit locally, publish an event, reply at once."),
    ParamSpec::number("http_timeout_s", "HTTP timeout", "s", 30.0, 1.0, 120.0, "How long a caller waits for the other service before failing (and rolling back)."),
    ParamSpec::choice("call_direction", "Call direction", &["both_ways", "one_way"], "both_ways", "both_ways: Order calls Shipping and Shipping calls Order. one_way: Shipping never calls (or notifies) Order."),
    ParamSpec::number("tx_per_s", "Transactions per second", "tps", 20.0, 1.0, 500.0, "Offered transactions per second, half checkouts at Order, half courier dispatches at Shipping."),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: synchronous HTTP both ways, 20 transactions a second.",
        "Transactions completed and failed, and threads blocked on locks.",
        "Each transaction holds a row for about 30 ms. What happens over ten minutes?",
        "Once a checkout holds an inventory row a dispatch needs while that dispatch holds the logistics row the checkout needs, both wait for ever. Nothing breaks the cycle until the 30 s HTTP timeout, and meanwhile every transaction touching those rows queues and pins its own row: within minutes most hot rows are stuck and throughput collapses.",
        600.0,
    )
    .choices(&["Nothing: the locks are short", "A few transactions wait, then carry on", "Throughput collapses"], 2)
    .expect("throughput_tps", 0.0, 5.0),
    GuidedStep::new(
        "Look at the p99 latency and the longest lock hold.",
        "p99 and locks held.",
        "What do the slowest transactions take?",
        "About 30 s: they end when a caller's timeout fires, fail and roll back. Each database only sees a transaction idle in the middle of its work; it cannot see the HTTP call that closes the cycle.",
        600.0,
    )
    .choices(&["About 30 ms", "About 1 s", "About 30 s, the HTTP timeout"], 2)
    .expect("p99_latency_ms", 29_000.0, 31_000.0)
    .charts(&["p99 latency", "Locks held"]),
    GuidedStep::new(
        "Set Call direction to one_way.",
        "Deadlocks and p99.",
        "Still synchronous, still holding locks across a call. Deadlocks?",
        "None: Shipping never waits for Order, so no wait can come back round to where it started. A rule on the call graph (A may call B, never B call A) rules cycles out.",
        600.0,
    )
    .choices(&["As many as before", "Fewer, but some", "None"], 2)
    .set(&[("call_direction", "one_way")])
    .expect("deadlocks", 0.0, 0.0)
    .charts(&["Transactions completed / failed", "p99 latency"]),
    GuidedStep::new(
        "Back to both_ways, set Communication to saga_events.",
        "Throughput, locks held and event lag.",
        "Each service still does the same local work. What changes?",
        "No lock is held across a remote call: each side commits, publishes and replies at once, and the other side picks the event up milliseconds later. Zero deadlocks, and throughput equals the offered load.",
        600.0,
    )
    .choices(&["Nothing: the same deadlocks", "No lock is held across a call: full throughput", "Every transaction fails"], 1)
    .set(&[("communication", "saga_events")])
    .expect("throughput_tps", 18.0, 22.0)
    .charts(&["Transactions completed / failed", "Event lag (saga)"]),
    GuidedStep::new(
        "Back to sync_http, set HTTP timeout to 5 s.",
        "Deadlocks, p99 and throughput.",
        "A shorter timeout: does it cure the deadlock?",
        "No: the same cycles form and each is broken after 5 s instead of 30, so the slowest transactions take 5 s. A timeout bounds a deadlock; only the design removes it.",
        600.0,
    )
    .choices(&["Yes: no cycle lasts long enough", "No: cycles still form, each broken sooner", "The database now finds them"], 1)
    .set(&[("http_timeout_s", "5")])
    .expect("p99_latency_ms", 4000.0, 6000.0)
    .charts(&["Transactions completed / failed", "p99 latency"]),
];

fn per_s(label: &'static str, s: &str) -> LineSpec {
    line(label, SeriesExpr::PerSecond(s.into()))
}

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Transactions completed / failed",
            unit: "tx/s",
            lines: vec![
                per_s("checkouts ok", "checkout.ok"),
                per_s("dispatches ok", "courier.ok"),
                per_s("checkouts failed", "checkout.error"),
                per_s("dispatches failed", "courier.error"),
            ],
        },
        ChartSpec {
            title: "Threads blocked",
            unit: "threads",
            lines: vec![
                plain("waiting for an inventory row", "inventory.lock_waiters"),
                plain("waiting for a logistics row", "logistics.lock_waiters"),
                plain("Order threads busy", "order.busy"),
                plain("Shipping threads busy", "shipping.busy"),
            ],
        },
        ChartSpec {
            title: "Locks held",
            unit: "rows",
            lines: vec![
                plain("inventory", "inventory.locks_held"),
                plain("logistics", "logistics.locks_held"),
            ],
        },
        ChartSpec {
            title: "p99 latency",
            unit: "ms",
            lines: vec![
                plain("checkout p99", "checkout.latency.p99"),
                plain("dispatch p99", "courier.latency.p99"),
            ],
        },
        ChartSpec {
            title: "Event lag (saga)",
            unit: "events",
            lines: vec![
                plain("order-placed", "order-placed.lag"),
                plain("shipment-dispatched", "shipment-dispatched.lag"),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("deadlocks", "Deadlocks"),
    ("failed_tx", "Failed transactions"),
    ("p99_latency_ms", "Transaction p99"),
    ("throughput_tps", "Transactions completed"),
    ("max_lock_hold_ms", "Longest row lock held"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "distributed-deadlock",
    title: "Distributed deadlock across two services",
    story: Some(158),
    lesson: "locks held across sync calls deadlock; sagas don't",
    narrative:
        "A checkout at the Order service locks the inventory row of the product, then calls \
        Shipping synchronously to reserve a slot. A courier dispatch at the Shipping service locks \
        the warehouse's logistics row, then calls Order synchronously to confirm the shipment. \
        Most of the time they miss each other. But when one holds the row the other needs, each \
        waits for the other over HTTP — and neither database can tell, because each sees only its \
        own rows. The wait ends when the 30-second HTTP timeout fires; meanwhile everything else \
        touching those rows piles up behind them. Break the cycle: let the call graph go one way \
        only, or stop calling altogether — commit locally and publish an event (a saga).",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 600.0,
    speed: 10.0,
    bucket_ms: 1_000,
    build,
};

/// Worker threads per service, and connections waiting for one beyond which
/// new ones are refused (Tomcat's `acceptCount`).
const THREADS: u32 = 100;
const ACCEPT_QUEUE: u32 = 100;

/// Hot rows per table.
const HOT_ROWS: u32 = 10;

fn sql() -> Step {
    Step::Work(Dist::LogNormal {
        median_ms: 10.0,
        sigma: 0.3,
    })
}

#[derive(Clone, Copy)]
struct Parts {
    order: ServiceId,
    shipping: ServiceId,
    inventory: LockTableId,
    logistics: LockTableId,
    place_order: HandlerId,
    confirm: HandlerId,
    dispatch: HandlerId,
    reserve: HandlerId,
    order_placed: TopicId,
    shipment_dispatched: TopicId,
}

/// The two client-facing handlers' steps for the parameters.
fn http_timeout_us(p: &Params) -> u64 {
    (p.f("http_timeout_s") * SEC as f64).round() as u64
}

fn entry_steps(p: &Params, k: &Parts) -> (Vec<Step>, Vec<Step>) {
    let timeout = http_timeout_us(p);
    let call = |s, h| Step::Call(CallSpec::new(s, h).timeout_us(timeout));
    let both = p.choice("call_direction") == "both_ways";
    let lock = |table| Step::Lock {
        table,
        rows: HOT_ROWS,
    };
    let (mut place, mut dispatch) = (
        vec![lock(k.inventory), sql()],
        vec![lock(k.logistics), sql()],
    );
    if p.choice("communication") == "sync_http" {
        place.extend([call(k.shipping, k.reserve), sql()]);
        if both {
            dispatch.extend([call(k.order, k.confirm), sql()]);
        } else {
            dispatch.push(sql());
        }
    } else {
        place.extend([
            Step::Commit,
            Step::Publish {
                topic: k.order_placed,
            },
        ]);
        dispatch.push(Step::Commit);
        if both {
            dispatch.push(Step::Publish {
                topic: k.shipment_dispatched,
            });
        }
    }
    (place, dispatch)
}

/// The row-lock tables: Order's inventory, Shipping's logistics.
const TABLES: [&str; 2] = ["inventory", "logistics"];

struct DeadlockModel {
    world: World,
    k: Parts,
    clients: Vec<ClientId>,
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let service = |w: &mut World, name: &str| {
        w.add_service(ServiceSpec::new(name, 1, THREADS).queue_cap(ACCEPT_QUEUE))
    };
    let order = service(&mut world, "order");
    let shipping = service(&mut world, "shipping");
    let table = |w: &mut World, name: &str| {
        w.add_lock_table(LockTableSpec {
            name: name.into(),
            wait_timeout_us: Some(50 * SEC),
        })
    };
    let inventory = table(&mut world, TABLES[0]);
    let logistics = table(&mut world, TABLES[1]);
    let handler = |w: &mut World, name: &str, service, steps| {
        w.add_handler(Handler::new(name, service, steps))
    };
    let lock = |table| Step::Lock {
        table,
        rows: HOT_ROWS,
    };
    let confirm = handler(
        &mut world,
        "confirm_shipment",
        order,
        vec![lock(inventory), sql()],
    );
    let reserve = handler(
        &mut world,
        "reserve_slot",
        shipping,
        vec![lock(logistics), sql()],
    );
    let order_placed = world.add_topic(TopicSpec::new("order-placed", shipping, reserve, 8));
    let shipment_dispatched =
        world.add_topic(TopicSpec::new("shipment-dispatched", order, confirm, 8));
    let place_order = handler(&mut world, "place_order", order, Vec::new());
    let dispatch = handler(&mut world, "dispatch", shipping, Vec::new());
    let k = Parts {
        order,
        shipping,
        inventory,
        logistics,
        place_order,
        confirm,
        dispatch,
        reserve,
        order_placed,
        shipment_dispatched,
    };
    let mut m = DeadlockModel {
        world,
        k,
        clients: Vec::new(),
    };
    m.set_steps(p);
    let half = p.f("tx_per_s") / 2.0;
    let timeout = http_timeout_us(p);
    let client = |w: &mut World, name: &str, service, handler| {
        w.add_client(ClientSpec::new(name, half, service, handler).timeout_us(timeout))
    };
    m.clients = vec![
        client(&mut m.world, "checkout", order, place_order),
        client(&mut m.world, "courier", shipping, dispatch),
    ];
    Box::new(m)
}

impl DeadlockModel {
    fn set_steps(&mut self, p: &Params) {
        let (place, dispatch) = entry_steps(p, &self.k);
        self.world.set_steps(self.k.place_order, place);
        self.world.set_steps(self.k.dispatch, dispatch);
    }
}

impl Model for DeadlockModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "communication" | "call_direction" => self.set_steps(p),
            "http_timeout_s" => {
                self.set_steps(p);
                for c in self.clients.clone() {
                    self.world.set_client_timeout(c, Some(http_timeout_us(p)));
                }
            }
            "tx_per_s" => {
                for c in self.clients.clone() {
                    self.world.set_client_rate(c, p.f("tx_per_s") / 2.0);
                }
            }
            _ => {}
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let w = &self.world;
        let clients: Vec<&str> = self
            .clients
            .iter()
            .map(|c| w.client(*c).spec.name.as_str())
            .collect();
        let ended = Outcomes::of(v, &clients);
        // Every ended transaction as its client saw it: answers, and the
        // waits of callers that gave up.
        let waits = client_series(&clients, &["latency", "gave_up_after"]);
        // The longest a row lock was held (released ones).
        let holds = TABLES.map(|t| format!("{t}.lock_hold"));
        let max_hold = merged(v, &holds).max();
        let secs = v.secs();
        vec![
            ("deadlocks", Some(v.counter_total("locks.deadlocks"))),
            ("failed_tx", Some(ended.failed())),
            ("p99_latency_ms", merged_quantile_ms(v, &waits, 0.99)),
            ("throughput_tps", (secs > 0.0).then(|| ended.ok / secs)),
            (
                "max_lock_hold_ms",
                (secs > 0.0).then(|| max_hold.unwrap_or(0) as f64 / 1e3),
            ),
        ]
    }
}
