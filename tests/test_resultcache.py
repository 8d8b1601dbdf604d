"""The one process-wide cache of query results and of the tables and figures derived from them
(par_dashboard/store/cache.py, used through shell/cached.py's `query` and `derived`) and how the pages use it: a
caller cannot change what is kept (a table, a figure), memory is bounded by bytes (figures included), one
computation per key, the same arguments find the same entry from one run to the next (numpy scalars, NaN), the
data version is read once per run and a write is seen at once; a page's second run with the same filters queries
and builds nothing."""

import json
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.shell import cached, warm
from par_dashboard.store.cache import RESULTS, ResultCache, size_of
from par_dashboard.views import charts
from tests.users import sign_in

APP = Path(__file__).resolve().parent.parent / "dashboard.py"


def _frame(n: int = 3) -> pd.DataFrame:
    return pd.DataFrame({"unit": [f"Đơn vị {i}" for i in range(n)], "score": [float(i) for i in range(n)]})


def test_a_caller_changing_its_result_does_not_change_the_kept_one():
    cache = ResultCache(10 * 2**20)
    first = cache.get("k", _frame)
    first["score"] = -1.0
    first.loc[0, "unit"] = "đã sửa"
    first["extra"] = 1
    again = cache.get("k", lambda: pytest.fail("computed twice"))
    assert again.equals(_frame()) and "extra" not in again


def test_memory_is_bounded_by_bytes_least_recently_used_out():
    one = size_of(_frame(1000))
    cache = ResultCache(int(one * 2.5))
    for key in ("a", "b", "c"):
        cache.get(key, lambda: _frame(1000))
    assert len(cache) == 2 and cache.bytes <= cache.max_bytes
    calls = []
    cache.get("a", lambda: calls.append("a") or _frame(1000))  # "a" was the oldest: dropped, computed again
    assert calls == ["a"]
    huge = ResultCache(100)
    assert len(huge.get("big", lambda: _frame(1000))) == 1000 and len(huge) == 0  # larger than the cache: not kept


def test_one_computation_per_key_and_errors_are_not_kept():
    cache = ResultCache(10 * 2**20)
    runs = []

    def slow():
        runs.append(1)
        time.sleep(0.2)
        return _frame()

    threads = [threading.Thread(target=cache.get, args=("same", slow)) for _ in range(5)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(runs) == 1

    def failing():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        cache.get("bad", failing)
    assert cache.get("bad", _frame).equals(_frame())  # the failure left nothing behind, not even a held lock


def test_a_second_run_queries_and_builds_nothing(built_db, monkeypatch):
    """Every page's figures and tables come from the caches on a rerun with the same filters: no query runs on
    DuckDB, no figure is built (a key that cannot be made, like a numpy bool once, would rebuild on every run)."""
    ran = []
    original = cached.Database.query
    monkeypatch.setattr(cached.Database, "query", lambda self, name, **kw: ran.append(name) or original(self, name, **kw))
    for page in ("rankings", "map", "locality", "indicators", "inspections", "present"):
        at = sign_in(AppTest.from_file(str(APP), default_timeout=120), "analyst")
        at.query_params.update({"province": "S63-P-20"})
        at.run()
        if page != "rankings":
            at.switch_page(f"pages/{page}.py").run()
        assert not at.exception, page
        warm.wait_idle()  # the warming after the first run (shell/warm.py) computes in a thread of its own
        ran.clear()
        before, misses = dict(cached.DERIVED_RUNS), RESULTS.misses
        at.run()
        assert not at.exception, page
        assert ran == [], f"{page}: queries ran again: {ran}"
        assert cached.DERIVED_RUNS == before, f"{page}: tables or figures built again"
        assert RESULTS.misses == misses, f"{page}: something computed again"


def test_a_write_is_seen_by_the_next_run(work, monkeypatch):
    """The data version is read once per run and keys every cached result: after a transaction (an import in
    another session) the next run asks for the new version."""
    from par_dashboard.store.cache import RESULTS

    monkeypatch.setenv("PAR_DB", str(work.path))

    def versions_asked() -> set[int]:
        return {k[2] for k in list(RESULTS._items) if k[1] == str(work.path)}

    at = sign_in(AppTest.from_file(str(APP), default_timeout=120), "viewer")
    at.run()
    assert not at.exception
    d = cached.database(str(work.path))
    version = d.data_version()
    assert versions_asked() == {version}
    with d.transaction("test: a write") as cur:
        cur.execute("SELECT 1")
    at.run()
    assert not at.exception
    assert versions_asked() == {version, version + 1}
    cached.database.clear()


# ---- what `cached.derived` keeps: figures and tables made from a query result, per data version and arguments
RANKING = {"year": 2024, "family": "PAR_INDEX", "area": "TOTAL"}


def _figure_json(figure) -> dict:
    import plotly.io as pio

    return json.loads(pio.to_json(figure.to_dict(), validate=False))


def _runs() -> int:
    return cached.DERIVED_RUNS.get("par_dashboard.views.charts.ranking_bar", 0)


def test_the_same_arguments_give_the_same_figure_and_other_arguments_another(built_db):
    warm.wait_idle()  # a warming started by another test's run builds ranking charts too
    first = cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING, options={"title": "a"})
    runs = _runs()
    again = cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING, options={"title": "a"})
    assert _runs() == runs and _figure_json(again) == _figure_json(first)
    for lang, options, params in (("en", {"title": "a"}, RANKING), ("vi", {"title": "b"}, RANKING),
                                  ("vi", {"title": "a"}, {**RANKING, "year": 2023})):
        other = cached.derived(charts.ranking_bar, "par_score_by_province_year", lang, **params, options=options)
        assert _figure_json(other) != _figure_json(first)
    assert _runs() == runs + 3


def test_a_caller_changing_its_figure_or_table_does_not_change_the_kept_one(built_db):
    from par_dashboard.views import rankings

    a = cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING, options={"title": "kept"})
    b = cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING, options={"title": "kept"})
    b.update_layout(title="changed")
    b.data[0].y = [0] * len(b.data[0].y)
    c = cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING, options={"title": "kept"})
    assert c.layout.title.text == a.layout.title.text == "kept" and _figure_json(c) == _figure_json(a)
    table = cached.derived(rankings.province_table, "par_score_by_province_year", "vi", False, **RANKING)
    table.iloc[0, 0] = "đã sửa"
    table["extra"] = 1
    assert cached.derived(rankings.province_table, "par_score_by_province_year", "vi", False, **RANKING).equals(
        rankings.province_table(cached.query("par_score_by_province_year", **RANKING), "vi", False))


def test_a_kept_figure_is_what_the_builder_made(built_db):
    """What Streamlit sends (to_dict of the untouched figure) is the builder's figure; reading or copying the figure
    gives plotly's ordinary objects."""
    import copy

    import plotly.graph_objects as go

    kept = cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING)
    built = charts.ranking_bar(cached.query("par_score_by_province_year", **RANKING), "vi")
    assert _figure_json(kept) == _figure_json(built)
    assert isinstance(kept, go.Figure) and list(kept.data[0].y) == list(built.data[0].y)
    copied = copy.deepcopy(cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING))
    assert type(copied) is go.Figure and copied.layout.title.text == built.layout.title.text


def test_numpy_scalars_and_missing_numbers_find_the_same_entry(built_db):
    warm.wait_idle()
    """A value computed with pandas is a numpy scalar (`df.col.any()` a numpy bool), a missing target a NaN (which
    equals nothing, itself included): each must key the figure the same way on the next run, not miss every time."""
    import numpy as np

    def make(average):
        return cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **RANKING,
                              options={"average": average, "title": "numpy"})

    make(np.float64(80.25))
    runs = _runs()
    make(np.float64(80.25))
    make(80.25)
    make(np.float64("nan"))
    make(np.float64("nan"))
    make(float("nan"))
    assert _runs() == runs + 1
    assert _figure_json(make(np.float64(80.5))) != _figure_json(make(80.25))


def test_figures_count_in_the_bound_of_the_one_cache(built_db, monkeypatch):
    """A kept figure is bytes in RESULTS: the byte bound covers it, and the least recently used goes first."""
    warm.wait_idle()
    small = ResultCache(2**20)
    monkeypatch.setattr(cached, "RESULTS", small)
    for year in (2022, 2023, 2024):
        cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **{**RANKING, "year": year})
    sizes = [size for key, (_, size) in small._items.items() if key[0] == "derived" and key[3].endswith(".ranking_bar")]
    assert len(sizes) == 3 and all(size > 2_000 for size in sizes)  # a figure's dict, pickled: its bytes counted
    tight = ResultCache(small.bytes - min(sizes) // 2)
    monkeypatch.setattr(cached, "RESULTS", tight)
    for year in (2022, 2023, 2024):
        cached.derived(charts.ranking_bar, "par_score_by_province_year", "vi", **{**RANKING, "year": year})
    assert tight.bytes <= tight.max_bytes and len(tight) < len(small)


def test_several_query_results_and_another_derived_value_as_arguments(built_db):
    """`q(...)` stands for a query's result, `d(...)` for another derived value: both key by their names and
    parameters, and are fetched through the cache."""
    from par_dashboard.views import rankings

    both = cached.derived(_pair, None, cached.q("par_areas"), cached.d(rankings.headline, "par_score_by_province_year",
                                                                      **RANKING))
    assert both[0].equals(cached.query("par_areas"))
    assert both[1] == rankings.headline(cached.query("par_score_by_province_year", **RANKING))
    with pytest.raises(TypeError):
        cached.derived(_pair, None, cached.query("par_areas"), 1)  # a DataFrame cannot be part of a key


def _pair(a, b):
    return (a, b)
