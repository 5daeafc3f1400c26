//! Simulated time: integer microseconds since the start of a run.
//!
//! Integers, not floats, so that two runs that add the same durations reach the
//! same instant bit for bit, and so that the event queue's order is exact.

/// A point in simulated time or a duration, in microseconds.
pub type Micros = u64;

/// Microseconds in one millisecond.
pub const MS: Micros = 1_000;
/// Microseconds in one second.
pub const SEC: Micros = 1_000_000;
/// Microseconds in one minute.
pub const MIN: Micros = 60 * SEC;
/// Microseconds in one hour.
pub const HOUR: Micros = 60 * MIN;
/// Microseconds in one day.
pub const DAY: Micros = 24 * HOUR;

/// Converts milliseconds (possibly fractional) to microseconds, rounding to nearest.
pub fn from_ms(ms: f64) -> Micros {
    debug_assert!(ms >= 0.0, "negative duration {ms} ms");
    (ms * 1_000.0).round().max(0.0) as Micros
}

/// Converts seconds (possibly fractional) to microseconds, rounding to nearest.
pub fn from_secs(s: f64) -> Micros {
    debug_assert!(s >= 0.0, "negative duration {s} s");
    (s * 1_000_000.0).round().max(0.0) as Micros
}

/// Microseconds as fractional milliseconds.
pub fn as_ms(us: Micros) -> f64 {
    us as f64 / 1_000.0
}

/// Microseconds as fractional seconds.
pub fn as_secs(us: Micros) -> f64 {
    us as f64 / 1_000_000.0
}

/// `us as f64` by the signed conversion, which on x86-64 is one instruction
/// where the unsigned one is several; the metrics convert a duration every
/// time a gauge moves or a latency is recorded. The same value for every `us`
/// below 2^63 µs (292,000 years), which every time and duration of a run is.
#[inline(always)]
pub(crate) fn to_f64(us: Micros) -> f64 {
    debug_assert!(us <= i64::MAX as Micros, "{us} µs");
    us as i64 as f64
}
