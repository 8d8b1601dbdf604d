"""`indicator_fact`, stored: every measured value in one shape (schema.sql's `indicator_fact_live` is its definition).

The map, the indicator page and the profiles read it in nearly every query. Computed at each query, its
de-duplication over every value (a window over ~240 000 rows on the default database) was 10-20 ms of each of
them (docs/SCALING.md §0e). Stored, it is written again:

- in the transaction of every write (`Database._transaction`), after the write's data version, so a reader sees
  the facts of the data it reads or of none: a write and its facts commit together or not at all. Only the years
  whose values changed are written again (a sum of row hashes per year tells which);
- by the build and by the real-only copy, which write their files without a `Database`.

`indicator_fact_made` holds the data version it was written at. A file where that is not the data's version (a
file written by something else) is written again when opened for writing; opened read-only, it is read through the
view instead, on every cursor (`TEMP_VIEW`), so a figure is never older than the data. A file built before the
table existed holds `indicator_fact` as the view itself: opened for writing, it gets the table.
"""

from __future__ import annotations

import contextlib
import re

import duckdb

from par_dashboard.paths import SCHEMA_FILE

TABLE, LIVE, MADE = "indicator_fact", "indicator_fact_live", "indicator_fact_made"

# Seen by the cursor that makes it only, in front of the stored table (a temporary object is found first): on a
# read-only file whose stored facts are older than its data, and in a write's transaction until its end, so that what
# the write reads of them includes what it wrote.
TEMP_VIEW = "CREATE OR REPLACE TEMP VIEW indicator_fact AS SELECT * FROM indicator_fact_live;"

CURRENT, STALE, VIEW, NONE = "current", "stale", "view", "none"


# What the stored facts are made from, as one sum of row hashes per year (the values and scores of the year), and
# one for what every year's rows read (NULL: the sources' kinds, the indicators' families and areas): the columns
# indicator_fact_live reads, nothing else. A few milliseconds on the default database, against ~400 for writing
# every fact again; a write changes one year or two.
_PRINTS = """
SELECT year, sum(h) AS print
FROM (SELECT year, hash(unit_id, family_code, area_code, score, source_id, published_rank, rank_of, note) AS h FROM score
      UNION ALL
      SELECT year, hash(unit_id, indicator_code, period, value, source_id, inspection_id) FROM indicator_value)
GROUP BY year
UNION ALL
SELECT NULL, coalesce((SELECT sum(hash(source_id, kind)) FROM source), 0)
             + coalesce((SELECT sum(hash(indicator_code, family_code, area_code)) FROM indicator), 0)
"""


def refresh(cur: duckdb.DuckDBPyConnection) -> None:
    """Make the stored facts those of the data `cur` sees, stamped with its data version: the years whose inputs
    changed since they were last written (every year when what every year reads changed, or nothing was written
    yet). Call it in the write's own transaction, after its data version is written."""
    cur.execute("DROP VIEW IF EXISTS temp.main.indicator_fact")  # the write's own view of them (Database._transaction)
    now = dict(cur.execute(_PRINTS).fetchall())
    before = dict(cur.execute("SELECT year, print FROM indicator_fact_made").fetchall())
    if not before or now.get(None) != before.get(None):
        cur.execute("DELETE FROM indicator_fact")
        # stored in the order most queries filter by (an indicator, then years): DuckDB skips the row groups outside
        cur.execute("INSERT INTO indicator_fact SELECT * FROM indicator_fact_live ORDER BY indicator_code, year, unit_id")
    else:
        for year in sorted(y for y in now.keys() | before.keys() if y is not None and now.get(y) != before.get(y)):
            # (the view's filter on a partition column of its window: DuckDB computes that year's rows only)
            cur.execute("DELETE FROM indicator_fact WHERE year = $year", {"year": year})
            cur.execute("INSERT INTO indicator_fact SELECT * FROM indicator_fact_live WHERE year = $year"
                        " ORDER BY indicator_code, unit_id", {"year": year})
    cur.execute("DELETE FROM indicator_fact_made")
    cur.executemany("INSERT INTO indicator_fact_made SELECT max(version), $year, $print FROM data_version",
                    [{"year": year, "print": print_} for year, print_ in now.items()])


def state(con: duckdb.DuckDBPyConnection) -> str:
    """CURRENT, STALE (written at another data version than the data's), VIEW (a file built before the table: the
    view is read, always current) or NONE (not a database of ours: nothing to do)."""
    kinds = dict(con.execute("""SELECT table_name, 'table' FROM duckdb_tables()
                                WHERE schema_name = 'main' AND database_name = current_database()
                                  AND table_name IN ('indicator_fact', 'indicator_fact_made', 'data_version')
                                UNION ALL
                                SELECT view_name, 'view' FROM duckdb_views()
                                WHERE schema_name = 'main' AND database_name = current_database()
                                  AND view_name IN ('indicator_fact', 'indicator_fact_live')""").fetchall())
    if kinds.get(TABLE) == "view":
        return VIEW
    if kinds.get(TABLE) != "table" or MADE not in kinds or LIVE not in kinds or "data_version" not in kinds:
        return NONE
    (same,), = con.execute("SELECT (SELECT max(version) FROM indicator_fact_made) "
                           "IS NOT DISTINCT FROM (SELECT max(version) FROM data_version)").fetchall()
    return CURRENT if same else STALE


def _ddl() -> str:
    """schema.sql's statements for the view, the table and its stamp (a file built before them gets them)."""
    text = SCHEMA_FILE.read_text(encoding="utf-8")
    found = re.search(rf"CREATE VIEW {LIVE} AS.*?CREATE TABLE {MADE} \(.*?\);", text, flags=re.S)
    if found is None:  # (schema.sql and this module change together: tests/test_fact_table.py opens an older file)
        raise RuntimeError(f"schema.sql does not define {LIVE} and {MADE}")
    return found.group(0)


def prepare(con: duckdb.DuckDBPyConnection, *, writable: bool) -> bool:
    """Make the stored facts current on `con`'s database: written again (and the table made, in a file built before
    it) when `writable`. True: they are older than the data and the file is read-only, so every cursor must read
    the view instead (TEMP_VIEW)."""
    now = state(con)
    if now in (CURRENT, NONE) or (now == VIEW and not writable):
        return False
    if not writable:
        return True
    if now == VIEW:
        # The table made in a transaction of its own, then filled in another. DuckDB 2.0.0: after one transaction
        # that makes a table with CREATE TABLE ... AS (even WITH NO DATA or LIMIT 0) and inserts more than a row
        # group (122 880 rows) into it, count(*) gives the rows and every scan gives none, until the file is opened
        # again (tests/test_fact_table.py fails so). Between the two transactions the table is empty with no stamp:
        # STALE, which every open handles.
        _in_transaction(con, lambda: (con.execute("DROP VIEW indicator_fact"), con.execute(_ddl())))
    _in_transaction(con, lambda: refresh(con))
    return False


def _in_transaction(con: duckdb.DuckDBPyConnection, work) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("ROLLBACK")
        raise
