//! Sticky sessions: a load-balancer option that sends every request of a
//! session to the pod that served its first one.
//!
//! This is what in-memory sessions force: the session lives in that pod's
//! memory, so the balancer must keep the user there. Existing users therefore
//! stay on the pods that existed when they logged in; a pod added later only
//! gets sessions that start after it is ready. When a session's pod goes away
//! (scaled in, crashed, replaced) the session is lost and the user starts a new
//! one on another pod (`NAME.sessions_lost`). Requests without a key (0) are
//! balanced as usual. Pins are forgotten after `idle_us` without a request and
//! are at most `max_pins`, so the table is bounded.

use std::collections::VecDeque;

use crate::sim::kernel::metrics::CounterId;
use crate::sim::kernel::ordered_map::OrderedMap;
use crate::sim::kernel::time::Micros;

/// The sticky-session option of a service's balancer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StickySpec {
    /// A pin not used for this long is forgotten.
    pub idle_us: Micros,
    /// Pins kept at most (the oldest go first).
    pub max_pins: usize,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Pin {
    pub(super) slot: u32,
    pub(super) uid: u32,
    pub(super) last_us: Micros,
}

/// Session → pod pins of one service.
#[derive(Clone, Debug, Default)]
pub struct Affinity {
    pub(crate) spec: Option<StickySpec>,
    pub(super) pins: OrderedMap<u64, Pin>,
    /// (key, time) in the order pins were made or refreshed, for expiry.
    pub(super) order: VecDeque<(u64, Micros)>,
    pub(crate) lost: Option<CounterId>,
}

impl Affinity {
    /// Sessions pinned now.
    pub fn pinned(&self) -> usize {
        self.pins.len()
    }

    pub(super) fn expire(&mut self, now: Micros) {
        let Some(spec) = self.spec else { return };
        while let Some(&(key, t)) = self.order.front() {
            let too_many = self.pins.len() > spec.max_pins;
            if t + spec.idle_us > now && !too_many && self.order.len() <= 2 * spec.max_pins {
                break;
            }
            self.order.pop_front();
            if self.pins.get(&key).is_some_and(|p| p.last_us == t) {
                self.pins.remove(&key);
            }
        }
    }
}
