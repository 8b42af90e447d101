#!/usr/bin/env bash
# One command: set everything up, then render every reply in content/ into output/ (DOCX and PDF).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/replygen fonts
.venv/bin/replygen render content/ -o output/ "$@"
