//! The engine: a deterministic discrete-event simulator of microservices.
//!
//! Simulated time is integer microseconds ([`time`]); one event queue
//! ([`event_queue`]) ordered by time then insertion; one seeded RNG per world
//! ([`rng`]). A [`World`](world::World) holds services made of pods with worker
//! pools ([`service`]), handlers that are short lists of steps ([`handler`]),
//! client populations with time-varying Poisson arrivals ([`client`],
//! [`profile`]), and bucketed metrics ([`metrics`]). Optional parts: memory
//! per pod with a limit ([`memory`], [`retained`], [`gc`]) and OOM kills with
//! crash-loop back-off ([`restart`]); releases ([`deploy`]) and traffic split
//! between clusters ([`split`]); row locks ([`locks`]); an event broker
//! ([`broker`]).
//!
//! Calls between services carry policies ([`call`]): timeouts, retries with
//! backoff and jitter ([`retry`]), circuit breakers ([`breaker`]) and bulkheads
//! ([`bulkhead`]). Senders may redeliver ([`redelivery`]); handlers may
//! deduplicate with a key-value store ([`kv`]) or a unique constraint
//! ([`table`]).
//!
//! Architecture invariant: nothing here knows a scenario, a web crate or a UI
//! word. A behaviour a story needs is added here as a general, documented part.

pub mod affinity;
pub mod autoscaler;
pub mod breaker;
pub mod broker;
pub mod bulkhead;
pub mod cache;
mod cache_flow;
pub mod call;
mod class_counts;
pub mod client;
pub mod cpu;
pub mod database;
mod db_flow;
mod deadlock;
pub mod deploy;
pub mod dist;
pub mod event_queue;
pub mod flag_controller;
pub mod flags;
mod flow;
pub mod gc;
pub mod handler;
pub mod hpa;
pub mod hpa_metric;
pub mod keys;
pub mod kv;
pub mod locks;
pub mod log;
pub mod memory;
pub mod metrics;
pub mod orm;
mod pod_cpu;
mod pods;
pub mod profile;
pub mod query_cost;
pub mod rate_limit;
pub mod redelivery;
pub mod request;
pub mod reset;
pub mod restart;
pub mod retained;
pub mod retry;
pub mod rng;
pub mod service;
pub mod shedding;
pub mod signals;
pub mod split;
pub mod table;
pub mod time;
pub mod world;

pub use affinity::StickySpec;
pub use autoscaler::HpaSpec;
pub use breaker::{BreakerSpec, BreakerState, SlidingWindow};
pub use bulkhead::BulkheadSpec;
pub use cache::{cache_aside, CacheSpec};
pub use client::{ClientSpec, Ledger};
pub use cpu::{Cpu, Discipline};
pub use database::DatabaseSpec;
pub use dist::Dist;
pub use flag_controller::FlagControllerSpec;
pub use handler::{CallSpec, Handler, OnDuplicate, OnError, Step};
pub use hpa_metric::HpaMetric;
pub use keys::{KeySpec, SessionSpec};
pub use log::{LogEntry, LogLevel};
pub use orm::{DataAccess, Query};
pub use profile::RateProfile;
pub use rate_limit::{LimitScope, RateLimitSpec};
pub use request::Outcome;
pub use retry::{Backoff, Jitter, RetryPolicy};
pub use rng::SimRng;
pub use service::{Balancer, PodCpuSpec, PoolSpec, ServiceSpec};
pub use shedding::ShedRuleSpec;
pub use signals::{Cond, Signal};
pub use time::{Micros, HOUR, MIN, MS, SEC};
pub use world::{TimedId, World, WorldConfig};

pub use broker::TopicSpec;
pub use deploy::Release;
pub use gc::GcSpec;
pub use locks::LockTableSpec;
pub use memory::MemorySpec;
pub use restart::RestartPolicy;
pub use retained::Eviction;
pub use split::{SplitSpec, SplitTarget};
