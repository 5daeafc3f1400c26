//! The page: state at the top ([`Lab`]), the frame loop, the keyboard
//! ([`keys`]), presenter mode, and the layout of the panels.
//!
//! The layout is a small Leptos view whose directives build the rest with
//! plain DOM calls (`dom`), each panel into its place; the headline and the
//! charts are its children, components of one section each whose directives
//! build them the same way. As one
//! `view!` tree of components, the skeleton alone was the biggest function of
//! the page's wasm.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::Element;

use super::charts::Charts;
use super::dom::{html, listen_window, Listener};
use super::driver;
use super::headline::Headline;
use super::keys;
use super::lab::Lab;
use super::share;
use super::{compare, controls, log, topology, transport};

// Headings the view names by expression: the view macro makes an element
// whose attributes are all literals static HTML, and drops its directive.
const TOPOLOGY_H: &str = "topology-h";
const LOG_H: &str = "log-h";

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

    // The layout is built in place by directives, in document order (a
    // directive runs before its element's children are added); the headline
    // and the charts are the view's own children, so their states live with
    // the view, outside the reactive owner they hold on to.
    let listeners = StoredValue::new_local(Vec::<Listener>::new());
    let top = move |root: Element| masthead(&root);
    let side = move |main: Element| listeners.set_value(side(&main, lab));
    let story = move |stage: Element| {
        section(
            &stage,
            &[
                ("class", "story"),
                ("id", "lab-story"),
                ("aria-labelledby", "story-h"),
            ],
        );
    };
    let topology_panel = move |el: Element| topology::build(&el, lab);
    let log_panel = move |el: Element| log::build(&el, lab);
    view! {
        <div class="lab-app" use:top>
            <main class="layout" use:side>
                <div class="stage" use:story>
                    <Headline />
                    <Charts />
                    <section class="topology" aria-labelledby=TOPOLOGY_H use:topology_panel></section>
                    <section class="log" aria-labelledby=LOG_H use:log_panel></section>
                </div>
            </main>
            <footer class="footer">
                <p class="perf muted" id="lab-perf" aria-hidden="true"></p>
                <p>"Everything runs in this page: the simulation, the charts, the links. Nothing is sent anywhere."</p>
            </footer>
        </div>
    }
}

fn section(parent: &Element, attrs: &[(&str, &str)]) -> Element {
    html(parent, "section", attrs)
}

/// The masthead, a link's problems and the landing page's place, at the
/// top of `root`.
fn masthead(root: &Element) {
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
}

/// The side column at the start of `main`, each panel built in its place;
/// gives the share panel's listeners.
fn side(main: &Element, lab: Lab) -> Vec<Listener> {
    let side = html(main, "div", &[("class", "side")]);
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
    compare::build(
        &section(
            &side,
            &[
                ("class", "compare"),
                ("id", "lab-compare"),
                ("aria-labelledby", "compare-h"),
            ],
        ),
        lab,
    );
    share::build(
        &section(&side, &[("class", "share"), ("aria-labelledby", "share-h")]),
        lab,
    )
}
