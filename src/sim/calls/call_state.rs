//! What a request carries about calls: the call it makes as a caller, and the
//! retry policy that sent it as an attempt (`call.rs` moves it along).

use crate::sim::kernel::ids::ReqRef;
use crate::sim::kernel::ids::{BulkheadId, RetryId};
use crate::sim::kernel::time::Micros;

/// What a request knows about the call it makes (as a caller) and about the
/// retry policy that sent it (as an attempt).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallState {
    /// Attempts made so far in the current call step.
    pub attempts_made: u16,
    /// When the current attempt started.
    pub attempt_started_us: Micros,
    /// The attempt awaited now, if one is out.
    pub child: Option<ReqRef>,
    /// The wait before the previous retry (decorrelated jitter grows from it).
    pub last_wait_us: Micros,
    /// Bulkhead whose permit the current attempt holds.
    pub permit: Option<BulkheadId>,
    /// Bulkhead whose permit the current attempt waits for.
    pub waiting_for: Option<BulkheadId>,
    /// Retry part whose `retries_in_flight` counts this caller now.
    pub in_retry: Option<RetryId>,
    /// As an attempt: the retry part of the call that sent it.
    pub sent_by: Option<RetryId>,
    /// In a `Step::Route`: the backend the router chose (`router.rs`).
    pub backend: u16,
    /// In a `Step::Route`: the comparison slot of the copy sent alongside
    /// the call, until the call's answer is handed to it.
    pub mirror: Option<u32>,
}

impl CallState {
    /// No call made, no retry policy behind it: what a new client request
    /// carries (`Default`, as a constant the compiler writes in place).
    pub const IDLE: CallState = CallState {
        attempts_made: 0,
        attempt_started_us: 0,
        child: None,
        last_wait_us: 0,
        permit: None,
        waiting_for: None,
        in_retry: None,
        sent_by: None,
        backend: 0,
        mirror: None,
    };
}
