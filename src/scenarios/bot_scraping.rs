//! `bot-scraping` (story 155): a token bucket per API key at the gateway, and
//! why a counter kept in each gateway pod lets a key through N times.
//!
//! System: paying customers (many API keys, each well under the limit) and one
//! scraping bot (one key) call a public weather API through `gateway_pods`
//! gateway pods (round robin) in front of the backend. The gateway checks the
//! key's token bucket before it forwards anything; a request over the limit is
//! answered 429 at the gateway.
//!
//! Calibration (chosen once for the story, then left to the mechanism):
//! - customers: 200 rps spread over 2,000 keys (6 requests a minute each, a
//!   tenth of the limit), client timeout 10 s;
//! - the bot: `bot_rps` from one key;
//! - gateway pod: 256 proxy workers, 0.3 ms of its own work per request (it
//!   holds the worker while the backend answers, like a synchronous proxy);
//! - the limit: `limit_per_min` a minute per key with a bucket of a sixth of
//!   that (ten seconds' worth, at least one token); the shared store is a
//!   Redis-like round trip of about 0.5 ms;
//! - backend: 4 pods × 8 workers, log-normal service time (median 80 ms,
//!   σ 0.5: mean ≈ 91 ms, so about 350 rps of capacity), 100 queued per pod at
//!   most. Customers alone keep it ≈ 57 % busy; the default bot pushes the
//!   offered load past capacity.

use crate::sim::{
    CallSpec, ClientId, ClientSpec, Dist, Handler, KeySpec, LimitScope, LimiterId, RateLimitSpec,
    ServiceId, ServiceSpec, Span, Step, World, SEC,
};

use super::figures::quantile_ms;
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const CUSTOMER_RPS: f64 = 200.0;
const CUSTOMER_KEYS: u64 = 2_000;
/// Customers hold keys 1..=2,000; the bot's key is none of theirs.
const BOT_KEY: u64 = 1_000_000;
const GATEWAY_WORKERS: u32 = 256;
const GATEWAY_STARTUP_S: u64 = 10;
const BACKEND_PODS: u32 = 4;
const BACKEND_WORKERS: u32 = 8;
const BACKEND_QUEUE: u32 = 100;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice(
        "rate_limit",
        "Rate limit",
        &["off", "local", "distributed"],
        "off",
        "off: every request is forwarded; local: a token bucket per key in each gateway pod's memory; distributed: one bucket per key in a shared store (Redis INCR-style).",
    ),
    ParamSpec::number("limit_per_min", "Limit per key", "req/min", 60.0, 1.0, 100_000.0, "Requests a minute one API key may send; the bucket holds a sixth of that for bursts.").integer(),
    ParamSpec::number("gateway_pods", "Gateway pods", "", 10.0, 1.0, 64.0, "Gateway pods; requests are spread over them round robin. New pods take 10 s to start.").integer(),
    ParamSpec::number("bot_rps", "Bot rate", "rps", 200.0, 0.0, 2_000.0, "Requests per second the scraping bot sends, all with one API key."),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: no rate limit, a bot sending 200 requests a second.",
        "Backend load by client class, and the customers' p99.",
        "The backend has room for about 350 requests a second and customers send 200. What happens to their p99?",
        "The bot's 200 rps push the backend past capacity: its queues fill, customer p99 climbs from about 0.3 s to well over 1 s and some customers get errors.",
        600.0,
    )
    .choices(&["Nothing: the bot is just another client", "It climbs from about 0.3 s to over 1 s", "Every customer is refused"], 1)
    .expect("customer_p99_ms", 800.0, 3000.0)
    .charts(&["Backend load", "Customer latency"]),
    GuidedStep::new(
        "Set Rate limit to local (60 a minute per key).",
        "Accepted and rejected per class.",
        "The bot's key is allowed 60 a minute. How many a minute get through?",
        "About 600: each of the 10 gateway pods keeps its own bucket, and round robin sends the bot to every one of them.",
        600.0,
    )
    .choices(&["60", "About 600", "About 12,000, as before"], 1)
    .set(&[("rate_limit", "local")])
    .expect("bot_accepted_per_min", 450.0, 750.0),
    GuidedStep::new(
        "Keep Rate limit at local and set Gateway pods to 20.",
        "The bot's accepted requests per minute.",
        "More gateway pods: a stricter or a looser limit?",
        "Looser: about 1,200 a minute now. A counter in each pod's memory leaks N times the limit, and scaling out makes it worse.",
        600.0,
    )
    .choices(&["Stricter: about 30 a minute", "Looser: about 1,200 a minute", "The same 600"], 1)
    .set(&[("rate_limit", "local"), ("gateway_pods", "20")])
    .expect("bot_accepted_per_min", 950.0, 1450.0),
    GuidedStep::new(
        "Set Rate limit to distributed.",
        "Backend load from bots, and the customers' p99.",
        "What reaches the backend from the bot now?",
        "About one request a second: 60 a minute, plus the bucket's burst once. The 429s are answered at the gateway and never reach the backend, and the customers' p99 is back at its no-bot level.",
        600.0,
    )
    .choices(&["About 600 a minute, as with local", "About one request a second", "Nothing at all"], 1)
    .set(&[("rate_limit", "distributed")])
    .expect("backend_rps_from_bots", 0.5, 2.0)
    .charts(&["Backend load", "Customer latency"]),
];

fn charts() -> Vec<ChartSpec> {
    let per_s = |n: &str| SeriesExpr::PerSecond(n.to_string());
    vec![
        ChartSpec {
            title: "Accepted and rejected (429) per client class",
            unit: "req/s",
            lines: vec![
                line(
                    "customers accepted",
                    per_s("gateway-limit.accepted.customers"),
                ),
                line(
                    "customers rejected",
                    per_s("gateway-limit.rejected.customers"),
                ),
                line("bots accepted", per_s("gateway-limit.accepted.bots")),
                line("bots rejected", per_s("gateway-limit.rejected.bots")),
            ],
        },
        ChartSpec {
            title: "Backend load",
            unit: "req/s",
            lines: vec![
                line("from customers", per_s("backend.from.customers")),
                line("from bots", per_s("backend.from.bots")),
                line("completed", per_s("backend.completed")),
            ],
        },
        ChartSpec {
            title: "Backend queue",
            unit: "requests",
            lines: vec![line("queued", SeriesExpr::Plain("backend.queued".into()))],
        },
        ChartSpec {
            title: "Customer latency",
            unit: "ms",
            lines: vec![
                line("p99", SeriesExpr::Plain("customers.latency.p99".into())),
                line("p50", SeriesExpr::Plain("customers.latency.p50".into())),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("bot_accepted_per_min", "Bot requests let through"),
    ("customer_p99_ms", "Customer p99"),
    ("backend_rps_from_bots", "Backend load from bots"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "bot-scraping",
    title: "Scraping bots and rate limits",
    story: Some(155),
    lesson: "token bucket at the edge, and why a local counter leaks N×",
    narrative: "A public weather API serves paying customers and, lately, a scraping bot that \
        hammers it with one API key. The backend slows down for everyone. The fix is a token \
        bucket per API key at the gateway: over the limit, the gateway answers 429 at once and \
        the backend never sees the request. Where the counter lives matters. Kept in each \
        gateway pod's memory, the bot meets a fresh bucket on every pod and gets ten times the \
        limit through ten pods; kept in a shared store, one counter holds the key to its limit \
        for the whole cluster, at the cost of a round trip per request.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 600.0,
    speed: 20.0,
    bucket_ms: 1_000,
    build,
};

struct BotModel {
    world: World,
    gateway: ServiceId,
    limiter: LimiterId,
    bots: ClientId,
}

/// The limiter's declaration for the current parameters.
fn limit_spec(p: &Params) -> RateLimitSpec {
    let per_min = p.f("limit_per_min");
    let spec = RateLimitSpec::per_minute("gateway-limit", per_min, (per_min / 6.0).max(1.0));
    let redis = LimitScope::Shared {
        round_trip: Dist::LogNormal {
            median_ms: 0.5,
            sigma: 0.3,
        },
    };
    match p.choice("rate_limit") {
        "local" => spec.scope(LimitScope::PerPod),
        "distributed" => spec.scope(redis),
        _ => spec.disabled(),
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let gateway = world.add_service(ServiceSpec::new(
        "gateway",
        p.f("gateway_pods") as u32,
        GATEWAY_WORKERS,
    ));
    world.set_startup(gateway, GATEWAY_STARTUP_S * SEC);
    let backend = world.add_service(
        ServiceSpec::new("backend", BACKEND_PODS, BACKEND_WORKERS).queue_cap(BACKEND_QUEUE),
    );
    world.count_arrivals_by_class(backend);
    let forecast = world.add_handler(Handler::new(
        "forecast",
        backend,
        vec![Step::Work(Dist::LogNormal {
            median_ms: 80.0,
            sigma: 0.5,
        })],
    ));
    let limiter = world.add_rate_limiter(limit_spec(p));
    let proxy = world.add_handler(Handler::new(
        "proxy",
        gateway,
        vec![
            Step::Work(Dist::Constant { ms: 0.3 }),
            Step::RateLimit(limiter),
            Step::Call(CallSpec::new(backend, forecast)),
        ],
    ));
    world.add_client(
        ClientSpec::new("customers", CUSTOMER_RPS, gateway, proxy)
            .keys(KeySpec::Uniform {
                keys: CUSTOMER_KEYS,
            })
            .timeout_us(10 * SEC),
    );
    let bots = world.add_client(
        ClientSpec::new("bots", p.f("bot_rps"), gateway, proxy).keys(KeySpec::Fixed(BOT_KEY)),
    );
    Box::new(BotModel {
        world,
        gateway,
        limiter,
        bots,
    })
}

impl Model for BotModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "rate_limit" | "limit_per_min" => {
                let spec = limit_spec(p);
                self.world.set_rate_limit(self.limiter, |s| {
                    s.rate_per_s = spec.rate_per_s;
                    s.burst = spec.burst;
                    s.scope = spec.scope;
                    s.enabled = spec.enabled;
                });
            }
            "gateway_pods" => self
                .world
                .scale_to(self.gateway, p.f("gateway_pods") as u32),
            "bot_rps" => self.world.set_client_rate(self.bots, p.f("bot_rps")),
            _ => {}
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let p99 = quantile_ms(v, "customers.latency", 0.99);
        vec![
            (
                "bot_accepted_per_min",
                v.per_second("gateway-limit.accepted.bots")
                    .map(|x| x * 60.0),
            ),
            ("customer_p99_ms", p99),
            ("backend_rps_from_bots", v.per_second("backend.from.bots")),
        ]
    }
}
