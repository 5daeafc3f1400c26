//! Share links in the page: the address bar's fragment follows the run, a
//! "Copy link" button copies it, and a fragment pasted into the address bar
//! opens that run.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::lab::Lab;
use super::perf;

/// Least wall time between two address-bar updates while playing.
const PLAYING_UPDATE_MS: f64 = 1_000.0;

#[component]
pub fn Share() -> impl IntoView {
    let lab = Lab::from_context();
    let link = RwSignal::new(String::new());
    let status = RwSignal::new("");
    let copy = move |_| {
        let fragment = lab.link();
        let url = full_url(&fragment);
        link.set(url.clone());
        write_fragment(&fragment);
        // The promise's own callbacks rather than a future: an async block
        // costs the page's wasm a future type of its own. One of the two runs;
        // both stay behind, a few bytes a click.
        let says = |text: &'static str| Closure::once(move |_: JsValue| status.set(text));
        let (done, failed) = (says("Copied."), says("Select the link below and copy it."));
        match web_sys::window().map(|w| w.navigator().clipboard()) {
            Some(c) => {
                let _ = c.write_text(&url).then2(&done, &failed);
                done.forget();
                failed.forget();
            }
            None => status.set("Select the link below and copy it."),
        }
    };
    view! {
        <section class="share" aria-labelledby="share-h">
            <h2 id="share-h">"Share"</h2>
            <div class="share-row">
                <button type="button" id="lab-copy" on:click=copy>"Copy link"</button>
                <span class="muted" role="status">{move || status.get()}</span>
            </div>
            <input id="lab-link" type="text" readonly aria-label="Share link" placeholder="The link appears here"
                prop:value=move || link.get()
                on:focus=move |ev| {
                    use wasm_bindgen::JsCast;
                    if let Some(i) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                        i.select();
                    }
                } />
            <p class="help">
                "The link replays this run exactly: scenario, seed, toggles, each change you made and when, "
                "up to the current simulated time. It also runs on the command line: "
                <code>"lab run --link '…'"</code>
            </p>
        </section>
    }
}

/// Keeps the address bar's fragment in step with the run, and opens a fragment
/// the person pastes. Returns what stops listening.
pub fn sync_fragment(lab: Lab) -> impl FnOnce() + Send + Sync {
    let written = Rc::new(RefCell::new(current_fragment()));
    let last_ms = Rc::new(RefCell::new(f64::NEG_INFINITY));
    let w = written.clone();
    Effect::new(move |_| {
        lab.version.track();
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
