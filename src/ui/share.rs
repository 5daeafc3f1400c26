//! Share links in the page: the address bar's fragment follows the run, a
//! "Copy link" button copies it, and a fragment pasted into the address bar
//! opens that run.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

use super::dom::{html, listen, set_text, with_text, Listener};
use super::lab::Lab;
use super::perf;

/// Least wall time between two address-bar updates while playing.
const PLAYING_UPDATE_MS: f64 = 1_000.0;

#[component]
pub fn Share() -> impl IntoView {
    let lab = Lab::from_context();
    // Plain DOM (`dom`): the panel changes only when a button is pressed, so
    // its listeners write it; no effect, no reactive view.
    let kept = StoredValue::new_local(Vec::<Listener>::new());
    let build = move |root: Element| kept.set_value(build(&root, lab));
    view! { <section class="share" aria-labelledby="share-h" use:build></section> }
}

fn build(root: &Element, lab: Lab) -> Vec<Listener> {
    with_text(html(root, "h2", &[("id", "share-h")]), "Share");
    let row = html(root, "div", &[("class", "share-row")]);
    let copy = with_text(
        html(&row, "button", &[("type", "button"), ("id", "lab-copy")]),
        "Copy link",
    );
    let status = html(&row, "span", &[("class", "muted"), ("role", "status")]);
    let input: HtmlInputElement = html(
        root,
        "input",
        &[
            ("id", "lab-link"),
            ("type", "text"),
            ("readonly", ""),
            ("aria-label", "Share link"),
            ("placeholder", "The link appears here"),
        ],
    )
    .unchecked_into();
    let help = with_text(
        html(root, "p", &[("class", "help")]),
        "The link replays this run exactly: scenario, seed, toggles, each change you made and when, up to the current simulated time. It also runs on the command line: ",
    );
    with_text(html(&help, "code", &[]), "lab run --link '…'");
    let on_copy = {
        let input = input.clone();
        move |_| {
            let fragment = lab.link();
            let url = full_url(&fragment);
            input.set_value(&url);
            write_fragment(&fragment);
            // The promise's own callbacks rather than a future: an async
            // block costs the page's wasm a future type of its own. One of the
            // two runs; both stay behind, a few bytes a click.
            let says = |text: &'static str| {
                let status = status.clone();
                Closure::once(move |_: JsValue| set_text(&status, text))
            };
            let (done, failed) = (says("Copied."), says("Select the link below and copy it."));
            match web_sys::window().map(|w| w.navigator().clipboard()) {
                Some(c) => {
                    let _ = c.write_text(&url).then2(&done, &failed);
                    done.forget();
                    failed.forget();
                }
                None => set_text(&status, "Select the link below and copy it."),
            }
        }
    };
    vec![
        listen(&copy, "click", on_copy),
        listen(&input.clone().into(), "focus", move |_| input.select()),
    ]
}

/// Keeps the address bar's fragment in step with the run, and opens a fragment
/// the person pastes. Returns what stops listening.
pub fn sync_fragment(lab: Lab) -> impl FnOnce() + Send + Sync {
    let written = Rc::new(RefCell::new(current_fragment()));
    let last_ms = Rc::new(RefCell::new(f64::NEG_INFINITY));
    let w = written.clone();
    Effect::new(move |_| {
        lab.version.track();
        // The link carries the view too: the tour's step, presenter mode.
        lab.step.track();
        lab.present.track();
        let playing = lab.playing.get();
        if lab.replay_to.get().is_some() {
            return; // the address bar keeps the link being replayed
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
    let handle = window_event_listener_untyped("hashchange", move |_| {
        let fragment = current_fragment();
        if *written.borrow() != fragment {
            *written.borrow_mut() = fragment.clone();
            lab.open_link(&fragment);
        }
    });
    move || handle.remove()
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

fn full_url(fragment: &str) -> String {
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
