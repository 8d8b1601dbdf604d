"""Synthetic data at the size of the real country and beyond, for speed and load tests:
`python -m bench.scale [--db PATH] --scale S` builds the ordinary database with these rows on top (build_scaled).

Scale 1 is the whole country over ten years: every province, district, commune and department of the old
structure (S63) for 2016-2024 and of the new one (S34) for 2025, each with its PAR INDEX total and 8 areas,
SIPAS, the 766 service index (from 2023) and the operational indicators (about 30 values per unit and year,
≈ 1.8 million in `indicator_value` and 1.1 million in `score`), 50,000 inspections with the units they visited
and ≈ 500,000 findings. A scale below 1 keeps that share of the units (the same ones at every scale) and of
the inspections; a scale above 1 multiplies the inspections and findings, and the operational indicators by
giving that share of the units their quarterly and monthly values too (the portal's monthly figures: dossier
flows and the digital-government rates; the year is the sum or the mean of its months). Past about 13 every
unit has them and only inspections and findings keep growing.

The rules of `par_dashboard/building/demo.py` hold (this reads only its public names, listed there): the same scale gives the same rows (one numpy PCG64 stream per name, seeded with
the demo seed); every row carries a synthetic-demo source; rows already in the database (published figures,
transcribed reports, the fitted demo) are never replaced — the generator only adds keys they lack, and shifts
each unit's series so that it runs on smoothly into and out of the values the unit already has.

Everything is computed on dense (unit × year) arrays and written through DuckDB from pandas frames, with no
Python loop over rows (the loops run over levels, years, months and follow-up generations).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from par_dashboard.building import demo
from par_dashboard.building.build import ExtraRows, build
from par_dashboard.paths import DEFAULT_DB

SCALE_SOURCE_TITLE = ("Dữ liệu mô phỏng quy mô lớn (hệ số {scale:g}, sinh tự động, có tất định, seed {seed}) — "
                      "không phải số liệu thật, dùng để đo tốc độ")

YEARS = np.arange(2016, 2026)
S34_YEAR = 2025
INSPECTIONS_PER_SCALE = 50_000
SUB_YEAR_PERIODS = ["Q1", "Q2", "Q3", "Q4"] + [f"M{m:02d}" for m in range(1, 13)]

# National means the sub-national series follow, extended back from the demo's to 2016.
_TREND = {"PAR_INDEX": {2016: 78.6, 2017: 79.8, **demo.PAR_TREND}, "SIPAS": {2016: 78.3, 2017: 79.0, **demo.SIPAS_TREND}}
# (spread of provinces, gap of a sub-unit below its parent, spread of sub-units around the parent)
_SCORE_SHAPE = {"PAR_INDEX": (2.6, 2.5, 3.0), "SIPAS": (2.8, 1.0, 2.5)}
# Percentage indicators as in demo.py: level in 2018, yearly gain, spread between units (points of %).
_OPS_PCT = {
    "OPS_ONTIME_PCT": (95.0, 0.6, 1.5),
    "OPS_ONLINE_DVC_PCT": (30.0, 9.0, 8.0),
    "OPS_ONLINE_RECEIVED_PCT": (15.0, 9.0, 7.0),
    "OPS_ONLINE_PAYMENT_PCT": (5.0, 8.0, 6.0),
    "OPS_DIGITISED_PCT": (20.0, 11.0, 8.0),
    "OPS_EDOC_PCT": (80.0, 3.0, 4.0),
    "OPS_DIGITAL_SIGNATURE_PCT": (70.0, 4.0, 5.0),
    "OPS_TASKS_DONE_PCT": (88.0, 1.2, 3.5),
}
# Targets as in demo.py (level in 2018, yearly gain), set by provinces.
_TARGETS = {"OPS_ONTIME_PCT": (95.0, 0.5), "OPS_ONLINE_DVC_PCT": (30.0, 9.0), "OPS_ONLINE_RECEIVED_PCT": (15.0, 8.0),
            "OPS_ONLINE_PAYMENT_PCT": (10.0, 7.0), "OPS_DIGITISED_PCT": (30.0, 10.0), "OPS_EDOC_PCT": (85.0, 2.0),
            "OPS_DIGITAL_SIGNATURE_PCT": (80.0, 3.0), "OPS_TASKS_DONE_PCT": (100.0, 0.0)}
_FLOWS = ["OPS_DOSSIERS_RECEIVED", "OPS_OVERDUE_DOSSIERS", "OPS_APOLOGY_LETTERS", "OPS_RETURNED_NO_REASON"]
_MONTHLY_RATES = ["OPS_ONLINE_DVC_PCT", "OPS_ONLINE_RECEIVED_PCT", "OPS_ONLINE_PAYMENT_PCT", "OPS_DIGITISED_PCT",
                  "OPS_EDOC_PCT", "OPS_DIGITAL_SIGNATURE_PCT"]
MONTHLY_CODES = _FLOWS + ["OPS_ONTIME_PCT", "OPS_APOLOGY_PCT", "OPS_PENDING_DOSSIERS"] + _MONTHLY_RATES
# Dossiers by month: fewer around Tết (February), more before the year closes.
_SEASON = np.array([0.95, 0.70, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.05, 1.10, 1.20])
# Levels that cut procedures' handling time (the Cao Lộc report states it for a district).
_CUTTING_LEVELS = ("province", "district", "department")

# What a visit looks at, and how an inspection picks its units: (level, share) of the first unit visited.
_WHAT_CHECKED = {"department": "Công tác CCHC của sở và Bộ phận một cửa",
                 "district": "UBND cấp huyện, Bộ phận một cửa và hồ sơ CCHC",
                 "commune": "UBND cấp xã, Bộ phận một cửa và hồ sơ CCHC"}
_FIRST_VISIT = {"S63": (("department", 0.2), ("district", 0.3), ("commune", 0.5)),
                "S34": (("department", 0.25), ("commune", 0.75))}
# Findings per visit (inclusive ranges) and the chance that a limitation is still there at the next visit.
_PER_VISIT = {"result": (2, 4), "limitation": (1, 2), "recommendation": (1, 2)}
_RECURS = 0.3
_KINDS = ["result", "limitation", "recommendation"]
_CATEGORIES = {
    "indicator_code": sorted(["OPS_DOSSIERS_RECEIVED", "OPS_OVERDUE_DOSSIERS", "OPS_APOLOGY_LETTERS", "OPS_APOLOGY_PCT",
                              "OPS_RETURNED_NO_REASON", "OPS_PENDING_DOSSIERS", "OPS_TASKS_TOTAL", "OPS_TASKS_DONE",
                              "OPS_TTHC_CUT_COUNT", "OPS_TTHC_DAYS_BEFORE", "OPS_TTHC_DAYS_AFTER", *_OPS_PCT]),
    "period": sorted(["Y", *SUB_YEAR_PERIODS]),
    "family_code": sorted(["PAR_INDEX", "SIPAS", "SI766"]),
    "area_code": sorted(["TOTAL", *demo.AREAS]),
}


def _rng(*key) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([demo.SEED, zlib.crc32(repr(key).encode())])))


def build_scaled(db_path: Path, scale: float, progress=None) -> dict:
    """The ordinary build of `db_path` with the scale rows on top (1 = the whole country over ten years); what
    `build` returns, with the scale."""
    return build(db_path, progress=progress, extra=scale_rows(scale))


def scale_rows(scale: float) -> ExtraRows:
    if not scale > 0:
        raise ValueError(f"scale must be positive, not {scale}")
    return ExtraRows(title=SCALE_SOURCE_TITLE.format(scale=scale, seed=demo.SEED), file="bench/scale.py",
                     step=f"Sinh dữ liệu mô phỏng quy mô lớn (hệ số {scale:g})", note=f"built from data/ with scale {scale:g}",
                     add=lambda con, source_id, as_of: extend(con, scale, source_id, as_of), figures={"scale": scale})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale",
                                     description="build the database from data/ with synthetic national-scale rows on top")
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    parser.add_argument("--scale", type=float, required=True,
                        help="1 = the whole country, 10 years; 10 for stress")
    args = parser.parse_args(argv)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    result = build_scaled(args.db, args.scale, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
    print(json.dumps({"database": str(args.db), **result}, ensure_ascii=False, indent=2))
    return 0


def extend(con: duckdb.DuckDBPyConnection, scale: float, source_id: int, as_of: dt.date) -> None:
    """Add the scale rows to a database that already holds the published, report and demo rows."""
    grid = _Grid(con, scale)
    with _Writers(con) as write:
        values = _operational(con, grid)
        write(_VALUES, _remember_value_keys)
        write(_VALUES, _append, "indicator_value", _yearly(grid, values).assign(source_id=source_id),
              anti_join="_had", order=_VALUE_KEY)
        write(_SCORES, _append, "score", _scores(con, grid).assign(source_id=source_id), order=_SCORE_KEY)
        write(_SCORES, _append, "target", _targets(con, grid).assign(source_id=source_id))
        _inspections(con, grid, scale, source_id, as_of, write)
        if scale > 1:
            for months in _sub_year(grid, values, scale):
                write(_VALUES, _append, "indicator_value", months.assign(source_id=source_id), anti_join="_had", order=_VALUE_KEY)


class _Writers:
    """Insert lanes, each a thread with its own connection, running its inserts in the order given.

    DuckDB maintains a table's primary-key index and checks its foreign keys on one core, and lets go of the
    GIL meanwhile: so the indicator values, the scores and the inspection tables go in side by side while the
    main thread generates the next frames (on 2 cores, a third faster than one insert after the other). A
    lane holds at most two frames waiting, which bounds the memory at scale 10."""

    def __init__(self, con: duckdb.DuckDBPyConnection, lanes: int = 3) -> None:
        self._cons = [con.cursor() for _ in range(lanes)]
        self._pools = [ThreadPoolExecutor(max_workers=1) for _ in range(lanes)]
        self._waiting: list[list[Future]] = [[] for _ in range(lanes)]

    def __call__(self, lane: int, fn, *args, **kwargs) -> None:
        waiting = self._waiting[lane]
        while len(waiting) >= 2:
            waiting.pop(0).result()
        waiting.append(self._pools[lane].submit(fn, self._cons[lane], *args, **kwargs))

    def __enter__(self) -> _Writers:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                for waiting in self._waiting:
                    for future in waiting:
                        future.result()  # raises a lane's error here
        finally:
            for pool in self._pools:
                pool.shutdown(cancel_futures=True)
            for c in self._cons:
                c.close()


_VALUES, _SCORES, _INSPECTIONS = 0, 1, 2


# ---------------------------------------------------------------- units and years
class _Grid:
    """Every unit (sorted by id) × the ten years, with which cells exist (a unit belongs to one structure)
    and which this scale keeps."""

    def __init__(self, con: duckdb.DuckDBPyConnection, scale: float) -> None:
        self.units = con.sql("""SELECT unit_id, structure, level, code, short_name, unit_type, parent_id, province_id
                                FROM admin_unit ORDER BY unit_id""").df()
        self.ids = pd.Index(self.units.unit_id)
        self.n = len(self.units)
        self.level = self.units.level.to_numpy()
        self.structure = self.units.structure.to_numpy()
        self.parent = self._index(self.units.parent_id)
        self.province = self._index(self.units.province_id)
        s63 = self.structure == "S63"
        self.valid = np.where(s63[:, None], YEARS[None, :] < S34_YEAR, YEARS[None, :] == S34_YEAR)
        draw = _rng("units").random(self.n)  # the same draw at every scale: smaller scales keep a subset
        self.kept = draw < min(scale, 1.0)
        self.draw = draw
        self.quality = _rng("quality").standard_normal(self.n)
        self.size = _rng("size").standard_normal(self.n)

    def _index(self, ids: pd.Series) -> np.ndarray:
        return self.ids.get_indexer(ids.fillna(""))

    def dense(self, df: pd.DataFrame, value: str = "value") -> np.ndarray:
        """A (unit × year) array of a frame's values, NaN where it has none."""
        out = np.full((self.n, len(YEARS)), np.nan)
        df = df[df.year.between(YEARS[0], YEARS[-1])]
        out[self.ids.get_indexer(df.unit_id), df.year.to_numpy() - YEARS[0]] = df[value].to_numpy(dtype=float)
        return out

    def noise(self, name: str, rho: float) -> np.ndarray:
        """Standard normal noise over the years, correlated from one year to the next (AR(1))."""
        z = _rng("noise", name).standard_normal((self.n, len(YEARS)))
        for y in range(1, len(YEARS)):
            z[:, y] = rho * z[:, y - 1] + np.sqrt(1 - rho**2) * z[:, y]
        return z

    def cells(self, values: np.ndarray, existing: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(unit, year) indices of the cells this scale writes: kept, valid, with a value, not already there."""
        return np.nonzero(self.valid & self.kept[:, None] & ~np.isnan(values) & np.isnan(existing))


def _aligned(gen: np.ndarray, existing: np.ndarray, log: bool = False) -> np.ndarray:
    """Shift each unit's generated series by its mean gap to the values it already has (a ratio for counts),
    so that the added years continue those values instead of jumping."""
    a, b = (np.log(np.maximum(gen, 1e-9)), np.log(np.maximum(existing, 1e-9))) if log else (gen, existing)
    gap = b - a
    have = ~np.isnan(gap)
    shift = np.where(have, gap, 0.0).sum(axis=1) / np.maximum(have.sum(axis=1), 1)
    out = a + shift[:, None]
    return np.exp(out) if log else out


def _rate(gen: np.ndarray, existing: np.ndarray) -> np.ndarray:
    """A percentage series: aligned to the unit's own values, kept off zero, within 0-100, those values kept."""
    return _kept_first(np.clip(_soft_floor(_aligned(gen, existing)), 0.0, 100.0).round(1), existing)


def _soft_floor(v: np.ndarray, width: float = 3.0) -> np.ndarray:
    """A rate the linear trend puts below zero in the early years (online payment in 2016) stays a small
    positive share instead of a pile of zeros; above ~10 points it is unchanged."""
    return width * np.logaddexp(0.0, v / width)


def _kept_first(gen: np.ndarray, existing: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(existing), gen, existing)


# ---------------------------------------------------------------- scores
def _scores(con: duckdb.DuckDBPyConnection, g: _Grid) -> pd.DataFrame:
    """PAR INDEX (total and areas), SIPAS and SI766 for every unit: a sub-unit sits around its parent."""
    rows = con.sql("SELECT unit_id, year, family_code, area_code, score FROM score").df()
    present = rows.assign(score=0.0)  # any row, even a rank without a score, holds its key
    out = []
    totals = {}
    for family in ("PAR_INDEX", "SIPAS"):
        existing = g.dense(rows[(rows.family_code == family) & (rows.area_code == "TOTAL")], "score")
        spread, gap, sub_spread = _SCORE_SHAPE[family]
        noise = g.noise(family, 0.7)
        trend = np.array([_TREND[family][y] for y in YEARS])
        total = np.full_like(existing, np.nan)
        for level in ("province", "district", "department", "commune"):  # parents before children
            m = g.level == level
            if level == "province":
                gen = trend[None, :] + spread * g.quality[m, None] + 0.9 * noise[m]
            else:
                gen = total[g.parent[m]] - gap + sub_spread * g.quality[m, None] + 1.5 * noise[m]
            gen = np.clip(_aligned(gen, existing[m]), 50.0, 99.5).round(2)
            total[m] = _kept_first(gen, existing[m])
        totals[family] = total
        out.append(_long(g, total, _present(g, present, family, "TOTAL"), family_code=family, area_code="TOTAL"))
    for area in demo.AREAS:
        q = _rng("area_quality", area).standard_normal(g.n)
        gen = totals["PAR_INDEX"] + demo.AREA_OFFSET[area] + 1.5 * q[:, None] + 2.0 * g.noise(f"area {area}", 0.5)
        gen = np.clip(gen, 40.0, 100.0).round(2)
        out.append(_long(g, gen, _present(g, present, "PAR_INDEX", area), family_code="PAR_INDEX", area_code=area))
    since = YEARS >= 2023  # the 766 index started on 1/8/2022
    si = 72 + 3.0 * (YEARS - 2023)[None, :] + 4 * g.quality[:, None] + 2 * g.noise("SI766", 0.6)
    si = np.where(since[None, :], np.clip(si, 50.0, 98.0).round(2), np.nan)
    out.append(_long(g, si, _present(g, present, "SI766", "TOTAL"), family_code="SI766", area_code="TOTAL"))
    return pd.concat(out, ignore_index=True).rename(columns={"value": "score"})


def _present(g: _Grid, rows: pd.DataFrame, family: str, area: str) -> np.ndarray:
    return g.dense(rows[(rows.family_code == family) & (rows.area_code == area)], "score")


def _long(g: _Grid, values: np.ndarray, existing: np.ndarray, **const) -> pd.DataFrame:
    """The cells to write as rows, with `const` columns (indicator_code="...", ...) from their category lists."""
    u, y = g.cells(values, existing)
    return pd.DataFrame({"unit_id": pd.Categorical.from_codes(u, categories=g.ids), "year": YEARS[y],
                         **{k: _fixed(k, v, len(u)) for k, v in const.items()}, "value": values[u, y]})


def _fixed(column: str, value: str, n: int) -> pd.Categorical:
    return _category(column, np.full(n, _CATEGORIES[column].index(value), np.int8))


def _category(column: str, codes: np.ndarray) -> pd.Categorical:
    """A column as codes into its sorted category list: every frame shares it, so frames concatenate as
    categoricals and rows sort by their codes in the order DuckDB's keys sort."""
    return pd.Categorical.from_codes(codes, categories=_CATEGORIES[column])


# ---------------------------------------------------------------- operational indicators
def _operational(con: duckdb.DuckDBPyConnection, g: _Grid) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each operational indicator as (values, existing yearly values), both (unit × year).

    Counts follow from the rates the unit already has (overdue = received × (100 − on time %), ...), so the
    added values agree with the demo's and the reports' where those give some of them."""
    rows = con.sql("SELECT unit_id, indicator_code, year, value FROM indicator_value WHERE period = 'Y'").df()
    existing = {code: g.dense(rows[rows.indicator_code == code]) for code in rows.indicator_code.unique()}
    empty = np.full((g.n, len(YEARS)), np.nan)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def put(code: str, gen: np.ndarray) -> np.ndarray:
        have = existing.get(code, empty)
        out[code] = (_kept_first(gen, have), have)
        return out[code][0]

    t = (YEARS - 2018)[None, :].astype(float)
    province = g.level == "province"
    for code, (start, gain, spread) in _OPS_PCT.items():
        # a province first; its units follow part of its lead over the national trend, then their own
        have, trend = existing.get(code, empty), start + gain * t
        own = spread * (0.6 * g.quality[:, None] + 0.8 * g.noise(code, 0.6))
        rate = np.full_like(have, np.nan)
        rate[province] = _rate(trend + own[province], have[province])
        lead = rate[g.province[~province]] - trend
        rate[~province] = _rate(trend + 0.6 * lead + own[~province], have[~province])
        put(code, rate)

    rng = _rng("ops counts")
    shape = (g.n, len(YEARS))
    mu = np.select([g.level == "province", (g.level == "commune") & (g.structure == "S63")], [8.0, 6.0], 6.5)
    received = np.exp(mu[:, None] + 0.5 * (0.8 * g.size[:, None] + 0.6 * g.noise("received", 0.7)) + 0.03 * t)
    received = put("OPS_DOSSIERS_RECEIVED", np.maximum(200, _aligned(received, existing.get("OPS_DOSSIERS_RECEIVED", empty), log=True)).round())
    overdue = put("OPS_OVERDUE_DOSSIERS", (received * (100 - out["OPS_ONTIME_PCT"][0]) / 100).round())
    apology_rate = np.clip(0.55 + 0.1 * t + 0.1 * rng.standard_normal(shape), 0.0, 1.0)
    letters = put("OPS_APOLOGY_LETTERS", (overdue * apology_rate).round())
    with np.errstate(invalid="ignore", divide="ignore"):
        put("OPS_APOLOGY_PCT", np.where(overdue > 0, np.minimum(100.0, 100 * letters / overdue), np.nan).round(1))
    put("OPS_RETURNED_NO_REASON", np.maximum(0, rng.normal(2 - 0.2 * t, 2, shape)).round())
    put("OPS_PENDING_DOSSIERS", (received * rng.uniform(0.01, 0.05, shape)).round())
    tasks = put("OPS_TASKS_TOTAL", rng.integers(20, 46, shape).astype(float))
    put("OPS_TASKS_DONE", (tasks * out["OPS_TASKS_DONE_PCT"][0] / 100).round())
    cutting = np.isin(g.level, _CUTTING_LEVELS)[:, None]
    cut = put("OPS_TTHC_CUT_COUNT", np.where(cutting, rng.poisson(np.where(g.level == "province", 30, 8)[:, None], shape), np.nan))
    cut = np.where(cut > 0, cut, np.nan)
    before = put("OPS_TTHC_DAYS_BEFORE", (cut * rng.uniform(12, 30, shape)).round())
    put("OPS_TTHC_DAYS_AFTER", (before * rng.uniform(0.5, 0.8, shape)).round())
    return out


def _remember_value_keys(con: duckdb.DuckDBPyConnection) -> None:
    """The keys `indicator_value` holds before the scale rows: none of them is written again."""
    con.execute("CREATE TEMP TABLE _had AS SELECT unit_id, indicator_code, year, period FROM indicator_value")


def _yearly(g: _Grid, values: dict) -> pd.DataFrame:
    return pd.concat([_long(g, v, have, indicator_code=code, period="Y") for code, (v, have) in values.items()],
                     ignore_index=True)


def _sub_year(g: _Grid, values: dict, scale: float):
    """The quarters and months of a share of the units, a block of units at a time, in key order: each insert
    continues where the last ended, and memory stays bounded."""
    chosen = np.nonzero(g.draw < _sub_year_share(g, values, scale))[0]
    for b, block in enumerate(np.array_split(chosen, -(-len(chosen) // _UNITS_PER_BLOCK))):
        yield pd.concat([_months(g, values, block[g.valid[block, y]], y, _rng("months", b, int(year)))
                         for y, year in enumerate(YEARS)], ignore_index=True)


_UNITS_PER_BLOCK = 1000


def _sub_year_share(g: _Grid, values: dict, scale: float) -> float:
    """The share of units given quarters and months so that `indicator_value` grows about `scale` times."""
    yearly = sum(int((g.valid & ~np.isnan(v)).sum()) for v, _ in values.values())
    monthly = sum(int((g.valid & ~np.isnan(values[c][0])).sum()) for c in MONTHLY_CODES)
    return min(1.0, (scale - 1) * yearly / (len(SUB_YEAR_PERIODS) * monthly))


def _months(g: _Grid, values: dict, units: np.ndarray, y: int, rng: np.random.Generator) -> pd.DataFrame:
    """Months and quarters of one year for some units: flows split over the months (a month's overdue
    dossiers are drawn from its received ones), rates around the year's value with a rise through the year,
    the pending stock at each month's end (December = the year)."""
    year = {c: v[units, y] for c, (v, _) in values.items()}
    n = len(units)
    p = _SEASON * rng.gamma(20.0, 1.0, (n, 12))
    month: dict[str, np.ndarray] = {}
    received = rng.multinomial(np.nan_to_num(year["OPS_DOSSIERS_RECEIVED"]).astype(np.int64), p / p.sum(axis=1, keepdims=True))
    month["OPS_DOSSIERS_RECEIVED"] = received
    month["OPS_OVERDUE_DOSSIERS"] = _split(rng, year["OPS_OVERDUE_DOSSIERS"], received)
    month["OPS_APOLOGY_LETTERS"] = _split(rng, year["OPS_APOLOGY_LETTERS"], month["OPS_OVERDUE_DOSSIERS"])
    month["OPS_RETURNED_NO_REASON"] = _split(rng, year["OPS_RETURNED_NO_REASON"], received - month["OPS_OVERDUE_DOSSIERS"])
    ramp = (np.arange(12) - 5.5) / 12
    for code in _MONTHLY_RATES:
        v = year[code][:, None] + _OPS_PCT[code][1] * ramp[None, :] + rng.normal(0, 1.5, (n, 12))
        v -= (v.mean(axis=1) - year[code])[:, None]
        month[code] = np.clip(v, 0, 100)
    pending = year["OPS_PENDING_DOSSIERS"][:, None] * np.exp(rng.normal(0, 0.3, (n, 12)))
    pending[:, 11] = year["OPS_PENDING_DOSSIERS"]
    month["OPS_PENDING_DOSSIERS"] = pending.round()
    quarter = {c: v.reshape(n, 4, 3).sum(axis=2) for c, v in month.items() if c in _FLOWS}
    quarter.update({c: month[c].reshape(n, 4, 3).mean(axis=2) for c in _MONTHLY_RATES})
    quarter["OPS_PENDING_DOSSIERS"] = month["OPS_PENDING_DOSSIERS"][:, 2::3]
    frames = []
    for periods, part in ((SUB_YEAR_PERIODS[4:], month), (SUB_YEAR_PERIODS[:4], quarter)):
        period_codes = np.array([_CATEGORIES["period"].index(x) for x in periods], np.int8)
        with np.errstate(invalid="ignore", divide="ignore"):
            got, late = part["OPS_DOSSIERS_RECEIVED"], part["OPS_OVERDUE_DOSSIERS"]
            part["OPS_ONTIME_PCT"] = np.where(got > 0, 100 * (got - late) / got, np.nan)
            part["OPS_APOLOGY_PCT"] = np.where(late > 0, 100 * part["OPS_APOLOGY_LETTERS"] / late, np.nan)
        for code in MONTHLY_CODES:
            v = part[code].astype(float)
            v[np.isnan(year[code])] = np.nan  # no month where the year has no value
            i, k = np.nonzero(~np.isnan(v))
            frames.append(pd.DataFrame({
                "unit_id": pd.Categorical.from_codes(units[i], categories=g.ids), "year": YEARS[y],
                "indicator_code": _fixed("indicator_code", code, len(i)),
                "period": _category("period", period_codes[k]), "value": v[i, k].round(1)}))
    return pd.concat(frames, ignore_index=True)


def _split(rng: np.random.Generator, total: np.ndarray, within: np.ndarray) -> np.ndarray:
    """`total` items spread over the 12 months without replacement from `within` (a month never has more
    than its `within`): sequential hypergeometric draws, so the months sum to the year."""
    left = np.minimum(np.nan_to_num(total).astype(np.int64), within.sum(axis=1))
    pool = within.sum(axis=1)
    out = np.zeros_like(within)
    for m in range(12):
        out[:, m] = rng.hypergeometric(within[:, m], pool - within[:, m], left)
        pool -= within[:, m]
        left -= out[:, m]
    return out


def _targets(con: duckdb.DuckDBPyConnection, g: _Grid) -> pd.DataFrame:
    """Provincial targets for the years before the demo's (none for a rate not yet targeted: ≤ 0)."""
    have = con.sql("SELECT indicator_code, province_id AS unit_id, year, 1.0 AS value FROM target").df()
    provinces = g.level == "province"
    out = []
    for code, (start, gain) in _TARGETS.items():
        tgt = np.minimum(100.0, start + gain * (YEARS - 2018)).round(1)
        v = np.where(provinces[:, None] & (tgt > 0)[None, :], tgt[None, :], np.nan)
        out.append(_long(g, v, g.dense(have[have.indicator_code == code]), indicator_code=code))
    return (pd.concat(out, ignore_index=True)
              .rename(columns={"unit_id": "province_id", "value": "target_value"}))


# ---------------------------------------------------------------- inspections and findings
def _inspections(con: duckdb.DuckDBPyConnection, g: _Grid, scale: float, source_id: int, as_of: dt.date,
                 write: _Writers) -> None:
    """Plans, teams, visits and findings, written in that order on one lane (each refers to the one before)."""
    rng = _rng("inspections")
    insp, plans = _teams(con, g, round(INSPECTIONS_PER_SCALE * scale), rng, source_id)
    visits = _visits(g, insp, rng)
    write(_INSPECTIONS, _append, "inspection_plan", plans)
    write(_INSPECTIONS, _append, "inspection", insp)
    write(_INSPECTIONS, _append, "inspection_unit", visits.drop(columns=["i", "u"]))
    ids = insp.inspection_id.to_numpy()
    for generation in _findings(visits, as_of, _rng("findings")):  # a finding after the one it follows up
        write(_INSPECTIONS, _append, "finding", _finding_frame(g, ids, visits, generation).assign(source_id=source_id), exprs={
            "finding_id": "printf('SCALE-F%08d', finding_no)", "follows_up_id": "printf('SCALE-F%08d', follows_no)"})


def _teams(con, g: _Grid, n: int, rng: np.random.Generator, source_id: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`n` inspection teams over the provinces and years, in proportion to the units a province has; they join
    the year's demo plan where there is one, or a new plan. Teams are numbered after the plan's others by date."""
    p, y = np.nonzero((g.level == "province")[:, None] & g.valid)
    sub = np.bincount(g.province[g.level != "province"], minlength=g.n)[p]
    counts = rng.multinomial(n, sub / sub.sum())
    units = g.units.iloc[p].reset_index(drop=True)
    py = pd.DataFrame({"province_id": units.unit_id, "year": YEARS[y], "code": units.code, "structure": units.structure})
    demo_plans = con.sql("""SELECT p.plan_id, p.province_id, p.year, p.issued_on,
                                   (SELECT count(*) FROM inspection i WHERE i.plan_id = p.plan_id) AS teams_before
                            FROM inspection_plan p JOIN source s USING (source_id)
                            WHERE s.kind = 'synthetic_demo'""").df()
    py = py.merge(demo_plans.sort_values("plan_id").drop_duplicates(["province_id", "year"]), on=["province_id", "year"], how="left")
    new = (py.plan_id.isna() & (counts > 0)).to_numpy()
    year = py.year.astype(str)
    py["plan_id"] = py.plan_id.where(~new, "SCALE-" + py.structure + "-" + py.code + "-" + year + "-KH")
    issued = pd.to_datetime(year + "-01-05") + pd.to_timedelta(rng.integers(0, 50, len(py)), unit="D")
    py["issued_on"] = pd.to_datetime(py.issued_on).where(~new, issued)
    py["teams_before"] = py.teams_before.fillna(0).astype(int)
    by_committee = rng.integers(0, 2, len(py)).astype(bool)
    kind = np.where(units.unit_type == "Thành phố", "thành phố ", "tỉnh ")
    plans = pd.DataFrame({
        "plan_id": py.plan_id, "issued_on": py.issued_on, "province_id": py.province_id, "year": py.year,
        "number": pd.Series(rng.integers(12, 181, len(py))).astype(str) + np.where(by_committee, "/KH-BCĐCCHC", "/KH-UBND"),
        "issuer": np.where(by_committee, "Ban Chỉ đạo CCHC ", "UBND ") + kind + units.short_name,
        "title": "Kế hoạch kiểm tra công tác cải cách hành chính năm " + year, "source_id": source_id})[new]

    t = py.loc[np.repeat(py.index, counts)].reset_index(drop=True)
    year = t.year.astype(str)
    season = pd.to_datetime(year + np.where(t.year == S34_YEAR, "-07-15", "-03-01"))
    lo = np.maximum(season, t.issued_on + pd.Timedelta(days=7))
    span = (pd.to_datetime(year + "-12-10") - lo).dt.days + 1
    t["started_on"] = lo + pd.to_timedelta((rng.random(len(t)) * span).astype(int), unit="D")
    t = t.sort_values(["plan_id", "started_on"], kind="stable").reset_index(drop=True)
    team = (t.teams_before + t.groupby("plan_id").cumcount() + 1).astype(str)
    days = rng.integers(1, 5, len(t))
    t["field_days"] = days
    t["ended_on"] = t.started_on + pd.to_timedelta(days - 1, unit="D")
    t["announced_on"] = t.ended_on + pd.to_timedelta(rng.integers(0, 11, len(t)), unit="D")
    t["inspection_id"] = "SCALE-" + t.structure + "-" + t.code + "-" + t.year.astype(str) + "-D" + team
    t["team_label"] = "Đoàn kiểm tra số " + team
    t["leader_title"] = _choice(rng, demo.LEADER_TITLES, len(t))
    t["leader_name"] = "Trưởng đoàn mô phỏng " + team  # a role and a number, never a realistic name (demo.LEADER_NAME)
    for options in (13, 10, 26):  # the draws that once picked names, kept so that the rest of the stream is unchanged
        rng.integers(0, options, len(t))
    t["source_id"] = source_id
    return t.drop(columns=["code", "structure", "issued_on", "teams_before"]), plans


def _choice(rng: np.random.Generator, options: list[str], n: int) -> np.ndarray:
    return np.array(options, dtype=object)[rng.integers(0, len(options), n)]


def _visits(g: _Grid, insp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The units each team visits: a department, a district with some of its communes, or a commune with a
    neighbour (of its district, or of its province in S34), one a day."""
    n = len(insp)
    province = g.ids.get_indexer(insp.province_id)
    level_no = pd.Series(g.level).map(_LEVEL_NO).to_numpy()
    first_level = np.zeros(n, dtype=int)
    r = rng.random(n)
    for structure, shares in _FIRST_VISIT.items():
        here = g.structure[province] == structure
        edge = np.cumsum([s for _, s in shares])
        pick = np.searchsorted(edge, r[here], side="right").clip(max=len(shares) - 1)
        first_level[here] = np.array([_LEVEL_NO[lv] for lv, _ in shares])[pick]
    sub_units = np.nonzero(level_no > 0)[0]
    first = _pick(rng, sub_units, g.province[sub_units] * 4 + level_no[sub_units], province * 4 + first_level)
    # neighbours: communes of the first unit's district (S63) or province (S34)
    district, commune = _LEVEL_NO["district"], _LEVEL_NO["commune"]
    group = np.select([first_level == district, (first_level == commune) & (first >= 0)], [first, g.parent[first]], -1)
    extra = np.select([first_level == district, first_level == commune], [rng.integers(0, 3, n), rng.integers(0, 2, n)], 0)
    who = np.repeat(np.arange(n), extra)
    communes = np.nonzero(level_no == commune)[0]
    more = _pick(rng, communes, g.parent[communes], group[who])
    v = pd.DataFrame({"i": np.concatenate([np.arange(n), who]), "u": np.concatenate([first, more]),
                      "k": np.concatenate([np.zeros(n, int), np.ones(len(who), int)])})
    v = v[v.u >= 0].drop_duplicates(["i", "u"]).sort_values(["i", "k"], kind="stable")
    step = np.minimum(v.groupby("i").cumcount().to_numpy(), insp.field_days.to_numpy()[v.i] - 1)
    return pd.DataFrame({
        "i": v.i.to_numpy(), "u": v.u.to_numpy(),
        "inspection_id": insp.inspection_id.to_numpy()[v.i], "unit_id": g.ids[v.u],
        "visited_on": insp.started_on.to_numpy()[v.i] + step.astype("timedelta64[D]"),
        "what_checked": pd.Series(g.level[v.u]).map(_WHAT_CHECKED).to_numpy()})


_LEVEL_NO = {"province": 0, "district": 1, "department": 2, "commune": 3}


def _pick(rng: np.random.Generator, pool: np.ndarray, keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each wanted group key, a unit of `pool` (grouped by `keys`) chosen uniformly; -1 where none."""
    order = np.argsort(keys, kind="stable")
    keys, pool = keys[order], pool[order]
    lo = np.searchsorted(keys, wanted, side="left")
    hi = np.searchsorted(keys, wanted, side="right")
    at = lo + (rng.random(len(wanted)) * (hi - lo)).astype(int)
    return np.where(hi > lo, pool[np.minimum(at, len(pool) - 1)], -1)


_STATUS = ["open", "in_progress", "resolved"]


def _findings(visits: pd.DataFrame, as_of: dt.date, rng: np.random.Generator) -> list[pd.DataFrame]:
    """Results, limitations and recommendations of each visit, then generation by generation the limitations
    still there at the unit's next visit (30 days or more later): the old one goes 'in_progress', a new
    'open' one follows it up; the others are resolved between the two visits, or by `as_of` like the demo's.

    Each generation: v (visit), kind (index in _KINDS), item (in the kind's list), finding_no, follows_no,
    repeat, status (index in _STATUS, -1 for none), status_on, resolved_on (days since 1970, -1 for none)."""
    day = visits.visited_on.to_numpy().astype("datetime64[D]").astype(np.int64)
    nxt = _next_visit(visits.u.to_numpy(), day, min_gap=30)
    first = []
    for kind, name in enumerate(_KINDS):
        lo, hi = _PER_VISIT[name]
        k = rng.integers(lo, hi + 1, len(visits))
        rank = np.argsort(rng.random((len(visits), len(_LISTS[name]))), axis=1)[:, :hi]
        vi, j = np.nonzero(np.arange(hi)[None, :] < k[:, None])
        first.append(pd.DataFrame({"v": vi, "kind": kind, "item": rank[vi, j]}))
    gen = pd.concat(first, ignore_index=True).sort_values(["v", "kind"], kind="stable").reset_index(drop=True)
    gen["follows_no"] = pd.arrays.IntegerArray(np.zeros(len(gen), np.int64), np.ones(len(gen), bool))  # none
    gen["repeat"] = False
    numbered = 0
    out = []
    as_of_day = np.datetime64(as_of, "D").astype(np.int64)
    limitation = _KINDS.index("limitation")
    while len(gen):
        gen["finding_no"] = numbered + np.arange(1, len(gen) + 1)
        numbered += len(gen)
        lim = (gen.kind == limitation).to_numpy()
        found = day[gen.v]
        later = nxt[gen.v]
        next_day = day[np.maximum(later, 0)]
        stays = lim & (later >= 0) & (rng.random(len(gen)) < _RECURS)
        fixed = lim & (later >= 0) & ~stays
        r = rng.random(len(gen))
        old = lim & (later < 0) & (as_of_day - found > 365)
        closed, lingers = old & (r < 0.6), old & (r >= 0.6) & (r < 0.85)
        closed_on = found + 90 + (r * 200).astype(int)
        gen["status"] = np.select([stays | lingers, fixed | closed, lim], [1, 2, 0], -1)
        gen["status_on"] = np.select([stays | fixed, closed, lingers, lim], [next_day, closed_on, found + 60, found], -1)
        gen["resolved_on"] = np.select([fixed, closed], [np.maximum(found + 15, next_day - rng.integers(20, 201, len(gen))), closed_on], -1)
        out.append(gen)
        gen = pd.DataFrame({"v": later[stays], "kind": limitation, "item": gen.item.to_numpy()[stays],
                            "follows_no": pd.array(gen.finding_no.to_numpy()[stays], dtype="Int64"), "repeat": True})
    return out


_LISTS = {"result": demo.RESULT_TEXTS, "limitation": demo.LIMITATION_TEXTS, "recommendation": demo.RECOMMENDATION_TEXTS}


def _next_visit(unit: np.ndarray, day: np.ndarray, min_gap: int) -> np.ndarray:
    """Index of the unit's first visit at least `min_gap` days after each visit (-1: none)."""
    order = np.lexsort((day, unit))
    key = unit[order].astype(np.int64) * 1_000_000 + day[order]
    at = np.searchsorted(key, unit.astype(np.int64) * 1_000_000 + day + min_gap)
    ok = at < len(key)
    ok[ok] = unit[order][at[ok]] == unit[ok]
    return np.where(ok, order[np.minimum(at, len(order) - 1)], -1)


def _finding_frame(g: _Grid, inspection_ids: np.ndarray, visits: pd.DataFrame, gen: pd.DataFrame) -> pd.DataFrame:
    """A generation as the finding table's columns, the repeated strings as categoricals (codes, not copies)."""
    entries = [(k, *row) for k in _KINDS for row in _LISTS[k]]  # (kind, area, topic, text) in _KINDS order
    offset = np.cumsum([0] + [len(_LISTS[k]) for k in _KINDS])[:-1]
    e = offset[gen.kind.to_numpy()] + gen.item.to_numpy()
    texts = [t for *_, t in entries] + [t + demo.NOT_YET_REMEDIED for *_, t in entries]
    v = gen.v.to_numpy()

    def date(days: pd.Series) -> pd.Series:
        d = days.to_numpy()
        return pd.Series(np.where(d >= 0, d, np.iinfo(np.int64).min).astype("datetime64[D]"))

    return pd.DataFrame({
        "finding_no": gen.finding_no.to_numpy(), "follows_no": gen.follows_no.array,
        "inspection_id": inspection_ids[visits.i.to_numpy()[v]],  # a categorical of 50,000 ids costs more
        "unit_id": pd.Categorical.from_codes(visits.u.to_numpy()[v], categories=g.ids),
        "kind": pd.Categorical.from_codes(gen.kind.to_numpy(), categories=_KINDS),
        "area_code": _coded([a for _, a, _, _ in entries], e), "topic": _coded([t for _, _, t, _ in entries], e),
        "text": pd.Categorical.from_codes(e + len(entries) * gen.repeat.to_numpy(), categories=texts),
        "status": pd.Categorical.from_codes(gen.status.to_numpy(), categories=_STATUS),
        "status_on": date(gen.status_on), "resolved_on": date(gen.resolved_on)})


def _coded(values: list[str], index: np.ndarray) -> pd.Categorical:
    categories, codes = np.unique(np.array(values, dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(codes[index], categories=categories)


# ---------------------------------------------------------------- writing
_VALUE_KEY = ["unit_id", "indicator_code", "year", "period"]
_SCORE_KEY = ["unit_id", "year", "family_code", "area_code"]


def _append(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame, exprs: dict[str, str] | None = None,
            anti_join: str | None = None, order: list[str] | None = None) -> None:
    """Insert a frame by column name; `exprs` computes columns in SQL (ids from numbers, faster than in
    pandas); `anti_join` names a table of keys not to write again; `order` sorts the rows by the table's
    key first, which makes DuckDB's index and foreign-key checks about three times faster than random order."""
    if df.empty:
        return
    if order:
        keys = [df[c].cat.codes.to_numpy() if isinstance(df[c].dtype, pd.CategoricalDtype) else df[c].to_numpy() for c in order]
        df = df.iloc[np.lexsort(keys[::-1])]
    exprs = exprs or {}
    table_cols = con.table(table).columns
    cols = [c for c in table_cols if c in exprs or c in df.columns]
    select = ", ".join(f"{exprs[c]} AS {c}" if c in exprs else c for c in cols)
    skip = f" ANTI JOIN {anti_join} USING (unit_id, indicator_code, year, period)" if anti_join else ""
    con.register("_scale_rows", df)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM _scale_rows{skip}")  # noqa: S608 - names from the schema
    finally:
        con.unregister("_scale_rows")


if __name__ == "__main__":
    sys.exit(main())
