//! Releases: a service's handlers change version at a point in time.
//!
//! A release names a version and gives new steps for some of the service's
//! handlers (a changed code path, a new allocation, a bug). From the moment it
//! is deployed, every request that reaches a step of those handlers runs the
//! new steps; requests already past them are not affected. The steps it
//! replaced are kept, so a rollback restores them. Memory behaviour changes the
//! same way, since allocation is a step (`Step::Allocate`, `Step::Retain`).
//!
//! The whole fleet switches at once; a rolling update is a split between two
//! services (`split.rs`) moved step by step.

use crate::sim::kernel::ids::HandlerId;
use crate::sim::topology::handler::Step;

/// Rollbacks kept per service (as Kubernetes keeps a revision history).
pub(super) const HISTORY: usize = 10;

/// A version of some of a service's handlers.
#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    /// Version label for the log (`"v2.14"`).
    pub version: String,
    /// (handler index, its new steps).
    pub handlers: Vec<(HandlerId, Vec<Step>)>,
}

/// A service's current version and the releases it can roll back to.
#[derive(Clone, Debug, Default)]
pub struct ReleaseHistory {
    /// The version running now (empty: the one the world was built with).
    pub current: String,
    /// Earlier versions, newest last, as releases that restore them.
    pub(super) previous: Vec<Release>,
}
