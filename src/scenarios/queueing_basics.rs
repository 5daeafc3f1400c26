//! `queueing-basics`: the textbook M/M/c (or M/D/c) queue everything else stands on.

use crate::sim::{
    ClientId, ClientSpec, Dist, Handler, HandlerId, ServiceId, ServiceSpec, Span, Step, World,
};

use super::figures::quantile_ms;
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
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
    GuidedStep::new(
        "Press Play with the defaults: 900 requests a second onto 10 servers of 10 ms each.",
        "Busy servers and the mean wait.",
        "The servers are 90 % busy. How long does a request wait in the queue, on average?",
        "About 6.7 ms on average: at 90 % busy most requests already queue, as Erlang C predicts.",
        1800.0,
    )
    .choices(&["No wait: a tenth of the capacity is spare", "About 1 ms", "About 7 ms", "Over 50 ms"], 2)
    .expect("mean_wait_ms", 5.0, 8.5)
    .charts(&["Busy servers", "Latency"]),
    GuidedStep::new(
        "Set Arrival rate to 500 rps.",
        "The mean wait and the queue length.",
        "Half the load. What happens to the wait?",
        "Far more than half: at 50 % busy the queue is nearly always empty, and the wait falls to hundredths of a millisecond.",
        1800.0,
    )
    .choices(&["It halves, to about 3 ms", "It falls a hundredfold or more", "It stays about the same"], 1)
    .set(&[("arrival_rps", "500")])
    .expect("mean_wait_ms", 0.0, 0.2)
    .charts(&["Latency", "Queue length"]),
    GuidedStep::new(
        "Set Arrival rate to 980 rps.",
        "The mean wait and the p99 latency.",
        "Only 9 % more load than the default. What happens to the wait?",
        "Several times more: the wait grows like 1 / (1 − utilisation), so the last few percent of capacity cost the most.",
        3600.0,
    )
    .choices(&["It grows by about 9 %", "It about doubles", "It grows about sevenfold"], 2)
    .set(&[("arrival_rps", "980")])
    .expect("mean_wait_ms", 25.0, 90.0)
    .charts(&["Latency", "Queue length"]),
    GuidedStep::new(
        "Set Service-time shape to constant, with Arrival rate back at 900 rps.",
        "The mean wait.",
        "The same mean service time with no randomness in it. What happens to the wait?",
        "About half the wait: variability, not only load, makes queues (M/D/c against M/M/c).",
        1800.0,
    )
    .choices(&["It stays the same", "It about halves", "It disappears"], 1)
    .set(&[("service_dist", "constant")])
    .expect("mean_wait_ms", 2.5, 4.5)
    .charts(&["Latency", "Queue length"]),
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Throughput",
            unit: "req/s",
            lines: vec![
                line("arrivals", SeriesExpr::PerSecond("clients.arrived".into())),
                line(
                    "completed",
                    SeriesExpr::PerSecond("service.completed".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Latency",
            unit: "ms",
            lines: vec![
                line("p50", SeriesExpr::Plain("service.latency.p50".into())),
                line("p99", SeriesExpr::Plain("service.latency.p99".into())),
                line("mean wait", SeriesExpr::Plain("service.wait.mean".into())),
            ],
        },
        ChartSpec {
            title: "Queue length",
            unit: "requests",
            lines: vec![
                line("queued (mean)", SeriesExpr::Plain("service.queued".into())),
                line(
                    "queued (max)",
                    SeriesExpr::Plain("service.queued.max".into()),
                ),
            ],
        },
        ChartSpec {
            title: "Busy servers",
            unit: "servers",
            lines: vec![line("busy", SeriesExpr::Plain("service.busy".into()))],
        },
    ]
}

/// Each headline figure's label, as the page shows it.
const FIGURES: &[(&str, &str)] = &[
    ("mean_wait_ms", "Mean wait in the queue"),
    ("mean_latency_ms", "Mean time in the system"),
    ("mean_in_system", "Requests in the system (mean)"),
    ("throughput_rps", "Throughput"),
    ("utilization", "Servers busy"),
    ("p99_latency_ms", "p99 time in the system"),
];

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
    figures: FIGURES,
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

    fn headline(&self, p: &Params, v: &Span) -> Headline {
        let mean_ms = |name: &str| v.histogram(name).and_then(|h| h.mean()).map(|us| us / 1e3);
        let busy = v.gauge_time_mean("service.busy");
        let servers = p.f("servers");
        vec![
            ("mean_wait_ms", mean_ms("service.wait")),
            ("mean_latency_ms", mean_ms("service.latency")),
            ("mean_in_system", v.gauge_time_mean("service.in_system")),
            ("throughput_rps", v.per_second("service.completed")),
            ("utilization", busy.map(|b| b / servers)),
            ("p99_latency_ms", quantile_ms(v, "service.latency", 0.99)),
        ]
    }
}
