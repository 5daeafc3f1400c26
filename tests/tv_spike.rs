//! tv-spike (story 161): the claims of its narrative and guide, on the default seed, two
//! other seeds, and nearby spike heights.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{fig, run};
use resilience_lab::scenarios::figures::{client_series, failure_share_between, FAILED};
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::kernel::time::{from_secs, SEC};
use resilience_lab::sim::Signal;

const ID: &str = "tv-spike";
/// The broadcast is at 300 s; the first five minutes end at 600 s.
const FIRST_5MIN_S: f64 = 620.0;
/// (seed, spike factor): the three seeds at 50×, and 45× and 60× nearby.
const CASES: [(u64, &str); 5] = [(1, "50"), (2, "50"), (3, "50"), (1, "45"), (2, "60")];

fn restored_s(r: &Run) -> Option<f64> {
    r.headline()
        .into_iter()
        .find(|(k, _)| *k == "widget_restored_s")
        .and_then(|(_, v)| v)
}

fn headline(sets: &[(&str, &str)], seed: u64, secs: f64) -> (f64, f64, Option<f64>) {
    let r = run(ID, sets, seed, secs);
    (
        fig(&r, "error_rate_first_5min"),
        fig(&r, "db_calls_per_s_peak"),
        restored_s(&r),
    )
}

/// The error rate per bucket of the run, over every visitor.
fn error_rates(r: &Run) -> Vec<f64> {
    let m = &r.world().whole_run();
    let visitors = ["home", "pages"];
    let (bad, ok) = (
        client_series(&visitors, &FAILED),
        client_series(&visitors, &["ok"]),
    );
    (0..m.buckets_closed())
        .map(|i| failure_share_between(m, &bad, &ok, i, i + 1).unwrap_or(0.0))
        .collect()
}

#[test]
fn with_nothing_on_most_visitors_get_errors_for_the_first_minutes_and_the_db_queue_saturates() {
    for (seed, factor) in CASES {
        let s = scenarios::find(ID).unwrap();
        let mut p = s.default_params();
        p.set_text("spike_factor", factor).unwrap();
        let mut r = Run::new(s, p, seed, Vec::new()).unwrap();
        // Three minutes after the broadcast no new pod is ready yet: every
        // thread of the two pods waits for one of their few connections.
        r.advance_to(480 * SEC);
        let w = r.world();
        let web = w.service_index("web").expect("the web service");
        let conns_waiting = w.signal(Signal::QueuedPerPod {
            service: web,
            pool: 1,
        });
        let threads_waiting = w.signal(Signal::QueuedPerPod {
            service: web,
            pool: 0,
        });
        assert!(conns_waiting >= 40.0, "seed {seed}: {conns_waiting}");
        assert!(threads_waiting >= 95.0, "seed {seed}: {threads_waiting}");
        r.advance_to(from_secs(FIRST_5MIN_S));
        assert!(r.world().ledger().balances());
        let e = fig(&r, "error_rate_first_5min");
        assert!(e > 0.5, "seed {seed} {factor}×: error rate {e}");
        let rates = error_rates(&r);
        // The first minutes: from traffic's peak (330 s) for three minutes.
        let worst: f64 = rates[66..102].iter().sum::<f64>() / 36.0;
        assert!(worst > 0.65, "seed {seed} {factor}×: {worst}");
    }
}

#[test]
fn load_shedding_cuts_db_calls_by_90_percent_and_keeps_errors_under_5_percent() {
    for (seed, factor) in CASES {
        let (_, db_off, _) = headline(&[("spike_factor", factor)], seed, FIRST_5MIN_S);
        let (e, db_on, _) = headline(
            &[("load_shedding", "on"), ("spike_factor", factor)],
            seed,
            FIRST_5MIN_S,
        );
        assert!(
            db_on <= 0.1 * db_off,
            "seed {seed} {factor}×: {db_on} DB calls/s shed, {db_off} not"
        );
        assert!(e < 0.05, "seed {seed} {factor}×: error rate {e}");
    }
}

#[test]
fn the_widget_comes_back_about_five_minutes_after_the_spike_once_pods_have_caught_up() {
    for (seed, factor) in [(1, "50"), (2, "50"), (3, "60")] {
        let r = run(
            ID,
            &[("load_shedding", "on"), ("spike_factor", factor)],
            seed,
            900.0,
        );
        let restored = restored_s(&r).expect("the widget came back");
        assert!(
            (240.0..=360.0).contains(&restored),
            "seed {seed}: restored after {restored} s"
        );
        let w = r.world();
        // Restored for good: on at the end, last changed at the restore.
        let widget = &w.flags()[w.flag_index("widget").unwrap() as usize];
        assert!(widget.is_on());
        assert_eq!(widget.changed_at_us(), Some(from_secs(300.0 + restored)));
        // By a rule about capacity, not a clock: every pod asked for was ready.
        let at = ((300.0 + restored) / 5.0) as u64;
        let m = &w.metrics();
        let ready = m.series("web.pods_ready").unwrap().get(at - 1).unwrap();
        let desired = m.series("web.hpa_desired").unwrap().get(at - 1).unwrap();
        assert!(ready >= desired, "{ready} ready of {desired}");
        let after = error_rates(&r)[at as usize..]
            .iter()
            .cloned()
            .fold(0.0, f64::max);
        assert!(after < 0.01, "errors after the widget came back: {after}");
    }
    // Without the autoscaler capacity never catches up, and the widget stays off.
    let (e, _, restored) = headline(&[("load_shedding", "on"), ("hpa", "off")], 1, 900.0);
    assert_eq!(restored, None);
    assert!(e < 0.05);
}

#[test]
fn a_scheduled_prewarm_leaves_no_error_burst_at_all() {
    for (seed, factor) in CASES {
        let r = run(
            ID,
            &[("scheduled_prewarm", "on"), ("spike_factor", factor)],
            seed,
            FIRST_5MIN_S,
        );
        let worst = error_rates(&r).into_iter().fold(0.0, f64::max);
        assert!(worst < 0.01, "seed {seed} {factor}×: worst 5 s {worst}");
        assert!(fig(&r, "error_rate_first_5min") < 0.005);
        let ready_at_broadcast = r
            .world()
            .metrics()
            .series("web.pods_ready")
            .unwrap()
            .get(59);
        assert_eq!(ready_at_broadcast, Some(12.0));
    }
}

#[test]
fn load_shedding_switched_on_in_the_middle_of_the_spike_ends_the_errors_within_seconds() {
    let s = scenarios::find(ID).unwrap();
    let change = TimedChange {
        at_us: from_secs(360.0),
        name: "load_shedding".into(),
        value: Value::Switch(true),
    };
    let mut r = Run::new(s, s.default_params(), 1, vec![change]).unwrap();
    r.advance_to(from_secs(FIRST_5MIN_S));
    assert!(r.world().ledger().balances());
    let rates = error_rates(&r);
    let before = rates[66..72].iter().sum::<f64>() / 6.0;
    let after = rates[74..120].iter().cloned().fold(0.0, f64::max);
    assert!(before > 0.6 && after < 0.05, "{before} then {after}");
}
