//! The claims of `distributed-deadlock` (story 158, as its narrative tells it), on several
//! seeds and nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::{client_series, total_between};
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::kernel::time::from_secs;

const ID: &str = "distributed-deadlock";

/// (seed, parameters, offered tx/s, HTTP timeout in s).
type Case = (u64, &'static [(&'static str, &'static str)], f64, f64);

#[test]
fn sync_http_transactions_hang_until_the_http_timeout_fail_and_throughput_collapses() {
    let cases: [Case; 5] = [
        (1, &[], 20.0, 30.0),
        (7, &[], 20.0, 30.0),
        (42, &[], 20.0, 30.0),
        (5, &[("tx_per_s", "25")], 25.0, 30.0),
        (6, &[("http_timeout_s", "25")], 20.0, 25.0),
    ];
    for (seed, sets, offered, timeout_s) in cases {
        let r = run(ID, sets, seed, 600.0);
        let p99_s = fig(&r, "p99_latency_ms") / 1e3;
        assert!(
            rel(p99_s, timeout_s) < 0.05,
            "seed {seed} {sets:?}: p99 {p99_s:.1} s"
        );
        let tps = fig(&r, "throughput_tps");
        assert!(tps < 0.5 * offered, "seed {seed} {sets:?}: {tps:.2} tps");
        let l = r.world().ledger();
        assert!(fig(&r, "failed_tx") > 0.3 * l.arrived as f64);
        assert!(fig(&r, "deadlocks") >= 10.0, "{}", fig(&r, "deadlocks"));
        assert!(fig(&r, "max_lock_hold_ms") >= timeout_s * 1e3);
    }
}

#[test]
fn saga_events_hold_no_lock_across_a_call_zero_deadlocks_and_full_throughput() {
    for (seed, offered) in [(1, 20.0), (7, 20.0), (42, 20.0), (5, 40.0)] {
        let rate = offered.to_string();
        let sets = [
            ("communication", "saga_events"),
            ("tx_per_s", rate.as_str()),
        ];
        let r = run(ID, &sets, seed, 600.0);
        assert_eq!(fig(&r, "deadlocks"), 0.0);
        assert_eq!(fig(&r, "failed_tx"), 0.0);
        let tps = fig(&r, "throughput_tps");
        assert!(
            rel(tps, offered) < 0.05,
            "seed {seed}: {tps:.2} of {offered} tps"
        );
        assert!(fig(&r, "max_lock_hold_ms") < 200.0);
        assert!(fig(&r, "p99_latency_ms") < 100.0);
        // The other half of each saga happened too, asynchronously.
        let m = &r.world().metrics();
        for topic in ["order-placed", "shipment-dispatched"] {
            let (p, c) = (
                m.counter_total(&format!("{topic}.published")),
                m.counter_total(&format!("{topic}.consumed")),
            );
            assert!(
                p > 0.0 && p - c <= 5.0,
                "{topic}: {p} published, {c} consumed"
            );
        }
    }
}

#[test]
fn one_way_calls_never_deadlock_even_when_synchronous() {
    for (seed, offered) in [(1, 20.0), (7, 20.0), (42, 20.0), (5, 40.0)] {
        let rate = offered.to_string();
        let sets = [("call_direction", "one_way"), ("tx_per_s", rate.as_str())];
        let r = run(ID, &sets, seed, 600.0);
        assert_eq!(fig(&r, "deadlocks"), 0.0);
        assert_eq!(fig(&r, "failed_tx"), 0.0);
        let tps = fig(&r, "throughput_tps");
        assert!(
            rel(tps, offered) < 0.05,
            "seed {seed}: {tps:.2} of {offered} tps"
        );
        assert!(fig(&r, "max_lock_hold_ms") < 1_000.0);
    }
}

#[test]
fn switching_to_sagas_mid_incident_restores_throughput() {
    let s = scenarios::find(ID).unwrap();
    for seed in [1, 7] {
        let change = TimedChange {
            at_us: from_secs(300.0),
            name: "communication".into(),
            value: Value::Choice("saga_events"),
        };
        let mut r = Run::new(s, s.default_params(), seed, vec![change]).unwrap();
        r.advance_to(from_secs(600.0));
        assert!(r.world().ledger().balances());
        let ok = client_series(&["checkout", "courier"], &["ok"]);
        let ok_per_s = |from: u64, to: u64| {
            total_between(&r.world().whole_run(), &ok, from, to) / (to - from) as f64
        };
        let (before, after) = (ok_per_s(240, 300), ok_per_s(420, 600));
        assert!(
            before < 5.0 && after > 18.0,
            "seed {seed}: {before:.1} → {after:.1} tps"
        );
    }
}
