//! Topology: services made of pods with worker pools, handlers as lists of steps,
//! pods that start and stop, releases, traffic splits, sticky sessions,
//! dropped connections, injected faults (chaos), services that come and go
//! (uptime) and release pipelines.

pub mod affinity;
mod affinity_flow;
pub mod backlog;
mod backlog_flow;
pub mod chaos;
mod chaos_flow;
pub mod deploy;
mod deploy_flow;
pub(crate) mod event;
pub mod handler;
pub mod pipeline;
mod pipeline_flow;
pub(crate) mod pods;
pub mod reset;
pub mod routing;
pub mod service;
pub mod split;
mod split_flow;
pub mod store;
pub mod uptime;
mod uptime_flow;
pub mod versions;
pub mod view;
