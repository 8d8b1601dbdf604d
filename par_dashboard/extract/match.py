"""A draft matched to what is recorded, before anything is saved: for its plan, each team (an inspection), each
visited unit, finding and indicator value, whether the database has it already (and where), would update a
recorded row (and what changes), or is new. The review shows this; saving writes only what is new or changes, under
the recorded ids, so the same report saved twice changes nothing the second time.

The rules, deterministic and each one sentence to explain:
- plan: the same province and year, and the same number once folded: "số 80/KH-BCĐCCHC", "80/KH-BCDCCHC" and
  "Kế hoạch 80 / kh-bcđcchc" are one plan.
- inspection: the same province; days that overlap (a recorded inspection's days: its start and end, the day its
  draft result was announced, its units' visits, whatever is recorded) or, when either side gives no day, the same
  year; and the same team: the same team number when both labels carry one ("Đoàn kiểm tra số 346", "Đoàn kiểm tra
  số 346 của UBND tỉnh" and "Đoàn 346" are team 346), else a visited unit in common on overlapping days. An
  inspection of the draft's plan comes first, then the one with more units in common. Synthetic demo inspections
  and plans are never matched: a real report is not filed under made-up data. A team of the draft that is the same
  team as an earlier one of the same draft is saved once.
- visited unit: one of the units the matched inspection visited.
- finding: of the matched inspection, the same kind, the same unit (or none given), and the same words once accents,
  case, punctuation and spacing are set aside, or nearly all the words of the shorter wording in the other (at least
  80 % and 3 words): a report restating a recorded finding in fewer words, or in two parts.
- indicator value: the same unit, indicator, year and period; the same value is recorded, another one updates it.

A recorded plan or inspection is updated only to fill in what it lacks (a leader, its plan, its days when it has
none, a plan's date): what it has stays. The text is another reading of what was recorded, not a correction of it
(that is what the import template is for), and an inspection's days are never made up from the day its result was
announced.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from par_dashboard.extract.text import fold
from par_dashboard.importing.template import PERIODS

RECORDED, UPDATE, NEW = "recorded", "update", "new"
STATUSES = (RECORDED, UPDATE, NEW)
_PERIOD = {"YTD": "to-date", "H1": "to-date"}  # the review's periods -> the template's


@dataclass(frozen=True)
class RowMatch:
    """One draft row against the database. `id`: the recorded row's id (plan, inspection, finding), or the id a new
    plan or inspection gets; `label`: what the recorded row is called (team label, plan number, finding text,
    recorded value); `changes`: (field, recorded, draft) for what an update writes; `same_as`: the number of the
    draft's earlier team this one repeats (saved once)."""

    status: str
    id: str | None = None
    label: str | None = None
    changes: tuple[tuple[str, object, object], ...] = ()
    row: dict | None = field(default=None, compare=False, repr=False)  # the recorded row an update writes back
    same_as: int | None = None


@dataclass
class DraftMatch:
    plan: RowMatch | None                  # None: the draft names no plan
    teams: list[RowMatch]
    units: list[list[RowMatch | None]]     # per team, per unit (None: a unit without an id, not saved)
    findings: list[RowMatch | None]        # per draft finding (None: unticked, not saved)
    indicators: list[RowMatch | None]      # per draft value (None: unticked, not saved)

    def rows(self) -> list[RowMatch]:
        return [m for m in (self.plan, *self.teams, *(u for us in self.units for u in us), *self.findings, *self.indicators)
                if m is not None]

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for m in self.rows():
            if m.same_as is None:
                out[m.status] += 1
        return out


# ---------------------------------------------------------------------------------------------------- normalising

def text_id(text: str) -> str:
    return "VB-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def folded(text: str | None) -> str:
    """Lower case, no diacritics, whatever the Unicode form (a text pasted from Word may come decomposed)."""
    return fold(unicodedata.normalize("NFC", text or ""))


def words(text: str | None) -> list[str]:
    return re.findall(r"\w+", folded(text))


def plan_key(number: str | None) -> str:
    """'Kế hoạch số 80/KH-BCĐCCHC' -> '80khbcdcchc': from its first digit, letters and digits only."""
    text = folded(number)
    if m := re.search(r"\d", text):
        text = text[m.start():]
    return re.sub(r"[\W_]+", "", text)


_TEAM_SO = re.compile(r"\bdoan\b(?:\s+[^\W\d]+){0,6}?\s+so\s*[:.]?\s*(\d{1,6})\b")
_TEAM_BARE = re.compile(r"\bdoan(?:\s+kiem\s+tra|\s+kt)?\s*[:.]?\s*(\d{1,6})\b")


def team_number(label: str | None) -> int | None:
    """The team's number in its label: 346 for "Đoàn kiểm tra số 346 của UBND tỉnh", "ĐOÀN KIỂM TRA SỐ 346" and
    "Đoàn 346"; None for "Đoàn kiểm tra tại huyện Văn Lãng"."""
    text = " ".join(folded(label).split())
    m = _TEAM_SO.search(text) or _TEAM_BARE.search(text)
    return int(m.group(1)) if m else None


def finding_likeness(a: str | None, b: str | None) -> float | None:
    """How alike two wordings of a finding are (1.0: the same words), or None when they are not the same finding:
    the same words once accents, case, punctuation and spacing are set aside, or at least 80 % (and 3) of the
    distinct words of the shorter in the other."""
    x, y = words(a), words(b)
    if not x or not y:
        return None
    if x == y:
        return 1.0
    sx, sy = set(x), set(y)
    shared = len(sx & sy)
    if shared >= 3 and shared >= 0.8 * min(len(sx), len(sy)):
        return shared / max(len(sx), len(sy))
    return None


def as_date(value) -> dt.date | None:
    if value is None or value == "" or value != value:  # noqa: PLR0124 - NaN/NaT from a frame
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if hasattr(value, "date"):  # a pandas Timestamp
        return value.date()
    return dt.date.fromisoformat(str(value)[:10])


def _value(field_):
    return field_.get("value") if isinstance(field_, dict) else field_


def _empty(value) -> bool:
    return value is None or value != value or (isinstance(value, str) and not value.strip())  # noqa: PLR0124


def _span(team: dict) -> tuple[dt.date, dt.date] | None:
    started, ended = as_date(team.get("started_on")), as_date(team.get("ended_on"))
    days = [d for d in (started, ended) if d]
    return (min(days), max(days)) if days else None


# ---------------------------------------------------------------------------------------------------- matching

@dataclass
class _Candidate:
    """A recorded inspection, or a team of this draft already decided to be new."""

    inspection_id: str
    plan_id: str | None
    year: int
    number: int | None
    span: tuple[dt.date, dt.date] | None
    units: set[str]
    row: dict | None  # None: a team of this draft
    team_no: int | None = None


def _same_team(draft_no, span, units, year, c: _Candidate) -> bool:
    if span and c.span:
        if span[1] < c.span[0] or c.span[1] < span[0]:
            return False
    elif c.year != year:
        return False
    if draft_no is not None and c.number is not None:
        return draft_no == c.number
    return bool(span and c.span and units & c.units)


def match_draft(db, draft: dict) -> DraftMatch | None:
    """The draft against the database (see the module's rules); None when it has no province or year yet."""
    province = (draft.get("province") or {}).get("unit_id")
    year = _value(draft.get("year"))
    if not province or not year:
        return None
    year = int(year)
    base = text_id(draft.get("text", ""))
    plan = _match_plan(db, draft, province, year, base)
    plan_id = plan.id if plan else None
    teams = draft.get("teams") or []
    spans = [_span(t) for t in teams]
    days = [d for s in spans if s for d in s]
    found = db.query("draft_inspection_candidates", province_id=province, year=year,
                     first_day=min(days) if days else None, last_day=max(days) if days else None)
    candidates = []
    for row in found.to_dict("records"):
        first, last = as_date(row["first_day"]), as_date(row["last_day"])
        candidates.append(_Candidate(row["inspection_id"], None if _empty(row["plan_id"]) else row["plan_id"], int(row["year"]),
                                     team_number(row["team_label"]), (first, last) if first and last else None,
                                     set(row["unit_ids"] if row["unit_ids"] is not None else ()), row))
    team_matches: list[RowMatch] = []
    for i, (team, span) in enumerate(zip(teams, spans, strict=True), start=1):
        number = team_number(team.get("label"))
        units = {u["unit_id"] for u in team.get("units") or [] if u.get("unit_id")}
        same = [c for c in candidates if _same_team(number, span, units, year, c)]
        # the draft's plan first, then a recorded inspection before a team of this draft, then more units in common
        same.sort(key=lambda c: (not (plan_id and c.plan_id == plan_id), c.row is None, -len(units & c.units), c.inspection_id))
        if same and same[0].row is None:
            team_matches.append(RowMatch(NEW, same[0].inspection_id, team.get("label"), same_as=same[0].team_no))
        elif same:
            team_matches.append(_inspection_update(same[0], team, span, plan_id))
        else:
            new_id = f"{base}-{i}"
            team_matches.append(RowMatch(NEW, new_id, team.get("label")))
            candidates.append(_Candidate(new_id, plan_id, year, number, span, set(units), None, team_no=i))
    recorded_units = {c.inspection_id: c.units for c in candidates if c.row is not None}
    planned: dict[tuple[str, str], int] = {}  # (inspection, unit) -> the team that writes it
    unit_matches = []
    for i, (team, m) in enumerate(zip(teams, team_matches, strict=True), start=1):
        here: list[RowMatch | None] = []
        for unit in team.get("units") or []:
            unit_id = unit.get("unit_id")
            if not unit_id:
                here.append(None)
            elif m.status != NEW and unit_id in recorded_units.get(m.id, ()):
                here.append(RowMatch(RECORDED, m.id, unit.get("name")))
            elif (m.id, unit_id) in planned:
                here.append(RowMatch(NEW, m.id, unit.get("name"), same_as=planned[(m.id, unit_id)]))
            else:
                planned[(m.id, unit_id)] = i
                here.append(RowMatch(NEW, m.id, unit.get("name")))
        unit_matches.append(here)
    return DraftMatch(plan, team_matches, unit_matches, _match_findings(db, draft, team_matches),
                      _match_indicators(db, draft, year))


def _match_plan(db, draft: dict, province: str, year: int, base: str) -> RowMatch | None:
    plan = draft.get("plan")
    if not plan or not (plan.get("number") or plan.get("issued_on") or plan.get("issuer")):
        return None
    key = plan_key(plan.get("number"))
    if key:
        for row in db.query("draft_plan_candidates", province_id=province, year=year).to_dict("records"):
            if plan_key(row["number"]) != key:
                continue
            changes = []
            issued = as_date(plan.get("issued_on"))
            if issued and as_date(row["issued_on"]) is None:
                changes.append(("issued_on", None, issued))
            return RowMatch(UPDATE if changes else RECORDED, row["plan_id"], row["number"], tuple(changes), row)
    return RowMatch(NEW, f"{base}-KH", plan.get("number"))


def _inspection_update(c: _Candidate, team: dict, span, plan_id: str | None) -> RowMatch:
    """The recorded inspection, with what the draft fills in (see the module's last paragraph)."""
    row, changes = c.row, []
    for name in ("leader_name", "leader_title"):
        if _empty(row[name]) and not _empty(team.get(name)):
            changes.append((name, None, team[name].strip()))
    if plan_id and c.plan_id is None:
        changes.append(("plan_id", None, plan_id))
    if span and c.span is None:  # no day recorded at all (no start, end, announcement or visit)
        changes += [("started_on", None, span[0]), ("ended_on", None, span[1])]
    return RowMatch(UPDATE if changes else RECORDED, c.inspection_id, row["team_label"], tuple(changes), row)


def _match_findings(db, draft: dict, teams: list[RowMatch]) -> list[RowMatch | None]:
    findings = draft.get("findings") or []
    matched_ids = sorted({m.id for m in teams if m.status != NEW})
    recorded = db.query("draft_recorded_findings", inspection_ids=matched_ids).to_dict("records") if matched_ids else []
    by_inspection: dict[str, list[dict]] = {}
    for r in recorded:
        by_inspection.setdefault(r["inspection_id"], []).append(r)
    out: list[RowMatch | None] = []
    for f in findings:
        if not f.get("keep", True):
            out.append(None)
            continue
        team_no = int(f.get("team") or 1)
        team = teams[team_no - 1] if 1 <= team_no <= len(teams) else None
        if team is None or team.status == NEW:
            out.append(RowMatch(NEW, team.id if team else None))
            continue
        unit = f.get("unit_id")
        best = None
        for r in by_inspection.get(team.id, ()):
            if r["kind"] != f.get("kind") or (unit and not _empty(r["unit_id"]) and r["unit_id"] != unit):
                continue
            likeness = finding_likeness(f.get("text"), r["text"])
            if likeness is not None and (best is None or likeness > best[0]):
                best = (likeness, r)
        out.append(RowMatch(RECORDED, best[1]["finding_id"], best[1]["text"], row=best[1]) if best else RowMatch(NEW, team.id))
    return out


def period_of(value: dict) -> str:
    """The template's period of a draft value (the review's YTD and H1 are "to-date")."""
    period = _PERIOD.get(value.get("period") or "Y", value.get("period") or "Y")
    return period if period in PERIODS else "Y"


def _match_indicators(db, draft: dict, year: int) -> list[RowMatch | None]:
    out: list[RowMatch | None] = []
    for v in draft.get("indicators") or []:
        if not v.get("keep", True) or not v.get("unit_id") or v.get("value") is None:
            out.append(None if not v.get("keep", True) else RowMatch(NEW))
            continue
        found = db.query("indicator_value_recorded", unit_id=v["unit_id"], indicator=v.get("indicator_code"), year=year,
                         period=period_of(v))
        if found.empty:
            out.append(RowMatch(NEW))
            continue
        old = float(found.value.iloc[0])
        if abs(old - float(v["value"])) < 1e-9:
            out.append(RowMatch(RECORDED, label=str(old)))
        else:
            out.append(RowMatch(UPDATE, label=str(old), changes=(("value", old, float(v["value"])),)))
    return out
