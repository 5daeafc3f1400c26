//! Signals: what a control part can measure about a running system, and
//! conditions over them ("the database pool's queue is longer than 50",
//! "no pod is still starting").
//!
//! Read from live state at the instant asked (not from metric buckets), so a
//! controller sees what a real one would see when it polls.

use std::fmt;

use crate::sim::kernel::decimal::trimmed;
use crate::sim::kernel::ids::ServiceId;

/// A number measured from the system now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Signal {
    /// Requests waiting in a pool's queues, summed over pods.
    Queued { service: ServiceId, pool: u16 },
    /// Requests waiting in a pool's queues per ready pod (all of them when no
    /// pod is ready).
    QueuedPerPod { service: ServiceId, pool: u16 },
    /// How long, in ms, the request at the head of the longest-waiting queue of
    /// the pool has waited (0 when every queue is empty): the queue's sojourn time.
    OldestWaitMs { service: ServiceId, pool: u16 },
    /// Busy workers over workers in ready pods (1 when no pod is ready),
    /// averaged over the last closed metrics bucket as a metrics system would
    /// report it (the instant value before the first bucket closes): an instant
    /// count of busy workers is too noisy to decide on.
    Utilisation { service: ServiceId, pool: u16 },
    /// Pods started but not ready yet: how far ready pods are behind the
    /// number asked for.
    PodsStarting { service: ServiceId },
    /// Pods taking traffic.
    PodsReady { service: ServiceId },
    /// Requests per second completed by service `counted_at` (over the last
    /// closed metrics bucket) per ready pod of service `pods_of`: how much
    /// traffic each pod would get if all of it reached them. With the edge as
    /// `counted_at`, it says whether the pods have caught up with the demand
    /// even while the edge shields them. Infinite when no pod is ready.
    RatePerReadyPod {
        counted_at: ServiceId,
        pods_of: ServiceId,
    },
}

/// A condition on a signal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Cond {
    /// The signal is strictly above the threshold.
    Above(Signal, f64),
    /// The signal is at or below the threshold.
    AtMost(Signal, f64),
}

/// As `{:?}` prints it (`Above(Queued { service: ServiceId(1), pool: 0 },
/// 10.0)`: a controller's log line names the condition that held), with the
/// threshold to at most six decimals, without core's float formatting.
impl fmt::Display for Cond {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, signal, x) = match *self {
            Cond::Above(s, x) => ("Above", s, x),
            Cond::AtMost(s, x) => ("AtMost", s, x),
        };
        let x = trimmed(x, 6);
        let point = if x.contains('.') || !x.ends_with(char::is_numeric) {
            ""
        } else {
            ".0"
        };
        write!(f, "{name}({signal:?}, {x}{point})")
    }
}

#[cfg(test)]
mod tests {
    use super::{Cond, Signal};
    use crate::sim::kernel::ids::ServiceId;

    #[test]
    fn a_condition_reads_as_its_debug_form() {
        let s = Signal::Queued {
            service: ServiceId::new(1),
            pool: 0,
        };
        for c in [
            Cond::Above(s, 10.0),
            Cond::AtMost(s, 0.0),
            Cond::AtMost(
                Signal::PodsStarting {
                    service: ServiceId::new(2),
                },
                1.5,
            ),
            Cond::Above(s, 1e6),
            Cond::Above(s, f64::INFINITY),
        ] {
            assert_eq!(c.to_string(), format!("{c:?}"));
        }
    }
}
