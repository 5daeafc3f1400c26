//! A/B comparisons: two runs of one scenario on one seed whose parameters
//! differ (`b.NAME=VALUE` in a link, `lab run --b`), advanced in step
//! (`scenarios::compare::Pair`) and read side by side (`compare::rows`).
//!
//! The claims: each half of a pair is exactly the run it would be alone, and
//! what B turns on shows in the difference, in the direction and by the
//! amount the scenario's own claims (or queueing theory) say. Each runs on
//! the default seed and two others; where the scenario has a load parameter
//! it is also run 25 % above and below its default.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::link::{self, decode, encode, encode_b};
use resilience_lab::scenarios::compare::{rows, Pair, Row};
use resilience_lab::scenarios::Run;
use resilience_lab::sim::kernel::time::from_secs;

const SEEDS: [u64; 3] = [1, 2, 17];

/// Decodes an A/B link (it must be clean and have a B) and runs both halves
/// in step to its `t`, in slices as the page runs them.
fn pair(fragment: &str) -> Pair {
    let d = decode(fragment);
    assert!(d.problems.is_empty(), "{fragment}: {:?}", d.problems);
    let st = d.state.unwrap();
    let b = st.b.expect("the link has a B");
    let until = st.t_us.expect("the link has a t");
    let mut p = Pair {
        a: Run::new(st.scenario, st.params, st.seed, st.changes.clone()).unwrap(),
        b: Some(Run::new(st.scenario, b, st.seed, st.changes).unwrap()),
    };
    while p.advance_bounded(until, 50_000) < until {}
    assert_eq!((p.a.now(), b_of(&p).now()), (until, until), "both reach t");
    for r in [&p.a, b_of(&p)] {
        assert!(r.world().ledger().balances(), "ledger does not balance");
    }
    p
}

fn b_of(p: &Pair) -> &Run {
    p.b.as_ref().expect("a pair from an A/B link has a B")
}

/// The row of figure `name`, with both halves defined.
fn row(p: &Pair, name: &str) -> Row {
    let r = rows(p.a.headline(), b_of(p).headline())
        .into_iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no figure {name}"));
    assert!(r.diff.is_some(), "{name} undefined in a half: {r:?}");
    r
}

#[test]
fn the_a_half_of_a_pair_gives_exactly_the_figures_of_the_same_run_alone() {
    // A timed change too: both halves apply it, and mark their figures there.
    for (scenario, change, b_key) in [
        ("retry-storm", "max_attempts=4", "b.retry=backoff_jitter"),
        ("cascading-failure", "timeout_ms=2000", "b.bulkhead=on"),
    ] {
        for seed in SEEDS {
            let p = pair(&format!(
                "#v=1&s={scenario}&seed={seed}&at=30:{change}&{b_key}&t=150"
            ));
            let st = decode(&encode(
                p.a.scenario,
                &p.a.initial,
                seed,
                p.a.changes(),
                Some(p.a.now()),
            ))
            .state
            .unwrap();
            for (half, params) in [
                (&p.a, st.params.clone()),
                (b_of(&p), b_of(&p).initial.clone()),
            ] {
                let mut alone = Run::new(st.scenario, params, seed, st.changes.clone()).unwrap();
                alone.advance_to(st.t_us.unwrap());
                assert_eq!(half.headline(), alone.headline(), "{scenario} seed {seed}");
                assert_eq!(half.headline_since_change(), alone.headline_since_change());
                assert_eq!(half.world().ledger(), alone.world().ledger());
                assert_eq!(
                    half.world().events_processed(),
                    alone.world().events_processed()
                );
            }
        }
    }
}

#[test]
fn backoff_jitter_a_breaker_and_idempotency_keys_in_b_tame_the_retry_storm() {
    // retry-storm has no rate parameter: the load on the provider is what
    // the retries multiply, so `max_attempts` (3) is its load parameter, at
    // the whole numbers nearest 25 % below and above (2 and 4).
    let mut cases: Vec<(u64, u32)> = SEEDS.iter().map(|&s| (s, 3)).collect();
    cases.extend([(1, 2), (1, 4), (2, 4)]);
    for (seed, attempts) in cases {
        let p = pair(&format!(
            "#v=1&s=retry-storm&seed={seed}&max_attempts={attempts}&b.retry=backoff_jitter&b.circuit_breaker=on&b.idempotency_key=on&t=180"
        ));
        let at = format!("max_attempts {attempts}");
        // The scenario's claims (tests/retry_storm.rs): fixed 1 s retries
        // come back in waves of at least twice the load, backoff with
        // jitter keeps the peak under 1.3×.
        let peak = row(&p, "provider_peak_load_ratio");
        let (a, b) = (peak.a.unwrap(), peak.b.unwrap());
        assert!(
            against_at("A's peak load, fixed 1 s", seed, &at, a, 2.0, false),
            "{peak:?}"
        );
        assert!(
            against_at(
                "B's peak load, backoff + jitter + breaker",
                seed,
                &at,
                b,
                1.3,
                true
            ),
            "{peak:?}"
        );
        // B sends fewer retries, and its breaker fails charges at once.
        let retries = row(&p, "retries");
        assert!(
            against_at(
                "B's retries as a share of A's",
                seed,
                &at,
                retries.b.unwrap() / retries.a.unwrap(),
                0.5,
                true
            ),
            "{retries:?}"
        );
        assert!(row(&p, "breaker_rejected").b.unwrap() > 0.0);
        assert_eq!(row(&p, "breaker_rejected").a, Some(0.0));
        // Lost answers are retried: A charges twice, B's keys never do.
        let dup = row(&p, "double_charges");
        assert!(
            against_at("A's double charges", seed, &at, dup.a.unwrap(), 0.0, false),
            "{dup:?}"
        );
        assert_eq!(dup.b, Some(0.0), "seed {seed}: {dup:?}");
        assert_eq!(dup.diff, Some(-dup.a.unwrap()));
    }
}

#[test]
fn a_bulkhead_in_b_keeps_login_alive_where_a_loses_it() {
    // cascading-failure has no load parameter (its populations' rates are
    // the story's): A is also run with a 2 s timeout, the other setting that
    // moves how many Tomcat threads the hang holds.
    let mut cases: Vec<(u64, &str)> = SEEDS.iter().map(|&s| (s, "")).collect();
    cases.extend([(1, "&timeout_ms=2000"), (2, "&timeout_ms=2000")]);
    for (seed, a_sets) in cases {
        let p = pair(&format!(
            "#v=1&s=cascading-failure&seed={seed}{a_sets}&b.bulkhead=on&t=300"
        ));
        let at = if a_sets.is_empty() {
            "defaults"
        } else {
            "timeout 2 s"
        };
        // The scenario's claims (tests/cascading_failure.rs): with the
        // bulkhead, logins go on (≥ 0.99); without one they fail for the
        // most part (all of them with no timeout).
        let login = row(&p, "login_success_after_fault");
        let (a, b) = (login.a.unwrap(), login.b.unwrap());
        assert!(
            against_at("B's login success after the hang", seed, at, b, 0.99, false),
            "{login:?}"
        );
        assert!(
            against_at("A's login success after the hang", seed, at, a, 0.97, true),
            "{login:?}"
        );
        if a_sets.is_empty() {
            assert!(against_at(
                "A's login success, no timeout",
                seed,
                at,
                a,
                0.02,
                true
            ));
        }
        let busy = row(&p, "max_threads_busy");
        assert_eq!(busy.a, Some(200.0), "A's hang holds every Tomcat thread");
        assert!(
            against_at(
                "B's Tomcat threads busy",
                seed,
                at,
                busy.b.unwrap(),
                60.0,
                true
            ),
            "{busy:?}"
        );
    }
}

#[test]
fn two_more_servers_in_b_cut_the_wait_as_erlang_c_says() {
    // queueing-basics' load parameter at its default and 25 % either side:
    // at 1,125 rps A's ten servers are overloaded (ρ = 1.125) and its queue
    // grows for the whole run, while B's twelve (ρ = 0.94) keep up.
    for (seed, rps) in [(1, 900.0), (2, 900.0), (17, 900.0), (1, 675.0), (2, 1125.0)] {
        let p = pair(&format!(
            "#v=1&s=queueing-basics&seed={seed}&arrival_rps={rps}&b.servers=12&t=3600"
        ));
        let wait = row(&p, "mean_wait_ms");
        let (a, b) = (wait.a.unwrap(), wait.b.unwrap());
        let at = format!("{rps}");
        let b_theory = mmc_wait_ms(rps, 12, 10.0);
        assert!(
            against(
                "B's mean wait against Erlang C (relative error)",
                seed,
                &at,
                rel(b, b_theory),
                0.05,
                true
            ),
            "{wait:?}: Erlang C {b_theory}"
        );
        if rps < 1000.0 {
            // The difference itself is what theory gives, within the two
            // halves' sampling error.
            let theory = b_theory - mmc_wait_ms(rps, 10, 10.0);
            assert!(
                against(
                    "B − A against Erlang C (relative error)",
                    seed,
                    &at,
                    rel(wait.diff.unwrap(), theory),
                    0.05,
                    true
                ),
                "{wait:?}: Erlang C's difference {theory}"
            );
        } else {
            assert!(against(
                "A's wait over B's, A overloaded",
                seed,
                &at,
                a / b,
                100.0,
                false
            ));
        }
    }
}

#[test]
fn an_ab_link_round_trips_and_runs_within_the_work_cap_for_both_halves() {
    let s = resilience_lab::scenarios::find("queueing-basics").unwrap();
    let mut a = s.default_params();
    a.set_text("servers", "12").unwrap();
    let mut b = a.clone();
    b.set_text("arrival_rps", "1000").unwrap();
    b.set_text("service_dist", "constant").unwrap();
    let tail = encode_b(&a, &b);
    assert_eq!(tail, "&b.arrival_rps=1000&b.service_dist=constant");
    assert_eq!(encode_b(&a, &a), "");
    let l = encode(s, &a, 3, &[], Some(from_secs(60.0))) + &tail;
    let st = decode(&l).state.unwrap();
    assert_eq!((st.params, st.b), (a.clone(), Some(b.clone())));
    // Each half alone is within the cap at 500 s; together they are not.
    let mut heavy = a.clone();
    heavy.set_text("arrival_rps", "100000").unwrap();
    let t = from_secs(500.0);
    assert!(link::check_work(s, &heavy, 1, &[], t).is_ok());
    let e = link::check_work_ab(s, &heavy, Some(&heavy), 1, &[], t).unwrap_err();
    assert!(
        e.contains("running A and B to 500 s would take about 200 million simulation events"),
        "{e}"
    );
    assert!(e.contains("about 250 s"), "{e}");
}
