//! A chart in words and numbers, beside its canvas: a text alternative (each
//! line's latest value and unit, the canvas's description, for a screen
//! reader), a table view (the lines as an HTML table, one row per bucket the
//! chart shows, "Table" toggles it over the canvas), and "PNG" (the chart as
//! drawn, see [`download`]).
//!
//! Written by the chart's own effect when it redraws, and at most once a
//! second while the run plays: a description or a table rewritten every frame
//! would be read out, or scrolled, by nobody. Built with plain DOM calls
//! (`dom`), the table as one string of markup.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;
use web_sys::{Element, HtmlCanvasElement};

use super::dom::{html, listen, set_attr, set_text, Listener};
use super::download;
use super::format;
use super::lab::Lab;
use crate::scenarios::export::{Column, Columns};
use crate::scenarios::schema::format_number;
use crate::scenarios::{ChartSpec, SeriesExpr};

/// Least wall time between two rewrites of the words while the run plays.
const WORDS_MS: f64 = 1_000.0;

/// The parts of a chart beyond its canvas.
pub struct ChartText {
    table: Element,
    now: Element,
    /// The table is on show.
    shown: Rc<Cell<bool>>,
    last_ms: Cell<f64>,
    _listeners: [Listener; 2],
}

impl ChartText {
    /// Adds the tools, the table's box and the description to chart `index`
    /// (its `figure` holds `canvas`); `poke` makes the chart's effect run.
    pub fn build(
        lab: Lab,
        figure: &Element,
        canvas: &HtmlCanvasElement,
        spec: &ChartSpec,
        index: usize,
        poke: RwSignal<u32>,
    ) -> ChartText {
        let id = |what: &str| format!("chart-{index}-{what}");
        let now = html(
            figure,
            "p",
            &[("id", &id("now")), ("class", "visually-hidden")],
        );
        set_attr(canvas, "aria-describedby", &id("now"));
        let table = html(
            &canvas.parent_element().unwrap_or_else(|| figure.clone()),
            "div",
            &[
                ("id", &id("table")),
                ("class", "chart-table"),
                ("role", "region"),
                ("aria-label", &format!("{}: table", spec.title)),
                ("tabindex", "0"),
                ("hidden", ""),
            ],
        );
        let caption = figure.query_selector("figcaption").ok().flatten();
        let tools = html(
            caption.as_ref().unwrap_or(figure),
            "div",
            &[("class", "chart-tools")],
        );
        let table_button = html(
            &tools,
            "button",
            &[
                ("type", "button"),
                ("class", "chart-table-button"),
                ("aria-pressed", "false"),
                ("aria-controls", &id("table")),
                ("aria-label", &format!("{}: show as a table", spec.title)),
            ],
        );
        table_button.set_text_content(Some("Table"));
        let png = html(
            &tools,
            "button",
            &[
                ("type", "button"),
                ("class", "chart-png"),
                ("aria-label", &format!("Download {} as PNG", spec.title)),
            ],
        );
        png.set_text_content(Some("PNG"));
        let shown = Rc::new(Cell::new(false));
        let (on, button, boxed) = (shown.clone(), table_button.clone(), table.clone());
        let toggle = listen(&table_button, "click", move |_| {
            on.set(!on.get());
            set_attr(
                &button,
                "aria-pressed",
                if on.get() { "true" } else { "false" },
            );
            let _ = boxed.toggle_attribute_with_force("hidden", !on.get());
            poke.update(|n| *n += 1);
        });
        let (c, title) = (canvas.clone(), spec.title);
        let save = listen(&png, "click", move |_| download::png(&lab, &c, title));
        ChartText {
            table,
            now,
            shown,
            last_ms: Cell::new(f64::NEG_INFINITY),
            _listeners: [toggle, save],
        }
    }

    /// Writes the description and, when on show, the table, from the chart's
    /// lines as drawn over `x_range` (simulated seconds); at most once a
    /// second while `playing`, unless `now` is asked.
    pub fn write(
        &self,
        spec: &ChartSpec,
        cols: &Columns,
        x_range: (f64, f64),
        playing: bool,
        now_ms: f64,
        now: bool,
    ) {
        if playing && !now && now_ms - self.last_ms.get() < WORDS_MS {
            return;
        }
        self.last_ms.set(now_ms);
        set_text(&self.now, &describe(spec, cols));
        if self.shown.get() {
            let at_end = {
                let t = &self.table;
                t.scroll_top() + t.client_height() + 4 >= t.scroll_height()
            };
            self.table.set_inner_html(&table(spec, cols, x_range));
            if at_end {
                self.table.set_scroll_top(self.table.scroll_height());
            }
        }
    }
}

/// A line's value as words: a state's name for a band, else the figure and
/// the chart's unit. Column `k` past the chart's lines is B's (A/B compare).
fn value_text(spec: &ChartSpec, k: usize, x: f64, with_unit: bool) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    if let SeriesExpr::State(_, states) = &spec.lines[k % spec.lines.len()].expr {
        if let Some(s) = states.iter().find(|s| s.0 as f64 == x.round()) {
            return s.1.to_string();
        }
    }
    let v = format::figure(x);
    if with_unit && !spec.unit.is_empty() {
        format!("{v} {}", spec.unit)
    } else {
        v
    }
}

/// B's column of a line (A/B compare) named so: `Served (B)`.
fn label(spec: &ChartSpec, c: &Column, k: usize) -> String {
    if k < spec.lines.len() {
        c.label.to_string()
    } else {
        format!("{} (B)", c.label)
    }
}

/// `Latest, at 4:05.0: Arrivals 912 req/s; Served 900 req/s.` (and B's
/// lines after A's while comparing, `Served (B) 870 req/s`).
pub fn describe(spec: &ChartSpec, cols: &Columns) -> String {
    let mut at: Option<u64> = None;
    let parts: Vec<String> = cols
        .lines
        .iter()
        .enumerate()
        .map(|(k, c)| match latest(c) {
            Some((i, x)) => {
                at = at.max(Some(i));
                format!("{} {}", label(spec, c, k), value_text(spec, k, x, true))
            }
            None => format!("{}: no data", label(spec, c, k)),
        })
        .collect();
    match at {
        Some(i) => format!(
            "Latest, at {}: {}.",
            format::clock((cols.end_s(i) * 1e6).round() as u64),
            parts.join("; ")
        ),
        None => "No data yet.".into(),
    }
}

/// A line's last bucket with a value, and the value.
fn latest(c: &Column) -> Option<(u64, f64)> {
    c.values.iter().rev().find(|p| p.1.is_finite()).copied()
}

/// The buckets a chart shows of `x_range` (simulated seconds): those whose
/// middle lies in it, among those closed.
pub fn shown_buckets(cols: &Columns, (x0, x1): (f64, f64)) -> (u64, u64) {
    let w = cols.width_s;
    let from = ((x0 / w - 0.5).ceil().max(0.0) as u64).max(cols.buckets.0);
    let to = (((x1 / w - 0.5).floor() + 1.0).max(0.0) as u64).min(cols.buckets.1);
    (from, to.max(from))
}

/// The table's markup: a caption, a header of names and units, one row per
/// bucket shown.
fn table(spec: &ChartSpec, cols: &Columns, x_range: (f64, f64)) -> String {
    let (from, to) = shown_buckets(cols, x_range);
    let mut t = String::from("<table><caption>");
    esc(&mut t, spec.title);
    t.push_str(&format!(
        ": one row per {} s of simulated time, {} rows</caption><thead><tr><th scope=\"col\">Time</th>",
        format_number(cols.width_s),
        to - from
    ));
    for (k, (c, l)) in cols.lines.iter().zip(spec.lines.iter().cycle()).enumerate() {
        t.push_str("<th scope=\"col\">");
        esc(&mut t, &label(spec, c, k));
        if !c.unit.is_empty() && !matches!(l.expr, SeriesExpr::State(..)) {
            t.push_str(" (");
            esc(&mut t, c.unit);
            t.push(')');
        }
        t.push_str("</th>");
    }
    t.push_str("</tr></thead><tbody>");
    for i in from..to {
        t.push_str("<tr><th scope=\"row\">");
        t.push_str(&format::clock((cols.end_s(i) * 1e6).round() as u64));
        t.push_str("</th>");
        for k in 0..cols.lines.len() {
            t.push_str("<td>");
            let x = cols.value(k, i).unwrap_or(f64::NAN);
            esc(&mut t, &value_text(spec, k, x, false));
            t.push_str("</td>");
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

/// `s` as HTML text.
fn esc(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}
