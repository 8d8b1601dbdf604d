"""Measure the database build and the rankings page's server rerun time (not a test; prints JSON).

    .venv/bin/python scripts/bench.py [--reruns 30]

Rerun time is Streamlit's script run through AppTest (server side, no browser): the first run (cold caches)
and reruns after changing the year, p50 and p95.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reruns", type=int, default=30)
    args = parser.parse_args()

    from par_dashboard.build import build

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "par.duckdb"
        t0 = time.perf_counter()
        build(db)
        build_s = time.perf_counter() - t0
        os.environ["PAR_DB"] = str(db)

        from streamlit.testing.v1 import AppTest

        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        t0 = time.perf_counter()
        at.run()
        first_s = time.perf_counter() - t0
        assert not at.exception, at.exception
        years = [2018, 2019, 2020, 2021, 2022, 2023, 2024]
        times = []
        for i in range(args.reruns):
            at.selectbox(key="year").set_value(years[i % len(years)])
            t0 = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    times.sort()
    result = {
        "build_s": round(build_s, 2),
        "rankings_first_run_s": round(first_s, 3),
        "rankings_rerun_change_year_ms": {
            "p50": round(statistics.median(times) * 1000, 1),
            "p95": round(times[int(0.95 * (len(times) - 1))] * 1000, 1),
            "n": len(times),
            "note": "first pass over the 7 years is uncached, later ones hit the data-version-keyed cache",
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
