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
# python3; playwright-core is installed into .tools/ on first use.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

build=1
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    *) echo "page-origin: unknown option '$a' (allowed: --no-build)" >&2; exit 2 ;;
  esac
done

if [ "$build" = 1 ]; then
  trunk build --release >/tmp/page-origin-build.log 2>&1 || { tail -30 /tmp/page-origin-build.log; exit 1; }
fi
[ -f dist/index.html ] || { echo "page-origin: no dist/index.html; run without --no-build" >&2; exit 1; }

chromium=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium" ] || { echo "page-origin: no chromium (scripts/setup.sh --browser)" >&2; exit 1; }
scripts/playwright-core.sh

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >/tmp/page-origin-http.log 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done

# A hung browser still ends the run (and test.sh reports it).
CHROMIUM="$chromium" BASE_URL="http://127.0.0.1:$port/" \
  timeout 900 node scripts/page-origin.mjs
