"""Warming the national views (issue 17): after the server's start-up check and after an import, a background
thread computes the rankings of each index and the whole country's inspections for the default year into the one
cache, keyed exactly as the pages key them — so a first visit finds them — one warming at a time, each data version
once, only the newest of those that arrive while one runs."""

import threading
import time

from streamlit.testing.v1 import AppTest

from par_dashboard.shell import cached, warm
from par_dashboard.store.cache import RESULTS
from par_dashboard.views import rankings
from tests.browser import ROOT
from tests.users import sign_in


def test_a_first_visit_after_the_warming_finds_the_national_views_ready(work, monkeypatch):
    """The rankings page of each index and the whole country's inspections compute nothing the warming did not."""
    monkeypatch.setenv("PAR_DB", str(work.path))
    d = cached.database(str(work.path))
    with d.transaction("test: a version of its own, warmed by nobody yet") as cur:
        cur.execute("SELECT 1")
    warm.wait_idle()
    warm.national_views(d, d.data_version())
    ran = []
    original = cached.Database.query
    monkeypatch.setattr(cached.Database, "query", lambda self, name, **kw: ran.append(name) or original(self, name, **kw))
    for family in rankings.FAMILIES:
        before = dict(cached.DERIVED_RUNS)
        at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "viewer")
        at.query_params["family"] = family
        at.run()
        assert not at.exception, at.exception
        built = {k: v - before.get(k, 0) for k, v in cached.DERIVED_RUNS.items() if v != before.get(k, 0)}
        assert not {k for k in built if k.startswith("par_dashboard.views.")
                    and k.rsplit(".", 1)[1] in ("ranking_bar", "province_table", "headline")}, (family, built)
        assert "par_score_by_province_year" not in ran and "par_average_by_year" not in ran, (family, ran)
    # the whole country's inspections for the default year (the rankings of an index may move the year)
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "viewer")
    at.run()
    ran.clear()
    at.switch_page("pages/inspections.py").run()
    assert not at.exception, at.exception
    assert "inspection_by_selection" not in ran and "inspection_totals_for_selection" not in ran, ran
    warm.wait_idle()
    cached.database.clear()


def test_one_warming_at_a_time_each_version_once_the_newest_next(work, monkeypatch):
    d = cached.database(str(work.path))
    warm.wait_idle()
    version = d.data_version()
    calls, release = [], threading.Event()
    original = warm.national_views

    def slow(db, v, *args, **kwargs):
        calls.append(v)
        release.wait(30)
        return original(db, v, *args, **kwargs)

    monkeypatch.setattr(warm, "national_views", slow)
    warm.after_check(d, version)
    for _ in range(5):  # every run of every session asks: one warming, already under way
        warm.after_check(d, version)
    for newer in (version + 1, version + 2, version + 3):  # imports while it runs: only the newest waits
        warm.after_check(d, newer)
    assert sum(t.name == "par-warm" for t in threading.enumerate()) == 1
    release.set()
    assert warm.wait_idle()
    assert calls == [version, version + 3]
    assert warm.RUNS[-2:] == [(str(d.path), version), (str(d.path), version + 3)]
    warm.after_check(d, version + 3)  # done: nothing more
    assert warm.wait_idle() and calls == [version, version + 3]
    assert RESULTS.bytes <= RESULTS.max_bytes
    cached.database.clear()


def test_the_warming_waits_while_a_run_is_under_way_and_goes_on_when_it_ends(work, monkeypatch):
    """The warming and the sessions share one GIL: while a person's run is under way, no warming step computes (a
    first visit after a start is not slowed by it); when the run ends, the warming finishes."""
    d = cached.database(str(work.path))
    warm.wait_idle()
    with d.transaction("test: a version of its own, warmed by nobody yet") as cur:
        cur.execute("SELECT 1")
    version = d.data_version()
    computed, started, release = [], threading.Event(), threading.Event()
    original = cached.result
    monkeypatch.setattr(cached, "result", lambda *a, **kw: computed.append(a[2]) or original(*a, **kw))

    def a_run():  # what dashboard.py does at the top of each run, then a long page
        warm.run_started()
        started.set()
        release.wait(30)

    run = threading.Thread(target=a_run, name="ScriptRunner.scriptThread")
    run.start()
    started.wait(10)
    warm.after_check(d, version)  # as the run itself does after the start-up check
    time.sleep(1.0)
    assert computed == [] and (str(d.path), version) not in warm.RUNS  # waiting, not computing
    release.set()
    run.join(10)
    assert warm.wait_idle()
    assert (str(d.path), version) in warm.RUNS and "par_score_by_province_year" in computed
    cached.database.clear()


def test_a_run_that_starts_interrupts_the_warmings_query_which_runs_again_after_it(work, monkeypatch):
    """DuckDB runs a query on every core without the GIL: a warming query that had begun when a person clicked took
    the cores from that person's run. A run that starts interrupts it (a real DuckDB interrupt); the query waits for
    the run to end and runs again, with the same result as ever."""
    d = cached.database(str(work.path))
    assert warm.wait_idle()  # no warming of another test's left behind, whose query would take the slot
    real = warm.query_text
    slow = "SELECT count(*) AS n FROM range(100000000000) t(i) WHERE hash(i + length($unit_id)) % 7 = 0"  # hours
    texts = iter([slow])
    monkeypatch.setattr(warm, "query_text", lambda name: next(texts, None) or real(name))
    got, run_ended = {}, threading.Event()

    def warming():
        got["frame"] = warm._Interruptible(d).query("unit_by_id", unit_id="S63-P-20")
        got["at"] = time.monotonic()

    reader = threading.Thread(target=warming, name="par-warm", daemon=True)
    reader.start()
    deadline = time.monotonic() + 120  # until its query is under way (a loaded CI machine: seconds, not 4 s)
    while time.monotonic() < deadline:
        with warm._LOCK:
            cursor = warm._STATE["cursor"]
        if cursor is not None:
            break
        time.sleep(0.02)
    assert cursor is not None, "the warming's query never started"
    # (a list of its own: the module's keeps the last 100 of this process, which other tests' runs may have filled)
    monkeypatch.setattr(warm, "INTERRUPTED", [])

    def a_run():
        # A run says it started once; here it says so every 0,1 s while it lasts, as runs starting one after another
        # would: an interrupt that reaches the cursor before DuckDB has begun the query is lost (DuckDB clears it when
        # a query starts), and on a loaded machine the reader may not have begun within any fixed wait.
        end = time.monotonic() + 0.8  # the page's work; the warming's query must not run meanwhile
        while time.monotonic() < end:
            warm.run_started()
            time.sleep(0.1)
        got["run_ended"] = time.monotonic()
        run_ended.set()

    run = threading.Thread(target=a_run, name="ScriptRunner.scriptThread")
    run.start()
    reader.join(60)
    run.join(10)
    if reader.is_alive():  # (leave no query of hours behind, whatever the outcome)
        cursor.interrupt()
    assert not reader.is_alive(), "the warming's query was not interrupted"
    assert warm.INTERRUPTED == ["unit_by_id"]
    assert got["at"] >= got["run_ended"]  # ran again only once the run was over
    assert got["frame"].equals(d.query("unit_by_id", unit_id="S63-P-20"))
    cached.database.clear()


def test_a_run_that_never_ends_does_not_stop_the_warming_for_good(work, monkeypatch):
    d = cached.database(str(work.path))
    warm.wait_idle()
    with d.transaction("test: a version of its own, warmed by nobody yet") as cur:
        cur.execute("SELECT 1")
    release = threading.Event()
    monkeypatch.setattr(warm, "PAUSE_MAX_S", 0.2)

    def a_stuck_run():
        warm.run_started()
        release.wait(60)

    run = threading.Thread(target=a_stuck_run)
    run.start()
    try:
        time.sleep(0.1)
        warm.after_check(d, d.data_version())
        assert warm.wait_idle(60) and (str(d.path), d.data_version()) in warm.RUNS
    finally:
        release.set()
        run.join(10)
    cached.database.clear()


def test_every_years_rankings_inspections_deck_and_map_are_warmed_when_asked(work, monkeypatch):
    """With every year (the served default), a person stepping back through the years of any index finds each year's
    rankings, the whole country's inspections, deck (its queries, the deck and its HTML) and map computed."""
    monkeypatch.setenv("PAR_DB", str(work.path))
    d = cached.database(str(work.path))
    with d.transaction("test: a version of its own, warmed by nobody yet") as cur:
        cur.execute("SELECT 1")
    warm.wait_idle()
    warm.national_views(d, d.data_version(), every_year=True)
    ran = []
    original = cached.Database.query
    monkeypatch.setattr(cached.Database, "query", lambda self, name, **kw: ran.append(name) or original(self, name, **kw))
    for family, year in (("PAR_INDEX", 2019), ("SIPAS", 2021), ("PAPI", 2014)):
        at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "viewer")
        at.query_params["family"], at.query_params["year"] = family, str(year)
        at.run()
        assert not at.exception, at.exception
        assert at.session_state["year"] == year, (family, year)
        ran.clear()
        at.run()  # what the page asks for that year, after the sidebar settled
        assert "par_score_by_province_year" not in ran and "par_average_by_year" not in ran, (family, year, ran)
        ran.clear()
        at.switch_page("pages/inspections.py").run()
        assert not at.exception, at.exception
        assert "inspection_by_selection" not in ran, (family, year, ran)
        ran.clear()
        built = dict(cached.DERIVED_RUNS)
        at.switch_page("pages/present.py").run()  # the whole country's deck of the year (its queries: ~1-1,5 s)
        assert not at.exception, at.exception
        deck_queries = {"followup_items", "indicator_target_attainment_by_year", "par_score_by_province_year",
                        "finding_page_by_selection", "map_value_by_unit_year", "inspection_totals_for_selection"}
        assert not deck_queries & set(ran), (family, year, ran)
        made = {k: v - built.get(k, 0) for k, v in cached.DERIVED_RUNS.items() if v != built.get(k, 0)}
        assert not {"par_dashboard.views.present.build.build_deck", "par_dashboard.views.present.exports.to_html"} & set(made), made
        ran.clear()
        at.switch_page("pages/map.py").run()  # the whole country's map of the year: its query, figure and table
        assert not at.exception, at.exception
        made = {k: v - built.get(k, 0) for k, v in cached.DERIVED_RUNS.items() if v != built.get(k, 0)}
        assert "map_value_by_unit_year" not in ran and not any(".map." in k for k in made), (family, year, ran, made)
    assert warm.every_year() is False  # the tests' own setting (tests/conftest.py); the server's default is every year
    monkeypatch.delenv("PAR_WARM")
    assert warm.every_year() is True
    warm.wait_idle()
    cached.database.clear()
