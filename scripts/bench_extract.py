"""Measure report-text extraction time (not a test): the 11 example reports, a 20 kB report and a 1 MB paste.

    .venv/bin/python scripts/bench_extract.py [--repeat 10] [--db PATH]

The 20 kB text is the example reports one after another (what a long provincial report is like); the 1 MB text
is the same repeated up to the extractor's limit. Target: under 2 s for 20 kB on 2 cores. Prints a table and
writes artifacts/bench/extract.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()

    from par_dashboard.extract import MAX_CHARS, extract_text
    from par_dashboard.importing.names import UnitResolver
    from par_dashboard.paths import DEFAULT_DB
    from par_dashboard.store.db import Database
    from tests.browser import shared_dir

    examples = sorted((shared_dir() / "domain" / "examples").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in examples]
    with tempfile.TemporaryDirectory() as tmp:
        path = args.db or Path(tmp) / "par.duckdb"
        if args.db is None:
            shutil.copyfile(DEFAULT_DB, path)
        db = Database(path)
        start = time.perf_counter()
        resolver = UnitResolver.from_db(db)
        resolver_s = time.perf_counter() - start
        joined = "\n\n".join(texts)
        twenty_kb = (joined * (20_000 // len(joined) + 1))[:20_000]
        one_mb = (joined * (MAX_CHARS // len(joined) + 1))[:MAX_CHARS]
        cases = {"examples (each)": texts, "20 kB report": [twenty_kb], "1 MB paste": [one_mb]}
        rows = []
        for name, batch in cases.items():
            times = []
            for _ in range(args.repeat if name != "1 MB paste" else max(1, args.repeat // 5)):
                for text in batch:
                    t0 = time.perf_counter()
                    extract_text(text, resolver=resolver)
                    times.append(time.perf_counter() - t0)
            times.sort()
            rows.append({"case": name, "chars": max(len(t) for t in batch), "n": len(times),
                         "p50_ms": round(statistics.median(times) * 1000, 1),
                         "p95_ms": round(times[int(0.95 * (len(times) - 1))] * 1000, 1)})
        db.close()
    result = {"resolver_load_ms": round(resolver_s * 1000), "target": "20 kB < 2000 ms", "cases": rows}
    out = ROOT / "artifacts" / "bench" / "extract.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"unit resolver load: {resolver_s * 1000:.0f} ms (once per process)")
    print(f"{'case':<18}{'chars':>10}{'n':>5}{'p50':>10}{'p95':>10}")
    for r in rows:
        print(f"{r['case']:<18}{r['chars']:>10,}{r['n']:>5}{r['p50_ms']:>8.1f}ms{r['p95_ms']:>8.1f}ms")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
