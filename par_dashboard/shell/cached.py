"""The pages' data: the process's database (checked, built or restored once at the server's start), and every
query, derived table and figure kept per data version (par_dashboard/store/cache.py), looked up once per script run.

Apart from the filters and widgets (ui.py) because the login (login.py) reads through it too."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from par_dashboard.building import recovery
from par_dashboard.i18n import t
from par_dashboard.paths import DEFAULT_DB
from par_dashboard.store import backup, snapshots
from par_dashboard.store.cache import RESULTS
from par_dashboard.store.db import Database


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


def _once_per_run(name: str, compute: Callable, *depends_on):
    """`compute()` once per script run (fragment runs included: Streamlit gives each run a new `cursors` dict), and
    again within the run when one of `depends_on` changes; outside a run, every time."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return compute()
    memo = getattr(ctx, name, None)
    if memo is not None and memo[0] is ctx.cursors and memo[1] == depends_on:
        return memo[2]
    value = compute()
    setattr(ctx, name, (ctx.cursors, depends_on, value))
    return value


def db() -> Database:
    """The process's Database, looked up once per script run (st.cache_resource hashes its argument on every call)."""
    return _once_per_run("_par_db", lambda: database(str(db_path())))


def data_version(d: Database) -> int:
    """The data version, read once per script run (a cached rerun asked for it with every query: ~1–4 ms each).
    A run sees one version throughout, except after a write of its own (an import on the Dữ liệu page), which
    counts in `Database.writes`."""
    return _once_per_run("_par_data_version", d.data_version, d, d.writes)


def _frozen(value):
    """A hashable form of a query parameter or view argument (lists of unit ids become tuples)."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value


def _result(path: str, version: int, name: str, params: tuple) -> pd.DataFrame:
    return RESULTS.get(("query", path, version, name, _frozen(params)), lambda: database(path).query(name, **dict(params)))


def query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters; kept (par_dashboard.store.cache) until the data version changes."""
    d = db()
    return _result(str(d.path), data_version(d), name, tuple(sorted(params.items())))


def view(fn: Callable, name: str, *args, **params):
    """`fn(query(name, **params), *args)`, kept like the query itself. For what a page derives in Python from a
    large result (a table formatted for people, a search over 50,000 findings): it runs once per data version and
    arguments, not on every rerun. `fn` must be a module-level function (it is keyed by its qualified name)."""
    d = db()
    path, version, key = str(d.path), data_version(d), tuple(sorted(params.items()))
    fn_name = f"{fn.__module__}.{fn.__qualname__}"

    def compute():
        return fn(_result(path, version, name, key), *args)

    return RESULTS.get(("view", path, version, fn_name, name, _frozen(key), _frozen(args)), compute)


def view_figure(builder: Callable, name: str, *args, options: dict | None = None, **params):
    """`builder(query(name, **params), *args, **options)` kept like `view`, keyed by the query and the arguments
    rather than by a hash of the query's result (figcache.memo_figure hashes its DataFrames on every call: ~5 ms for
    the rankings page's 63 provinces). `builder` is a memo_figure builder; what is kept is its pickled dict."""
    import pickle

    from par_dashboard.views.figcache import KeptFigure

    d = db()
    path, version, key = str(d.path), data_version(d), tuple(sorted(params.items()))
    options = options or {}
    fn = getattr(builder, "__wrapped__", builder)

    def compute() -> bytes:
        figure = fn(_result(path, version, name, key), *args, **options)
        return pickle.dumps(figure.to_plotly_json(), protocol=pickle.HIGHEST_PROTOCOL)

    fn_name = f"{fn.__module__}.{fn.__qualname__}"
    spec = RESULTS.get(("figure", path, version, fn_name, name, _frozen(key), _frozen(args), _frozen(options)), compute)
    return KeptFigure(spec)


def memo(key: tuple, compute: Callable[[], object]):
    """`compute()` kept per data version under `key` (which must name everything the result depends on): for what a
    page assembles from several cached queries, such as one inspection's summary."""
    d = db()
    return RESULTS.get(("memo", str(d.path), data_version(d), _frozen(key)), compute)


def clear_caches() -> None:
    """Every cached query result, derived table and figure of this process (the benchmark's uncached runs)."""
    from par_dashboard.views import figcache

    RESULTS.clear()
    figcache.clear_all()
    st.cache_data.clear()


def unit_labels(unit_ids: list[str]) -> dict[str, str]:
    if not unit_ids:
        return {}
    return dict(zip(unit_ids, [query("unit_by_id", unit_id=u).short_name.iloc[0] for u in unit_ids], strict=True))
