//! The circuit breaker's parameters, written once for every scenario that has
//! a breaker: the same names, labels, units and help in each, each scenario
//! giving only its defaults and ranges, and one way to read them into a
//! [`BreakerSpec`].

use crate::sim::{BreakerSpec, SlidingWindow, MS, SEC};

use super::params::Params;
use super::schema::ParamSpec;

/// What the breaker's `cb_window` counts.
#[derive(Clone, Copy)]
pub enum WindowKind {
    /// The last N calls (a count-based sliding window).
    Calls,
    /// The calls of the last N seconds (a time-based sliding window).
    Seconds,
}

/// True for the parameters read by [`spec`].
pub fn is_breaker_param(name: &str) -> bool {
    matches!(
        name,
        "cb_failure_rate"
            | "cb_window"
            | "cb_min_calls"
            | "cb_open_s"
            | "cb_half_open_calls"
            | "cb_slow_call_ms"
    )
}

/// `cb_failure_rate`: the failure share that opens the breaker, in %.
pub const fn failure_rate(default: f64) -> ParamSpec {
    ParamSpec::number(
        "cb_failure_rate",
        "Breaker failure rate",
        "%",
        default,
        1.0,
        100.0,
        "The breaker opens when this share of the calls in its window failed.",
    )
    .advanced()
}

/// `cb_window`: what the breaker remembers, in calls or seconds.
pub const fn window(kind: WindowKind, default: f64, max: f64) -> ParamSpec {
    match kind {
        WindowKind::Calls => ParamSpec::number(
            "cb_window",
            "Breaker window",
            "calls",
            default,
            1.0,
            max,
            "Calls the breaker remembers (count-based sliding window).",
        ),
        WindowKind::Seconds => ParamSpec::number(
            "cb_window",
            "Breaker window",
            "s",
            default,
            1.0,
            max,
            "Seconds of calls the breaker remembers (time-based sliding window).",
        ),
    }
    .integer()
    .advanced()
}

/// `cb_min_calls`: calls the window holds before the breaker judges.
pub const fn min_calls(default: f64, max: f64) -> ParamSpec {
    ParamSpec::number(
        "cb_min_calls",
        "Breaker minimum calls",
        "calls",
        default,
        1.0,
        max,
        "Calls the window must hold before the breaker judges.",
    )
    .integer()
    .advanced()
}

/// `cb_open_s`: how long the breaker stays open.
pub const fn open_s(default: f64) -> ParamSpec {
    ParamSpec::number("cb_open_s", "Breaker open wait", "s", default, 0.1, 600.0, "How long the breaker stays open; the first call after it moves the breaker to half-open (Resilience4j's default), so with no calls it stays open.").advanced()
}

/// `cb_half_open_calls`: probes let through in half-open.
pub const fn half_open_calls(default: f64, max: f64) -> ParamSpec {
    ParamSpec::number("cb_half_open_calls", "Breaker probes", "calls", default, 1.0, max, "Calls let through in half-open; it closes or re-opens as soon as the smaller of this and the minimum calls have answered.").integer().advanced()
}

/// `cb_slow_call_ms`: the duration above which a call is slow.
pub const fn slow_call_ms(default: f64) -> ParamSpec {
    ParamSpec::number(
        "cb_slow_call_ms",
        "Breaker slow call",
        "ms",
        default,
        1.0,
        120_000.0,
        "A call taking longer than this is slow; all slow opens the breaker.",
    )
    .advanced()
}

/// The breaker `name` as the parameters set it (Resilience4j's defaults for
/// the rest, a slow-call rate of 100 % among them).
pub fn spec(p: &Params, name: &str, kind: WindowKind) -> BreakerSpec {
    let n = p.f("cb_window") as u32;
    BreakerSpec {
        failure_rate_pct: p.f("cb_failure_rate"),
        slow_call_us: (p.f("cb_slow_call_ms") * MS as f64) as u64,
        window: match kind {
            WindowKind::Calls => SlidingWindow::Count(n),
            WindowKind::Seconds => SlidingWindow::Time { secs: n },
        },
        min_calls: p.f("cb_min_calls") as u32,
        open_us: (p.f("cb_open_s") * SEC as f64) as u64,
        half_open_calls: p.f("cb_half_open_calls") as u32,
        ..BreakerSpec::new(name)
    }
}
