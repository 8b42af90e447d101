#!/usr/bin/env bash
# One command: set everything up (including what the tests use), then run the linter and the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  if [ "$arg" = "--update-golden" ]; then
    echo "scripts/test.sh 按 CI 的方式运行测试，不接受 --update-golden。" >&2
    echo "更新黄金文件：.venv/bin/python -m pytest tests/test_golden.py --update-golden，检查 git diff 后再运行测试。" >&2
    exit 2
  fi
done
bash scripts/setup.sh --test
.venv/bin/ruff check replygen tests
# two workers, whole test files each (module fixtures stay in one process); the slowest module starts first
.venv/bin/python -m pytest -n "${REPLYGEN_TEST_WORKERS:-2}" --dist loadfile "$@"
