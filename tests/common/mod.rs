//! Helpers shared by the native integration tests: queueing theory and runs.
#![allow(dead_code)]

use resilience_lab::scenarios::{self, Run};
use resilience_lab::sim::kernel::time::from_secs;

/// Erlang C: the probability that an arrival waits, for `c` servers at offered
/// load `a = λ/μ` (in Erlangs), computed with the stable Erlang B recursion.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / c as f64;
    b / (1.0 - rho * (1.0 - b))
}

/// Mean wait in queue of M/M/c, in ms.
pub fn mmc_wait_ms(lambda_rps: f64, c: u32, service_ms: f64) -> f64 {
    let mu = 1000.0 / service_ms;
    let a = lambda_rps / mu;
    erlang_c(c, a) / (c as f64 * mu - lambda_rps) * 1000.0
}

/// Mean wait in queue of M/D/c by the Cosmetatos approximation, in ms.
pub fn mdc_wait_ms(lambda_rps: f64, c: u32, service_ms: f64) -> f64 {
    let rho = lambda_rps * service_ms / 1000.0 / c as f64;
    let c_f = c as f64;
    let corr =
        1.0 + (1.0 - rho) * (c_f - 1.0) * ((4.0 + 5.0 * c_f).sqrt() - 2.0) / (16.0 * rho * c_f);
    0.5 * mmc_wait_ms(lambda_rps, c, service_ms) * corr
}

/// Runs a scenario with `--set`-style pairs for `secs` simulated seconds.
pub fn run(id: &str, sets: &[(&str, &str)], seed: u64, secs: f64) -> Run {
    let s = scenarios::find(id).unwrap();
    let mut p = s.default_params();
    for (k, v) in sets {
        p.set_text(k, v).unwrap();
    }
    let mut r = Run::new(s, p, seed, Vec::new()).unwrap();
    r.advance_to(from_secs(secs));
    assert!(r.world().ledger().balances(), "ledger does not balance");
    r
}

/// A headline figure that must be defined.
pub fn fig(r: &Run, key: &str) -> f64 {
    r.headline()
        .into_iter()
        .find(|(k, _)| *k == key)
        .unwrap_or_else(|| panic!("no headline '{key}'"))
        .1
        .unwrap_or_else(|| panic!("headline '{key}' is undefined"))
}

/// Relative difference.
pub fn rel(got: f64, want: f64) -> f64 {
    (got - want).abs() / want.abs()
}

/// Prints a claim's figure against its bound, and the margin as a share of
/// the bound (`--nocapture` shows them); true when the figure is on the
/// right side (`below`: under the bound).
pub fn against(claim: &str, seed: u64, rate: &str, got: f64, bound: f64, below: bool) -> bool {
    against_at(claim, seed, &format!("{rate}/s"), got, bound, below)
}

/// [`against`] for a claim whose varied parameter is not a rate: `at` names
/// its value as printed (`half-life 6 weeks`).
pub fn against_at(claim: &str, seed: u64, at: &str, got: f64, bound: f64, below: bool) -> bool {
    let ok = if below { got < bound } else { got > bound };
    let margin = if below { bound - got } else { got - bound };
    let share = if bound != 0.0 {
        format!("{:+.0} %", 100.0 * margin / bound.abs())
    } else {
        "exact".to_string()
    };
    let sign = if below { "<" } else { ">" };
    println!(
        "{claim} | seed {seed} | {at} | {got:.5} {sign} {bound:.5} | margin {margin:.5} ({share})"
    );
    ok
}
