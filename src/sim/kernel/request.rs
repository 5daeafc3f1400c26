//! Requests: the unit of work that flows through the simulated system.
//!
//! A request is born at a client (or as a call from another request), carries a
//! class, a weight and a deadline, walks its handler's steps, and ends in exactly
//! one [`Outcome`]. Requests live in a [`Requests`] slab; a [`ReqRef`] names one
//! with a generation, so an event that refers to a request that has since ended
//! (a late timeout, a late reply) is recognised as stale and ignored.

use crate::sim::kernel::ids::ClientId;
use crate::sim::kernel::ids::{HandlerId, ServiceId};
use crate::sim::kernel::ids::{PipelineId, RouterId, TopicId};
use crate::sim::kernel::time::Micros;

pub use crate::sim::kernel::ids::ReqRef;

/// How a request ended, from the point of view of whoever sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// Served successfully.
    Ok,
    /// Served, but with an error (5xx, a failed dependency, an OOM-killed pod …).
    Error,
    /// Turned away without being worked on (429, full queue, open breaker …).
    Rejected,
    /// The sender stopped waiting: its deadline passed first.
    TimedOut,
}

impl Outcome {
    /// All outcomes, in ledger order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Ok,
        Outcome::Error,
        Outcome::Rejected,
        Outcome::TimedOut,
    ];

    /// Index of the outcome in per-outcome arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// True for the outcome of a successful request.
    pub fn is_ok(self) -> bool {
        self == Outcome::Ok
    }
}

/// Who is waiting for a request's answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A client population (index into the world's clients).
    Client(ClientId),
    /// Another request, in one of its call steps.
    Call(ReqRef),
    /// Nobody: an attempt given up on, or a copy whose comparison is over;
    /// its answer is dropped.
    Detached,
    /// A consumer of a broker topic (index into the broker's topics), which
    /// acknowledges or redelivers the message by the outcome (`broker.rs`).
    Event(TopicId),
    /// A router comparing this copy's answer with its caller's, in
    /// comparison slot `slot` (`router.rs`).
    Mirror { router: RouterId, slot: u32 },
    /// A release pipeline's request: its end-to-end suite (`slot` =
    /// `pipeline::SUITE`) or a chaos experiment's request on a contract's
    /// path (`slot`: the contract's index; `pipeline.rs`).
    Suite { pipeline: PipelineId, slot: u32 },
}

/// One request in flight.
#[derive(Clone, Debug)]
pub struct Request {
    /// Who gets the answer.
    pub origin: Origin,
    /// The request's class, an index into the world's class table.
    pub class: u16,
    /// How many real requests this simulated one stands for (long horizons).
    pub weight: u32,
    /// Which attempt this is (1 = the first call).
    pub attempt: u16,
    /// When the whole logical request started (first attempt).
    pub born_us: Micros,
    /// When this attempt started.
    pub attempt_start_us: Micros,
    /// The service handling it, and the pod and pool it holds or waits for.
    pub service: ServiceId,
    pub pod: u32,
    pub pool: u16,
    /// The handler and the index of the step it is on.
    pub handler: HandlerId,
    pub step: u16,
    /// Whether it currently holds a worker of its pool.
    pub holds_worker: bool,
    /// When it joined its pool's queue (for queue-wait metrics).
    pub queued_at_us: Micros,
    /// A counter bumped whenever the request stops waiting for something, so that
    /// a timer or a reply armed for an earlier wait is recognised as stale.
    pub wait_token: u32,
    /// Free-form key for deduplication, routing by version, idempotency …
    /// Every client request gets a key of its own; calls inherit their caller's.
    pub key: u64,
    /// The fields of its answer body, a bit per field of a response schema
    /// (`Step::Respond` sets them; a call's answer hands them to its caller;
    /// a client's parser reads them, `app_release.rs`). 0: no body yet.
    pub body: u32,
    /// The call it is making (as a caller) and the policy that sent it (as an
    /// attempt): see [`call`](crate::sim::calls::call).
    pub call: crate::sim::calls::call_state::CallState,
}

impl Request {
    /// A request born at `now` for `handler` of `service`, on its first
    /// attempt, holding nothing yet: a client's, a broker's event, a router's
    /// copy.
    pub(crate) fn new(
        origin: Origin,
        class: u16,
        weight: u32,
        service: ServiceId,
        handler: HandlerId,
        key: u64,
        now: Micros,
    ) -> Request {
        Request {
            origin,
            class,
            weight,
            attempt: 1,
            born_us: now,
            attempt_start_us: now,
            service,
            pod: u32::MAX,
            pool: 0,
            handler,
            step: 0,
            holds_worker: false,
            queued_at_us: now,
            wait_token: 0,
            key,
            body: 0,
            call: crate::sim::calls::call_state::CallState::IDLE,
        }
    }
}

struct Slot {
    gen: u32,
    req: Option<Request>,
}

/// A slab of requests with generation-checked references and a free list.
#[derive(Default)]
pub struct Requests {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
}

impl Requests {
    /// Stores a request and returns a reference to it.
    pub fn insert(&mut self, r: Request) -> ReqRef {
        self.live += 1;
        if let Some(idx) = self.free.pop() {
            let s = &mut self.slots[idx as usize];
            debug_assert!(s.req.is_none());
            s.req = Some(r);
            ReqRef { idx, gen: s.gen }
        } else {
            let idx = self.slots.len() as u32;
            self.slots.push(Slot {
                gen: 0,
                req: Some(r),
            });
            ReqRef { idx, gen: 0 }
        }
    }

    /// The request, if it is still alive.
    #[inline]
    pub fn get(&self, r: ReqRef) -> Option<&Request> {
        let s = self.slots.get(r.idx as usize)?;
        if s.gen == r.gen {
            s.req.as_ref()
        } else {
            None
        }
    }

    /// The request, mutably, if it is still alive.
    #[inline]
    pub fn get_mut(&mut self, r: ReqRef) -> Option<&mut Request> {
        let s = self.slots.get_mut(r.idx as usize)?;
        if s.gen == r.gen {
            s.req.as_mut()
        } else {
            None
        }
    }

    /// Removes a request; later references to it are stale.
    pub fn remove(&mut self, r: ReqRef) -> Option<Request> {
        let s = self.slots.get_mut(r.idx as usize)?;
        if s.gen != r.gen {
            return None;
        }
        let req = s.req.take()?;
        s.gen = s.gen.wrapping_add(1);
        self.free.push(r.idx);
        self.live -= 1;
        Some(req)
    }

    /// Every live request with its reference, in slot order (deterministic).
    /// Used by rare whole-system events (an OOM kill, a deadlock check), never
    /// on the per-request hot path.
    pub fn iter(&self) -> impl Iterator<Item = (ReqRef, &Request)> {
        self.slots.iter().enumerate().filter_map(|(i, s)| {
            s.req.as_ref().map(|r| {
                (
                    ReqRef {
                        idx: i as u32,
                        gen: s.gen,
                    },
                    r,
                )
            })
        })
    }

    /// Number of live requests.
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when no request is alive.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request {
            origin: Origin::Detached,
            class: 0,
            weight: 1,
            attempt: 1,
            born_us: 0,
            attempt_start_us: 0,
            service: ServiceId::new(0),
            pod: 0,
            pool: 0,
            handler: HandlerId::new(0),
            step: 0,
            holds_worker: false,
            queued_at_us: 0,
            wait_token: 0,
            key: 0,
            body: 0,
            call: Default::default(),
        }
    }

    #[test]
    fn stale_references_are_not_resolved_after_reuse() {
        let mut s = Requests::default();
        let a = s.insert(req());
        assert!(s.remove(a).is_some());
        let b = s.insert(req());
        assert_eq!(a.idx, b.idx);
        assert!(s.get(a).is_none());
        assert!(s.get(b).is_some());
        assert!(s.remove(a).is_none());
        assert_eq!(s.len(), 1);
    }
}
