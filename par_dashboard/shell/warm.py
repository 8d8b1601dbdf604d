"""Warming: the national views (the rankings of each index for the default year, the whole country's inspections)
computed into the one cache (cached.py) in a background thread, after the server's start and after each import,
so that the first person to open a page after either finds them ready.

- Not before the start-up check: dashboard.py calls `after_check` once `cached.ensure_database` has returned, which
  is when the check or the recovery of the database (building/recovery.py) is over — a warming never reads a file
  that is being replaced.
- Bounded: one warming thread per process at a time, a fixed list of views in the default language (the default
  year's first, then each other year of each index newest first: the views a person stepping through the years
  asks for, some 30 s of CPU on the default database, kept in the same byte-bounded cache); a data version
  that arrives while one runs is warmed next (only the newest), older ones are skipped. What it computes is kept in
  the same byte-bounded cache as everything else.
- Keyed exactly as the pages key them: the same functions (`cached.result`, `cached.derive`) and the same arguments,
  the chart's options from the function the page uses (views.rankings.chart_options).
- At a lower CPU priority than the sessions' threads where the system allows it (Linux: a thread's nice value), and
  out of their way: the threads share one GIL, so a nice value alone left a first visitor's run waiting on the
  warming's Python work (the benchmark's cold start, process start → first chart, was 1,9x the floor's). Every run
  says it has started (`run_started`, at the top of dashboard.py); between its steps the warming waits while any
  run's thread is alive (at most `PAUSE_MAX_S` per step, so that a steady stream of runs cannot starve it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable

import duckdb

from par_dashboard.domain.catalogue import FIRST_YEAR_S34
from par_dashboard.i18n import DEFAULT_LANG
from par_dashboard.shell import assets, cached, ui
from par_dashboard.store.db import Database, query_text
from par_dashboard.views import charts, rankings
from par_dashboard.views import inspections as insp
from par_dashboard.views import map as map_view
from par_dashboard.views.present import exports
from par_dashboard.views.present.build import build_deck

_LOG = logging.getLogger("par_dashboard.warm")

_LOCK = threading.Lock()
_STATE: dict = {"next": None, "running": False, "warmed": None,  # warmed: (path, version) last done
          "cursor": None}  # the cursor of the warming's query under way (a run that starts interrupts it)
RUNS: list[tuple[str, int]] = []  # (path, version) of each warming done, newest last, the last 8 (tests read it)
# The default year's views first; then, unless $PAR_WARM is "default", every other year's too (in the sessions' idle
# time: the test servers keep to the default year, where warming every year would cost each of them ~30 s of CPU).
PAUSE_MAX_S = 20.0  # the longest a warming step waits for the runs under way to end
_RUN_THREADS: weakref.WeakSet[threading.Thread] = weakref.WeakSet()  # the threads of runs started (Streamlit: one per run)


def every_year() -> bool:
    """Whether a warming goes on to the other years ($PAR_WARM, read at each warming)."""
    return os.environ.get("PAR_WARM", "all") != "default"


def run_started() -> None:
    """Called at the top of every script run: the warming waits for this run's thread to end before its next step
    (a run ends with its thread, also when it stops early: st.stop, an exception, a rerun), and a query of the warming
    under way is interrupted (it runs again when the runs are over: `_Interruptible`)."""
    with _LOCK:
        _RUN_THREADS.add(threading.current_thread())
        cursor = _STATE["cursor"]
    if cursor is not None:
        with contextlib.suppress(duckdb.Error):  # (closed meanwhile: the query was over)
            cursor.interrupt()


class _Interruptible:
    """The database as the warming reads it: each query on a cursor of its own, which a run that starts interrupts.

    DuckDB runs a query on every core and without the GIL, so a warming query that had begun when a person clicked
    (a pause comes only between steps) took the cores from that person's run for as long as it lasted: py-spy on the
    rankings page right after a start, the warming of every year's decks under way, showed runs of 1,3-2,0 s instead
    of ~0,2-0,5 s. Interrupted, the query waits for the runs to end (`_pause`) and runs again from the start.
    Keyed like the database it wraps (`path`), so what it computes is what the pages find."""

    MAX_TRIES = 50  # then the step fails (logged) and the warming goes on: a steady stream of runs wins

    def __init__(self, d: Database):
        self._d, self.path = d, d.path

    def query(self, name: str, **params):
        for attempt in range(self.MAX_TRIES):
            if attempt:
                _pause()
            with self._d.cursor() as cur:
                with _LOCK:
                    _STATE["cursor"] = cur
                try:
                    return cur.execute(query_text(name), params).df()
                except duckdb.InterruptException:
                    INTERRUPTED.append(name)
                    del INTERRUPTED[:-100]
                finally:
                    with _LOCK:
                        _STATE["cursor"] = None
        raise TimeoutError(f"warming query {name} interrupted {self.MAX_TRIES} times")


INTERRUPTED: list[str] = []  # the warming's queries interrupted by a run, the last 100 (tests read it)


def runs_under_way() -> bool:
    """Whether any run's thread (other than the caller's) is still alive."""
    me = threading.current_thread()
    with _LOCK:
        threads = list(_RUN_THREADS)
    return any(t is not me and t.is_alive() for t in threads)


QUIET_S = 0.3  # no run for this long before a step: a run's rerun (a filter written to the URL) starts right after it


def _pause(max_s: float | None = None) -> None:
    """Before a warming step: wait until no run has been under way for QUIET_S, at most `max_s` (PAUSE_MAX_S)."""
    end = time.monotonic() + (PAUSE_MAX_S if max_s is None else max_s)
    quiet_since = time.monotonic()
    while time.monotonic() < end:
        if runs_under_way():
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_S:
            return
        time.sleep(0.05)


def after_check(d: Database, version: int) -> None:
    """Warm the national views of `version` in the background unless done or under way (every run calls it: a
    dictionary lookup then)."""
    key = (str(d.path), version)
    with _LOCK:
        if _STATE["warmed"] == key or (_STATE["next"] is not None and _STATE["next"][1] == key):
            return
        _STATE["next"] = (d, key)
        if _STATE["running"]:
            return
        _STATE["running"] = True
    threading.Thread(target=_loop, name="par-warm", daemon=True).start()


def wait_idle(timeout: float = 120.0) -> bool:
    """Until no warming runs (tests that count computations wait for it first); False after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with _LOCK:
            if not _STATE["running"]:
                return True
        time.sleep(0.05)
    return False


def _loop() -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)  # this thread only (Linux)
    except (AttributeError, OSError):
        pass
    while True:
        with _LOCK:
            job, _STATE["next"] = _STATE["next"], None
            if job is None:
                _STATE["running"] = False
                return
            if _STATE["warmed"] == job[1]:
                continue
        d, key = job
        try:
            national_views(_Interruptible(d), key[1], pause=_pause, every_year=every_year())
        except Exception:  # a warming that fails costs the first visitor the wait it would have saved, nothing more
            _LOG.exception("warming the national views of data version %s failed", key[1])
        with _LOCK:
            _STATE["warmed"] = key
            RUNS.append(key)
            del RUNS[:-8]


def national_views(d: Database, version: int, lang: str = DEFAULT_LANG, year: int = ui.DEFAULTS["year"], *,
                   pause: Callable[[], None] = lambda: None, every_year: bool = False) -> None:
    """The queries, tables and figures the rankings page shows for each index in the 63-province structure (its
    default view), and the inspections page for the whole country, for the default year; with `every_year`, then the
    same for each other year of each index (newest first: a person steps back from the latest). `pause()` before
    each step."""
    done: set[int] = set()
    later: list[tuple[str, int]] = []
    _unit_views(d, version, year, pause)
    for family in rankings.FAMILIES:
        pause()
        total = {"family": family, "area": "TOTAL"}
        coverage = cached.result(d, version, "years_with_scores_for_family", total)
        allowed = [y for y in coverage.year.tolist() if y < FIRST_YEAR_S34]
        shown = year if year in allowed else rankings.opening_year(coverage, allowed) if allowed else None
        if shown is None:
            continue
        _rankings_views(d, version, family, shown, lang, pause)
        later += [(family, y) for y in sorted(allowed, reverse=True) if y != shown]
    _inspection_views(d, version, year, lang, pause)
    done.add(year)
    if not every_year:
        return
    _present_views(d, version, year, lang, pause)
    _map_views(d, version, year, lang, pause)
    for family, other in later:
        _rankings_views(d, version, family, other, lang, pause)
        if other not in done:
            _unit_views(d, version, other, pause)
            _inspection_views(d, version, other, lang, pause)
            _present_views(d, version, other, lang, pause)
            _map_views(d, version, other, lang, pause)
            done.add(other)


def _unit_views(d: Database, version: int, year: int, pause: Callable[[], None]) -> None:
    """What the sidebar's locality and every profile of the year are taken from (store/slices.py): every unit, every
    unit's lineage, every unit's indicators of the year (~0,1-0,2 s each)."""
    for name, params in (("admin_units_all", {}), ("unit_lineage_all", {}), ("unit_indicator_cards_year", {"year": year})):
        pause()
        cached.result(d, version, name, params)


def _rankings_views(d: Database, version: int, family: str, year: int, lang: str, pause: Callable[[], None]) -> None:
    """The rankings page's provinces section of one index and year, keyed as the page keys it (a pause before each
    computation: a figure alone can take a few hundred milliseconds)."""
    params = {"year": year, "family": family, "area": "TOTAL"}
    pause()
    provinces = cached.result(d, version, "par_score_by_province_year", params)
    if provinces.empty or provinces.score.isna().all():
        return
    pause()
    average = cached.result(d, version, "par_average_by_year", params).iloc[0]
    cached.result(d, version, "published_sources_for_year", params)
    pause()
    cached.derive(d, version, rankings.headline, "par_score_by_province_year", (), {}, params)
    pause()
    cached.derive(d, version, charts.ranking_bar, "par_score_by_province_year", (lang,),
                  rankings.chart_options(average, provinces, False), params)
    pause()
    cached.derive(d, version, rankings.province_table, "par_score_by_province_year", (lang, False), {}, params)


def _present_views(d: Database, version: int, year: int, lang: str, pause: Callable[[], None]) -> None:
    """The queries of the whole country's deck of one year as the presenter page builds it by default (today's date,
    no event or body named): ~30 queries, 1-1,5 s on the default database, most of a first deck's time. The deck
    itself is not kept from here (the page keys it by its own query function); a pause before each query."""
    def query(name: str, **params):
        pause()
        return cached.result(d, version, name, params)

    build_deck(query, lang=lang, year=year, province_id="", on=dt.date.today())
    # then the deck and its HTML as the page keys them (pages/present.py: the whole country's scope, no event or
    # body written, today's date, the normal colours); made from the results just kept, ~0,1-0,2 s
    pause()
    options = {"lang": lang, "year": year, "province_id": "", "event": "", "body": "", "on": dt.date.today(),
               "real_only": False}
    deck = cached.d(build_deck, None, cached.query, options=options)
    cached.derive(d, version, exports.to_html, None, (deck,), {"contrast": False, "plotly_src": assets.plotly_src()}, {})


def _map_views(d: Database, version: int, year: int, lang: str, pause: Callable[[], None]) -> None:
    """The map page's default view of one year (the default indicator, the whole country, the structure in force that
    year), keyed as pages/map.py keys it: its query, the choropleth and the table (a map figure takes ~0,2 s)."""
    indicator = ui.DEFAULTS["indicator"]
    structure = "S34" if year >= FIRST_YEAR_S34 else "S63"
    national_layer, _, _ = map_view.layers(structure, year)
    params = {"structure": national_layer[:3], "level": "province", "province_ids": [], "indicator": indicator, "year": year}
    pause()
    df = cached.result(d, version, "map_value_by_unit_year", params)
    if df.empty:
        return
    info = cached.result(d, version, "indicator_catalogue", {}).set_index("indicator_code").loc[indicator]
    pause()
    cached.derive(d, version, map_view.choropleth_of, "map_value_by_unit_year", (national_layer, None, lang),
                  {"unit": info.unit, "reverse_scale": info.direction == "lower", "selected_unit": None, "height": 640,
                   "uirevision": f"{national_layer}-", "geojson_url": assets.geojson_src(national_layer, None)}, params)
    pause()
    cached.derive(d, version, map_view.table_of, "map_value_by_unit_year", (lang, info.unit, "province"), {}, params)


def _inspection_views(d: Database, version: int, year: int, lang: str, pause: Callable[[], None]) -> None:
    """The inspections page for the whole country and one year."""
    selection = {"year": year, "provinces": [], "units": []}
    pause()
    cached.result(d, version, "inspection_by_selection", selection)
    cached.result(d, version, "inspection_totals_for_selection", {**selection, "area": "TOTAL"})
    pause()
    cached.derive(d, version, insp.source_refs, "inspection_by_selection", (), {}, selection)
    cached.derive(d, version, insp.timeline_rows_view, "inspection_by_selection", (insp.TIMELINE_MAX,), {}, selection)
    pause()
    cached.derive(d, version, insp.timeline_chart, "inspection_by_selection", (insp.TIMELINE_MAX, lang, False), {}, selection)
    pause()
    cached.derive(d, version, insp.visits_table, "inspection_by_selection", (lang,), {}, selection)
