#!/usr/bin/env bash
# Set up (once) and start the dashboard on the embedded default database (built on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -r requirements.txt
[ -f data/par.duckdb ] || .venv/bin/python -m par_dashboard build
exec .venv/bin/python -m par_dashboard serve "$@"
