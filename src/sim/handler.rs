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
    /// Call another service synchronously, holding the worker until the answer
    /// comes or the call's timeout passes.
    Call(CallSpec),
    /// End the request with an error with probability `p` (a bug, a bad deploy).
    FailWith { p: f64 },
    /// Hold the worker for ever: a hung dependency or a stuck library call. Only
    /// a caller's timeout frees the caller; the hung request never ends.
    Hang,
    /// `SETNX key` on a key-value store (see [`kv`](super::kv)) with a time to
    /// live: the first request with its key goes on; a later one finds the key
    /// and does what `on_duplicate` says.
    SetNx {
        /// The store (index into the world's key-value stores).
        store: u32,
        /// The key's time to live.
        ttl_us: Micros,
        /// What a request whose key is there does.
        on_duplicate: OnDuplicate,
    },
    /// Inserts a row keyed by the request's key into a table (see
    /// [`table`](super::table)). A table with a unique constraint refuses a key
    /// it holds, and the request does what `on_duplicate` says; a table without
    /// one takes the row and counts it as a duplicate.
    Insert {
        /// The table (index into the world's tables).
        table: u32,
        /// What a request refused by a unique constraint does.
        on_duplicate: OnDuplicate,
    },
}

/// What a handler does when a deduplication step finds the key already there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnDuplicate {
    /// Answer 200 OK at once without doing the rest: "already processed".
    ReplyOk,
    /// End with an error (a unique violation surfacing as a 500).
    Fail,
}

/// A synchronous call to another service and the policies around it.
///
/// Built with [`CallSpec::new`] and builder methods, so that a new policy is a
/// new field with a default, not a change to every call site.
///
/// The policies wrap each attempt in the order Resilience4j recommends:
/// retry ( circuit breaker ( bulkhead ( timeout ( call ) ) ) ). Retry, breaker
/// and bulkhead are world parts referenced by index, so several call sites can
/// share one and a toggle can change it while the world runs.
#[derive(Clone, Debug, PartialEq)]
pub struct CallSpec {
    /// The service and handler called.
    pub service: u32,
    pub handler: u32,
    /// How long the caller waits for one attempt; `None` waits for ever.
    pub timeout_us: Option<Micros>,
    /// What the caller does when the call does not succeed.
    pub on_error: OnError,
    /// Retry policy (index into the world's retries); `None`: one attempt.
    pub retry: Option<u32>,
    /// Circuit breaker every attempt passes (index into the world's breakers).
    pub breaker: Option<u32>,
    /// Semaphore bulkhead every attempt takes a permit from (index into the
    /// world's bulkheads).
    pub bulkhead: Option<u32>,
    /// The callee is a handler of the caller's own service run in the caller's
    /// own pod (on its own pool): a thread-pool bulkhead, not a network hop.
    pub in_process: bool,
}

impl CallSpec {
    /// A call with no timeout whose failure fails the caller.
    pub fn new(service: u32, handler: u32) -> Self {
        CallSpec {
            service,
            handler,
            timeout_us: None,
            on_error: OnError::Fail,
            retry: None,
            breaker: None,
            bulkhead: None,
            in_process: false,
        }
    }

    /// Retries failed attempts by the world's retry policy `id`.
    pub fn retry(mut self, id: u32) -> Self {
        self.retry = Some(id);
        self
    }

    /// Passes every attempt through the world's circuit breaker `id`.
    pub fn breaker(mut self, id: u32) -> Self {
        self.breaker = Some(id);
        self
    }

    /// Takes a permit of the world's semaphore bulkhead `id` for every attempt.
    pub fn bulkhead(mut self, id: u32) -> Self {
        self.bulkhead = Some(id);
        self
    }

    /// Runs the callee in the caller's own pod (a handler of the same service,
    /// usually on a small pool of its own: a thread-pool bulkhead).
    pub fn in_process(mut self) -> Self {
        self.in_process = true;
        self
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
