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

use leptos::prelude::*;

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
    /// (name, column, y, height) per client population, then per service.
    clients: Vec<(String, f64)>,
    services: Vec<(String, usize, f64, f64)>,
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
    let services: Vec<(String, usize, f64, f64)> = t
        .services
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let h = box_height(s.pools.len());
            let y = y_next[col[i]];
            y_next[col[i]] += h + ROW_GAP;
            (s.name.clone(), col[i], y, h)
        })
        .collect();
    let right = |c: usize| c as f64 * COL_W + BOX_W;
    let left = |c: usize| c as f64 * COL_W;
    let mut edges = Vec::new();
    for (k, c) in t.clients.iter().enumerate() {
        let (_, cy) = clients[k];
        let (_, sc, sy, sh) = &services[c.service];
        edges.push((right(0), cy + CLIENT_H / 2.0, left(*sc), sy + sh / 2.0));
    }
    for &(from, to) in &t.calls {
        let (_, fc, fy, fh) = &services[from];
        let (_, tc, ty, th) = &services[to];
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
    let lab = expect_context::<Lab>();
    let shape = Memo::new(move |_| {
        lab.build.track();
        lab.peek(|r| layout(&r.world().topology()))
    });
    let state = Memo::new(move |_| lab.read(|r| live(&r.world().topology())));
    let view_box = move || shape.with(|l| format!("-2 -2 {} {}", l.width + 4.0, l.height + 4.0));
    let edges = move || {
        shape.with(|l| {
            l.edges
                .iter()
                .map(|&(x1, y1, x2, y2)| {
                    let mx = (x1 + x2) / 2.0;
                    let d = format!("M{x1},{y1} C{mx},{y1} {mx},{y2} {},{y2}", x2 - 4.0);
                    view! { <path class="edge" d=d marker-end="url(#topo-arrow)"></path> }
                })
                .collect_view()
        })
    };
    let clients = move || {
        shape.with(|l| {
            l.clients
                .iter()
                .enumerate()
                .map(|(k, (name, y))| {
                    let rate = move || {
                        state.with(|(r, _)| {
                            r.get(k)
                                .map(|x| format!("{} req/s", format::figure(*x)))
                                .unwrap_or_default()
                        })
                    };
                    view! {
                        <g class="client" transform=format!("translate(0,{y})")>
                            <rect width=BOX_W height=CLIENT_H rx="8"></rect>
                            <text x="12" y="19" class="name">{name.clone()}</text>
                            <text x="12" y="36" class="detail">{rate}</text>
                        </g>
                    }
                })
                .collect_view()
        })
    };
    let services = move || {
        shape.with(|l| {
            l.services
                .iter()
                .enumerate()
                .map(|(i, (name, col, y, h))| service_box(state, i, name.clone(), *col, *y, *h))
                .collect_view()
        })
    };
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
                <svg viewBox=view_box role="img" aria-labelledby="topology-h" preserveAspectRatio="xMinYMin meet"
                    style:max-width=move || shape.with(|l| format!("{}px", l.width * 1.25))>
                    <defs>
                        <marker id="topo-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                            <path d="M0,0 L10,5 L0,10 z" class="arrow-head"></path>
                        </marker>
                    </defs>
                    {edges}
                    {clients}
                    {services}
                </svg>
            </div>
        </section>
    }
}

fn service_box(
    state: Memo<(Vec<f64>, Vec<ServiceLive>)>,
    i: usize,
    name: String,
    col: usize,
    y: f64,
    h: f64,
) -> impl IntoView {
    let get = move || state.with(|(_, s)| s.get(i).cloned());
    let live = Memo::new(move |_| get());
    let health = move || live.with(|l| l.as_ref().map_or(Health::Calm, |l| l.health));
    let pods = move || {
        live.with(|l| {
            l.as_ref().map_or(String::new(), |l| match l.starting {
                0 => format!("pods {} ready", l.ready),
                n => format!("pods {} ready, {n} starting", l.ready),
            })
        })
    };
    let npools = live.with_untracked(|l| l.as_ref().map_or(0, |l| l.pools.len()));
    let pool_rows = (0..npools)
        .map(|p| {
            let pool = move || live.with(|l| l.as_ref().and_then(|l| l.pools.get(p).cloned()));
            let load = move || pool().map_or(0.0, |p| p.load);
            let text = move || {
                pool().map_or(String::new(), |p| {
                    let q = if p.queued > 0 { format!(" · queue {}", p.queued) } else { String::new() };
                    let label = if npools > 1 { format!("{}: ", p.name) } else { String::new() };
                    format!("{label}busy {}/{}{q}", p.busy, p.capacity)
                })
            };
            let py = 48.0 + 22.0 * p as f64;
            view! {
                <g transform=format!("translate(12,{py})")>
                    <text y="0" class="detail">{text}</text>
                    <rect y="5" width=BOX_W - 24.0 height="5" rx="2.5" class="bar-bg"></rect>
                    <rect y="5" width=move || format!("{:.1}", (BOX_W - 24.0) * load()) height="5" rx="2.5" class="bar"></rect>
                </g>
            }
        })
        .collect_view();
    let badges = move || {
        let list = live.with(|l| l.as_ref().map(|l| l.badges.clone()).unwrap_or_default());
        list.into_iter()
            .enumerate()
            .map(|(i, b)| {
                let sep = if i > 0 { " · " } else { "" };
                view! { <tspan class=format!("badge-{}", health_word(b.health))>{sep}{b.label}</tspan> }
            })
            .collect_view()
    };
    let x = col as f64 * COL_W;
    view! {
        <g class=move || format!("service health-{}", health_word(health())) transform=format!("translate({x},{y})")>
            <title>{name.clone()}</title>
            <rect width=BOX_W height=h rx="8"></rect>
            <text x="12" y="19" class="name">{name.clone()}</text>
            <text x=BOX_W - 10.0 y="19" class="state" text-anchor="end">{move || health_word(health())}</text>
            <text x="12" y="36" class="detail">{pods}</text>
            {pool_rows}
            <text x="12" y=h - 6.0 class="badges">{badges}</text>
        </g>
    }
}
