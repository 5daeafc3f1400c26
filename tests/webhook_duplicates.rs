//! The claims of `webhook-duplicates` (story 163, as its narrative tells it), on the default
//! seed and others, and at nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::sum_between;
use resilience_lab::scenarios::{self, Run, TimedChange, Value};
use resilience_lab::sim::HOUR;

const ID: &str = "webhook-duplicates";
const SECS: f64 = 43_200.0;

fn per_minute(r: &Run, name: &str, from_min: u64, to_min: u64) -> f64 {
    sum_between(&r.world().whole_run(), name, from_min, to_min)
}

#[test]
fn without_dedupe_every_redelivery_books_a_duplicate() {
    for (seed, rate) in [(1, "0.05"), (2, "0.05"), (17, "0.05"), (4, "0.1")] {
        let r = run(ID, &[("redelivery_rate", rate)], seed, SECS);
        let (dups, redeliveries) = (fig(&r, "duplicates"), fig(&r, "redeliveries"));
        assert!(redeliveries > 0.0);
        assert!(
            rel(dups, redeliveries) < 0.02,
            "seed {seed}: {dups} vs {redeliveries}"
        );
        let events = fig(&r, "events");
        let want = rate.parse::<f64>().unwrap();
        assert!(
            rel(redeliveries / events, want) < 0.15,
            "{}",
            redeliveries / events
        );
        assert!(
            fig(&r, "ledger_entries") > events,
            "more entries than events"
        );
    }
}

#[test]
fn redis_setnx_stops_duplicates_until_redis_forgets() {
    for seed in [1, 2, 17] {
        let r = run(ID, &[("dedupe", "redis_setnx")], seed, SECS);
        assert_eq!(fig(&r, "duplicates"), 0.0, "seed {seed}");
        assert!(fig(&r, "redeliveries") > 10_000.0);
        // A restart at 6 h: nothing before it, a burst after it.
        let sets = [("dedupe", "redis_setnx"), ("redis_restart", "21600")];
        let r = run(ID, &sets, seed, SECS);
        assert!(fig(&r, "duplicates") > 500.0, "seed {seed}");
        assert_eq!(per_minute(&r, "ledger.duplicates", 0, 360), 0.0);
        // A key that expires before a late redelivery lets it through; the
        // shorter the TTL, the more.
        let ttl = |h: &str| {
            let r = run(
                ID,
                &[("dedupe", "redis_setnx"), ("redis_ttl_h", h)],
                seed,
                SECS,
            );
            fig(&r, "duplicates")
        };
        let (half, one, day) = (ttl("0.5"), ttl("1"), ttl("24"));
        assert!(half > one && one > 0.0 && day == 0.0, "{half} {one} {day}");
    }
}

#[test]
fn a_unique_constraint_stops_every_duplicate() {
    for (seed, sets) in [
        (1, vec![("dedupe", "db_unique")]),
        (2, vec![("dedupe", "db_unique"), ("redis_restart", "21600")]),
        (17, vec![("dedupe", "db_unique"), ("redis_ttl_h", "0.5")]),
        (4, vec![("dedupe", "db_unique"), ("redelivery_rate", "0.3")]),
    ] {
        let r = run(ID, &sets, seed, SECS);
        assert_eq!(fig(&r, "duplicates"), 0.0, "seed {seed} {sets:?}");
        assert!(fig(&r, "redeliveries") > 10_000.0);
        let violations = r
            .world()
            .metrics()
            .counter_total("processed_events.violations");
        assert_eq!(
            violations,
            fig(&r, "redeliveries"),
            "each redelivery hits the constraint"
        );
    }
}

#[test]
fn every_redelivery_gets_200_ok() {
    for (seed, dedupe) in [
        (1, "none"),
        (2, "redis_setnx"),
        (17, "db_unique"),
        (5, "redis_setnx"),
    ] {
        let r = run(
            ID,
            &[("dedupe", dedupe), ("redis_restart", "20000")],
            seed,
            SECS,
        );
        let (acked, redeliveries) = (fig(&r, "redeliveries_acked"), fig(&r, "redeliveries"));
        // A redelivery still being processed when the run stops is not answered yet.
        assert!(
            redeliveries - acked <= 20.0,
            "{dedupe}: {acked} of {redeliveries}"
        );
        assert!(acked > 10_000.0);
    }
}

#[test]
fn results_do_not_depend_on_the_event_weight() {
    let share = |w: &str, dedupe: &str, seed| {
        let sets = [
            ("event_weight", w),
            ("dedupe", dedupe),
            ("redis_restart", "21600"),
        ];
        let r = run(ID, &sets, seed, SECS);
        (
            fig(&r, "duplicates") / fig(&r, "events"),
            fig(&r, "redeliveries") / fig(&r, "events"),
        )
    };
    // The restart lets a few hundred simulated events through at weight 10
    // (about ±6 % noise per run): its tolerance is wider.
    for (dedupe, tol) in [("none", 0.05), ("redis_setnx", 0.2)] {
        let (d10, r10) = share("10", dedupe, 3);
        let (d2, r2) = share("2", dedupe, 3);
        assert!(rel(d2, d10) < tol, "{dedupe}: duplicates {d2} vs {d10}");
        assert!(rel(r2, r10) < 0.05, "{dedupe}: redeliveries {r2} vs {r10}");
    }
}

#[test]
fn dedupe_switched_on_live_protects_events_delivered_after_the_switch() {
    let s = scenarios::find(ID).unwrap();
    let flip = vec![TimedChange {
        at_us: 3 * HOUR,
        name: "dedupe".into(),
        value: Value::Choice("db_unique"),
    }];
    let mut r = Run::new(s, s.default_params(), 6, flip).unwrap();
    r.advance_to(12 * HOUR);
    // Events first delivered before the switch have no processed_events row:
    // their redeliveries (up to about 7 h later) still book twice. Then none.
    assert!(per_minute(&r, "ledger.duplicates", 180, 400) > 0.0);
    assert_eq!(per_minute(&r, "ledger.duplicates", 620, 720), 0.0);
}

/// Timeline markers (simulated second, label) and logged texts naming `label`.
fn restart_marks(r: &Run) -> (Vec<f64>, Vec<u64>) {
    let timeline = r
        .model()
        .timeline()
        .into_iter()
        .filter(|(_, l)| l == "Redis restarts")
        .map(|(t, _)| t)
        .collect();
    let logged = r
        .world()
        .log()
        .entries()
        .filter(|e| e.text == "Redis restarts")
        .map(|e| e.at_us)
        .collect();
    (timeline, logged)
}

#[test]
fn a_restart_moved_live_is_marked_once_at_its_new_time() {
    let s = scenarios::find(ID).unwrap();
    let mut p = s.default_params();
    p.set_text("dedupe", "redis_setnx").unwrap();
    p.set_text("redis_restart", "21600").unwrap();
    let mut r = Run::new(s, p, 1, Vec::new()).unwrap();
    r.advance_to(HOUR);
    r.change_now("redis_restart", Value::Number(32_400.0))
        .unwrap();
    // Before either time: one future marker, at 9 h.
    assert_eq!(restart_marks(&r), (vec![32_400.0], vec![]));
    r.advance_to(12 * HOUR);
    assert_eq!(restart_marks(&r), (vec![32_400.0], vec![9 * HOUR]));
    // The keys were forgotten at 9 h, not at 6 h: duplicates start after 9 h.
    assert_eq!(per_minute(&r, "ledger.duplicates", 0, 540), 0.0);
    assert!(per_minute(&r, "ledger.duplicates", 540, 720) > 0.0);
}

#[test]
fn a_restart_switched_off_live_leaves_no_marker() {
    let changes = vec![TimedChange {
        at_us: HOUR,
        name: "redis_restart".into(),
        value: Value::Off,
    }];
    let s = scenarios::find(ID).unwrap();
    let mut p = s.default_params();
    p.set_text("dedupe", "redis_setnx").unwrap();
    p.set_text("redis_restart", "21600").unwrap();
    let mut r = Run::new(s, p, 1, changes).unwrap();
    r.advance_to(12 * HOUR);
    assert_eq!(restart_marks(&r), (vec![], vec![]));
    assert_eq!(fig(&r, "duplicates"), 0.0);
}
