"""Published figures (data/published/*_verbatim.csv, copied from the domain brief with their sources).

These are facts: values are copied as published, each row keeps its source URLs. Where a source states a
change ("+2.46; up 5 places"), the previous year's value follows by arithmetic; such derived values are
kept, marked with a note saying how they were derived.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from vietnamadminunits import ParseMode, parse_address

from par_dashboard.paths import PUBLISHED_DIR
from par_dashboard.units import unit_id

# Abbreviations the package's parser does not know.
_PROVINCE_ALIASES = {"BRVT": "Bà Rịa - Vũng Tàu", "TT-Hue": "Thừa Thiên Huế"}


def province_id_s63(name: str) -> str:
    """The S63 province unit id for a province name as written in a source ("TP. Hồ Chí Minh", "Quang Ninh")."""
    unit = parse_address(_PROVINCE_ALIASES.get(name, name), mode=ParseMode.LEGACY, level=1)
    if not unit.province_key:
        raise ValueError(f"unknown province name in published data: {name!r}")
    return unit_id("S63", "province", _S63_CODE_BY_KEY()[unit.province_key])


def _S63_CODE_BY_KEY() -> dict[str, str]:
    global _code_cache
    if _code_cache is None:
        from vietnamadminunits.database.main import get_data

        _code_cache = {r["provinceKey"]: r["provinceCode"]
                       for r in get_data(["provinceKey", "provinceCode"], table="admin_units_legacy")}
    return _code_cache


_code_cache: dict[str, str] | None = None


@dataclass
class PublishedSource:
    title: str
    urls: list[str]

    @property
    def key(self) -> str:
        return ";".join(self.urls)


@dataclass
class PublishedScore:
    unit_id: str
    year: int
    family_code: str
    score: float | None
    rank: int | None
    rank_of: int | None
    tier: str | None
    source: PublishedSource
    note: str | None = None


@dataclass
class PublishedAggregate:
    family_code: str
    year: int
    aggregate: str
    value: float | None
    note: str
    source: PublishedSource


@dataclass
class Published:
    scores: list[PublishedScore] = field(default_factory=list)
    aggregates: list[PublishedAggregate] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows not loaded, and why

    def score_map(self) -> dict[tuple[str, int, str], PublishedScore]:
        return {(s.unit_id, s.year, s.family_code): s for s in self.scores}


def _num(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def _int(text: str) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdigit() else None


def _source(urls: str, what: str) -> PublishedSource:
    url_list = [u.strip() for u in urls.split(";") if u.strip()]
    host = re.sub(r"^https?://(www\.)?", "", url_list[0]).split("/")[0]
    return PublishedSource(title=f"{what} ({host})", urls=url_list)


_CHANGE = re.compile(r"^\s*([+-]\d+(?:\.\d+)?)")
_PLACES = re.compile(r"\b(up|down) (\d+) places?")


def _derive_previous(row: PublishedScore, change: str) -> PublishedScore | None:
    """The previous year's score (and rank) implied by a stated change, when this year's score is known."""
    m = _CHANGE.match(change or "")
    if row.score is None or not m:
        return None
    delta = float(m.group(1))
    prev_score = round(row.score - delta, 2)
    prev_rank = None
    p = _PLACES.search(change)
    if p and row.rank:
        prev_rank = row.rank + int(p.group(2)) if p.group(1) == "up" else row.rank - int(p.group(2))
    note = f"suy ra: {row.score:.2f} − ({delta:+.2f}) theo nguồn năm {row.year}" + (
        f"; hạng {prev_rank} từ “{p.group(0)}”" if prev_rank else "")
    return PublishedScore(row.unit_id, row.year - 1, row.family_code, prev_score, prev_rank, row.rank_of,
                          None, row.source, note)


def forward_changes() -> list[tuple[str, int, str, float]]:
    """Stated changes whose base year has no published score: (unit, year, family, delta).
    The demo generator honours them (this year's demo = last year's demo + delta)."""
    out = []
    with open(PUBLISHED_DIR / "par_index_sipas_results_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            m = _CHANGE.match(r["change_vs_prev_year"] or "")
            if r["entity_level"] == "province" and m and not r["score_pct"]:
                out.append((province_id_s63(r["entity"]), int(r["year"]), r["index"], float(m.group(1))))
    return out


def load_published() -> Published:
    pub = Published()
    with open(PUBLISHED_DIR / "par_index_sipas_results_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["entity_level"] != "province":
                pub.skipped.append(f"{r['index']} {r['year']} {r['entity']}: ministries are not units of this dashboard")
                continue
            src = _source(r["source_urls"], f"{r['index'].replace('_', ' ')} {r['year']}")
            row = PublishedScore(province_id_s63(r["entity"]), int(r["year"]), r["index"], _num(r["score_pct"]),
                                 _int(r["rank"]), _int(r["rank_of"]), r["group"] or None, src,
                                 (r["note"] or None))
            if row.score is not None or row.rank is not None:  # a bare change is a constraint, see forward_changes
                pub.scores.append(row)
            if prev := _derive_previous(row, r["change_vs_prev_year"]):
                pub.scores.append(prev)

    with open(PUBLISHED_DIR / "district_par_index_examples_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            src = _source(r["source_url"], f"Chỉ số CCHC cấp huyện {r['year']}")
            district = _district_id(r["province"], r["district"])
            rank_text = r["rank_or_tier"]
            rank_m = re.match(r"^(\d+)(?:/(\d+))?", rank_text)
            rank = int(rank_m.group(1)) if rank_m else None
            rank_of = int(rank_m.group(2)) if rank_m and rank_m.group(2) else None
            tier = None if rank_m else rank_text
            row = PublishedScore(district, int(r["year"]), "PAR_INDEX", _num(r["score"]), rank, rank_of, tier, src,
                                 r["note"] or None)
            pub.scores.append(row)
            if prev := _derive_previous(row, r["note"]):
                pub.scores.append(prev)
            if m := re.search(r"(\d{4}) rank (\d+)", r["note"] or ""):
                pub.scores.append(PublishedScore(district, int(m.group(1)), "PAR_INDEX", None, int(m.group(2)),
                                                 None, None, src, f"hạng {m.group(1)} theo nguồn năm {r['year']}"))

    with open(PUBLISHED_DIR / "other_indices_datapoints_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["index"] not in ("PAPI", "PCI"):
                pub.skipped.append(f"{r['index']} {r['year']} {r['province']}: index family not in the catalogue")
                continue
            src = _source(r["source_url"], f"{r['index']} {r['year']}")
            pub.scores.append(PublishedScore(province_id_s63(r["province"]), int(r["year"]), r["index"],
                                             _num(r["score"]), _int(r["rank"]), None, None, src, r["note"] or None))

    with open(PUBLISHED_DIR / "pci_2019_partial_pcivietnam_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            src = _source(r["source_url"], "PCI 2019 (pcivietnam.vn)")
            pub.scores.append(PublishedScore(province_id_s63(r["province"]), int(r["year"]), "PCI",
                                             _num(r["pci_score"]), _int(r["pci_rank"]), 63, r["pci_tier"] or None,
                                             src, None))

    with open(PUBLISHED_DIR / "par_index_aggregates_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            src = _source(r["source_url"], f"{r['index'].replace('_', ' ')} {r['year']}")
            pub.aggregates.append(PublishedAggregate(r["index"], int(r["year"]), r["aggregate"],
                                                     _num(r["value_pct"]), r["note"], src))
    _derive_previous_averages(pub)
    _dedupe(pub)
    return pub


def _derive_previous_averages(pub: Published) -> None:
    """'+2.19' beside a national average gives last year's average, where none was published."""
    have = {(a.family_code, a.year, a.aggregate) for a in pub.aggregates}
    for a in list(pub.aggregates):
        m = _CHANGE.match(a.note or "")
        key = (a.family_code, a.year - 1, a.aggregate)
        if a.aggregate.startswith("national_avg") and a.value is not None and m and key not in have:
            prev = round(a.value - float(m.group(1)), 2)
            pub.aggregates.append(PublishedAggregate(a.family_code, a.year - 1, a.aggregate, prev,
                                                     f"suy ra: {a.value:.2f} − ({m.group(1)}) theo nguồn năm {a.year}", a.source))
            have.add(key)


def _dedupe(pub: Published) -> None:
    """One row per key. A directly published value beats one derived from a change; two sources giving
    the same key are merged (score from whichever has it, rank likewise)."""
    merged: dict[tuple, PublishedScore] = {}
    for s in pub.scores:
        key = (s.unit_id, s.year, s.family_code)
        if key not in merged:
            merged[key] = s
            continue
        old = merged[key]
        direct_old = not _derived(old)
        if not direct_old and not _derived(s) and s.score is not None:
            merged[key] = PublishedScore(s.unit_id, s.year, s.family_code, s.score, s.rank or old.rank,
                                         s.rank_of or old.rank_of, s.tier or old.tier, s.source, s.note)
        elif old.score is None and s.score is not None:
            merged[key] = PublishedScore(s.unit_id, s.year, s.family_code, s.score, old.rank or s.rank,
                                         old.rank_of or s.rank_of, old.tier or s.tier, s.source, s.note)
        elif old.rank is None and s.rank is not None:
            old.rank = s.rank
        elif direct_old and s.score is not None and old.score is not None and abs(old.score - s.score) > 1e-9:
            pub.skipped.append(f"conflict {key}: kept {old.score} from {old.source.key}, not {s.score}")
    pub.scores = list(merged.values())


def _derived(s: PublishedScore) -> bool:
    return (s.note or "").startswith(("suy ra", "hạng "))


def _district_id(province: str, district: str) -> str:
    unit = parse_address(f"{district}, {province}", mode=ParseMode.LEGACY, level=2)
    if not unit.district_key:
        raise ValueError(f"unknown district in published data: {district!r}, {province!r}")
    from vietnamadminunits.database.main import get_data

    codes = {(r["provinceKey"], r["districtKey"]): r["districtCode"]
             for r in get_data(["provinceKey", "districtKey", "districtCode"], table="admin_units_legacy")}
    return unit_id("S63", "district", codes[(unit.province_key, unit.district_key)])
