//! A/B compare in the page: a second run of the same scenario and seed with
//! some starting parameters changed, stepped with the first (`driver`). The
//! charts draw B's lines dotted over A's, the headline figures show A, B and
//! B − A, and the link carries what B changes (`b.NAME=VALUE`).
//!
//! This panel turns comparing on and off and says what B changes: a list of
//! B's differences, each with a button that gives B A's value back, and a
//! parameter picker with a value field (the words a link or `lab run` takes;
//! a value that is not allowed is refused in plain words). Plain DOM
//! (`dom`), rewritten when the run is rebuilt.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

use super::dom::{button, effect, html, listen, set_text, with_text, Listener};
use super::keys;
use super::lab::Lab;
use crate::scenarios::chaos::is_chaos;
use crate::scenarios::{ParamKind, Params};

/// What the panel says while B is off.
const OFF_HELP: &str = "Run a second configuration beside this one, on the same seed and with \
    the same timed changes: B's lines are dotted on every chart, and each headline figure shows \
    A, B and the difference.";

/// Builds the panel in `root`; its effect rewrites it when the runs are
/// rebuilt (B on, off or changed, a link opened, another scenario), and
/// keeps its listeners alive.
pub fn build(root: &Element, lab: Lab) {
    let (listeners, panel) = parts(root, lab);
    effect(move || {
        lab.build.track();
        let _ = &listeners;
        panel.write(lab);
    });
}

/// The parts of the panel that change.
struct Panel {
    off: Element,
    on: Element,
    list: Element,
    name: HtmlSelectElement,
    value: HtmlInputElement,
    values: Element,
    hint: Element,
    status: Element,
}

fn parts(root: &Element, lab: Lab) -> (Vec<Listener>, Panel) {
    with_text(html(root, "h2", &[("id", "compare-h")]), "Compare A/B");
    let off = html(root, "div", &[]);
    with_text(html(&off, "p", &[("class", "help")]), OFF_HELP);
    let start = button(&off, &[("id", "lab-compare-on")], "Compare with B");
    let on = html(root, "div", &[("hidden", "")]);
    with_text(
        html(&on, "p", &[("class", "help")]),
        "A is the run the toggles above set; B changes:",
    );
    let list = html(
        &on,
        "ul",
        &[("id", "lab-b-changes"), ("class", "b-changes")],
    );
    let row = html(&on, "div", &[("class", "b-set")]);
    with_text(html(&row, "label", &[("for", "lab-b-name")]), "Parameter");
    let name: HtmlSelectElement = html(&row, "select", &[("id", "lab-b-name")]).unchecked_into();
    with_text(html(&row, "label", &[("for", "lab-b-value")]), "B's value");
    let value: HtmlInputElement = html(
        &row,
        "input",
        &[
            ("id", "lab-b-value"),
            ("type", "text"),
            ("autocomplete", "off"),
            ("aria-describedby", "lab-b-hint"),
            ("list", "lab-b-values"),
        ],
    )
    .unchecked_into();
    // The words the picked parameter takes, offered as the field is typed in.
    let values = html(&row, "datalist", &[("id", "lab-b-values")]);
    let set = button(&row, &[("id", "lab-b-set")], "Set for B");
    let hint = html(&on, "p", &[("class", "help"), ("id", "lab-b-hint")]);
    let status = html(&on, "p", &[("class", "b-status"), ("role", "status")]);
    let stop = button(&on, &[("id", "lab-compare-off")], "Stop comparing");
    let panel = Panel {
        off,
        on,
        list,
        name,
        value,
        values,
        hint,
        status,
    };
    let mut listeners = vec![
        listen(&start, "click", move |_| lab.compare()),
        listen(&stop, "click", move |_| lab.end_compare()),
    ];
    {
        let (name, hint, values) = (panel.name.clone(), panel.hint.clone(), panel.values.clone());
        listeners.push(listen(&panel.name, "change", move |_| {
            write_hint(lab, &name.value(), &hint, &values)
        }));
    }
    let (name, value, status) = (
        panel.name.clone(),
        panel.value.clone(),
        panel.status.clone(),
    );
    let submit = move || match lab.set_b_param(&name.value(), Some(&value.value())) {
        Ok(()) => value.set_value(""),
        Err(e) => set_text(&status, &e),
    };
    let enter = submit.clone();
    listeners.push(listen(&set, "click", move |_| submit()));
    listeners.push(listen(&panel.value, "keydown", move |e| {
        let key = e
            .dyn_ref::<web_sys::KeyboardEvent>()
            .map(|k| k.key())
            .unwrap_or_default();
        if key == "Enter" {
            enter();
        }
    }));
    // A difference's button (delegated: the list is rewritten).
    listeners.push(listen(&panel.list, "click", move |e| {
        let name = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|el| el.get_attribute("data-name"));
        if let Some(name) = name {
            let _ = lab.set_b_param(&name, None);
        }
    }));
    (listeners, panel)
}

/// The parameters a person compares (the chaos switches have their own panel).
fn own(params: &Params) -> impl Iterator<Item = &'static crate::scenarios::ParamSpec> + '_ {
    params.iter().map(|(s, _)| s).filter(|s| !is_chaos(s.name))
}

/// What values `name` takes, under the value field, and its words (a
/// switch's, a choice's, a number's "off") as the field's suggestions.
fn write_hint(lab: Lab, name: &str, hint: &Element, values: &Element) {
    let Ok(spec) = lab.peek(|r| r.initial.spec(name)) else {
        set_text(hint, "");
        return;
    };
    set_text(hint, &format!("{}: {}.", spec.label, spec.allowed()));
    let words: &[&str] = match &spec.kind {
        ParamKind::Switch => &["on", "off"],
        ParamKind::Choice(c) => c,
        ParamKind::Number {
            off_allowed: true, ..
        } => &["off"],
        ParamKind::Number { .. } => &[],
    };
    values.set_text_content(None);
    for w in words {
        html(values, "option", &[("value", w)]);
    }
}

impl Panel {
    fn write(&self, lab: Lab) {
        let diffs = lab.peek_both(|r| {
            r.b.as_ref().map(|b| {
                r.a.initial
                    .differences(&b.initial)
                    .map(|(s, a, b)| (s.name, s.label, a.to_string(), b.to_string()))
                    .collect::<Vec<_>>()
            })
        });
        keys::root_class("comparing", diffs.is_some());
        let _ = self
            .off
            .toggle_attribute_with_force("hidden", diffs.is_some());
        let _ = self
            .on
            .toggle_attribute_with_force("hidden", diffs.is_none());
        set_text(&self.status, "");
        let Some(diffs) = diffs else { return };
        self.list.set_text_content(None);
        if diffs.is_empty() {
            with_text(
                html(&self.list, "li", &[("class", "muted")]),
                "Nothing yet: B is the same as A. Pick a parameter and B's value below.",
            );
        }
        for (name, label, a, b) in &diffs {
            let li = html(&self.list, "li", &[]);
            with_text(html(&li, "span", &[]), &format!("{label}: {b} (A: {a})"));
            let undo = html(
                &li,
                "button",
                &[
                    ("type", "button"),
                    ("class", "b-undo"),
                    ("data-name", name),
                    ("aria-label", &format!("Give B A's {label}")),
                    ("title", &format!("Give B A's {label}")),
                ],
            );
            with_text(undo, "×");
        }
        // The picker: every parameter but the chaos switches, kept on the
        // one picked when the scenario has not changed.
        let picked = self.name.value();
        self.name.set_text_content(None);
        let names: Vec<(&str, &str)> =
            lab.peek(|r| own(&r.initial).map(|s| (s.name, s.label)).collect());
        for (n, label) in &names {
            with_text(html(&self.name, "option", &[("value", n)]), label);
        }
        if names.iter().any(|(n, _)| *n == picked) {
            self.name.set_value(&picked);
        }
        write_hint(lab, &self.name.value(), &self.hint, &self.values);
    }
}
