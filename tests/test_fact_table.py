"""`indicator_fact` is stored (par_dashboard/store/fact_table.py): whatever is written, and however a write ends, the
stored rows are exactly what its definition (`indicator_fact_live`) gives on the data, and a reader never sees them
older than the data: a file written behind the dashboard's back, or built before the table existed, included."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from par_dashboard.paths import SCHEMA_FILE
from par_dashboard.store import fact_table
from par_dashboard.store.db import Database
from par_dashboard.store.schema import macros_sql

UNITS = ["S63-P-01", "S63-P-02", "S63-P-03"]
SOURCES = {1: "official_publication", 2: "synthetic_demo", 3: "import_batch"}


def _small(path: Path) -> Path:
    """A database of the project's schema with three provinces, one index and one operational indicator."""
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        con.execute(macros_sql())
        con.execute("INSERT INTO admin_structure VALUES ('S63', 'a', 'a', DATE '2004-01-01', NULL, NULL)")
        con.executemany("INSERT INTO source VALUES (?, ?, 't', NULL, NULL, NULL, NULL)", list(SOURCES.items()))
        con.execute("INSERT INTO index_family VALUES ('PAPI', 'PAPI', 'PAPI', 'points', NULL, NULL),"
                    " ('OPS', 'OPS', 'OPS', 'mixed', NULL, NULL)")
        con.execute("INSERT INTO indicator VALUES ('PAPI', 'PAPI', 'TOTAL', 'a', 'a', 'points', 'higher', 'd', 'd', TRUE,"
                    " NULL, NULL), ('OPS_X', 'OPS', NULL, 'x', 'x', '%', 'higher', 'd', 'd', TRUE, NULL, NULL)")
        con.executemany("INSERT INTO admin_unit VALUES (?, 'S63', 'province', ?, ?, ?, 'Tỉnh', NULL, NULL, NULL, NULL,"
                        " ?, DATE '2004-01-01', NULL)", [[u, u[-2:], u, u, u.lower()] for u in UNITS])
        con.execute("INSERT INTO data_version VALUES (1, current_timestamp, 'test')")
        fact_table.refresh(con)
    finally:
        con.close()
    return path


def _rows(con, table: str) -> list[tuple]:
    return sorted(con.execute(f"SELECT * FROM {table}").fetchall(), key=repr)  # noqa: S608 - the test's own names


def _assert_current(con) -> None:
    assert _rows(con, "indicator_fact") == _rows(con, "indicator_fact_live")
    assert fact_table.state(con) == fact_table.CURRENT


# one write: a score, an operational value (of a period), a deletion of either, or a source changing kind
_unit, _year = st.sampled_from(UNITS), st.sampled_from([2023, 2024])
_source = st.sampled_from(sorted(SOURCES))
_value = st.one_of(st.none(), st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)))
_writes = st.one_of(
    st.tuples(st.just("score"), _unit, _year, _value, _source),
    st.tuples(st.just("value"), _unit, _year, st.sampled_from(["Y", "Q1", "to-date"]),
              st.floats(0, 100, allow_nan=False).map(lambda v: round(v, 2)), _source),
    st.tuples(st.just("no score"), _unit, _year),
    st.tuples(st.just("no value"), _unit, _year),
    st.tuples(st.just("kind"), _source, st.sampled_from(sorted(set(SOURCES.values())))),
)
_ends = st.sampled_from(["commit", "refused", "raises"])


def _write(cur, op: tuple) -> None:
    kind, *args = op
    if kind == "score":
        unit, year, value, source = args
        cur.execute("INSERT OR REPLACE INTO score VALUES (?, ?, 'PAPI', 'TOTAL', ?, NULL, NULL, NULL, ?, NULL, NULL)",
                    [unit, year, value, source])
    elif kind == "value":
        unit, year, period, value, source = args
        cur.execute("INSERT OR REPLACE INTO indicator_value VALUES (?, 'OPS_X', ?, ?, ?, NULL, ?)",
                    [unit, year, period, value, source])
    elif kind == "no score":
        cur.execute("DELETE FROM score WHERE unit_id = ? AND year = ?", args)
    elif kind == "no value":
        cur.execute("DELETE FROM indicator_value WHERE unit_id = ? AND year = ?", args)
    else:
        source, new_kind = args
        cur.execute("UPDATE source SET kind = ? WHERE source_id = ?", [new_kind, source])


class _Refused(Exception):
    pass


@given(st.lists(st.tuples(_writes, _ends), min_size=1, max_size=12))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# a year whose every value goes: its stored rows must go too (only the years whose values changed are written again)
@example([(("value", "S63-P-02", 2024, "Q1", 10.0, 3), "commit"), (("no value", "S63-P-02", 2024), "commit")])
def test_after_any_writes_however_they_end_the_stored_facts_are_their_definitions_rows(tmp_path_factory, writes):
    path = _small(tmp_path_factory.mktemp("facts") / "par.duckdb")
    db = Database(path)
    try:
        for op, end in writes:
            with db.cursor() as cur:
                before = _rows(cur, "indicator_fact")
            if end == "commit":
                with db.transaction("test") as cur:
                    _write(cur, op)
                    # what a write reads of them, before its end, includes what it wrote
                    assert _rows(cur, "indicator_fact") == _rows(cur, "indicator_fact_live")
            elif end == "refused":
                db.attempt("test", lambda cur, op=op: (_write(cur, op), False))
            else:
                with pytest.raises(_Refused), db.transaction("test") as cur:
                    _write(cur, op)
                    raise _Refused
            with db.cursor() as cur:
                _assert_current(cur)
                if end != "commit":
                    assert _rows(cur, "indicator_fact") == before
    finally:
        db.close()
    # and a reader of the file (read-only, as the workers read snapshots) reads the same rows without re-making them
    con = duckdb.connect(str(path), read_only=True)
    try:
        _assert_current(con)
    finally:
        con.close()


def _written_behind_the_back(path: Path) -> tuple[str, int, float]:
    """A score changed in the file by another program, with the data version bumped as every writer must: the stored
    facts are now older than the data. Returns the changed unit, year and score."""
    con = duckdb.connect(str(path))
    try:
        unit, year, score = con.execute("""SELECT unit_id, year, score FROM score
                                           WHERE family_code = 'PAR_INDEX' AND area_code = 'TOTAL' AND score IS NOT NULL
                                             AND unit_id LIKE 'S63-P-%' AND year = 2023
                                           ORDER BY unit_id LIMIT 1""").fetchone()
        con.execute("UPDATE score SET score = score + 1 WHERE unit_id = ? AND year = ? AND family_code = 'PAR_INDEX'"
                    " AND area_code = 'TOTAL'", [unit, year])
        con.execute("INSERT INTO data_version SELECT max(version) + 1, current_timestamp, 'other' FROM data_version")
        assert fact_table.state(con) == fact_table.STALE
    finally:
        con.close()
    return unit, year, score + 1


def _map_value(db: Database, unit: str, year: int) -> float:
    df = db.query("map_value_by_unit_year", indicator="PAR_INDEX", level="province", province_ids=[], structure="S63",
                  year=year)
    return float(df.loc[df.unit_id == unit, "value"].iloc[0])


def test_a_file_whose_facts_are_older_than_its_data_is_read_through_the_view_or_written_again(built_db, tmp_path):
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    unit, year, score = _written_behind_the_back(path)
    reader = Database(path, read_only=True)
    try:
        assert _map_value(reader, unit, year) == pytest.approx(score)  # not the stored, older value
        with reader.cursor() as cur:
            assert _rows(cur, "indicator_fact") == _rows(cur, "indicator_fact_live")
    finally:
        reader.close()
    writer = Database(path)  # opened for writing: written again, once
    try:
        assert _map_value(writer, unit, year) == pytest.approx(score)
        with writer.cursor() as cur:
            _assert_current(cur)
    finally:
        writer.close()


def test_a_file_built_before_the_table_reads_the_view_and_gets_the_table_when_opened_for_writing(built_db, tmp_path):
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    con = duckdb.connect(str(path))
    try:  # as files were built before: indicator_fact the view itself
        definition = con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'indicator_fact_live'").fetchone()[0]
        con.execute("DROP TABLE indicator_fact; DROP TABLE indicator_fact_made; DROP VIEW indicator_fact_live")
        con.execute(definition.replace("indicator_fact_live", "indicator_fact", 1))
        assert fact_table.state(con) == fact_table.VIEW
        expected = _rows(con, "indicator_fact")
    finally:
        con.close()
    reader = Database(path, read_only=True)
    try:
        with reader.cursor() as cur:
            assert fact_table.state(cur) == fact_table.VIEW and _rows(cur, "indicator_fact") == expected
        assert len(reader.query("map_value_by_unit_year", indicator="PAR_INDEX", level="province", province_ids=[],
                                structure="S63", year=2023)) == 63
    finally:
        reader.close()
    writer = Database(path)
    try:
        with writer.cursor() as cur:
            _assert_current(cur)
            assert _rows(cur, "indicator_fact") == expected
    finally:
        writer.close()


def test_the_built_database_stores_the_facts_of_its_data(db):
    with db.cursor() as cur:
        _assert_current(cur)
        assert cur.execute("SELECT count(*) FROM indicator_fact").fetchone()[0] > 100_000
