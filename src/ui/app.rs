//! The page: state at the top ([`Lab`]), the frame loop, the keyboard
//! ([`keys`]), presenter mode, and the layout of the panels.
//!
//! The layout is built with plain DOM calls (`dom`) into the one element the
//! Leptos view makes, and each panel builds itself into its place; the two
//! panels that are Leptos views (the headline and the charts) are built and
//! mounted there. As one `view!` tree of components, the skeleton alone was
//! the biggest function of the page's wasm.

use std::any::Any;

use leptos::prelude::*;
use leptos::tachys::view::{Mountable, Render};
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::charts::Charts;
use super::dom::{html, listen_window};
use super::driver;
use super::headline::Headline;
use super::keys;
use super::lab::Lab;
use super::share;
use super::{controls, log, topology, transport};

#[component]
pub fn App() -> impl IntoView {
    let fragment = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let lab = Lab::new(&fragment);
    provide_context(lab);

    let stop_loop = SendWrapper::new(driver::start(lab));
    let stop_sync = SendWrapper::new(share::sync_fragment(lab));
    let stop_keys = SendWrapper::new(listen_window("keydown", move |e| {
        keys::on_key(lab, e.unchecked_ref())
    }));
    on_cleanup(move || {
        stop_loop.take()();
        stop_sync.take()();
        stop_keys.take()();
        keys::presenting(false);
        keys::root_class("embedded", false);
        keys::root_class("landing-page", false);
    });

    // What the layout keeps alive as long as the lab: the share panel's
    // listeners, the mounted views' states.
    let kept = StoredValue::new_local(Vec::<Box<dyn Any>>::new());
    let build = move |root: Element| kept.set_value(layout(&root, lab));
    view! { <div class="lab-app" use:build></div> }
}

/// A Leptos view built and mounted at the end of `parent`; its state is
/// what keeps it live.
fn mount<V: IntoView>(parent: &Element, view: V) -> Box<dyn Any>
where
    V::State: 'static,
{
    let mut state = view.into_view().build();
    state.mount(parent, None);
    Box::new(state)
}

/// The page's layout in `root`, each panel built in its place.
fn layout(root: &Element, lab: Lab) -> Vec<Box<dyn Any>> {
    let head = html(root, "header", &[("class", "masthead")]);
    let brand = html(
        &head,
        "a",
        &[
            ("class", "brand"),
            ("href", "#"),
            ("title", "Every scenario"),
        ],
    );
    html(
        &brand,
        "span",
        &[("class", "logo"), ("aria-hidden", "true")],
    );
    let _ = brand.append_with_str_1("Resilience Lab");
    html(&head, "div", &[("class", "picker"), ("id", "lab-picker")]);
    html(
        &head,
        "div",
        &[("class", "buttons tools"), ("id", "lab-tools")],
    );
    // The embedded view's title and its way out (`transport.rs`).
    html(
        &head,
        "p",
        &[("class", "embed-title"), ("id", "lab-embed-title")],
    );
    let open_full = html(
        &head,
        "a",
        &[
            ("class", "open-full"),
            ("id", "lab-open-full"),
            ("href", "./"),
            ("target", "_blank"),
            ("rel", "noopener"),
        ],
    );
    open_full.set_text_content(Some("Open in the lab ↗"));
    html(root, "div", &[("id", "lab-problems-slot")]);
    // The bare address: the catalogue as cards (`landing.rs`).
    html(
        root,
        "div",
        &[
            ("class", "landing"),
            ("id", "lab-landing"),
            ("role", "region"),
            ("aria-labelledby", "landing-h"),
        ],
    );
    let main = html(root, "main", &[("class", "layout")]);
    let side = html(&main, "div", &[("class", "side")]);
    let section = |parent: &Element, attrs: &[(&str, &str)]| html(parent, "section", attrs);
    transport::build(
        &section(
            &side,
            &[("class", "transport"), ("aria-label", "Run controls")],
        ),
        lab,
    );
    // The tour's card, built and written with the transport.
    section(
        &side,
        &[
            ("id", "lab-guide"),
            ("class", "guide-card"),
            ("aria-labelledby", "lab-guide-h"),
        ],
    );
    controls::build(
        &section(
            &side,
            &[("class", "controls"), ("aria-labelledby", "controls-h")],
        ),
        lab,
    );
    let share = share::build(
        &section(&side, &[("class", "share"), ("aria-labelledby", "share-h")]),
        lab,
    );
    let stage = html(&main, "div", &[("class", "stage")]);
    section(
        &stage,
        &[
            ("class", "story"),
            ("id", "lab-story"),
            ("aria-labelledby", "story-h"),
        ],
    );
    let kept = vec![
        Box::new(share) as Box<dyn Any>,
        mount(&stage, Headline()),
        mount(&stage, Charts()),
    ];
    topology::build(
        &section(
            &stage,
            &[("class", "topology"), ("aria-labelledby", "topology-h")],
        ),
        lab,
    );
    log::build(
        &section(&stage, &[("class", "log"), ("aria-labelledby", "log-h")]),
        lab,
    );
    let foot = html(root, "footer", &[("class", "footer")]);
    html(
        &foot,
        "p",
        &[
            ("class", "perf muted"),
            ("id", "lab-perf"),
            ("aria-hidden", "true"),
        ],
    );
    html(&foot, "p", &[]).set_text_content(Some(
        "Everything runs in this page: the simulation, the charts, the links. Nothing is sent anywhere.",
    ));
    kept
}
