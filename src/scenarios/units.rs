//! The unit of every headline figure, read from its key.
//!
//! Headline keys follow one naming rule, so the key itself says what the
//! number is: a time ends in its unit (`_ms`, `_s`, `_h`), a rate in what it
//! counts per (`_rps`, `_per_s`, `_per_min`), a share of a whole is a `rate`,
//! `ratio`, `share`, `utilization`, `cpu` or `success` (a fraction from 0 to
//! 1), a `throughput` is per second, and a count ends in the plural noun it
//! counts, or names it before `during` or `after` (`errors_during_partition`). [`unit_of`] answers
//! `None` for a key that follows none of these, and the catalogue's contract
//! test (`tests/catalogue.rs`) fails on such a key, so every figure a person
//! reads has a unit.

/// What a headline number is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Milliseconds,
    Seconds,
    Hours,
    /// Things per second (requests, transactions, calls).
    PerSecond,
    PerMinute,
    /// A rate of change of memory; may be negative.
    MegabytesPerHour,
    /// A share of a whole, from 0 to 1 (shown as a percentage).
    Fraction,
    /// A multiple of a reference load (shown as `2.4×`).
    Multiple,
    /// Whole things counted (kills, retries, pods).
    Count,
    /// A mean number of things (requests in the system, rows per query).
    Mean,
}

impl Unit {
    /// The symbol shown after the number.
    pub fn symbol(self) -> &'static str {
        match self {
            Unit::Milliseconds => "ms",
            Unit::Seconds => "s",
            Unit::Hours => "h",
            Unit::PerSecond => "/s",
            Unit::PerMinute => "/min",
            Unit::MegabytesPerHour => "MB/h",
            Unit::Fraction => "%",
            Unit::Multiple => "×",
            Unit::Count | Unit::Mean => "",
        }
    }

    /// From the value to what is shown (100 for a fraction as a percentage).
    pub fn scale(self) -> f64 {
        match self {
            Unit::Fraction => 100.0,
            _ => 1.0,
        }
    }

    /// True when the figure is a whole number (printed without decimals).
    pub fn whole(self) -> bool {
        self == Unit::Count
    }

    /// True when a negative value is meaningful (a falling trend).
    pub fn signed(self) -> bool {
        self == Unit::MegabytesPerHour
    }
}

/// Nouns a count may end in.
const COUNTED: &[&str] = &[
    "acked",
    "added",
    "busy",
    "changes",
    "charges",
    "deadlocks",
    "duplicates",
    "errors",
    "end",
    "entries",
    "events",
    "flight",
    "found",
    "kills",
    "lost",
    "mismatches",
    "opened",
    "redeliveries",
    "releases",
    "rejected",
    "restarts",
    "retries",
    "tx",
    "writes",
];

/// Words that make a figure a share of a whole.
const SHARES: &[&str] = &["rate", "ratio", "share", "utilization", "cpu", "success"];

/// Key endings that name a unit, longest first where one ends another.
const SUFFIXES: &[(&str, Unit)] = &[
    ("_mb_per_h", Unit::MegabytesPerHour),
    ("_per_min", Unit::PerMinute),
    ("_per_s", Unit::PerSecond),
    ("_rps", Unit::PerSecond),
    ("_tps", Unit::PerSecond),
    ("_ms", Unit::Milliseconds),
    ("_s", Unit::Seconds),
    ("_h", Unit::Hours),
];

/// Headline key `key` without the ending that names its unit
/// (`p99_latency_ms` → `p99_latency`); the whole key when no ending does.
pub fn stem(key: &str) -> &str {
    SUFFIXES
        .iter()
        .find_map(|(s, _)| key.strip_suffix(s))
        .unwrap_or(key)
}

/// The unit of headline key `key`, or `None` if its name says none.
pub fn unit_of(key: &str) -> Option<Unit> {
    if let Some((_, u)) = SUFFIXES.iter().find(|(s, _)| key.ends_with(s)) {
        return Some(*u);
    }
    let words: Vec<&str> = key.split('_').collect();
    if key.contains("load_ratio") {
        return Some(Unit::Multiple);
    }
    if key.contains("_per_s_") || key.contains("_rps_") {
        return Some(Unit::PerSecond);
    }
    if words.iter().any(|w| SHARES.contains(w)) {
        return Some(Unit::Fraction);
    }
    if words.last() == Some(&"throughput") {
        return Some(Unit::PerSecond);
    }
    // A count over a stretch of the run: `errors_during_partition`.
    if let Some(i) = words.iter().position(|w| *w == "during" || *w == "after") {
        if i > 0 && COUNTED.contains(&words[i - 1]) {
            return Some(Unit::Count);
        }
    }
    if words.contains(&"per") || key.starts_with("mean_") {
        return Some(Unit::Mean);
    }
    let last = words.last().copied().unwrap_or(key);
    COUNTED.contains(&last).then_some(Unit::Count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_their_units() {
        let cases = [
            ("p99_latency_ms", Unit::Milliseconds),
            ("recovery_s", Unit::Seconds),
            ("mean_restart_interval_h", Unit::Hours),
            ("heap_floor_slope_mb_per_h", Unit::MegabytesPerHour),
            ("bot_accepted_per_min", Unit::PerMinute),
            ("throughput_rps", Unit::PerSecond),
            ("db_calls_per_s_peak", Unit::PerSecond),
            ("backend_rps_from_bots", Unit::PerSecond),
            ("error_rate_first_5min", Unit::Fraction),
            ("login_success_after_fault", Unit::Fraction),
            ("provider_peak_load_ratio", Unit::Multiple),
            ("oom_kills", Unit::Count),
            ("rows_read_per_query", Unit::Mean),
            ("mean_in_system", Unit::Mean),
            ("write_throughput", Unit::PerSecond),
            ("errors_during_partition", Unit::Count),
            ("shadow_mismatches", Unit::Count),
            ("lost_writes_after_rollback", Unit::Count),
            ("shadow_mismatch_rate", Unit::Fraction),
            ("escaped_breaking_changes", Unit::Count),
            ("chaos_defects_found", Unit::Count),
            ("releases", Unit::Count),
            ("client_error_rate_day1", Unit::Fraction),
            ("v1_share_month_12", Unit::Fraction),
            ("errors_after_sunset", Unit::Count),
        ];
        for (key, unit) in cases {
            assert_eq!(unit_of(key), Some(unit), "{key}");
        }
        assert_eq!(unit_of("mystery"), None);
        assert_eq!(stem("p99_latency_ms"), "p99_latency");
        assert_eq!(stem("db_calls_per_s_peak"), "db_calls_per_s_peak");
        assert_eq!(stem("bot_accepted_per_min"), "bot_accepted");
    }
}
