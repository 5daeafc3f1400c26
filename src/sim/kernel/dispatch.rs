//! Where each group's events go: to that group's glue. With `World::step`'s
//! match over the kernel's own events, the one place that knows every kind of
//! event.

use crate::sim::calls::event::CallEvent;
use crate::sim::capacity::event::CapacityEvent;
use crate::sim::data::event::DataEvent;
use crate::sim::edge::event::EdgeEvent;
use crate::sim::kernel::world::World;
use crate::sim::memory::event::MemoryEvent;
use crate::sim::topology::event::TopologyEvent;
use crate::sim::traffic::event::TrafficEvent;

impl World {
    pub(crate) fn on_call_event(&mut self, e: CallEvent) {
        match e {
            CallEvent::Timeout(r, token) => self.on_call_timeout(r, token),
            CallEvent::RetryDue(r, token) => self.on_retry_due(r, token),
            CallEvent::BulkheadWaitOver(r, token) => self.on_bulkhead_wait_over(r, token),
            CallEvent::BreakerHalfOpen(b, epoch) => {
                self.calls.on_breaker_timer(&mut self.kernel, b, epoch)
            }
        }
    }

    pub(crate) fn on_topology_event(&mut self, e: TopologyEvent) {
        match e {
            TopologyEvent::PodReady { service, pod } => self.on_pod_ready(service, pod),
            TopologyEvent::SynRetry(r, sent) => self.on_syn_retry(r, sent),
            TopologyEvent::ChaosDelayOver(r) => self.on_chaos_delay_over(r),
            TopologyEvent::UptimeFlip {
                part,
                member,
                epoch,
            } => self.on_uptime_flip(part, member, epoch),
            TopologyEvent::Pipeline(p, step) => self.on_pipeline_step(p, step),
        }
    }

    pub(crate) fn on_memory_event(&mut self, e: MemoryEvent) {
        match e {
            MemoryEvent::GcEnd {
                service,
                pod,
                incarnation,
            } => self.on_gc_end(service, pod, incarnation),
            MemoryEvent::PodRestarted {
                service,
                pod,
                incarnation,
            } => self.on_pod_restarted(service, pod, incarnation),
        }
    }

    pub(crate) fn on_data_event(&mut self, e: DataEvent) {
        match e {
            DataEvent::Db(e) => self.on_db_event(e),
            DataEvent::LockWaitTimeout(r, since) => self.on_lock_wait_timeout(r, since),
            DataEvent::BrokerPoll { topic } => self.on_broker_poll(topic),
            DataEvent::CacheReply { req, skip } => self.on_cache_reply(req, skip),
            DataEvent::Replica(e) => self.on_replica_event(e),
            DataEvent::Capture(e) => self.on_capture_event(e),
        }
    }

    pub(crate) fn on_capacity_event(&mut self, e: CapacityEvent) {
        match e {
            CapacityEvent::PodCpu {
                service,
                pod,
                token,
            } => self.on_pod_cpu(service, pod, token),
            CapacityEvent::HpaSync(i) => self.on_hpa_sync(i),
        }
    }

    pub(crate) fn on_edge_event(&mut self, e: EdgeEvent) {
        match e {
            EdgeEvent::FlagControllerTick(i) => self.on_flag_controller_tick(i),
            EdgeEvent::MirrorTimeout { router, slot, gen } => {
                self.on_mirror_timeout(router, slot, gen)
            }
        }
    }

    pub(crate) fn on_traffic_event(&mut self, e: TrafficEvent) {
        match e {
            TrafficEvent::Adoption(a) => self.on_adoption(a),
        }
    }
}
