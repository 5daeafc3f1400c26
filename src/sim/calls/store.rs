//! The call policies' store: retries, circuit breakers and bulkheads, each a
//! named part that call sites share by id (`CallSpec::retry`, `::breaker`,
//! `::bulkhead`).

use crate::sim::calls::breaker::Breaker;
use crate::sim::calls::bulkhead::Bulkhead;
use crate::sim::calls::retry::Retry;

/// Retry policies, breakers and bulkheads, each by index (its typed id).
#[derive(Default)]
pub struct CallStore {
    pub(in crate::sim::calls) retries: Vec<Retry>,
    pub(in crate::sim::calls) breakers: Vec<Breaker>,
    pub(in crate::sim::calls) bulkheads: Vec<Bulkhead>,
}

impl CallStore {
    /// Every retry policy, by `RetryId::index`.
    pub fn retries(&self) -> &[Retry] {
        &self.retries
    }

    /// Every circuit breaker, by `BreakerId::index`.
    pub fn breakers(&self) -> &[Breaker] {
        &self.breakers
    }

    /// Every bulkhead, by `BulkheadId::index`.
    pub fn bulkheads(&self) -> &[Bulkhead] {
        &self.bulkheads
    }
}
