//! `cap-tradeoff` (story 160): a social feed takes thousands of posts a
//! second into a store kept on three nodes. Two-phase commit keeps every node
//! consistent, at the price of throughput and of availability during a
//! partition; asynchronous replication through a log keeps writing, at the
//! price of freshness.
//!
//! Calibration (once, from the story; the mechanism does the rest):
//! - Posts arrive at `write_rps` (2,000 a second) at a feed API of 4 pods ×
//!   100 workers, each pod with a queue of 100 (Tomcat's `acceptCount`); a
//!   writer gives up after 5 s.
//! - A post takes 1 ms to validate, then locks its feed shard (one of 64 hot
//!   rows, as the story's "locking tables"), writes to the store, and
//!   commits (the lock is held for the whole write).
//! - The store has three nodes: the local one (0.5 ms away) and two in other
//!   regions (20 ms round trips, σ 0.5). A prepare forces a record to disk
//!   (5 ms, σ 0.6), a commit too (3 ms, σ 0.6); a coordinator waits 2 s for a
//!   node before it gives up.
//! - Asynchronously, each remote node has a consumer group of `consumers`
//!   consumers reading a Kafka-like log: a record is fetchable 20–120 ms
//!   after its acknowledgement, a consumer takes up to 500 at once and
//!   applies them in one transaction (a round trip, 250 ms (σ 0.5) and
//!   1.5 ms (σ 0.3) a post: timelines fanned out, indexes updated).
//! - `partition` cuts the third node off for 60 s.
//! - 300 s, one-second buckets.

use crate::sim::{
    ClientId, ClientSpec, Dist, Handler, LockTableSpec, ReplicatedStoreId, ReplicatedStoreSpec,
    Replication, ServiceSpec, Span, Step, TimedId, World, SEC,
};

use super::figures::{bucket_at, client_series, outcome_names, quantile_ms, total_between, FAILED};
use super::guide::GuidedStep;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::{line, ChartSpec, ParamSpec, SeriesExpr};
use super::Scenario;
use crate::sim::kernel::time::from_secs;

/// How long a partition lasts.
const PARTITION_S: f64 = 60.0;
/// The node a partition cuts off (the second remote region).
const FAR_NODE: u16 = 2;

const PARAMS: &[ParamSpec] = &[
    ParamSpec::choice("consistency", "Consistency", &["strong_2pc", "eventual_async"], "strong_2pc", "strong_2pc: prepare and commit on all three nodes before answering; eventual_async: answer after the local write, the other nodes apply it from a log."),
    ParamSpec::number("write_rps", "Posts per second", "/s", 2_000.0, 100.0, 5_000.0, "Posts written per second."),
    ParamSpec::number("consumers", "Consumers per node", "", 8.0, 1.0, 64.0, "Consumers applying the log to each remote node (eventual_async)."),
    ParamSpec::number("partition", "Partition", "s", 120.0, 1.0, 3_600.0, "When the network cuts the third node off, for 60 s; off: never.").or_off(true),
];

const GUIDE: &[GuidedStep] = &[
    GuidedStep::new(
        "Press Play with the defaults: Consistency strong_2pc, 2000 Posts per second.",
        "Write throughput against posts offered, and write latency.",
        "How many of the 2000 posts a second does two-phase commit acknowledge?",
        "Under 1000: every post holds its shard's lock through two round trips to the slowest region, so 64 shards take about 900 posts a second. The rest queue, time out or are refused.",
        300.0,
    )
    .choices(&["All 2000", "Under 1000", "None"], 1)
    .expect("write_throughput", 500.0, 1_000.0)
    .charts(&["Write throughput", "Write latency"]),
    GuidedStep::new(
        "Set Consistency to eventual_async.",
        "Write throughput, write latency and visibility lag.",
        "Posts are acknowledged after the local write. How long until other users see one (lag p95)?",
        "About 1–2 s: the post waits to be fetched from the log, then for a consumer's batch to be applied in the other regions. Every post is acknowledged, in a few milliseconds.",
        300.0,
    )
    .choices(&["At once", "About 1–2 s", "A minute"], 1)
    .set(&[("consistency", "eventual_async")])
    .expect("visibility_lag_p95_s", 0.7, 2.5)
    .charts(&["Write throughput", "Visibility lag of a post to readers"]),
    GuidedStep::new(
        "Keep Consistency at eventual_async and set Consumers per node to 4.",
        "Visibility lag.",
        "Half the consumers apply the same posts. What happens to the lag?",
        "It grows: each consumer takes bigger batches that take longer, and a post waits longer for a free consumer. Posts are still acknowledged at once.",
        300.0,
    )
    .choices(&["It grows", "Nothing", "Writes start failing"], 0)
    .set(&[("consistency", "eventual_async"), ("consumers", "4")])
    .expect("visibility_lag_p95_s", 2.5, 60.0)
    .charts(&["Visibility lag of a post to readers", "Write throughput"]),
    GuidedStep::new(
        "Set Consistency to strong_2pc and Partition to 120 s.",
        "Errors from 120 s to 180 s.",
        "The third node is cut off for a minute. What happens to posts?",
        "Every post fails: the coordinator waits 2 s for a vote that never comes, holding the shard's lock, and gives up. Availability was the price of consistency.",
        300.0,
    )
    .choices(&["They carry on", "They fail until the network heals", "Only a third fail"], 1)
    .set(&[("consistency", "strong_2pc"), ("partition", "120")])
    .expect("errors_during_partition", 50_000.0, 150_000.0)
    .charts(&["Errors", "Write throughput"]),
    GuidedStep::new(
        "Set Consistency to eventual_async, with Partition at 120 s.",
        "Errors, and visibility lag after 120 s.",
        "How many posts fail during the partition?",
        "None: the local node acknowledges them. The cut-off region sees nothing new for a minute, then catches up from the log. Freshness was the price of availability.",
        300.0,
    )
    .choices(&["None", "A third", "All of them"], 0)
    .set(&[("consistency", "eventual_async"), ("partition", "120")])
    .expect("errors_during_partition", 0.0, 0.0)
    .charts(&["Errors", "Visibility lag of a post to readers"]),
];

const FIGURES: &[(&str, &str)] = &[
    ("write_throughput", "Posts acknowledged"),
    ("write_p50_ms", "Write p50"),
    ("write_p99_ms", "Write p99"),
    ("visibility_lag_p95_s", "Visibility lag p95"),
    (
        "errors_during_partition",
        "Posts failed during the partition",
    ),
    ("error_rate", "Posts failed"),
];

fn charts() -> Vec<ChartSpec> {
    vec![
        ChartSpec {
            title: "Write throughput",
            unit: "per second",
            lines: vec![
                line("offered", SeriesExpr::PerSecond("writers.arrived".into())),
                line("acknowledged", SeriesExpr::PerSecond("writers.ok".into())),
            ],
        },
        ChartSpec {
            title: "Write latency",
            unit: "ms",
            lines: vec![
                line("p99", SeriesExpr::Plain("writers.latency.p99".into())),
                line("p50", SeriesExpr::Plain("writers.latency.p50".into())),
            ],
        },
        ChartSpec {
            title: "Visibility lag of a post to readers",
            unit: "s",
            lines: vec![
                line(
                    "p99",
                    SeriesExpr::Scaled("posts.visibility_lag.p99".into(), 1e-3),
                ),
                line(
                    "p50",
                    SeriesExpr::Scaled("posts.visibility_lag.p50".into(), 1e-3),
                ),
            ],
        },
        ChartSpec {
            title: "Errors",
            unit: "per second",
            lines: vec![
                line("failed", SeriesExpr::PerSecond("writers.error".into())),
                line(
                    "timed out",
                    SeriesExpr::PerSecond("writers.timed_out".into()),
                ),
                line("refused", SeriesExpr::PerSecond("writers.rejected".into())),
                line(
                    "network",
                    SeriesExpr::State("posts.cut_off".into(), &[(0, "whole"), (1, "split")]),
                ),
            ],
        },
    ]
}

/// The scenario's catalogue entry.
pub const SCENARIO: Scenario = Scenario {
    id: "cap-tradeoff",
    title: "CAP trade-off",
    story: Some(160),
    lesson: "2PC costs throughput and availability; async costs freshness",
    narrative: "A social feed takes thousands of posts a second, and keeps each on three nodes in \
        three regions. With two-phase commit every node has every post before the user hears 200 \
        OK: each post holds its feed shard's lock through two round trips to the slowest region, \
        which caps throughput, and when the network cuts a region off no post can commit at all. \
        Acknowledging after the local write and pushing the rest through a log keeps the API \
        answering whatever happens to the network; the price is that other users see a post a \
        second or two later, more with fewer consumers, and a region cut off sees nothing new \
        until it heals.",
    guide: GUIDE,
    params: PARAMS,
    figures: FIGURES,
    charts,
    duration_s: 300.0,
    speed: 5.0,
    bucket_ms: 1_000,
    build,
};

struct CapModel {
    world: World,
    store: ReplicatedStoreId,
    writers: ClientId,
    /// The partition's start and end, while still to come.
    split: Option<TimedId>,
    heal: Option<TimedId>,
}

fn mode(p: &Params) -> Replication {
    match p.choice("consistency") {
        "eventual_async" => Replication::Async,
        _ => Replication::TwoPhaseCommit,
    }
}

/// Schedules a partition from `at_s` for `PARTITION_S`.
fn schedule_partition(
    world: &mut World,
    store: ReplicatedStoreId,
    at_s: f64,
) -> (Option<TimedId>, Option<TimedId>) {
    let start = (at_s * SEC as f64) as u64;
    let end = ((at_s + PARTITION_S) * SEC as f64) as u64;
    let split = world.at(
        start,
        "The network cuts the third region off",
        Box::new(move |w: &mut World| w.set_replica_partition(store, &[FAR_NODE])),
    );
    let heal = world.at(
        end,
        "The network heals",
        Box::new(move |w: &mut World| w.set_replica_partition(store, &[])),
    );
    (Some(split), Some(heal))
}

fn build(p: &Params, seed: u64) -> Box<dyn Model> {
    let mut world = SCENARIO.world(seed);
    let api = world.add_service(ServiceSpec::new("feed-api", 4, 100).queue_cap(100));
    let shards = world.add_lock_table(LockTableSpec {
        name: "feed_shards".into(),
        wait_timeout_us: Some(50 * SEC),
    });
    let mut spec = ReplicatedStoreSpec::new("posts", 3, mode(p));
    spec.consumers = p.f("consumers") as u16;
    spec.apply_batch = Dist::LogNormal {
        median_ms: 250.0,
        sigma: 0.5,
    };
    spec.apply_per_write = Dist::LogNormal {
        median_ms: 1.5,
        sigma: 0.3,
    };
    let store = world.add_replicated_store(spec);
    let post = world.add_handler(Handler::new(
        "post",
        api,
        vec![
            Step::Work(Dist::Exponential { mean_ms: 1.0 }),
            Step::Lock {
                table: shards,
                rows: 64,
            },
            Step::ReplicatedWrite { store },
            Step::Commit,
        ],
    ));
    let writers = world
        .add_client(ClientSpec::new("writers", p.f("write_rps"), api, post).timeout_us(5 * SEC));
    let (split, heal) = match p.num("partition") {
        Some(at) => schedule_partition(&mut world, store, at),
        None => (None, None),
    };
    Box::new(CapModel {
        world,
        store,
        writers,
        split,
        heal,
    })
}

impl CapModel {
    /// Moves the partition: one still to come is cancelled, one under way
    /// heals now, and the new one is scheduled if still ahead.
    fn move_partition(&mut self, p: &Params) {
        if let Some(id) = self.split.take() {
            self.world.cancel(id);
        }
        if let Some(id) = self.heal.take() {
            if self.world.cancel(id) && self.world.replica_cut_off(self.store) {
                let store = self.store;
                self.world.at(
                    self.world.now(),
                    "The network heals",
                    Box::new(move |w: &mut World| w.set_replica_partition(store, &[])),
                );
            }
        }
        if let Some(at) = p.num("partition") {
            if (at * SEC as f64) as u64 >= self.world.now() {
                (self.split, self.heal) = schedule_partition(&mut self.world, self.store, at);
            }
        }
    }
}

impl Model for CapModel {
    fn world(&self) -> &World {
        &self.world
    }

    fn world_mut(&mut self) -> &mut World {
        &mut self.world
    }

    fn apply(&mut self, p: &Params, name: &str) {
        match name {
            "consistency" => self.world.set_replication(self.store, mode(p)),
            "write_rps" => self.world.set_client_rate(self.writers, p.f("write_rps")),
            "consumers" => self
                .world
                .set_replica_consumers(self.store, p.f("consumers") as u16),
            "partition" => self.move_partition(p),
            _ => {}
        }
    }

    fn headline(&self, p: &Params, v: &Span) -> Headline {
        let now = v.now_us();
        let (ok, ended) = outcome_names("writers");
        let failed = client_series(&["writers"], &FAILED);
        // Writes that failed from the split until it heals (none defined
        // before it begins, or without one).
        let errors = p.num("partition").and_then(|at| {
            let from = from_secs(at);
            let to = from_secs(at + PARTITION_S);
            (now >= from).then(|| total_between(v, &failed, bucket_at(v, from), bucket_at(v, to)))
        });
        let total = |names: &[String]| names.iter().map(|n| v.counter_total(n)).sum::<f64>();
        let (ended, failed) = (total(&ended), total(&failed));
        vec![
            ("write_throughput", v.per_second(&ok[0])),
            ("write_p50_ms", quantile_ms(v, "writers.latency", 0.5)),
            ("write_p99_ms", quantile_ms(v, "writers.latency", 0.99)),
            (
                "visibility_lag_p95_s",
                quantile_ms(v, "posts.visibility_lag", 0.95).map(|ms| ms / 1e3),
            ),
            ("errors_during_partition", errors),
            ("error_rate", (ended > 0.0).then(|| failed / ended)),
        ]
    }
}
