//! The claims of `payment-outage` (story 151, as its narrative tells it), on several seeds
//! and nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::{
    client_series, failure_share_between, mean_between, FAILED,
};
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::kernel::time::from_secs;

const ID: &str = "payment-outage";
const SEEDS: [u64; 3] = [1, 7, 42];

/// Share of gateway requests that failed among those that ended in `[from_s, to_s)`.
fn error_rate_between(r: &Run, from_s: u64, to_s: u64) -> f64 {
    let sides = ["gateway.green", "gateway.blue"];
    let (failed, ok) = (
        client_series(&sides, &FAILED),
        client_series(&sides, &["ok"]),
    );
    failure_share_between(&r.world().whole_run(), &failed, &ok, from_s, to_s)
        .expect("requests ended")
}

/// Mean of a gauge series over the buckets `[from_s, to_s)` (1 s buckets).
fn mean(r: &Run, series: &str, from_s: u64, to_s: u64) -> f64 {
    mean_between(&r.world().whole_run(), series, from_s, to_s).expect("buckets kept")
}

fn run_with_change(seed: u64, at_s: f64, name: &str, value: Value, secs: f64) -> Run {
    let s = scenarios::find(ID).unwrap();
    let change = TimedChange {
        at_us: from_secs(at_s),
        name: name.into(),
        value,
    };
    let mut r = Run::new(s, s.default_params(), seed, vec![change]).unwrap();
    r.advance_to(from_secs(secs));
    assert!(r.world().ledger().balances());
    r
}

#[test]
fn bad_deploy_on_10_pods_gives_over_30_percent_5xx_with_pods_in_crash_loops() {
    let cases = SEEDS.map(|s| (s, "10")).into_iter().chain([(5, "12")]);
    for (seed, replicas) in cases {
        let r = run(ID, &[("replicas", replicas)], seed, 240.0);
        let err = fig(&r, "error_rate_after_deploy");
        assert!(err > 0.3, "seed {seed} replicas {replicas}: 5xx {err:.3}");
        assert!(fig(&r, "oom_kills") >= 10.0);
        assert!(fig(&r, "peak_memory_ratio") > 1.0);
        let log: Vec<&str> = r.world().log().entries().map(|e| e.text.as_str()).collect();
        for want in ["OOMKilled", "CrashLoopBackOff", "Restarted"] {
            assert!(
                log.iter().any(|t| t.contains(want)),
                "seed {seed}: no {want}"
            );
        }
        // Before the deploy nothing failed.
        assert_eq!(error_rate_between(&r, 0, 60), 0.0);
    }
}

#[test]
fn thirty_replicas_dilute_the_load_memory_stays_under_the_limit_and_5xx_below_2_percent() {
    let cases = SEEDS.map(|s| (s, "30")).into_iter().chain([(5, "28")]);
    for (seed, replicas) in cases {
        let r = run(ID, &[("replicas", replicas)], seed, 300.0);
        let peak = fig(&r, "peak_memory_ratio");
        assert!(
            peak < 0.9,
            "seed {seed} replicas {replicas}: peak {peak:.3}"
        );
        assert_eq!(fig(&r, "oom_kills"), 0.0);
        assert!(fig(&r, "error_rate_after_deploy") < 0.02);
        // The deploy did raise memory: diluted, not gone.
        let before = mean(&r, "payment-green.mem_mb", 10, 60);
        let after = mean(&r, "payment-green.mem_mb", 120, 300);
        assert!(after > 1.4 * before, "mean {before:.0} → {after:.0} MB");
    }
}

#[test]
fn scaling_out_to_30_during_the_crash_loop_brings_5xx_below_2_percent_within_2_minutes() {
    for (seed, at_s) in [(1, 180.0), (7, 180.0), (42, 240.0)] {
        let r = run_with_change(seed, at_s, "replicas", Value::Number(30.0), at_s + 240.0);
        let at = at_s as u64;
        assert!(error_rate_between(&r, at - 60, at) > 0.3);
        let err = error_rate_between(&r, at + 120, at + 240);
        assert!(
            err < 0.02,
            "seed {seed}: 5xx {err:.4} from 2 minutes after scaling"
        );
    }
}

#[test]
fn shifting_to_blue_brings_5xx_to_about_zero_and_memory_back_to_its_pre_deploy_level() {
    let cases = SEEDS.map(|s| (s, "180")).into_iter().chain([(5, "240")]);
    for (seed, at) in cases {
        let r = run(ID, &[("shift_to_blue", at)], seed, 540.0);
        let err = fig(&r, "error_rate_last_5min");
        assert!(err < 0.001, "seed {seed} shift at {at}: 5xx {err:.4}");
        let pre = mean(&r, "payment-green.mem_mb", 10, 60);
        let blue = mean(&r, "payment-blue.mem_mb", 300, 540);
        assert!(
            rel(blue, pre) < 0.03,
            "Blue {blue:.0} MB vs Green before the deploy {pre:.0} MB"
        );
        assert!(r
            .world()
            .log()
            .entries()
            .any(|e| e.text.starts_with("Traffic shifted")));
    }
}

#[test]
fn more_replicas_never_make_it_worse() {
    for seed in [1, 42] {
        let mut last = (f64::INFINITY, f64::INFINITY);
        for replicas in ["10", "15", "20", "30", "40"] {
            let r = run(ID, &[("replicas", replicas)], seed, 300.0);
            let now = (
                fig(&r, "error_rate_after_deploy"),
                fig(&r, "error_rate_last_5min"),
            );
            assert!(
                now.0 <= last.0 + 0.01 && now.1 <= last.1 + 0.01,
                "seed {seed}: {replicas} replicas {now:?} after {last:?}"
            );
            last = now;
        }
        assert!(last.0 < 0.001);
    }
}

#[test]
fn without_the_bad_deploy_nothing_fails() {
    let r = run(ID, &[("bad_deploy", "off")], 3, 300.0);
    assert_eq!(fig(&r, "error_rate_after_deploy"), 0.0);
    assert_eq!(fig(&r, "oom_kills"), 0.0);
    assert!(fig(&r, "peak_memory_ratio") < 0.5);
}

#[test]
fn a_run_sliced_into_steps_gives_the_same_numbers() {
    // OOM kills, restarts, back-off and a traffic shift all inside the slices.
    let s = scenarios::find(ID).unwrap();
    let mut p = s.default_params();
    p.set_text("replicas", "15").unwrap();
    p.set_text("shift_to_blue", "150").unwrap();
    let mut whole = Run::new(s, p.clone(), 11, Vec::new()).unwrap();
    whole.advance_to(from_secs(200.0));
    let mut sliced = Run::new(s, p, 11, Vec::new()).unwrap();
    for t in [0.5, 59.999, 60.0, 61.3, 97.0, 150.0, 199.0, 200.0] {
        sliced.advance_to(from_secs(t));
    }
    assert_eq!(whole.headline(), sliced.headline());
    assert_eq!(whole.world().ledger(), sliced.world().ledger());
    assert_eq!(
        whole.world().events_processed(),
        sliced.world().events_processed()
    );
}

#[test]
fn a_shift_called_off_before_it_happens_leaves_no_marker_and_no_shift() {
    let s = scenarios::find("payment-outage").unwrap();
    for seed in [1, 2, 3] {
        let mut p = s.default_params();
        p.set_text("shift_to_blue", "300").unwrap();
        let off = TimedChange {
            at_us: 100_000_000,
            name: "shift_to_blue".into(),
            value: Value::Off,
        };
        let mut r = Run::new(s, p, seed, vec![off]).unwrap();
        r.advance_to(400_000_000);
        let w = r.world();
        assert!(
            !w.log().entries().any(|e| e.text == "Shift to Blue"),
            "seed {seed}: a phantom shift"
        );
        assert!(w.timeline().iter().all(|(_, l)| *l != "Shift to Blue"));
    }
}
