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

use crate::sim::kernel::ids::HandlerId;
use crate::sim::kernel::ids::RetryId;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::{CallSpec, Handler, Step};
use crate::sim::traffic::client::ClientSpec;

/// How a client population redelivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Redelivery {
    /// The retry part (index) that decides how many deliveries and the waits.
    pub retry: RetryId,
    /// How long the sender waits for an acknowledgement of one delivery;
    /// `None` waits for ever (an acknowledgement lost then is never redelivered).
    pub ack_timeout_us: Option<Micros>,
}

impl ClientSpec {
    /// Redelivers by `retry` (a retry part's index), waiting `ack_timeout_us` for
    /// each acknowledgement.
    pub fn redelivery(mut self, retry: RetryId, ack_timeout_us: Micros) -> Self {
        self.redelivery = Some(Redelivery {
            retry,
            ack_timeout_us: Some(ack_timeout_us),
        });
        self
    }
}

impl World {
    /// The sender handler of a redelivering population: one call to its target.
    pub(crate) fn add_sender(&mut self, spec: &ClientSpec) -> Option<HandlerId> {
        let r = spec.redelivery?;
        assert!(
            r.retry.index() < self.calls.retries.len(),
            "client '{}': no such retry policy",
            spec.name
        );
        let mut call = CallSpec::new(spec.service, spec.handler).retry(r.retry);
        call.timeout_us = r.ack_timeout_us;
        // Never entered into a pod: the pool is only there to satisfy the type.
        self.topology.handlers.push(Handler::new(
            format!("{}.sender", spec.name),
            spec.service,
            vec![Step::Call(call)],
        ));
        Some(HandlerId::new(self.topology.handlers.len() - 1))
    }
}
