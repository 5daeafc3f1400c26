//! Engine invariants: the request ledger at every instant, determinism, and
//! results that do not depend on how a run is sliced into steps.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use resilience_lab::scenarios::figures::mean_between;
use resilience_lab::scenarios::{self, Run, TimedChange};
use resilience_lab::sim::*;

/// A small system where every outcome happens: timeouts, rejections from a
/// bounded queue, errors, a dependency that hangs, and a rate spike.
fn messy_world(seed: u64) -> World {
    let mut w = World::new(seed, WorldConfig::default());
    let api = w.add_service(ServiceSpec::new("api", 2, 4).queue_cap(5));
    let db = w.add_service(ServiceSpec::new("db", 1, 3));
    let q = w.add_handler(Handler::new(
        "query",
        db,
        vec![Step::Work(Dist::LogNormal {
            median_ms: 20.0,
            sigma: 1.0,
        })],
    ));
    let hang = w.add_handler(Handler::new("hang", db, vec![Step::Hang]));
    let page = w.add_handler(Handler::new(
        "page",
        api,
        vec![
            Step::Work(Dist::Exponential { mean_ms: 5.0 }),
            Step::Call(CallSpec::new(db, q).timeout_us(80 * MS).tolerate_failure()),
            Step::FailWith { p: 0.05 },
            Step::Call(CallSpec::new(db, q).timeout_us(150 * MS)),
        ],
    ));
    w.add_client(
        ClientSpec::new("users", 120.0, api, page)
            .timeout_us(300 * MS)
            .profile(RateProfile::spike(
                20 * SEC,
                2 * SEC,
                4.0,
                10 * SEC,
                5 * SEC,
            )),
    );
    w.add_client(ClientSpec::new("bulk", 20.0, api, page).weight(3));
    w.at(
        40 * SEC,
        "db hangs",
        Box::new(move |w: &mut World| w.set_step(q, 0, Step::Hang)),
    );
    w.at(
        50 * SEC,
        "db recovers",
        Box::new(move |w: &mut World| {
            w.set_step(q, 0, Step::Work(Dist::Exponential { mean_ms: 10.0 }))
        }),
    );
    let _ = hang;
    w
}

#[test]
fn ledger_balances_at_every_instant_and_every_outcome_occurs() {
    let mut w = messy_world(3);
    let mut t = 0;
    while t < 80 * SEC {
        t += 7 * MS;
        w.step(t);
        for c in w.clients() {
            assert!(c.ledger.balances(), "t={t}: {:?}", c.ledger);
        }
    }
    let l = w.ledger();
    assert!(
        l.succeeded > 0 && l.failed > 0 && l.rejected > 0 && l.timed_out > 0,
        "{l:?}"
    );
    assert_eq!(
        l.arrived,
        l.succeeded + l.failed + l.rejected + l.timed_out + l.in_flight
    );
    // Weighted requests count by their weight.
    let bulk = &w.clients()[1].ledger;
    assert_eq!(bulk.arrived % 3, 0);
}

fn fingerprint(w: &World) -> String {
    let mut s = format!("{:?} {} ", w.ledger(), w.events_processed());
    for name in w.metrics().series_names() {
        let r = w.metrics().series(&name).unwrap();
        let sum: f64 = r.values().filter(|v| v.is_finite()).sum();
        s.push_str(&format!("{name}={sum:.9};"));
    }
    s
}

#[test]
fn same_seed_same_numbers_other_seed_other_numbers() {
    let run = |seed| {
        let mut w = messy_world(seed);
        w.step(60 * SEC);
        fingerprint(&w)
    };
    assert_eq!(run(5), run(5));
    assert_ne!(run(5), run(6));
}

#[test]
fn slicing_a_run_into_steps_does_not_change_it() {
    let mut whole = messy_world(9);
    whole.step(70 * SEC);
    let mut sliced = messy_world(9);
    let mut t = 0;
    let mut k = 1;
    while t < 70 * SEC {
        t = (t + k * 997).min(70 * SEC);
        k = k * 3 % 1013 + 1;
        sliced.step(t);
    }
    let mut bounded = messy_world(9);
    while bounded.now() < 70 * SEC {
        bounded.step_bounded(70 * SEC, 37);
    }
    assert_eq!(fingerprint(&whole), fingerprint(&sliced));
    assert_eq!(fingerprint(&whole), fingerprint(&bounded));
}

#[test]
fn a_toggle_flipped_live_equals_the_same_change_on_the_timeline() {
    let s = scenarios::find("queueing-basics").unwrap();
    let servers = s
        .default_params()
        .spec("servers")
        .unwrap()
        .parse("12")
        .unwrap();
    // Planned: the change is part of the run from the start.
    let planned = vec![TimedChange {
        at_us: 100 * SEC,
        name: "servers".into(),
        value: servers.clone(),
    }];
    let mut a = Run::new(s, s.default_params(), 4, planned).unwrap();
    a.advance_to(300 * SEC);
    // Live: a person flips it when the clock shows 100 s, stepping in frames.
    let mut b = Run::new(s, s.default_params(), 4, Vec::new()).unwrap();
    while b.now() < 100 * SEC {
        b.advance_bounded(100 * SEC, 5_000);
    }
    b.change_now("servers", servers).unwrap();
    while b.now() < 300 * SEC {
        b.advance_bounded(300 * SEC, 5_000);
    }
    assert_eq!(a.headline(), b.headline());
    assert_eq!(fingerprint(a.world()), fingerprint(b.world()));
    assert_eq!(a.changes(), b.changes());
}

#[test]
fn adding_servers_mid_run_drains_the_queue() {
    let s = scenarios::find("queueing-basics").unwrap();
    let mut p = s.default_params();
    p.set_text("arrival_rps", "1100").unwrap(); // overloaded: 110 % of 10 servers
    let mut r = Run::new(s, p, 2, Vec::new()).unwrap();
    r.advance_to(60 * SEC);
    let queued_before = r.world().services()[0].queued(0);
    assert!(
        queued_before > 1_000,
        "queue should grow without bound: {queued_before}"
    );
    r.change_now("servers", scenarios::Value::Number(14.0))
        .unwrap();
    r.advance_to(120 * SEC);
    let queued_after = r.world().services()[0].queued(0);
    assert!(
        queued_after < 100,
        "queue should drain: {queued_before} -> {queued_after}"
    );
}

#[test]
fn pods_added_become_ready_after_startup_and_removed_pods_drain() {
    let mut w = World::new(1, WorldConfig::default());
    let s = w.add_service(ServiceSpec::new("web", 2, 1));
    let h = w.add_handler(Handler::new(
        "h",
        s,
        vec![Step::Work(Dist::Constant { ms: 100.0 })],
    ));
    w.add_client(ClientSpec::new("c", 5.0, s, h));
    w.set_startup(s, 30 * SEC);
    w.step(SEC);
    w.scale_to(s, 5);
    assert_eq!(w.services()[0].ready_pods(), 2);
    assert_eq!(w.services()[0].starting_pods(), 3);
    w.step(31 * SEC + 1);
    assert_eq!(w.services()[0].ready_pods(), 5);
    w.scale_to(s, 1);
    w.step(40 * SEC);
    assert_eq!(w.services()[0].ready_pods(), 1);
    assert!(w.log().entries().any(|e| e.text.contains("pod 4 ready")));
    assert!(w.ledger().balances());
}

#[test]
fn arrivals_follow_the_rate_profile() {
    let mut w = World::new(8, WorldConfig::default());
    let s = w.add_service(ServiceSpec::new("web", 1, 1000));
    let h = w.add_handler(Handler::new(
        "h",
        s,
        vec![Step::Work(Dist::Constant { ms: 1.0 })],
    ));
    w.add_client(ClientSpec::new("c", 100.0, s, h).profile(RateProfile::ramp(
        60 * SEC,
        120 * SEC,
        10.0,
    )));
    w.step(180 * SEC);
    // Arrivals per second, each minute (1 s buckets).
    let per_min = |m: u64| mean_between(&w.whole_run(), "c.arrived", m * 60, (m + 1) * 60).unwrap();
    let (first, ramp, last) = (per_min(0), per_min(1), per_min(2));
    assert!(common::rel(first, 100.0) < 0.05, "{first}");
    assert!(common::rel(ramp, 550.0) < 0.05, "{ramp}"); // mean of a linear ramp 1x → 10x
    assert!(common::rel(last, 1000.0) < 0.05, "{last}");
}

#[test]
fn a_cancelled_timed_action_neither_runs_nor_marks_the_charts() {
    let mut w = World::new(1, WorldConfig::default());
    let s = w.add_service(ServiceSpec::new("web", 1, 2));
    let keep = w.at(
        10 * SEC,
        "kept",
        Box::new(move |w: &mut World| w.set_workers(s, 0, 5)),
    );
    let drop = w.at(
        20 * SEC,
        "called off",
        Box::new(move |w: &mut World| w.set_workers(s, 0, 9)),
    );
    assert!(w.cancel(drop));
    assert_eq!(w.timeline(), vec![(10 * SEC, "kept")]);
    w.step(30 * SEC);
    assert!(!w.cancel(keep), "an action that ran cannot be cancelled");
    assert_eq!(w.services()[0].spec.pools[0].workers, 5);
    let marks: Vec<&str> = w
        .log()
        .entries()
        .filter(|e| e.marker)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(marks, vec!["kept"]);
}

#[test]
fn a_caller_that_gives_up_is_recorded_with_the_time_it_waited() {
    // One worker, 300 ms of work on average, two requests a second: many
    // callers give up at their 200 ms timeout while the server keeps working.
    let mut w = World::new(5, WorldConfig::default());
    let api = w.add_service(ServiceSpec::new("api", 1, 1));
    let slow = w.add_handler(Handler::new(
        "slow",
        api,
        vec![Step::Work(Dist::Exponential { mean_ms: 300.0 })],
    ));
    w.add_client(ClientSpec::new("c", 2.0, api, slow).timeout_us(200 * MS));
    w.step(600 * SEC);
    let l = w.ledger();
    let gave_up = w.metrics().series_histogram("c.gave_up_after").unwrap();
    let answered = w.metrics().series_histogram("c.latency").unwrap();
    assert!(l.timed_out > 300 && l.succeeded > 200, "{l:?}");
    assert_eq!(
        gave_up.count(),
        l.timed_out,
        "one wait per caller that gave up"
    );
    assert_eq!(answered.count(), l.succeeded + l.failed, "answers only");
    for q in [0.01, 0.5, 0.99] {
        let ms = gave_up.quantile(q).unwrap() / 1e3;
        assert!((ms - 200.0).abs() < 200.0 * 0.04, "q{q}: waited {ms} ms");
    }
    assert!(
        answered.max().unwrap() <= 200 * MS,
        "no answer came after the timeout"
    );
}
