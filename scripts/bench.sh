#!/usr/bin/env bash
# The benchmark suite of issue 7 on a fresh machine: set up as the tests do (scripts/setup_dev.sh), build the
# database of scale $SCALE (default 1: the whole country, 10 years) once into artifacts/bench/, run the suite.
#   bash scripts/bench.sh                    # scale 1, every part, the build timed too (~25 min)
#   SCALE=10 bash scripts/bench.sh --pages rankings,map --reps 5   # scale 10 (its build: ~4 min, 2,2 GB)
# Further arguments go to scripts/bench_suite.py (--help). Not part of the tests: the figures depend on the machine.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup_dev.sh
SCALE=${SCALE:-1}
DB=artifacts/bench/scale${SCALE}.duckdb
mkdir -p artifacts/bench
[ -f "$DB" ] || .venv/bin/python -m bench.scale --db "$DB" --scale "$SCALE"
BUILD=()
[ "$SCALE" = 1 ] && BUILD=(--build-scale 1)  # the budget of 30 s is scale 1's: a second build into a temp dir
exec .venv/bin/python scripts/bench_suite.py --db "$DB" --label "scale${SCALE}" "${BUILD[@]}" "$@"
