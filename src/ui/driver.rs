//! The frame loop: each animation frame steps the run by a frame's worth of
//! simulated time, inside a time budget, so the page stays at 60 frames per
//! second whatever the scenario.
//!
//! Stepping goes in slices of `advance_bounded(until, max_events)`, sized from
//! the measured cost of an event, and stops when the budget is spent. A run that
//! cannot keep up then goes slower than asked (and [`Pace::behind`] says so)
//! instead of freezing the page. The budget shrinks when drawing the frame's
//! charts and views takes longer, since all of it must fit in one frame.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::crash;
use super::lab::{Lab, Pace, Speed};
use super::perf;
use crate::link;
use crate::scenarios::compare::Pair;
use crate::sim::kernel::time::{from_secs, SEC};
use crate::sim::Micros;

/// Longest wall-clock gap counted as one frame (a hidden tab, a breakpoint).
const MAX_FRAME_MS: f64 = 100.0;
/// Whole-frame target: the stepping budget is what is left of it after drawing.
const FRAME_TARGET_MS: f64 = 11.0;
/// Less while comparing (A/B): the browser paints twice the chart lines after
/// the frame's work, time the loop does not see.
const FRAME_TARGET_AB_MS: f64 = 8.0;
/// Bounds of the stepping budget per frame.
const BUDGET_MS: (f64, f64) = (2.0, 8.0);

/// The loop's measurements, kept across frames.
struct Loop {
    last_ts: Option<f64>,
    /// Estimated events processed per millisecond of stepping.
    events_per_ms: f64,
    /// Estimated time a frame spends outside stepping (views, charts).
    other_ms: f64,
    /// Smoothed simulated seconds per wall second.
    achieved: f64,
    /// Wall time since the pace signal was last updated.
    since_pace_ms: f64,
    behind_ms: f64,
}

type FrameCallback = Closure<dyn FnMut(f64)>;

/// Starts the loop; it runs until the returned closure is called.
pub fn start(lab: Lab) -> impl FnOnce() {
    let alive = Rc::new(Cell::new(true));
    let state = Rc::new(RefCell::new(Loop {
        last_ts: None,
        events_per_ms: 500.0,
        other_ms: 4.0,
        achieved: 0.0,
        since_pace_ms: 0.0,
        behind_ms: 0.0,
    }));
    let slot: Rc<RefCell<Option<FrameCallback>>> = Rc::new(RefCell::new(None));
    let (slot2, alive2) = (slot.clone(), alive.clone());
    *slot.borrow_mut() = Some(Closure::new(move |ts: f64| {
        if !alive2.get() {
            slot2.borrow_mut().take();
            return;
        }
        frame(lab, &state, ts);
        if let Some(cb) = slot2.borrow().as_ref() {
            request(cb);
        }
    }));
    if let Some(cb) = slot.borrow().as_ref() {
        request(cb);
    }
    move || alive.set(false)
}

fn request(cb: &Closure<dyn FnMut(f64)>) {
    if let Some(w) = web_sys::window() {
        let _ = w.request_animation_frame(cb.as_ref().unchecked_ref());
    }
}

fn frame(lab: Lab, state: &Rc<RefCell<Loop>>, ts: f64) {
    crash::panic_if_asked();
    let t0 = perf::now_ms();
    let mut st = state.borrow_mut();
    let dt = st
        .last_ts
        .map_or(0.0, |l| (ts - l).clamp(0.0, MAX_FRAME_MS));
    st.last_ts = Some(ts);
    if !lab.playing.get_untracked() {
        st.achieved = 0.0;
        return;
    }
    perf::frame_interval(dt);
    let speed = lab.speed.get_untracked();
    let replay = lab.replay_to.get_untracked();
    let skip = lab.skip_to.get_untracked();
    let (now, duration, comparing) =
        lab.peek_both(|r| (r.now(), from_secs(r.a.scenario.duration_s), r.b.is_some()));
    let frame_ms = if comparing {
        FRAME_TARGET_AB_MS
    } else {
        FRAME_TARGET_MS
    };
    let budget = (frame_ms - st.other_ms).clamp(BUDGET_MS.0, BUDGET_MS.1);
    let (until, asked) = target(now, duration, dt, speed, replay.or(skip));
    let reached = advance(lab, &mut st, until, budget);
    let sim_ms = perf::now_ms() - t0;

    // Pace: smoothed over about a second of frames.
    if dt > 0.0 {
        let rate = (reached - now) as f64 / SEC as f64 / (dt / 1e3);
        st.achieved = 0.9 * st.achieved + 0.1 * rate;
    }
    let short = asked.is_some() && reached < until;
    st.behind_ms = if short { st.behind_ms + dt } else { 0.0 };
    st.since_pace_ms += dt;
    if st.since_pace_ms >= 500.0 {
        st.since_pace_ms = 0.0;
        lab.pace.set(Pace {
            achieved: st.achieved,
            behind: st.behind_ms >= 500.0,
        });
    }

    // A replay that ran more events than a link may ask for stops for good.
    if let Some(t) = replay {
        let events = lab.peek_both(Pair::events);
        if let Err(e) = link::replay_cap(events, link::MAX_REPLAY_EVENTS, reached, t) {
            lab.stop();
            lab.problems.update(|p| p.push(e));
        }
    }
    // A skip ends where it was going; the run plays on at its speed.
    if skip.is_some_and(|t| reached >= t) {
        lab.skip_to.set(None);
    }
    // Where playing stops by itself: a link's time reached, the run's end.
    let replayed = replay == Some(reached);
    let ended = replay.is_none() && now < duration && reached >= duration;
    if replayed || ended {
        lab.stop();
    }
    let achieved = st.achieved;
    drop(st);
    lab.touch();

    // What the touch triggers runs in microtasks before the frame is painted:
    // measure the whole frame once they are done.
    let state = state.clone();
    let done = Closure::once_into_js(move |_: JsValue| {
        let total = perf::now_ms() - t0;
        let mut st = state.borrow_mut();
        st.other_ms = 0.8 * st.other_ms + 0.2 * (total - sim_ms).max(0.0);
        perf::frame_work(total, asked, achieved);
    });
    if let Some(w) = web_sys::window() {
        w.queue_microtask(done.unchecked_ref());
    }
}

/// Where this frame should step to, and the speed asked (none when replaying
/// or skipping to `fast_to`, or as fast as possible).
fn target(
    now: Micros,
    duration: Micros,
    dt_ms: f64,
    speed: Speed,
    fast_to: Option<Micros>,
) -> (Micros, Option<f64>) {
    // Beyond the scenario's duration, play goes on in chunks of an hour.
    let horizon = if now < duration {
        duration
    } else {
        now + 3_600 * SEC
    };
    match (fast_to, speed) {
        (Some(t), _) => (t.max(now), None),
        (None, Speed::Max) => (horizon, None),
        (None, Speed::Times(x)) => {
            let step = (dt_ms * 1e3 * x).round() as Micros;
            (now.saturating_add(step).min(horizon), Some(x))
        }
    }
}

/// Steps towards `until` within `budget_ms`; returns the time reached. While
/// comparing, each slice steps whichever run is behind, so A and B stay
/// within a slice of each other, and the time reached is the earlier one.
fn advance(lab: Lab, st: &mut Loop, until: Micros, budget_ms: f64) -> Micros {
    let start = perf::now_ms();
    lab.mutate(|runs| {
        while runs.now() < until {
            let left = budget_ms - (perf::now_ms() - start);
            if left <= 0.1 {
                break;
            }
            let run = runs.behind();
            // Slices of at most ~2 ms, so the budget is checked often.
            let max_events = (st.events_per_ms * left.min(2.0)).clamp(32.0, 2e6) as u64;
            let (t1, e1) = (perf::now_ms(), run.world().events_processed());
            run.advance_bounded(until, max_events);
            let (spent, done) = (perf::now_ms() - t1, run.world().events_processed() - e1);
            if spent >= 0.5 && done > 0 {
                st.events_per_ms = 0.7 * st.events_per_ms + 0.3 * (done as f64 / spent);
            } else if done >= max_events {
                // Finished a whole slice in no measurable time: allow bigger ones.
                st.events_per_ms *= 2.0;
            }
        }
        runs.now()
    })
}
