//! The bulkheads' glue: adding and resizing them, borrowing the kernel and
//! the call store (permits taken and given back are the call's flow,
//! `call.rs`); `World`'s methods are the doors.

use super::bulkhead::*;
use crate::sim::calls::store::CallStore;
use crate::sim::kernel::core::Kernel;
use crate::sim::kernel::ids::BulkheadId;
use crate::sim::kernel::time::Micros;
use crate::sim::kernel::world::World;

impl CallStore {
    /// Adds a semaphore bulkhead with its series.
    pub(in crate::sim) fn add_bulkhead(
        &mut self,
        k: &mut Kernel,
        spec: BulkheadSpec,
    ) -> BulkheadId {
        let (n, now) = (spec.name.clone(), k.now);
        let m = BulkheadMetrics {
            busy: k.metrics.gauge(&format!("{n}.busy"), now, 0.0),
            waiting: k.metrics.gauge(&format!("{n}.waiting"), now, 0.0),
            rejected: k.metrics.counter(&format!("{n}.rejected")),
        };
        self.bulkheads.push(Bulkhead::new(spec, m));
        BulkheadId::new(self.bulkheads.len() - 1)
    }
}

impl World {
    /// Adds a semaphore bulkhead; returns its index for `CallSpec::bulkhead`.
    pub fn add_bulkhead(&mut self, spec: BulkheadSpec) -> BulkheadId {
        self.calls.add_bulkhead(&mut self.kernel, spec)
    }

    /// Changes a bulkhead's size or wait; added permits go to waiters at once.
    pub fn set_bulkhead(&mut self, id: BulkheadId, max_concurrent: u32, max_wait_us: Micros) {
        let b = &mut self.calls.bulkheads[id.index()];
        b.spec.max_concurrent = max_concurrent;
        b.spec.max_wait_us = max_wait_us;
        let granted = b.grant_waiters();
        self.resume_waiters(id, granted);
    }
}
