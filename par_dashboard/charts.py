"""Chart builders: DataFrame in, plotly Figure out, no Streamlit. The same figure goes to the page and exports."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from par_dashboard.i18n import fmt_num, fmt_signed, plotly_separators, t

FONT = "Noto Sans, Arial, sans-serif"  # Noto carries every Vietnamese glyph
GROUP_COLORS = {"A": "#1a7f4b", "B": "#2f6fb5", "C": "#d98c1f", None: "#9aa3ad"}
DEMO_PATTERN = "/"


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
        [fmt_num(v, lang) for v in data["score"]],
        ["—" if pd.isna(r) else str(int(r)) for r in data[rank_col]],
        [fmt_signed(v, lang) for v in data.get("score_change", pd.Series([None] * len(data)))],
        [fmt_signed(v, lang, 0) for v in data.get("rank_change", pd.Series([None] * len(data)))],
        [t(k, lang) if isinstance(k, str) else "—" for k in data["source_kind"]],
        strict=True,
    ))
    fig = go.Figure(go.Bar(
        x=data["score"], y=y, orientation="h",
        marker={"color": colors, "line": {"color": colors, "width": 1},
                "pattern": {"shape": [DEMO_PATTERN if d else "" for d in demo], "fgcolor": "white", "size": 6, "solidity": 0.35}},
        text=[c[0] for c in custom], textposition="outside", cliponaxis=False,
        customdata=custom,
        hovertemplate=(f"<b>%{{y}}</b><br>{t('score', lang)}: %{{customdata[0]}}<br>{t('rank', lang)}: %{{customdata[1]}}"
                       f"<br>{t('score_change', lang)}: %{{customdata[2]}} · {t('rank_change', lang)}: %{{customdata[3]}}"
                       f"<br>{t('source', lang)}: %{{customdata[4]}}<extra></extra>"),
        showlegend=False,
    ))
    present = {g for g in data["score_group"] if isinstance(g, str)}
    for g in ("A", "B", "C"):
        if g in present:
            fig.add_trace(go.Bar(x=[None], y=[None] if not group_col else [[None], [None]], orientation="h",
                                 marker_color=GROUP_COLORS[g], name=t(f"group_{g}", lang)))
    if demo.any():
        fig.add_trace(go.Bar(x=[None], y=[None] if not group_col else [[None], [None]], orientation="h",
                             marker={"color": "#9aa3ad", "pattern": {"shape": DEMO_PATTERN, "fgcolor": "white"}},
                             name=t("demo_label", lang)))
        fig.add_annotation(text=f"<b>{t('demo_label', lang)}</b>", xref="paper", yref="paper", x=1, y=1.0,
                           xanchor="right", yanchor="bottom", yshift=26, showarrow=False,
                           font={"color": "#b42318", "size": 13}, bgcolor="#fff4ed", bordercolor="#b42318", borderwidth=1)
    lo = min(data["score"].min(), average if average is not None else math.inf)
    x_min = 70 if lo >= 72 else max(0, math.floor(lo / 5) * 5 - 5)
    if average is not None:
        fig.add_vline(x=average, line={"color": "#b42318", "dash": "dash", "width": 1.5})
        fig.add_annotation(x=average, y=0, yref="paper", yanchor="top", text=t("avg_line", lang, value=fmt_num(average, lang)),
                           showarrow=False, font={"color": "#b42318", "size": 12}, xanchor="left")
    apply_theme(fig, lang)
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}},
        height=max(320, 22 * len(data) + 120), barmode="overlay", bargap=0.25,
        xaxis={"range": [x_min, 100.5], "title": t("score", lang), "gridcolor": "#e4e7eb", "ticksuffix": ""},
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 12}},
    )
    return fig
