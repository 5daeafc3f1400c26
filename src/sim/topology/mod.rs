//! Topology: services made of pods with worker pools, handlers as lists of steps,
//! pods that start and stop, releases, traffic splits, sticky sessions and
//! dropped connections.

pub mod affinity;
pub mod backlog;
pub mod deploy;
pub(crate) mod event;
pub mod handler;
pub(crate) mod pods;
pub mod reset;
pub mod service;
pub mod split;
pub mod store;
pub mod versions;
pub mod view;
