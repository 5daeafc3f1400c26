//! Handlers: what a service does with a request, as a short list of steps.
//!
//! A request holds a worker of the handler's pool from its first step to its
//! last. Steps are deliberately small (do work for a while, call another
//! service, fail with some probability) so that new behaviours are new steps,
//! not new handlers.

use crate::sim::data::orm::DataAccess;
use crate::sim::kernel::dist::Dist;
use crate::sim::kernel::ids::{
    BreakerId, BulkheadId, CacheId, FlagId, HandlerId, KvStoreId, LimiterId, LockTableId,
    PipelineId, ReplicatedStoreId, RetryId, RouterId, ServiceId, ShedRuleId, TableId, TopicId,
};
use crate::sim::kernel::time::Micros;

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
    /// Forward the request on path `path` (an index into the router's paths;
    /// `World::route_step` names it) through a gateway's routing table: a
    /// call to the backend its rules choose, perhaps with a copy to another
    /// (see [`router`](crate::sim::edge::router)).
    Route { router: RouterId, path: u16 },
    /// End the request with an error with probability `p` (a bug, a bad deploy).
    FailWith { p: f64 },
    /// Read the fields contract `contract` of release pipeline `pipeline`
    /// names from the answer of the call before: end with an error (the
    /// consumer cannot parse it) when the provider's version deployed in the
    /// environment lacks one of them (`pipeline.rs`).
    Expect { pipeline: PipelineId, contract: u16 },
    /// Answer with a body carrying `fields` (a bit per field of a response
    /// schema): what a client's parser checks when the answer reaches it
    /// (see [`app_release`](crate::sim::traffic::app_release)).
    Respond { fields: u32 },
    /// Hold the worker for ever: a hung dependency or a stuck library call. Only
    /// a caller's timeout frees the caller; the hung request never ends.
    Hang,

    // Memory, locks and events (`memory.rs`, `locks.rs`, `broker.rs`).
    /// Allocate `mb` per real request (times the request's weight) in the pod's
    /// memory, held until the request leaves the pod. Fails the pod with an OOM
    /// kill if it does not fit under the pod's limit.
    Allocate { mb: f64 },
    /// Allocate `mb` per real request of short-lived objects, unreachable as
    /// soon as the step is done: the allocation rate a garbage collector sees
    /// (garbage at once). Does nothing to a pod without a GC.
    Churn { mb: f64 },
    /// Add one entry of `mb` per real request to the pod's retained set (a
    /// static map or a local cache); it stays live until the service's eviction
    /// policy drops it.
    Retain { mb: f64 },
    /// Lock one row of lock table `table`, drawn uniformly from its first `rows`
    /// rows (the hot set); wait in FIFO order, holding the worker, if another
    /// transaction holds it. Held until `Commit` or the request ends.
    Lock { table: LockTableId, rows: u32 },
    /// Commit the request's local transaction: release every row lock it holds.
    Commit,
    /// Publish one event to broker topic `topic` and carry on at once.
    Publish { topic: TopicId },
    /// Check the request's API key against rate limiter `n` (the world's
    /// `limiters`): carry on, or end as `Rejected` (429) before anything further
    /// is touched (`rate_limit.rs`).
    RateLimit(LimiterId),
    /// Run the next `steps` steps only while feature flag `flag` is on; skip
    /// them while it is off (`flags.rs`).
    WhenFlag { flag: FlagId, steps: u16 },
    /// Priority shedding by rule `n` (the world's `shed_rules`): when the
    /// watched pool is overloaded, reject this low-priority work or skip the
    /// optional steps after it (`shedding.rs`).
    Shed(ShedRuleId),
    /// Query a database (one query, N + 1 queries, or a join) on one connection,
    /// holding the worker until the last answer (`db_flow.rs`).
    Db(DataAccess),
    /// Look the request's key up in a cache; on a hit skip the next
    /// `miss_steps` steps (built by `cache::cache_aside`).
    CacheLookup {
        /// The cache (index in the world).
        cache: CacheId,
        /// Steps skipped on a hit (the miss path and its store).
        miss_steps: u16,
    },
    /// Store the request's key in a cache with a value of `value_bytes`.
    CacheStore {
        /// The cache (index in the world).
        cache: CacheId,
        /// Size of the value stored; a later hit pays its transfer.
        value_bytes: u32,
    },
    /// `SETNX key` on a key-value store (see [`kv`](crate::sim::data::kv)) with a time to
    /// live: the first request with its key goes on; a later one finds the key
    /// and does what `on_duplicate` says.
    SetNx {
        /// The store (index into the world's key-value stores).
        store: KvStoreId,
        /// The key's time to live.
        ttl_us: Micros,
        /// What a request whose key is there does.
        on_duplicate: OnDuplicate,
    },
    /// Inserts a row keyed by the request's key into a table (see
    /// [`table`](crate::sim::data::table)). A table with a unique constraint refuses a key
    /// it holds, and the request does what `on_duplicate` says; a table without
    /// one takes the row and counts it as a duplicate.
    Insert {
        /// The table (index into the world's tables).
        table: TableId,
        /// What a request refused by a unique constraint does.
        on_duplicate: OnDuplicate,
    },
    /// Write to a replicated store (see
    /// [`replicated`](crate::sim::data::replicated)): by two-phase commit,
    /// holding the worker until every node committed or the write failed; or
    /// to the local node, the others catching up from a log.
    ReplicatedWrite {
        /// The store (index into the world's replicated stores).
        store: ReplicatedStoreId,
    },
}

impl Handler {
    /// The services this handler calls, in step order (edges of a topology).
    pub fn callees(&self) -> impl Iterator<Item = ServiceId> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Call(c) => Some(c.service),
            _ => None,
        })
    }
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
    pub service: ServiceId,
    pub handler: HandlerId,
    /// How long the caller waits for one attempt; `None` waits for ever.
    pub timeout_us: Option<Micros>,
    /// What the caller does when the call does not succeed.
    pub on_error: OnError,
    /// A call to another pool of the caller's own service stays in the
    /// caller's pod (a pod-local resource: its database connection pool, a
    /// bulkhead) instead of going through the load balancer.
    pub in_caller_pod: bool,
    /// Retry policy (index into the world's retries); `None`: one attempt.
    pub retry: Option<RetryId>,
    /// Circuit breaker every attempt passes (index into the world's breakers).
    pub breaker: Option<BreakerId>,
    /// Semaphore bulkhead every attempt takes a permit from (index into the
    /// world's bulkheads).
    pub bulkhead: Option<BulkheadId>,
}

impl CallSpec {
    /// A call with no timeout whose failure fails the caller.
    pub fn new(service: ServiceId, handler: HandlerId) -> Self {
        CallSpec {
            service,
            handler,
            timeout_us: None,
            on_error: OnError::Fail,
            in_caller_pod: false,
            retry: None,
            breaker: None,
            bulkhead: None,
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

    /// Keeps a call to the caller's own service in the caller's pod, on the
    /// handler's own pool: a pod-local resource (its connection pool) or a
    /// thread-pool bulkhead, not a network hop.
    pub fn in_caller_pod(mut self) -> Self {
        self.in_caller_pod = true;
        self
    }

    /// Retries failed attempts by the world's retry policy `id`.
    pub fn retry(mut self, id: RetryId) -> Self {
        self.retry = Some(id);
        self
    }

    /// Passes every attempt through the world's circuit breaker `id`.
    pub fn breaker(mut self, id: BreakerId) -> Self {
        self.breaker = Some(id);
        self
    }

    /// Takes a permit of the world's semaphore bulkhead `id` for every attempt.
    pub fn bulkhead(mut self, id: BulkheadId) -> Self {
        self.bulkhead = Some(id);
        self
    }
}

/// A named list of steps run on one pool of a service.
#[derive(Clone, Debug, PartialEq)]
pub struct Handler {
    /// Name, for metrics and the UI (`"login"`).
    pub name: String,
    /// The service it belongs to.
    pub service: ServiceId,
    /// The pool (index into the service's pools) whose worker it holds.
    pub pool: u16,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

impl Handler {
    /// A handler of `service` running `steps` on the service's first pool.
    pub fn new(name: impl Into<String>, service: ServiceId, steps: Vec<Step>) -> Self {
        Handler {
            name: name.into(),
            service,
            pool: 0,
            steps,
        }
    }

    /// The same handler on the service's pool `pool` (index into its pools).
    pub fn on_pool(mut self, pool: u16) -> Self {
        self.pool = pool;
        self
    }
}

#[cfg(test)]
mod tests {
    use crate::sim::*;

    /// Two pods, each with 1,000 threads and a pool of 2 connections; a page
    /// holds its thread and runs its 5 ms query on a connection. 500 rps need
    /// 2.5 connections busy: the four together can take it, one pod's two cannot.
    fn queued_for_connections(local: bool) -> u32 {
        let mut w = World::new(1, WorldConfig::default());
        let s = w.add_service(ServiceSpec::new("web", 2, 1_000).pool(PoolSpec::new("conns", 2)));
        let query = w.add_handler(
            Handler::new("query", s, vec![Step::Work(Dist::Constant { ms: 5.0 })]).on_pool(1),
        );
        let call = CallSpec::new(s, query);
        let page = w.add_handler(Handler::new(
            "page",
            s,
            vec![Step::Call(if local { call.in_caller_pod() } else { call })],
        ));
        w.add_client(ClientSpec::new("u", 500.0, s, page));
        w.step(60 * SEC);
        assert!(w.ledger().balances());
        w.topology.services[0].queued(1)
    }

    #[test]
    fn a_call_kept_in_the_caller_pod_uses_that_pods_pool() {
        // Through the balancer, round robin alternates page, query, page, query,
        // so every query lands on one pod; kept local, each pod serves its own.
        let (lb, local) = (queued_for_connections(false), queued_for_connections(true));
        assert!(lb > 500 && local < 50, "{lb} {local}");
    }
}
