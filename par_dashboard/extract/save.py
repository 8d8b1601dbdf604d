"""Saving an accepted draft: the draft becomes rows of the import template and goes through the same validated,
audited import service as an Excel file (one batch, all or nothing, undone by a rollback).

Before anything is written the draft is matched to what is recorded (`match.match_draft`: plan, inspection, visited
unit, finding, indicator value): a recorded row is referred to by its id and not written again, an update writes the
recorded row with what it fills in, and only new rows get new ids (derived from the text's hash: "VB-1a2b3c4d-1" for
its first team). So saving a report whose inspection is recorded adds no second inspection, and saving the same
draft twice changes nothing the second time (the import reports "unchanged").
"""

from __future__ import annotations

from par_dashboard.extract.match import NEW, UPDATE, DraftMatch, as_date, match_draft, period_of, text_id
from par_dashboard.i18n import pick
from par_dashboard.importing import service
from par_dashboard.importing.template import KINDS, Catalogue, label, write_workbook
from par_dashboard.security import auth

__all__ = ["DraftIncomplete", "draft_rows", "save_draft", "text_id"]


class DraftIncomplete(ValueError):
    """The draft lacks what every record needs (a province, a year); the message says what, in both languages."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en

    def message(self, lang: str) -> str:
        return pick(self.vi, self.en, lang)


def _value(field):
    return field.get("value") if isinstance(field, dict) else field


def _check(draft: dict) -> tuple[str, int]:
    province = (draft.get("province") or {}).get("unit_id")
    year = _value(draft.get("year"))
    if not province or not year:
        raise DraftIncomplete("Bản nháp cần tỉnh và năm trước khi lưu.", "The draft needs a province and a year before saving.")
    teams = draft.get("teams") or []
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
    for v in draft.get("indicators") or []:
        if v.get("keep", True) and not v.get("unit_id"):
            raise DraftIncomplete(f"Giá trị {v.get('indicator_code')} = {v.get('value')} chưa có đơn vị: hãy ghi mã đơn vị hoặc bỏ chọn.",
                                  f"Value {v.get('indicator_code')} = {v.get('value')} has no unit: give a unit id or untick it.")
    return province, int(year)


def _writes(m) -> bool:
    """A matched row that saving writes: a new one (once: not a repeat of an earlier one of the draft), an update."""
    return m is not None and m.status in (NEW, UPDATE) and m.same_as is None


def draft_rows(draft: dict, match: DraftMatch, *, lang: str, catalogue: Catalogue, source_title: str) -> dict[str, list[dict]]:
    """What saving the draft writes, as template rows: its new rows and the recorded rows it updates, as `match`
    (see `match.match_draft`) decided. Findings name their team by number ("team", from 1; the only team when
    there is one)."""
    province, year = _check(draft)
    source = {"source": source_title[:200], "source_url": draft.get("source_url")}
    common = {"province": province, "year": year, **source}
    rows: dict[str, list[dict]] = {"plans": [], "inspections": [], "inspection_units": [], "findings": [], "indicator_values": []}
    plan = draft.get("plan") or {}
    if (m := match.plan) and m.status == NEW:
        rows["plans"].append({"plan_id": m.id, "number": plan.get("number"), "issued_on": as_date(plan.get("issued_on")),
                              "issuer": plan.get("issuer") or "—", "title": f"Kế hoạch {plan.get('number') or ''}".strip(),
                              **common})
    elif m and m.status == UPDATE:
        r = m.row
        rows["plans"].append({"plan_id": r["plan_id"], "number": r["number"], "issued_on": as_date(r["issued_on"]),
                              "issuer": r["issuer"], "title": r["title"], **common} | {k: new for k, _, new in m.changes})
    plan_id = match.plan.id if match.plan else None
    teams = draft.get("teams") or []
    written: set[str] = set()
    for i, (team, m) in enumerate(zip(teams, match.teams, strict=True), start=1):
        if not _writes(m) or m.id in written:
            continue
        written.add(m.id)
        if m.status == NEW:
            started, ended = as_date(team.get("started_on")), as_date(team.get("ended_on"))
            rows["inspections"].append({"inspection_id": m.id, "plan_id": plan_id, "team_label": team.get("label") or f"Đoàn {i}",
                                        "leader_name": team.get("leader_name"), "leader_title": team.get("leader_title"),
                                        "started_on": started, "ended_on": ended or started, **common})
        else:
            r = m.row
            rows["inspections"].append({"inspection_id": r["inspection_id"], "plan_id": r["plan_id"], "team_label": r["team_label"],
                                        "leader_name": r["leader_name"], "leader_title": r["leader_title"],
                                        "started_on": as_date(r["started_on"]), "ended_on": as_date(r["ended_on"]),
                                        "field_days": r["field_days"], "announced_on": as_date(r["announced_on"]),
                                        **common, "year": int(r["year"])} | {k: new for k, _, new in m.changes})
    for team, m, units in zip(teams, match.teams, match.units, strict=True):
        started = as_date(team.get("started_on"))
        for unit, u in zip(team.get("units") or [], units, strict=True):
            if _writes(u):
                rows["inspection_units"].append({"inspection_id": m.id, "unit_id": unit["unit_id"], "visited_on": started})
    for f, m in zip(draft.get("findings") or [], match.findings, strict=True):
        if _writes(m):
            rows["findings"].append({"inspection_id": m.id, "unit_id": f.get("unit_id"),
                                     "area": catalogue.area_label(f.get("area_code"), lang), "kind": label(KINDS, f.get("kind"), lang),
                                     "text": f.get("text"), "deadline": as_date(f.get("deadline")),
                                     "responsible": f.get("responsible"), **source})
    for v, m in zip(draft.get("indicators") or [], match.indicators, strict=True):
        if _writes(m):
            rows["indicator_values"].append({"unit_id": v["unit_id"], "indicator": v.get("indicator_code"), "year": year,
                                             "period": period_of(v), "value": v.get("value"), **source})
    return rows


def save_draft(db, draft: dict, *, user: auth.User | str, lang: str = "vi", source_title: str | None = None) -> service.ImportReport:
    """Validate and load the accepted draft as one import batch (nothing is written when anything is wrong),
    audited as "accept_draft": a signed-in `user` needs that permission, and a province-scoped one may save rows of
    their province only (the import service checks every row). The draft is matched to the database again here
    (it may have changed since the review showed the match)."""
    _check(draft)
    with db.cursor() as cur:
        catalogue = Catalogue.from_db(cur)
    rows = draft_rows(draft, match_draft(db, draft), lang=lang, catalogue=catalogue, source_title=source_title or _title(draft))
    data = write_workbook(rows, lang=lang, catalogue=catalogue)
    return service.load(db, data, f"{text_id(draft.get('text', ''))}.xlsx", user=user, action="accept_draft")


def _title(draft: dict) -> str:
    """'Văn bản: <its first line>' — what the records' source is called."""
    first = next((line.strip() for line in draft.get("text", "").splitlines()
                  if len(line.strip()) > 15 and not line.strip().lower().startswith(("http", "[source", "a- a"))), "")
    return f"Văn bản: {first[:150]}"
