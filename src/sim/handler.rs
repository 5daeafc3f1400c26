//! Handlers: what a service does with a request, as a short list of steps.
//!
//! A request holds a worker of the handler's pool from its first step to its
//! last. Steps are deliberately small (do work for a while, call another
//! service, fail with some probability) so that new behaviours are new steps,
//! not new handlers.

use super::dist::Dist;
use super::orm::DataAccess;
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
    /// Compute for a duration drawn from `Dist` on the pod's CPU, queueing for
    /// its cores (`pod_cpu.rs`); like `Work` when pods have no CPU declared.
    Cpu(Dist),
    /// Call another service synchronously, holding the worker until the answer
    /// comes or the call's timeout passes.
    Call(CallSpec),
    /// End the request with an error with probability `p` (a bug, a bad deploy).
    FailWith { p: f64 },
    /// Hold the worker for ever: a hung dependency or a stuck library call. Only
    /// a caller's timeout frees the caller; the hung request never ends.
    Hang,
    /// Query a database (one query, N + 1 queries, or a join) on one connection,
    /// holding the worker until the last answer (`db_flow.rs`).
    Db(DataAccess),
    /// Look the request's key up in a cache; on a hit skip the next
    /// `miss_steps` steps (built by `cache::cache_aside`).
    CacheLookup {
        /// The cache (index in the world).
        cache: u32,
        /// Steps skipped on a hit (the miss path and its store).
        miss_steps: u16,
    },
    /// Store the request's key in a cache with a value of `value_bytes`.
    CacheStore {
        /// The cache (index in the world).
        cache: u32,
        /// Size of the value stored; a later hit pays its transfer.
        value_bytes: u32,
    },
}

/// A synchronous call to another service and the policies around it.
///
/// Built with [`CallSpec::new`] and builder methods, so that a new policy is a
/// new field with a default, not a change to every call site.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSpec {
    /// The service and handler called.
    pub service: u32,
    pub handler: u32,
    /// How long the caller waits for one attempt; `None` waits for ever.
    pub timeout_us: Option<Micros>,
    /// What the caller does when the call does not succeed.
    pub on_error: OnError,
}

impl CallSpec {
    /// A call with no timeout whose failure fails the caller.
    pub fn new(service: u32, handler: u32) -> Self {
        CallSpec {
            service,
            handler,
            timeout_us: None,
            on_error: OnError::Fail,
        }
    }

    /// Sets the per-attempt timeout.
    pub fn timeout_us(mut self, t: Micros) -> Self {
        self.timeout_us = Some(t);
        self
    }

    /// Lets the caller carry on when the call fails.
    pub fn tolerate_failure(mut self) -> Self {
        self.on_error = OnError::Continue;
        self
    }
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
