#!/usr/bin/env bash
# The benchmark suite on a fresh machine: set up as the tests do (Debian's chromium and haproxy, the venv), build the
# database once, run the suite: ours against the floor app (Streamlit alone), alternately, in the same run.
#   bash scripts/bench.sh                    # the default database (~40 min; --quick: ~20 min, a first look)
#   SCALE=1 bash scripts/bench.sh            # scale 1 (built once, ~30 s, 420 MB), its build timed too
#   SCALE=10 bash scripts/bench.sh --browser-pages rankings,map   # scale 10 (its build: ~4 min, 2,2 GB)
# Further arguments go to scripts/bench_suite.py (--help). Not part of the tests: the figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup_dev.sh
mkdir -p artifacts/bench
if [ -z "${SCALE:-}" ]; then
  DB=artifacts/bench/default.duckdb LABEL=default
  [ -f "$DB" ] || .venv/bin/python -m par_dashboard build --db "$DB"
else
  DB=artifacts/bench/scale${SCALE}.duckdb LABEL=scale${SCALE}
  [ -f "$DB" ] || .venv/bin/python -m bench.scale --db "$DB" --scale "$SCALE"
fi
BUILD=()
[ "${SCALE:-}" = 1 ] && BUILD=(--build-scale 1)  # a second build into a temp dir, timed
exec .venv/bin/python scripts/bench_suite.py --db "$DB" --label "$LABEL" "${BUILD[@]}" "$@"
