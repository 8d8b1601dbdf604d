"""Validation of an imported file as a whole, after each row on its own (importing/models.py): the units and
provinces a row names resolved to ids (importing/lookup.py: level-aware, an ambiguous name is an error listing the
candidates), natural keys (duplicates inside the file, conflicts with the database), and references between sheets
and to the database (a finding's inspection exists in the file or the database).

What each sheet's rows go through is a table, `SHEET_CHECKS`: the column of the row's own id, the rules in the order
their errors are reported (the province or the unit the row belongs to, which is what a province-scoped user's
scope is checked on; the references it makes; the keys that must be unique in the file), and the record an accepted
row becomes. Every problem becomes a `RowError` with the sheet and row as the user sees them in Excel and a message
in Vietnamese and English (labels/import.toml).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Annotated, Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticCustomError

from par_dashboard.domain.units import fold, structure_for_year
from par_dashboard.i18n import PerLang, both, t
from par_dashboard.importing import cells, names
from par_dashboard.importing.lookup import Found, UnitLookup
from par_dashboard.importing.models import MODELS, cell_text, validation_context
from par_dashboard.importing.raw import RawFile, RawRow, RawSheet, RowError
from par_dashboard.importing.template import SHEETS, Catalogue
from par_dashboard.security.untrusted import char_label, shown

__all__ = ["RowError", "Context", "Validated", "Rejected", "SHEET_CHECKS", "validate"]

ORDER = [s.key for s in SHEETS]


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




# ------------------------------------------------------------------------------------------------ one file, one row

def _error(sheet: RawSheet, row: int, key: str | None, code: str, message: tuple[str, str], value=None) -> RowError:
    """A problem of a row (of a cell, given the column's key), with the row and the header as the file has them."""
    vi, en = message
    if key is None:
        return RowError(sheet.name, row, None, code, t("imp_at_row", "vi", row=row, text=vi), t("imp_at_row", "en", row=row, text=en),
                        value)
    header = sheet.headers.get(key)
    if header is None:
        col = next((c for c in sheet.spec.columns if c.key == key), None)
        header, header_en = (col.vi, col.en) if col else (key, key)
    else:
        header_en = header
    return RowError(sheet.name, row, header, code, t("imp_at_cell", "vi", row=row, column=header, text=vi),
                    t("imp_at_cell", "en", row=row, column=header_en, text=en), value)


@dataclass
class RowCheck:
    """One row going through its sheet's rules."""

    sheet: RawSheet
    raw: RawRow
    m: Any  # the row model; None when a cell or the row failed its own checks
    p: Any  # the fields the rules read: the model, or those that read on their own (None: a cell was refused)
    errors: list[RowError]
    ident: str | None  # the row's own id, remembered when it is rejected (a row referring to it is told which row)
    got: dict[str, Any] = field(default_factory=dict)  # what the rules resolved: province, unit, plan_id, inspection_year

    def error(self, key: str | None, code: str, message: tuple[str, str], value=None) -> None:
        self.errors.append(_error(self.sheet, self.raw.row, key, code, message, value))


class _FileCheck:
    """The check of one file against one database state: what its rows found so far, for the rows after them."""

    def __init__(self, raw: RawFile, ctx: Context):
        self.raw, self.ctx = raw, ctx
        self.out = Validated(errors=list(raw.errors))
        self.vctx = validation_context(ctx.catalogue)
        self.lookup = UnitLookup(ctx.resolver, ctx.units)
        # keys accepted so far, for references: id -> row; and rows already rejected, for clearer messages
        self.file_plans: dict[str, tuple[int, str, int, str | None]] = {}  # plan_id -> (row, province_id, year, number)
        self.file_inspections: dict[str, tuple[int, int]] = {}  # inspection_id -> (row, year)
        self.bad_ids: dict[str, dict[str, int]] = {k: {} for k in ORDER}
        self.seen: dict[str, dict] = {}  # "sheet:what" -> key -> the first row with it
        self.removed: dict[tuple[str, str], dict[str, set[int]]] = {}  # (sheet, column) -> character -> rows
        self.columns = {s.key: {c.key: c for c in s.columns} for s in SHEETS}
        # (sheet, column) -> text -> cells.check's answer: a pure function of the two, and a whole-province file
        # repeats its texts on every row (a source title, a unit name, an indicator code on 200,000 rows)
        self.checked: dict[tuple[str, str], dict[str, cells.Checked]] = {}

    @functools.cached_property
    def plans_by_number(self) -> dict[tuple, str]:
        """(province_id, year, folded number) -> plan_id of the plans in the database."""
        return {(r.province_id, int(r.year), fold(r.number)): r.plan_id for r in self.ctx.plans.itertuples() if r.number}

    def reject(self, sheet: RawSheet, raw: RawRow, errors: list[RowError], ident: str | None = None) -> None:
        self.out.rejected.append(Rejected(sheet.key, sheet.name, raw.row, raw.values, errors))
        self.out.errors.extend(errors)
        if ident is not None:
            self.bad_ids[sheet.key].setdefault(ident, raw.row)

    def reject_row(self, r: RowCheck) -> None:
        self.reject(r.sheet, r.raw, r.errors, r.ident)

    def accept(self, sheet: RawSheet, raw: RawRow, record: dict) -> None:
        self.out.valid[sheet.key].append((raw.row, record))

    def duplicate(self, r: RowCheck, what: str, key, column: str, shown_key: str) -> bool:
        """True, with the row's error, when an earlier row of the file has the same `key` (of kind `what`)."""
        seen = self.seen.setdefault(f"{r.sheet.key}:{what}", {})
        if key in seen:
            r.error(column, "duplicate", both("imp_duplicate", row=seen[key], row_key=shown_key), shown_key)
            return True
        seen[key] = r.raw.row
        return False

    def found(self, r: RowCheck, found: Found) -> str | None:
        """A lookup's unit; its problem becomes the row's error, its notice the file's."""
        if found.miss:
            r.error(found.miss.column, found.miss.code, found.miss.message, found.miss.value)
        if found.notice:
            self.out.notices.append(found.notice)
        return found.unit_id


# Error codes of cells.check: a refused cell (unseen characters in a key, a text too long) stops the row's checks.
_CELL_CODES = frozenset({"too_long", "unseen_character", "bidi_control"})


def _cells(fc: _FileCheck, sheet: RawSheet, raw: RawRow) -> tuple[dict[str, object], list[RowError]]:
    """The row's cells NFC, with the unseen characters of names and texts removed (noted per column) and
    refused in keys, and each within its column's length (importing/cells.py)."""
    values: dict[str, object] = {}
    errors: list[RowError] = []
    columns = fc.columns[sheet.key]
    checked = fc.checked
    for key, value in raw.values.items():
        if isinstance(value, str):
            known = checked.get((sheet.key, key))
            if known is None:
                known = checked[(sheet.key, key)] = {}
            answer = known.get(value)
            if answer is None:
                answer = known[value] = cells.check(value, columns[key])
            value, error, removed = answer
        else:
            value, error, removed = cells.check(value, columns[key])
        values[key] = value
        if error:
            code, vi, en = error
            errors.append(_error(sheet, raw.row, key, code, (vi, en), shown(raw.values[key])))
        for ch in removed:
            fc.removed.setdefault((sheet.name, key), {}).setdefault(ch, set()).add(raw.row)
    return values, errors


def _model(fc: _FileCheck, sheet: RawSheet, raw: RawRow):
    """The row model, or None with every problem of the row's cells (a row with a refused cell is not checked
    against the others: its keys are not what the user meant)."""
    values, errors = _cells(fc, sheet, raw)
    try:
        m = MODELS[sheet.key].model_validate(values, context=fc.vctx)
    except ValidationError as exc:
        for e in exc.errors(include_url=False):
            ctx = e.get("ctx") or {}
            for p in ctx.get("several") or [{"code": e["type"], **ctx}]:
                col = p.get("column") or (e["loc"][0] if e["loc"] else None)
                vi, en = both("imp_invalid_value", detail=e["msg"])
                value = raw.values.get(col) if col else None
                errors.append(_error(sheet, raw.row, col, p["code"], (p.get("vi") or vi, p.get("en") or en),
                                     shown(value) if isinstance(value, str) else value))
        return None, errors
    return (None, errors) if errors else (m, [])


@functools.cache
def _field_adapter(model: type, name: str) -> TypeAdapter:
    """One field of a row model on its own, its validators included (for `_read_row`)."""
    spec = model.model_fields[name]
    return TypeAdapter(Annotated[(spec.annotation, *spec.metadata)])


def _fields(fc: _FileCheck, sheet: RawSheet, raw: RawRow) -> SimpleNamespace:
    """The fields of a row whose model failed that read on their own (the others None)."""
    values, _ = _cells(fc, sheet, raw)
    model = MODELS[sheet.key]
    fields = {}
    for name, spec in model.model_fields.items():
        if name not in values:
            fields[name] = spec.default
            continue
        try:
            fields[name] = _field_adapter(model, name).validate_python(values[name], context=fc.vctx)
        except (ValidationError, PydanticCustomError, ValueError, TypeError):
            fields[name] = None
    return SimpleNamespace(**fields)


def _read_row(fc: _FileCheck, sheet: RawSheet, raw: RawRow, ident: str | None) -> RowCheck:
    """The row model or None as `_model` gives them, and the fields the checks against the units, the database and
    the other rows read. A row whose model failed (a bad date, a value out of range) still has its unit, province
    and references checked with the fields that read on their own, so that every problem of the row is reported at
    once, not the first kind only. None for the fields when a cell was refused (its keys are not what the user meant)."""
    m, errors = _model(fc, sheet, raw)
    if m is not None:
        p = m
    elif any(e.code in _CELL_CODES for e in errors):
        p = None
    else:
        p = _fields(fc, sheet, raw)
    own = None if ident is None else getattr(m, ident) if m is not None else cell_text(raw.values.get(ident))
    return RowCheck(sheet, raw, m, p, errors, own)


# ------------------------------------------------------------------------------------------------ rules

Rule = Callable[[_FileCheck, RowCheck], bool]  # False: the row is rejected at once, its later rules not run
_RESOLVED = frozenset({"province", "unit"})  # key parts the rules resolve (RowCheck.got), the others from the model


def _province(fc: _FileCheck, r: RowCheck) -> bool:
    """The province the row belongs to (plans, inspections, targets), by id or by name in its year's structure."""
    if r.p.province and r.p.year:
        r.got["province"] = fc.found(r, fc.lookup.province(r.p.province, r.p.year))
    return True


def _unit(*, required: bool, year: str) -> Rule:
    """The unit the row belongs to (visits, findings, values, scores), in the structure of the row's year
    (`year="row"`) or of its inspection's (`year="inspection"`, after `_inspection_ref`)."""
    def rule(fc: _FileCheck, r: RowCheck) -> bool:
        p = r.p
        if not (p.unit_id or p.unit_name or p.unit_code):
            if required:
                r.error("unit_name" if "unit_name" in r.sheet.headers else "unit_id", "required", both("imp_unit_id_or_name"))
            return True
        when = r.got.get("inspection_year") if year == "inspection" else p.year
        structure = p.structure or (structure_for_year(when) if when else None)
        r.got["unit"] = fc.found(r, fc.lookup.unit(p, level=p.unit_level or r.sheet.spec.unit_level, structure=structure,
                                                   sheet_name=r.sheet.name))
        return True

    return rule


def _inspection_ref(fc: _FileCheck, r: RowCheck) -> bool:
    """The inspection the row refers to, in the file (accepted) or the database; its year."""
    iid = r.p.inspection_id
    if iid is None:
        return True
    if iid in fc.file_inspections:
        r.got["inspection_year"] = fc.file_inspections[iid][1]
    elif iid in fc.bad_ids["inspections"]:
        r.error("inspection_id", "broken_reference",
                both("imp_inspection_row_has_errors", inspection=iid, row=fc.bad_ids["inspections"][iid]), iid)
    elif iid in fc.ctx.inspections:
        r.got["inspection_year"] = fc.ctx.inspections[iid][0]
    else:
        r.error("inspection_id", "broken_reference", both("imp_inspection_not_found", inspection=iid), iid)
    return True


def _plan_ref(fc: _FileCheck, r: RowCheck) -> bool:
    """An inspection's plan: by id, or by number among the plans of the row's province and year (file, then database)."""
    ref, province, year = r.p.plan_id, r.got.get("province"), r.p.year
    if not (province and ref):
        return True
    if ref in fc.file_plans or ref in set(fc.ctx.plans.plan_id):
        r.got["plan_id"] = ref
    elif ref in fc.bad_ids["plans"]:
        r.error("plan_id", "broken_reference", both("imp_plan_row_has_errors", plan=ref, row=fc.bad_ids["plans"][ref]), ref)
    elif found := next((pid for pid, (_, p_prov, p_year, number) in fc.file_plans.items()
                        if number and fold(number) == fold(ref) and p_prov == province and p_year == year), None):
        r.got["plan_id"] = found
    else:
        db = fc.ctx.plans
        match = db[(db.province_id == province) & (db.year == year) & (db.number.fillna("").map(fold) == fold(ref))]
        if len(match) == 1:
            r.got["plan_id"] = match.plan_id.iloc[0]
        else:
            r.error("plan_id", "broken_reference", both("imp_plan_not_found", plan=ref), ref)
    return True


def _unique(fields: tuple[str, ...], column: str | Callable[[Any], str]) -> Rule:
    """No earlier row of the file with the same natural key (`fields`: of the model, or "province"/"unit" as the
    rules resolved them); looked at only on a row without other problems (`column`: where the error is shown)."""
    def rule(fc: _FileCheck, r: RowCheck) -> bool:
        if r.m is None or r.errors or not all(r.got.get(f) for f in fields if f in _RESOLVED):
            return True
        key = tuple(r.got[f] if f in _RESOLVED else getattr(r.m, f) for f in fields)
        fc.duplicate(r, ",".join(fields), key, column(r.m) if callable(column) else column, ", ".join(map(str, key)))
        return True

    return rule


def _plan_has_province(fc: _FileCheck, r: RowCheck) -> bool:
    """A plan's id and number are its province's: without it the row goes no further."""
    return r.m is not None and r.got.get("province") is not None


def _unique_plan_number(fc: _FileCheck, r: RowCheck) -> bool:
    m = r.m
    r.got["natural"] = natural = (r.got["province"], m.year, fold(m.number)) if m.number else None
    return not (natural and fc.duplicate(r, "number", natural, "number", f"{m.number}, {m.year}"))


def _plan_id(fc: _FileCheck, r: RowCheck) -> bool:
    """The plan's id: as given (its number must not be another plan's in the database), else the database's plan
    with its number, else made from the province, year and number."""
    m, natural, db = r.m, r.got["natural"], fc.plans_by_number
    plan_id = m.plan_id
    if plan_id is None:
        plan_id = db.get(natural) or plan_id_for(r.got["province"], m.year, m.number)
    elif natural in db and db[natural] != plan_id:
        r.error("number", "duplicate", both("imp_plan_in_database", number=m.number, year=m.year, plan=db[natural]), m.number)
    r.got["plan_id"] = r.ident = plan_id
    fc.duplicate(r, "plan_id", plan_id, "plan_id", plan_id)
    return True


def _unique_inspection_id(fc: _FileCheck, r: RowCheck) -> bool:
    """Also on a row with other problems; a repeated id is not remembered as rejected (the first row keeps it)."""
    if r.m is not None and fc.duplicate(r, "inspection_id", r.m.inspection_id, "inspection_id", r.m.inspection_id):
        r.ident = None
    return True


# ------------------------------------------------------------------------------------------------ records

def _src(m) -> tuple[bool, str | None, str | None]:
    return (m.demo, m.source, m.source_url)


def _plan_record(r: RowCheck) -> dict:
    m = r.m
    return {"plan_id": r.got["plan_id"], "number": m.number, "issued_on": m.issued_on, "issuer": m.issuer,
            "province_id": r.got["province"], "year": m.year, "title": m.title, "_src": _src(m)}


def _inspection_record(r: RowCheck) -> dict:
    m = r.m
    return {"inspection_id": m.inspection_id, "plan_id": r.got.get("plan_id"), "province_id": r.got.get("province"),
            "year": m.year, "team_label": m.team_label, "leader_name": m.leader_name, "leader_title": m.leader_title,
            "started_on": m.started_on, "ended_on": m.ended_on, "field_days": m.field_days,
            "announced_on": m.announced_on, "_src": _src(m)}


def _visit_record(r: RowCheck) -> dict:
    return {"inspection_id": r.m.inspection_id, "unit_id": r.got["unit"], "visited_on": r.m.visited_on,
            "what_checked": r.m.what_checked}


def _finding_record(r: RowCheck, finding_id: str) -> dict:
    m = r.m
    followup = m.followup()
    return {"finding_id": finding_id, "inspection_id": m.inspection_id, "unit_id": r.got.get("unit"), "area_code": m.area,
            "kind": m.kind, "topic": m.topic, "text": m.text, "status": m.status, "status_on": m.status_on,
            "resolved_on": m.resolved_on, "follows_up_id": m.follows_up_id, "_src": _src(m),
            # the service writes it to finding_followup, with the row's source (importing/service.py)
            "_followup": None if followup is None else {"finding_id": finding_id, **followup}}


def _value_record(r: RowCheck) -> dict:
    m = r.m
    return {"unit_id": r.got["unit"], "indicator_code": m.indicator, "year": m.year, "period": m.period, "value": m.value,
            "inspection_id": m.inspection_id, "_src": _src(m)}


def _target_record(r: RowCheck) -> dict:
    m = r.m
    return {"indicator_code": m.indicator, "province_id": r.got["province"], "year": m.year, "target_value": m.value,
            "_src": _src(m)}


def _score_record(r: RowCheck) -> dict:
    """A published rank or tier has its own source when the row names one, else the score's."""
    m = r.m
    rank_src = None
    if m.published_rank is not None or m.tier is not None:
        rank_src = (False, m.rank_source, m.rank_source_url) if (m.rank_source or m.rank_source_url) else _src(m)
    return {"unit_id": r.got["unit"], "year": m.year, "family_code": m.family, "area_code": m.area, "score": m.score,
            "published_rank": m.published_rank, "rank_of": m.rank_of, "tier": m.tier, "note": m.note, "_src": _src(m),
            "_rank_src": rank_src}


def _remember_plan(fc: _FileCheck, r: RowCheck) -> None:
    fc.file_plans[r.got["plan_id"]] = (r.raw.row, r.got["province"], r.m.year, r.m.number)


def _remember_inspection(fc: _FileCheck, r: RowCheck) -> None:
    fc.file_inspections[r.m.inspection_id] = (r.raw.row, r.m.year)


# ------------------------------------------------------------------------------------------------ findings

def _findings(fc: _FileCheck, sheet: RawSheet, passed: list[RowCheck]) -> None:
    """The findings whose rows passed their rules: ids, then follow-ups (which refer to other findings of the file)."""
    pending = _finding_ids(fc, passed)
    pending = _follow_up_refs(fc, sheet, pending)
    cycle = _follow_up_cycle(pending, fc.ctx.finding_ids)
    for raw, rec in pending:
        if rec["finding_id"] in cycle:
            error = _error(sheet, raw.row, "follows_up_id", "broken_reference", both("imp_follow_up_circle"), rec["follows_up_id"])
            fc.reject(sheet, raw, [error], rec["finding_id"])
        else:
            fc.accept(sheet, raw, rec)


def _finding_ids(fc: _FileCheck, passed: list[RowCheck]) -> list[tuple[RawRow, dict]]:
    """A finding without an id is known by its content: the database's finding with the same content, else a new id
    made from it. Two rows with the same id, or without one and the same content, are duplicates."""
    by_content = fc.ctx.findings_by_content([r.m.inspection_id for r in passed if r.m.inspection_id in fc.ctx.inspections])
    pending = []
    for r in passed:
        m = r.m
        h = finding_hash(m.inspection_id, r.got.get("unit"), m.kind, m.text)
        fid = m.finding_id
        if fid is None and not r.errors and not fc.duplicate(r, "text", h, "text", m.text[:60]):
            fid = by_content.get(h) or f"{m.inspection_id}-F{h[:10].upper()}"
        if fid and not r.errors:
            fc.duplicate(r, "finding_id", fid, "finding_id", fid)
        if r.errors:
            fc.reject_row(r)
        else:
            pending.append((r.raw, _finding_record(r, fid)))
    return pending


def _follow_up_refs(fc: _FileCheck, sheet: RawSheet, pending: list[tuple[RawRow, dict]]) -> list[tuple[RawRow, dict]]:
    """A follow-up refers to a finding in the database or to another accepted one of the file: the others are
    dropped, until nothing changes (a dropped finding's own follow-ups go next)."""
    while True:
        ok_ids = {rec["finding_id"] for _, rec in pending}
        keep = []
        for raw, rec in pending:
            ref = rec["follows_up_id"]
            if ref is None or ref in fc.ctx.finding_ids or ref in ok_ids and ref != rec["finding_id"]:
                keep.append((raw, rec))
                continue
            if ref == rec["finding_id"]:
                message = both("imp_follows_itself")
            elif ref in fc.bad_ids["findings"]:
                message = both("imp_followed_row_has_errors", finding=ref, row=fc.bad_ids["findings"][ref])
            else:
                message = both("imp_followed_not_found", finding=ref)
            fc.reject(sheet, raw, [_error(sheet, raw.row, "follows_up_id", "broken_reference", message, ref)], rec["finding_id"])
        if len(keep) == len(pending):
            return keep
        pending = keep


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


# ------------------------------------------------------------------------------------------------ the table

@dataclass(frozen=True)
class SheetChecks:
    ident: str | None  # the column of the row's own id (a row referring to a rejected row is told which row)
    rules: tuple[Rule, ...]  # in the order their errors are reported
    record: Callable[[RowCheck], dict] | None  # an accepted row as its table's columns; None: the rows go to `after`
    remember: Callable[[_FileCheck, RowCheck], None] | None = None  # an accepted row, for the rows referring to it
    after: Callable[[_FileCheck, RawSheet, list[RowCheck]], None] | None = None  # the rows that passed, together


SHEET_CHECKS: dict[str, SheetChecks] = {
    "plans": SheetChecks("plan_id", (_province, _plan_has_province, _unique_plan_number, _plan_id), _plan_record,
                         remember=_remember_plan),
    "inspections": SheetChecks("inspection_id", (_province, _plan_ref, _unique_inspection_id), _inspection_record,
                               remember=_remember_inspection),
    "inspection_units": SheetChecks(None, (_inspection_ref, _unit(required=True, year="inspection"),
                                           _unique(("inspection_id", "unit"), lambda m: "unit_name" if m.unit_name else "unit_id")),
                                    _visit_record),
    "findings": SheetChecks("finding_id", (_inspection_ref, _unit(required=False, year="inspection")), None, after=_findings),
    "indicator_values": SheetChecks(None, (_unit(required=True, year="row"), _inspection_ref,
                                           _unique(("unit", "indicator", "year", "period"), "indicator")), _value_record),
    "targets": SheetChecks(None, (_province, _unique(("indicator", "province", "year"), "indicator")), _target_record),
    "scores": SheetChecks(None, (_unit(required=True, year="row"), _unique(("unit", "year", "family", "area"), "family")),
                          _score_record),
}


def _check_sheet(fc: _FileCheck, sheet: RawSheet) -> None:
    """Each row through its sheet's rules, then accepted or rejected with all its problems."""
    spec = SHEET_CHECKS[sheet.key]
    passed = []
    for raw in sheet.rows:
        r = _read_row(fc, sheet, raw, spec.ident)
        ok = r.p is not None and all(rule(fc, r) for rule in spec.rules)
        if not ok or r.m is None or (r.errors and spec.record is not None):
            fc.reject_row(r)
        elif spec.record is None:
            passed.append(r)  # (rejected there, in row order, when something is wrong)
        else:
            fc.accept(sheet, raw, spec.record(r))
            if spec.remember:
                spec.remember(fc, r)
    if spec.after:
        spec.after(fc, sheet, passed)


def _missing_columns(fc: _FileCheck, sheet: RawSheet) -> list[RowError]:
    spec = sheet.spec
    errors = [RowError(sheet.name, sheet.header_row, c.vi, "missing_column",
                       *both("imp_missing_column_help" if c.help_vi else "imp_missing_column", sheet=sheet.name,
                             column=PerLang(c.vi, c.en), help=PerLang(c.help_vi, c.help_en)))
              for c in spec.columns if c.required and c.key not in sheet.columns]
    if spec.has_units and spec.key != "findings" and not {"unit_id", "unit_name", "unit_code"} & set(sheet.columns):
        errors.append(RowError(sheet.name, sheet.header_row, "Tên đơn vị", "missing_column",
                               *both("imp_missing_unit_column", sheet=sheet.name)))
    fc.out.errors.extend(errors)
    return errors


def _removed_notices(fc: _FileCheck) -> None:
    """One notice per column whose names or texts had unseen characters removed: which, and on which rows."""
    by_sheet = {s.name: s for s in fc.raw.sheets}
    for (sheet_name, key), chars in fc.removed.items():
        sheet = by_sheet[sheet_name]
        col = sheet.spec.column(key)
        rows = sorted(set().union(*chars.values()))
        listed = ", ".join(char_label(c) for c in list(chars)[:5]) + (f" (+{len(chars) - 5})" if len(chars) > 5 else "")
        at = ", ".join(map(str, rows[:10])) + ("…" if len(rows) > 10 else "")
        label = "imp_removed_characters" if cells.BREAKS.isdisjoint(chars) else "imp_removed_characters_breaks"
        fc.out.notices.append(both(label, sheet=sheet_name, column=PerLang(sheet.headers.get(key, col.vi), sheet.headers.get(key, col.en)),
                                   listed=listed, count=len(rows), rows=at))


def validate(raw: RawFile, ctx: Context) -> Validated:
    """Every row checked on its own, then against the others and the database."""
    fc = _FileCheck(raw, ctx)
    sheets = {s.key: s for s in raw.sheets}
    for key in ORDER:
        sheet = sheets.get(key)
        if sheet is None:
            continue
        fc.out.sheet_names[key] = sheet.name
        fc.out.rows_read[key] = len(sheet.rows)
        fc.out.valid[key] = []
        missing = _missing_columns(fc, sheet)
        if missing:
            fc.out.rejected.extend(Rejected(key, sheet.name, raw_row.row, raw_row.values, missing) for raw_row in sheet.rows)
            continue
        _check_sheet(fc, sheet)
    _removed_notices(fc)
    fc.out.notices = list(dict.fromkeys(fc.out.notices))
    return fc.out
