//! The world's side of [`redelivery`](super::redelivery): what scenarios call to add
//! and change it, and how requests and events meet it.

use crate::sim::kernel::ids::HandlerId;
use crate::sim::kernel::world::World;
use crate::sim::topology::handler::{CallSpec, Handler, Step};
use crate::sim::traffic::client::ClientSpec;

impl World {
    /// The sender handler of a redelivering population: one call to its target.
    pub(crate) fn add_sender(&mut self, spec: &ClientSpec) -> Option<HandlerId> {
        let r = spec.redelivery?;
        assert!(
            r.retry.index() < self.calls.retries().len(),
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
