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

use crate::sim::kernel::decimal::fixed;
use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::chaos::{ChaosPanel, Picked};
use super::dom::{effect, html, listen, set_attr, set_text, svg, with_text, Listener};

use super::format::{self, num};
use super::lab::Lab;
use crate::sim::{BreakerState, PolicyView, Topology};

/// The narrowest box.
const BOX_W: f64 = 172.0;
/// Space between columns, where the arrows run.
const COL_GAP: f64 = 44.0;
const ROW_GAP: f64 = 18.0;
const CLIENT_H: f64 = 46.0;
/// Space below the boxes for each arrow routed under them.
const LANE: f64 = 10.0;

/// Where each box goes, from the world's structure.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    /// (name, y) per client population, in a column of width `client_w`.
    clients: Vec<(String, f64)>,
    client_w: f64,
    services: Vec<ServiceBox>,
    /// Arrows as SVG path data.
    edges: Vec<String>,
    width: f64,
    height: f64,
}

#[derive(Clone, Debug, PartialEq)]
struct ServiceBox {
    name: String,
    x: f64,
    y: f64,
    w: f64,
    h: f64,
    pools: usize,
}

/// About how wide `text` is at `px` pixels (a sans-serif's average glyph,
/// a little generous so text never spills out of its box).
fn text_w(text: &str, px: f64) -> f64 {
    text.chars().count() as f64 * px * 0.62
}

/// How wide a service's box must be for its name beside its state word, its
/// pods line and its pools' lines at their longest.
fn service_w(s: &crate::sim::ServiceView) -> f64 {
    let name = text_w(&s.name, 14.0) + 16.0 + text_w("SATURATED", 11.0) * 1.1;
    let pods = text_w("pods 100 ready, 100 starting", 12.0);
    let pools = s
        .pools
        .iter()
        .map(|p| {
            let cap = p.capacity.max(1).to_string();
            let label = if s.pools.len() > 1 {
                p.name.len() + 2
            } else {
                0
            };
            // "NAME: busy CAP/CAP · queue 12345"
            text_w(&"x".repeat(label + 6 + 2 * cap.len() + 14), 12.0)
        })
        .fold(0.0, f64::max);
    // The badges in their widest state (a breaker half-open, a bulkhead's
    // permits at their maximum).
    let badges: Vec<String> = s
        .policies
        .iter()
        .map(|p| match p {
            PolicyView::Breaker(_) => "breaker half-open".to_string(),
            PolicyView::Bulkhead { max, .. } => format!("bulkhead {max}/{max}"),
            other => badge(other).label,
        })
        .collect();
    let badges = text_w(&badges.join(" · "), 12.0);
    (name.max(pods).max(pools).max(badges) + 28.0)
        .max(BOX_W)
        .ceil()
}

/// Each service's column (entry services 1): the longest path to it from a
/// client, over the calls that close no cycle. Also returns which calls are
/// back edges (they close a cycle, as two services calling each other do).
fn columns(t: &Topology) -> (Vec<usize>, Vec<bool>) {
    let n = t.services.len();
    let out: Vec<Vec<(usize, usize)>> = (0..n)
        .map(|s| {
            t.calls
                .iter()
                .enumerate()
                .filter(|(_, c)| c.0 == s)
                .map(|(k, c)| (k, c.1))
                .collect()
        })
        .collect();
    // Depth-first from the entry services, then from any left: a call to a
    // service on the current path is a back edge.
    let mut back = vec![false; t.calls.len()];
    let mut state = vec![0u8; n]; // 0 new, 1 on the path, 2 done
    let roots = t
        .clients
        .iter()
        .map(|c| c.service)
        .chain(0..n)
        .collect::<Vec<_>>();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        while let Some(&mut (s, ref mut next)) = stack.last_mut() {
            if let Some(&(k, to)) = out[s].get(*next) {
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => back[k] = true,
                    _ => {}
                }
            } else {
                state[s] = 2;
                stack.pop();
            }
        }
    }
    let mut col = vec![1usize; n];
    for _ in 0..n {
        for (k, &(from, to)) in t.calls.iter().enumerate() {
            if !back[k] && col[to] < col[from] + 1 {
                col[to] = col[from] + 1;
            }
        }
    }
    (col, back)
}

/// An SVG path's `d` from (command, x, y) points: `M1,2 C3,4 5,6 7,8` (a
/// space for no command, as a curve's control points have).
fn path(points: &[(char, f64, f64)]) -> String {
    let mut d = String::new();
    for (i, &(c, x, y)) in points.iter().enumerate() {
        if i > 0 {
            d.push(' ');
        }
        if c != ' ' {
            d.push(c);
        }
        d.push_str(&num(x));
        d.push(',');
        d.push_str(&num(y));
    }
    d
}

fn layout(t: &Topology) -> Layout {
    let (col, back) = columns(t);
    let cols = col.iter().copied().max().unwrap_or(1) + 1;
    let client_w = t
        .clients
        .iter()
        .map(|c| text_w(&c.name, 14.0) + 24.0)
        .fold(BOX_W, f64::max)
        .ceil();
    let widths: Vec<f64> = t.services.iter().map(service_w).collect();
    let mut col_w = vec![0.0f64; cols];
    col_w[0] = client_w;
    for (i, w) in widths.iter().enumerate() {
        col_w[col[i]] = col_w[col[i]].max(*w);
    }
    let mut col_x = vec![0.0f64; cols];
    for c in 1..cols {
        col_x[c] = col_x[c - 1] + col_w[c - 1] + COL_GAP;
    }
    let mut y_next = vec![0.0f64; cols];
    let clients: Vec<(String, f64)> = t
        .clients
        .iter()
        .map(|c| {
            let y = y_next[0];
            y_next[0] += CLIENT_H + ROW_GAP;
            (c.name.clone(), y)
        })
        .collect();
    let services: Vec<ServiceBox> = t
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let h = box_height(s.pools.len());
            let y = y_next[col[i]];
            y_next[col[i]] += h + ROW_GAP;
            ServiceBox {
                name: s.name.clone(),
                x: col_x[col[i]],
                y,
                w: widths[i],
                h,
                pools: s.pools.len(),
            }
        })
        .collect();
    // The lowest box bottom of columns a..=b, for arrows routed under them.
    let bottom = |a: usize, b: usize| {
        let mut low = if a == 0 {
            clients.last().map_or(0.0, |c| c.1 + CLIENT_H)
        } else {
            0.0
        };
        for (i, sb) in services.iter().enumerate() {
            if (a..=b).contains(&col[i]) {
                low = low.max(sb.y + sb.h);
            }
        }
        low
    };
    let mut lanes = 0usize;
    let mut under = |a: usize, b: usize| {
        lanes += 1;
        bottom(a, b) + LANE * lanes as f64
    };
    let mut edges = Vec::new();
    // Side to side: from the right of a box to the left of a box further
    // right, under the boxes between them when it skips a column.
    let mut side = |x1: f64, y1: f64, c1: usize, to: &ServiceBox, c2: usize, lift: f64| {
        let (x2, y2) = (to.x, to.y + to.h / 2.0 + lift);
        let y1 = y1 + lift;
        if c2 == c1 + 1 {
            let mx = (x1 + x2) / 2.0;
            path(&[
                ('M', x1, y1),
                ('C', mx, y1),
                (' ', mx, y2),
                (' ', x2 - 4.0, y2),
            ])
        } else {
            let low = under(c1 + 1, c2 - 1);
            let (a, b) = (x1 + COL_GAP / 2.0, x2 - COL_GAP / 2.0);
            path(&[
                ('M', x1, y1),
                ('L', a, y1),
                ('L', a, low),
                ('L', b, low),
                ('L', b, y2),
                ('L', x2 - 4.0, y2),
            ])
        }
    };
    for (k, c) in t.clients.iter().enumerate() {
        let (_, cy) = clients[k];
        edges.push(side(
            client_w,
            cy + CLIENT_H / 2.0,
            0,
            &services[c.service],
            col[c.service],
            0.0,
        ));
    }
    for (k, &(from, to)) in t.calls.iter().enumerate() {
        let f = &services[from];
        if back[k] {
            continue;
        }
        // Two services calling each other: this arrow a little above the
        // middle, the one back under the boxes.
        let pair = t.calls.contains(&(to, from));
        let lift = if pair { -8.0 } else { 0.0 };
        edges.push(side(
            f.x + f.w,
            f.y + f.h / 2.0,
            col[from],
            &services[to],
            col[to],
            lift,
        ));
    }
    for (k, &(from, to)) in t.calls.iter().enumerate() {
        if !back[k] {
            continue;
        }
        // A call back to a column at or left of its caller's: from the
        // caller's bottom, under the boxes, up into the callee's bottom.
        let (f, g) = (&services[from], &services[to]);
        let low = under(col[to].min(col[from]), col[to].max(col[from]));
        let (x1, y1) = (f.x + f.w / 2.0, f.y + f.h);
        let (x2, y2) = (g.x + g.w / 2.0, g.y + g.h);
        edges.push(path(&[
            ('M', x1, y1),
            ('C', x1, low),
            (' ', x2, low),
            (' ', x2, y2 + 4.0),
        ]));
    }
    let width = col_x[cols - 1] + col_w[cols - 1] + 2.0;
    let height = (y_next.iter().copied().fold(0.0, f64::max).max(CLIENT_H))
        .max(bottom(0, cols - 1) + LANE * lanes as f64 + 6.0);
    Layout {
        clients,
        client_w,
        services,
        edges,
        width,
        height,
    }
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
                    // No worker at all (a service down): an empty bar, not a full one.
                    load: if p.capacity == 0 {
                        0.0
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

/// Builds the panel in `section`. The boxes are drawn with plain DOM calls
/// (`dom`), once per layout, and only their live figures change afterwards: a
/// view per box, with a reactive closure per figure, cost the page's wasm
/// about 7 KB gzipped. No memos: each costs the wasm an instantiation of its
/// own, and the two effects compute what they need (fill writes only what
/// changed).
pub fn build(section: &Element, lab: Lab) {
    let head = html(section, "div", &[("class", "section-head")]);
    with_text(html(&head, "h2", &[("id", "topology-h")]), "Topology");
    let legend = html(
        &head,
        "span",
        &[("class", "legend-health"), ("aria-hidden", "true")],
    );
    for (class, word) in [
        ("health-calm", "calm"),
        ("health-busy", "busy ≥ 75 %"),
        ("health-saturated", "saturated"),
        ("health-down", "down"),
    ] {
        with_text(html(&legend, "span", &[("class", class)]), word);
    }
    let scroll = html(section, "div", &[("class", "topology-scroll")]);
    let drawing = svg(
        &scroll,
        "svg",
        &[
            ("role", "group"),
            ("aria-labelledby", "topology-h"),
            ("preserveAspectRatio", "xMinYMin meet"),
        ],
    );
    let marker = svg(
        &svg(&drawing, "defs", &[]),
        "marker",
        &[
            ("id", "topo-arrow"),
            ("viewBox", "0 0 10 10"),
            ("refX", "9"),
            ("refY", "5"),
            ("markerWidth", "7"),
            ("markerHeight", "7"),
            ("orient", "auto-start-reverse"),
        ],
    );
    svg(
        &marker,
        "path",
        &[("d", "M0,0 L10,5 L0,10 z"), ("class", "arrow-head")],
    );
    let g = svg(&drawing, "g", &[]);
    let chaos_root = html(section, "div", &[("class", "chaos")]);
    let parts = Rc::new(RefCell::new(Vec::<Part>::new()));
    let chaos = Rc::new(RefCell::new(None::<ChaosPanel>));
    let picked = Picked(RwSignal::new(None));
    // The boxes' listeners, alive as long as the boxes.
    let clicks = RefCell::new(Vec::<Listener>::new());
    let (drawn, panel) = (parts.clone(), chaos.clone());
    effect(move || {
        lab.build.track();
        let (shape, state) = lab.peek(|r| {
            let t = r.world().topology();
            (layout(&t), live(&t))
        });
        let new_parts = draw(&g, &shape);
        *clicks.borrow_mut() = pick_on_click(&new_parts, picked);
        let names: Vec<String> = shape.services.iter().map(|b| b.name.clone()).collect();
        let p = ChaosPanel::build(&chaos_root, &names, lab, picked);
        p.show(lab, picked);
        *panel.borrow_mut() = Some(p);
        fill(&new_parts, &state);
        *drawn.borrow_mut() = new_parts;
    });
    effect(move || {
        let state = lab.read(|r| live(&r.world().topology()));
        fill(&parts.borrow(), &state);
        // The run moved or a service was picked: the chaos panel follows.
        picked.0.track();
        if let Some(c) = chaos.borrow().as_ref() {
            c.show(lab, picked);
        }
    });
}

/// A scenario's system at rest, drawn into `g` (a group in an `<svg>`) as
/// the topology panel draws it: the landing page's previews.
pub fn preview(g: &Element, t: &Topology) {
    let parts = draw(g, &layout(t));
    fill(&parts, &live(t));
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
        /// The full width of its bars.
        bar_w: f64,
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
            &format!("-2 -2 {} {}", num(l.width + 4.0), num(l.height + 4.0)),
        );
        // Through the CSSOM, as the page's policy wants: an SVG element has
        // the same `style` as an HTML one.
        let _ = svg
            .unchecked_into::<web_sys::HtmlElement>()
            .style()
            .set_property("max-width", &format!("{}px", num(l.width * 1.25)));
    }
    for d in &l.edges {
        svg(
            g,
            "path",
            &[
                ("class", "edge"),
                ("d", d),
                ("marker-end", "url(#topo-arrow)"),
            ],
        );
    }
    let (client_w, client_h) = (num(l.client_w), num(CLIENT_H));
    let mut parts = Vec::new();
    for (name, y) in &l.clients {
        let c = svg(
            g,
            "g",
            &[
                ("class", "client"),
                ("transform", &format!("translate(0,{})", num(*y))),
            ],
        );
        svg(
            &c,
            "rect",
            &[("width", &client_w), ("height", &client_h), ("rx", "8")],
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
    for sb in &l.services {
        let ServiceBox {
            name,
            x,
            y,
            w,
            h,
            pools: npools,
        } = sb;
        let (box_w, bar_w) = (num(*w), num(w - 24.0));
        let group = svg(
            g,
            "g",
            &[
                ("class", "service health-calm"),
                ("transform", &format!("translate({},{})", num(*x), num(*y))),
            ],
        );
        with_text(svg(&group, "title", &[]), name);
        svg(
            &group,
            "rect",
            &[("width", &box_w), ("height", &num(*h)), ("rx", "8")],
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
                ("x", &num(w - 14.0)),
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
                    &[("transform", &format!("translate(12,{})", num(py)))],
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
            &[("x", "12"), ("y", &num(h - 6.0)), ("class", "badges")],
        );
        parts.push(Part::Service {
            name: name.clone(),
            bar_w: w - 24.0,
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
                bar_w,
                ..
            } => {
                let live = services.get(s);
                s += 1;
                let word = health_word(live.map_or(Health::Calm, |l| l.health));
                set_attr(group, "class", &format!("service health-{word}"));
                // Upper case in the text itself, not by the style sheet:
                // Chromium anchors an SVG text's end by its untransformed
                // width, so a transformed word ran past its box's edge.
                set_text(state, &word.to_ascii_uppercase());
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
                    set_attr(bar, "width", &fixed(bar_w * load, 1));
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
