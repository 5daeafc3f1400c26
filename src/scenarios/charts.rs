//! Chart lines computed from a run's metric series, bucket by bucket. Shared by
//! the page (drawn) and the CLI (`--csv`).

use super::run::Run;
use super::schema::SeriesExpr;

/// Evaluates a chart line over the kept buckets: (bucket index, value) pairs.
pub fn eval_line(run: &Run, expr: &SeriesExpr) -> Vec<(u64, f64)> {
    let m = &run.world().metrics;
    let width_s = m.bucket_us() as f64 / 1e6;
    let ring = |n: &str| m.series(n);
    match expr {
        SeriesExpr::Plain(n) => ring(n)
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
            let Some(first) = num
                .iter()
                .chain(den)
                .filter_map(|n| ring(n))
                .map(|r| r.first_bucket())
                .max()
            else {
                return Vec::new();
            };
            let last = m.buckets_closed();
            (first..last)
                .map(|i| {
                    let sum = |ns: &Vec<String>| {
                        ns.iter()
                            .filter_map(|n| ring(n).and_then(|r| r.get(i)))
                            .sum::<f64>()
                    };
                    let d = sum(den);
                    (i, if d > 0.0 { sum(num) / d } else { f64::NAN })
                })
                .collect()
        }
    }
}
