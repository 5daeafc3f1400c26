#!/usr/bin/env bash
# The page's views for small frames, as built (dist/): serve it on 127.0.0.1
# and, in headless Chromium, open every scenario embedded (`embed=1`) at
# 640×400 and 400×300, and in the full lab on phones 375 and 360 px wide;
# check that what each shows is in view with nothing past the edges, that the
# ways in and out lead where they should, and that axe-core finds no
# violation (scripts/page-views.mjs). Prints `test result: ...` for
# scripts/test.sh.
#
#   scripts/page-views.sh             build with Trunk (release), then check
#   scripts/page-views.sh --no-build  check dist/ as it is
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node,
# python3; playwright-core and axe-core are installed into .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/dist-page.sh
dist_page page-views "$@"
node_checks page-views 900
