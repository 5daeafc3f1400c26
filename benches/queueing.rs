//! Speed benchmark: an M/M/100 queue in the engine, timed by the wall clock.
//!
//! Poisson arrivals at 9,000 requests/s, 100 identical servers, exponential
//! service with mean 10 ms (utilisation 0.9), one FIFO unbounded queue, one
//! simulated hour (`common/mm100.rs`, the model the browser measurement runs
//! too). The same model in SimPy is bench/simpy_mmc.py; bench/run.sh runs both
//! and compares them, bench/wasm.sh compares this with the engine in wasm.
//!
//! Run: `cargo bench --profile native --bench queueing [-- SECONDS]`
//! (or BENCH_SECONDS=60 in the environment) for a shorter simulated horizon;
//! BENCH_SEED picks another seed (default 1).
//! Prints one line of JSON.

use std::time::Instant;

#[path = "common/mm100.rs"]
mod mm100;

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
    let run = mm100::run(seed, seconds);
    let wall_s = start.elapsed().as_secs_f64();
    println!("{}", run.json("resilience-lab", wall_s));
}
