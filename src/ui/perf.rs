//! What the page measures about itself, for `scripts/page-metrics.sh` and the
//! footer: frame intervals and the work done per frame while playing, and when
//! the first chart was drawn.
//!
//! Published as `window.__labPerf = { frame_ms, work_ms, first_chart_ms,
//! asked_speed, achieved_speed }` (arrays of the last [`KEEP`] frames), so a
//! headless browser can read it without knowing anything about the page.

use std::cell::RefCell;
use std::collections::VecDeque;

use crate::sim::kernel::sort::sort_f64;

use wasm_bindgen::JsValue;

/// Frames kept for percentiles.
pub const KEEP: usize = 600;
/// Frames between two publications to `window.__labPerf`.
const PUBLISH_EVERY: u32 = 30;

#[derive(Default)]
struct Perf {
    frame_ms: VecDeque<f64>,
    work_ms: VecDeque<f64>,
    first_chart_ms: Option<f64>,
    asked_speed: Option<f64>,
    achieved_speed: f64,
    since_publish: u32,
}

thread_local! {
    static PERF: RefCell<Perf> = RefCell::new(Perf::default());
}

/// Milliseconds since navigation started.
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

fn push(ring: &mut VecDeque<f64>, v: f64) {
    if ring.len() == KEEP {
        ring.pop_front();
    }
    ring.push_back(v);
}

/// Records the interval since the previous animation frame (while playing).
pub fn frame_interval(ms: f64) {
    PERF.with(|p| push(&mut p.borrow_mut().frame_ms, ms));
}

/// Records the work done in one frame (stepping, then everything it triggered),
/// and the speeds, and publishes now and then.
pub fn frame_work(ms: f64, asked_speed: Option<f64>, achieved_speed: f64) {
    PERF.with(|p| {
        let mut p = p.borrow_mut();
        push(&mut p.work_ms, ms);
        p.asked_speed = asked_speed;
        p.achieved_speed = achieved_speed;
        p.since_publish += 1;
        if p.since_publish >= PUBLISH_EVERY {
            p.since_publish = 0;
            publish(&p);
        }
    });
}

/// Notes that a chart was drawn; the first time is the page's time to first chart.
pub fn chart_drawn() {
    PERF.with(|p| {
        let mut p = p.borrow_mut();
        if p.first_chart_ms.is_none() {
            p.first_chart_ms = Some(now_ms());
            publish(&p);
        }
    });
}

/// Forgets the frames measured so far (a new scenario or speed).
pub fn clear_frames() {
    PERF.with(|p| {
        let mut p = p.borrow_mut();
        p.frame_ms.clear();
        p.work_ms.clear();
    });
}

/// The q-quantile (0..1) of the frame intervals and of the work, if any.
pub fn quantiles(q: f64) -> Option<(f64, f64)> {
    PERF.with(|p| {
        let p = p.borrow();
        Some((quantile(&p.frame_ms, q)?, quantile(&p.work_ms, q)?))
    })
}

fn quantile(v: &VecDeque<f64>, q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s: Vec<f64> = v.iter().copied().collect();
    sort_f64(&mut s);
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    Some(s[i])
}

fn publish(p: &Perf) {
    let Some(w) = web_sys::window() else { return };
    let o = js_sys::Object::new();
    let arr = |v: &VecDeque<f64>| {
        let a = js_sys::Array::new();
        for x in v {
            a.push(&JsValue::from_f64(*x));
        }
        a
    };
    let set = |k: &str, v: &JsValue| {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    };
    set("frame_ms", &arr(&p.frame_ms));
    set("work_ms", &arr(&p.work_ms));
    let opt = |x: Option<f64>| x.map_or(JsValue::NULL, JsValue::from_f64);
    set("first_chart_ms", &opt(p.first_chart_ms));
    set("asked_speed", &opt(p.asked_speed));
    set("achieved_speed", &JsValue::from_f64(p.achieved_speed));
    let _ = js_sys::Reflect::set(&w, &JsValue::from_str("__labPerf"), &o);
}
