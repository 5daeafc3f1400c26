# Sourced by the page scripts (page-metrics.sh, page-origin.sh, page-a11y.sh,
# page-views.sh): builds the page with Trunk unless `--no-build`, finds
# Chromium, installs playwright-core and axe-core, and serves dist/ on a free
# 127.0.0.1 port until the calling script exits; then runs the script's checks.
#
#   . scripts/dist-page.sh
#   dist_page NAME "$@"      # sets $chromium and $port
#   node_checks NAME LIMIT   # runs scripts/NAME.mjs against it, for at most LIMIT s
#
# Needs: trunk (scripts/setup.sh), chromium (scripts/setup.sh --browser), node,
# python3.

export PATH="$HOME/.cargo/bin:$PATH"

dist_page() {
  local name=$1 build=1 a
  shift
  for a in "$@"; do
    case "$a" in
      --no-build) build=0 ;;
      *) echo "$name: unknown option '$a' (allowed: --no-build)" >&2; exit 2 ;;
    esac
  done

  if [ "$build" = 1 ]; then
    cargo fetch --quiet
    trunk build --release >"/tmp/$name-build.log" 2>&1 || { tail -30 "/tmp/$name-build.log"; exit 1; }
  fi
  { [ -f dist/index.html ] && ls dist/*.wasm >/dev/null 2>&1; } ||
    { echo "$name: no page in dist/; run without --no-build" >&2; exit 1; }

  chromium=$(command -v chromium || command -v chromium-browser || true)
  [ -n "$chromium" ] || { echo "$name: no chromium (scripts/setup.sh --browser)" >&2; exit 1; }
  scripts/playwright-core.sh
  scripts/axe-core.sh

  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >"/tmp/$name-http.log" 2>&1 &
  dist_server=$!
  trap 'kill "$dist_server" 2>/dev/null || true' EXIT
  for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
    sleep 0.1
  done
}

# A hung browser still ends the run (and test.sh reports it).
node_checks() {
  CHROMIUM="$chromium" BASE_URL="http://127.0.0.1:$port/" timeout "$2" node "scripts/$1.mjs"
}
