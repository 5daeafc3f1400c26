//! The page: state at the top ([`Lab`]), the frame loop, the keyboard
//! ([`keys`]), presenter mode, and the layout of the panels.

use leptos::prelude::*;
use send_wrapper::SendWrapper;

use super::charts;
use super::compare::Compare;
use super::controls::Controls;
use super::driver;
use super::headline::Headline;
use super::keys;
use super::lab::Lab;
use super::log::EventLog;
use super::share::{self, Share};
use super::topology::Topology;
use super::transport::Transport;

#[component]
pub fn App() -> impl IntoView {
    let fragment = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let lab = Lab::new(&fragment);
    provide_context(lab);

    let stop_loop = SendWrapper::new(driver::start(lab));
    let stop_sync = share::sync_fragment(lab);
    let keys = window_event_listener(leptos::ev::keydown, move |e| keys::on_key(lab, &e));
    on_cleanup(move || {
        stop_loop.take()();
        stop_sync();
        keys.remove();
        keys::presenting(false);
        keys::root_class("embedded", false);
        keys::root_class("landing-page", false);
    });

    view! {
        <div class="lab-app">
            <header class="masthead">
                <a class="brand" href="#" title="Every scenario">
                    <span class="logo" aria-hidden="true"></span>
                    "Resilience Lab"
                </a>
                <div class="picker" id="lab-picker"></div>
                <div class="buttons tools" id="lab-tools"></div>
                // The embedded view's title and its way out (`transport.rs`).
                <p class="embed-title" id="lab-embed-title"></p>
                <a class="open-full" id="lab-open-full" href="./" target="_blank" rel="noopener">
                    "Open in the lab ↗"
                </a>
            </header>
            <div id="lab-problems-slot"></div>
            // The bare address: the catalogue as cards (`landing.rs`).
            <div class="landing" id="lab-landing" role="region" aria-labelledby="landing-h"></div>
            <main class="layout">
                <div class="side">
                    <Transport />
                    // The tour's card, built and written with the transport.
                    <section id="lab-guide" class="guide-card" aria-labelledby="lab-guide-h"></section>
                    <Controls />
                    <Compare />
                    <Share />
                </div>
                <div class="stage">
                    <section class="story" id="lab-story" aria-labelledby="story-h"></section>
                    <Headline />
                    <charts::Charts />
                    <Topology />
                    <EventLog />
                </div>
            </main>
            <footer class="footer">
                <p class="perf muted" id="lab-perf" aria-hidden="true"></p>
                <p>"Everything runs in this page: the simulation, the charts, the links. Nothing is sent anywhere."</p>
            </footer>
        </div>
    }
}
