#!/usr/bin/env bash
# The embedded view (`embed=1`) of the built page: serve the page Trunk built
# (dist/) on 127.0.0.1 and, in headless Chromium, open every scenario embedded
# at 640×400 and 400×300 and check that its charts and controls are in view
# with nothing past the frame's edges, that "Open in the lab" and "Copy embed
# code" lead where they should, and that axe-core finds no violation
# (scripts/page-embed.mjs). Prints `test result: ...` for scripts/test.sh.
#
#   scripts/page-embed.sh             build with Trunk (release), then check
#   scripts/page-embed.sh --no-build  check dist/ as it is
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node,
# python3; playwright-core and axe-core are installed into .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

. scripts/dist-page.sh
dist_page page-embed "$@"
scripts/axe-core.sh

# A hung browser still ends the run (and test.sh reports it).
CHROMIUM="$chromium" BASE_URL="http://127.0.0.1:$port/" \
  timeout 900 node scripts/page-embed.mjs
