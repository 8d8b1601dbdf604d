"""Queries answered from the rows of a wider query, without DuckDB: `SLICES[name]` says which query holds the rows of
`name` for every value of a parameter, and how to take them out.

Why: a query costs DuckDB 5-40 ms whatever its rows, most of it planning, and under 20 sessions at once each of
those milliseconds waits behind the others (issue 17: the profile page asked unit_indicator_card once per unit and
year — 116 times in 45 s of the benchmark's load, a third of the time its queries took). One query per year, kept
(par_dashboard/store/cache.py), answers every unit of that year; taking one unit's rows out costs 2-4 ms in pandas.

Each slice must give exactly what its query gives — rows, order, columns and types: tests/test_query_parts.py
states it for every entry here, hypothesis choosing the parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pandas as pd


def rows_of(rows: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """The rows whose `column` is `value`, in their order, without that column, numbered from 0 as a query's are."""
    return rows_where(rows, {column: value}).drop(columns=column)


def rows_in(rows: pd.DataFrame, column: str, values) -> pd.DataFrame:
    """The rows whose `column` is one of `values`, in their order, numbered from 0 as a query's are."""
    return as_duckdb_gives(rows[rows[column].isin(list(values)).fillna(False).astype(bool)].reset_index(drop=True))


def rows_where(rows: pd.DataFrame, equal: dict, columns: list[str] | None = None) -> pd.DataFrame:
    """The rows where each column of `equal` has its value (a NULL equals nothing), in their order, numbered from 0 as
    a query's are, with `columns` only if given."""
    chosen = pd.Series(True, index=rows.index)
    for column, value in equal.items():
        chosen &= (rows[column] == value).fillna(False).astype(bool)
    part = rows[chosen].reset_index(drop=True)
    return as_duckdb_gives(part if columns is None else part[columns])


def as_duckdb_gives(frame: pd.DataFrame) -> pd.DataFrame:
    """A part of a query's result with the types DuckDB gives a result of those rows: a column of integers or
    booleans is nullable (Int32, boolean) only where it holds a NULL (numpy's int32, bool otherwise); a text column
    without a text (an empty result's, or all NULL) is object."""
    types = {}
    for c in frame.columns:
        dtype = frame[c].dtype
        if isinstance(dtype, pd.StringDtype):
            if frame[c].isna().all():
                types[c] = object
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype) and getattr(dtype, "numpy_dtype", None) is not None \
                and not frame[c].isna().any():
            types[c] = dtype.numpy_dtype
    if not types:
        return frame
    frame = frame.astype(types)
    for c, kind in types.items():
        if kind is object:  # DuckDB's NULL text is None
            frame[c] = pd.Series([None] * len(frame), index=frame.index, dtype=object)
    return frame


@dataclasses.dataclass(frozen=True)
class Slice:
    source: str                                            # the query holding the rows for every value
    whole: Callable[[dict], dict]                          # its parameters, from those of the query sliced
    part: Callable[[pd.DataFrame, dict], pd.DataFrame]     # the sliced query's result, from the source's rows
    applies: Callable[[dict], bool] = lambda p: True       # for which parameters (the others ask DuckDB)


def _subunits(rows: pd.DataFrame, p: dict) -> pd.DataFrame:
    equal = {"province_id": p["province_id"], "level": p["level"], **({"parent_id": p["parent_id"]} if p["parent_id"] else {})}
    return rows_where(rows, equal, ["unit_id", "name", "short_name", "unit_type", "parent_id"])


SLICES: dict[str, Slice] = {
    # a unit's indicators of a year, from every unit's of that year
    "unit_indicator_card": Slice("unit_indicator_cards_year", lambda p: {"year": p["year"]},
                                 lambda rows, p: rows_of(rows, "subject_id", p["unit_id"])),
    # a unit, and a province's districts, communes or departments, from every unit
    "unit_by_id": Slice("admin_units_all", lambda p: {}, lambda rows, p: rows_where(rows, {"unit_id": p["unit_id"]})),
    "subunits_of_province": Slice("admin_units_all", lambda p: {}, _subunits),
    # the team visits of a year in some provinces, from the whole country's of that year (which the warming keeps)
    "inspection_by_selection": Slice("inspection_by_selection", lambda p: {**p, "provinces": []},
                                     lambda rows, p: rows_in(rows, "province_id", p["provinces"]),
                                     applies=lambda p: bool(p["provinces"]) and not p["units"]),
    # the follow-up of some provinces' findings, from the whole country's as of the same day (the country deck's)
    "followup_items": Slice("followup_items", lambda p: {**p, "provinces": []},
                            lambda rows, p: rows_in(rows, "province_id", p["provinces"]),
                            applies=lambda p: bool(p["provinces"]) and not p["units"]),
    # what a unit became and what it absorbed, from every unit's
    "unit_lineage": Slice("unit_lineage_all", lambda p: {}, lambda rows, p: rows_of(rows, "subject_id", p["unit_id"])),
}
