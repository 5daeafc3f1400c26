#!/usr/bin/env bash
# Run every check and every test the lab has, the way CI does:
#   formatting, clippy (native and wasm), native tests (engine, scenarios, links,
#   CLI), the page built by Trunk and checked as served (nothing leaves it; its
#   accessibility; embedded and on phones), and browser tests in headless Chromium.
# Ends with one line totalling every suite: `tests: N passed, N failed`.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Time limits for the browser tests. wasm-bindgen-test-runner's limit covers
# the whole suite, not one test, and its default, 20 s, is far less than the
# suite takes: about 110 s on two busy cores (load 7), most of it running every
# scenario's defaults twice to compare the figures with the native run. 600 s
# leaves room for a badly loaded machine and still ends a hung run. Each wait inside a test has its own limit (tests/browser.rs), so a stuck
# test fails on its own and names what it waited for.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-600}"
# ChromeDriver's start-up (default 5 s) is slow on a loaded machine too.
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT="${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-60}"

scripts/setup.sh --browser || { echo "test: set-up failed"; exit 1; }

passed=0
failed=0
problems=()
log=$(mktemp -d)

# Adds the counts of every `test result:` line in a log to the totals.
count() {
  local p f
  p=$(grep -hoE 'test result: [A-Za-z]+\. [0-9]+ passed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -hE 'test result:' "$1" | grep -oE '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
  passed=$((passed + p))
  failed=$((failed + f))
}

step() { printf '\n== %s\n' "$*"; }

step "format"
cargo fmt --all -- --check || problems+=("cargo fmt --check: run cargo fmt")

step "clippy (native and wasm)"
cargo clippy --quiet --all-targets -- -D warnings || problems+=("clippy (native)")
cargo clippy --quiet --target wasm32-unknown-unknown --lib --bins --tests -- -D warnings || problems+=("clippy (wasm)")

step "native tests"
cargo test --profile native --no-fail-fast 2>&1 | tee "$log/native.txt"
native_rc=${PIPESTATUS[0]}
count "$log/native.txt"
if [ "$native_rc" -ne 0 ] && ! grep -q 'test result: FAILED' "$log/native.txt"; then
  problems+=("native tests did not build or run (exit $native_rc)")
fi

step "page build (trunk)"
page_built=0
if trunk build --release >"$log/trunk.txt" 2>&1; then
  ls -l dist/*.wasm
  page_built=1
else
  cat "$log/trunk.txt"
  problems+=("trunk build failed")
fi

# Runs one check of the page as it ships (dist/, served over HTTP) by its
# script, counts its results, and names a problem if it did not run, ended
# badly, or had no page to check: page_checks SCRIPT WHAT.
page_checks() {
  local script=$1 what=$2 name rc
  name=$(basename "$script" .sh)
  if [ "$page_built" = 1 ]; then
    "$script" --no-build 2>&1 | tee "$log/$name.txt"
    rc=${PIPESTATUS[0]}
    count "$log/$name.txt"
    if ! grep -q 'test result:' "$log/$name.txt"; then
      problems+=("$what did not run (exit $rc)")
    elif [ "$rc" -ne 0 ] && ! grep -q 'test result: FAILED' "$log/$name.txt"; then
      problems+=("$what ended badly (exit $rc)")
    fi
  else
    problems+=("no page built: the $what did not run")
  fi
}

# Every scenario runs with no request to another origin, no console error and
# no CSP violation, and the CSP refuses a fetch elsewhere and inline script.
step "the built page: nothing leaves it (headless Chromium, CSP)"
page_checks scripts/page-origin.sh "page origin checks"

# axe-core finds no WCAG 2.0/2.1 A or AA violation on any scenario in either
# colour scheme, a slider moves one unit per arrow key, and reduced motion is
# respected.
step "the built page: accessibility (axe-core, keys, reduced motion)"
page_checks scripts/page-a11y.sh "page accessibility checks"

# Every scenario embedded (embed=1) at 640×400 and 400×300, and in the full
# lab on phones: what each shows in view with nothing past the edges; the
# ways in and out.
step "the built page: embedded (640×400, 400×300) and on phones (375, 360 px)"
page_checks scripts/page-views.sh "page view checks"

# The page optimised (profile `browser` in Cargo.toml): the debug build runs
# the suite about four times slower.
step "browser tests (headless Chromium)"
if [ -f tests/browser.rs ]; then
  cargo test --target wasm32-unknown-unknown --profile browser --test browser 2>&1 | tee "$log/browser.txt"
  browser_rc=${PIPESTATUS[0]}
  count "$log/browser.txt"
  if [ "$browser_rc" -ne 0 ] && ! grep -q 'test result: FAILED' "$log/browser.txt"; then
    problems+=("browser tests did not build or run (exit $browser_rc)")
  fi
else
  problems+=("tests/browser.rs is missing: the page is not tested")
fi

echo
for p in "${problems[@]}"; do echo "problem: $p"; done
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#problems[@]} -eq 0 ]
