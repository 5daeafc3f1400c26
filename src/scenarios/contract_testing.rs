//! `contract-testing` (story 164): a release pipeline over four weeks for
//! fifty services. End-to-end suites need every service of a shared test
//! environment up, so they go red for nothing most days; consumer-driven
//! contracts check each provider's build against its consumers'
//! expectations with no environment at all; chaos experiments kill pods
//! under live calls and find the calls that have no retry.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - `services` (50) services in the test environment, 2 pods × 32 workers
//!   each, started in 5 s; each is up `availability` (0.99) of the time,
//!   its outages 20 minutes long on average (someone's deploy, a crashed
//!   dependency, an expired certificate).
//! - Each service answers its consumers in 100 ms (σ 0.3). It consumes from
//!   two providers: on its checkout path from the next service (reading two
//!   fields of the answer), on its nightly export path from the service half
//!   way round (reading a third). Every path calls with a 2 s timeout and 3
//!   attempts, but the checkout path of every tenth service (the 4th, 14th,
//!   …: 5 of 50), which has neither: the seeded resilience defects.
//! - The end-to-end suite runs every service's checkout path in turn from a
//!   test runner (30 s a call): it covers the checkout paths, not the
//!   exports. A red suite is run again two hours later (when someone looks
//!   at it), twice at most, and
//!   one green run lets the release through: the habit with a suite known to
//!   be flaky, which can re-run a real red away too, though a red caused by
//!   the release itself stays red.
//! - 8 releases a day, each from a provider drawn at random; a share
//!   `breaking_change_rate` (0.1) renames a field some consumer reads.
//! - A chaos experiment after each release: 30 s of a request every 100 ms
//!   on every path to the provider, a provider pod killed (and started
//!   again) every 5 s.
//! - Four weeks, six-hour buckets; plays at 8 simulated hours a second.

use crate::sim::{
    Backoff, CallSpec, ContractSpec, Dist, Gates, Handler, HandlerId, PipelineId, PipelineSpec,
    RetryPolicy, ServiceId, ServiceSpec, Span, Step, UptimeId, UptimeSpec, World, HOUR, MIN, SEC,
};

use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, Hue, ParamSpec, SeriesExpr};
use super::Scenario;

/// Fields of a provider's answer the two paths read.
const CHECKOUT_FIELDS: u32 = 0b011;
const EXPORT_FIELDS: u32 = 0b100;
/// Every `DEFECT_EVERY`-th service's checkout call has no timeout or retry.
const DEFECT_EVERY: usize = 10;
const DEFECT_AT: usize = 3;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("strategy", "Strategy", &["e2e_only", "contract", "contract_and_chaos"], "e2e_only", "What gates a release: an end-to-end suite, contract checks, or contracts and chaos experiments."),
    ParamSpec::number("services", "Services", "", 50.0, 4.0, 100.0, "Services in the test environment.").integer().build_only(),
    ParamSpec::number("availability", "Availability per service", "", 0.99, 0.5, 1.0, "Share of the time each service is up."),
    ParamSpec::number("breaking_change_rate", "Breaking change rate", "", 0.1, 0.0, 1.0, "Share of releases that rename a field a consumer reads."),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: Strategy e2e_only, 50 Services, Availability per service 0.99.",
        "False reds.",
        "How often does the suite pass on a release with nothing wrong in it?",
        "About 60 %: it needs all 50 services up at once, and 0.99^50 = 0.605.",
        2_419_200.0,
    )
    .choices(&["About 99 %", "About 60 %", "About 1 %"], 1)
    .expect("e2e_pass_rate", 0.45, 0.75)
    .charts(&["Pipeline runs", "False reds"]),
    GuidedStep::new(
        "Keep Strategy at e2e_only.",
        "Breaking changes.",
        "Do breaking changes reach production?",
        "Some: a field only the nightly export reads is on no path the suite covers.",
        2_419_200.0,
    )
    .choices(&["None", "Some", "All"], 1)
    .expect("escaped_breaking_changes", 1.0, 20.0)
    .charts(&["Breaking changes", "Pipeline runs"]),
    GuidedStep::new(
        "Set Strategy to contract.",
        "False reds and breaking changes.",
        "What becomes of false reds and escapes?",
        "Both go to zero: a contract check needs no environment and covers every consumer's fields.",
        2_419_200.0,
    )
    .choices(&["Both go to zero", "Fewer false reds, more escapes"], 0)
    .set(&[("strategy", "contract")])
    .expect("escaped_breaking_changes", 0.0, 0.0)
    .charts(&["False reds", "Breaking changes"]),
    GuidedStep::new(
        "Set Strategy to contract_and_chaos.",
        "Resilience defects found.",
        "Five calls have no timeout or retry. What do the chaos experiments find?",
        "Most of them: a pod killed under a call fails it unless the caller retries on the other pod.",
        2_419_200.0,
    )
    .choices(&["Nothing", "Most of the five"], 1)
    .set(&[("strategy", "contract_and_chaos")])
    .expect("chaos_defects_found", 3.0, 5.0)
    .charts(&["Resilience defects found", "Breaking changes"]),
];

fn charts() -> Vec<ChartSpec> {
    let plain = |n: &str| SeriesExpr::Plain(n.into());
    let ratio = |a: &str, b: &str| SeriesExpr::Ratio(vec![a.into()], vec![b.into()]);
    vec![
        ChartSpec {
            title: "Pipeline runs",
            unit: "per 6 h",
            lines: vec![
                line("suite green", plain("pipeline.e2e_green")).hue(Hue::Green),
                line("suite red", plain("pipeline.e2e_red")).hue(Hue::Vermillion),
                line("contract checks", plain("pipeline.contract_checks")).hue(Hue::Sky),
            ],
        },
        ChartSpec {
            title: "False reds",
            unit: "share",
            lines: vec![
                line(
                    "reds for nothing",
                    ratio("pipeline.false_reds", "pipeline.clean_checks"),
                )
                .hue(Hue::Vermillion),
                line(
                    "suite passes",
                    ratio("pipeline.clean_e2e_green", "pipeline.clean_e2e"),
                )
                .hue(Hue::Green),
            ],
        },
        ChartSpec {
            title: "Breaking changes",
            unit: "per 6 h",
            lines: vec![
                line("caught", plain("pipeline.caught")).hue(Hue::Green),
                line("escaped", plain("pipeline.escaped")).hue(Hue::Vermillion),
            ],
        },
        ChartSpec {
            title: "Resilience defects found",
            unit: "per 6 h",
            lines: vec![
                line("defects found", plain("pipeline.defects_found")).hue(Hue::Vermillion),
                line("pods killed", plain("pipeline.chaos_kills")).dashed(),
            ],
        },
        ChartSpec {
            title: "Test environment",
            unit: "services",
            lines: vec![line("services down", plain("test_env.services_down"))],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("e2e_pass_rate", "Suite passes, no real fault"),
    ("false_red_rate", "False reds"),
    ("escaped_breaking_changes", "Breaking changes escaped"),
    ("chaos_defects_found", "Resilience defects found"),
    ("releases", "Releases"),
    ("breaking_changes", "Breaking changes"),
    ("caught_breaking_changes", "Breaking changes caught"),
];

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "contract-testing",
    title: "Contract testing",
    story: Some(164),
    lesson: "an end-to-end suite over 50 services is red for nothing; contracts are not",
    narrative: "Fifty services ship eight releases a day, each gated by an end-to-end suite in \
        a shared test environment where every service is up 99 % of the time: the suite needs all \
        fifty at once, so it passes 0.99^50 ≈ 60 % of the time with nothing wrong. Reds get re-run \
        until green, and breaking changes on paths the suite does not cover escape. \
        Consumer-driven contracts check each provider's build against the fields its consumers \
        read, with no environment. Chaos experiments kill pods under live calls and find the calls \
        with no timeout or retry.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 2_419_200.0,
    speed: 28_800.0,
    bucket_ms: 21_600_000,
    build,
};

struct ContractModel {
    world: World,
    pipeline: PipelineId,
    env: UptimeId,
}

fn gates(p: &Params) -> Gates {
    let s = p.choice("strategy");
    Gates {
        e2e: s == "e2e_only",
        contracts: s != "e2e_only",
        chaos: s == "contract_and_chaos",
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let n = p.f("services") as usize;
    let runner = world.add_service(ServiceSpec::new("e2e_runner", 1, 4));
    let services: Vec<ServiceId> = (1..=n)
        .map(|i| world.add_service(ServiceSpec::new(&format!("svc{i:02}"), 2, 32)))
        .collect();
    let serve: Vec<HandlerId> = services
        .iter()
        .map(|&s| {
            world.set_startup(s, 5 * SEC);
            let work = Step::Work(Dist::LogNormal {
                median_ms: 100.0,
                sigma: 0.3,
            });
            world.add_handler(Handler::new("serve", s, vec![work]))
        })
        .collect();
    let retry = world.add_retry("path_retry", RetryPolicy::new(3, Backoff::Immediate));
    // Contracts are numbered in the order they are added to the pipeline:
    // checkout paths 0..n, exports n..2n.
    let pipeline = world.next_pipeline_id();
    let mut contracts = Vec::new();
    let mut checkout = Vec::new();
    for (path, fields, offset) in [
        ("checkout", CHECKOUT_FIELDS, 1),
        ("export", EXPORT_FIELDS, n / 2),
    ] {
        for i in 0..n {
            let provider = (i + offset) % n;
            let call = CallSpec::new(services[provider], serve[provider]);
            let defect = path == "checkout" && i % DEFECT_EVERY == DEFECT_AT;
            let call = if defect {
                call
            } else {
                call.timeout_us(2 * SEC).retry(retry)
            };
            let k = contracts.len() as u16;
            let steps = vec![
                Step::Call(call),
                Step::Expect {
                    pipeline,
                    contract: k,
                },
            ];
            let h = world.add_handler(Handler::new(path, services[i], steps));
            if path == "checkout" {
                checkout.push(h);
            }
            contracts.push(ContractSpec {
                consumer: services[i],
                path: h,
                provider: services[provider],
                fields,
            });
        }
    }
    let suite_steps = services
        .iter()
        .zip(&checkout)
        .map(|(&s, &h)| Step::Call(CallSpec::new(s, h).timeout_us(30 * SEC)))
        .collect();
    let suite = world.add_handler(Handler::new("e2e_suite", runner, suite_steps));
    let env = world.add_uptime(UptimeSpec::new(
        "test_env",
        services,
        p.f("availability"),
        20 * MIN,
    ));
    let mut spec = PipelineSpec::new("pipeline", runner, suite)
        .gates(gates(p))
        .releases(8.0, p.f("breaking_change_rate"));
    spec.contracts = contracts;
    spec.rerun_after_us = 2 * HOUR;
    let pipeline = world.add_pipeline(spec);
    Box::new(ContractModel {
        world,
        pipeline,
        env,
    })
}

impl Model for ContractModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "strategy" => self.world.set_pipeline_gates(self.pipeline, gates(p)),
            "availability" => self.world.set_availability(self.env, p.f("availability")),
            "breaking_change_rate" => self
                .world
                .set_breaking_change_rate(self.pipeline, p.f("breaking_change_rate")),
            _ => {}
        }
    }

    /// Every figure reads span `v`.
    fn headline(&self, _p: &Params, v: &Span) -> Headline {
        let t = |n: &str| v.counter_total(n);
        let share = |a: &str, b: &str| Some(t(a) / t(b)).filter(|x| x.is_finite());
        vec![
            (
                "e2e_pass_rate",
                share("pipeline.clean_e2e_green", "pipeline.clean_e2e"),
            ),
            (
                "false_red_rate",
                share("pipeline.false_reds", "pipeline.clean_checks"),
            ),
            ("escaped_breaking_changes", Some(t("pipeline.escaped"))),
            ("chaos_defects_found", Some(t("pipeline.defects_found"))),
            ("releases", Some(t("pipeline.releases"))),
            ("breaking_changes", Some(t("pipeline.breaking"))),
            ("caught_breaking_changes", Some(t("pipeline.caught"))),
        ]
    }
}
