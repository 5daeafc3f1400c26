//! The retry policies' glue: adding and changing them, borrowing the kernel
//! and the call store only (the waits and attempts are the call's flow,
//! `call.rs`); `World`'s methods are the doors.

use super::retry::*;
use crate::sim::calls::store::CallStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::ids::RetryId;
use crate::sim::kernel::world::World;

impl CallStore {
    /// Adds a retry policy with its series.
    pub(in crate::sim) fn add_retry(
        &mut self,
        k: &mut Kernel,
        name: &str,
        policy: RetryPolicy,
    ) -> RetryId {
        let now = k.now;
        let m = &mut k.metrics;
        let rm = RetryMetrics {
            attempts: m.counter(&format!("{name}.attempts")),
            retries: m.counter(&format!("{name}.retries")),
            retries_ok: m.counter(&format!("{name}.retries_ok")),
            exhausted: m.counter(&format!("{name}.exhausted")),
            retries_in_flight: m.gauge(&format!("{name}.retries_in_flight"), now, 0.0),
        };
        self.retries.push(Retry {
            name: name.to_string(),
            policy,
            m: rm,
        });
        RetryId::new(self.retries.len() - 1)
    }
}

impl World {
    /// Adds a retry policy; returns its index for `CallSpec::retry`.
    pub fn add_retry(&mut self, name: &str, policy: RetryPolicy) -> RetryId {
        self.calls.add_retry(&mut self.kernel, name, policy)
    }

    /// Changes a retry policy from the next wait on.
    pub fn set_retry(&mut self, id: RetryId, policy: RetryPolicy) {
        self.calls.retries[id.index()].policy = policy;
    }
}
