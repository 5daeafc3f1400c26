//! The toggles, generated from the scenario's parameter schema: a switch, a
//! choice, or a number (slider + exact field + unit, and "off" where allowed),
//! each with its label, help text and allowed range.
//!
//! A number is applied when the person lets go of the slider or leaves the field
//! (`change`), not on every movement, so a drag makes one timed change, not fifty.
//!
//! The toggles are built with plain DOM calls (`dom`) when a scenario opens,
//! and one effect writes every toggle's value when the run's parameters
//! change: as Leptos views (a component per toggle, three kinds, a reactive
//! closure per attribute) they were the page's biggest panel in its wasm.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlInputElement, HtmlSelectElement, KeyboardEvent};

use super::dom::{self, effect, html, set_attr, set_text, with_text, Listener};
use super::lab::Lab;
use crate::scenarios::schema::{format_number, parse_decimal};
use crate::scenarios::{ParamKind, ParamSpec, Params, Value};
use crate::sim::kernel::decimal::clamp;

/// Slider resolution.
const STEPS: f64 = 1000.0;

/// Builds the panel in `section`: its heading and note, then the toggles of
/// the scenario being run, anew whenever another one opens.
pub fn build(section: &Element, lab: Lab) {
    with_text(html(section, "h2", &[("id", "controls-h")]), "Toggles");
    let note = html(
        section,
        "p",
        &[("class", "muted small"), ("aria-live", "polite")],
    );
    let basic = html(section, "div", &[]);
    let details = html(section, "details", &[("class", "advanced")]);
    with_text(html(&details, "summary", &[]), "Advanced");
    let advanced = html(&details, "div", &[]);
    effect(move || {
        set_text(
            &note,
            if lab.read(|r| r.now() > 0) {
                "Changes act now, at the current simulated time, and are marked on every chart."
            } else {
                "Before you press play, changes set the starting values."
            },
        );
    });
    let toggles = Rc::new(RefCell::new(Vec::<Rc<Toggle>>::new()));
    // The toggles of the scenario being run, built when it opens.
    let built = toggles.clone();
    let open = details.clone();
    effect(move || {
        let s = lab.scenario.get().0;
        basic.set_text_content(None);
        advanced.set_text_content(None);
        let _ = open.toggle_attribute_with_force("hidden", !s.params.iter().any(|p| p.advanced));
        let made: Vec<_> = s
            .params
            .iter()
            .map(|spec| Toggle::build(if spec.advanced { &advanced } else { &basic }, spec, lab))
            .collect();
        lab.peek(|r| made.iter().for_each(|t| t.show(&r.params)));
        *built.borrow_mut() = made;
    });
    // Their values, whenever the run's parameters change; the controls the
    // tour's step changes, highlighted (and the advanced ones shown). The run
    // changes every frame, its parameters seldom: what was last written is
    // kept and compared (a memo of them cost the page's wasm an instantiation).
    let mut shown = None;
    effect(move || {
        let s = lab.scenario.get().0;
        let index = lab.step.get();
        let step = index.and_then(|i| s.guide.get(i));
        // The embedded view shows only the controls its link names.
        let embed = lab.embed.get();
        let now = (s.id, index, embed, lab.read(|r| r.params.clone()));
        if shown.as_ref() == Some(&now) {
            return;
        }
        let (_, _, embed, p) = shown.insert(now);
        if embed.is_some() {
            let _ = details.set_attribute("open", "");
        }
        for t in toggles.borrow().iter() {
            t.show(p);
            let name = t.spec.name;
            let on = step.is_some_and(|g| {
                g.apply.set.iter().any(|(n, _)| *n == name)
                    || g.apply.at.iter().any(|(_, n, _)| *n == name)
            });
            let _ = t.row.class_list().toggle_with_force("guided", on);
            let unshown = embed.as_ref().is_some_and(|e| !e.controls.contains(&name));
            let _ = t.row.toggle_attribute_with_force("hidden", unshown);
            if on && t.spec.advanced {
                if let Some(d) = t.row.closest("details").ok().flatten() {
                    let _ = d.set_attribute("open", "");
                }
            }
        }
    });
}

/// The elements of one toggle that follow its value.
enum Field {
    Switch(HtmlInputElement),
    Choice(HtmlSelectElement),
    Number {
        scale: Scale,
        range: HtmlInputElement,
        exact: HtmlInputElement,
        off: Option<HtmlInputElement>,
        /// While the slider is dragged: the value it shows, not yet applied.
        draft: Cell<Option<f64>>,
        /// The last number, to come back to when "off" is unticked.
        last: Cell<f64>,
    },
}

/// One toggle: its parameter, its elements, and the listeners it keeps alive.
struct Toggle {
    spec: &'static ParamSpec,
    lab: Lab,
    row: Element,
    field: Field,
    error: Element,
    listeners: Cell<Vec<Listener>>,
}

impl Toggle {
    /// `<div class="param">` with its label, control, help and error line,
    /// appended to `parent`.
    fn build(parent: &Element, spec: &'static ParamSpec, lab: Lab) -> Rc<Toggle> {
        let id = format!("param-{}", spec.name);
        let help_id = format!("{id}-help");
        let class = match spec.kind {
            ParamKind::Switch => "param switch",
            _ => "param",
        };
        let row = html(parent, "div", &[("class", class)]);
        with_text(html(&row, "label", &[("for", &id)]), spec.label);
        let field = match &spec.kind {
            ParamKind::Switch => Field::Switch(input(
                &row,
                &[
                    ("type", "checkbox"),
                    ("role", "switch"),
                    ("id", &id),
                    ("aria-describedby", &help_id),
                ],
            )),
            ParamKind::Choice(choices) => {
                let select = html(
                    &row,
                    "select",
                    &[("id", &id), ("aria-describedby", &help_id)],
                );
                for c in choices.iter() {
                    with_text(html(&select, "option", &[("value", c)]), c);
                }
                Field::Choice(select.unchecked_into())
            }
            &ParamKind::Number {
                min,
                max,
                integer,
                off_allowed,
            } => {
                let number = html(&row, "div", &[("class", "number")]);
                let range = input(
                    &number,
                    &[
                        ("type", "range"),
                        ("id", &format!("{id}-range")),
                        ("min", "0"),
                        ("max", &format_number(STEPS)),
                        ("step", "1"),
                        ("aria-label", &format!("{} (slider)", spec.label)),
                        ("aria-describedby", &help_id),
                    ],
                );
                let exact_box = html(&number, "span", &[("class", "exact")]);
                let exact = input(
                    &exact_box,
                    &[
                        ("type", "number"),
                        ("id", &id),
                        ("inputmode", "decimal"),
                        ("aria-describedby", &help_id),
                        ("min", &format_number(min)),
                        ("max", &format_number(max)),
                        ("step", if integer { "1" } else { "any" }),
                    ],
                );
                with_text(html(&exact_box, "span", &[("class", "unit")]), spec.unit);
                let off = off_allowed.then(|| {
                    let off_id = format!("{id}-off");
                    let span = html(&exact_box, "span", &[("class", "off")]);
                    let off = input(&span, &[("type", "checkbox"), ("id", &off_id)]);
                    with_text(html(&span, "label", &[("for", &off_id)]), "off");
                    off
                });
                Field::Number {
                    scale: Scale {
                        min,
                        max,
                        integer,
                        log: min > 0.0 && max / min >= 50.0,
                    },
                    range,
                    exact,
                    off,
                    draft: Cell::new(None),
                    last: Cell::new(spec.default_number.unwrap_or(min)),
                }
            }
        };
        let help = html(&row, "p", &[("id", &help_id), ("class", "help")]);
        let _ = help.append_with_str_2(spec.help, " ");
        with_text(
            html(&help, "span", &[("class", "allowed")]),
            &format!("Allowed: {}; default {}.", spec.allowed(), spec.default),
        );
        if !spec.live {
            let _ = help.append_with_str_1(" ");
            with_text(
                html(&help, "strong", &[("class", "build-only")]),
                "Set from the start: changing it restarts the run.",
            );
        }
        let error = html(&row, "p", &[("class", "error"), ("role", "alert")]);
        let t = Rc::new(Toggle {
            spec,
            lab,
            row,
            field,
            error,
            listeners: Cell::new(Vec::new()),
        });
        t.listen();
        t
    }

    /// The listeners: a toggle applies what the person chose.
    fn listen(self: &Rc<Self>) {
        let mut listeners = Vec::new();
        // Each holds its toggle weakly: the toggle owns its listeners.
        let mut on = |el: &Element, event: &str, f: fn(&Toggle, &Event)| {
            let t = Rc::downgrade(self);
            listeners.push(dom::listen(el, event, move |ev| {
                if let Some(t) = t.upgrade() {
                    f(&t, &ev);
                }
            }));
        };
        match &self.field {
            Field::Switch(input) => on(input, "change", |t, _| {
                if let Field::Switch(input) = &t.field {
                    t.apply(Value::Switch(input.checked()));
                }
            }),
            Field::Choice(select) => on(select, "change", |t, _| {
                if let Field::Choice(select) = &t.field {
                    t.apply_text(&select.value());
                }
            }),
            Field::Number {
                range, exact, off, ..
            } => {
                on(range, "input", |t, _| {
                    if let Field::Number {
                        range,
                        scale,
                        draft,
                        ..
                    } = &t.field
                    {
                        draft.set(parse_decimal(&range.value()).map(|p| scale.value_at(p)));
                        t.show_now();
                    }
                });
                on(range, "change", |t, _| {
                    if let Field::Number {
                        range,
                        scale,
                        draft,
                        ..
                    } = &t.field
                    {
                        draft.set(None);
                        match parse_decimal(&range.value()) {
                            Some(p) => t.apply(Value::Number(scale.value_at(p))),
                            None => t.show_now(),
                        }
                    }
                });
                // The keys move by the parameter's unit, not by a slider
                // position: on a log scale or a short range a position can
                // round back to the same value, and the slider would not move.
                on(range, "keydown", |t, e| {
                    let by = match e.unchecked_ref::<KeyboardEvent>().key().as_str() {
                        "ArrowRight" | "ArrowUp" => 1.0,
                        "ArrowLeft" | "ArrowDown" => -1.0,
                        "PageUp" => 10.0,
                        "PageDown" => -10.0,
                        _ => return,
                    };
                    if let (Field::Number { scale, .. }, Some(x)) = (&t.field, t.number()) {
                        e.prevent_default();
                        t.apply(Value::Number(scale.moved(x, by)));
                    }
                });
                on(exact, "change", |t, _| {
                    if let Field::Number { exact, .. } = &t.field {
                        t.apply_text(&exact.value());
                    }
                });
                if let Some(off) = off {
                    on(off, "change", |t, _| {
                        if let Field::Number {
                            off: Some(off),
                            last,
                            ..
                        } = &t.field
                        {
                            if off.checked() {
                                if let Some(x) = t.number() {
                                    last.set(x);
                                }
                                t.apply(Value::Off)
                            } else {
                                t.apply(Value::Number(last.get()))
                            }
                        }
                    });
                }
            }
        }
        self.listeners.set(listeners);
    }

    fn apply(&self, v: Value) {
        let result = self.lab.set_param(self.spec.name, v);
        self.error(result);
    }

    /// Applies a value typed or picked as text (refused with a message when
    /// it is not allowed).
    fn apply_text(&self, text: &str) {
        match self.spec.parse(text) {
            Ok(v) => self.apply(v),
            Err(e) => self.error(Err(e)),
        }
    }

    fn error(&self, result: Result<(), String>) {
        set_text(&self.error, result.err().as_deref().unwrap_or(""));
    }

    /// The run's current value of this parameter.
    fn value(&self) -> Option<Value> {
        self.lab.peek(|r| {
            r.params
                .spec(self.spec.name)
                .ok()
                .map(|_| r.params.get(self.spec.name).clone())
        })
    }

    fn number(&self) -> Option<f64> {
        match self.value() {
            Some(Value::Number(x)) => Some(x),
            _ => None,
        }
    }

    fn show_now(&self) {
        self.show_value(self.value());
    }

    /// Shows the value `params` have for this toggle.
    fn show(&self, params: &Params) {
        let v = params
            .iter()
            .find(|(s, _)| s.name == self.spec.name)
            .map(|(_, v)| v.clone());
        self.show_value(v);
    }

    fn show_value(&self, v: Option<Value>) {
        let changed = v.as_ref().is_some_and(|v| *v != self.spec.default);
        let _ = self.row.class_list().toggle_with_force("changed", changed);
        match &self.field {
            Field::Switch(input) => input.set_checked(v == Some(Value::Switch(true))),
            Field::Choice(select) => {
                select.set_value(&v.map(|v| v.to_string()).unwrap_or_default())
            }
            Field::Number {
                scale,
                range,
                exact,
                off,
                draft,
                ..
            } => {
                let number = match v {
                    Some(Value::Number(x)) => Some(x),
                    _ => None,
                };
                let shown = draft.get().or(number);
                let is_off = v == Some(Value::Off);
                let text = shown.map_or_else(
                    || "off".to_string(),
                    |x| format!("{} {}", format_number(x), self.spec.unit),
                );
                set_attr(range, "aria-valuetext", &text);
                range.set_disabled(is_off);
                set_value(
                    range,
                    &format_number(shown.map_or(0.0, |x| scale.position_of(x))),
                );
                exact.set_disabled(is_off);
                set_value(exact, &shown.map(format_number).unwrap_or_default());
                if let Some(off) = off {
                    off.set_checked(is_off);
                }
            }
        }
    }
}

/// An `<input>` with its attributes, appended to `parent`.
fn input(parent: &Element, attrs: &[(&str, &str)]) -> HtmlInputElement {
    html(parent, "input", attrs).unchecked_into()
}

/// An input's value, set only when it differs (so a caret in the field stays put).
fn set_value(input: &HtmlInputElement, value: &str) {
    if input.value() != value {
        input.set_value(value);
    }
}

/// Maps a number parameter to slider positions 0..STEPS: logarithmic when the
/// range spans orders of magnitude (1 to 100,000 rps), else linear.
#[derive(Clone, Copy)]
struct Scale {
    min: f64,
    max: f64,
    integer: bool,
    log: bool,
}

impl Scale {
    fn position_of(self, x: f64) -> f64 {
        let f = if self.log {
            (x / self.min).ln() / (self.max / self.min).ln()
        } else {
            (x - self.min) / (self.max - self.min)
        };
        (clamp(f, 0.0, 1.0) * STEPS).round()
    }

    /// `x` moved by `by` units: 1 for a whole number, else the power of ten
    /// of the smallest value (of a hundredth of the largest when that is 0),
    /// at most 1. Ten units or more move a tenth of the slider's travel at
    /// least (Page Up / Page Down).
    fn moved(self, x: f64, by: f64) -> f64 {
        let base = if self.min > 0.0 {
            self.min
        } else {
            self.max / 100.0
        };
        let per_unit = if self.integer {
            1.0
        } else {
            10f64.powf(-base.log10().floor()).max(1.0)
        };
        let mut y = ((x * per_unit).round() + by) / per_unit;
        if by.abs() >= 10.0 {
            let far = self.value_at(self.position_of(x) + by.signum() * STEPS / 10.0);
            y = if by > 0.0 { y.max(far) } else { y.min(far) };
        }
        clamp(y, self.min, self.max)
    }

    /// The value at a position, rounded to what a person would type.
    fn value_at(self, pos: f64) -> f64 {
        let f = clamp(pos / STEPS, 0.0, 1.0);
        let x = if self.log {
            self.min * (self.max / self.min).powf(f)
        } else {
            self.min + (self.max - self.min) * f
        };
        let x = if self.integer {
            x.round()
        } else if x != 0.0 {
            let q = 10f64.powf(x.abs().log10().floor() - 2.0);
            (x / q).round() * q
        } else {
            x
        };
        clamp(x, self.min, self.max)
    }
}
