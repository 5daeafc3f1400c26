//! The claims of `memory-leak` (story 152, as its narrative tells it), on several seeds
//! and nearby parameter values.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::figures::mean_between;
use resilience_lab::scenarios::{self, Run};
use resilience_lab::sim::kernel::time::from_secs;

const ID: &str = "memory-leak";
const DAY_S: f64 = 86_400.0;

/// (bucket index, value) of a series, NaN buckets left out.
fn series(r: &Run, name: &str) -> Vec<(u64, f64)> {
    let ring = r.world().metrics().series(name).unwrap();
    (ring.first_bucket()..)
        .zip(ring.values())
        .filter(|(_, v)| !v.is_nan())
        .collect()
}

#[test]
fn without_eviction_the_floor_rises_and_the_pod_restarts_about_every_4_hours() {
    let cases: [(u64, &[(&str, &str)]); 5] = [
        (1, &[]),
        (7, &[]),
        (42, &[]),
        (5, &[("orders_per_s", "110")]),
        (6, &[("heap_mb", "1900")]),
    ];
    for (seed, sets) in cases {
        let r = run(ID, sets, seed, DAY_S);
        let interval = fig(&r, "mean_restart_interval_h");
        assert!(
            (3.2..=4.8).contains(&interval),
            "seed {seed} {sets:?}: every {interval:.2} h"
        );
        let restarts = fig(&r, "restarts");
        assert!((5.0..=7.0).contains(&restarts), "{restarts} restarts");
        let slope = fig(&r, "heap_floor_slope_mb_per_h");
        assert!(slope > 300.0, "floor slope {slope:.0} MB/h");
        let log: Vec<&str> = r.world().log().entries().map(|e| e.text.as_str()).collect();
        assert!(log.iter().any(|t| t.contains("GC overhead limit exceeded")));
        assert!(log.iter().any(|t| t.contains("Restarted")));
    }
}

#[test]
fn p99_latency_climbs_as_gc_pauses_grow_before_each_restart() {
    for (seed, heap) in [(1, "2048"), (7, "2048"), (3, "3072")] {
        let r = run(ID, &[("heap_mb", heap)], seed, DAY_S);
        let kills: Vec<u64> = series(&r, "order.oom_kills")
            .into_iter()
            .filter(|(_, v)| *v > 0.0)
            .map(|(i, _)| i)
            .collect();
        assert!(kills.len() >= 2, "seed {seed}: {} kills", kills.len());
        // 10 s buckets: the last 15 minutes before a kill against 10–70 minutes
        // after the previous start.
        let starts = std::iter::once(0).chain(kills.iter().map(|k| k + 6));
        for (start, kill) in starts.zip(&kills) {
            let mean = |lo: u64, hi: u64| {
                mean_between(&r.world().whole_run(), "orders.latency.p99", lo, hi).unwrap()
            };
            let (fresh, dying) = (mean(start + 60, start + 420), mean(kill - 90, *kill));
            assert!(
                dying > 3.0 * fresh,
                "seed {seed} heap {heap}: p99 {fresh:.0} ms after start, {dying:.0} ms before the kill"
            );
        }
        let pauses = r
            .world()
            .metrics()
            .series_histogram("order.gc_pause")
            .unwrap();
        assert!(pauses.max().unwrap() > 4 * pauses.quantile(0.01).unwrap() as u64);
    }
}

#[test]
fn ttl_or_lru_eviction_means_no_restart_in_24_hours_and_a_flat_floor() {
    let cases: [(u64, &[(&str, &str)]); 5] = [
        (1, &[("cache_eviction", "ttl")]),
        (7, &[("cache_eviction", "lru")]),
        (42, &[("cache_eviction", "ttl")]),
        (5, &[("cache_eviction", "ttl"), ("ttl_minutes", "45")]),
        (6, &[("cache_eviction", "lru"), ("max_entries", "300000")]),
    ];
    for (seed, sets) in cases {
        let r = run(ID, sets, seed, DAY_S);
        assert_eq!(fig(&r, "restarts"), 0.0, "seed {seed} {sets:?}");
        let headline = r.headline();
        let interval = headline
            .iter()
            .find(|(k, _)| *k == "mean_restart_interval_h");
        assert_eq!(interval.unwrap().1, None, "no restart: no interval");
        let slope = fig(&r, "heap_floor_slope_mb_per_h");
        assert!(
            slope.abs() < 5.0,
            "seed {seed} {sets:?}: slope {slope:.2} MB/h"
        );
        let floor = series(&r, "order.heap_after_gc_mb");
        let last = floor.last().unwrap().1;
        assert!((450.0..700.0).contains(&last), "floor {last:.0} MB");
    }
}

#[test]
fn doubling_orders_per_s_roughly_halves_the_restart_interval() {
    for (seed, base) in [(1, 100.0), (7, 100.0), (42, 120.0)] {
        let interval = |rate: f64| {
            let r = run(
                ID,
                &[("orders_per_s", &rate.to_string())],
                seed,
                DAY_S / 2.0,
            );
            fig(&r, "mean_restart_interval_h")
        };
        let ratio = interval(2.0 * base) / interval(base);
        assert!(
            (0.4..0.6).contains(&ratio),
            "seed {seed}: {base} → {} orders/s, interval ratio {ratio:.3}",
            2.0 * base
        );
    }
}

#[test]
fn results_do_not_depend_on_the_request_weight_beyond_noise() {
    let a = run(ID, &[("request_weight", "5")], 3, DAY_S);
    let b = run(ID, &[("request_weight", "20")], 3, DAY_S);
    assert_eq!(fig(&a, "restarts"), fig(&b, "restarts"));
    for key in ["mean_restart_interval_h", "heap_floor_slope_mb_per_h"] {
        let (x, y) = (fig(&a, key), fig(&b, key));
        assert!(rel(x, y) < 0.02, "{key}: weight 5 {x:.3}, weight 20 {y:.3}");
    }
    // Same orders either way.
    let (la, lb) = (a.world().ledger(), b.world().ledger());
    assert!(rel(la.arrived as f64, lb.arrived as f64) < 0.01);
}

#[test]
fn a_run_sliced_into_steps_gives_the_same_numbers() {
    // GC pauses that stop work, and an OOM kill, fall inside the slices.
    let s = scenarios::find(ID).unwrap();
    let mut p = s.default_params();
    p.set_text("heap_mb", "700").unwrap();
    let mut whole = Run::new(s, p.clone(), 2, Vec::new()).unwrap();
    whole.advance_to(from_secs(7_200.0));
    let mut sliced = Run::new(s, p, 2, Vec::new()).unwrap();
    for t in [1.0, 33.3, 600.0, 3_000.5, 5_000.0, 7_200.0] {
        sliced.advance_to(from_secs(t));
    }
    assert!(fig(&whole, "restarts") >= 1.0);
    assert_eq!(whole.headline(), sliced.headline());
    assert_eq!(whole.world().ledger(), sliced.world().ledger());
}

#[test]
fn a_pod_killed_every_few_minutes_still_shows_its_floor_rising() {
    // A TTL longer than a pod's life is no eviction at all: each life's floor
    // climbs at the rate orders are retained, then the pod is OOM-killed. The
    // slope is that climb, not the drop at each restart.
    let orders_per_s = 841.2;
    let r = run(
        "memory-leak",
        &[
            ("cache_eviction", "ttl"),
            ("ttl_minutes", "1361"),
            ("max_entries", "50410"),
            ("orders_per_s", "841.2"),
            ("heap_mb", "1158"),
            ("request_weight", "609"),
        ],
        1,
        86_400.0,
    );
    assert!(fig(&r, "restarts") > 50.0);
    let retained_mb_per_h = orders_per_s * 0.001_1 * 3_600.0;
    let slope = fig(&r, "heap_floor_slope_mb_per_h");
    assert!(
        (slope / retained_mb_per_h - 1.0).abs() < 0.25,
        "slope {slope:.0} MB/h, retained {retained_mb_per_h:.0} MB/h"
    );
}

/// The page's "next event" goes to a few seconds before the first OOM kill
/// the scenario expects (`Model::expected`): the first warning or error of a
/// run comes within minutes of it, on several seeds and settings.
#[test]
fn the_first_kill_comes_when_the_scenario_expects_it() {
    use resilience_lab::sim::LogLevel;
    let cases: [(u64, &[(&str, &str)]); 4] = [
        (1, &[]),
        (2, &[]),
        (3, &[("orders_per_s", "200")]),
        (4, &[("heap_mb", "4096")]),
    ];
    for (seed, sets) in cases {
        let r = run(ID, sets, seed, 12.0 * 3_600.0);
        let due = r.model().expected(&r.params);
        assert_eq!(due.len(), 1, "{sets:?}");
        let first = r
            .world()
            .log()
            .entries()
            .find(|e| e.level != LogLevel::Info)
            .map(|e| e.at_us as f64 / 1e6)
            .expect("a kill within 12 h");
        assert!(
            (due[0] - 600.0..=due[0] + 1_200.0).contains(&first),
            "seed {seed} {sets:?}: first fault at {first:.0} s, expected at {:.0} s",
            due[0]
        );
    }
    let r = run(ID, &[("cache_eviction", "ttl")], 1, 60.0);
    assert!(
        r.model().expected(&r.params).is_empty(),
        "no kill with eviction"
    );
}
