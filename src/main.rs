//! The page's entry point: mounts the lab (see `resilience_lab::ui`). Built by
//! Trunk for wasm32; natively it is an empty program so `cargo build` stays web-free.

#[cfg(target_arch = "wasm32")]
fn main() {
    resilience_lab::ui::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
