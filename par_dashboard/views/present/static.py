"""Static output through Debian's Chromium: chart images through one warm kaleido engine, and PDF printing.

Kaleido 1.x drives an installed Chrome/Chromium through choreographer; `BROWSER_PATH` points it at
/usr/bin/chromium (it never downloads a browser here). Starting the browser costs ~2,5 s, a chart after that
~0,3 s: the engine is started once per process and kept, and calls are serialised (Streamlit runs sessions
in threads).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
import threading
import warnings
from pathlib import Path

import plotly.graph_objects as go

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# Flags for a headless browser on a closed network: no sync, no component updates, no background lookups.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-extensions", "--hide-scrollbars", "--mute-audio"]
PDF_TIMEOUT_S = 90


class BrowserMissing(RuntimeError):
    """No Chromium on this machine: static exports (PNG, PDF, images in PowerPoint) cannot be made."""


def chromium_path() -> str:
    for candidate in (os.environ.get("BROWSER_PATH"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    raise BrowserMissing("chromium")


_lock = threading.Lock()
_started = False


def _ensure_engine() -> None:
    global _started
    if _started:
        return
    import kaleido
    import plotly.io as pio

    from par_dashboard.views.present.html import GEO_ASSETS

    os.environ.setdefault("BROWSER_PATH", chromium_path())
    chromium_path()  # raise BrowserMissing before kaleido's own, less clear error
    # the deck's `geo` maps need plotly's world outline only to exist: an empty one, from local files
    outline = Path(tempfile.mkdtemp(prefix="par-topojson-"))
    for name, topology in GEO_ASSETS["topojson"].items():
        (outline / f"{name}.json").write_text(json.dumps(topology), encoding="utf-8")
    pio.defaults.topojson = outline.as_uri() + "/"
    kaleido.start_sync_server(n=1, silence_warnings=True)
    atexit.register(kaleido.stop_sync_server, silence_warnings=True)
    _started = True


def warm_up() -> None:
    """Start the image engine and draw one tiny figure: kaleido starts its browser lazily, on the first image
    (~3 s), which should not fall on a presenter's first click."""
    to_image(go.Figure(go.Bar(x=[1])), width=64, height=64)


def to_image(fig: go.Figure, *, fmt: str = "png", width: int = 1920, height: int = 1080, scale: float = 1) -> bytes:
    """The figure as PNG/SVG/PDF bytes, through the warm engine."""
    import plotly.io as pio

    with _lock, warnings.catch_warnings():
        _ensure_engine()
        warnings.filterwarnings("ignore", message="The kopts argument is ignored")  # plotly's note on a warm server
        return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale, validate=False)


def html_to_pdf(html: str, *, budget_ms: int = 8000) -> bytes:
    """Print an HTML document with Chromium (its @page rules decide the paper); scripts run first, for up to
    `budget_ms` of virtual time. Fonts are embedded by Chromium's PDF writer."""
    browser = chromium_path()
    with tempfile.TemporaryDirectory(prefix="par-pdf-") as tmp:
        source, target = Path(tmp) / "deck.html", Path(tmp) / "deck.pdf"
        source.write_text(html, encoding="utf-8")
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
               f"--virtual-time-budget={budget_ms}", "--run-all-compositor-stages-before-draw",
               f"--print-to-pdf={target}", source.as_uri()]
        done = subprocess.run(cmd, capture_output=True, timeout=PDF_TIMEOUT_S, check=False)
        if not target.exists() or target.stat().st_size == 0:
            raise RuntimeError(f"chromium printed no PDF (exit {done.returncode}): {done.stderr.decode(errors='replace')[-500:]}")
        return target.read_bytes()
