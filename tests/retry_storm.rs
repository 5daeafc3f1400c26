//! The claims of `retry-storm` (story 159, as its narrative tells it), on the default seed
//! and others, and at nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::{peak_bucket_between, share_between, sum_between};
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::SEC;

const ID: &str = "retry-storm";

/// Runs past the failover window (the peak ratio and recovery are defined by 120 s).
fn failover(sets: &[(&str, &str)], seed: u64) -> Run {
    run(ID, sets, seed, 121.0)
}

#[test]
fn fixed_1s_retries_come_back_in_synchronized_waves_that_double_the_load() {
    for (seed, n) in [(1, "3"), (2, "3"), (17, "3"), (5, "4")] {
        let r = failover(&[("retry", "fixed_1s"), ("max_attempts", n)], seed);
        let ratio = fig(&r, "provider_peak_load_ratio");
        assert!(ratio >= 2.0, "seed {seed} max_attempts {n}: {ratio}");
        let rec = fig(&r, "recovery_s");
        assert!(rec >= 2.0, "seed {seed}: recovery {rec} s");
        // The waves: one second and two seconds after the connections dropped,
        // a tenth of a second holds at least twice the offered load.
        let m = &r.world().whole_run();
        let (prov, offered) = (
            ["provider.arrived".to_string()],
            ["checkout.arrived".to_string()],
        );
        for wave_s in [61, 62] {
            let b = peak_bucket_between(m, &prov[0], wave_s * 10, wave_s * 10 + 3).unwrap();
            let x = share_between(m, &prov, &offered, b, b + 1).unwrap();
            assert!(x >= 2.0, "seed {seed}: wave at {wave_s} s only {x}×");
        }
    }
}

#[test]
fn backoff_with_jitter_keeps_peaks_under_1_3x_and_recovers_promptly() {
    for (seed, n) in [(1, "3"), (2, "3"), (17, "3"), (5, "4")] {
        let r = failover(&[("retry", "backoff_jitter"), ("max_attempts", n)], seed);
        let ratio = fig(&r, "provider_peak_load_ratio");
        assert!(ratio <= 1.3, "seed {seed} max_attempts {n}: {ratio}");
        let rec = fig(&r, "recovery_s");
        let fixed = failover(&[("retry", "fixed_1s"), ("max_attempts", n)], seed);
        assert!(rec <= 1.0, "seed {seed}: recovery {rec} s");
        assert!(rec < fig(&fixed, "recovery_s"));
        assert!(fig(&r, "success_rate") > fig(&fixed, "success_rate"));
    }
    // Without retries the provider sees exactly the offered load.
    let none = failover(&[("retry", "none")], 1);
    assert!((fig(&none, "provider_peak_load_ratio") - 1.0).abs() < 0.05);
}

#[test]
fn retries_of_lost_answers_double_charge_without_idempotency_keys_and_never_with_them() {
    for (seed, retry, loss) in [
        (1, "fixed_1s", "0.01"),
        (2, "backoff_jitter", "0.01"),
        (17, "immediate", "0.02"),
    ] {
        let sets = [("retry", retry), ("lost_response_rate", loss)];
        let without = run(ID, &sets, seed, 90.0);
        let doubles = fig(&without, "double_charges");
        let lost = without
            .world()
            .metrics()
            .counter_total("provider.responses_lost");
        assert!(doubles > 0.0, "seed {seed} {retry}: {doubles}");
        assert!(
            doubles <= lost + 100.0,
            "about one per lost answer: {doubles} vs {lost}"
        );
        let mut keyed = sets.to_vec();
        keyed.push(("idempotency_key", "on"));
        let with = run(ID, &keyed, seed, 90.0);
        assert_eq!(fig(&with, "double_charges"), 0.0, "seed {seed} {retry}");
        let stored = with
            .world()
            .metrics()
            .counter_total("idempotency-keys.found");
        assert!(stored > 0.0, "repeats were answered from the key store");
    }
    // No retry, no double charge — and no success for a lost answer either.
    let none = run(ID, &[("retry", "none")], 3, 90.0);
    assert_eq!(fig(&none, "double_charges"), 0.0);
}

#[test]
fn an_open_breaker_aborts_retries_at_once_and_the_provider_sees_only_probes() {
    for (seed, retry) in [(1, "fixed_1s"), (2, "backoff_jitter"), (17, "immediate")] {
        let r = run(
            ID,
            &[("circuit_breaker", "on"), ("retry", retry)],
            seed,
            150.0,
        );
        let m = &r.world().metrics();
        let state = m.series("provider-breaker.state").unwrap();
        let prov = m.series("provider.arrived").unwrap();
        let attempts = m.series("gateway-retry.attempts").unwrap();
        // From the first bucket fully open until the provider is back up.
        let first = (1200..1400)
            .find(|&b| state.get(b) == Some(2.0))
            .expect("the breaker opens during the outage");
        assert!(first < 1240, "within 4 s of the outage: bucket {first}");
        let (mut open, mut probes) = (0, 0.0);
        for b in first..1400 {
            match state.get(b).unwrap() {
                2.0 => {
                    open += 1;
                    assert_eq!(prov.get(b), Some(0.0), "seed {seed}: bucket {b}");
                    assert_eq!(attempts.get(b), Some(0.0), "no attempt, no retry leaves");
                }
                s if s > 0.0 => probes += prov.get(b).unwrap(),
                _ => {}
            }
        }
        assert!(open > 100, "open for most of the outage: {open} buckets");
        let half_opens = r
            .world()
            .log()
            .entries()
            .filter(|e| {
                e.text.contains("half-open") && (first * SEC / 10..140 * SEC).contains(&e.at_us)
            })
            .count() as f64;
        assert!(
            probes <= 10.0 * half_opens,
            "{probes} probes in {half_opens} half-opens"
        );
        let ratio = fig(&r, "outage_load_ratio");
        assert!(ratio < 0.3, "seed {seed}: {ratio}");
        assert!(fig(&r, "breaker_rejected") > 10_000.0);
    }
}

#[test]
fn max_attempts_bounds_the_load_on_a_dead_provider_whatever_the_jitter() {
    for (n, lo, hi) in [(2.0, 1.8, 2.0), (3.0, 2.5, 3.0), (4.0, 3.0, 4.0)] {
        for (seed, retry) in [(1, "fixed_1s"), (2, "backoff_jitter")] {
            let sets = [("retry", retry), ("max_attempts", &n.to_string()[..])];
            let r = run(ID, &sets, seed, 145.0);
            let x = fig(&r, "outage_load_ratio");
            assert!((lo..=hi).contains(&x), "{retry} max_attempts {n}: {x}");
        }
    }
}

#[test]
fn idempotency_keys_switched_on_live_stop_double_charges_from_then_on() {
    let s = scenarios::find(ID).unwrap();
    let flip = vec![TimedChange {
        at_us: 50 * SEC,
        name: "idempotency_key".into(),
        value: Value::Switch(true),
    }];
    let mut r = Run::new(s, s.default_params(), 4, flip).unwrap();
    r.advance_to(100 * SEC);
    let m = &r.world().whole_run();
    let before = sum_between(m, "charges.duplicates", 0, 500);
    // A charge made just before the flip stored no key: its retries may still
    // charge again, up to two timeouts and two waits (6 s) later. After that, none.
    let after = sum_between(m, "charges.duplicates", 570, 1000);
    assert!(before > 100.0 && after == 0.0, "{before} {after}");
}

/// Timeline markers (simulated second) and log entries (µs) labelled `label`.
fn marks(r: &Run, label: &str) -> (Vec<f64>, Vec<u64>) {
    let timeline = r
        .model()
        .timeline()
        .into_iter()
        .filter(|(_, l)| l == label)
        .map(|(t, _)| t)
        .collect();
    let logged = r
        .world()
        .log()
        .entries()
        .filter(|e| e.text == label)
        .map(|e| e.at_us)
        .collect();
    (timeline, logged)
}

#[test]
fn an_outage_switched_off_is_neither_marked_nor_logged() {
    let r = run(ID, &[("outage_s", "off")], 1, 180.0);
    assert_eq!(marks(&r, "provider down"), (vec![], vec![]));
    assert_eq!(marks(&r, "provider up"), (vec![], vec![]));
    // Switched off live before 120 s: the same.
    let s = scenarios::find(ID).unwrap();
    let off = vec![TimedChange {
        at_us: 60 * SEC,
        name: "outage_s".into(),
        value: Value::Off,
    }];
    let mut r = Run::new(s, s.default_params(), 1, off).unwrap();
    r.advance_to(180 * SEC);
    assert_eq!(marks(&r, "provider down"), (vec![], vec![]));
    assert_eq!(marks(&r, "provider up"), (vec![], vec![]));
}

#[test]
fn an_outage_is_marked_at_both_ends_before_and_after_it_happens() {
    let s = scenarios::find(ID).unwrap();
    let longer = vec![TimedChange {
        at_us: 60 * SEC,
        name: "outage_s".into(),
        value: Value::Number(30.0),
    }];
    let mut r = Run::new(s, s.default_params(), 1, longer).unwrap();
    r.advance_to(10 * SEC);
    assert_eq!(marks(&r, "provider down"), (vec![120.0], vec![]));
    assert_eq!(marks(&r, "provider up"), (vec![140.0], vec![]));
    r.advance_to(180 * SEC);
    assert_eq!(marks(&r, "provider down"), (vec![120.0], vec![120 * SEC]));
    assert_eq!(marks(&r, "provider up"), (vec![150.0], vec![150 * SEC]));
}
