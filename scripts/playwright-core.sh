#!/usr/bin/env bash
# Installs playwright-core (the browser driver only, no browser download) into
# .tools/ (git-ignored) unless it is there at the pinned version. The page
# scripts drive the system Chromium with it (scripts/setup.sh --browser).
set -euo pipefail
cd "$(dirname "$0")/.."
PLAYWRIGHT_VERSION=1.57.0
have=$(node -p "require('./.tools/node_modules/playwright-core/package.json').version" 2>/dev/null || true)
if [ "$have" != "$PLAYWRIGHT_VERSION" ]; then
  mkdir -p .tools
  [ -f .tools/package.json ] || echo '{"private":true}' > .tools/package.json
  (cd .tools && npm install --no-audit --no-fund --silent "playwright-core@$PLAYWRIGHT_VERSION")
fi
