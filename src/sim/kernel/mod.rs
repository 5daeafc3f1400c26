//! The kernel: the world, its clock, event queue, RNG and distributions, the
//! request store and the flow that moves a request through its steps, the event
//! log and the bucketed metrics.

pub mod core;
pub mod decimal;
mod dispatch;
pub mod dist;
pub(crate) mod event;
pub mod event_queue;
pub(crate) mod flow;
pub mod footprint;
pub mod ids;
pub mod log;
pub mod metrics;
pub(crate) mod next;
pub mod ordered_map;
pub mod request;
pub mod rng;
pub mod sort;
pub mod time;
pub mod world;
