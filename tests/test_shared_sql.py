"""The SQL that queries/*.sql share is written once, as DuckDB macros in par_dashboard/store/macros.sql, and every
database the queries run on has them: a database built now, one built before the macros existed or with an earlier
version of them (opened for writing: written into it; read-only: made for each cursor; published as a snapshot: in
the snapshot), and the lake's (tests/test_lake.py). What each macro means is stated here against pandas."""

import re
import shutil

import duckdb
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from par_dashboard.domain.units import fold
from par_dashboard.paths import MACROS_FILE, QUERIES_DIR
from par_dashboard.store import lake, schema
from par_dashboard.store.db import Database, query_text
from par_dashboard.store.snapshots import Snapshots

QUERIES = sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))


def _sql(text: str) -> str:
    """SQL without its comments (a comment may name what it does not do)."""
    return re.sub(r"--[^\n]*", "", text)


# ---------------------------------------------------------------- each shared step written once

# The shared steps as a query would write them out again: no query file may, and macros.sql does (each pattern takes
# a query's $parameter or a macro's p_parameter).
RESTATED = {
    "an empty list chooses all": r"len\(\s*(\$|p_)\w+\s*\)\s*=\s*0\s+OR\s+list_contains",
    "the inspections that visited one of the chosen units": r"SELECT\s+inspection_id\s+FROM\s+inspection_unit\s+WHERE\s+list_contains",
    "a PAR area, 'TOTAL' = all": r"(\$|p_)area\s*=\s*'TOTAL'\s+OR",
    "a kind or a status, '' = all": r"(\$|p_)(kind|status)\s*=\s*''\s+OR",
    "the peers of a unit": r"level\s*=\s*'province'\s+(OR\s+\w+\.province_id\s*=|THEN\s+\S+\s*\|\|)",
    "text folded for search": r"strip_accents\s*\(",
    "the units of the indicators page's scope": r"=\s*'S34'\s+AND\s+\w+\.structure\s*=\s*'S63'",
    "the units a unit's profile covers": r"parent_id\s*=\s*\w+\.unit_id\s+OR\s+\w+\.province_id\s*=\s*\w+\.unit_id",
}


@pytest.mark.parametrize("step", RESTATED)
def test_no_query_restates_a_shared_step(step):
    pattern = re.compile(RESTATED[step], flags=re.I)
    restating = [name for name in QUERIES if pattern.search(_sql((QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")))]
    assert restating == [], f"{step}: written out in {restating}; call the macro of par_dashboard/store/macros.sql"
    assert pattern.search(_sql(MACROS_FILE.read_text(encoding="utf-8"))), f"{step}: not in macros.sql"


def test_every_macro_is_called_by_a_query_and_queries_stay_queries():
    queries = "\n".join(_sql((QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")) for name in QUERIES)
    macros = _sql(MACROS_FILE.read_text(encoding="utf-8"))
    assert len(schema.macro_names()) == macros.count("CREATE OR REPLACE MACRO") >= 8
    for name in schema.macro_names():
        called = re.compile(rf"\b{name}\s*\(")
        assert called.search(queries) or len(called.findall(macros)) > 1, f"{name} is called nowhere"
        assert not re.search(rf"CREATE\b[^;]*\bMACRO\s+{name}\b", queries, flags=re.I), f"{name} made in a query"


# ---------------------------------------------------------------- a database file built before the macros

def _older(built_db, path, *, earlier: bool) -> None:
    """The built database at `path` as a file built before the macros (every macro dropped), or `earlier`: as an
    earlier version of macros.sql might have left it, with its version mark and an `in_choice` that chooses everything
    whatever the list. The product must neither fail on the first nor give the second's answers."""
    shutil.copyfile(built_db, path)
    con = duckdb.connect(str(path))
    try:
        kinds = dict(con.execute("SELECT function_name, function_type FROM duckdb_functions() "
                                 "WHERE database_name = current_database() AND schema_name = 'main'").fetchall())
        for name in [schema.VERSION_MACRO, *reversed(schema.macro_names())]:  # a macro before the macros it calls
            con.execute(f"DROP MACRO {'TABLE ' if kinds[name] == 'table_macro' else ''}{name}")
        if earlier:
            con.execute("CREATE MACRO in_choice(p_values, p_value) AS true")
            con.execute(f"CREATE MACRO {schema.VERSION_MACRO}() AS 'par-macros 0000000000000000'")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _has_macros(path) -> bool:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return schema.macros_current(con)
    finally:
        con.close()


def _params(name: str) -> dict:
    return lake._params(query_text(name))


def _calls_a_macro(name: str) -> bool:
    return any(re.search(rf"\b{m}\s*\(", _sql(query_text(name))) for m in schema.macro_names())


# The queries that call a macro: the others read tables and views only, so a file with or without the macros, or with
# other ones, gives them the same result by construction.
CALLING = [name for name in QUERIES if _calls_a_macro(name)]


@pytest.fixture(scope="module")
def expected(db) -> dict[str, pd.DataFrame]:
    """The result of each query that calls a macro on the database as built now, with the lake's sample parameters."""
    return {name: db.query(name, **_params(name)) for name in CALLING}


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return list(a.columns) == list(b.columns) and lake._canonical(a).equals(lake._canonical(b))


# The queries whose answers the earlier in_choice would change (the others would fail or not depend on it).
CHOOSING = [name for name in CALLING
            if re.search(r"\b(in_choice|selected_inspections|selected_findings|finding_in_scope)\s*\(", query_text(name))]


@pytest.mark.parametrize("read_only", [True, False], ids=["read-only", "read-write"])
@pytest.mark.parametrize("earlier", [False, True], ids=["none", "earlier-version"])
def test_every_query_that_calls_a_macro_gives_the_same_result_on_a_file_built_before_them(built_db, expected, tmp_path,
                                                                                          read_only, earlier):
    path = tmp_path / "older.duckdb"
    _older(built_db, path, earlier=earlier)
    assert not _has_macros(path)
    older = Database(path, read_only=read_only)
    try:
        assert len(CALLING) >= 16 and len(CHOOSING) >= 8
        differ = [name for name in (CHOOSING if earlier else CALLING)
                  if not _same(older.query(name, **_params(name)), expected[name])]
        with older.cursor() as cur:  # also beyond the query files (exports)
            assert cur.execute("SELECT count(*) FROM selected_inspections(2024, [], [])").fetchone()[0] > 0
    finally:
        older.close()
    assert differ == []
    # read-only: the file is left as it was (made per cursor); read-write: written into it, for good
    assert _has_macros(path) is not read_only


def test_a_snapshot_of_a_file_built_before_the_macros_has_them(built_db, expected, tmp_path):
    """`serve --workers` publishes the primary as it is: its workers open the snapshot read-only."""
    primary = tmp_path / "older.duckdb"
    _older(built_db, primary, earlier=False)
    snapshots = Snapshots(primary, tmp_path / "snapshots")
    with snapshots.writer():
        current = snapshots.publish()
    assert _has_macros(snapshots.folder / current["file"]) and not _has_macros(primary)
    worker = Database(primary, snapshots=snapshots)
    try:
        for name in ("inspection_by_selection", "finding_page_by_selection", "followup_items", "unit_indicator_card"):
            assert _same(worker.query(name, **_params(name)), expected[name]), name
    finally:
        worker.close()


# ---------------------------------------------------------------- what each macro means

def test_fold_text_folds_as_python_does_on_the_data(db):
    """Every name and text of the database folded by the macro as units.fold folds it (the search words are folded in
    Python, the searched columns in SQL: both sides must agree)."""
    with db.cursor() as cur:
        values = cur.execute("""SELECT DISTINCT v FROM (
            SELECT unnest([name, short_name]) AS v FROM admin_unit UNION ALL SELECT team_label FROM inspection
            UNION ALL SELECT text FROM finding UNION ALL SELECT short_vi FROM par_area) WHERE v IS NOT NULL""").df().v
        folded = cur.execute("SELECT v, fold_text(v) AS f FROM (SELECT unnest($v) AS v)", {"v": list(values)}).df()
    assert len(folded) > 10_000
    assert [fold(v) for v in folded.v] == list(folded.f)


# NUL left out: DuckDB's strip_accents stops at a NUL in a text that has accents ('ab\x00ô' -> 'ab'), which Python's
# fold does not; the expression is the one the search always used (moved here, not changed), and no stored text has
# a NUL (imports strip control characters: par_dashboard/security/untrusted.py). Surrogates left out: no UTF-8 text
# holds one (DuckDB refuses the value).
@given(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40))
@settings(max_examples=150, deadline=None)
@example("Đắk Song")
@example("ĐOÀN KIỂM TRA SỐ 346 — Thị xã Ba Đồn, 2024!")
@example("Quý\u0301 Nghị")  # a combining accent after a precomposed letter
@example("")
def test_fold_text_folds_any_text_as_python_does(db, text):
    with db.cursor() as cur:
        assert cur.execute("SELECT fold_text($t)", {"t": text}).fetchone()[0] == fold(text)


@pytest.fixture(scope="module")
def tables(db) -> dict[str, pd.DataFrame]:
    with db.cursor() as cur:
        return {
            "inspection": cur.execute("SELECT inspection_id, year, province_id FROM inspection").df(),
            "visit": cur.execute("SELECT inspection_id, unit_id FROM inspection_unit").df(),
            "finding": cur.execute("SELECT finding_id, inspection_id, unit_id, area_code, kind, status FROM finding").df(),
            "unit": cur.execute("SELECT unit_id, level, structure, parent_id, province_id FROM admin_unit").df(),
        }


@st.composite
def _selections(draw, tables):
    """A year with inspections, some of their provinces, some of the units they visited (often none: no filter), a
    PAR area, kind and status (all, or one; also one that nothing has), and ids that exist nowhere."""
    insp, visit = tables["inspection"], tables["visit"]
    year = draw(st.sampled_from(sorted(insp.year.unique())))
    of_year = insp[insp.year == year]
    provinces = draw(st.lists(st.sampled_from(sorted(of_year.province_id.unique()) + ["S63-P-00"]), max_size=3, unique=True))
    visited = sorted(visit[visit.inspection_id.isin(of_year.inspection_id)].unit_id.unique())
    units = draw(st.lists(st.sampled_from(visited + ["S63-D-000"]), max_size=3, unique=True))
    area = draw(st.sampled_from(["TOTAL", "A1", "A3", "A7", "A9"]))
    kind = draw(st.sampled_from(["", "result", "limitation", "recommendation"]))
    status = draw(st.sampled_from(["", "open", "in_progress", "resolved"]))
    return {"year": int(year), "provinces": provinces, "units": units, "area": area, "kind": kind, "status": status}


def _chosen(values: list, column: pd.Series) -> pd.Series:
    return column.isin(values) if values else pd.Series(True, index=column.index)


def test_the_selection_macros_choose_what_the_inspections_page_says(db, tables):
    """selected_inspections / selected_findings against pandas: the inspections of the year in the provinces that
    visited one of the units (empty lists: no filter), and their findings at one of the units or at none, of the area,
    kind and status. And finding_in_scope, the follow-up page's scope: any year, the finding's own unit."""
    insp, visit, finding = tables["inspection"], tables["visit"], tables["finding"]

    @given(_selections(tables))
    @settings(max_examples=25, deadline=None)
    @example({"year": 2024, "provinces": ["S63-P-20"], "units": ["S63-D-183"], "area": "TOTAL", "kind": "", "status": ""})
    @example({"year": 2024, "provinces": [], "units": [], "area": "A9", "kind": "limitation", "status": "resolved"})
    def check(s):
        chosen = insp[(insp.year == s["year"]) & _chosen(s["provinces"], insp.province_id)]
        if s["units"]:
            chosen = chosen[chosen.inspection_id.isin(visit[visit.unit_id.isin(s["units"])].inspection_id)]
        found = finding[finding.inspection_id.isin(chosen.inspection_id)]
        if s["units"]:
            found = found[found.unit_id.isna() | found.unit_id.isin(s["units"])]
        for column, value, everything in (("area_code", s["area"], "TOTAL"), ("kind", s["kind"], ""), ("status", s["status"], "")):
            if value != everything:
                found = found[found[column] == value]
        scoped = finding.merge(insp[["inspection_id", "province_id"]], on="inspection_id")
        scoped = scoped[_chosen(s["provinces"], scoped.province_id) & _chosen(s["units"], scoped.unit_id)]
        if s["area"] != "TOTAL":
            scoped = scoped[scoped.area_code == s["area"]]
        with db.cursor() as cur:
            got_insp = cur.execute("SELECT inspection_id FROM selected_inspections($year, $provinces, $units)",
                                   {k: s[k] for k in ("year", "provinces", "units")}).df()
            got = cur.execute("SELECT finding_id FROM selected_findings($year, $provinces, $units, $area, $kind, $status)",
                              s).df()
            got_scope = cur.execute("""SELECT f.finding_id FROM finding f JOIN inspection i USING (inspection_id)
                                       WHERE finding_in_scope($provinces, $units, $area, i.province_id, f.unit_id, f.area_code)""",
                                    {k: s[k] for k in ("provinces", "units", "area")}).df()
        assert sorted(got_insp.inspection_id) == sorted(chosen.inspection_id)
        assert sorted(got.finding_id) == sorted(found.finding_id)
        assert sorted(got_scope.finding_id) == sorted(scoped.finding_id)

    check()


def test_unit_peers_are_the_units_a_unit_is_ranked_among(db, tables):
    """Every province of its structure for a province; its level and structure within its province otherwise;
    itself included; nothing for an id that is no unit."""
    units = tables["unit"]
    sample = pd.concat([units[units.level == level].sample(3, random_state=1) for level in sorted(units.level.unique())])
    with db.cursor() as cur:
        for unit in [*sample.itertuples(), None]:
            uid = unit.unit_id if unit is not None else "S63-X-0"
            got = sorted(cur.execute("SELECT unit_id FROM unit_peers($u)", {"u": uid}).df().unit_id)
            if unit is None:
                assert got == []
                continue
            same = units[(units.level == unit.level) & (units.structure == unit.structure)]
            if unit.level != "province":
                same = same[same.province_id == unit.province_id]
            assert got == sorted(same.unit_id) and uid in got


def test_units_in_scope_are_the_indicators_pages_units(db, tables):
    """The level's units of the structure shown (the 34-province one shows the old units too), of the whole country,
    or within a province: for a current province, also within the old provinces it was formed from; for provinces,
    the province chosen does not narrow."""
    units = tables["unit"]
    with db.cursor() as cur:
        crosswalk = cur.execute("SELECT old_unit_id, new_unit_id FROM unit_crosswalk").df()
        merged = crosswalk[crosswalk.old_unit_id.str.contains("-P-")].groupby("new_unit_id").size()
        current = merged[merged > 1].index[0]  # a current province formed from several old ones
        old = crosswalk[crosswalk.new_unit_id == current].old_unit_id.iloc[0]
        for level in sorted(units.level.unique()):
            for structure in ("S63", "S34"):
                for province in ("", old, current, "S63-P-00"):
                    got = cur.execute("SELECT unit_id FROM units_in_scope($l, $s, $p)",
                                      {"l": level, "s": structure, "p": province}).df().unit_id
                    want = units[(units.level == level)
                                 & units.structure.isin([structure, "S63"] if structure == "S34" else [structure])]
                    if province and level != "province":
                        within = {province, *crosswalk[crosswalk.new_unit_id == province].old_unit_id}
                        want = want[want.province_id.isin(within)]
                    assert sorted(got) == sorted(want.unit_id), (level, structure, province)


def test_units_covered_are_the_unit_what_it_absorbed_and_everything_under_them(db, tables):
    units = tables["unit"]
    with db.cursor() as cur:
        crosswalk = cur.execute("SELECT old_unit_id, new_unit_id FROM unit_crosswalk").df()
        sample = pd.concat([units[units.level == level].sample(2, random_state=2) for level in sorted(units.level.unique())])
        for uid in [*sample.unit_id, *crosswalk.new_unit_id.sample(4, random_state=2), "S63-X-0"]:
            family = {uid, *crosswalk[crosswalk.new_unit_id == uid].old_unit_id}
            want = units[units.unit_id.isin(family) | units.parent_id.isin(family) | units.province_id.isin(family)]
            got = cur.execute("SELECT unit_id FROM units_covered($u)", {"u": uid}).df().unit_id
            assert sorted(got) == sorted(want.unit_id), uid
