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
//! While comparing (A/B), each figure shows A and B side by side (the same
//! span for both: their timed changes are the same) and the difference
//! B − A beneath; `data-b` and `data-diff` carry B's exact value and the
//! difference.
//!
//! Drawn with plain DOM calls (`dom`): the figures' boxes when the list of
//! names changes, their values whenever the run does.

use leptos::prelude::*;
use web_sys::Element;

use super::dom::{effect, html, set_attr, set_text, with_text};
use super::format::{self, FigureStyle};
use super::lab::Lab;
use crate::scenarios::compare::{self, Row};
use crate::scenarios::{export, Scenario};

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
    /// B's value (its `dd`, and the value and unit in it), and B − A.
    b: Element,
    b_value: Element,
    b_unit: Element,
    diff: Element,
}

#[component]
pub fn Headline() -> impl IntoView {
    let lab = Lab::from_context();
    view! { <section class="headline" aria-labelledby="headline-h" use:build=lab></section> }
}

/// Builds the panel in `root` with plain DOM (`dom`): its title, the list
/// and the note; one effect writes the figures.
fn build(root: Element, lab: Lab) {
    with_text(
        html(
            &root,
            "h2",
            &[("id", "headline-h"), ("class", "visually-hidden")],
        ),
        "Headline figures",
    );
    let dl = html(&root, "dl", &[]);
    let note = html(
        &root,
        "p",
        &[("class", "help"), ("id", "lab-headline-span")],
    );
    let figures = lab.figures;
    let shown = StoredValue::new_local(Vec::<Figure>::new());
    effect(move || {
        // Since the last change, if one was made (read here: only this
        // panel shows it; any change of the run runs this again).
        let (since, b) = lab.read_both(|r| {
            let since = r.a.headline_since_change();
            // B's figures over the span A's show.
            let b = r.b.as_ref().map(|b| match since {
                Some(_) => b
                    .headline_since_change()
                    .map(|(_, h)| h)
                    .unwrap_or_default(),
                None => b.headline(),
            });
            (since, b)
        });
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
            // A's figures as shown large beside B's, and B − A.
            let rows = b.map(|b| {
                let a = since.map_or_else(|| f.clone(), |(_, h)| h.clone());
                compare::rows(a, b)
            });
            shown.with_value(|s| {
                for (i, fig) in s.iter().enumerate() {
                    let whole = f[i].1;
                    fill(fig, whole, since.map(|(_, h)| h[i].1));
                    write_b(fig, rows.as_ref().map(|r| &r[i]));
                    let on = expected == Some(fig.key);
                    let _ = fig.row.class_list().toggle_with_force("expected", on);
                }
            });
        });
    });
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
    let b = html(&row, "dd", &[("class", "b"), ("hidden", "")]);
    let b_value = html(&b, "span", &[("class", "value")]);
    let b_unit = html(&b, "span", &[("class", "unit")]);
    let diff = html(&row, "dd", &[("class", "diff"), ("hidden", "")]);
    let whole = html(&row, "dd", &[("class", "whole"), ("hidden", "")]);
    Figure {
        key,
        style,
        row,
        value,
        unit,
        whole,
        b,
        b_value,
        b_unit,
        diff,
    }
}

/// Writes B's value next to A's and B − A beneath (from `compare::rows`,
/// which `lab run` prints too); hides both when not comparing.
fn write_b(f: &Figure, row: Option<&Row>) {
    let _ = f.b.toggle_attribute_with_force("hidden", row.is_none());
    let _ = f.diff.toggle_attribute_with_force("hidden", row.is_none());
    let Some(row) = row else {
        let _ = f.row.remove_attribute("data-b");
        return;
    };
    set_attr(&f.row, "data-b", &exact(row.b));
    let (text, unit) = shown(f, row.b);
    set_text(&f.b_value, &text);
    set_text(&f.b_unit, unit);
    set_attr(&f.row, "data-diff", &exact(row.diff));
    let words = match row.diff {
        Some(d) => {
            let (text, unit) = shown(f, Some(d.abs()));
            let sign = if d > 0.0 {
                "+"
            } else if d < 0.0 {
                "−"
            } else {
                "±"
            };
            let spaced = if unit.is_empty() { "" } else { " " };
            format!("B − A: {sign}{text}{spaced}{unit}")
        }
        None => "B − A: —".into(),
    };
    set_text(&f.diff, &words);
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
