//! dinner-rush (story 154): the claims, on several seeds and nearby parameters.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{fig, run};
use resilience_lab::scenarios::figures::mean_between;

const ID: &str = "dinner-rush";
/// The whole evening, 17:00–20:30.
const EVENING: f64 = 12_600.0;
/// Up to 19:00: the ramp and the peak hour.
const TO_19H: f64 = 7_200.0;
/// Up to 18:30: the ramp and half an hour at 10×.
const TO_1830: f64 = 5_400.0;

const EVERYTHING_ON: [(&str, &str); 4] = [
    ("db_vcpu", "16"),
    ("read_replicas", "3"),
    ("hpa", "on"),
    ("sessions", "redis"),
];

fn with<'a>(base: &[(&'a str, &'a str)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut v: Vec<_> = base
        .iter()
        .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
        .copied()
        .collect();
    v.extend_from_slice(extra);
    v
}

#[test]
fn nothing_on_fails_most_requests_at_the_peak() {
    for (seed, extra) in [
        (1, None),
        (2, None),
        (3, None),
        (4, Some(("hpa_min_pods", "7"))),
    ] {
        let sets = with(&[], &extra.into_iter().collect::<Vec<_>>());
        let r = run(ID, &sets, seed, TO_19H);
        let peak = fig(&r, "peak_error_rate");
        assert!(peak > 0.5, "seed {seed} {extra:?}: {peak}");
        assert_eq!(fig(&r, "pods_added"), 0.0);
    }
}

#[test]
fn replicas_take_the_reads_off_the_primary() {
    // A 16-vCPU primary is not saturated even alone, so its CPU shows the
    // share of the work it keeps: the writes, about 8.5 % of the database's CPU.
    for (seed, replicas) in [(1, "3"), (2, "3"), (3, "2")] {
        let alone = run(
            ID,
            &with(&EVERYTHING_ON, &[("read_replicas", "0")]),
            seed,
            TO_1830,
        );
        let helped = run(
            ID,
            &with(&EVERYTHING_ON, &[("read_replicas", replicas)]),
            seed,
            TO_1830,
        );
        let (a, h) = (
            fig(&alone, "peak_primary_cpu"),
            fig(&helped, "peak_primary_cpu"),
        );
        assert!((0.7..0.95).contains(&a), "seed {seed}: alone {a}");
        let kept = h / a;
        assert!(
            (0.05..0.15).contains(&kept),
            "seed {seed}: {h} / {a} = {kept}"
        );
    }
}

#[test]
fn hpa_adds_about_40_pods_for_the_rush_and_removes_them_after() {
    for (seed, extra) in [(1, None), (2, None), (3, Some(("hpa_target_cpu", "65")))] {
        let sets = with(&EVERYTHING_ON, &extra.into_iter().collect::<Vec<_>>());
        let r = run(ID, &sets, seed, EVENING);
        let added = fig(&r, "pods_added");
        assert!(
            (34.0..=48.0).contains(&added),
            "seed {seed} {extra:?}: {added}"
        );
        // Back to the baseline (5 pods, ± the autoscaler's noise near its target).
        let end = fig(&r, "pods_at_end");
        assert!(end <= 8.0, "seed {seed}: {end} pods at 20:30");
        let s = r.world().service_index("web").unwrap();
        assert!(r.world().autoscalers()[0].scale_downs >= 3);
        assert_eq!(r.world().draining_pods(s), 0);
    }
}

#[test]
fn everything_on_handles_10x_with_under_1_percent_errors() {
    for (seed, extra) in [(4, None), (5, None), (6, Some(("hpa_target_cpu", "70")))] {
        // The ramp and the peak hour: where 10× has to be handled.
        let sets = with(&EVERYTHING_ON, &extra.into_iter().collect::<Vec<_>>());
        let r = run(ID, &sets, seed, TO_19H);
        let (err, peak) = (fig(&r, "error_rate"), fig(&r, "peak_error_rate"));
        assert!(
            err < 0.01 && peak < 0.05,
            "seed {seed} {extra:?}: {err} {peak}"
        );
    }
}

#[test]
fn with_sticky_sessions_new_pods_idle_while_old_ones_burn() {
    let sticky = [("sessions", "in_memory_sticky")];
    for (seed, extra) in [(1, None), (2, None), (3, Some(("hpa_target_cpu", "50")))] {
        let extra: Vec<_> = extra.into_iter().collect();
        let burn = run(
            ID,
            &with(&with(&EVERYTHING_ON, &sticky), &extra),
            seed,
            TO_1830,
        );
        let free = run(ID, &with(&EVERYTHING_ON, &extra), seed, TO_1830);
        let (eb, ef) = (fig(&burn, "error_rate"), fig(&free, "error_rate"));
        let (pb, pf) = (fig(&burn, "peak_error_rate"), fig(&free, "peak_error_rate"));
        assert!(pb > 0.3 && pf < 0.05, "seed {seed}: peak {pb} vs {pf}");
        assert!(eb > 0.01 && eb > 10.0 * ef, "seed {seed}: {eb} vs {ef}");
        // The autoscaler added as many pods, but the hottest pod sat at 100 %
        // while the coolest was nearly idle during the ramp (17:35–18:00).
        assert!(fig(&burn, "pods_added") >= fig(&free, "pods_added") - 4.0);
        let m = &burn.world().whole_run();
        let ramp = |name: &str| mean_between(m, name, 213, 360).unwrap();
        let (hot, cool) = (ramp("web.cpu_pod_max"), ramp("web.cpu_pod_min"));
        assert!(hot > 0.95 && cool < 0.3, "seed {seed}: {hot} {cool}");
    }
}

#[test]
fn every_toggle_applies_live() {
    use resilience_lab::scenarios::{self, Run, TimedChange};
    use resilience_lab::sim::kernel::time::SEC;
    let s = scenarios::find(ID).unwrap();
    let p = s.default_params();
    let value = |name: &str, text: &str| p.spec(name).unwrap().parse(text).unwrap();
    let at = |t: u64, name: &str, text: &str| TimedChange {
        at_us: t * SEC,
        name: name.into(),
        value: value(name, text),
    };
    let changes = vec![
        at(1_800, "hpa", "on"),
        at(1_900, "db_vcpu", "16"),
        at(2_000, "read_replicas", "3"),
        at(2_100, "sessions", "redis"),
        at(2_200, "hpa_target_cpu", "50"),
        at(2_300, "hpa_max_pods", "80"),
        at(3_000, "sessions", "in_memory_sticky"),
        at(3_100, "read_replicas", "1"),
        at(3_200, "hpa_min_pods", "10"),
        at(3_300, "hpa", "off"),
    ];
    let mut r = Run::new(s, p.clone(), 3, changes).unwrap();
    r.advance_to(2_900 * SEC);
    assert!(r.world().ledger().balances());
    let web = r.world().service_index("web").unwrap();
    let live = |r: &Run| {
        let svc = &r.world().services()[web.index()];
        svc.ready_pods() + svc.starting_pods()
    };
    assert!(live(&r) > 20, "{}", live(&r));
    r.advance_to(3_400 * SEC);
    assert!(r.world().ledger().balances());
    assert_eq!(live(&r), 10);
}
