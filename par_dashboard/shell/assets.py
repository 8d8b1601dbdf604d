"""plotly.js for the presenter page's deck frame, served by Streamlit's static file serving (`server.enableStaticServing`,
`<app folder>/static/`) instead of inlined in every deck the page shows.

The deck is one HTML document (views/present/html.py) that a person downloads and plays offline, so the file keeps
plotly.js inline (4,6 MB). Shown on the page, the same 5 MB went to the browser again for each year or province
chosen, and the frame parsed and compiled the script again each time: 1,2-1,8 s before the deck showed, against
0,3-0,8 s with the script a file the browser keeps (measured in Chromium on this machine, six decks in a row).
The file is written from the installed plotly on first use, named by its version so that a browser never runs an
old one; where it cannot be written (a read-only install) or static serving is off, the deck keeps it inline.
"""

from __future__ import annotations

import logging
import os
import tempfile
from functools import lru_cache

import plotly
import streamlit as st

from par_dashboard.paths import ROOT
from par_dashboard.views.present.html import plotly_js

STATIC_DIR = ROOT / "static"  # Streamlit serves the folder `static` beside the main script (dashboard.py) at app/static/
_LOG = logging.getLogger("par_dashboard.assets")


@lru_cache(maxsize=1)
def plotly_src() -> str | None:
    """The URL of plotly.js relative to the page (a deck frame's document resolves it against the page's address,
    so it holds behind a proxy's path prefix too), or None: inline it."""
    if not st.get_option("server.enableStaticServing"):
        return None
    name = f"plotly-{plotly.__version__}.min.js"
    path = STATIC_DIR / name
    data = plotly_js().encode("utf-8")
    try:
        if not path.is_file() or path.read_bytes() != data:
            STATIC_DIR.mkdir(exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=STATIC_DIR, prefix=".plotly-", suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)  # atomic: another process serving the same folder never sees half a file
    except OSError:
        _LOG.warning("plotly.js cannot be written to %s: the decks shown keep it inline", STATIC_DIR, exc_info=True)
        return None
    return f"app/static/{name}"
