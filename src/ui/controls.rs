//! The toggles, generated from the scenario's parameter schema: a switch, a
//! choice, or a number (slider + exact field + unit, and "off" where allowed),
//! each with its label, help text and allowed range.
//!
//! A number is applied when the person lets go of the slider or leaves the field
//! (`change`), not on every movement, so a drag makes one timed change, not fifty.

use leptos::html::{Div, Input, Select, P};
use leptos::prelude::*;

use super::dom::{set_attr, set_text};
use super::lab::Lab;
use crate::scenarios::schema::{format_number, parse_decimal};
use crate::scenarios::{ParamKind, ParamSpec, Params, Value};

/// Slider resolution.
const STEPS: f64 = 1000.0;

#[component]
pub fn Controls() -> impl IntoView {
    let lab = Lab::from_context();
    let params = Memo::new(move |_| lab.read(|r| r.params.clone()));
    let started = Memo::new(move |_| lab.read(|r| r.now() > 0));
    let list = move |advanced: bool| {
        let s = lab.scenario.get().0;
        s.params
            .iter()
            .filter(|p| p.advanced == advanced)
            .map(|spec| view! { <Param spec params /> })
            .collect_view()
    };
    let has_advanced = move || lab.scenario.get().0.params.iter().any(|p| p.advanced);
    view! {
        <section class="controls" aria-labelledby="controls-h">
            <h2 id="controls-h">"Toggles"</h2>
            <p class="muted small" aria-live="polite">
                {move || if started.get() {
                    "Changes act now, at the current simulated time, and are marked on every chart."
                } else {
                    "Before you press play, changes set the starting values."
                }}
            </p>
            {move || list(false)}
            <Show when=has_advanced>
                <details class="advanced">
                    <summary>"Advanced"</summary>
                    {move || list(true)}
                </details>
            </Show>
        </section>
    }
}

#[component]
fn Param(spec: &'static ParamSpec, params: Memo<Params>) -> impl IntoView {
    let lab = Lab::from_context();
    let value = Memo::new(move |_| {
        params.with(|p| {
            p.iter()
                .find(|(s, _)| s.name == spec.name)
                .map(|(_, v)| v.clone())
        })
    });
    let error = RwSignal::new(None::<String>);
    let apply = move |v: Value| match lab.set_param(spec.name, v) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(e)),
    };
    let id = format!("param-{}", spec.name);
    let help_id = format!("{id}-help");
    // What follows the run (the value shown, "changed", the error) is written
    // by one effect through these, rather than by a reactive closure per
    // attribute: each such closure instantiates Leptos' renderer anew, and
    // the toggles were the page's biggest panel in its wasm.
    let (row, field, choice, message) = (
        NodeRef::<Div>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Select>::new(),
        NodeRef::<P>::new(),
    );
    Effect::new(move |_| {
        let v = value.get();
        if let Some(row) = row.get() {
            let changed = v.as_ref().is_some_and(|v| *v != spec.default);
            let _ = row.class_list().toggle_with_force("changed", changed);
        }
        if let Some(p) = message.get() {
            error.with(|e| set_text(&p, e.as_deref().unwrap_or("")));
        }
        if let Some(input) = field.get() {
            input.set_checked(v == Some(Value::Switch(true)));
        }
        if let Some(select) = choice.get() {
            select.set_value(&v.map(|v| v.to_string()).unwrap_or_default());
        }
    });
    let control = match &spec.kind {
        ParamKind::Switch => view! {
            <input type="checkbox" role="switch" id=id.clone() aria-describedby=help_id.clone() node_ref=field
                on:change=move |ev| apply(Value::Switch(event_target_checked(&ev))) />
        }
        .into_any(),
        ParamKind::Choice(choices) => {
            let options = choices
                .iter()
                .map(|c| view! { <option value=*c>{*c}</option> })
                .collect_view();
            view! {
                <select id=id.clone() aria-describedby=help_id.clone() node_ref=choice
                    on:change=move |ev| match spec.parse(&event_target_value(&ev)) {
                        Ok(v) => apply(v),
                        Err(e) => error.set(Some(e)),
                    }>
                    {options}
                </select>
            }
            .into_any()
        }
        ParamKind::Number { .. } => {
            number(spec, value, error, id.clone(), help_id.clone()).into_any()
        }
    };
    view! {
        <div class="param" class:switch=matches!(spec.kind, ParamKind::Switch) node_ref=row>
            <label for=id>{spec.label}</label>
            {control}
            <p id=help_id class="help">
                {spec.help} " " <span class="allowed">{format!("Allowed: {}; default {}.", spec.allowed(), spec.default)}</span>
                {(!spec.live).then(|| view! { " " <strong class="build-only">"Set from the start: changing it restarts the run."</strong> })}
            </p>
            <p class="error" role="alert" node_ref=message></p>
        </div>
    }
}

/// Slider + exact field (+ "off"), for a number parameter.
fn number(
    spec: &'static ParamSpec,
    value: Memo<Option<Value>>,
    error: RwSignal<Option<String>>,
    id: String,
    help_id: String,
) -> impl IntoView {
    let lab = Lab::from_context();
    let ParamKind::Number {
        min,
        max,
        integer,
        off_allowed,
    } = spec.kind
    else {
        unreachable!("number() is only called for numbers")
    };
    let scale = Scale {
        min,
        max,
        integer,
        log: min > 0.0 && max / min >= 50.0,
    };
    let apply = move |v: Value| match lab.set_param(spec.name, v) {
        Ok(()) => error.set(None),
        Err(e) => error.set(Some(e)),
    };
    let number_now = move || match value.get() {
        Some(Value::Number(x)) => Some(x),
        _ => None,
    };
    // The last number, to come back to when "off" is unticked.
    let last = RwSignal::new(match spec.default {
        Value::Number(x) => x,
        _ => min,
    });
    // While the slider is dragged: the value it shows, not yet applied.
    let draft = RwSignal::new(None::<f64>);
    let (range, exact, off) = (
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
        NodeRef::<Input>::new(),
    );
    // The value shown, on the slider, in the field and in "off" (see Param).
    Effect::new(move |_| {
        let shown = draft.get().or_else(number_now);
        let is_off = value.get() == Some(Value::Off);
        if let Some(r) = range.get() {
            let text = shown.map_or_else(
                || "off".to_string(),
                |x| format!("{} {}", format_number(x), spec.unit),
            );
            set_attr(&r, "aria-valuetext", &text);
            r.set_disabled(is_off);
            set_value(&r, &shown.map_or(0.0, |x| scale.position_of(x)).to_string());
        }
        if let Some(e) = exact.get() {
            e.set_disabled(is_off);
            set_value(&e, &shown.map(format_number).unwrap_or_default());
        }
        if let Some(o) = off.get() {
            o.set_checked(is_off);
        }
    });
    let off_box = off_allowed.then(|| {
        let off_id = format!("{id}-off");
        view! {
            <span class="off">
                <input type="checkbox" id=off_id.clone() node_ref=off
                    on:change=move |ev| {
                        if event_target_checked(&ev) {
                            if let Some(x) = number_now() { last.set(x); }
                            apply(Value::Off)
                        } else {
                            apply(Value::Number(last.get_untracked()))
                        }
                    } />
                <label for=off_id>"off"</label>
            </span>
        }
    });
    view! {
        <div class="number">
            <input type="range" id=format!("{id}-range") min="0" max=STEPS step="1" node_ref=range
                aria-label=format!("{} (slider)", spec.label) aria-describedby=help_id.clone()
                on:input=move |ev| draft.set(parse_decimal(&event_target_value(&ev)).map(|p| scale.value_at(p)))
                on:change=move |ev| {
                    draft.set(None);
                    if let Some(p) = parse_decimal(&event_target_value(&ev)) {
                        apply(Value::Number(scale.value_at(p)));
                    }
                } />
            <span class="exact">
                <input type="number" id=id inputmode="decimal" aria-describedby=help_id node_ref=exact
                    min=min max=max step=if integer { "1" } else { "any" }
                    on:change=move |ev| match spec.parse(&event_target_value(&ev)) {
                        Ok(v) => apply(v),
                        Err(e) => error.set(Some(e)),
                    } />
                <span class="unit">{spec.unit}</span>
                {off_box}
            </span>
        </div>
    }
}

/// An input's value, set only when it differs (so a caret in the field stays put).
fn set_value(input: &web_sys::HtmlInputElement, value: &str) {
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
        (f.clamp(0.0, 1.0) * STEPS).round()
    }

    /// The value at a position, rounded to what a person would type.
    fn value_at(self, pos: f64) -> f64 {
        let f = (pos / STEPS).clamp(0.0, 1.0);
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
        x.clamp(self.min, self.max)
    }
}
