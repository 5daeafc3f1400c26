//! Speed benchmark: an M/M/100 queue in the engine, timed by the wall clock.
//!
//! Poisson arrivals at 9,000 requests/s, 100 identical servers, exponential
//! service with mean 10 ms (utilisation 0.9), one FIFO unbounded queue, one
//! simulated hour. The same model in SimPy is bench/simpy_mmc.py; bench/run.sh
//! runs both and compares them.
//!
//! Run: `cargo bench --profile native --bench queueing [-- SECONDS]`
//! (or BENCH_SECONDS=60 in the environment) for a shorter simulated horizon;
//! BENCH_SEED picks another seed (default 1).
//! Prints one line of JSON.

use std::time::Instant;

use resilience_lab::sim::{ClientSpec, Dist, Handler, ServiceSpec, Step, World, WorldConfig, SEC};

const ARRIVAL_RPS: f64 = 9_000.0;
const SERVERS: u32 = 100;
const SERVICE_MEAN_MS: f64 = 10.0;

/// Simulated seconds: the first numeric argument, else BENCH_SECONDS, else 3600.
/// (`cargo bench` also passes `--bench`, which is skipped.)
fn horizon_s() -> u64 {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("BENCH_SECONDS").ok())
        .map(|s| {
            s.parse()
                .unwrap_or_else(|_| panic!("simulated seconds must be a whole number, got {s:?}"))
        })
        .unwrap_or(3_600)
}

fn main() {
    let seconds = horizon_s();
    let seed = std::env::var("BENCH_SEED")
        .map_or(1, |s| s.parse().expect("BENCH_SEED must be a whole number"));
    let start = Instant::now();

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

    let wall_s = start.elapsed().as_secs_f64();
    let requests = world.metrics().counter_total("service.completed") as u64;
    let events = world.events_processed();
    let mean_wait_ms = world
        .metrics()
        .series_histogram("service.wait")
        .and_then(|h| h.mean())
        .map_or(f64::NAN, |us| us / 1e3);
    println!(
        "{{\"engine\":\"resilience-lab\",\"sim_s\":{seconds},\"requests\":{requests},\"events\":{events},\
         \"wall_s\":{wall_s:.3},\"requests_per_s\":{:.0},\"events_per_s\":{:.0},\"mean_wait_ms\":{mean_wait_ms:.4}}}",
        requests as f64 / wall_s,
        events as f64 / wall_s,
    );
}
