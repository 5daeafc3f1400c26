//! The edge: rate limits, feature flags, signals read live by controllers, the
//! flag controller and load-shedding rules.

pub(crate) mod event;
pub mod flag_controller;
pub mod flags;
pub mod rate_limit;
pub mod shedding;
pub mod signals;
pub mod store;
