"""The domain's catalogue, read once from data/seed/: the index families (in the order the pages offer them, and
which of them rank places), the eight PAR areas. The build loads the same files into the tables index_family and
par_area, so Python and SQL read one source; the 1/7/2025 structure switch lives in domain/units.py
(FIRST_YEAR_S34, from the admin_structure rows).

A new index family is a row of data/seed/index_families.csv (ranked=true if places are ranked on it)."""

from __future__ import annotations

import csv

from par_dashboard.paths import SEED_DIR


def _rows(name: str) -> list[dict[str, str]]:
    with open(SEED_DIR / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


S63_VALID_FROM = "2008-08-01"  # Hà Tây merged into Hà Nội: 63 provinces from then
S63_VALID_TO = "2025-06-30"
S34_VALID_FROM = "2025-07-01"  # Resolution 202/2025/QH15

# The one home of the 1/7/2025 switch: the first year reported in the 34-province structure (the structure in force
# at the end of the year; SQL says the same from the admin_structure rows, see queries/par_score_by_province_year.sql).
# Here, not in units.py: the chart and map modules need it without loading the gazetteer (vietnamadminunits, shapely).
FIRST_YEAR_S34 = int(S34_VALID_FROM[:4])


def structure_for_year(year: int) -> str:
    """The structure in force at the end of a year, which its reporting follows: S34 from 2025 on."""
    return "S34" if year >= FIRST_YEAR_S34 else "S63"


_FAMILY_ROWS = _rows("index_families.csv")

FAMILIES: tuple[str, ...] = tuple(r["family_code"] for r in _FAMILY_ROWS)
"""Every index family, in the catalogue's order."""

RANKED_FAMILIES: tuple[str, ...] = tuple(r["family_code"] for r in _FAMILY_ROWS if r["ranked"] == "true")
"""The families places are ranked on (the operational indicators OPS are not an index)."""

AREAS: tuple[str, ...] = tuple(r["area_code"] for r in sorted(_rows("par_areas.csv"), key=lambda r: int(r["number"])))
"""The eight PAR areas A1..A8, in their official order."""
