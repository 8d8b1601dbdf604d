"""The "real data only" view of a database: a copy of it without one synthetic row, made once per data version.

Every page, deck and download reads through the query files, and every fact row names its source; so rather than
teach ~40 queries a filter (and risk one that forgets it), the switch points the queries at a copy of the database
from which every row of a `synthetic_demo` source is left out, with what hangs on such a row (the units an omitted
inspection visited, its findings and their follow-up). Ranks, averages, changes and counts are then computed
from the real rows alone, by the same SQL. A kept row's reference to an omitted one (an imported value naming a
demo inspection, a published score whose rank came from a demo source) is emptied in the copy.

The copy is made with the product's own schema and macros (schema.sql, macros.sql), so its constraints hold, in a
folder of its own (a served database's folder may be read-only), under a name that carries the primary's path and
data version: a new version is a new file, made on first use; older files of the same database are removed.
A copy is written to a temporary name and renamed: two processes making it at once both end with a whole file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from pathlib import Path

import duckdb

from par_dashboard.paths import SCHEMA_FILE
from par_dashboard.store import fact_table, schema
from par_dashboard.store.db import Database

DEMO = "synthetic_demo"

# Each table: the rows of it that are real, in an order where a row's parents come first. (The SQL built here is
# made of this module's own names and words only: no value from outside reaches it.)
_REAL = f"source_id IN (SELECT source_id FROM source WHERE kind <> '{DEMO}')"  # noqa: S608
_REAL_INSPECTION = f"inspection_id IN (SELECT inspection_id FROM inspection WHERE {_REAL})"  # noqa: S608
_REAL_FINDING = f"finding_id IN (SELECT finding_id FROM finding WHERE {_REAL} AND {_REAL_INSPECTION})"  # noqa: S608
_KEEP: dict[str, str] = {
    "source": "TRUE",  # every source stays listed (a title is no row of data)
    "admin_structure": "TRUE", "admin_unit": "TRUE", "unit_crosswalk": "TRUE", "par_area": "TRUE",
    "index_family": "TRUE", "indicator": "TRUE", "unit_region": "TRUE",
    "target": _REAL, "inspection_plan": _REAL, "inspection": _REAL,
    "inspection_unit": _REAL_INSPECTION,
    "finding": f"{_REAL} AND {_REAL_INSPECTION}",
    "finding_followup": f"{_REAL} AND {_REAL_FINDING}",
    "indicator_value": _REAL, "score": _REAL, "rank_group": _REAL, "published_aggregate": _REAL, "published_fact": _REAL,
    "import_batch": "TRUE", "import_change": "TRUE", "data_version": "TRUE",  # provenance of imported rows; the version
}
# A kept row's reference to an omitted row: empty in the copy (the foreign key would refuse the row otherwise).
_CUT: dict[str, tuple[str, str]] = {
    "inspection": ("plan_id", f"plan_id IN (SELECT plan_id FROM inspection_plan WHERE {_REAL})"),  # noqa: S608
    "finding": ("follows_up_id", _REAL_FINDING.replace("finding_id IN", "follows_up_id IN", 1)),
    "indicator_value": ("inspection_id", _REAL_INSPECTION),
    "score": ("rank_source_id", _REAL.replace("source_id IN", "rank_source_id IN", 1)),
}

# Tables that refer to themselves: their key and the columns naming another row of theirs.
_SELF = {"admin_unit": ("unit_id", ("parent_id", "province_id")), "finding": ("finding_id", ("follows_up_id",))}

_lock = threading.Lock()
_open: dict[Path, Database] = {}


def folder() -> Path:
    return Path(os.environ.get("PAR_REAL_ONLY_DIR") or Path(tempfile.gettempdir()) / "par-dashboard-real-only")


def copy_path(primary: Path, version: int) -> Path:
    key = hashlib.sha256(str(Path(primary).resolve()).encode("utf-8")).hexdigest()[:16]
    return folder() / f"{key}-v{version}.duckdb"


def database(d: Database, version: int) -> Database:
    """The real-only copy of `d` at data `version` (what a run read it at), opened read-only; made on first use (a
    few seconds). A run that asks for a version older than `d` now holds gets the copy of what `d` holds (the next
    run asks for that version anyway). Copies of older versions are removed; one still being read by another
    session stays readable until that session lets go of it (an unlinked file stays open on Linux), never closed
    under it."""
    with _lock:
        path = copy_path(d.path, version)
        if path in _open:
            return _open[path]
        made = path if path.exists() else make(d)
        stem = made.name.rsplit("-v", 1)[0]
        newest = int(made.name.rsplit("-v", 1)[1].removesuffix(".duckdb"))
        for old in made.parent.glob(f"{stem}-v*.duckdb"):
            if int(old.name.rsplit("-v", 1)[1].removesuffix(".duckdb")) < newest:
                _open.pop(old, None)
                with contextlib.suppress(OSError):
                    old.unlink()
        _open.setdefault(made, Database(made, read_only=True))
        _open[path] = _open[made]
        return _open[path]


def make(d: Database) -> Path:
    """Write the real-only copy of what `d` holds now (its file, or the published snapshot) and return its path (named
    after the data version it holds). The rows are read through `d`'s own cursor (a read-only connection cannot write
    to a file it attaches) and written by a connection of the new file's own."""
    folder().mkdir(parents=True, exist_ok=True)
    tmp = folder() / f"{copy_path(d.path, 0).name}.{os.getpid()}.{threading.get_ident()}.tmp"
    tmp.unlink(missing_ok=True)
    out = duckdb.connect(str(tmp))
    try:
        out.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        out.execute(schema.macros_sql())
        with d.cursor() as cur:
            for table, keep in _KEEP.items():
                columns = "*"
                if table in _CUT:
                    column, kept = _CUT[table]
                    columns = f"* REPLACE (CASE WHEN {kept} THEN {column} END AS {column})"
                rows = cur.sql(f"SELECT {columns} FROM {table} WHERE {keep}").to_arrow_table()  # noqa: S608 - our names
                out.register("incoming", rows)
                if table in _SELF:  # DuckDB checks a foreign key against the rows stored before the statement
                    key, refs = _SELF[table]
                    ready = " AND ".join(f"({r} IS NULL OR {r} IN (SELECT {key} FROM {table}))" for r in refs)  # noqa: S608
                    while out.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming WHERE {key} NOT IN "  # noqa: S608
                                      f"(SELECT {key} FROM {table}) AND {ready}").fetchone()[0]:
                        pass  # parents first: each pass adds the rows whose parents are in
                else:
                    out.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")  # noqa: S608
                out.unregister("incoming")
        fact_table.refresh(out)  # of the real rows only (store/fact_table.py)
        version = out.execute("SELECT max(version) FROM data_version").fetchone()[0]
        out.execute("CHECKPOINT")
    finally:
        out.close()
    path = copy_path(d.path, version)
    os.replace(tmp, path)
    return path
