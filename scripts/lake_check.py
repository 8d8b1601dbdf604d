"""The local check of docs/SCALING.md (not a test): Parquet export, the same queries over it, and read-only
replicas sharing one database file.

    .venv/bin/python scripts/lake_check.py [--db PATH] [--replicas 3]

1. exports the database to Parquet partitioned by year and province (par_dashboard.store.lake.export);
2. runs every query in queries/ on the file and on the Parquet files, compares the results, times both;
3. starts N processes that open the same database file read-only (as app replicas do) and run every query at
   the same time, and reports their times.
Prints a table and writes artifacts/bench/lake.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _replica(path: str) -> float:
    from par_dashboard.store import lake
    from par_dashboard.store.db import QUERIES_DIR, Database, query_text

    db = Database(Path(path), read_only=True)  # as the dashboard opens it: also a file built before the shared macros
    start = time.perf_counter()
    with db.cursor() as con:
        for query in sorted(QUERIES_DIR.glob("*.sql")):
            sql = query_text(query.stem)
            con.execute(sql, lake._params(sql)).fetchall()
    db.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--replicas", type=int, default=3)
    args = parser.parse_args()

    from par_dashboard.paths import DEFAULT_DB
    from par_dashboard.store import lake

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "par.duckdb"
        if args.db is None:
            shutil.copyfile(DEFAULT_DB, db)
        out = Path(tmp) / "lake"
        t0 = time.perf_counter()
        files = lake.export(db, out)
        export_s = time.perf_counter() - t0
        size_db = db.stat().st_size
        size_lake = sum(p.stat().st_size for p in out.rglob("*.parquet"))
        result = lake.compare(db, out)
        with multiprocessing.get_context("spawn").Pool(args.replicas) as pool:
            t0 = time.perf_counter()
            replica_s = pool.map(_replica, [str(db)] * args.replicas)
            wall = time.perf_counter() - t0
    summary = {"export_s": round(export_s, 2), "files": sum(files.values()), "db_mb": round(size_db / 1e6, 1),
               "parquet_mb": round(size_lake / 1e6, 1), "queries": len(result), "equal": int(result.equal.sum()),
               "file_ms_total": round(result.file_ms.sum()), "parquet_ms_total": round(result.lake_ms.sum()),
               "replicas": args.replicas, "replica_s": [round(s, 2) for s in replica_s], "replicas_wall_s": round(wall, 2),
               "per_query": result.to_dict("records")}
    out_file = ROOT / "artifacts" / "bench" / "lake.json"
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"export: {summary['files']} Parquet files, {summary['parquet_mb']} MB (database file {summary['db_mb']} MB), "
          f"{summary['export_s']} s")
    print(f"queries equal on both: {summary['equal']}/{summary['queries']}; all queries once: file "
          f"{summary['file_ms_total']} ms, Parquet {summary['parquet_ms_total']} ms")
    print(f"{args.replicas} read-only replicas on one file, all queries each, at once: "
          f"{summary['replica_s']} s (wall {summary['replicas_wall_s']} s)")
    print(f"written to {out_file.relative_to(ROOT)}")
    if summary["equal"] != summary["queries"]:
        print(result[~result.equal].to_string())
        sys.exit(1)


if __name__ == "__main__":
    main()
