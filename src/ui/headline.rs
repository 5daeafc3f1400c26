//! The headline panel: the scenario's headline figures, live.
//!
//! Until a change is made, each figure is over the whole run. Once one is,
//! the charts show the whole run with the change in view, and each figure
//! follows them: large, its value since the last change; small beneath,
//! "whole run: …". (Without a change the whole run is the span the charts
//! show, and a story's figures about its own moments — after the fault, the
//! first minutes of a spike — keep their meaning; the last minute would
//! leave most of them empty.)
//!
//! Each figure carries its exact whole-run value in `data-value` (as JSON
//! would print it), so the browser tests can compare runs without rounding,
//! and the exact value shown large in `data-since`.
//!
//! Drawn with plain DOM calls (`dom`): the figures' boxes when the list of
//! names changes, their values whenever the run does.

use leptos::html::Dl;
use leptos::prelude::*;
use web_sys::Element;

use super::dom::{html, set_attr, set_text, with_text};
use super::format::{self, FigureStyle};
use super::lab::Lab;
use crate::scenarios::{export, Run, Scenario};

/// The panel's note before any change.
const WHOLE_RUN: &str = "Over the whole run so far. After a change, each figure shows \
    what happened since it, large, and the whole run, small; figures of state (pods now, \
    a peak) read the same both ways.";

/// One figure's box: its name, how it is shown, and the elements that change.
struct Figure {
    key: &'static str,
    style: FigureStyle,
    row: Element,
    value: Element,
    unit: Element,
    whole: Element,
}

#[component]
pub fn Headline() -> impl IntoView {
    let lab = Lab::from_context();
    let figures = lab.figures;
    let list = NodeRef::<Dl>::new();
    let shown = StoredValue::new_local(Vec::<Figure>::new());
    Effect::new(move |_| {
        let Some(dl) = list.get() else { return };
        // The note on what the figures cover, right after the list.
        let Some(note) = dl.next_element_sibling() else {
            return;
        };
        // Since the last change, if one was made (read here: only this
        // panel shows it; any change of the run runs this again).
        let since = lab.read(Run::headline_since_change);
        let since = since.as_ref();
        figures.with(|f| {
            let same = shown.with_value(|s| {
                s.len() == f.len() && s.iter().zip(f).all(|(a, (k, _))| a.key == *k)
            });
            if !same {
                dl.set_text_content(None);
                let s = lab.scenario.get_untracked().0;
                shown.set_value(f.iter().map(|(k, _)| add(&dl, s, k)).collect());
            }
            set_text(
                &note,
                &since.map_or(WHOLE_RUN.to_string(), |(at, _)| {
                    format!(
                        "Large: since the change at {}. Small: the whole run.",
                        format::clock(*at)
                    )
                }),
            );
            // The figure the tour's step rests on (presenter mode keeps it
            // in view).
            let s = lab.scenario.get().0;
            let step = lab.step.get().and_then(|i| s.guide.get(i));
            let expected = step.and_then(|g| g.expect).map(|e| e.figure);
            shown.with_value(|s| {
                for (i, fig) in s.iter().enumerate() {
                    let whole = f[i].1;
                    fill(fig, whole, since.map(|(_, h)| h[i].1));
                    let on = expected == Some(fig.key);
                    let _ = fig.row.class_list().toggle_with_force("expected", on);
                }
            });
        });
    });
    view! {
        <section class="headline" aria-labelledby="headline-h">
            <h2 id="headline-h" class="visually-hidden">"Headline figures"</h2>
            <dl node_ref=list></dl>
            <p class="help" id="lab-headline-span"></p>
        </section>
    }
}

/// `<div class="figure"><dt>label</dt><dd><span class="value"/><span
/// class="unit"/></dd><dd class="whole"/></div>`
fn add(dl: &Element, scenario: &Scenario, key: &'static str) -> Figure {
    let style = format::figure_style(scenario, key);
    let row = html(dl, "div", &[("class", "figure"), ("data-name", key)]);
    with_text(html(&row, "dt", &[("title", key)]), &style.label);
    let dd = html(&row, "dd", &[]);
    let value = html(&dd, "span", &[("class", "value")]);
    let unit = html(&dd, "span", &[("class", "unit")]);
    let whole = html(&row, "dd", &[("class", "whole"), ("hidden", "")]);
    Figure {
        key,
        style,
        row,
        value,
        unit,
        whole,
    }
}

/// The exact value as JSON would print it, `null` when undefined.
fn exact(value: Option<f64>) -> String {
    value.map_or("null".into(), export::exact)
}

/// As the panel shows a value: its text and unit, a dash when undefined.
fn shown(f: &Figure, value: Option<f64>) -> (String, &'static str) {
    match value.filter(|x| x.is_finite()) {
        Some(x) => f.style.show_in(x, x),
        None => ("—".into(), ""),
    }
}

/// Writes a figure: `since` large when a change has been made (else the
/// whole run), and the whole run small beneath it.
fn fill(f: &Figure, whole: Option<f64>, since: Option<Option<f64>>) {
    set_attr(&f.row, "data-value", &exact(whole));
    let large = since.unwrap_or(whole);
    set_attr(&f.row, "data-since", &exact(large));
    let (text, unit) = shown(f, large);
    set_text(&f.value, &text);
    set_text(&f.unit, unit);
    let _ = f
        .whole
        .toggle_attribute_with_force("hidden", since.is_none());
    if since.is_some() {
        let (text, unit) = shown(f, whole);
        let spaced = if unit.is_empty() { "" } else { " " };
        set_text(&f.whole, &format!("whole run: {text}{spaced}{unit}"));
    }
}
