//! What the call policies wait for, and where each wait's end goes.

use crate::sim::kernel::ids::BreakerId;
use crate::sim::kernel::request::ReqRef;

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
