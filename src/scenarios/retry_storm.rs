//! `retry-storm` (story 159): a gateway retries charges at a payment provider
//! that drops its connections — synchronised retries hit it like a DDoS,
//! backoff with jitter spreads them, max attempts bound them, a breaker stops
//! them, and idempotency keys make them safe.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - 1,000 checkouts/s reach the gateway; each makes one charge call to the
//!   provider with a 2 s timeout per attempt.
//! - Provider: 450 connections (workers), an accept queue of 50, a charge takes
//!   a median 300 ms (log-normal, σ 0.4): about 72 % busy. 1 % of successful
//!   charges lose their answer on the way back (`lost_response_rate`).
//! - t = 60 s, failover: the provider drops every open connection at once
//!   (about 300 charges in flight and queued fail in the same instant — the
//!   story's "rejected 5,000 simultaneous requests", scaled) and runs on a
//!   standby with 360 connections, 80 %, until t = 90 s. The standby can carry
//!   the offered load, but not the offered load plus a wave.
//! - t = 120 s, outage: the provider refuses every connection for
//!   `outage_s` (20 s).
//! - Retries: `fixed_1s` waits 1 s; `backoff_jitter` is exponential backoff with
//!   equal jitter, base 2 s (1–2 s, then 2–4 s, cap 30 s) — the story's policy.
//! - Breaker (workshop values): time window 5 s, at least 100 calls, opens at
//!   50 % failures (or all calls slower than 2 s), 5 s open, 10 probes.
//! - Idempotency: the provider remembers a charge's key for 24 h (a Redis-like
//!   store) and answers a repeated key with the stored result.
//!
//! Headline definitions:
//! - `provider_peak_load_ratio`: during the failover window (60–120 s), the
//!   largest number of charge attempts that reached the provider in one 100 ms
//!   bucket, divided by the largest number of checkouts offered in one 100 ms
//!   bucket of the same window. Without retries the two are the same requests a
//!   millisecond apart, so the ratio is 1; the offered load's own randomness
//!   cancels out.
//! - `success_rate`: checkouts that succeeded / checkouts that ended, whole run.
//! - `double_charges`: charges whose payment key was already charged.
//! - `recovery_s`: from the failover to the end of the last one-second window
//!   (before 120 s) whose checkout success rate is more than one point below
//!   the minute before the failover; 0 if none.

use crate::sim::{
    Backoff, BreakerId, CallSpec, ClientSpec, Dist, Handler, HandlerId, Jitter, KvStoreId,
    OnDuplicate, RetryId, RetryPolicy, ServiceId, ServiceSpec, Span, Step, TableId, TimedId, World,
    HOUR, SEC,
};

use super::breaker_params::{self, WindowKind};
use super::figures::{
    bucket_at, buckets_in, outcome_names, peak_ratio_between, periods_until_recovered, series_max,
    share_between,
};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const FAILOVER_S: u64 = 60;
const STANDBY_UNTIL_S: u64 = 90;
const OUTAGE_S: u64 = 120;
const CONNECTIONS: u32 = 450;
const STANDBY_CONNECTIONS: u32 = 360;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("retry", "Retry", &["none", "immediate", "fixed_1s", "backoff_jitter"], "fixed_1s", "How the gateway retries a failed charge: not at all, at once, after 1 s, or after 1–2 s then 2–4 s (exponential backoff, equal jitter)."),
    ParamSpec::number("max_attempts", "Max attempts", "", 3.0, 1.0, 10.0, "Attempts per charge in all, the first one included (Resilience4j's maxAttempts).").integer(),
    ParamSpec::switch("circuit_breaker", "Circuit breaker", false, "Charges pass a circuit breaker: while it is open every attempt, retries included, fails at once and the provider sees only probes."),
    ParamSpec::switch("idempotency_key", "Idempotency key", false, "Each charge carries the payment's key; the provider charges a key once and answers a repeat with the first result."),
    ParamSpec::number("lost_response_rate", "Lost answers", "", 0.01, 0.0, 0.5, "Share of successful charges whose answer is lost on the way back, after the money moved.").advanced(),
    ParamSpec::number("outage_s", "Outage length", "s", 20.0, 1.0, 55.0, "How long the provider refuses every connection from 120 s; off: no outage. Takes effect if changed before 120 s.").or_off(false).advanced(),
    breaker_params::failure_rate(50.0),
    breaker_params::window(WindowKind::Seconds, 5.0, 600.0),
    breaker_params::min_calls(100.0, 100_000.0),
    breaker_params::open_s(5.0),
    breaker_params::half_open_calls(10.0, 1_000.0),
    breaker_params::slow_call_ms(2000.0),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: a Retry after a fixed 1 s, 3 Max attempts. At 60 s the provider fails over and drops every connection.",
        "Offered load against load on the provider, around 61 s and 62 s.",
        "About 300 charges failed in one instant. When do they come back?",
        "All together, exactly 1 s later: a spike of about three times the offered load in a tenth of a second. The standby cannot take it, most are refused again and come back once more at 62 s: synchronised waves.",
        180.0,
    )
    .choices(&["Spread over the next minute", "All together, exactly 1 s later", "Never"], 1)
    .expect("provider_peak_load_ratio", 2.0, 5.0),
    GuidedStep::new(
        "Set Retry to backoff_jitter.",
        "The same moment on the load chart, and the success rate.",
        "The same 300 retries. The same spike?",
        "No spike: each waits a random 1 to 2 s, so they arrive spread over a second, at about 1.2 times the offered load, and the standby absorbs them. Recovery is immediate.",
        180.0,
    )
    .choices(&["The same spike, 1 s later", "No spike: about 1.2 times the offered load", "No retries at all"], 1)
    .set(&[("retry", "backoff_jitter")])
    .expect("provider_peak_load_ratio", 0.9, 1.7),
    GuidedStep::new(
        "Keep Retry at backoff_jitter and watch the outage at 120 s.",
        "Load on the provider and retries in flight.",
        "The provider refuses everything for 20 s. Does jitter help now?",
        "No: jitter spreads retries, it does not remove them. Every checkout tries three times, so a dead provider gets about three times the load. Max attempts is the only bound.",
        180.0,
    )
    .choices(&["Yes: the load stays at the offered load", "No: a dead provider still gets about three times the load", "The retries stop by themselves"], 1)
    .set(&[("retry", "backoff_jitter")])
    .expect("outage_load_ratio", 2.3, 3.3)
    .charts(&["Offered load vs load on the provider", "Retries in flight"]),
    GuidedStep::new(
        "Turn the Circuit breaker on, with Retry at backoff_jitter.",
        "The breaker band and the load on the provider during the outage.",
        "What reaches the provider while the breaker is open?",
        "Almost nothing: attempts and their retries fail at once in the gateway. Every 5 s ten probes test the provider; when it is back, they succeed and the breaker closes.",
        180.0,
    )
    .choices(&["Every retry, as before", "Almost nothing: only the breaker's probes", "Exactly the offered load"], 1)
    .set(&[("retry", "backoff_jitter"), ("circuit_breaker", "on")])
    .expect("outage_load_ratio", 0.0, 0.5)
    .charts(&["Provider breaker state", "Offered load vs load on the provider"]),
    GuidedStep::new(
        "Turn the Idempotency key on.",
        "Double charges.",
        "A retry of a charge whose answer was lost: does the customer pay twice?",
        "Not any more. Without a key every lost answer is retried and charged again, about one checkout in a hundred; with the key the provider recognises the repeat and answers with the first result: zero double charges.",
        180.0,
    )
    .choices(&["Yes: about one checkout in a hundred", "No: the provider answers the repeat with the first result", "Only with a fixed retry"], 1)
    .set(&[("idempotency_key", "on")])
    .expect("double_charges", 0.0, 0.0)
    .charts(&["Double charges", "Checkout success rate"]),
];

fn charts() -> Vec<ChartSpec> {
    let (ok, all) = outcome_names("checkout");
    vec![
        ChartSpec {
            title: "Offered load vs load on the provider",
            unit: "req/s",
            lines: vec![
                line(
                    "offered (checkouts)",
                    SeriesExpr::PerSecond("checkout.arrived".into()),
                ),
                line(
                    "provider (attempts)",
                    SeriesExpr::PerSecond("provider.arrived".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Checkout success rate",
            unit: "share of checkouts",
            lines: vec![line("success", SeriesExpr::Ratio(ok, all))],
        },
        ChartSpec {
            title: "Retries in flight",
            unit: "checkouts",
            lines: vec![line(
                "waiting to retry or retrying",
                SeriesExpr::Plain("gateway-retry.retries_in_flight".into()),
            )],
        },
        ChartSpec {
            title: "Provider breaker state",
            unit: "state",
            // The worst state in each bucket, so a short opening still shows.
            lines: vec![line(
                "breaker",
                SeriesExpr::State(
                    "provider-breaker.state.max".into(),
                    &[(0, "closed"), (1, "half-open"), (2, "open")],
                ),
            )],
        },
        ChartSpec {
            title: "Double charges",
            unit: "per s",
            lines: vec![line(
                "double charges",
                SeriesExpr::PerSecond("charges.duplicates".into()),
            )],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("provider_peak_load_ratio", "Provider peak load, of offered"),
    ("success_rate", "Checkouts that succeeded"),
    ("double_charges", "Double charges"),
    ("recovery_s", "Time to recover"),
    (
        "outage_load_ratio",
        "Load on the provider while down, of offered",
    ),
    ("retries", "Retries"),
    ("breaker_rejected", "Calls the breaker refused"),
    ("max_retries_in_flight", "Most retries waiting at once"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "retry-storm",
    title: "Retry storm",
    story: Some(159),
    lesson: "backoff + jitter + max attempts + breaker + idempotency",
    narrative: "An API gateway charges customers through an external payment provider that now and \
        then drops its connections. The gateway retries. When the provider fails over, hundreds of \
        charges fail in the same instant; retried exactly one second later, they return as one wave \
        and knock the struggling provider over again. Backoff with jitter spreads the same retries \
        out. But no jitter helps against a provider that is down: every retry is more load, and only \
        a bound on attempts and a circuit breaker stop the hammering. And a retry of a charge whose \
        answer was lost charges the customer twice — unless the charge carries an idempotency key.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 180.0,
    speed: 3.0,
    bucket_ms: 100,
    build,
};

struct StormModel {
    world: World,
    provider: ServiceId,
    charge: HandlerId,
    checkout: HandlerId,
    retry: RetryId,
    breaker: BreakerId,
    keys: KvStoreId,
    charges: TableId,
    /// The outage length (0: none), for the outage window of the headline.
    outage_us: u64,
    /// The scheduled "provider down" and "provider up" actions, if any.
    outage_ids: Option<(TimedId, TimedId)>,
}

/// Schedules the outage from `OUTAGE_S` for `length` (none if 0): both ends
/// are on the timeline from the start, so a chart marks them before they happen
/// and a cancelled outage leaves no marker.
fn schedule_outage(
    world: &mut World,
    provider: ServiceId,
    length: u64,
) -> Option<(TimedId, TimedId)> {
    if length == 0 {
        return None;
    }
    let down = world.at(
        OUTAGE_S * SEC,
        "provider down",
        Box::new(move |w: &mut World| {
            w.drop_connections(provider, 0, 0);
            w.scale_to(provider, 0);
        }),
    );
    let up = world.at(
        OUTAGE_S * SEC + length,
        "provider up",
        Box::new(move |w: &mut World| {
            w.set_workers(provider, 0, CONNECTIONS);
            w.scale_to(provider, 1);
        }),
    );
    Some((down, up))
}

fn policy(p: &Params) -> RetryPolicy {
    let n = p.f("max_attempts") as u16;
    match p.choice("retry") {
        "immediate" => RetryPolicy::new(n, Backoff::Immediate),
        "fixed_1s" => RetryPolicy::new(n, Backoff::Fixed { delay_us: SEC }),
        "backoff_jitter" => RetryPolicy::new(
            n,
            Backoff::Exponential {
                base_us: 2 * SEC,
                cap_us: 30 * SEC,
                multiplier: 2.0,
                jitter: Jitter::Equal,
            },
        ),
        _ => RetryPolicy::none(),
    }
}

fn outage_us(p: &Params) -> u64 {
    p.num("outage_s").map_or(0, |s| (s * SEC as f64) as u64)
}

impl StormModel {
    fn wire(&mut self, p: &Params) {
        let mut call = CallSpec::new(self.provider, self.charge)
            .timeout_us(2 * SEC)
            .retry(self.retry);
        if p.on("circuit_breaker") {
            call = call.breaker(self.breaker);
        }
        self.world.set_step(self.checkout, 1, Step::Call(call));
        // Charges on their way finish on the steps they started with.
        let mut steps = vec![Step::Work(Dist::LogNormal {
            median_ms: 300.0,
            sigma: 0.4,
        })];
        if p.on("idempotency_key") {
            steps.push(Step::SetNx {
                store: self.keys,
                ttl_us: 24 * HOUR,
                on_duplicate: OnDuplicate::ReplyOk,
            });
        }
        steps.push(Step::Insert {
            table: self.charges,
            on_duplicate: OnDuplicate::Fail,
        });
        self.world.set_steps(self.charge, steps);
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    // The gateway's threads are not the bottleneck in this story.
    let gateway = world.add_service(ServiceSpec::new("gateway", 1, 100_000));
    let provider = world.add_service(ServiceSpec::new("provider", 1, CONNECTIONS).queue_cap(50));
    let keys = world.add_kv_store("idempotency-keys", 10_000_000);
    let charges = world.add_table("charges", false);
    let charge = world.add_handler(Handler::new("charge", provider, vec![]));
    let checkout = world.add_handler(Handler::new(
        "checkout",
        gateway,
        vec![
            Step::Work(Dist::Exponential { mean_ms: 1.0 }),
            Step::Call(CallSpec::new(provider, charge)),
        ],
    ));
    world.set_response_loss(provider, p.f("lost_response_rate"));
    let retry = world.add_retry("gateway-retry", policy(p));
    let breaker = world.add_breaker(breaker_params::spec(
        p,
        "provider-breaker",
        WindowKind::Seconds,
    ));
    world.add_client(ClientSpec::new("checkout", 1000.0, gateway, checkout));
    world.at(
        FAILOVER_S * SEC,
        "provider fails over: every connection dropped",
        Box::new(move |w: &mut World| {
            w.drop_connections(provider, 0, 0);
            w.set_workers(provider, 0, STANDBY_CONNECTIONS);
        }),
    );
    world.at(
        STANDBY_UNTIL_S * SEC,
        "provider back to full capacity",
        Box::new(move |w: &mut World| w.set_workers(provider, 0, CONNECTIONS)),
    );
    let outage = outage_us(p);
    let outage_ids = schedule_outage(&mut world, provider, outage);
    let mut m = StormModel {
        world,
        provider,
        charge,
        checkout,
        retry,
        breaker,
        keys,
        charges,
        outage_us: outage,
        outage_ids,
    };
    m.wire(p);
    Box::new(m)
}

impl Model for StormModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "retry" | "max_attempts" => self.world.set_retry(self.retry, policy(p)),
            "lost_response_rate" => self
                .world
                .set_response_loss(self.provider, p.f("lost_response_rate")),
            "outage_s" => {
                // Before the outage starts it is cancelled and scheduled anew;
                // once it has started it runs its course.
                self.outage_us = outage_us(p);
                if self.world.now() < OUTAGE_S * SEC {
                    if let Some((down, up)) = self.outage_ids.take() {
                        self.world.cancel(down);
                        self.world.cancel(up);
                    }
                    self.outage_ids =
                        schedule_outage(&mut self.world, self.provider, self.outage_us);
                }
            }
            n if breaker_params::is_breaker_param(n) => self.world.set_breaker(
                self.breaker,
                breaker_params::spec(p, "provider-breaker", WindowKind::Seconds),
            ),
            _ => self.wire(p),
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let now = v.buckets_closed();
        let failover = bucket_at(v, FAILOVER_S * SEC);
        let window_end = bucket_at(v, OUTAGE_S * SEC).min(now);
        let peak_ratio = (now > failover).then(|| {
            peak_ratio_between(
                v,
                "provider.arrived",
                "checkout.arrived",
                failover,
                window_end,
            )
        });
        let (ok, all) = outcome_names("checkout");
        let recovery = (now >= window_end && window_end > failover).then(|| {
            let per_s = buckets_in(v, SEC);
            let before = failover.saturating_sub(60 * per_s);
            let before = share_between(v, &ok, &all, before, failover)?;
            let floor = before - 0.01;
            Some(periods_until_recovered(
                v, &ok, &all, floor, failover, window_end, per_s,
            ))
        });
        let outage_end = bucket_at(v, OUTAGE_S * SEC + self.outage_us).min(now);
        let outage = bucket_at(v, OUTAGE_S * SEC);
        let (provider, offered) = (["provider.arrived".into()], ["checkout.arrived".into()]);
        vec![
            ("provider_peak_load_ratio", peak_ratio),
            ("success_rate", share_between(v, &ok, &all, 0, now)),
            (
                "double_charges",
                Some(v.counter_total("charges.duplicates")),
            ),
            ("recovery_s", recovery.flatten()),
            (
                "outage_load_ratio",
                share_between(v, &provider, &offered, outage, outage_end),
            ),
            ("retries", Some(v.counter_total("gateway-retry.retries"))),
            (
                "breaker_rejected",
                Some(v.counter_total("provider-breaker.rejected")),
            ),
            (
                "max_retries_in_flight",
                series_max(v, "gateway-retry.retries_in_flight.max"),
            ),
        ]
    }
}
