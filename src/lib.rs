//! Resilience Lab: simulated microservices to break and mend.
//!
//! - [`sim`] — the deterministic discrete-event engine (no web crate, no scenario).
//! - [`scenarios`] — the catalogue: one module per production story, each a
//!   parameter schema, a narrative and a `build` that assembles a world.
//! - [`link`] — share links: the URL fragment that replays a run exactly.
//! - `ui` (wasm only) — the Leptos page.
//!
//! The `lab` command (`src/bin/lab.rs`) and the page are both thin front ends over
//! the same three modules, so a link gives the same numbers in either.

pub mod cli;
pub mod link;
#[cfg(not(target_arch = "wasm32"))]
pub mod link_fuzz;
pub mod scenarios;
pub mod sim;
#[cfg(target_arch = "wasm32")]
pub mod ui;
