//! The browser tests open every scenario of the catalogue, each in its own test:
//! the list they are generated from (`common/browser_scenarios.rs`) is the
//! catalogue, checked here without a browser, and the lines they compare with
//! the native snapshot are written as the snapshot writes them.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::scenarios::{self, Run};
use resilience_lab::sim::kernel::time::from_secs;

#[macro_use]
#[path = "common/browser_scenarios.rs"]
mod browser_scenarios;

#[path = "common/figures_line.rs"]
mod figures_line;

macro_rules! pairs {
    ($($name:ident: $id:literal),* $(,)?) => {
        &[$((stringify!($name), $id)),*]
    };
}

const LISTED: &[(&str, &str)] = browser_scenarios!(pairs);

#[test]
fn every_scenario_in_the_catalogue_has_its_own_browser_test() {
    let mut listed: Vec<&str> = LISTED.iter().map(|(_, id)| *id).collect();
    let mut catalogue: Vec<&str> = scenarios::catalogue().iter().map(|s| s.id).collect();
    listed.sort_unstable();
    catalogue.sort_unstable();
    let missing: Vec<&&str> = catalogue.iter().filter(|id| !listed.contains(id)).collect();
    let extra: Vec<&&str> = listed.iter().filter(|id| !catalogue.contains(id)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "tests/common/browser_scenarios.rs must list the catalogue: \
         missing {missing:?}, not in the catalogue {extra:?}"
    );
    assert_eq!(listed, catalogue, "each scenario listed once");
}

#[test]
fn each_browser_test_is_named_after_its_scenario() {
    for (name, id) in LISTED {
        assert_eq!(
            name.replace('_', "-"),
            *id,
            "the test for {id} is named {name}"
        );
    }
}

/// The browser tests compare the page's engine with the snapshot through
/// `common/figures_line.rs`: natively, that formatter writes the snapshot's own
/// lines, so a difference in the browser is the engine's, not the format's.
#[test]
fn the_browser_tests_write_lines_as_the_snapshot_does() {
    let s = scenarios::find("retry-storm").unwrap();
    for seed in [1, 2] {
        let label = figures_line::defaults_label(seed);
        let mut run = Run::new(s, s.default_params(), seed, Vec::new()).unwrap();
        run.advance_to(from_secs(s.duration_s));
        let want = figures_line::snapshot_line(s.id, &label).expect("a snapshot line");
        assert_eq!(figures_line::line(s, &label, &run), want);
        assert!(!figures_line::figures_of(want).is_empty());
    }
    for s in scenarios::catalogue() {
        for seed in [1, 2] {
            let label = figures_line::defaults_label(seed);
            assert!(
                figures_line::snapshot_line(s.id, &label).is_some(),
                "{}: tests/snapshots/figures.txt has no '{label}' line",
                s.id
            );
        }
    }
}
