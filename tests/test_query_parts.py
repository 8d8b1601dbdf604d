"""A query's result made from another's must be exactly what the query gives: the indicators page takes a year's rows
of indicator_value_by_unit_year from its rows for the year range shown (shell/cached.py `query_from`), and every query
of store/slices.py is taken from its wider query's rows (issue 17: one query fewer on every new view of a page, one a
year for every profile). Hypothesis looks for parameters where they differ."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from par_dashboard.store.db import Database
from par_dashboard.store.slices import SLICES
from par_dashboard.views import indicators as ind


@pytest.fixture(scope="module")
def db(built_db):
    database = Database(built_db)
    yield database
    database.close()


@pytest.fixture(scope="module")
def choices(db):
    codes = db.query("indicator_catalogue").indicator_code.tolist()
    provinces = {s: db.query("provinces_by_structure", structure=s).unit_id.tolist() for s in ("S63", "S34")}
    return codes, provinces


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_years_rows_taken_from_a_range_are_the_querys_own_for_that_year(db, choices, data):
    codes, provinces = choices
    structure = data.draw(st.sampled_from(["S63", "S34"]), label="structure")
    level = data.draw(st.sampled_from(["province", "district", "commune", "department"]), label="level")
    province = data.draw(st.sampled_from(["", *provinces[structure]]), label="province")
    scope = {"indicator": data.draw(st.sampled_from(codes), label="indicator"), "level": level,
             "structure": structure, "province_id": "" if level == "province" else province}
    year_from = data.draw(st.integers(2012, 2025), label="year_from")
    year_to = data.draw(st.integers(year_from, 2025), label="year_to")
    year = data.draw(st.integers(year_from, year_to), label="year")
    whole = db.query("indicator_value_by_unit_year", **scope, year_from=year_from, year_to=year_to)
    own = db.query("indicator_value_by_unit_year", **scope, year_from=year, year_to=year)
    pd.testing.assert_frame_equal(ind.rows_of_year(whole, year), own)  # values, order and types


def test_the_indicators_page_asks_duckdb_once_for_the_year_and_its_range(built_db, monkeypatch):
    """On a fresh cache the page runs indicator_value_by_unit_year once (the range holds the year), and what it
    shows is what it showed with two queries."""
    from par_dashboard.shell import cached
    from par_dashboard.store import db as db_module
    from tests.users import open_page

    asked: list[dict] = []
    original = db_module.Database.query

    def counting(self, name, **params):
        if name == "indicator_value_by_unit_year":
            asked.append(params)
        return original(self, name, **params)

    cached.clear_caches()
    monkeypatch.setattr(db_module.Database, "query", counting)
    at = open_page("indicators", "", year=2024, province="S63-P-20")
    assert not at.exception, at.exception
    ranges = {(p["year_from"], p["year_to"]) for p in asked}
    assert len(asked) == 1 and ranges and min(r[0] for r in ranges) < 2024, asked


# ---------------------------------------------------------------- store/slices.py: each slice is its query

@pytest.fixture(scope="module")
def units(db):
    """Units to ask about: every unit with an indicator value, a sample of the rest (communes, departments, old and
    current), and ids no unit has."""
    with db.cursor() as cur:
        valued = [u for (u,) in cur.execute("SELECT DISTINCT unit_id FROM indicator_fact ORDER BY 1").fetchall()]
        others = [u for (u,) in cur.execute("SELECT unit_id FROM admin_unit WHERE unit_id NOT IN "
                                            "(SELECT unit_id FROM indicator_fact) ORDER BY hash(unit_id) LIMIT 300").fetchall()]
    return valued, others + ["", "S63-P-99", "không-có"]


def _params(name: str, data, units) -> dict:
    valued, others = units
    provinces = [u for u in valued + others if "-P-" in u]
    if name == "unit_indicator_card":
        return {"unit_id": data.draw(st.sampled_from(valued) | st.sampled_from(others), label="unit_id"),
                "year": data.draw(st.integers(2010, 2026), label="year")}
    unit = st.sampled_from(valued) | st.sampled_from(others)
    if name in ("unit_by_id", "unit_lineage"):
        return {"unit_id": data.draw(unit, label="unit_id")}
    if name == "subunits_of_province":
        province = data.draw(st.sampled_from(provinces) | st.sampled_from(others), label="province_id")
        parents = [""] + [u for u in valued + others if u.startswith(("S63-D-", "S63-P-", "S34-P-"))]
        return {"province_id": province, "level": data.draw(st.sampled_from(["district", "commune", "department", "province"]),
                                                            label="level"),
                "parent_id": data.draw(st.sampled_from(parents), label="parent_id")}
    if name == "inspection_by_selection":
        chosen = data.draw(st.lists(st.sampled_from(provinces) | st.sampled_from(others), max_size=4), label="provinces")
        units = data.draw(st.lists(st.sampled_from(valued) | st.sampled_from(others), max_size=2), label="units")
        return {"year": data.draw(st.integers(2010, 2026), label="year"), "provinces": chosen, "units": units}
    if name == "followup_items":
        chosen = data.draw(st.lists(st.sampled_from(provinces) | st.sampled_from(others), max_size=4), label="provinces")
        units = data.draw(st.lists(st.sampled_from(valued) | st.sampled_from(others), max_size=2), label="units")
        return {"as_of": data.draw(st.dates(dt.date(2015, 1, 1), dt.date(2027, 12, 31)), label="as_of"),
                "provinces": chosen, "units": units,
                "area": data.draw(st.sampled_from(["TOTAL", "TOTAL", "A1", "A2", "A5", "A8"]), label="area")}
    raise AssertionError(f"no parameters drawn for the slice {name}: say here what they may be")


@pytest.mark.parametrize("name", sorted(SLICES))
def test_a_slice_gives_exactly_what_its_query_gives(db, units, name):
    wider = SLICES[name]

    @settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(data=st.data())
    def check(data):
        params = _params(name, data, units)
        if not wider.applies(params):  # asked of DuckDB itself
            return
        own = db.query(name, **params)
        pd.testing.assert_frame_equal(wider.part(db.query(wider.source, **wider.whole(params)), params), own)

    check()


def test_a_years_profiles_ask_duckdb_once(built_db, monkeypatch):
    """Two profiles of the same year on a fresh cache: one query of every unit's indicators of the year, none of one
    unit's; what the page shows is the query's own answer (above)."""
    from par_dashboard.shell import cached
    from par_dashboard.store import db as db_module
    from tests.users import open_page

    asked: list[tuple[str, dict]] = []
    original = db_module.Database.query

    def counting(self, name, **params):
        if name.startswith("unit_indicator_card"):
            asked.append((name, params))
        return original(self, name, **params)

    cached.clear_caches()
    monkeypatch.setattr(db_module.Database, "query", counting)
    for province in ("S63-P-20", "S63-P-01"):
        at = open_page("locality", "", year=2024, province=province)
        assert not at.exception, at.exception
        assert at.metric, "no headline card drawn"
    assert asked == [("unit_indicator_cards_year", {"year": 2024})], asked
