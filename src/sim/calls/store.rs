//! The call policies' store: retries, circuit breakers and bulkheads, each a
//! named part that call sites share by id (`CallSpec::retry`, `::breaker`,
//! `::bulkhead`).

use crate::sim::calls::breaker::Breaker;
use crate::sim::calls::bulkhead::Bulkhead;
use crate::sim::calls::retry::Retry;

/// Retry policies, breakers and bulkheads, each by index (its typed id).
#[derive(Default)]
pub struct CallStore {
    pub(in crate::sim) retries: Vec<Retry>,
    pub(in crate::sim) breakers: Vec<Breaker>,
    pub(in crate::sim) bulkheads: Vec<Bulkhead>,
}
