"""One home for the domain facts (issue 16): the index families, the PAR areas and the 1/7/2025 structure switch are
read from data/seed/ and the admin_structure rows by Python and SQL alike; nothing restates them."""

from __future__ import annotations

import re
import shutil

import duckdb

from par_dashboard.domain import catalogue
from par_dashboard.domain.units import FIRST_YEAR_S34, structure_for_year
from par_dashboard.shell import ui
from par_dashboard.views import indicators, multiindex, rankings
from tests.browser import ROOT

# the same expression the queries use (queries/par_score_by_province_year.sql, indicator_summary_by_year.sql)
_SQL_STRUCTURE = re.search(r"\(SELECT structure FROM admin_structure.*?LIMIT 1\)",
                           (ROOT / "queries" / "par_score_by_province_year.sql").read_text(encoding="utf-8"), re.S).group(0)


def _copy(built_db, tmp_path):
    """A copy: the session's database is open in this process with another configuration."""
    path = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, path)
    return duckdb.connect(str(path), read_only=True)


def test_python_and_sql_agree_on_the_structure_of_every_year(built_db, tmp_path):
    con = _copy(built_db, tmp_path)
    try:
        for year in range(1990, 2041):
            sql = con.execute(_SQL_STRUCTURE.replace("$year", str(year)).replace(" --", "\n--")).fetchone()[0]
            assert sql == structure_for_year(year), year
    finally:
        con.close()
    assert structure_for_year(FIRST_YEAR_S34) == "S34" and structure_for_year(FIRST_YEAR_S34 - 1) == "S63"


def test_both_queries_that_pick_a_structure_by_year_use_the_same_expression():
    for name in ("par_score_by_province_year", "indicator_summary_by_year"):
        text = (ROOT / "queries" / f"{name}.sql").read_text(encoding="utf-8")
        assert "FROM admin_structure" in text, name


def test_the_pages_offer_the_catalogues_families_and_areas(built_db, tmp_path):
    con = _copy(built_db, tmp_path)
    try:
        in_db = {r[0] for r in con.execute("SELECT family_code FROM index_family").fetchall()}
        areas = [r[0] for r in con.execute("SELECT area_code FROM par_area ORDER BY number").fetchall()]
    finally:
        con.close()
    assert set(catalogue.FAMILIES) == in_db
    assert list(indicators.FAMILIES) == list(catalogue.FAMILIES)
    assert list(rankings.FAMILIES) == list(multiindex.FAMILIES) == list(catalogue.RANKED_FAMILIES)
    assert "OPS" in catalogue.FAMILIES and "OPS" not in catalogue.RANKED_FAMILIES
    assert list(catalogue.AREAS) == areas and ui.AREAS == ("TOTAL", *areas)


def test_no_module_of_the_product_restates_the_switch_year_or_the_family_lists():
    restated = []
    for path in sorted((ROOT / "par_dashboard").rglob("*.py")) + sorted((ROOT / "pages").glob("*.py")) \
            + sorted((ROOT / "queries").glob("*.sql")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#")[0] if path.suffix == ".py" else line.split("--")[0]
            if re.search(r"(>=|<|>|<=)\s*2025\b|\b2025\s*(<=|>|<)|2024\.5", code) or \
                    re.search(r'"SI766",\s*("OPS",\s*)?"PAPI"', code):
                restated.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not restated, "\n".join(restated)
