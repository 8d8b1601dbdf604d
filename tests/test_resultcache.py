"""The process-wide cache of query results and derived tables (par_dashboard/store/cache.py) and how the pages use
it: a caller cannot change what is kept, memory is bounded by bytes, one computation per key, the data version is
read once per run and a write is seen at once; a page's second run with the same filters queries and builds
nothing."""

import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.shell import cached
from par_dashboard.store.cache import ResultCache, size_of
from par_dashboard.views import figcache
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
        ran.clear()
        before = dict(figcache.COUNTS)
        at.run()
        assert not at.exception, page
        assert ran == [], f"{page}: queries ran again: {ran}"
        assert figcache.COUNTS == before, f"{page}: figures built again"


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
