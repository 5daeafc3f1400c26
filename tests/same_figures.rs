//! The same figures, bit for bit: every scenario's headline figures and request
//! ledger, on its defaults and with each of its switches and choices flipped
//! (from the start, and live half-way through), compared with the snapshot in
//! `tests/snapshots/figures.txt`.
//!
//! A refactoring of the engine must leave every line unchanged. A deliberate
//! change of a model changes figures: rerun with `LAB_UPDATE_SNAPSHOT=1`, and
//! the commit's diff of the snapshot shows exactly which figures moved.
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;

#[path = "common/figures_line.rs"]
mod figures_line;

use figures_line::{defaults_label, line};
use resilience_lab::scenarios::{self, ParamKind, Run, Scenario, TimedChange, Value};
use resilience_lab::sim::kernel::time::from_secs;

const SNAPSHOT: &str = "tests/snapshots/figures.txt";

/// Variants are run for at most this long (the defaults for their whole length).
const VARIANT_CAP_S: f64 = 1_800.0;

/// The values a switch or choice can take other than its default.
fn alternatives(kind: &ParamKind, default: &Value) -> Vec<Value> {
    match kind {
        ParamKind::Switch => vec![Value::Switch(*default != Value::Switch(true))],
        ParamKind::Choice(words) => words
            .iter()
            .map(|w| Value::Choice(w))
            .filter(|v| v != default)
            .collect(),
        ParamKind::Number { .. } => Vec::new(),
    }
}

fn run(s: &'static Scenario, seed: u64, set: Option<(&str, Value)>, live: bool, secs: f64) -> Run {
    let mut initial = s.default_params();
    let mut changes = Vec::new();
    if let Some((name, v)) = set {
        if live {
            changes.push(TimedChange {
                at_us: from_secs(secs / 2.0),
                name: name.to_string(),
                value: v,
            });
        } else {
            initial.set(name, v).unwrap();
        }
    }
    let mut r = Run::new(s, initial, seed, changes).unwrap();
    r.advance_to(from_secs(secs));
    r
}

fn figures() -> String {
    let mut out = String::new();
    for s in scenarios::catalogue() {
        for seed in [1, 2] {
            let r = run(s, seed, None, false, s.duration_s);
            writeln!(out, "{}", line(s, &defaults_label(seed), &r)).unwrap();
        }
        let secs = s.duration_s.min(VARIANT_CAP_S);
        for p in s.params {
            for v in alternatives(&p.kind, &p.default) {
                for live in [false, true] {
                    let r = run(s, 3, Some((p.name, v.clone())), live, secs);
                    let how = if live {
                        "at half-time"
                    } else {
                        "from the start"
                    };
                    let label = format!("{}={v} {how} seed=3 t={secs}", p.name);
                    writeln!(out, "{}", line(s, &label, &r)).unwrap();
                }
            }
        }
    }
    out
}

#[test]
fn every_scenario_gives_the_snapshot_figures() {
    let now = figures();
    if std::env::var_os("LAB_UPDATE_SNAPSHOT").is_some() {
        std::fs::create_dir_all("tests/snapshots").unwrap();
        std::fs::write(SNAPSHOT, &now).unwrap();
        return;
    }
    let then = std::fs::read_to_string(SNAPSHOT)
        .unwrap_or_else(|e| panic!("{SNAPSHOT}: {e} (write it with LAB_UPDATE_SNAPSHOT=1)"));
    let moved: Vec<String> = then
        .lines()
        .zip(now.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| format!("  was: {a}\n  now: {b}"))
        .collect();
    assert!(
        moved.is_empty() && then.lines().count() == now.lines().count(),
        "{} of {} lines differ from {SNAPSHOT} ({} lines then, {} now):\n{}",
        moved.len(),
        now.lines().count(),
        then.lines().count(),
        now.lines().count(),
        moved.join("\n")
    );
}
