//! One line of `tests/snapshots/figures.txt`: a run's configuration, request
//! ledger and every headline figure, exactly (`{:?}` of each f64). The one
//! formatter: `tests/same_figures.rs` writes the snapshot with it, and the
//! browser tests compare the page's engine with the native one line by line;
//! `tests/browser_scenarios.rs` checks natively that the lines agree.
#![allow(dead_code)]

use std::fmt::Write as _;

use resilience_lab::scenarios::{Run, Scenario};

/// The snapshot's lines, generated natively by `tests/same_figures.rs`.
pub const SNAPSHOT: &str = include_str!("../snapshots/figures.txt");

/// The label of a run on a scenario's defaults over its whole duration.
pub fn defaults_label(seed: u64) -> String {
    format!("defaults seed={seed}")
}

/// The snapshot's line for scenario `id` under `label`, if there is one.
pub fn snapshot_line(id: &str, label: &str) -> Option<&'static str> {
    let prefix = format!("{id} | {label} |");
    SNAPSHOT.lines().find(|l| l.starts_with(&prefix))
}

/// The line `run` gives, in the snapshot's format.
pub fn line(s: &Scenario, label: &str, run: &Run) -> String {
    let l = run.world().ledger();
    let mut out = format!(
        "{} | {label} | arrived={} succeeded={} failed={} rejected={} timed_out={} in_flight={} |",
        s.id, l.arrived, l.succeeded, l.failed, l.rejected, l.timed_out, l.in_flight
    );
    for (name, v) in run.headline() {
        match v {
            Some(x) => write!(out, " {name}={x:?}").unwrap(),
            None => write!(out, " {name}=none").unwrap(),
        }
    }
    out
}

/// The headline figures of a snapshot line, as (name, value) with the value
/// spelt as in the snapshot (`none` for an undefined figure).
pub fn figures_of(line: &str) -> Vec<(&str, &str)> {
    line.split(" | ")
        .nth(3)
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect()
}
