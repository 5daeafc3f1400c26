#!/usr/bin/env bash
# Nothing leaves the page: serve the page Trunk built (dist/) on 127.0.0.1 and,
# in headless Chromium, open and run every scenario, failing on any request to
# another origin, any console error and any Content-Security-Policy violation;
# then check that the policy refuses a fetch elsewhere and inline script
# (scripts/page-origin.mjs). Prints `test result: ...` for scripts/test.sh.
#
#   scripts/page-origin.sh             build with Trunk (release), then check
#   scripts/page-origin.sh --no-build  check dist/ as it is
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node,
# python3; playwright-core and axe-core are installed into .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/dist-page.sh
dist_page page-origin "$@"
node_checks page-origin 900
