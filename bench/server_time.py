"""Server time of each page's first run and main interactions, through streamlit.testing.v1.AppTest.

AppTest runs the app's script in this process the way the server's script runner does (same session state,
callbacks, widget reconciliation, st.cache_data). The clock is the script run alone: from the rerun request to
Streamlit's "script stopped" event, without AppTest turning the output into its element tree afterwards (the
server sends protobuf deltas while the script runs, so serialisation is inside the clock; the network and the
browser's drawing are not: the Chromium measurements cover those).

Each interaction is timed twice over the same values:
- uncached: every cache cleared before every rerun (cached.clear_caches), so every query runs on DuckDB and every cached builder
  reruns — what the first person to ask for that view sees after a start or an import (an import bumps the
  data version every cached query is keyed by);
- cached: after an untimed pass over the same values — what everyone asking for a view already asked for sees.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import streamlit.testing.v1.app_test as _app_test
import streamlit.testing.v1.local_script_runner as _runner
from streamlit.testing.v1 import AppTest

from bench.stats import percentile, summary
from par_dashboard.security import auth
from par_dashboard.shell import cached as shell_cached
from par_dashboard.shell import login

ROOT = Path(__file__).resolve().parent.parent
FIGURE_PAGES = ("rankings", "map", "locality", "indicators", "inspections", "present")
# Every session signs in as this data officer (every page and control drawn, as before the login existed); the user
# is in a users file of the suite's own (bench_users, pointed to by $PAR_USERS_FILE).
BENCH_USER = "bench_officer"


def bench_users(path: Path) -> Path:
    import secrets

    from par_dashboard.security import auth

    auth.add_user(BENCH_USER, "data_officer", secrets.token_urlsafe(16), path=path)
    return path


class _Quiet(logging.Filter):
    """AppTest runs without a server runtime and Streamlit warns so on every run: noise beside the progress lines.
    A filter, not a level: Streamlit resets its loggers' levels when it reads its config."""

    NOISE = ("missing ScriptRunContext", "No runtime found, using MemoryCacheStorageManager")

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(n in record.getMessage() for n in self.NOISE)


def _quiet() -> None:
    for name in ("streamlit.runtime.scriptrunner_utils.script_run_context", "streamlit.runtime.caching.cache_data_api"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _Quiet) for f in logger.filters):
            logger.addFilter(_Quiet())


class ScriptClock:
    """Times every AppTest script run by wrapping the runner's wait for the script to stop.

    While it is active, AppTest's runs also share one ScriptCache, as the server's do (one per runtime): AppTest
    makes a new one per run, which recompiles every script with its magic AST pass on every rerun (~20 ms a
    page on this machine) — a cost the server does not have.
    """

    def __init__(self):
        self.last: float | None = None
        self.last_cpu: float | None = None  # CPU seconds of the whole process meanwhile (DuckDB's threads included)
        self._original = _runner.require_widgets_deltas
        self._original_cache = _app_test.ScriptCache

    def __enter__(self) -> ScriptClock:
        _quiet()
        shared = self._original_cache()
        _app_test.ScriptCache = lambda: shared
        original = self._original

        def timed(runner, timeout: float = 3) -> None:
            t0, cpu0 = time.perf_counter(), time.process_time()
            try:
                original(runner, timeout)
            finally:
                self.last, self.last_cpu = time.perf_counter() - t0, time.process_time() - cpu0

        _runner.require_widgets_deltas = timed
        return self

    def __exit__(self, *exc) -> None:
        _runner.require_widgets_deltas = self._original
        _app_test.ScriptCache = self._original_cache


@dataclass
class Interaction:
    page: str
    name: str
    values: list
    apply: Callable[[AppTest, object], None]
    base: dict = field(default_factory=dict)  # query parameters of the session's first run


@dataclass
class Fixtures:
    """Values the interactions cycle through, read from the database before the measured runs."""

    years: list[int]  # years of the 63-province structure, newest first
    provinces: list[str]  # S63 province ids, spread over the country
    profiles: list[tuple[str, str]]  # (province, district) pairs in different provinces
    search_words: list[str]
    home: tuple[str, str] = ("S63-P-20", "S63-D-183")  # Lạng Sơn, Cao Lộc: the locality page's base


def _p50_ms(seconds: list[float]) -> float:
    """CPU time is reported beside wall time: on a machine other work is loading, CPU time moves less."""
    return round(percentile(seconds, 0.5) * 1000, 1)


def _set(widget: str, key: str) -> Callable[[AppTest, object], None]:
    def apply(at: AppTest, value) -> None:
        getattr(at, widget)(key=key).set_value(value)
    return apply


def _search(at: AppTest, value) -> None:
    at.text_input(key="insp_search").input(value)


def _open_profile(at: AppTest, value) -> None:
    """What a click on a bar or a region does (ui.open_locality): pending filters, applied on the next run."""
    province, district = value
    at.session_state["_pending_filters"] = {"structure": "S63", "province": province, "unit": district,
                                            "_profile_department": ""}


def _cycle(values: list, n: int, skip=None) -> list:
    """n values taken in turn from `values`, never the same twice in a row nor first equal to `skip`."""
    pool = [v for v in values if v != skip] or values
    return [pool[i % len(pool)] for i in range(n)]


def interactions(fx: Fixtures, reps: int) -> list[Interaction]:
    out: list[Interaction] = []
    for page in FIGURE_PAGES:
        base = {"province": fx.home[0], "unit": fx.home[1]} if page == "locality" else {}
        out.append(Interaction(page, "change year", _cycle(fx.years, reps, skip=2024), _set("selectbox", "_w_year"), base))
        out.append(Interaction(page, "change province", _cycle(fx.provinces, reps, skip=base.get("province")),
                               _set("selectbox", "_w_province"), base))
        out.append(Interaction(page, "switch structure", _cycle(["S34", "S63"], reps), _set("radio", "_w_structure"), base))
    out.append(Interaction("locality", "open a profile", _cycle(fx.profiles, reps), _open_profile,
                           {"province": fx.home[0], "unit": fx.home[1]}))
    out.append(Interaction("inspections", "filter findings: area",
                           _cycle(["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "TOTAL"], reps), _set("selectbox", "_w_area")))
    out.append(Interaction("inspections", "filter findings: kind", _cycle(["limitation", "recommendation", "result", ""], reps),
                           _set("selectbox", "insp_kind")))
    out.append(Interaction("inspections", "filter findings: status", _cycle(["open", "in_progress", "resolved", ""], reps),
                           _set("selectbox", "insp_status")))
    out.append(Interaction("inspections", "filter findings: search", _cycle(fx.search_words, reps), _search))
    return out


class Runner:
    """Drives AppTest sessions and records every script run's time and any exception the app raised."""

    def __init__(self, log: Callable[[str], None] = print):
        self.clock = ScriptClock()
        self.errors: list[str] = []
        self.cpu: list[float] = []
        self.log = log

    def run(self, at: AppTest, what: str) -> float:
        at.run()
        self.cpu.append(self.clock.last_cpu)
        if at.exception:
            self.errors.append(f"{what}: {at.exception[0].message}")
        return self.clock.last

    def session(self, page: str, base: dict, *, cold: bool = False) -> tuple[AppTest, float]:
        """A new session opened on `page` with `base` in its URL; returns it and the time of the page's first run
        (caches cleared first when `cold`). A session starts on the default page (rankings), as in the browser."""
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=900)
        at.session_state[login.SESSION_KEY] = auth.LoggedIn(BENCH_USER)
        for k, v in base.items():
            at.query_params[k] = v
        if page == "rankings":
            if cold:
                shell_cached.clear_caches()
            return at, self.run(at, f"{page} first run")
        self.run(at, "session start")
        at.switch_page(f"pages/{page}.py")
        if cold:
            shell_cached.clear_caches()
        return at, self.run(at, f"{page} first run")

    def _away_from_first(self, at: AppTest, it: Interaction) -> None:
        """Before a pass: leave the pass's first value if the session stands on it (5 values cycling over
        two end where they begin), so that its first rerun changes something too."""
        others = [v for v in it.values if v != it.values[0]]
        if it.values[-1] == it.values[0] and others:
            it.apply(at, others[0])
            self.run(at, f"{it.page} {it.name} {others[0]}")

    def interaction(self, it: Interaction) -> dict:
        at, _ = self.session(it.page, it.base)
        uncached, n_cpu = [], len(self.cpu)
        for v in it.values:
            it.apply(at, v)
            shell_cached.clear_caches()
            uncached.append(self.run(at, f"{it.page} {it.name} {v}"))
        uncached_cpu = self.cpu[n_cpu:]
        for v in it.values:  # fill the cache with every view the timed pass asks for
            it.apply(at, v)
            self.run(at, f"{it.page} {it.name} {v}")
        self._away_from_first(at, it)
        cached, n_cpu = [], len(self.cpu)
        for v in it.values:
            it.apply(at, v)
            cached.append(self.run(at, f"{it.page} {it.name} {v}"))
        return {"uncached": {**summary(uncached), "cpu_p50_ms": _p50_ms(uncached_cpu)},
                "cached": {**summary(cached), "cpu_p50_ms": _p50_ms(self.cpu[n_cpu:])}}


def measure(fx: Fixtures, reps: int, first_runs: int, log: Callable[[str], None] = print,
            checkpoint: Callable[[dict], None] | None = None, pages_wanted: tuple[str, ...] | None = None) -> dict:
    """First runs of every page (data.py included), then every interaction; see the module docstring.
    `checkpoint` gets the figures so far after each interaction (a long run stopped midway keeps them)."""
    runner = Runner(log)
    with runner.clock:
        runner.session("rankings", {})  # imports and the database connection: cold start measures those
        pages: dict[str, dict] = {}
        for page in (p for p in (*FIGURE_PAGES, "data") if not pages_wanted or p in pages_wanted):
            base = {"province": fx.home[0], "unit": fx.home[1]} if page == "locality" else {}
            times = [runner.session(page, base, cold=True)[1] for _ in range(first_runs)]
            pages[page] = {"first_run": summary(times), "interactions": {}}
            log(f"  {page}: first run p50 {pages[page]['first_run']['p50_ms']:.0f} ms")
        for it in (i for i in interactions(fx, reps) if i.page in pages):
            t0 = time.perf_counter()
            result = runner.interaction(it)
            pages[it.page]["interactions"][it.name] = result
            log(f"  {it.page} / {it.name}: uncached p50 {result['uncached']['p50_ms']:.0f} p95 {result['uncached']['p95_ms']:.0f}"
                f" · cached p50 {result['cached']['p50_ms']:.0f} p95 {result['cached']['p95_ms']:.0f} ms"
                f" ({time.perf_counter() - t0:.0f} s)")
            if checkpoint:
                checkpoint(_result(pages, reps, runner.errors))
    return _result(pages, reps, runner.errors)


def _result(pages: dict, reps: int, errors: list[str]) -> dict:
    return {"method": "streamlit.testing.v1.AppTest in the suite's process; clock = the script run (rerun request to "
                      "'script stopped'), AppTest's element-tree parsing excluded, compiled scripts shared between runs "
                      "as in the server",
            "reps": reps, "pages": pages, "errors": errors}


def naive_baseline(years: list[int], reps: int, log: Callable[[str], None] = print) -> dict:
    """bench/naive_rankings.py timed like our rankings page: its first run (loading the tables), then reruns
    changing the year (those of `years` the page offers). The page has no cache to clear: every rerun filters the
    whole tables again."""
    runner = Runner(log)
    with runner.clock:
        at = AppTest.from_file(str(ROOT / "bench" / "naive_rankings.py"), default_timeout=900)
        first = runner.run(at, "naive first run")
        offered = {int(y) for y in at.selectbox(key="year").options}
        reruns = []
        for v in _cycle([y for y in years if y in offered], reps, skip=2024):
            at.selectbox(key="year").set_value(v)
            reruns.append(runner.run(at, f"naive year {v}"))
    return {"first_run": summary([first]), "change year": summary(reruns), "errors": runner.errors}
