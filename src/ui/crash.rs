//! Never a dead page: when the page's code panics, a panel says what happened
//! and gives the link that opens the run as it was just before, with "Copy
//! link" and "Reset the lab". The console still gets the full message.
//!
//! A panic in wasm aborts the call it happened in, and may leave the Leptos
//! runtime or any `RefCell` half-way through a change, so the panel is built
//! here with plain DOM calls and reads nothing but a copy of the last link
//! ([`remember_link`], kept by `Lab::touch`). "Reset the lab" is a plain link
//! to the bare page (a full reload, no wasm needed); "Copy link" is the only
//! part that calls back into wasm, and the link stays selectable in a field
//! if that fails.

use std::cell::RefCell;
use std::sync::Once;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlInputElement};

/// Longest panic message shown (the console keeps it whole).
const MAX_MESSAGE_CHARS: usize = 2_000;

thread_local! {
    /// The share link (fragment) of the lab's latest state.
    static LINK: RefCell<String> = const { RefCell::new(String::new()) };
    /// A panic the browser tests asked for (see [`panic_in_next_frame`]).
    static ASKED: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs the panic hook, once: the console message, then the panel.
pub fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            let _ = show(&clean(&info.to_string()));
        }));
    });
}

/// Records the link of the lab's latest state, for the panel.
pub fn remember_link(fragment: String) {
    let _ = LINK.try_with(|l| {
        if let Ok(mut l) = l.try_borrow_mut() {
            *l = fragment;
        }
    });
}

/// For the browser tests only (nothing in the page calls it): the frame loop's
/// next frame panics with `message`, as a bug in the engine or a view would.
#[doc(hidden)]
pub fn panic_in_next_frame(message: &str) {
    ASKED.with(|a| *a.borrow_mut() = Some(message.to_string()));
}

/// Called by the frame loop at the start of every frame.
pub(crate) fn panic_if_asked() {
    if let Some(message) = ASKED.with(|a| a.borrow_mut().take()) {
        panic!("{message}");
    }
}

/// The message as plain text: control characters (but line breaks) as
/// spaces, at most [`MAX_MESSAGE_CHARS`].
fn clean(message: &str) -> String {
    let mut out: String = message
        .chars()
        .take(MAX_MESSAGE_CHARS)
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect();
    if message.chars().nth(MAX_MESSAGE_CHARS).is_some() {
        out.push('…');
    }
    out
}

fn el(doc: &Document, tag: &str, id: &str, text: Option<&str>) -> Option<Element> {
    let e = doc.create_element(tag).ok()?;
    if !id.is_empty() {
        e.set_id(id);
    }
    // Text, never HTML: a message cannot add elements to the page.
    e.set_text_content(text);
    Some(e)
}

/// Builds the panel (once: a second panic leaves the first one's panel).
fn show(message: &str) -> Option<()> {
    let window = web_sys::window()?;
    let doc = window.document()?;
    if doc.get_element_by_id("lab-crash").is_some() {
        return Some(());
    }
    let body = doc.body()?;
    let loc = window.location();
    let bare = format!(
        "{}{}",
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default()
    );
    let fragment = LINK
        .try_with(|l| l.try_borrow().map(|l| l.clone()).unwrap_or_default())
        .unwrap_or_default();
    let fragment = if fragment.is_empty() {
        loc.hash().unwrap_or_default()
    } else {
        fragment
    };
    let url = format!("{}{bare}{fragment}", loc.origin().unwrap_or_default());

    let panel = el(&doc, "section", "lab-crash", None)?;
    panel.set_class_name("crash");
    panel.set_attribute("role", "alert").ok()?;
    panel.set_attribute("aria-labelledby", "lab-crash-h").ok()?;
    let h = el(
        &doc,
        "h2",
        "lab-crash-h",
        Some("The lab stopped: something went wrong inside it"),
    )?;
    let p = el(
        &doc,
        "p",
        "",
        Some(
            "This is a bug in the lab, not something you did. Nothing was sent anywhere. \
             The link below opens this run again, up to where it stopped, so you can see \
             it happen or send it with a bug report.",
        ),
    )?;
    let pre = el(&doc, "pre", "lab-crash-message", Some(message))?;
    let input: HtmlInputElement = el(&doc, "input", "lab-crash-link", None)?.dyn_into().ok()?;
    input.set_type("text");
    input.set_read_only(true);
    input.set_value(&url);
    input.set_attribute("aria-label", "Link to this run").ok()?;
    let row = el(&doc, "div", "", None)?;
    row.set_class_name("buttons");
    let copy = el(&doc, "button", "lab-crash-copy", Some("Copy link"))?;
    copy.set_attribute("type", "button").ok()?;
    let reset = el(&doc, "a", "lab-crash-reset", Some("Reset the lab"))?;
    reset.set_class_name("button");
    reset.set_attribute("href", &bare).ok()?;
    let status = el(&doc, "span", "lab-crash-status", None)?;
    status.set_class_name("muted");
    status.set_attribute("role", "status").ok()?;

    let on_copy = {
        let (input, status, url) = (input.clone(), status.clone(), url.clone());
        Closure::<dyn FnMut()>::new(move || copy_link(&input, &status, &url))
    };
    copy.add_event_listener_with_callback("click", on_copy.as_ref().unchecked_ref())
        .ok()?;
    on_copy.forget(); // one panel per page: it lives as long as the page

    row.append_with_node_3(&copy, &reset, &status).ok()?;
    panel.append_with_node_4(&h, &p, &pre, &input).ok()?;
    panel.append_with_node_1(&row).ok()?;
    body.prepend_with_node_1(&panel).ok()?;
    // The lab behind it no longer answers: say so to the keyboard and screen readers.
    if let Ok(labs) = doc.query_selector_all(".lab-app") {
        for i in 0..labs.length() {
            if let Some(lab) = labs.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                let _ = lab.set_attribute("inert", "");
            }
        }
    }
    Some(())
}

fn copy_link(input: &HtmlInputElement, status: &Element, url: &str) {
    input.select();
    let Some(window) = web_sys::window() else {
        return;
    };
    // Promise callbacks, not a future: the futures executor may be what panicked.
    let says = |text: &'static str| {
        let status = status.clone();
        Closure::<dyn FnMut(JsValue)>::new(move |_| status.set_text_content(Some(text)))
    };
    let (done, failed) = (says("Copied."), says("Select the link above and copy it."));
    let _ = window
        .navigator()
        .clipboard()
        .write_text(url)
        .then2(&done, &failed);
    // A few bytes a click, on a page that has stopped.
    done.forget();
    failed.forget();
}
