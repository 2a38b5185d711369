#!/usr/bin/env bash
# Set up (idempotent), then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
# the tests also run the dev tools: the SARIF Multitool and the Selenium Grid server (npm), Java
DCAUDIT_DEV_TOOLS=1 bash scripts/setup.sh
# In CI a missing browser is a failure, not a skip.
if [ "${CI:-}" = "true" ]; then export DCAUDIT_REQUIRE_BROWSER=1; fi
.venv/bin/ruff check dcaudit tests benchmarks
.venv/bin/ruff format --check dcaudit tests benchmarks
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
