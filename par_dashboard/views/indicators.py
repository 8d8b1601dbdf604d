"""Chỉ tiêu page logic: indicator choices, tables and chart builders. Pure pandas/plotly, no Streamlit.

The queries (queries/indicator_*.sql) do the aggregation: values per unit and year with change and rank,
targets met, means or totals. Here they are only chosen, ordered and formatted for the reader's language.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from par_dashboard.domain import catalogue
from par_dashboard.domain.catalogue import FIRST_YEAR_S34
from par_dashboard.i18n import fmt_num, fmt_signed, lang_col, t
from par_dashboard.views.charts import DEMO_PATTERN, FONT, apply_theme, demo_mark, footnote

FAMILIES = list(catalogue.FAMILIES)
HEATMAP_MAX_ROWS = 40          # beyond this many units the heatmap shows the top and bottom N
DEFAULT_SPAN = 6               # default year range: the chosen year and the six before it
REAL_COLOR = "#1f3b73"
DEMO_COLOR = "#9aa3ad"
STATUS_COLORS = {"met": "#1a7f4b", "not_met": "#d64545", "no_target": "#2f6fb5"}
TARGET_COLOR = "#b7791f"
MEAN_COLOR = "#b42318"


# ---- choosing an indicator: family -> area -> indicator

def family_of(indicator: str, catalogue: pd.DataFrame) -> str:
    row = catalogue[catalogue["indicator_code"] == indicator]
    return row["family_code"].iloc[0] if not row.empty else FAMILIES[0]


def area_options(catalogue: pd.DataFrame, family: str) -> list[str]:
    """'TOTAL' (every area) then the PAR areas the family has indicators in."""
    codes = catalogue.loc[catalogue["family_code"] == family, "area_code"].dropna()
    return ["TOTAL"] + sorted(c for c in set(codes) if c != "TOTAL")


def indicator_options(catalogue: pd.DataFrame, family: str, area: str) -> list[str]:
    rows = catalogue[catalogue["family_code"] == family]
    if area != "TOTAL":
        rows = rows[rows["area_code"] == area]
    return rows["indicator_code"].tolist()


HEADLINE = {"OPS": "OPS_ONTIME_PCT"}  # what a family opens with, when its first indicator is not the telling one


def headline_indicator(catalogue: pd.DataFrame, family: str) -> str:
    options = indicator_options(catalogue, family, "TOTAL")
    return HEADLINE[family] if HEADLINE.get(family) in options else options[0]


def area_for(indicator: str, area: str, catalogue: pd.DataFrame) -> str:
    """The area to keep when the indicator was chosen elsewhere (a link, another page): the chosen area if it
    still lists the indicator, else the indicator's own area, else every area."""
    family = family_of(indicator, catalogue)
    if indicator in indicator_options(catalogue, family, area):
        return area
    own = catalogue.loc[catalogue["indicator_code"] == indicator, "area_code"]
    own_area = own.iloc[0] if not own.empty else None
    return own_area if own_area in area_options(catalogue, family) else "TOTAL"


def indicator_row(catalogue: pd.DataFrame, code: str) -> pd.Series:
    return catalogue[catalogue["indicator_code"] == code].iloc[0]


def name_of(row: pd.Series, lang: str) -> str:
    return row[lang_col("name", lang)]


# ---- levels and years

def sub_level(year: int) -> str:
    """Below the province: districts until 30/6/2025, communes after."""
    return "commune" if year >= FIRST_YEAR_S34 else "district"


def level_options(year: int) -> list[str]:
    return ["province", sub_level(year), "department"]


def default_level(year: int, province: str, years: pd.DataFrame, structure: str) -> str:
    """With a province chosen, its districts/communes when the indicator has any that year; else the provinces."""
    level = sub_level(year)
    if province and year in years_with_data(years, level, structure):
        return level
    return "province"


def years_with_data(years: pd.DataFrame, level: str, structure: str) -> list[int]:
    """Years the indicator has values at `level` in the structure shown (the 34-province view also shows the
    years before 2025 through the old units)."""
    rows = years[(years["level"] == level) & ((years["structure"] == structure) | (structure == "S34"))]
    return sorted(int(y) for y in rows["year"].unique())


def default_range(available: list[int], year: int) -> tuple[int, int]:
    """The chosen year (or the last year with data before it) and up to DEFAULT_SPAN years before."""
    if not available:
        return year, year
    upto = [y for y in available if y <= year]
    end = upto[-1] if upto else available[0]
    start = min(y for y in available if y >= end - DEFAULT_SPAN)
    return start, end


def rows_of_year(rows: pd.DataFrame, year: int) -> pd.DataFrame:
    """indicator_value_by_unit_year's rows for one year, from its rows for years around it (a year's rank, change
    and roll-up do not depend on the other years asked for: the query reads the year before the first for the change)."""
    part = rows[rows["year"] == year].reset_index(drop=True)
    for column in part.columns:  # typed as DuckDB types the year's own result (tests/test_query_parts.py):
        dtype, missing = part[column].dtype, part[column].isna()
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and not missing.any() and (
                pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype)):
            part[column] = part[column].astype(dtype.numpy_dtype)  # integers, booleans without a NULL: numpy's
        elif isinstance(dtype, pd.StringDtype) and missing.all():
            part[column] = pd.Series([None] * len(part), dtype=object)  # text that is all NULL: objects, None
    return part


def valid_range(value, available: list[int]) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and all(v in available for v in value) and value[0] <= value[1]


# ---- numbers

def decimals(unit: str) -> int:
    return 0 if unit in ("count", "days") else 2


def fmt_value(value, unit: str, lang: str) -> str:
    return fmt_num(value, lang, decimals(unit))


def fmt_with_unit(value, unit: str, lang: str) -> str:
    text = fmt_value(value, unit, lang)
    return text if text == "—" else f"{text} {t('ind_unit_' + unit_key(unit), lang)}"


def unit_key(unit: str) -> str:
    return {"%": "pct"}.get(unit, unit)


def unit_label(unit: str, lang: str) -> str:
    return t("ind_unit_" + unit_key(unit), lang)


def period_label(period, lang: str) -> str:
    if not isinstance(period, str) or period == "Y":
        return t("ind_period_Y", lang)
    if period == "to-date":
        return t("ind_period_to_date", lang)
    if period.startswith("Q"):
        return t("ind_period_quarter", lang, n=period[1:])
    if period.startswith("M"):
        return t("ind_period_month", lang, n=int(period[1:]))
    return period


def period_note(period, lang: str) -> str:
    """The period in the middle of a sentence: 'đến thời điểm kiểm tra', 'cả năm'."""
    return _lower_first(period_label(period, lang))


def level_label(level: str, lang: str) -> str:
    return t(f"ind_level_{level}", lang)


# ---- what the figures are made of

def source_kind_counts(df: pd.DataFrame, lang: str) -> str:
    """'Công bố: 12 · Mô phỏng: 51' over the rows with a value."""
    counts = df.loc[df["value"].notna(), "source_kind"].value_counts()
    order = ["official_publication", "inspection_report", "import_batch", "synthetic_demo"]
    return " · ".join(f"{t(k, lang)}: {fmt_num(counts[k], lang, 0)}" for k in order if k in counts)


def _is_list(value) -> bool:
    return isinstance(value, (list, tuple, np.ndarray))


def real_sources(*frames: pd.DataFrame) -> list[dict]:
    """The distinct non-demo sources behind the rows of the frames (title, url, kind)."""
    seen: dict[tuple, dict] = {}
    for df in frames:
        for items in df["real_sources"]:
            for item in items if _is_list(items) else []:
                seen.setdefault((item.get("title"), item.get("url")), dict(item))
    return sorted(seen.values(), key=lambda s: (s.get("kind") or "", s.get("title") or ""))


def part_year_units(df: pd.DataFrame, lang: str) -> str:
    """'Cao Lộc (đến thời điểm kiểm tra)': the units whose value is not for the whole year, with their period."""
    rows = df[df["value"].notna() & df["period"].ne("Y")]
    return ", ".join(f"{n} ({period_note(p, lang)})" for n, p in zip(rows["short_name"], rows["period"], strict=True))


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def is_demo(df: pd.DataFrame) -> bool:
    return bool(df.loc[df["value"].notna(), "source_kind"].eq("synthetic_demo").any())


def is_rolled_up(df: pd.DataFrame) -> bool:
    return bool((df["n_parts"] > 1).any())


# ---- headline figures

@dataclass(frozen=True)
class Headline:
    label: str
    value: float | None
    help: str | None
    is_mean: bool


def mean_or_total(stats: pd.Series, averageable: bool, unit: str, level: str, year: int, lang: str) -> Headline:
    """The year's mean when the indicator may be averaged (the published national average where there is one;
    a computed mean only when every unit has a figure), the total for counts and days, never a mean of counts."""
    if averageable:
        if pd.notna(stats["published_mean"]):
            return Headline(t("ind_metric_mean_published", lang), float(stats["published_mean"]), None, True)
        if int(stats["n_with_value"]) == int(stats["n_units"]) and pd.notna(stats["mean"]):
            label = "ind_metric_mean_country" if level == "province" else "ind_metric_mean_scope"
            return Headline(t(label, lang), float(stats["mean"]), None, True)
        return Headline(t("ind_metric_no_mean", lang), None, t("ind_mean_partial", lang, n=int(stats["n_with_value"]),
                                                                total=int(stats["n_units"]), year=year), False)
    if pd.notna(stats["total"]):
        return Headline(t("ind_metric_total", lang), float(stats["total"]), t("ind_no_mean_help", lang), False)
    return Headline(t("ind_metric_no_mean", lang), None, t("ind_no_mean_help", lang), False)


def metric_delta(change, unit: str, lang: str) -> str | None:
    """A change for st.metric (ASCII minus, which the widget reads as a fall), or None."""
    return None if change is None or pd.isna(change) else fmt_signed(change, lang, decimals(unit), ascii_minus=True)


def area_suffix(area_code, area_names: dict[str, str]) -> str:
    """' · 3. Administrative procedures' for an indicator of one PAR area, '' for an index total."""
    if not isinstance(area_code, str) or area_code not in area_names:
        return ""
    return f" · {area_code[1]}. {area_names[area_code]}"


# ---- selection of rows

def top_bottom(year_df: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best n and the worst n units of a year by their rank (direction-aware, from SQL); when there are
    no more than 2n units, all of them as the first frame and an empty second one."""
    ranked = year_df[year_df["value"].notna()].sort_values(["rank", "short_name"])
    if len(ranked) <= 2 * n:
        return ranked, ranked.iloc[0:0]
    return ranked.head(n), ranked.tail(n)


def latest_values(df: pd.DataFrame) -> pd.DataFrame:
    """Each unit's value in the last year of the range it has one for."""
    with_value = df[df["value"].notna()].sort_values("year")
    return with_value.groupby("unit_id", sort=False).tail(1).set_index("unit_id")


def heatmap_rows(df: pd.DataFrame, direction: str, n: int, max_rows: int = HEATMAP_MAX_ROWS) -> tuple[list[str], bool]:
    """Units ordered best first by their latest value; above `max_rows` units, only the top n and bottom n.
    Returns the unit ids and whether rows were left out."""
    latest = latest_values(df)
    ascending = direction == "lower"
    order = latest.assign(_name=latest["short_name"]).sort_values(["value", "_name"], ascending=[ascending, True]).index.tolist()
    if len(order) <= max_rows:
        return order, False
    return order[:n] + order[-n:], True


# ---- tables: text for the page (reader's language), numbers for the downloads

def _status(meets, lang: str) -> str:
    if meets is None or meets is pd.NA or (isinstance(meets, float) and math.isnan(meets)):
        return "—"
    return t("ind_met", lang) if bool(meets) else t("ind_not_met", lang)


def _parts_text(parts, values, unit: str, lang: str) -> str:
    if not _is_list(parts):
        return ""
    return " · ".join(f"{p} {fmt_value(v, unit, lang)}" for p, v in zip(parts, values, strict=True))


def _published_rank(rank, of) -> str:
    if rank is None or pd.isna(rank):
        return "—"
    return f"{int(rank)}/{int(of)}" if of is not None and not pd.isna(of) else str(int(rank))


def unit_table_rows(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of `unit_table`, in its order (a chosen row of the table is the row at the same position here)."""
    return df.sort_values(["rank", "short_name"], na_position="last")


def unit_table(df: pd.DataFrame, lang: str, unit: str, *, show_province: bool = False, numbers: bool = False) -> pd.DataFrame:
    """One row per unit of a year, best first: rank, name, value with its period and source kind beside it,
    change, target, status.

    `numbers=True` keeps values as numbers (for CSV/Excel); otherwise they are formatted text (99,80).
    Columns that would be empty for every row (target, published rank, old provinces, notes) are left out.
    """
    data = unit_table_rows(df)
    dec = decimals(unit)
    out = pd.DataFrame({t("rank", lang): [("—" if pd.isna(r) else str(int(r))) for r in data["rank"]]})
    out[t("unit", lang)] = data["short_name"].tolist()
    if numbers:
        out.insert(0, "unit_id", data["unit_id"].tolist())
    if show_province:
        out[t("province", lang)] = data["province_name"].tolist()
    value_col = t("ind_value_col", lang, unit=unit_label(unit, lang))
    out[value_col] = data["value"].round(4).tolist() if numbers else [fmt_num(v, lang, dec) for v in data["value"]]
    out[t("ind_period_col", lang)] = [period_label(p, lang) for p in data["period"]]
    out[t("source", lang)] = [t(k, lang) if isinstance(k, str) else "—" for k in data["source_kind"]]
    out[t("ind_change_col", lang)] = (data["change"].round(4).tolist() if numbers
                                      else [fmt_signed(v, lang, dec) for v in data["change"]])
    if data["target"].notna().any():
        out[t("ind_target_col", lang)] = data["target"].tolist() if numbers else [fmt_num(v, lang, dec) for v in data["target"]]
        out[t("ind_status_col", lang)] = [_status(m, lang) for m in data["meets_target"]]
    if data["published_rank"].notna().any():
        out[t("ind_published_rank_col", lang)] = [_published_rank(r, o) for r, o in zip(data["published_rank"], data["rank_of"], strict=True)]
    if (data["n_parts"] > 1).any():
        out[t("ind_parts_col", lang)] = [_parts_text(p, v, unit, lang) for p, v in zip(data["parts"], data["part_values"], strict=True)]
    if data["note"].notna().any():
        out[t("ind_note_col", lang)] = [n if isinstance(n, str) else "" for n in data["note"]]
    return out.reset_index(drop=True)


def attainment_table(att: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        t("year", lang): att["year"].astype(int).astype(str).tolist(),
        t("ind_met", lang): att["n_met"].astype(int).tolist(),
        t("ind_not_met", lang): att["n_not_met"].astype(int).tolist(),
        t("ind_no_target", lang): att["n_no_target"].astype(int).tolist(),
        t("ind_units_with_value", lang): att["n_units"].astype(int).tolist(),
        t("ind_target_col", lang): [_target_range(lo, hi, lang) for lo, hi in zip(att["target_min"], att["target_max"], strict=True)],
    })


def _target_range(lo, hi, lang: str, dec: int = 2) -> str:
    if pd.isna(lo):
        return "—"
    return fmt_num(lo, lang, dec) if lo == hi else f"{fmt_num(lo, lang, dec)}–{fmt_num(hi, lang, dec)}"


def heatmap_table(df: pd.DataFrame, rows: list[str], lang: str, unit: str, *, numbers: bool = False) -> pd.DataFrame:
    """Units (in `rows` order) by years: the heatmap as a table."""
    data = df[df["unit_id"].isin(rows)]
    wide = data.pivot_table(index="unit_id", columns="year", values="value", aggfunc="first").reindex(rows)
    names = data.drop_duplicates("unit_id").set_index("unit_id")["short_name"].reindex(rows)
    out = pd.DataFrame({t("unit", lang): names.tolist()})
    if numbers:
        out.insert(0, "unit_id", rows)
    # the line's demo mark, as every table's rows carry it: the kinds of its values over the range, demo first
    kinds = data[data["value"].notna()].groupby("unit_id")["source_kind"].agg(lambda k: sorted(set(k), key=lambda x: (x != "synthetic_demo", x)))
    out[t("source", lang)] = [", ".join(t(k, lang) for k in kinds.get(u, [])) or "—" for u in rows]
    for year in sorted(data["year"].unique()):
        # a year none of the rows has a value for is no column of `wide`: NaN, not None (which cannot be rounded)
        col = wide[year] if year in wide else pd.Series([float("nan")] * len(rows))
        out[str(int(year))] = col.round(4).tolist() if numbers else [fmt_num(v, lang, decimals(unit)) for v in col]
    return out


# ---- chart builders

def _value_range(values: list[float], unit: str) -> list[float] | None:
    """Counts and days start at zero; percentages and points zoom in on where the values are."""
    values = [v for v in values if v is not None and not pd.isna(v)]
    if not values:
        return None
    lo, hi = min(values), max(values)
    if unit in ("count", "days"):
        return [0, hi * 1.15 if hi > 0 else 1]
    pad = max((hi - lo) * 0.15, 1.0)
    top = hi + pad
    if unit == "%" and hi <= 100:
        top = min(top, 100.0) + 0.5  # a share never passes 100 %
    return [max(0.0, math.floor((lo - pad) / 5) * 5), top]


def _axis_unit(unit: str, lang: str) -> dict:
    """Percent ticks read '95 %'; other units name the axis."""
    return {"ticksuffix": " %"} if unit == "%" else {"title": {"text": unit_label(unit, lang), "standoff": 4}}


def distribution_chart(df: pd.DataFrame, lang: str, *, unit: str, mean: float | None = None, mean_label: str = "",
                       target_min: float | None = None, target_max: float | None = None,
                       highlight: str | None = None, title: str = "") -> go.Figure:
    """Units' values for a year as a box with every unit beside it as a point (real values filled dark, demo
    values grey), the mean line when one may be shown, the target line (or band when provinces' targets differ).
    Expects unit_id, short_name, value, source_kind, period."""
    data = df[df["value"].notna()].reset_index(drop=True)
    dec = decimals(unit)
    fig = go.Figure()
    fig.add_trace(go.Box(x=data["value"], y=[0] * len(data), orientation="h", boxpoints=False, name="",
                         marker_color="#7b8794", line={"width": 1.5}, fillcolor="rgba(47,111,181,0.12)",
                         hoverinfo="skip", showlegend=False, width=0.5))
    jitter = np.random.default_rng(7).uniform(-0.28, 0.28, len(data)) + 1.0
    demo = data["source_kind"].eq("synthetic_demo")
    for is_demo_, label, color in ((True, t("demo_label", lang), DEMO_COLOR), (False, t("ind_real_values", lang), REAL_COLOR)):
        part = data[demo == is_demo_]
        if part.empty:
            continue
        labelled = not is_demo_ and len(part) <= 8  # a few real figures are named on the chart
        fig.add_trace(go.Scatter(
            x=part["value"], y=jitter[part.index], mode="markers+text" if labelled else "markers", name=label,
            text=part["short_name"] if labelled else None, textposition="top center",
            textfont={"size": 11, "color": REAL_COLOR},
            marker={"color": color, "size": 9 if not is_demo_ else 7, "opacity": 0.9 if not is_demo_ else 0.7,
                    "line": {"color": "white", "width": 0.5}},
            customdata=[[n, fmt_num(v, lang, dec), t(k, lang), period_label(p, lang)]
                        for n, v, k, p in zip(part["short_name"], part["value"], part["source_kind"], part["period"], strict=True)],
            hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]} · %{customdata[3]}<br>"
                          + t("source", lang) + ": %{customdata[2]}<extra></extra>"))
    if highlight is not None and (data["unit_id"] == highlight).any():
        row = data[data["unit_id"] == highlight].iloc[0]
        named = row["source_kind"] != "synthetic_demo" and (~demo).sum() <= 8  # already named as a real figure
        fig.add_trace(go.Scatter(x=[row["value"]], y=[jitter[row.name]], mode="markers" if named else "markers+text",
                                 name=row["short_name"], text=[row["short_name"]], textposition="top center", hoverinfo="skip",
                                 marker={"symbol": "circle-open", "size": 16, "color": "#111827", "line": {"width": 2.5}}))
    x_range = _value_range(data["value"].tolist() + [e for e in (mean, target_min, target_max) if e is not None and not pd.isna(e)], unit)
    middle = (x_range[0] + x_range[1]) / 2 if x_range else 0

    def label(x, text, color, y):  # inside the top of the plot, on the side of the line with more room
        fig.add_annotation(x=x, y=y, yref="paper", yanchor="top", xanchor="left" if x < middle else "right", showarrow=False,
                           text=text, font={"color": color, "size": 12}, bgcolor="rgba(255,255,255,0.8)")

    if mean is not None:
        fig.add_vline(x=mean, line={"color": MEAN_COLOR, "dash": "dash", "width": 1.5})
        label(mean, f"{mean_label}: {fmt_num(mean, lang, dec)}", MEAN_COLOR, 1.0)
    if target_min is not None and not pd.isna(target_min):
        if target_max is None or pd.isna(target_max) or target_max == target_min:
            fig.add_vline(x=target_min, line={"color": TARGET_COLOR, "dash": "dot", "width": 2})
            label(target_min, t("ind_target_line", lang, value=fmt_num(target_min, lang, dec)), TARGET_COLOR, 0.9)
        else:
            fig.add_vrect(x0=target_min, x1=target_max, fillcolor=TARGET_COLOR, opacity=0.15, line_width=0)
            label(target_max, t("ind_target_band", lang, lo=fmt_num(target_min, lang, dec), hi=fmt_num(target_max, lang, dec)),
                  TARGET_COLOR, 0.9)
    if demo.any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}}, height=340,
                      margin={"l": 10, "r": 20, "t": 60, "b": 60},
                      xaxis={"range": x_range,
                             "gridcolor": "#e4e7eb", "zeroline": False, **_axis_unit(unit, lang)},
                      yaxis={"visible": False, "range": [-0.6, 2.1]},
                      legend={"orientation": "h", "yanchor": "top", "y": -0.18, "xanchor": "left", "x": 0})
    return fig


def attainment_chart(att: pd.DataFrame, lang: str, *, demo: bool = False, title: str = "") -> go.Figure:
    """Stacked bars per year: units meeting their target, not meeting it, without a target."""
    years = [str(int(y)) for y in att["year"]]
    fig = go.Figure()
    for status, col in (("met", "n_met"), ("not_met", "n_not_met"), ("no_target", "n_no_target")):
        counts = att[col].astype(int).tolist()
        if not any(counts):
            continue
        fig.add_trace(go.Bar(x=years, y=counts, name=t(f"ind_{status}", lang), marker_color=STATUS_COLORS[status],
                             text=[fmt_num(c, lang, 0) if c else "" for c in counts], textposition="inside",
                             hovertemplate="%{x}: %{text}<extra>" + t(f"ind_{status}", lang) + "</extra>"))
    if demo:
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    fig.update_layout(barmode="stack", title={"text": title, "x": 0, "font": {"size": 16}}, height=340,
                      legend={"traceorder": "normal", "orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0},
                      xaxis={"type": "category", "title": t("year", lang)},
                      yaxis={"title": t("ind_units_axis", lang), "gridcolor": "#e4e7eb", "tickformat": ",d"})
    return fig


def _bar_trace(part: pd.DataFrame, lang: str, unit: str, highlight: str | None) -> go.Bar:
    dec = decimals(unit)
    status = ["no_target" if pd.isna(m) else ("met" if bool(m) else "not_met") for m in part["meets_target"]]
    colors = [STATUS_COLORS[s] for s in status]
    demo = part["source_kind"].eq("synthetic_demo").tolist()
    part_year = part["period"].ne("Y").tolist()
    labels = [f"{fmt_num(v, lang, dec)}{'*' if p else ''}" + (f" ({fmt_signed(c, lang, dec)})" if not pd.isna(c) else "")
              for v, c, p in zip(part["value"], part["change"], part_year, strict=True)]
    custom = [[u, lv, pid, fmt_num(v, lang, dec), fmt_signed(c, lang, dec), t(k, lang), period_label(p, lang),
               fmt_num(tg, lang, dec), t(f"ind_{s}", lang), str(int(r))]
              for u, lv, pid, v, c, k, p, tg, s, r in zip(part["unit_id"], part["level"], part["province_id"], part["value"],
                                                          part["change"], part["source_kind"], part["period"], part["target"],
                                                          status, part["rank"], strict=True)]
    widths = [3 if u == highlight else 0.5 for u in part["unit_id"]]
    return go.Bar(
        x=part["value"], y=part["short_name"], orientation="h", showlegend=False, customdata=custom,
        marker={"color": colors, "line": {"color": ["#111827" if u == highlight else c for u, c in zip(part["unit_id"], colors, strict=True)],
                                          "width": widths},
                "pattern": {"shape": [DEMO_PATTERN if d else "" for d in demo], "fgcolor": "white", "size": 6, "solidity": 0.35}},
        text=labels, textposition="outside", cliponaxis=False,
        hovertemplate=("<b>%{y}</b> (#%{customdata[9]})<br>%{customdata[3]} · %{customdata[6]}<br>"
                       + t("ind_change_col", lang) + ": %{customdata[4]}<br>"
                       + t("ind_target_col", lang) + ": %{customdata[7]} · %{customdata[8]}<br>"
                       + t("source", lang) + ": %{customdata[5]}<extra></extra>"),
    )


def _target_trace(part: pd.DataFrame, lang: str, unit: str, show_legend: bool) -> go.Scatter:
    dec = decimals(unit)
    return go.Scatter(x=part["target"], y=part["short_name"], mode="markers", name=t("ind_target_col", lang),
                      showlegend=show_legend, hovertemplate="%{y}: " + t("ind_target_col", lang) + " %{text}<extra></extra>",
                      text=[fmt_num(v, lang, dec) for v in part["target"]],
                      marker={"symbol": "line-ns", "size": 18, "line": {"width": 3, "color": TARGET_COLOR}})


TOP_MARGIN = 100  # the top-bottom chart's: the demo stamp's line, two legend lines, the first panel's title


def top_bottom_chart(best: pd.DataFrame, worst: pd.DataFrame, lang: str, *, unit: str, direction: str,
                     highlight: str | None = None, title: str = "") -> go.Figure:
    """Horizontal bars of the best units of a year above the worst ones (or all units in one panel when `worst`
    is empty), coloured by whether the unit meets its target, demo values hatched, the target as a tick, change vs
    the previous year in brackets, '*' on values not for the whole year. customdata starts with
    [unit_id, level, province_id] for cross-filtering."""
    split = not worst.empty
    good, bad = ("ind_best", "ind_worst") if direction != "neutral" else ("ind_highest", "ind_lowest")
    panels = [(best, t(good, lang, n=len(best)))] + ([(worst, t(bad, lang, n=len(worst)))] if split else [])
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.12 if split else 0.0,
                        row_heights=[len(p[0]) for p in panels], subplot_titles=[p[1] for p in panels] if split else None)
    all_rows = pd.concat([p[0] for p in panels])
    for row, (part, _) in enumerate(panels, start=1):
        fig.add_trace(_bar_trace(part, lang, unit, highlight), row=row, col=1)
        with_target = part[part["target"].notna()]
        if not with_target.empty:
            fig.add_trace(_target_trace(with_target, lang, unit, show_legend=row == 1), row=row, col=1)
        fig.update_yaxes(autorange="reversed", automargin=True, row=row, col=1)
        fig.update_xaxes(range=_value_range(all_rows["value"].tolist() + all_rows["target"].dropna().tolist(), unit),
                         gridcolor="#e4e7eb", row=row, col=1, showticklabels=True, **_axis_unit(unit, lang))
    present = {"no_target" if pd.isna(m) else ("met" if bool(m) else "not_met") for m in all_rows["meets_target"]}
    for status in ("met", "not_met", "no_target"):
        if status in present and present != {"no_target"}:
            fig.add_trace(go.Bar(x=[None], y=[None], marker_color=STATUS_COLORS[status], name=t(f"ind_{status}", lang)))
    notes = [t("ind_change_note", lang)] if all_rows["change"].notna().any() else []
    if all_rows["period"].ne("Y").any():
        notes.append(t("ind_star_note", lang))
    if all_rows["source_kind"].eq("synthetic_demo").any():
        fig.add_trace(go.Bar(x=[None], y=[None], name=t("demo_label", lang),
                             marker={"color": DEMO_COLOR, "pattern": {"shape": DEMO_PATTERN, "fgcolor": "white", "fillmode": "overlay",
                                                                      "solidity": 0.4}}))
        demo_mark(fig, lang, yshift=TOP_MARGIN - 26)  # the stamp on the figure's top line, the legend below it
    bottom = footnote(fig, " ".join(notes), yshift=-40) if notes else 70
    apply_theme(fig, lang)
    height = 24 * len(all_rows) + (230 if split else 170)
    # the legend starts under the demo stamp's line and wraps downwards on a narrow column (at the figure's top it
    # wrapped into the stamp)
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}}, height=height,
                      bargap=0.25, barmode="overlay", clickmode="event+select",
                      legend={"yref": "container", "y": 1.0 - 28 / height, "yanchor": "top", "orientation": "h", "x": 0},
                      margin={"l": 10, "r": 120, "t": TOP_MARGIN, "b": max(70, bottom)})  # the right margin holds the labels of the longest bars
    for annotation in fig.layout.annotations:  # subplot titles in the theme font, left-aligned
        if annotation.text in [p[1] for p in panels]:
            annotation.update(font={"family": FONT, "size": 13, "color": "#1f2933"}, x=0, xanchor="left")
    return fig


def heatmap_chart(df: pd.DataFrame, rows: list[str], lang: str, *, unit: str, direction: str, truncated: bool = False,
                  title: str = "") -> go.Figure:
    """Units (rows, best first by latest value) by years (columns); real values in bold, '*' on values not for the
    whole year; the colour scale follows the direction (green is better; blue when neither is better)."""
    data = df[df["unit_id"].isin(rows)]
    years = sorted(int(y) for y in data["year"].unique())
    by_key = {(r.unit_id, int(r.year)): r for r in data.itertuples()}
    names = data.drop_duplicates("unit_id").set_index("unit_id")["short_name"].to_dict()
    y_labels = [names.get(u, u) for u in rows]
    if truncated and len(rows) % 2 == 0:
        half = len(rows) // 2
        rows = rows[:half] + [None] + rows[half:]
        y_labels = y_labels[:half] + ["…"] + y_labels[half:]
    dec = decimals(unit)
    z, text, custom = [], [], []
    for unit_id in rows:
        z_row, text_row, custom_row = [], [], []
        for year in years:
            r = by_key.get((unit_id, year)) if unit_id else None
            value = None if r is None or pd.isna(r.value) else float(r.value)
            z_row.append(value)
            if value is None:
                text_row.append("")
                custom_row.append(["—", "", ""])
                continue
            label = fmt_num(value, lang, dec) + ("*" if r.period != "Y" else "")
            text_row.append(label if r.source_kind == "synthetic_demo" else f"<b>{label}</b>")
            custom_row.append([fmt_num(value, lang, dec), t(r.source_kind, lang), period_label(r.period, lang)])
        z.append(z_row)
        text.append(text_row)
        custom.append(custom_row)
    scale = {"higher": "RdYlGn", "lower": "RdYlGn_r"}.get(direction, "Blues")
    fig = go.Figure(go.Heatmap(
        z=z, x=[str(y) for y in years], y=y_labels, text=text, texttemplate="%{text}", customdata=custom,
        colorscale=scale, xgap=1, ygap=1, hoverongaps=False, textfont={"size": 11},
        colorbar={"title": {"text": unit_label(unit, lang)}, "thickness": 12},
        hovertemplate="<b>%{y}</b> %{x}<br>%{customdata[0]} · %{customdata[2]}<br>" + t("source", lang)
                      + ": %{customdata[1]}<extra></extra>"))
    if data["source_kind"].eq("synthetic_demo").any():
        demo_mark(fig, lang, yshift=34)
    bottom = footnote(fig, t("ind_heatmap_note", lang), yshift=-12)
    apply_theme(fig, lang)
    fig.update_layout(title={"text": title, "x": 0, "font": {"size": 16}}, height=max(320, 24 * len(rows) + 100 + bottom),
                      margin={"l": 10, "r": 20, "t": 90, "b": bottom},
                      xaxis={"type": "category", "side": "top"}, yaxis={"autorange": "reversed", "automargin": True})
    return fig


# ---- the page's figures and tables made from one query result (for shell.cached.derived, kept per data version)

def top_bottom_figure(year_df: pd.DataFrame, n: int, lang: str, *, unit: str, direction: str,
                      highlight: str | None = None) -> go.Figure:
    best, worst = top_bottom(year_df, n)
    return top_bottom_chart(best, worst, lang, unit=unit, direction=direction, highlight=highlight)


def top_bottom_rows(year_df: pd.DataFrame, n: int) -> pd.DataFrame:
    """The rows of `top_bottom_table`, in its order."""
    best, worst = top_bottom(year_df, n)
    return unit_table_rows(year_df[year_df["unit_id"].isin(set(best["unit_id"]) | set(worst["unit_id"]))])


def top_bottom_table(year_df: pd.DataFrame, n: int, lang: str, unit: str, *, numbers: bool = False) -> pd.DataFrame:
    return unit_table(top_bottom_rows(year_df, n), lang, unit, numbers=numbers)


def heatmap_figure(df: pd.DataFrame, n: int, lang: str, *, unit: str, direction: str) -> go.Figure:
    rows, truncated = heatmap_rows(df, direction, n)
    return heatmap_chart(df, rows, lang, unit=unit, direction=direction, truncated=truncated)


def heatmap_source_rows(df: pd.DataFrame, n: int, direction: str) -> pd.DataFrame:
    """One row per line of `heatmap_units_table`, in its order: the unit's latest value of the range (its year and
    source: what a chosen line's source box names)."""
    rows, _ = heatmap_rows(df, direction, n)
    return latest_values(df).reindex(rows).reset_index()


def heatmap_units_table(df: pd.DataFrame, n: int, direction: str, lang: str, unit: str, *, numbers: bool = False) -> pd.DataFrame:
    rows, _ = heatmap_rows(df, direction, n)
    return heatmap_table(df, rows, lang, unit, numbers=numbers)
