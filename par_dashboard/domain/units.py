"""Administrative units of both structures, and the old -> new crosswalk, from `vietnamadminunits`.

Unit ids carry the structure, because the official codes of the two structures overlap
(commune 00004 is Trúc Bạch before 01/07/2025 and Ba Đình after):

    S63-P-20     Tỉnh Lạng Sơn (63-province structure)
    S63-D-180    Huyện Cao Lộc
    S63-C-06184  a commune of the old structure
    S34-P-20     Tỉnh Lạng Sơn (34-province structure)
    S34-C-06184  a commune of the new structure
    S63-S-20-SNV Sở Nội vụ of Lạng Sơn (departments: province code + abbreviation)
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
from vietnamadminunits.converter import converter_2025
from vietnamadminunits.database.main import get_data

from par_dashboard.domain.catalogue import (  # noqa: F401 - the switch's home is the catalogue; here for callers
    FIRST_YEAR_S34,
    S34_VALID_FROM,
    S63_VALID_FROM,
    S63_VALID_TO,
    structure_for_year,
)
from par_dashboard.i18n import pick
from par_dashboard.paths import SEED_DIR

STRUCTURES = [
    {
        "structure": "S63",
        "name_vi": "63 tỉnh, thành phố (có cấp huyện, đến 30/06/2025)",
        "name_en": "63 provinces with districts (to 30/06/2025)",
        "valid_from": S63_VALID_FROM,
        "valid_to": S63_VALID_TO,
        "legal_basis": "NQ 15/2008/QH12 (Hà Tây hợp nhất vào Hà Nội từ 01/08/2008)",
    },
    {
        "structure": "S34",
        "name_vi": "34 tỉnh, thành phố (không có cấp huyện, từ 01/07/2025)",
        "name_en": "34 provinces, no districts (from 01/07/2025)",
        "valid_from": S34_VALID_FROM,
        "valid_to": None,
        "legal_basis": "NQ 202/2025/QH15 (12/06/2025)",
    },
]




# The type word of a unit's official name in English; the proper name stays Vietnamese ("Tỉnh Lạng Sơn" is "Lạng
# Sơn Province" on the English pages, "Huyện Cao Lộc" "Cao Lộc District"). A department keeps its official name.
UNIT_TYPE_EN = {"Tỉnh": "Province", "Thành phố": "City", "Huyện": "District", "Quận": "Urban District",
                "Thị xã": "Town", "Phường": "Ward", "Xã": "Commune", "Thị trấn": "Township", "Đặc khu": "Special Zone"}


def display_name(name: str, short_name: str | None, unit_type: str | None, lang: str) -> str:
    """A unit's name as a page in `lang` shows it: the official name in Vietnamese, "<proper name> <Type>" in English."""
    type_words = pick({}, UNIT_TYPE_EN, lang)  # a Vietnamese page translates no type word
    if not isinstance(short_name, str) or unit_type not in type_words:
        return name
    return f"{short_name} {type_words[unit_type]}"


@functools.lru_cache(maxsize=1 << 16)  # an import folds the same few thousand unit names on 200,000+ rows
def fold(text: str | None) -> str:
    """Lower-case ASCII without diacritics or spacing: 'Thanh Loà' and 'thanh lòa' both give 'thanhloa'.

    Used for diacritic-blind search and for matching the package's own keys.
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", stripped.lower())


def unit_id(structure: str, level: str, code: str) -> str:
    return f"{structure}-{_LEVEL_LETTER[level]}-{code}"


_LEVEL_LETTER = {"province": "P", "district": "D", "commune": "C", "department": "S"}


def _province_type(official_name: str) -> str:
    return "Thành phố" if official_name.startswith("Thành phố") else "Tỉnh"


@dataclass(frozen=True)
class AdminData:
    units: pd.DataFrame
    crosswalk: pd.DataFrame


def load_admin_units() -> AdminData:
    """Both structures and the crosswalk, as DataFrames shaped like the `admin_unit` and `unit_crosswalk` tables."""
    legacy = pd.DataFrame(get_data(table="admin_units_legacy"))
    current = pd.DataFrame(get_data(table="admin_units"))
    rows: list[dict] = []

    # --- 63-province structure: provinces, districts, communes
    for rec in legacy.drop_duplicates("provinceCode").itertuples():
        rows.append(_row("S63", "province", rec.provinceCode, rec.province, rec.provinceShort,
                         _province_type(rec.province), None, None, rec.provinceLat, rec.provinceLon))
    for rec in legacy.drop_duplicates("districtCode").itertuples():
        pid = unit_id("S63", "province", rec.provinceCode)
        rows.append(_row("S63", "district", rec.districtCode, rec.district, rec.districtShort,
                         rec.districtType, pid, pid, rec.districtLat, rec.districtLon))
    for rec in legacy.dropna(subset=["wardCode"]).itertuples():
        rows.append(_row("S63", "commune", rec.wardCode, rec.ward, rec.wardShort, rec.wardType,
                         unit_id("S63", "district", rec.districtCode), unit_id("S63", "province", rec.provinceCode),
                         rec.wardLat, rec.wardLon))

    # --- 34-province structure: provinces, communes
    for rec in current.drop_duplicates("provinceCode").itertuples():
        rows.append(_row("S34", "province", rec.provinceCode, rec.province, rec.provinceShort,
                         _province_type(rec.province), None, None, rec.provinceLat, rec.provinceLon))
    for rec in current.itertuples():
        pid = unit_id("S34", "province", rec.provinceCode)
        rows.append(_row("S34", "commune", rec.wardCode, rec.ward, rec.wardShort, rec.wardType,
                         pid, pid, rec.wardLat, rec.wardLon))

    # --- provincial departments (Sở), inspected and ranked like the other units
    for structure, provinces in (("S63", legacy), ("S34", current)):
        for rec in provinces.drop_duplicates("provinceCode").itertuples():
            pid = unit_id(structure, "province", rec.provinceCode)
            for dept in departments(structure):
                if dept.get("only_in") and pid not in dept["only_in"].split():
                    continue  # a unit only some provinces have (or only some published a figure for)
                rows.append(_row(structure, "department", f"{rec.provinceCode}-{dept['abbr']}",
                                 f"{dept['name']} {rec.province.replace('Thành phố ', 'TP. ')}",
                                 dept["name"], "Sở", pid, pid, None, None))

    units = pd.DataFrame(rows)
    return AdminData(units=units, crosswalk=_crosswalk(legacy, current))


def _row(structure, level, code, name, short_name, unit_type, parent_id, province_id, lat, lon) -> dict:
    s63 = structure == "S63"
    return {
        "unit_id": unit_id(structure, level, code),
        "structure": structure,
        "level": level,
        "code": code,
        "name": name,
        "short_name": short_name,
        "unit_type": unit_type,
        "parent_id": parent_id,
        "province_id": province_id,
        "lat": lat,
        "lon": lon,
        "search_key": fold(short_name),
        "valid_from": S63_VALID_FROM if s63 else S34_VALID_FROM,
        "valid_to": S63_VALID_TO if s63 else None,
    }


def departments(structure: str) -> list[dict]:
    """The provincial departments of a structure (data/seed/departments.csv); `only_in` lists the provinces that
    have one, where not all do."""
    with open(SEED_DIR / "departments.csv", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if structure in r["structures"].split()]


def _crosswalk(legacy: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Old unit -> new unit, read from the package's own conversion tables (converter_2025.json).

    Provinces merge whole; districts roll up to the new province of their old province (districts were
    abolished, their communes went to several new communes); communes follow the package, a split
    commune listing every new commune it went into with the default one marked.
    """
    new_province_by_key = _KeyIndex(current.drop_duplicates("provinceCode")[["provinceKey", "provinceCode"]].itertuples(index=False))
    old_province_by_key = _KeyIndex(legacy.drop_duplicates("provinceCode")[["provinceKey", "provinceCode"]].itertuples(index=False))
    new_commune_by_key = _KeyIndex(
        (f"{p}_{w}", c) for p, w, c in current[["provinceKey", "wardKey", "wardCode"]].itertuples(index=False))
    old_commune_by_key = _KeyIndex(
        (f"{p}_{d}_{w}", c)
        for p, d, w, c in legacy.dropna(subset=["wardCode"])[["provinceKey", "districtKey", "wardKey", "wardCode"]].itertuples(index=False))
    # Island districts had no communes; the package keys them "province_district_" and they became special zones.
    island_districts = _KeyIndex(
        (f"{p}_{d}_", c) for p, d, c in legacy[legacy.wardCode.isna()][["provinceKey", "districtKey", "districtCode"]].itertuples(index=False))

    rows: list[tuple[str, str, bool]] = []
    old_to_new_province: dict[str, str] = {}
    for new_key, old_keys in converter_2025.DICT_PROVINCE.items():
        new_code = new_province_by_key.get(new_key)
        for old_key in old_keys:
            old_code = old_province_by_key.get(old_key)
            old_to_new_province[old_code] = new_code
            rows.append((unit_id("S63", "province", old_code), unit_id("S34", "province", new_code), True))

    for rec in legacy.drop_duplicates("districtCode").itertuples():
        rows.append((unit_id("S63", "district", rec.districtCode),
                     unit_id("S34", "province", old_to_new_province[rec.provinceCode]), True))

    for new_pkey, wards in converter_2025.DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for new_wkey, old_keys in wards.items():
            new_code = new_commune_by_key.get(f"{new_pkey}_{new_wkey}")
            for old_key in old_keys:
                old_code = old_commune_by_key.get(old_key)
                if new_code and old_code:
                    rows.append((unit_id("S63", "commune", old_code), unit_id("S34", "commune", new_code), True))
                elif new_code and (island := island_districts.get(old_key)):
                    rows.append((unit_id("S63", "district", island), unit_id("S34", "commune", new_code), True))
    for new_pkey, olds in converter_2025.DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, targets in olds.items():
            old_code = old_commune_by_key.get(old_key)
            for t in targets:
                new_code = new_commune_by_key.get(f"{new_pkey}_{t['newWardKey']}")
                if new_code and old_code:
                    rows.append((unit_id("S63", "commune", old_code), unit_id("S34", "commune", new_code),
                                 bool(t["isDefaultNewWard"])))

    cw = pd.DataFrame(rows, columns=["old_unit_id", "new_unit_id", "is_default"])
    # A commune listed both as whole and as split keeps one row; "default" wins.
    return (cw.sort_values("is_default", ascending=False)
              .drop_duplicates(["old_unit_id", "new_unit_id"])
              .sort_values(["old_unit_id", "new_unit_id"])
              .reset_index(drop=True))


class _KeyIndex:
    """The package's keys -> codes. Its keys keep diacritics where plain ASCII would collide
    ('phườngsapa' Sa Pa vs 'phườngsapả' Sa Pả), so match exactly first, and fall back to the
    folded key only where that is unambiguous (the package spells a few keys both ways)."""

    def __init__(self, pairs):
        self.exact: dict[str, str] = {}
        folded: dict[str, set[str]] = {}
        for key, code in pairs:
            self.exact[key] = code
            folded.setdefault(_fold_key(key), set()).add(code)
        self.folded = {k: next(iter(v)) for k, v in folded.items() if len(v) == 1}

    def get(self, key: str) -> str | None:
        return self.exact.get(key) or self.folded.get(_fold_key(key))


def _fold_key(key: str) -> str:
    return "_".join(fold(part) for part in key.split("_"))


_TYPE_WORDS = ("thanhpho", "tinh", "tp", "huyen", "quan", "thixa", "tx", "thitran", "tt", "xa", "phuong", "dackhu")


def search_variant(text: str) -> str:
    """A search text as `queries/unit_search.sql` compares it: folded, leading unit-type words dropped
    ("huyện Đắk Song" -> "daksong"), and spelling variants merged (y ~ i, k ~ c) on both sides."""
    words = [fold(w) for w in str(text).split()]
    words = [w for w in words if w]
    while len(words) > 1 and words[0] in _TYPE_WORDS:
        words = words[1:]
    if len(words) > 1 and words[0] + words[1] in _TYPE_WORDS:  # "thành phố …", "thị xã …", "thị trấn …", "đặc khu …"
        words = words[2:] or words
    return "".join(words).replace("y", "i").replace("k", "c")


def regions() -> dict[str, str]:
    """S63 province id -> its socio-economic region as the published regional averages name it
    (data/seed/regions.csv: the six regions of the General Statistics Office, also those of the national
    master plan, Resolution 81/2023/QH15)."""
    with open(SEED_DIR / "regions.csv", encoding="utf-8") as f:
        return {unit_id("S63", "province", r["code"]): r["region"] for r in csv.DictReader(f)}
