//! The guided tour, one step at a time, as a card beside the charts: the
//! step's instruction and what to watch, Apply (the run reset into the state
//! the step needs, as its link replays it), a prediction to make before the
//! reveal, then the answer, whether the choice was right, and the live
//! headline figure that proves it against its expected range; Back and Next.
//!
//! Built with plain DOM calls (`dom`) into its place in the layout (`#lab-guide`,
//! beside the charts) and written by the transport's effect, which follows
//! the run every frame: a panel of its own, with an effect and a Leptos view,
//! cost the page's wasm more than the card itself.

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::dom::{button, html, listen, set_attr, set_text, with_text, Listener};
use super::format;
use super::lab::Lab;
use crate::scenarios::export::exact;
use crate::scenarios::{GuidedStep, Scenario};
use crate::sim::kernel::time::from_secs;

/// The card's elements that follow the step.
pub struct Card {
    root: Element,
    title: Element,
    action: Element,
    watch: Element,
    apply_note: Element,
    predict: Element,
    choices: Element,
    reveal: Element,
    verdict: Element,
    answer: Element,
    proof: Element,
    back: Element,
    next: Element,
    lab: Lab,
    /// The step whose choices are built, and their buttons and listeners.
    built: RefCell<Option<(&'static str, usize)>>,
    buttons: RefCell<Vec<(Element, Listener)>>,
    _listeners: Vec<Listener>,
}

impl Card {
    /// The card, built into `root`.
    pub fn build(root: Element, lab: Lab) -> Card {
        let head = html(&root, "div", &[("class", "section-head")]);
        let title = html(&head, "h2", &[("id", "lab-guide-h"), ("tabindex", "-1")]);
        let close = button(
            &head,
            &[
                ("id", "lab-guide-close"),
                ("aria-label", "Close the guided tour"),
            ],
            "Close",
        );
        let labelled = |class: &str, label: &str| {
            let p = html(&root, "p", &[("class", class)]);
            with_text(html(&p, "strong", &[]), label);
            let _ = p.append_with_str_1(" ");
            html(&p, "span", &[])
        };
        let action = labelled("guide-do", "Do:");
        let watch = labelled("guide-watch", "Watch:");
        let apply_box = html(&root, "div", &[("class", "guide-apply")]);
        let apply = button(
            &apply_box,
            &[
                ("id", "lab-guide-apply"),
                ("class", "primary"),
                ("aria-describedby", "lab-guide-apply-note"),
            ],
            "Apply",
        );
        let apply_note = html(
            &apply_box,
            "p",
            &[("class", "help"), ("id", "lab-guide-apply-note")],
        );
        let predict_box = html(&root, "fieldset", &[("class", "guide-predict")]);
        let legend = html(&predict_box, "legend", &[]);
        with_text(html(&legend, "strong", &[]), "Predict:");
        let _ = legend.append_with_str_1(" ");
        let predict = html(&legend, "span", &[]);
        let choices = html(&predict_box, "div", &[("class", "choices")]);
        let reveal = html(
            &root,
            "div",
            &[("class", "guide-reveal"), ("id", "lab-guide-reveal")],
        );
        let verdict = html(&reveal, "p", &[("class", "verdict"), ("role", "status")]);
        let answer = html(&reveal, "p", &[("class", "answer")]);
        let proof = html(
            &reveal,
            "p",
            &[("class", "proof"), ("id", "lab-guide-proof")],
        );
        let nav = html(&root, "div", &[("class", "buttons guide-nav")]);
        let nav_button = |id: &str, text: &str, keys: &str| {
            button(&nav, &[("id", id), ("aria-keyshortcuts", keys)], text)
        };
        let back = nav_button("lab-guide-back", "← Back", "ArrowLeft");
        let next = nav_button("lab-guide-next", "Next →", "ArrowRight");
        let listeners = vec![
            listen(&close, "click", move |_| lab.set_step(None)),
            listen(&apply, "click", move |_| {
                if let Some(i) = lab.step.get_untracked() {
                    lab.apply_step(i);
                }
            }),
            listen(&back, "click", move |_| lab.go_step(-1)),
            listen(&next, "click", move |_| lab.go_step(1)),
        ];
        Card {
            root,
            title,
            action,
            watch,
            apply_note,
            predict,
            choices,
            reveal,
            verdict,
            answer,
            proof,
            back,
            next,
            lab,
            built: RefCell::new(None),
            buttons: RefCell::new(Vec::new()),
            _listeners: listeners,
        }
    }

    /// Shows the tour's step (tracking what it reads).
    pub fn show(&self) {
        let lab = self.lab;
        let s = lab.scenario.get().0;
        let step = lab.step.get().filter(|i| *i < s.guide.len());
        let chosen = lab.answer.get();
        let _ = self
            .root
            .toggle_attribute_with_force("hidden", step.is_none());
        let Some(i) = step else {
            *self.built.borrow_mut() = None;
            return;
        };
        let g = &s.guide[i];
        let n = s.guide.len();
        if *self.built.borrow() != Some((s.id, i)) {
            let opening = self.built.borrow().is_none();
            *self.built.borrow_mut() = Some((s.id, i));
            set_text(&self.title, &format!("Guided tour · step {} of {n}", i + 1));
            set_text(&self.action, g.action);
            set_text(&self.watch, g.watch);
            set_text(&self.apply_note, &apply_note(s, g));
            set_text(&self.predict, g.predict);
            set_text(&self.answer, g.answer);
            self.build_choices(g);
            let _ = self.back.toggle_attribute_with_force("disabled", i == 0);
            let _ = self
                .next
                .toggle_attribute_with_force("disabled", i + 1 >= n);
            // Opened by its button: the keyboard goes on in the card.
            let from_button = document()
                .active_element()
                .is_some_and(|e| e.id() == "lab-tour");
            if opening && from_button {
                if let Ok(h) = self.title.clone().dyn_into::<web_sys::HtmlElement>() {
                    let _ = h.focus();
                }
            }
        }
        for (k, (b, _)) in self.buttons.borrow().iter().enumerate() {
            set_attr(
                b,
                "aria-pressed",
                if chosen == Some(k) { "true" } else { "false" },
            );
            let mark = match chosen {
                Some(_) if k == g.correct => "choice right",
                Some(c) if c == k => "choice wrong",
                _ => "choice",
            };
            set_attr(b, "class", mark);
        }
        let _ = self
            .reveal
            .toggle_attribute_with_force("hidden", chosen.is_none());
        let _ = self
            .root
            .class_list()
            .toggle_with_force("revealed", chosen.is_some());
        let Some(c) = chosen else { return };
        set_text(
            &self.verdict,
            if c == g.correct {
                "Right."
            } else {
                "Not quite: the right answer is marked ✓."
            },
        );
        let Some(e) = g.expect else {
            set_text(&self.proof, "");
            return;
        };
        let figure = lab
            .figures
            .with(|f| f.iter().find(|(k, _)| *k == e.figure).and_then(|(_, v)| *v));
        let style = format::figure_style(s, e.figure);
        let spaced = |u: &str| {
            if u.is_empty() {
                String::new()
            } else {
                format!(" {u}")
            }
        };
        // Shown as the headline shows it (a long time in s), the range in
        // the unit of its larger end.
        let at = e.min.abs().max(e.max.abs());
        let (lo, unit) = style.show_in(e.min, at);
        let range = if e.min == e.max {
            format!("{lo}{}", spaced(unit))
        } else {
            format!("{lo} to {}{}", style.show_in(e.max, at).0, spaced(unit))
        };
        let value = figure.filter(|x| x.is_finite());
        let inside = value.is_some_and(|x| (e.min..=e.max).contains(&x));
        let now = value.map(|x| {
            let (v, u) = style.show_in(x, x);
            format!("{v}{}", spaced(u))
        });
        let text = match now {
            Some(v) if inside => format!("{}: {v} now, in the expected {range}. ✓", style.label),
            Some(v) => format!(
                "{}: {v} now; the step shows {range}: Apply puts the run there.",
                style.label
            ),
            None => format!(
                "{}: no value yet; the step shows {range}: Apply puts the run there.",
                style.label
            ),
        };
        set_text(&self.proof, &text);
        set_attr(
            &self.proof,
            "data-value",
            &value.map_or("null".into(), exact),
        );
        set_attr(
            &self.proof,
            "data-in-range",
            if inside { "true" } else { "false" },
        );
    }

    /// The step's choices as buttons; a click answers.
    fn build_choices(&self, g: &GuidedStep) {
        self.choices.set_text_content(None);
        let answer = self.lab.answer;
        let buttons = g
            .choices
            .iter()
            .enumerate()
            .map(|(k, c)| {
                let b = button(&self.choices, &[("class", "choice")], c);
                let l = listen(&b, "click", move |_| answer.set(Some(k)));
                (b, l)
            })
            .collect();
        *self.buttons.borrow_mut() = buttons;
    }
}

/// What Apply does for this step, in the controls' words.
fn apply_note(s: &Scenario, g: &GuidedStep) -> String {
    let label = |name: &'static str| {
        s.params
            .iter()
            .find(|p| p.name == name)
            .map_or(name, |p| p.label)
    };
    let mut text = String::from("Resets the run with ");
    let mut first = true;
    let mut add = |name: &'static str, value: &str, at: Option<f64>| {
        if !first {
            text.push_str(", ");
        }
        first = false;
        text.push_str(label(name));
        text.push(' ');
        text.push_str(value);
        if let Some(t) = at {
            text.push_str(" at ");
            text.push_str(&format::clock(from_secs(t)));
        }
    };
    for (n, v) in g.apply.set {
        add(n, v, None);
    }
    for (t, n, v) in g.apply.at {
        add(n, v, Some(*t));
    }
    if first {
        text.push_str("the defaults");
    }
    text.push_str(" and runs it to ");
    text.push_str(&format::clock(from_secs(g.apply.run_to_s)));
    text.push_str(" at full speed.");
    text
}
