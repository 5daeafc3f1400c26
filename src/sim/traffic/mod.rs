//! Traffic: client populations with Poisson arrivals and rate profiles, request
//! keys and sessions, senders that redeliver, arrivals counted per population.

pub(crate) mod class_counts;
pub mod client;
pub mod keys;
pub mod offered;
pub mod profile;
pub mod redelivery;
pub mod store;
