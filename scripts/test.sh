#!/usr/bin/env bash
# One command: set everything up (including what the tests use), then run the linter and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check replygen tests
.venv/bin/python -m pytest "$@"
