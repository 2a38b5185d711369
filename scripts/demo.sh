#!/usr/bin/env bash
# Set up (idempotent), then audit the bundled demo council site into reports/demo/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/dcaudit demo --out reports/demo "$@"
