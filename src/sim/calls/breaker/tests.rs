//! The breaker's state machine, without a world.

use super::*;
use crate::sim::calls::recording::{Counts, Recording};
use crate::sim::kernel::metrics::Metrics;
use crate::sim::kernel::time::MS;

const OK: Outcome = Outcome::Ok;
const ERR: Outcome = Outcome::Error;

fn out(failed: bool) -> Outcome {
    if failed {
        ERR
    } else {
        OK
    }
}

fn breaker(spec: BreakerSpec) -> Breaker {
    let mut m = Metrics::new(SEC, 10);
    let bm = BreakerMetrics {
        state: m.gauge("b.state", 0, 0.0),
        rejected: m.counter("b.rejected"),
        opened: m.counter("b.opened"),
    };
    Breaker::new(spec, bm)
}

fn small() -> BreakerSpec {
    BreakerSpec {
        window: SlidingWindow::Count(10),
        min_calls: 4,
        half_open_calls: 3,
        slow_call_us: SEC,
        ..BreakerSpec::new("b")
    }
}

#[test]
fn defaults_are_resilience4j_defaults() {
    let s = BreakerSpec::new("x");
    assert_eq!(s.failure_rate_pct, 50.0);
    assert_eq!(s.window, SlidingWindow::Count(100));
    assert_eq!((s.min_calls, s.half_open_calls), (100, 10));
    assert_eq!((s.open_us, s.slow_call_us), (60 * SEC, 60 * SEC));
    assert_eq!(s.slow_call_rate_pct, 100.0);
}

#[test]
fn stays_closed_until_the_minimum_number_of_calls() {
    let mut b = breaker(small());
    for _ in 0..3 {
        assert!(b.try_acquire(0));
        assert_eq!(b.record(0, ERR, MS), None);
    }
    assert_eq!(b.record(0, ERR, MS), Some(BreakerState::Open));
    assert!(!b.try_acquire(0), "an open breaker refuses");
}

#[test]
fn opens_at_the_failure_rate_threshold_not_below() {
    let mut b = breaker(BreakerSpec {
        min_calls: 10,
        ..small()
    });
    // 10 calls, the last 4 failed: 40 % < 50 %.
    for i in 0..10 {
        assert_eq!(b.record(0, out(i >= 6), MS), None, "call {i}");
    }
    // The window slides: the oldest success falls out, a failure comes in:
    // 5 of 10 is 50 %, and the threshold is inclusive.
    assert_eq!(b.record(0, ERR, MS), Some(BreakerState::Open));
}

#[test]
fn slow_successes_open_it_too() {
    let mut b = breaker(small());
    for _ in 0..3 {
        assert_eq!(b.record(0, OK, 2 * SEC), None);
    }
    assert_eq!(b.record(0, OK, 2 * SEC), Some(BreakerState::Open));
}

#[test]
fn half_open_lets_a_few_probes_through_then_closes_or_reopens() {
    let mut b = breaker(small());
    for _ in 0..4 {
        b.record(0, ERR, MS);
    }
    assert_eq!(b.half_open(0), Some(BreakerState::HalfOpen));
    assert!(b.try_acquire(0) && b.try_acquire(0) && b.try_acquire(0));
    assert!(!b.try_acquire(0), "only three probes");
    assert_eq!(b.record(0, OK, MS), None);
    assert_eq!(b.record(0, ERR, MS), None);
    // 2 of 3 failed: 67 % ≥ 50 %: open again.
    assert_eq!(b.record(0, ERR, MS), Some(BreakerState::Open));
    b.half_open(0);
    for _ in 0..3 {
        assert!(b.try_acquire(0));
    }
    b.record(0, OK, MS);
    b.record(0, OK, MS);
    assert_eq!(b.record(0, ERR, MS), Some(BreakerState::Closed));
    assert_eq!(b.window_tally(), Tally::default(), "closed starts afresh");
}

#[test]
fn a_time_window_forgets_calls_older_than_its_length() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Time { secs: 5 },
        min_calls: 4,
        ..small()
    });
    for s in 0..3 {
        assert_eq!(b.record(s * SEC, ERR, MS), None);
    }
    // At t = 10 s the three failures are gone: this one is alone in the window.
    assert_eq!(b.record(10 * SEC, ERR, MS), None);
    assert_eq!(b.window_tally().calls, 1);
    for k in 0..2 {
        b.record(10 * SEC + k, ERR, MS);
    }
    assert_eq!(b.record(11 * SEC, ERR, MS), Some(BreakerState::Open));
}

#[test]
fn a_minimum_above_a_count_window_is_capped_at_its_size() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Count(5),
        min_calls: 100,
        ..small()
    });
    for _ in 0..4 {
        assert_eq!(b.record(0, ERR, MS), None);
    }
    assert_eq!(b.record(0, ERR, MS), Some(BreakerState::Open));
}

#[test]
fn a_call_exactly_as_long_as_the_slow_threshold_is_not_slow() {
    let mut b = breaker(small());
    for _ in 0..4 {
        assert_eq!(b.record(0, OK, SEC), None);
    }
    assert_eq!(b.window_tally().slow, 0);
    assert_eq!(b.record(0, OK, SEC + 1), None);
    assert_eq!(b.window_tally().slow, 1);
}

#[test]
fn half_open_decides_as_soon_as_the_minimum_number_of_probes_answered() {
    // Two calls minimum, ten probes: two successes close it.
    let mut b = breaker(BreakerSpec {
        min_calls: 2,
        half_open_calls: 10,
        ..small()
    });
    b.record(0, ERR, MS);
    assert_eq!(b.record(0, ERR, MS), Some(BreakerState::Open));
    b.half_open(0);
    assert_eq!(b.record(0, OK, MS), None);
    assert_eq!(b.record(0, OK, MS), Some(BreakerState::Closed));
}

#[test]
fn a_late_answer_while_open_is_recorded_but_decides_nothing() {
    let mut b = breaker(small());
    for _ in 0..4 {
        b.record(0, ERR, MS);
    }
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(b.record(0, OK, MS), None);
    let t = b.window_tally();
    assert_eq!(
        (t.calls, t.failed),
        (5, 4),
        "kept in the metrics it opened with"
    );
}

#[test]
fn the_first_call_after_the_wait_moves_an_open_breaker_to_half_open() {
    let mut b = breaker(small());
    for _ in 0..4 {
        b.record(SEC, ERR, MS);
    }
    // Open at 1 s for 60 s: refused up to and at 61 s, let through just after.
    assert!(!b.try_acquire(61 * SEC));
    assert_eq!(b.state(), BreakerState::Open);
    assert!(b.try_acquire(61 * SEC + 1));
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert!(b.try_acquire(61 * SEC + 2) && b.try_acquire(61 * SEC + 3));
    assert!(!b.try_acquire(61 * SEC + 4), "the first call took a probe");
}

#[test]
fn an_ignored_outcome_is_not_recorded_and_gives_a_probe_back() {
    let mut b = breaker(BreakerSpec {
        recording: Recording {
            rejected: Counts::Ignored,
            ..Recording::all_failures()
        },
        ..small()
    });
    for _ in 0..10 {
        assert_eq!(b.record(0, Outcome::Rejected, MS), None);
    }
    assert_eq!(b.window_tally().calls, 0);
    for _ in 0..4 {
        b.record(0, Outcome::TimedOut, MS);
    }
    b.half_open(0);
    for _ in 0..3 {
        assert!(b.try_acquire(0));
    }
    assert!(!b.try_acquire(0));
    b.record(0, Outcome::Rejected, MS);
    assert!(b.try_acquire(0), "the ignored probe's permit came back");
}
