//! The browser tests open every scenario of the catalogue, each in its own test:
//! the list they are generated from (`common/browser_scenarios.rs`) is the
//! catalogue, checked here without a browser.
#![cfg(not(target_arch = "wasm32"))]

use resilience_lab::scenarios;

#[macro_use]
#[path = "common/browser_scenarios.rs"]
mod browser_scenarios;

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
