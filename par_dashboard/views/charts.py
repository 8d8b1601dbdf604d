"""Chart builders: DataFrame in, plotly Figure out, no Streamlit. The same figure goes to the page and exports."""

from __future__ import annotations

import functools
import html
import math
import re

import pandas as pd
import plotly.graph_objects as go
from PIL import ImageFont

from par_dashboard.domain.catalogue import FIRST_YEAR_S34
from par_dashboard.i18n import fmt_num, fmt_signed, lang_col, plotly_separators, t

FONT = "Noto Sans, Arial, sans-serif"  # Noto carries every Vietnamese glyph
GROUP_COLORS = {"A": "#1a7f4b", "B": "#2f6fb5", "C": "#d98c1f", None: "#9aa3ad"}
DEMO_PATTERN = "/"
FONT_FILE = "NotoSans-Regular.ttf"  # the first of FONT; Pillow finds it among the system's fonts (Debian: fonts-noto-core)


# px beside a y tick label of font size s, a pixel to spare: 10 + s/4 (Chromium, plotly's automargin: 108 px for a
# 97,5 px label of 12 px, 203 px for a 190 px one of 24 px on a slide, 26 px for "00" of 11 px)
def _tick_pad(size: float) -> int:
    return 10 + math.ceil(size / 4)


@functools.cache
def _font(size: float) -> ImageFont.FreeTypeFont | None:
    try:
        return ImageFont.truetype(FONT_FILE, size)
    except OSError:  # not installed here: the browser's automargin alone fits the labels, as before
        return None


def label_margin(labels, size: float, suffix: str = "") -> int | None:
    """The left margin (px) plotly's automargin gives y tick labels `labels` of font size `size` (Noto Sans), or
    None when the font is not installed here. A label's lines (`<br>`) and tags are measured as drawn."""
    font = _font(size)
    lines = [re.sub(r"<[^>]+>", "", html.unescape(line)) + suffix
             for label in labels for line in re.split(r"<br\s*/?>", str(label), flags=re.I)]
    if font is None or not lines:
        return None
    return math.ceil(max(_width(size, line) for line in lines)) + _tick_pad(size)


@functools.lru_cache(maxsize=16384)
def _width(size: float, line: str) -> float:
    """A line's width in the font of `size` as the browser boxes it: its advance, or its ink where a glyph reaches
    past it ("Ĩ"). Kept per line: the same names come back in every figure and slide, and Pillow takes ~0,2 ms a line
    (two thirds of a deck's HTML, ~100 lines a deck)."""
    font = _font(size)
    left, _, right, _ = font.getbbox(line)
    return max(font.getlength(line), right - min(left, 0))


def fit_label_margin(fig: go.Figure) -> go.Figure:
    """Set the left margin to what the y axis's tick labels need, measured with the chart's font (Noto Sans).

    The y axes keep `automargin`: plotly measures the labels once drawn, and when they need more room than the
    margin it draws the whole chart a second time. Chromium, the rankings chart of 63 provinces: newPlot 99 ms with
    the default margin, 52 ms with this one (bench notes, issue 17). Measured here with the font file plotly asks
    for first, the widths are the browser's to 0,1 px; with another font (a browser without Noto Sans, this server
    without the file) automargin still fits them, only at the old cost. Category labels only (an axis of numbers or
    of several levels, and a heatmap's, are left to automargin)."""
    layout = fig.layout
    if not (layout.yaxis.automargin and layout.yaxis.type in (None, "category", "-")):
        return fig
    on_y = [trace for trace in fig.data if (getattr(trace, "yaxis", None) or "y") == "y"]
    values = [y for trace in on_y if trace.y is not None for y in trace.y if y is not None]
    # numbers, several levels, or a heatmap (whose axis plotly gives outside ticks): left to plotly's automargin
    if not values or not all(isinstance(y, str) for y in values) or any(tr.type not in ("bar", "scatter") for tr in on_y):
        return fig
    labels = set(layout.yaxis.ticktext or values)  # labels of their own given for the values: those are drawn
    margin = label_margin(labels, layout.yaxis.tickfont.size or layout.font.size or 12, layout.yaxis.ticksuffix or "")
    if margin is not None:
        fig.update_layout(margin={"l": max(layout.margin.l or 0, margin)})
    return fig


def apply_theme(fig: go.Figure, lang: str) -> go.Figure:
    fig.update_layout(
        font={"family": FONT, "size": 13, "color": "#1f2933"},
        separators=plotly_separators(lang),
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 10, "r": 20, "t": 70, "b": 40},
        hoverlabel={"font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "xanchor": "left", "x": 0},
    )
    return fig


def selected_unit(event) -> str | None:
    """The unit id of the first clicked point of a `st.plotly_chart(on_select=...)` event, if any.

    Builders put the unit id first in `customdata`; map clicks also carry it as `location`.
    """
    points = ((event or {}).get("selection") or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, (list, tuple)) and custom and isinstance(custom[0], str):
            return custom[0]
        if isinstance(custom, str):
            return custom
        if isinstance(point.get("location"), str):
            return point["location"]
    return None


def ranking_bar(df: pd.DataFrame, lang: str = "vi", *, label_col: str = "short_name", group_col: str | None = None,
                average: float | None = None, title: str = "") -> go.Figure:
    """A sorted horizontal bar chart of `score`, best at the top, coloured by score group.

    Expects columns score, score_group, source_kind, display_rank (or rank), score_change, rank_change.
    Demo values are hatched and the chart says so; `group_col` shows rows grouped under that column
    (the current province of an old one), groups ordered by their best score.
    """
    data = df[df["score"].notna()].copy()
    rank_col = "display_rank" if "display_rank" in data else "rank"
    if group_col:
        best = data.groupby(group_col)["score"].transform("max")
        data = data.assign(_best=best).sort_values(["_best", group_col, "score"], ascending=[False, True, False])
        y = [data[group_col].tolist(), data[label_col].tolist()]
    else:
        data = data.sort_values("score", ascending=False)
        y = data[label_col].tolist()
    demo = data["source_kind"].eq("synthetic_demo")
    colors = [GROUP_COLORS.get(g if isinstance(g, str) else None, GROUP_COLORS[None]) for g in data["score_group"]]
    custom = list(zip(
        data["unit_id"].tolist() if "unit_id" in data else [None] * len(data),
        [fmt_num(v, lang) for v in data["score"]],
        ["—" if pd.isna(r) else str(int(r)) for r in data[rank_col]],
        [fmt_signed(v, lang) for v in data.get("score_change", pd.Series([None] * len(data)))],
        [fmt_signed(v, lang, 0) for v in data.get("rank_change", pd.Series([None] * len(data)))],
        [t(k, lang) if isinstance(k, str) else "—" for k in data["source_kind"]],
        [html.escape(v) if isinstance(v, str) else "" for v in data.get("source_title", pd.Series([None] * len(data)))],
        strict=True,
    ))
    fig = go.Figure(go.Bar(
        x=data["score"], y=y, orientation="h",
        marker={"color": colors, "line": {"color": colors, "width": 1},
                "pattern": {"shape": [DEMO_PATTERN if d else "" for d in demo], "fgcolor": "white", "size": 6, "solidity": 0.35}},
        text=[c[1] for c in custom], textposition="outside", cliponaxis=False,
        customdata=custom,
        hovertemplate=(f"<b>%{{y}}</b><br>{t('score', lang)}: %{{customdata[1]}}<br>{t('rank', lang)}: %{{customdata[2]}}"
                       f"<br>{t('score_change', lang)}: %{{customdata[3]}} · {t('rank_change', lang)}: %{{customdata[4]}}"
                       f"<br>{t('source', lang)}: %{{customdata[5]}}<br><i>%{{customdata[6]}}</i><extra></extra>"),
        showlegend=False,
    ))
    present = {g for g in data["score_group"] if isinstance(g, str)}
    for g in ("A", "B", "C"):
        if g in present:
            fig.add_trace(go.Bar(x=[None], y=[None] if not group_col else [[None], [None]], orientation="h",
                                 marker_color=GROUP_COLORS[g], name=t(f"group_{g}", lang)))
    if demo.any():
        fig.add_trace(go.Bar(x=[None], y=[None] if not group_col else [[None], [None]], orientation="h",
                             # its own ground: without one, Streamlit's plotly.js drew white lines on nothing (no swatch)
                             marker={"color": "#9aa3ad", "pattern": {"shape": DEMO_PATTERN, "fgcolor": "white", "bgcolor": "#9aa3ad"}},
                             name=t("demo_label", lang)))
        demo_mark(fig, lang, inside_bottom=True)
    lo = min(data["score"].min(), average if average is not None else math.inf)
    x_min = 70 if lo >= 72 else max(0, math.floor(lo / 5) * 5 - 5)
    hi = data["score"].max()
    x_max = 100.5 if hi > 80 else math.ceil(hi * 1.06)  # PAPI (~30–50) and PCI (~55–75) are not on a 0–100 % scale
    if average is not None:
        # the line under the bars (their labels stay readable), named in the legend: a label at the line's foot sat
        # on the axis's tick labels ("TB cả nước 88,37" over "90")
        line = {"color": "#b42318", "dash": "dash", "width": 1.5}
        # A label has no background: the line ran through those of the bars ending just short of it ("8|7,64").
        # It is broken at their rows instead. How far a label reaches is known only in pixels: a label is ~40 px
        # and the narrowest plot area ~300 px, so rows ending within 15 % of the axis before the line lose it.
        reach = 0.15 * (x_max - x_min)
        crossed = ((data["score"] <= average) & (data["score"] >= average - reach)).tolist()
        start = None
        for i, hidden in enumerate([*crossed, True]):  # category i sits at y = i (the axis is reversed)
            if not hidden and start is None:
                start = i
            elif hidden and start is not None:
                fig.add_shape(type="line", x0=average, x1=average, xref="x", yref="y", y0=start - 0.5, y1=i - 0.5,
                              line=line, layer="below")
                start = None
        fig.add_trace(go.Scatter(x=[None], y=[None] if not group_col else [[None], [None]], mode="lines", line=line,
                                 name=t("avg_line", lang, value=fmt_num(average, lang))))
    apply_theme(fig, lang)
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        height=max(320, 22 * len(data) + 120 + (DEMO_MARK_BOTTOM - 40 if demo.any() else 0)), barmode="overlay", bargap=0.25,
        xaxis={"range": [x_min, x_max], "title": t("score", lang), "gridcolor": "#e4e7eb", "ticksuffix": ""},
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 12}},
    )
    if demo.any():
        fig.update_layout(margin={"b": DEMO_MARK_BOTTOM})
    return fit_label_margin(fig)


DEMO_MARK_BOTTOM = 74  # the bottom margin that holds the tick labels, the axis title and the demo mark under them


def demo_mark(fig: go.Figure, lang: str, yshift: int = 26, *, inside_bottom: bool = False) -> None:
    """The visible "synthetic demo data" mark in a chart's top right corner (every builder uses this one), or in the
    bottom right corner under the axis title where a legend that wraps on a narrow column fills the top (the
    builder leaves that margin: DEMO_MARK_BOTTOM)."""
    place = ({"y": 0.0, "yanchor": "top", "yshift": -44} if inside_bottom
             else {"y": 1.0, "yanchor": "bottom", "yshift": yshift})
    fig.add_annotation(text=f"<b>{t('demo_label', lang)}</b>", xref="paper", yref="paper", x=1, xanchor="right",
                       showarrow=False, font={"color": "#b42318", "size": 13}, bgcolor="#fff4ed", bordercolor="#b42318",
                       borderwidth=1, **place)


NOTE_CHARS = 64  # characters of an 11-px footnote line that fit the narrowest chart column (~420 px at 1 440 px)


def footnote(fig: go.Figure, text: str, *, yshift: int = -36) -> int:
    """A grey footnote under the plot, broken into lines that fit the narrowest column the chart is drawn in (a
    one-line note ran past the chart's right edge and was cut off); returns the bottom margin it needs."""
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > NOTE_CHARS:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    lines.append(line)
    fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, yshift=yshift, xanchor="left",
                       yanchor="top", align="left", showarrow=False, font={"size": 11, "color": "#52606d"})
    return -yshift + 16 * len(lines) + 8


ROLE_STYLE = {
    "self": {"color": "#1f3b73", "width": 3, "dash": "solid"},
    "became": {"color": "#2f6fb5", "width": 2.5, "dash": "solid"},
    "absorbed": {"color": "#7b8794", "width": 1.5, "dash": "dash"},
    "absorbed_district": {"color": "#9aa3ad", "width": 1.2, "dash": "dot"},
    "average": {"color": "#b42318", "width": 1.5, "dash": "dot"},
}


def trend_lines(df: pd.DataFrame, lang: str = "vi", *, title: str = "", value_title: str = "",
                decimals: int = 2, average_label: str = "") -> go.Figure:
    """An indicator over the years for a unit and the units it is continuous with across 1/7/2025.

    Expects columns role (self/became/absorbed/absorbed_district/average), short_name, year, value, source_kind.
    Demo points are drawn hollow, real ones filled; a vertical line marks the 2025 reorganisation.
    """
    fig = go.Figure()
    units = df[df["role"] != "average"]
    if not units.empty:  # the average only over the years the units have figures: no line across empty years
        df = df[(df["role"] != "average") | df["year"].between(units["year"].min(), units["year"].max())]
    order = ["absorbed_district", "absorbed", "average", "became", "self"]
    for role in order:
        part = df[df["role"] == role]
        for name, series in part.groupby(part["short_name"].fillna(""), sort=True):
            series = series.sort_values("year")
            style = ROLE_STYLE[role]
            demo = series["source_kind"].eq("synthetic_demo")
            label = average_label if role == "average" else (
                name if role == "self" else t(f"role_{role}", lang, name=name))
            fig.add_trace(go.Scatter(
                x=series["year"], y=series["value"], mode="lines+markers", name=label,
                line={"color": style["color"], "width": style["width"], "dash": style["dash"]},
                marker={"size": 8 if role == "self" else 6, "color": ["white" if d else style["color"] for d in demo],
                        "line": {"color": style["color"], "width": 1.5}},
                customdata=[[fmt_num(v, lang, decimals), t(k, lang)] for v, k in zip(series["value"], series["source_kind"], strict=True)],
                hovertemplate=f"<b>{label}</b> %{{x}}<br>%{{customdata[0]}}<br>{t('source', lang)}: %{{customdata[1]}}<extra></extra>",
            ))
    if df.empty:
        return apply_theme(fig, lang)
    years = sorted(df["year"].unique())
    if years and min(years) < FIRST_YEAR_S34 <= max(years):
        fig.add_vline(x=FIRST_YEAR_S34 - 0.5, line={"color": "#52606d", "dash": "dash", "width": 1})
        fig.add_annotation(x=FIRST_YEAR_S34 - 0.5, y=1, yref="paper", text=t("reorg_line", lang), showarrow=False,
                           xanchor="right", yanchor="top", font={"size": 11, "color": "#52606d"})
    if df["source_kind"].eq("synthetic_demo").any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}}, height=380,
                      xaxis={"dtick": 1, "gridcolor": "#e4e7eb", "title": t("year", lang),
                             "range": [min(years) - 0.5, max(years) + 0.5]},
                      yaxis={"gridcolor": "#e4e7eb", "title": value_title}, hovermode="closest")
    return fig


def area_comparison(df: pd.DataFrame, lang: str = "vi", *, unit_name: str, mean_label: str, title: str = "") -> go.Figure:
    """The eight PAR area scores of a unit beside its peers' mean. Expects area_code, number, short_vi/short_en,
    value, peer_mean, source_kind."""
    names = [f"{n}. {s}" for n, s in zip(df["number"], df[lang_col("short", lang)], strict=True)]
    demo = df["source_kind"].eq("synthetic_demo")
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=df["value"], orientation="h", name=unit_name, marker={
            "color": "#1f3b73", "line": {"color": "#1f3b73", "width": 1},
            "pattern": {"shape": [DEMO_PATTERN if d else "" for d in demo], "fgcolor": "white", "bgcolor": "#1f3b73",
                        "size": 6, "solidity": 0.35, "fillmode": "overlay"}},
        text=[fmt_num(v, lang) for v in df["value"]], textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{text}<extra>" + unit_name + "</extra>"))
    fig.add_trace(go.Scatter(
        y=names, x=df["peer_mean"], mode="markers", name=mean_label,
        marker={"symbol": "line-ns", "size": 22, "line": {"width": 3, "color": "#b42318"}},
        customdata=[fmt_num(v, lang) for v in df["peer_mean"]],
        hovertemplate="%{y}: %{customdata}<extra>" + mean_label + "</extra>"))
    if demo.any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    lo = min(df["value"].min(), df["peer_mean"].min())
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}}, height=360, bargap=0.3,
                      xaxis={"range": [max(0, math.floor(lo / 10) * 10 - 10), 101], "gridcolor": "#e4e7eb", "title": t("score", lang)},
                      yaxis={"autorange": "reversed", "automargin": True})
    return fit_label_margin(fig)
