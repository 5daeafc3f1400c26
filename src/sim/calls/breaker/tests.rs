//! The breaker's state machine, without a world.

use super::*;
use crate::sim::kernel::metrics::Metrics;
use crate::sim::kernel::time::MS;

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
        assert!(b.try_acquire());
        assert_eq!(b.record(0, true, MS), None);
    }
    assert_eq!(b.record(0, true, MS), Some(BreakerState::Open));
    assert!(!b.try_acquire(), "an open breaker refuses");
}

#[test]
fn opens_at_the_failure_rate_threshold_not_below() {
    let mut b = breaker(BreakerSpec {
        min_calls: 10,
        ..small()
    });
    // 10 calls, the last 4 failed: 40 % < 50 %.
    for i in 0..10 {
        assert_eq!(b.record(0, i >= 6, MS), None, "call {i}");
    }
    // The window slides: the oldest success falls out, a failure comes in:
    // 5 of 10 is 50 %, and the threshold is inclusive.
    assert_eq!(b.record(0, true, MS), Some(BreakerState::Open));
}

#[test]
fn slow_successes_open_it_too() {
    let mut b = breaker(small());
    for _ in 0..3 {
        assert_eq!(b.record(0, false, 2 * SEC), None);
    }
    assert_eq!(b.record(0, false, 2 * SEC), Some(BreakerState::Open));
}

#[test]
fn half_open_lets_a_few_probes_through_then_closes_or_reopens() {
    let mut b = breaker(small());
    for _ in 0..4 {
        b.record(0, true, MS);
    }
    assert_eq!(b.half_open(), Some(BreakerState::HalfOpen));
    assert!(b.try_acquire() && b.try_acquire() && b.try_acquire());
    assert!(!b.try_acquire(), "only three probes");
    assert_eq!(b.record(0, false, MS), None);
    assert_eq!(b.record(0, true, MS), None);
    // 2 of 3 failed: 67 % ≥ 50 %: open again.
    assert_eq!(b.record(0, true, MS), Some(BreakerState::Open));
    b.half_open();
    for _ in 0..3 {
        assert!(b.try_acquire());
    }
    b.record(0, false, MS);
    b.record(0, false, MS);
    assert_eq!(b.record(0, true, MS), Some(BreakerState::Closed));
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
        assert_eq!(b.record(s * SEC, true, MS), None);
    }
    // At t = 10 s the three failures are gone: this one is alone in the window.
    assert_eq!(b.record(10 * SEC, true, MS), None);
    assert_eq!(b.window_tally().calls, 1);
    for k in 0..2 {
        b.record(10 * SEC + k, true, MS);
    }
    assert_eq!(b.record(11 * SEC, true, MS), Some(BreakerState::Open));
}

#[test]
fn a_minimum_above_a_count_window_is_capped_at_its_size() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Count(5),
        min_calls: 100,
        ..small()
    });
    for _ in 0..4 {
        assert_eq!(b.record(0, true, MS), None);
    }
    assert_eq!(b.record(0, true, MS), Some(BreakerState::Open));
}
