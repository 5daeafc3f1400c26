//! Chart lines computed from a run's metric series, bucket by bucket. Shared by
//! the page (drawn) and the CLI (`--csv`).

use super::run::Run;
use super::schema::SeriesExpr;

/// Evaluates a chart line over the kept buckets: (bucket index, value) pairs.
pub fn eval_line(run: &Run, expr: &SeriesExpr) -> Vec<(u64, f64)> {
    let m = &run.world().metrics();
    let width_s = m.bucket_us() as f64 / 1e6;
    let ring = |n: &str| m.series(n);
    match expr {
        SeriesExpr::Plain(n) | SeriesExpr::State(n, _) => ring(n)
            .map(|r| (r.first_bucket()..).zip(r.values()).collect())
            .unwrap_or_default(),
        SeriesExpr::Scaled(n, k) => ring(n)
            .map(|r| {
                (r.first_bucket()..)
                    .zip(r.values().map(|v| v * k))
                    .collect()
            })
            .unwrap_or_default(),
        SeriesExpr::PerSecond(n) => ring(n)
            .map(|r| {
                (r.first_bucket()..)
                    .zip(r.values().map(|v| v / width_s))
                    .collect()
            })
            .unwrap_or_default(),
        SeriesExpr::Ratio(num, den) => {
            // Look each series up once, not once per bucket.
            let num: Vec<_> = num.iter().filter_map(|n| ring(n)).collect();
            let den: Vec<_> = den.iter().filter_map(|n| ring(n)).collect();
            let Some(first) = num.iter().chain(&den).map(|r| r.first_bucket()).max() else {
                return Vec::new();
            };
            let last = m.buckets_closed();
            let sum = |rs: &[&crate::sim::kernel::metrics::Ring], i| {
                rs.iter().filter_map(|r| r.get(i)).sum::<f64>()
            };
            (first..last)
                .map(|i| {
                    let d = sum(&den, i);
                    (i, if d > 0.0 { sum(&num, i) / d } else { f64::NAN })
                })
                .collect()
        }
    }
}
