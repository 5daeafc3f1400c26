//! Chaos at a click: every service of every scenario has the four chaos
//! parameters (`chaos.SERVICE.latency_ms`, `.fail_percent`, `.partitioned`,
//! `.pods_down`), they act when flipped live through the engine's chaos part
//! whatever the scenario, and they travel in links like any toggle.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::link::{decode, RESERVED_KEYS};
use resilience_lab::scenarios::{self, chaos, Run, Scenario, TimedChange};
use resilience_lab::sim::kernel::time::from_secs;
use resilience_lab::sim::World;

const ACTIONS: [&str; 4] = ["latency_ms", "fail_percent", "partitioned", "pods_down"];

fn service_names(s: &'static Scenario) -> Vec<String> {
    let run = Run::new(s, s.default_params(), 1, vec![]).unwrap();
    run.world()
        .services()
        .iter()
        .map(|x| x.spec.name.clone())
        .collect()
}

fn change(s: &'static Scenario, at_s: f64, name: &str, text: &str) -> TimedChange {
    let spec = s.default_params().spec(name).unwrap();
    TimedChange {
        at_us: from_secs(at_s),
        name: name.to_string(),
        value: spec.parse(text).unwrap(),
    }
}

fn counter(w: &World, name: &str) -> f64 {
    w.metrics().counter_total(name)
}

#[test]
fn every_service_of_every_scenario_has_the_four_live_chaos_parameters() {
    for s in scenarios::catalogue() {
        let schema = s.schema();
        // The scenario's own parameters first, in their order.
        assert_eq!(&schema[..s.params.len()], s.params, "{}", s.id);
        let names = service_names(s);
        assert!(!names.is_empty(), "{}", s.id);
        for n in &names {
            for a in ACTIONS {
                let name = format!("chaos.{n}.{a}");
                let spec = schema
                    .iter()
                    .find(|p| p.name == name)
                    .unwrap_or_else(|| panic!("{}: no {name}", s.id));
                assert!(spec.live, "{}: {name} acts live", s.id);
                assert!(spec.label.starts_with(n.as_str()), "{}", spec.label);
                assert!(!spec.help.is_empty());
            }
        }
        assert_eq!(schema.len(), s.params.len() + 4 * names.len(), "{}", s.id);
        for p in schema {
            assert!(!RESERVED_KEYS.contains(&p.name), "{}: {}", s.id, p.name);
        }
    }
}

/// Each action, flipped live on each service of each scenario, acts: on a
/// service that has traffic, requests are delayed, answers fail, connection
/// attempts are dropped; on any service, a pod is held down; and every one
/// lifted leaves the service without chaos.
#[test]
fn each_action_acts_live_on_every_service_of_every_scenario() {
    for s in scenarios::catalogue() {
        for n in service_names(s) {
            let at = format!("{} {n}", s.id);
            let p = |a: &str| format!("chaos.{n}.{a}");
            let t0 = 30.0;
            let changes = vec![
                change(s, t0, &p("latency_ms"), "300"),
                change(s, t0 + 20.0, &p("latency_ms"), "off"),
                change(s, t0 + 20.0, &p("fail_percent"), "100"),
                change(s, t0 + 40.0, &p("fail_percent"), "0"),
                change(s, t0 + 40.0, &p("partitioned"), "on"),
                change(s, t0 + 60.0, &p("partitioned"), "off"),
                change(s, t0 + 60.0, &p("pods_down"), "1"),
                change(s, t0 + 80.0, &p("pods_down"), "0"),
            ];
            let mut run = Run::new(s, s.default_params(), 1, changes).unwrap();
            let id = run
                .world()
                .service_ids()
                .find(|&i| run.world().services()[i.index()].spec.name == n)
                .unwrap();
            let arrived = |w: &World| counter(w, &format!("{n}.arrived"));
            let mut windows = Vec::new();
            for k in 0..4 {
                run.advance_to(from_secs(t0 + 20.0 * k as f64 + 0.001));
                let a0 = arrived(run.world());
                run.advance_to(from_secs(t0 + 20.0 * (k + 1) as f64 - 0.001));
                windows.push(arrived(run.world()) - a0);
            }
            // Just before its end, the fourth window's pod is still held.
            let c = run.world().chaos(id);
            assert_eq!(c.pods_down, 1, "{at}: {c:?}");
            let svc = run.world().service(id);
            assert!(
                (svc.ready_pods() as usize) < svc.pods.len(),
                "{at}: a pod is down"
            );
            run.advance_to(from_secs(t0 + 100.0));
            let w = run.world();
            if windows[0] > 0.0 {
                assert!(
                    counter(w, &format!("{n}.chaos_delayed")) > 0.0,
                    "{at}: latency"
                );
            }
            if windows[1] > 0.0 && counter(w, &format!("{n}.completed")) > 0.0 {
                assert!(
                    counter(w, &format!("{n}.chaos_failed")) > 0.0,
                    "{at}: failures"
                );
            }
            if windows[2] > 0.0 {
                assert!(
                    counter(w, &format!("{n}.partition_dropped")) > 0.0,
                    "{at}: partition"
                );
            }
            assert!(w.chaos(id).is_quiet(), "{at}: {:?}", w.chaos(id));
            assert!(w.ledger().balances(), "{at}");
            // The latency window saw traffic on most services: the check is
            // not vacuous across the catalogue (see the count below).
        }
    }
}

/// Each scenario weighs the same, however many services it has: a test
/// environment of fifty services whose traffic comes with releases hours
/// apart (contract-testing) is one scenario whose window is quiet, not two
/// thirds of the catalogue.
#[test]
fn most_services_have_traffic_in_the_window_the_actions_are_checked_in() {
    let mut shares = Vec::new();
    for s in scenarios::catalogue() {
        let names = service_names(s);
        let mut with = 0;
        for n in &names {
            let mut run = Run::new(s, s.default_params(), 1, vec![]).unwrap();
            run.advance_to(from_secs(50.0));
            if counter(run.world(), &format!("{n}.arrived")) > 0.0 {
                with += 1;
            }
        }
        println!(
            "{}: {with} of {} services have traffic by 50 s",
            s.id,
            names.len()
        );
        shares.push(with as f64 / names.len().max(1) as f64);
    }
    let mean = shares.iter().sum::<f64>() / shares.len() as f64;
    assert!(
        mean >= 0.75,
        "on average {mean:.2} of a scenario's services have traffic by 50 s"
    );
}

#[test]
fn a_link_carries_chaos_and_replays_it() {
    let link = "#v=1&s=cascading-failure&seed=3&at=20:chaos.core-api.fail_percent=50&at=40:chaos.core-api.fail_percent=0&t=60";
    let d = decode(link);
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    let st = d.state.unwrap();
    assert_eq!(st.changes.len(), 2);
    let play = || {
        let mut r = Run::new(st.scenario, st.params.clone(), st.seed, st.changes.clone()).unwrap();
        r.advance_to(st.t_us.unwrap());
        (
            r.headline(),
            counter(r.world(), "core-api.chaos_failed"),
            r.world().ledger(),
        )
    };
    let (h, failed, ledger) = play();
    assert!(failed > 100.0, "{failed}");
    assert!(ledger.failed as f64 >= failed * 0.9, "{ledger:?}");
    assert_eq!(play(), (h, failed, ledger), "the same link, the same run");
    // From the start, as a parameter: the service is cut off from 0.
    let d = decode("#v=1&s=queueing-basics&chaos.service.partitioned=on&t=30");
    let st = d.state.unwrap();
    let mut r = Run::new(st.scenario, st.params, st.seed, st.changes).unwrap();
    r.advance_to(st.t_us.unwrap());
    assert_eq!(r.world().ledger().succeeded, 0);
    assert!(counter(r.world(), "service.partition_dropped") > 1_000.0);
}

#[test]
fn a_bad_chaos_value_or_service_is_a_clear_problem() {
    let d =
        decode("#v=1&s=queueing-basics&chaos.service.fail_percent=150&chaos.nobody.partitioned=on");
    assert_eq!(d.problems.len(), 2, "{:?}", d.problems);
    assert!(
        d.problems[0].contains("0") && d.problems[0].contains("100"),
        "{}",
        d.problems[0]
    );
    assert!(
        d.problems[1].contains("unknown parameter"),
        "{}",
        d.problems[1]
    );
    assert!(d.state.is_some(), "the rest of the link still opens");
}

#[test]
fn chaos_names_are_recognised_by_their_prefix_only() {
    assert!(chaos::is_chaos("chaos.service.pods_down"));
    assert!(!chaos::is_chaos("servers"));
}
