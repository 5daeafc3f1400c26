//! The claims of `strangler-fig` (story 157, as SCENARIOS.md gives them), on
//! the default seed and others, and with the request rate 25 % below and
//! above its default. Each check prints its figure, its bound and how far
//! apart they are (`--nocapture` shows them); every run's ledger balances.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::{self, Run, TimedChange};
use resilience_lab::sim::kernel::time::from_secs;

const ID: &str = "strangler-fig";
const SECS: f64 = 300.0;
const SEEDS: [u64; 3] = [1, 2, 17];
/// The default request rate, and 25 % below and above it.
const RATES: [&str; 3] = ["375", "500", "625"];
/// The share of the traffic that is reservations (writes).
const WRITE_SHARE: f64 = 0.2;
/// The monolith's own share of failed requests.
const MONOLITH_ERRORS: f64 = 0.001;
/// The flip to Warehouse and the rollback of the lessons.
const FLIP_S: f64 = 120.0;
const ROLLBACK_S: f64 = 240.0;

/// A run with `sets` from the start and `at` as timed changes, at request
/// rate `rate`; its ledger balances.
fn run_at(sets: &[(&str, &str)], at: &[(f64, &str, &str)], seed: u64, rate: &str) -> Run {
    let s = scenarios::find(ID).unwrap();
    let mut p = s.default_params();
    for (k, v) in sets.iter().chain(&[("requests_rps", rate)]) {
        p.set_text(k, v).unwrap();
    }
    let changes = at
        .iter()
        .map(|(t, k, v)| TimedChange {
            at_us: from_secs(*t),
            name: k.to_string(),
            value: p.spec(k).unwrap().parse(v).unwrap(),
        })
        .collect();
    let mut r = Run::new(s, p, seed, changes).unwrap();
    r.advance_to(from_secs(SECS));
    let l = r.world().ledger();
    assert!(l.balances(), "the ledger balances: {l:?}");
    r
}

/// The runs of every seed and rate.
fn runs(sets: &[(&str, &str)], at: &[(f64, &str, &str)]) -> Vec<(u64, &'static str, Run)> {
    let mut out = Vec::new();
    for seed in SEEDS {
        for rate in RATES {
            out.push((seed, rate, run_at(sets, at, seed, rate)));
        }
    }
    out
}

fn rate_of(rate: &str) -> f64 {
    rate.parse().unwrap()
}

fn counter(r: &Run, name: &str) -> f64 {
    r.world().metrics().counter_total(name)
}

#[test]
fn shadowing_never_changes_what_users_see() {
    // Every request copied to a Warehouse that gets 5 % wrong, against none.
    let shadowed = runs(&[("shadow_percent", "100")], &[]);
    let alone = runs(&[("shadow_percent", "0")], &[]);
    for ((seed, rate, s), (_, _, a)) in shadowed.iter().zip(&alone) {
        let arrived = counter(s, "stock_checks.arrived") + counter(s, "reservations.arrived");
        assert!(
            counter(s, "gateway.shadow.sent") > 0.999 * arrived,
            "every request copied"
        );
        let (es, ea) = (fig(s, "user_error_rate"), fig(a, "user_error_rate"));
        // The monolith's own 0.1 %; a copy's 5 % reaching users would be 50
        // times the bound's half.
        assert!(against(
            "error rate, shadowed",
            *seed,
            rate,
            es,
            2.0 * MONOLITH_ERRORS,
            true
        ));
        assert!(against(
            "error rate, alone",
            *seed,
            rate,
            ea,
            2.0 * MONOLITH_ERRORS,
            true
        ));
        assert!(against(
            "error rate, shadowed - alone",
            *seed,
            rate,
            (es - ea).abs(),
            0.0006,
            true
        ));
        let p99 = fig(s, "user_p99_ms") / fig(a, "user_p99_ms");
        assert!(against(
            "p99 shadowed / alone",
            *seed,
            rate,
            (p99 - 1.0).abs(),
            0.1,
            true
        ));
        assert_eq!(counter(a, "gateway.shadow.sent"), 0.0);
    }
}

#[test]
fn mismatches_are_counted_when_the_new_service_has_bugs() {
    let buggy = runs(&[("shadow_percent", "100")], &[]);
    let sound = runs(
        &[("shadow_percent", "100"), ("new_service_bug_rate", "0")],
        &[],
    );
    for ((seed, rate, b), (_, _, s)) in buggy.iter().zip(&sound) {
        // Each compared copy differs when one side fails: Warehouse's 5 % and
        // the monolith's own 0.1 %.
        let share = fig(b, "shadow_mismatch_rate");
        assert!(against(
            "mismatch share - 0.05",
            *seed,
            rate,
            (share - 0.05).abs(),
            0.005,
            true
        ));
        let compared = counter(b, "gateway.shadow.matched") + fig(b, "shadow_mismatches");
        let sent = counter(b, "gateway.shadow.sent");
        assert!(against(
            "copies compared / sent",
            *seed,
            rate,
            compared / sent,
            0.999,
            false
        ));
        // Without bugs, only the monolith's own errors differ.
        let clean = fig(s, "shadow_mismatch_rate");
        assert!(against(
            "mismatch share, no bugs",
            *seed,
            rate,
            clean,
            3.0 * MONOLITH_ERRORS,
            true
        ));
        let ratio = fig(b, "shadow_mismatches") / fig(s, "shadow_mismatches").max(1.0);
        assert!(against(
            "mismatches with bugs / without",
            *seed,
            rate,
            ratio,
            10.0,
            false
        ));
        assert_eq!(counter(b, "gateway.shadow.timed_out"), 0.0);
    }
}

#[test]
fn new_service_load_is_the_shadow_share_times_the_traffic() {
    for percent in ["25", "100"] {
        for (seed, rate, r) in runs(&[("shadow_percent", percent)], &[]) {
            let want = percent.parse::<f64>().unwrap() / 100.0 * rate_of(rate);
            let got = fig(&r, "new_service_rps");
            let claim = format!("Warehouse rps / ({percent} % of the rate), off by");
            assert!(against(&claim, seed, rate, rel(got, want), 0.03, true));
            // The monolith still takes every request.
            assert!(rel(fig(&r, "monolith_rps"), rate_of(rate)) < 0.03);
        }
    }
}

#[test]
fn a_rollback_without_cdc_loses_the_writes_made_while_flipped() {
    let at = [(FLIP_S, "route_warehouse", "new")];
    for (seed, rate, r) in runs(&[("rollback", "240")], &at) {
        let lost = fig(&r, "lost_writes_after_rollback");
        assert!(against(
            "writes missing after rollback",
            seed,
            rate,
            lost,
            0.0,
            false
        ));
        // Every reservation Warehouse took while it answered: the rate of
        // reservations over the two minutes, less its 5 % of errors.
        let made = rate_of(rate) * WRITE_SHARE * (ROLLBACK_S - FLIP_S) * 0.95;
        assert!(against(
            "missing / made while flipped, off by",
            seed,
            rate,
            rel(lost, made),
            0.05,
            true
        ));
        let on_warehouse = counter(&r, "warehouse_reservations.rows");
        assert_eq!(
            lost, on_warehouse,
            "none of Warehouse's rows reached the monolith"
        );
        // Users met Warehouse's bugs while it answered: 5 % for two minutes of five.
        let errors = fig(&r, "user_error_rate");
        assert!(against(
            "user error rate while flipped (whole run)",
            seed,
            rate,
            errors,
            0.015,
            false
        ));
    }
}

#[test]
fn a_rollback_with_cdc_loses_no_write() {
    let at = [(FLIP_S, "route_warehouse", "new")];
    for (seed, rate, r) in runs(&[("rollback", "240"), ("cdc_sync", "on")], &at) {
        let lost = fig(&r, "lost_writes_after_rollback");
        println!(
            "writes missing after rollback, cdc on | seed {seed} | {rate}/s | {lost} = 0 | exact"
        );
        assert_eq!(lost, 0.0);
        // Both databases hold every reservation, but the last half second's.
        let (old, new) = (
            counter(&r, "monolith_reservations.rows"),
            counter(&r, "warehouse_reservations.rows"),
        );
        let last_second = rate_of(rate) * WRITE_SHARE;
        assert!(against(
            "rows in monolith DB vs Warehouse DB, apart by",
            seed,
            rate,
            (old - new).abs(),
            last_second,
            true
        ));
        assert!(counter(&r, "cdc_to_monolith.applied") > 0.0);
        assert_eq!(counter(&r, "cdc_to_monolith.dropped"), 0.0);
    }
}
