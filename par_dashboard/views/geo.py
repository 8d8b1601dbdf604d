"""Offline maps: the GeoJSON layers under data/geo/ and a plotly choropleth of them. No Streamlit, no network.

The layers are made by scripts/build_geometry.py from the ward points of `vietnamadminunits` and Natural
Earth's outline of Vietnam; every feature's `id` is a unit id (S63-P-20, S34-C-06184, ...). The map is a
`go.Choroplethmap` on the blank "white-bg" style: no tile server, no CDN topojson, no font server.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from par_dashboard.i18n import lang_col, t
from par_dashboard.paths import DATA_DIR
from par_dashboard.views.charts import apply_theme

GEO_DIR = DATA_DIR / "geo"
LAYERS = {
    "S63-province": "provinces_s63.geojson",
    "S34-province": "provinces_s34.geojson",
    "S63-district": "districts_s63.geojson",
    "S34-commune": "communes_s34.geojson",
}
# higher is better = darker green; starts above white so that the lowest value still reads as data
GREENS = [[0.0, "#e3f4dc"], [0.25, "#a8dc9f"], [0.5, "#6cbf72"], [0.75, "#2f9a52"], [1.0, "#0b5d2e"]]
NO_DATA_COLOR = "#d3d8de"
OUTLINE_COLOR = "#1f2933"
ARCHIPELAGO_COLOR = "#3e4c59"
ARCHIPELAGO_LABEL_COLOR = "#52606d"
DEMO_RED = "#b42318"
TILE = 512  # MapLibre's world is 512 px wide at zoom 0
# The map page's column at the narrowest layout it is built for (3/5 of a 1 440 px window less the sidebar): the
# view is fitted to it, so a province wider than tall is whole there and has room to spare on wider screens (fitted
# to 700 px, provinces were cut off on the left at 1 440 px).
MAP_COLUMN_PX = 580


def layer_for(structure: str, level: str) -> str:
    """("S63", "province") -> "S63-province"; raises for a combination without a map (S34 districts, S63 communes)."""
    layer = f"{structure}-{level}"
    if layer not in LAYERS:
        raise ValueError(f"no map layer for {structure} {level}: one of {', '.join(LAYERS)}")
    return layer


@lru_cache(maxsize=8)
def load_layer(layer: str) -> dict:
    """The FeatureCollection of a layer ("S63-province", "S34-province", "S63-district", "S34-commune").

    Cached and shared: treat it as read-only."""
    if layer not in LAYERS:
        raise ValueError(f"unknown map layer {layer!r}: one of {', '.join(LAYERS)}")
    with open(GEO_DIR / LAYERS[layer], encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=1)
def archipelagos() -> tuple[dict, ...]:
    """Hoàng Sa and Trường Sa: label_vi, label_en, lat, lon, bounds and the unit ids they belong to."""
    with open(GEO_DIR / "archipelagos.json", encoding="utf-8") as f:
        return tuple(json.load(f))


def subset(geojson: dict, province_id: str) -> dict:
    """Only the features of one province (its districts or communes, or the province itself)."""
    features = [f for f in geojson["features"]
                if f["properties"].get("province_id", f["id"]) == province_id]
    return {"type": "FeatureCollection", "features": features}


def _parts(geometry: dict):
    if geometry["type"] == "Polygon":
        yield geometry["coordinates"]
    else:
        yield from geometry["coordinates"]


def _in_archipelago(lon0: float, lat0: float, lon1: float, lat1: float) -> bool:
    for a in archipelagos():
        b0, b1, b2, b3 = a["bounds"]
        if lon0 >= b0 - 0.01 and lat0 >= b1 - 0.01 and lon1 <= b2 + 0.01 and lat1 <= b3 + 0.01:
            return True
    return False


def bounds(geojson: dict, *, include_archipelagos: bool = True) -> tuple[float, float, float, float]:
    """(lon_min, lat_min, lon_max, lat_max) of the features; optionally leaving out the archipelagos' islands."""
    boxes = []
    for feature in geojson["features"]:
        for polygon in _parts(feature["geometry"]):
            ring = np.asarray(polygon[0])
            box = (*ring.min(axis=0), *ring.max(axis=0))
            if include_archipelagos or not _in_archipelago(*box):
                boxes.append(box)
    if not boxes:  # only islands: show them
        return bounds(geojson, include_archipelagos=True) if not include_archipelagos else (102.0, 8.0, 115.0, 23.5)
    b = np.array(boxes)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _merc_y(lat: float) -> float:
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def view(geojson: dict, *, height: int = 590, width: int = 700, include_archipelagos: bool = True,
         padding: float = 0.92) -> tuple[dict, float]:
    """(center, zoom) for `map.center` / `map.zoom` so that the features fill a map of height x width px.

    The default size is the plot area of a 700 px tall figure with the theme's margins in a ~700 px wide column:
    Vietnam is tall, so the height decides for the national maps."""
    lon0, lat0, lon1, lat1 = bounds(geojson, include_archipelagos=include_archipelagos)
    y0, y1 = _merc_y(lat0), _merc_y(lat1)
    center = {"lon": round((lon0 + lon1) / 2, 4),
              "lat": round(math.degrees(2 * math.atan(math.exp((y0 + y1) / 2)) - math.pi / 2), 4)}
    span_x = max((lon1 - lon0) / 360, 1e-6)
    span_y = max((y1 - y0) / (2 * math.pi), 1e-6)
    zoom = min(math.log2(padding * width / (TILE * span_x)), math.log2(padding * height / (TILE * span_y)))
    return center, round(max(0.0, min(zoom, 14.0)), 2)


def paper_xy(lon: float, lat: float, center: dict, zoom: float, *, height: int, width: int) -> tuple[float, float]:
    """Where (lon, lat) falls on a map of height x width px showing `center` at `zoom`, in paper coordinates
    (0..1 from the left / bottom of the map): the Web-Mercator maths of `view`, the other way round."""
    scale = TILE * 2**zoom  # px of the whole world
    x = 0.5 + (lon - center["lon"]) / 360 * scale / width
    y = 0.5 + (_merc_y(lat) - _merc_y(center["lat"])) / (2 * math.pi) * scale / height
    return x, y


def _archipelago_label(a: dict, lang: str, center: dict, zoom: float, *, height: int, width: int) -> dict | None:
    """A paper-anchored annotation naming the archipelago just right of its islands (below the box's middle), or
    None when the islands are outside the view. Text marks on the map would need a font server; annotations are
    drawn by the browser."""
    lon0, lat0, lon1, lat1 = a["bounds"]
    corners = [paper_xy(lon, lat, center, zoom, height=height, width=width) for lon, lat in ((lon0, lat0), (lon1, lat1))]
    if not all(0 <= v <= 1 for xy in corners for v in xy):
        return None
    (_, y0), (x1, y1) = corners
    label = a[lang_col("label", lang)]
    return {
        "text": "<i>" + label.replace(" (", "<br>(", 1) + "</i>", "xref": "paper", "yref": "paper",
        "x": x1 + 6 / width, "y": (y0 + y1) / 2, "xanchor": "left", "yanchor": "top", "align": "left",
        "showarrow": False, "font": {"size": 11, "color": ARCHIPELAGO_LABEL_COLOR},
        "bgcolor": "rgba(255,255,255,0.75)", "borderpad": 2, "name": f"archipelago:{a['key']}",
    }


def _names(geojson: dict) -> dict[str, str]:
    return {f["id"]: f["properties"].get("name", f["id"]) for f in geojson["features"]}


def _national(geojson: dict) -> bool:
    """A map of the whole country (not of one province, nor of the 2–3 old provinces that merged into one):
    its view takes in the archipelagos."""
    provinces = {f["properties"].get("province_id", f["id"]) for f in geojson["features"]}
    return len(provinces) > 10


def _archipelago_unit(a: dict, ids: set[str]) -> str | None:
    for key in ("province_s63", "province_s34", "district_s63", "commune_s34"):
        if a[key] in ids:
            return a[key]
    return None


def choropleth(df: pd.DataFrame, geojson: dict, *, lang: str, value_col: str = "value", title: str = "",
               colorbar_title: str = "", hover_lines: list[tuple[str, str]] | None = None, reverse_scale: bool = False,
               selected_unit: str | None = None, show_archipelagos: bool = True, demo: bool = False,
               demo_label: str = "Dữ liệu mô phỏng", no_data_label: str | None = None, height: int = 700,
               map_width: int = 700, uirevision: str | None = None, geojson_url: str | None = None) -> go.Figure:
    """A choropleth of `df[value_col]` by `df["unit_id"]` over the features of `geojson` (a layer or a subset).

    - colours: sequential green, higher = darker (lower = darker with `reverse_scale`);
    - units of the map without a value: light grey, hover `no_data_label`;
    - hover: the unit's name (df["name"] if given, else the map's) and each (label, column) of `hover_lines`,
      whose columns hold preformatted strings; without hover_lines, `colorbar_title` (or value_col) and the value;
    - `customdata[0]` of every clickable point is the unit id, for `st.plotly_chart(on_select="rerun")`;
    - `selected_unit` is outlined; `demo` puts a red-bordered `demo_label` in the top-right corner;
    - the archipelagos (national maps, or the province they belong to) are markers with their name on hover;
      where the view takes them in (national maps) they are also named by a grey italic layout annotation just
      right of the islands (text marks on the map itself would need a font server). The annotation is placed in
      paper coordinates for the initial view: it does not follow the map when the user pans or zooms;
    - the view (center, zoom) fits the features into `height` (figure px) by about `map_width` px, the width
      the map is expected to get on the page; `uirevision` (default: derived from the features) keeps the
      user's zoom across reruns of the same map;
    - `geojson_url`: the traces name the geometry by this URL (the same features as `geojson`, served as a file the
      browser fetches once and keeps) instead of carrying it: the map page's figure is then a few kB, not the
      geometry two or three times over at every rerun. `geojson` still decides the view, the names and the grey units.
    """
    features = geojson["features"]
    ids = [f["id"] for f in features]
    id_set = set(ids)
    names = _names(geojson)
    no_data_label = no_data_label or t("map_no_data_unit", lang)
    hover_lines = list(hover_lines or [])

    data = df[df["unit_id"].isin(id_set) & df[value_col].notna()].drop_duplicates("unit_id")
    data_names = (data["name"] if "name" in data else data["unit_id"].map(names)).fillna(data["unit_id"].map(names))
    columns = [data["unit_id"].astype(str).tolist(), data_names.astype(str).tolist()]
    columns += [data[col].fillna("—").astype(str).tolist() for _, col in hover_lines]
    customdata = np.array(columns, dtype=object).T.reshape(len(data), len(columns))
    if hover_lines:
        lines = "".join(f"<br>{label}: %{{customdata[{i + 2}]}}" for i, (label, _) in enumerate(hover_lines))
    else:
        lines = f"<br>{colorbar_title or value_col}: %{{z}}"
    hovertemplate = f"<b>%{{customdata[1]}}</b>{lines}<extra></extra>"
    line_width = 0.8 if len(features) <= 100 else 0.35

    fig = go.Figure()
    shapes = geojson_url or geojson
    missing = [i for i in ids if i not in set(data["unit_id"])]
    if missing:
        fig.add_trace(go.Choroplethmap(
            geojson=shapes, featureidkey="id", locations=missing, z=[0] * len(missing),
            colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]], showscale=False,
            marker={"line": {"color": "white", "width": line_width}},
            customdata=[[i, names[i]] for i in missing],
            hovertemplate=f"<b>%{{customdata[1]}}</b><br>{no_data_label}<extra></extra>",
            name=no_data_label, showlegend=True,
        ))
    fig.add_trace(go.Choroplethmap(
        geojson=shapes, featureidkey="id", locations=data["unit_id"].tolist(), z=data[value_col].tolist(),
        colorscale=GREENS, reversescale=reverse_scale,
        marker={"line": {"color": "white", "width": line_width}},
        colorbar={"title": {"text": colorbar_title}, "thickness": 14, "len": 0.6, "y": 0.5, "outlinewidth": 0},
        customdata=customdata, hovertemplate=hovertemplate, name=colorbar_title or value_col, showlegend=False,
    ))
    if selected_unit and selected_unit in id_set:
        fig.add_trace(go.Choroplethmap(
            geojson=shapes, featureidkey="id", locations=[selected_unit], z=[0],
            colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]], showscale=False,
            marker={"line": {"color": OUTLINE_COLOR, "width": 3}}, hoverinfo="skip", showlegend=False,
        ))

    national = _national(geojson)
    top, bottom = (60 if title else 30), 40
    # the map's plot area: the figure less the margins below, and on the right the colorbar (~70 px, it pushes
    # the right margin); the same size decides the view and where the archipelagos' labels go
    area = {"height": height - top - bottom, "width": map_width - 90}
    center, zoom = view(geojson, **area, include_archipelagos=national)
    labels = []
    if show_archipelagos:
        for a in archipelagos():
            unit = _archipelago_unit(a, id_set)
            if unit is None:
                continue
            label = a[lang_col("label", lang)]
            fig.add_trace(go.Scattermap(
                lat=[a["lat"]], lon=[a["lon"]], mode="markers",
                marker={"size": 7, "color": ARCHIPELAGO_COLOR, "opacity": 0.8},
                customdata=[[unit, label]], hovertemplate="<b>%{customdata[1]}</b><extra></extra>",
                name=label, showlegend=False,  # named on the map (below) and on hover
            ))
            if (annotation := _archipelago_label(a, lang, center, zoom, **area)) is not None:
                labels.append(annotation)

    apply_theme(fig, lang)
    fig.update_layout(
        title={"text": title},
        height=height,
        map={"style": "white-bg", "center": center, "zoom": zoom, "fitbounds": False},
        uirevision=uirevision or f"map:{len(ids)}:{ids[0] if ids else ''}:{ids[-1] if ids else ''}",
        legend={"orientation": "h", "yanchor": "top", "y": -0.01, "xanchor": "left", "x": 0},
        margin={"l": 10, "r": 10, "t": top, "b": bottom},
    )
    for annotation in labels:
        fig.add_annotation(**annotation)
    if demo:
        fig.add_annotation(text=f"<b>{demo_label}</b>", xref="paper", yref="paper", x=0.99, y=0.99,
                           xanchor="right", yanchor="top", showarrow=False,
                           font={"color": DEMO_RED, "size": 13}, bgcolor="#fff4ed", bordercolor=DEMO_RED, borderwidth=1.5,
                           borderpad=4)
    return fig
