"""Reviewing a draft read from report text: the text with its evidence highlighted, and the draft as the three
tables an analyst edits (teams, indicator values, findings) and back.

No Streamlit here: the Data page draws what these functions return, and the tests check them directly.
"""

from __future__ import annotations

import datetime as dt
import html
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from par_dashboard.domain import catalogue
from par_dashboard.i18n import fmt_num, t

# ---------------------------------------------------------------------------------------------------- highlight

# One colour per kind of evidence. Backgrounds are translucent so that overlapping spans blend (a finding inside
# an indicator's sentence stays readable) and work on a dark theme too; an indicator's sentence is also
# underlined, because it usually overlaps the findings that state the same figure.
_STYLES = {
    "team": "background:rgba(59,130,246,.16)",
    "unit": "background:rgba(59,130,246,.38);font-weight:600",
    "indicator": "background:rgba(34,197,94,.20);box-shadow:inset 0 -2px 0 rgb(22,163,74)",
    "result": "background:rgba(107,114,128,.20)",
    "limitation": "background:rgba(249,115,22,.30)",
    "recommendation": "background:rgba(168,85,247,.26)",
}
# Nesting order, outermost first: what spans a sentence outside, a unit's name and the indicator's underline inside.
_LAYER = {"team": 0, "result": 1, "limitation": 1, "recommendation": 1, "unit": 2, "indicator": 3}
_MARK = "color:inherit;padding:0;border-radius:2px;"
LEGEND = ("team", "unit", "indicator", "result", "limitation", "recommendation")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str   # a key of _STYLES
    title: str  # the tooltip: what the extractor read from this span


def _span(evidence, kind: str, title: str, length: int) -> Span | None:
    if not evidence or len(evidence) != 2 or evidence[0] is None or evidence[1] is None:
        return None
    start, end = max(0, int(evidence[0])), min(length, int(evidence[1]))
    return Span(start, end, kind, title) if start < end else None


def evidence_spans(draft: dict, lang: str = "vi") -> list[Span]:
    """Every evidence span of the draft with its kind and a tooltip. Province, year and plan count as the
    team's kind (who inspected, when, under which plan)."""
    n = len(draft.get("text") or "")
    found: list[Span | None] = []
    if province := draft.get("province"):
        found.append(_span(province.get("evidence"), "team", f"{t('data_text_kind_province', lang)}: {province.get('name')}", n))
    if year := draft.get("year"):
        found.append(_span(year.get("evidence"), "team", f"{t('data_text_kind_year', lang)}: {year.get('value')}", n))
    if plan := draft.get("plan"):
        found.append(_span(plan.get("evidence"), "team", f"{t('data_text_kind_plan', lang)}: {plan.get('number') or '—'}", n))
    for i, team in enumerate(draft.get("teams") or [], start=1):
        who = ", ".join(x for x in (team.get("leader_name"), team.get("leader_title")) if x)
        found.append(_span(team.get("evidence"), "team", f"{t('data_text_kind_team', lang)} {i}: {who or team.get('label') or ''}", n))
        for unit in team.get("units") or []:
            found.append(_span(unit.get("evidence"), "unit",
                               f"{t('data_text_kind_unit', lang)}: {unit.get('name')} ({unit.get('unit_id') or '?'})", n))
    for v in draft.get("indicators") or []:
        number = float(v.get("value") or 0)
        value = fmt_num(v.get("value"), lang, next(d for d in (0, 1, 2) if d == 2 or round(number, d) == number))
        found.append(_span(v.get("evidence"), "indicator", f"{t('data_text_kind_indicator', lang)}: {v.get('indicator_code')} = {value}", n))
    for f in draft.get("findings") or []:
        kind = f.get("kind") if f.get("kind") in _STYLES else "result"
        found.append(_span(f.get("evidence"), kind, f"{t('data_text_kind_' + kind, lang)} ({f.get('area_code') or '—'})", n))
    # Several fields often share one sentence (seven figures of one paragraph): one mark for them, not seven
    # stacked translucent ones that turn opaque; its tooltip lists them all.
    merged: dict[tuple[int, int, str], list[str]] = {}
    for s in found:
        if s is not None:
            merged.setdefault((s.start, s.end, s.kind), []).append(s.title)
    return [Span(start, end, kind, "; ".join(dict.fromkeys(titles))) for (start, end, kind), titles in merged.items()]


def _open(span: Span) -> str:
    return (f'<mark class="ev ev-{span.kind}" style="{_MARK}{_STYLES[span.kind]}" '
            f'title="{html.escape(span.title, quote=True)}">')


def highlight_html(draft: dict, lang: str = "vi") -> str:
    """The draft's text as HTML, every evidence span in a <mark> coloured by its kind.

    The text is escaped (a pasted page may hold `<script>`: it shows as text). Spans overlap freely (a team's
    sentence holds its units, an indicator's sentence holds findings), so the text is cut at every span boundary
    and each piece opens and closes the marks of all spans covering it: the marks always nest, whatever the overlap.
    """
    text = draft.get("text") or ""
    spans = evidence_spans(draft, lang)
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    starting: dict[int, list[int]] = {}
    for i, s in enumerate(spans):
        starting.setdefault(s.start, []).append(i)
    active: set[int] = set()
    parts = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        active = {i for i in active if spans[i].end > a} | set(starting.get(a, ()))
        piece = html.escape(text[a:b], quote=False)
        covering = sorted(active, key=lambda i: (_LAYER[spans[i].kind], -(spans[i].end - spans[i].start), i))
        parts.append("".join(_open(spans[i]) for i in covering) + piece + "</mark>" * len(covering))
    return ('<div class="par-evidence-text" style="white-space:pre-wrap;overflow-wrap:anywhere;line-height:1.75;font-size:0.95rem">'
            + "".join(parts) + "</div>")


def legend_html(lang: str = "vi") -> str:
    """What each colour means, as small marks in a row."""
    items = "".join(f'<mark style="{_MARK}{_STYLES[k]};padding:1px 6px;white-space:nowrap">'
                    f"{html.escape(t('data_text_legend_' + k, lang))}</mark>" for k in LEGEND)
    return f'<div style="display:flex;flex-wrap:wrap;gap:4px 8px;font-size:0.85rem">{items}</div>'


# ---------------------------------------------------------------------------------------------------- tables

TEAM_COLUMNS = ["label", "leader_name", "leader_title", "started_on", "ended_on", "units"]
INDICATOR_COLUMNS = ["keep", "indicator_code", "value", "unit_id", "period", "approx", "target", "gap", "unit_name"]
INDICATOR_EDITED = INDICATOR_COLUMNS[:6]  # the others ride along hidden, so that a round trip keeps them
FINDING_COLUMNS = ["keep", "kind", "area_code", "team", "text", "unit_id", "deadline", "responsible"]
# the remediation deadline and responsible unit of a limitation or recommendation: rarely in a report, may stay empty
FINDING_EDITED = [*FINDING_COLUMNS[:5], "deadline", "responsible"]
KINDS = ("result", "limitation", "recommendation")
AREAS = catalogue.AREAS
PERIODS = ("Y", "YTD", "H1", "Q1", "Q2", "Q3", "Q4", *(f"M{m:02d}" for m in range(1, 13)))

_UNIT_ID = re.compile(r"S(?:63|34)-[PDCS]-[0-9A-Z-]+", re.IGNORECASE)
_NAMED_ID = re.compile(rf"^(?P<name>.*?)\s*\((?P<id>{_UNIT_ID.pattern})\)$", re.IGNORECASE)


def _date(value) -> dt.date | None:
    value = _clean(value)
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _clean(value):
    """A cell as plain Python: None for the empty cells an editor returns (None, NaN, NaT, pd.NA, blank text)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if hasattr(value, "item") and not isinstance(value, pd.Timestamp):  # numpy scalars
        return _clean(value.item())
    return value


def _team_units(team: dict) -> str:
    """'xã Thanh Loà (S63-C-06193), huyện Cao Lộc (S63-D-183)': readable, and the id makes it exact."""
    parts = []
    for u in team.get("units") or []:
        name, unit_id = u.get("name"), u.get("unit_id")
        parts.append(f"{name} ({unit_id})" if name and unit_id else (unit_id or name or ""))
    return ", ".join(p for p in parts if p)


def draft_tables(draft: dict) -> dict[str, pd.DataFrame]:
    """The draft's teams, indicator values and findings as the tables the analyst edits (codes, not labels: the
    editor's columns show the labels)."""
    teams = pd.DataFrame([{"label": team.get("label"), "leader_name": team.get("leader_name"),
                           "leader_title": team.get("leader_title"), "started_on": _date(team.get("started_on")),
                           "ended_on": _date(team.get("ended_on")), "units": _team_units(team)}
                          for team in draft.get("teams") or []], columns=TEAM_COLUMNS)
    indicators = pd.DataFrame([{"keep": bool(v.get("keep", True)), "indicator_code": v.get("indicator_code"),
                                "value": v.get("value"), "unit_id": v.get("unit_id"), "period": v.get("period") or "Y",
                                "approx": bool(v.get("approx")), "target": v.get("target"), "gap": v.get("gap"),
                                "unit_name": v.get("unit_name")}
                               for v in draft.get("indicators") or []], columns=INDICATOR_COLUMNS)
    one_team = 1 if draft.get("teams") else None
    findings = pd.DataFrame([{"keep": bool(f.get("keep", True)), "kind": f.get("kind"), "area_code": f.get("area_code"),
                              "team": f.get("team") or one_team, "text": f.get("text"), "unit_id": f.get("unit_id"),
                              "deadline": _date(f.get("deadline")), "responsible": f.get("responsible")}
                             for f in draft.get("findings") or []], columns=FINDING_COLUMNS)
    for frame, columns in ((teams, ["label", "leader_name", "leader_title", "units"]),
                           (indicators, ["indicator_code", "unit_id", "period", "unit_name"]),
                           (findings, ["kind", "area_code", "text", "unit_id", "deadline", "responsible"])):
        frame[columns] = frame[columns].astype(object)
    indicators[["value", "target", "gap"]] = indicators[["value", "target", "gap"]].astype(float)
    findings["team"] = findings["team"].astype("Int64")
    return {"teams": teams, "indicators": indicators, "findings": findings}


def _message(vi: str, en: str) -> dict:
    return {"level": "warning", "vi": vi, "en": en}


def _units(cell, resolve: Callable[[str], object] | None, team_no: int, problems: list[dict]) -> list[dict]:
    """The units typed in a team's cell: 'name (unit id)' as shown, a bare unit id, or a name to resolve. A name
    that resolves to no unit or to several is reported and left out, never guessed."""
    units = []
    for token in re.split(r"[,;\n]", _clean(cell) or ""):
        token = token.strip()
        if not token:
            continue
        if m := _NAMED_ID.match(token):
            units.append({"name": m.group("name") or m.group("id").upper(), "unit_id": m.group("id").upper()})
            continue
        if resolve is None:
            if _UNIT_ID.fullmatch(token):
                units.append({"name": token.upper(), "unit_id": token.upper()})
            else:
                problems.append(_message(f"Đoàn {team_no}: chưa xác định được đơn vị «{token}», đã bỏ qua.",
                                         f"Team {team_no}: the unit «{token}» could not be identified and was left out."))
            continue
        found = resolve(token)
        if found.ok:
            units.append({"name": token, "unit_id": found.unit_id})
        else:
            problems.append(_message(f"Đoàn {team_no}: chưa xác định được đơn vị «{token}», đã bỏ qua. {found.error_vi or ''}".strip(),
                                     f"Team {team_no}: the unit «{token}» could not be identified and was left out. "
                                     f"{found.error_en or ''}".strip()))
    return units


def _rows(frame: pd.DataFrame | None) -> list[dict]:
    if frame is None:
        return []
    return [{k: _clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _iso(value) -> str | None:
    day = _date(value)
    return day.isoformat() if day else None


def draft_from_tables(draft: dict, *, province: str | None, year: int | None, plan: dict | None,
                      teams: pd.DataFrame | None, indicators: pd.DataFrame | None, findings: pd.DataFrame | None,
                      resolve: Callable[[str], object] | None = None) -> tuple[dict, list[dict]]:
    """The reviewed draft (what `save_draft` takes) from the edited fields and tables, and the warnings about what
    was left out. `resolve(name)` turns a unit name typed in a team's units into a `Resolution` (see
    `UnitResolver.resolve`); the text, its evidence for unchanged fields and the source address are kept.
    Empty rows (the editor's added, never-filled rows) are dropped."""
    problems: list[dict] = []
    out = {"text": draft.get("text", ""), "messages": list(draft.get("messages") or []),
           "source_url": draft.get("source_url"), "province": None, "year": None, "plan": None,
           "teams": [], "indicators": [], "findings": []}
    old = draft.get("province") or {}
    if province:
        same = old.get("unit_id") == province
        out["province"] = {"name": old.get("name") if same else None, "unit_id": province,
                           "evidence": old.get("evidence") if same else None}
    old_year = draft.get("year") or {}
    if year:
        out["year"] = {"value": int(year), "evidence": old_year.get("evidence") if old_year.get("value") == int(year) else None}
    plan = {k: _clean(v) for k, v in (plan or {}).items()}
    if plan.get("number") or plan.get("issued_on") or plan.get("issuer"):
        out["plan"] = {"number": plan.get("number"), "issued_on": _iso(plan.get("issued_on")), "issuer": plan.get("issuer"),
                       "evidence": (draft.get("plan") or {}).get("evidence")}
    for row in _rows(teams):
        if not any(row.get(c) for c in TEAM_COLUMNS):
            continue
        out["teams"].append({"label": row.get("label"), "leader_name": row.get("leader_name"),
                             "leader_title": row.get("leader_title"), "started_on": _iso(row.get("started_on")),
                             "ended_on": _iso(row.get("ended_on")),
                             "units": _units(row.get("units"), resolve, len(out["teams"]) + 1, problems)})
    for row in _rows(indicators):
        if row.get("indicator_code") is None and row.get("value") is None:
            continue
        out["indicators"].append({"indicator_code": row.get("indicator_code"),
                                  "value": None if row.get("value") is None else float(row["value"]),
                                  "unit_name": row.get("unit_name"), "unit_id": row.get("unit_id"),
                                  "period": row.get("period") or "Y", "target": row.get("target"), "gap": row.get("gap"),
                                  "approx": bool(row.get("approx")), "keep": row.get("keep") is not False})
    for row in _rows(findings):
        if not row.get("text"):
            continue
        out["findings"].append({"kind": row.get("kind") or "result", "area_code": row.get("area_code"), "text": row["text"],
                                "unit_id": row.get("unit_id"), "team": None if row.get("team") is None else int(row["team"]),
                                "deadline": _iso(row.get("deadline")), "responsible": row.get("responsible"),
                                "keep": row.get("keep") is not False})
    return out, problems


# ---------------------------------------------------------------------------------------------------- matched

_CHANGED_FIELD = {"leader_name": "data_text_col_leader_name", "leader_title": "data_text_col_leader_title",
                  "plan_id": "data_text_match_plan_id", "started_on": "data_text_col_started_on",
                  "ended_on": "data_text_col_ended_on", "issued_on": "data_text_plan_date", "value": "data_text_col_value"}
MATCH_COLUMNS = ("item", "content", "status", "where")


def _shown(value, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return fmt_num(value, lang, next(d for d in (0, 1, 2) if d == 2 or round(value, d) == value))
    return str(value)


def _where(m, lang: str, *, named: bool = True) -> str:
    """Where a matched row is recorded and what an update changes, or the id a new row gets."""
    if m.same_as is not None:
        return t("data_text_match_same_as", lang, n=m.same_as)
    if m.status == "new":
        return t("data_text_match_new_id", lang, id=m.id) if named and m.id else ""
    where = f"{m.id} ({m.label})" if m.id and m.label else (m.id or "")
    changes = "; ".join(f"{t(_CHANGED_FIELD[name], lang) if name in _CHANGED_FIELD else name}: {_shown(old, lang)} → {_shown(new, lang)}"
                        for name, old, new in m.changes)
    return ": ".join(x for x in (where, changes) if x)


def match_frame(draft: dict, match, lang: str = "vi") -> pd.DataFrame:
    """The draft's rows as matched to the database (`extract.match.match_draft`), one line each, in the page's
    language: which row, what it says, its status ("already recorded", "will update", "new") and where it is recorded
    or what changes. Unticked rows are left out (they are not saved)."""
    status = {s: t(f"data_text_status_{s}", lang) for s in ("recorded", "update", "new")}
    rows = []
    if (m := match.plan) is not None:
        rows.append((t("data_text_match_plan", lang), (draft.get("plan") or {}).get("number") or "—", status[m.status], _where(m, lang)))
    teams = draft.get("teams") or []
    for i, (team, m, units) in enumerate(zip(teams, match.teams, match.units, strict=True), start=1):
        rows.append((t("data_text_match_team", lang, n=i), team.get("label") or "—", status[m.status], _where(m, lang)))
        for unit, u in zip(team.get("units") or [], units, strict=True):
            if u is not None:
                where = (t("data_text_match_same_as", lang, n=u.same_as) if u.same_as is not None
                         else t("data_text_match_in", lang, id=u.id))
                rows.append((t("data_text_match_unit", lang, n=i), f"{unit.get('name') or ''} ({unit.get('unit_id')})".strip(),
                             status[u.status], where))
    for n, (f, m) in enumerate(zip(draft.get("findings") or [], match.findings, strict=True), start=1):
        if m is None:
            continue
        if m.status == "new":
            where = t("data_text_match_in", lang, id=m.id) if m.id else ""
        else:
            where = f"{m.id}: {_short(m.label, 80)}"
        rows.append((t("data_text_match_finding", lang, n=n), _short(f.get("text"), 120), status[m.status], where))
    for n, (v, m) in enumerate(zip(draft.get("indicators") or [], match.indicators, strict=True), start=1):
        if m is None:
            continue
        value = None if v.get("value") is None else float(v["value"])
        content = f"{v.get('indicator_code')} = {_shown(value, lang)} ({v.get('unit_id') or '?'}, {v.get('period') or 'Y'})"
        if m.status == "recorded":
            where = t("data_text_match_recorded_value", lang, value=_shown(float(m.label), lang))
        else:
            where = _where(m, lang, named=False)
        rows.append((t("data_text_match_indicator", lang, n=n), content, status[m.status], where))
    return pd.DataFrame(rows, columns=[t(f"data_text_match_col_{c}", lang) for c in MATCH_COLUMNS])


def _short(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"
