#!/usr/bin/env bash
# Install whatever is missing, build the lab and serve it on http://127.0.0.1:8080
# (Trunk rebuilds on change; reload the page to see it: live reload is inline
# script, which the page's Content-Security-Policy refuses). Stop with Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/setup.sh
echo "serve: building the page and serving it on http://127.0.0.1:8080"
exec trunk serve --release
