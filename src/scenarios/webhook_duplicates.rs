//! `webhook-duplicates` (story 163): a payment provider re-sends a webhook when
//! it did not get our 200 OK, and a handler that writes a ledger entry per
//! delivery books the same payment twice — unless it deduplicates.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - The provider sends 20 events a second (each simulated event stands for
//!   `event_weight` = 10), each with its own event id as the key. It waits 10 s
//!   for a 2xx; without one it re-sends the same event up to 3 times, after
//!   0.5–1 h, 1–2 h and 2–4 h (exponential backoff, base 1 h, equal jitter — the
//!   provider's schedule is hours long, like Stripe's).
//! - `redelivery_rate` of our 200 OKs are lost on the way back (network
//!   trouble): we booked the payment, the provider does not know.
//! - Handler: 2 ms to verify and parse, then the dedupe check if any, 8 ms of
//!   processing, then the ledger insert. `redis_setnx` does `SET id NX EX ttl`
//!   before processing and answers 200 at once when the key is there;
//!   `db_unique` inserts the id into a `processed_events` table with a unique
//!   constraint in the same transaction as the ledger row, and answers 200 on a
//!   unique violation. Redis keys are volatile: a restart loses them all.
//! - 12 hours, one-minute buckets.

use crate::sim::{
    Backoff, ClientSpec, Dist, Handler, HandlerId, Jitter, KvStoreId, OnDuplicate, RetryPolicy,
    ServiceId, ServiceSpec, Span, Step, TableId, TimedId, World, HOUR, SEC,
};

use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

/// Real events per second.
const EVENTS_PER_S: f64 = 20.0;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("dedupe", "Deduplication", &["none", "redis_setnx", "db_unique"], "none", "none: every delivery writes a ledger entry; redis_setnx: SETNX the event id in Redis first; db_unique: a unique constraint on the event id, in the ledger's transaction."),
    ParamSpec::number("redis_ttl_h", "Redis key TTL", "h", 24.0, 0.01, 720.0, "How long Redis remembers an event id; a redelivery after that is not recognised."),
    ParamSpec::number("redelivery_rate", "Lost acknowledgements", "", 0.05, 0.0, 0.5, "Share of our 200 OKs lost on the way back; the provider re-sends those events."),
    ParamSpec::number("redis_restart", "Redis restart", "s", 21_600.0, 1.0, 43_200.0, "When Redis restarts without persistence and forgets every key; off: never. Takes effect if set before that time.").or_off(true),
    ParamSpec::number("event_weight", "Events per simulated event", "", 10.0, 1.0, 100.0, "Real events each simulated one stands for (keeps a 12-hour run light); results do not depend on it.").integer().advanced().build_only(),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: no Deduplication, 5 % of our 200 OKs lost.",
        "Duplicates against redeliveries.",
        "How many duplicate ledger entries for each redelivery?",
        "One each: we had already booked every event whose acknowledgement was lost, so every redelivery books it again. Duplicates equal redeliveries.",
        43_200.0,
    )
    .choices(&["None: the provider only re-sends failures", "One each", "Two each"], 1)
    .expect("duplicates", 35_000.0, 50_000.0)
    .charts(&["Duplicates", "200 OKs to redeliveries"]),
    GuidedStep::new(
        "Set Deduplication to redis_setnx.",
        "Duplicates, and 200 OKs to redeliveries.",
        "Does the provider stop re-sending?",
        "It re-sends as often as before, but every redelivery is answered 200 at once and duplicates drop to zero: only our ledger changed.",
        43_200.0,
    )
    .choices(&["Yes: it stops", "No: it re-sends as often, and every repeat is answered 200 at once", "It re-sends more"], 1)
    .set(&[("dedupe", "redis_setnx")])
    .expect("duplicates", 0.0, 0.0)
    .charts(&["Duplicates", "200 OKs to redeliveries"]),
    GuidedStep::new(
        "Keep Deduplication at redis_setnx and set Redis restart to 21600 s (6 h).",
        "Duplicates after the restart.",
        "Redis forgets every key at 6 h. Do duplicates come back?",
        "A burst of duplicates: events delivered in the hours before the restart whose redelivery comes after it. Volatile memory is not a ledger.",
        43_200.0,
    )
    .choices(&["No: Redis saved them", "Yes: a burst, from events whose redelivery comes after the restart", "Every event is booked twice from then on"], 1)
    .set(&[("dedupe", "redis_setnx"), ("redis_restart", "21600")])
    .expect("duplicates", 1000.0, 6000.0)
    .charts(&["Duplicates", "Ledger entries"]),
    GuidedStep::new(
        "Keep Deduplication at redis_setnx, no Redis restart, and set Redis key TTL to 1 h.",
        "Duplicates.",
        "The provider re-sends after up to 4 hours. What does a 1-hour TTL remember?",
        "Only the early redeliveries: later ones find the key expired and book the payment again.",
        43_200.0,
    )
    .choices(&["Every event", "Only the early redeliveries", "Nothing"], 1)
    .set(&[("dedupe", "redis_setnx"), ("redis_ttl_h", "1")])
    .expect("duplicates", 1000.0, 50_000.0)
    .charts(&["Duplicates", "200 OKs to redeliveries"]),
    GuidedStep::new(
        "Set Deduplication to db_unique, with Redis restart at 21600 s and a Redis key TTL of 1 h.",
        "Duplicates and 200 OKs.",
        "Anything left to go wrong?",
        "Zero duplicates in every case: the unique constraint lives in the same durable database, in the same transaction as the ledger row. A violation means already processed, and is answered 200.",
        43_200.0,
    )
    .choices(&["The restart lets some through", "Nothing: zero duplicates", "The short TTL lets some through"], 1)
    .set(&[("dedupe", "db_unique"), ("redis_restart", "21600"), ("redis_ttl_h", "1")])
    .expect("duplicates", 0.0, 0.0)
    .charts(&["Duplicates", "200 OKs to redeliveries"]),
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Events received",
            unit: "per minute",
            lines: vec![
                line("new events", SeriesExpr::Plain("events.arrived".into())),
                line(
                    "deliveries (with redeliveries)",
                    SeriesExpr::Plain("webhooks.arrived".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Ledger entries",
            unit: "per minute",
            lines: vec![line("entries", SeriesExpr::Plain("ledger.rows".into()))],
        },
        ChartSpec {
            title: "Duplicates",
            unit: "per minute",
            lines: vec![line(
                "duplicate entries",
                SeriesExpr::Plain("ledger.duplicates".into()),
            )],
        },
        ChartSpec {
            title: "200 OKs to redeliveries",
            unit: "per minute",
            lines: vec![
                line(
                    "redeliveries",
                    SeriesExpr::Plain("redelivery.retries".into()),
                ),
                // Often on the redeliveries' line: dashed, so both show.
                line(
                    "answered 200",
                    SeriesExpr::Plain("redelivery.retries_ok".into()),
                )
                .dashed(),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("events", "Payment events"),
    ("ledger_entries", "Ledger entries"),
    ("duplicates", "Duplicate entries"),
    ("redeliveries_acked", "Redeliveries answered 200"),
    ("redeliveries", "Redeliveries"),
    ("acks_lost", "200 OKs lost"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "webhook-duplicates",
    title: "Webhook duplicates",
    story: Some(163),
    lesson: "dedupe with SETNX, but only a unique constraint is ACID-safe",
    narrative: "A payment provider tells us about every payment with a webhook, and re-sends it \
        when it does not hear our 200 OK. Sometimes we did hear it, booked the payment, and \
        answered — but the answer was lost on the way back. The provider sends the event again, and \
        a handler that writes a ledger entry per delivery books the payment twice. Remembering event \
        ids in Redis with SETNX stops that, until Redis forgets: a restart, or a key that expired \
        before a late redelivery. A unique constraint on the event id in the ledger's own database \
        never forgets.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 43_200.0,
    speed: 600.0,
    bucket_ms: 60_000,
    build,
};

struct WebhookModel {
    world: World,
    handler: HandlerId,
    redis: KvStoreId,
    processed: TableId,
    ledger: TableId,
    service: ServiceId,
    /// The last scheduled Redis restart (cancelled if moved before it runs).
    restart: Option<TimedId>,
}

/// Schedules the Redis restart at `at` (none if 0).
fn schedule_restart(world: &mut World, redis: KvStoreId, at: u64) -> Option<TimedId> {
    (at > 0).then(|| {
        world.at(
            at,
            "Redis restarts",
            Box::new(move |w: &mut World| w.restart_kv_store(redis)),
        )
    })
}

fn restart_us(p: &Params) -> u64 {
    p.num("redis_restart")
        .map_or(0, |s| (s * SEC as f64) as u64)
}

impl WebhookModel {
    /// The handler for the chosen deduplication. Every variant has the same five
    /// steps, so that switching live never skips or repeats a step for a request
    /// in the middle of one; an unused check is a zero-length pause.
    fn wire(&mut self, p: &Params) {
        let pause = Step::Work(Dist::Constant { ms: 0.0 });
        let dedupe = p.choice("dedupe");
        let before = if dedupe == "redis_setnx" {
            Step::SetNx {
                store: self.redis,
                ttl_us: (p.f("redis_ttl_h") * HOUR as f64) as u64,
                on_duplicate: OnDuplicate::ReplyOk,
            }
        } else {
            pause.clone()
        };
        let in_tx = if dedupe == "db_unique" {
            Step::Insert {
                table: self.processed,
                on_duplicate: OnDuplicate::ReplyOk,
            }
        } else {
            pause
        };
        self.world.set_steps(
            self.handler,
            vec![
                Step::Work(Dist::Exponential { mean_ms: 2.0 }),
                before,
                Step::Work(Dist::LogNormal {
                    median_ms: 8.0,
                    sigma: 0.5,
                }),
                in_tx,
                Step::Insert {
                    table: self.ledger,
                    on_duplicate: OnDuplicate::Fail,
                },
            ],
        );
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let service = world.add_service(ServiceSpec::new("webhooks", 2, 50));
    let handler = world.add_handler(Handler::new("payment-webhook", service, vec![]));
    let redis = world.add_kv_store("redis", 50_000_000);
    let processed = world.add_table("processed_events", true);
    let ledger = world.add_table("ledger", false);
    world.set_response_loss(service, p.f("redelivery_rate"));
    let redelivery = world.add_retry(
        "redelivery",
        RetryPolicy::new(
            4,
            Backoff::Exponential {
                base_us: HOUR,
                cap_us: 24 * HOUR,
                multiplier: 2.0,
                jitter: Jitter::Equal,
            },
        ),
    );
    let weight = p.f("event_weight") as u32;
    world.add_client(
        ClientSpec::new("events", EVENTS_PER_S, service, handler)
            .weight(weight)
            .redelivery(redelivery, 10 * SEC),
    );
    let restart = schedule_restart(&mut world, redis, restart_us(p));
    let mut m = WebhookModel {
        world,
        handler,
        redis,
        processed,
        ledger,
        service,
        restart,
    };
    m.wire(p);
    Box::new(m)
}

impl Model for WebhookModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "redelivery_rate" => self
                .world
                .set_response_loss(self.service, p.f("redelivery_rate")),
            "redis_restart" => {
                // A restart still to come is cancelled; the new time, if still
                // ahead, is scheduled. One that already ran stays in the past.
                if let Some(id) = self.restart.take() {
                    self.world.cancel(id);
                }
                let t = restart_us(p);
                let t = if t >= self.world.now() { t } else { 0 };
                self.restart = schedule_restart(&mut self.world, self.redis, t);
            }
            // dedupe, redis_ttl_h: deliveries from now on; event_weight: at build.
            _ => self.wire(p),
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let t = |n: &str| Some(v.counter_total(n));
        vec![
            ("events", t("events.arrived")),
            ("ledger_entries", t("ledger.rows")),
            ("duplicates", t("ledger.duplicates")),
            ("redeliveries_acked", t("redelivery.retries_ok")),
            ("redeliveries", t("redelivery.retries")),
            ("acks_lost", t("webhooks.responses_lost")),
        ]
    }
}
