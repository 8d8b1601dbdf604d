"""Where a Plotly figure's texts land when plotly.js draws it in real Chromium (Debian's, offline): the boxes of
the legend entries, annotations, tick labels, axis titles and bar labels, to check that none covers another and
none is cut off at the figure's edge (issue 18 item 7: the demo stamp over "Nhóm C", the national average on the
90 tick, a footnote cut off)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import plotly
from playwright.sync_api import Browser, Page

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

_COLLECT = """() => {
  const out = [];
  const add = (kind, el) => { const r = el.getBoundingClientRect();
    if (r.width > 0 && r.height > 0) out.push({kind, text: (el.textContent || '').trim(), x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}); };
  document.querySelectorAll('.legend .traces .legendtext').forEach(e => add('legend', e));
  document.querySelectorAll('.annotation-text-g').forEach(e => add('annotation', e));
  document.querySelectorAll('.xtick text, .ytick text').forEach(e => add('tick', e));
  document.querySelectorAll('.g-xtitle text, .g-ytitle text').forEach(e => add('axis_title', e));
  document.querySelectorAll('.gtitle').forEach(e => add('title', e));
  document.querySelectorAll('.bartext').forEach(e => add('bar_label', e));
  // a vertical line shape (the national average): its geometry box is 0 px wide, so widened to its stroke
  document.querySelectorAll('.shapelayer path').forEach(e => { const r = e.getBoundingClientRect();
    if (r.height > 0 && r.width < 3) out.push({kind: 'line', text: '', x0: r.left - 1, y0: r.top, x1: r.right + 1, y1: r.bottom}); });
  return out;
}"""


@dataclass(frozen=True)
class Box:
    kind: str
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, slack: float = 1.0) -> bool:
        return (min(self.x1, other.x1) - max(self.x0, other.x0) > slack
                and min(self.y1, other.y1) - max(self.y0, other.y0) > slack)


def plotly_page(browser: Browser) -> Page:
    """A blank page with plotly.js loaded once (from the plotly package: nothing fetched)."""
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    page.route("**/*", lambda route: route.abort())
    page.set_content("<html><body style='margin:0'><div id='c'></div></body></html>")
    page.add_script_tag(path=str(PLOTLY_JS))
    return page


def text_boxes(page: Page, fig, width: int) -> tuple[list[Box], tuple[float, float]]:
    """The figure drawn `width` px wide (its own height) on `plotly_page`; the boxes of its texts and its size."""
    spec = json.loads(fig.to_json())
    height = int(spec.get("layout", {}).get("height") or 450)
    page.evaluate("""([data, layout, w, h]) => { const c = document.getElementById('c');
        Plotly.purge(c); c.style.width = w + 'px'; c.style.height = h + 'px';
        return Plotly.newPlot(c, data, layout, {staticPlot: true}); }""",
                  [spec.get("data", []), spec.get("layout", {}), width, height])
    boxes = [Box(**b) for b in page.evaluate(_COLLECT)]
    size = page.evaluate("() => { const r = document.querySelector('#c .main-svg').getBoundingClientRect(); return [r.width, r.height]; }")
    return boxes, (size[0], size[1])


def collisions(boxes: list[Box]) -> list[tuple[Box, Box]]:
    """Pairs of texts that cover each other: an annotation or a legend entry over any other text (tick labels may
    sit beside each other on their own axis; Plotly spaces those)."""
    found = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.kind == b.kind == "tick":
                continue
            if "annotation" in (a.kind, b.kind) or "legend" in (a.kind, b.kind):
                if a.overlaps(b):
                    found.append((a, b))
    return found


def crossed_by_lines(boxes: list[Box]) -> list[tuple[Box, Box]]:
    """Texts a vertical line runs through ("8|7,64": a bar's label read through the national average)."""
    lines = [b for b in boxes if b.kind == "line"]
    return [(t, ln) for t in boxes if t.kind != "line" for ln in lines if t.overlaps(ln, slack=0.5)]


def cut_off(boxes: list[Box], size: tuple[float, float]) -> list[Box]:
    """Texts that run past the figure's edges."""
    w, h = size
    return [b for b in boxes if b.kind != "line" and (b.x0 < -1 or b.y0 < -1 or b.x1 > w + 1 or b.y1 > h + 1)]
