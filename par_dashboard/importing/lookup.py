"""The unit or the province a row names, looked up in the list of administrative units: by id, by GSO code or by
name (narrowed by level, structure, province, district; importing/names.py). What is found, or why nothing is:
the column to show the problem on, its code and its message in both languages (labels/import.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from par_dashboard.domain.units import fold, structure_for_year
from par_dashboard.i18n import PerLang, both
from par_dashboard.importing import names
from par_dashboard.importing.template import LEVELS


@dataclass(frozen=True)
class Miss:
    """Why a row names no unit: on which column (its key), the error code, the message (vi, en), the value shown."""

    column: str
    code: str
    message: tuple[str, str]
    value: object = None


@dataclass(frozen=True)
class Found:
    unit_id: str | None
    miss: Miss | None = None
    notice: tuple[str, str] | None = None  # (vi, en): found, with something to tell (a former name, taken by its code)


class UnitLookup:
    """Lookups of one file: each distinct query is resolved once (a file names the same units on many rows)."""

    def __init__(self, resolver: names.UnitResolver, units: dict[str, dict]):
        self.resolver = resolver
        self.units = units
        self._resolved: dict[tuple, names.Resolution] = {}
        self._unit_names: dict[str, set[str]] = {}
        self._found_by_id: dict[tuple, Found] = {}

    def resolve(self, query: str, **kw) -> names.Resolution:
        key = (query, tuple(sorted(kw.items())))
        if key not in self._resolved:
            self._resolved[key] = self.resolver.resolve(query, **kw)
        return self._resolved[key]

    def _is_named(self, uid: str, text: str) -> bool:
        """`text` is the unit's name or short name (folded or normalised) or its GSO code."""
        if uid not in self._unit_names:
            u = self.units[uid]
            self._unit_names[uid] = {fold(u["name"]), fold(u["short_name"]),
                                     names.normalise_name(u["name"]), names.normalise_name(u["short_name"])}
        known = self._unit_names[uid]
        return fold(text) in known or names.normalise_name(text) in known or text == self.units[uid]["code"]

    def province(self, text: str, year: int) -> Found:
        """A row's province, by id or by name in the structure of its year."""
        uid = text.strip().upper()
        if uid in self.units and self.units[uid]["level"] == "province":
            return Found(uid)
        res = self.resolve(text, level="province", structure=structure_for_year(year))
        if res.unit_id is not None:
            return Found(res.unit_id)
        vi, en = both("imp_province_not_found", text=text)
        return Found(None, Miss("province", "ambiguous_unit" if len(res.candidates) > 1 else "unknown_unit",
                                ((res.error_vi or vi).rstrip("."), (res.error_en or en).rstrip(".")), text))

    def unit(self, m, *, level: str | None, structure: str | None, sheet_name: str) -> Found:
        """The unit a row names (`m`: its unit_id, unit_name, unit_code, unit_province, unit_district): by id, else by
        GSO code and name, at `level` in `structure` when given. The row names one (checks.py says so when not)."""
        if m.unit_id:
            return self._by_id(m, level)
        kw = {"level": level, "structure": structure, "province": m.unit_province, "district": m.unit_district}
        by_code = self.resolve(m.unit_code, **kw) if m.unit_code else None
        if by_code is not None and by_code.unit_id is None:
            return self._not_found("unit_code", m.unit_code, by_code)
        if not m.unit_name:
            return Found(by_code.unit_id)
        by_name = self.resolve(m.unit_name, **kw)
        if by_code is None:
            return Found(by_name.unit_id) if by_name.unit_id is not None else self._not_found("unit_name", m.unit_name, by_name)
        return self._code_and_name(m, by_code.unit_id, by_name, sheet_name)

    def _by_id(self, m, level: str | None) -> Found:
        """By id; a name or a GSO code given beside it must be the same unit's. Remembered for the file: its rows
        name the same few thousand units again and again, and the answer depends on these cells and the level only."""
        key = (m.unit_id, m.unit_name, m.unit_code, m.unit_level, level)
        found = self._found_by_id.get(key)
        if found is None:
            found = self._found_by_id[key] = self._find_by_id(m, level)
        return found

    def _find_by_id(self, m, level: str | None) -> Found:
        uid = m.unit_id.strip().upper()
        if uid not in self.units:
            return Found(None, Miss("unit_id", "unknown_unit", both("imp_unknown_unit_id", unit=m.unit_id), m.unit_id))
        u = self.units[uid]
        if level and u["level"] != level:
            level_name = PerLang(LEVELS[level][0], LEVELS[level][1].lower())
            return Found(None, Miss("unit_level", "unit_mismatch",
                                    both("imp_unit_not_at_level", unit=uid, name=u["name"], level=level_name), m.unit_level))
        for text in (m.unit_name, m.unit_code):
            if text and not self._is_named(uid, text):
                res = self.resolve(text, level=u["level"], structure=u["structure"], province=u["province_id"])
                if res.unit_id != uid:
                    column = "unit_name" if text == m.unit_name else "unit_code"
                    return Found(None, Miss(column, "unit_mismatch", both("imp_not_this_unit", text=text, unit=uid, name=u["name"]),
                                            text))
        return Found(uid)

    def _code_and_name(self, m, uid: str, by_name: names.Resolution, sheet_name: str) -> Found:
        """A GSO code and a name both given: the code's unit, when the name is that unit's or no unit's."""
        if by_name.unit_id == uid:
            return Found(uid)
        listed = self.units[uid]["name"]
        if by_name.unit_id is None and not by_name.candidates:
            # a former or unusual name ("Thừa Thiên Huế" for today's Thành phố Huế): the official code decides
            return Found(uid, notice=both("imp_name_differs_from_code", sheet=sheet_name, name=m.unit_name, code=m.unit_code,
                                          listed=listed))
        return Found(None, Miss("unit_name", "unit_mismatch",
                                both("imp_code_and_name_differ", code=m.unit_code, unit=uid, listed=listed, name=m.unit_name),
                                m.unit_name))

    @staticmethod
    def _not_found(column: str, text: str, res: names.Resolution) -> Found:
        """No unit, or several: the resolver's message, with the same-named units listed when it does not list them."""
        ambiguous = len(res.candidates) > 1
        said = ((res.error_vi or "").rstrip("."), (res.error_en or "").rstrip("."))
        if ambiguous and not any(c_id in said[0] for c_id, _ in res.candidates):
            listed = "; ".join(f"{c_id} ({descr})" for c_id, descr in res.candidates)
            said = both("imp_same_name_units", error=PerLang(*said), listed=listed)
        if not said[0]:
            said = both("imp_unit_not_found", text=text)
        return Found(None, Miss(column, "ambiguous_unit" if ambiguous else "unknown_unit", said, text))
