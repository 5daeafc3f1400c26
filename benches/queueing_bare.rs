//! The ceiling: the same M/M/100 queue as `benches/queueing.rs`, written as the
//! smallest loop that can run it, with nothing general about it.
//!
//! Two event kinds (arrival, departure) in a `std::collections::BinaryHeap`
//! keyed by (time in microseconds, insertion order), like the engine's; the same
//! RNG family (PCG-64 MCG) and exponential draws rounded to the microsecond;
//! a FIFO queue of the arrival times of waiting customers. No parts, no metrics
//! beyond the mean wait. bench/run.sh prints the engine's speed as a share of it.
//!
//! Run: `cargo bench --profile native --bench queueing_bare [-- SECONDS]`.
//! Prints one line of JSON in the shape of `benches/queueing.rs`.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::time::Instant;

use rand_core::Rng;
use rand_pcg::Pcg64Mcg;

const ARRIVAL_RPS: f64 = 9_000.0;
const SERVERS: u32 = 100;
const SERVICE_MEAN_US: f64 = 10_000.0;
const SEC: u64 = 1_000_000;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Arrival,
    Departure,
}

/// An exponential draw with the given mean, in whole microseconds (at least 1).
fn exp_us(rng: &mut Pcg64Mcg, mean_us: f64) -> u64 {
    let u = (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
    ((-mean_us * (1.0 - u).ln() + 0.5) as u64).max(1)
}

fn main() {
    let seconds: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("BENCH_SECONDS").ok())
        .map_or(3_600, |s| {
            s.parse().expect("simulated seconds must be a whole number")
        });
    let seed: u64 = std::env::var("BENCH_SEED")
        .map_or(1, |s| s.parse().expect("BENCH_SEED must be a whole number"));
    let start = Instant::now();

    let until = seconds * SEC;
    let mut rng =
        Pcg64Mcg::new((seed as u128).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835) | 1);
    // (time, sequence, kind), smallest first.
    let mut heap: BinaryHeap<Reverse<(u64, u64, Kind)>> = BinaryHeap::with_capacity(1024);
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<_>, at: u64, kind: Kind| {
        heap.push(Reverse((at, seq, kind)));
        seq += 1;
    };
    let mut waiting: VecDeque<u64> = VecDeque::new();
    let (mut busy, mut completed, mut started, mut events) = (0u32, 0u64, 0u64, 0u64);
    let mut wait_us_sum = 0u64;
    let arrival_mean_us = 1e6 / ARRIVAL_RPS;

    push(&mut heap, exp_us(&mut rng, arrival_mean_us), Kind::Arrival);
    while let Some(&Reverse((now, _, kind))) = heap.peek() {
        if now >= until {
            break;
        }
        heap.pop();
        events += 1;
        match kind {
            Kind::Arrival => {
                let next = now + exp_us(&mut rng, arrival_mean_us);
                push(&mut heap, next, Kind::Arrival);
                if busy < SERVERS {
                    busy += 1;
                    started += 1;
                    let done = now + exp_us(&mut rng, SERVICE_MEAN_US);
                    push(&mut heap, done, Kind::Departure);
                } else {
                    waiting.push_back(now);
                }
            }
            Kind::Departure => {
                completed += 1;
                match waiting.pop_front() {
                    Some(arrived) => {
                        wait_us_sum += now - arrived;
                        started += 1;
                        let done = now + exp_us(&mut rng, SERVICE_MEAN_US);
                        push(&mut heap, done, Kind::Departure);
                    }
                    None => busy -= 1,
                }
            }
        }
    }

    let wall_s = start.elapsed().as_secs_f64();
    println!(
        "{{\"engine\":\"bare loop\",\"sim_s\":{seconds},\"requests\":{completed},\"events\":{events},\
         \"wall_s\":{wall_s:.3},\"requests_per_s\":{:.0},\"events_per_s\":{:.0},\"mean_wait_ms\":{:.4}}}",
        completed as f64 / wall_s,
        events as f64 / wall_s,
        wait_us_sum as f64 / started as f64 / 1e3,
    );
}
