#!/usr/bin/env bash
# The page's wasm size, as the README's page table gives it: builds the page
# with Trunk (release, as it ships) unless `--no-build`, then prints the wasm's
# size raw and gzipped (`gzip -9`), and fails when the gzipped size is over the
# budget (WASM_GZIP_BUDGET bytes, default 300000). It also fails when the
# page's code formats an f64 with core's float formatting (`{}`, `{:?}`,
# `{:.N}`, `f64::clamp`'s check), about 5 KB gzipped: the page writes numbers
# through `sim::kernel::decimal` and `scenarios::export` instead.
#
#   scripts/wasm-size.sh             build, then measure dist/*.wasm
#   scripts/wasm-size.sh --no-build  measure dist/*.wasm as it is
#
# Needs: trunk, wasm-bindgen-cli and wasm-opt (scripts/setup.sh), gzip.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

build=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    *) echo "wasm-size: unknown option '$a' (allowed: --no-build)" >&2; exit 2 ;;
  esac
done
budget=${WASM_GZIP_BUDGET:-300000}

if [ "$build" = 1 ]; then
  cargo fetch --quiet
  log=$(mktemp)
  trunk build --release >"$log" 2>&1 || { tail -30 "$log"; exit 1; }
  rm -f "$log"
fi
wasm=$(ls dist/*.wasm 2>/dev/null | head -1)
[ -n "$wasm" ] || { echo "wasm-size: no wasm in dist/; run without --no-build" >&2; exit 1; }

raw=$(wc -c <"$wasm")
gz=$(gzip -9 -c "$wasm" | wc -c)
kib() { awk -v b="$1" 'BEGIN { printf "%.0f KiB", b / 1024 }'; }
echo "wasm: $raw bytes raw ($(kib "$raw")), $gz bytes gzip -9 ($(kib "$gz")); budget $budget bytes gzip"
# The wasm as rustc left it, before wasm-opt dropped the names.
named=target/wasm32-unknown-unknown/release/resilience-lab.wasm
if [ -f "$named" ] && grep -aq '7flt2dec' "$named"; then
  echo "wasm-size: the page formats an f64 with core's float formatting (twiggy paths $named shows core::fmt::float's callers); use sim::kernel::decimal or scenarios::export" >&2
  exit 1
fi
if [ "$gz" -gt "$budget" ]; then
  echo "wasm-size: over budget by $((gz - budget)) bytes" >&2
  exit 1
fi
