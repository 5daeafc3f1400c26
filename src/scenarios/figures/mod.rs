//! Headline figures computed from a world's series: only arithmetic on what
//! the engine recorded — no mechanism, no model, no scenario's name. The
//! scenarios' headlines and the tests that check them use the same functions.
//!
//! Every function reads a [`Span`](crate::sim::kernel::metrics::Span): the
//! whole run, or since the last change. The same headline code gives both.
//!
//! One file per kind of statistic:
//! - `window.rs` — sums, shares, peaks and means over one window of buckets;
//! - `periods.rs` — the same per consecutive period (a minute …), and the
//!   worst period;
//! - `trend.rs` — a series' slope, fitted within each life of a restarting pod;
//! - `recovery.rs` — how long a share stayed down after a fault;
//! - `totals.rs` — maxima, quantiles and ratios over the whole span;
//! - `outcomes.rs` — how client populations' requests ended (their ledger,
//!   read from their outcome counters).
//!
//! Windows are bucket indices since the run's start, `[from, to)`; a window
//! reaching before the span's first bucket is cut to it.

mod outcomes;
mod periods;
mod recovery;
mod totals;
mod trend;
mod window;

pub use outcomes::Outcomes;
pub use periods::{peak_period_mean, sums_per_period, worst_share_per_period};
pub use recovery::periods_until_recovered;
pub use totals::{merged, merged_quantile_ms, quantile_ms, ratio_of_totals, series_max};
pub use trend::{slope_per_life, Lives};
pub use window::{
    bucket_at, buckets_in, closed_until, failure_share_between, last_buckets, later_half,
    mean_between, peak_between, peak_bucket_between, peak_rate_between, peak_ratio_between,
    share_between, sum_between, total_between,
};

/// The outcomes of a client population's requests that count as failures.
pub const FAILED: [&str; 3] = ["error", "rejected", "timed_out"];
/// Every outcome that ends a client population's request.
pub const ENDED: [&str; 4] = ["ok", "error", "rejected", "timed_out"];

/// The series `CLIENT.KIND` of client populations (outcome counters,
/// latencies), client by client.
pub fn client_series(clients: &[&str], kinds: &[&str]) -> Vec<String> {
    clients
        .iter()
        .flat_map(|c| kinds.iter().map(move |k| format!("{c}.{k}")))
        .collect()
}

/// A client population's outcome counters: (ok, every ended outcome).
pub fn outcome_names(client: &str) -> (Vec<String>, Vec<String>) {
    (
        client_series(&[client], &["ok"]),
        client_series(&[client], &ENDED),
    )
}

/// Small hand-made series for the unit tests.
#[cfg(test)]
pub(crate) mod test_series {
    use crate::sim::kernel::metrics::{Metrics, Span};

    /// Counters with buckets of 1 s: `values[i]` counted in bucket `i`; a
    /// series given fewer values than the longest is registered that many
    /// buckets late (it starts where the others are then).
    pub fn counted(series: &[(&str, &[f64])]) -> Metrics {
        let mut m = Metrics::new(1_000_000, 100);
        let len = series.iter().map(|(_, v)| v.len()).max().unwrap_or(0);
        let mut ids = Vec::new();
        for i in 0..len {
            for (k, (name, values)) in series.iter().enumerate() {
                let late = len - values.len();
                if i == late {
                    ids.push((k, m.counter(name)));
                }
                if let Some(&(_, id)) = ids.iter().find(|(j, _)| *j == k) {
                    if i >= late {
                        m.add(id, values[i - late]);
                    }
                }
            }
            m.advance((i as u64 + 1) * 1_000_000);
        }
        m
    }

    /// The whole run of test series, up to the end of their last bucket.
    pub fn whole(m: &Metrics) -> Span<'_> {
        m.whole(m.buckets_closed() * m.bucket_us())
    }

    /// Series names as a list.
    pub fn names(ns: &[&str]) -> Vec<String> {
        ns.iter().map(|n| n.to_string()).collect()
    }

    /// One counter "c" that counted `values[i]` in bucket `i`.
    pub fn one(values: &[f64]) -> Metrics {
        counted(&[("c", values)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_series_go_client_by_client() {
        assert_eq!(
            client_series(&["a", "b"], &FAILED[..2]),
            ["a.error", "a.rejected", "b.error", "b.rejected"]
        );
        let (ok, all) = outcome_names("c");
        assert_eq!(ok, ["c.ok"]);
        assert_eq!(all, ["c.ok", "c.error", "c.rejected", "c.timed_out"]);
    }

    #[test]
    fn a_late_test_series_starts_where_the_others_are() {
        let m = test_series::counted(&[("a", &[1.0, 2.0, 3.0]), ("b", &[5.0])]);
        let m = test_series::whole(&m);
        assert_eq!(m.series("b").unwrap().first_bucket(), 2);
        assert_eq!(sum_between(&m, "b", 0, 3), 5.0);
        assert_eq!(sum_between(&m, "a", 0, 3), 6.0);
    }
}
