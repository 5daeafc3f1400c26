//! `queueing-basics`: the textbook M/M/c (or M/D/c) queue everything else stands on.

use crate::sim::{
    ClientId, ClientSpec, Dist, Handler, HandlerId, ServiceId, ServiceSpec, Step, World,
};

use super::figures::quantile_ms;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{ChartSpec, GuidedStep, LineSpec, ParamSpec, SeriesExpr};
use super::Scenario;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::number("arrival_rps", "Arrival rate", "rps", 900.0, 1.0, 100_000.0, "Requests per second, arriving at random (Poisson)."),
    ParamSpec::number("servers", "Servers", "", 10.0, 1.0, 1_000.0, "Identical workers taking requests from one FIFO queue.").integer(),
    ParamSpec::number("service_ms", "Service time", "ms", 10.0, 0.1, 10_000.0, "Mean time a worker spends on one request."),
    ParamSpec::choice(
        "service_dist",
        "Service-time shape",
        &["exponential", "constant"],
        "exponential",
        "exponential: every duration is a surprise (M/M/c); constant: all take the same time (M/D/c).",
    ),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep {
        action: "Run the defaults: 900 rps onto 10 servers of 10 ms each.",
        watch: "Utilisation and the p99 latency.",
        predict: "Servers are 90 % busy. Is the wait in the queue closer to 1 ms or to 10 ms?",
        answer: "About 6.7 ms on average: at 90 % busy, most requests already queue, as Erlang C predicts.",
    },
    GuidedStep {
        action: "Lower arrival_rps to 500.",
        watch: "Queue length and p99.",
        predict: "Half the load: half the wait?",
        answer: "Far less than half: at 50 % busy the queue is nearly always empty and the wait falls about a hundredfold.",
    },
    GuidedStep {
        action: "Raise arrival_rps to 980.",
        watch: "p99 latency and queue length.",
        predict: "Only 9 % more load than the default. How much more waiting?",
        answer: "Several times more: the wait grows like 1 / (1 − utilisation), so the last few percent cost the most.",
    },
    GuidedStep {
        action: "Set service_dist to constant at 900 rps.",
        watch: "Mean wait.",
        predict: "Same mean service time, no randomness in it. Same wait?",
        answer: "About half the wait: variability, not only load, makes queues (M/D/c against M/M/c).",
    },
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Throughput",
            unit: "req/s",
            lines: vec![
                LineSpec {
                    label: "arrivals",
                    expr: SeriesExpr::PerSecond("clients.arrived".into()),
                },
                LineSpec {
                    label: "completed",
                    expr: SeriesExpr::PerSecond("service.completed".into()),
                },
            ],
        },
        ChartSpec {
            title: "Latency",
            unit: "ms",
            lines: vec![
                LineSpec {
                    label: "p50",
                    expr: SeriesExpr::Plain("service.latency.p50".into()),
                },
                LineSpec {
                    label: "p99",
                    expr: SeriesExpr::Plain("service.latency.p99".into()),
                },
                LineSpec {
                    label: "mean wait",
                    expr: SeriesExpr::Plain("service.wait.mean".into()),
                },
            ],
        },
        ChartSpec {
            title: "Queue length",
            unit: "requests",
            lines: vec![
                LineSpec {
                    label: "queued (mean)",
                    expr: SeriesExpr::Plain("service.queued".into()),
                },
                LineSpec {
                    label: "queued (max)",
                    expr: SeriesExpr::Plain("service.queued.max".into()),
                },
            ],
        },
        ChartSpec {
            title: "Busy servers",
            unit: "servers",
            lines: vec![LineSpec {
                label: "busy",
                expr: SeriesExpr::Plain("service.busy".into()),
            }],
        },
    ]
}

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "queueing-basics",
    title: "Queueing basics",
    story: None,
    lesson: "latency is flat until utilisation nears 1, then explodes",
    narrative:
        "One service, a pool of identical servers and one queue. Requests arrive at random; \
        each takes a random time to serve. Nothing is broken here, and yet latency can explode: \
        as the servers approach 100 % busy, the queue grows without any fault at all. Every other \
        scenario in the lab is this picture with something going wrong.",
    guide: GUIDE,
    params: PARAMS,
    charts,
    duration_s: 3_600.0,
    speed: 20.0,
    bucket_ms: 1_000,
    build,
};

struct QueueingModel {
    world: World,
    service: ServiceId,
    client: ClientId,
    handler: HandlerId,
}

fn service_dist(p: &Params) -> Dist {
    let ms = p.f("service_ms");
    match p.choice("service_dist") {
        "constant" => Dist::Constant { ms },
        _ => Dist::Exponential { mean_ms: ms },
    }
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let service = world.add_service(ServiceSpec::new("service", 1, p.f("servers") as u32));
    let handler = world.add_handler(Handler::new(
        "serve",
        service,
        vec![Step::Work(service_dist(p))],
    ));
    let client = world.add_client(ClientSpec::new(
        "clients",
        p.f("arrival_rps"),
        service,
        handler,
    ));
    Box::new(QueueingModel {
        world,
        service,
        client,
        handler,
    })
}

impl Model for QueueingModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "arrival_rps" => self.world.set_client_rate(self.client, p.f("arrival_rps")),
            "servers" => self
                .world
                .set_workers(self.service, 0, p.f("servers") as u32),
            "service_ms" | "service_dist" => {
                self.world
                    .set_step(self.handler, 0, Step::Work(service_dist(p)))
            }
            _ => {}
        }
    }

    fn headline(&self, p: &Params) -> Headline {
        let w = &self.world;
        let m = &w.metrics();
        let now = w.now();
        let secs = now as f64 / 1e6;
        let wait = m.series_histogram("service.wait");
        let lat = m.series_histogram("service.latency");
        let completed = m.counter_total("service.completed");
        let in_system = m.gauge_time_mean("service.in_system", now);
        let busy = m.gauge_time_mean("service.busy", now);
        let servers = p.f("servers");
        vec![
            (
                "mean_wait_ms",
                wait.and_then(|h| h.mean()).map(|us| us / 1e3),
            ),
            (
                "mean_latency_ms",
                lat.and_then(|h| h.mean()).map(|us| us / 1e3),
            ),
            ("mean_in_system", in_system),
            ("throughput_rps", (secs > 0.0).then(|| completed / secs)),
            ("utilization", busy.map(|b| b / servers)),
            ("p99_latency_ms", quantile_ms(m, "service.latency", 0.99)),
        ]
    }
}
