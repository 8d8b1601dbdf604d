"""Kiểm tra page: shaping inspection and finding query results, and the page's chart builders. No Streamlit.

Dates a source does not give stay missing: a visit known only by its number of field days and the day its draft
results were announced is drawn as a marker at that day and described as such, never as invented field dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go

from par_dashboard.domain import officials
from par_dashboard.domain.units import display_name, fold
from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, lang_col, pick, t
from par_dashboard.security.untrusted import markdown_code, markdown_text, markdown_url
from par_dashboard.views.charts import DEMO_PATTERN, apply_theme, demo_mark, fit_label_margin

KINDS = ("result", "limitation", "recommendation")
STATUSES = ("open", "in_progress", "resolved")
TIMELINE_MAX = 25        # team visits drawn on the whole-country timeline
TABLE_PAGE_SIZE = 100    # findings shown per page (the download has them all)
MAX_PLAN_LINES = 3       # plan issue dates drawn as lines only when they stay readable

KIND_COLORS = {"result": "#1a7f4b", "limitation": "#d98c1f", "recommendation": "#2f6fb5"}
VISIT_COLOR, DEMO_COLOR, ANNOUNCED_COLOR, PLAN_COLOR = "#2f6fb5", "#9aa3ad", "#b42318", "#52606d"
HIGHLIGHT_COLOR, MUTED_COLOR = "#2f6fb5", "#a9c1e0"
DAY_MS = 86_400_000


# ---------------------------------------------------------------- small formatters

def missing(value) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_date(value) -> dt.date | None:
    return None if missing(value) else pd.Timestamp(value).date()


@lru_cache(maxsize=8192)
def _day(day: dt.date, lang: str) -> str:
    return fmt_date(day, lang)  # Babel takes ~50 µs a date: tables repeat the same few hundred days


def date_text(value, lang: str) -> str:
    """dd/mm/yyyy, or '—' when the date is not known."""
    day = as_date(value)
    return "—" if day is None else _day(day, lang)


def _dates(series: pd.Series, lang: str) -> list[str]:
    """dd/mm/yyyy for a column, formatting each distinct date once (Babel is slow on thousands of rows)."""
    texts = {v: date_text(v, lang) for v in series.dropna().unique()}
    return [texts.get(v, "—") if not missing(v) else "—" for v in series]


def text_or(value, fallback: str = "—") -> str:
    return fallback if missing(value) or value == "" else str(value)


def fmt_value(value, unit: str, lang: str) -> str:
    """A recorded figure with only the decimals it has: 99.8 % -> '99,8 %', 89.58 -> '89,58 %', 38 -> '38'."""
    if missing(value):
        return "—"
    decimals = 0
    while decimals < 3 and abs(round(float(value), decimals) - float(value)) > 1e-9:
        decimals += 1
    text = fmt_num(value, lang, decimals)
    return {"%": f"{text} %", "days": f"{text} {t('ind_unit_days', lang)}"}.get(unit, text)


def kind_label(kind, lang: str) -> str:
    return t(f"insp_kind_{kind}", lang) if kind in KINDS else "—"


def status_label(status, lang: str) -> str:
    return t(f"insp_status_{status}", lang) if status in STATUSES else "—"


def source_label(kind, lang: str) -> str:
    return t(kind, lang) if isinstance(kind, str) else "—"


def area_label(code, short_vi, short_en, lang: str) -> str:
    if missing(code):
        return "—"
    return f"{str(code)[1:]}. {pick(short_vi, short_en, lang)}"


def plan_text(visit, lang: str) -> str:
    """'80/KH-BCĐCCHC ngày 29/05/2024', or '—' when the source names no plan."""
    if missing(visit.get("plan_number")):
        return "—"
    if missing(visit.get("plan_issued_on")):
        return str(visit["plan_number"])
    return t("insp_plan_of", lang, number=visit["plan_number"], date=date_text(visit["plan_issued_on"], lang))


def visit_dates(visit, lang: str) -> str:
    """The field dates as the source gives them: '17/06/2024', '02/06/2022 – 05/06/2022',
    '4 ngày kiểm tra thực tế (nguồn không nêu ngày)' or 'Nguồn không nêu'."""
    start, end = as_date(visit.get("started_on")), as_date(visit.get("ended_on"))
    if start:
        return date_text(start, lang) if not end or end == start else f"{date_text(start, lang)} – {date_text(end, lang)}"
    if not missing(visit.get("field_days")):
        return t("insp_days_only", lang, days=int(visit["field_days"]))
    return t("insp_not_stated", lang)


def visit_period(visit, lang: str) -> str:
    """One phrase for hover texts: the field dates, or '4 ngày kiểm tra thực tế, công bố 28/09/2023'."""
    if as_date(visit.get("started_on")) is None and not missing(visit.get("field_days")) and as_date(visit.get("announced_on")):
        return t("insp_days_announced", lang, days=int(visit["field_days"]), date=date_text(visit["announced_on"], lang))
    return visit_dates(visit, lang)


def leader_text(visit, lang: str) -> str:
    return text_or(officials.leader_name(visit.get("leader_name"), lang), t("insp_not_named", lang))


def leader_with_title(visit, lang: str) -> str:
    """'Name, title' (or the 'not named' words and the title) as a page in `lang` shows them."""
    title = officials.leader_title(visit.get("leader_title"), lang)
    return leader_text(visit, lang) + (f", {title}" if not missing(title) else "")


def any_demo(*frames: pd.DataFrame, column: str = "source_kind") -> bool:
    return any(not f.empty and column in f and f[column].eq("synthetic_demo").any() for f in frames)


def _marker(color, demo) -> dict:
    """Solid for reported values, hatched in the same colour on white for demo ones (as charts.ranking_bar).

    The pattern's colours are explicit: Streamlit's chart theme otherwise paints the hatch background over."""
    shape = [DEMO_PATTERN if d else "" for d in demo]
    return {"color": color, "line": {"color": color, "width": 1},
            "pattern": {"shape": shape, "fgcolor": color, "bgcolor": "white", "size": 7, "solidity": 0.3,
                        "fillmode": "replace"}}


# ---------------------------------------------------------------- inspections

def several_provinces(visits: pd.DataFrame) -> bool:
    return visits["province_id"].nunique() > 1


def timeline_rows_view(visits: pd.DataFrame, limit: int | None) -> pd.DataFrame:
    """timeline_rows for cached.derived (kept per query and data version: the whole country's visits are thousands)."""
    return timeline_rows(visits, limit=limit)


def timeline_chart(visits: pd.DataFrame, limit: int | None, lang: str, with_plans: bool) -> go.Figure:
    """The timeline of the selection's visits (the most recent `limit`), with their plans' issue dates."""
    plans = visits.dropna(subset=["plan_number", "plan_issued_on"]).drop_duplicates("plan_id") if with_plans else None
    return timeline_figure(timeline_rows(visits, limit=limit), lang, plans=plans)


def timeline_rows(visits: pd.DataFrame, *, limit: int | None = None) -> pd.DataFrame:
    """The visits to draw, oldest first, with a unique row label `y` (team, plus province when several).

    `limit` keeps the most recent visits only (the whole-country view would be hundreds of rows).
    """
    rows = visits.sort_values(["on_date", "province_name", "team_label", "inspection_id"])
    if limit is not None and len(rows) > limit:
        rows = rows.tail(limit)
    labels = (rows["team_label"] + " · " + rows["province_name"]) if several_provinces(visits) else rows["team_label"].copy()
    seen: dict[str, int] = {}
    unique = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        unique.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return rows.assign(y=unique).reset_index(drop=True)


def _hover_rows(rows: pd.DataFrame, lang: str) -> list[tuple]:
    return [(
        officials.team_label(r.team_label, lang) + (f" · {r.province_name}" if isinstance(r.province_name, str) else ""),
        leader_with_title(r._asdict(), lang),
        visit_period(r._asdict(), lang),
        date_text(r.announced_on, lang),
        text_or(r.units_visited),
        source_label(r.source_kind, lang),
    ) for r in rows.itertuples()]


def timeline_figure(rows: pd.DataFrame, lang: str, *, plans: pd.DataFrame | None = None) -> go.Figure:
    """A Gantt chart of team visits (rows from `timeline_rows`): a bar from the first to the last field day
    (hatched when demo data), the draft-result announcement as a small mark, and a visit known only by its field
    days and announcement date as a diamond at that date with its note. `plans` (plan_number, plan_issued_on)
    adds a dashed line at each plan's issue date."""
    hover = (f"<b>%{{customdata[0]}}</b><br>{t('insp_hover_leader', lang)}: %{{customdata[1]}}"
             f"<br>{t('insp_hover_dates', lang)}: %{{customdata[2]}}<br>{t('insp_hover_announced', lang)}: %{{customdata[3]}}"
             f"<br>{t('insp_hover_units', lang)}: %{{customdata[4]}}<br>{t('source', lang)}: %{{customdata[5]}}<extra></extra>")
    custom = _hover_rows(rows, lang)
    # The row labels (timeline_rows, cached for both languages) begin with the team's stored label: shown in `lang`.
    rows = rows.assign(y=[officials.team_label(team, lang) + y[len(team):] for team, y in
                          zip(rows["team_label"], rows["y"], strict=True)])
    fig = go.Figure()
    dated = rows["started_on"].notna()
    demo = rows["source_kind"].eq("synthetic_demo")
    for is_demo in (False, True):
        part = rows[dated & (demo == is_demo)]
        if part.empty:
            continue
        start = pd.to_datetime(part["started_on"])
        end = pd.to_datetime(part["ended_on"].fillna(part["started_on"]))
        fig.add_trace(go.Bar(
            base=[d.strftime("%Y-%m-%d") for d in start], x=((end - start).dt.days + 1) * DAY_MS, y=part["y"],
            orientation="h", name=t("insp_legend_visit_demo" if is_demo else "insp_legend_visit", lang),
            marker=_marker(DEMO_COLOR if is_demo else VISIT_COLOR, [is_demo] * len(part)),
            customdata=[custom[i] for i in part.index], hovertemplate=hover,
        ))
    announced = rows[dated & rows["announced_on"].notna()]
    if not announced.empty:
        fig.add_trace(go.Scatter(
            x=pd.to_datetime(announced["announced_on"]), y=announced["y"], mode="markers",
            name=t("insp_legend_announced", lang),
            marker={"symbol": "line-ns-open", "size": 14, "color": ANNOUNCED_COLOR, "line": {"width": 2}},
            customdata=[custom[i] for i in announced.index], hovertemplate=hover,
        ))
    only = rows[~dated & rows["announced_on"].notna()]
    x_min = pd.to_datetime(pd.concat([rows["started_on"], rows["announced_on"]])).min()
    x_max = pd.to_datetime(pd.concat([rows["ended_on"], rows["announced_on"]])).max()
    if not only.empty:
        when = pd.to_datetime(only["announced_on"])
        middle = x_min + (x_max - x_min) / 2
        fig.add_trace(go.Scatter(
            x=when, y=only["y"], mode="markers+text", name=t("insp_legend_announced_only", lang),
            marker={"symbol": "diamond", "size": 14, "color": "#d98c1f", "line": {"color": "#7a4a00", "width": 1}},
            text=[custom[i][2] for i in only.index],
            textposition=["middle left" if w > middle else "middle right" for w in when],
            textfont={"size": 12, "color": "#7a4a00"},
            customdata=[custom[i] for i in only.index], hovertemplate=hover,
        ))
    if plans is not None and not plans.empty and len(plans) <= MAX_PLAN_LINES:
        for plan in plans.itertuples():
            day = pd.Timestamp(plan.plan_issued_on)
            fig.add_shape(type="line", x0=day, x1=day, y0=0, y1=1, yref="paper",
                          line={"color": PLAN_COLOR, "dash": "dash", "width": 1})
            fig.add_annotation(x=day, y=1, yref="paper", yanchor="bottom", xanchor="left", showarrow=False,
                               text=f"{t('insp_plan_short', lang, number=plan.plan_number)} ({date_text(day, lang)})",
                               font={"size": 11, "color": PLAN_COLOR})
            x_min = min(x_min, day)
    if demo.any():
        demo_mark(fig, lang)
    pad = max(pd.Timedelta(days=3), (x_max - x_min) * 0.04)
    apply_theme(fig, lang)
    fig.update_layout(
        height=max(260, 34 * len(rows) + 150), barmode="overlay", bargap=0.35,
        # the legend goes under the axis: plan labels and the demo mark use the space above the plot
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        margin={"t": 60, "b": 90},
        xaxis={"type": "date", "tickformat": "%d/%m/%Y", "gridcolor": "#e4e7eb",
               "range": [x_min - pad, x_max + pad + pd.Timedelta(days=1)]},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category",
               "categoryorder": "array", "categoryarray": rows["y"].tolist()},
    )
    return fit_label_margin(fig)


def visits_table(visits: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The visits as shown and downloaded: plan, team, leader, post, dates, units visited, source."""
    out = pd.DataFrame({t("insp_col_plan", lang): [plan_text(v, lang) for v in visits.to_dict("records")]})
    if several_provinces(visits):
        out[t("province", lang)] = visits["province_name"].tolist()
    records = visits.to_dict("records")
    out[t("insp_col_team", lang)] = [officials.team_label(v, lang) for v in visits["team_label"]]
    out[t("insp_col_leader", lang)] = [leader_text(v, lang) for v in records]
    out[t("insp_col_leader_title", lang)] = [text_or(officials.leader_title(v, lang)) for v in visits["leader_title"]]
    out[t("insp_col_dates", lang)] = [visit_dates(v, lang) for v in records]
    out[t("insp_col_announced", lang)] = _dates(visits["announced_on"], lang)
    out[t("insp_col_units", lang)] = [text_or(v) for v in visits["units_visited"]]
    out[t("insp_col_n_findings", lang)] = visits["n_findings"].astype(int).tolist()
    out[t("source", lang)] = [source_label(k, lang) for k in visits["source_kind"]]
    return out


def default_inspection(visits: pd.DataFrame) -> str | None:
    """The inspection the summary opens on: a real (reported) one with the most findings, else the first."""
    if visits.empty:
        return None
    ranked = visits.assign(_demo=visits["source_kind"].eq("synthetic_demo"))
    ranked = ranked.sort_values(["_demo", "n_findings", "on_date"], ascending=[True, False, True], kind="stable")
    return str(ranked["inspection_id"].iloc[0])


def inspection_choices(visits: pd.DataFrame, lang: str) -> dict[str, str]:
    """inspection_id -> 'team · province — dates (source)', real ones first."""
    ordered = visits.assign(_demo=visits["source_kind"].eq("synthetic_demo")).sort_values(
        ["_demo", "on_date", "province_name", "team_label"], kind="stable")
    with_province = several_provinces(visits)
    return {r["inspection_id"]: (officials.team_label(r["team_label"], lang) + (f" · {r['province_name']}" if with_province else "")
                                 + f" — {visit_period(r, lang)} ({source_label(r['source_kind'], lang)})")
            for r in ordered.to_dict("records")}


# ---------------------------------------------------------------- findings

def area_kind_bar(counts: pd.DataFrame, areas: pd.DataFrame, lang: str) -> go.Figure:
    """Stacked horizontal bars: findings per PAR area (all 8, in order), stacked by kind; demo counts hatched.

    `counts`: area_code, kind, is_demo, n (finding_by_area_kind.sql); `areas`: par_areas.sql."""
    names = {a.area_code: area_label(a.area_code, a.short_vi, a.short_en, lang) for a in areas.itertuples()}
    order = [names[c] for c in areas.sort_values("number")["area_code"]]
    fig = go.Figure()
    for kind in KINDS:
        for is_demo in (False, True):
            part = counts[(counts["kind"] == kind) & (counts["is_demo"] == is_demo)]
            if part.empty:
                continue
            fig.add_trace(go.Bar(
                x=part["n"], y=[names[c] for c in part["area_code"]], orientation="h",
                name=kind_label(kind, lang) + (f" ({t('synthetic_demo', lang).lower()})" if is_demo else ""),
                legendgroup=kind,
                marker=_marker(KIND_COLORS[kind], [is_demo] * len(part)),
                text=part["n"], textposition="inside", insidetextanchor="middle",
                textfont={"color": "#1f2933" if is_demo else "white", "weight": "bold" if is_demo else "normal"},
                customdata=[[kind_label(kind, lang), source_label("synthetic_demo" if is_demo else "inspection_report", lang)]] * len(part),
                hovertemplate=f"<b>%{{y}}</b><br>%{{customdata[0]}}: %{{x}}<br>{t('source', lang)}: %{{customdata[1]}}<extra></extra>",
            ))
    if counts["is_demo"].any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    fig.update_layout(
        barmode="stack", height=420, bargap=0.3,
        xaxis={"title": t("insp_chart_count", lang), "gridcolor": "#e4e7eb"},
        yaxis={"autorange": "reversed", "automargin": True, "categoryorder": "array", "categoryarray": order},
    )
    return fit_label_margin(fig)


def area_kind_table(counts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The chart's numbers as a download: area, kind, source, count."""
    return pd.DataFrame({
        t("insp_col_area", lang): [area_label(r.area_code, r.short_vi, r.short_en, lang) for r in counts.itertuples()],
        t("insp_col_kind", lang): [kind_label(k, lang) for k in counts["kind"]],
        t("source", lang): [source_label("synthetic_demo" if d else "inspection_report", lang) for d in counts["is_demo"]],
        t("insp_chart_count", lang): counts["n"].astype(int).tolist(),
    })


def search_words(text: str) -> list[str]:
    """The words of a search box, each folded (units.fold), as finding_page_by_selection.sql takes them."""
    return [w for w in (fold(part) for part in str(text).split()) if w]


def page_count(n_rows: int, size: int = TABLE_PAGE_SIZE) -> int:
    return max(1, -(-n_rows // size))


def _area_labels(frame: pd.DataFrame, lang: str) -> list[str]:
    names = {r.area_code: area_label(r.area_code, r.short_vi, r.short_en, lang)
             for r in frame[["area_code", "short_vi", "short_en"]].drop_duplicates().itertuples()}
    return [names.get(code, "—") if not missing(code) else "—" for code in frame["area_code"]]


def findings_table(findings: pd.DataFrame, lang: str, *, with_province: bool = False) -> pd.DataFrame:
    """Findings as shown and downloaded: unit, area, kind, topic, text, status and its date, team, source."""
    kinds = {k: kind_label(k, lang) for k in KINDS}
    statuses = {s: status_label(s, lang) for s in STATUSES}
    out = pd.DataFrame(index=range(len(findings)))
    if with_province:
        out[t("province", lang)] = findings["province_name"].tolist()
    out[t("insp_col_unit", lang)] = findings["unit_name"].fillna(t("insp_unit_general", lang)).tolist()
    out[t("insp_col_area", lang)] = _area_labels(findings, lang)
    out[t("insp_col_kind", lang)] = findings["kind"].map(kinds).fillna("—").tolist()
    out[t("insp_col_topic", lang)] = findings["topic"].fillna("—").tolist()
    out[t("insp_col_text", lang)] = findings["text"].tolist()
    out[t("insp_col_status", lang)] = findings["status"].map(statuses).fillna("—").tolist()
    out[t("insp_col_status_on", lang)] = _dates(findings["status_on"], lang)
    out[t("insp_col_resolved_on", lang)] = _dates(findings["resolved_on"], lang)
    out[t("insp_col_team", lang)] = [officials.team_label(v, lang) for v in findings["team_label"]]
    out[t("source", lang)] = findings["source_kind"].map(lambda k: source_label(k, lang)).tolist()
    return out


def filters_text(lang: str, *, area_name: str | None, kind: str, status: str, search: str = "") -> str:
    """The active page filters in words, for 'nothing matches' sentences."""
    parts = [area_name or t("total", lang)]
    if kind:
        parts.append(kind_label(kind, lang))
    if status:
        parts.append(status_label(status, lang))
    if search:
        parts.append(f"“{search}”")
    return " · ".join(parts)


# ---------------------------------------------------------------- recurring and remedied limitations

def recurring_table(recurring: pd.DataFrame, lang: str, with_province: bool = False) -> pd.DataFrame:
    """One row per recurring limitation (finding_recurring_limitation.sql) and the earlier one it repeats."""
    statuses = {s: status_label(s, lang) for s in STATUSES}
    how = {(True, False): t("insp_how_follow_up", lang), (False, True): t("insp_how_previous", lang),
           (True, True): f"{t('insp_how_follow_up', lang)}; {t('insp_how_previous', lang)}"}
    out = pd.DataFrame(index=range(len(recurring)))
    if with_province:
        out[t("province", lang)] = recurring["province_name"].tolist()
    out[t("insp_col_unit", lang)] = recurring["unit_name"].tolist()
    out[t("insp_col_area", lang)] = _area_labels(recurring, lang)
    out[t("insp_col_topic", lang)] = recurring["topic"].fillna("—").tolist()
    out[t("insp_col_text", lang)] = recurring["text"].tolist()
    out[t("insp_col_team", lang)] = [f"{team} ({day})" for team, day in
                                     zip([officials.team_label(v, lang) for v in recurring["team_label"]], _dates(recurring["on_date"], lang), strict=True)]
    out[t("insp_col_status", lang)] = recurring["status"].map(statuses).fillna("—").tolist()
    out[t("insp_col_prev", lang)] = [f"{team} ({day})" for team, day in
                                     zip([officials.team_label(v, lang) for v in recurring["prev_team_label"]], _dates(recurring["prev_on_date"], lang), strict=True)]
    out[t("insp_col_prev_status", lang)] = recurring["prev_status"].map(statuses).fillna("—").tolist()
    out[t("insp_col_how", lang)] = [how.get((bool(f), bool(p)), "—") for f, p in
                                    zip(recurring["by_follow_up"], recurring["by_previous_inspection"], strict=True)]
    out[t("source", lang)] = recurring["source_kind"].map(lambda k: source_label(k, lang)).tolist()
    return out


@dataclass(frozen=True)
class Remedied:
    """finding_remedied_by_year_area.sql split for the page: the overall row, years with limitations, the chosen year
    and its areas (only those with a later inspection)."""
    overall: pd.DataFrame
    by_year: pd.DataFrame
    this_year: pd.DataFrame
    year_areas: pd.DataFrame

    @property
    def any_followed(self) -> bool:
        return not self.overall.empty and int(self.overall["n_followed"].iloc[0]) > 0

    @staticmethod
    def headline(row: pd.DataFrame) -> tuple[float | None, int, int]:
        """(share remedied, n remedied, n inspected again) of a one-row frame; no share when nothing was re-inspected."""
        followed = 0 if row.empty else int(row["n_followed"].iloc[0])
        if not followed:
            return None, 0, 0
        return float(row["remedied_pct"].iloc[0]), int(row["n_remedied"].iloc[0]), followed


def split_remedied(remedied: pd.DataFrame, year: int) -> Remedied:
    by_year = remedied[(remedied["grain"] == "year") & (remedied["n_limitations"] > 0)]
    return Remedied(
        overall=remedied[remedied["grain"] == "all"],
        by_year=by_year,
        this_year=by_year[by_year["year"] == year],
        year_areas=remedied[(remedied["grain"] == "year_area") & (remedied["year"] == year) & (remedied["n_followed"] > 0)],
    )


def share(part, whole) -> float | None:
    """part / whole in %, None when there is no whole (a share of nothing is not 0 %)."""
    return None if not whole or missing(whole) else 100.0 * float(part) / float(whole)


def remedied_figure(rows: pd.DataFrame, lang: str, *, by: str, highlight=None, areas: pd.DataFrame | None = None) -> go.Figure:
    """Share of limitations remedied before the next inspection, labelled with its share and n: columns per year
    (`by='year'`, `highlight` a year drawn darker) or horizontal bars per PAR area (`by='area'`, names from `areas`).
    Rows come from finding_remedied_by_year_area.sql (grain 'year' or 'year_area'); demo rows are hatched."""
    if by == "area":
        names = {a.area_code: area_label(a.area_code, a.short_vi, a.short_en, lang) for a in areas.itertuples()}
        rows = rows.sort_values("area_code")
        categories = [names.get(c, str(c)) for c in rows["area_code"]]
        colors = [HIGHLIGHT_COLOR] * len(rows)
    else:
        rows = rows.sort_values("year")
        categories = [str(int(y)) for y in rows["year"]]
        colors = [HIGHLIGHT_COLOR if highlight is not None and int(y) == int(highlight) else MUTED_COLOR for y in rows["year"]]
    shares = [None if missing(p) else float(p) for p in rows["remedied_pct"]]
    sep = " · " if by == "area" else "<br>"
    labels = [f"{fmt_pct(p, lang, 1) if p is not None else '—'}{sep}n = {fmt_num(n, lang, 0)}"
              for p, n in zip(shares, rows["n_followed"], strict=True)]
    demo = rows["any_demo"].fillna(False).astype(bool)
    custom = list(zip([fmt_pct(p, lang, 1) for p in shares], [fmt_num(v, lang, 0) for v in rows["n_remedied"]],
                      [fmt_num(v, lang, 0) for v in rows["n_followed"]], [fmt_num(v, lang, 0) for v in rows["n_limitations"]],
                      strict=True))
    values = [0 if p is None else p for p in shares]
    horizontal = by == "area"
    fig = go.Figure(go.Bar(
        x=values if horizontal else categories, y=categories if horizontal else values,
        orientation="h" if horizontal else "v", text=labels, textposition="outside", cliponaxis=False,
        marker=_marker(colors, demo.tolist()), customdata=custom,
        hovertemplate=(f"<b>%{{{'y' if horizontal else 'x'}}}</b><br>{t('insp_col_remedied_pct', lang)}: %{{customdata[0]}}"
                       f"<br>{t('insp_col_n_remedied', lang)}: %{{customdata[1]}} / {t('insp_col_n_followed', lang)}: %{{customdata[2]}}"
                       f"<br>{t('insp_col_n_limitations', lang)}: %{{customdata[3]}}<extra></extra>"),
        showlegend=False,
    ))
    if demo.any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    share_axis = {"range": [0, 135 if horizontal else 118], "title": t("insp_remedied_axis", lang), "gridcolor": "#e4e7eb",
                  "tickvals": [0, 20, 40, 60, 80, 100]}
    category_axis = {"type": "category", "automargin": True}
    if horizontal:
        fig.update_layout(height=max(300, 40 * len(rows) + 130), margin={"t": 60}, xaxis=share_axis,
                          yaxis={**category_axis, "autorange": "reversed"})
    else:
        fig.update_layout(height=380, margin={"t": 60}, yaxis=share_axis, xaxis=category_axis)
    return fit_label_margin(fig)


def remedied_table(rows: pd.DataFrame, areas: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Every grain of finding_remedied_by_year_area.sql as a download."""
    names = {a.area_code: area_label(a.area_code, a.short_vi, a.short_en, lang) for a in areas.itertuples()}
    return pd.DataFrame({
        t("insp_col_grain", lang): [t(f"insp_grain_{g}", lang) for g in rows["grain"]],
        t("insp_col_year", lang): ["" if missing(y) else str(int(y)) for y in rows["year"]],
        t("insp_col_area", lang): ["" if missing(a) else names.get(a, a) for a in rows["area_code"]],
        t("insp_col_n_limitations", lang): rows["n_limitations"].astype(int).tolist(),
        t("insp_col_n_followed", lang): rows["n_followed"].astype(int).tolist(),
        t("insp_col_n_remedied", lang): rows["n_remedied"].astype(int).tolist(),
        t("insp_col_remedied_pct", lang): [fmt_num(p, lang, 1) for p in rows["remedied_pct"]],
    })


# ---------------------------------------------------------------- one-page summary

def summary_markdown(visit: dict, units: pd.DataFrame, findings: pd.DataFrame, figures: pd.DataFrame, lang: str) -> str:
    """One inspection in the shape of a 'công bố dự thảo kết quả kiểm tra': header (team, plan, leader, dates,
    units checked), figures recorded, I. results by area, II. limitations, III. recommendations, then the source.

    `visit`: one row of inspection_by_selection.sql; `units`: inspection_units_visited.sql; `findings`:
    finding_by_inspection.sql; `figures`: inspection_indicator_values.sql."""
    name_col = lang_col("name", lang)
    if missing(visit.get("plan_number")):
        basis = t("insp_summary_no_plan", lang)
    else:
        basis = t("insp_summary_plan", lang, number=visit["plan_number"], date=date_text(visit.get("plan_issued_on"), lang),
                  issuer=text_or(visit.get("plan_issuer")))
    leader = leader_with_title(visit, lang)
    team = officials.team_label(visit["team_label"], lang)
    checked = "; ".join(f"{u.name}" + (f" ({u.what_checked})" if isinstance(u.what_checked, str) else "")
                        for u in units.itertuples()) or t("insp_not_stated", lang)
    lines = [
        f"#### {t('insp_summary_heading', lang, year=int(visit['year']))}",
        f"**{markdown_text(team)}** — {markdown_text(visit['province_name'])}",
        "",
        "| | |",
        "|---|---|",
        f"| {t('insp_col_team', lang)} | {markdown_text(team)} |",
        f"| {t('insp_summary_basis', lang)} | {markdown_text(basis)} |",
        f"| {t('insp_col_leader', lang)} | {markdown_text(leader)} |",
        f"| {t('insp_col_dates', lang)} | {markdown_text(visit_dates(visit, lang))} |",
        f"| {t('insp_col_announced', lang)} | {date_text(visit.get('announced_on'), lang) if not missing(visit.get('announced_on')) else t('insp_not_stated', lang)} |",
        f"| {t('insp_col_units', lang)} | {markdown_text(checked)} |",
        "",
    ]
    several_units = findings["unit_id"].dropna().nunique() > 1 or len(units) > 1
    if not figures.empty:
        lines.append(f"**{t('insp_summary_figures', lang)}**")
        lines.append("")
        for f in figures.itertuples():
            period = f" ({t('insp_period_to_date', lang)})" if f.period == "to-date" else ""
            where = f"{markdown_text(f.unit_name)}: " if several_units else ""
            lines.append(f"- {where}{markdown_text(getattr(f, name_col))}: **{fmt_value(f.value, f.unit, lang)}**{period}")
        lines.append("")
    sections = [("result", "insp_summary_results"), ("limitation", "insp_summary_limitations"),
                ("recommendation", "insp_summary_recommendations")]
    for kind, heading in sections:
        lines.append(f"##### {t(heading, lang)}")
        part = findings[findings["kind"] == kind]
        if part.empty:
            lines += [f"_{t('insp_summary_none', lang)}_", ""]
            continue
        for _, group in part.groupby(part["area_number"].fillna(99), sort=True):
            first = group.iloc[0]
            area = (f"{int(first['area_number'])}. {first[name_col]}" if not missing(first["area_code"])
                    else t("insp_summary_no_area", lang))
            lines.append(f"**{markdown_text(area)}**")
            lines.append("")
            for f in group.itertuples():
                where = f"{markdown_text(f.unit_name)}: " if several_units and isinstance(f.unit_name, str) else ""
                status = ""
                if kind == "limitation" and isinstance(f.status, str):
                    when = f.resolved_on if f.status == "resolved" and not missing(f.resolved_on) else f.status_on
                    status = f" — _{status_label(f.status, lang)}" + (f", {date_text(when, lang)}" if not missing(when) else "") + "_"
                lines.append(f"- {where}{markdown_text(f.text)}{status}")
            lines.append("")
    source = f"**{t('insp_summary_source', lang)}:** {markdown_text(visit['source_title'])}"
    if not missing(visit.get("source_url")):
        source += f" — {markdown_url(visit['source_url'])}"
    elif not missing(visit.get("source_file")):
        source += f" — {markdown_code(visit['source_file'])}"
    source += f" ({source_label(visit['source_kind'], lang)})"
    lines.append("---")
    lines.append(source)
    if visit["source_kind"] == "synthetic_demo":
        lines += ["", f"**⚠️ {t('demo_label', lang)}** — {t('demo_notice', lang)}"]
    return "\n".join(lines)


def summary_findings_table(findings: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The summary's findings as a download: kind, area, unit, text, status."""
    return pd.DataFrame({
        t("insp_col_kind", lang): [kind_label(k, lang) for k in findings["kind"]],
        t("insp_col_area", lang): [area_label(r.area_code, r.short_vi, r.short_en, lang) for r in findings.itertuples()],
        t("insp_col_unit", lang): [text_or(u, t("insp_unit_general", lang)) for u in findings["unit_name"]],
        t("insp_col_text", lang): findings["text"].tolist(),
        t("insp_col_status", lang): [status_label(s, lang) for s in findings["status"]],
        t("insp_col_status_on", lang): _dates(findings["status_on"], lang),
        t("insp_col_resolved_on", lang): _dates(findings["resolved_on"], lang),
        t("source", lang): [source_label(k, lang) for k in findings["source_kind"]],
    })


def place_label(unit: pd.DataFrame | None, province: pd.DataFrame | None, lang: str) -> str:
    """'Huyện Cao Lộc (Lạng Sơn)', 'Tỉnh Lạng Sơn' or 'cả nước', from unit_by_id.sql rows (None when not chosen)."""
    if unit is not None and not unit.empty:
        row = unit.iloc[0]
        name = display_name(row["name"], row["short_name"], row["unit_type"], lang)
        return f"{name} ({row['province_name']})" if isinstance(row["province_name"], str) else str(name)
    if province is not None and not province.empty:
        row = province.iloc[0]
        return str(display_name(row["name"], row["short_name"], row["unit_type"], lang))
    return t("insp_whole_country", lang)


def source_refs(visits: pd.DataFrame) -> list[str]:
    """'title (url or file)' for each distinct source of the visits, for the Excel files' about sheet."""
    refs = []
    for v in visits.drop_duplicates("source_title").to_dict("records"):
        where = text_or(v.get("source_url"), text_or(v.get("source_file"), ""))
        refs.append(f"{v['source_title']} ({where})" if where else str(v["source_title"]))
    return refs


# ---- the page's figures and texts made from query results (for shell.cached.derived, kept per data version)

def remedied_chart(remedied: pd.DataFrame, year: int, lang: str, by: str, areas: pd.DataFrame | None = None) -> go.Figure:
    parts = split_remedied(remedied, year)
    if by == "year":
        return remedied_figure(parts.by_year, lang, by="year", highlight=year)
    return remedied_figure(parts.year_areas, lang, by="area", areas=areas)


def summary_of(visits: pd.DataFrame, inspection_id: str, units: pd.DataFrame, findings: pd.DataFrame,
               figures: pd.DataFrame, lang: str) -> str:
    visit = visits[visits["inspection_id"] == inspection_id].iloc[0].to_dict()
    return summary_markdown(visit, units, findings, figures, lang)
