#!/usr/bin/env bash
# Speed of the engine compiled to wasm in headless Chromium against the same
# engine native: the M/M/100 queue of bench/run.sh (benches/common/mm100.rs,
# one model for both), natively from `cargo bench --profile native --bench
# queueing`, in the browser from tests/browser_speed.rs built with profile
# `wasm-bench` (the page's own release optimisation: opt-level "z", fat LTO)
# and run by wasm-bindgen-test-runner in headless Chromium, timed by the page's
# clock. The two run interleaved for ROUNDS rounds and each keeps its median;
# prints both rates and their ratio from this one run (absolute rates move with
# the machine's load), and checks that the wasm run served exactly the requests
# of the native one with the same mean wait. Exits non-zero if a run fails or
# the figures differ.
#   bench/wasm.sh                  600 simulated s, 3 rounds
#   SIM_SECONDS=120 ROUNDS=5 bench/wasm.sh
#   WASM_PROFILE=wasm-bench-o3 bench/wasm.sh      the engine at opt-level 3
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

SIM_SECONDS=${SIM_SECONDS:-600}
ROUNDS=${ROUNDS:-3}
# wasm-bench: the page's optimisation; wasm-bench-o3: the engine at opt-level 3.
WASM_PROFILE=${WASM_PROFILE:-wasm-bench}
# wasm-bindgen-test-runner's limits (whole run, ChromeDriver start-up): a
# loaded machine needs more than the defaults (see scripts/test.sh).
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-60}"
# The test reads its horizon when it is compiled.
export BENCH_SECONDS="$SIM_SECONDS"

# (No --quiet when it runs: cargo would hand it on to the test runner.)
wasm=(cargo test --target wasm32-unknown-unknown --profile "$WASM_PROFILE" --test browser_speed)
echo "bench: building the native bench and the wasm test (a first wasm build takes minutes)" >&2
cargo bench --quiet --profile native --bench queueing --no-run
"${wasm[@]}" --quiet --no-run

runs=()
for round in $(seq 1 "$ROUNDS"); do
  echo "bench: round $round/$ROUNDS, native, ${SIM_SECONDS} simulated s" >&2
  runs+=("$(cargo bench --quiet --profile native --bench queueing -- "$SIM_SECONDS")")
  echo "bench: round $round/$ROUNDS, wasm in headless Chromium" >&2
  out=$("${wasm[@]}" -- --nocapture 2>&1) || { echo "$out" >&2; exit 1; }
  line=$(grep -o '{"engine":"resilience-lab (wasm)".*}' <<<"$out" | head -1)
  [ -n "$line" ] || { echo "$out" >&2; echo "bench: the wasm run printed no figures" >&2; exit 1; }
  runs+=("$line")
done

python3 - "$WASM_PROFILE" "${runs[@]}" <<'PY'
import json, sys
profile, runs = sys.argv[1], [json.loads(a) for a in sys.argv[2:]]

def median_run(engine):
    rs = sorted((r for r in runs if r["engine"] == engine), key=lambda r: r["requests_per_s"])
    return rs[len(rs) // 2], [r["requests_per_s"] for r in rs]

native, native_all = median_run("resilience-lab")
wasm, wasm_all = median_run("resilience-lab (wasm)")
print(f"{'engine':<24}{'sim s':>7}{'requests':>12}{'wall s':>9}{'req/wall s':>13}{'mean wait ms':>14}")
for r in (native, wasm):
    print(f"{r['engine']:<24}{r['sim_s']:>7g}{r['requests']:>12}{r['wall_s']:>9.3f}"
          f"{r['requests_per_s']:>13.0f}{r['mean_wait_ms']:>14.4f}")
print(f"(wasm built with profile {profile}; median of {len(native_all)} interleaved rounds; req/wall s per round:"
      f" native {', '.join(f'{x:.0f}' for x in native_all)};"
      f" wasm {', '.join(f'{x:.0f}' for x in wasm_all)})")
print(f"native/wasm, requests per wall second: {native['requests_per_s'] / wasm['requests_per_s']:.2f}x"
      f" (wasm runs at {wasm['requests_per_s'] / native['requests_per_s']:.0%} of native)")
keys = ("sim_s", "requests", "events", "mean_wait_ms")
differ = [k for k in keys if any(r[k] != native[k] for r in runs)]
if differ:
    sys.exit(f"bench: wasm and native runs differ in {', '.join(differ)}")
PY
