//! The engine: a deterministic discrete-event simulator of microservices.
//!
//! The parts are grouped as the code map in ARCHITECTURE.md describes them:
//!
//! - [`kernel`]: the [`World`], its integer-microsecond clock, the event queue
//!   (time, then insertion order), the one seeded RNG, distributions, requests
//!   and the flow that moves them through their steps, the event log, metrics.
//! - [`traffic`]: client populations, rate profiles, request keys, redelivery,
//!   app releases and client parsers.
//! - [`topology`]: services, pods, handlers, releases, splits, sticky sessions,
//!   services that come and go, release pipelines with contracts.
//! - [`calls`]: synchronous calls with timeouts, retries, breakers, bulkheads.
//! - [`capacity`]: CPUs, pod CPU queues, the HPA and the autoscaler.
//! - [`memory`]: pod memory, retained sets, garbage collection, OOM restarts.
//! - [`data`]: databases, caches, key-value stores, tables, locks, a broker,
//!   replicated stores, change data capture.
//! - [`edge`]: rate limits, feature flags, signals, flag controllers, shedding,
//!   gateway routing with shadow traffic.
//!
//! Within a group, one concept a file: a part's pure state machine in
//! `part.rs` with its unit tests at the bottom (or in `part/tests.rs` when they
//! are long), and its glue to the world, where it has any, in the `impl World`
//! block of the same file or in `part_flow.rs` beside it.
//!
//! Architecture invariant: nothing here knows a scenario, a web crate or a UI
//! word. A behaviour a story needs is added here as a general, documented part.

pub mod calls;
pub mod capacity;
pub mod data;
pub mod edge;
pub mod kernel;
pub mod memory;
pub mod topology;
pub mod traffic;

pub use calls::breaker::{BreakerSpec, BreakerState};
pub use calls::bulkhead::BulkheadSpec;
pub use calls::recording::{Counts, Recording, RetryOn};
pub use calls::retry::{Backoff, Jitter, RetryPolicy};
pub use calls::sliding_window::{OutcomeWindow, SlidingWindow, Tally};
pub use capacity::autoscaler::HpaSpec;
pub use capacity::cpu::{Cpu, Discipline};
pub use capacity::hpa_metric::HpaMetric;
pub use data::broker::TopicSpec;
pub use data::cache::{cache_aside, CacheSpec};
pub use data::cdc::ChangeCaptureSpec;
pub use data::database::DatabaseSpec;
pub use data::locks::LockTableSpec;
pub use data::orm::{DataAccess, Query};
pub use data::replicated::{ReplicatedStoreSpec, Replication};
pub use edge::flag_controller::FlagControllerSpec;
pub use edge::rate_limit::{LimitScope, RateLimitSpec};
pub use edge::router::{RoutePath, RouteRule, RouterSpec, Target};
pub use edge::shedding::ShedRuleSpec;
pub use edge::signals::{Cond, Signal};
pub use kernel::core::WorldConfig;
pub use kernel::dist::Dist;
pub use kernel::ids::{
    AppReleaseId, AutoscalerId, BreakerId, BulkheadId, CacheId, ChangeCaptureId, ClientId,
    DatabaseId, FlagControllerId, FlagId, HandlerId, KvStoreId, LimiterId, LockTableId, PipelineId,
    ReplicatedStoreId, RetryId, RouterId, ServiceId, ShedRuleId, SplitId, TableId, TopicId,
    UptimeId,
};
pub use kernel::log::{LogEntry, LogLevel};
pub use kernel::metrics::Span;
pub use kernel::request::Outcome;
pub use kernel::rng::SimRng;
pub use kernel::time::{Micros, DAY, HOUR, MIN, MS, SEC};
pub use kernel::world::{TimedId, World};
pub use memory::gc::GcSpec;
pub use memory::pod_memory::MemorySpec;
pub use memory::restart::RestartPolicy;
pub use memory::retained::Eviction;
pub use topology::affinity::StickySpec;
pub use topology::chaos::ChaosSettings;
pub use topology::deploy::Release;
pub use topology::handler::{CallSpec, Handler, OnDuplicate, OnError, Step};
pub use topology::pipeline::{ContractSpec, Gates, PipelineSpec};
pub use topology::service::{Balancer, PodCpuSpec, PoolSpec, ServiceSpec};
pub use topology::split::{SplitSpec, SplitTarget};
pub use topology::uptime::UptimeSpec;
pub use topology::view::{ClientView, PolicyView, PoolView, ServiceView, Topology};
pub use traffic::app_release::AppReleaseSpec;
pub use traffic::client::{ClientSpec, Ledger};
pub use traffic::keys::{KeySpec, SessionSpec};
pub use traffic::profile::RateProfile;
