//! The scenario's charts, live: one canvas per [`ChartSpec`], redrawn when a
//! metrics bucket closes, the canvas is resized, or the window changes.
//!
//! The window is the whole run, or the last few hundred buckets for a long
//! run while nothing has happened yet: once a fault or a toggle is marked
//! (or the guided tour is open), the charts show the whole run, so the moment
//! stays in view, unless the person picked a window for this scenario.
//! Presenter mode shows only the charts the tour's step looks at (the
//! scenario's first two when it names none).
//!
//! A canvas is drawn only once it is mounted and has a size (a `ResizeObserver`
//! reports it); its backing store is CSS size × devicePixelRatio so lines stay
//! crisp on high-density screens.

use std::cell::Cell;

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlCanvasElement, HtmlElement, ResizeObserver, ResizeObserverEntry};

use super::dom::{button, effect, html, listen, set_attr, set_text, with_text, Listener};

use super::chart_text::ChartText;
use super::format;
use super::lab::{ChartWindow, Lab};
use super::perf;
use super::plot::{self, Marker, Plot};
use super::theme;
use crate::scenarios::charts::eval_line;
use crate::scenarios::compare::Pair;
use crate::scenarios::export::{Column, Columns};
use crate::scenarios::{ChartSpec, Run, SeriesExpr};

thread_local! {
    /// The scenario whose chart window the person picked.
    static PICKED: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Buckets shown by the sliding window.
const SLIDING_BUCKETS: u64 = 300;
/// Least wall time between two redraws of a chart while the run plays (20 per
/// second is as fast as a person can follow; the frame budget goes to stepping).
const MIN_REDRAW_MS: f64 = 50.0;

/// The charts' section, built by [`build`].
#[component]
pub fn Charts() -> impl IntoView {
    let lab = Lab::from_context();
    let kept = StoredValue::new_local(Vec::<Listener>::new());
    let build = move |root: Element| kept.set_value(build(&root, lab));
    view! { <section class="charts" aria-labelledby="charts-h" use:build></section> }
}

/// Builds the charts' section in `root` (a `section.charts`) with plain DOM
/// (`dom`): the head (the window switch, the A/B key, "Download CSV") and a
/// figure per chart, rebuilt when another scenario opens. As Leptos views,
/// the section and each chart instantiated the renderer for their own view
/// types. Returns the listeners, which live as long as the lab.
pub fn build(root: &Element, lab: Lab) -> Vec<Listener> {
    let head = html(root, "div", &[("class", "section-head")]);
    with_text(html(&head, "h2", &[("id", "charts-h")]), "Charts");
    let group = html(
        &head,
        "div",
        &[
            ("class", "segmented"),
            ("role", "group"),
            ("aria-label", "Chart window"),
        ],
    );
    let whole = button(&group, &[], "Whole run");
    let sliding = button(&group, &[], "");
    // While comparing (A/B): how to tell the runs apart.
    let key = html(&head, "p", &[("class", "ab-key")]);
    with_text(
        html(&key, "span", &[("class", "visually-hidden")]),
        "A: solid lines; B: dotted lines",
    );
    for (class, text) in [("ab-a", "A ——"), ("ab-b", "B ···")] {
        with_text(
            html(&key, "span", &[("class", class), ("aria-hidden", "true")]),
            text,
        );
    }
    // Its listener is the transport's (`transport::Others`).
    button(
        &head,
        &[("id", "lab-csv"), ("class", "csv")],
        "Download CSV",
    );
    let grid = html(root, "div", &[("class", "chart-grid")]);
    let pick = |w: ChartWindow| {
        move |_| {
            PICKED.set(Some(lab.scenario.get_untracked().0.id));
            lab.window.set(w)
        }
    };
    let listeners = vec![
        listen(&whole, "click", pick(ChartWindow::Whole)),
        listen(&sliding, "click", pick(ChartWindow::Sliding)),
    ];
    effect(move || {
        let s = lab.scenario.get().0;
        let span = (SLIDING_BUCKETS as f64 * s.bucket_ms as f64 / 1e3).min(s.duration_s);
        let (unit_s, name) = format::time_unit(span * 1.01);
        set_text(
            &sliding,
            &format!("Last {} {name}", format::tick(span / unit_s)),
        );
        let w = lab.window.get();
        for (b, on) in [
            (&whole, ChartWindow::Whole),
            (&sliding, ChartWindow::Sliding),
        ] {
            set_attr(b, "aria-pressed", if w == on { "true" } else { "false" });
        }
    });
    let markers = Memo::new(move |_| lab.read(markers_of));
    // Each chart's effect belongs to this one, so opening another scenario
    // drops them with the figures.
    effect(move || {
        let s = lab.scenario.get().0;
        grid.set_text_content(None);
        for (index, spec) in (s.charts)().into_iter().enumerate() {
            chart(lab, &grid, spec, index, markers);
        }
    });
    listeners
}

/// One chart in `grid`: title, legend, and the canvas, redrawn by its effect.
fn chart(lab: Lab, grid: &Element, spec: ChartSpec, index: usize, markers: Memo<Vec<Marker>>) {
    let title_id = format!("chart-{index}-title");
    let figure = html(
        grid,
        "figure",
        &[("class", "chart"), ("aria-labelledby", &title_id)],
    );
    let caption = html(&figure, "figcaption", &[]);
    let h3 = with_text(
        html(&caption, "h3", &[("id", &title_id)]),
        &format!("{} ", spec.title),
    );
    with_text(
        html(&h3, "span", &[("class", "unit")]),
        &format!("({})", spec.unit),
    );
    let legend = html(&caption, "ul", &[("class", "legend")]);
    // The colour through the style object: the page's content security
    // policy refuses `style` attributes.
    let swatch = |li: &Element, class: &str, colour: &str| {
        let el = html(li, "span", &[("class", class), ("aria-hidden", "true")]);
        let _ = el
            .unchecked_into::<HtmlElement>()
            .style()
            .set_property("background", colour);
    };
    for (i, l) in spec.lines.iter().enumerate() {
        let li = html(&legend, "li", &[]);
        match &l.expr {
            // A band: its label, then a swatch per named state.
            SeriesExpr::State(_, states) => {
                let _ = li.append_with_str_1(&format!("{}: ", l.label));
                let t = theme::current();
                for (k, (_, name)) in states.iter().enumerate() {
                    let c = plot::state_colour(k, &t);
                    swatch(&li, "swatch", &format!("rgb({},{},{})", c.0, c.1, c.2));
                    let _ = li.append_with_str_1(&format!("{name} "));
                }
            }
            _ => {
                let hue = l.hue.map_or(i, |h| h as usize);
                let class = if l.dashed { "swatch dashed" } else { "swatch" };
                swatch(
                    &li,
                    class,
                    &format!("var(--line-{})", hue % theme::LINE_COLOURS),
                );
                let _ = li.append_with_str_1(l.label);
            }
        }
    }
    let aria = format!(
        "{} over simulated time, in {}: {}",
        spec.title,
        spec.unit,
        spec.lines
            .iter()
            .map(|l| l.label)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let chart_box = html(&figure, "div", &[("class", "chart-box")]);
    let canvas: HtmlCanvasElement = html(
        &chart_box,
        "canvas",
        &[("role", "img"), ("aria-label", &aria)],
    )
    .unchecked_into();
    let size = RwSignal::new((0.0f64, 0.0f64));
    observe_size(&canvas, size);
    // Redraw when a bucket closes or the run is rebuilt, not on every frame.
    let buckets = Memo::new(move |_| {
        let build = lab.build.get();
        (build, lab.read(|r| r.world().metrics().buckets_closed()))
    });
    let last_draw_ms = Cell::new(f64::NEG_INFINITY);
    // The chart's words and table, and a nudge from their buttons to write
    // them now.
    let poke = RwSignal::new(0u32);
    let text = ChartText::build(lab, &figure, &canvas, &spec, index, poke);
    let poked = Cell::new(0u32);
    effect(move || {
        let _ = buckets.get();
        let nudge = poke.get();
        let (w, h) = size.get();
        let window = lab.window.get();
        let playing = lab.playing.get();
        // Presenter mode shows the charts the tour's step looks at (and draws
        // them bigger: the theme follows it).
        let s = lab.scenario.get().0;
        let step = lab.step.get().and_then(|i| s.guide.get(i));
        let named = step.map_or(&[][..], |g| g.charts);
        let wanted = if named.is_empty() {
            index < 2
        } else {
            named.contains(&spec.title)
        };
        // The embedded view shows the charts its link names.
        let off = match lab.embed.with(|e| e.as_ref().map(|e| e.shows_chart(index))) {
            Some(shown) => !shown,
            None => lab.present.get() && !wanted,
        };
        let _ = figure.class_list().toggle_with_force("off", off);
        // Once a fault or a toggle is marked, or the tour is open, the whole
        // run, so the moment stays in view (unless the person picked).
        let happened = markers.with(|m| m.iter().any(|m| !m.planned)) || step.is_some();
        if index == 0 && happened && window == ChartWindow::Sliding && PICKED.get() != Some(s.id) {
            lab.window.set(ChartWindow::Whole);
        }
        if w < 1.0 || h < 1.0 {
            return;
        }
        // While playing, a skipped redraw is made good by the next bucket; a
        // pause always redraws (`playing` changed).
        let now_ms = perf::now_ms();
        let asked = poked.replace(nudge) != nudge;
        if playing && !asked && now_ms - last_draw_ms.get() < MIN_REDRAW_MS {
            return;
        }
        last_draw_ms.set(now_ms);
        let (cols, x_range) = markers
            .with(|m| lab.peek_both(|r| redraw(&canvas, (w, h), r, &spec, m, window, playing)));
        text.write(&spec, &cols, x_range, playing, now_ms, asked);
    });
}

/// Keeps `size` at the canvas's CSS size from the moment it is laid out.
fn observe_size(canvas: &HtmlCanvasElement, size: RwSignal<(f64, f64)>) {
    let cb = Closure::<dyn FnMut(js_sys::Array)>::new(move |entries: js_sys::Array| {
        if let Ok(e) = entries.get(0).dyn_into::<ResizeObserverEntry>() {
            let r = e.content_rect();
            size.set((r.width(), r.height()));
        }
    });
    let Ok(observer) = ResizeObserver::new(cb.as_ref().unchecked_ref()) else {
        return;
    };
    observer.observe(canvas);
    let keep = SendWrapper::new((observer, cb));
    on_cleanup(move || keep.0.disconnect());
}

/// Draws the chart (B's lines dotted over A's while comparing); gives its
/// lines as columns (A's, then B's) and the time range it shows.
fn redraw(
    canvas: &HtmlCanvasElement,
    (w, h): (f64, f64),
    runs: &Pair,
    spec: &ChartSpec,
    markers: &[Marker],
    window: ChartWindow,
    playing: bool,
) -> (Columns, (f64, f64)) {
    let dpr = web_sys::window()
        .map_or(1.0, |w| w.device_pixel_ratio())
        .max(1.0);
    let (bw, bh) = ((w * dpr).round() as u32, (h * dpr).round() as u32);
    if canvas.width() != bw || canvas.height() != bh {
        canvas.set_width(bw);
        canvas.set_height(bh);
    }
    let run = &runs.a;
    let m = run.world().metrics();
    let bucket_s = m.bucket_us() as f64 / 1e6;
    let closed = m.buckets_closed();
    // A's lines, then B's (the same specs) while comparing.
    let halves = [Some(run), runs.b.as_ref()];
    let mut lines: Vec<Vec<(u64, f64)>> = Vec::new();
    for r in halves.iter().flatten() {
        lines.extend(spec.lines.iter().map(|l| eval_line(r, &l.expr)));
    }
    let n = spec.lines.len();
    let end_s = closed as f64 * bucket_s;
    let duration = run.scenario.duration_s;
    let x_range = match window {
        ChartWindow::Whole => {
            let first = lines
                .iter()
                .filter_map(|l| l.first().map(|p| p.0))
                .min()
                .unwrap_or(0);
            (first as f64 * bucket_s, end_s.max(duration))
        }
        ChartWindow::Sliding => {
            let span = (SLIDING_BUCKETS as f64 * bucket_s).min(duration);
            let x1 = end_s.max(span);
            (x1 - span, x1)
        }
    };
    let no_data = lines.iter().all(|l| l.iter().all(|p| !p.1.is_finite()));
    let hint = if closed == 0 && !playing {
        Some("Press ▶ Play to start")
    } else if closed > 0 && no_data {
        // A part switched off (a cache, a breaker) has nothing to show yet.
        Some("No data yet: is the part this chart watches switched on?")
    } else {
        None
    };
    let all = || spec.lines.iter().cycle().take(lines.len()).enumerate();
    let bands: Vec<Option<&[(i32, &str)]>> = all()
        .map(|(_, l)| match &l.expr {
            SeriesExpr::State(_, states) => Some(*states),
            _ => None,
        })
        .collect();
    let styles: Vec<(usize, bool)> = all()
        .map(|(i, l)| (l.hue.map_or(i % n, |h| h as usize), l.dashed))
        .collect();
    let b_labels: Vec<String> = spec
        .lines
        .iter()
        .map(|l| format!("{} (B)", l.label))
        .collect();
    let labels: Vec<&str> = all()
        .map(|(i, l)| if i < n { l.label } else { &b_labels[i - n] })
        .collect();
    let plot = Plot {
        bands: &bands,
        styles: &styles,
        labels: &labels,
        unit: spec.unit,
        lines: &lines,
        bucket_s,
        x_range,
        markers,
        hint,
        b_from: n,
    };
    match plot::draw(canvas, dpr, &plot, &theme::current()) {
        Ok(()) => perf::chart_drawn(),
        Err(e) => leptos::logging::warn!("chart '{}' not drawn: {e}", spec.title),
    }
    let first = lines.iter().filter_map(|l| l.first().map(|p| p.0)).min();
    // A's lines, then B's while comparing (the chart's words and table name
    // them "(B)").
    let cols = Columns {
        lines: spec
            .lines
            .iter()
            .cycle()
            .zip(lines)
            .map(|(l, values)| Column {
                chart: spec.title,
                label: l.label,
                unit: spec.unit,
                values,
            })
            .collect(),
        width_s: bucket_s,
        buckets: (first.unwrap_or(0), closed),
    };
    (cols, x_range)
}

/// Fault-timeline events and toggles: those that happened (from the log) and
/// those still to come (planned events, a link's pending changes).
fn markers_of(run: &Run) -> Vec<Marker> {
    let now_s = run.now() as f64 / 1e6;
    let mut v: Vec<Marker> = run
        .world()
        .log()
        .entries()
        .filter(|e| e.marker)
        .map(|e| Marker {
            at_s: e.at_us as f64 / 1e6,
            label: e.text.clone(),
            planned: false,
        })
        .collect();
    for (at_s, label) in run.model().timeline() {
        if at_s > now_s {
            v.push(Marker {
                at_s,
                label,
                planned: true,
            });
        }
    }
    for c in run.changes() {
        let at_s = c.at_us as f64 / 1e6;
        if at_s > now_s {
            v.push(Marker {
                at_s,
                label: format!("{} = {}", c.name, c.value),
                planned: true,
            });
        }
    }
    v
}
