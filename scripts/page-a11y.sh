#!/usr/bin/env bash
# Accessibility of the built page: serve the page Trunk built (dist/) on
# 127.0.0.1 and, in headless Chromium, run axe-core (WCAG 2.0/2.1 A and AA
# rules) on every scenario, light and dark, after it has played a few seconds;
# check that a slider moves one unit per arrow key, and that with
# `prefers-reduced-motion: reduce` nothing on the page moves by itself
# (scripts/page-a11y.mjs). Prints `test result: ...` for scripts/test.sh.
#
#   scripts/page-a11y.sh             build with Trunk (release), then check
#   scripts/page-a11y.sh --no-build  check dist/ as it is
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node,
# python3; playwright-core and axe-core are installed into .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/dist-page.sh
dist_page page-a11y "$@"
node_checks page-a11y 1200
