//! bot-scraping (story 155): the claims of its narrative and guide, on the default seed,
//! two other seeds, and nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{fig, rel, run};
use resilience_lab::scenarios::figures::{last_buckets, mean_between};
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::kernel::time::from_secs;

const ID: &str = "bot-scraping";
const SEEDS: [u64; 3] = [1, 2, 3];
/// Long enough for the first bursts to matter little, short enough to be quick.
const SECS: f64 = 300.0;

fn heads(sets: &[(&str, &str)], seed: u64) -> (f64, f64, f64) {
    let r = run(ID, sets, seed, SECS);
    (
        fig(&r, "bot_accepted_per_min"),
        fig(&r, "customer_p99_ms"),
        fig(&r, "backend_rps_from_bots"),
    )
}

#[test]
fn without_a_limit_bots_reach_the_backend_at_full_rate_and_customer_p99_degrades() {
    for seed in SEEDS {
        let (_, calm_p99, _) = heads(&[("bot_rps", "0")], seed);
        for bot_rps in [200.0, 250.0] {
            let b = bot_rps.to_string();
            let (accepted, p99, backend) = heads(&[("rate_limit", "off"), ("bot_rps", &b)], seed);
            assert!(rel(backend, bot_rps) < 0.03, "seed {seed}: {backend} rps");
            assert!(
                rel(accepted, bot_rps * 60.0) < 0.03,
                "seed {seed}: {accepted}"
            );
            assert!(
                p99 > 3.0 * calm_p99,
                "seed {seed} bot_rps {b}: p99 {p99} vs {calm_p99} without bots"
            );
        }
    }
}

#[test]
fn a_local_counter_lets_one_key_through_once_per_gateway_pod() {
    for seed in SEEDS {
        for (pods, limit) in [(10, 60), (5, 60), (20, 60), (10, 120)] {
            let (p, l) = (pods.to_string(), limit.to_string());
            let sets = [
                ("rate_limit", "local"),
                ("gateway_pods", p.as_str()),
                ("limit_per_min", l.as_str()),
            ];
            let (accepted, _, backend) = heads(&sets, seed);
            let want = (pods * limit) as f64;
            assert!(
                rel(accepted, want) < 0.05,
                "seed {seed} pods {pods} limit {limit}: {accepted}/min, want ≈ {want}"
            );
            assert!(rel(backend * 60.0, accepted) < 0.01);
        }
    }
}

#[test]
fn a_shared_counter_holds_one_key_to_the_limit_plus_its_burst() {
    for seed in SEEDS {
        for (pods, limit) in [(10, 60), (5, 60), (20, 60), (10, 120)] {
            let (p, l) = (pods.to_string(), limit.to_string());
            let sets = [
                ("rate_limit", "distributed"),
                ("gateway_pods", p.as_str()),
                ("limit_per_min", l.as_str()),
            ];
            let (accepted, _, _) = heads(&sets, seed);
            let limit = limit as f64;
            let burst_per_min = limit / 6.0 / (SECS / 60.0);
            assert!(
                accepted <= limit + burst_per_min + 0.1 && accepted > 0.97 * limit,
                "seed {seed} pods {pods}: {accepted}/min, limit {limit}"
            );
        }
    }
}

#[test]
fn rejected_requests_never_reach_the_backend() {
    for seed in SEEDS {
        for mode in ["local", "distributed"] {
            let r = run(ID, &[("rate_limit", mode)], seed, SECS);
            let m = &r.world().metrics();
            let accepted = m.counter_total("gateway-limit.accepted.bots");
            let rejected = m.counter_total("gateway-limit.rejected.bots");
            let at_backend = m.counter_total("backend.from.bots");
            assert!(rejected > 10.0 * accepted, "{mode}: {rejected} {accepted}");
            // Only a request still in its store round trip may be missing.
            assert!(
                at_backend <= accepted && accepted - at_backend <= 2.0,
                "{mode} seed {seed}: {at_backend} at the backend, {accepted} accepted"
            );
        }
    }
}

#[test]
fn with_a_shared_limit_customer_p99_returns_to_its_no_bot_level() {
    for seed in SEEDS {
        for bot_rps in ["200", "400"] {
            let (_, calm, _) = heads(&[("bot_rps", "0")], seed);
            let (_, limited, backend) =
                heads(&[("rate_limit", "distributed"), ("bot_rps", bot_rps)], seed);
            assert!(
                rel(limited, calm) < 0.1,
                "seed {seed}: p99 {limited} with the limit, {calm} without bots"
            );
            assert!(backend < 1.2, "{backend}");
            let r = run(ID, &[("rate_limit", "distributed")], seed, SECS);
            let customers = r.world().clients()[0].ledger;
            assert_eq!(customers.rejected, 0, "honest customers are never limited");
        }
    }
}

#[test]
fn a_limit_switched_on_mid_run_takes_effect_at_once_and_logs_a_429_burst() {
    let s = scenarios::find(ID).unwrap();
    let change = TimedChange {
        at_us: from_secs(120.0),
        name: "rate_limit".into(),
        value: Value::Choice("distributed"),
    };
    let mut r = Run::new(s, s.default_params(), 1, vec![change]).unwrap();
    r.advance_to(from_secs(240.0));
    assert!(r.world().ledger().balances());
    // Bots' requests reaching the backend per second (1 s buckets).
    let bots = |from: u64, to: u64| {
        mean_between(&r.world().whole_run(), "backend.from.bots", from, to).unwrap()
    };
    let (before, after) = (bots(60, 120), bots(150, 240));
    assert!(rel(before, 200.0) < 0.05, "{before}");
    assert!(after < 1.2, "{after}");
    let bursts: Vec<_> = r
        .world()
        .log()
        .entries()
        .filter(|e| e.text.contains("429 burst"))
        .collect();
    assert_eq!(bursts.len(), 1);
    assert_eq!(bursts[0].at_us / 1_000_000, 120);
}

/// A local limit switched on at 2 min: by the end of the run the headline's
/// figures since the change follow what the charts show now (about 600 bot
/// requests a minute through 10 pods, the customers' p99 back near its
/// per-second line, once the queue built up before the change has drained),
/// while the whole-run figures still average in the minutes without a limit.
#[test]
fn figures_since_a_change_follow_the_charts_and_the_whole_run_stays_beside_them() {
    let s = scenarios::find(ID).unwrap();
    for seed in SEEDS {
        let change = TimedChange {
            at_us: from_secs(120.0),
            name: "rate_limit".into(),
            value: Value::Choice("local"),
        };
        let mut r = Run::new(s, s.default_params(), seed, vec![change]).unwrap();
        r.advance_to(from_secs(s.duration_s));
        let (at_us, since) = r.headline_since_change().unwrap();
        assert_eq!(at_us, from_secs(120.0));
        let whole = r.headline();
        let at = |h: &[(&str, Option<f64>)], key: &str| {
            h.iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| *v)
                .unwrap()
        };
        // The charts' lines over their last minute (1 s buckets).
        let v = r.world().whole_run();
        let (from, to) = last_buckets(&v, from_secs(60.0));
        let chart = |name: &str| mean_between(&v, name, from, to).unwrap();
        let per_min = chart("gateway-limit.accepted.bots") * 60.0;
        assert!(
            rel(per_min, 600.0) < 0.05,
            "seed {seed}: chart {per_min}/min"
        );
        let accepted = at(&since, "bot_accepted_per_min");
        assert!(
            rel(accepted, per_min) < 0.1,
            "seed {seed}: {accepted}/min since the change, the chart {per_min}/min"
        );
        let accepted_whole = at(&whole, "bot_accepted_per_min");
        assert!(
            accepted_whole > 4.0 * accepted,
            "seed {seed}: {accepted_whole}/min over the whole run"
        );
        assert!(rel(at(&since, "backend_rps_from_bots"), 10.0) < 0.1);
        let (p99, p99_whole) = (at(&since, "customer_p99_ms"), at(&whole, "customer_p99_ms"));
        let p99_chart = chart("customers.latency.p99");
        assert!(
            p99 < 1.5 * p99_chart && p99_whole > 3.0 * p99_chart,
            "seed {seed}: p99 {p99} ms since the change, {p99_whole} ms over \
             the whole run, the chart {p99_chart} ms"
        );
    }
}
