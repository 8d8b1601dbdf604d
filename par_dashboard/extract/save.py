"""Saving an accepted draft: the draft becomes rows of the import template and goes through the same validated,
audited import service as an Excel file (one batch, all or nothing, undone by a rollback).

Ids are derived from the text's hash ("VB-1a2b3c4d-1" for its first team), so saving the same text twice finds
the same records (the import reports them unchanged) instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

from par_dashboard import auth
from par_dashboard.importing import service
from par_dashboard.importing.template import KINDS, PERIODS, Catalogue, label, write_workbook

_PERIOD = {"YTD": "to-date", "H1": "to-date"}


class DraftIncomplete(ValueError):
    """The draft lacks what every record needs (a province, a year); the message says what, in both languages."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en

    def message(self, lang: str) -> str:
        return self.vi if lang == "vi" else self.en


def text_id(text: str) -> str:
    return "VB-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _date(value) -> dt.date | None:
    if not value:
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _value(field):
    return field.get("value") if isinstance(field, dict) else field


def draft_rows(draft: dict, *, lang: str, catalogue: Catalogue, source_title: str, existing_plan: str | None = None,
               existing_visits: dict[int, str] | None = None) -> dict[str, list[dict]]:
    """The draft as template rows. Findings need a team: each finding names its team by number ("team", from 1;
    the only team when there is one). `existing_plan` is the id of the draft's plan when the database has it;
    `existing_visits` maps a team's number to the inspection already recorded for the same visit (same unit,
    same day): those are referred to, not written again."""
    existing_visits = existing_visits or {}
    province = (draft.get("province") or {}).get("unit_id")
    year = _value(draft.get("year"))
    if not province or not year:
        raise DraftIncomplete("Bản nháp cần tỉnh và năm trước khi lưu.", "The draft needs a province and a year before saving.")
    base = text_id(draft.get("text", ""))
    source = {"source": source_title[:200], "source_url": draft.get("source_url")}
    common = {"province": province, "year": int(year), **source}
    rows: dict[str, list[dict]] = {"plans": [], "inspections": [], "inspection_units": [], "findings": [], "indicator_values": []}
    plan_id = existing_plan
    if (plan := draft.get("plan")) and not existing_plan:
        plan_id = f"{base}-KH"
        rows["plans"].append({"plan_id": plan_id, "number": plan.get("number"), "issued_on": _date(plan.get("issued_on")),
                              "issuer": plan.get("issuer") or "—", "title": f"Kế hoạch {plan.get('number') or ''}".strip(),
                              **common})
    teams = draft.get("teams") or []
    ids = {i: existing_visits.get(i, f"{base}-{i}") for i in range(1, len(teams) + 1)}
    for i, team in enumerate(teams, start=1):
        inspection_id = ids[i]
        started, ended = _date(team.get("started_on")), _date(team.get("ended_on"))
        if i in existing_visits:
            continue  # already recorded (from its own report): its findings attach to it
        rows["inspections"].append({"inspection_id": inspection_id, "plan_id": plan_id, "team_label": team.get("label") or f"Đoàn {i}",
                                    "leader_name": team.get("leader_name"), "leader_title": team.get("leader_title"),
                                    "started_on": started, "ended_on": ended or started, **common})
        for unit in team.get("units") or []:
            if unit.get("unit_id"):
                rows["inspection_units"].append({"inspection_id": inspection_id, "unit_id": unit["unit_id"], "visited_on": started})
    findings = [f for f in draft.get("findings") or [] if f.get("keep", True)]
    if findings and not teams:
        raise DraftIncomplete("Phát hiện phải gắn với một đoàn kiểm tra: hãy thêm đoàn kiểm tra hoặc bỏ chọn các phát hiện.",
                              "Findings belong to an inspection team: add a team or untick the findings.")
    for f in findings:
        team = int(f.get("team") or 1)
        if not 1 <= team <= len(teams):
            text = (f.get("text") or "")[:40]
            raise DraftIncomplete(f"Phát hiện «{text}…» ghi đoàn số {team}, nhưng chỉ có {len(teams)} đoàn.",
                                  f"Finding «{text}…» names team {team}, but there are {len(teams)}.")
        rows["findings"].append({"inspection_id": ids[team], "unit_id": f.get("unit_id"),
                                 "area": catalogue.area_label(f.get("area_code"), lang), "kind": label(KINDS, f.get("kind"), lang),
                                 "text": f.get("text"), **source})
    for v in draft.get("indicators") or []:
        if not v.get("keep", True):
            continue
        if not v.get("unit_id"):
            raise DraftIncomplete(f"Giá trị {v.get('indicator_code')} = {v.get('value')} chưa có đơn vị: hãy ghi mã đơn vị hoặc bỏ chọn.",
                                  f"Value {v.get('indicator_code')} = {v.get('value')} has no unit: give a unit id or untick it.")
        period = _PERIOD.get(v.get("period") or "Y", v.get("period") or "Y")
        rows["indicator_values"].append({"unit_id": v["unit_id"], "indicator": v.get("indicator_code"), "year": int(year),
                                         "period": period if period in PERIODS else "Y", "value": v.get("value"), **source})
    return rows


def save_draft(db, draft: dict, *, user: auth.User | str, lang: str = "vi", source_title: str | None = None) -> service.ImportReport:
    """Validate and load the accepted draft as one import batch (nothing is written when anything is wrong),
    audited as "accept_draft": a signed-in `user` needs that permission, and a province-scoped one may save rows of
    their province only (the import service checks every row)."""
    with db.cursor() as cur:
        catalogue = Catalogue.from_db(cur)
    title = source_title or _title(draft)
    visits = _existing_visits(db, draft)
    rows = draft_rows(draft, lang=lang, catalogue=catalogue, source_title=title, existing_plan=_existing_plan(db, draft),
                      existing_visits=visits)
    rows["findings"] = [f for f in rows["findings"] if not _recorded_finding(db, f, set(visits.values()), lang)]
    rows["indicator_values"] = [v for v in rows["indicator_values"] if not _recorded_value(db, v)]
    data = write_workbook(rows, lang=lang, catalogue=catalogue)
    return service.load(db, data, f"{text_id(draft.get('text', ''))}.xlsx", user=user, action="accept_draft")


def _existing_plan(db, draft: dict) -> str | None:
    plan, province = draft.get("plan"), (draft.get("province") or {}).get("unit_id")
    if not plan or not plan.get("number") or not province:
        return None
    found = db.query("plan_by_number", province_id=province, year=int(_value(draft.get("year"))), number=plan["number"])
    return None if found.empty else found.plan_id.iloc[0]


def _existing_visits(db, draft: dict) -> dict[int, str]:
    out = {}
    for i, team in enumerate(draft.get("teams") or [], start=1):
        units = [u["unit_id"] for u in team.get("units") or [] if u.get("unit_id")]
        if units and (started := _date(team.get("started_on"))):
            found = db.query("inspection_same_visit", unit_ids=units, on_date=started)
            if not found.empty:
                out[i] = found.inspection_id.iloc[0]
    return out


def _words(text: str) -> set[str]:
    from par_dashboard.extract.text import fold

    return set(re.findall(r"\w+", fold(text or "")))


def _same_finding(a: str, b: str) -> bool:
    """Two wordings of one finding: nearly all the words of the shorter are in the longer ("Theo báo cáo, …
    UBND huyện Cao Lộc đã xây dựng, ban hành đầy đủ kế hoạch …" and "Xây dựng, ban hành đầy đủ kế hoạch …")."""
    x, y = _words(a), _words(b)
    return bool(x and y) and len(x & y) >= 0.8 * min(len(x), len(y))


def _recorded_finding(db, row: dict, existing: set[str], lang: str) -> bool:
    """A finding of a visit already recorded that says what one of its findings says (see `_same_finding`): its
    own report brought it already."""
    if row["inspection_id"] not in existing:
        return False
    kind = next(code for code, labels in KINDS.items() if row["kind"] in labels)
    recorded = db.query("finding_texts_of_inspection", inspection_id=row["inspection_id"])
    return any(k == kind and _same_finding(t, row["text"]) for k, t in zip(recorded.kind, recorded.text, strict=True))


def _recorded_value(db, row: dict) -> bool:
    """The same value is recorded already for that unit, indicator, year and period: writing it again would only
    move its source to this text."""
    found = db.query("indicator_value_recorded", unit_id=row["unit_id"], indicator=row["indicator"], year=row["year"],
                     period=row["period"])
    return not found.empty and abs(float(found.value.iloc[0]) - float(row["value"])) < 1e-9


def _title(draft: dict) -> str:
    """'Văn bản: <its first line>' — what the records' source is called."""
    first = next((line.strip() for line in draft.get("text", "").splitlines()
                  if len(line.strip()) > 15 and not line.strip().lower().startswith(("http", "[source", "a- a"))), "")
    return f"Văn bản: {first[:150]}"
