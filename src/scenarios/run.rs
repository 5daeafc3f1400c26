//! A run: a scenario built with parameters and a seed, plus the toggles flipped
//! while it runs, each at a simulated time.
//!
//! Both front ends drive worlds only through [`Run`], so a share link (initial
//! parameters + timed changes + a time) replays the same run in the page and on
//! the command line.
//!
//! At each change the run marks the metrics (`Metrics::mark`), so its
//! headline figures can be read since the last change as well as over the
//! whole run.

use crate::sim::kernel::metrics::{Mark, Span};
use crate::sim::{Micros, World};

use super::chaos;
use super::model::{Headline, Model};
use super::params::Params;
use super::schema::Value;
use super::Scenario;

/// A parameter changed while running, at a simulated time.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedChange {
    pub at_us: Micros,
    pub name: String,
    pub value: Value,
}

/// A scenario being run.
pub struct Run {
    pub scenario: &'static Scenario,
    /// Parameters at the start.
    pub initial: Params,
    /// Parameters as of now (initial plus the changes applied so far).
    pub params: Params,
    pub seed: u64,
    changes: Vec<TimedChange>,
    next_change: usize,
    model: Box<dyn Model>,
    /// The metrics as they were when the last change was applied.
    mark: Option<Mark>,
}

impl Run {
    /// Builds the scenario. `changes` must name parameters of the scenario; they are
    /// applied in time order (stable for equal times) as the run reaches them.
    pub fn new(
        scenario: &'static Scenario,
        initial: Params,
        seed: u64,
        mut changes: Vec<TimedChange>,
    ) -> Result<Run, String> {
        for c in &changes {
            initial.spec(&c.name)?.check_live()?;
        }
        changes.sort_by_key(|c| c.at_us);
        let mut model = (scenario.build)(&initial, seed);
        chaos::apply_initial(model.world_mut(), &initial);
        Ok(Run {
            scenario,
            params: initial.clone(),
            initial,
            seed,
            changes,
            next_change: 0,
            model,
            mark: None,
        })
    }

    /// The world.
    pub fn world(&self) -> &World {
        self.model.world()
    }

    /// The model (world plus scenario handles).
    pub fn model(&self) -> &dyn Model {
        self.model.as_ref()
    }

    /// The simulated clock.
    pub fn now(&self) -> Micros {
        self.model.world().now()
    }

    /// Every timed change, applied or pending, in time order.
    pub fn changes(&self) -> &[TimedChange] {
        &self.changes
    }

    fn apply_due(&mut self, until: Micros) {
        while let Some(c) = self.changes.get(self.next_change) {
            if c.at_us > until {
                break;
            }
            let c = c.clone();
            self.model.world_mut().step(c.at_us);
            if self.mark.as_ref().map(Mark::at_us) != Some(c.at_us) {
                self.mark = Some(self.world().metrics().mark(c.at_us));
            }
            // Validated in `new`; a message in words, not the error's
            // `Debug` (which costs the page the escaping tables).
            if let Err(e) = self.params.set(&c.name, c.value.clone()) {
                panic!("validated in new: {e}");
            }
            if chaos::is_chaos(&c.name) {
                // The engine's chaos part logs what it did, with a marker.
                chaos::apply(self.model.world_mut(), &self.params, &c.name);
                self.next_change += 1;
                continue;
            }
            self.model.apply(&self.params, &c.name);
            // "bulkhead on" for a switch, "timeout_ms = 2000" for the rest.
            let text = match c.value {
                Value::Switch(_) => format!("{} {}", c.name, c.value),
                _ => format!("{} = {}", c.name, c.value),
            };
            self.model
                .world_mut()
                .note(crate::sim::LogLevel::Info, text, true);
            self.next_change += 1;
        }
    }

    /// Runs to simulated time `until`, applying due changes on the way.
    pub fn advance_to(&mut self, until: Micros) {
        self.apply_due(until);
        self.model.world_mut().step(until);
    }

    /// Runs towards `until` but processes at most about `max_events` events;
    /// returns the time reached. The page uses it to stay inside a frame budget.
    pub fn advance_bounded(&mut self, until: Micros, max_events: u64) -> Micros {
        let next_change = self.changes.get(self.next_change).map(|c| c.at_us);
        let stop = next_change.map_or(until, |t| t.min(until));
        let reached = self.model.world_mut().step_bounded(stop, max_events);
        if reached == stop && stop < until {
            self.apply_due(stop);
        } else if reached == until {
            self.apply_due(until);
        }
        reached
    }

    /// Runs towards `until`, changes included, until it gets there or has
    /// processed `max_events` more events; returns the time reached.
    pub fn advance_bounded_all(&mut self, until: Micros, max_events: u64) -> Micros {
        let stop = self
            .model
            .world()
            .events_processed()
            .saturating_add(max_events);
        loop {
            let left = stop.saturating_sub(self.model.world().events_processed());
            let reached = self.advance_bounded(until, left);
            if reached >= until || left == 0 || self.model.world().events_processed() >= stop {
                return reached;
            }
        }
    }

    /// Changes a parameter now and records it as a timed change (for links).
    pub fn change_now(&mut self, name: &str, value: Value) -> Result<(), String> {
        self.params.spec(name)?.check_live()?;
        let at_us = self.now();
        // A person taking over diverges from the rest of a replayed link: its
        // pending changes are dropped, so the list stays ordered.
        self.apply_due(at_us);
        self.changes.truncate(self.next_change);
        self.changes.push(TimedChange {
            at_us,
            name: name.to_string(),
            value,
        });
        self.apply_due(at_us);
        Ok(())
    }

    /// The headline figures over the whole run, as of now.
    pub fn headline(&self) -> Headline {
        self.model.headline(&self.params, &self.world().whole_run())
    }

    /// The metrics since the last change applied, if one has been.
    pub fn since_change(&self) -> Option<Span<'_>> {
        let w = self.world();
        Some(w.metrics().since(self.mark.as_ref()?, w.now()))
    }

    /// When the last change was applied and the headline figures since, as
    /// of now, if one has been.
    pub fn headline_since_change(&self) -> Option<(Micros, Headline)> {
        let v = self.since_change()?;
        Some((v.start_us(), self.model.headline(&self.params, &v)))
    }
}
