//! What the call policies wait for, and where each wait's end goes.

use crate::sim::kernel::ids::BreakerId;
use crate::sim::kernel::request::ReqRef;
use crate::sim::kernel::world::World;

/// A moment a call or one of its policies waits for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum CallEvent {
    /// A request's call has waited its timeout (stale if the wait token moved on).
    Timeout(ReqRef, u32),
    /// A caller's backoff is over: its next attempt (stale if the token moved on).
    RetryDue(ReqRef, u32),
    /// A caller has waited its longest for a bulkhead permit (stale if the token moved on).
    BulkheadWaitOver(ReqRef, u32),
    /// A breaker's open wait is over (stale unless `.1` is its epoch).
    BreakerHalfOpen(BreakerId, u32),
}

impl World {
    pub(crate) fn on_call_event(&mut self, e: CallEvent) {
        match e {
            CallEvent::Timeout(r, token) => self.on_call_timeout(r, token),
            CallEvent::RetryDue(r, token) => self.on_retry_due(r, token),
            CallEvent::BulkheadWaitOver(r, token) => self.on_bulkhead_wait_over(r, token),
            CallEvent::BreakerHalfOpen(b, epoch) => self.on_breaker_timer(b, epoch),
        }
    }
}
