#!/usr/bin/env bash
# Installs axe-core (the accessibility rules engine) into .tools/ (git-ignored)
# unless it is there at the pinned version. scripts/page-a11y.mjs runs it in
# the page.
set -euo pipefail
cd "$(dirname "$0")/.."
AXE_VERSION=4.11.0
have=$(node -p "require('./.tools/node_modules/axe-core/package.json').version" 2>/dev/null || true)
if [ "$have" != "$AXE_VERSION" ]; then
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{"private":true}' > .tools/package.json
  (cd .tools && npm install --no-audit --no-fund --silent "axe-core@$AXE_VERSION")
fi
