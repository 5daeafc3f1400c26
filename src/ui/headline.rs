//! The headline panel: the scenario's headline figures, live.
//!
//! Each figure carries its exact value in `data-value` (as JSON would print it)
//! so the browser tests can compare runs without rounding.
//!
//! Drawn with plain DOM calls (`dom`): the figures' boxes when the list of
//! names changes, their values whenever the run does.

use leptos::html::Dl;
use leptos::prelude::*;
use web_sys::Element;

use super::dom::{html, set_attr, set_text, with_text};
use super::format::{self, FigureStyle};
use super::lab::Lab;
use crate::scenarios::Scenario;

/// One figure's box: its name, how it is shown, and the elements that change.
struct Figure {
    key: &'static str,
    style: FigureStyle,
    row: Element,
    value: Element,
    unit: Element,
}

#[component]
pub fn Headline() -> impl IntoView {
    let lab = Lab::from_context();
    let figures = lab.figures;
    let list = NodeRef::<Dl>::new();
    let shown = StoredValue::new_local(Vec::<Figure>::new());
    Effect::new(move |_| {
        let Some(dl) = list.get() else { return };
        figures.with(|f| {
            let same = shown.with_value(|s| {
                s.len() == f.len() && s.iter().zip(f).all(|(a, (k, _))| a.key == *k)
            });
            if !same {
                dl.set_text_content(None);
                let s = lab.scenario.get_untracked().0;
                shown.set_value(f.iter().map(|(k, _)| add(&dl, s, k)).collect());
            }
            // The figure the tour's step rests on (presenter mode keeps it
            // in view).
            let s = lab.scenario.get().0;
            let step = lab.step.get().and_then(|i| s.guide.get(i));
            let expected = step.and_then(|g| g.expect).map(|e| e.figure);
            shown.with_value(|s| {
                for (fig, (_, v)) in s.iter().zip(f) {
                    fill(fig, *v);
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
        </section>
    }
}

/// `<div class="figure"><dt>label</dt><dd><span class="value"/><span class="unit"/></dd></div>`
fn add(dl: &Element, scenario: &Scenario, key: &'static str) -> Figure {
    let style = format::figure_style(scenario, key);
    let row = html(dl, "div", &[("class", "figure"), ("data-name", key)]);
    with_text(html(&row, "dt", &[("title", key)]), &style.label);
    let dd = html(&row, "dd", &[]);
    let value = html(&dd, "span", &[("class", "value")]);
    let unit = html(&dd, "span", &[("class", "unit")]);
    Figure {
        key,
        style,
        row,
        value,
        unit,
    }
}

fn fill(f: &Figure, value: Option<f64>) {
    set_attr(
        &f.row,
        "data-value",
        &value.map_or("null".into(), |x| format!("{x:?}")),
    );
    let (text, unit) = match value.filter(|x| x.is_finite()) {
        Some(x) => f.style.show_in(x, x),
        None => ("—".into(), ""),
    };
    set_text(&f.value, &text);
    set_text(&f.unit, unit);
}
