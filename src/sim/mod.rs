//! The engine: a deterministic discrete-event simulator of microservices.
//!
//! Simulated time is integer microseconds ([`time`]); one event queue
//! ([`event_queue`]) ordered by time then insertion; one seeded RNG per world
//! ([`rng`]). A [`World`](world::World) holds services made of pods with worker
//! pools ([`service`]), handlers that are short lists of steps ([`handler`]),
//! client populations with time-varying Poisson arrivals ([`client`],
//! [`profile`]), and bucketed metrics ([`metrics`]).
//!
//! Calls between services carry policies ([`call`]): timeouts, retries with
//! backoff and jitter ([`retry`]), circuit breakers ([`breaker`]) and bulkheads
//! ([`bulkhead`]). Senders may redeliver ([`redelivery`]); handlers may
//! deduplicate with a key-value store ([`kv`]) or a unique constraint
//! ([`table`]).
//!
//! Architecture invariant: nothing here knows a scenario, a web crate or a UI
//! word. A behaviour a story needs is added here as a general, documented part.

pub mod breaker;
pub mod bulkhead;
pub mod call;
pub mod client;
pub mod dist;
pub mod event_queue;
mod flow;
pub mod handler;
pub mod kv;
pub mod log;
pub mod metrics;
mod pods;
pub mod profile;
pub mod redelivery;
pub mod request;
pub mod reset;
pub mod retry;
pub mod rng;
pub mod service;
pub mod table;
pub mod time;
pub mod world;

pub use breaker::{BreakerSpec, BreakerState, SlidingWindow};
pub use bulkhead::BulkheadSpec;
pub use client::{ClientSpec, Ledger};
pub use dist::Dist;
pub use handler::{CallSpec, Handler, OnDuplicate, OnError, Step};
pub use log::{LogEntry, LogLevel};
pub use profile::RateProfile;
pub use request::Outcome;
pub use retry::{Backoff, Jitter, RetryPolicy};
pub use rng::SimRng;
pub use service::{Balancer, PoolSpec, ServiceSpec};
pub use time::{Micros, HOUR, MIN, MS, SEC};
pub use world::{World, WorldConfig};
