//! Garbage collection of a managed runtime: a JVM-like heap.
//!
//! Allocation raises the heap in use; memory a request releases becomes
//! garbage, not free memory. When an allocation finds the heap used above the
//! trigger (by default: full), a collection runs: it frees all garbage (what no
//! in-flight request and no retained entry references) and stops the pod's
//! workers for a pause that grows with the live heap it has to trace —
//! `pause_base_ms + pause_ms_per_live_mb × live MB`. Work in progress in that
//! pod simply stands still for the pause (a request's `Work` step ends later by
//! the pause time that fell inside it), and requests that arrive queue up.
//!
//! A collection that leaves less than `overhead_free_fraction` of the heap
//! free is futile; after `overhead_limit_in_a_row` futile collections in a row
//! the runtime gives up with an out-of-memory error (HotSpot's "GC overhead
//! limit exceeded": it too counts five consecutive collections that free less
//! than 2 % of the heap). A leak thus shows as a post-GC floor that rises,
//! collections that come ever more often and pause ever longer, then a kill.

use crate::sim::kernel::time::{Micros, MS};

/// How a service's runtime collects garbage.
#[derive(Clone, Debug, PartialEq)]
pub struct GcSpec {
    /// Pause of a collection with nothing live, ms.
    pub pause_base_ms: f64,
    /// Extra pause per MB of live heap traced, ms.
    pub pause_ms_per_live_mb: f64,
    /// A collection starts when an allocation would take the heap in use above
    /// this share of the limit (1.0: when the heap is full).
    pub trigger_fraction: f64,
    /// A collection leaving less than this share of the heap free is futile.
    pub overhead_free_fraction: f64,
    /// Futile collections in a row after which the runtime gives up (OOM).
    pub overhead_limit_in_a_row: u32,
}

impl GcSpec {
    /// A collector pausing `pause_base_ms + pause_ms_per_live_mb × live MB`,
    /// triggered when the heap is full, with HotSpot's overhead limit (five
    /// collections in a row freeing less than 2 % of the heap).
    pub fn new(pause_base_ms: f64, pause_ms_per_live_mb: f64) -> Self {
        GcSpec {
            pause_base_ms,
            pause_ms_per_live_mb,
            trigger_fraction: 1.0,
            overhead_free_fraction: 0.02,
            overhead_limit_in_a_row: 5,
        }
    }

    /// The pause of a collection that finds `live_mb` live.
    pub fn pause_us(&self, live_mb: f64) -> Micros {
        let ms = self.pause_base_ms + self.pause_ms_per_live_mb * live_mb.max(0.0);
        ((ms * MS as f64).round() as Micros).max(1)
    }
}

/// A pod's collector state: its pauses so far, as a clock of paused time.
#[derive(Clone, Debug, Default)]
pub(crate) struct GcState {
    /// Total length of the pauses before the latest one.
    paused_before_us: Micros,
    /// The latest pause, `[start, end)`.
    pause_start_us: Micros,
    pause_end_us: Micros,
    pub(super) futile_in_a_row: u32,
    /// Live heap right after the latest collection, MB.
    pub after_gc_mb: f64,
}

impl GcState {
    /// Time spent paused in `[0, t]`.
    pub fn paused_through(&self, t: Micros) -> Micros {
        self.paused_before_us + t.clamp(self.pause_start_us, self.pause_end_us)
            - self.pause_start_us
    }

    /// True while a pause is going on.
    pub fn in_pause(&self, now: Micros) -> bool {
        now < self.pause_end_us
    }

    /// When the latest pause ends (or ended).
    pub fn pause_end_us(&self) -> Micros {
        self.pause_end_us
    }

    pub(super) fn begin_pause(&mut self, now: Micros, len: Micros) {
        debug_assert!(now >= self.pause_end_us, "pauses overlap");
        self.paused_before_us += self.pause_end_us - self.pause_start_us;
        self.pause_start_us = now;
        self.pause_end_us = now + len;
    }
}
