//! The engine's speed in the browser: the M/M/100 queue of `benches/queueing.rs`
//! (`benches/common/mm100.rs`) compiled to wasm and run in headless Chromium,
//! timed by the page's clock. Prints one line of JSON in the native bench's
//! shape; `bench/wasm.sh` runs the two interleaved and prints the ratio.
//!
//! Run: `bench/wasm.sh`, or `BENCH_SECONDS=60 cargo test --target
//! wasm32-unknown-unknown --profile wasm-bench --test browser_speed -- --nocapture`
//! (the page's own optimisation; the horizon is read when the test is
//! compiled, default 60 simulated s). Not part of `scripts/test.sh`: a
//! measurement, and its only assertions are that the figures are the model's.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "../benches/common/mm100.rs"]
mod mm100;

#[wasm_bindgen_test]
fn mm100_in_the_browser() {
    let seconds: u64 = option_env!("BENCH_SECONDS").map_or(60, |s| {
        s.parse()
            .expect("BENCH_SECONDS must be a whole number of simulated seconds")
    });
    let clock = web_sys::window()
        .and_then(|w| w.performance())
        .expect("the page has a clock");
    let start = clock.now();
    let run = mm100::run(1, seconds);
    let wall_s = (clock.now() - start) / 1e3;
    console_log!("{}", run.json("resilience-lab (wasm)", wall_s));
    // The figures are the model's: about 9,000 requests a simulated second
    // (Poisson: within five standard deviations), and over a minute or more a
    // mean wait near Erlang C's (bench/wasm.sh also checks that they are the
    // native run's, bit for bit).
    let expected = mm100::ARRIVAL_RPS * seconds as f64;
    let off = (run.requests as f64 - expected).abs();
    assert!(
        off <= 5.0 * expected.sqrt() + mm100::SERVERS as f64,
        "{} requests in {seconds} s, expected about {expected}",
        run.requests
    );
    if seconds >= 60 {
        let gap = run.mean_wait_ms / mm100::ERLANG_C_WAIT_MS - 1.0;
        assert!(
            gap.abs() < 0.10,
            "mean wait {} ms, Erlang C {} ms",
            run.mean_wait_ms,
            mm100::ERLANG_C_WAIT_MS
        );
    }
}
