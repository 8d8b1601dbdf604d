"""Validation of imported rows.

First each row on its own, with pydantic models (types, required cells, ranges, known codes, dates that exist,
end not before start); then the file as a whole: unit names resolved to ids (level-aware, an ambiguous name is an
error listing the candidates), natural keys (duplicates inside the file, conflicts with the database), and
references between sheets and to the database (a finding's inspection exists in the file or the database).

Every problem becomes a `RowError` with the sheet and row as the user sees them in Excel and a message in
Vietnamese and English.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import math
import re
import unicodedata
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, BeforeValidator, ConfigDict, TypeAdapter, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from par_dashboard.domain.units import fold, structure_for_year
from par_dashboard.importing import cells, names
from par_dashboard.importing.raw import RawFile, RawRow, RawSheet, RowError
from par_dashboard.importing.template import (
    FOLLOWUP_KEYS,
    FOLLOWUP_STATUSES,
    KINDS,
    LEVELS,
    PERIODS,
    SHEET_BY_KEY,
    SHEETS,
    STATUSES,
    STRUCTURE_CODES,
    Catalogue,
    Column,
    group,
    value_range,
)
from par_dashboard.security.untrusted import char_label, shown

YEAR_MIN, YEAR_MAX = 2000, 2035
DATE_MIN, DATE_MAX = dt.date(1990, 1, 1), dt.date(2035, 12, 31)
_EXCEL_EPOCH = dt.date(1899, 12, 30)

__all__ = ["RowError", "Context", "Validated", "Rejected", "validate", "YEAR_MIN", "YEAR_MAX"]


def _fail(code: str, vi: str, en: str, column: str | None = None):
    ctx = {"vi": vi, "en": en}
    if column:
        ctx["column"] = column
    raise PydanticCustomError(code, "{en}", ctx)


class _Problems:
    """The checks of a row that look at several cells (a model's "after" validator): each finds its problem and the
    row reports them all, not only the first."""

    def __init__(self):
        self.found: list[dict] = []

    def add(self, code: str, vi: str, en: str, column: str | None = None) -> None:
        self.found.append({"code": code, "vi": vi, "en": en, "column": column})

    def raise_any(self) -> None:
        if len(self.found) == 1:
            _fail(**self.found[0])
        if self.found:
            raise PydanticCustomError("several", "{en}", {"en": "; ".join(p["en"] for p in self.found), "several": self.found})


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

def _text(v) -> str | None:
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
    s = _text(v)
    if s is None:
        _fail("required", "ô bắt buộc đang trống", "this required cell is empty")
    return s


def _int(v) -> int | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        _fail("not_integer", f"'{v}' không phải số nguyên", f"'{v}' is not a whole number")
    if isinstance(v, int):
        return v
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str):
        s = v.strip().replace(" ", "").replace("\u00a0", "")
        m = re.fullmatch(r"([+-]?\d+)(?:[.,]0+)?", s)
        if m:
            return int(m.group(1))
    _fail("not_integer", f"'{_show(v)}' không phải số nguyên", f"'{_show(v)}' is not a whole number")


def _num(v) -> float | None:
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, bool):
        _fail("not_number", f"'{v}' không phải số", f"'{v}' is not a number")
    if isinstance(v, (int, float)):
        if not math.isfinite(v):
            _fail("not_number", "ô không chứa số hợp lệ", "the cell holds no valid number")
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
            _fail("not_number", f"'{_show(v)}' không phải số hợp lệ (quá lớn)", f"'{_show(v)}' is not a valid number (too large)")
    _fail("not_number", f"'{_show(v)}' không phải số", f"'{_show(v)}' is not a number")


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
            _fail("not_a_date", f"'{_show(v)}' không phải ngày (dd/mm/yyyy)", f"'{_show(v)}' is not a date (dd/mm/yyyy)")
        d = _EXCEL_EPOCH + dt.timedelta(days=int(v))
    else:
        s = str(v).strip()
        m = _DMY.fullmatch(s)
        if m:
            day, month, year = (int(x) for x in m.groups())
        elif m := _YMD.fullmatch(s):
            year, month, day = (int(x) for x in m.groups())
        else:
            _fail("not_a_date", f"'{s}' không phải ngày dạng dd/mm/yyyy", f"'{s}' is not a date in the form dd/mm/yyyy")
        try:
            d = dt.date(year, month, day)
        except ValueError:
            _fail("date_not_real", f"ngày {s} không có thật", f"{s} is not a real date")
    if not DATE_MIN <= d <= DATE_MAX:
        _fail("date_out_of_range", f"ngày {d:%d/%m/%Y} ngoài khoảng {DATE_MIN:%d/%m/%Y}–{DATE_MAX:%d/%m/%Y}",
              f"date {d:%d/%m/%Y} is outside {DATE_MIN:%d/%m/%Y}–{DATE_MAX:%d/%m/%Y}")
    return d


def _year(v) -> int:
    y = _int(v)
    if y is None:
        _fail("required", "ô bắt buộc đang trống", "this required cell is empty")
    if not YEAR_MIN <= y <= YEAR_MAX:
        _fail("year_out_of_range", f"năm {y} không hợp lệ (phải trong khoảng {YEAR_MIN}–{YEAR_MAX})",
              f"year {y} is not valid (must be within {YEAR_MIN}–{YEAR_MAX})")
    return y


def _within(col: Column):
    """A whole number within the column's range (template: Column.low, Column.high)."""
    def parse(v):
        n = _int(v)
        if n is not None and not col.low <= n <= col.high:
            _fail("out_of_range", f"{_show(n)} ngoài khoảng {group(col.low, 'vi')}–{group(col.high, 'vi')}",
                  f"{_show(n)} is outside {group(col.low, 'en')}–{group(col.high, 'en')}")
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


def _choice(keys: dict[str, str], what_vi: str, what_en: str, allowed: str):
    def parse(v):
        s = _text(v)
        if s is None:
            return None
        code = keys.get(fold(s))
        if code is None:
            _fail(f"unknown_{what_en.replace(' ', '_')}", f"'{s}' không phải {what_vi} hợp lệ ({allowed})",
                  f"'{s}' is not a valid {what_en} ({allowed})")
        return code

    return parse


def _required(parse):
    def req(v):
        out = parse(v)
        if out is None:
            _fail("required", "ô bắt buộc đang trống", "this required cell is empty")
        return out

    return req


def _required_in_catalogue(parse):
    def req(v, info: ValidationInfo):
        out = parse(v, info)
        if out is None:
            _fail("required", "ô bắt buộc đang trống", "this required cell is empty")
        return out

    return req


_kind = _choice(_KIND_KEYS, "loại phát hiện", "finding kind", "Kết quả / Tồn tại, hạn chế / Kiến nghị")
_status = _choice(_STATUS_KEYS, "tình trạng khắc phục", "remedy status", "Chưa khắc phục / Đang khắc phục / Đã khắc phục")
_followup_status = _choice({**_lookup(FOLLOWUP_STATUSES), **{k: v for k, v in _STATUS_KEYS.items()},
                            "khongthuchien": "not_feasible", "khongthuchienduoc": "not_feasible", "khongkhathi": "not_feasible"},
                           "kết quả theo dõi khắc phục", "follow-up status",
                           "Chưa khắc phục / Đang khắc phục / Đã khắc phục / Không thực hiện được")
_level = _choice(_LEVEL_KEYS, "cấp đơn vị", "unit level", "Tỉnh / Huyện / Xã / Sở")
_structure = _choice({fold(s): s for s in STRUCTURE_CODES} | {"63": "S63", "34": "S34"}, "cấu trúc", "structure", "S63 / S34")
_period = _choice(_PERIOD_KEYS, "kỳ", "period", "Y, Q1–Q4, M01–M12, to-date")


def _demo(v) -> bool:
    s = _text(v)
    if s is None or fold(s) in _NO:
        return False
    if fold(s) in _YES:
        return True
    _fail("unknown_demo_flag", f"'{s}' không hợp lệ: ghi \"có\" hoặc để trống", f"'{s}' is not valid: write \"yes\" or leave blank")


def _code_token(s: str) -> str:
    """'A1 – Chỉ đạo điều hành' -> 'A1'."""
    return re.split(r"\s+[–—-]\s+|:", s, maxsplit=1)[0].strip()


def _area_from(v, info: ValidationInfo, *, total: bool):
    s = _text(v)
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
    _fail("unknown_area", f"'{s}' không phải lĩnh vực CCHC ({allowed})", f"'{s}' is not a PAR area ({allowed})")


def _area(v, info):
    return _area_from(v, info, total=False)


def _score_area(v, info):
    return _area_from(v, info, total=True) or "TOTAL"


def _indicator(v, info: ValidationInfo):
    s = _text(v)
    if s is None:
        return None
    code = _code_token(s).upper()
    if code in info.context["indicator_by_code"]:
        return code
    _fail("unknown_indicator", f"mã chỉ tiêu '{s}' không có trong danh mục (xem trang Danh mục)",
          f"indicator code '{s}' is not in the catalogue (see the Lists sheet)")


def _family(v, info: ValidationInfo):
    s = _text(v)
    if s is None:
        return None
    code = _code_token(s).upper().replace(" ", "_")
    if code in info.context["family_codes"]:
        return code
    allowed = ", ".join(sorted(info.context["family_codes"]))
    _fail("unknown_family", f"'{s}' không phải bộ chỉ số ({allowed})", f"'{s}' is not an index family ({allowed})")


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
        "indicator_by_family_area": {(r.family_code, r.area_code): r.indicator_code for r in ind.itertuples()
                                     if r.area_code is not None and not pd.isna(r.area_code)},
    }


Text = Annotated[str | None, BeforeValidator(_text)]
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
    lo, hi, whole = value_range(ind)
    if not lo <= value <= hi:
        def number(x: float, lang: str) -> str:
            if x.is_integer() and abs(x) < 1e15:
                return group(x, lang)
            return _show(x).replace(".", ",") if lang == "vi" else _show(x)

        unit = " %" if ind["unit"] == "%" else ""
        problems.add("out_of_range", f"giá trị {number(value, 'vi')} ngoài khoảng {number(lo, 'vi')}–{number(hi, 'vi')}{unit} "
                                     f"của chỉ tiêu {code}",
                     f"value {number(value, 'en')} is outside {number(lo, 'en')}–{number(hi, 'en')}{unit} for indicator {code}",
                     column)
    elif whole and not value.is_integer():
        problems.add("not_integer", f"giá trị {_show(value).replace('.', ',')} của chỉ tiêu {code} phải là số nguyên ({ind['unit']})",
                     f"value {_show(value)} of indicator {code} must be a whole number ({ind['unit']})", column)


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
            _fail("required", "ghi Mã kế hoạch hoặc Số kế hoạch", "give the plan id or the plan number", "number")
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
            problems.add("required", "ghi ngày bắt đầu (Từ ngày) hoặc ngày công bố dự thảo kết quả",
                         "give the start date or the date the draft result was announced", "started_on")
        if self.started_on and self.ended_on and self.ended_on < self.started_on:
            problems.add("end_before_start", f"ngày kết thúc {self.ended_on:%d/%m/%Y} trước ngày bắt đầu {self.started_on:%d/%m/%Y}",
                         f"end date {self.ended_on:%d/%m/%Y} is before start date {self.started_on:%d/%m/%Y}", "ended_on")
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
            problems.add("status_not_allowed", "chỉ phát hiện loại Tồn tại, hạn chế mới có tình trạng khắc phục",
                         "only a limitation has a remedy status", "status")
        if self.kind == "result" and self.followup() is not None:
            column = next(k for k in FOLLOWUP_KEYS if getattr(self, k) is not None)
            problems.add("followup_not_allowed", "chỉ Tồn tại, hạn chế và Kiến nghị mới có theo dõi khắc phục (hạn, minh chứng…)",
                         "only a limitation or a recommendation has a remediation follow-up (deadline, evidence…)", column)
        if self.status == "resolved" and self.resolved_on is None:
            problems.add("required", "đã khắc phục thì phải ghi Ngày khắc phục xong", "a resolved limitation needs its resolved date",
                         "resolved_on")
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
            problems.add("unknown_area", f"bộ chỉ số {self.family} không có điểm cho lĩnh vực {self.area} trong danh mục",
                         f"index family {self.family} has no {self.area} score in the catalogue", "area")
        if self.score is None and self.published_rank is None and self.tier is None:
            problems.add("required", "ghi Điểm, Thứ hạng công bố hoặc Xếp loại", "give a score, a published rank or a tier", "score")
        if self.score is not None and code is not None:
            _in_range(self.score, code, info, "score", problems)
        if self.rank_of is not None and (self.published_rank or 0) > self.rank_of:
            problems.add("out_of_range", f"tổng số {self.rank_of} nhỏ hơn thứ hạng {self.published_rank}",
                         f"rank of {self.rank_of} is below the rank {self.published_rank}", "rank_of")
        problems.raise_any()
        return self


MODELS: dict[str, type[_Row]] = {"plans": PlanRow, "inspections": InspectionRow, "inspection_units": UnitVisitRow,
                                 "findings": FindingRow, "indicator_values": IndicatorValueRow, "targets": TargetRow,
                                 "scores": ScoreRow}


# ------------------------------------------------------------------------------------------------ file-level checks

@dataclass
class Context:
    """What the checks need from the database: the catalogue, the units and the keys already there."""

    catalogue: Catalogue
    resolver: names.UnitResolver
    units: dict[str, dict]  # unit_id -> structure, level, code, name, short_name, unit_type, parent_id, province_id
    plans: pd.DataFrame  # plan_id, number, province_id, year
    inspections: dict[str, tuple[int, str]]  # inspection_id -> (year, province_id)
    finding_ids: set[str]
    con: object  # a cursor, for looking up findings by their content

    @classmethod
    def from_db(cls, con) -> Context:
        resolver, units = _units(con)
        return cls(
            catalogue=Catalogue.from_db(con),
            resolver=resolver,
            units=units,
            plans=con.execute("SELECT plan_id, number, province_id, year FROM inspection_plan").df(),
            inspections={r[0]: (r[1], r[2]) for r in con.execute("SELECT inspection_id, year, province_id FROM inspection").fetchall()},
            finding_ids={r[0] for r in con.execute("SELECT finding_id FROM finding").fetchall()},
            con=con,
        )

    def findings_by_content(self, inspection_ids: list[str]) -> dict[str, str]:
        """content hash -> finding id, for the findings of these inspections already in the database."""
        if not inspection_ids:
            return {}
        rows = self.con.execute("""SELECT finding_id, inspection_id, unit_id, kind, text FROM finding
                                   WHERE inspection_id IN (SELECT unnest($ids)) ORDER BY finding_id""",
                                {"ids": sorted(set(inspection_ids))}).fetchall()
        out: dict[str, str] = {}
        for fid, iid, uid, kind, text in rows:
            out.setdefault(finding_hash(iid, uid, kind, text), fid)
        return out


_UNIT_COLUMNS = ["unit_id", "structure", "level", "code", "name", "short_name", "unit_type", "parent_id", "province_id"]
_UNITS_CACHE: dict[tuple, tuple[names.UnitResolver, dict[str, dict]]] = {}


def _units(con) -> tuple[names.UnitResolver, dict[str, dict]]:
    """The unit resolver and the units by id. Imports never change the units, and building the resolver takes
    seconds, so both are kept for as long as the unit list is the same (told by a fingerprint of it)."""
    fingerprint = con.execute("SELECT count(*), sum(hash(unit_id, structure, level, code, name, parent_id, province_id)) "
                              "FROM admin_unit").fetchone()
    if fingerprint not in _UNITS_CACHE:
        rows = con.execute(f"SELECT {', '.join(_UNIT_COLUMNS)} FROM admin_unit").fetchall()  # noqa: S608 - fixed names
        frame = pd.DataFrame(rows, columns=_UNIT_COLUMNS, dtype=object)
        resolver = names.UnitResolver(frame[["unit_id", "structure", "level", "name", "short_name", "unit_type",
                                             "parent_id", "province_id"]])
        _UNITS_CACHE.clear()
        _UNITS_CACHE[fingerprint] = (resolver, {r[0]: dict(zip(_UNIT_COLUMNS, r, strict=True)) for r in rows})
    return _UNITS_CACHE[fingerprint]


def finding_hash(inspection_id: str, unit_id: str | None, kind: str, text: str) -> str:
    norm = " ".join(unicodedata.normalize("NFC", text).split()).casefold()
    return hashlib.sha1(f"{inspection_id}|{unit_id or ''}|{kind}|{norm}".encode()).hexdigest()


def plan_id_for(province_id: str, year: int, number: str) -> str:
    ascii_number = unicodedata.normalize("NFD", number.replace("Đ", "D").replace("đ", "d"))
    ascii_number = "".join(ch for ch in ascii_number if not unicodedata.combining(ch))
    return f"KH-{province_id}-{year}-" + re.sub(r"[^A-Za-z0-9]+", "-", ascii_number).strip("-").upper()


@dataclass
class Rejected:
    sheet: str  # sheet key
    sheet_name: str  # as in the file
    row: int
    values: dict[str, object]
    errors: list[RowError]


@dataclass
class Validated:
    valid: dict[str, list[tuple[int, dict]]] = field(default_factory=dict)  # sheet key -> (row, record) with table columns
    rejected: list[Rejected] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)  # all problems, file- and sheet-level first
    sheet_names: dict[str, str] = field(default_factory=dict)
    rows_read: dict[str, int] = field(default_factory=dict)
    notices: list[tuple[str, str]] = field(default_factory=list)  # (vi, en), once each


class _Check:
    """Validation of one file against one database state."""

    ORDER = [s.key for s in SHEETS]

    def __init__(self, raw: RawFile, ctx: Context):
        self.raw = raw
        self.ctx = ctx
        self.out = Validated(errors=list(raw.errors))
        self.vctx = validation_context(ctx.catalogue)
        self.unit_rows = ctx.units
        self._resolved: dict[tuple, names.Resolution] = {}
        self._unit_names: dict[str, set[str]] = {}
        # keys accepted so far, for references: id -> row; and rows already rejected, for clearer messages
        self.file_plans: dict[str, tuple[int, str, int, str | None]] = {}  # plan_id -> (row, province_id, year, number)
        self.file_inspections: dict[str, tuple[int, int]] = {}  # inspection_id -> (row, year)
        self.bad_ids: dict[str, dict[str, int]] = {k: {} for k in self.ORDER}
        self._removed: dict[tuple[str, str], dict[str, set[int]]] = {}  # (sheet, column) -> character -> rows
        self._columns = {s.key: {c.key: c for c in s.columns} for s in SHEETS}

    # -------------------------------------------------------------- helpers
    def error(self, sheet: RawSheet, row: int, key: str | None, code: str, vi: str, en: str, value=None) -> RowError:
        spec = sheet.spec
        if key is None:
            return RowError(sheet.name, row, None, code, f"Dòng {row}: {vi}.", f"Row {row}: {en}.", value)
        header = sheet.headers.get(key)
        if header is None:
            col = next((c for c in spec.columns if c.key == key), None)
            header = col.vi if col else key
            header_en = col.en if col else key
        else:
            header_en = header
        return RowError(sheet.name, row, header, code, f"Dòng {row}, cột '{header}': {vi}.",
                        f"Row {row}, column '{header_en}': {en}.", value)

    def reject(self, sheet: RawSheet, raw: RawRow, errors: list[RowError], ident: str | None = None) -> None:
        self.out.rejected.append(Rejected(sheet.key, sheet.name, raw.row, raw.values, errors))
        self.out.errors.extend(errors)
        if ident is not None:
            self.bad_ids[sheet.key].setdefault(ident, raw.row)

    def resolve(self, query: str, **kw) -> names.Resolution:
        key = (query, tuple(sorted(kw.items())))
        if key not in self._resolved:
            self._resolved[key] = self.ctx.resolver.resolve(query, **kw)
        return self._resolved[key]

    def _names_of(self, uid: str) -> set[str]:
        if uid not in self._unit_names:
            u = self.unit_rows[uid]
            self._unit_names[uid] = {fold(u["name"]), fold(u["short_name"]),
                                     names.normalise_name(u["name"]), names.normalise_name(u["short_name"])}
        return self._unit_names[uid]

    def unit(self, sheet: RawSheet, raw: RawRow, m, *, year: int | None, required: bool,
             errors: list[RowError]) -> str | None:
        """The unit a row names: by id, by GSO code or by name (narrowed by level, structure, province, district)."""
        structure = m.structure or (structure_for_year(year) if year else None)
        level = m.unit_level or sheet.spec.unit_level
        units = self.unit_rows
        if m.unit_id:
            uid = m.unit_id.strip().upper()
            if uid not in units:
                errors.append(self.error(sheet, raw.row, "unit_id", "unknown_unit",
                                         f"mã đơn vị '{m.unit_id}' không có trong danh mục đơn vị hành chính",
                                         f"unit id '{m.unit_id}' is not in the list of administrative units", m.unit_id))
                return None
            u = units[uid]
            if level and u["level"] != level:
                errors.append(self.error(sheet, raw.row, "unit_level", "unit_mismatch",
                                         f"đơn vị {uid} ({u['name']}) không phải cấp {LEVELS[level][0]}",
                                         f"unit {uid} ({u['name']}) is not at {LEVELS[level][1].lower()} level", m.unit_level))
                return None
            for text in (m.unit_name, m.unit_code):
                if text and fold(text) not in self._names_of(uid) and names.normalise_name(text) not in self._names_of(uid) \
                        and text != u["code"]:
                    res = self.resolve(text, level=u["level"], structure=u["structure"], province=u["province_id"])
                    if res.unit_id != uid:
                        col = "unit_name" if text == m.unit_name else "unit_code"
                        errors.append(self.error(sheet, raw.row, col, "unit_mismatch",
                                                 f"'{text}' không phải đơn vị {uid} ({u['name']})",
                                                 f"'{text}' is not unit {uid} ({u['name']})", text))
                        return None
            return uid
        if not m.unit_name and not m.unit_code:
            if required:
                errors.append(self.error(sheet, raw.row, "unit_name" if "unit_name" in sheet.headers else "unit_id",
                                         "required", "ghi Mã đơn vị hoặc Tên đơn vị", "give the unit id or the unit name"))
            return None
        kw = {"level": level, "structure": structure, "province": m.unit_province, "district": m.unit_district}
        by_code = self.resolve(m.unit_code, **kw) if m.unit_code else None
        if by_code is not None and by_code.unit_id is None:
            self._unit_error(sheet, raw, "unit_code", m.unit_code, by_code, errors)
            return None
        if not m.unit_name:
            return by_code.unit_id
        by_name = self.resolve(m.unit_name, **kw)
        if by_code is None:
            if by_name.unit_id is None:
                self._unit_error(sheet, raw, "unit_name", m.unit_name, by_name, errors)
            return by_name.unit_id
        uid = by_code.unit_id
        if by_name.unit_id == uid:
            return uid
        u = units[uid]
        if by_name.unit_id is None and not by_name.candidates:
            # a former or unusual name ("Thừa Thiên Huế" for today's Thành phố Huế): the official code decides
            self.out.notices.append((f"Trang '{sheet.name}': tên '{m.unit_name}' khác tên trong danh mục của đơn vị mã "
                                     f"{m.unit_code} ({u['name']}); đơn vị được xác định theo mã số.",
                                     f"Sheet '{sheet.name}': the name '{m.unit_name}' differs from the listed name of unit "
                                     f"code {m.unit_code} ({u['name']}); the unit is taken from the code."))
            return uid
        errors.append(self.error(sheet, raw.row, "unit_name", "unit_mismatch",
                                 f"mã số thống kê '{m.unit_code}' là {uid} ({u['name']}), còn tên '{m.unit_name}' là đơn vị khác",
                                 f"GSO code '{m.unit_code}' is {uid} ({u['name']}) but the name '{m.unit_name}' is another unit",
                                 m.unit_name))
        return None

    def _unit_error(self, sheet: RawSheet, raw: RawRow, col: str, text: str, res: names.Resolution,
                    errors: list[RowError]) -> None:
        ambiguous = len(res.candidates) > 1
        vi, en = (res.error_vi or "").rstrip("."), (res.error_en or "").rstrip(".")
        if ambiguous and not any(c_id in vi for c_id, _ in res.candidates):
            listed = "; ".join(f"{c_id} ({descr})" for c_id, descr in res.candidates)
            vi += f" — các đơn vị trùng tên: {listed}"
            en += f" — units with this name: {listed}"
        if not vi:
            vi, en = f"không tìm thấy đơn vị '{text}'", f"unit '{text}' not found"
        errors.append(self.error(sheet, raw.row, col, "ambiguous_unit" if ambiguous else "unknown_unit", vi, en, text))

    def province(self, sheet: RawSheet, raw: RawRow, text: str, year: int, errors: list[RowError]) -> str | None:
        units = self.unit_rows
        if text.strip().upper() in units:
            uid = text.strip().upper()
            if units[uid]["level"] == "province":
                return uid
        res = self.resolve(text, level="province", structure=structure_for_year(year))
        if res.unit_id is None:
            ambiguous = len(res.candidates) > 1
            errors.append(self.error(sheet, raw.row, "province", "ambiguous_unit" if ambiguous else "unknown_unit",
                                     (res.error_vi or f"không tìm thấy tỉnh '{text}'").rstrip("."),
                                     (res.error_en or f"province '{text}' not found").rstrip("."), text))
        return res.unit_id

    def ref_inspection(self, sheet: RawSheet, raw: RawRow, iid: str | None, errors: list[RowError]) -> int | None:
        """The year of the inspection a row refers to (in the file or the database), or an error."""
        if iid is None:
            return None
        if iid in self.file_inspections:
            return self.file_inspections[iid][1]
        if iid in self.bad_ids["inspections"]:
            r = self.bad_ids["inspections"][iid]
            errors.append(self.error(sheet, raw.row, "inspection_id", "broken_reference",
                                     f"đoàn kiểm tra '{iid}' ở dòng {r} trang Đoàn kiểm tra có lỗi",
                                     f"inspection '{iid}' on row {r} of the Inspections sheet has errors", iid))
            return None
        if iid in self.ctx.inspections:
            return self.ctx.inspections[iid][0]
        errors.append(self.error(sheet, raw.row, "inspection_id", "broken_reference",
                                 f"đoàn kiểm tra '{iid}' không có trong tệp (trang Đoàn kiểm tra) và chưa có trong cơ sở dữ liệu",
                                 f"inspection '{iid}' is neither in the file (Inspections sheet) nor in the database", iid))
        return None

    def duplicate(self, sheet: RawSheet, raw: RawRow, seen: dict, key, col: str, errors: list[RowError], shown: str) -> bool:
        if key in seen:
            errors.append(self.error(sheet, raw.row, col, "duplicate",
                                     f"trùng với dòng {seen[key]} ({shown})", f"duplicates row {seen[key]} ({shown})", shown))
            return True
        seen[key] = raw.row
        return False

    # -------------------------------------------------------------- the run
    def run(self) -> Validated:
        sheets = {s.key: s for s in self.raw.sheets}
        for key in self.ORDER:
            sheet = sheets.get(key)
            if sheet is None:
                continue
            self.out.sheet_names[key] = sheet.name
            self.out.rows_read[key] = len(sheet.rows)
            self.out.valid[key] = []
            missing = self._missing_columns(sheet)
            if missing:
                for raw in sheet.rows:
                    self.out.rejected.append(Rejected(key, sheet.name, raw.row, raw.values, missing))
                continue
            getattr(self, f"_{key}")(sheet)
        self._removed_notices()
        self.out.notices = list(dict.fromkeys(self.out.notices))
        return self.out

    def _removed_notices(self) -> None:
        """One notice per column whose names or texts had unseen characters removed: which, and on which rows."""
        by_sheet = {s.name: s for s in self.raw.sheets}
        for (sheet_name, key), chars in self._removed.items():
            sheet = by_sheet[sheet_name]
            col = sheet.spec.column(key)
            header_vi = sheet.headers.get(key, col.vi)
            header_en = sheet.headers.get(key, col.en)
            rows = sorted(set().union(*chars.values()))
            listed = ", ".join(char_label(c) for c in list(chars)[:5]) + (f" (+{len(chars) - 5})" if len(chars) > 5 else "")
            at = ", ".join(map(str, rows[:10])) + ("…" if len(rows) > 10 else "")
            breaks = not cells.BREAKS.isdisjoint(chars)
            self.out.notices.append((
                f"Trang '{sheet_name}', cột '{header_vi}': đã bỏ ký tự vô hình hoặc ký tự điều khiển {listed}"
                + (" (ngắt dòng, tab thay bằng dấu cách)" if breaks else "") + f" ở {len(rows)} dòng ({at}).",
                f"Sheet '{sheet_name}', column '{header_en}': removed the invisible or control character(s) {listed}"
                + (" (line breaks and tabs became spaces)" if breaks else "") + f" on {len(rows)} row(s) ({at})."))

    def _missing_columns(self, sheet: RawSheet) -> list[RowError]:
        spec = sheet.spec
        missing = [c for c in spec.columns if c.required and c.key not in sheet.columns]
        errors = [RowError(sheet.name, sheet.header_row, c.vi, "missing_column",
                           f"Trang '{sheet.name}': thiếu cột bắt buộc '{c.vi}'" + (" (" + c.help_vi + ")" if c.help_vi else "") + ".",
                           f"Sheet '{sheet.name}': the required column '{c.en}' is missing.") for c in missing]
        if spec.has_units and spec.key != "findings" and not {"unit_id", "unit_name", "unit_code"} & set(sheet.columns):
            errors.append(RowError(sheet.name, sheet.header_row, "Tên đơn vị", "missing_column",
                                   f"Trang '{sheet.name}': thiếu cột 'Mã đơn vị' hoặc 'Tên đơn vị'.",
                                   f"Sheet '{sheet.name}': the column 'Unit id' or 'Unit name' is missing."))
        self.out.errors.extend(errors)
        return errors

    def _cells(self, sheet: RawSheet, raw: RawRow) -> tuple[dict[str, object], list[RowError]]:
        """The row's cells NFC, with the unseen characters of names and texts removed (noted per column) and
        refused in keys, and each within its column's length (importing/cells.py)."""
        values: dict[str, object] = {}
        errors: list[RowError] = []
        columns = self._columns[sheet.key]
        for key, value in raw.values.items():
            value, error, removed = cells.check(value, columns[key])
            values[key] = value
            if error:
                code, vi, en = error
                errors.append(self.error(sheet, raw.row, key, code, vi, en, shown(raw.values[key])))
            for ch in removed:
                self._removed.setdefault((sheet.name, key), {}).setdefault(ch, set()).add(raw.row)
        return values, errors

    def _model(self, sheet: RawSheet, raw: RawRow):
        """The row model, or None with every problem of the row's cells (a row with a refused cell is not checked
        against the others: its keys are not what the user meant)."""
        values, errors = self._cells(sheet, raw)
        try:
            m = MODELS[sheet.key].model_validate(values, context=self.vctx)
        except ValidationError as exc:
            for e in exc.errors(include_url=False):
                ctx = e.get("ctx") or {}
                for p in ctx.get("several") or [{"code": e["type"], **ctx}]:
                    col = p.get("column") or (e["loc"][0] if e["loc"] else None)
                    vi = p.get("vi") or f"giá trị không hợp lệ ({e['msg']})"
                    en = p.get("en") or e["msg"]
                    value = raw.values.get(col) if col else None
                    errors.append(self.error(sheet, raw.row, col, p["code"], vi, en,
                                             shown(value) if isinstance(value, str) else value))
            return None, errors
        return (None, errors) if errors else (m, [])

    def _row(self, sheet: RawSheet, raw: RawRow):
        """(model, fields, errors): the row model or None as `_model` gives them, and the fields the checks against
        the units, the database and the other rows read. A row whose model failed (a bad date, a value out of
        range) still has its unit, province and references checked with the fields that read on their own, so that
        every problem of the row is reported at once, not the first kind only. None for the fields when a cell
        was refused (its keys are not what the user meant)."""
        m, errors = self._model(sheet, raw)
        if m is not None:
            return m, m, errors
        if any(e.code in _CELL_CODES for e in errors):
            return None, None, errors
        values, _ = self._cells(sheet, raw)
        model = MODELS[sheet.key]
        fields = {}
        for name, spec in model.model_fields.items():
            if name not in values:
                fields[name] = spec.default
                continue
            try:
                fields[name] = _field_adapter(model, name).validate_python(values[name], context=self.vctx)
            except (ValidationError, PydanticCustomError, ValueError, TypeError):
                fields[name] = None
        return None, SimpleNamespace(**fields), errors

    def _accept(self, sheet: RawSheet, raw: RawRow, record: dict) -> None:
        self.out.valid[sheet.key].append((raw.row, record))

    @staticmethod
    def _src(m) -> tuple[bool, str | None, str | None]:
        return (m.demo, m.source, m.source_url)

    def _plans(self, sheet: RawSheet) -> None:
        seen_ids: dict = {}
        seen_numbers: dict = {}
        db = self.ctx.plans
        db_by_number = {(r.province_id, int(r.year), fold(r.number)): r.plan_id for r in db.itertuples() if r.number}
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            province = self.province(sheet, raw, p.province, p.year, errors) if p and p.province and p.year else None
            if m is None or province is None:
                self.reject(sheet, raw, errors, m.plan_id if m else _text(raw.values.get("plan_id")))
                continue
            natural = (province, m.year, fold(m.number)) if m.number else None
            plan_id = m.plan_id
            if natural and self.duplicate(sheet, raw, seen_numbers, natural, "number", errors, f"{m.number}, {m.year}"):
                self.reject(sheet, raw, errors, plan_id)
                continue
            if plan_id is None:
                plan_id = db_by_number.get(natural) or plan_id_for(province, m.year, m.number)
            elif natural in db_by_number and db_by_number[natural] != plan_id:
                other = db_by_number[natural]
                errors.append(self.error(sheet, raw.row, "number", "duplicate",
                                         f"kế hoạch số {m.number} năm {m.year} của tỉnh này đã có trong cơ sở dữ liệu với mã '{other}'",
                                         f"plan {m.number} of {m.year} for this province is already in the database as '{other}'",
                                         m.number))
            if self.duplicate(sheet, raw, seen_ids, plan_id, "plan_id", errors, plan_id) or errors:
                self.reject(sheet, raw, errors, plan_id)
                continue
            self.file_plans[plan_id] = (raw.row, province, m.year, m.number)
            self._accept(sheet, raw, {"plan_id": plan_id, "number": m.number, "issued_on": m.issued_on, "issuer": m.issuer,
                                      "province_id": province, "year": m.year, "title": m.title, "_src": self._src(m)})

    def _plan_ref(self, sheet: RawSheet, raw: RawRow, ref: str, province: str, year: int, errors: list[RowError]) -> str | None:
        if ref in self.file_plans or ref in set(self.ctx.plans.plan_id):
            return ref
        if ref in self.bad_ids["plans"]:
            errors.append(self.error(sheet, raw.row, "plan_id", "broken_reference",
                                     f"kế hoạch '{ref}' ở dòng {self.bad_ids['plans'][ref]} trang Kế hoạch có lỗi",
                                     f"plan '{ref}' on row {self.bad_ids['plans'][ref]} of the Plans sheet has errors", ref))
            return None
        for pid, (_, p_prov, p_year, number) in self.file_plans.items():
            if number and fold(number) == fold(ref) and p_prov == province and p_year == year:
                return pid
        db = self.ctx.plans
        match = db[(db.province_id == province) & (db.year == year) & (db.number.fillna("").map(fold) == fold(ref))]
        if len(match) == 1:
            return match.plan_id.iloc[0]
        errors.append(self.error(sheet, raw.row, "plan_id", "broken_reference",
                                 f"kế hoạch '{ref}' không có trong tệp (trang Kế hoạch) và chưa có trong cơ sở dữ liệu",
                                 f"plan '{ref}' is neither in the file (Plans sheet) nor in the database", ref))
        return None

    def _inspections(self, sheet: RawSheet) -> None:
        seen: dict = {}
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            ident = m.inspection_id if m else _text(raw.values.get("inspection_id"))
            province = self.province(sheet, raw, p.province, p.year, errors) if p and p.province and p.year else None
            plan_id = None
            if p and province and p.plan_id:
                plan_id = self._plan_ref(sheet, raw, p.plan_id, province, p.year, errors)
            if m and self.duplicate(sheet, raw, seen, m.inspection_id, "inspection_id", errors, m.inspection_id):
                ident = None  # the first row with this id stays the one others refer to
            if m is None or errors:
                self.reject(sheet, raw, errors, ident)
                continue
            self.file_inspections[m.inspection_id] = (raw.row, m.year)
            self._accept(sheet, raw, {
                "inspection_id": m.inspection_id, "plan_id": plan_id, "province_id": province, "year": m.year,
                "team_label": m.team_label, "leader_name": m.leader_name, "leader_title": m.leader_title,
                "started_on": m.started_on, "ended_on": m.ended_on, "field_days": m.field_days,
                "announced_on": m.announced_on, "_src": self._src(m)})

    def _inspection_units(self, sheet: RawSheet) -> None:
        seen: dict = {}
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            if p is None:
                self.reject(sheet, raw, errors)
                continue
            year = self.ref_inspection(sheet, raw, p.inspection_id, errors)
            unit = self.unit(sheet, raw, p, year=year, required=True, errors=errors)
            if m and unit and not errors:
                self.duplicate(sheet, raw, seen, (m.inspection_id, unit), "unit_name" if m.unit_name else "unit_id", errors,
                               f"{m.inspection_id}, {unit}")
            if m is None or errors:
                self.reject(sheet, raw, errors)
                continue
            self._accept(sheet, raw, {"inspection_id": m.inspection_id, "unit_id": unit, "visited_on": m.visited_on,
                                      "what_checked": m.what_checked})

    def _findings(self, sheet: RawSheet) -> None:
        seen_ids: dict = {}
        seen_hash: dict = {}
        pending: list[tuple[RawRow, dict]] = []
        inspection_ids = []
        checked = []
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            if m is None:
                if p is not None:  # its inspection and unit checked too: every problem of the row at once
                    self.unit(sheet, raw, p, year=self.ref_inspection(sheet, raw, p.inspection_id, errors), required=False,
                              errors=errors)
                self.reject(sheet, raw, errors, _text(raw.values.get("finding_id")))
                continue
            year = self.ref_inspection(sheet, raw, m.inspection_id, errors)
            unit = self.unit(sheet, raw, m, year=year, required=False, errors=errors)
            checked.append((raw, m, unit, errors))
            inspection_ids.append(m.inspection_id)
        by_content = self.ctx.findings_by_content([i for i in inspection_ids if i in self.ctx.inspections])
        for raw, m, unit, errors in checked:
            h = finding_hash(m.inspection_id, unit, m.kind, m.text)
            fid = m.finding_id
            if fid is None and not errors:
                if not self.duplicate(sheet, raw, seen_hash, h, "text", errors, m.text[:60]):
                    fid = by_content.get(h) or f"{m.inspection_id}-F{h[:10].upper()}"
            if fid and not errors:
                self.duplicate(sheet, raw, seen_ids, fid, "finding_id", errors, fid)
            if errors:
                self.reject(sheet, raw, errors, m.finding_id)
                continue
            followup = m.followup()
            pending.append((raw, {"finding_id": fid, "inspection_id": m.inspection_id, "unit_id": unit, "area_code": m.area,
                                  "kind": m.kind, "topic": m.topic, "text": m.text, "status": m.status,
                                  "status_on": m.status_on, "resolved_on": m.resolved_on, "follows_up_id": m.follows_up_id,
                                  "_src": self._src(m),
                                  # the service writes it to finding_followup, with the row's source (importing/service.py)
                                  "_followup": None if followup is None else {"finding_id": fid, **followup}}))
        # follow-ups: to a finding in the file (accepted) or in the database; drop until nothing changes
        while True:
            ok_ids = {rec["finding_id"] for _, rec in pending}
            keep, dropped = [], False
            for raw, rec in pending:
                ref = rec["follows_up_id"]
                if ref is None or ref in self.ctx.finding_ids or ref in ok_ids and ref != rec["finding_id"]:
                    keep.append((raw, rec))
                    continue
                errors = []
                if ref == rec["finding_id"]:
                    vi, en = "phát hiện không thể theo dõi chính nó", "a finding cannot follow up itself"
                elif ref in self.bad_ids["findings"]:
                    r = self.bad_ids["findings"][ref]
                    vi, en = f"phát hiện '{ref}' ở dòng {r} có lỗi", f"finding '{ref}' on row {r} has errors"
                else:
                    vi = f"phát hiện '{ref}' không có trong tệp và chưa có trong cơ sở dữ liệu"
                    en = f"finding '{ref}' is neither in the file nor in the database"
                errors.append(self.error(sheet, raw.row, "follows_up_id", "broken_reference", vi, en, ref))
                self.reject(sheet, raw, errors, rec["finding_id"])
                dropped = True
            pending = keep
            if not dropped:
                break
        cycle = _follow_up_cycle(pending, self.ctx.finding_ids)
        for raw, rec in pending:
            if rec["finding_id"] in cycle:
                self.reject(sheet, raw, [self.error(sheet, raw.row, "follows_up_id", "broken_reference",
                                                    "các phát hiện theo dõi lẫn nhau thành vòng tròn",
                                                    "findings follow each other up in a circle", rec["follows_up_id"])],
                            rec["finding_id"])
            else:
                self._accept(sheet, raw, rec)

    def _indicator_values(self, sheet: RawSheet) -> None:
        seen: dict = {}
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            if p is None:
                self.reject(sheet, raw, errors)
                continue
            unit = self.unit(sheet, raw, p, year=p.year, required=True, errors=errors)
            if p.inspection_id:
                self.ref_inspection(sheet, raw, p.inspection_id, errors)
            if m and unit and not errors:
                self.duplicate(sheet, raw, seen, (unit, m.indicator, m.year, m.period), "indicator", errors,
                               f"{unit}, {m.indicator}, {m.year}, {m.period}")
            if m is None or errors:
                self.reject(sheet, raw, errors)
                continue
            self._accept(sheet, raw, {"unit_id": unit, "indicator_code": m.indicator, "year": m.year, "period": m.period,
                                      "value": m.value, "inspection_id": m.inspection_id, "_src": self._src(m)})

    def _targets(self, sheet: RawSheet) -> None:
        seen: dict = {}
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            province = self.province(sheet, raw, p.province, p.year, errors) if p and p.province and p.year else None
            if m and province and not errors:
                self.duplicate(sheet, raw, seen, (m.indicator, province, m.year), "indicator", errors,
                               f"{m.indicator}, {province}, {m.year}")
            if m is None or errors:
                self.reject(sheet, raw, errors)
                continue
            self._accept(sheet, raw, {"indicator_code": m.indicator, "province_id": province, "year": m.year,
                                      "target_value": m.value, "_src": self._src(m)})

    def _scores(self, sheet: RawSheet) -> None:
        seen: dict = {}
        for raw in sheet.rows:
            m, p, errors = self._row(sheet, raw)
            if p is None:
                self.reject(sheet, raw, errors)
                continue
            unit = self.unit(sheet, raw, p, year=p.year, required=True, errors=errors)
            if m and unit and not errors:
                self.duplicate(sheet, raw, seen, (unit, m.year, m.family, m.area), "family", errors,
                               f"{unit}, {m.year}, {m.family}, {m.area}")
            if m is None or errors:
                self.reject(sheet, raw, errors)
                continue
            has_rank = m.published_rank is not None or m.tier is not None
            rank_src = None
            if has_rank:
                rank_src = (False, m.rank_source, m.rank_source_url) if (m.rank_source or m.rank_source_url) else self._src(m)
            self._accept(sheet, raw, {"unit_id": unit, "year": m.year, "family_code": m.family, "area_code": m.area,
                                      "score": m.score, "published_rank": m.published_rank, "rank_of": m.rank_of,
                                      "tier": m.tier, "note": m.note, "_src": self._src(m), "_rank_src": rank_src})


# Error codes of cells.check: a refused cell (unseen characters in a key, a text too long) stops the row's checks.
_CELL_CODES = frozenset({"too_long", "unseen_character", "bidi_control"})


@functools.cache
def _field_adapter(model: type[_Row], name: str) -> TypeAdapter:
    """One field of a row model on its own, its validators included (for `_Check._row`)."""
    spec = model.model_fields[name]
    return TypeAdapter(Annotated[(spec.annotation, *spec.metadata)])


def _follow_up_cycle(pending: list[tuple[RawRow, dict]], db_ids: set[str]) -> set[str]:
    """Findings of the file whose follow-up chain never reaches the database or an end."""
    follows = {rec["finding_id"]: rec["follows_up_id"] for _, rec in pending}
    ok: set[str] = set()
    bad: set[str] = set()
    for start in follows:
        path, node = [], start
        while node in follows and node not in ok and node not in bad and node not in path:
            path.append(node)
            node = follows[node]
        (bad if (node in path or node in bad) else ok).update(path)
    return bad


def validate(raw: RawFile, ctx: Context) -> Validated:
    """Every row checked on its own, then against the others and the database."""
    return _Check(raw, ctx).run()
