//! The page in a real browser (headless Chromium through wasm-bindgen-test): the
//! real app is mounted into the test document with the real stylesheet, and
//! driven as a person would — links, clicks, changed fields, the space bar.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --profile browser --test browser`
//! (`scripts/test.sh` does, with the time limits a loaded machine needs).
#![cfg(target_arch = "wasm32")]

use std::any::Any;
use std::cell::RefCell;

use gloo_timers::future::TimeoutFuture;
use resilience_lab::link;
use resilience_lab::scenarios::charts::eval_line;
use resilience_lab::scenarios::export::{self, Columns};
use resilience_lab::scenarios::{self, Params, Run, Scenario};
use resilience_lab::sim::kernel::time::from_secs;
use resilience_lab::ui::format;
use wasm_bindgen::prelude::{Closure, JsValue};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{
    CanvasRenderingContext2d, Element, HtmlCanvasElement, HtmlElement, HtmlInputElement,
};

wasm_bindgen_test_configure!(run_in_browser);

#[macro_use]
#[path = "common/browser_scenarios.rs"]
mod browser_scenarios;

#[path = "common/figures_line.rs"]
mod figures_line;

// ---- a mounted lab -------------------------------------------------------

thread_local! {
    /// The lab in the document and its root element: one at a time, since its
    /// element ids are document-wide.
    static MOUNTED: RefCell<Option<(Box<dyn Any>, HtmlElement)>> = const { RefCell::new(None) };
}

/// Unmounts the lab, if one is mounted.
fn unmount() {
    if let Some((app, root)) = MOUNTED.with(|m| m.borrow_mut().take()) {
        drop(app);
        root.remove();
    }
}

/// The mounted lab; dropping it unmounts it.
struct Page;

impl Drop for Page {
    fn drop(&mut self) {
        unmount();
    }
}

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Opens the lab as a person following `fragment` would.
fn open(fragment: &str) -> Page {
    // A failed assertion stops its test without dropping its page (wasm has no
    // unwinding): take that lab away, or this test would read its clock.
    unmount();
    let doc = document();
    if let Some(panel) = doc.get_element_by_id("lab-crash") {
        panel.remove(); // a failed test's panic showed it
    }
    if doc.get_element_by_id("lab-test-css").is_none() {
        let style = doc.create_element("style").unwrap();
        style.set_id("lab-test-css");
        style.set_text_content(Some(include_str!("../public/style.css")));
        doc.head().unwrap().append_child(&style).unwrap();
    }
    let history = web_sys::window().unwrap().history().unwrap();
    let fragment = if fragment.is_empty() { "#" } else { fragment };
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment))
        .unwrap();
    let root: HtmlElement = doc.create_element("div").unwrap().unchecked_into();
    doc.body().unwrap().append_child(&root).unwrap();
    let app = resilience_lab::ui::mount_into(root.clone());
    MOUNTED.with(|m| *m.borrow_mut() = Some((app, root)));
    Page
}

fn q(selector: &str) -> Element {
    document()
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no element matches {selector}"))
}

fn all(selector: &str) -> Vec<Element> {
    let list = document().query_selector_all(selector).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

fn click(selector: &str) {
    q(selector).unchecked_into::<HtmlElement>().click();
}

/// Types `value` into a field and commits it, as leaving the field does.
fn change(selector: &str, value: &str) {
    let input: HtmlInputElement = q(selector).unchecked_into();
    input.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("change", &init).unwrap();
    input.dispatch_event(&ev).unwrap();
}

fn press_space() {
    press(" ");
}

/// A key pressed with the focus on the page itself.
fn press(key: &str) {
    press_on(&document().body().unwrap(), key);
}

/// A key pressed with the focus on `target`.
fn press_on(target: &Element, key: &str) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
}

fn text(selector: &str) -> String {
    q(selector).text_content().unwrap_or_default()
}

/// Whether an element is laid out (not `display: none`, nor inside one).
fn shown(el: &Element) -> bool {
    let r = el.get_bounding_client_rect();
    r.width() > 0.0 && r.height() > 0.0
}

fn state() -> String {
    q("#lab-clock")
        .get_attribute("data-state")
        .unwrap_or_default()
}

fn clock_us() -> u64 {
    q("#lab-clock")
        .get_attribute("data-us")
        .unwrap()
        .parse()
        .unwrap()
}

/// Headline figures as (name, exact value) from the panel.
fn headline() -> Vec<(String, String)> {
    all(".headline .figure")
        .iter()
        .map(|f| {
            (
                f.get_attribute("data-name").unwrap(),
                f.get_attribute("data-value").unwrap(),
            )
        })
        .collect()
}

fn figure(name: &str) -> f64 {
    let (_, v) = headline()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no figure {name}"));
    v.parse().unwrap_or_else(|_| panic!("{name} = {v}"))
}

async fn frames(n: u32) {
    for _ in 0..n {
        TimeoutFuture::new(20).await;
    }
}

fn now_ms() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// How long any wait may take, in wall-clock milliseconds. Generous: CI runs on
/// two busy cores, where a frame can take many times what it takes on a quiet
/// machine. A wait that never ends still fails, naming what it waited for.
const PATIENCE_MS: f64 = 120_000.0;

/// Waits (up to `PATIENCE_MS` of wall-clock time) until `cond` holds.
async fn wait_until(what: &str, cond: impl Fn() -> bool) {
    wait_within(PATIENCE_MS, what, cond).await;
}

/// Waits up to `patience_ms` of wall-clock time until `cond` holds.
async fn wait_within(patience_ms: f64, what: &str, cond: impl Fn() -> bool) {
    let start = now_ms();
    while !cond() {
        let waited = now_ms() - start;
        assert!(
            waited < patience_ms,
            "gave up after {:.0} s waiting until {what}",
            waited / 1e3
        );
        TimeoutFuture::new(25).await;
    }
}

/// Waits until a link's replay has reached `t_us` and paused.
async fn replayed_to(t_us: u64) {
    wait_until(&format!("replayed to {t_us} µs"), || {
        state() == "paused" && clock_us() == t_us
    })
    .await;
    frames(3).await; // let the charts draw the last buckets
}

/// Pixels in colour (lines), as opposed to the greys of background, grid and text.
fn coloured_pixels(canvas: &HtmlCanvasElement) -> usize {
    let ctx: CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().unchecked_into();
    let (w, h) = (canvas.width() as f64, canvas.height() as f64);
    let data = ctx.get_image_data(0.0, 0.0, w, h).unwrap().data();
    data.chunks(4)
        .filter(|p| {
            let (max, min) = (p[0].max(p[1]).max(p[2]), p[0].min(p[1]).min(p[2]));
            p[3] > 0 && max - min > 60
        })
        .count()
}

fn link_at(s: &Scenario, t_us: u64) -> String {
    link::encode(s, &s.default_params(), 1, &[], Some(t_us))
}

// ---- the claims ------------------------------------------------------------

/// One test per scenario (listed in `common/browser_scenarios.rs`, which
/// `tests/browser_scenarios.rs` checks against the catalogue), so that a failure
/// names its scenario and the other scenarios are still tried.
macro_rules! one_test_per_scenario {
    ($($name:ident: $id:literal),* $(,)?) => {
        mod opens_from_a_link_and_draws_its_charts {
            use wasm_bindgen_test::wasm_bindgen_test;
            $(
                #[wasm_bindgen_test]
                async fn $name() {
                    super::opens_from_a_link_and_draws_its_charts($id).await;
                }
            )*
        }
        mod gives_the_native_figures_on_two_seeds {
            use wasm_bindgen_test::wasm_bindgen_test;
            $(
                #[wasm_bindgen_test]
                async fn $name() {
                    super::gives_the_native_figures_on_two_seeds($id).await;
                }
            )*
        }
    };
}

browser_scenarios!(one_test_per_scenario);

/// The scenario `id` opened from a link some way into its run: no problems,
/// every chart on a sized canvas with ink wherever the run has data, and the
/// headline figures.
async fn opens_from_a_link_and_draws_its_charts(id: &str) {
    let s = scenarios::find(id).unwrap();
    // Thirty buckets past the first fault (if any), so every chart has a
    // story to draw rather than a flat line before anything happened.
    let bucket_us = s.bucket_ms * 1_000;
    let mut run = Run::new(s, s.default_params(), 1, Vec::new()).unwrap();
    let first_fault_us = run
        .model()
        .timeline()
        .first()
        .map_or(0, |(t_s, _)| (t_s * 1e6) as u64);
    let t_us = (first_fault_us + 30 * bucket_us).min((s.duration_s * 1e6) as u64);
    // Which charts have data by then (a cache-hit chart with the cache off
    // has none, and an empty chart is then right).
    run.advance_to(t_us);
    let has_data: Vec<bool> = (s.charts)()
        .iter()
        .map(|c| {
            c.lines
                .iter()
                .any(|l| eval_line(&run, &l.expr).iter().any(|p| p.1.is_finite()))
        })
        .collect();
    let _page = open(&link_at(s, t_us));
    replayed_to(t_us).await;
    assert!(
        all("#lab-problems").is_empty(),
        "{}: a clean link shows no problems",
        s.id
    );
    let canvases: Vec<HtmlCanvasElement> = all(".chart canvas")
        .into_iter()
        .map(|c| c.unchecked_into())
        .collect();
    assert_eq!(
        canvases.len(),
        (s.charts)().len(),
        "{}: one canvas per chart",
        s.id
    );
    for ((c, spec), has_data) in canvases.iter().zip((s.charts)()).zip(has_data) {
        assert!(
            c.width() > 100 && c.height() > 100,
            "{} / {}: canvas sized",
            s.id,
            spec.title
        );
        if !has_data {
            continue;
        }
        let ink = coloured_pixels(c);
        // A line, or at least one dot of a sparse series (a 15 s report
        // lands in one bucket of many): a dot of radius 3 is ~28 pixels.
        assert!(
            ink > 20,
            "{} / {}: only {ink} coloured pixels: no data drawn",
            s.id,
            spec.title
        );
    }
    assert!(!headline().is_empty(), "{}: headline figures shown", s.id);
    topology_is_legible(s.id, &run);
}

/// The topology draws one arrow per client population and per call (both
/// calls of two services that call each other), and every text of a box
/// stays inside it.
fn topology_is_legible(id: &str, run: &Run) {
    let t = run.world().topology();
    assert_eq!(
        all(".topology .edge").len(),
        t.clients.len() + t.calls.len(),
        "{id}: an arrow per client and per call {:?}",
        t.calls
    );
    for g in all(".topology .service, .topology .client") {
        let rect: web_sys::SvgGraphicsElement =
            g.query_selector("rect").unwrap().unwrap().unchecked_into();
        let width = rect.get_b_box().unwrap().width();
        for text in g.query_selector_all("text").unwrap().values() {
            let text: web_sys::SvgGraphicsElement = text.unwrap().unchecked_into();
            let b = text.get_b_box().unwrap();
            assert!(
                b.x() >= 0.0 && b.x() + b.width() <= width + 0.5,
                "{id}: \"{}\" spills out of its box ({:.0}..{:.0} of {width:.0})",
                text.text_content().unwrap_or_default(),
                b.x(),
                b.x() + b.width()
            );
        }
    }
}

/// Events per slice when a test steps a run: about what the page's frame
/// loop steps in a frame on a quiet machine.
const SLICE_EVENTS: u64 = 20_000;

/// The scenario `id` on its defaults, seeds 1 and 2, run for its whole
/// duration by the page's engine (this wasm build) in bounded slices as the
/// page's frame loop steps it: the ledger and every headline figure are
/// exactly those of the native run in `tests/snapshots/figures.txt`.
///
/// Seed 1 is also replayed in the page itself, from a link to the run's end:
/// the headline panel then shows exactly the native figures (`data-value`),
/// each formatted as the panel formats it.
async fn gives_the_native_figures_on_two_seeds(id: &str) {
    let s = scenarios::find(id).unwrap();
    // As tests/same_figures.rs runs it.
    let until = from_secs(s.duration_s);
    for seed in [1, 2] {
        let label = figures_line::defaults_label(seed);
        let want = figures_line::snapshot_line(id, &label)
            .unwrap_or_else(|| panic!("{id}: no line '{label}' in tests/snapshots/figures.txt"));
        if seed == 1 {
            the_page_shows(s, seed, until, want).await;
        }
        let mut run = Run::new(s, s.default_params(), seed, Vec::new()).unwrap();
        let mut slices = 0u32;
        while run.advance_bounded(until, SLICE_EVENTS) < until {
            slices += 1;
            // Let the browser breathe now and then, as between frames.
            if slices.is_multiple_of(50) {
                TimeoutFuture::new(0).await;
            }
        }
        let got = figures_line::line(s, &label, &run);
        assert_eq!(
            got, want,
            "{id} seed {seed}: wasm (left) and native (right) differ"
        );
    }
}

/// Replays `s` on its defaults with `seed` in the page to `until` and checks
/// the headline panel against the snapshot line `want`.
async fn the_page_shows(s: &'static Scenario, seed: u64, until: u64, want: &str) {
    let _page = open(&link::encode(
        s,
        &s.default_params(),
        seed,
        &[],
        Some(until),
    ));
    // A whole run at the page's pace (frames keep time to draw): a long
    // scenario takes a while on a busy machine.
    wait_within(
        4.0 * PATIENCE_MS,
        &format!("{} replayed to its end", s.id),
        || state() == "paused" && clock_us() == until,
    )
    .await;
    frames(2).await;
    let want: Vec<(String, String)> = figures_line::figures_of(want)
        .into_iter()
        .map(|(k, v)| {
            (
                k.to_string(),
                if v == "none" { "null" } else { v }.to_string(),
            )
        })
        .collect();
    assert_eq!(
        headline(),
        want,
        "{} seed {seed}: the page's headline (left) and the native run (right) differ",
        s.id
    );
    for f in all(".headline .figure") {
        let name = f.get_attribute("data-name").unwrap();
        let value: Option<f64> = f.get_attribute("data-value").unwrap().parse().ok();
        let style = format::figure_style(s, &name);
        // Counts whole, shares in %, a time of 10 s or more in s.
        let shown = value
            .filter(|x| x.is_finite())
            .map_or(("—".to_string(), ""), |x| style.show_in(x, x));
        let read = |sel: &str| {
            f.query_selector(sel)
                .unwrap()
                .and_then(|v| v.text_content())
                .unwrap_or_default()
        };
        let text = (read(".value"), read(".unit"));
        assert_eq!(
            (text.0.as_str(), text.1.as_str()),
            (shown.0.as_str(), shown.1),
            "{} / {name}: the figure as shown",
            s.id
        );
    }
}

/// The bare address shows the catalogue as cards: each with its title, its
/// lesson, the story it retells and a preview of its system drawn from its
/// own world. The address stays bare, and a card opens its scenario.
#[wasm_bindgen_test]
async fn the_bare_address_shows_the_catalogue_and_a_card_opens_its_scenario() {
    let _page = open("");
    frames(3).await;
    let root = document().document_element().unwrap();
    assert!(root.class_list().contains("landing-page"));
    assert!(!shown(&q(".layout")), "the lab waits behind the catalogue");
    let cards = all(".cards a.card");
    let catalogue = scenarios::catalogue();
    assert_eq!(cards.len(), catalogue.len());
    for (card, s) in cards.iter().zip(catalogue) {
        assert_eq!(
            card.get_attribute("href").unwrap(),
            format!("#v=1&s={}", s.id)
        );
        let text = card.text_content().unwrap();
        assert!(text.contains(s.title) && text.contains(s.lesson), "{text}");
        if let Some(n) = s.story {
            assert!(text.contains(&format!("story {n}")), "{text}");
        }
        let boxes = card.query_selector_all(".card-preview .service").unwrap();
        assert!(boxes.length() > 0, "{}: a preview of its services", s.id);
        assert!(shown(card), "{}: its card is on the page", s.id);
    }
    let hash = || web_sys::window().unwrap().location().hash().unwrap();
    assert_eq!(hash(), "", "the address stays bare");
    let pick = &catalogue[4];
    cards[4].unchecked_ref::<HtmlElement>().click();
    wait_until("the card's scenario opens", || {
        !root.class_list().contains("landing-page")
    })
    .await;
    frames(3).await;
    assert!(shown(&q(".layout")) && !shown(&q(".landing")));
    let picked: web_sys::HtmlSelectElement = q("#lab-scenario").unchecked_into();
    assert_eq!(picked.value(), pick.id);
    assert!(hash().contains(&format!("s={}", pick.id)), "{}", hash());
}

/// Long horizons read as a calendar: a run of weeks is drawn in days, one of
/// months in weeks, and a year in months, each tick a whole unit.
#[wasm_bindgen_test]
fn the_time_axis_reads_as_a_calendar_on_long_runs() {
    let day = 86_400.0;
    let cases = [
        (120.0, 1.0, "s"),
        (3_600.0, 60.0, "min"),
        (day, 3_600.0, "h"),
        (3.0 * 7.0 * day, day, "d"),
        (12.0 * 7.0 * day, 7.0 * day, "wk"),
        (400.0 * day, 365.25 / 12.0 * day, "mo"),
    ];
    for (span, unit_s, name) in cases {
        assert_eq!(
            format::time_unit(span),
            (unit_s, name),
            "a span of {span} s"
        );
    }
}

#[wasm_bindgen_test]
async fn more_servers_during_a_run_cut_the_wait() {
    let s = scenarios::find("queueing-basics").unwrap();
    let (t1, t2) = (30_000_000, 60_000_000);
    // Without the change.
    let baseline = {
        let _page = open(&link_at(s, t2));
        replayed_to(t2).await;
        figure("mean_wait_ms")
    };
    // The same run, with two more servers from 30 s on, flipped in the page.
    let _page = open(&link_at(s, t1));
    replayed_to(t1).await;
    change("#param-servers", "12");
    frames(2).await;
    for _ in 0..30 {
        click("#lab-step");
    }
    frames(3).await;
    assert_eq!(clock_us(), t2);
    let with_more = figure("mean_wait_ms");
    assert!(
        with_more < baseline * 0.8,
        "12 servers from 30 s should cut the mean wait: {with_more} ms vs {baseline} ms"
    );
    let marked = all(".log-list li.marker")
        .iter()
        .any(|li| li.text_content().unwrap_or_default().contains("servers"));
    assert!(marked, "the change is in the event log as a chart marker");
}

/// Before any change each figure is over the whole run alone. After a
/// toggle, each shows its value since the change large and the whole run
/// small beneath ("whole run: …"), with `data-since` and `data-value`
/// exact, and a note saying since when; in presenter mode too, on one
/// 1024×768 screen.
#[wasm_bindgen_test]
async fn after_a_toggle_each_figure_shows_since_the_change_and_the_whole_run() {
    let s = scenarios::find("queueing-basics").unwrap();
    let t1 = 30_000_000;
    let _page = open(&link_at(s, t1));
    replayed_to(t1).await;
    let row = q(".headline .figure[data-name=mean_wait_ms]");
    let part = |sel: &str| row.query_selector(sel).unwrap().unwrap();
    assert!(
        !shown(&part(".whole")),
        "no change yet: the whole run alone"
    );
    assert_eq!(
        row.get_attribute("data-since"),
        row.get_attribute("data-value")
    );
    assert!(text("#lab-headline-span").contains("whole run"));
    change("#param-servers", "12");
    frames(2).await;
    for _ in 0..30 {
        click("#lab-step");
    }
    frames(3).await;
    assert_eq!(clock_us(), 2 * t1);
    let exact = |name: &str| -> f64 { row.get_attribute(name).unwrap().parse().unwrap() };
    let (since, whole) = (exact("data-since"), exact("data-value"));
    assert!(
        since < whole * 0.8,
        "12 servers since 0:30: a wait of {since} ms since, {whole} ms over the whole run"
    );
    let style = format::figure_style(s, "mean_wait_ms");
    let (large, unit) = style.show_in(since, since);
    let small = style.show_in(whole, whole).0;
    assert_eq!(part(".value").text_content().unwrap(), large);
    assert_eq!(part(".unit").text_content().unwrap(), unit);
    assert!(shown(&part(".whole")));
    assert_eq!(
        part(".whole").text_content().unwrap(),
        format!("whole run: {small} {unit}")
    );
    assert!(
        text("#lab-headline-span").contains("since the change at 0:30.0"),
        "{}",
        text("#lab-headline-span")
    );
    for f in all(".headline .figure") {
        let name = f.get_attribute("data-name").unwrap();
        assert!(f.get_attribute("data-since").is_some(), "{name}");
        let w = f.query_selector(".whole").unwrap().unwrap();
        assert!(shown(&w), "{name}: the whole run beneath");
    }
    // Presenter mode: both values, the figures and two charts on one screen.
    click("#lab-present");
    frames(3).await;
    let h = web_sys::window()
        .unwrap()
        .inner_height()
        .unwrap()
        .as_f64()
        .unwrap();
    for f in all(".headline .figure").iter().filter(|f| shown(f)) {
        let w = f.query_selector(".whole").unwrap().unwrap();
        assert!(shown(&w) && w.get_bounding_client_rect().bottom() <= h);
    }
    let charts: Vec<Element> = all(".chart canvas").into_iter().filter(shown).collect();
    assert_eq!(charts.len(), 2);
    for c in charts {
        let r = c.get_bounding_client_rect();
        assert!(
            r.height() >= 150.0 && r.bottom() <= h + 1.0,
            "a chart {} px high, ending at {}",
            r.height(),
            r.bottom()
        );
    }
    click("#lab-present");
    frames(2).await;
}

#[wasm_bindgen_test]
async fn a_copied_link_replays_to_the_same_figures() {
    let (copied, figures, t_us) = {
        let _page = open("#v=1&s=queueing-basics&seed=7");
        assert_eq!(state(), "paused");
        press_space();
        wait_until("the run is going", || clock_us() > 4_000_000).await;
        // Flip a toggle mid-run, at whatever time the frames have reached.
        change("#param-arrival_rps", "600");
        wait_until("a few more seconds", || clock_us() > 10_000_000).await;
        click("#lab-play"); // pause
        frames(2).await;
        assert_eq!(state(), "paused");
        click("#lab-copy");
        frames(2).await;
        let copied = q("#lab-link").unchecked_into::<HtmlInputElement>().value();
        assert!(
            copied.contains(":arrival_rps=600"),
            "the change is in the link: {copied}"
        );
        (copied, headline(), clock_us())
    };
    let _page = open(&copied[copied.find('#').unwrap()..]);
    replayed_to(t_us).await;
    assert_eq!(
        headline(),
        figures,
        "reopening {copied} gives the same figures"
    );
}

/// Each headline figure's B value (`data-b`), none when not comparing.
fn headline_b() -> Vec<Option<String>> {
    all(".headline .figure")
        .iter()
        .map(|f| f.get_attribute("data-b"))
        .collect()
}

#[wasm_bindgen_test]
async fn a_b_compare_runs_b_beside_a_and_keeps_a_as_it_was() {
    // A alone, then A with B turning on backoff with jitter and the breaker:
    // A's figures do not move, B's differ, and the link keeps both halves.
    let t_us = 150_000_000;
    let alone = {
        let _page = open(&format!("#v=1&s=retry-storm&seed=3&t={}", t_us / 1_000_000));
        replayed_to(t_us).await;
        assert!(
            headline_b().iter().all(Option::is_none),
            "no B column alone"
        );
        assert!(!shown(&q(".ab-key")), "no A/B key alone");
        headline()
    };
    let _page = open(&format!(
        "#v=1&s=retry-storm&seed=3&b.retry=backoff_jitter&b.circuit_breaker=on&t={}",
        t_us / 1_000_000
    ));
    replayed_to(t_us).await;
    assert_eq!(headline(), alone, "A's figures are those of A alone");
    let b = headline_b();
    assert!(
        b.iter().all(Option::is_some),
        "every figure has a B value: {b:?}"
    );
    let b_of = |name: &str| -> f64 {
        let i = alone.iter().position(|(n, _)| n == name).unwrap();
        b[i].as_deref().unwrap().parse().unwrap()
    };
    // Backoff, jitter and a breaker keep the provider's peak load down.
    assert!(
        b_of("provider_peak_load_ratio") < figure("provider_peak_load_ratio"),
        "B's peak load {} is under A's {}",
        b_of("provider_peak_load_ratio"),
        figure("provider_peak_load_ratio")
    );
    assert!(shown(&q(".ab-key")), "the charts say which lines are B's");
    // The chart's words and its table name B's lines too.
    let words = text("#chart-0-now");
    assert!(
        words.contains("(checkouts) ") && words.contains("(checkouts) (B) "),
        "A's and B's latest values: {words}"
    );
    click(".chart-table-button");
    frames(3).await;
    let head = text("#chart-0-table thead");
    assert!(head.contains("(B)"), "B's columns in the table: {head}");
    click(".chart-table-button");
    // The CSV holds both runs, as `lab run --csv` writes an A/B link's.
    let st = link::decode(&copied_link()).state.unwrap();
    let runs = |params: Params| {
        let mut r = Run::new(st.scenario, params, 3, Vec::new()).unwrap();
        r.advance_to(t_us);
        r
    };
    let (a, b) = (runs(st.params.clone()), runs(st.b.clone().unwrap()));
    let (_, url) = download("#lab-csv");
    let file = fetched(&url).await;
    let csv = awaited(&file, "text", &JsValue::UNDEFINED)
        .await
        .as_string()
        .unwrap();
    assert_eq!(csv, export::csv_ab(&a, Some(&b)));
    assert!(csv.lines().next().unwrap().contains(",\"b."), "B's columns");
    assert!(text(".headline .figure .diff").starts_with("B − A: "));
    let diffs = text("#lab-b-changes");
    assert!(
        diffs.contains("backoff_jitter (A: fixed_1s)") && diffs.contains("on (A: off)"),
        "the panel lists B's changes: {diffs}"
    );
    let copied = copied_link();
    assert!(
        copied.contains("&b.retry=backoff_jitter") && copied.contains("&b.circuit_breaker=on"),
        "the link carries B: {copied}"
    );

    // The value field offers the picked parameter's words.
    change("#lab-b-name", "idempotency_key");
    let words: Vec<String> = all("#lab-b-values option")
        .iter()
        .filter_map(|o| o.get_attribute("value"))
        .collect();
    assert_eq!(words, ["on", "off"]);
    assert!(text("#lab-b-hint").contains("on or off"));
    // A value B cannot take is refused in words, and B stays as it was.
    change("#lab-b-name", "max_attempts");
    change("#lab-b-value", "99");
    click("#lab-b-set");
    frames(2).await;
    let refused = text(".compare .b-status");
    assert!(
        refused.contains("from 1 to 10"),
        "says what is allowed: {refused}"
    );
    assert!(!text("#lab-b-changes").contains("Max attempts"));
    // One set, one given back: both runs start over with the new B.
    change("#lab-b-value", "5");
    click("#lab-b-set");
    frames(2).await;
    assert!(text("#lab-b-changes").contains("Max attempts: 5 (A: 3)"));
    assert_eq!(clock_us(), 0, "a new B starts both runs over");
    click("#lab-b-changes button[data-name='max_attempts']");
    frames(2).await;
    assert!(!text("#lab-b-changes").contains("Max attempts"));

    // Stop comparing: one run again, no B column, no b. in the link.
    click("#lab-compare-off");
    frames(2).await;
    assert!(headline_b().iter().all(Option::is_none));
    assert!(!shown(&q(".ab-key")));
    click("#lab-copy");
    frames(2).await;
    let copied = q("#lab-link").unchecked_into::<HtmlInputElement>().value();
    assert!(!copied.contains("b."), "no B in the link: {copied}");
    // And on again: B starts as a copy of A.
    click("#lab-compare-on");
    frames(2).await;
    assert!(text("#lab-b-changes").contains("B is the same as A"));
}

#[wasm_bindgen_test]
async fn a_garbage_link_lists_its_problems_and_the_lab_still_works() {
    for garbage in [
        "#v=9&s=queueing-basics&bulkhed=on&servers=abc&%zz&t=-4",
        "#s=no-such-scenario&seed=x",
        "#%%%&&==&&",
    ] {
        let _page = open(garbage);
        frames(2).await;
        let problems = all("#lab-problems li");
        assert!(!problems.is_empty(), "{garbage}: problems listed");
        assert!(
            !all(".chart canvas").is_empty(),
            "{garbage}: the lab is there"
        );
        click("#lab-step");
        frames(2).await;
        assert!(clock_us() > 0, "{garbage}: the lab runs");
        click("#lab-problems-dismiss");
        frames(1).await;
        assert!(
            all("#lab-problems").is_empty(),
            "{garbage}: the list can be dismissed"
        );
    }
    let _page = open("#v=1&s=queueing-basics&bulkhed=on");
    frames(2).await;
    let text = q("#lab-problems").text_content().unwrap_or_default();
    assert!(text.contains("unknown parameter 'bulkhed'"), "{text}");
}

#[wasm_bindgen_test]
async fn a_panic_shows_a_panel_with_the_link_instead_of_a_dead_page() {
    let s = scenarios::find("queueing-basics").unwrap();
    let mut params = s.default_params();
    params.set_text("servers", "12").unwrap();
    let fragment = link::encode(s, &params, 3, &[], Some(5_000_000));
    let _page = open(&fragment);
    replayed_to(5_000_000).await;
    // A panic inside the frame loop, as a bug in the engine or a view would
    // cause; the message carries markup that must stay text.
    resilience_lab::ui::crash::panic_in_next_frame("broken <b>on purpose</b> & \u{7}then some");
    wait_until("the crash panel is shown", || {
        document().get_element_by_id("lab-crash").is_some()
    })
    .await;
    let panel = q("#lab-crash");
    assert_eq!(panel.get_attribute("role").as_deref(), Some("alert"));
    let message = q("#lab-crash-message");
    let text = message.text_content().unwrap_or_default();
    assert!(
        text.contains("broken <b>on purpose</b> & "),
        "the message as text: {text}"
    );
    assert!(
        text.contains("then some") && !text.contains('\u{7}'),
        "control characters cleaned: {text:?}"
    );
    assert_eq!(
        message.child_element_count(),
        0,
        "no markup from the message"
    );
    let window = web_sys::window().unwrap();
    let loc = window.location();
    let url = q("#lab-crash-link")
        .unchecked_into::<HtmlInputElement>()
        .value();
    assert_eq!(
        url,
        format!(
            "{}{}{}{fragment}",
            loc.origin().unwrap(),
            loc.pathname().unwrap(),
            loc.search().unwrap()
        ),
        "the link opens the run as it was"
    );
    // Reset is a plain link to the bare page: a full reload, no wasm needed.
    let reset = q("#lab-crash-reset").get_attribute("href").unwrap();
    assert_eq!(
        reset,
        format!("{}{}", loc.pathname().unwrap(), loc.search().unwrap())
    );
    assert!(!reset.contains('#'));
    assert!(
        q(".lab-app").has_attribute("inert"),
        "the stopped lab is out of reach"
    );
    // Copy still answers after the panic (copied, or says how to copy by hand).
    click("#lab-crash-copy");
    wait_until("the copy button answers", || {
        !q("#lab-crash-status")
            .text_content()
            .unwrap_or_default()
            .is_empty()
    })
    .await;
    // The panic stopped the frame loop: the page did not go on by itself.
    let t = clock_us();
    frames(5).await;
    assert_eq!(clock_us(), t);
    panel.remove();
}

#[wasm_bindgen_test]
async fn nothing_is_fetched_from_another_origin() {
    let _page = open("#v=1&s=queueing-basics&t=5");
    replayed_to(5_000_000).await;
    let window = web_sys::window().unwrap();
    let origin = window.location().origin().unwrap();
    let entries = window
        .performance()
        .unwrap()
        .get_entries_by_type("resource");
    for e in entries.iter() {
        let e: web_sys::PerformanceEntry = e.unchecked_into();
        assert!(
            e.name().starts_with(&origin),
            "{} is not from {origin}",
            e.name()
        );
    }
}

/// The text of the event log.
fn log_text() -> String {
    all(".log-list li")
        .iter()
        .map(|li| li.text_content().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

fn pressed(what: &str) -> bool {
    q(&format!(".chaos-actions [data-chaos=\"{what}\"]")).get_attribute("aria-pressed")
        == Some("true".to_string())
}

fn copied_link() -> String {
    click("#lab-copy");
    q("#lab-link").unchecked_into::<HtmlInputElement>().value()
}

#[wasm_bindgen_test]
async fn each_chaos_action_acts_on_the_clicked_service_and_goes_into_the_link() {
    let s = scenarios::find("cascading-failure").unwrap();
    let t = 20_000_000;
    let _page = open(&link_at(s, t));
    replayed_to(t).await;
    // A click on its box picks the service in the panel.
    let target = all(".topology .service")
        .into_iter()
        .find(|g| g.get_attribute("aria-label").as_deref() == Some("image-resizer: chaos actions"))
        .expect("the image-resizer's box");
    // An SVG element has no click(): a click event, as a mouse sends.
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("click", &init).unwrap();
    target.dispatch_event(&ev).unwrap();
    frames(2).await;
    let select = q("#chaos-service").unchecked_into::<web_sys::HtmlSelectElement>();
    assert_eq!(select.value(), "image-resizer");
    for (what, logged, in_link) in [
        (
            "latency_ms",
            "image-resizer: +300 ms latency (chaos)",
            "chaos.image-resizer.latency_ms=300",
        ),
        (
            "fail_percent",
            "image-resizer: 50 % of answers fail (chaos)",
            "chaos.image-resizer.fail_percent=50",
        ),
        (
            "partitioned",
            "image-resizer: partitioned",
            "chaos.image-resizer.partitioned=on",
        ),
        (
            "pods_down",
            "image-resizer: pod",
            "chaos.image-resizer.pods_down=1",
        ),
    ] {
        assert!(!pressed(what), "{what} starts off");
        click(&format!(".chaos-actions [data-chaos=\"{what}\"]"));
        frames(2).await;
        assert!(pressed(what), "{what} is on after a click");
        click("#lab-step");
        frames(3).await;
        assert!(
            log_text().contains(logged),
            "{what}: the engine logged {logged:?}:\n{}",
            log_text()
        );
        assert!(
            copied_link().contains(in_link),
            "{what}: the link carries {in_link}"
        );
        assert!(q(".chaos-status")
            .text_content()
            .unwrap()
            .starts_with("image-resizer: "));
    }
    // Each lifted: the buttons again, and Restart for the pods.
    for what in ["latency_ms", "fail_percent", "partitioned"] {
        click(&format!(".chaos-actions [data-chaos=\"{what}\"]"));
        frames(2).await;
        assert!(!pressed(what), "{what} is off after a second click");
    }
    click(".chaos-actions [data-chaos=\"restart\"]");
    frames(2).await;
    assert!(!pressed("pods_down"));
    click("#lab-step");
    frames(3).await;
    assert_eq!(
        q(".chaos-status").text_content().unwrap(),
        "image-resizer: no fault injected."
    );
    let link = copied_link();
    assert!(link.contains("chaos.image-resizer.pods_down=0"), "{link}");
    // The link replays the same run: its figures match the page's.
    let (figures, t_us) = (headline(), clock_us());
    drop(_page);
    let _again = open(&link[link.find('#').unwrap()..]);
    replayed_to(t_us).await;
    assert_eq!(headline(), figures, "reopening {link}");
}

// ---- the guided tour, presenter mode, the keys ---------------------------

/// The tour's card shows step `n` (from 1) of `s`.
fn card_at(s: &Scenario, n: usize) {
    assert!(shown(&q("#lab-guide")), "the tour's card is shown");
    let title = text("#lab-guide-h");
    assert!(
        title.contains(&format!("step {n} of {}", s.guide.len())),
        "{title}"
    );
    assert_eq!(text("#lab-guide .guide-do span"), s.guide[n - 1].action);
}

/// Apply resets the run into the state the step needs — its parameters from
/// the start, its timed changes, run at full speed to its moment — sets and
/// marks the controls it changes, and the figure its answer rests on lands
/// in its range, shown on the card once a choice is made.
#[wasm_bindgen_test]
async fn apply_puts_the_run_in_the_steps_state_and_its_figure_in_range() {
    // (scenario, step from 1, the control it changes, the value shown)
    for (id, n, control, value) in [
        ("cascading-failure", 2, "timeout_ms", "2000"),
        ("payment-outage", 2, "replicas", "30"),
    ] {
        let s = scenarios::find(id).unwrap();
        let g = &s.guide[n - 1];
        let _page = open(&format!("#v=1&s={id}&seed=1&step={n}"));
        frames(2).await;
        card_at(s, n);
        assert_eq!(clock_us(), 0, "{id}: opening a step does not run it");
        click("#lab-guide-apply");
        let until = from_secs(g.apply.run_to_s);
        replayed_to(until).await;
        let input: HtmlInputElement = q(&format!("#param-{control}")).unchecked_into();
        assert_eq!(input.value(), value, "{id}: Apply set {control}");
        let row = input.closest(".param").unwrap().unwrap();
        assert!(
            row.class_list().contains("guided"),
            "{id}: the control the step changes is marked"
        );
        let e = g.expect.unwrap();
        let v = figure(e.figure);
        assert!(
            (e.min..=e.max).contains(&v),
            "{id} step {n}: {} = {v}, expected {} to {}",
            e.figure,
            e.min,
            e.max
        );
        click(".choices button");
        frames(2).await;
        let proof = q("#lab-guide-proof");
        assert_eq!(
            proof.get_attribute("data-in-range").as_deref(),
            Some("true"),
            "{id}: {}",
            proof.text_content().unwrap_or_default()
        );
        let style = format::figure_style(s, e.figure);
        let shown_value = style.show_in(v, v).0;
        assert!(
            proof
                .text_content()
                .unwrap_or_default()
                .contains(&shown_value),
            "{id}: the proof shows {shown_value} as the headline does"
        );
    }
}

/// The answer stays hidden until a choice is clicked; then the verdict, the
/// answer, and the right choice marked; a new step asks afresh.
#[wasm_bindgen_test]
async fn the_answer_is_hidden_until_a_choice_is_clicked() {
    let s = scenarios::find("queueing-basics").unwrap();
    let g = &s.guide[0];
    let _page = open("#v=1&s=queueing-basics&seed=1&step=1");
    frames(2).await;
    card_at(s, 1);
    let reveal = q("#lab-guide-reveal");
    assert!(!shown(&reveal), "no answer before a choice");
    let choices = all(".choices button");
    assert_eq!(choices.len(), g.choices.len());
    for (b, c) in choices.iter().zip(g.choices) {
        assert_eq!(b.text_content().unwrap_or_default(), *c);
    }
    let wrong = (g.correct + 1) % g.choices.len();
    choices[wrong].unchecked_ref::<HtmlElement>().click();
    frames(2).await;
    assert!(shown(&reveal), "the answer once a choice is made");
    assert_eq!(text("#lab-guide-reveal .answer"), g.answer);
    assert!(text("#lab-guide-reveal .verdict").starts_with("Not quite"));
    let choices = all(".choices button");
    assert!(choices[g.correct].class_list().contains("right"));
    assert!(choices[wrong].class_list().contains("wrong"));
    assert_eq!(
        choices[wrong].get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    click("#lab-guide-next");
    frames(2).await;
    card_at(s, 2);
    assert!(!shown(&q("#lab-guide-reveal")), "the next step asks afresh");
    click("#lab-guide-close");
    frames(2).await;
    assert!(!shown(&q("#lab-guide")), "Close closes the tour");
}

/// `#…&step=3` opens the tour at step 3 in the state its link encodes, and
/// the share link carries the step the tour is at.
#[wasm_bindgen_test]
async fn a_step_link_opens_the_tour_at_that_step() {
    let s = scenarios::find("retry-storm").unwrap();
    let link = scenarios::guide::step_link(s, 2, 1).unwrap();
    assert!(link.ends_with("&step=3"), "{link}");
    let _page = open(&link);
    replayed_to(from_secs(s.guide[2].apply.run_to_s)).await;
    card_at(s, 3);
    click("#lab-copy");
    frames(2).await;
    let copied = q("#lab-link").unchecked_into::<HtmlInputElement>().value();
    assert!(copied.contains("&step=3"), "{copied}");
    assert!(copied.contains("retry=backoff_jitter"), "{copied}");
    click("#lab-guide-next");
    frames(2).await;
    click("#lab-copy");
    frames(2).await;
    let copied = q("#lab-link").unchecked_into::<HtmlInputElement>().value();
    assert!(copied.contains("&step=4"), "{copied}");
    let hash = web_sys::window().unwrap().location().hash().unwrap();
    assert!(hash.contains("&step=4"), "the address bar follows: {hash}");
}

/// Space plays and pauses, → and ← move the tour, R resets, N skips to a few
/// seconds before the next planned fault, ? lists the keys; none of them acts
/// while typing in a field.
#[wasm_bindgen_test]
async fn the_keys_play_move_the_tour_reset_skip_and_list_themselves() {
    let s = scenarios::find("cascading-failure").unwrap();
    let _page = open("#v=1&s=cascading-failure&seed=1");
    frames(2).await;
    press(" ");
    wait_until("Space plays", || state() == "playing").await;
    press(" ");
    wait_until("Space pauses", || state() == "paused").await;
    // The tour.
    assert!(!shown(&q("#lab-guide")));
    press("ArrowRight");
    frames(2).await;
    card_at(s, 1);
    press("ArrowRight");
    press("ArrowRight");
    frames(2).await;
    card_at(s, 3);
    press("ArrowLeft");
    frames(2).await;
    card_at(s, 2);
    // N: a few seconds (at 5×) before the resizer hangs at 60 s, then on at speed.
    click("#lab-reset");
    frames(2).await;
    let next = q("#lab-next").get_attribute("data-next-us").unwrap();
    assert_eq!(next, "60000000", "the next planned event is the fault");
    press("n");
    wait_until("N skips to just before the fault", || {
        clock_us() >= 45_000_000
    })
    .await;
    assert!(clock_us() < 60_000_000 || state() == "playing");
    assert_eq!(state(), "playing", "and plays on");
    wait_until("the fault", || clock_us() > 60_000_000).await;
    // R.
    press("r");
    frames(2).await;
    assert_eq!((clock_us(), state().as_str()), (0, "paused"), "R resets");
    // Typing in a field: the keys are the field's.
    let seed = q("#lab-seed");
    press_on(&seed, " ");
    press_on(&seed, "n");
    frames(3).await;
    assert_eq!((clock_us(), state().as_str()), (0, "paused"));
    // ? and Escape.
    press("?");
    frames(1).await;
    let keys = q("#lab-keys");
    assert!(shown(&keys), "? lists the keys");
    for k in ["Space", "R", "N", "F", "?"] {
        assert!(
            all("#lab-keys kbd")
                .iter()
                .any(|e| e.text_content().as_deref() == Some(k)),
            "the list names {k}"
        );
    }
    press("Escape");
    frames(1).await;
    assert!(!shown(&q("#lab-keys")), "Escape closes the list");
}

/// Play from 0 runs the quiet lead-in at full speed: the first fault is
/// reached within seconds, not the minute the scenario's speed would take.
#[wasm_bindgen_test]
async fn play_skips_the_quiet_lead_in_before_the_first_fault() {
    let _page = open("#v=1&s=tv-spike&seed=1");
    frames(2).await;
    let start = now_ms();
    click("#lab-play");
    // The broadcast is at 300 s: at 5× that is a minute of wall time.
    wait_until("the broadcast", || clock_us() >= 300_000_000).await;
    let waited_s = (now_ms() - start) / 1e3;
    assert!(waited_s < 30.0, "{waited_s:.1} s from Play to the fault");
    // Then on at the scenario's speed (or slower on a busy machine).
    let (t0, w0) = (clock_us(), now_ms());
    TimeoutFuture::new(1_000).await;
    let sim_s = (clock_us() - t0) as f64 / 1e6;
    let wall_s = (now_ms() - w0) / 1e3;
    assert!(
        sim_s <= 5.0 * wall_s * 1.5 + 1.0,
        "{sim_s:.1} simulated s in {wall_s:.1} s: not at 5×"
    );
    assert!(
        text("#lab-status").starts_with("Running at 5×"),
        "{}",
        text("#lab-status")
    );
}

/// Presenter mode at 1024×768: one screen with the step, a big headline and
/// only the step's charts.
#[wasm_bindgen_test]
async fn presenter_mode_fits_the_step_and_its_charts_on_a_1024_by_768_screen() {
    let window = web_sys::window().unwrap();
    let (w, h) = (
        window.inner_width().unwrap().as_f64().unwrap(),
        window.inner_height().unwrap().as_f64().unwrap(),
    );
    assert_eq!(
        (w, h),
        (1024.0, 768.0),
        "the browser's window (webdriver.json)"
    );
    let s = scenarios::find("retry-storm").unwrap();
    let _page = open("#v=1&s=retry-storm&seed=1&t=70&step=3&present=1");
    replayed_to(70_000_000).await;
    let root = document().document_element().unwrap();
    assert!(root.class_list().contains("presenting"));
    let visible: Vec<String> = all(".chart")
        .iter()
        .filter(|c| shown(c))
        .map(|c| {
            c.query_selector("h3")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap()
        })
        .collect();
    assert_eq!(visible.len(), 2, "{visible:?}");
    for (v, want) in visible.iter().zip(s.guide[2].charts) {
        assert!(v.starts_with(want), "{v} is not {want}");
    }
    for el in [
        q("#lab-guide"),
        q(".headline"),
        q(".charts"),
        q("#lab-play"),
    ] {
        let r = el.get_bounding_client_rect();
        assert!(
            r.bottom() <= h + 1.0 && r.right() <= w + 1.0 && r.height() > 0.0,
            "{} ends at {}×{}, off the screen",
            el.class_name(),
            r.right(),
            r.bottom()
        );
    }
    for c in all(".chart canvas").iter().filter(|c| shown(c)) {
        let r = c.get_bounding_client_rect();
        assert!(r.height() >= 150.0, "a chart {} px high", r.height());
    }
    let style = window
        .get_computed_style(&q(".headline .figure .value"))
        .unwrap()
        .unwrap();
    let px: f64 = style
        .get_property_value("font-size")
        .unwrap()
        .trim_end_matches("px")
        .parse()
        .unwrap();
    assert!(px >= 36.0, "the headline's figures are {px} px");
    // The button leaves presenter mode, and the link says so.
    click("#lab-present");
    frames(2).await;
    assert!(!root.class_list().contains("presenting"));
    assert!(all(".chart").iter().all(shown), "every chart again");
}

/// Unticking "off" on a number control brings back its number (the one it
/// was declared with when it is off by default), never the minimum.
#[wasm_bindgen_test]
async fn unticking_off_brings_back_the_number_not_the_minimum() {
    let _page = open("#v=1&s=cascading-failure&seed=1");
    frames(2).await;
    let off: HtmlInputElement = q("#param-timeout_ms-off").unchecked_into();
    assert!(off.checked(), "off by default");
    off.click();
    frames(2).await;
    let field: HtmlInputElement = q("#param-timeout_ms").unchecked_into();
    assert_eq!(field.value(), "2000");
    click("#lab-copy");
    frames(2).await;
    let copied = q("#lab-link").unchecked_into::<HtmlInputElement>().value();
    assert!(copied.contains("timeout_ms=2000"), "{copied}");
}

/// A long run opens on a sliding window; a toggle during the run (or a
/// fault) switches the charts to the whole run, so the moment stays in view.
#[wasm_bindgen_test]
async fn a_toggle_during_the_run_shows_the_whole_run() {
    let _page = open("#v=1&s=retry-storm&seed=1&t=20");
    replayed_to(20_000_000).await;
    let pressed = || {
        all(".segmented button")
            .iter()
            .find(|b| b.get_attribute("aria-pressed").as_deref() == Some("true"))
            .and_then(|b| b.text_content())
            .unwrap_or_default()
    };
    assert_eq!(pressed(), "Last 30 s");
    change("#param-max_attempts", "5");
    frames(3).await;
    assert_eq!(pressed(), "Whole run");
}

/// A line's legend swatch has the line's colour: Green's lines the palette's
/// green (`--line-2`), Blue's its blue (`--line-0`); a dashed line's swatch
/// is dashed.
#[wasm_bindgen_test]
async fn legend_colours_follow_meaning_and_dashed_lines_say_so() {
    let _page = open("#v=1&s=payment-outage&seed=1");
    frames(3).await;
    let mut seen = 0;
    for li in all(".legend li") {
        let text = li.text_content().unwrap_or_default();
        let Some(swatch) = li.query_selector(".swatch").unwrap() else {
            continue;
        };
        let style = swatch.get_attribute("style").unwrap_or_default();
        let colour = swatch
            .unchecked_ref::<HtmlElement>()
            .style()
            .get_property_value("background")
            .unwrap_or_default()
            + &style;
        if text.contains("Green") {
            assert!(colour.contains("--line-2"), "{text}: {colour}");
            seen += 1;
        } else if text.contains("Blue") {
            assert!(colour.contains("--line-0"), "{text}: {colour}");
            seen += 1;
        }
        if text.contains("restarting") || text.contains("5xx (Green)") {
            assert!(swatch.class_list().contains("dashed"), "{text} is dashed");
        }
    }
    assert!(seen >= 8, "{seen} Green/Blue lines in the legends");
}

// ---- numbers in full, words and tables, downloads ---------------------------

/// The page writes numbers in full with the browser's shortest digits
/// (`scenarios::export`), and they read exactly as Rust's `{}` and `{:?}`
/// print them: the page's CSV and `data-value`s are the command line's.
#[wasm_bindgen_test]
fn numbers_in_full_read_as_rust_prints_them() {
    let mut rng = resilience_lab::sim::SimRng::new(3);
    let mut values = vec![
        0.0,
        -0.0,
        70.0,
        0.1,
        1e-4,
        9.99e-5,
        1e-7,
        1e16,
        1e21,
        2f64.powi(60),
    ];
    values.extend([5e-324, f64::MAX, f64::MIN_POSITIVE, 1.0 / 3.0, -2.5e-300]);
    for _ in 0..20_000 {
        let bits = (rng.uniform() * 2f64.powi(53)) as u64 * 2048 + rng.below(2048);
        values.push(f64::from_bits(bits));
        values.push((rng.uniform() - 0.5) * 10f64.powi(rng.below(40) as i32 - 20));
    }
    for x in values.into_iter().filter(|x| x.is_finite()) {
        assert_eq!(export::shortest(x), format!("{x}"));
        assert_eq!(export::exact(x), format!("{x:?}"));
    }
}

/// A chart's description: the canvas is described by a text naming each
/// line's latest value, with its unit, and the time of that bucket.
#[wasm_bindgen_test]
async fn a_charts_description_names_each_lines_latest_value() {
    let (s, t, _page) = queueing_basics_at_90_s().await;
    let run = native_run(s, t);
    let canvas = q(".chart canvas");
    let id = canvas.get_attribute("aria-describedby").expect("described");
    let said = q(&format!("#{id}")).text_content().unwrap_or_default();
    let spec = &(s.charts)()[0];
    assert!(said.starts_with("Latest, at 1:30.0: "), "{said}");
    for l in &spec.lines {
        let v = eval_line(&run, &l.expr);
        let x = v.iter().rev().find(|p| p.1.is_finite()).unwrap().1;
        let want = format!("{} {} {}", l.label, format::figure(x), spec.unit);
        assert!(said.contains(&want), "{said} names {want}");
    }
}

/// While the run plays the description changes about once a second, not
/// every frame.
#[wasm_bindgen_test]
async fn a_charts_description_follows_the_run_at_a_modest_rate() {
    let _page = open("#v=1&s=queueing-basics&seed=1");
    frames(3).await;
    let id = q(".chart canvas")
        .get_attribute("aria-describedby")
        .unwrap();
    let said = || text(&format!("#{id}"));
    press_space();
    wait_until("the run is going", || clock_us() > 2_000_000).await;
    let (start, mut last, mut changes) = (now_ms(), said(), 0);
    while now_ms() - start < 3_000.0 {
        TimeoutFuture::new(10).await;
        if said() != last {
            (last, changes) = (said(), changes + 1);
        }
    }
    press_space();
    assert!((1..=5).contains(&changes), "{changes} changes in 3 s");
}

/// "Table" shows the chart's lines as a table: a header of names and units
/// and one row per bucket the chart shows, reachable from the keyboard.
#[wasm_bindgen_test]
async fn the_table_view_has_one_row_per_bucket_the_chart_shows() {
    let (s, t, _page) = queueing_basics_at_90_s().await;
    let spec = (s.charts)()[0].clone();
    let button = q(".chart .chart-table-button");
    let table = q(&format!(
        "#{}",
        button.get_attribute("aria-controls").unwrap()
    ));
    assert!(!shown(&table), "hidden until asked");
    button.unchecked_ref::<HtmlElement>().click();
    frames(3).await;
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    assert!(shown(&table));
    assert_eq!(table.get_attribute("tabindex").as_deref(), Some("0"));
    let heads: Vec<String> = all(&format!("#{} thead th", table.id()))
        .iter()
        .map(|h| h.text_content().unwrap_or_default())
        .collect();
    let mut want = vec!["Time".to_string()];
    want.extend(
        spec.lines
            .iter()
            .map(|l| format!("{} ({})", l.label, spec.unit)),
    );
    assert_eq!(heads, want);
    // The default window shows the run's first 300 s, so every closed bucket.
    let run = native_run(s, t);
    let cols = Columns::of(&run, std::slice::from_ref(&spec));
    let rows = all(&format!("#{} tbody tr", table.id()));
    assert_eq!(rows.len() as u64, cols.buckets.1 - cols.buckets.0);
    assert_eq!(rows.len(), 90);
    let last = rows.last().unwrap();
    let cells: Vec<String> = (0..last.children().length())
        .map(|i| last.children().item(i).unwrap().text_content().unwrap())
        .collect();
    assert_eq!(cells[0], "1:30.0");
    let x = cols.value(0, cols.buckets.1 - 1).unwrap();
    assert_eq!(cells[1], format::figure(x));
    button.unchecked_ref::<HtmlElement>().click();
    frames(2).await;
    assert!(!shown(&table), "hidden again");
}

/// "Download CSV" saves the run's chart lines from a `blob:` URL, exactly
/// what `lab run --csv` writes for the same run.
#[wasm_bindgen_test]
async fn download_csv_saves_the_same_columns_as_the_command_line() {
    let (s, t, _page) = queueing_basics_at_90_s().await;
    let (name, url) = download("#lab-csv");
    assert_eq!(name, "queueing-basics-seed1-t90s.csv");
    assert!(url.starts_with("blob:"), "{url}");
    let file = fetched(&url).await;
    let text = awaited(&file, "text", &JsValue::UNDEFINED)
        .await
        .as_string()
        .unwrap();
    assert_eq!(text, export::csv(&native_run(s, t)));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("t_s,\"Throughput / "), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 90, "a header and a row per bucket");
}

/// "PNG" saves the chart as drawn: a PNG image from a `data:` URL.
#[wasm_bindgen_test]
async fn a_charts_png_is_the_chart_as_drawn() {
    let (_, _, _page) = queueing_basics_at_90_s().await;
    let (name, url) = download(".chart .chart-png");
    assert_eq!(name, "queueing-basics-seed1-t90s-throughput.png");
    assert!(url.starts_with("data:image/png;base64,"), "{}", &url[..40]);
    let blob = awaited(&fetched(&url).await, "blob", &JsValue::UNDEFINED).await;
    let get = |k: &str| js_sys::Reflect::get(&blob, &k.into()).unwrap();
    assert_eq!(get("type").as_string().as_deref(), Some("image/png"));
    let canvas: HtmlCanvasElement = q(".chart canvas").unchecked_into();
    let size = get("size").as_f64().unwrap();
    assert!(
        size > 2_000.0,
        "{size} bytes for a {}×{} chart",
        canvas.width(),
        canvas.height()
    );
}

/// queueing-basics opened from a link to 90 s (seed 1) and replayed there.
async fn queueing_basics_at_90_s() -> (&'static Scenario, u64, Page) {
    let s = scenarios::find("queueing-basics").unwrap();
    let t = from_secs(90.0);
    let page = open(&link_at(s, t));
    replayed_to(t).await;
    (s, t, page)
}

/// The one download a click on `selector` starts, as (file name, URL).
fn download(selector: &str) -> (String, String) {
    let saved = Downloads::catch();
    click(selector);
    saved.only()
}

/// The run a link to `t` with `s`'s defaults on seed 1 replays, run here.
fn native_run(s: &'static Scenario, t: u64) -> Run {
    let mut run = Run::new(s, s.default_params(), 1, Vec::new()).unwrap();
    run.advance_to(t);
    run
}

/// The downloads the page starts, as (file name, URL), caught before the
/// browser saves them.
struct Downloads {
    seen: std::rc::Rc<RefCell<Vec<(String, String)>>>,
    on_click: Closure<dyn FnMut(web_sys::Event)>,
}

impl Downloads {
    fn catch() -> Downloads {
        let seen = std::rc::Rc::new(RefCell::new(Vec::new()));
        let s = seen.clone();
        let on_click = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let Some(a) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
                return;
            };
            if let Some(name) = a.get_attribute("download") {
                e.prevent_default();
                let href = a.get_attribute("href").unwrap_or_default();
                s.borrow_mut().push((name, href));
            }
        });
        document()
            .add_event_listener_with_callback_and_bool(
                "click",
                on_click.as_ref().unchecked_ref(),
                true,
            )
            .unwrap();
        Downloads { seen, on_click }
    }

    /// The one download made.
    fn only(&self) -> (String, String) {
        let seen = self.seen.borrow();
        assert_eq!(seen.len(), 1, "one download: {seen:?}");
        seen[0].clone()
    }
}

impl Drop for Downloads {
    fn drop(&mut self) {
        let _ = document().remove_event_listener_with_callback_and_bool(
            "click",
            self.on_click.as_ref().unchecked_ref(),
            true,
        );
    }
}

/// What `fetch(url)` answers (a `Response`).
async fn fetched(url: &str) -> wasm_bindgen::JsValue {
    awaited(&js_sys::global(), "fetch", &url.into()).await
}

/// `obj.method(arg)`, awaited.
async fn awaited(
    obj: &wasm_bindgen::JsValue,
    method: &str,
    arg: &wasm_bindgen::JsValue,
) -> wasm_bindgen::JsValue {
    let f: js_sys::Function = js_sys::Reflect::get(obj, &method.into())
        .unwrap()
        .unchecked_into();
    let p: js_sys::Promise = f.call1(obj, arg).unwrap().unchecked_into();
    js_sys::futures::JsFuture::from(p).await.unwrap()
}
