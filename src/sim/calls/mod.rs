//! Calls between services and the policies around them: the call's life with its
//! timeouts, retries with backoff and jitter, circuit breakers and the sliding
//! windows they judge by, which outcomes the policies count, bulkheads, and the
//! deadlock observer.

pub mod breaker;
mod breaker_flow;
pub mod bulkhead;
mod bulkhead_flow;
pub mod call;
pub mod call_state;
pub(crate) mod deadlock;
pub(crate) mod event;
pub mod recording;
pub mod retry;
mod retry_flow;
pub mod sliding_window;
pub mod store;
