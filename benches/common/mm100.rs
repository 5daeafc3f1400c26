//! The M/M/100 queue every speed measurement of the engine runs — natively in
//! `benches/queueing.rs`, compiled to wasm in headless Chromium in
//! `tests/browser_speed.rs` — so the two figures are of one model.
//!
//! Poisson arrivals at 9,000 requests/s, 100 identical servers, exponential
//! service with mean 10 ms (utilisation 0.9), one FIFO unbounded queue. The
//! same model in SimPy is bench/simpy_mmc.py, in simcore
//! `benches/queueing_simcore.rs`, as a bare loop `benches/queueing_bare.rs`.

use resilience_lab::sim::{ClientSpec, Dist, Handler, ServiceSpec, Step, World, WorldConfig, SEC};

pub const ARRIVAL_RPS: f64 = 9_000.0;
pub const SERVERS: u32 = 100;
pub const SERVICE_MEAN_MS: f64 = 10.0;
/// The model's mean wait in queue by Erlang C (`bench/simpy_mmc.py --erlang-c`).
#[allow(dead_code)] // only the browser measurement checks against it
pub const ERLANG_C_WAIT_MS: f64 = 0.2169;

/// What one run of the model did.
pub struct Run {
    pub seconds: u64,
    pub requests: u64,
    pub events: u64,
    pub mean_wait_ms: f64,
}

/// Builds the model on `seed` and runs it for `seconds` simulated seconds.
pub fn run(seed: u64, seconds: u64) -> Run {
    let mut world = World::new(seed, WorldConfig::default());
    let s = world.add_service(ServiceSpec::new("service", 1, SERVERS));
    let h = world.add_handler(Handler::new(
        "serve",
        s,
        vec![Step::Work(Dist::Exponential {
            mean_ms: SERVICE_MEAN_MS,
        })],
    ));
    world.add_client(ClientSpec::new("clients", ARRIVAL_RPS, s, h));
    world.step(seconds * SEC);
    Run {
        seconds,
        requests: world.metrics().counter_total("service.completed") as u64,
        events: world.events_processed(),
        mean_wait_ms: world
            .metrics()
            .series_histogram("service.wait")
            .and_then(|h| h.mean())
            .map_or(f64::NAN, |us| us / 1e3),
    }
}

impl Run {
    /// One line of JSON in the shape every bench prints (bench/run.sh reads it).
    pub fn json(&self, engine: &str, wall_s: f64) -> String {
        format!(
            "{{\"engine\":\"{engine}\",\"sim_s\":{},\"requests\":{},\"events\":{},\
             \"wall_s\":{wall_s:.3},\"requests_per_s\":{:.0},\"events_per_s\":{:.0},\
             \"mean_wait_ms\":{:.4}}}",
            self.seconds,
            self.requests,
            self.events,
            self.requests as f64 / wall_s,
            self.events as f64 / wall_s,
            self.mean_wait_ms,
        )
    }
}
