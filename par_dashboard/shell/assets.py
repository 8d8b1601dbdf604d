"""Files the browser fetches once and keeps, served by Streamlit's static file serving (`server.enableStaticServing`,
`<app folder>/static/`): plotly.js for the presenter page's deck frame, instead of inlined in every deck the page
shows, and the map page's features (geojson_src), instead of carried in its figure at every rerun.

The deck is one HTML document (views/present/html.py) that a person downloads and plays offline, so the file keeps
plotly.js inline (4,6 MB). Shown on the page, the same 5 MB went to the browser again for each year or province
chosen, and the frame parsed and compiled the script again each time: 1,2-1,8 s before the deck showed, against
0,3-0,8 s with the script a file the browser keeps (measured in Chromium on this machine, six decks in a row).
The file is written from the installed plotly on first use, named by its version so that a browser never runs an
old one; where it cannot be written (a read-only install) or static serving is off, the deck keeps it inline.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import plotly
import streamlit as st

from par_dashboard.paths import ROOT
from par_dashboard.views import map as map_view
from par_dashboard.views.present.html import plotly_js

STATIC_DIR = ROOT / "static"  # Streamlit serves the folder `static` beside the main script (dashboard.py) at app/static/
_LOG = logging.getLogger("par_dashboard.assets")


def _publish(name: str, data: bytes) -> bool:
    """`data` as static/<name> (written once, atomically: another process serving the folder never sees half a
    file); False where it cannot be written."""
    path = STATIC_DIR / name
    try:
        if not path.is_file() or path.read_bytes() != data:
            STATIC_DIR.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=STATIC_DIR, prefix=f".{name}.", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
    except OSError:
        _LOG.warning("%s cannot be written to %s: the pages keep its content inline", name, STATIC_DIR, exc_info=True)
        return False
    return True


def geojson_src(layer: str, province_ids: tuple[str, ...] | None) -> str | None:
    """The URL of the map features the map page draws (views/map.py layer_features), relative to the page, or None:
    keep them in the figure. Named by a hash of the content, so a browser that kept an older file never draws it.
    A figure that names its geometry is a few kB instead of 0,15-3 MB at every rerun of the map page; the browser
    fetches each file once (and plotly.js keeps it for the page's life). The file is looked for at each call (one
    `stat`) and written again if it went missing (`static/` emptied while the server runs)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    name = _geojson_name(layer, province_ids)
    if not (STATIC_DIR / name).is_file() and not _publish(name, _geojson_bytes(layer, province_ids)):
        return None
    return f"app/static/{name}"


def _geojson_bytes(layer: str, province_ids: tuple[str, ...] | None) -> bytes:
    return json.dumps(map_view.layer_features(layer, province_ids), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@lru_cache(maxsize=256)
def _geojson_name(layer: str, province_ids: tuple[str, ...] | None) -> str:
    return f"geo-{layer}-{hashlib.sha256(_geojson_bytes(layer, province_ids)).hexdigest()[:16]}.json"


def plotly_src() -> str | None:
    """The URL of plotly.js relative to the page (a deck frame's document resolves it against the page's address,
    so it holds behind a proxy's path prefix too), or None: inline it. Written (or found whole) once per process,
    and written again if it went missing meanwhile (one `stat` a call)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    name = f"plotly-{plotly.__version__}.min.js"
    if not (STATIC_DIR / name).is_file():
        _plotly_written.cache_clear()
    return f"app/static/{name}" if _plotly_written(STATIC_DIR) else None


@lru_cache(maxsize=1)
def _plotly_written(folder: Path) -> bool:
    """plotly.js written to `folder` (STATIC_DIR) or found there whole: once, until it goes missing. (Keyed by the
    folder, so that one pointed elsewhere is written too.)"""
    return _publish(f"plotly-{plotly.__version__}.min.js", plotly_js().encode("utf-8"))
