//! Everything that can happen at an instant: the kernel's own events (arrivals,
//! work done, deadlines, resumptions, the fault timeline) and one enum per
//! group of parts for what that group waits for (`calls/event.rs`, …).

use crate::sim::calls::event::CallEvent;
use crate::sim::capacity::event::CapacityEvent;
use crate::sim::data::event::DataEvent;
use crate::sim::edge::event::EdgeEvent;
use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::request::{Outcome, ReqRef};
use crate::sim::memory::event::MemoryEvent;
use crate::sim::topology::event::TopologyEvent;
use crate::sim::traffic::event::TrafficEvent;

/// Everything that can happen at an instant: the kernel's own events, and
/// one enum per group of parts for what that group waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Event {
    /// The next arrival of a client population (dropped if `epoch` is stale); when
    /// `real` is false it only re-evaluates the rate at a profile breakpoint.
    Arrival {
        client: ClientId,
        epoch: u32,
        real: bool,
    },
    /// A request's `Work` step is done.
    WorkDone(ReqRef),
    /// A client's deadline for its request.
    ClientDeadline(ReqRef),
    /// A decision step that took time (a round trip to a shared store) is
    /// over: `None` goes on to the next step, `Some` ends the request.
    Resume(ReqRef, Option<Outcome>),
    /// Entry `i` of the fault timeline.
    Timeline(u32),
    /// Calls and their policies (`calls/event.rs`).
    Calls(CallEvent),
    /// Pods and connections (`topology/event.rs`).
    Topology(TopologyEvent),
    /// Pod CPUs and autoscalers (`capacity/event.rs`).
    Capacity(CapacityEvent),
    /// Collectors and restarts (`memory/event.rs`).
    Memory(MemoryEvent),
    /// Databases, locks, the broker, caches, replication, change capture
    /// (`data/event.rs`).
    Data(DataEvent),
    /// Flag controllers, routers' copies (`edge/event.rs`).
    Edge(EdgeEvent),
    /// App releases' adoption (`traffic/event.rs`).
    Traffic(TrafficEvent),
}

#[cfg(test)]
mod tests {
    use super::Event;

    /// An event travels in every heap entry: keep it to three words at most,
    /// so a deep queue stays compact.
    #[test]
    fn an_event_stays_small() {
        let size = std::mem::size_of::<Event>();
        assert!(size <= 24, "{size}");
    }
}
