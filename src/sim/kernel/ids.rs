//! Typed ids: the index of a world part, as its own type per kind of part.
//!
//! Every `World::add_*` returns one of these, and every spec that names a part
//! takes one, so an id of one kind can't be passed where another is expected:
//!
//! ```compile_fail
//! use resilience_lab::sim::*;
//! let mut w = World::new(1, WorldConfig::default());
//! let s = w.add_service(ServiceSpec::new("api", 1, 4));
//! let h = w.add_handler(Handler::new("get", s, vec![]));
//! // The service and the handler swapped: a type error, not a wrong call.
//! let _ = CallSpec::new(h, s);
//! ```
//!
//! ```
//! use resilience_lab::sim::*;
//! let mut w = World::new(1, WorldConfig::default());
//! let s = w.add_service(ServiceSpec::new("api", 1, 4));
//! let h = w.add_handler(Handler::new("get", s, vec![]));
//! let _ = CallSpec::new(s, h);
//! assert_eq!(s.index(), 0);
//! ```
//!
//! An id is a `u32` inside (as cheap to copy and compare as the bare index it
//! replaces); [`index`](ServiceId::index) gives the position in the world's
//! vector of that part. Only the world makes ids, so one always names a part
//! that exists.

use std::fmt;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The id of the `i`-th part of this kind (the world's vector index).
            pub(crate) const fn new(i: usize) -> Self {
                $name(i as u32)
            }

            /// The position of the part in the world's vector of its kind.
            pub const fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

ids! {
    /// A service (`World::add_service`).
    ServiceId;
    /// A handler of some service (`World::add_handler`).
    HandlerId;
    /// A client population (`World::add_client`).
    ClientId;
    /// A circuit breaker (`World::add_breaker`).
    BreakerId;
    /// A semaphore bulkhead (`World::add_bulkhead`).
    BulkheadId;
    /// A retry policy (`World::add_retry`).
    RetryId;
    /// A rate limiter (`World::add_rate_limiter`).
    LimiterId;
    /// A load-shedding rule (`World::add_shed_rule`).
    ShedRuleId;
    /// A feature flag (`World::add_flag`).
    FlagId;
    /// A flag controller (`World::add_flag_controller`).
    FlagControllerId;
    /// A cache (`World::add_cache`).
    CacheId;
    /// A database (`World::add_database`).
    DatabaseId;
    /// A broker topic (`World::add_topic`).
    TopicId;
    /// A lock table (`World::add_lock_table`).
    LockTableId;
    /// A table of rows by key (`World::add_table`).
    TableId;
    /// A key-value store (`World::add_kv_store`).
    KvStoreId;
    /// A replicated store (`World::add_replicated_store`).
    ReplicatedStoreId;
    /// A change data capture between two tables (`World::add_change_capture`).
    ChangeCaptureId;
    /// A gateway's routing table (`World::add_router`).
    RouterId;
    /// A traffic split (`World::add_split`).
    SplitId;
    /// An autoscaler (`World::add_autoscaler`).
    AutoscalerId;
    /// Services that come and go (`World::add_uptime`).
    UptimeId;
    /// A release pipeline (`World::add_pipeline`).
    PipelineId;
    /// An app release adopted by installs (`World::add_app_release`).
    AppReleaseId;
}

/// A generation-checked reference to a request in the slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReqRef {
    pub(crate) idx: u32,
    pub(crate) gen: u32,
}
