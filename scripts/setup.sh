#!/usr/bin/env bash
# Install what the lab needs and is missing; every step first checks what is there,
# so a second run takes about a second.
#   scripts/setup.sh            toolchain for building and serving the page
#   scripts/setup.sh --browser  also Chromium + ChromeDriver for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14      # newest Trunk that builds on rustc 1.95 (0.22 needs 1.96)
BINARYEN_VERSION=132.0.0   # wasm-opt 132; Debian's binaryen (108) builds a blank page
want_browser=0
for a in "$@"; do
  case "$a" in
    --browser) want_browser=1 ;;
    *) echo "setup: unknown option '$a' (allowed: --browser)" >&2; exit 2 ;;
  esac
done

say() { printf 'setup: %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# 1. The wasm target.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. Trunk, at a version this toolchain can build.
if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 5 minutes on 2 cores)"
  cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# 3. wasm-bindgen-cli at exactly the version Cargo.lock pins (the page will not load
#    otherwise). Built without --locked: its own lockfile asks for crates the
#    registry mirror lacks.
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
if [ -z "$wb_version" ]; then echo "setup: Cargo.lock pins no wasm-bindgen" >&2; exit 1; fi
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# 4. wasm-opt from npm; never Debian's binaryen package.
if dpkg -s binaryen >/dev/null 2>&1; then
  say "removing Debian's binaryen (its wasm-opt 108 produces a blank page)"
  apt-get remove -y binaryen >/dev/null
fi
if ! wasm-opt --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
  say "installing wasm-opt (binaryen $BINARYEN_VERSION from npm)"
  npm install -g --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null
fi

# 5. Chromium and its driver, for the browser tests and page checks.
if [ "$want_browser" = 1 ]; then
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing chromium and chromium-driver"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
fi

# 6. Every crate, so that the offline Trunk build never needs the network.
cargo fetch --quiet
say "ready"
