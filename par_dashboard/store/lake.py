"""The database as Parquet files partitioned by year and province, and the same `queries/` run over them.

This is the first step past one machine (docs/SCALING.md): the data set becomes plain files that any number of
read-only app replicas, DuckDB on another machine, MotherDuck or a DuckLake catalogue can read; the dashboard's
SQL does not change, because `open_lake` gives every table its name back as a view over the files.

    export(database_file, out_dir)   -> {table: files written}
    open_lake(out_dir)               -> a DuckDB connection where queries/*.sql run unchanged
    compare(database_file, out_dir)  -> every query run on both, results compared
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import duckdb
import pandas as pd

from par_dashboard.paths import SCHEMA_FILE
from par_dashboard.store.db import QUERIES_DIR, Database, query_text
from par_dashboard.store.schema import macros_sql

# Tables partitioned by (year, province): their unit column, whose province (or itself, for a province) is the key.
BY_YEAR_AND_PROVINCE = {"indicator_value": "unit_id", "score": "unit_id", "inspection": "province_id",
                        "target": "province_id", "inspection_plan": "province_id"}
# Sample parameters for every $name the queries use: one realistic value each (Lạng Sơn, Cao Lộc, 2024).
SAMPLE = {"year": 2024, "year_from": 2018, "year_to": 2025, "province_id": "S63-P-20", "unit_id": "S63-D-183",
          "family": "PAR_INDEX", "area": "TOTAL", "indicator": "OPS_ONTIME_PCT", "level": "district", "structure": "S63",
          "provinces": ["S63-P-20"], "units": [], "province_ids": ["S63-P-20"], "unit_ids": ["S63-D-183"],
          "kind": "", "status": "", "q": "cao loc", "limit": 30, "parent_id": "", "inspection_id": "LS-2024-CAOLOC",
          "number": "80/KH-BCĐCCHC", "on_date": dt.date(2024, 6, 17), "period": "Y", "offset": 0, "words": ["hoso"],
          "inspection_ids": ["LS-2024-CAOLOC"], "first_day": dt.date(2024, 6, 1), "last_day": dt.date(2024, 6, 30),
          "finding_id": "LS-2024-CAOLOC-R1", "as_of": dt.date(2024, 12, 31), "source_id": 1}


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                      "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1").fetchall()]


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = 'main' "
                                      "AND table_name = ? ORDER BY ordinal_position", [table]).fetchall()]


def _ident(name: str) -> str:
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        raise ValueError(name)
    return f'"{name}"'


def export(database: Path, out_dir: Path) -> dict[str, int]:
    """Write every table of `database` under `out_dir/<table>/`: partitioned by year and province (hive layout,
    `year=2024/province=S63-P-20/`) where the table has both, else one file. Returns files per table."""
    out_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        written = {}
        for table in _tables(con):
            target = out_dir / table
            columns = ", ".join(f"t.{_ident(c)}" for c in _columns(con, table))
            if table in BY_YEAR_AND_PROVINCE:
                unit = _ident(BY_YEAR_AND_PROVINCE[table])
                # the table's own rows, plus the partition key (dropped again when read: see open_lake)
                sql = (f"COPY (SELECT {columns}, coalesce(u.province_id, u.unit_id) AS province "  # noqa: S608 - identifiers from the catalogue
                       f"FROM {_ident(table)} t LEFT JOIN admin_unit u ON u.unit_id = t.{unit}) "
                       f"TO '{target.as_posix()}' (FORMAT parquet, PARTITION_BY (year, province), OVERWRITE_OR_IGNORE)")
            else:
                target.mkdir(exist_ok=True)
                sql = f"COPY (SELECT {columns} FROM {_ident(table)} t) TO '{(target / 'data.parquet').as_posix()}' (FORMAT parquet)"  # noqa: S608
            con.execute(sql)
            written[table] = sum(1 for _ in target.rglob("*.parquet"))
        return written
    finally:
        con.close()


def open_lake(out_dir: Path, *, tables_from: Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose tables are views over the Parquet files (with their own columns only, the
    partition key left out), and with the schema's views on top, so queries/*.sql run unchanged."""
    con = duckdb.connect()
    for table_dir in sorted(p for p in out_dir.iterdir() if p.is_dir()):
        files = (table_dir / "**" / "*.parquet").as_posix()
        hive = table_dir.name in BY_YEAR_AND_PROVINCE
        # paths of our own export directory and table names checked by _ident: no user value reaches this SQL
        probe = con.execute(f"SELECT * FROM read_parquet('{files}', hive_partitioning = {str(hive).lower()}) LIMIT 0")  # noqa: S608
        columns = [d[0] for d in probe.description if not (hive and d[0] == "province")]
        casts = ", ".join("CAST(year AS INTEGER) AS year" if c == "year" and hive else _ident(c) for c in columns)
        if not hive:  # a one-file table keeps the database's row order: its rowid is the row's place in the file
            casts += ", file_row_number AS rowid"
        con.execute(f"CREATE VIEW {_ident(table_dir.name)} AS SELECT {casts} FROM read_parquet('{files}', "  # noqa: S608
                    f"hive_partitioning = {str(hive).lower()}{'' if hive else ', file_row_number = true'})")
    for view in re.findall(r"(CREATE VIEW .*?;)\s*(?:\n\n|$)", SCHEMA_FILE.read_text(encoding="utf-8"), flags=re.S):
        con.execute(view)
    con.execute(macros_sql())  # the SQL the queries share (store/macros.sql), over the views (in memory: every cursor sees them)
    return con


def _params(sql: str) -> dict:
    return {name: SAMPLE[name] for name in sorted(set(re.findall(r"\$([a-z_]+)", sql)))}


def _canonical(df: pd.DataFrame) -> pd.DataFrame:
    """Rows in a fixed order, values comparable (NaN and None alike, floats to 9 digits)."""
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(9)
    out = out.astype(object).where(out.notna(), None).astype(str)
    return out.sort_values(list(out.columns)).reset_index(drop=True)


def compare(database: Path, out_dir: Path) -> pd.DataFrame:
    """Every query in queries/ on the database file and on the Parquet files, with the sample parameters:
    rows on each side, whether the results are equal, and the time each took."""
    file_db = Database(database, read_only=True)  # as the dashboard opens it: also a file built before the macros
    lake_con = open_lake(out_dir)
    rows = []
    try:
        for path in sorted(QUERIES_DIR.glob("*.sql")):
            sql = query_text(path.stem)
            params = _params(sql)
            t0 = time.perf_counter()
            a = file_db.query(path.stem, **params)
            t1 = time.perf_counter()
            b = lake_con.execute(sql, params).df()
            t2 = time.perf_counter()
            same = list(a.columns) == list(b.columns) and _canonical(a).equals(_canonical(b))
            rows.append({"query": path.stem, "rows": len(a), "rows_lake": len(b), "equal": same,
                         "file_ms": round((t1 - t0) * 1000, 1), "lake_ms": round((t2 - t1) * 1000, 1)})
    finally:
        file_db.close()
        lake_con.close()
    return pd.DataFrame(rows)
