//! The traffic store: the client populations that send requests.

use crate::sim::traffic::client::Client;

/// Client populations, by index (`ClientId`).
#[derive(Default)]
pub struct TrafficStore {
    pub(in crate::sim) clients: Vec<Client>,
}
