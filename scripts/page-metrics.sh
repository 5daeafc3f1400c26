#!/usr/bin/env bash
# Measure the page as a person's browser runs it: wasm size (raw and gzip), time
# from navigation to the first drawn chart, and frame times per scenario at its
# default speed, in headless Chromium. Saves a screenshot per scenario in
# target/screenshots/ (ID.png at 1280×900, full page; ID-phone.png at 375×812).
#
#   scripts/page-metrics.sh             build with Trunk (release), then measure
#   scripts/page-metrics.sh --no-build  measure dist/ as it is
#   SECONDS_PER_SCENARIO=5 scripts/page-metrics.sh
#   SCENARIOS=memory-leak,tv-spike scripts/page-metrics.sh --no-build   only those
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node;
# playwright-core is installed into .tools/ (git-ignored) on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

. scripts/dist-page.sh
dist_page page-metrics "$@"

mkdir -p target/screenshots
CHROMIUM="$chromium" BASE_URL="http://127.0.0.1:$port/" \
  node scripts/page-metrics.mjs
