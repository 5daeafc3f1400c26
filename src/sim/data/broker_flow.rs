//! The world's side of [`broker`](super::broker): what scenarios call to add
//! and change it, and how requests and events meet it.

use super::broker::*;
use crate::sim::data::event::DataEvent;
use crate::sim::kernel::event::Event;
use crate::sim::kernel::ids::TopicId;
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::request::{Origin, Outcome, ReqRef, Request};
use crate::sim::kernel::world::World;
use std::collections::VecDeque;

impl World {
    /// Adds a topic with its consumer group; returns its index.
    pub fn add_topic(&mut self, spec: TopicSpec) -> TopicId {
        assert!(spec.consumers >= 1 && spec.max_deliveries >= 1 && spec.retention >= 1);
        let n = &spec.name;
        let now = self.kernel.now;
        let m = &mut self.kernel.metrics;
        let tm = TopicMetrics {
            published: m.counter(&format!("{n}.published")),
            consumed: m.counter(&format!("{n}.consumed")),
            dead: m.counter(&format!("{n}.dead_letters")),
            dropped: m.counter(&format!("{n}.dropped")),
            lag: m.gauge(&format!("{n}.lag"), now, 0.0),
            age: m.latency(&format!("{n}.age")),
        };
        self.data.broker.topics.push(Topic {
            spec,
            backlog: VecDeque::new(),
            in_process: OrderedMap::new(),
            poll_at: None,
            lag: 0.0,
            m: tm,
        });
        TopicId::new(self.data.broker.topics.len() - 1)
    }

    /// Events of `topic` published and not yet consumed (weighted).
    pub fn topic_lag(&self, topic: TopicId) -> f64 {
        self.data.broker.topics[topic.index()].lag
    }

    /// Changes the number of consumers of `topic` from now on.
    pub fn set_consumers(&mut self, topic: TopicId, consumers: u32) {
        assert!(consumers >= 1);
        self.data.broker.topics[topic.index()].spec.consumers = consumers;
        self.broker_dispatch(topic);
    }

    /// `Step::Publish`: appends an event made by `r` to `topic`.
    pub(crate) fn publish(&mut self, r: ReqRef, topic: TopicId) {
        let now = self.kernel.now;
        let template = self
            .kernel
            .requests
            .get(r)
            .expect("publisher alive")
            .clone();
        let w = template.weight as f64;
        let t = &mut self.data.broker.topics[topic.index()];
        t.backlog.push_back(Message {
            published_us: now,
            due_us: now + t.spec.delivery_delay_us,
            deliveries: 0,
            template,
        });
        t.lag += w;
        let mut dropped = 0.0;
        while t.backlog.len() > t.spec.retention {
            let m = t.backlog.pop_front().expect("over retention");
            dropped += m.template.weight as f64;
        }
        t.lag -= dropped;
        let (m, lag) = (t.m.clone(), t.lag);
        self.kernel.metrics.add(m.published, w);
        self.kernel.metrics.add(m.dropped, dropped);
        self.kernel.metrics.set(m.lag, now, lag);
        self.broker_dispatch(topic);
    }

    /// Hands due events to free consumers; arranges a poll for the next due one.
    fn broker_dispatch(&mut self, topic: TopicId) {
        loop {
            let now = self.kernel.now;
            let t = &mut self.data.broker.topics[topic.index()];
            if t.in_process.len() >= t.spec.consumers as usize {
                return;
            }
            let Some(head) = t.backlog.front() else {
                return;
            };
            if head.due_us > now {
                let due = head.due_us;
                if t.poll_at.is_none_or(|p| p > due) {
                    t.poll_at = Some(due);
                    self.kernel
                        .schedule(due, Event::Data(DataEvent::BrokerPoll { topic }));
                }
                return;
            }
            let msg = t.backlog.pop_front().expect("head");
            let (service, handler) = (t.spec.service, t.spec.handler);
            let t = &msg.template;
            let mut req = Request::new(
                Origin::Event(topic),
                t.class,
                t.weight,
                service,
                handler,
                t.key,
                now,
            );
            req.attempt = msg.deliveries as u16 + 1;
            let r = self.kernel.requests.insert(req);
            self.data.broker.topics[topic.index()]
                .in_process
                .insert((r.idx, r.gen), msg);
            self.enter(r);
        }
    }

    pub(crate) fn on_broker_poll(&mut self, topic: TopicId) {
        let t = &mut self.data.broker.topics[topic.index()];
        if t.poll_at == Some(self.kernel.now) {
            t.poll_at = None;
        }
        self.broker_dispatch(topic);
    }

    /// A consumer's request for an event ended: acknowledge, or deliver again.
    pub(crate) fn on_event_done(&mut self, topic: TopicId, r: ReqRef, outcome: Outcome) {
        let now = self.kernel.now;
        let t = &mut self.data.broker.topics[topic.index()];
        let Some(mut msg) = t.in_process.remove(&(r.idx, r.gen)) else {
            return;
        };
        let w = msg.template.weight;
        let m = t.m.clone();
        msg.deliveries += 1;
        if outcome.is_ok() || msg.deliveries >= t.spec.max_deliveries {
            t.lag -= w as f64;
            let lag = t.lag;
            if outcome.is_ok() {
                self.kernel.metrics.add(m.consumed, w as f64);
                self.kernel.metrics.record(m.age, now - msg.published_us, w);
            } else {
                self.kernel.metrics.add(m.dead, w as f64);
            }
            self.kernel.metrics.set(m.lag, now, lag);
        } else {
            msg.due_us = now + t.spec.redelivery_delay_us;
            t.backlog.push_back(msg);
        }
        self.broker_dispatch(topic);
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    fn world(consumers: u32, fail_p: f64) -> World {
        let mut w = World::new(4, WorldConfig::default());
        let front = w.add_service(ServiceSpec::new("front", 1, 10));
        let back = w.add_service(ServiceSpec::new("back", 1, 100));
        let consume = w.add_handler(Handler::new(
            "consume",
            back,
            vec![
                Step::Work(Dist::Constant { ms: 100.0 }),
                Step::FailWith { p: fail_p },
            ],
        ));
        let topic = w.add_topic(TopicSpec::new("events", back, consume, consumers));
        let publish = w.add_handler(Handler::new(
            "publish",
            front,
            vec![Step::Publish { topic }],
        ));
        w.add_client(ClientSpec::new("c", 50.0, front, publish));
        w
    }

    #[test]
    fn publishers_answer_at_once_and_consumers_keep_up_when_they_can() {
        let mut w = world(10, 0.0); // capacity 100/s for 50/s offered
        w.step(100 * SEC);
        let lat = w.kernel.metrics.series_histogram("c.latency").unwrap();
        assert!(lat.quantile(0.99).unwrap() < 1_000.0, "publish is instant");
        let published = w.kernel.metrics.counter_total("events.published");
        let consumed = w.kernel.metrics.counter_total("events.consumed");
        assert!(published - consumed < 20.0, "{published} {consumed}");
        assert!(w.topic_lag(TopicId::new(0)) < 20.0);
    }

    #[test]
    fn too_few_consumers_build_lag() {
        let mut w = world(2, 0.0); // capacity 20/s for 50/s offered
        w.step(100 * SEC);
        let lag = w.topic_lag(TopicId::new(0));
        assert!((lag - 3_000.0).abs() < 300.0, "lag {lag}");
        assert!(w.ledger().balances());
    }

    #[test]
    fn failed_events_are_redelivered_then_dead_lettered() {
        let mut w = world(20, 0.5);
        w.step(200 * SEC);
        let m = &w.kernel.metrics;
        let published = m.counter_total("events.published");
        let consumed = m.counter_total("events.consumed");
        let dead = m.counter_total("events.dead_letters");
        // Five tries at 50 %: 1/32 of events dead-lettered.
        assert!(
            (dead / published - 1.0 / 32.0).abs() < 0.01,
            "{dead} of {published}"
        );
        assert!(published - consumed - dead - w.topic_lag(TopicId::new(0)) < 1e-9);
    }
}
