"""Every index of a unit on one screen: PAR INDEX, SIPAS, the 766 service index, PAPI and PCI, each as a rank among
its peers and as a percentile, over the years; which two disagree most in a year. Pure pandas/plotly, no Streamlit.

Input: queries/multiindex_ranks.sql. A percentile rests on one of three things, tried in this order:
1. the rank the source published (with how many it ranked; without that, the number of peers that year);
2. the rank among the peers computed from the scores, only when every peer has a score that year (a rank among those
   that happen to have data is not a rank) — it is demo as soon as one of those scores is demo;
3. PAPI's group, where a source gives only that (PAPI sorts provinces into four groups by quartile: "group 4, the
   lowest"): the middle of the group's percentile band, said so wherever it is shown.
With `real_only`, a basis resting on demo data is skipped (the next one may still do); what is left counts.

Percentile: 100 × (n − rank) / (n − 1): the best rank is 100, the last 0, whatever n is, so ranks among 63
provinces, 34 provinces or a province's 11 districts read on one scale.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from par_dashboard.domain import catalogue
from par_dashboard.i18n import fmt_num, t
from par_dashboard.security.untrusted import markdown_text

FAMILIES = catalogue.RANKED_FAMILIES
COLORS = {"PAR_INDEX": "#1f3b73", "SIPAS": "#2a9d8f", "SI766": "#d98c1f", "PAPI": "#b42318", "PCI": "#7b4fa0"}
DEMO = "synthetic_demo"
PAPI_GROUPS = 4  # PAPI's four groups: the provinces' quartiles (best, high-average, low-average, poor performers)
_GROUP = re.compile(r"\b(?:group|nhóm)\s*(\d+)\b", re.IGNORECASE)

POINT_COLUMNS = ["family_code", "year", "unit_id", "short_name", "value", "value_kind", "source_title", "basis",
                 "rank", "n", "group", "n_groups", "percentile", "basis_kind", "demo", "pct_low", "pct_high", "note"]


def percentile(rank, n) -> float | None:
    """100 for the best rank, 0 for the last; None when there is no ranking to speak of (one unit, a rank out of
    1..n, missing numbers)."""
    if rank is None or n is None or pd.isna(rank) or pd.isna(n):
        return None
    rank, n = int(rank), int(n)
    if n < 2 or not 1 <= rank <= n:
        return None
    return 100.0 * (n - rank) / (n - 1)


def group_midpoint(group, n_groups: int = PAPI_GROUPS) -> float | None:
    """The middle of group `group` (1 = best) of `n_groups` equal bands: group 4 of 4 → 12.5, group 1 → 87.5."""
    if group is None or pd.isna(group) or not 1 <= int(group) <= n_groups:
        return None
    return 100.0 * (n_groups - int(group) + 0.5) / n_groups


def published_group(family: str, tier, note) -> tuple[int, str] | None:
    """PAPI's group as a source gives it (the tier of an imported row, or the source's own words kept in the note),
    with where it was read ('tier' or 'note'). Other families' tiers (PAR INDEX A/B/C, PCI "Tốt") are score bands,
    not equal groups of provinces: they give no percentile."""
    if family != "PAPI":
        return None
    for where, text in (("tier", tier), ("note", note)):
        if isinstance(text, str) and (m := _GROUP.search(text)) and 1 <= int(m.group(1)) <= PAPI_GROUPS:
            return int(m.group(1)), where
    return None


def _real(kind) -> bool:
    return isinstance(kind, str) and kind != DEMO


def points(rows: pd.DataFrame, real_only: bool = False) -> pd.DataFrame:
    """One row per index and year that has a percentile (POINT_COLUMNS), from queries/multiindex_ranks.sql."""
    out = []
    for r in rows.itertuples(index=False):
        value_kind = r.source_kind
        rank_kind = r.rank_source_kind if isinstance(r.rank_source_kind, str) else value_kind
        candidates = []
        if not pd.isna(r.published_rank):
            n = r.rank_of if not pd.isna(r.rank_of) else r.n_peers
            candidates.append(("published_rank", int(r.published_rank), n, None, percentile(r.published_rank, n), rank_kind))
        if not pd.isna(r.computed_rank):
            kind = DEMO if bool(r.peers_demo) or not _real(value_kind) else value_kind
            candidates.append(("computed_rank", int(r.computed_rank), r.n_peers, None, percentile(r.computed_rank, r.n_peers), kind))
        if found := published_group(r.family_code, r.tier, r.note):
            group, where = found
            candidates.append(("group", None, None, group, group_midpoint(group), rank_kind if where == "tier" else value_kind))
        for basis, rank, n, group, pct, kind in candidates:
            if pct is None or (real_only and not _real(kind)):
                continue
            out.append({"family_code": r.family_code, "year": int(r.year), "unit_id": r.unit_id, "short_name": r.short_name,
                        "value": r.score, "value_kind": value_kind, "source_title": r.source_title, "basis": basis,
                        "rank": rank, "n": None if n is None or pd.isna(n) else int(n), "group": group,
                        "n_groups": PAPI_GROUPS if group else None, "percentile": pct, "basis_kind": kind,
                        "demo": not _real(kind), "pct_low": math.nan, "pct_high": math.nan,  # no source gives intervals
                        "note": r.note if isinstance(r.note, str) else None})
            break
    return pd.DataFrame(out, columns=POINT_COLUMNS)


def years(pts: pd.DataFrame, at_least: int = 1) -> list[int]:
    """The years with a percentile for at least `at_least` indices, oldest first."""
    counts = pts.groupby("year")["family_code"].nunique()
    return sorted(int(y) for y in counts[counts >= at_least].index)


def default_year(pts: pd.DataFrame, prefer: int | None = None) -> int | None:
    """`prefer` (the page's year) when two indices or more rank the unit that year; else the latest such year; else
    the latest year with any."""
    both = years(pts, 2)
    if prefer in both:
        return prefer
    if both:
        return both[-1]
    some = years(pts)
    return some[-1] if some else None


@dataclass(frozen=True)
class Gap:
    high: pd.Series   # the point ranked highest among the indices that year
    low: pd.Series    # the one ranked lowest
    gap: int          # percentile points between them, as shown (each percentile rounded)
    counted: list[str]


def shown(pct: float) -> int:
    """A percentile as the sentence and the hover show it (rounded half to even, like fmt_num)."""
    return round(pct)


def largest_gap(pts: pd.DataFrame, year: int) -> Gap | None:
    """The two indices that disagree most about the unit in `year` (the highest and the lowest percentile), or
    None with fewer than two indices that year. Ties go to the catalogue's order of families."""
    rows = pts[pts["year"] == year].copy()
    if rows["family_code"].nunique() < 2:
        return None
    rows["_order"] = rows["family_code"].map({f: i for i, f in enumerate(FAMILIES)})
    rows = rows.sort_values("_order")
    high = rows.loc[rows["percentile"].idxmax()]
    low = rows.loc[rows["percentile"].idxmin()]
    if high["family_code"] == low["family_code"]:  # every index at the same percentile: the first two
        high, low = rows.iloc[0], rows.iloc[1]
    return Gap(high, low, shown(high["percentile"]) - shown(low["percentile"]), rows["family_code"].tolist())


def family_label(code: str, lang: str) -> str:
    return t(f"mi_family_{code}", lang)


def band(pct: float, lang: str) -> str:
    """The quarter of the peers a percentile falls in, in words."""
    return t(f"mi_band_{min(3, int(pct // 25))}", lang)


def sentence(pts: pd.DataFrame, year: int | None, unit_name: str, lang: str) -> str:
    """Which indices disagree most in `year` and by how much, in plain words (Markdown: the name is escaped)."""
    name = markdown_text(unit_name)
    if year is None:
        return t("mi_none", lang, unit=name)
    gap = largest_gap(pts, year)
    if gap is None:
        have = pts[pts["year"] == year]["family_code"].tolist()
        return t("mi_too_few", lang, year=year, unit=name, n=len(have),
                 names=", ".join(family_label(f, lang) for f in have) or "—")
    hi, lo = gap.high, gap.low
    same = min(3, int(hi["percentile"] // 25)) == min(3, int(lo["percentile"] // 25))
    text = t("mi_agree" if same else "mi_disagree", lang, year=year, unit=name,
             band_hi=band(hi["percentile"], lang), band_lo=band(lo["percentile"], lang),
             hi=family_label(hi["family_code"], lang), lo=family_label(lo["family_code"], lang),
             p_hi=shown(hi["percentile"]), p_lo=shown(lo["percentile"]), gap=gap.gap)
    text += " " + t("mi_counted", lang, names=", ".join(family_label(f, lang) for f in gap.counted))
    if "group" in (hi["basis"], lo["basis"]):
        text += " " + t("mi_group_note", lang)
    if hi["demo"] or lo["demo"]:
        text += " " + t("mi_demo_note", lang)
    return text


def rank_text(p, lang: str) -> str:
    """'38/63', '24/63 (computed from the scores)', 'group 4 of 4 (…midpoint)'."""
    if p["basis"] == "group":
        return t("mi_rank_group", lang, group=int(p["group"]), n=int(p["n_groups"]))
    text = f"{int(p['rank'])}/{int(p['n'])}"
    return text if p["basis"] == "published_rank" else f"{text} ({t('mi_rank_computed', lang)})"


def interval_text(p, lang: str) -> str:
    if pd.isna(p["pct_low"]) or pd.isna(p["pct_high"]):
        return t("mi_no_ci", lang)
    return f"{fmt_num(p['pct_low'], lang, 0)}–{fmt_num(p['pct_high'], lang, 0)}"


def figure(pts: pd.DataFrame, lang: str, *, title: str = "", year: int | None = None) -> go.Figure:
    """Percentile (y, 100 = best) by year (x), a line per index with markers. Demo-based points hollow, PAPI's
    group midpoints as diamonds, intervals drawn only where the data has them; a line breaks over missing years."""
    from par_dashboard.views.charts import FONT, apply_theme, demo_mark

    fig = go.Figure()
    all_years = list(range(int(pts["year"].min()), int(pts["year"].max()) + 1)) if not pts.empty else []
    for code in FAMILIES:
        part = pts[pts["family_code"] == code].set_index("year").sort_index()
        if part.empty:
            continue
        part = part.reindex(all_years)  # NaN between published years: the line breaks rather than inventing a slope
        have = part["percentile"].notna()
        color = COLORS[code]
        label = family_label(code, lang)
        custom = [[rank_text(p, lang), fmt_num(p["percentile"], lang, 0),
                   fmt_num(p["value"], lang) if not pd.isna(p["value"]) else t("mi_no_value", lang),
                   t(p["value_kind"], lang), p["source_title"], t(p["basis_kind"], lang), interval_text(p, lang)]
                  if ok else [""] * 7 for ok, (_, p) in zip(have, part.iterrows(), strict=True)]
        errors = None
        if (part["pct_low"].notna() & part["pct_high"].notna()).any():
            errors = {"type": "data", "symmetric": False, "array": (part["pct_high"] - part["percentile"]).tolist(),
                      "arrayminus": (part["percentile"] - part["pct_low"]).tolist(), "color": color, "thickness": 1.2}
        fig.add_trace(go.Scatter(
            x=all_years, y=part["percentile"].tolist(), mode="lines+markers", name=label, connectgaps=False,
            line={"color": color, "width": 2.5},
            marker={"size": 10, "color": ["white" if d is True else color for d in part["demo"]],
                    "symbol": ["diamond" if b == "group" else "circle" for b in part["basis"]],
                    "line": {"color": color, "width": 2}},
            error_y=errors, customdata=custom,
            hovertemplate=(f"<b>{label}</b> %{{x}}<br>{t('rank', lang)}: %{{customdata[0]}}"
                           f"<br>{t('mi_percentile', lang)}: %{{customdata[1]}}<br>{t('mi_rank_basis', lang)}: %{{customdata[5]}}"
                           f"<br>{t('mi_value', lang)}: %{{customdata[2]}} — %{{customdata[3]}}: %{{customdata[4]}}"
                           f"<br>{t('mi_ci', lang)}: %{{customdata[6]}}<extra></extra>"),
        ))
    apply_theme(fig, lang)
    if pts.empty:
        return fig
    if year is not None:
        fig.add_vline(x=year, line={"color": "#52606d", "dash": "dot", "width": 1})
    if pts["demo"].any():
        demo_mark(fig, lang)
    fig.update_layout(
        title={"text": title, "x": 0, "font": {"size": 16}}, height=420, hovermode="closest",
        hoverlabel={"align": "left", "font": {"family": FONT}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.16, "xanchor": "left", "x": 0},
        margin={"l": 10, "r": 20, "t": 70, "b": 60},
        xaxis={"dtick": 1, "gridcolor": "#e4e7eb", "title": t("year", lang),
               "range": [min(all_years) - 0.5, max(all_years) + 0.5]},
        yaxis={"range": [-4, 104], "tickvals": [0, 25, 50, 75, 100], "gridcolor": "#e4e7eb",
               "title": t("mi_axis", lang), "zeroline": False},
    )
    return fig


def table(pts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The chart's points as a table to download: index, year, rank, percentile, score and sources."""
    pts = pts.sort_values(["year", "family_code"])
    return pd.DataFrame({
        t("year", lang): pts["year"].astype(str).tolist(),
        t("mi_index", lang): [family_label(f, lang) for f in pts["family_code"]],
        t("rank", lang): [rank_text(p, lang) for _, p in pts.iterrows()],
        t("mi_percentile", lang): [fmt_num(v, lang, 1) for v in pts["percentile"]],
        t("mi_rank_basis", lang): [t(k, lang) for k in pts["basis_kind"]],
        t("mi_value", lang): [fmt_num(v, lang) for v in pts["value"]],
        t("source", lang): [f"{t(k, lang)}: {s}" for k, s in zip(pts["value_kind"], pts["source_title"], strict=True)],
        t("mi_ci", lang): [interval_text(p, lang) for _, p in pts.iterrows()],
    })


def figure_of(rows: pd.DataFrame, real_only: bool, lang: str, *, title: str = "", year: int | None = None) -> go.Figure:
    """`figure` of the points of queries/multiindex_ranks.sql (for shell.cached.derived, kept per data version)."""
    return figure(points(rows, real_only), lang, title=title, year=year)
