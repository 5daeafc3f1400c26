//! Chaos at a click: a small panel under the topology that injects a fault
//! into one service now: added latency, failing answers, a network
//! partition, a pod killed. Clicking a service box in the topology (or
//! pressing Enter on it) picks that service here.
//!
//! Each action sets one of the service's `chaos.SERVICE.*` parameters
//! (`scenarios/chaos.rs`) through [`Lab::set_param`], exactly as a toggle
//! does, so it acts at once, goes into the share link as a timed change and
//! replays on the command line.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlSelectElement};

use super::dom::{button, html, listen, set_attr, set_text, with_text, Listener};
use super::lab::Lab;
use crate::scenarios::schema::format_number;
use crate::scenarios::Value;

/// Added latency of the latency action, in ms.
const LATENCY_MS: f64 = 300.0;
/// Share of failing answers of the failure action, in %.
const FAIL_PERCENT: f64 = 50.0;

/// One action's button and what it does.
struct Action {
    button: Element,
    /// The chaos parameter it sets (after `chaos.SERVICE.`).
    what: &'static str,
}

/// The service the panel acts on; the topology sets it on a click.
#[derive(Clone, Copy)]
pub struct Picked(pub RwSignal<Option<String>>);

/// Builds the panel into `root` (emptied first), once per run layout.
fn build(root: &Element, services: &[String], lab: Lab, picked: Picked) -> (Panel, Vec<Listener>) {
    root.set_text_content(None);
    let mut keep = Vec::new();
    with_text(html(root, "h3", &[("id", "chaos-h")]), "Chaos");
    with_text(
        html(root, "p", &[("class", "help")]),
        "Inject a fault into a service now (or click its box above). It goes into the link like any toggle.",
    );
    let label = html(root, "label", &[("class", "chaos-service")]);
    with_text(html(&label, "span", &[]), "Service ");
    let select = html(&label, "select", &[("id", "chaos-service")]);
    for s in services {
        with_text(html(&select, "option", &[("value", s)]), s);
    }
    let row = html(
        root,
        "div",
        &[
            ("class", "chaos-actions"),
            ("role", "group"),
            ("aria-labelledby", "chaos-h"),
        ],
    );
    let specs: [(&str, &'static str); 4] = [
        ("+300 ms latency", "latency_ms"),
        ("Fail 50 % of answers", "fail_percent"),
        ("Partition", "partitioned"),
        ("Kill a pod", "pods_down"),
    ];
    let mut actions = Vec::new();
    for (text, what) in specs {
        let button = button(
            &row,
            &[("aria-pressed", "false"), ("data-chaos", what)],
            text,
        );
        actions.push(Action { button, what });
    }
    let restart = button(&row, &[("data-chaos", "restart")], "Restart pods");
    let status = html(
        root,
        "p",
        &[("class", "chaos-status"), ("aria-live", "polite")],
    );

    let current = {
        let select = select.clone();
        move || select.unchecked_ref::<HtmlSelectElement>().value()
    };
    keep.push(listen(&select, "change", {
        let current = current.clone();
        move |_| picked.0.set(Some(current()))
    }));
    for a in &actions {
        let what = a.what;
        let current = current.clone();
        keep.push(listen(&a.button, "click", move |_| {
            let service = current();
            let name = format!("chaos.{service}.{what}");
            let Ok(now) = lab.peek(|r| r.params.spec(&name).map(|_| r.params.get(&name).clone()))
            else {
                return;
            };
            let next = match (what, now) {
                ("latency_ms", Value::Off) => Value::Number(LATENCY_MS),
                ("latency_ms", _) => Value::Off,
                ("fail_percent", Value::Number(x)) if x > 0.0 => Value::Number(0.0),
                ("fail_percent", _) => Value::Number(FAIL_PERCENT),
                ("partitioned", Value::Switch(on)) => Value::Switch(!on),
                ("pods_down", Value::Number(x)) => Value::Number(x + 1.0),
                _ => return,
            };
            report(&lab, &name, next);
        }));
    }
    keep.push(listen(&restart, "click", move |_| {
        let name = format!("chaos.{}.pods_down", current());
        report(&lab, &name, Value::Number(0.0));
    }));

    let panel = Panel {
        names: services.to_vec(),
        select,
        actions,
        restart,
        status,
    };
    (panel, keep)
}

/// The chaos panel: built into its place by the topology's drawing effect,
/// kept up to date by its filling one (no effect or memo of its own: each
/// costs the page's wasm a few kilobytes).
pub struct ChaosPanel {
    panel: Panel,
    _listeners: Vec<Listener>,
}

impl ChaosPanel {
    /// Builds the panel for `services` into `root` (emptied first).
    pub fn build(root: &Element, services: &[String], lab: Lab, picked: Picked) -> Self {
        let (panel, listeners) = build(root, services, lab, picked);
        ChaosPanel {
            panel,
            _listeners: listeners,
        }
    }

    /// Shows the picked service (the first one if none) and its faults as of now.
    pub fn show(&self, lab: Lab, picked: Picked) {
        let names = &self.panel.names;
        let service = picked
            .0
            .get()
            .filter(|s| names.contains(s))
            .or_else(|| names.first().cloned());
        let Some(service) = service else { return };
        let values = lab.peek(|r| {
            ["latency_ms", "fail_percent", "partitioned", "pods_down"].map(|what| {
                let name = format!("chaos.{service}.{what}");
                r.params
                    .spec(&name)
                    .map(|_| r.params.get(&name).clone())
                    .unwrap_or(Value::Off)
            })
        });
        self.panel.show(&service, &values);
    }
}

struct Panel {
    /// The services it was built for.
    names: Vec<String>,
    select: Element,
    actions: Vec<Action>,
    restart: Element,
    status: Element,
}

impl Panel {
    fn show(&self, service: &str, values: &[Value; 4]) {
        let select = self.select.unchecked_ref::<HtmlSelectElement>();
        if select.value() != service {
            select.set_value(service);
        }
        let mut on = Vec::new();
        for (a, v) in self.actions.iter().zip(values) {
            let (pressed, said) = match (a.what, v) {
                ("latency_ms", Value::Number(ms)) => {
                    (true, format!("+{} ms latency", format_number(*ms)))
                }
                ("fail_percent", Value::Number(p)) if *p > 0.0 => {
                    (true, format!("{} % of answers fail", format_number(*p)))
                }
                ("partitioned", Value::Switch(true)) => (true, "partitioned".to_string()),
                ("pods_down", Value::Number(n)) if *n > 0.0 => {
                    let s = if *n == 1.0 { "" } else { "s" };
                    (true, format!("{} pod{s} held down", format_number(*n)))
                }
                _ => (false, String::new()),
            };
            set_attr(
                &a.button,
                "aria-pressed",
                if pressed { "true" } else { "false" },
            );
            if pressed {
                on.push(said);
            }
        }
        let down = matches!(values[3], Value::Number(n) if n > 0.0);
        if down {
            let _ = self.restart.remove_attribute("disabled");
        } else {
            set_attr(&self.restart, "disabled", "");
        }
        let text = if on.is_empty() {
            format!("{service}: no fault injected.")
        } else {
            format!("{service}: {}.", on.join(", "))
        };
        set_text(&self.status, &text);
    }
}

/// Sets a chaos parameter; a refusal (none expected) is logged to the console.
fn report(lab: &Lab, name: &str, value: Value) {
    if let Err(e) = lab.set_param(name, value) {
        leptos::logging::warn!("{e}");
    }
}
