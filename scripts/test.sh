#!/usr/bin/env bash
# Set up (once) and run every test, browser tests included, on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup_dev.sh
.venv/bin/ruff check .
# Two workers (pytest-xdist), tests handed out one by one as workers free up: the browser tests and the long
# imports do not queue behind each other. PYTEST_WORKERS=0 runs everything in this process.
.venv/bin/python -m pytest -n "${PYTEST_WORKERS:-2}" --dist worksteal "$@"
