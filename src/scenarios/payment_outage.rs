//! `payment-outage` (story 151): a bad deploy makes every in-flight payment
//! hold far more memory; pods under normal load pass their limit, are
//! OOM-killed and crash-loop. Restore first: scale out to dilute, or move the
//! traffic to the Blue cluster still running the previous version.
//!
//! Calibration (chosen once, then left to the mechanism):
//! - 1,200 payments/s through the gateway; a payment holds its pod for a
//!   log-normal time, median 200 ms (σ 0.35, mean ≈ 212 ms) — mostly waiting on
//!   the card network. Little: ≈ 254 payments in flight over the fleet, so
//!   ≈ 25 per pod with 10 pods, ≈ 13 with 20, ≈ 8.5 with 30.
//! - A pod: 1,024 MB limit, 300 MB baseline, 200 worker threads (never the
//!   bottleneck here), 20 s from start to ready.
//! - v1 holds 2 MB per in-flight payment: ≈ 350 MB per pod with 10 pods.
//! - v2 (the deploy at 60 s) builds a runaway list: 30 MB per in-flight payment.
//!   A pod then fits (1,024 − 300) / 30 ≈ 24 payments at once. With 10 pods
//!   (≈ 25 each, ≈ 1,060 MB needed) every pod dies within a second of the
//!   deploy and the fleet crash-loops; with 30 (≈ 8.5 each, ≈ 555 MB, the
//!   fullest pod ≈ 780 MB) none comes near the limit. Payments spread over pods
//!   unevenly (random arrivals, random durations): the fullest pod holds about
//!   1.5× the mean, so the line between a crash loop and a calm fleet lies near
//!   17 pods (measured: 15 pods crash-loop, 20 stay up).
//! - Blue: a second cluster of the same size on v1, idle until traffic moves.

use crate::sim::{
    Dist, Handler, HandlerId, MemorySpec, Release, ServiceId, ServiceSpec, Span, SplitId,
    SplitSpec, SplitTarget, Step, TimedId, World, SEC,
};

use super::figures::{
    bucket_at, client_series, closed_until, last_buckets, share_between, ENDED, FAILED,
};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, plain, ChartSpec, Hue, ParamSpec, SeriesExpr};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::number("replicas", "Payment pods (Green)", "", 10.0, 10.0, 40.0, "Pods of the live (Green) Payment cluster. Scaling out spreads the same payments over more pods.").integer(),
    ParamSpec::switch("bad_deploy", "Bad deploy at 60 s", true, "Deploy v2 at 60 s: a runaway list allocation makes each in-flight payment hold 30 MB instead of 2 MB. Off later: roll back to v1."),
    ParamSpec::number("shift_to_blue", "Shift traffic to Blue at", "s", 300.0, 0.0, 86_400.0, "The simulated second all traffic moves to the Blue cluster (previous version), or off. Off later: traffic returns to Green.").or_off(true),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: 10 Payment pods (Green), Bad deploy at 60 s on.",
        "The gateway's 5xx rate, pods ready and restarting, and memory per pod against the limit.",
        "Every payment now holds 30 MB instead of 2 MB. What happens?",
        "All of them within a second: about 25 payments sit in each pod at once, more than the 1 GB limit holds. Killed pods come back one by one, take all the traffic and die again: a crash loop with growing back-off, and most payments get a 500.",
        600.0,
    )
    .choices(&["A few pods fail, the rest carry on", "Every pod is killed within a second, again and again", "Payments slow down, none fail"], 1)
    .expect("error_rate_after_deploy", 0.9, 1.0),
    GuidedStep::new(
        "At 180 s, set Payment pods (Green) to 30.",
        "Pods ready and the fullest pod's memory.",
        "Same bug, same payments. Can more pods help a memory bug?",
        "Yes, for now: the 20 new pods are ready after 20 s and share the payments while the crashed ones sit out their back-off, about 13 payments and 700 MB a pod, under the limit. The 5xx rate falls below 2 % within two minutes. The bug is still there: restoration, not a fix.",
        900.0,
    )
    .choices(&["No: each new pod is killed like the others", "Yes: the payments spread thin enough to fit, for now", "Only after every pod restarts"], 1)
    .at(&[(180.0, "replicas", "30")])
    .expect("error_rate_last_5min", 0.0, 0.02)
    .charts(&["Pods ready / restarting", "Memory per pod against its limit"]),
    GuidedStep::new(
        "Reset with 10 Payment pods (Green) and Shift traffic to Blue at 180 s.",
        "The 5xx rate and memory per pod, Green against Blue.",
        "Blue runs the previous version on 10 pods. What happens to the errors?",
        "Blue's pods hold about 350 MB each, like Green before the deploy, and the 5xx rate drops to about zero as soon as the traffic moves. Now there is time to read the heap dump.",
        900.0,
    )
    .choices(&["They stop as soon as the traffic moves", "They stop once Green's pods have restarted", "Blue's pods are killed too"], 0)
    .set(&[("shift_to_blue", "180")])
    .expect("error_rate_last_5min", 0.0, 0.01)
    .charts(&["Gateway 5xx rate", "Memory per pod against its limit"]),
    GuidedStep::new(
        "Set Payment pods (Green) to 15, with the bad deploy.",
        "OOM kills and the 5xx rate after the deploy.",
        "Half as many pods again as the defaults. Calm or a crash loop?",
        "Still a crash loop: a pod fits about 24 payments at once, the fleet has about 250 in flight, and the fullest pod holds half again the average, so 15 pods are not enough.",
        600.0,
    )
    .choices(&["Calm: 15 pods spread the payments enough", "Still a crash loop", "Calm after one round of restarts"], 1)
    .set(&[("replicas", "15")])
    .expect("oom_kills", 5.0, 1000.0),
    GuidedStep::new(
        "Set Payment pods (Green) to 20, with the bad deploy.",
        "OOM kills after the deploy.",
        "Five pods more than the last step. What happens?",
        "No pod is killed: the line lies near 17 pods. More replicas never make it worse; they only decide whether the bug shows.",
        600.0,
    )
    .choices(&["The same crash loop", "No pod is killed", "Fewer kills, but still some"], 1)
    .set(&[("replicas", "20")])
    .expect("oom_kills", 0.0, 0.0),
];

/// The gateway's outcome counters come per side of the traffic split.
const SIDES: [&str; 2] = ["gateway.green", "gateway.blue"];
/// The two Payment clusters, Green then Blue.
const CLUSTERS: [&str; 2] = ["payment-green", "payment-blue"];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Gateway 5xx rate",
            unit: "share of requests",
            lines: vec![line(
                "5xx",
                SeriesExpr::Ratio(
                    client_series(&SIDES, &FAILED),
                    client_series(&SIDES, &ENDED),
                ),
            )],
        },
        ChartSpec {
            title: "Pods ready / restarting",
            unit: "pods",
            lines: vec![
                plain("Green ready", "payment-green.pods_ready").hue(Hue::Green),
                plain("Green restarting", "payment-green.pods_restarting")
                    .hue(Hue::Green)
                    .dashed(),
                plain("Blue ready", "payment-blue.pods_ready").hue(Hue::Blue),
            ],
        },
        ChartSpec {
            title: "Memory per pod against its limit",
            unit: "MB",
            lines: vec![
                plain("Green mean", "payment-green.mem_mb").hue(Hue::Green),
                plain("Green fullest pod", "payment-green.mem_mb_pod_max.max")
                    .hue(Hue::Green)
                    .dashed(),
                plain("Blue mean", "payment-blue.mem_mb").hue(Hue::Blue),
                plain("limit", "payment-green.mem_limit_mb").hue(Hue::Vermillion),
            ],
        },
        ChartSpec {
            title: "Payments",
            unit: "req/s",
            lines: vec![
                line(
                    "ok (Green)",
                    SeriesExpr::PerSecond("gateway.green.ok".into()),
                )
                .hue(Hue::Green),
                line("ok (Blue)", SeriesExpr::PerSecond("gateway.blue.ok".into())).hue(Hue::Blue),
                line(
                    "5xx (Green)",
                    SeriesExpr::PerSecond("gateway.green.error".into()),
                )
                .hue(Hue::Green)
                .dashed(),
            ],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("error_rate_after_deploy", "Errors since the deploy"),
    ("error_rate_last_5min", "Errors, last 5 minutes"),
    ("oom_kills", "OOM kills"),
    ("peak_memory_ratio", "Fullest pod, of its limit"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "payment-outage",
    title: "Payment outage: OOM after a deploy",
    story: Some(151),
    lesson: "restore first: scale out to dilute an OOM, shift to blue",
    narrative: "Checkout goes through the API gateway to the Payment service, ten pods with a 1 GB \
        memory limit each. A minute in, a deploy ships a runaway list allocation: every payment in \
        flight now holds fifteen times the memory. Nothing else changed — same traffic, same code \
        paths — yet each pod holds about 25 payments at once, and 25 of them no longer fit. Pods are \
        OOM-killed, restart, take the whole load alone and die again, and the gateway answers 500. \
        The on-call engineer's first job is not the heap dump but the checkout: spread the payments \
        over more pods so each one fits, or send the traffic to Blue, which still runs yesterday's \
        version.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 900.0,
    speed: 10.0,
    bucket_ms: 1_000,
    build,
};

/// Payments per second through the gateway.
const RATE_RPS: f64 = 1_200.0;
/// When the bad version ships.
const DEPLOY_US: u64 = 60 * SEC;

fn payment_steps(alloc_mb: f64) -> Vec<Step> {
    vec![
        Step::Allocate { mb: alloc_mb },
        Step::Work(Dist::LogNormal {
            median_ms: 200.0,
            sigma: 0.35,
        }),
    ]
}

struct PaymentModel {
    world: World,
    green: ServiceId,
    green_handler: HandlerId,
    blue: ServiceId,
    split: SplitId,
    /// Whether the bad deploy should (still) happen; read by the timeline.
    /// The scheduled bad deploy, until it runs or is called off.
    pending_deploy: Option<TimedId>,
    /// Bumped whenever `shift_to_blue` changes, so a stale scheduled shift does nothing.
    /// The scheduled shift to Blue, until it runs or is called off.
    pending_shift: Option<TimedId>,
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let replicas = p.f("replicas") as u32;
    let cluster = |w: &mut World, name: &str| {
        let s = w.add_service(ServiceSpec::new(name, replicas, 200));
        w.set_startup(s, 20 * SEC);
        w.add_memory(s, MemorySpec::new(1_024.0, 300.0));
        let h = w.add_handler(Handler::new("pay", s, payment_steps(2.0)));
        (s, h)
    };
    let (green, green_handler) = cluster(&mut world, CLUSTERS[0]);
    let (blue, blue_handler) = cluster(&mut world, CLUSTERS[1]);
    let target = |label: &str, service, handler, share| SplitTarget {
        label: label.into(),
        service,
        handler,
        share,
    };
    let split = world.add_split(SplitSpec {
        name: "gateway".into(),
        rate_rps: RATE_RPS,
        targets: vec![
            target("green", green, green_handler, 1.0),
            target("blue", blue, blue_handler, 0.0),
        ],
        timeout_us: Some(30 * SEC),
        weight: 1,
    });
    let mut m = PaymentModel {
        world,
        green,
        green_handler,
        blue,
        split,
        pending_deploy: None,
        pending_shift: None,
    };
    if p.on("bad_deploy") {
        m.schedule_deploy();
    }
    if let Some(t) = p.num("shift_to_blue") {
        m.shift_at(t);
    }
    Box::new(m)
}

impl PaymentModel {
    fn bad_release(&self) -> Release {
        Release {
            version: "v2 (runaway list)".into(),
            handlers: vec![(self.green_handler, payment_steps(30.0))],
        }
    }

    fn schedule_deploy(&mut self) {
        if self.pending_deploy.is_some() {
            return;
        }
        let (green, release) = (self.green, self.bad_release());
        let at = self.world.now().max(DEPLOY_US);
        self.pending_deploy = Some(self.world.at(
            at,
            "Deploy payment v2",
            Box::new(move |w: &mut World| {
                if w.version(green).is_empty() {
                    w.deploy(green, release.clone());
                }
            }),
        ));
    }

    /// Moves all traffic to Blue at simulated second `t` (now, if it has passed).
    fn shift_at(&mut self, t: f64) {
        if let Some(id) = self.pending_shift.take() {
            self.world.cancel(id);
        }
        let at = crate::sim::kernel::time::from_secs(t).max(self.world.now());
        let split = self.split;
        self.pending_shift = Some(self.world.at(
            at,
            "Shift to Blue",
            Box::new(move |w: &mut World| w.set_split_shares(split, &[0.0, 1.0])),
        ));
    }
}

impl Model for PaymentModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "replicas" => self.world.scale_to(self.green, p.f("replicas") as u32),
            "bad_deploy" => {
                let on = p.on("bad_deploy");
                if !on {
                    if let Some(id) = self.pending_deploy.take() {
                        self.world.cancel(id);
                    }
                }
                if on && self.world.version(self.green).is_empty() {
                    if self.world.now() >= DEPLOY_US {
                        let r = self.bad_release();
                        self.world.deploy(self.green, r);
                    } else {
                        self.schedule_deploy();
                    }
                } else if !on && !self.world.version(self.green).is_empty() {
                    self.world.rollback(self.green);
                }
            }
            "shift_to_blue" => match p.num("shift_to_blue") {
                Some(t) => self.shift_at(t),
                None => {
                    if let Some(id) = self.pending_shift.take() {
                        self.world.cancel(id);
                    }
                    self.world.set_split_shares(self.split, &[1.0, 0.0]);
                }
            },
            _ => {}
        }
    }

    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let (failed, ended) = (
            client_series(&SIDES, &FAILED),
            client_series(&SIDES, &ENDED),
        );
        let closed = v.buckets_closed();
        let after_deploy = (closed_until(v) > DEPLOY_US)
            .then(|| share_between(v, &failed, &ended, bucket_at(v, DEPLOY_US), closed));
        let (last5, _) = last_buckets(v, 300 * SEC);
        let kills = CLUSTERS.map(|c| v.counter_total(&format!("{c}.oom_kills")));
        // A state figure, the same over any span: the memory parts'
        // high-water mark of what a pod needed against its limit (the
        // allocation that got it killed included), which no series keeps.
        let w = &self.world;
        let peak = [self.green, self.blue]
            .map(|s| w.memory(s).expect("has memory").peak_ratio)
            .into_iter()
            .fold(0.0, f64::max);
        vec![
            ("error_rate_after_deploy", after_deploy.flatten()),
            (
                "error_rate_last_5min",
                share_between(v, &failed, &ended, last5, closed),
            ),
            ("oom_kills", Some(kills[0] + kills[1])),
            ("peak_memory_ratio", (w.now() > 0).then_some(peak)),
        ]
    }
}
