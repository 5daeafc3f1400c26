//! The page (wasm only): a Leptos client-side app over the same `scenarios`,
//! `link` and `sim` modules the `lab` command uses.
//!
//! Nothing here names a scenario, a parameter or a series: the picker, the
//! toggles, the charts, the headline and the topology are all generated from
//! the catalogue entry and the world the scenario builds.
//!
//! - [`lab`] — the state: one `Run` plus signals; every action a person takes.
//! - [`driver`] — the frame loop: steps the run inside a frame budget.
//! - [`app`] — the layout and presenter mode; the panels are one file each:
//!   [`picker`], [`transport`], [`guide`] (the tour, a step at a time),
//!   [`controls`], [`headline`], [`topology`] (with [`chaos`], its fault
//!   injection), [`charts`] (drawn by [`plot`] in [`theme`] colours, with
//!   [`chart_text`], each chart's words and table), [`log`], [`share`],
//!   [`problems`], [`compare`] (A/B: a second run beside the first).
//! - [`download`] — the CSV and PNG downloads, from memory.
//! - [`keys`] — the keyboard, full screen, and the list of keys.
//! - [`perf`] — what the page measures about itself (`window.__labPerf`).
//! - [`dom`] — plain DOM building for the panels of many small live parts.
//! - [`crash`] — the panic hook: a panel with the message and the run's link
//!   instead of a frozen page.

pub mod app;
pub mod chaos;
pub mod chart_text;
pub mod charts;
pub mod compare;
pub mod controls;
pub mod crash;
pub mod dom;
pub mod download;
pub mod driver;
pub mod format;
pub mod guide;
pub mod headline;
pub mod keys;
pub mod lab;
pub mod landing;
pub mod log;
pub mod perf;
pub mod picker;
pub mod plot;
pub mod problems;
pub mod share;
pub mod theme;
pub mod topology;
pub mod transport;

/// Mounts the lab on the page's body (the wasm entry point calls this).
pub fn start() {
    crash::install();
    leptos::mount::mount_to_body(app::App);
}

/// Mounts the lab inside `parent`; dropping the result unmounts it and stops
/// its frame loop (the browser tests mount one lab after another).
pub fn mount_into(parent: web_sys::HtmlElement) -> Box<dyn std::any::Any> {
    crash::install();
    Box::new(leptos::mount::mount_to(parent, app::App))
}
