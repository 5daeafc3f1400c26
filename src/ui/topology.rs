//! The topology strip: client populations and services as boxes, calls as
//! arrows, each service with its live load, pods and a state colour, so a person
//! sees where the trouble is.
//!
//! Everything comes from the world's read-only view, `World::topology()`. The
//! layout follows its structure (clients → entry services →
//! services they call, one column per hop) and is recomputed only when the run
//! is rebuilt; the live figures every frame. A service's state is a [`Health`]
//! from its pools, plus [`Badge`]s for the policies its handlers use
//! (a breaker open, a bulkhead full, a rate limit, a flag off).

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::chaos::{ChaosPanel, Picked};
use super::dom::{listen, set_attr, set_text, svg, with_text, Listener};

use super::format;
use super::lab::Lab;
use crate::sim::{BreakerState, PolicyView, Topology};

const COL_W: f64 = 210.0;
const BOX_W: f64 = 172.0;
const ROW_GAP: f64 = 18.0;
const CLIENT_H: f64 = 46.0;

/// Where each box goes, from the world's structure.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    /// (name, y) per client population; (name, column, y, height, pools) per
    /// service.
    clients: Vec<(String, f64)>,
    services: Vec<(String, usize, f64, f64, usize)>,
    /// Arrows: (from x, from y, to x, to y).
    edges: Vec<(f64, f64, f64, f64)>,
    width: f64,
    height: f64,
}

/// How a service is doing, for its colour and its one-word state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Health {
    Calm,
    Busy,
    Saturated,
    Down,
}

/// A per-service state shown as a small label (breaker open, bulkhead full …).
#[derive(Clone, Debug, PartialEq)]
struct Badge {
    label: String,
    health: Health,
}

#[derive(Clone, Debug, PartialEq)]
struct PoolLive {
    name: String,
    busy: u32,
    capacity: u32,
    queued: u32,
    /// Busy share of capacity over the last closed bucket (steadier than now).
    load: f64,
}

#[derive(Clone, Debug, PartialEq)]
struct ServiceLive {
    ready: u32,
    starting: u32,
    pools: Vec<PoolLive>,
    health: Health,
    badges: Vec<Badge>,
}

fn box_height(pools: usize) -> f64 {
    56.0 + 22.0 * pools as f64
}

fn layout(t: &Topology) -> Layout {
    let n = t.services.len();
    // Column of each service: one more than its deepest caller (entry = 1).
    let mut col = vec![0usize; n];
    for c in &t.clients {
        col[c.service] = 1;
    }
    for _ in 0..n {
        for &(from, to) in &t.calls {
            if col[from] > 0 && col[to] < col[from] + 1 && col[from] < n {
                col[to] = col[from] + 1;
            }
        }
    }
    for c in col.iter_mut().filter(|c| **c == 0) {
        *c = 1; // reached by nobody: shown beside the entries
    }
    let mut y_next = vec![0.0f64; n + 2];
    let clients: Vec<(String, f64)> = t
        .clients
        .iter()
        .map(|c| {
            let y = y_next[0];
            y_next[0] += CLIENT_H + ROW_GAP;
            (c.name.clone(), y)
        })
        .collect();
    let services: Vec<(String, usize, f64, f64, usize)> = t
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let h = box_height(s.pools.len());
            let y = y_next[col[i]];
            y_next[col[i]] += h + ROW_GAP;
            (s.name.clone(), col[i], y, h, s.pools.len())
        })
        .collect();
    let right = |c: usize| c as f64 * COL_W + BOX_W;
    let left = |c: usize| c as f64 * COL_W;
    let mut edges = Vec::new();
    for (k, c) in t.clients.iter().enumerate() {
        let (_, cy) = clients[k];
        let (_, sc, sy, sh, _) = &services[c.service];
        edges.push((right(0), cy + CLIENT_H / 2.0, left(*sc), sy + sh / 2.0));
    }
    for &(from, to) in &t.calls {
        let (_, fc, fy, fh, _) = &services[from];
        let (_, tc, ty, th, _) = &services[to];
        edges.push((right(*fc), fy + fh / 2.0, left(*tc), ty + th / 2.0));
    }
    let cols = col.iter().copied().max().unwrap_or(1) + 1;
    Layout {
        clients,
        services,
        edges,
        width: (cols - 1) as f64 * COL_W + BOX_W + 2.0,
        height: y_next.iter().copied().fold(0.0, f64::max).max(CLIENT_H),
    }
}

fn live(t: &Topology) -> (Vec<f64>, Vec<ServiceLive>) {
    let rates = t.clients.iter().map(|c| c.rate_rps).collect();
    let services = t
        .services
        .iter()
        .map(|s| {
            let pools: Vec<PoolLive> = s
                .pools
                .iter()
                .map(|p| PoolLive {
                    name: p.name.clone(),
                    busy: p.busy,
                    capacity: p.capacity,
                    queued: p.queued,
                    load: if p.capacity == 0 {
                        1.0
                    } else {
                        (p.busy_last_bucket.unwrap_or(p.busy as f64) / p.capacity as f64).min(1.0)
                    },
                })
                .collect();
            let load = pools.iter().map(|p| p.load).fold(0.0, f64::max);
            let queued = s
                .queued_last_bucket
                .unwrap_or(pools.iter().map(|p| p.queued as f64).sum());
            let health = if s.ready_pods == 0 {
                Health::Down
            } else if load >= 0.97 && queued >= 1.0 {
                Health::Saturated
            } else if load >= 0.75 {
                Health::Busy
            } else {
                Health::Calm
            };
            ServiceLive {
                ready: s.ready_pods,
                starting: s.starting_pods,
                pools,
                health,
                badges: s.policies.iter().map(badge).collect(),
            }
        })
        .collect();
    (rates, services)
}

/// A policy's live state as a small label: a breaker's state, a semaphore
/// bulkhead's permits, a rate limit, a feature switched off.
fn badge(p: &PolicyView) -> Badge {
    match p {
        PolicyView::Breaker(state) => {
            let (word, health) = match state {
                BreakerState::Closed => ("closed", Health::Calm),
                BreakerState::HalfOpen => ("half-open", Health::Busy),
                BreakerState::Open => ("OPEN", Health::Down),
            };
            Badge {
                label: format!("breaker {word}"),
                health,
            }
        }
        PolicyView::Bulkhead { in_use, max } => Badge {
            label: format!("bulkhead {in_use}/{max}"),
            health: if in_use >= max {
                Health::Saturated
            } else {
                Health::Calm
            },
        },
        PolicyView::RateLimit => Badge {
            label: "rate limit".into(),
            health: Health::Calm,
        },
        PolicyView::FlagOff(name) => Badge {
            label: format!("{name} off"),
            health: Health::Busy,
        },
    }
}

fn health_word(h: Health) -> &'static str {
    match h {
        Health::Calm => "calm",
        Health::Busy => "busy",
        Health::Saturated => "saturated",
        Health::Down => "down",
    }
}

#[component]
pub fn Topology() -> impl IntoView {
    let lab = Lab::from_context();
    let shape = Memo::new(move |_| {
        lab.build.track();
        lab.peek(|r| layout(&r.world().topology()))
    });
    let state = Memo::new(move |_| lab.read(|r| live(&r.world().topology())));
    // The boxes are drawn with plain DOM calls (`dom`), once per layout, and
    // only their live figures change afterwards: a view per box, with a
    // reactive closure per figure, cost the page's wasm about 7 KB gzipped.
    let boxes = NodeRef::<leptos::svg::G>::new();
    let parts = StoredValue::new_local(Vec::<Part>::new());
    let picked = Picked(RwSignal::new(None));
    let clicks = StoredValue::new_local(Vec::<Listener>::new());
    Effect::new(move |_| {
        let Some(g) = boxes.get() else { return };
        shape.with(|l| parts.set_value(draw(&g, l)));
        clicks.set_value(pick_on_click(&parts.read_value(), picked));
        state.with_untracked(|s| parts.with_value(|p| fill(p, s)));
    });
    Effect::new(move |_| state.with(|s| parts.with_value(|p| fill(p, s))));
    view! {
        <section class="topology" aria-labelledby="topology-h">
            <div class="section-head">
                <h2 id="topology-h">"Topology"</h2>
                <span class="legend-health" aria-hidden="true">
                    <span class="health-calm">"calm"</span>
                    <span class="health-busy">"busy ≥ 75 %"</span>
                    <span class="health-saturated">"saturated"</span>
                    <span class="health-down">"down"</span>
                </span>
            </div>
            <div class="topology-scroll">
                <svg role="img" aria-labelledby="topology-h" preserveAspectRatio="xMinYMin meet">
                    <defs>
                        <marker id="topo-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0,0 L10,5 L0,10 z" class="arrow-head"></path>
                        </marker>
                    </defs>
                    <g node_ref=boxes></g>
                </svg>
            </div>
            <ChaosPanel picked=picked/>
        </section>
    }
}

/// A click on a service box (or Enter or Space on it) picks it in the chaos
/// panel and moves the focus there.
fn pick_on_click(parts: &[Part], picked: Picked) -> Vec<Listener> {
    let mut keep = Vec::new();
    for part in parts {
        let Part::Service { group, name, .. } = part else {
            continue;
        };
        set_attr(group, "tabindex", "0");
        set_attr(group, "role", "button");
        set_attr(group, "aria-label", &format!("{name}: chaos actions"));
        let pick = {
            let name = name.clone();
            move || {
                picked.0.set(Some(name.clone()));
                if let Some(el) = document().get_element_by_id("chaos-service") {
                    let _ = el.unchecked_into::<web_sys::HtmlElement>().focus();
                }
            }
        };
        keep.push(listen(group, "click", {
            let pick = pick.clone();
            move |_| pick()
        }));
        keep.push(listen(group, "keydown", move |e| {
            let key = e.unchecked_ref::<web_sys::KeyboardEvent>().key();
            if key == "Enter" || key == " " {
                e.prevent_default();
                pick();
            }
        }));
    }
    keep
}

/// The elements of one box whose text or shape follows the run.
enum Part {
    /// A client population's rate.
    Client(Element),
    Service {
        name: String,
        group: Element,
        state: Element,
        pods: Element,
        /// Per pool: its text and its bar.
        pools: Vec<(Element, Element)>,
        badges: Element,
        /// The badges shown, to redraw them only when they change.
        shown: RefCell<Vec<Badge>>,
    },
}

/// Draws the boxes and arrows of a layout into `g` (emptied first); returns
/// the parts [`fill`] keeps up to date, clients first, then services.
fn draw(g: &Element, l: &Layout) -> Vec<Part> {
    g.set_text_content(None);
    if let Some(svg) = g.parent_element() {
        set_attr(
            &svg,
            "viewBox",
            &format!("-2 -2 {} {}", l.width + 4.0, l.height + 4.0),
        );
        // Through the CSSOM, as the page's policy wants: an SVG element has
        // the same `style` as an HTML one.
        let _ = svg
            .unchecked_into::<web_sys::HtmlElement>()
            .style()
            .set_property("max-width", &format!("{}px", l.width * 1.25));
    }
    for &(x1, y1, x2, y2) in &l.edges {
        let mx = (x1 + x2) / 2.0;
        let d = format!("M{x1},{y1} C{mx},{y1} {mx},{y2} {},{y2}", x2 - 4.0);
        svg(
            g,
            "path",
            &[
                ("class", "edge"),
                ("d", &d),
                ("marker-end", "url(#topo-arrow)"),
            ],
        );
    }
    let (box_w, client_h) = (BOX_W.to_string(), CLIENT_H.to_string());
    let mut parts = Vec::new();
    for (name, y) in &l.clients {
        let c = svg(
            g,
            "g",
            &[
                ("class", "client"),
                ("transform", &format!("translate(0,{y})")),
            ],
        );
        svg(
            &c,
            "rect",
            &[("width", &box_w), ("height", &client_h), ("rx", "8")],
        );
        with_text(
            svg(&c, "text", &[("x", "12"), ("y", "19"), ("class", "name")]),
            name,
        );
        parts.push(Part::Client(svg(
            &c,
            "text",
            &[("x", "12"), ("y", "36"), ("class", "detail")],
        )));
    }
    let bar_w = (BOX_W - 24.0).to_string();
    for (name, col, y, h, npools) in &l.services {
        let x = *col as f64 * COL_W;
        let group = svg(
            g,
            "g",
            &[
                ("class", "service health-calm"),
                ("transform", &format!("translate({x},{y})")),
            ],
        );
        with_text(svg(&group, "title", &[]), name);
        svg(
            &group,
            "rect",
            &[("width", &box_w), ("height", &h.to_string()), ("rx", "8")],
        );
        with_text(
            svg(
                &group,
                "text",
                &[("x", "12"), ("y", "19"), ("class", "name")],
            ),
            name,
        );
        let state = svg(
            &group,
            "text",
            &[
                ("x", &(BOX_W - 10.0).to_string()),
                ("y", "19"),
                ("class", "state"),
                ("text-anchor", "end"),
            ],
        );
        let pods = svg(
            &group,
            "text",
            &[("x", "12"), ("y", "36"), ("class", "detail")],
        );
        let pools = (0..*npools)
            .map(|p| {
                let py = 48.0 + 22.0 * p as f64;
                let row = svg(
                    &group,
                    "g",
                    &[("transform", &format!("translate(12,{py})"))],
                );
                let text = svg(&row, "text", &[("y", "0"), ("class", "detail")]);
                let bar = |class| {
                    svg(
                        &row,
                        "rect",
                        &[
                            ("y", "5"),
                            ("width", &bar_w),
                            ("height", "5"),
                            ("rx", "2.5"),
                            ("class", class),
                        ],
                    )
                };
                bar("bar-bg");
                (text, bar("bar"))
            })
            .collect();
        let badges = svg(
            &group,
            "text",
            &[
                ("x", "12"),
                ("y", &(h - 6.0).to_string()),
                ("class", "badges"),
            ],
        );
        parts.push(Part::Service {
            name: name.clone(),
            group,
            state,
            pods,
            pools,
            badges,
            shown: RefCell::new(Vec::new()),
        });
    }
    parts
}

/// Writes the live figures into the parts [`draw`] made.
fn fill(parts: &[Part], (rates, services): &(Vec<f64>, Vec<ServiceLive>)) {
    let (mut c, mut s) = (0, 0);
    for part in parts {
        match part {
            Part::Client(rate) => {
                let text = rates
                    .get(c)
                    .map(|x| format!("{} req/s", format::figure(*x)))
                    .unwrap_or_default();
                set_text(rate, &text);
                c += 1;
            }
            Part::Service {
                group,
                state,
                pods,
                pools,
                badges,
                shown,
                ..
            } => {
                let live = services.get(s);
                s += 1;
                let word = health_word(live.map_or(Health::Calm, |l| l.health));
                set_attr(group, "class", &format!("service health-{word}"));
                set_text(state, word);
                set_text(
                    pods,
                    &live.map_or(String::new(), |l| match l.starting {
                        0 => format!("pods {} ready", l.ready),
                        n => format!("pods {} ready, {n} starting", l.ready),
                    }),
                );
                for (p, (text, bar)) in pools.iter().enumerate() {
                    let pool = live.and_then(|l| l.pools.get(p));
                    set_text(
                        text,
                        &pool.map_or(String::new(), |p| {
                            let q = if p.queued > 0 {
                                format!(" · queue {}", p.queued)
                            } else {
                                String::new()
                            };
                            let label = if pools.len() > 1 {
                                format!("{}: ", p.name)
                            } else {
                                String::new()
                            };
                            format!("{label}busy {}/{}{q}", p.busy, p.capacity)
                        }),
                    );
                    let load = pool.map_or(0.0, |p| p.load);
                    set_attr(bar, "width", &format!("{:.1}", (BOX_W - 24.0) * load));
                }
                let list = live.map(|l| l.badges.as_slice()).unwrap_or_default();
                if *shown.borrow() != list {
                    *shown.borrow_mut() = list.to_vec();
                    badges.set_text_content(None);
                    for (i, b) in list.iter().enumerate() {
                        let sep = if i > 0 { " · " } else { "" };
                        with_text(
                            svg(
                                badges,
                                "tspan",
                                &[("class", &format!("badge-{}", health_word(b.health)))],
                            ),
                            &format!("{sep}{}", b.label),
                        );
                    }
                }
            }
        }
    }
}
