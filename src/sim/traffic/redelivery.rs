//! Redelivery: a sender that re-sends a request whose acknowledgement it did
//! not get — a webhook provider, a payment client, a message relay.
//!
//! A client population with a [`Redelivery`] policy does not hand its requests
//! straight to the service. Each request starts at a sender: a request that
//! holds no worker anywhere and makes one call to the target, with the policy's
//! acknowledgement timeout and retry policy. An attempt whose answer is an
//! error, is refused, or does not come back in time (lost on the way, or too
//! slow) is delivered again, up to the retry policy's `max_attempts`, with its
//! waits. Every delivery carries the request's key, so the receiver can tell a
//! redelivery from a new request — or fail to.
//!
//! The population's ledger counts the request once, with the outcome of its
//! last delivery; the retry part's series count the deliveries
//! (`NAME.attempts`, `NAME.retries` = redeliveries, `NAME.retries_ok` =
//! redeliveries the receiver answered with success).

use crate::sim::kernel::ids::RetryId;
use crate::sim::kernel::time::Micros;

/// How a client population redelivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redelivery {
    /// The retry part (index) that decides how many deliveries and the waits.
    pub retry: RetryId,
    /// How long the sender waits for an acknowledgement of one delivery;
    /// `None` waits for ever (an acknowledgement lost then is never redelivered).
    pub ack_timeout_us: Option<Micros>,
}
