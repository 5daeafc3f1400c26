//! The scenario picker, and the story: the lesson, the narrative and the way
//! into the guided tour (`guide`), all from the scenario's own catalogue entry.

use std::cell::Cell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};

use super::dom::{html, listen, set_text, with_text, Listener};
use super::lab::Lab;
use crate::scenarios;

/// The picker, and the story: title, narrative, and the button that opens
/// the guided tour. Plain DOM (`dom`) in their places in the layout, written by
/// the transport's effect when the scenario changes.
pub struct Story {
    select: HtmlSelectElement,
    lesson: Element,
    title: Element,
    narrative: Element,
    tour: Element,
    shown: Cell<Option<&'static str>>,
    _listeners: [Listener; 2],
}

impl Story {
    pub fn build(picker: &Element, root: &Element, lab: Lab) -> Story {
        with_text(
            html(picker, "label", &[("for", "lab-scenario")]),
            "Scenario",
        );
        let select: HtmlSelectElement = html(
            picker,
            "select",
            &[("id", "lab-scenario"), ("aria-describedby", "lab-lesson")],
        )
        .unchecked_into();
        for s in scenarios::catalogue() {
            let label = match s.story {
                Some(n) => format!("{} (story {n})", s.title),
                None => s.title.to_string(),
            };
            with_text(
                html(&select, "option", &[("value", s.id), ("title", s.lesson)]),
                &label,
            );
        }
        let lesson = html(picker, "p", &[("id", "lab-lesson"), ("class", "lesson")]);
        let title = html(root, "h1", &[("id", "story-h")]);
        let narrative = html(root, "p", &[("class", "narrative")]);
        let tour = html(
            root,
            "button",
            &[("type", "button"), ("id", "lab-tour"), ("class", "tour")],
        );
        let open = listen(&tour, "click", move |_| {
            lab.set_step(Some(lab.step.get_untracked().unwrap_or(0)))
        });
        let pick = listen(&select, "change", {
            let select = select.clone();
            move |_| lab.pick(&select.value())
        });
        Story {
            select,
            lesson,
            title,
            narrative,
            tour,
            shown: Cell::new(None),
            _listeners: [open, pick],
        }
    }

    /// Writes the scenario's story (tracking the scenario).
    pub fn show(&self, lab: Lab) {
        let s = lab.scenario.get().0;
        if self.shown.get() == Some(s.id) {
            return;
        }
        self.shown.set(Some(s.id));
        self.select.set_value(s.id);
        set_text(&self.lesson, s.lesson);
        set_text(&self.title, s.title);
        set_text(&self.narrative, s.narrative);
        let n = s.guide.len();
        set_text(&self.tour, &format!("Guided tour: {n} steps"));
        let _ = self.tour.toggle_attribute_with_force("hidden", n == 0);
    }
}
