//! Handlers: what a service does with a request, as a short list of steps.
//!
//! A request holds a worker of the handler's pool from its first step to its
//! last. Steps are deliberately small (do work for a while, call another
//! service, fail with some probability) so that new behaviours are new steps,
//! not new handlers.

use super::dist::Dist;
use super::time::Micros;

/// What a caller does when a call fails, is rejected or times out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// The caller's request fails too (the usual synchronous chain).
    Fail,
    /// The caller carries on without the answer (a degraded page).
    Continue,
}

/// One step of a handler.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Hold the worker for a duration drawn from `Dist` (CPU work or blocking I/O).
    Work(Dist),
    /// Call `handler` of `service` synchronously, holding the worker until the
    /// answer comes or `timeout_us` passes.
    Call {
        service: u32,
        handler: u32,
        timeout_us: Option<Micros>,
        on_error: OnError,
    },
    /// End the request with an error with probability `p` (a bug, a bad deploy).
    FailWith { p: f64 },
    /// Hold the worker for ever: a hung dependency or a stuck library call. Only
    /// a caller's timeout frees the caller; the hung request never ends.
    Hang,
}

/// A named list of steps run on one pool of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// Name, for metrics and the UI (`"login"`).
    pub name: String,
    /// The service it belongs to.
    pub service: u32,
    /// The pool (index into the service's pools) whose worker it holds.
    pub pool: u16,
    /// The steps, in order.
    pub steps: Vec<Step>,
}
