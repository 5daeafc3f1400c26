//! The same M/M/100 queue as `benches/queueing.rs`, written for the `simcore`
//! crate (a general discrete-event framework, callback mode), so the engine's
//! speed is compared with another Rust simulator on the same model.
//!
//! One component holds the servers and the FIFO queue; two events per request
//! (arrival, departure), as in our engine. Exponential draws use simcore's own
//! seeded RNG. Prints one line of JSON in the shape of `benches/queueing.rs`.
//!
//! Run: `cargo bench --profile native --bench queueing_simcore [-- SECONDS]`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Instant;

use serde::Serialize;
use simcore::{cast, Event, EventHandler, Simulation, SimulationContext};

const ARRIVAL_RPS: f64 = 9_000.0;
const SERVERS: u32 = 100;
const SERVICE_MEAN_S: f64 = 0.010;

#[derive(Clone, Serialize)]
struct Arrival {}

#[derive(Clone, Serialize)]
struct Departure {}

struct Station {
    ctx: SimulationContext,
    busy: u32,
    queue: VecDeque<f64>,
    completed: u64,
    wait_s_sum: f64,
    started: u64,
}

impl Station {
    fn exp(&self, mean: f64) -> f64 {
        -mean * (1.0 - self.ctx.rand()).ln()
    }

    fn start_service(&mut self, arrived_at: f64) {
        self.wait_s_sum += self.ctx.time() - arrived_at;
        self.started += 1;
        let d = self.exp(SERVICE_MEAN_S);
        self.ctx.emit_self(Departure {}, d);
    }
}

impl EventHandler for Station {
    fn on(&mut self, event: Event) {
        cast!(match event.data {
            Arrival {} => {
                let gap = self.exp(1.0 / ARRIVAL_RPS);
                self.ctx.emit_self(Arrival {}, gap);
                if self.busy < SERVERS {
                    self.busy += 1;
                    self.start_service(self.ctx.time());
                } else {
                    self.queue.push_back(self.ctx.time());
                }
            }
            Departure {} => {
                self.completed += 1;
                match self.queue.pop_front() {
                    Some(t) => self.start_service(t),
                    None => self.busy -= 1,
                }
            }
        })
    }
}

fn main() {
    let seconds: f64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .or_else(|| std::env::var("BENCH_SECONDS").ok())
        .map_or(3_600.0, |s| {
            s.parse().expect("simulated seconds must be a number")
        });
    let seed = std::env::var("BENCH_SEED")
        .map_or(1, |s| s.parse().expect("BENCH_SEED must be a whole number"));
    let start = Instant::now();

    let mut sim = Simulation::new(seed);
    let ctx = sim.create_context("station");
    let station = Rc::new(RefCell::new(Station {
        ctx,
        busy: 0,
        queue: VecDeque::new(),
        completed: 0,
        wait_s_sum: 0.0,
        started: 0,
    }));
    sim.add_handler("station", station.clone());
    station.borrow().ctx.emit_self(Arrival {}, 0.0);
    sim.step_until_time(seconds);

    let wall_s = start.elapsed().as_secs_f64();
    let s = station.borrow();
    let events = sim.event_count();
    println!(
        "{{\"engine\":\"simcore\",\"sim_s\":{seconds},\"requests\":{},\"events\":{events},\
         \"wall_s\":{wall_s:.3},\"requests_per_s\":{:.0},\"events_per_s\":{:.0},\"mean_wait_ms\":{:.4}}}",
        s.completed,
        s.completed as f64 / wall_s,
        events as f64 / wall_s,
        s.wait_s_sum / s.started as f64 * 1e3,
    );
}
