#!/usr/bin/env bash
# Measure the page as a person's browser runs it: wasm size (raw and gzip), time
# from navigation to the first drawn chart, and frame times per scenario at its
# default speed, in headless Chromium. Saves a screenshot per scenario in
# target/screenshots/ (ID.png at 1280×900, full page; ID-phone.png at 375×812).
#
#   scripts/page-metrics.sh             build with Trunk (release), then measure
#   scripts/page-metrics.sh --no-build  measure dist/ as it is
#   SECONDS_PER_SCENARIO=5 scripts/page-metrics.sh
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node;
# playwright-core is installed into .tools/ (git-ignored) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

build=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    *) echo "page-metrics: unknown option '$a' (allowed: --no-build)" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  cargo fetch --quiet
  trunk build --release >/tmp/page-metrics-build.log 2>&1 || { tail -30 /tmp/page-metrics-build.log; exit 1; }
fi
ls dist/*.wasm >/dev/null 2>&1 || { echo "page-metrics: no dist/*.wasm; run without --no-build" >&2; exit 1; }

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "page-metrics: no chromium (scripts/setup.sh --browser)" >&2; exit 1; }

scripts/playwright-core.sh

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/tmp/page-metrics-http.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done

mkdir -p target/screenshots
CHROMIUM="$chromium" BASE_URL="http://127.0.0.1:$port/" \
  node scripts/page-metrics.mjs
