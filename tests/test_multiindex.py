"""Every index on one screen (issue 20): percentiles from ranks and PAPI's groups, the pair of indices that disagree
most, "real data only", the chart's marks; the query's ranks on a real DuckDB file; the locality page (AppTest)."""

import json
import math

import duckdb
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from par_dashboard.paths import SCHEMA_FILE
from par_dashboard.store.db import query_text
from par_dashboard.store.schema import macros_sql
from par_dashboard.views import multiindex as mi
from tests.browser import ROOT
from tests.users import sign_in

BRVT = "S63-P-77"


# ---- percentiles

@given(st.integers(-5, 200), st.integers(-5, 200))
@settings(max_examples=200)
def test_a_percentile_is_between_0_and_100_or_none_and_the_best_rank_gets_100(rank, n):
    pct = mi.percentile(rank, n)
    if n >= 2 and 1 <= rank <= n:
        assert 0 <= pct <= 100
        assert (pct == 100) == (rank == 1) and (pct == 0) == (rank == n)
        if rank < n:
            assert mi.percentile(rank + 1, n) < pct  # a worse rank, a lower percentile
    else:
        assert pct is None  # no ranking to speak of: not a number invented from it


@given(st.integers(1, 4))
def test_a_papi_group_gives_the_middle_of_its_quarter(group):
    mid = mi.group_midpoint(group)
    assert (4 - group) * 25 < mid < (5 - group) * 25
    assert mi.group_midpoint(0) is None and mi.group_midpoint(5) is None


def test_papi_groups_are_read_from_the_sources_words_and_other_tiers_give_none():
    assert mi.published_group("PAPI", None, "out of 80 (50.77%), group 4 (lowest)") == (4, "note")
    assert mi.published_group("PAPI", "Nhóm 1", None) == (1, "tier")
    assert mi.published_group("PAPI", None, "up 21 places; 14097 respondents") is None
    assert mi.published_group("PCI", "Tốt", "group 2") is None  # PCI's tiers are score bands, not quartiles
    assert mi.published_group("PAPI", None, "group 7") is None


# ---- the query's ranks, on a real DuckDB file

def _database(scores: list[tuple[str, float, str]], path=":memory:"):
    """A DuckDB database of the project's schema with provinces scored on PAPI in one year, written in the given
    order (in memory: the same engine and SQL as the file, without a file's syncs on every example)."""
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
    con.execute(macros_sql())  # as the build makes them: the query calls unit_peers (store/macros.sql)
    con.execute("INSERT INTO admin_structure VALUES ('S63', 'a', 'a', DATE '2004-01-01', NULL, NULL)")
    con.execute("INSERT INTO source VALUES (1, 'official_publication', 'real', NULL, NULL, NULL, NULL),"
                " (2, 'synthetic_demo', 'demo', NULL, NULL, NULL, NULL)")
    con.execute("INSERT INTO index_family VALUES ('PAPI', 'PAPI', 'PAPI', 'points', NULL, NULL)")
    con.executemany("INSERT INTO admin_unit VALUES (?, 'S63', 'province', ?, ?, ?, 'Tỉnh', NULL, NULL, NULL, NULL, ?,"
                    " DATE '2004-01-01', NULL)", [[u, u, u, u, u.lower()] for u, _, _ in scores])
    con.executemany("INSERT INTO score VALUES (?, 2015, 'PAPI', 'TOTAL', ?, NULL, NULL, NULL, ?, NULL, NULL)",
                    [[u, s, 1 if kind == "real" else 2] for u, s, kind in scores])
    return con


_scores = st.lists(st.sampled_from([30.0, 33.5, 35.25, 36.0, 40.0, 41.5]), min_size=2, max_size=7)


@given(_scores, st.randoms(use_true_random=False), st.lists(st.booleans(), min_size=7, max_size=7))
@settings(max_examples=10, deadline=None)
@example([36.0, 36.0, 30.0], None, [True] * 7)  # a tie at the top: both first, 100
def test_ranks_follow_the_scores_whatever_order_the_peers_were_written_in(scores, rnd, real):
    units = [(f"S63-P-{i:02d}", s, "real" if real[i] else "demo") for i, s in enumerate(scores)]
    shuffled = list(units)
    if rnd is not None:
        rnd.shuffle(shuffled)
    results = []
    # the first written, the best and the worst (each query costs; three see a tie, the top and the bottom)
    probe = {units[0][0], max(units, key=lambda u: u[1])[0], min(units, key=lambda u: u[1])[0]}
    for order in (units, shuffled):
        con = _database(order)
        results.append({u: con.execute(query_text("multiindex_ranks"), {"unit_id": u}).df() for u in probe})
        con.close()
    any_demo = not all(real[: len(scores)])
    for uid, score, _ in (u for u in units if u[0] in probe):
        a, b = results[0][uid].iloc[0], results[1][uid].iloc[0]
        assert a.computed_rank == b.computed_rank == 1 + sum(s > score for s in scores)
        assert a.n_peers == len(scores) and bool(a.peers_demo) == any_demo
        pts = mi.points(results[0][uid])
        assert pts.iloc[0].percentile == (100 if score == max(scores) else pytest.approx(pts.iloc[0].percentile))
        assert bool(pts.iloc[0].demo) == any_demo
        assert mi.points(results[0][uid], real_only=True).empty == any_demo  # a rank among demo values is not real


def test_a_rank_among_peers_that_lack_scores_is_withheld(tmp_path):
    con = _database([("S63-P-01", 40.0, "real"), ("S63-P-02", 35.0, "real")], tmp_path / "p.duckdb")
    con.execute("INSERT INTO admin_unit VALUES ('S63-P-03', 'S63', 'province', '03', 'c', 'c', 'Tỉnh', NULL, NULL, NULL,"
                " NULL, 'c', DATE '2004-01-01', NULL)")
    row = con.execute(query_text("multiindex_ranks"), {"unit_id": "S63-P-01"}).df().iloc[0]
    assert pd.isna(row.computed_rank) and row.n_peers == 3 and row.n_scored == 2
    assert mi.points(con.execute(query_text("multiindex_ranks"), {"unit_id": "S63-P-01"}).df()).empty
    con.close()


# ---- the pair that disagrees most, in words

def _points(percentiles: dict[str, float], year: int = 2021, demo: frozenset = frozenset(), group: frozenset = frozenset()):
    return pd.DataFrame([{c: None for c in mi.POINT_COLUMNS} | {
        "family_code": f, "year": year, "percentile": p, "demo": f in demo, "basis": "group" if f in group else "published_rank",
        "basis_kind": "synthetic_demo" if f in demo else "official_publication"} for f, p in percentiles.items()],
        columns=mi.POINT_COLUMNS)


_percentiles = st.dictionaries(st.sampled_from(mi.FAMILIES), st.floats(0, 100, allow_nan=False), min_size=2, max_size=5)


@given(_percentiles)
@settings(max_examples=80)
@example({"PAR_INDEX": 90.3, "PAPI": 12.5})
@example({"SIPAS": 50.0, "PCI": 50.0, "PAPI": 50.0})
def test_the_sentence_names_the_pair_with_the_largest_gap(percentiles):
    pts = _points(percentiles)
    gap = mi.largest_gap(pts, 2021)
    assert gap.high.family_code != gap.low.family_code
    assert gap.high.percentile == max(percentiles.values()) and gap.low.percentile == min(percentiles.values())
    assert gap.gap == round(gap.high.percentile) - round(gap.low.percentile) >= 0
    first = mi.sentence(pts, 2021, "Bà Rịa - Vũng Tàu", "en").split(". ")[0]  # the next sentence lists every index
    for p in (gap.high, gap.low):
        assert f"{mi.family_label(p.family_code, 'en')} (percentile {round(p.percentile)})" in first
    others = [f for f in percentiles if f not in (gap.high.family_code, gap.low.family_code)]
    assert not any(mi.family_label(f, "en") in first for f in others)
    assert f"{gap.gap} percentile points" in first


def test_the_brief_example_reads_as_written_in_vietnamese():
    text = mi.sentence(_points({"PAR_INDEX": 90.3, "PAPI": 12.5}, group=frozenset({"PAPI"})), 2021, "Bà Rịa – Vũng Tàu", "vi")
    assert text.startswith("Năm 2021, Bà Rịa – Vũng Tàu đứng ở nhóm cao nhất của PAR INDEX (phân vị 90) nhưng ở nhóm"
                           " thấp nhất của PAPI (phân vị 12): chênh 78 điểm phân vị.")
    assert "PAPI chỉ công bố nhóm" in text


def test_with_fewer_than_two_indices_that_year_the_sentence_says_so():
    pts = pd.concat([_points({"PAR_INDEX": 80.0}, 2019), _points({"PAR_INDEX": 70.0, "SIPAS": 20.0}, 2020)])
    assert mi.sentence(pts, 2019, "X", "vi") == ("Năm 2019, X chỉ có vị trí theo 1 chỉ số (PAR INDEX): cần ít nhất 2 chỉ số"
                                                 " để so sánh.")
    assert mi.default_year(pts) == 2020 and mi.default_year(pts, prefer=2019) == 2020
    assert mi.default_year(_points({"PCI": 3.0}, 2012)) == 2012


def test_a_demo_position_is_said_to_be_one():
    text = mi.sentence(_points({"PAR_INDEX": 95.0, "SI766": 10.0}, 2024, demo=frozenset({"SI766"})), 2024, "X", "en")
    assert "rests partly on demo figures" in text


# ---- the chart

def test_the_chart_marks_demo_group_and_missing_years_and_draws_only_published_intervals():
    pts = pd.concat([_points({"PAPI": 12.5, "PCI": 87.1}, 2021, group=frozenset({"PAPI"})),
                     _points({"PAPI": 60.0, "PCI": 40.0}, 2016, demo=frozenset({"PCI"}))])
    pts = pts.assign(value=1.0, value_kind="official_publication", source_title="s", rank=1, n=63, group=4, n_groups=4,
                     pct_low=math.nan, pct_high=math.nan)
    fig = mi.figure(pts, "vi", year=2021)
    papi = next(tr for tr in fig.data if tr.name == "PAPI")
    assert list(papi.x) == [2016, 2017, 2018, 2019, 2020, 2021]
    assert all(math.isnan(y) for y in papi.y[1:5])  # the line breaks over the years with no figure
    assert papi.marker.symbol[-1] == "diamond" and papi.error_y.array is None
    pci = next(tr for tr in fig.data if tr.name == "PCI")
    assert pci.marker.color[0] == "white" and pci.marker.color[-1] != "white"  # demo-based point hollow
    assert "nguồn không công bố khoảng tin cậy" in papi.customdata[-1][6]
    assert any("Dữ liệu mô phỏng" in (a.text or "") for a in fig.layout.annotations)
    with_ci = mi.figure(pts.assign(pct_low=pts.percentile - 5, pct_high=pts.percentile + 5), "en")
    assert list(next(tr for tr in with_ci.data if tr.name == "PAPI").error_y.array)[-1] == pytest.approx(5)


# ---- the real case, on the built database and the page

def test_bà_rịa_vũng_tàu_2021_published_figures_disagree_most_on_pci_and_papi(db):
    rows = db.query("multiindex_ranks", unit_id=BRVT)
    for real_only in (False, True):
        pts = mi.points(rows, real_only)
        y2021 = pts[pts.year == 2021].set_index("family_code")
        assert y2021.loc["PAPI", "basis"] == "group" and y2021.loc["PAPI", "percentile"] == 12.5
        assert y2021.loc["PCI", "rank"] == 9 and y2021.loc["SIPAS", "rank"] == 38
        assert ("PAR_INDEX" in y2021.index) != real_only  # its 2021 rank is only computed among demo peers
        gap = mi.largest_gap(pts, 2021)
        assert (gap.high.family_code, gap.low.family_code, gap.gap) == ("PCI", "PAPI", 75)


def _profile(**params) -> AppTest:
    """The locality page's section of every index."""
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "analyst")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/locality.py")
    at.session_state["section"] = "indices"
    at.run()
    assert not at.exception, at.exception
    return at


SENTENCE_2021 = ("Năm 2021, Bà Rịa - Vũng Tàu đứng ở nhóm cao nhất của PCI (phân vị 87) nhưng ở nhóm thấp nhất của PAPI"
                 " (phân vị 12): chênh 75 điểm phân vị.")


def test_the_locality_page_shows_every_index_and_the_disagreement_for_bà_rịa_vũng_tàu_2021(built_db):
    at = _profile(province=BRVT, year="2021")
    assert at.selectbox(key="mi_year").value == 2021
    sentence = next(m.value for m in at.markdown if m.value.startswith("Năm 2021, Bà Rịa"))
    assert sentence.startswith(SENTENCE_2021)
    assert "PAR INDEX, SIPAS, PAPI, PCI" in sentence
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    chart = next(s for s in specs if s["layout"]["title"]["text"] == "Phân vị theo từng chỉ số — Bà Rịa - Vũng Tàu")
    lines = {tr["name"]: tr for tr in chart["data"]}
    assert {"PAR INDEX", "SIPAS", "PAPI", "PCI", "Chỉ số phục vụ 766"} <= set(lines)
    papi_2021 = lines["PAPI"]["x"].index(2021)
    assert lines["PAPI"]["y"][papi_2021] == 12.5 and lines["PAPI"]["marker"]["symbol"][papi_2021] == "diamond"
    assert lines["PAPI"]["customdata"][papi_2021][0].startswith("nhóm 4/4")
    assert at.toggle(key="_w_real").value is False


def test_real_data_only_from_the_link_counts_only_published_positions(built_db):
    at = _profile(province=BRVT, year="2021", real="1", lang="en")
    assert at.toggle(key="_w_real").value is True
    sentence = next(m.value for m in at.markdown if m.value.startswith("In 2021, Bà Rịa"))
    assert "on PCI (percentile 87) but in the bottom quarter on PAPI (percentile 12): 75 percentile points apart" in sentence
    assert "Indices with figures that year: SIPAS, PAPI, PCI." in sentence  # PAR INDEX 2021: no published rank
    at.toggle(key="_w_real").set_value(False).run()
    assert at.session_state["real"] == 0
    assert "figures that year: PAR INDEX, SIPAS, PAPI, PCI." in next(m.value for m in at.markdown if m.value.startswith("In 2021, Bà Rịa"))
