"""Issue 18: the "real data only" switch (sidebar, ?real=1) hides every synthetic row on every page, in the deck and
in the downloads; a page with nothing real says so in a sentence. The pages read, with it on, a copy of the database
without a row of a synthetic source (par_dashboard/store/realonly.py): these tests hold the copy to that, from the
data side (every real row kept, no synthetic row, whatever sources are synthetic) and from the user's side (no
demo mark, banner or row on any page; the sentence where nothing is left)."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from par_dashboard.store import realonly
from par_dashboard.store.db import Database
from tests.users import open_page

FACT_TABLES = ["target", "inspection_plan", "inspection", "inspection_unit", "finding", "finding_followup",
               "indicator_value", "score", "rank_group", "published_aggregate", "published_fact"]
# what keeps a row of each table: its own source is real, and its parents' (an inspection's units and findings,
# a finding's follow-up)
REAL = "source_id IN (SELECT source_id FROM source WHERE kind <> 'synthetic_demo')"
KEPT = {t: REAL for t in FACT_TABLES} | {
    "inspection_unit": f"inspection_id IN (SELECT inspection_id FROM inspection WHERE {REAL})",  # noqa: S608
    "finding": f"{REAL} AND inspection_id IN (SELECT inspection_id FROM inspection WHERE {REAL})",  # noqa: S608
    "finding_followup": f"{REAL} AND finding_id IN (SELECT finding_id FROM finding WHERE {REAL} AND inspection_id IN "  # noqa: S608
                        f"(SELECT inspection_id FROM inspection WHERE {REAL}))",
}
KEYS = {"target": "*", "inspection_plan": "plan_id", "inspection": "inspection_id", "inspection_unit": "inspection_id, unit_id",
        "finding": "finding_id", "finding_followup": "finding_id", "indicator_value": "unit_id, indicator_code, year, period",
        "score": "unit_id, year, family_code, area_code", "rank_group": "province_id, year, level, unit_type",
        "published_aggregate": "family_code, year, aggregate", "published_fact": "fact_id"}


def _rows(con, table: str, where: str = "TRUE") -> set:
    return set(con.execute(f"SELECT {KEYS[table]} FROM {table} WHERE {where}").fetchall())  # noqa: S608 - test's own names


def _check_copy(primary: Database, copy: Database) -> None:
    with primary.cursor() as p, copy.cursor() as c:
        assert c.execute("SELECT count(*) FROM source").fetchone() == p.execute("SELECT count(*) FROM source").fetchone()
        for table in FACT_TABLES:
            assert _rows(c, table) == _rows(p, table, KEPT[table]), table  # every real row, and nothing else
            if table == "inspection_unit":  # no source of its own: its inspection's (checked above)
                continue
            synthetic = c.execute(f"SELECT count(*) FROM {table} JOIN source USING (source_id) "  # noqa: S608
                                  "WHERE source.kind = 'synthetic_demo'").fetchone()[0]
            assert synthetic == 0, table
        assert c.execute("SELECT version FROM data_version").fetchall() == p.execute("SELECT version FROM data_version").fetchall()


def test_the_copy_holds_every_real_row_and_no_synthetic_one(db, tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_REAL_ONLY_DIR", str(tmp_path))
    copy = realonly.database(db, db.data_version())
    _check_copy(db, copy)
    with copy.cursor() as c:  # the default data has real rows of every kind the pages show
        assert c.execute("SELECT count(*) FROM inspection").fetchone()[0] >= 5
        assert c.execute("SELECT count(*) FROM score").fetchone()[0] >= 700
    assert realonly.database(db, db.data_version()) is copy  # asked again: the same copy, not made twice
    assert [p.name for p in tmp_path.iterdir()] == [copy.path.name]


def test_a_run_still_at_an_older_version_gets_the_current_copy_and_keeps_the_newer(work, tmp_path, monkeypatch):
    """A session whose run began before an import asks for the older version: it gets the copy of what the database
    holds, named after that version, and the newer copy is neither replaced nor removed."""
    monkeypatch.setenv("PAR_REAL_ONLY_DIR", str(tmp_path / "copies"))
    now = work.data_version()
    copy = realonly.database(work, now - 1)
    with copy.cursor() as c:
        assert c.execute("SELECT max(version) FROM data_version").fetchone()[0] == now
    assert realonly.database(work, now) is copy
    assert [p.name for p in (tmp_path / "copies").iterdir()] == [realonly.copy_path(work.path, now).name]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(demo=st.sets(st.integers(min_value=0, max_value=49), max_size=12))
def test_whatever_sources_are_synthetic_the_copy_keeps_exactly_the_real_rows(built_db, tmp_path_factory, monkeypatch, demo):
    """Any set of sources marked synthetic (an import may be demo, a report real): the copy keeps exactly the rows
    resting on real sources; a new data version is a new copy, and the older version's copy is removed."""
    folder = tmp_path_factory.mktemp("ro")
    monkeypatch.setenv("PAR_REAL_ONLY_DIR", str(folder / "copies"))
    path = folder / "par.duckdb"
    shutil.copyfile(built_db, path)
    con = duckdb.connect(str(path))
    ids = [r[0] for r in con.execute("SELECT source_id FROM source ORDER BY 1").fetchall()]
    chosen = sorted({ids[i % len(ids)] for i in demo})
    con.execute("UPDATE source SET kind = CASE WHEN list_contains($ids, source_id) THEN 'synthetic_demo' "
                "WHEN kind = 'synthetic_demo' THEN 'import_batch' ELSE kind END", {"ids": chosen})
    con.execute("UPDATE data_version SET version = version + 1")
    con.close()
    primary = Database(path)
    try:
        old = realonly.copy_path(path, primary.data_version() - 1)
        old.parent.mkdir(parents=True)
        old.write_bytes(b"the copy of the version before")
        copy = realonly.database(primary, primary.data_version())
        _check_copy(primary, copy)
        assert not old.exists()
    finally:
        primary.close()


PAGES = ["rankings", "map", "locality", "indicators", "inspections", "followup", "present"]


def _demo_seen(at: AppTest) -> list[str]:
    """Every place a demo figure shows on the page: the banner, a table's cell, a chart's stamp or trace."""
    marks = {"Mô phỏng", "Dữ liệu mô phỏng", "Demo", "Synthetic demo data"}
    seen = [w.value for w in at.warning if "mô phỏng" in w.value.lower() or "demo" in w.value.lower()]
    for frame in at.dataframe:
        df = frame.value
        seen += [f"table cell {v!r}" for v in map(str, df.to_numpy().ravel()) if v in marks or "(mô phỏng)" in v]
    for chart in at.get("plotly_chart"):
        spec = chart.proto.spec
        seen += [f"chart mark in {chart.proto.id[-30:]}" for m in ("Dữ liệu mô phỏng", "Synthetic demo data", "mô phỏng)") if m in spec]
    return seen


@pytest.mark.parametrize("page", PAGES)
def test_with_real_data_only_no_page_shows_a_demo_figure(built_db, page):
    params = {"province": "S63-P-20", "year": "2023"}  # Lạng Sơn 2023: real reports and published scores
    shown = open_page(page, **params)
    off = _demo_seen(shown)
    assert off, f"{page}: the demo data is not marked with the switch off (the test would see nothing)"
    real = open_page(page, real="1", **params)
    assert real.query_params.get("real") == "1"
    assert _demo_seen(real) == [], page


def test_a_page_with_nothing_real_says_so(built_db):
    at = open_page("inspections", real="1", province="S63-P-01", year="2021")  # Hà Nội 2021: demo inspections only
    texts = [i.value for i in at.info]
    assert any("Chỉ dữ liệu thật" in x and "mô phỏng bị ẩn" in x for x in texts), texts
    plain = open_page("inspections", province="S63-P-01", year="2021")
    assert not any("Chỉ dữ liệu thật" in i.value for i in plain.info)


def test_cards_over_part_of_the_provinces_say_so(built_db):
    """With real data only, 2023 has published scores for 12 of 63 provinces: a "largest rise" over those 12 is no
    national fact (the published largest rise is 9,39), so each card says what it is taken over."""
    at = open_page("rankings", real="1", year="2023")
    labels = [m.label for m in at.metric]
    over = [x for x in labels if "/63 có số liệu)" in x]
    assert len(over) >= 2 and any(x.startswith("Tăng nhiều nhất") for x in over), labels
    assert not any("/63" in m.label for m in open_page("rankings", year="2023").metric)  # all 63 scored: plain labels


def test_the_decks_title_slide_says_it_holds_real_data_only(db, tmp_path, monkeypatch):
    """The deck built with the switch on (the present page passes it) says so on its title slide, in every scope;
    built from the real-only copy it holds no demo slide."""
    from par_dashboard.views.present.build import build_deck
    from par_dashboard.views.present.scopes import build_inspection_deck, build_unit_deck

    monkeypatch.setenv("PAR_REAL_ONLY_DIR", str(tmp_path))
    copy = realonly.database(db, db.data_version())
    with copy.cursor() as c:
        inspection = c.execute("SELECT inspection_id FROM inspection ORDER BY 1 LIMIT 1").fetchone()[0]
    for deck in (build_deck(copy.query, lang="vi", year=2023, real_only=True),
                 build_unit_deck(copy.query, lang="vi", year=2024, unit_id="S63-D-183", real_only=True),
                 build_inspection_deck(copy.query, lang="en", inspection_id=inspection, real_only=True)):
        said = " ".join(deck.slides[0].bullets)
        assert "Chỉ dữ liệu thật" in said or "Real data only" in said, said
        assert not deck.demo and not any(s.demo for s in deck.slides)
    plain = build_deck(db.query, lang="vi", year=2023)
    assert "Chỉ dữ liệu thật" not in " ".join(plain.slides[0].bullets)
