//! The claims of `contract-testing` (story 164, as SCENARIOS.md gives them),
//! on the default seed and others, and with the number of services 25 %
//! below and above its default. Each check prints its figure, its bound and
//! how far apart they are (`--nocapture` shows them).
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::*;

use resilience_lab::scenarios::Run;

const ID: &str = "contract-testing";
/// Four weeks, the default run.
const SECS: f64 = 2_419_200.0;
const SEEDS: [u64; 3] = [1, 2, 17];
/// The default number of services, and 25 % below and above it.
const SERVICES: [&str; 3] = ["37", "50", "63"];
/// Each service's availability in the test environment.
const AVAILABILITY: f64 = 0.99;
/// Every tenth service's checkout call has no timeout and no retry.
fn seeded_defects(services: usize) -> f64 {
    (0..services).filter(|i| i % 10 == 3).count() as f64
}

/// The runs of every seed and size with `strategy`.
fn runs(strategy: &str) -> Vec<(u64, &'static str, Run)> {
    let mut out = Vec::new();
    for seed in SEEDS {
        for n in SERVICES {
            let sets = [("strategy", strategy), ("services", n)];
            out.push((seed, n, run(ID, &sets, seed, SECS)));
        }
    }
    out
}

fn counter(r: &Run, name: &str) -> f64 {
    r.world().metrics().counter_total(name)
}

#[test]
fn an_end_to_end_run_passes_about_availability_to_the_power_of_the_services() {
    for (seed, n, r) in runs("e2e_only") {
        let services: i32 = n.parse().unwrap();
        let want = AVAILABILITY.powi(services);
        let pass = fig(&r, "e2e_pass_rate");
        assert!(
            counter(&r, "pipeline.clean_e2e") > 150.0,
            "enough runs to judge"
        );
        assert!(against(
            "e2e pass rate - 0.99^N",
            seed,
            n,
            (pass - want).abs(),
            0.08,
            true
        ));
        if n == "50" {
            assert!(against("e2e pass rate", seed, n, pass, 0.5, false));
            assert!(against("e2e pass rate", seed, n, pass, 0.7, true));
        }
        // Every red of a release with nothing wrong in it is a false red.
        let false_red = fig(&r, "false_red_rate");
        assert!((false_red - (1.0 - pass)).abs() < 1e-12);
    }
}

#[test]
fn end_to_end_only_lets_breaking_changes_escape_to_production() {
    for (seed, n, r) in runs("e2e_only") {
        let escaped = fig(&r, "escaped_breaking_changes");
        assert!(against("escaped, e2e_only", seed, n, escaped, 0.0, false));
        // The rest were still in the pipeline (a red suite waiting for its rerun).
        let breaking = fig(&r, "breaking_changes");
        assert!(fig(&r, "caught_breaking_changes") + escaped <= breaking);
    }
}

#[test]
fn contracts_give_no_false_red_and_catch_breaking_changes_before_production() {
    for (seed, n, r) in runs("contract") {
        assert!(against(
            "false red rate, contract",
            seed,
            n,
            fig(&r, "false_red_rate"),
            1e-9,
            true
        ));
        assert!(against(
            "escaped, contract",
            seed,
            n,
            fig(&r, "escaped_breaking_changes"),
            0.5,
            true
        ));
        let breaking = fig(&r, "breaking_changes");
        assert!(breaking > 5.0, "{breaking}");
        assert_eq!(fig(&r, "caught_breaking_changes"), breaking);
        assert!(counter(&r, "pipeline.contract_checks") > 150.0);
        assert_eq!(counter(&r, "pipeline.e2e_red"), 0.0, "no suite runs");
    }
}

#[test]
fn chaos_experiments_also_find_the_missing_timeouts_and_retries() {
    for (seed, n, r) in runs("contract_and_chaos") {
        let found = fig(&r, "chaos_defects_found");
        let seeded = seeded_defects(n.parse().unwrap());
        assert!(against("defects found, chaos", seed, n, found, 0.0, false));
        assert!(against(
            "defects found, chaos",
            seed,
            n,
            found,
            seeded + 0.5,
            true
        ));
        assert!(against(
            "defects found / seeded",
            seed,
            n,
            found / seeded,
            0.6,
            false
        ));
        assert_eq!(fig(&r, "escaped_breaking_changes"), 0.0);
    }
    for strategy in ["e2e_only", "contract"] {
        for (seed, n, r) in runs(strategy) {
            let found = fig(&r, "chaos_defects_found");
            assert!(against(
                "defects found, no chaos",
                seed,
                n,
                found,
                0.5,
                true
            ));
            assert_eq!(counter(&r, "pipeline.chaos_kills"), 0.0);
        }
    }
}
