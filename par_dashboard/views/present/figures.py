"""Plotly figures of a deck's charts, sized and lettered for a conference hall (no text under 24 px at 1920×1080).

The same figure is shown on the presenter page, inlined in the offline HTML deck, printed into the PDF and
exported as a 1920×1080 PNG; the PowerPoint file draws native charts from the same `Chart` data instead.

A figure is written as plotly's own figure dictionary (`chart_spec`), which the HTML deck serialises as it is, and
made a `go.Figure` in one step (`chart_figure`) where an object is needed (image export, tests). Building it through
`go.Figure` and `update_layout` validated every property at every step: ~100 ms a chart, 16 per deck (each also in
high contrast), most of a deck's time on the presenter page.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache

import plotly.graph_objects as go
import plotly.io as pio

from par_dashboard.i18n import fmt_num, plotly_separators, t
from par_dashboard.views import geo
from par_dashboard.views.charts import label_margin
from par_dashboard.views.present.model import Chart

FONT = "Noto Sans, Arial, sans-serif"
MIN_FONT = 24     # px at 1920×1080: readable from the back of a hall
LABEL_WRAP = 34   # category labels wrap at this many characters
LEGEND_H = 56     # px: one row of legend entries at MIN_FONT, and a gap above it

PALETTE = {
    "normal": {"bg": "white", "text": "#1f2933", "grid": "#d3d8de", "main": "#1f3b73", "accent": "#d98c1f",
               "reference": "#9aa3ad", "demo": "#b42318", "demo_bg": "#fff4ed",
               "status_resolved": "#1a7f4b", "status_in_progress": "#d98c1f", "status_open": "#b42318"},
    "contrast": {"bg": "black", "text": "white", "grid": "#5a5a5a", "main": "#ffd400", "accent": "#00e5ff",
                 "reference": "#bdbdbd", "demo": "#ff6b6b", "demo_bg": "black",
                 "status_resolved": "#4cff7a", "status_in_progress": "#ffd400", "status_open": "#ff6b6b"},
}


def palette(contrast: bool) -> dict[str, str]:
    return PALETTE["contrast" if contrast else "normal"]


def wrap(label: str, width: int = LABEL_WRAP) -> str:
    return "<br>".join(textwrap.wrap(str(label), width)) or str(label)


def chart_figure(chart: Chart, lang: str, *, width: int, height: int, contrast: bool = False,
                 show_title: bool = False) -> go.Figure:
    """`chart_spec` as a plotly figure (validated once, as a whole)."""
    return go.Figure(chart_spec(chart, lang, width=width, height=height, contrast=contrast, show_title=show_title))


@lru_cache(maxsize=1)
def template() -> dict:
    """The default plotly template as a dictionary: what `go.Figure` would write into every figure it serialises,
    so that a figure written as a dictionary draws exactly as the same `go.Figure` does."""
    return pio.templates[pio.templates.default].to_plotly_json()


def chart_spec(chart: Chart, lang: str, *, width: int, height: int, contrast: bool = False,
               show_title: bool = False) -> dict:
    """The chart as a fixed-size figure dictionary (`width` × `height` px, `{"data": [...], "layout": {...}}`);
    `show_title` writes its title inside the figure (a PNG standing alone), otherwise the slide carries the title.
    A new dictionary on every call (callers may change it).

    Maps are SVG `geo` maps, not the WebGL map of the map page: they draw in a file opened from disk, print
    to PDF as vectors and export through kaleido in a third of a second instead of three (the empty world
    outline they need comes from the page or from static.py, never from plotly's CDN)."""
    colours = palette(contrast)
    if chart.kind == "map":
        data, layout = _map(chart, lang, colours=colours)
    elif chart.kind == "line":
        data, layout = _lines(chart, lang, colours=colours)
    else:
        data, layout = _bars(chart, lang, colours=colours)
    annotations = layout.setdefault("annotations", [])
    if chart.demo:
        annotations.append({"text": f"<b>{t('demo_label', lang)}</b>", "xref": "paper", "yref": "paper", "x": 1, "y": 1,
                            "xanchor": "right", "yanchor": "bottom", "showarrow": False,
                            "font": {"color": colours["demo"], "size": MIN_FONT}, "bgcolor": colours["demo_bg"],
                            "bordercolor": colours["demo"], "borderwidth": 2, "borderpad": 4, "name": "demo_mark"})
    top = (110 if show_title else 40) + (50 if chart.demo else 0)
    # A legend sits at the foot of the figure (container coordinates), under the value axis's title, in a margin
    # grown by its height: placed at a fraction of the plot's height under the axis it landed on the axis title.
    legend = any(trace.get("showlegend") for trace in data)
    bottom = 30 if chart.kind == "map" else 90 + (LEGEND_H if legend else 0)
    layout.update(
        width=width, height=height, autosize=False,
        font={"family": FONT, "size": MIN_FONT, "color": colours["text"]},
        separators=plotly_separators(lang), paper_bgcolor=colours["bg"], plot_bgcolor=colours["bg"],
        title={"text": chart.title if show_title else "", "x": 0.01, "font": {"size": 36}},
        margin={"l": _left_margin(layout), "r": 40, "t": top, "b": bottom},
        hoverlabel={"font": {"family": FONT, "size": MIN_FONT}},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "xanchor": "left", "x": 0,
                "font": {"size": MIN_FONT}},
    )
    for annotation in annotations:  # every text, the archipelagos' names included
        font = annotation.setdefault("font", {})
        font["size"] = max(font.get("size") or 0, MIN_FONT)
    if not annotations:
        del layout["annotations"]
    layout["template"] = template()
    return {"data": data, "layout": layout}


def _left_margin(layout: dict) -> int:
    """Room for the bars' category labels, measured (charts.label_margin): plotly's automargin then has nothing
    to add, and a slide's chart is drawn once instead of twice. Takes the labels out of the y axis."""
    yaxis = layout.get("yaxis", {})
    labels = yaxis.pop("_labels", None)
    if not labels or not yaxis.get("automargin"):
        return 20
    measured = label_margin(labels, yaxis.get("tickfont", {}).get("size", MIN_FONT), yaxis.get("ticksuffix", ""))
    return max(20, measured or 20)


def _trace(kind: str, **props) -> dict:
    """A trace dictionary; a property given as None is left out (unset, as `go.Bar(x=None)` leaves it)."""
    return {"type": kind, **{k: v for k, v in props.items() if v is not None}}


def _bars(chart: Chart, lang: str, *, colours: dict[str, str]) -> tuple[list[dict], dict]:
    labels = [wrap(c) for c in chart.categories]
    data = []
    several = len(chart.series) > 1
    for series in chart.series:
        if series.role.startswith("status_"):
            colour = colours[series.role]
            bar_colours: str | list[str] = colour
        elif series.role == "reference":
            bar_colours = colours["reference"]
        else:
            bar_colours = [colours["accent"] if c == chart.highlight else colours["main"] for c in chart.categories]
        data.append(_trace(
            "bar", y=labels, x=list(series.values), orientation="h", name=series.name,
            marker={"color": bar_colours},  # no hatching on a slide: the chart's corner and the footer say "demo"
            text=[fmt_num(v, lang, chart.decimals) if v is not None else "" for v in series.values],
            textposition="inside" if chart.kind == "stacked" else "outside", cliponaxis=False,
            textfont={"size": MIN_FONT}, insidetextanchor="middle",
            customdata=list(chart.unit_ids) if chart.unit_ids else None,
            hovertemplate="%{y}: %{text}<extra>" + series.name + "</extra>",
            showlegend=several,
        ))
    axis = {"title": {"text": chart.value_title, "font": {"size": MIN_FONT}}, "gridcolor": colours["grid"],
            "tickfont": {"size": MIN_FONT}, "zeroline": False}
    if chart.value_range:
        lo, hi = chart.value_range
        axis["range"] = [lo, hi + (hi - lo) * 0.08]  # room for the value written after the longest bar
    layout = {"barmode": "stack" if chart.kind == "stacked" else "group", "bargap": 0.25, "bargroupgap": 0.05,
              "xaxis": axis, "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": MIN_FONT}, "ticksuffix": "  ",
                        "_labels": labels},  # (measured by _left_margin, then taken out)
              "uniformtext": {"minsize": MIN_FONT, "mode": "hide"}}  # a label that does not fit is hidden, never shrunk
    return data, layout


def _lines(chart: Chart, lang: str, *, colours: dict[str, str]) -> tuple[list[dict], dict]:
    """A trend over the years: the years are categories (a year is a label, never 2024,75), the value axis is the
    chart's range, so that one year alone is one point on an axis a few points wide, not on a 0,25-wide one."""
    data = []
    for series in chart.series:
        main = series.role == "main"
        colour = colours["main"] if main else colours["reference"]
        data.append(_trace(
            "scatter", x=list(chart.categories), y=list(series.values), mode="lines+markers+text" if main else "lines+markers",
            name=series.name,
            line={"color": colour, "width": 5 if main else 3, "dash": "solid" if main else "dash"},
            marker={"size": 16 if main else 10, "color": colour},
            text=[fmt_num(v, lang, chart.decimals) if v is not None else "" for v in series.values],
            textposition="top center", textfont={"size": MIN_FONT}, cliponaxis=False,
            hovertemplate="%{x}: %{y}<extra>" + series.name + "</extra>", showlegend=len(chart.series) > 1))
    value_axis = {"title": {"text": chart.value_title, "font": {"size": MIN_FONT}}, "gridcolor": colours["grid"],
                  "tickfont": {"size": MIN_FONT}, "zeroline": False}
    if chart.value_range:
        lo, hi = chart.value_range
        value_axis["range"] = [lo, hi + (hi - lo) * 0.12]  # room for the label over the highest point
    return data, {"xaxis": {"type": "category", "tickfont": {"size": MIN_FONT}, "gridcolor": colours["grid"]},
                  "yaxis": value_axis}


def _map(chart: Chart, lang: str, *, colours: dict[str, str]) -> tuple[list[dict], dict]:
    """An SVG map (plotly `geo` with the layer's own GeoJSON, no base map): no WebGL, so it draws in a file opened
    from disk, prints to PDF as vectors and needs nothing from the network. Units without a value are grey."""
    layer = geo.load_layer(chart.map_layer)
    if chart.map_provinces:
        layer = {"type": "FeatureCollection",
                 "features": [f for f in layer["features"] if f["properties"].get("province_id") in chart.map_provinces]}
    names = {f["id"]: f["properties"].get("name", f["id"]) for f in layer["features"]}
    frame = chart.map_frame
    frame = frame[frame["unit_id"].isin(names)]
    missing = [u for u in names if u not in set(frame["unit_id"])]
    line = {"color": colours["bg"], "width": 1.2 if len(names) <= 100 else 0.5}
    data = []
    if missing:
        data.append(_trace(
            "choropleth", geojson=layer, featureidkey="id", locations=missing, z=[0] * len(missing), showscale=False,
            colorscale=[[0, geo.NO_DATA_COLOR], [1, geo.NO_DATA_COLOR]], marker={"line": line},
            text=[names[u] for u in missing], hovertemplate="<b>%{text}</b><br>" + t("map_no_data_region", lang) + "<extra></extra>",
            name=t("map_no_data_region", lang), showlegend=True))
    data.append(_trace(
        "choropleth", geojson=layer, featureidkey="id", locations=frame["unit_id"].tolist(), z=frame["value"].astype(float).tolist(),
        colorscale=geo.GREENS, reversescale=chart.reverse_scale, marker={"line": line},
        text=frame["short_name"].tolist(), customdata=frame["unit_id"].tolist(),
        hovertemplate="<b>%{text}</b><br>%{z:.2f}<extra></extra>",
        colorbar={"title": {"text": wrap(chart.value_title, 16), "font": {"size": MIN_FONT}},
                  "tickfont": {"size": MIN_FONT}, "thickness": 28, "len": 0.8, "outlinewidth": 0},
        showlegend=False))
    return data, {"geo": {"visible": False, "fitbounds": "locations", "projection": {"type": "mercator"}, "bgcolor": colours["bg"]}}
