//! The claims of `cascading-failure` (story 162, as its narrative tells it), on the default
//! seed and others, and at nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::{outcome_names, share_between};
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::SEC;

const ID: &str = "cascading-failure";
const SEEDS: [u64; 3] = [1, 2, 17];
const SECS: f64 = 300.0;

/// Per-bucket login success (ok / ended), `None` where nothing ended.
fn login_success(r: &Run, bucket: u64) -> Option<f64> {
    let (ok, ended) = outcome_names("login");
    share_between(&r.world().whole_run(), &ok, &ended, bucket, bucket + 1)
}

#[test]
fn nothing_on_every_thread_waits_on_the_resizer_and_login_dies_within_a_minute() {
    for seed in SEEDS {
        let r = run(ID, &[], seed, SECS);
        assert_eq!(fig(&r, "max_threads_busy"), 200.0, "seed {seed}");
        assert_eq!(fig(&r, "login_success_before_fault"), 1.0);
        let after = fig(&r, "login_success_after_fault");
        assert!(after < 0.02, "seed {seed}: login success {after}");
        // From one minute after the hang on, not one login succeeds.
        for b in 120..300 {
            assert_eq!(login_success(&r, b), Some(0.0), "seed {seed}, bucket {b}");
        }
        // Nothing fails fast: image requests hang until the browser gives up.
        assert!(r.headline().contains(&("image_fail_fast_p50_ms", None)));
    }
}

#[test]
fn a_2000_ms_timeout_alone_lets_login_survive_only_in_part() {
    for seed in SEEDS {
        let r = run(ID, &[("timeout_ms", "2000")], seed, SECS);
        let s = fig(&r, "login_success_after_fault");
        assert!((0.4..0.9).contains(&s), "seed {seed}: {s}");
        assert_eq!(fig(&r, "max_threads_busy"), 200.0, "the pool is still full");
        let fail = fig(&r, "image_fail_fast_p50_ms");
        assert!(
            (2000.0..3200.0).contains(&fail),
            "image failures take the timeout: {fail}"
        );
    }
    // Nearby: a shorter timeout saves more logins, a longer one fewer.
    let short = fig(
        &run(ID, &[("timeout_ms", "1500")], 5, SECS),
        "login_success_after_fault",
    );
    let long = fig(
        &run(ID, &[("timeout_ms", "2500")], 5, SECS),
        "login_success_after_fault",
    );
    let mid = fig(
        &run(ID, &[("timeout_ms", "2000")], 5, SECS),
        "login_success_after_fault",
    );
    assert!(short > mid && mid > long, "{short} {mid} {long}");
    assert!(long > 0.3 && short < 0.97, "{short} {long}");
}

#[test]
fn bulkhead_keeps_login_alive_when_resizer_hangs() {
    for (seed, extra) in [
        (1, None),
        (2, None),
        (17, None),
        (4, Some(("timeout_ms", "2000"))),
    ] {
        let mut sets = vec![("bulkhead", "on")];
        sets.extend(extra);
        let r = run(ID, &sets, seed, SECS);
        // Throughout: every bucket of the run, before and after the hang.
        for b in 0..300 {
            let s = login_success(&r, b).expect("logins every second");
            assert!(s >= 0.99, "seed {seed} {sets:?}: bucket {b}: {s}");
        }
        assert!(
            fig(&r, "image_success_after_fault") < 0.01,
            "image requests fail"
        );
        let busy = fig(&r, "max_threads_busy");
        assert!(busy < 60.0, "Tomcat threads stay free: {busy}");
        let fast = fig(&r, "image_fail_fast_p50_ms");
        assert!(fast < 5.0, "refused by the full bulkhead at once: {fast}");
    }
}

#[test]
fn an_open_breaker_fails_image_requests_in_under_5_ms() {
    let cases: [(u64, &[(&str, &str)]); 4] = [
        (1, &[("circuit_breaker", "on")]),
        (2, &[("circuit_breaker", "on")]),
        (17, &[("circuit_breaker", "on"), ("timeout_ms", "2000")]),
        (
            3,
            &[
                ("circuit_breaker", "on"),
                ("cb_window", "40"),
                ("cb_min_calls", "20"),
            ],
        ),
    ];
    for (seed, sets) in cases {
        let r = run(ID, sets, seed, SECS);
        let m = &r.world().metrics();
        let state = m.series("resizer-breaker.state").unwrap();
        let fail_p50 = m.series("profile.error_latency.p50").unwrap();
        // Every second the breaker was open throughout, image requests failed fast.
        let mut open_buckets = 0;
        for b in 60..300 {
            if state.get(b) == Some(2.0) {
                open_buckets += 1;
                let p50 = fail_p50.get(b).unwrap();
                assert!(p50 < 5.0, "seed {seed}: bucket {b}: {p50} ms");
            }
        }
        assert!(open_buckets > 150, "open most of the time: {open_buckets}");
        assert!(fig(&r, "image_fail_fast_p50_ms") < 5.0);
        assert!(fig(&r, "login_success_after_fault") >= 0.99);
        assert!(
            fig(&r, "breaker_opened") >= 10.0,
            "re-opens after failed probes"
        );
        let opened = r
            .world()
            .log()
            .entries()
            .find(|e| e.text.starts_with("resizer-breaker opened"));
        let at = opened.expect("logged").at_us;
        assert!(
            (60 * SEC..63 * SEC).contains(&at),
            "opens soon after the hang: {at}"
        );
    }
}

#[test]
fn a_breaker_without_a_time_limiter_never_opens_on_a_hang() {
    let r = run(
        ID,
        &[("circuit_breaker", "on"), ("cb_time_limit_ms", "off")],
        1,
        200.0,
    );
    assert_eq!(fig(&r, "breaker_opened"), 0.0);
    assert_eq!(fig(&r, "max_threads_busy"), 200.0);
}

#[test]
fn a_breaker_switched_on_before_the_hang_equals_one_on_from_the_start() {
    let s = scenarios::find(ID).unwrap();
    let mut on = s.default_params();
    on.set_text("circuit_breaker", "on").unwrap();
    let mut a = Run::new(s, on, 7, Vec::new()).unwrap();
    a.advance_to(150 * SEC);
    let flip = vec![TimedChange {
        at_us: 30 * SEC,
        name: "circuit_breaker".into(),
        value: Value::Switch(true),
    }];
    let mut b = Run::new(s, s.default_params(), 7, flip).unwrap();
    b.advance_to(150 * SEC);
    assert_eq!(a.headline(), b.headline());
}
