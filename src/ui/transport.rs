//! Transport: the simulated clock, play / pause, step one bucket, reset, speed
//! and seed, and a status line that says what the run is doing (replaying a
//! link, running slower than asked, finished).

use leptos::prelude::*;

use super::format;
use super::lab::{Lab, Speed};
use crate::scenarios::schema::parse_decimal;
use crate::sim::kernel::time::from_secs;

/// Speeds offered, simulated seconds per wall second (plus the scenario's own).
const LADDER: &[f64] = &[
    0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 60.0, 300.0, 900.0, 3_600.0, 14_400.0, 86_400.0, 604_800.0,
];

fn speeds(default: f64) -> Vec<f64> {
    let mut v: Vec<f64> = LADDER
        .iter()
        .copied()
        .filter(|x| *x >= (default / 50.0).min(1.0) && *x <= default * 60.0)
        .collect();
    if !v.contains(&default) {
        v.push(default);
        v.sort_by(f64::total_cmp);
    }
    v
}

#[component]
pub fn Transport() -> impl IntoView {
    let lab = Lab::from_context();
    let now = Memo::new(move |_| lab.read(|r| r.now()));
    let seed = Memo::new(move |_| lab.read(|r| r.seed));
    let duration = move || from_secs(lab.scenario.get().0.duration_s);
    let state = move || {
        if lab.replay_to.get().is_some() {
            "replaying"
        } else if lab.playing.get() {
            "playing"
        } else {
            "paused"
        }
    };
    let seed_error = RwSignal::new(None::<String>);
    let speed_options = move || {
        let s = lab.scenario.get().0;
        speeds(s.speed)
            .into_iter()
            .map(|x| {
                let label = if x == s.speed {
                    format!("{} (default)", format::speed(x))
                } else {
                    format::speed(x)
                };
                view! { <option value=x.to_string() selected=move || lab.speed.get() == Speed::Times(x)>{label}</option> }
            })
            .collect_view()
    };
    let speed_value = move || match lab.speed.get() {
        Speed::Times(x) => x.to_string(),
        Speed::Max => "max".to_string(),
    };
    let on_seed = move |ev: leptos::ev::Event| match event_target_value(&ev).trim().parse::<u64>() {
        Ok(s) => {
            seed_error.set(None);
            lab.set_seed(s)
        }
        Err(_) => seed_error.set(Some("A seed is a whole number from 0 up.".into())),
    };
    view! {
        <section class="transport" aria-label="Run controls">
            <div class="clock" id="lab-clock" data-us=move || now.get().to_string() data-state=state>
                <span class="now" aria-label="Simulated time">{move || format::clock(now.get())}</span>
                <span class="of">" / " {move || format::clock(duration())}</span>
            </div>
            <progress max=move || duration().to_string() value=move || now.get().min(duration()).to_string() aria-label="Run progress"></progress>
            <div class="buttons">
                <button type="button" id="lab-play" class="primary" aria-keyshortcuts="Space"
                    on:click=move |_| lab.toggle_play()>
                    {move || if lab.playing.get() {
                        view! {
                            <svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><rect x="3" y="2" width="3.5" height="12" rx="1"></rect><rect x="9.5" y="2" width="3.5" height="12" rx="1"></rect></svg>
                            "Pause"
                        }.into_any()
                    } else {
                        view! {
                            <svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5 L13.5 8 L4 13.5 Z"></path></svg>
                            "Play"
                        }.into_any()
                    }}
                </button>
                <button type="button" id="lab-step" title="Run exactly one metrics bucket, then pause"
                    on:click=move |_| lab.step_bucket()>"Step"</button>
                <button type="button" id="lab-reset" title="Back to 0 s with the starting toggles"
                    on:click=move |_| lab.reset()>"Reset"</button>
            </div>
            <div class="fields">
                <label for="lab-speed">"Speed"</label>
                <select id="lab-speed" aria-describedby="lab-seed-help" prop:value=speed_value
                    on:change=move |ev| {
                        let v = event_target_value(&ev);
                        lab.speed.set(parse_decimal(&v).map_or(Speed::Max, Speed::Times));
                        super::perf::clear_frames();
                    }>
                    {speed_options}
                    <option value="max" selected=move || lab.speed.get() == Speed::Max>"As fast as possible"</option>
                </select>
                <label for="lab-seed">"Seed"</label>
                <input id="lab-seed" type="number" min="0" step="1" inputmode="numeric" aria-describedby="lab-seed-help"
                    prop:value=move || seed.get().to_string()
                    on:change=on_seed />
                <p id="lab-seed-help" class="help">"Speed is simulated time per real second. Same seed, same toggles: the same run, to the last request; a new seed starts over."</p>
                <p class="error" role="alert">{move || seed_error.get()}</p>
            </div>
            <p class="status" id="lab-status" role="status">{move || status(lab, now.get(), duration())}</p>
        </section>
    }
}

fn status(lab: Lab, now: u64, duration: u64) -> String {
    let pace = lab.pace.get();
    if let Some(t) = lab.replay_to.get() {
        return format!("Replaying the link to {} …", format::clock(t));
    }
    if lab.playing.get() {
        return match lab.speed.get() {
            Speed::Times(x) if pace.behind => format!(
                "Running at {}, slower than the {} asked: this browser cannot simulate faster. The page stays responsive.",
                format::speed(pace.achieved),
                format::speed(x)
            ),
            Speed::Times(x) => format!("Running at {}.", format::speed(x)),
            Speed::Max => format!("Running as fast as possible ({}).", format::speed(pace.achieved.max(0.0))),
        };
    }
    if now == 0 {
        "Ready. Press Play or the space bar; change toggles any time.".into()
    } else if now >= duration {
        "Run complete. Play goes on past the planned end; Reset starts over.".into()
    } else {
        format!("Paused at {}.", format::clock(now))
    }
}
