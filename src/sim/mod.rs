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
//! Architecture invariant: nothing here knows a scenario, a web crate or a UI
//! word. A behaviour a story needs is added here as a general, documented part.

pub mod broker;
pub mod client;
mod deadlock;
pub mod deploy;
pub mod dist;
pub mod event_queue;
mod flow;
pub mod gc;
pub mod handler;
pub mod locks;
pub mod log;
pub mod memory;
pub mod metrics;
mod pods;
pub mod profile;
pub mod request;
pub mod restart;
pub mod retained;
pub mod rng;
pub mod service;
pub mod split;
pub mod time;
pub mod world;

pub use client::{ClientSpec, Ledger};
pub use dist::Dist;
pub use handler::{CallSpec, Handler, OnError, Step};
pub use log::{LogEntry, LogLevel};
pub use profile::RateProfile;
pub use request::Outcome;
pub use rng::SimRng;
pub use service::{Balancer, PoolSpec, ServiceSpec};
pub use time::{Micros, HOUR, MIN, MS, SEC};
pub use world::{World, WorldConfig};

pub use broker::TopicSpec;
pub use deploy::Release;
pub use gc::GcSpec;
pub use locks::LockTableSpec;
pub use memory::MemorySpec;
pub use restart::RestartPolicy;
pub use retained::Eviction;
pub use split::{SplitSpec, SplitTarget};
