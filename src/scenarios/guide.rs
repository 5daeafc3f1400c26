//! A scenario's guided tour, as data that the page plays step by step, that
//! `lab guide` prints, and that a test checks.
//!
//! A step says what to do in the words on the controls, what to watch, a
//! question with two to four choices to answer before the reveal, and the
//! answer. It also says exactly which state shows the lesson — [`Apply`]:
//! parameters from the start, changes at simulated times, and the moment to
//! run to — and, where the answer rests on a figure, the headline figure and
//! the range it lands in ([`Expect`]), so that "Apply" in the page, the step's
//! link, `lab run --link` and `tests/guide.rs` all show the same thing.

use crate::link;
use crate::sim::kernel::time::{from_secs, Micros};

use super::params::Params;
use super::run::TimedChange;
use super::schema::format_number;
use super::Scenario;

/// The state a step's lesson needs, reached by resetting the run.
#[derive(Clone, Copy, Debug)]
pub struct Apply {
    /// Parameters that differ from the defaults from the start: (NAME, VALUE).
    pub set: &'static [(&'static str, &'static str)],
    /// Changes made while the run goes: (simulated second, NAME, VALUE).
    pub at: &'static [(f64, &'static str, &'static str)],
    /// The simulated second to run to; the lesson shows there.
    pub run_to_s: f64,
}

/// Where the figure an answer rests on lands: a headline key and its range,
/// checked on several seeds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Expect {
    /// A key of the scenario's headline (`lab run ID --json`'s `headline`).
    pub figure: &'static str,
    pub min: f64,
    pub max: f64,
}

/// One step of a guided tour.
#[derive(Clone, Copy, Debug)]
pub struct GuidedStep {
    /// What to do, in the words on the controls.
    pub action: &'static str,
    /// What to look at.
    pub watch: &'static str,
    /// The question to answer before the reveal.
    pub predict: &'static str,
    /// Two to four answers to choose from.
    pub choices: &'static [&'static str],
    /// The index of the right one in `choices`.
    pub correct: usize,
    /// What the run shows, and why.
    pub answer: &'static str,
    /// The state the step needs.
    pub apply: Apply,
    /// The figure the answer rests on, if one does.
    pub expect: Option<Expect>,
    /// The charts the step looks at, by title (the page's presenter mode
    /// shows only these); empty: the scenario's first two.
    pub charts: &'static [&'static str],
}

impl GuidedStep {
    /// A step with its texts; the state is the scenario's defaults run to
    /// `run_to_s`, with no expectation until [`GuidedStep::expect`].
    pub const fn new(
        action: &'static str,
        watch: &'static str,
        predict: &'static str,
        answer: &'static str,
        run_to_s: f64,
    ) -> Self {
        GuidedStep {
            action,
            watch,
            predict,
            choices: &[],
            correct: 0,
            answer,
            apply: Apply {
                set: &[],
                at: &[],
                run_to_s,
            },
            expect: None,
            charts: &[],
        }
    }

    /// The choices offered and the index of the right one.
    pub const fn choices(mut self, choices: &'static [&'static str], correct: usize) -> Self {
        self.choices = choices;
        self.correct = correct;
        self
    }

    /// Parameters set from the start.
    pub const fn set(mut self, set: &'static [(&'static str, &'static str)]) -> Self {
        self.apply.set = set;
        self
    }

    /// Changes made at simulated seconds.
    pub const fn at(mut self, at: &'static [(f64, &'static str, &'static str)]) -> Self {
        self.apply.at = at;
        self
    }

    /// The charts the step looks at, by title.
    pub const fn charts(mut self, titles: &'static [&'static str]) -> Self {
        self.charts = titles;
        self
    }

    /// The headline figure the answer rests on, and its range.
    pub const fn expect(mut self, figure: &'static str, min: f64, max: f64) -> Self {
        self.expect = Some(Expect { figure, min, max });
        self
    }
}

/// The run a step's Apply starts: parameters, timed changes and the time to
/// run to; or the first value the scenario's schema refuses (a defect of the
/// step's data, which `tests/guide.rs` catches).
pub fn applied(
    scenario: &Scenario,
    step: &GuidedStep,
) -> Result<(Params, Vec<TimedChange>, Micros), String> {
    let mut params = scenario.default_params();
    for (name, value) in step.apply.set {
        params
            .set_text(name, value)
            .map_err(|e| format!("step sets {name}={value}: {e}"))?;
    }
    let mut changes = Vec::new();
    for (at_s, name, value) in step.apply.at {
        let spec = params
            .spec(name)
            .map_err(|e| format!("step changes {name} at {} s: {e}", format_number(*at_s)))?;
        spec.check_live()?;
        let value = spec
            .parse(value)
            .map_err(|e| format!("step changes {name} at {} s: {e}", format_number(*at_s)))?;
        // In time order, as a link lists them (inserted in place: the page
        // then carries no sort of its own for these few).
        let at_us = from_secs(*at_s);
        let i = changes.partition_point(|c: &TimedChange| c.at_us <= at_us);
        changes.insert(
            i,
            TimedChange {
                at_us,
                name: name.to_string(),
                value,
            },
        );
    }
    Ok((params, changes, from_secs(step.apply.run_to_s)))
}

/// The link that opens the lab in the state step `index` (from 0) needs, at
/// that step of the tour.
pub fn step_link(scenario: &Scenario, index: usize, seed: u64) -> Result<String, String> {
    let step = scenario
        .guide
        .get(index)
        .ok_or_else(|| format!("{} has {} steps", scenario.id, scenario.guide.len()))?;
    let (params, changes, until) = applied(scenario, step)?;
    let mut l = link::encode(scenario, &params, seed, &changes, Some(until));
    l.push_str(&format!("&step={}", index + 1));
    Ok(l)
}
