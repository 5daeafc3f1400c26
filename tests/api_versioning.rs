//! The claims of `api-versioning` (story 165, as SCENARIOS.md gives them), on
//! the default seed and others, and with the adoption half-life 25 % below
//! and above its default. Each check prints its figure, its bound and how far
//! apart they are (`--nocapture` shows them); every run's ledger balances.
//!
//! Expected shares come from the story's calibration (60 % of requests from
//! mobile installs, each updating after a delay of the given half-life, 1 %
//! never) and are only the bounds the engine's measured figures are held to.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::{
    client_series, failure_share_between, share_between, sum_between, ENDED, FAILED,
};
use resilience_lab::scenarios::Run;

const ID: &str = "api-versioning";
const DAY: f64 = 86_400.0;
const SEEDS: [u64; 3] = [1, 2, 17];
/// The default adoption half-life (weeks), and 25 % below and above it.
const HALF_LIVES: [&str; 3] = ["4.5", "6", "7.5"];
/// The release day, a month's days, the mobile installs' share of requests
/// and the share that never update (the defaults).
const RELEASE: f64 = 7.0;
const MONTH: f64 = 30.0;
const MOBILE: f64 = 0.6;
const NEVER: f64 = 0.01;
/// The whole default run.
const END: f64 = 457.0;

/// A run of `sets` to day `days`, with adoption half-life `half_life`.
fn run_to(sets: &[(&str, &str)], seed: u64, half_life: &str, days: f64) -> Run {
    let mut all = sets.to_vec();
    all.push(("adoption_half_life_weeks", half_life));
    run(ID, &all, seed, days * DAY)
}

/// Every seed and half-life: (seed, half-life, run).
fn runs(sets: &[(&str, &str)], days: f64) -> Vec<(u64, &'static str, Run)> {
    let mut out = Vec::new();
    for seed in SEEDS {
        for h in HALF_LIVES {
            out.push((seed, h, run_to(sets, seed, h, days)));
        }
    }
    out
}

/// Share of requests expected from mobile installs still on 1.x over days
/// `[from, to)` of the run, never updating a share `never`.
fn expected_old_share(half_life: &str, never: f64, from: f64, to: f64) -> f64 {
    let h = half_life.parse::<f64>().unwrap() * 7.0;
    let steps = 300;
    let mean = (0..steps)
        .map(|i| {
            let t = from + (to - from) * (i as f64 + 0.5) / steps as f64 - RELEASE;
            never + (1.0 - never) * 0.5f64.powf(t / h)
        })
        .sum::<f64>()
        / steps as f64;
    MOBILE * mean
}

/// A half-life as the claims print it.
fn hl(h: &str) -> String {
    format!("half-life {h} weeks")
}

/// The client populations, and those on the 1.x apps.
const CLIENTS: [&str; 4] = ["web_1", "web_2", "mobile_1", "mobile_2"];
const OLD_APPS: [&str; 2] = ["web_1", "mobile_1"];

/// Share of the requests that ended on the release's day that came from
/// 1.x apps, read from the populations' outcome series.
fn old_app_share_day1(r: &Run) -> f64 {
    let v = r.world().whole_run();
    let day = RELEASE as u64;
    let (old, all) = (
        client_series(&OLD_APPS, &ENDED),
        client_series(&CLIENTS, &ENDED),
    );
    share_between(&v, &old, &all, day, day + 1).unwrap()
}

/// Share of the requests that ended from day `from` on that failed.
fn error_rate_from(r: &Run, from: f64) -> f64 {
    let v = r.world().whole_run();
    let (failed, ok) = (
        client_series(&CLIENTS, &FAILED),
        client_series(&CLIENTS, &["ok"]),
    );
    failure_share_between(&v, &failed, &ok, from as u64, v.buckets_closed()).unwrap()
}

/// Share of the API's requests that went to v2 over the run.
fn v2_share(r: &Run) -> f64 {
    let v2 = counter(r, "gateway.to.v2");
    v2 / (v2 + counter(r, "gateway.to.v1"))
}

fn counter(r: &Run, name: &str) -> f64 {
    r.world().metrics().counter_total(name)
}

/// Prints an exact figure that must be 0.
fn zero(claim: &str, seed: u64, h: &str, got: f64) {
    println!("{claim} | seed {seed} | {h} | {got} = 0 | exact");
    assert_eq!(got, 0.0, "{claim}, seed {seed}, half-life {h}");
}

#[test]
fn in_place_breaks_every_old_mobile_client_at_once() {
    for (seed, h, r) in runs(&[("strategy", "in_place")], RELEASE + 2.0) {
        let day1 = fig(&r, "client_error_rate_day1");
        let old = old_app_share_day1(&r);
        // Every request from a 1.x app fails, and only those.
        assert!(against_at(
            "day-1 error rate - 1.x share",
            seed,
            &hl(h),
            (day1 - old).abs(),
            0.01,
            true
        ));
        let want = expected_old_share(h, NEVER, RELEASE, RELEASE + 1.0);
        assert!(against_at(
            "|day-1 error rate / expected - 1|",
            seed,
            &hl(h),
            rel(day1, want),
            0.08,
            true
        ));
        for ok in ["web_2.error", "mobile_2.error", "web_1.client_errors"] {
            zero(ok, seed, &hl(h), counter(&r, ok));
        }
        assert!(counter(&r, "mobile_1.client_errors") > 0.0);
        zero(
            "errors before the release",
            seed,
            &hl(h),
            sum_to(&r, RELEASE),
        );
    }
}

/// Client failures in the run's first `days` days.
fn sum_to(r: &Run, days: f64) -> f64 {
    let v = r.world().whole_run();
    ["web_1", "mobile_1"]
        .iter()
        .map(|c| sum_between(&v, &format!("{c}.error"), 0, days as u64))
        .sum()
}

#[test]
fn uri_versioning_breaks_no_client() {
    // Up to the end of month 12, the default sunset.
    let days = RELEASE + 12.0 * MONTH;
    for (seed, h, r) in runs(&[("strategy", "uri_versioning")], days) {
        zero("client error rate", seed, &hl(h), error_rate_from(&r, 0.0));
        zero(
            "day-1 client error rate",
            seed,
            &hl(h),
            fig(&r, "client_error_rate_day1"),
        );
        assert!(v2_share(&r) > 0.5, "v2 serves the new apps");
    }
}

#[test]
fn v1_traffic_decays_by_month_12_as_fast_as_the_half_life_says() {
    let mut by_seed: Vec<Vec<f64>> = vec![Vec::new(); SEEDS.len()];
    for (seed, h, r) in runs(&[], RELEASE + 12.0 * MONTH + 1.0) {
        let share = fig(&r, "v1_share_month_12");
        let from = RELEASE + 11.0 * MONTH;
        let want = expected_old_share(h, NEVER, from, from + MONTH);
        assert!(against_at(
            "v1 share in month 12",
            seed,
            &hl(h),
            share,
            0.03,
            true
        ));
        assert!(against_at(
            "|v1 share / expected - 1|",
            seed,
            &hl(h),
            rel(share, want),
            0.35,
            true
        ));
        // On day one v1 carries nearly every mobile request.
        let day1 = old_app_share_day1(&r);
        assert!(against_at(
            "1.x share on day 1 / v1 share in month 12",
            seed,
            &hl(h),
            day1 / share,
            15.0,
            false
        ));
        by_seed[SEEDS.iter().position(|s| *s == seed).unwrap()].push(share);
    }
    for (seed, shares) in SEEDS.iter().zip(by_seed) {
        // Half-lives in increasing order: the longer, the more still on v1.
        assert!(
            shares[0] < shares[1] && shares[1] < shares[2],
            "seed {seed}: {shares:?}"
        );
    }
}

#[test]
fn deleting_v1_early_breaks_whoever_is_still_on_it() {
    let sunset = RELEASE + 3.0 * MONTH;
    for (seed, h, r) in runs(&[("sunset_month", "3")], sunset + MONTH) {
        let rate = error_rate_from(&r, sunset);
        let want = expected_old_share(h, NEVER, sunset, sunset + MONTH);
        assert!(against_at(
            "error rate after a month-3 sunset",
            seed,
            &hl(h),
            rate,
            0.05,
            false
        ));
        assert!(against_at(
            "|error rate / share still on v1 - 1|",
            seed,
            &hl(h),
            rel(rate, want),
            0.3,
            true
        ));
        // They are v1's 410s, and only 1.x apps get them.
        let gone = counter(&r, "gateway.gone");
        assert!(
            gone > 0.0 && gone == fig(&r, "errors_after_sunset"),
            "{gone}"
        );
        for ok in ["web_2.error", "mobile_2.error"] {
            zero(ok, seed, &hl(h), counter(&r, ok));
        }
    }
}

#[test]
fn a_late_sunset_still_breaks_the_installs_that_never_update() {
    let sunset = RELEASE + 14.0 * MONTH;
    let late = [("sunset_month", "14")];
    let none = [("sunset_month", "14"), ("never_update_percent", "0")];
    for (seed, h, r) in runs(&late, END) {
        let rate = error_rate_from(&r, sunset);
        assert!(fig(&r, "errors_after_sunset") > 0.0);
        // At least the never-updaters' share of the traffic.
        assert!(against_at(
            "error rate after a month-14 sunset",
            seed,
            &hl(h),
            rate,
            0.5 * MOBILE * NEVER,
            false
        ));
        let want = expected_old_share(h, NEVER, sunset, END);
        assert!(against_at(
            "|error rate / share still on v1 - 1|",
            seed,
            &hl(h),
            rel(rate, want),
            0.5,
            true
        ));
        let r0 = run_to(&none, seed, h, END);
        let rate0 = error_rate_from(&r0, sunset);
        // With nobody stuck on 1.x, only late updaters are left to break.
        assert!(against_at(
            "error rate with none stuck / with 1 % stuck",
            seed,
            &hl(h),
            rate0 / rate,
            0.5,
            true
        ));
    }
}

#[test]
fn an_additive_change_breaks_no_client_and_needs_no_v2() {
    for (seed, h, r) in runs(&[("strategy", "additive")], RELEASE + 2.0 * MONTH) {
        zero("client error rate", seed, &hl(h), error_rate_from(&r, 0.0));
        zero("v2 share", seed, &hl(h), v2_share(&r));
        zero("requests to v2", seed, &hl(h), counter(&r, "gateway.to.v2"));
        assert!(
            counter(&r, "mobile_2.ok") > 0.0,
            "2.0 apps read the new field"
        );
    }
}

#[test]
fn the_figures_do_not_depend_on_the_request_weight() {
    for seed in SEEDS {
        let at = |w: &str, sets: &[(&str, &str)]| {
            let mut all = sets.to_vec();
            all.push(("request_weight", w));
            run_to(&all, seed, "6", END)
        };
        let (base, fine) = (at("50000", &[]), at("12500", &[]));
        let after = |r: &Run| error_rate_from(r, RELEASE + 12.0 * MONTH);
        let d = rel(after(&fine), after(&base));
        assert!(against_at(
            "|error rate after the sunset at 12,500 / at 50,000 - 1|",
            seed,
            &hl("6"),
            d,
            0.25,
            true
        ));
        let d = rel(v2_share(&fine), v2_share(&base));
        assert!(against_at(
            "|v2 share at 12,500 / at 50,000 - 1|",
            seed,
            &hl("6"),
            d,
            0.25,
            true
        ));
        let key = "v1_share_month_12";
        let d = rel(fig(&fine, key), fig(&base, key));
        assert!(against_at(
            "|v1 share in month 12 at 12,500 / at 50,000 - 1|",
            seed,
            &hl("6"),
            d,
            0.25,
            true
        ));
        let place = [("strategy", "in_place")];
        let (base, fine) = (at("50000", &place), at("12500", &place));
        let d = (fig(&fine, "client_error_rate_day1") - fig(&base, "client_error_rate_day1")).abs();
        assert!(against_at(
            "|day-1 error rate at 12,500 - at 50,000|",
            seed,
            &hl("6"),
            d,
            0.04,
            true
        ));
    }
}
