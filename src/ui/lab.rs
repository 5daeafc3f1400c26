//! The lab's state: one [`Run`] (two while comparing A/B: a [`Pair`]), the
//! signals that say how it is being driven, and the actions a person can
//! take on it.
//!
//! The run itself is not reactive (it is a big mutable world); a version counter
//! is. Whatever changes the run bumps [`Lab::version`], and every view reads the
//! run through [`Lab::read`], which subscribes to that counter. Memos downstream
//! compare what they computed, so a frame that changes nothing a view shows
//! touches no DOM.

use leptos::prelude::*;

use super::crash;
use crate::link::{self, LinkState};
use crate::scenarios::compare::Pair;
use crate::scenarios::schema::format_number;
use crate::scenarios::{self, guide, Headline, Params, Run, Scenario, Value};
use crate::sim::kernel::time::from_secs;
use crate::sim::Micros;

/// Wall seconds of the scenario's speed that "next event" (and Play's skip
/// over a quiet lead-in) leaves before the moment it skips to.
const LEAD_WALL_S: f64 = 3.0;

/// A scenario compared by identity (catalogue entries are statics).
#[derive(Clone, Copy)]
pub struct ScenarioRef(pub &'static Scenario);

impl PartialEq for ScenarioRef {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.0, other.0)
    }
}

/// How fast the run goes while playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// Simulated seconds per wall second.
    Times(f64),
    /// As many events as fit in each frame's budget.
    Max,
}

/// What part of the run the charts show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartWindow {
    /// The last few hundred buckets, scrolling.
    Sliding,
    /// Everything kept, from the start.
    Whole,
}

/// What the run is doing, for the status line and the play button.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// Measured simulated seconds per wall second over the last second.
    pub achieved: f64,
    /// True when the run goes slower than asked because frames are full.
    pub behind: bool,
}

/// Whole run when it fits a chart's width in buckets, else a sliding window.
fn default_window(s: &Scenario) -> ChartWindow {
    let buckets = s.duration_s * 1e3 / s.bucket_ms as f64;
    if buckets <= 900.0 {
        ChartWindow::Whole
    } else {
        ChartWindow::Sliding
    }
}

/// A run with no timed changes (so nothing that `Run::new` could refuse).
fn fresh(scenario: &'static Scenario, params: Params, seed: u64) -> Run {
    match Run::new(scenario, params, seed, Vec::new()) {
        Ok(run) => run,
        Err(e) => panic!("a run without changes was refused: {e}"),
    }
}

/// Handles to the lab's state; `Copy`, so every component and closure takes one.
#[derive(Clone, Copy)]
pub struct Lab {
    run: StoredValue<Pair, LocalStorage>,
    /// The scenario being run (set only when another one is opened).
    pub scenario: RwSignal<ScenarioRef>,
    /// Bumped whenever the run changed.
    pub version: RwSignal<u64>,
    /// Bumped whenever the run was rebuilt from scratch.
    pub build: RwSignal<u64>,
    pub playing: RwSignal<bool>,
    pub speed: RwSignal<Speed>,
    /// A link's time to replay to at full speed, then pause.
    pub replay_to: RwSignal<Option<Micros>>,
    pub pace: RwSignal<Pace>,
    pub window: RwSignal<ChartWindow>,
    /// Problems found in the link that opened the lab, until dismissed.
    pub problems: RwSignal<Vec<String>>,
    /// A time to run to at full speed, then play on at the chosen speed: a
    /// quiet lead-in skipped, or "next event".
    pub skip_to: RwSignal<Option<Micros>>,
    /// The guided tour's step on show (from 0), none while the tour is closed.
    pub step: RwSignal<Option<usize>>,
    /// The choice picked for that step's prediction, none before one is.
    pub answer: RwSignal<Option<usize>>,
    /// Presenter mode: big type, the step's charts only.
    pub present: RwSignal<bool>,
    /// The compact view for an iframe (`embed=1`): what it shows.
    pub embed: RwSignal<Option<link::Embed>>,
    /// The landing page (the bare address): the catalogue as cards.
    pub landing: RwSignal<bool>,
    /// The headline figures as of now (the headline panel and the tour's
    /// proof read them).
    pub figures: Memo<Headline>,
}

impl Lab {
    /// The lab as a link (a URL fragment, possibly empty or broken) asks.
    pub fn new(fragment: &str) -> Lab {
        let first = &scenarios::catalogue()[0];
        let run = StoredValue::new_local(Pair {
            a: fresh(first, first.default_params(), link::DEFAULT_SEED),
            b: None,
        });
        let version = RwSignal::new(0);
        let lab = Lab {
            run,
            scenario: RwSignal::new(ScenarioRef(first)),
            version,
            build: RwSignal::new(0),
            playing: RwSignal::new(false),
            speed: RwSignal::new(Speed::Times(first.speed)),
            replay_to: RwSignal::new(None),
            pace: RwSignal::new(Pace {
                achieved: 0.0,
                behind: false,
            }),
            window: RwSignal::new(default_window(first)),
            problems: RwSignal::new(Vec::new()),
            skip_to: RwSignal::new(None),
            step: RwSignal::new(None),
            answer: RwSignal::new(None),
            present: RwSignal::new(false),
            embed: RwSignal::new(None),
            landing: RwSignal::new(false),
            figures: Memo::new(move |_| {
                version.track();
                run.with_value(|r| r.a.headline())
            }),
        };
        lab.open_link(fragment);
        lab
    }

    /// The lab the page provides to its components. (Leptos' `expect_context`
    /// would do, but its panic message formats a `Location` and a type name
    /// with `Debug`, which costs the page the string-escaping tables.)
    pub fn from_context() -> Lab {
        use_context::<Lab>().expect("the page provides the lab")
    }

    /// Applies a link: whatever is valid is opened, the problems are listed.
    pub fn open_link(&self, fragment: &str) {
        let decoded = link::decode(fragment);
        self.landing
            .set(decoded.state.is_none() && decoded.problems.is_empty());
        let mut problems = decoded.problems;
        let state = decoded.state.unwrap_or_else(|| {
            let s = self.scenario.get_untracked().0;
            if !problems.is_empty() {
                problems.push(format!("opened '{}' with its defaults instead", s.id));
            }
            LinkState {
                scenario: s,
                seed: link::DEFAULT_SEED,
                params: s.default_params(),
                changes: Vec::new(),
                t_us: None,
                view: link::View::default(),
                b: None,
            }
        });
        let t_us = state.t_us.filter(|t| *t > 0);
        let (s, seed) = (state.scenario, state.seed);
        if let Err(e) = self.install(s, state.params, seed, state.changes, state.b) {
            problems.push(e);
        }
        self.skip_to.set(None);
        self.replay_to.set(t_us);
        self.playing.set(t_us.is_some());
        self.problems.set(problems);
        self.set_step(state.view.step.map(|n| n - 1));
        self.present.set(state.view.present);
        self.embed.set(state.view.embed);
    }

    /// Replaces the run (and B's, with B's parameters when comparing) with
    /// fresh ones at time 0.
    fn install(
        &self,
        scenario: &'static Scenario,
        params: Params,
        seed: u64,
        changes: Vec<scenarios::TimedChange>,
        b: Option<Params>,
    ) -> Result<(), String> {
        let b = b.map(|p| {
            Run::new(scenario, p.clone(), seed, changes.clone())
                .unwrap_or_else(|_| fresh(scenario, p, seed))
        });
        let (a, result) = match Run::new(scenario, params.clone(), seed, changes) {
            Ok(r) => (r, Ok(())),
            Err(e) => (
                fresh(scenario, params, seed),
                Err(format!("{e}; the timed changes were dropped")),
            ),
        };
        self.run.set_value(Pair { a, b });
        if self.scenario.get_untracked() != ScenarioRef(scenario) {
            self.scenario.set(ScenarioRef(scenario));
            self.speed.set(Speed::Times(scenario.speed));
            self.window.set(default_window(scenario));
        }
        self.build.update(|b| *b += 1);
        self.touch();
        result
    }

    /// Reads the run and subscribes the caller to its changes.
    pub fn read<R>(&self, f: impl FnOnce(&Run) -> R) -> R {
        self.version.track();
        self.run.with_value(|r| f(&r.a))
    }

    /// Reads the run without subscribing.
    pub fn peek<R>(&self, f: impl FnOnce(&Run) -> R) -> R {
        self.run.with_value(|r| f(&r.a))
    }

    /// Reads both runs (B's while comparing) and subscribes the caller.
    pub fn read_both<R>(&self, f: impl FnOnce(&Pair) -> R) -> R {
        self.version.track();
        self.run.with_value(f)
    }

    /// Reads both runs without subscribing.
    pub fn peek_both<R>(&self, f: impl FnOnce(&Pair) -> R) -> R {
        self.run.with_value(f)
    }

    /// Changes both runs; the caller bumps the version when done (see
    /// [`Lab::touch`]).
    pub fn mutate<R>(&self, f: impl FnOnce(&mut Pair) -> R) -> R {
        self.run
            .try_update_value(f)
            .expect("the run lives as long as the lab")
    }

    /// B's starting parameters while comparing.
    fn b_params(&self) -> Option<Params> {
        self.run
            .with_value(|r| r.b.as_ref().map(|b| b.initial.clone()))
    }

    /// Starts comparing: B begins as a copy of A, and both runs start over
    /// (with the timed changes made so far) so that they stay in step.
    pub fn compare(&self) {
        if self.b_params().is_none() {
            let a = self.peek(|r| r.initial.clone());
            self.restart(Some(a));
        }
    }

    /// Stops comparing: B's run is dropped, A's goes on.
    pub fn end_compare(&self) {
        self.mutate(|r| r.b = None);
        self.build.update(|b| *b += 1);
        self.touch();
    }

    /// Sets one of B's starting parameters from its text (as a link gives
    /// it); both runs start over. `None` gives it A's value back.
    pub fn set_b_param(&self, name: &str, text: Option<&str>) -> Result<(), String> {
        let Some(mut b) = self.b_params() else {
            return Err("B is not on: press Compare first".into());
        };
        match text {
            Some(t) => b.set_text(name, t)?,
            None => {
                let a = self.peek(|r| r.initial.get(name).clone());
                b.set(name, a)?;
            }
        }
        self.restart(Some(b));
        Ok(())
    }

    /// Both runs from 0 with their starting parameters and the timed
    /// changes made so far; `b` is B's parameters (none: not comparing).
    fn restart(&self, b: Option<Params>) {
        let (scenario, initial, seed, changes) =
            self.peek(|r| (r.scenario, r.initial.clone(), r.seed, r.changes().to_vec()));
        self.stop();
        if let Err(e) = self.install(scenario, initial, seed, changes, b) {
            self.problems.update(|p| p.push(e));
        }
    }

    /// Tells every view that the run changed (and keeps its link for the
    /// panel a panic would show, see [`crash`]).
    pub fn touch(&self) {
        crash::remember_link(self.report_link());
        self.version.update(|v| *v += 1);
    }

    /// The link that shows the run's latest state again: the link being
    /// replayed while a link replays, else the run as it is now.
    fn report_link(&self) -> String {
        let replay = self.replay_to.get_untracked();
        self.link_at(|now| replay.map_or(now, |t| t.max(now)), self.view())
    }

    /// The run's link, up to the time `t` picks from the run's clock, with
    /// the view (the tour's step, presenter mode).
    fn link_at(&self, t: impl FnOnce(Micros) -> Micros, view: link::View) -> String {
        self.peek_both(|p| {
            let (a, t) = (&p.a, t(p.a.now()));
            let b = p.b.as_ref();
            link::encode(
                a.scenario,
                &a.initial,
                a.seed,
                a.changes(),
                (t > 0).then_some(t),
            ) + &b.map_or(String::new(), |b| link::encode_b(&a.initial, &b.initial))
                + &view.fragment()
        })
    }

    /// Sets a parameter. Before the run has started it is a starting value (the
    /// world is rebuilt); afterwards it is a timed change at the current time.
    pub fn set_param(&self, name: &str, value: Value) -> Result<(), String> {
        // Exactly the value a link would carry, so a shared link replays this run.
        let value = match value {
            Value::Number(x) => self
                .peek(|r| r.params.spec(name))?
                .parse(&format_number(x))?,
            v => v,
        };
        let (now, same) = self.peek(|r| {
            let same = r.params.spec(name).is_ok() && *r.params.get(name) == value;
            (r.now(), same)
        });
        if same {
            return Ok(());
        }
        let live = self.peek(|r| r.params.spec(name).map(|s| s.live))?;
        if now == 0 || !live {
            let (scenario, mut initial, seed, changes) =
                self.peek(|r| (r.scenario, r.initial.clone(), r.seed, r.changes().to_vec()));
            // B follows A where it does not differ from A.
            let mut b = self.b_params();
            if let Some(b) = b.as_mut().filter(|b| b.get(name) == initial.get(name)) {
                b.set(name, value.clone())?;
            }
            initial.set(name, value)?;
            if now == 0 {
                return self.install(scenario, initial, seed, changes, b);
            }
            // A build-only parameter shapes what is built: the run starts
            // over with it set, and without the changes made so far.
            self.stop();
            self.install(scenario, initial, seed, Vec::new(), b)
        } else {
            // A timed change is made to both runs (a link's `at=` is shared).
            self.mutate(|r| {
                r.b.as_mut()
                    .map_or(Ok(()), |b| b.change_now(name, value.clone()))
                    .and_then(|_| r.a.change_now(name, value))
            })?;
            self.touch();
            Ok(())
        }
    }

    /// Back to time 0 with the starting parameters and no timed changes.
    pub fn reset(&self) {
        let (scenario, initial, seed) = self.peek(|r| (r.scenario, r.initial.clone(), r.seed));
        self.stop();
        let _ = self.install(scenario, initial, seed, Vec::new(), self.b_params());
    }

    /// Starts over with another seed.
    pub fn set_seed(&self, seed: u64) {
        let (scenario, initial) = self.peek(|r| (r.scenario, r.initial.clone()));
        self.stop();
        let _ = self.install(scenario, initial, seed, Vec::new(), self.b_params());
    }

    /// Opens another scenario with its defaults, keeping the seed (and the
    /// tour open, at its first step); comparing ends (B's parameters are
    /// another scenario's).
    pub fn pick(&self, id: &str) {
        let Ok(s) = scenarios::find(id) else { return };
        let seed = self.peek(|r| r.seed);
        self.stop();
        let _ = self.install(s, s.default_params(), seed, Vec::new(), None);
        if self.step.get_untracked().is_some() {
            self.answer.set(None);
            self.step.set(Some(0));
        }
    }

    /// Pauses (and abandons a link's replay or a skip).
    pub fn stop(&self) {
        self.playing.set(false);
        self.replay_to.set(None);
        self.skip_to.set(None);
    }

    /// Play or pause. Play at 0 runs the quiet lead-in before the first
    /// planned event at full speed (see [`Lab::skip`]), when that event is
    /// more than a few wall seconds away (never past it).
    pub fn toggle_play(&self) {
        if self.playing.get_untracked() {
            self.stop();
        } else {
            let at_zero = self.peek(|r| r.now()) == 0;
            let first = self.next_event();
            if !(at_zero && first.is_some() && first == self.next_after(self.lead()) && self.skip())
            {
                self.playing.set(true);
            }
        }
    }

    /// The next planned moment after now: a fault on the world's timeline,
    /// one the scenario expects from its parameters (`Model::expected`), or a
    /// timed change still to come.
    pub fn next_event(&self) -> Option<Micros> {
        self.next_after(0)
    }

    /// The first planned moment more than `lead` after now.
    fn next_after(&self, lead: Micros) -> Option<Micros> {
        self.peek(|r| {
            let after = r.now().saturating_add(lead);
            let model = r.model();
            let planned = model.timeline().into_iter().map(|(t, _)| t);
            let due = model.expected(&r.params).into_iter();
            planned
                .chain(due)
                .map(from_secs)
                .chain(r.changes().iter().map(|c| c.at_us))
                .filter(|t| *t > after)
                .min()
        })
    }

    /// Where "next event" skips to: a few wall seconds (at the chosen speed)
    /// before the next planned event that is further ahead than that.
    pub fn skip_target(&self) -> Option<Micros> {
        let lead = self.lead();
        self.next_after(lead).map(|t| t - lead)
    }

    /// [`LEAD_WALL_S`] in simulated time at the chosen speed.
    fn lead(&self) -> Micros {
        let speed = match self.speed.get_untracked() {
            Speed::Times(x) => x,
            Speed::Max => self.scenario.get_untracked().0.speed,
        };
        (LEAD_WALL_S * speed * 1e6) as Micros
    }

    /// Runs at full speed to [`Lab::skip_target`], then plays on at the
    /// chosen speed; false when there is no such event, or a link is replaying.
    pub fn skip(&self) -> bool {
        if self.replay_to.get_untracked().is_some() {
            return false;
        }
        let Some(t) = self.skip_target() else {
            return false;
        };
        self.skip_to.set(Some(t));
        self.playing.set(true);
        true
    }

    /// Resets the run into the state guided step `index` needs: the step's
    /// parameters from the start and its timed changes, run at full speed to
    /// its moment (exactly what the step's link replays), on the run's seed.
    /// Comparing ends: the step's state is one run's.
    pub fn apply_step(&self, index: usize) {
        let (s, seed) = self.peek(|r| (r.scenario, r.seed));
        let Some(step) = s.guide.get(index) else {
            return;
        };
        self.stop();
        self.set_step(Some(index));
        match guide::applied(s, step) {
            Ok((params, changes, until)) => {
                if let Err(e) = self.install(s, params, seed, changes, None) {
                    self.problems.update(|p| p.push(e));
                }
                self.replay_to.set(Some(until));
                self.playing.set(true);
            }
            Err(e) => self.problems.update(|p| p.push(e)),
        }
    }

    /// Shows a step of the tour (none closes it); a new step asks its
    /// question afresh.
    pub fn set_step(&self, step: Option<usize>) {
        if self.step.get_untracked() != step {
            self.answer.set(None);
            self.step.set(step);
        }
    }

    /// Moves the tour `by` steps (opening it at its first step when closed).
    pub fn go_step(&self, by: isize) {
        let n = self.scenario.get_untracked().0.guide.len();
        let next = match self.step.get_untracked() {
            None if by > 0 => 0,
            None => return,
            Some(i) => i.saturating_add_signed(by).min(n.saturating_sub(1)),
        };
        if n > 0 {
            self.set_step(Some(next));
        }
    }

    /// Pauses and runs exactly to the end of the current bucket.
    pub fn step_bucket(&self) {
        self.stop();
        self.mutate(|r| {
            let b = r.a.world().metrics().bucket_us();
            let until = (r.a.now() / b + 1) * b;
            r.advance_to(until);
        });
        self.touch();
    }

    /// The share link (fragment) of the run as it is now.
    pub fn link(&self) -> String {
        self.link_at(|now| now, self.view())
    }

    /// The link, shown in the full lab: an embedded view's "Open in the lab".
    pub fn full_link(&self) -> String {
        let view = link::View {
            embed: None,
            ..self.view()
        };
        self.link_at(|now| now, view)
    }

    /// The link, shown embedded as `embed` says (an iframe's address).
    pub fn embed_link(&self, embed: link::Embed) -> String {
        let view = link::View {
            embed: Some(embed),
            ..link::View::default()
        };
        self.link_at(|now| now, view)
    }

    /// How the page shows the run now: the tour's step, presenter mode, the
    /// embedded view.
    fn view(&self) -> link::View {
        link::View {
            step: self.step.get_untracked().map(|i| i + 1),
            present: self.present.get_untracked(),
            embed: self.embed.get_untracked(),
        }
    }
}
