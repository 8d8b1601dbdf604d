"""Validation of imported rows, each on its own: one pydantic model per sheet, whose fields say which rule checks
which column (types, required cells, ranges, known codes, dates that exist) and whose "after" validators check the
cells of a row together (end not before start, a status only for a limitation). The file as a whole (units,
keys, references) is checked in importing/checks.py.

A problem is a pydantic error carrying its message in Vietnamese and English (labels/import.toml), which
importing/checks.py turns into a `RowError` with the sheet and row as the user sees them in Excel.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from par_dashboard.domain.units import fold
from par_dashboard.i18n import PerLang, both, fmt_num, with_decimal_symbol
from par_dashboard.importing.template import (
    FOLLOWUP_KEYS,
    FOLLOWUP_STATUSES,
    KINDS,
    LEVELS,
    PERIODS,
    SHEET_BY_KEY,
    STATUSES,
    STRUCTURE_CODES,
    Catalogue,
    Column,
    value_range,
)

YEAR_MIN, YEAR_MAX = 2000, 2035
DATE_MIN, DATE_MAX = dt.date(1990, 1, 1), dt.date(2035, 12, 31)
_EXCEL_EPOCH = dt.date(1899, 12, 30)

__all__ = ["MODELS", "validation_context", "YEAR_MIN", "YEAR_MAX"]


def _problem(code: str, label: str, column: str | None, kw: dict) -> dict:
    vi, en = both(label, **kw)
    return {"code": code, "vi": vi, "en": en, "column": column}


def _raise(problem: dict):
    ctx = {"vi": problem["vi"], "en": problem["en"]}
    if problem["column"]:
        ctx["column"] = problem["column"]
    raise PydanticCustomError(problem["code"], "{en}", ctx)


def _fail(code: str, label: str, column: str | None = None, **kw):
    """Refuse the cell (or the row, naming its `column`) with the message `label` of labels/import.toml."""
    _raise(_problem(code, label, column, kw))


class _Problems:
    """The checks of a row that look at several cells (a model's "after" validator): each finds its problem and the
    row reports them all, not only the first."""

    def __init__(self):
        self.found: list[dict] = []

    def add(self, code: str, label: str, column: str | None = None, **kw) -> None:
        self.found.append(_problem(code, label, column, kw))

    def raise_any(self) -> None:
        if len(self.found) == 1:
            _raise(self.found[0])
        if self.found:
            raise PydanticCustomError("several", "{en}", {"en": "; ".join(p["en"] for p in self.found), "several": self.found})


@functools.lru_cache(maxsize=4096)  # a range's bounds, in every message about the range
def whole(n: float) -> PerLang:
    """A whole number with its thousands grouped as each language writes them: 100.000 (vi), 100,000 (en)."""
    return PerLang(fmt_num(int(n), "vi", 0), fmt_num(int(n), "en", 0))


def _as_typed(x: float) -> PerLang:
    """A value in full, as typed (not rounded, not grouped), with each language's decimal symbol."""
    return PerLang(with_decimal_symbol(_show(x), "vi"), with_decimal_symbol(_show(x), "en"))


def _show(v) -> str:
    if isinstance(v, float) and math.isfinite(v) and abs(v) >= 1e15:
        return f"{v:.6g}"  # 1e+308, not its 309 digits
    if isinstance(v, int) and abs(v) >= 10**15:
        digits = str(abs(v))
        return f"{'-' if v < 0 else ''}{digits[0]}.{digits[1:6]}e+{len(digits) - 1}"
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, dt.datetime):
        return f"{v:%d/%m/%Y %H:%M}" if (v.hour or v.minute) else f"{v:%d/%m/%Y}"
    return str(v)


# ------------------------------------------------------------------------------------------------ cell parsers

def cell_text(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, float):
        if math.isnan(v):
            return None
        if v.is_integer():
            v = int(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return f"{v:%d/%m/%Y}"
    s = unicodedata.normalize("NFC", str(v)).strip()
    return s or None


def _required_text(v) -> str:
    s = cell_text(v)
    if s is None:
        _fail("required", "imp_required")
    return s


def _int(v) -> int | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        _fail("not_integer", "imp_not_integer", value=v)
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        s = v.strip().replace(" ", "").replace("\u00a0", "")
        m = re.fullmatch(r"([+-]?\d+)(?:[.,]0+)?", s)
        if m:
            return int(m.group(1))
    _fail("not_integer", "imp_not_integer", value=_show(v))


def _num(v) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        _fail("not_number", "imp_not_number", value=v)
    if isinstance(v, (int, float)):
        if not math.isfinite(v):
            _fail("not_number", "imp_no_valid_number")
        return float(v)
    if isinstance(v, str):
        s = v.strip().replace(" ", "").replace("\u00a0", "").replace("\u2212", "-").removesuffix("%")
        if "," in s and "." in s:
            dec, thou = (",", ".") if s.rfind(",") > s.rfind(".") else (".", ",")
            s = s.replace(thou, "").replace(dec, ".")
        elif s.count(",") == 1:
            s = s.replace(",", ".")
        elif s.count(",") > 1 or s.count(".") > 1:
            s = s.replace(",", "").replace(".", "")
        if re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", s):
            if math.isfinite(x := float(s)):
                return x
            _fail("not_number", "imp_number_too_large", value=_show(v))
    _fail("not_number", "imp_not_number", value=_show(v))


_DMY = re.compile(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?")
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")


def _date(v) -> dt.date | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, dt.datetime):
        d = v.date()
    elif isinstance(v, dt.date):
        d = v
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        if not 20000 <= v < 80000:  # an Excel day number (1954–2118); anything else is not a date
            _fail("not_a_date", "imp_not_a_day_number", value=_show(v))
        d = _EXCEL_EPOCH + dt.timedelta(days=int(v))
    else:
        s = str(v).strip()
        m = _DMY.fullmatch(s)
        if m:
            day, month, year = (int(x) for x in m.groups())
        elif m := _YMD.fullmatch(s):
            year, month, day = (int(x) for x in m.groups())
        else:
            _fail("not_a_date", "imp_not_a_date", value=s)
        try:
            d = dt.date(year, month, day)
        except ValueError:
            _fail("date_not_real", "imp_date_not_real", value=s)
    if not DATE_MIN <= d <= DATE_MAX:
        _fail("date_out_of_range", "imp_date_out_of_range", date=f"{d:%d/%m/%Y}", low=f"{DATE_MIN:%d/%m/%Y}",
              high=f"{DATE_MAX:%d/%m/%Y}")
    return d


def _year(v) -> int:
    y = _int(v)
    if y is None:
        _fail("required", "imp_required")
    if not YEAR_MIN <= y <= YEAR_MAX:
        _fail("year_out_of_range", "imp_year_out_of_range", year=y, low=YEAR_MIN, high=YEAR_MAX)
    return y


def _within(col: Column):
    """A whole number within the column's range (template: Column.low, Column.high)."""
    def parse(v):
        n = _int(v)
        if n is not None and not col.low <= n <= col.high:
            _fail("out_of_range", "imp_out_of_range", value=_show(n), low=whole(col.low), high=whole(col.high))
        return n

    return parse


def _lookup(mapping: dict[str, tuple[str, str]]) -> dict[str, str]:
    out = {}
    for code, (vi, en) in mapping.items():
        for text in (code, vi, en):
            out[fold(text)] = code
    return out


_KIND_KEYS = {**_lookup(KINDS), "tontai": "limitation", "hanche": "limitation", "tontaihanche": "limitation",
              "ketqua": "result", "kiennghi": "recommendation", "dexuat": "recommendation"}
_STATUS_KEYS = {**_lookup(STATUSES), "dangxuly": "in_progress", "chuaxuly": "open", "daxuly": "resolved"}
_LEVEL_KEYS = {**_lookup(LEVELS), "captinh": "province", "caphuyen": "district", "capxa": "commune",
               "thanhphotrunguong": "province", "quan": "district", "thixa": "district", "phuong": "commune",
               "thitran": "commune", "so": "department", "songanh": "department", "ban": "department"}
_PERIOD_KEYS = {fold(p): p for p in PERIODS} | {"nam": "Y", "canam": "Y", "year": "Y", "todate": "to-date",
                                                 "luyke": "to-date", "tudaunam": "to-date"} \
    | {f"m{m}": f"M{m:02d}" for m in range(1, 13)} | {f"quy{q}": f"Q{q}" for q in range(1, 5)} \
    | {f"thang{m}": f"M{m:02d}" for m in range(1, 13)}
_YES = {"co", "yes", "x", "1", "true", "dulieumophong", "mophong", "demo", "synthetic"}
_NO = {"khong", "no", "0", "false", ""}


def _choice(keys: dict[str, str], code: str, label: str):
    """A code picked from a list (by its code or its name in either language); else the error `code`, saying `label`."""
    def parse(v):
        s = cell_text(v)
        if s is None:
            return None
        found = keys.get(fold(s))
        if found is None:
            _fail(code, label, value=s)
        return found

    return parse


def _required(parse):
    def req(v):
        out = parse(v)
        if out is None:
            _fail("required", "imp_required")
        return out

    return req


def _required_in_catalogue(parse):
    def req(v, info: ValidationInfo):
        out = parse(v, info)
        if out is None:
            _fail("required", "imp_required")
        return out

    return req


_kind = _choice(_KIND_KEYS, "unknown_finding_kind", "imp_unknown_kind")
_status = _choice(_STATUS_KEYS, "unknown_remedy_status", "imp_unknown_status")
_followup_status = _choice({**_lookup(FOLLOWUP_STATUSES), **{k: v for k, v in _STATUS_KEYS.items()},
                            "khongthuchien": "not_feasible", "khongthuchienduoc": "not_feasible", "khongkhathi": "not_feasible"},
                           "unknown_follow-up_status", "imp_unknown_followup_status")
_level = _choice(_LEVEL_KEYS, "unknown_unit_level", "imp_unknown_level")
_structure = _choice({fold(s): s for s in STRUCTURE_CODES} | {"63": "S63", "34": "S34"}, "unknown_structure",
                     "imp_unknown_structure")
_period = _choice(_PERIOD_KEYS, "unknown_period", "imp_unknown_period")


def _demo(v) -> bool:
    s = cell_text(v)
    if s is None or fold(s) in _NO:
        return False
    if fold(s) in _YES:
        return True
    _fail("unknown_demo_flag", "imp_unknown_demo_flag", value=s)


def _code_token(s: str) -> str:
    """'A1 – Chỉ đạo điều hành' -> 'A1'."""
    return re.split(r"\s+[–—-]\s+|:", s, maxsplit=1)[0].strip()


def _area_from(v, info: ValidationInfo, *, total: bool):
    s = cell_text(v)
    if s is None:
        return None
    areas: dict[str, str] = info.context["area_keys"]
    token = fold(_code_token(s))
    if token in areas and (total or areas[token] != "TOTAL"):
        return areas[token]
    if token.isdigit() and f"a{int(token)}" in areas:
        return areas[f"a{int(token)}"]
    if fold(s) in areas and (total or areas[fold(s)] != "TOTAL"):
        return areas[fold(s)]
    allowed = ("TOTAL, " if total else "") + "A1–A8"
    _fail("unknown_area", "imp_unknown_area", value=s, allowed=allowed)


def _area(v, info):
    return _area_from(v, info, total=False)


def _score_area(v, info):
    return _area_from(v, info, total=True) or "TOTAL"


def _indicator(v, info: ValidationInfo):
    s = cell_text(v)
    if s is None:
        return None
    code = _code_token(s).upper()
    if code in info.context["indicator_by_code"]:
        return code
    _fail("unknown_indicator", "imp_unknown_indicator", value=s)


def _family(v, info: ValidationInfo):
    s = cell_text(v)
    if s is None:
        return None
    code = _code_token(s).upper().replace(" ", "_")
    if code in info.context["family_codes"]:
        return code
    allowed = ", ".join(sorted(info.context["family_codes"]))
    _fail("unknown_family", "imp_unknown_family", value=s, allowed=allowed)


def validation_context(cat: Catalogue) -> dict:
    """What the row models look codes up in (built once per file)."""
    areas = {"total": "TOTAL", "tong": "TOTAL", "diemtong": "TOTAL", "totalscore": "TOTAL"}
    for r in cat.areas.itertuples():
        areas[fold(r.area_code)] = r.area_code
        for name in (r.name_vi, r.name_en, r.short_vi, r.short_en):
            areas.setdefault(fold(name), r.area_code)
    ind = cat.indicators
    return {
        "catalogue": cat,
        "area_keys": areas,
        "family_codes": set(cat.families.family_code),
        "indicator_by_code": {r["indicator_code"]: r for r in ind.to_dict("records")},
        # each indicator's (lowest, highest, whole only) once, not again on each of a file's 200,000 values
        "range_by_code": {r["indicator_code"]: value_range(r) for r in ind.to_dict("records")},
        "indicator_by_family_area": {(r.family_code, r.area_code): r.indicator_code for r in ind.itertuples()
                                     if r.area_code is not None and not pd.isna(r.area_code)},
    }


Text = Annotated[str | None, BeforeValidator(cell_text)]
ReqText = Annotated[str, BeforeValidator(_required_text)]
FieldDays = Annotated[int | None, BeforeValidator(_within(SHEET_BY_KEY["inspections"].column("field_days")))]
Rank = Annotated[int | None, BeforeValidator(_within(SHEET_BY_KEY["scores"].column("published_rank")))]
RankOf = Annotated[int | None, BeforeValidator(_within(SHEET_BY_KEY["scores"].column("rank_of")))]
Num = Annotated[float | None, BeforeValidator(_num)]
ReqNum = Annotated[float, BeforeValidator(_required(lambda v: _num(v)))]
Date = Annotated[dt.date | None, BeforeValidator(_date)]
Year = Annotated[int, BeforeValidator(_year)]
Kind = Annotated[str, BeforeValidator(_required(_kind))]
Status = Annotated[str | None, BeforeValidator(_status)]
FollowupStatus = Annotated[str | None, BeforeValidator(_followup_status)]
Level = Annotated[str | None, BeforeValidator(_level)]
Structure = Annotated[str | None, BeforeValidator(_structure)]
Period = Annotated[str, BeforeValidator(lambda v: _period(v) or "Y")]
Demo = Annotated[bool, BeforeValidator(_demo)]
Area = Annotated[str | None, BeforeValidator(_area)]
ScoreArea = Annotated[str, BeforeValidator(_score_area)]
Indicator = Annotated[str, BeforeValidator(_required_in_catalogue(_indicator))]
Family = Annotated[str, BeforeValidator(_required_in_catalogue(_family))]


def _in_range(value: float, code: str, info: ValidationInfo, column: str, problems: _Problems) -> None:
    """The indicator's range (template.value_range: its own, else its unit's: percentages 0–100, counts whole
    numbers 0 to a billion, days 0 to a million)."""
    ind = info.context["indicator_by_code"].get(code)
    if ind is None:
        return
    lo, hi, whole_only = info.context["range_by_code"][code]
    if not lo <= value <= hi:
        def number(x: float) -> PerLang:
            return whole(x) if x.is_integer() and abs(x) < 1e15 else _as_typed(x)

        problems.add("out_of_range", "imp_value_out_of_range", column, value=number(value), low=number(lo), high=number(hi),
                     unit=" %" if ind["unit"] == "%" else "", indicator=code)
    elif whole_only and not value.is_integer():
        problems.add("not_integer", "imp_value_not_whole", column, value=_as_typed(value), indicator=code, unit=ind["unit"])


# ------------------------------------------------------------------------------------------------ row models

class _Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


class _Sourced(_Row):
    source: Text = None
    source_url: Text = None
    demo: Demo = False


class _Unit(_Row):
    unit_id: Text = None
    unit_name: Text = None
    unit_code: Text = None
    unit_level: Level = None
    unit_province: Text = None
    unit_district: Text = None
    structure: Structure = None


class PlanRow(_Sourced):
    plan_id: Text = None
    number: Text = None
    issued_on: Date = None
    issuer: ReqText = None
    province: ReqText = None
    year: Year = None
    title: ReqText = None

    @model_validator(mode="after")
    def _id_or_number(self):
        if not self.plan_id and not self.number:
            _fail("required", "imp_plan_id_or_number", "number")
        return self


class InspectionRow(_Sourced):
    inspection_id: ReqText = None
    plan_id: Text = None
    province: ReqText = None
    year: Year = None
    team_label: ReqText = None
    leader_name: Text = None
    leader_title: Text = None
    started_on: Date = None
    ended_on: Date = None
    field_days: FieldDays = None
    announced_on: Date = None

    @model_validator(mode="after")
    def _dates(self):
        problems = _Problems()
        if self.started_on is None and self.announced_on is None:
            problems.add("required", "imp_start_or_announced", "started_on")
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            problems.add("end_before_start", "imp_end_before_start", "ended_on", end=f"{self.ended_on:%d/%m/%Y}",
                         start=f"{self.started_on:%d/%m/%Y}")
        problems.raise_any()
        return self


class UnitVisitRow(_Unit):
    inspection_id: ReqText = None
    visited_on: Date = None
    what_checked: Text = None


class FindingRow(_Unit, _Sourced):
    finding_id: Text = None
    inspection_id: ReqText = None
    area: Area = None
    kind: Kind = None
    topic: Text = None
    text: ReqText = None
    status: Status = None
    status_on: Date = None
    resolved_on: Date = None
    follows_up_id: Text = None
    deadline: Date = None
    responsible: Text = None
    followup_status: FollowupStatus = None
    evidence_text: Text = None
    evidence_number: Text = None
    evidence_date: Date = None
    checked_on: Date = None

    def followup(self) -> dict | None:
        """The row's remediation follow-up (table finding_followup), None when none of its columns is set. Its status,
        when not given: the remedy status of the row, else open."""
        if all(getattr(self, k) is None for k in FOLLOWUP_KEYS):
            return None
        return {"deadline": self.deadline, "responsible": self.responsible,
                "status": self.followup_status or self.status or "open", "evidence_text": self.evidence_text,
                "evidence_number": self.evidence_number, "evidence_date": self.evidence_date, "checked_on": self.checked_on}

    @model_validator(mode="after")
    def _status_rules(self):
        problems = _Problems()
        if self.status and self.kind != "limitation":
            problems.add("status_not_allowed", "imp_status_not_allowed", "status")
        if self.kind == "result" and self.followup() is not None:
            column = next(k for k in FOLLOWUP_KEYS if getattr(self, k) is not None)
            problems.add("followup_not_allowed", "imp_followup_not_allowed", column)
        if self.status == "resolved" and self.resolved_on is None:
            problems.add("required", "imp_resolved_needs_date", "resolved_on")
        problems.raise_any()
        return self


class IndicatorValueRow(_Unit, _Sourced):
    indicator: Indicator = None
    year: Year = None
    period: Period = "Y"
    value: ReqNum = None
    inspection_id: Text = None

    @model_validator(mode="after")
    def _range(self, info: ValidationInfo):
        problems = _Problems()
        _in_range(self.value, self.indicator, info, "value", problems)
        problems.raise_any()
        return self


class TargetRow(_Sourced):
    indicator: Indicator = None
    province: ReqText = None
    year: Year = None
    value: ReqNum = None

    @model_validator(mode="after")
    def _range(self, info: ValidationInfo):
        problems = _Problems()
        _in_range(self.value, self.indicator, info, "value", problems)
        problems.raise_any()
        return self


class ScoreRow(_Unit, _Sourced):
    year: Year = None
    family: Family = None
    area: ScoreArea = "TOTAL"
    score: Num = None
    published_rank: Rank = None
    rank_of: RankOf = None
    tier: Text = None
    note: Text = None
    rank_source: Text = None
    rank_source_url: Text = None

    @model_validator(mode="after")
    def _checks(self, info: ValidationInfo):
        problems = _Problems()
        code = info.context["indicator_by_family_area"].get((self.family, self.area))
        if code is None:
            problems.add("unknown_area", "imp_family_has_no_area", "area", family=self.family, area=self.area)
        if self.score is None and self.published_rank is None and self.tier is None:
            problems.add("required", "imp_score_rank_or_tier", "score")
        if self.score is not None and code is not None:
            _in_range(self.score, code, info, "score", problems)
        if self.rank_of is not None and (self.published_rank or 0) > self.rank_of:
            problems.add("out_of_range", "imp_rank_of_below_rank", "rank_of", rank_of=self.rank_of, rank=self.published_rank)
        problems.raise_any()
        return self


MODELS: dict[str, type[_Row]] = {"plans": PlanRow, "inspections": InspectionRow, "inspection_units": UnitVisitRow,
                                 "findings": FindingRow, "indicator_values": IndicatorValueRow, "targets": TargetRow,
                                 "scores": ScoreRow}
