//! Share links in the page: the address bar's fragment follows the run, a
//! "Copy link" button copies it, and a fragment pasted into the address bar
//! opens that run.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use super::dom::{button, effect, html, listen, listen_window, set_text, with_text, Listener};
use super::lab::Lab;
use super::perf;
use crate::link;

/// Least wall time between two address-bar updates while playing.
const PLAYING_UPDATE_MS: f64 = 1_000.0;

/// Builds the panel in `root` with plain DOM (`dom`): it changes only when a
/// button is pressed, so its listeners write it; no effect, no reactive view.
/// The listeners live as long as what is returned.
pub fn build(root: &Element, lab: Lab) -> Vec<Listener> {
    with_text(html(root, "h2", &[("id", "share-h")]), "Share");
    let row = html(root, "div", &[("class", "share-row")]);
    let copy = button(&row, &[("id", "lab-copy")], "Copy link");
    let copy_embed = button(&row, &[("id", "lab-copy-embed")], "Copy embed code");
    let status = html(&row, "span", &[("class", "muted"), ("role", "status")]);
    let field = |id, label, placeholder| -> HtmlInputElement {
        html(
            root,
            "input",
            &[
                ("id", id),
                ("type", "text"),
                ("readonly", ""),
                ("aria-label", label),
                ("placeholder", placeholder),
            ],
        )
        .unchecked_into()
    };
    let input = field("lab-link", "Share link", "The link appears here");
    let code = field("lab-embed-code", "Embed code", "");
    code.set_hidden(true);
    let help = with_text(
        html(root, "p", &[("class", "help")]),
        "The link replays this run exactly: scenario, seed, toggles, each change you made and when, up to the current simulated time. It also runs on the command line: ",
    );
    with_text(html(&help, "code", &[]), "lab run --link '…'");
    with_text(
        html(root, "p", &[("class", "help")]),
        " The embed code is an iframe of this run for a web page: Play, the headline figures, two charts and the toggles you changed.",
    );
    let on_copy = {
        let (input, status) = (input.clone(), status.clone());
        move |_| {
            let fragment = lab.link();
            let url = full_url(&fragment);
            input.set_value(&url);
            write_fragment(&fragment);
            to_clipboard(&url, &status, "Select the link below and copy it.");
        }
    };
    let on_embed = {
        let code = code.clone();
        move |_| {
            let snippet = embed_code(lab);
            code.set_value(&snippet);
            code.set_hidden(false);
            to_clipboard(&snippet, &status, "Select the code below and copy it.");
        }
    };
    let select = |i: &HtmlInputElement| {
        let i = i.clone();
        listen(&i.clone().into(), "focus", move |_| i.select())
    };
    vec![
        listen(&copy, "click", on_copy),
        listen(&copy_embed, "click", on_embed),
        select(&input),
        select(&code),
    ]
}

/// Copies text, and says whether it worked (else what to do instead).
fn to_clipboard(text: &str, status: &Element, otherwise: &'static str) {
    // The promise's own callbacks rather than a future: an async block costs
    // the page's wasm a future type of its own. One of the two runs; both
    // stay behind, a few bytes a click.
    let says = |text: &'static str| {
        let status = status.clone();
        Closure::once(move |_: JsValue| set_text(&status, text))
    };
    let (done, failed) = (says("Copied."), says(otherwise));
    match web_sys::window().map(|w| w.navigator().clipboard()) {
        Some(c) => {
            let _ = c.write_text(text).then2(&done, &failed);
            done.forget();
            failed.forget();
        }
        None => set_text(status, otherwise),
    }
}

/// The `<iframe>` that shows this run embedded: the charts the tour's step
/// looks at (else the first two), and the controls of the parameters the
/// run changed (else its first toggle), at most three.
pub fn embed_code(lab: Lab) -> String {
    let s = lab.scenario.get_untracked().0;
    let titles: Vec<&str> = (s.charts)().iter().map(|c| c.title).collect();
    let step = lab.step.get_untracked().and_then(|i| s.guide.get(i));
    let mut embed = link::Embed::default();
    for t in step.map_or(&[][..], |g| g.charts) {
        if let Some(i) = titles.iter().position(|x| x == t) {
            embed.charts.push(i + 1);
        }
    }
    lab.peek(|r| {
        let changed = r.initial.non_defaults().map(|(spec, _)| spec.name).chain(
            r.changes()
                .iter()
                .filter_map(|c| s.schema().iter().find(|p| p.name == c.name).map(|p| p.name)),
        );
        for name in changed {
            if !embed.controls.contains(&name) {
                embed.controls.push(name);
            }
        }
    });
    if embed.controls.is_empty() {
        embed
            .controls
            .extend(s.params.iter().find(|p| !p.advanced).map(|p| p.name));
    }
    embed.charts.truncate(link::EMBED_MAX);
    embed.controls.truncate(link::EMBED_MAX);
    let url = full_url(&lab.embed_link(embed));
    let attr = |x: &str| {
        let mut out = String::new();
        for c in x.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                '<' => out.push_str("&lt;"),
                c => out.push(c),
            }
        }
        out
    };
    format!(
        "<iframe src=\"{}\" title=\"Resilience Lab: {}\" width=\"640\" height=\"400\" loading=\"lazy\" style=\"border:0;max-width:100%\"></iframe>",
        attr(&url),
        attr(s.title)
    )
}

/// Keeps the address bar's fragment in step with the run, and opens a fragment
/// the person pastes. Returns what stops listening.
pub fn sync_fragment(lab: Lab) -> impl FnOnce() {
    let written = Rc::new(RefCell::new(current_fragment()));
    let last_ms = Rc::new(RefCell::new(f64::NEG_INFINITY));
    let w = written.clone();
    effect(move || {
        lab.version.track();
        // The link carries the view too: the tour's step, presenter mode.
        lab.step.track();
        lab.present.track();
        lab.embed.track();
        let playing = lab.playing.get();
        if lab.replay_to.get().is_some() || lab.landing.get() {
            return; // the address bar keeps the link being replayed, or stays bare
        }
        let now = perf::now_ms();
        if playing && now - *last_ms.borrow() < PLAYING_UPDATE_MS {
            return;
        }
        let fragment = lab.link();
        if *w.borrow() != fragment {
            *last_ms.borrow_mut() = now;
            write_fragment(&fragment);
            *w.borrow_mut() = fragment;
        }
    });
    listen_window("hashchange", move |_| {
        let fragment = current_fragment();
        if *written.borrow() != fragment {
            *written.borrow_mut() = fragment.clone();
            lab.open_link(&fragment);
        }
    })
}

fn current_fragment() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Replaces the fragment without a new history entry or a `hashchange`.
fn write_fragment(fragment: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(fragment));
    }
}

pub fn full_url(fragment: &str) -> String {
    let loc = web_sys::window().map(|w| w.location());
    let base = loc
        .and_then(|l| {
            Some(format!(
                "{}{}{}",
                l.origin().ok()?,
                l.pathname().ok()?,
                l.search().ok()?
            ))
        })
        .unwrap_or_default();
    format!("{base}{fragment}")
}
