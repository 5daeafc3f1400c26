//! The edge: rate limits, feature flags, signals read live by controllers, the
//! flag controller, load-shedding rules, and a gateway's routing table with
//! shadow traffic.

pub(crate) mod event;
pub mod flag_controller;
mod flag_controller_flow;
pub mod flags;
mod flags_flow;
pub mod rate_limit;
mod rate_limit_flow;
pub mod router;
mod router_flow;
pub mod shedding;
mod shedding_flow;
pub mod signals;
mod signals_flow;
pub mod store;
