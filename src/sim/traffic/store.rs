//! The traffic store: the client populations that send requests, and the
//! app releases that move installs between them.

use crate::sim::traffic::app_release::AppRelease;
use crate::sim::traffic::client::Client;

/// Client populations, by index (`ClientId`).
#[derive(Default)]
pub struct TrafficStore {
    pub(in crate::sim) clients: Vec<Client>,
    /// App releases, by index (`AppReleaseId`).
    pub(in crate::sim) releases: Vec<AppRelease>,
}
