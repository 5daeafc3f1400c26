//! The page: state at the top ([`Lab`]), the frame loop, the keyboard, and the
//! layout of the panels.

use leptos::prelude::*;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;

use super::charts::Charts;
use super::controls::Controls;
use super::driver;
use super::headline::Headline;
use super::lab::Lab;
use super::log::EventLog;
use super::perf;
use super::picker::{Picker, Story};
use super::problems::Problems;
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
    let keys = window_event_listener(leptos::ev::keydown, move |e| on_key(lab, &e));
    on_cleanup(move || {
        stop_loop.take()();
        stop_sync();
        keys.remove();
    });

    view! {
        <div class="lab-app">
            <header class="masthead">
                <p class="brand"><span class="logo" aria-hidden="true"></span>"Resilience Lab"</p>
                <Picker />
            </header>
            <Problems />
            <main class="layout">
                <div class="side">
                    <Transport />
                    <Controls />
                    <Share />
                </div>
                <div class="stage">
                    <Story />
                    <Headline />
                    <Charts />
                    <Topology />
                    <EventLog />
                </div>
            </main>
            <footer class="footer">
                <PerfReadout />
                <p>"Everything runs in this page: the simulation, the charts, the links. Nothing is sent anywhere."</p>
            </footer>
        </div>
    }
}

/// Space plays or pauses, unless the person is typing or on a control that
/// uses the space bar itself.
fn on_key(lab: Lab, e: &web_sys::KeyboardEvent) {
    if e.key() != " " || e.ctrl_key() || e.meta_key() || e.alt_key() {
        return;
    }
    let busy = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|el| {
            matches!(
                el.tag_name().to_ascii_uppercase().as_str(),
                "INPUT" | "SELECT" | "TEXTAREA" | "BUTTON" | "SUMMARY" | "A" | "OPTION"
            ) || el.closest("[contenteditable]").ok().flatten().is_some()
        });
    if !busy {
        e.prevent_default();
        lab.toggle_play();
    }
}

/// Frame times as the page measures them, for the curious and for projectors
/// that struggle.
#[component]
fn PerfReadout() -> impl IntoView {
    let lab = Lab::from_context();
    let text = move || {
        let _ = lab.pace.get();
        match (lab.playing.get(), perf::quantiles(0.95)) {
            (true, Some((frame, work))) => {
                format!("frame p95 {frame:.1} ms · work p95 {work:.1} ms")
            }
            _ => String::new(),
        }
    };
    view! { <p class="perf muted" aria-hidden="true">{text}</p> }
}
