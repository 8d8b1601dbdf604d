"""Streamlit glue shared by the entry file and the pages: the database, cached queries, shared filters."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from par_dashboard.build import build
from par_dashboard.db import Database
from par_dashboard.i18n import t
from par_dashboard.paths import DEFAULT_DB

FIRST_YEAR_S34 = 2025


def db_path() -> Path:
    import os

    return Path(os.environ.get("PAR_DB", DEFAULT_DB))


def ensure_database(lang: str) -> None:
    """Build the database on first start, showing progress."""
    path = db_path()
    if path.exists():
        return
    bar = st.progress(0.0, text=t("building", lang))
    build(path, progress=lambda f, msg: bar.progress(min(1.0, f), text=f"{t('building', lang)} {msg}"))
    bar.empty()


@st.cache_resource(show_spinner=False)
def database(path: str) -> Database:
    return Database(Path(path))


def db() -> Database:
    return database(str(db_path()))


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(path: str, version: int, name: str, params: tuple) -> pd.DataFrame:
    return database(path).query(name, **dict(params))


def query(name: str, **params) -> pd.DataFrame:
    """Run queries/<name>.sql with bound parameters; cached until the data version changes."""
    d = db()
    return _cached(str(d.path), d.data_version(), name, tuple(sorted(params.items())))


# ---- shared filters: kept in session state and mirrored in the URL
DEFAULTS = {"lang": "vi", "structure": "S63", "year": 2024}


def init_state() -> list[str]:
    """Read the shared filters from the URL once per session; return notices for values that were ignored."""
    notices: list[str] = []
    if st.session_state.get("_filters_ready"):
        return notices
    qp = st.query_params
    lang = qp.get("lang", DEFAULTS["lang"])
    if lang not in ("vi", "en"):
        notices.append(f"lang={lang!r}")
        lang = DEFAULTS["lang"]
    structure = qp.get("structure", DEFAULTS["structure"])
    if structure not in ("S63", "S34"):
        notices.append(f"structure={structure!r}")
        structure = DEFAULTS["structure"]
    year_text = qp.get("year", str(DEFAULTS["year"]))
    try:
        year = int(year_text)
    except ValueError:
        notices.append(f"year={year_text!r}")
        year = DEFAULTS["year"]
    st.session_state.update({"lang": lang, "structure": structure, "year": year, "_filters_ready": True})
    return notices


def sync_url() -> None:
    for key in ("lang", "structure", "year"):
        value = str(st.session_state[key])
        if st.query_params.get(key) != value:
            st.query_params[key] = value


def lang() -> str:
    return st.session_state.get("lang", "vi")


def demo_badge(lang_: str) -> None:
    st.warning(f"**{t('demo_label', lang_)}** — {t('demo_notice', lang_)}", icon="⚠️")
