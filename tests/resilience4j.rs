//! Resilience4j's own test cases, run against the lab's breaker, sliding
//! windows, bulkhead, retry and interval functions.
//!
//! Each case names the upstream test it was ported from (class and method, in
//! resilience4j/resilience4j: `CircuitBreakerStateMachineTest`,
//! `CircuitBreakerAutoTransitionStateMachineTest`, `CircuitBreakerMetricsTest`,
//! `CircuitBreakerExceptionHandlingTest`, `CircuitBreakerConfigTest`,
//! `CircuitBreakerThreadModeCompatibilityTest`,
//! `FixedSizeSlidingWindowMetricsTest`, `SlidingTimeWindowMetricsTest`,
//! `SemaphoreBulkheadTest`, `IntervalFunctionTest`, `SupplierRetryTest`) and
//! keeps its inputs and expected results. What is translated:
//! - the mock clock starts at 0 (upstream: 12:00:00, a whole second);
//! - an exception is an attempt's [`Outcome`]: a `RuntimeException` is an
//!   error; the exception a test ignores or records as a success is given as
//!   another kind of outcome with that [`Recording`] (named in each case);
//! - `releasePermission()` is an ignored outcome, which gives the permit back;
//! - a failure rate of -1 (below the minimum number of calls) is `None`;
//! - `transitionToOpenStateFor(d)` is a breaker whose wait is `d`.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::sim::calls::breaker::Breaker;
use resilience_lab::sim::calls::bulkhead::{Admission, Bulkhead};
use resilience_lab::sim::kernel::request::{Origin, ReqRef, Request, Requests};
use resilience_lab::sim::*;

const OK: Outcome = Outcome::Ok;
/// A `RuntimeException`: recorded as a failure.
const RUNTIME: Outcome = Outcome::Error;
/// The `NumberFormatException` the state machine tests ignore.
const NUMBER_FORMAT: Outcome = Outcome::Rejected;

fn breaker(spec: BreakerSpec) -> Breaker {
    let mut w = World::new(1, WorldConfig::default());
    w.add_breaker(spec);
    w.breakers()[0].clone()
}

/// `CircuitBreakerStateMachineTest.setUp`: failure rate 50 %, 4 calls in
/// half-open, slow calls over 4 s at 50 %, a time window of 20 s with 5 calls
/// minimum, 5 s open, `NumberFormatException` ignored.
fn state_machine_test() -> Breaker {
    breaker(BreakerSpec {
        failure_rate_pct: 50.0,
        half_open_calls: 4,
        slow_call_us: 4 * SEC,
        slow_call_rate_pct: 50.0,
        window: SlidingWindow::Time { secs: 20 },
        min_calls: 5,
        open_us: 5 * SEC,
        recording: Recording {
            rejected: Counts::Ignored,
            ..Recording::all_failures()
        },
        ..BreakerSpec::new("testName")
    })
}

/// `assertCircuitBreakerMetricsEqualTo(failureRate, successful, buffered,
/// failed, notPermitted)`.
fn assert_metrics(
    b: &mut Breaker,
    now: Micros,
    rate: Option<f64>,
    ok: u32,
    buffered: u32,
    failed: u32,
    not_permitted: u64,
) {
    let t = b.snapshot(now);
    assert_eq!(b.failure_rate(now), rate, "failure rate");
    assert_eq!(
        (t.successful(), t.calls, t.failed, b.not_permitted()),
        (ok, buffered, failed, not_permitted),
        "successful, buffered, failed, not permitted"
    );
}

fn assert_reset(b: &mut Breaker, now: Micros) {
    assert_metrics(b, now, None, 0, 0, 0, 0);
}

fn open_then_half_open(b: &mut Breaker) {
    b.transition_to(BreakerState::Open, 0).unwrap();
    b.transition_to(BreakerState::HalfOpen, 0).unwrap();
    assert_eq!(b.state(), BreakerState::HalfOpen);
}

// ---------------------------------------------------------------------------
// CircuitBreakerStateMachineTest

/// CircuitBreakerStateMachineTest.shouldThrowCallNotPermittedExceptionWhenStateIsOpen
#[test]
fn state_machine_refuses_calls_when_open() {
    let mut b = state_machine_test();
    b.transition_to(BreakerState::Open, 0).unwrap();
    assert!(!b.try_acquire(0));
    assert_eq!(b.not_permitted(), 1);
}

/// CircuitBreakerStateMachineTest.shouldIncreaseCounterOnReleasePermission
#[test]
fn state_machine_gives_a_released_permit_back() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    for _ in 0..4 {
        assert!(b.try_acquire(0));
    }
    assert!(!b.try_acquire(0));
    assert!(!b.try_acquire(0));
    b.record(0, NUMBER_FORMAT, 0); // releasePermission()
    assert!(b.try_acquire(0));
}

/// CircuitBreakerStateMachineTest.shouldThrowCallNotPermittedExceptionWhenNotFurtherTestCallsArePermitted
#[test]
fn state_machine_refuses_a_fifth_probe() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    for _ in 0..4 {
        assert!(b.try_acquire(0));
    }
    assert!(!b.try_acquire(0));
    assert_eq!(b.not_permitted(), 1);
}

/// CircuitBreakerStateMachineTest.shouldOnlyPermitFourCallsInHalfOpenState
#[test]
fn state_machine_permits_four_calls_in_half_open_each_time() {
    let mut b = state_machine_test();
    assert_reset(&mut b, 0);
    for _ in 0..2 {
        open_then_half_open(&mut b);
        for _ in 0..4 {
            assert!(b.try_acquire(0));
        }
        assert!(!b.try_acquire(0));
        assert!(!b.try_acquire(0));
    }
}

/// CircuitBreakerStateMachineTest.shouldOpenAfterFailureRateThresholdExceeded2
#[test]
fn state_machine_opens_at_half_the_calls_of_a_time_window_failed() {
    let mut b = state_machine_test();
    let outcomes = [OK, OK, OK, RUNTIME, RUNTIME];
    for (s, o) in outcomes.into_iter().enumerate() {
        b.record(s as u64 * SEC, o, 0);
    }
    assert_eq!(b.state(), BreakerState::Closed, "2 of 5 failed");
    assert_eq!(b.record(5 * SEC, RUNTIME, 0), Some(BreakerState::Open));
}

/// CircuitBreakerStateMachineTest.shouldOpenAfterFailureRateThresholdExceeded
#[test]
fn state_machine_opens_when_the_failure_rate_is_above_the_threshold() {
    let mut b = state_machine_test();
    assert!(b.try_acquire(0));
    assert_eq!(b.state(), BreakerState::Closed);
    assert_reset(&mut b, 0);
    let steps = [
        (RUNTIME, 0, 1, 1),
        (RUNTIME, 0, 2, 2),
        (RUNTIME, 0, 3, 3),
        (OK, 1, 4, 3),
    ];
    for (o, ok, buffered, failed) in steps {
        assert!(b.try_acquire(0));
        assert_eq!(b.record(0, o, 0), None);
        assert_metrics(&mut b, 0, None, ok, buffered, failed, 0);
    }
    // The fifth call fills the minimum: 3 of 5 failed.
    assert_eq!(b.record(0, OK, 0), Some(BreakerState::Open));
    assert_metrics(&mut b, 0, Some(60.0), 2, 5, 3, 0);
    assert!(!b.try_acquire(0));
    assert_metrics(&mut b, 0, Some(60.0), 2, 5, 3, 1);
}

/// CircuitBreakerStateMachineTest.shouldOpenAfterSlowCallRateThresholdExceeded
#[test]
fn state_machine_opens_when_the_slow_call_rate_is_above_the_threshold() {
    let mut b = state_machine_test();
    let calls = [
        (RUNTIME, 5 * SEC),
        (OK, 5 * SEC),
        (RUNTIME, 100 * MS),
        (OK, 100 * MS),
    ];
    for (o, d) in calls {
        assert!(b.try_acquire(0));
        assert_eq!(b.record(0, o, d), None);
    }
    // 2 of 5 failed (below 50 %), 3 of 5 slow (above).
    assert_eq!(b.record(0, OK, 5 * SEC), Some(BreakerState::Open));
    let t = b.snapshot(0);
    assert_eq!((t.calls, t.slow, t.slow_call_rate()), (5, 3, 60.0));
}

/// CircuitBreakerStateMachineTest.shouldOpenAfterSlowCallRateThresholdExceededUsingMockClock
#[test]
fn state_machine_times_calls_that_advance_the_clock() {
    let mut b = state_machine_test();
    let mut now = 0;
    // Each call advances the mock clock by its own duration.
    for (secs, buffered, slow) in [(5, 1, 1), (5, 2, 2), (1, 3, 2), (1, 4, 2)] {
        assert!(b.try_acquire(now));
        now += secs * SEC;
        assert_eq!(b.record(now, OK, secs * SEC), None);
        let t = b.snapshot(now);
        assert_eq!((t.calls, t.slow), (buffered, slow));
        assert_eq!(b.state(), BreakerState::Closed);
    }
    now += 5 * SEC;
    assert_eq!(b.record(now, OK, 5 * SEC), Some(BreakerState::Open));
    let t = b.snapshot(now);
    assert_eq!((t.calls, t.slow, t.slow_call_rate()), (5, 3, 60.0));
}

/// CircuitBreakerStateMachineTest.shouldTransitionToHalfOpenAfterWaitDuration
#[test]
fn state_machine_moves_to_half_open_on_the_first_call_after_the_wait() {
    let mut b = state_machine_test();
    b.transition_to(BreakerState::Open, 0).unwrap();
    assert_reset(&mut b, 0);
    assert_eq!(b.state(), BreakerState::Open);
    assert!(!b.try_acquire(0));
    // 3 s: the 5 s wait is not over.
    assert_eq!(b.state(), BreakerState::Open);
    assert!(!b.try_acquire(3 * SEC));
    assert_metrics(&mut b, 3 * SEC, None, 0, 0, 0, 2);
    // 6 s: the call moves it to half-open and is let through; fresh metrics.
    assert!(b.try_acquire(6 * SEC));
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert_reset(&mut b, 6 * SEC);
}

/// CircuitBreakerStateMachineTest.shouldTransitionToHalfOpenAfterPassedWaitDuration
/// (the two hours of `transitionToOpenStateFor` are the breaker's wait here).
#[test]
fn state_machine_waits_a_long_open_duration_out() {
    let mut b = breaker(BreakerSpec {
        open_us: 2 * HOUR,
        ..BreakerSpec::new("testName")
    });
    b.transition_to(BreakerState::Open, 0).unwrap();
    assert!(!b.try_acquire(0));
    assert!(!b.try_acquire(HOUR));
    assert_eq!(b.state(), BreakerState::Open);
    assert_eq!(b.not_permitted(), 2);
    assert!(b.try_acquire(2 * HOUR + SEC));
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert_eq!(b.not_permitted(), 0);
}

/// CircuitBreakerStateMachineTest.shouldTransitionBackToOpenStateWhenFailureRateIsAboveThreshold
#[test]
fn state_machine_reopens_when_probes_fail() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    assert_reset(&mut b, 0);
    for o in [RUNTIME, RUNTIME, OK] {
        assert!(b.try_acquire(0));
        assert_eq!(b.record(0, o, 0), None);
    }
    assert!(b.try_acquire(0));
    assert_eq!(b.record(0, RUNTIME, 0), Some(BreakerState::Open));
    assert_metrics(&mut b, 0, Some(75.0), 1, 4, 3, 0);
}

/// CircuitBreakerStateMachineTest.shouldTransitionBackToOpenStateWhenSlowCallRateIsAboveThreshold
#[test]
fn state_machine_reopens_when_probes_are_slow() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    for d in [5 * SEC, 5 * SEC, 5 * SEC] {
        assert!(b.try_acquire(0));
        assert_eq!(b.record(0, OK, d), None);
    }
    assert!(b.try_acquire(0));
    assert_eq!(b.record(0, OK, SEC), Some(BreakerState::Open));
    let t = b.snapshot(0);
    assert_eq!((t.slow, t.slow_call_rate()), (3, 75.0));
    assert_eq!(b.failure_rate(0), Some(0.0));
}

/// CircuitBreakerStateMachineTest.shouldTransitionBackToClosedStateWhenFailureIsBelowThreshold
#[test]
fn state_machine_closes_when_probes_succeed() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    assert_reset(&mut b, 0);
    for o in [RUNTIME, OK, OK] {
        assert!(b.try_acquire(0));
        assert_eq!(b.record(0, o, 0), None);
    }
    assert!(b.try_acquire(0));
    assert_eq!(b.record(0, OK, 0), Some(BreakerState::Closed));
    assert!(b.try_acquire(0));
    assert_eq!(b.state(), BreakerState::Closed);
    assert_reset(&mut b, 0);
    assert!(b.try_acquire(0));
    b.record(0, OK, 0);
    assert_metrics(&mut b, 0, None, 1, 1, 0, 0);
}

/// CircuitBreakerStateMachineTest.shouldReleasePermissionWhenExceptionIgnored
#[test]
fn state_machine_releases_the_permit_of_an_ignored_probe() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    for k in 1..=3 {
        assert!(b.try_acquire(0));
        b.record(0, OK, 0);
        assert_eq!(b.state(), BreakerState::HalfOpen);
        assert_metrics(&mut b, 0, None, k, k, 0, 0);
    }
    assert!(b.try_acquire(0));
    b.record(0, NUMBER_FORMAT, 0);
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert_metrics(&mut b, 0, None, 3, 3, 0, 0);
    // The ignored probe's permit came back: a fifth probe, whose failure
    // makes 1 of 4: closed.
    assert!(b.try_acquire(0));
    assert_eq!(b.record(0, RUNTIME, 0), Some(BreakerState::Closed));
    assert_reset(&mut b, 0);
}

/// CircuitBreakerStateMachineTest.shouldIgnoreExceptionsAndThenTransitionToClosed
#[test]
fn state_machine_ignores_exceptions_then_closes() {
    let mut b = state_machine_test();
    open_then_half_open(&mut b);
    for _ in 0..4 {
        assert!(b.try_acquire(0));
        b.record(0, NUMBER_FORMAT, 0);
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }
    assert_reset(&mut b, 0);
    for _ in 0..3 {
        assert!(b.try_acquire(0));
        b.record(0, OK, 0);
        assert_eq!(b.state(), BreakerState::HalfOpen);
    }
    assert_metrics(&mut b, 0, None, 3, 3, 0, 0);
    assert!(b.try_acquire(0));
    assert_eq!(b.record(0, OK, 0), Some(BreakerState::Closed));
    assert_reset(&mut b, 0);
}

/// CircuitBreakerStateMachineTest.shouldNotAllowTransitionFromClosedToHalfOpen
#[test]
fn state_machine_refuses_closed_to_half_open() {
    let mut b = state_machine_test();
    let e = b.transition_to(BreakerState::HalfOpen, 0).unwrap_err();
    assert!(e.contains("closed to half-open"), "{e}");
    assert_eq!(b.state(), BreakerState::Closed);
}

/// CircuitBreakerStateMachineTest.shouldResetMetrics
#[test]
fn state_machine_reset_forgets_the_metrics() {
    let mut b = state_machine_test();
    assert_reset(&mut b, 0);
    b.record(0, OK, 0);
    b.record(0, RUNTIME, 0);
    assert_metrics(&mut b, 0, None, 1, 2, 1, 0);
    b.transition_to(BreakerState::Closed, 0).unwrap(); // reset()
    assert_reset(&mut b, 0);
}

/// CircuitBreakerStateMachineTest.shouldResetToClosedState
#[test]
fn state_machine_reset_closes_an_open_breaker() {
    let mut b = state_machine_test();
    b.transition_to(BreakerState::Open, 0).unwrap();
    b.transition_to(BreakerState::Closed, 0).unwrap(); // reset()
    assert_eq!(b.state(), BreakerState::Closed);
    assert!(b.try_acquire(0));
}

// ---------------------------------------------------------------------------
// CircuitBreakerAutoTransitionStateMachineTest

/// CircuitBreakerAutoTransitionStateMachineTest.testAutoTransition: with the
/// automatic transition the breaker is half-open 2 s after opening with no call
/// at all, and the page's state band shows it; without it (the library's
/// default) it stays open, and so does the band.
#[test]
fn auto_transition_moves_to_half_open_without_a_call() {
    for (automatic, state, gauge) in [
        (true, BreakerState::HalfOpen, 1.0),
        (false, BreakerState::Open, 2.0),
    ] {
        let mut w = World::new(1, WorldConfig::default());
        let id = w.add_breaker(BreakerSpec {
            failure_rate_pct: 50.0,
            window: SlidingWindow::Count(5),
            min_calls: 5,
            half_open_calls: 3,
            automatic_half_open: automatic,
            open_us: 2 * SEC,
            ..BreakerSpec::new("testName")
        });
        w.transition_breaker(id, BreakerState::Open).unwrap();
        w.step(2 * SEC - 1);
        assert_eq!(w.breakers()[id.index()].state(), BreakerState::Open);
        w.step(10 * SEC);
        assert_eq!(
            w.breakers()[id.index()].state(),
            state,
            "automatic {automatic}"
        );
        let band = w.metrics().series("testName.state").unwrap();
        let last = band.get(band.first_bucket() + band.len() as u64 - 1);
        assert_eq!(last, Some(gauge), "automatic {automatic}");
        let logged = w.log().entries().any(|e| e.text.contains("half-open"));
        assert_eq!(logged, automatic);
    }
}

// ---------------------------------------------------------------------------
// CircuitBreakerMetricsTest

/// CircuitBreakerMetricsTest.testCircuitBreakerMetrics (count window of 10,
/// 10 calls minimum). The breaker opens at the tenth call, 6 of 10 failed;
/// the two calls after it, and three more, are recorded in the metrics it
/// opened with, as Resilience4j records late results while open.
#[test]
fn metrics_count_the_last_ten_calls_once_ten_are_in() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Count(10),
        min_calls: 10,
        ..BreakerSpec::new("testName")
    });
    for o in [OK, OK, RUNTIME, RUNTIME] {
        b.record(0, o, 0);
    }
    let t = b.snapshot(0);
    assert_eq!((t.calls, t.failed, t.successful()), (4, 2, 2));
    assert_eq!(b.failure_rate(0), None, "below the minimum number of calls");
    for o in [RUNTIME, RUNTIME, RUNTIME, RUNTIME, OK, OK, OK, OK] {
        b.record(0, o, 0);
    }
    // 12 calls recorded, the last 10 kept: 4 successes, 6 failures.
    let t = b.snapshot(0);
    assert_eq!((t.calls, t.failed, t.successful()), (10, 6, 4));
    assert_eq!(b.failure_rate(0), Some(60.0));
    assert_eq!(b.state(), BreakerState::Open, "thresholds exceeded");
    for _ in 0..3 {
        assert_eq!(b.record(0, OK, 0), None);
    }
    assert_eq!(b.failure_rate(0), Some(30.0));
}

// ---------------------------------------------------------------------------
// CircuitBreakerExceptionHandlingTest

/// CircuitBreakerExceptionHandlingTest.shouldRecordRuntimeExceptionAsFailureAndBusinessExceptionAsSuccess
/// (the `BusinessException` is a rejection recorded as a success).
#[test]
fn exception_handling_records_a_business_exception_as_a_success() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Count(5),
        recording: Recording {
            rejected: Counts::AsSuccess,
            ..Recording::all_failures()
        },
        ..BreakerSpec::new("testName")
    });
    assert!(b.try_acquire(0));
    b.record(0, RUNTIME, 0);
    assert!(b.try_acquire(0));
    b.record(0, Outcome::Rejected, 0);
    let t = b.snapshot(0);
    assert_eq!((t.failed, t.successful(), t.calls), (1, 1, 2));
}

/// CircuitBreakerExceptionHandlingTest.shouldRecordIOExceptionAsFailureAndBusinessExceptionAsSuccess
/// (`recordExceptions(IOException)`: the `IOException` is a timeout, the
/// `BusinessException` an error, which is then not a failure).
#[test]
fn exception_handling_records_only_the_listed_exception_as_a_failure() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Count(5),
        recording: Recording {
            error: Counts::AsSuccess,
            rejected: Counts::AsSuccess,
            timed_out: Counts::AsFailure,
        },
        ..BreakerSpec::new("testName")
    });
    b.record(0, Outcome::TimedOut, 0);
    b.record(0, Outcome::Error, 0);
    let t = b.snapshot(0);
    assert_eq!((t.failed, t.successful(), t.calls), (1, 1, 2));
}

/// CircuitBreakerExceptionHandlingTest.shouldIgnoreNumberFormatException
#[test]
fn exception_handling_ignores_an_ignored_exception() {
    let mut b = breaker(BreakerSpec {
        failure_rate_pct: 50.0,
        window: SlidingWindow::Count(5),
        open_us: 5 * SEC,
        recording: Recording {
            rejected: Counts::Ignored,
            ..Recording::all_failures()
        },
        ..BreakerSpec::new("testName")
    });
    assert!(b.try_acquire(0));
    b.record(0, RUNTIME, 0);
    assert!(b.try_acquire(0));
    b.record(0, NUMBER_FORMAT, 0);
    let t = b.snapshot(0);
    assert_eq!((t.failed, t.successful(), t.calls), (1, 0, 1));
}

// ---------------------------------------------------------------------------
// CircuitBreakerConfigTest

/// CircuitBreakerConfigTest.shouldSetDefaultSettings
#[test]
fn config_defaults_are_the_librarys() {
    let s = BreakerSpec::new("x");
    assert_eq!(s.failure_rate_pct, 50.0);
    assert_eq!(s.half_open_calls, 10);
    assert_eq!(s.window, SlidingWindow::Count(100));
    assert_eq!(s.min_calls, 100);
    assert_eq!(s.open_us, 60 * SEC);
    assert_eq!(s.recording, Recording::all_failures());
    assert_eq!(s.slow_call_rate_pct, 100.0);
    assert_eq!(s.slow_call_us, 60 * SEC);
    assert!(!s.automatic_half_open);
}

/// CircuitBreakerConfigTest.shouldReduceMinimumNumberOfCallsToSlidingWindowSize
/// (window of 5, minimum 6: the minimum is 5).
#[test]
fn config_caps_the_minimum_at_a_count_windows_size() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Count(5),
        min_calls: 6,
        ..BreakerSpec::new("x")
    });
    for _ in 0..4 {
        assert_eq!(b.record(0, RUNTIME, 0), None);
    }
    assert_eq!(b.record(0, RUNTIME, 0), Some(BreakerState::Open));
}

/// CircuitBreakerConfigTest.shouldAllowHighMinimumNumberOfCallsWhenSlidingWindowIsTimeBased
/// (a 10 s window, 100 calls minimum: not capped).
#[test]
fn config_keeps_a_high_minimum_for_a_time_window() {
    let mut b = breaker(BreakerSpec {
        window: SlidingWindow::Time { secs: 10 },
        min_calls: 100,
        ..BreakerSpec::new("x")
    });
    for _ in 0..99 {
        assert_eq!(b.record(0, RUNTIME, 0), None);
    }
    assert_eq!(b.record(0, RUNTIME, 0), Some(BreakerState::Open));
}

// ---------------------------------------------------------------------------
// CircuitBreakerThreadModeCompatibilityTest

/// CircuitBreakerThreadModeCompatibilityTest.shouldHandleStateTransitionsConsistentlyInBothModes
/// (window 2, 2 calls minimum, 50 ms open). Upstream accepts CLOSED or
/// HALF_OPEN after one success 60 ms later; with 2 of the default 10 probes
/// needed it is HALF_OPEN, and a second success closes it without the other
/// eight.
#[test]
fn thread_mode_two_failures_open_and_a_later_success_probes() {
    let mut b = breaker(BreakerSpec {
        failure_rate_pct: 50.0,
        open_us: 50 * MS,
        window: SlidingWindow::Count(2),
        min_calls: 2,
        ..BreakerSpec::new("x")
    });
    assert_eq!(b.state(), BreakerState::Closed);
    for _ in 0..2 {
        assert!(b.try_acquire(0));
        b.record(0, RUNTIME, 0);
    }
    assert_eq!(b.state(), BreakerState::Open);
    assert!(b.try_acquire(60 * MS));
    b.record(60 * MS, OK, 0);
    assert_eq!(b.state(), BreakerState::HalfOpen);
    assert!(b.try_acquire(61 * MS));
    assert_eq!(b.record(61 * MS, OK, 0), Some(BreakerState::Closed));
}

// ---------------------------------------------------------------------------
// FixedSizeSlidingWindowMetricsTest and SlidingTimeWindowMetricsTest

const COUNT_5: SlidingWindow = SlidingWindow::Count(5);
const TIME_5: SlidingWindow = SlidingWindow::Time { secs: 5 };

/// (calls, successful, failed, slow, slow successful, slow failed, total ms, mean ms).
fn counts(t: Tally) -> (u32, u32, u32, u32, u32, u32, u64, u64) {
    (
        t.calls,
        t.successful(),
        t.failed,
        t.slow,
        t.slow_successful(),
        t.slow_failed,
        t.duration_us / MS,
        t.mean_duration_us() / MS,
    )
}

fn check_initial(kind: SlidingWindow) {
    let mut w = OutcomeWindow::new(kind);
    let t = w.snapshot(0);
    assert_eq!(counts(t), (0, 0, 0, 0, 0, 0, 0, 0));
    assert_eq!(t.failure_rate(), 0.0);
}

/// FixedSizeSlidingWindowMetricsTest.checkInitialBucketCreation
#[test]
fn count_window_starts_empty() {
    check_initial(COUNT_5);
}

/// SlidingTimeWindowMetricsTest.checkInitialBucketCreation
#[test]
fn time_window_starts_empty() {
    check_initial(TIME_5);
}

fn record_one(kind: SlidingWindow, failed: bool, slow: bool) -> Tally {
    OutcomeWindow::new(kind).record(0, failed, slow, 100 * MS)
}

/// FixedSizeSlidingWindowMetricsTest.testRecordSuccess
#[test]
fn count_window_records_a_success() {
    let t = record_one(COUNT_5, false, false);
    assert_eq!(counts(t), (1, 1, 0, 0, 0, 0, 100, 100));
    assert_eq!(t.failure_rate(), 0.0);
}

/// SlidingTimeWindowMetricsTest.testRecordSuccess
#[test]
fn time_window_records_a_success() {
    let t = record_one(TIME_5, false, false);
    assert_eq!(counts(t), (1, 1, 0, 0, 0, 0, 100, 100));
    assert_eq!(t.failure_rate(), 0.0);
}

/// FixedSizeSlidingWindowMetricsTest.testRecordError
#[test]
fn count_window_records_an_error() {
    let t = record_one(COUNT_5, true, false);
    assert_eq!(counts(t), (1, 0, 1, 0, 0, 0, 100, 100));
    assert_eq!(t.failure_rate(), 100.0);
}

/// SlidingTimeWindowMetricsTest.testRecordError
#[test]
fn time_window_records_an_error() {
    let t = record_one(TIME_5, true, false);
    assert_eq!(counts(t), (1, 0, 1, 0, 0, 0, 100, 100));
    assert_eq!(t.failure_rate(), 100.0);
}

/// FixedSizeSlidingWindowMetricsTest.testRecordSlowSuccess
#[test]
fn count_window_records_a_slow_success() {
    let t = record_one(COUNT_5, false, true);
    assert_eq!(counts(t), (1, 1, 0, 1, 1, 0, 100, 100));
    assert_eq!(t.failure_rate(), 0.0);
}

/// SlidingTimeWindowMetricsTest.testRecordSlowSuccess
#[test]
fn time_window_records_a_slow_success() {
    let t = record_one(TIME_5, false, true);
    assert_eq!(counts(t), (1, 1, 0, 1, 1, 0, 100, 100));
    assert_eq!(t.failure_rate(), 0.0);
}

fn slow_calls_percentage(kind: SlidingWindow) {
    let mut w = OutcomeWindow::new(kind);
    w.record(0, false, true, 10_000 * MS);
    w.record(0, true, true, 10_000 * MS);
    for _ in 0..3 {
        w.record(0, false, false, 100 * MS);
    }
    let t = w.snapshot(0);
    assert_eq!(
        (
            t.calls,
            t.successful(),
            t.slow,
            t.slow_successful(),
            t.slow_failed
        ),
        (5, 4, 2, 1, 1)
    );
    assert_eq!(
        (t.duration_us / MS, t.mean_duration_us() / MS),
        (20_300, 4_060)
    );
    assert_eq!(t.slow_call_rate(), 40.0);
}

/// FixedSizeSlidingWindowMetricsTest.testSlowCallsPercentage
#[test]
fn count_window_slow_calls_percentage() {
    slow_calls_percentage(COUNT_5);
}

/// SlidingTimeWindowMetricsTest.testSlowCallsPercentage
#[test]
fn time_window_slow_calls_percentage() {
    slow_calls_percentage(TIME_5);
}

/// FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetrics (size 4)
#[test]
fn count_window_of_four_slides() {
    let mut w = OutcomeWindow::new(SlidingWindow::Count(4));
    // (failed, calls, successful, failures, total ms, failure rate)
    let steps = [
        (true, 1, 0, 1, 100, 100.0),
        (false, 2, 1, 1, 200, 50.0),
        (false, 3, 2, 1, 300, 100.0 / 3.0),
        (false, 4, 3, 1, 400, 25.0),
        (false, 4, 4, 0, 400, 0.0),
    ];
    for (failed, calls, ok, fails, total_ms, rate) in steps {
        let t = w.record(0, failed, false, 100 * MS);
        assert_eq!((t.calls, t.successful(), t.failed), (calls, ok, fails));
        assert_eq!(
            (t.duration_us / MS, t.mean_duration_us() / MS),
            (total_ms, 100)
        );
        assert!(
            (t.failure_rate() - rate).abs() < 1e-4,
            "{}",
            t.failure_rate()
        );
    }
}

/// FixedSizeSlidingWindowMetricsTest.testSlidingWindowMetricsWithSlowCalls (size 2)
#[test]
fn count_window_of_two_slides_slow_calls_out() {
    let mut w = OutcomeWindow::new(SlidingWindow::Count(2));
    // (failed, slow) → counts
    let steps = [
        ((true, true), (1, 0, 1, 1, 0, 1, 100, 100)),
        ((false, true), (2, 1, 1, 2, 1, 1, 200, 100)),
        ((false, false), (2, 2, 0, 1, 1, 0, 200, 100)),
        ((false, false), (2, 2, 0, 0, 0, 0, 200, 100)),
        ((false, false), (2, 2, 0, 0, 0, 0, 200, 100)),
    ];
    let rates = [100.0, 50.0, 0.0, 0.0, 0.0];
    for (((failed, slow), want), rate) in steps.into_iter().zip(rates) {
        let t = w.record(0, failed, slow, 100 * MS);
        assert_eq!(counts(t), want);
        assert_eq!(t.failure_rate(), rate);
    }
}

/// SlidingTimeWindowMetricsTest.shouldClearSlidingTimeWindowMetrics
#[test]
fn time_window_clears_after_its_length() {
    let mut w = OutcomeWindow::new(TIME_5);
    let t = w.record(0, true, false, 100 * MS);
    assert_eq!((t.calls, t.successful(), t.failed), (1, 0, 1));
    assert_eq!((t.duration_us / MS, t.failure_rate()), (100, 100.0));
    let t = w.record(100 * MS, false, false, 100 * MS);
    assert_eq!((t.calls, t.successful(), t.failed), (2, 1, 1));
    assert_eq!((t.duration_us / MS, t.failure_rate()), (200, 50.0));
    let t = w.record(800 * MS, true, true, 1_000 * MS);
    assert_eq!(
        (t.calls, t.successful(), t.failed, t.slow_failed),
        (3, 1, 2, 1)
    );
    assert_eq!(
        (t.duration_us / MS, t.mean_duration_us() / MS),
        (1_200, 400)
    );
    // 4 s later everything is still in the 5 s window, a second later gone.
    let t = w.snapshot(4_800 * MS);
    assert_eq!(
        (t.calls, t.successful(), t.failed, t.slow_failed),
        (3, 1, 2, 1)
    );
    assert_eq!(
        (t.duration_us / MS, t.mean_duration_us() / MS),
        (1_200, 400)
    );
    let t = w.snapshot(5_800 * MS);
    assert_eq!(counts(t), (0, 0, 0, 0, 0, 0, 0, 0));
    assert_eq!(t.failure_rate(), 0.0);
    let t = w.record(5_900 * MS, false, false, 100 * MS);
    assert_eq!(counts(t), (1, 1, 0, 0, 0, 0, 100, 100));
    let t = w.record(10_900 * MS, false, false, 100 * MS);
    assert_eq!(counts(t), (1, 1, 0, 0, 0, 0, 100, 100));
    assert_eq!(t.failure_rate(), 0.0);
}

/// SlidingTimeWindowMetricsTest.testSlidingTimeWindowMetrics
#[test]
fn time_window_slides_second_by_second() {
    let mut w = OutcomeWindow::new(TIME_5);
    // (at ms, failed) → (calls, successful, failed); 100 ms each.
    let steps = [
        ((0, true), (1, 0, 1)),
        ((100, false), (2, 1, 1)),
        ((200, false), (3, 2, 1)),
        ((1_200, false), (4, 3, 1)),
        ((2_200, false), (5, 4, 1)),
        ((3_200, true), (6, 4, 2)),
        ((4_200, false), (7, 5, 2)),
        ((5_200, false), (5, 4, 1)),
        ((6_200, false), (5, 4, 1)),
        ((11_200, false), (1, 1, 0)),
    ];
    for ((at_ms, failed), want) in steps {
        let t = w.record(at_ms * MS, failed, false, 100 * MS);
        assert_eq!((t.calls, t.successful(), t.failed), want, "at {at_ms} ms");
        assert_eq!(t.duration_us, t.calls as u64 * 100 * MS);
    }
}

// ---------------------------------------------------------------------------
// SemaphoreBulkheadTest

fn bulkhead(spec: BulkheadSpec) -> Bulkhead {
    let mut w = World::new(1, WorldConfig::default());
    w.add_bulkhead(spec);
    w.bulkheads()[0].clone()
}

/// Callers that ask for permits (threads, upstream).
fn callers(n: usize) -> Vec<ReqRef> {
    let mut w = World::new(1, WorldConfig::default());
    let s = w.add_service(ServiceSpec::new("caller", 1, 1));
    let h = w.add_handler(Handler::new("call", s, vec![]));
    let mut slab = Requests::default();
    (0..n)
        .map(|_| {
            slab.insert(Request {
                origin: Origin::Detached,
                class: 0,
                weight: 1,
                attempt: 1,
                born_us: 0,
                attempt_start_us: 0,
                service: s,
                pod: 0,
                pool: 0,
                handler: h,
                step: 0,
                holds_worker: false,
                queued_at_us: 0,
                wait_token: 0,
                key: 0,
                body: 0,
                call: Default::default(),
            })
        })
        .collect()
}

/// SemaphoreBulkheadTest.shouldHandleBasicBulkheadOperationsInBothThreadModes
/// (2 permits, no wait).
#[test]
fn bulkhead_permits_releases_and_permits_again() {
    let mut b = bulkhead(BulkheadSpec::new("test", 2));
    let c = callers(4);
    assert_eq!(b.acquire(c[0], 0), Admission::Granted);
    assert_eq!(b.acquire(c[1], 0), Admission::Granted);
    assert_eq!(b.available(), 0);
    assert_eq!(b.acquire(c[2], 0), Admission::Refused);
    assert!(b.release().is_empty());
    assert_eq!(b.available(), 1);
    assert!(b.release().is_empty());
    assert_eq!(b.available(), 2);
    assert_eq!(b.acquire(c[3], 0), Admission::Granted);
}

/// SemaphoreBulkheadTest.testCreateWithDefaults
#[test]
fn bulkhead_defaults_are_the_librarys() {
    let s = BulkheadSpec::defaults("test");
    assert_eq!((s.max_concurrent, s.max_wait_us), (25, 0));
}

/// SemaphoreBulkheadTest.testZeroMaxConcurrentCalls
#[test]
fn bulkhead_of_zero_permits_refuses() {
    let mut b = bulkhead(BulkheadSpec::new("test", 0));
    assert_eq!(b.acquire(callers(1)[0], 0), Admission::Refused);
}

/// SemaphoreBulkheadTest.testEntryTimeout (1 permit, 10 ms wait): the second
/// caller waits; when its wait is over the world takes it out of the line
/// and refuses it, and the permit stays with the first.
#[test]
fn bulkhead_entry_times_out() {
    let mut b = bulkhead(BulkheadSpec::new("test", 1).max_wait_us(10 * MS));
    let c = callers(2);
    assert_eq!(b.acquire(c[0], 0), Admission::Granted);
    assert_eq!(b.acquire(c[1], 0), Admission::Waiting);
    assert!(b.leave(c[1]));
    assert_eq!((b.waiting(), b.in_use()), (0, 1));
}

/// SemaphoreBulkheadTest.changePermissionsInIdleState
#[test]
fn bulkhead_permissions_change_while_idle() {
    let mut w = World::new(1, WorldConfig::default());
    let id = w.add_bulkhead(BulkheadSpec::new("test", 3).max_wait_us(5 * SEC));
    let spec = |w: &World| {
        let s = &w.bulkheads()[id.index()].spec;
        (s.max_concurrent, s.max_wait_us)
    };
    assert_eq!(spec(&w), (3, 5 * SEC));
    w.set_bulkhead(id, 5, 5 * SEC);
    assert_eq!(spec(&w), (5, 5 * SEC));
    w.set_bulkhead(id, 2, 5 * SEC);
    assert_eq!(spec(&w), (2, 5 * SEC));
    assert_eq!(w.bulkheads()[id.index()].available(), 2);
}

/// SemaphoreBulkheadTest.changeWaitTimeInIdleState
#[test]
fn bulkhead_wait_changes_while_idle() {
    let mut w = World::new(1, WorldConfig::default());
    let id = w.add_bulkhead(BulkheadSpec::new("test", 3).max_wait_us(5 * SEC));
    w.set_bulkhead(id, 3, 3 * SEC);
    assert_eq!(w.bulkheads()[id.index()].spec.max_wait_us, 3 * SEC);
    w.set_bulkhead(id, 3, 7 * SEC);
    let s = &w.bulkheads()[id.index()].spec;
    assert_eq!((s.max_concurrent, s.max_wait_us), (3, 7 * SEC));
}

/// SemaphoreBulkheadTest.changePermissionsCountWhileOneThreadIsRunningWithThisPermission
#[test]
fn bulkhead_permissions_change_while_a_permit_is_held() {
    let mut b = bulkhead(BulkheadSpec::new("test", 1));
    let c = callers(4);
    assert_eq!(b.available(), 1);
    assert_eq!(b.acquire(c[0], 0), Admission::Granted); // the running thread
    assert_eq!(b.available(), 0);
    assert_eq!(b.acquire(c[1], 0), Admission::Refused);
    b.spec.max_concurrent = 2;
    assert_eq!(b.available(), 1);
    assert_eq!(b.acquire(c[2], 0), Admission::Granted);
    assert_eq!(b.available(), 0);
    assert_eq!(b.acquire(c[3], 0), Admission::Refused);
    // Back to one permit while two are held: none free until both return.
    b.spec.max_concurrent = 1;
    assert_eq!(b.available(), 0);
    b.release(); // the running thread ends
    assert_eq!((b.available(), b.spec.max_concurrent), (0, 1));
    b.release();
    assert_eq!((b.available(), b.spec.max_concurrent), (1, 1));
}

/// SemaphoreBulkheadTest.changePermissionsCountWhileOneThreadIsWaitingForPermission
#[test]
fn bulkhead_more_permits_serve_a_waiting_caller() {
    let mut b = bulkhead(BulkheadSpec::new("test", 1).max_wait_us(500 * SEC));
    let c = callers(2);
    assert_eq!(b.available(), 1);
    assert_eq!(b.acquire(c[0], 0), Admission::Granted);
    assert_eq!(b.available(), 0);
    assert_eq!(b.acquire(c[1], 7), Admission::Waiting);
    assert_eq!(b.available(), 0);
    b.spec.max_concurrent = 2;
    assert_eq!(b.grant_waiters(), vec![(c[1], 7)]);
    b.release(); // the waiting thread ran and ended
    assert_eq!((b.spec.max_concurrent, b.available()), (2, 1));
}

/// SemaphoreBulkheadTest.changeWaitingTimeWhileOneThreadIsWaitingForPermission
#[test]
fn bulkhead_a_shorter_wait_refuses_newcomers_but_keeps_the_waiter() {
    let mut b = bulkhead(BulkheadSpec::new("test", 1).max_wait_us(500 * SEC));
    let c = callers(3);
    assert_eq!(b.acquire(c[0], 0), Admission::Granted);
    assert_eq!(b.acquire(c[1], 0), Admission::Waiting);
    b.spec.max_wait_us = 0;
    assert_eq!(b.acquire(c[2], 0), Admission::Refused, "not blocked");
    assert_eq!(b.waiting(), 1, "the earlier caller still waits");
}

// ---------------------------------------------------------------------------
// IntervalFunctionTest

/// `IntervalFunction.ofRandomized(i, f)`: a randomised interval that does not
/// grow, Resilience4j's arithmetic with multiplier 1.
fn randomized(i_ms: u64, f: f64) -> Backoff {
    Backoff::ExponentialRandom {
        initial_us: i_ms * MS,
        multiplier: 1.0,
        randomization: f,
        cap_us: None,
    }
}

fn random_exp(i_ms: u64, m: f64, f: f64, cap_ms: Option<u64>) -> Backoff {
    Backoff::ExponentialRandom {
        initial_us: i_ms * MS,
        multiplier: m,
        randomization: f,
        cap_us: cap_ms.map(|c| c * MS),
    }
}

fn exp(i_ms: u64, m: f64, cap_ms: u64) -> Backoff {
    Backoff::Exponential {
        base_us: i_ms * MS,
        cap_us: cap_ms * MS,
        multiplier: m,
        jitter: Jitter::None,
    }
}

/// The waits before attempts 1 + 1 ..= n + 1 (`apply(1)` ..= `apply(n)`), in ms.
fn intervals(b: Backoff, n: u16, rng: &mut SimRng) -> Vec<u64> {
    let p = RetryPolicy::new(n + 1, b);
    (0..n).map(|k| p.wait_us(k, 0, rng) / MS).collect()
}

/// IntervalFunctionTest.shouldRejectNonPositiveDuration
#[test]
fn interval_function_rejects_an_interval_under_one_ms() {
    let bad = [
        Backoff::Fixed { delay_us: 0 },
        exp(100, 1.0, 0),
        random_exp(100, 1.0, 0.5, Some(0)),
        random_exp(0, 1.0, 0.5, None),
    ];
    for b in bad {
        assert!(b.check().is_err(), "{b:?}");
    }
}

/// IntervalFunctionTest.shouldPassPositiveDuration
#[test]
fn interval_function_takes_positive_intervals() {
    for ms in [10, 99, 981] {
        let ok = [
            Backoff::Fixed { delay_us: ms * MS },
            randomized(ms, 0.5),
            exp(ms, 1.5, 60_000),
            Backoff::exponential_random(ms * MS),
            exp(ms, 1.0, ms),
            random_exp(ms, 1.0, 0.5, Some(ms)),
        ];
        for b in ok {
            assert_eq!(b.check(), Ok(()), "{b:?}");
        }
    }
}

/// IntervalFunctionTest.shouldRejectOutOfBoundsRandomizationFactor
#[test]
fn interval_function_rejects_a_factor_outside_zero_to_one() {
    for f in [-0.0001, 1.0001] {
        assert!(randomized(100, f).check().is_err(), "{f}");
    }
}

/// IntervalFunctionTest.shouldPassPositiveRandomizationFactor
#[test]
fn interval_function_takes_factors_from_zero_to_one() {
    for f in [0.0, 0.1, 0.25, 0.5, 0.75, 1.0] {
        assert_eq!(randomized(100, f).check(), Ok(()));
        assert_eq!(random_exp(100, 1.5, f, None).check(), Ok(()));
    }
}

/// IntervalFunctionTest.shouldPassPositiveMultiplier
#[test]
fn interval_function_takes_a_multiplier_just_above_one() {
    assert_eq!(exp(100, 1.0001, 60_000).check(), Ok(()));
    assert_eq!(random_exp(100, 1.0001, 0.5, None).check(), Ok(()));
}

/// IntervalFunctionTest.generatesRandomizedIntervals
#[test]
fn interval_function_randomizes_within_half_either_way() {
    let waits = intervals(randomized(100, 0.5), 49, &mut SimRng::new(1));
    assert!(waits.iter().all(|w| (50..=150).contains(w)), "{waits:?}");
}

/// IntervalFunctionTest.generatesExponentialIntervals, with the library's
/// arithmetic (factor 0) and with the AWS-style exponential.
#[test]
fn interval_function_grows_exponentially() {
    let mut rng = SimRng::new(1);
    for b in [
        random_exp(100, 1.5, 0.0, None),
        exp(100, 1.5, u64::MAX / MS),
    ] {
        let waits = intervals(b, 49, &mut rng);
        assert!(waits.windows(2).all(|p| p[1] > p[0]), "{waits:?}");
    }
}

/// IntervalFunctionTest.generatesCappedExponentialIntervals
#[test]
fn interval_function_grows_up_to_its_cap() {
    let mut rng = SimRng::new(1);
    for b in [
        random_exp(100, 2.0, 0.0, Some(100_000)),
        exp(100, 2.0, 100_000),
    ] {
        let waits = intervals(b, 13, &mut rng);
        assert!(waits[..11].windows(2).all(|p| p[1] > p[0]), "{waits:?}");
        assert_eq!((waits[11], waits[12]), (100_000, 100_000));
    }
}

/// IntervalFunctionTest.generatesExponentialRandomIntervals
#[test]
fn interval_function_randomizes_an_exponential() {
    let waits = intervals(random_exp(100, 1.5, 0.5, None), 49, &mut SimRng::new(2));
    let mut expected: u64 = 100;
    for w in waits {
        let (lo, hi) = (
            (expected as f64 * 0.5) as u64 - 1,
            (expected as f64 * 1.5) as u64 + 1,
        );
        assert!((lo..=hi).contains(&w), "{w} not in {lo}..={hi}");
        expected = (expected as f64 * 1.5) as u64;
    }
}

/// IntervalFunctionTest.generatesCappedExponentialRandomIntervals
#[test]
fn interval_function_caps_a_randomized_exponential() {
    let waits = intervals(
        random_exp(100, 1.5, 0.5, Some(100_000)),
        49,
        &mut SimRng::new(3),
    );
    let mut expected: u64 = 100;
    for w in waits {
        let lo = (expected as f64 * 0.5) as u64 - 1;
        let hi = (expected as f64 * 1.5) as u64 + 1;
        assert!(w == 100_000 || (lo..=hi).contains(&w), "{w}");
        assert!(w <= 100_000);
        expected = (expected as f64 * 1.5) as u64;
    }
}

// ---------------------------------------------------------------------------
// SupplierRetryTest, in a world: a caller whose every request makes one call,
// to a callee that answers at once.

struct RetryRun {
    attempts: f64,
    calls: f64,
    ok: u64,
    failed: u64,
    exhausted: f64,
    /// The longest and the mean client latency, in ms (the waits: nothing else
    /// takes time).
    max_ms: f64,
    mean_ms: f64,
}

/// What the callee (`helloWorldService.returnHelloWorld()`) does.
#[derive(Clone, Copy)]
enum Callee {
    /// Returns "Hello world".
    Answers,
    /// Throws a `HelloWorldException` (an error answer), every time.
    AlwaysFails,
    /// Throws the first time a request's key is seen, answers after (it
    /// remembers the key).
    FailsOnce,
}

fn retry_run(policy: RetryPolicy, callee: Callee) -> RetryRun {
    let mut w = World::new(1, WorldConfig::default());
    let api = w.add_service(ServiceSpec::new("api", 1, 1_000));
    let backend = w.add_service(ServiceSpec::new("backend", 1, 1_000));
    let keys = w.add_kv_store("seen", 1_000_000);
    let steps = match callee {
        Callee::Answers => vec![],
        Callee::AlwaysFails => vec![Step::FailWith { p: 1.0 }],
        Callee::FailsOnce => vec![
            Step::SetNx {
                store: keys,
                ttl_us: HOUR,
                on_duplicate: OnDuplicate::ReplyOk,
            },
            Step::FailWith { p: 1.0 },
        ],
    };
    let bh = w.add_handler(Handler::new("hello", backend, steps));
    let retry = w.add_retry("id", policy);
    let page = w.add_handler(Handler::new(
        "page",
        api,
        vec![Step::Call(CallSpec::new(backend, bh).retry(retry))],
    ));
    let users = w.add_client(ClientSpec::new("users", 20.0, api, page));
    w.step(10 * SEC);
    w.set_client_rate(users, 0.0);
    w.step(30 * SEC);
    let l = w.ledger();
    assert!(l.balances() && l.in_flight == 0, "{l:?}");
    let m = &w.metrics();
    let lat = m.series_histogram("users.latency").unwrap();
    RetryRun {
        attempts: m.counter_total("id.attempts"),
        calls: m.counter_total("users.arrived"),
        ok: l.succeeded,
        failed: l.failed,
        exhausted: m.counter_total("id.exhausted"),
        max_ms: lat.max().unwrap() as f64 / 1e3,
        mean_ms: lat.mean().unwrap() / 1e3,
    }
}

/// Every call made `n` attempts and waited `waited_ms` in all.
fn assert_attempts(r: &RetryRun, n: f64, waited_ms: f64) {
    assert!(r.calls > 100.0);
    assert_eq!(r.attempts, n * r.calls, "attempts per call");
    assert_eq!((r.max_ms, r.mean_ms), (waited_ms, waited_ms), "waits");
}

/// SupplierRetryTest.shouldNotRetry (`Retry.ofDefaults`)
#[test]
fn retry_does_not_retry_a_success() {
    let r = retry_run(RetryPolicy::default(), Callee::Answers);
    assert_attempts(&r, 1.0, 0.0);
    assert_eq!(r.ok as f64, r.calls);
}

/// SupplierRetryTest.shouldReturnSuccessfullyAfterSecondAttempt
#[test]
fn retry_succeeds_on_the_second_attempt_after_the_default_wait() {
    let r = retry_run(RetryPolicy::default(), Callee::FailsOnce);
    assert_attempts(&r, 2.0, 500.0);
    assert_eq!(r.ok as f64, r.calls);
}

/// SupplierRetryTest.shouldReturnAfterThreeAttempts
#[test]
fn retry_gives_up_after_three_attempts_and_two_waits() {
    let r = retry_run(RetryPolicy::default(), Callee::AlwaysFails);
    assert_attempts(&r, 3.0, 1_000.0);
    assert_eq!(r.failed as f64, r.calls);
    assert_eq!(r.exhausted, r.calls);
}

/// SupplierRetryTest.shouldReturnAfterOneAttempt (`maxAttempts(1)`)
#[test]
fn retry_with_one_attempt_does_not_retry() {
    let policy = RetryPolicy {
        max_attempts: 1,
        ..RetryPolicy::default()
    };
    let r = retry_run(policy, Callee::AlwaysFails);
    assert_attempts(&r, 1.0, 0.0);
    assert_eq!(r.failed as f64, r.calls);
}

/// SupplierRetryTest.shouldReturnAfterOneAttemptAndIgnoreException (the
/// `HelloWorldException`, an error answer, is not retried).
#[test]
fn retry_does_not_retry_an_ignored_exception() {
    let policy = RetryPolicy::default().retry_on(RetryOn {
        error: false,
        ..RetryOn::all()
    });
    let r = retry_run(policy, Callee::AlwaysFails);
    assert_attempts(&r, 1.0, 0.0);
    assert_eq!(r.failed as f64, r.calls);
    assert_eq!(r.exhausted, 0.0, "rethrown at once, not exhausted");
}

/// SupplierRetryTest.shouldTakeIntoAccountBackoffFunction
/// (`IntervalFunction.ofExponentialBackoff(500, 2.0)`).
#[test]
fn retry_waits_by_its_backoff_function() {
    let policy = RetryPolicy::new(3, random_exp(500, 2.0, 0.0, None));
    let r = retry_run(policy, Callee::AlwaysFails);
    assert_attempts(&r, 3.0, 500.0 + 1_000.0);
}
