//! Transport: the simulated clock, play / pause, step one bucket, skip to the
//! next event, reset, speed and seed, presenter mode and the list of keys, and
//! a status line that says what the run is doing (replaying a link, skipping
//! ahead, running slower than asked, finished).

use crate::sim::kernel::decimal::fixed;
use crate::sim::kernel::sort::sort_f64;
use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use super::dom::{button, effect, html, listen, set_attr, set_text, svg, with_text, Listener};

use super::download;
use super::format;
use super::guide::Card;
use super::keys;
use super::lab::{Lab, Pace, Speed};
use super::landing;
use super::perf;
use super::picker::Story;
use super::problems::Problems;
use super::share;
use crate::scenarios::schema::{format_number, parse_decimal};
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
        sort_f64(&mut v);
    }
    v
}

/// Builds the panel in `section` with plain DOM calls (`dom`), so the clock
/// and the buttons are there as soon as the page is mounted; one effect then
/// writes what the run is doing. As a Leptos view, with a reactive closure per
/// figure and button, the panel cost the page's wasm about 6 KB gzipped more.
pub fn build(section: &Element, lab: Lab) {
    let parts = Parts::build(section, lab);
    let now_seed = move || lab.read(|r| (r.now(), r.seed));
    let (now, seed) = untrack(now_seed);
    untrack(|| parts.show(lab, now, seed));
    effect(move || {
        let (now, seed) = now_seed();
        parts.show(lab, now, seed);
    });
}

/// The panel's elements that follow the run, and the values last written
/// to the fields a person types or picks in (rewritten only when those change).
struct Parts {
    clock: Element,
    now: Element,
    of: Element,
    progress: Element,
    play: Element,
    next: Element,
    speed: HtmlSelectElement,
    seed: HtmlInputElement,
    status: Element,
    /// The other panels this one's effect writes, as it follows the run every
    /// frame (an effect and a view each cost the page's wasm more than they
    /// do): built once their places are in the page.
    others: RefCell<Option<Others>>,
    shown: RefCell<Shown>,
    _listeners: Vec<Listener>,
}

#[derive(Default)]
struct Shown {
    pace: Option<(Pace, bool)>,
    playing: Option<bool>,
    scenario: Option<&'static str>,
    speed: String,
    seed: Option<u64>,
}

impl Parts {
    fn build(root: &Element, lab: Lab) -> Parts {
        root.set_text_content(None);
        let clock = html(root, "div", &[("class", "clock"), ("id", "lab-clock")]);
        let now = html(
            &clock,
            "span",
            &[("class", "now"), ("aria-label", "Simulated time")],
        );
        let of_box = html(&clock, "span", &[("class", "of")]);
        let _ = of_box.append_with_str_1(" / ");
        let of = html(&of_box, "span", &[]);
        let progress = html(root, "progress", &[("aria-label", "Run progress")]);
        let buttons = html(root, "div", &[("class", "buttons")]);
        let play = html(
            &buttons,
            "button",
            &[
                ("type", "button"),
                ("id", "lab-play"),
                ("class", "primary"),
                ("aria-keyshortcuts", "Space"),
            ],
        );
        let step = button(
            &buttons,
            &[
                ("id", "lab-step"),
                ("title", "Run exactly one metrics bucket, then pause"),
            ],
            "Step",
        );
        let next = button(
            &buttons,
            &[
                ("id", "lab-next"),
                ("aria-keyshortcuts", "N"),
                (
                    "title",
                    "Run at full speed to a few seconds before the next planned fault or change",
                ),
            ],
            "Next event",
        );
        let reset = button(
            &buttons,
            &[
                ("id", "lab-reset"),
                ("aria-keyshortcuts", "R"),
                ("title", "Back to 0 s with the starting toggles"),
            ],
            "Reset",
        );
        // On a phone the buttons are a bar at the foot of the screen, with a
        // way to the charts and one to the toggles below them.
        let to = |id: &str, text: &str| {
            button(&buttons, &[("class", "phone-only"), ("data-to", id)], text)
        };
        let (to_charts, to_toggles) = (to("charts-h", "Charts ↑"), to("controls-h", "Toggles ↓"));

        let fields = html(root, "div", &[("class", "fields")]);
        with_text(html(&fields, "label", &[("for", "lab-speed")]), "Speed");
        let speed: HtmlSelectElement = html(
            &fields,
            "select",
            &[("id", "lab-speed"), ("aria-describedby", "lab-seed-help")],
        )
        .unchecked_into();
        with_text(html(&fields, "label", &[("for", "lab-seed")]), "Seed");
        let seed: HtmlInputElement = html(
            &fields,
            "input",
            &[
                ("id", "lab-seed"),
                ("type", "number"),
                ("min", "0"),
                ("step", "1"),
                ("inputmode", "numeric"),
                ("aria-describedby", "lab-seed-help"),
            ],
        )
        .unchecked_into();
        with_text(
            html(&fields, "p", &[("id", "lab-seed-help"), ("class", "help")]),
            "Speed is simulated time per real second. Same seed, same toggles: the same run, to the last request; a new seed starts over.",
        );
        let error = html(&fields, "p", &[("class", "error"), ("role", "alert")]);
        let status = html(
            root,
            "p",
            &[
                ("class", "status"),
                ("id", "lab-status"),
                ("role", "status"),
            ],
        );
        let listeners = vec![
            listen(&play, "click", move |_| lab.toggle_play()),
            listen(&step, "click", move |_| lab.step_bucket()),
            listen(&next, "click", move |_| {
                lab.skip();
            }),
            listen(&reset, "click", move |_| lab.reset()),
            listen(&to_charts, "click", scroll_to_target),
            listen(&to_toggles, "click", scroll_to_target),
            listen(&speed, "change", {
                let speed = speed.clone();
                move |_| {
                    lab.speed
                        .set(parse_decimal(&speed.value()).map_or(Speed::Max, Speed::Times));
                    super::perf::clear_frames();
                }
            }),
            listen(&seed, "change", {
                let (seed, error) = (seed.clone(), error.clone());
                move |_| match seed.value().trim().parse::<u64>() {
                    Ok(s) => {
                        set_text(&error, "");
                        lab.set_seed(s)
                    }
                    Err(_) => set_text(&error, "A seed is a whole number from 0 up."),
                }
            }),
        ];
        Parts {
            clock,
            now,
            of,
            progress,
            play,
            next,
            speed,
            seed,
            status,
            others: RefCell::new(None),
            shown: RefCell::new(Shown::default()),
            _listeners: listeners,
        }
    }

    fn show(&self, lab: Lab, now: u64, seed: u64) {
        let s = lab.scenario.get().0;
        let duration = from_secs(s.duration_s);
        let playing = lab.playing.get();
        let state = if lab.replay_to.get().is_some() {
            "replaying"
        } else if playing {
            "playing"
        } else {
            "paused"
        };
        set_attr(&self.clock, "data-us", &now.to_string());
        set_attr(&self.clock, "data-state", state);
        set_text(&self.now, &format::clock(now));
        set_text(&self.of, &format::clock(duration));
        set_attr(&self.progress, "max", &duration.to_string());
        set_attr(&self.progress, "value", &now.min(duration).to_string());
        set_text(&self.status, &status(lab, now, duration));
        let next = lab.next_event();
        set_attr(
            &self.next,
            "data-next-us",
            &next.map_or(String::new(), |t| t.to_string()),
        );
        let stuck = lab.skip_target().is_none() || lab.replay_to.get().is_some();
        let _ = self.next.toggle_attribute_with_force("disabled", stuck);
        let mut others = self.others.borrow_mut();
        if others.is_none() {
            *others = Others::build(lab);
        }
        if let Some(o) = others.as_ref() {
            o.show(lab, &mut self.shown.borrow_mut());
        }
        let speed = match lab.speed.get() {
            Speed::Times(x) => format_number(x),
            Speed::Max => "max".to_string(),
        };
        let mut shown = self.shown.borrow_mut();
        if shown.playing != Some(playing) {
            shown.playing = Some(playing);
            self.play.set_text_content(None);
            let icon = svg(
                &self.play,
                "svg",
                &[
                    ("class", "icon"),
                    ("viewBox", "0 0 16 16"),
                    ("aria-hidden", "true"),
                ],
            );
            if playing {
                for x in ["3", "9.5"] {
                    svg(
                        &icon,
                        "rect",
                        &[
                            ("x", x),
                            ("y", "2"),
                            ("width", "3.5"),
                            ("height", "12"),
                            ("rx", "1"),
                        ],
                    );
                }
            } else {
                svg(&icon, "path", &[("d", "M4 2.5 L13.5 8 L4 13.5 Z")]);
            }
            let _ = self
                .play
                .append_with_str_1(if playing { "Pause" } else { "Play" });
        }
        if shown.scenario != Some(s.id) {
            shown.scenario = Some(s.id);
            shown.speed.clear();
            self.speed.set_text_content(None);
            for x in speeds(s.speed) {
                let label = if x == s.speed {
                    format!("{} (default)", format::speed(x))
                } else {
                    format::speed(x)
                };
                with_text(
                    html(&self.speed, "option", &[("value", &format_number(x))]),
                    &label,
                );
            }
            with_text(
                html(&self.speed, "option", &[("value", "max")]),
                "As fast as possible",
            );
        }
        if shown.speed != speed {
            self.speed.set_value(&speed);
            shown.speed = speed;
        }
        if shown.seed != Some(seed) {
            shown.seed = Some(seed);
            self.seed.set_value(&seed.to_string());
        }
    }
}

/// Brings the heading a button's `data-to` names into view.
fn scroll_to_target(e: web_sys::Event) {
    let id = e
        .current_target()
        .and_then(|t| t.dyn_into::<Element>().ok())
        .and_then(|b| b.get_attribute("data-to"));
    if let Some(heading) = id.and_then(|id| document().get_element_by_id(&id)) {
        heading.scroll_into_view();
    }
}

/// An embedded view's way out: the same run in the full lab, in a new tab,
/// its address written as the link is followed, so it keeps the run's state.
fn point_to_full_lab(lab: Lab) -> impl FnMut(web_sys::Event) {
    move |e| {
        if let Some(a) = e
            .current_target()
            .and_then(|t| t.dyn_into::<Element>().ok())
        {
            set_attr(&a, "href", &share::full_url(&lab.full_link()));
        }
    }
}

/// The panels written with the transport: the picker and the story, the
/// presenter-mode and keys buttons beside them, the guided tour's card, a
/// link's problems, and the frame times in the footer.
struct Others {
    story: Story,
    present: Element,
    /// The embedded view's title (`embed=1`).
    embed_title: Element,
    /// The landing page's place, written when it is first shown.
    landing: Element,
    guide: Card,
    problems: Problems,
    perf: Element,
    _listeners: [Listener; 6],
}

impl Others {
    /// Built in their places, once these are in the page.
    fn build(lab: Lab) -> Option<Others> {
        let doc = document();
        let find = |id: &str| doc.get_element_by_id(id);
        // Every place found before anything is added to one, so a page not
        // yet complete gets nothing twice.
        let tools = find("lab-tools")?;
        let open_full = find("lab-open-full")?;
        let csv = find("lab-csv")?;
        let (picker, story, guide) = (find("lab-picker")?, find("lab-story")?, find("lab-guide")?);
        let (embed_title, landing) = (find("lab-embed-title")?, find("lab-landing")?);
        let (slot, perf) = (find("lab-problems-slot")?, find("lab-perf")?);
        let present = button(&tools, &[("id", "lab-present")], "Presenter mode");
        let keys_button = button(
            &tools,
            &[("id", "lab-keys-open"), ("aria-keyshortcuts", "?")],
            "Keys ?",
        );
        let listeners = [
            listen(&present, "click", move |_| {
                let on = !lab.present.get_untracked();
                lab.present.set(on);
                keys::fullscreen(on);
            }),
            listen(&keys_button, "click", |_| keys::show_keys(true)),
            listen(&open_full, "click", point_to_full_lab(lab)),
            listen(&open_full, "focus", point_to_full_lab(lab)),
            listen(&open_full, "pointerdown", point_to_full_lab(lab)),
            listen(&csv, "click", move |_| download::csv(&lab)),
        ];
        Some(Others {
            story: Story::build(&picker, &story, lab),
            present,
            embed_title,
            landing,
            guide: Card::build(guide, lab),
            problems: Problems::new(slot),
            perf,
            _listeners: listeners,
        })
    }

    fn show(&self, lab: Lab, shown: &mut Shown) {
        let present = lab.present.get();
        set_attr(&self.present, "aria-pressed", &present.to_string());
        keys::presenting(present);
        keys::root_class("embedded", lab.embed.with(Option::is_some));
        let landing = lab.landing.get();
        keys::root_class("landing-page", landing);
        if landing {
            landing::build(&self.landing);
        }
        let title = lab.scenario.get().0.title;
        if self.embed_title.text_content().as_deref() != Some(title) {
            set_text(&self.embed_title, title);
        }
        self.story.show(lab);
        self.guide.show();
        self.problems.show(lab);
        // Frame times, for the curious and for projectors that struggle:
        // anew when the pace is measured, twice a second.
        let pace = (lab.pace.get(), lab.playing.get());
        if shown.pace != Some(pace) {
            shown.pace = Some(pace);
            let text = match (pace.1, perf::quantiles(0.95)) {
                (true, Some((frame, work))) => {
                    format!(
                        "frame p95 {} ms · work p95 {} ms",
                        fixed(frame, 1),
                        fixed(work, 1)
                    )
                }
                _ => String::new(),
            };
            set_text(&self.perf, &text);
        }
    }
}

fn status(lab: Lab, now: u64, duration: u64) -> String {
    let pace = lab.pace.get();
    if let Some(t) = lab.replay_to.get() {
        return format!("Replaying the link to {} …", format::clock(t));
    }
    if let Some(t) = lab.skip_to.get() {
        return format!(
            "Skipping at full speed to {}, a few seconds before the next event …",
            format::clock(t)
        );
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
