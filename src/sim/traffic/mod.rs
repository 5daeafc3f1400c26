//! Traffic: client populations with Poisson arrivals and rate profiles, request
//! keys and sessions, senders that redeliver, arrivals counted per population,
//! app releases adopted by installs and the parsers that read their answers.

pub mod app_release;
mod app_release_flow;
pub(crate) mod class_counts;
pub mod client;
mod client_flow;
pub(crate) mod event;
pub mod keys;
mod keys_flow;
pub mod offered;
pub mod profile;
pub mod redelivery;
mod redelivery_flow;
pub mod store;
