//! The kernel every part shares: the clock, the event queue, the one RNG, the
//! live requests, the series and the event log.
//!
//! It is one of the world's stores (beside one per group of parts, see
//! `world.rs`): a part's glue borrows the kernel and the stores it touches,
//! never more, so what a part can reach is written in its signature.

use crate::sim::kernel::event::Event;
use crate::sim::kernel::event_queue::EventQueue;
use crate::sim::kernel::log::{EventLog, LogEntry, LogLevel};
use crate::sim::kernel::metrics::Metrics;
use crate::sim::kernel::request::Requests;
use crate::sim::kernel::rng::SimRng;
use crate::sim::kernel::time::Micros;

/// Clock, event queue, RNG, live requests, series and log.
pub struct Kernel {
    /// The simulated clock.
    pub(in crate::sim) now: Micros,
    /// The future event list.
    pub(in crate::sim) queue: EventQueue<Event>,
    /// The world's one random generator: every draw, in event order.
    pub(in crate::sim) rng: SimRng,
    /// Requests alive, by `ReqRef`.
    pub(in crate::sim) requests: Requests,
    /// Every series.
    pub(in crate::sim) metrics: Metrics,
    /// Notable events.
    pub(in crate::sim) log: EventLog,
    /// Events processed so far.
    pub(in crate::sim) events_processed: u64,
    /// The seed the RNG started from.
    pub(in crate::sim) seed: u64,
}

impl Kernel {
    /// A kernel at time 0 whose randomness is fixed by `seed`.
    pub(in crate::sim) fn new(seed: u64, config: &WorldConfig) -> Self {
        Kernel {
            now: 0,
            queue: EventQueue::new(),
            rng: SimRng::new(seed),
            requests: Requests::default(),
            metrics: Metrics::new(config.bucket_us, config.series_capacity),
            log: EventLog::new(config.log_capacity),
            events_processed: 0,
            seed,
        }
    }

    /// Schedules `event` at time `at` (not in the past).
    #[inline]
    pub(in crate::sim) fn schedule(&mut self, at: Micros, event: Event) {
        debug_assert!(at >= self.now, "event scheduled in the past");
        self.queue.push(at, event);
    }

    /// Writes a log entry at the current time (`marker`: also a chart marker).
    pub(in crate::sim) fn note(&mut self, level: LogLevel, text: String, marker: bool) {
        self.log.push(LogEntry {
            at_us: self.now,
            level,
            text,
            marker,
        });
    }
}

/// Settings of a world that are not parts.
#[derive(Clone, Debug)]
pub struct WorldConfig {
    /// Width of a metrics bucket.
    pub bucket_us: Micros,
    /// Buckets kept per series.
    pub series_capacity: usize,
    /// Entries kept in the event log.
    pub log_capacity: usize,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            bucket_us: crate::sim::kernel::time::SEC,
            series_capacity: 7_200,
            log_capacity: 500,
        }
    }
}
