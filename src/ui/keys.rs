//! The keyboard, presenter mode's full screen, and the list of keys ("?").
//!
//! The keys work anywhere on the page except while typing in a field (an
//! input, a select, a text area): Space plays or pauses, ← / → move the
//! guided tour, R resets, F toggles full screen, N skips to a few seconds
//! before the next planned event, ? shows or hides the list, Escape hides it.

use leptos::prelude::document;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};

use super::dom::{button, html, listen, with_text};
use super::lab::Lab;

/// The keys and what they do, as the list shows them.
const KEYS: &[(&str, &str)] = &[
    ("Space", "Play or pause"),
    ("← / →", "Previous / next step of the guided tour"),
    ("R", "Reset the run"),
    ("N", "Skip to a few seconds before the next fault or change"),
    ("F", "Full screen on or off"),
    ("?", "Show or hide this list"),
];

/// Acts on a key pressed anywhere on the page.
pub fn on_key(lab: Lab, e: &KeyboardEvent) {
    // A modifier is the browser's; a key a widget handled (a topology box
    // picked with Enter or Space) is the widget's.
    if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
        return;
    }
    let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
    let tag = target
        .as_ref()
        .map(|el| el.tag_name().to_ascii_uppercase())
        .unwrap_or_default();
    let typing = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA" | "OPTION")
        || target.is_some_and(|el| el.closest("[contenteditable]").ok().flatten().is_some());
    // The landing page has no run to drive.
    if typing || leptos::prelude::GetUntracked::get_untracked(&lab.landing) {
        return;
    }
    match e.key().as_str() {
        // The space bar presses a focused button or link itself.
        " " if matches!(tag.as_str(), "BUTTON" | "SUMMARY" | "A") => return,
        " " => lab.toggle_play(),
        "ArrowRight" => lab.go_step(1),
        "ArrowLeft" => lab.go_step(-1),
        "r" | "R" => lab.reset(),
        "n" | "N" => {
            lab.skip();
        }
        "f" | "F" => fullscreen(!is_fullscreen()),
        "?" => show_keys(keys_hidden()),
        "Escape" if !keys_hidden() => show_keys(false),
        _ => return,
    }
    e.prevent_default();
}

fn is_fullscreen() -> bool {
    document().fullscreen_element().is_some()
}

/// Asks for full screen (the whole page) or leaves it. The browser allows it
/// only in answer to a click or a key; a refusal is ignored.
pub fn fullscreen(on: bool) {
    let doc = document();
    if on == is_fullscreen() {
        return;
    }
    let (target, method): (JsValue, &str) = if on {
        match doc.document_element() {
            Some(el) => (el.into(), "requestFullscreen"),
            None => return,
        }
    } else {
        (doc.into(), "exitFullscreen")
    };
    // Called by name for its promise, whose refusal is caught here rather
    // than reported as an uncaught error.
    let promise = js_sys::Reflect::get(&target, &method.into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(&target).ok())
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok());
    if let Some(p) = promise {
        let ignore = Closure::<dyn FnMut(JsValue)>::new(|_| {});
        let _ = p.catch(&ignore);
        ignore.forget();
    }
}

fn panel() -> Option<HtmlElement> {
    document()
        .get_element_by_id("lab-keys")
        .and_then(|e| e.dyn_into().ok())
}

fn keys_hidden() -> bool {
    panel().is_none_or(|p| p.hidden())
}

/// Shows or hides the list of keys (focus goes to its Close button).
pub fn show_keys(show: bool) {
    let Some(p) = panel().or_else(|| show.then(build_panel).flatten()) else {
        return;
    };
    p.set_hidden(!show);
    if show {
        if let Some(close) = document()
            .get_element_by_id("lab-keys-close")
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        {
            let _ = close.focus();
        }
    }
}

/// The list of keys, made the first time it is asked for (inside the lab's
/// root, so it goes when the lab does).
fn build_panel() -> Option<HtmlElement> {
    let app = document().query_selector(".lab-app").ok().flatten()?;
    let root = html(
        &app,
        "section",
        &[
            ("id", "lab-keys"),
            ("class", "keys"),
            ("role", "dialog"),
            ("aria-labelledby", "lab-keys-h"),
        ],
    );
    let head = html(&root, "div", &[("class", "section-head")]);
    with_text(html(&head, "h2", &[("id", "lab-keys-h")]), "Keys");
    let close = button(&head, &[("id", "lab-keys-close")], "Close");
    let dl = html(&root, "dl", &[]);
    for (key, what) in KEYS {
        let row = html(&dl, "div", &[]);
        with_text(html(&html(&row, "dt", &[]), "kbd", &[]), key);
        with_text(html(&row, "dd", &[]), what);
    }
    with_text(
        html(&root, "p", &[("class", "help")]),
        "The keys work anywhere except while typing in a field.",
    );
    // Kept for the page's life: the panel is made once per mounted lab.
    listen(&close, "click", |_| show_keys(false)).forget();
    root.dyn_into().ok()
}

/// Presenter mode is a class on the root element, so that the stylesheet's
/// sizes (and the charts' text and line widths it gives) follow it.
pub fn presenting(on: bool) {
    root_class("presenting", on);
}

/// A view of the page (`presenting`, `embedded`) as a class on the root
/// element, which the stylesheet reads.
pub fn root_class(name: &str, on: bool) {
    if let Some(root) = document().document_element() {
        let _ = root.class_list().toggle_with_force(name, on);
    }
}
