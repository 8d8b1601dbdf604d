"""A query's result made from another's (shell/cached.py `query_from`) must be exactly what the query gives: the
indicators page takes a year's rows of indicator_value_by_unit_year from its rows for the year range shown (issue 17:
one query fewer on every new view of that page). Hypothesis looks for a scope where they differ."""

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from par_dashboard.store.db import Database
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
