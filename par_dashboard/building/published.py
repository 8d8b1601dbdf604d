"""Published figures (data/published/), copied from the domain brief and the public panels with their sources.

These are facts: values are copied as published, each row keeps its source URLs. Where a source states a
change ("+2.46; up 5 places"), the previous year's value follows by arithmetic; such derived values are
kept, marked with a note saying how they were derived.

Besides values, the sources state facts about whole tables ("57 up, 6 down", "largest provincial increase
9.39", "group A=13, B=50", "Bình Thuận and Sóc Trăng at the bottom"). The structured columns are read here
(scores, ranks, averages, changes such as "+6.39 (largest increase)"); what only a free-text note says is
transcribed once in `facts_from_notes.csv`, each fact with the row it comes from and the words it rests on
(checked here: a quote that is not in its row is an error). The demo generator is held to every fact
(`par_dashboard.building.demo`), and `python -m par_dashboard facts` prints each one beside what the database says
(`par_dashboard.views.facts`). A fact that contradicts another source says so (`disagrees_*`): both are kept, the
data follows one of them, and neither is dropped silently.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field

from vietnamadminunits import ParseMode, parse_address

from par_dashboard.domain.units import fold, unit_id
from par_dashboard.paths import PUBLISHED_DIR, SEED_DIR

# Abbreviations and spellings the package's parser does not know.
_PROVINCE_ALIASES = {"BRVT": "Bà Rịa - Vũng Tàu", "BR-VT": "Bà Rịa - Vũng Tàu", "TT-Hue": "Thừa Thiên Huế",
                     "TT Huế": "Thừa Thiên Huế", "Bắc Cạn": "Bắc Kạn"}

PAPI_PANEL = "papi_2011_2016_mdtrinh_vietnamdata.csv"
PCI_PANEL = "pci_2012_2016_mdtrinh_vietnamdata.csv"
PANEL_NOTE_PAPI_2016 = "PAPI 2016: hai cột của nội dung trách nhiệm giải trình theo chiều dọc đổi ý nghĩa so với các năm trước"
# A province's own index of its units ranks them on its own criteria: kept as PAR_INDEX of the unit's level,
# ranked only within that province (and within its rank group), never across provinces.
PROVINCIAL_FAMILY = "PROVINCIAL_PAR_INDEX"
NOTE_RANK = "hạng theo ghi chú của nguồn: "  # the note of a rank read from a source's note (facts_from_notes.csv)


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
    note: str | None = None
    file: str | None = None

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
    panel: str | None = None        # the panel file a row comes from (checked per year, not printed per row)


@dataclass
class PublishedAggregate:
    family_code: str
    year: int
    aggregate: str
    value: float | None
    note: str
    source: PublishedSource


@dataclass
class PublishedFact:
    """One statement of a source about a year's table. `subject` is a unit id (a ';'-joined list for sets), an
    area code or a region, as the kind needs; `value` the number stated; `arg` a second number (a threshold)."""
    family: str
    year: int
    kind: str
    source: PublishedSource
    text: str                                  # the source's words the fact rests on
    level: str = "province"
    subject: str | None = None
    value: float | None = None
    arg: float | None = None
    detail: str | None = None
    disagrees_vi: str | None = None
    disagrees_en: str | None = None

    @property
    def disagrees(self) -> bool:
        return bool(self.disagrees_en or self.disagrees_vi)

    def key(self) -> tuple:
        return (self.family, self.year, self.kind, self.level, self.subject, self.value, self.arg)


@dataclass
class Published:
    scores: list[PublishedScore] = field(default_factory=list)
    aggregates: list[PublishedAggregate] = field(default_factory=list)
    facts: list[PublishedFact] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows not loaded, and why
    rank_groups: dict[tuple[str, int, str], dict[str, str]] = field(default_factory=dict)  # (province, year, level) -> unit type -> group

    def score_map(self) -> dict[tuple[str, int, str], PublishedScore]:
        return {(s.unit_id, s.year, s.family_code): s for s in self.scores}

    def facts_of(self, family: str, year: int, level: str = "province") -> list[PublishedFact]:
        return [f for f in self.facts if f.family == family and f.year == year and f.level == level]


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
_EXTREME = {"largest increase": "max_rise", "smallest increase": "min_rise", "largest decrease": "max_fall",
            "smallest decrease": "min_fall"}


def _derive_previous(row: PublishedScore, change: str) -> PublishedScore | None:
    """The previous year's score and/or rank implied by a stated change, when this year's is known."""
    m = _CHANGE.match(change or "")
    p = _PLACES.search(change or "")
    prev_score = round(row.score - float(m.group(1)), 2) if m and row.score is not None else None
    prev_rank = None
    if p and row.rank:
        prev_rank = row.rank + int(p.group(2)) if p.group(1) == "up" else row.rank - int(p.group(2))
    if prev_score is None and prev_rank is None:
        return None
    parts = []
    if prev_score is not None:
        parts.append(f"{row.score:.2f} − ({float(m.group(1)):+.2f})")
    if prev_rank is not None:
        parts.append(f"hạng {prev_rank} từ “{p.group(0)}”")
    note = "suy ra: " + "; ".join(parts) + f" theo nguồn năm {row.year}"
    return PublishedScore(row.unit_id, row.year - 1, row.family_code, prev_score, prev_rank, row.rank_of,
                          None, row.source, note)


def _change_facts(pub: Published, row: PublishedScore, change: str) -> None:
    """"+6.39 (largest increase)", "+4.30; up 1 place": the change, its rank move and any extreme it names."""
    m = _CHANGE.match(change or "")
    if not m:
        p = _PLACES.search(change or "")
        if p:
            pub.facts.append(PublishedFact(row.family_code, row.year, "rank_change", row.source, change,
                                           subject=row.unit_id, value=int(p.group(2)) * (1 if p.group(1) == "up" else -1)))
        return
    delta = float(m.group(1))
    pub.facts.append(PublishedFact(row.family_code, row.year, "change", row.source, change, subject=row.unit_id, value=delta))
    if p := _PLACES.search(change):
        pub.facts.append(PublishedFact(row.family_code, row.year, "rank_change", row.source, change, subject=row.unit_id,
                                       value=int(p.group(2)) * (1 if p.group(1) == "up" else -1)))
    for words, kind in _EXTREME.items():
        if words in change:
            pub.facts.append(PublishedFact(row.family_code, row.year, kind, row.source, change, subject=row.unit_id, value=delta))


def load_published() -> Published:
    pub = Published()
    with open(PUBLISHED_DIR / "par_index_sipas_results_verbatim.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            src = _source(r["source_urls"], f"{r['index'].replace('_', ' ')} {r['year']}")
            if r["entity_level"] != "province":
                pub.skipped.append(f"{r['index']} {r['year']} {r['entity']}: ministries are not units of this dashboard")
                _ministry_facts(pub, r, src)
                continue
            _province_row(pub, r, src)

    with open(PUBLISHED_DIR / "published_additions_2023_2025.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            src = _source(r["source_urls"], f"{r['index'].replace('_', ' ')} {r['year']}")
            if r["entity_level"] == "national":
                agg = "national_avg_provinces" if r["index"] == "PAR_INDEX" else "national_avg"
                pub.aggregates.append(PublishedAggregate(r["index"], int(r["year"]), agg, _num(r["score_pct"]),
                                                         "; ".join(x for x in (r["change_vs_prev_year"], r["note"]) if x), src))
            elif r["index"] == PROVINCIAL_FAMILY:
                _provincial_row(pub, r, src)
            else:
                _province_row(pub, r, src)

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
                pub.facts.append(PublishedFact(r["index"], int(r["year"]), "note", _source(r["source_url"], r["index"]),
                                               f"{r['province']}: rank {r['rank']}; {r['note']}",
                                               detail=f"{r['index']} is not an index of this dashboard"))
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
    _load_panels(pub)
    _derive_previous_averages(pub)
    _dedupe_aggregates(pub)
    _aggregate_facts(pub)
    _load_note_facts(pub)
    _dedupe(pub)
    _dedupe_facts(pub)
    return pub


def _province_row(pub: Published, r: dict, src: PublishedSource) -> None:
    row = PublishedScore(province_id_s63(r["entity"]), int(r["year"]), r["index"], _num(r["score_pct"]),
                         _int(r["rank"]), _int(r["rank_of"]), r["group"] or None, src, (r["note"] or None))
    if row.score is not None or row.rank is not None:  # a bare change is a fact, see _change_facts
        pub.scores.append(row)
    if prev := _derive_previous(row, r["change_vs_prev_year"]):
        pub.scores.append(prev)
    _change_facts(pub, row, r["change_vs_prev_year"])


def _ministry_facts(pub: Published, r: dict, src: PublishedSource) -> None:
    text = "; ".join(x for x in (r["score_pct"], f"rank {r['rank']}/{r['rank_of']}" if r["rank"] else "",
                                 r["change_vs_prev_year"], r["note"]) if x)
    pub.facts.append(PublishedFact(r["index"], int(r["year"]), "note", src, f"{r['entity']}: {text}", level="ministry",
                                   detail="ministries are not units of this dashboard"))


def _provincial_row(pub: Published, r: dict, src: PublishedSource) -> None:
    """"Hải Phòng: phường Hồng Bàng" — a unit scored by its own province (34-province structure)."""
    province, unit_name = (x.strip() for x in r["entity"].split(":", 1))
    uid = _s34_unit_id(province, r["entity_level"], unit_name)
    row = PublishedScore(uid, int(r["year"]), "PAR_INDEX", _num(r["score_pct"]), _int(r["rank"]), _int(r["rank_of"]),
                         r["group"] or None, src, r["note"] or None)
    pub.scores.append(row)


def _s34_unit_id(province: str, level: str, name: str) -> str:
    """A commune (by its name, with or without its type word, diacritics folded) or a department of an S34 province."""
    pcode = _s34_province_id(province).rsplit("-", 1)[1]
    if level == "department":
        bare = re.sub(r"\s+(tỉnh|thành phố)$", "", name.strip(), flags=re.IGNORECASE)
        with open(SEED_DIR / "departments.csv", encoding="utf-8") as f:
            for d in csv.DictReader(f):
                if fold(d["name"]) == fold(bare) and "S34" in d["structures"].split():
                    return unit_id("S34", "department", f"{pcode}-{d['abbr']}")
        raise ValueError(f"unknown department in published data: {name!r} ({province})")
    bare = re.sub(r"^(xã|phường|đặc khu|thị trấn)\s+", "", name.strip(), flags=re.IGNORECASE)
    found = _S34().wards_by_name.get((pcode, fold(bare)), [])
    if len(found) != 1:
        raise ValueError(f"{len(found)} communes named {name!r} in {province}")
    return unit_id("S34", "commune", found[0])


@dataclass
class _S34Index:
    province_by_name: dict[str, list[str]]          # folded short name -> province codes
    wards_by_name: dict[tuple[str, str], list[str]]  # (province code, folded short name) -> ward codes


_s34_cache: _S34Index | None = None


def _S34() -> _S34Index:
    """The 34-province structure's names, read once from the package."""
    global _s34_cache
    if _s34_cache is None:
        from vietnamadminunits.database.main import get_data

        rows = get_data(["provinceShort", "provinceCode", "wardShort", "wardCode"], table="admin_units")
        idx = _S34Index({}, {})
        for r in rows:
            pc = r["provinceCode"]
            codes = idx.province_by_name.setdefault(fold(r["provinceShort"]), [])
            if pc not in codes:
                codes.append(pc)
            idx.wards_by_name.setdefault((pc, fold(r["wardShort"])), []).append(r["wardCode"])
        _s34_cache = idx
    return _s34_cache


def _file_sources() -> dict[str, PublishedSource]:
    """The source of each whole-file dataset (data/published/file_sources.csv)."""
    out = {}
    with open(PUBLISHED_DIR / "file_sources.csv", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out[r["file"]] = PublishedSource(r["title"], [r["url"]], note=r["note"] or None, file=f"data/published/{r['file']}")
    return out


def _load_panels(pub: Published) -> None:
    """The PAPI 2011–2016 and PCI 2012–2016 provincial panels: one published score per province and year (PAPI:
    the unweighted total of the six dimensions; PCI: the weighted index). Ranks follow from the scores."""
    sources = _file_sources()
    src = sources[PAPI_PANEL]
    with open(PUBLISHED_DIR / PAPI_PANEL, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            year = int(r["year"])
            pub.scores.append(PublishedScore(unit_id("S63", "province", r["province_code_gso"].zfill(2)), year, "PAPI",
                                             float(r["PAPI_unweighted_total"]), None, None, None, src,
                                             PANEL_NOTE_PAPI_2016 if year == 2016 else None, panel=PAPI_PANEL))
    src = sources[PCI_PANEL]
    with open(PUBLISHED_DIR / PCI_PANEL, encoding="utf-8") as f:
        for r in csv.DictReader(f):
            pub.scores.append(PublishedScore(province_id_s63(r["province"]), int(r["year"]), "PCI",
                                             float(r["pci_weighted"]), None, None, None, src, None, panel=PCI_PANEL))


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


def _dedupe_aggregates(pub: Published) -> None:
    """One aggregate per key (the first source; a second one saying the same is kept as a fact)."""
    seen: dict[tuple, PublishedAggregate] = {}
    for a in pub.aggregates:
        key = (a.family_code, a.year, a.aggregate)
        if key in seen:
            if seen[key].value != a.value:
                pub.skipped.append(f"conflict {key}: kept {seen[key].value} from {seen[key].source.key}, not {a.value}")
            pub.facts.append(_aggregate_fact(a))
            continue
        seen[key] = a
    pub.aggregates = list(seen.values())


def _aggregate_fact(a: PublishedAggregate) -> PublishedFact:
    text = f"{a.aggregate} {a.value}" + (f" ({a.note})" if a.note else "")
    if a.aggregate.startswith("region:"):
        return PublishedFact(a.family_code, a.year, "region_avg", a.source, text, subject=a.aggregate.split(":", 1)[1], value=a.value)
    if a.aggregate == "national_avg_ministries":
        return PublishedFact(a.family_code, a.year, "note", a.source, text, level="ministry",
                             detail="ministries are not units of this dashboard")
    return PublishedFact(a.family_code, a.year, "national_avg", a.source, text, value=a.value)


def _aggregate_facts(pub: Published) -> None:
    pub.facts.extend(_aggregate_fact(a) for a in pub.aggregates if a.value is not None)


_NOTE_FILES = {"par_index_aggregates_verbatim.csv": ("aggregate", ("note",), "source_url"),
               "par_index_sipas_results_verbatim.csv": ("entity", ("note", "change_vs_prev_year"), "source_urls"),
               "published_additions_2023_2025.csv": ("entity", ("note", "change_vs_prev_year"), "source_urls"),
               "other_indices_datapoints_verbatim.csv": ("province", ("note",), "source_url"),
               "district_par_index_examples_verbatim.csv": ("district", ("note",), "source_url")}


def _load_note_facts(pub: Published) -> None:
    """facts_from_notes.csv: what the notes say, each fact tied to its row by the words it quotes."""
    rows: dict[str, list[dict]] = {}
    for name in _NOTE_FILES:
        with open(PUBLISHED_DIR / name, encoding="utf-8") as f:
            rows[name] = list(csv.DictReader(f))
    structured = {f.key(): f for f in pub.facts}
    with open(PUBLISHED_DIR / "facts_from_notes.csv", encoding="utf-8") as f:
        for n, c in enumerate(csv.DictReader(f), start=2):
            entity_col, text_cols, url_col = _NOTE_FILES[c["file"]]
            match = [r for r in rows[c["file"]] if r.get("index") == c["index"] and r["year"] == c["year"]
                     and r[entity_col] == c["entity"] and any(c["quote"] in (r[t] or "") for t in text_cols)]
            if len(match) != 1:
                raise ValueError(f"facts_from_notes.csv line {n}: {len(match)} rows of {c['file']} say {c['quote']!r}")
            family = c["index"]
            src = _source(match[0][url_col], f"{family.replace('_', ' ')} {c['year']}")
            if family == PROVINCIAL_FAMILY:
                family = "PAR_INDEX"
            if c["fact"] == "rank_groups":
                province = _s34_province_id(c["subject"])
                pub.rank_groups[(province, int(c["fact_year"] or c["year"]), c["level"])] = dict(
                    part.split("=", 1) for part in c["detail"].split("|"))
            fact = PublishedFact(family, int(c["fact_year"] or c["year"]), c["fact"], src, c["quote"], level=c["level"],
                                 subject=_subject(c), value=_num(c["value"]), arg=_num(c["arg"]), detail=c["detail"] or None,
                                 disagrees_vi=c["disagrees_vi"] or None, disagrees_en=c["disagrees_en"] or None)
            if fact.key() in structured and fact.disagrees:  # a note about a structured fact: it disagrees
                same = structured[fact.key()]
                same.disagrees_vi, same.disagrees_en = fact.disagrees_vi, fact.disagrees_en
                continue
            pub.facts.append(fact)
            if fact.kind == "rank" and not fact.disagrees and fact.subject:
                # a rank stated in a note is a published rank like any other (loaded, fitted around)
                pub.scores.append(PublishedScore(fact.subject, fact.year, family, None, int(fact.value), None, None, src,
                                                 f"{NOTE_RANK}“{c['quote']}”"))


def _subject(c: dict) -> str | None:
    """Unit names become unit ids (';'-joined for sets); areas and regions stay as written."""
    subject = c["subject"]
    if not subject or c["fact"] in ("area_change", "max_area_change", "region_avg", "group_count", "note"):
        return subject or None
    if c["level"] == "province":
        return ";".join(province_id_s63(s) for s in subject.split(";"))
    if ":" not in subject:
        return _s34_province_id(subject)
    province, name = (x.strip() for x in subject.split(":", 1))
    return _s34_unit_id(province, c["level"], name)


def _s34_province_id(name: str) -> str:
    codes = _S34().province_by_name.get(fold(name), [])
    if len(codes) != 1:
        raise ValueError(f"unknown 34-province-era province: {name!r}")
    return unit_id("S34", "province", codes[0])


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
                                         s.rank_of or old.rank_of, s.tier or old.tier, s.source, s.note,
                                         panel=s.panel)
        elif old.score is None and s.score is not None:
            merged[key] = PublishedScore(s.unit_id, s.year, s.family_code, s.score, old.rank or s.rank,
                                         old.rank_of or s.rank_of, old.tier or s.tier, s.source, s.note,
                                         panel=s.panel)
        elif old.rank is None and s.rank is not None:
            old.rank = s.rank
        elif old.rank is not None and s.rank is not None and old.rank != s.rank:
            pub.skipped.append(f"conflict {key}: kept rank {old.rank} from {old.source.key}, not {s.rank}")
        elif direct_old and s.score is not None and old.score is not None and abs(old.score - s.score) > 1e-9:
            pub.skipped.append(f"conflict {key}: kept {old.score} from {old.source.key}, not {s.score}")
    pub.scores = list(merged.values())


def _dedupe_facts(pub: Published) -> None:
    """The same fact from two sources is printed once per source, never twice for one."""
    seen = set()
    out = []
    for f in pub.facts:
        k = (*f.key(), f.source.key)
        if k not in seen:
            seen.add(k)
            out.append(f)
    pub.facts = out


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
