"""The pages' data: the process's database (checked, built or restored once at the server's start), and every
query, derived table and figure kept per data version in ONE cache (par_dashboard/store/cache.py, bounded by bytes,
figures included): `query(name, **params)` for a query's result, `derived(fn, name, *args, **params)` for what is
made from it. The data version is looked up once per script run.

Apart from the filters and widgets (ui.py) because the login (login.py) reads through it too."""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from par_dashboard.building import recovery
from par_dashboard.i18n import t
from par_dashboard.paths import DEFAULT_DB
from par_dashboard.store import backup, realonly, snapshots
from par_dashboard.store.cache import RESULTS
from par_dashboard.store.db import Database
from par_dashboard.store.slices import SLICES


def db_path() -> Path:
    return Path(os.environ.get("PAR_DB", DEFAULT_DB))


_CHECKED: dict[str, backup.Recovery | None] = {}  # database path -> what its check at this server's start did (None: sound)
_CHECK_LOCK = threading.Lock()


def ensure_database(lang: str) -> None:
    """Once per server process: a missing database built (or restored), a damaged one set aside and replaced by
    its latest backup (par_dashboard.building.recovery.recover), with progress; what was done is said once per session."""
    path = str(db_path())
    with _CHECK_LOCK:
        if path not in _CHECKED:
            bar = []

            def progress(f: float, msg: str) -> None:
                bar[:] = bar or [st.progress(0.0)]
                bar[0].progress(min(1.0, f), text=f"{t('building', lang)} {msg}")

            folder = snapshots.folder_from_env()
            # One of several workers: `serve --workers` checked the file before starting them and says what it did
            # (a worker must not look: another may be writing to it).
            _CHECKED[path] = (recovery.recovery_notice(folder) if folder else
                              recovery.recover(Path(path), progress=progress))
            for b in bar:
                b.empty()
    notice = _CHECKED[path]  # (a first start's build says nothing more than its progress bar did)
    if notice is not None and (notice.damaged or notice.restored) and not st.session_state.get("_recovery_said"):
        st.session_state["_recovery_said"] = True
        if st.query_params.get("lang") in ("vi", "en"):  # a session's first run: the URL's language (init_state adopts it next)
            lang = st.query_params["lang"]
        st.warning(notice.message(lang), icon=":material/settings_backup_restore:")


@st.cache_resource(show_spinner=False)
def database(path: str) -> Database:
    from par_dashboard.security.auth import read_only_instance

    folder = snapshots.folder_from_env()
    if folder is not None:  # one of `serve --workers N`: the published snapshot, writes under the shared lock
        return Database(Path(path), snapshots=snapshots.Snapshots(Path(path), folder))
    return Database(Path(path), read_only=read_only_instance())


# ---- one run's view of the database: the Database and its data version, looked up once per script run
# Streamlit has no public per-run store; a run's memo lives in session state, replaced at the start of every run
# (`new_run`, called by dashboard.py and by each fragment). A session runs one script (or fragment) at a time.
_RUN = "_par_run"


def new_run() -> None:
    """Start a script run's memo: the next lookups read the database path and data version afresh (a fragment
    calls it too, so that its reruns see an import made in another session)."""
    st.session_state[_RUN] = {}


def _run_memo() -> dict | None:
    try:
        return st.session_state.get(_RUN)
    except Exception:  # no session (a thread of its own, a script outside Streamlit): nothing kept, looked up each time  # noqa: BLE001
        return None


def db() -> Database:
    """The process's Database (st.cache_resource hashes its argument on every call, so the path is read once a run)."""
    memo = _run_memo()
    if memo is None:
        return database(str(db_path()))
    if "path" not in memo:
        memo["path"] = str(db_path())
    return database(memo["path"])


def data_version(d: Database) -> int:
    """The data version, read once per script run (~1–2 ms each on DuckDB, and a page asks with each of its ~20
    queries). A run sees one version throughout, except after a write of its own (an import on the Dữ liệu page),
    which counts in `Database.writes`."""
    memo = _run_memo()
    if memo is None:
        return d.data_version()
    seen = memo.setdefault("versions", {})  # the primary's, and the real-only copy's when the switch is on
    key = (str(d.path), d.writes)
    if key not in seen:
        seen[key] = d.data_version()
    return seen[key]


def real_only() -> bool:
    """The "real data only" switch (a shared filter, ?real=1): off outside a session."""
    try:
        return bool(st.session_state.get("real", 0))
    except Exception:  # no session (a thread of its own, a script outside Streamlit)  # noqa: BLE001
        return False


def reader() -> Database:
    """What the pages read: the database, or with the switch on its copy without a synthetic row (store/realonly.py),
    made for the data version on first use. Writes (the Dữ liệu page, the follow-up form) use `db()`."""
    d = db()
    if not real_only():
        return d
    return realonly.database(d, data_version(d))


# ---- the one cache: every query result and everything derived from one, in RESULTS (store/cache.py)
def _frozen(value):
    """A hashable form of a query parameter or argument that equals itself from one run to the next: lists of unit
    ids become tuples, numpy's scalars Python's (`df.col.any()` is a numpy bool), a missing number (NaN, which
    equals nothing, itself included: a key holding one would miss on every run) None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


@dataclasses.dataclass(frozen=True)
class Q:
    """A query's result as an argument of `derived` (for what is made of several results): keyed by the query's
    name and parameters, fetched through the cache when the derived value is computed. Make one with `q(...)`."""

    name: str
    key: tuple  # the parameters, hashable
    params: dict = dataclasses.field(compare=False, hash=False)


def q(name: str, **params) -> Q:
    return Q(name, _frozen(tuple(sorted(params.items()))), params)


def _query_key(d: Database, version: int, name: str, params: dict) -> tuple:
    return ("query", str(d.path), version, name, _frozen(tuple(sorted(params.items()))))


def result(d: Database, version: int, name: str, params: dict) -> pd.DataFrame:
    """`query` for a given database and data version (what a thread without a session, the warming, calls). A query
    of `SLICES` is taken from its wider query's kept rows (store/slices.py), not asked of DuckDB."""
    wider = SLICES.get(name)
    if wider is None or not wider.applies(params):
        return RESULTS.get(_query_key(d, version, name, params), lambda: d.query(name, **params))
    return RESULTS.get(_query_key(d, version, name, params),
                       lambda: wider.part(result(d, version, wider.source, wider.whole(params)), params))


def query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters; kept (par_dashboard.store.cache) until the data version changes.
    With "real data only" on, on the copy without synthetic rows (`reader`)."""
    d = reader()
    return result(d, data_version(d), name, params)


def query_from(name: str, whole: dict, part: Callable[[pd.DataFrame], pd.DataFrame], **params) -> pd.DataFrame:
    """`query(name, **params)`, made without DuckDB from `query(name, **whole)` as `part(whole's result)` when it is
    not kept already, and kept under its own parameters (so that what is derived from it finds it). Only for a
    query whose rows for `params` are exactly `part` of its rows for `whole` — a test states it for each use
    (tests/test_query_parts.py). A query costs 20-50 ms on DuckDB, most of it planning, whatever its rows."""
    d = reader()
    version = data_version(d)
    return RESULTS.get(_query_key(d, version, name, params), lambda: part(result(d, version, name, whole)))


class KeptFigure(go.Figure):
    """A figure standing for a kept dict (plotly's, pickled), made into plotly's objects only when something reads
    or changes it.

    `st.plotly_chart` only calls `to_dict()` on a figure; building plotly's objects from the dict first (which
    copies every trace, a map's whole geometry included) cost a cached rerun of the map page ~200 ms. So
    `to_dict()` of an untouched KeptFigure is the kept dict unpickled (a copy of its own for each caller); any
    other attribute — `fig.data`, `fig.update_layout(...)`, `copy.deepcopy(fig)` — first makes the ordinary plotly
    figure (without validating again: the dict came out of a validated figure), after which this is plotly's
    figure in every respect. Plotly has no public lazy figure: this subclass is the way.
    """

    _UNTOUCHED = frozenset({"to_dict", "_kept", "_ready", "_materialise", "__class__", "__dict__"})

    def __init__(self, spec: bytes):  # plotly's own __init__ runs on first use (_materialise)
        object.__setattr__(self, "_kept", spec)
        object.__setattr__(self, "_ready", False)

    def __getattribute__(self, name: str):
        if name not in KeptFigure._UNTOUCHED and not object.__getattribute__(self, "_ready"):
            object.__getattribute__(self, "_materialise")()
        return object.__getattribute__(self, name)

    def _materialise(self) -> None:
        object.__setattr__(self, "_ready", True)
        go.Figure.__init__(self, pickle.loads(self._kept), _validate=False)

    def __reduce__(self):  # a copy or a pickle of it is an ordinary figure
        return go.Figure, (self.to_dict(),)

    def to_dict(self) -> dict:
        if not self._ready:
            return pickle.loads(self._kept)
        return go.Figure.to_dict(self)


class _Figure(bytes):
    """A figure as kept: its plotly dict, pickled (counted in the cache's bytes like any bytes)."""


@dataclasses.dataclass(frozen=True)
class D:
    """What `derived` makes, as an argument of another `derived` (a deck, then its HTML): keyed by its own key,
    computed (or found) through the cache when the other is computed. Make one with `d(...)`."""

    fn: Callable
    name: str | None
    args: tuple
    key: tuple  # the parameters and options, hashable
    params: dict = dataclasses.field(compare=False, hash=False)
    options: dict = dataclasses.field(compare=False, hash=False)


def d(fn: Callable, name: str | None, *args, options: dict | None = None, **params) -> D:
    options = options or {}
    return D(fn, name, _frozen(args), (_frozen(tuple(sorted(params.items()))), _frozen(options)), params, options)


def _resolve(value, d: Database, version: int):
    if isinstance(value, Q):
        return result(d, version, value.name, value.params)
    if isinstance(value, D):
        return derive(d, version, value.fn, value.name, value.args, value.options, value.params)
    if isinstance(value, dict):
        return {k: _resolve(v, d, version) for k, v in value.items()}
    return value


def derive(d: Database, version: int, fn: Callable, name: str | None, args: tuple, options: dict, params: dict):
    """`derived` for a given database and data version (what a thread without a session, the warming, calls)."""
    fn_name = f"{fn.__module__}.{fn.__qualname__}"
    key = ("derived", str(d.path), version, fn_name, name, _frozen(tuple(sorted(params.items()))), _frozen(args),
           _frozen(options))

    def compute():
        DERIVED_RUNS[fn_name] = DERIVED_RUNS.get(fn_name, 0) + 1
        lead = () if name is None else (result(d, version, name, params),)
        value = fn(*lead, *(_resolve(a, d, version) for a in args), **_resolve(options, d, version))
        if isinstance(value, go.Figure):
            # Always a figure made from the kept dict, the first time included: Streamlit derives a chart's widget
            # id from its JSON, which must not change between the run that built it and the next (a click would
            # be lost). Numeric arrays may come back in plotly's typed-array form ({"dtype", "bdata"}), drawn the same.
            return _Figure(pickle.dumps(value.to_plotly_json(), protocol=pickle.HIGHEST_PROTOCOL))
        return value

    value = RESULTS.get(key, compute)
    return KeptFigure(value) if isinstance(value, _Figure) else value


DERIVED_RUNS: dict[str, int] = {}  # computations of `derived` per function: tests check a rerun computes nothing


def derived(fn: Callable, name: str | None, *args, options: dict | None = None, **params):
    """`fn(query(name, **params), *args, **options)`, kept like the query itself (per data version and arguments):
    a table formatted for people, a figure, a page's summary. Every argument must be hashable or a list / dict of
    such; a `q(...)` among `args` or `options` stands for that query's result (for what is made of several), a
    `d(...)` for what another `derived` makes;
    `name=None`: no leading query result. `fn` must be a module-level function (it is keyed by its qualified
    name). A figure is kept as plotly's dict and handed back as a KeptFigure, each caller its own."""
    if name is None and params:
        raise TypeError("query parameters without a query name")
    d = reader()
    return derive(d, data_version(d), fn, name, args, options or {}, params)


def clear_caches() -> None:
    """Every cached query result, derived table and figure of this process (the benchmark's uncached runs)."""
    RESULTS.clear()
    st.cache_data.clear()


def unit_labels(unit_ids: list[str]) -> dict[str, str]:
    if not unit_ids:
        return {}
    return dict(zip(unit_ids, [query("unit_by_id", unit_id=u).short_name.iloc[0] for u in unit_ids], strict=True))
