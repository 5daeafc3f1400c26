//! Client populations: where requests come from.
//!
//! A population sends requests to one handler of one service as a Poisson
//! process whose rate is `rate_rps × profile(t)`. Each population is its own
//! request class with its own ledger and latency metrics. A request may stand
//! for `weight` real ones on long horizons. Counts, rates and utilisations do
//! not depend on the weight; latency does where the weight batches arrivals
//! that real traffic would spread out (a weighted request reaching a one-core
//! pod waits behind its own copies), so a model whose lesson is a latency on a
//! small server sends its requests unweighted.

use crate::sim::kernel::ids::{HandlerId, RetryId, ServiceId};
use crate::sim::kernel::metrics::{CounterId, GaugeId, LatencyId};
use crate::sim::kernel::time::Micros;
use crate::sim::traffic::keys::{KeySource, KeySpec};
use crate::sim::traffic::profile::RateProfile;

/// A client population as declared by a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientSpec {
    /// Name; also the request class and the prefix of its metrics (`"login"`).
    pub name: String,
    /// Base rate in requests per second (real requests, before weighting).
    pub rate_rps: f64,
    /// Multiplier of the base rate over time.
    pub profile: RateProfile,
    /// Target service and handler.
    pub service: ServiceId,
    pub handler: HandlerId,
    /// How long a client waits before giving up; `None` waits for ever.
    pub timeout_us: Option<Micros>,
    /// Real requests per simulated one (≥ 1).
    pub weight: u32,
    /// What the requests are about (report, account, user session); `None`: key 0.
    pub keys: Option<KeySpec>,
    /// Re-send a request whose delivery failed or whose acknowledgement was
    /// lost (see [`redelivery`](crate::sim::traffic::redelivery)); `None` sends once.
    pub redelivery: Option<crate::sim::traffic::redelivery::Redelivery>,
    /// The API version its requests ask for (an `Accept-Version` header a
    /// gateway's rules may match, `router.rs`); `None`: none.
    pub api_version: Option<u16>,
    /// The answer fields its parser requires (bits of a response schema, as
    /// `Step::Respond` sets them); a successful answer lacking one is a client
    /// error (`app_release.rs`). `None`: it reads no body.
    pub parser: Option<u32>,
}

impl ClientSpec {
    /// A constant-rate population with no timeout and weight 1.
    pub fn new(name: &str, rate_rps: f64, service: ServiceId, handler: HandlerId) -> Self {
        ClientSpec {
            name: name.to_string(),
            rate_rps,
            profile: RateProfile::constant(),
            service,
            handler,
            timeout_us: None,
            weight: 1,
            keys: None,
            redelivery: None,
            api_version: None,
            parser: None,
        }
    }

    /// Sets the rate profile.
    pub fn profile(mut self, p: RateProfile) -> Self {
        self.profile = p;
        self
    }

    /// Sets the client-side timeout.
    pub fn timeout_us(mut self, t: Micros) -> Self {
        self.timeout_us = Some(t);
        self
    }

    /// Sets how requests get their keys (`keys.rs`).
    pub fn keys(mut self, k: KeySpec) -> Self {
        self.keys = Some(k);
        self
    }

    /// Sets the API version its requests ask for.
    pub fn api_version(mut self, v: u16) -> Self {
        self.api_version = Some(v);
        self
    }

    /// Parses answers requiring the fields `required` (see `parser`).
    pub fn parses(mut self, required: u32) -> Self {
        self.parser = Some(required);
        self
    }

    /// Sets the request weight.
    pub fn weight(mut self, w: u32) -> Self {
        assert!(w >= 1, "weight must be at least 1");
        self.weight = w;
        self
    }
}

impl ClientSpec {
    /// Redelivers by `retry` (a retry part's index), waiting `ack_timeout_us` for
    /// each acknowledgement.
    pub fn redelivery(mut self, retry: RetryId, ack_timeout_us: Micros) -> Self {
        self.redelivery = Some(crate::sim::traffic::redelivery::Redelivery {
            retry,
            ack_timeout_us: Some(ack_timeout_us),
        });
        self
    }
}

/// The request ledger of one population, in real (weighted) requests.
///
/// `arrived = succeeded + failed + rejected + timed_out + in_flight` at every instant.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ledger {
    pub arrived: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub rejected: u64,
    pub timed_out: u64,
    pub in_flight: u64,
}

impl Ledger {
    /// True when every arrived request is accounted for exactly once.
    pub fn balances(&self) -> bool {
        self.arrived
            == self.succeeded + self.failed + self.rejected + self.timed_out + self.in_flight
    }

    /// Adds another ledger into this one.
    pub fn add(&mut self, o: &Ledger) {
        self.arrived += o.arrived;
        self.succeeded += o.succeeded;
        self.failed += o.failed;
        self.rejected += o.rejected;
        self.timed_out += o.timed_out;
        self.in_flight += o.in_flight;
    }

    /// Requests that ended, in any way.
    pub fn ended(&self) -> u64 {
        self.succeeded + self.failed + self.rejected + self.timed_out
    }

    /// Share of ended requests that did not succeed, if any ended.
    pub fn error_rate(&self) -> Option<f64> {
        let e = self.ended();
        (e > 0).then(|| (e - self.succeeded) as f64 / e as f64)
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ClientMetrics {
    pub arrived: CounterId,
    /// Per outcome, in `Outcome::ALL` order.
    pub outcomes: [CounterId; 4],
    pub in_flight: GaugeId,
    pub latency: LatencyId,
    /// Latency of requests that ended in an error (how fast failures fail).
    pub error_latency: LatencyId,
    /// How long the caller waited before it gave up, one sample per request
    /// its own timeout ended (not in `latency`, which holds answers).
    pub gave_up_after: LatencyId,
    /// Answers its parser could not read (`NAME.client_errors`), for a
    /// population with a parser.
    pub client_errors: Option<CounterId>,
}

/// A population's live state.
#[derive(Clone, Debug)]
pub struct Client {
    /// The declaration (its rate and profile may be changed while running).
    pub spec: ClientSpec,
    /// Exact counts.
    pub ledger: Ledger,
    pub(crate) m: ClientMetrics,
    /// Bumped when the rate changes, so an arrival drawn at the old rate is dropped.
    pub(crate) epoch: u32,
    /// Key state (active sessions …).
    pub(crate) keys: KeySource,
    /// The handler its requests start on when it redelivers (a lone call step).
    pub(crate) sender: Option<HandlerId>,
}
