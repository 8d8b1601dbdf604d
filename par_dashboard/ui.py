"""Streamlit glue shared by the entry file and the pages: the database, cached queries, shared filters."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

from par_dashboard import backup, exports, login, snapshots
from par_dashboard.db import Database
from par_dashboard.i18n import t
from par_dashboard.paths import DEFAULT_DB
from par_dashboard.resultcache import RESULTS
from par_dashboard.untrusted import markdown_text

FIRST_YEAR_S34 = 2025


def db_path() -> Path:
    return Path(os.environ.get("PAR_DB", DEFAULT_DB))


_CHECKED: dict[str, backup.Recovery | None] = {}  # database path -> what its check at this server's start did (None: sound)
_CHECK_LOCK = threading.Lock()


def ensure_database(lang: str) -> None:
    """Once per server process: a missing database built (or restored), a damaged one set aside and replaced by
    its latest backup (par_dashboard.backup.recover), with progress; what was done is said once per session."""
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
            _CHECKED[path] = (snapshots.recovery_notice(folder) if folder else
                              backup.recover(Path(path), progress=progress))
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
    from par_dashboard.auth import read_only_instance

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
    """Run queries/<name>.sql with bound parameters; kept (par_dashboard.resultcache) until the data version changes."""
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

    from par_dashboard.figcache import KeptFigure

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


_RUN_LOG = logging.getLogger("par_dashboard.runs")


def run_clock() -> tuple[float, float] | None:
    """With PAR_LOG_RUNS=1, the start of a script run, for log_run at its end."""
    return (time.perf_counter(), time.thread_time()) if os.environ.get("PAR_LOG_RUNS") else None


def log_run(clock: tuple[float, float] | None, page: str) -> None:
    """Each script run's server time in the log (`par_dashboard.runs`): what the browser measures from a click
    includes the network and the drawing; this is the server's share alone."""
    if clock is not None:
        _RUN_LOG.warning("run %s: %.1f ms (thread CPU %.1f ms)", page, (time.perf_counter() - clock[0]) * 1000,
                         (time.thread_time() - clock[1]) * 1000)


def clear_caches() -> None:
    """Every cached query result, derived table and figure of this process (the benchmark's uncached runs)."""
    from par_dashboard import figcache

    RESULTS.clear()
    figcache.clear_all()
    st.cache_data.clear()


# ---- shared filters: canonical values in session state, mirrored in the URL
# Widgets bind to their own "_w_<name>" keys and copy into the canonical key on change, because Streamlit
# forgets the state of a widget that a page does not draw: the canonical keys survive moving between pages.
DEFAULTS = {"lang": "vi", "structure": "S63", "year": 2024, "province": "", "unit": "", "indicator": "PAR_INDEX",
            "area": "TOTAL"}
FILTER_KEYS = tuple(DEFAULTS)
AREAS = ("TOTAL", "A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8")


def _validate(key: str, text: str):
    """The typed value of a URL parameter, or raise ValueError."""
    if key == "lang" and text in ("vi", "en"):
        return text
    if key == "structure" and text in ("S63", "S34"):
        return text
    if key == "year":
        year = int(text)
        if 2000 <= year <= 2100:
            return year
    if key == "area" and text in AREAS:
        return text
    if key == "indicator" and text in set(query("indicator_catalogue").indicator_code):
        return text
    if key in ("province", "unit"):
        if text == "":
            return text
        found = query("unit_by_id", unit_id=text)
        if not found.empty and (found.level.iloc[0] == "province") == (key == "province"):
            return text
    raise ValueError(text)


def init_state() -> list[str]:
    """Adopt the URL's filters on the first run of a session and whenever the URL changed under us
    (back/forward, an edited link); return the parameters that were ignored as invalid, as Markdown to show (a link
    can carry any text: it is escaped and cut short, never formatted).

    Moving between pages clears the query string: a URL without any of our keys keeps the session's filters.
    """
    if pending := st.session_state.pop("_pending_filters", None):
        st.session_state.update(pending)
        return []
    qp = {k: st.query_params[k] for k in FILTER_KEYS if k in st.query_params}
    written = st.session_state.get("_url_written")
    if written is not None and (not qp or qp == written):
        return []
    notices: list[str] = []
    values = dict(DEFAULTS)
    for key, text in qp.items():
        try:
            values[key] = _validate(key, text)
        except ValueError:
            notices.append(f"{key}={markdown_text(text if len(text) <= 60 else text[:60] + '…')}")
    if values["unit"] and not values["province"]:
        values["province"] = query("unit_by_id", unit_id=values["unit"]).province_id.iloc[0]
    st.session_state.update(values)
    st.session_state["_url_written"] = qp
    return notices


def sync_url() -> None:
    """Write the filters to the URL: only the ones that differ from their defaults, in a fixed order."""
    wanted = {k: str(st.session_state[k]) for k in FILTER_KEYS if st.session_state.get(k, DEFAULTS[k]) != DEFAULTS[k]}
    if {k: st.query_params.get(k) for k in FILTER_KEYS if k in st.query_params} != wanted:
        for key in FILTER_KEYS:
            if key in st.query_params and key not in wanted:
                del st.query_params[key]
        for key, value in wanted.items():
            st.query_params[key] = value
    st.session_state["_url_written"] = wanted


def set_filter(**values) -> None:
    """Change shared filters from code (a click on a chart); choosing a province clears the unit below it."""
    if "province" in values and values["province"] != st.session_state.get("province") and "unit" not in values:
        values["unit"] = ""
    st.session_state.update(values)


def _copy_widget(name: str) -> None:
    set_filter(**{name: st.session_state[f"_w_{name}"]})


def filter_widget(widget, name: str, label: str, options: list, **kwargs):
    """A selectbox/radio/segmented control bound to a shared filter; a stale value falls back to the first option."""
    if st.session_state.get(name) not in options and options:
        set_filter(**{name: options[0]})
    st.session_state[f"_w_{name}"] = st.session_state.get(name)
    return widget(label, options, key=f"_w_{name}", on_change=_copy_widget, args=(name,), **kwargs)


def province_in(structure: str) -> list[str]:
    """The chosen province as unit ids of `structure`: itself, its current province (S63 -> S34),
    or the old provinces it was formed from (S34 -> S63). Empty when no province is chosen."""
    province = st.session_state.get("province", "")
    if not province:
        return []
    if province.startswith(structure):
        return [province]
    lineage = query("province_lineage", province_id=province)
    return lineage[lineage.structure == structure].unit_id.tolist()


def unit_labels(unit_ids: list[str]) -> dict[str, str]:
    if not unit_ids:
        return {}
    return dict(zip(unit_ids, [query("unit_by_id", unit_id=u).short_name.iloc[0] for u in unit_ids], strict=True))


def downloads(df, *, name: str, title: str, filters: dict[str, object], demo: bool, key: str,
              sources: list[str] | None = None) -> None:
    """CSV and Excel buttons for a table; the files are made only when clicked, named after the filters. `df` may be
    a function returning the table, so a large table is formatted only when someone downloads it. Only for roles
    that may export (login.allowed): nothing is drawn for the others."""
    if not login.allowed("export"):
        return
    lang_ = lang()
    table = df if callable(df) else lambda: df
    stem = exports.file_stem(name, filters)
    row = st.container(horizontal=True)
    row.download_button(t("download_csv", lang_), data=lambda: exports.to_csv_bytes(table(), lang_),
                       file_name=exports.csv_file_name(stem, lang_),
                       mime="text/csv", key=f"csv_{key}", on_click="ignore", icon=":material/download:")
    row.download_button(t("download_xlsx", lang_),
                       data=lambda: exports.to_xlsx_bytes(table(), title=title, filters=filters, lang=lang_, demo=demo, sources=sources),
                       file_name=f"{stem}.xlsx", key=f"xlsx_{key}", on_click="ignore", icon=":material/table:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def chart_config(**options) -> dict:
    """Plotly's options for a chart of a page: no logo, and the modebar's "Download plot as a PNG" only for roles
    that may export (a chart's image is a download too); zoom, pan and reset stay for everyone."""
    config = {"displaylogo": False, **options}
    if not login.allowed("export"):
        config["modeBarButtonsToRemove"] = ["toImage"]
    return config


def lang() -> str:
    return st.session_state.get("lang", "vi")


def demo_badge(lang_: str) -> None:
    st.warning(f"**{t('demo_label', lang_)}** — {t('demo_notice', lang_)}", icon="⚠️")


def locality_filters(lang_: str) -> None:
    """Sidebar: province, then district and commune (63-province structure) or commune (34-province one).
    A chosen locality follows a structure switch to its counterpart (old province -> current province)."""
    structure = st.session_state.structure
    province = st.session_state.get("province", "")
    if province and not province.startswith(structure):
        counterpart = province_in(structure)
        unit = st.session_state.get("unit", "")
        new_unit = ""
        if unit.startswith("S63-C-") and structure == "S34":
            new_unit = query("unit_lineage", unit_id=unit).query("relation == 'became'").unit_id.head(1).tolist()
            new_unit = new_unit[0] if new_unit else ""
        set_filter(province=counterpart[0] if counterpart else "", unit=new_unit)
    provinces = query("provinces_by_structure", structure=structure)
    scope = login.province_scope(structure)  # a province-scoped user: their province, fixed
    if scope is not None:
        provinces = provinces[provinces.unit_id.isin(scope)]
    names = dict(zip(provinces.unit_id, provinces.short_name, strict=True))
    filter_widget(st.selectbox, "province", t("province", lang_), [""] * (scope is None) + provinces.unit_id.tolist(),
                  format_func=lambda u: names.get(u) or t("whole_country", lang_), disabled=scope is not None and len(scope) == 1)
    province = st.session_state.province
    if not province:
        return
    unit = st.session_state.get("unit", "")
    chosen = query("unit_by_id", unit_id=unit) if unit else None
    if chosen is not None and (chosen.empty or chosen.province_id.iloc[0] != province):
        set_filter(unit="")
        unit, chosen = "", None
    if structure == "S63":
        districts = query("subunits_of_province", province_id=province, level="district", parent_id="")
        district = "" if chosen is None else (unit if chosen.level.iloc[0] == "district" else chosen.parent_id.iloc[0] or "")
        _unit_select("district", t("district", lang_), districts, district, "", lang_)
        if district:
            communes = query("subunits_of_province", province_id=province, level="commune", parent_id=district)
            commune = unit if chosen is not None and chosen.level.iloc[0] == "commune" else ""
            _unit_select("commune", t("commune", lang_), communes, commune, district, lang_)
    else:
        communes = query("subunits_of_province", province_id=province, level="commune", parent_id="")
        commune = unit if chosen is not None and chosen.level.iloc[0] == "commune" else ""
        _unit_select("commune", t("commune", lang_), communes, commune, "", lang_)


def _unit_select(level: str, label: str, units: pd.DataFrame, value: str, parent: str, lang_: str) -> None:
    """A selectbox for one level of the locality; choosing none falls back to the level above."""
    key = f"_w_unit_{level}"
    names = dict(zip(units.unit_id, units.short_name, strict=True))
    st.session_state[key] = value if value in names else ""
    st.selectbox(label, [""] + units.unit_id.tolist(), key=key,
                 format_func=lambda u: names.get(u) or t("none_selected", lang_),
                 on_change=lambda: set_filter(unit=st.session_state[key] or parent))


def view_structure() -> str:
    """The structure the pages show: the chosen one (2025 on is only in the 34-province structure)."""
    return "S34" if st.session_state.structure == "S34" or st.session_state.year >= FIRST_YEAR_S34 else "S63"


def open_locality(unit_id: str, *, switch: bool = True) -> None:
    """Cross-filtering: a click on a bar or a region (or a search result) selects that locality and opens its
    profile. The structure follows the unit, so the change waits for the next run (see init_state)."""
    found = query("unit_by_id", unit_id=unit_id)
    if found.empty:
        return
    row = found.iloc[0]
    pending = {"structure": row.structure, "province": unit_id if row.level == "province" else row.province_id,
               "unit": unit_id if row.level in ("district", "commune") else "",
               "_profile_department": unit_id if row.level == "department" else ""}
    if row.structure == "S34" and st.session_state.get("year", 0) < FIRST_YEAR_S34 and row.level == "commune":
        pending["year"] = FIRST_YEAR_S34  # current communes have figures from 2025 only
    if row.structure == "S63" and st.session_state.get("year", 0) >= FIRST_YEAR_S34:
        pending["year"] = FIRST_YEAR_S34 - 1
    # Applied by init_state on the next run, before the sidebar widgets exist (a drawn widget's state is read-only).
    st.session_state["_pending_filters"] = pending
    if switch:
        st.switch_page("pages/locality.py")
    st.rerun()
