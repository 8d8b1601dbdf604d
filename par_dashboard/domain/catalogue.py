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


_FAMILY_ROWS = _rows("index_families.csv")

FAMILIES: tuple[str, ...] = tuple(r["family_code"] for r in _FAMILY_ROWS)
"""Every index family, in the catalogue's order."""

RANKED_FAMILIES: tuple[str, ...] = tuple(r["family_code"] for r in _FAMILY_ROWS if r["ranked"] == "true")
"""The families places are ranked on (the operational indicators OPS are not an index)."""

AREAS: tuple[str, ...] = tuple(r["area_code"] for r in sorted(_rows("par_areas.csv"), key=lambda r: int(r["number"])))
"""The eight PAR areas A1..A8, in their official order."""
