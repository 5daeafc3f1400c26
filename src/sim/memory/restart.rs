//! OOM kills, restarts and crash-loop back-off.
//!
//! A pod whose live memory would pass its limit is killed at once: every request
//! in it (working, waiting on a call or a lock, or queued) fails with an error —
//! its caller sees a 500 — and the pod takes no traffic until it is up again.
//! It restarts the way a kubelet restarts a crashed container: after a back-off
//! of 10 s that doubles with every crash in a row up to 5 minutes
//! (CrashLoopBackOff), reset once the container has run 10 minutes cleanly —
//! and then needs its start-up time before it is ready. Log entries: OOMKilled,
//! CrashLoopBackOff, Restarted.

use crate::sim::kernel::time::{Micros, MIN, SEC};

/// How a killed pod comes back.
#[derive(Clone, Debug, PartialEq)]
pub struct RestartPolicy {
    /// From process start to ready (JVM boot, warm-up, readiness probe).
    pub startup_us: Micros,
    /// Back-off before the first restart of a crash series.
    pub backoff_initial_us: Micros,
    /// The back-off doubles per crash in a row, up to this.
    pub backoff_max_us: Micros,
    /// Running this long without a crash resets the back-off.
    pub reset_after_us: Micros,
}

impl RestartPolicy {
    /// Kubernetes' kubelet: 10 s doubling to 5 min, reset after 10 min running.
    pub fn kubernetes(startup_us: Micros) -> Self {
        RestartPolicy {
            startup_us,
            backoff_initial_us: 10 * SEC,
            backoff_max_us: 5 * MIN,
            reset_after_us: 10 * MIN,
        }
    }
}

/// A pod's crash history, for the back-off.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CrashLoop {
    /// When the current process became ready.
    pub up_since_us: Micros,
    /// Crashes in the current series (0 after a clean run).
    pub crashes_in_a_row: u32,
}

impl CrashLoop {
    /// A crash at `now`: the back-off to wait before restarting.
    pub fn on_crash(&mut self, now: Micros, p: &RestartPolicy) -> Micros {
        if now.saturating_sub(self.up_since_us) >= p.reset_after_us {
            self.crashes_in_a_row = 0;
        }
        let doublings = self.crashes_in_a_row.min(20);
        self.crashes_in_a_row += 1;
        p.backoff_initial_us
            .saturating_mul(1 << doublings)
            .min(p.backoff_max_us)
    }
}
