//! Calls between services and the policies around them: the call's life with its
//! timeouts, retries with backoff and jitter, circuit breakers, bulkheads, and the
//! deadlock observer.

pub mod breaker;
pub mod bulkhead;
pub mod call;
pub(crate) mod deadlock;
pub mod retry;
