"""Measure the database build and every page's server run time (not a test; prints JSON).

    .venv/bin/python scripts/bench.py [--reruns 14]

Run time is Streamlit's script run through AppTest (server side, no browser): per page, the first run
(cold caches) and reruns after changing the year, p50 and p95, with a province chosen (Lạng Sơn) and for
the whole country.
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
    parser.add_argument("--reruns", type=int, default=14)
    args = parser.parse_args()

    from par_dashboard.building.build import build

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "par.duckdb"
        t0 = time.perf_counter()
        build(db)
        build_s = time.perf_counter() - t0
        os.environ["PAR_DB"] = str(db)
        os.environ["PAR_ANONYMOUS"] = "1"  # the read pages as a viewer without a login (par_dashboard/shell/login.py)

        from streamlit.testing.v1 import AppTest

        pages = {}
        for page in ("rankings", "map", "locality", "indicators", "inspections", "present"):
            for scope, params in (("country", {}), ("province", {"province": "S63-P-20"})):
                at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
                for k, v in params.items():
                    at.query_params[k] = v
                at.run()
                at.switch_page(f"pages/{page}.py")
                t0 = time.perf_counter()
                at.run()
                first_s = time.perf_counter() - t0
                assert not at.exception, at.exception
                years = [2018, 2019, 2020, 2021, 2022, 2023, 2024]
                times = []
                for i in range(args.reruns):
                    at.selectbox(key="_w_year").set_value(years[i % len(years)])
                    t0 = time.perf_counter()
                    at.run()
                    times.append(time.perf_counter() - t0)
                    assert not at.exception, at.exception
                times.sort()
                pages[f"{page}/{scope}"] = {
                    "first_run_ms": round(first_s * 1000),
                    "rerun_p50_ms": round(statistics.median(times) * 1000),
                    "rerun_p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000),
                    "n": len(times),
                }
    result = {
        "build_s": round(build_s, 2),
        "pages": pages,
        "note": "reruns change the year; the first pass over the 7 years is uncached, later ones hit the cache",
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
