"""The deck as one self-contained HTML file: plays full screen, offline, with live plotly charts.

Everything the browser needs is in the file — plotly.js inlined, map geometry in the figures, no fonts or
scripts fetched — so it plays in a hall without internet. The same document is shown on the presenter page
(in an iframe, which may go full screen) and printed to PDF by Chromium (`for_print`: every slide a 1920×1080
page, maps as images because a WebGL map does not print).

Slides are laid out at 1920×1080 CSS px and zoomed to the window, so "24 px" means 24 px at 1920×1080.
"""

from __future__ import annotations

import base64
import html
import json
from functools import lru_cache

import plotly.io as pio
from plotly.offline import get_plotlyjs

from par_dashboard.i18n import t
from par_dashboard.views.present.figures import MIN_FONT, chart_spec
from par_dashboard.views.present.model import Chart, Deck, Slide

W, H = 1920, 1080
HEADER_H, FOOTER_H = 150, 64
BODY_H = H - HEADER_H - FOOTER_H - 40
SIDE_W = 640
CHART_W_SIDE, CHART_W_FULL = W - SIDE_W - 120, W - 80


# plotly.js looks for the world outline of a `geo` map in window.PlotlyGeoAssets before fetching it from its CDN.
# The deck's maps draw only their own GeoJSON (geo.visible = false), so an empty outline is all it needs: with
# it, nothing is fetched — the file plays from disk with the network off.
# (static.py writes the same outline to files for kaleido.)
_EMPTY = {"type": "GeometryCollection", "geometries": []}
GEO_ASSETS = {"topojson": {f"{scope}_{res}m": {"type": "Topology", "arcs": [], "objects": dict.fromkeys(
    ("land", "ocean", "coastlines", "countries", "lakes", "rivers", "subunits"), _EMPTY)}
    for scope in ("world",) for res in (50, 110)}}


@lru_cache(maxsize=1)
def plotly_js() -> str:
    # "</script" cannot occur inside an inline script; plotly.js has none, but guard the promise anyway
    return get_plotlyjs().replace("</script", "<\\/script")


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def chart_size(slide: Slide) -> tuple[int, int]:
    """The chart's size on its slide: beside a side panel (bullets, figures) or across the slide."""
    side = bool(slide.bullets or slide.stats)
    return (CHART_W_SIDE if side else CHART_W_FULL), BODY_H


def _colour_patch(spec: dict) -> dict:
    """The colours the high-contrast switch changes: layout colours (the map's background included) and each
    bar trace's colours, as Plotly.relayout / Plotly.restyle arguments."""
    layout = spec["layout"]
    patch = {"paper_bgcolor": layout.get("paper_bgcolor"), "plot_bgcolor": layout.get("plot_bgcolor"),
             "font.color": layout.get("font", {}).get("color"),
             "xaxis.gridcolor": layout.get("xaxis", {}).get("gridcolor"), "yaxis.gridcolor": layout.get("yaxis", {}).get("gridcolor")}
    if any(trace["type"] == "choropleth" for trace in spec["data"]):
        patch["geo.bgcolor"] = layout["geo"]["bgcolor"]
    colours = [trace.get("marker", {}).get("color") if trace["type"] == "bar" else None for trace in spec["data"]]
    return {"layout": patch, "colors": colours}


def _figure_json(chart: Chart, lang: str, width: int, height: int) -> str:
    figure = chart_spec(chart, lang, width=width, height=height)
    contrast = chart_spec(chart, lang, width=width, height=height, contrast=True)
    # (plotly's encoder: NaN and numpy values written as plotly.js reads them; the dictionary is already a figure's)
    spec = {"figure": json.loads(pio.to_json(figure, validate=False)), "normal": _colour_patch(figure),
            "contrast": _colour_patch(contrast)}
    # Inside <script>: no "<" at all, so neither "</script" nor "<!--" (which would change how the rest parses) can
    # come from a name or a text in the figure; \u003c is the same character to JSON and to JavaScript.
    return json.dumps(spec, ensure_ascii=False).replace("<", "\\u003c")


def _side(slide: Slide) -> str:
    parts = []
    if slide.stats:
        parts.append('<div class="stats">' + "".join(
            f'<div class="stat"><div class="v">{_e(s.value)}</div><div class="l">{_e(s.label)}</div>'
            + (f'<div class="d">{_e(s.detail)}</div>' if s.detail else "") + "</div>" for s in slide.stats) + "</div>")
    if slide.bullets:
        parts.append("<ul>" + "".join(f"<li>{_e(b)}</li>" for b in slide.bullets) + "</ul>")
    return "".join(parts)


def _table(rows: list[list[str]]) -> str:
    head, *body = rows
    return ('<table><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in body) + "</tbody></table>")


def _slide_html(deck: Deck, slide: Slide, number: int, static_maps: dict[int, bytes] | None) -> tuple[str, str | None]:
    """The slide's markup, and the JSON of its figure (None when it has none or the map is an image)."""
    lang = deck.lang
    figure_json = None
    if slide.key == "title":
        body = (f'<div class="titlebody"><div class="event">{_e(slide.subtitle)}</div>'
                f'<h1 class="big">{_e(slide.title)}</h1>'
                f'<div class="who">{_e(deck.body)} · {_e(slide.stats[1].value if len(slide.stats) > 1 else "")}</div>'
                + "<ul>" + "".join(f"<li>{_e(b)}</li>" for b in slide.bullets) + "</ul></div>")
        header = ""
    else:
        header = f'<header><h1>{_e(slide.title)}</h1></header>'
        if slide.empty:
            body = f'<div class="empty">{_e(slide.empty)}</div>'
        elif slide.chart is not None:
            width, height = chart_size(slide)
            if slide.chart.kind == "map" and static_maps is not None and number in static_maps:
                src = "data:image/png;base64," + base64.b64encode(static_maps[number]).decode()
                chart = f'<img class="chart" alt="{_e(slide.chart.title)}" src="{src}" width="{width}" height="{height}">'
            else:
                chart = f'<div class="chart plot" id="plot-{number}" style="width:{width}px;height:{height}px"></div>'
                figure_json = _figure_json(slide.chart, lang, width, height)
            side = _side(slide)
            body = f'<div class="row">{chart}' + (f'<div class="side">{side}</div>' if side else "") + "</div>"
        else:
            body = _side(slide) + (_table(slide.table) if slide.table else "")
            body = f'<div class="col">{body}</div>'
    sources = "; ".join(slide.sources)
    footer = ('<footer>'
              + (f'<span class="src">{_e(t("source", lang))}: {_e(sources)}</span>' if sources else '<span class="src"></span>')
              + (f'<span class="demo">{_e(t("demo_label", lang))}</span>' if slide.demo else "")
              + f'<span class="num">{number} / {len(deck.slides)}</span></footer>')
    markup = (f'<section class="slide" id="slide-{number}" data-key="{_e(slide.key)}" aria-label="{number}">'
              f'{header}<div class="body">{body}</div>{footer}</section>')
    return markup, figure_json


CSS = f"""
@font-face {{ font-family: 'Deck Sans'; src: local('Noto Sans'), local('NotoSans-Regular'); }}
* {{ box-sizing: border-box; }}
html, body {{ margin: 0; height: 100%; background: #0b1220; overflow: hidden; }}
body {{ font-family: 'Noto Sans', 'Deck Sans', Arial, sans-serif; color: #1f2933; }}
#stage {{ position: absolute; left: 0; top: 0; width: {W}px; height: {H}px; transform-origin: 0 0; }}
.slide {{ position: absolute; inset: 0; background: white; visibility: hidden; display: flex; flex-direction: column; }}
.slide.active {{ visibility: visible; }}
header {{ height: {HEADER_H}px; background: #1f3b73; color: white; display: flex; align-items: center; padding: 0 60px; }}
header h1 {{ font-size: 52px; margin: 0; font-weight: 700; line-height: 1.15; }}
.body {{ flex: 1; padding: 20px 40px; overflow: hidden; }}
.row {{ display: flex; gap: 40px; align-items: flex-start; }}
.side {{ width: {SIDE_W}px; font-size: 30px; line-height: 1.35; }}
.side ul, .col ul {{ margin: 10px 0; padding-left: 36px; }}
.side li, .col li {{ margin-bottom: 14px; }}
.col {{ font-size: 32px; line-height: 1.35; padding: 0 20px; }}
.stats {{ display: flex; gap: 24px; flex-wrap: wrap; margin-bottom: 20px; }}
.stat {{ border: 3px solid #1f3b73; border-radius: 12px; padding: 12px 22px; min-width: 260px; }}
.stat .v {{ font-size: 56px; font-weight: 700; color: #1f3b73; }}
.stat .l {{ font-size: 26px; }}
.stat .d {{ font-size: 26px; color: #1a7f4b; font-weight: 700; }}
table {{ border-collapse: collapse; font-size: 26px; width: 100%; margin-top: 10px; }}
th {{ text-align: left; background: #e4e7eb; padding: 10px 14px; }}
td {{ border-bottom: 2px solid #e4e7eb; padding: 10px 14px; vertical-align: top; }}
.empty {{ font-size: 44px; color: #52606d; text-align: center; margin-top: 260px; padding: 0 120px; }}
.titlebody {{ padding: 150px 120px 0; }}
.titlebody .event {{ font-size: 36px; color: #52606d; }}
.titlebody h1.big {{ font-size: 80px; color: #1f3b73; margin: 30px 0; line-height: 1.15; }}
.titlebody .who {{ font-size: 40px; font-weight: 600; margin-bottom: 40px; }}
.titlebody ul {{ font-size: 30px; color: #3e4c59; padding-left: 36px; }}
footer {{ height: {FOOTER_H}px; display: flex; align-items: center; gap: 30px; padding: 0 360px 0 40px;
          border-top: 2px solid #d3d8de; font-size: {MIN_FONT}px; color: #52606d; }}
footer .src {{ flex: 1; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }}
footer .demo {{ color: #b42318; font-weight: 700; border: 2px solid #b42318; padding: 2px 10px; background: #fff4ed; }}
footer .num {{ font-weight: 700; }}
#controls {{ position: absolute; right: 12px; bottom: 6px; display: flex; gap: 10px; z-index: 10; opacity: 0.35; }}
#controls:hover, #controls:focus-within {{ opacity: 1; }}
#controls button {{ font-size: {MIN_FONT}px; min-width: 64px; min-height: 52px; border-radius: 8px; border: 2px solid #1f3b73;
                    background: white; color: #1f3b73; cursor: pointer; font-family: inherit; }}
body.contrast .slide {{ background: black; color: white; }}
body.contrast header {{ background: black; border-bottom: 4px solid #ffd400; }}
body.contrast header h1, body.contrast .titlebody h1.big {{ color: #ffd400; }}
body.contrast .titlebody .event, body.contrast .titlebody ul, body.contrast footer, body.contrast .empty {{ color: white; }}
body.contrast .stat {{ border-color: #ffd400; }} body.contrast .stat .v {{ color: #ffd400; }}
body.contrast .stat .d {{ color: #4cff7a; }}
body.contrast th {{ background: #333; color: white; }} body.contrast td {{ border-color: #555; }}
body.contrast footer .demo {{ background: black; color: #ff6b6b; border-color: #ff6b6b; }}
body.contrast #controls button {{ background: black; color: #ffd400; border-color: #ffd400; }}
@page {{ size: {W}px {H}px; margin: 0; }}
@media print {{
  html, body {{ overflow: visible; height: auto; background: white; }}
  #stage {{ position: static; transform: none !important; width: {W}px; height: auto; }}
  .slide {{ position: relative; visibility: visible; width: {W}px; height: {H}px; break-after: page; }}
  .slide:last-of-type {{ break-after: auto; }}
  #controls {{ display: none; }}
}}
"""

SCRIPT = """
(function () {
  const slides = Array.from(document.querySelectorAll('.slide'));
  const stage = document.getElementById('stage');
  let current = 0;
  function fit() {
    const z = Math.min(window.innerWidth / %(W)d, window.innerHeight / %(H)d);
    stage.style.transform = 'scale(' + z + ')';
    stage.style.left = ((window.innerWidth - %(W)d * z) / 2) + 'px';
    stage.style.top = ((window.innerHeight - %(H)d * z) / 2) + 'px';
  }
  // Charts are drawn when their slide is first shown (and the next one in idle time, then the rest): drawing every
  // chart of a deck on load took the browser ~1,5 s before the first slide could show (the presenter page loads the
  // deck again for every year or province chosen). Printing draws them all first.
  const drawn = {};
  const idle = window.requestIdleCallback || function (f) { return setTimeout(f, 30); };
  function draw(id) {
    if (drawn[id] || !FIGURES[id]) return;
    drawn[id] = true;
    const spec = FIGURES[id];
    Plotly.newPlot(id, spec.figure.data, spec.figure.layout, {displayModeBar: false, responsive: false});
    if (document.body.classList.contains('contrast')) recolour(document.getElementById(id), true);
  }
  function drawSlide(i) { if (i >= 0 && i < slides.length) slides[i].querySelectorAll('.plot').forEach(d => draw(d.id)); }
  function drawAll() { Object.keys(FIGURES).forEach(draw); document.body.dataset.drawn = 'all'; }
  function drawRest() {
    const next = Object.keys(FIGURES).find(id => !drawn[id]);
    if (next === undefined) { document.body.dataset.drawn = 'all'; return; }
    draw(next);
    idle(drawRest);
  }
  function show(i) {
    current = Math.max(0, Math.min(slides.length - 1, i));
    drawSlide(current);
    slides.forEach((s, k) => s.classList.toggle('active', k === current));
    document.body.dataset.slide = String(current + 1);
    if (history.replaceState) { try { history.replaceState(null, '', '#' + (current + 1)); } catch (e) {} }
  }
  function recolour(div, on) {
    const spec = FIGURES[div.id]; if (!spec || !div.data) return;
    const patch = on ? spec.contrast : spec.normal;
    Plotly.relayout(div, patch.layout);
    patch.colors.forEach(function (c, k) { if (c !== null) Plotly.restyle(div, {'marker.color': [c]}, [k]); });
  }
  function contrast(on) {
    document.body.classList.toggle('contrast', on);
    document.querySelectorAll('.plot').forEach(function (div) { recolour(div, on); });  // (those drawn)
  }
  function fullscreen() {
    const el = document.documentElement;
    if (document.fullscreenElement) { document.exitFullscreen(); } else if (el.requestFullscreen) { el.requestFullscreen(); }
  }
  const NEXT = ['ArrowRight', 'ArrowDown', 'PageDown', ' ', 'Enter', 'n', 'N'];
  const PREV = ['ArrowLeft', 'ArrowUp', 'PageUp', 'Backspace', 'p', 'P'];
  document.addEventListener('keydown', function (ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (NEXT.includes(ev.key)) { show(current + 1); ev.preventDefault(); }
    else if (PREV.includes(ev.key)) { show(current - 1); ev.preventDefault(); }
    else if (ev.key === 'Home') { show(0); ev.preventDefault(); }
    else if (ev.key === 'End') { show(slides.length - 1); ev.preventDefault(); }
    else if (ev.key === 'f' || ev.key === 'F') { fullscreen(); }
    else if (ev.key === 'c' || ev.key === 'C') { contrast(!document.body.classList.contains('contrast')); }
  });
  document.getElementById('prev').onclick = function () { show(current - 1); };
  document.getElementById('next').onclick = function () { show(current + 1); };
  document.getElementById('contrast-btn').onclick = function () { contrast(!document.body.classList.contains('contrast')); };
  document.getElementById('fs').onclick = fullscreen;
  window.addEventListener('resize', fit);
  window.addEventListener('beforeprint', drawAll);
  if (%(CONTRAST)s) document.body.classList.add('contrast');
  if (!%(LAZY)s) drawAll();
  fit();
  const start = parseInt((location.hash || '#1').slice(1), 10);
  show(isNaN(start) ? 0 : start - 1);
  window.deck = {show: show, contrast: contrast, count: slides.length, current: function () { return current + 1; }};
  document.body.dataset.ready = '1';  // the slide shown is drawn
  // the next slide's charts, then the rest, once the first slide is on screen: drawn here, before the browser could
  // paint, the next slide's chart held the first slide back by its own drawing time (~0,1-0,3 s)
  if (%(LAZY)s) idle(function () { drawSlide(current + 1); idle(drawRest); });
})();
"""


def render_html(deck: Deck, *, contrast: bool = False, static_maps: dict[int, bytes] | None = None,
                lazy: bool = True, plotly_src: str | None = None) -> str:
    """The whole deck as one HTML document. `static_maps` (slide number -> PNG) replaces live maps by
    images — for printing to PDF. `lazy`: a chart is drawn when its slide is first shown (the rest in idle time;
    `body[data-drawn=all]` when all are); otherwise every chart before the first slide shows (printing).
    `plotly_src`: plotly.js is loaded from that URL (the presenter page's frame) instead of written into the file."""
    lang = deck.lang
    sections, figures = [], {}
    for number, slide in enumerate(deck.slides, start=1):
        markup, figure_json = _slide_html(deck, slide, number, static_maps)
        sections.append(markup)
        if figure_json is not None:
            figures[f"plot-{number}"] = figure_json
    figures_js = "const FIGURES = {" + ",".join(f'"{k}": {v}' for k, v in figures.items()) + "};"
    controls = (f'<nav id="controls" aria-label="{_e(t("deck_controls", lang))}">'
                f'<button id="prev" title="{_e(t("deck_prev", lang))}">&#8249;</button>'
                f'<button id="next" title="{_e(t("deck_next", lang))}">&#8250;</button>'
                f'<button id="contrast-btn" title="{_e(t("deck_contrast", lang))}">&#9680;</button>'
                f'<button id="fs" title="{_e(t("deck_fullscreen", lang))}">&#9974;</button></nav>')
    script = SCRIPT % {"W": W, "H": H, "CONTRAST": "true" if contrast else "false", "LAZY": "true" if lazy else "false"}
    return ("<!DOCTYPE html>\n"
            f'<html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(deck.title)}</title><style>{CSS}</style>"
            f"<script>window.PlotlyGeoAssets = {json.dumps(GEO_ASSETS)};</script>"
            + (f'<script src="{_e(plotly_src)}"></script>' if plotly_src else f"<script>{plotly_js()}</script>")
            + "</head>"
            f'<body><div id="stage">{"".join(sections)}{controls}</div>'
            f"<script>{figures_js}{script}</script></body></html>")
