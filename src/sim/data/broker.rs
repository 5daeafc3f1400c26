//! An event broker: topics, each read by one consumer group.
//!
//! `Step::Publish` appends an event to a topic and the publishing request
//! carries on at once: it holds no worker, lock or connection while the event
//! waits. The topic's consumer group has `consumers` consumers; each takes the
//! oldest due event, runs it as a request to the group's handler (through the
//! service's pods, pools and queues like any other request), and takes the next
//! when that ends. A failed event is delivered again after a delay, up to
//! `max_deliveries` times, then dead-lettered (at-least-once delivery). Events
//! are taken in order, one head of line for the topic (partitions are not
//! modelled: `consumers` is the group's concurrency).
//!
//! Series per topic `NAME`: `NAME.published`, `NAME.consumed`,
//! `NAME.dead_letters`, `NAME.dropped` (counters), `NAME.lag` (events
//! published and not yet consumed), `NAME.age` (publish to consumed, ms).

use crate::sim::kernel::ids::{HandlerId, ServiceId};
use std::collections::VecDeque;

use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::request::Request;
use crate::sim::kernel::time::{Micros, MS, SEC};

/// A topic and its consumer group, as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicSpec {
    /// Name, for its series (`"order-placed"`).
    pub name: String,
    /// The consuming service and the handler each event runs.
    pub service: ServiceId,
    pub handler: HandlerId,
    /// Consumers in the group: events processed at once.
    pub consumers: u32,
    /// From publish to deliverable (broker round trip, batching).
    pub delivery_delay_us: Micros,
    /// Wait before a failed event is delivered again.
    pub redelivery_delay_us: Micros,
    /// Deliveries before an event is dead-lettered.
    pub max_deliveries: u32,
    /// Most events kept waiting; beyond it the oldest are dropped (retention).
    pub retention: usize,
}

impl TopicSpec {
    /// A topic consumed by `consumers` consumers running `handler` of `service`,
    /// with a 5 ms delivery delay, redelivery after 1 s up to 5 times, and room
    /// for a million waiting events.
    pub fn new(name: &str, service: ServiceId, handler: HandlerId, consumers: u32) -> Self {
        TopicSpec {
            name: name.to_string(),
            service,
            handler,
            consumers,
            delivery_delay_us: 5 * MS,
            redelivery_delay_us: SEC,
            max_deliveries: 5,
            retention: 1_000_000,
        }
    }
}

#[derive(Clone, Debug)]
pub(super) struct Message {
    pub(super) published_us: Micros,
    pub(super) due_us: Micros,
    pub(super) deliveries: u32,
    /// The publishing request as it was, for class and weight.
    pub(super) template: Request,
}

#[derive(Clone, Debug)]
pub(super) struct TopicMetrics {
    pub(super) published: CounterId,
    pub(super) consumed: CounterId,
    pub(super) dead: CounterId,
    pub(super) dropped: CounterId,
    pub(super) lag: GaugeId,
    pub(super) age: LatencyId,
}

pub(super) struct Topic {
    pub(super) spec: TopicSpec,
    pub(super) backlog: VecDeque<Message>,
    pub(super) in_process: OrderedMap<(u32, u32), Message>,
    pub(super) poll_at: Option<Micros>,
    pub(super) lag: f64,
    pub(super) m: TopicMetrics,
}

/// Every topic of a world.
#[derive(Default)]
pub(crate) struct Broker {
    pub(super) topics: Vec<Topic>,
}

impl Broker {
    /// Messages held, waiting or being processed, over every topic.
    pub fn held(&self) -> usize {
        self.topics
            .iter()
            .map(|t| t.backlog.len() + t.in_process.len())
            .sum()
    }
}
