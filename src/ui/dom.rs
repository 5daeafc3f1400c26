//! Plain DOM building, for the panels made of many small parts that follow
//! the run (the transport, the toggles, the headline figures, the topology
//! strip, the event log): each builds its elements with these calls, listens
//! with [`listen`], and has an effect write only what changed. As Leptos views,
//! every attribute closure, button content and component instantiates the
//! renderer for its own type, which was most of what these panels cost the
//! page's wasm. For the same reason every panel's effect goes through
//! [`effect`]: Leptos compiles an `Effect` (an async task, its future and its
//! drop) once per closure type, so one boxed closure type makes it one.

use leptos::prelude::{document, Effect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget};

const SVG_NS: &str = "http://www.w3.org/2000/svg";

fn add(parent: &Element, el: Option<Element>, attrs: &[(&str, &str)]) -> Element {
    let el = el.expect("the document makes elements");
    for (k, v) in attrs {
        let _ = el.set_attribute(k, v);
    }
    let _ = parent.append_child(&el);
    el
}

/// An HTML element with its attributes, appended to `parent`.
pub fn html(parent: &Element, tag: &str, attrs: &[(&str, &str)]) -> Element {
    add(parent, document().create_element(tag).ok(), attrs)
}

/// An SVG element with its attributes, appended to `parent`.
pub fn svg(parent: &Element, tag: &str, attrs: &[(&str, &str)]) -> Element {
    add(
        parent,
        document().create_element_ns(Some(SVG_NS), tag).ok(),
        attrs,
    )
}

/// A `<button type="button">` with its attributes and its words, appended to
/// `parent`.
pub fn button(parent: &Element, attrs: &[(&str, &str)], label: &str) -> Element {
    let b = with_text(html(parent, "button", attrs), label);
    let _ = b.set_attribute("type", "button");
    b
}

/// `el` with `text` in it (as text, never markup).
pub fn with_text(el: Element, text: &str) -> Element {
    el.set_text_content(Some(text));
    el
}

/// Sets an element's text, touching the DOM only when it changed.
pub fn set_text(el: &Element, text: &str) {
    if el.text_content().as_deref() != Some(text) {
        el.set_text_content(Some(text));
    }
}

/// Sets an attribute, touching the DOM only when it changed.
pub fn set_attr(el: &Element, name: &str, value: &str) {
    if el.get_attribute(name).as_deref() != Some(value) {
        let _ = el.set_attribute(name, value);
    }
}

/// An event listener, kept alive as long as this value.
pub type Listener = Closure<dyn FnMut(Event)>;

/// Calls `f` on each `event` at `el`, for as long as the returned listener lives.
pub fn listen(el: &EventTarget, event: &str, f: impl FnMut(Event) + 'static) -> Listener {
    let cb = Listener::new(f);
    let _ = el.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    cb
}

/// Calls `f` on each `event` at the window until the returned function is
/// called (Leptos's window listeners are a type of their own per event).
pub fn listen_window(event: &'static str, f: impl FnMut(Event) + 'static) -> impl FnOnce() {
    let window = web_sys::window();
    let cb = window.as_ref().map(|w| listen(w, event, f));
    move || {
        if let (Some(w), Some(cb)) = (window, cb) {
            let _ = w.remove_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
        }
    }
}

/// Runs `f` once soon (on the next tick) and again whenever a signal it read
/// changes, for as long as the reactive owner it was made under (the lab).
pub fn effect(f: impl FnMut() + 'static) {
    effect_boxed(Box::new(f));
}

#[inline(never)]
fn effect_boxed(mut f: Box<dyn FnMut()>) {
    Effect::new(move |_| f());
}
