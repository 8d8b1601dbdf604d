"""Synthetic remediation follow-up (table finding_followup) for the demo findings: deadlines, the unit responsible,
status and evidence of closure, deterministic (seeded by each finding's id) and judged against the build's fixed
"as of" day, never the clock. Only demo findings get one: the real reports in data/reports state no follow-up, and no
published fact covers it, so there is nothing real to contradict or to invent.

Proportions, as the brief for plausible data asks: most items closed, a share of them after their deadline, some
still open past it, a few found not feasible; items found shortly before the "as of" day mostly still open.
"""

from __future__ import annotations

import datetime as dt
import random
import zlib

import pandas as pd

SEED = 20
DEADLINE_DAYS = (90, 90, 120, 180, 180, 270)  # hạn khắc phục after the visit: a quarter to nine months
EVIDENCE_TEXT = "Báo cáo kết quả khắc phục tồn tại, hạn chế sau kiểm tra (mô phỏng)"
NOT_FEASIBLE_TEXT = "Báo cáo giải trình: chưa đủ điều kiện thực hiện (mô phỏng)"


def _rng(finding_id: str) -> random.Random:
    return random.Random(zlib.crc32(repr((SEED, finding_id)).encode()))


def responsible_name(name: str, level: str) -> str:
    """'UBND huyện Cao Lộc' for a district or commune, the department's own name for a Sở."""
    if level == "department" or not name:
        return name
    return "UBND " + name[:1].lower() + name[1:]


def followups(findings: pd.DataFrame, visits: pd.DataFrame, units: pd.DataFrame, as_of: dt.date,
              source_id: int) -> pd.DataFrame:
    """One follow-up row per demo limitation and recommendation with a unit. `findings`: the demo findings as built
    (finding_id, inspection_id, unit_id, kind, status, status_on, resolved_on); `visits`: inspection_unit rows
    (visited_on is the day the item was found); `units`: admin_unit rows (unit_id, name, level)."""
    found_on = {(v.inspection_id, v.unit_id): v.visited_on for v in visits.itertuples()}
    unit_rows = units.set_index("unit_id")
    names = dict(zip(unit_rows.index, (responsible_name(n, lv) for n, lv in zip(unit_rows["name"], unit_rows["level"],
                                                                                 strict=True)), strict=True))
    out = []
    for f in findings.itertuples():
        if f.kind not in ("limitation", "recommendation") or not isinstance(f.unit_id, str):
            continue
        found = found_on.get((f.inspection_id, f.unit_id))
        if found is None or pd.isna(found):
            continue
        found = pd.Timestamp(found).date()
        rng = _rng(f.finding_id)
        deadline = found + dt.timedelta(days=rng.choice(DEADLINE_DAYS))
        row = {"finding_id": f.finding_id, "deadline": deadline, "responsible": names.get(f.unit_id),
               "status": "open", "evidence_text": None, "evidence_number": None, "evidence_date": None,
               "checked_on": None, "source_id": source_id}
        closed_on = None
        if f.kind == "limitation" and isinstance(f.status, str):
            # as the demo finding records it (a later inspection of the unit found it remedied or not) ...
            row["status"] = f.status
            status_on = None if pd.isna(f.status_on) else pd.Timestamp(f.status_on).date()
            if f.status == "resolved" and not pd.isna(f.resolved_on):
                closed_on = pd.Timestamp(f.resolved_on).date()
                if rng.random() < 0.65:  # most set a deadline they then kept
                    deadline = max(deadline, closed_on + dt.timedelta(days=rng.randint(0, 45)))
                row["deadline"] = deadline
            if status_on is not None and status_on > found:
                row["checked_on"] = status_on
            # ... and, recorded as not yet remedied over ten months ago, mostly remedied since
            if f.status != "resolved" and (as_of - (status_on or found)).days > 300 and rng.random() < 0.7:
                row["status"] = "resolved"
                closed_on = (status_on or found) + dt.timedelta(days=rng.randint(30, 240))
        else:
            age = (as_of - found).days
            r = rng.random()
            if age > 400:  # long enough for a fix: mostly closed, some after the deadline, a few not feasible
                if r < 0.8:
                    late = (deadline - found).days
                    row["status"], closed_on = "resolved", found + dt.timedelta(days=rng.randint(30, late + late // 3))
                elif r < 0.86:
                    row["status"] = "not_feasible"
                    closed_on = found + dt.timedelta(days=rng.randint(60, 300))
                else:
                    row["status"] = rng.choice(("open", "in_progress"))
            elif r < 0.3:
                row["status"], closed_on = "resolved", found + dt.timedelta(days=rng.randint(20, max(21, min(age, 200))))
            else:
                row["status"] = rng.choice(("open", "in_progress", "in_progress"))
        if closed_on is not None:
            closed_on = min(closed_on, as_of)
            row["evidence_date"] = closed_on
            row["evidence_number"] = f"{rng.randint(8, 420)}/BC-{'UBND' if row['responsible'].startswith('UBND') else 'S'}"
            row["evidence_text"] = NOT_FEASIBLE_TEXT if row["status"] == "not_feasible" else EVIDENCE_TEXT
            if row["checked_on"] is None or row["checked_on"] < closed_on:
                row["checked_on"] = None if rng.random() < 0.35 else min(as_of, closed_on + dt.timedelta(days=rng.randint(5, 60)))
        out.append(row)
    return pd.DataFrame(out, columns=["finding_id", "deadline", "responsible", "status", "evidence_text", "evidence_number",
                                      "evidence_date", "checked_on", "source_id"])
