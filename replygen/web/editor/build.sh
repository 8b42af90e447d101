#!/usr/bin/env bash
# Rebuilds replygen/web/static/editor.js (CodeMirror 6, bundled with esbuild) from src/editor.js and the versions
# pinned in package-lock.json. Needs Node.js and the npm registry; the result is committed, so neither is needed
# to run replygen.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm run build
