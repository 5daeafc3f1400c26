// Starts the lab: loads the wasm-bindgen glue and the wasm that Trunk built.
// A file of its own rather than the inline script Trunk writes by default, so
// that the page's Content-Security-Policy (index.html) allows no inline script
// at all. Trunk.toml's `pattern_script` puts the built files' names on the
// <script> tag that loads this module.
const tag = document.querySelector('script[data-lab-wasm]');
const { default: init } = await import(tag.dataset.labJs);
await init({ module_or_path: tag.dataset.labWasm });
