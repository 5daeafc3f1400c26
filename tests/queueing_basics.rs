//! The claims of `queueing-basics` (its lesson and guide), checked on several seeds,
//! utilisations and server counts — not only the defaults.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

/// (arrival rps, servers, service ms, simulated hours): utilisations 0.5 to
/// 0.95, 1 to 50 servers.
///
/// The horizon matters: the mean wait of one simulated hour is itself a random
/// estimate. Measured over seeds 1–6, its error against Erlang C has a mean
/// within ±1.3 % (no bias) but a standard deviation of 1.2–2.4 % at one hour
/// (3.9 % for 20 servers of 50 ms at 0.95). Four hours halve that, so a 3 %
/// bound tests the engine rather than the luck of a seed.
const CASES: &[(f64, u32, f64, f64)] = &[
    (500.0, 10, 10.0, 4.0),  // 0.50
    (280.0, 4, 10.0, 4.0),   // 0.70
    (800.0, 1, 1.0, 4.0),    // 0.80, a single server
    (900.0, 10, 10.0, 4.0),  // 0.90, the default
    (4250.0, 50, 10.0, 1.0), // 0.85, many servers: enough samples in one hour
    (1900.0, 20, 10.0, 4.0), // 0.95
];

#[test]
fn mean_wait_over_four_simulated_hours_matches_erlang_c_within_3_percent() {
    for (i, &(rps, c, ms, hours)) in CASES.iter().enumerate() {
        let seed = 11 + i as u64;
        let r = run(
            "queueing-basics",
            &[
                ("arrival_rps", &rps.to_string()),
                ("servers", &c.to_string()),
                ("service_ms", &ms.to_string()),
            ],
            seed,
            hours * 3600.0,
        );
        let want = mmc_wait_ms(rps, c, ms);
        let got = fig(&r, "mean_wait_ms");
        assert!(
            rel(got, want) < 0.03,
            "λ={rps} c={c} S={ms}: wait {got:.3} ms, Erlang C {want:.3} ms"
        );
    }
}

/// What one simulated hour can claim at ρ 0.95 (20 servers of 10 ms, 1,900
/// rps): each seed's mean wait is an estimate with a spread of a few per cent
/// (seeds 1–8 measured −3.4 % to +3.2 %), but the estimates centre on Erlang C
/// (their mean was −0.4 %): no bias, only the luck of one hour.
#[test]
fn one_hour_at_95_percent_busy_is_erlang_c_give_or_take_a_few_percent() {
    let (rps, c, ms) = (1_900.0, 20, 10.0);
    let want = mmc_wait_ms(rps, c, ms);
    let errors: Vec<f64> = (1..=8)
        .map(|seed| {
            let r = run(
                "queueing-basics",
                &[
                    ("arrival_rps", &rps.to_string()),
                    ("servers", &c.to_string()),
                    ("service_ms", &ms.to_string()),
                ],
                seed,
                3_600.0,
            );
            fig(&r, "mean_wait_ms") / want - 1.0
        })
        .collect();
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    assert!(
        errors.iter().all(|e| e.abs() < 0.08),
        "each hour within 8 % of Erlang C {want:.3} ms: {errors:?}"
    );
    assert!(
        mean.abs() < 0.02,
        "no bias: mean error {mean:+.4} ({errors:?})"
    );
}

#[test]
fn constant_service_time_waits_about_half_as_long() {
    for (seed, &(rps, c, ms, _)) in [(3u64, &CASES[3]), (4, &CASES[2]), (5, &CASES[4])] {
        let sets = [
            ("arrival_rps", rps.to_string()),
            ("servers", c.to_string()),
            ("service_ms", ms.to_string()),
        ];
        let mut sets: Vec<(&str, &str)> = sets.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mm = fig(&run("queueing-basics", &sets, seed, 3600.0), "mean_wait_ms");
        sets.push(("service_dist", "constant"));
        let md = fig(&run("queueing-basics", &sets, seed, 3600.0), "mean_wait_ms");
        let ratio = md / mm;
        assert!(
            (0.4..0.62).contains(&ratio),
            "c={c}: M/D/c {md:.3} vs M/M/c {mm:.3} (ratio {ratio:.3})"
        );
        let want = mdc_wait_ms(rps, c, ms);
        assert!(
            rel(md, want) < 0.06,
            "c={c}: M/D/c wait {md:.3}, Cosmetatos {want:.3}"
        );
    }
}

#[test]
fn littles_law_holds_within_1_percent() {
    for (seed, rps) in [(1u64, 900.0), (2, 700.0), (9, 950.0)] {
        let r = run(
            "queueing-basics",
            &[("arrival_rps", &rps.to_string())],
            seed,
            3600.0,
        );
        let l = fig(&r, "mean_in_system");
        let x = fig(&r, "throughput_rps");
        let w = fig(&r, "mean_latency_ms") / 1000.0;
        assert!(rel(l, x * w) < 0.01, "λ={rps}: L={l:.4}, X·W={:.4}", x * w);
    }
}

#[test]
fn utilisation_is_offered_load_over_servers_within_1_percent() {
    for (seed, &(rps, c, ms, _)) in CASES.iter().enumerate() {
        let r = run(
            "queueing-basics",
            &[
                ("arrival_rps", &rps.to_string()),
                ("servers", &c.to_string()),
                ("service_ms", &ms.to_string()),
            ],
            seed as u64 + 100,
            3600.0,
        );
        let want = rps * ms / 1000.0 / c as f64;
        let got = fig(&r, "utilization");
        assert!(
            rel(got, want) < 0.01,
            "λ={rps} c={c}: utilisation {got:.4}, want {want:.4}"
        );
    }
}

#[test]
fn latency_explodes_only_as_utilisation_nears_one() {
    let p99 = |rps: &str| {
        fig(
            &run("queueing-basics", &[("arrival_rps", rps)], 5, 600.0),
            "p99_latency_ms",
        )
    };
    let (half, ninety, near_one) = (p99("500"), p99("900"), p99("980"));
    assert!(half < 60.0, "p99 at 0.5: {half}");
    assert!(
        ninety > half && near_one > 2.0 * ninety,
        "p99 at 0.5/0.9/0.98: {half} {ninety} {near_one}"
    );
}
