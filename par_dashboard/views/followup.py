"""Theo dõi khắc phục (remediation follow-up): shaping queries/followup_items.sql for the page, the locality profile,
the deck and the downloads, and saving a follow-up edited on the Dữ liệu page. No Streamlit.

Everything is judged as of a day the caller passes (the page's "Tính đến ngày", held in the URL), never the clock:
an item is overdue when it is still open after its deadline; an item closed after the day was still open on it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from par_dashboard.domain import officials
from par_dashboard.domain.units import fold
from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, pick, t
from par_dashboard.views.charts import apply_theme, demo_mark, fit_label_margin
from par_dashboard.views.inspections import _dates, _marker, area_label, kind_label, missing

STATUSES = ("open", "in_progress", "resolved", "not_feasible")
# Age of an open item, in days since the visit that found it.
AGE_BUCKETS = ((0, 90), (91, 180), (181, 365), (366, None))
AGE_COLORS = ("#a9c1e0", "#5b8fd0", "#d98c1f", "#b42318")
TABLE_ROWS = 200          # rows a page table shows (the download has them all)
SIMILAR = 0.8             # share of the shorter text's words the other must contain for two items to be "the same"
MIN_WORDS = 3             # texts of fewer words are never matched (too little to tell)


def status_label(status, lang: str) -> str:
    return t(f"fu_status_{status}", lang) if status in STATUSES else "—"


def age_bucket(days: int) -> int:
    """The index of AGE_BUCKETS that `days` falls in."""
    for i, (low, high) in enumerate(AGE_BUCKETS):
        if days >= low and (high is None or days <= high):
            return i
    return 0


def age_label(i: int, lang: str) -> str:
    low, high = AGE_BUCKETS[i]
    return t("fu_age_over", lang, days=low - 1) if high is None else t("fu_age_range", lang, low=low, high=high)


def _day(value) -> dt.date | None:
    return None if missing(value) else pd.Timestamp(value).date()


def _area(items: pd.DataFrame, lang: str) -> list[str]:
    return [area_label(c, v, e, lang) for c, v, e in zip(items["area_code"], items["short_vi"], items["short_en"], strict=True)]


def _sources(items: pd.DataFrame, lang: str) -> list[str]:
    # demo on every row that is demo (the finding or its follow-up), as the other tables show their source
    return [t("synthetic_demo" if d else "fu_real", lang) for d in items["is_demo"]]


# ---------------------------------------------------------------- headline figures

@dataclass(frozen=True)
class Summary:
    n_items: int
    n_open: int
    n_overdue: int
    n_due: int
    n_on_time: int
    n_recheck: int

    @property
    def on_time_pct(self) -> float | None:
        return None if not self.n_due else 100.0 * self.n_on_time / self.n_due


def summary(items: pd.DataFrame) -> Summary:
    if items.empty:
        return Summary(0, 0, 0, 0, 0, 0)
    return Summary(len(items), int(items["is_open"].sum()), int(items["overdue"].fillna(False).sum()),
                   int(items["due"].fillna(False).sum()), int(items["closed_on_time"].fillna(False).sum()),
                   int(recheck_mask(items).sum()))


def recheck_mask(items: pd.DataFrame) -> pd.Series:
    """What the next inspection must re-check: every open item, and every closure not checked since it was closed."""
    closed = items["status_as_of"].isin(("resolved", "not_feasible"))
    return items["is_open"].astype(bool) | (closed & ~items["verified"].fillna(False).astype(bool))


# ---------------------------------------------------------------- tables

def _base(items: pd.DataFrame, lang: str, with_province: bool) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(items)))
    if with_province:
        out[t("province", lang)] = items["province_name"].tolist()
    out[t("fu_col_unit", lang)] = items["unit_name"].fillna(t("fu_unit_general", lang)).tolist()
    out[t("fu_col_area", lang)] = _area(items, lang)
    out[t("fu_col_kind", lang)] = [kind_label(k, lang) for k in items["kind"]]
    out[t("fu_col_text", lang)] = items["text"].tolist()
    return out


def open_table(items: pd.DataFrame, lang: str, with_province: bool = False) -> pd.DataFrame:
    """Open items as of the day, overdue first (most days late first), then by deadline. Dates are dates and day
    counts whole numbers (typed cells in the Excel file; the page formats them dd/mm/yyyy)."""
    rows = items[items["is_open"].astype(bool)]
    out = _base(rows, lang, with_province)
    out[t("fu_col_found", lang)] = [_day(v) for v in rows["found_on"]]
    out[t("fu_col_team", lang)] = [officials.team_label(v, lang) for v in rows["team_label"]]
    out[t("fu_col_deadline", lang)] = [_day(v) for v in rows["deadline"]]
    out[t("fu_col_days_overdue", lang)] = pd.array([None if missing(v) else int(v) for v in rows["days_overdue"]], dtype="Int64")
    out[t("fu_col_age", lang)] = pd.array([int(v) for v in rows["age_days"]], dtype="Int64")
    out[t("fu_col_status", lang)] = [status_label(s, lang) for s in rows["status_as_of"]]
    out[t("fu_col_responsible", lang)] = rows["responsible"].fillna("—").tolist()
    out[t("source", lang)] = _sources(rows, lang)
    return out


def items_table(items: pd.DataFrame, lang: str, with_province: bool = False) -> pd.DataFrame:
    """Every item with its whole follow-up, for the download: status as of the day and as recorded, deadline,
    evidence, when checked, overdue days."""
    out = _base(items, lang, with_province)
    out[t("fu_col_found", lang)] = [_day(v) for v in items["found_on"]]
    out[t("fu_col_team", lang)] = [officials.team_label(v, lang) for v in items["team_label"]]
    out[t("fu_col_deadline", lang)] = [_day(v) for v in items["deadline"]]
    out[t("fu_col_responsible", lang)] = items["responsible"].fillna("—").tolist()
    out[t("fu_col_status", lang)] = [status_label(s, lang) for s in items["status_as_of"]]
    out[t("fu_col_status_now", lang)] = [status_label(s, lang) for s in items["status"]]
    out[t("fu_col_days_overdue", lang)] = pd.array([None if missing(v) else int(v) for v in items["days_overdue"]], dtype="Int64")
    out[t("fu_col_closed_on", lang)] = [_day(v) for v in items["closed_on"]]
    out[t("fu_col_on_time", lang)] = [t("fu_yes", lang) if bool(o) else (t("fu_no", lang) if bool(d) else "—")
                                      for o, d in zip(items["closed_on_time"].fillna(False), items["due"].fillna(False), strict=True)]
    out[t("fu_col_evidence", lang)] = items["evidence_text"].fillna("—").tolist()
    out[t("fu_col_evidence_number", lang)] = items["evidence_number"].fillna("—").tolist()
    out[t("fu_col_evidence_date", lang)] = [_day(v) for v in items["evidence_date"]]
    out[t("fu_col_checked_on", lang)] = [_day(v) for v in items["checked_on"]]
    out[t("source", lang)] = _sources(items, lang)
    return out


def recheck_table(items: pd.DataFrame, lang: str, with_province: bool = False) -> pd.DataFrame:
    """Per unit, what its next inspection must re-check: open items (overdue first) and closures not checked since."""
    rows = items[recheck_mask(items)].copy()
    rows["_order"] = [0 if o else (1 if i else 2) for o, i in zip(rows["overdue"].fillna(False), rows["is_open"], strict=True)]
    rows = rows.sort_values(["unit_key", "_order", "deadline", "found_on"], na_position="last", kind="stable")
    out = _base(rows, lang, with_province)
    out[t("fu_col_why", lang)] = [t("fu_why_overdue", lang) if o == 0 else t("fu_why_open" if o == 1 else "fu_why_unchecked", lang)
                                  for o in rows["_order"]]
    out[t("fu_col_deadline", lang)] = [_day(v) for v in rows["deadline"]]
    out[t("fu_col_closed_on", lang)] = [_day(v) for v in rows["closed_on"]]
    out[t("fu_col_evidence_number", lang)] = rows["evidence_number"].fillna("—").tolist()
    out[t("source", lang)] = _sources(rows, lang)
    return out


def unit_open_table(items: pd.DataFrame, lang: str, limit: int = 8) -> pd.DataFrame:
    """The short table of a unit's open items on its locality profile: overdue first."""
    rows = items[items["is_open"].astype(bool)].head(limit)
    return pd.DataFrame({
        t("fu_col_area", lang): _area(rows, lang),
        t("fu_col_text", lang): rows["text"].tolist(),
        t("fu_col_deadline", lang): _dates(rows["deadline"], lang),
        t("fu_col_days_overdue", lang): [fmt_num(v, lang, 0) if not missing(v) else "—" for v in rows["days_overdue"]],
        t("source", lang): _sources(rows, lang),
    })


# ---------------------------------------------------------------- recurring items

def words(text: str) -> frozenset[str]:
    """The words of a text, each folded as the search folds them (units.fold): diacritics, case and spacing aside."""
    return frozenset(w for w in (fold(part) for part in re.split(r"[\s,.;:()/\-–—\"“”]+", str(text))) if len(w) > 1)


def similar(a: frozenset[str], b: frozenset[str]) -> bool:
    """Most of the shorter text's words are in the other ('... (chưa khắc phục dứt điểm từ lần kiểm tra trước)' is the
    same item as the text without it)."""
    small = min(len(a), len(b))
    return small >= MIN_WORDS and len(a & b) >= SIMILAR * small


def _root(parent: list[int], i: int) -> int:
    """The group of item i (union-find, paths halved)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def recurring(items: pd.DataFrame) -> pd.DataFrame:
    """Items found again at the same unit, in the same PAR area, with a similar text, by a later inspection: one row
    per group found by two inspections or more (unit_id, unit_name, province_name, area_code, short_vi, short_en,
    text of the latest, times, first_found, last_found, teams, status of the latest as of the day, is_demo). Words
    are compared within a unit and area only, so the work grows with the items, not with their square."""
    cols = ["unit_id", "unit_name", "unit_key", "province_name", "area_code", "short_vi", "short_en", "text", "times",
            "first_found", "last_found", "teams", "status_as_of", "is_open", "is_demo"]
    rows = items.dropna(subset=["unit_id", "area_code"]).sort_values(["found_on", "finding_id"], kind="stable")
    # the rows as records once, grouped here: pandas' to_dict costs tens of milliseconds a call whatever the size,
    # and the whole country has thousands of groups (one call per group took some 20 s of CPU)
    groups: dict[tuple, list[dict]] = {}
    for r in rows.to_dict("records"):
        groups.setdefault((r["unit_id"], r["area_code"]), []).append(r)
    out = []
    for records in groups.values():
        if len({r["inspection_id"] for r in records if not missing(r["inspection_id"])}) < 2:
            continue
        texts = [words(r["text"]) for r in records]
        parent = list(range(len(records)))
        for i in range(len(records)):
            for j in range(i):
                if records[i]["inspection_id"] != records[j]["inspection_id"] and similar(texts[i], texts[j]):
                    parent[_root(parent, i)] = _root(parent, j)
        clusters: dict[int, list[dict]] = {}
        for i, r in enumerate(records):
            clusters.setdefault(_root(parent, i), []).append(r)
        for members in clusters.values():
            if len({m["inspection_id"] for m in members}) < 2:
                continue
            last, first = members[-1], members[0]
            visits = list(dict.fromkeys((m["team_label"], _day(m["found_on"])) for m in members))
            out.append({"unit_id": last["unit_id"], "unit_name": last["unit_name"], "unit_key": last["unit_key"],
                        "province_name": last["province_name"], "area_code": last["area_code"], "short_vi": last["short_vi"],
                        "short_en": last["short_en"], "text": last["text"],
                        "times": len({m["inspection_id"] for m in members}), "first_found": _day(first["found_on"]),
                        "last_found": _day(last["found_on"]), "teams": visits, "status_as_of": last["status_as_of"],
                        "is_open": bool(last["is_open"]), "is_demo": any(bool(m["is_demo"]) for m in members)})
    frame = pd.DataFrame(out, columns=cols)
    return frame.sort_values(["times", "last_found", "unit_key"], ascending=[False, False, True], kind="stable").reset_index(drop=True)


def recurring_table(rec: pd.DataFrame, lang: str, with_province: bool = False) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(rec)))
    if with_province:
        out[t("province", lang)] = rec["province_name"].tolist()
    out[t("fu_col_unit", lang)] = rec["unit_name"].tolist()
    out[t("fu_col_area", lang)] = _area(rec, lang)
    out[t("fu_col_text", lang)] = rec["text"].tolist()
    out[t("fu_col_times", lang)] = pd.array([int(v) for v in rec["times"]], dtype="Int64")
    out[t("fu_col_first_found", lang)] = rec["first_found"].tolist()
    out[t("fu_col_last_found", lang)] = rec["last_found"].tolist()
    days = iter(_dates(pd.Series([day for teams in rec["teams"] for _, day in teams], dtype=object), lang))  # at once
    out[t("fu_col_teams", lang)] = ["; ".join(f"{officials.team_label(team, lang)} ({next(days)})" for team, _ in teams) for teams in rec["teams"]]
    out[t("fu_col_status", lang)] = [status_label(s, lang) for s in rec["status_as_of"]]
    out[t("source", lang)] = _sources(rec, lang)
    return out


# ---------------------------------------------------------------- closed on time, by unit and year

def on_time(items: pd.DataFrame) -> pd.DataFrame:
    """Per unit and inspection year: items due by the day (deadline passed, not found not feasible), those closed by
    their deadline, and the share. Units without an item due are left out (a share of nothing is not 0 %)."""
    due = items[items["due"].fillna(False).astype(bool)].copy()
    if due.empty:
        return pd.DataFrame(columns=["unit_id", "unit_name", "unit_key", "province_name", "year", "n_due", "n_on_time",
                                     "pct", "is_demo"])
    due["on"] = due["closed_on_time"].fillna(False).astype(bool)
    out = (due.groupby(["unit_id", "unit_name", "unit_key", "province_name", "year"], dropna=False)
           .agg(n_due=("on", "size"), n_on_time=("on", "sum"), is_demo=("is_demo", "any")).reset_index())
    out["pct"] = 100.0 * out["n_on_time"] / out["n_due"]
    return out.sort_values(["unit_key", "year"], kind="stable").reset_index(drop=True)


def on_time_by_year(items: pd.DataFrame) -> pd.DataFrame:
    due = items[items["due"].fillna(False).astype(bool)]
    if due.empty:
        return pd.DataFrame(columns=["year", "n_due", "n_on_time", "pct", "is_demo"])
    out = (due.assign(on=due["closed_on_time"].fillna(False).astype(bool)).groupby("year")
           .agg(n_due=("on", "size"), n_on_time=("on", "sum"), is_demo=("is_demo", "any")).reset_index())
    out["pct"] = 100.0 * out["n_on_time"] / out["n_due"]
    return out


def on_time_table(rows: pd.DataFrame, lang: str, with_province: bool = False) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(rows)))
    if with_province:
        out[t("province", lang)] = rows["province_name"].tolist()
    out[t("fu_col_unit", lang)] = rows["unit_name"].fillna(t("fu_unit_general", lang)).tolist()
    out[t("fu_col_year", lang)] = pd.array([int(y) for y in rows["year"]], dtype="Int64")
    out[t("fu_col_n_due", lang)] = pd.array([int(v) for v in rows["n_due"]], dtype="Int64")
    out[t("fu_col_n_on_time", lang)] = pd.array([int(v) for v in rows["n_on_time"]], dtype="Int64")
    out[t("fu_col_on_time_pct", lang)] = [round(float(p), 1) for p in rows["pct"]]
    out[t("source", lang)] = [t("synthetic_demo" if d else "fu_real", lang) for d in rows["is_demo"]]
    return out


# The follow-up tables' typed columns as the page writes them (their labels' keys): counts grouped by thousands, shares
# with one decimal, in the page's language.
COUNT_COLUMNS = ("fu_col_days_overdue", "fu_col_age", "fu_col_n_due", "fu_col_n_on_time")
SHARE_COLUMNS = ("fu_col_on_time_pct",)


def on_screen(table: pd.DataFrame, lang: str):
    """A follow-up table as the page shows it: its counts, shares and dates written in the page's language ("2.650"
    days and "66,7" % in Vietnamese, "2,650" and "66.7" in English; dates dd/mm/yyyy), while its cells keep their
    numbers and dates, so a click on a column's header still sorts them as numbers and dates.

    A pandas Styler's formatted text is what st.dataframe shows over the typed cells. Streamlit's own NumberColumn
    cannot do this: its "localized" format follows the BROWSER's locale (an English browser wrote "2,650" on the
    Vietnamese page) and its printf formats group no thousands; a text column would sort "980" after "2.650"."""
    formats = {}
    for key, decimals in [(k, 0) for k in COUNT_COLUMNS] + [(k, 1) for k in SHARE_COLUMNS]:
        if (col := t(key, lang)) in table.columns:
            formats[col] = lambda v, d=decimals: fmt_num(v, lang, d)
    for col in table.columns:  # a Styler would write the dates it does not format as 2024-06-17
        if col not in formats and table[col].map(lambda v: isinstance(v, dt.date)).any():
            formats[col] = lambda v: fmt_date(v, lang) if isinstance(v, dt.date) else "—"
    return table.style.format(formats, na_rep="—")


# ---------------------------------------------------------------- charts

def age_area_counts(items: pd.DataFrame) -> pd.DataFrame:
    """Open items per PAR area and age bucket (area_code, area_number, short_vi, short_en, bucket, n, is_demo)."""
    rows = items[items["is_open"].astype(bool)].copy()
    cols = ["area_code", "area_number", "short_vi", "short_en", "bucket", "n", "is_demo"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows["bucket"] = [age_bucket(int(d)) for d in rows["age_days"]]
    rows["area_code"] = rows["area_code"].fillna("—")
    rows["area_number"] = rows["area_number"].fillna(99)
    out = (rows.groupby(["area_code", "area_number", "short_vi", "short_en", "bucket"], dropna=False)
           .agg(n=("finding_id", "size"), is_demo=("is_demo", "any")).reset_index())
    return out[cols].sort_values(["area_number", "bucket"]).reset_index(drop=True)


def age_area_figure(counts: pd.DataFrame, lang: str) -> go.Figure:
    """Open items per PAR area (rows), stacked by age since found; demo bars hatched."""
    areas = counts.drop_duplicates("area_code").sort_values("area_number")
    names = {r.area_code: area_label(None if r.area_code == "—" else r.area_code, r.short_vi, r.short_en, lang)
             for r in areas.itertuples()}
    fig = go.Figure()
    for b in range(len(AGE_BUCKETS)):
        part = counts[counts["bucket"] == b].set_index("area_code")
        values = [int(part["n"].get(a, 0)) for a in areas["area_code"]]
        demo = [bool(part["is_demo"].get(a, False)) for a in areas["area_code"]]
        fig.add_bar(y=[names[a] for a in areas["area_code"]], x=values, orientation="h", name=age_label(b, lang),
                    marker=_marker(AGE_COLORS[b], demo), text=[fmt_num(v, lang, 0) if v else "" for v in values],
                    textposition="inside", hovertemplate=f"%{{y}}<br>{age_label(b, lang)}: %{{x}}<extra></extra>")
    if counts["is_demo"].astype(bool).any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    fig.update_layout(barmode="stack", height=max(280, 46 * len(areas) + 160), margin={"t": 90},
                      legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "title": {"text": t("fu_age_legend", lang)}},
                      xaxis={"title": t("fu_open_axis", lang), "gridcolor": "#e4e7eb"},
                      yaxis={"type": "category", "autorange": "reversed", "automargin": True})
    return fit_label_margin(fig)


def on_time_figure(by_year: pd.DataFrame, lang: str) -> go.Figure:
    """Share of the items due that were closed by their deadline, per inspection year, labelled with share and n."""
    years = [str(int(y)) for y in by_year["year"]]
    shares = [float(p) for p in by_year["pct"]]
    labels = [f"{fmt_pct(p, lang, 1)}<br>n = {fmt_num(n, lang, 0)}" for p, n in zip(shares, by_year["n_due"], strict=True)]
    fig = go.Figure(go.Bar(x=years, y=shares, text=labels, textposition="outside", cliponaxis=False,
                           marker=_marker(["#2f6fb5"] * len(years), by_year["is_demo"].astype(bool).tolist()),
                           hovertemplate="%{x}: %{y:.1f} %<extra></extra>", showlegend=False))
    if by_year["is_demo"].astype(bool).any():
        demo_mark(fig, lang)
    apply_theme(fig, lang)
    fig.update_layout(height=360, margin={"t": 60}, xaxis={"type": "category"},
                      yaxis={"range": [0, 118], "title": t("fu_on_time_axis", lang), "gridcolor": "#e4e7eb",
                             "tickvals": [0, 20, 40, 60, 80, 100]})
    return fig


# ---------------------------------------------------------------- the Dữ liệu page's follow-up form

FORM_FIELDS = ("deadline", "responsible", "followup_status", "evidence_text", "evidence_number", "evidence_date", "checked_on")
FORM_SOURCE = "Cập nhật theo dõi khắc phục trên trang Dữ liệu"


def finding_row(db, finding_id: str) -> dict | None:
    """The limitation or recommendation `finding_id` with its follow-up (queries/followup_finding_row.sql), None when
    there is none of that id."""
    found = db.query("followup_finding_row", finding_id=str(finding_id).strip())
    if found.empty:
        return None
    row = found.iloc[0].to_dict()
    return {k: (None if missing(v) else (pd.Timestamp(v).date() if k in _DATE_FIELDS else v)) for k, v in row.items()}


_DATE_FIELDS = frozenset({"status_on", "resolved_on", "deadline", "evidence_date", "checked_on"})


def template_row(row: dict, values: dict, lang: str) -> dict:
    """The finding as a row of the import template's findings sheet (its recorded columns unchanged, so the import
    finds it as it is) with the follow-up `values` (FORM_FIELDS; followup_status a code)."""
    from par_dashboard.importing.template import FOLLOWUP_STATUSES, KINDS, STATUSES, YES, Catalogue, label

    area = Catalogue.from_seed().area_label(row["area_code"], lang)
    out = {"finding_id": row["finding_id"], "inspection_id": row["inspection_id"], "unit_id": row["unit_id"], "area": area,
           "kind": label(KINDS, row["kind"], lang), "topic": row["topic"], "text": row["text"],
           "status": label(STATUSES, row["status"], lang), "status_on": row["status_on"], "resolved_on": row["resolved_on"],
           "follows_up_id": row["follows_up_id"], "source": FORM_SOURCE,
           # a demo finding's follow-up is demo too; a real one stays real (the import never lets demo replace real)
           "demo": pick(*YES, lang) if row["is_demo"] else None}
    for key in FORM_FIELDS:
        value = values.get(key)
        if isinstance(value, str):
            value = value.strip() or None
        out[key] = label(FOLLOWUP_STATUSES, value, lang) if key == "followup_status" and value else value
    return out


def save(db, finding_id: str, values: dict, *, user, lang: str = "vi"):
    """Write the follow-up of one finding as the signed-in `user`, through the import service (one batch: validated,
    scope-checked — a province-scoped officer only for findings of their province —, audited, undone by a rollback;
    the same values saved again change nothing: "unchanged"). Returns the import report, or None when there is no
    limitation or recommendation `finding_id`."""
    from par_dashboard.importing import service
    from par_dashboard.importing.template import Catalogue, write_workbook

    row = finding_row(db, finding_id)
    if row is None:
        return None
    data = write_workbook({"findings": [template_row(row, values, lang)]}, lang=lang, catalogue=Catalogue.from_seed())
    return service.load(db, data, f"theo-doi-khac-phuc_{fold(row['finding_id'])[:60]}.xlsx", user=user)


# ---------------------------------------------------------------- the deck's slide

DECK_ROWS = 3  # most overdue items quoted on the slide


def deck_slide(query, province_id: str, short: str, lang: str, on: dt.date, *, units: list[str] | None = None):
    """The deck's follow-up slide as of the deck's date: open items by PAR area (overdue / not yet due), the headline
    figures and the most overdue items. `query` as in deck/build.py; the province with its counterparts in the other
    structure, so that the years before and after 1/7/2025 count together; `units` (a district's or commune's deck):
    the units whose findings count, from inspection_place_units.sql, instead of a province."""
    from par_dashboard.views.present.model import Chart, Series, Slide, Stat

    provinces = query("province_lineage", province_id=province_id).unit_id.tolist() if province_id else []
    items = query("followup_items", as_of=on, provinces=provinces, units=units or [], area="TOTAL")
    title = t("fu_deck_title", lang, date=fmt_date(on, lang))
    if items.empty:
        return Slide(key="followup", title=title, empty=t("fu_none", lang, place=short, date=fmt_date(on, lang)))
    s = summary(items)
    stats = [Stat(t("fu_m_open", lang), fmt_num(s.n_open, lang, 0)),
             Stat(t("fu_m_overdue", lang), fmt_num(s.n_overdue, lang, 0)),
             Stat(t("fu_m_on_time", lang), fmt_pct(s.on_time_pct, lang, 1),
                  f"{fmt_num(s.n_on_time, lang, 0)}/{fmt_num(s.n_due, lang, 0)}"),
             Stat(t("fu_m_recheck", lang), fmt_num(s.n_recheck, lang, 0))]
    demo = bool(items["is_demo"].any())
    open_items = items[items["is_open"].astype(bool)]
    chart, bullets = None, []
    if not open_items.empty:
        by_area = (open_items.assign(late=open_items["overdue"].fillna(False).astype(bool),
                                     area_number=open_items["area_number"].fillna(99))
                   .groupby(["area_number", "area_code", "short_vi", "short_en"], dropna=False)
                   .agg(late=("late", "sum"), n=("late", "size")).reset_index().sort_values("area_number"))
        names = [area_label(c, v, e, lang) for c, v, e in zip(by_area["area_code"], by_area["short_vi"], by_area["short_en"],
                                                                 strict=True)]
        chart = Chart(kind="stacked", title=t("fu_deck_chart", lang), categories=names, decimals=0, demo=demo,
                      value_title=t("fu_open_axis", lang),
                      series=[Series(t("fu_m_overdue", lang), [float(v) for v in by_area["late"]], role="status_open"),
                              Series(t("fu_deck_not_due", lang), [float(n - v) for n, v in zip(by_area["n"], by_area["late"],
                                                                                                 strict=True)],
                                     role="status_in_progress")])
        late = open_items[open_items["overdue"].fillna(False).astype(bool)].head(DECK_ROWS)
        bullets = [t("fu_deck_item", lang, unit=r.unit_name if isinstance(r.unit_name, str) else "—",
                     text=r.text if len(r.text) <= 90 else r.text[:90].rsplit(" ", 1)[0] + " …",
                     deadline=_dates(pd.Series([r.deadline]), lang)[0], days=fmt_num(r.days_overdue, lang, 0))
                   for r in late.itertuples()]
    return Slide(key="followup", title=title, stats=stats, chart=chart, bullets=bullets, demo=demo,
                 sources=[t("synthetic_demo", lang)] if demo else [t("fu_real", lang)],
                 notes=t("fu_deck_notes", lang, open=fmt_num(s.n_open, lang, 0), overdue=fmt_num(s.n_overdue, lang, 0),
                         share=fmt_pct(s.on_time_pct, lang, 1), date=fmt_date(on, lang)))


# ---- the page's figures made from the items (for shell.cached.derived, kept per data version)

def age_area_chart(items: pd.DataFrame, lang: str) -> go.Figure:
    return age_area_figure(age_area_counts(items), lang)


def on_time_chart(items: pd.DataFrame, lang: str) -> go.Figure:
    return on_time_figure(on_time_by_year(items), lang)
