"""Build data/par.duckdb from the human-readable files in data/.

The database is written to a temporary file and moved into place only when complete, so a failed or
killed build never leaves a half-built database where the app looks for one.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from par_dashboard.building import demo as demo_mod
from par_dashboard.building import followup_demo
from par_dashboard.building.published import Published, load_published
from par_dashboard.domain.units import STRUCTURES, fold, load_admin_units
from par_dashboard.paths import DEFAULT_DB, REPORTS_DIR, SCHEMA_FILE, SEED_DIR
from par_dashboard.store import fact_table
from par_dashboard.store.schema import CONTENT_TABLES, macros_sql

Progress = Callable[[float, str], None]

DEMO_SOURCE_TITLE = "Dữ liệu mô phỏng (sinh tự động, có tất định, seed {seed}) — không phải số liệu thật"
# Findings recorded as open in the demo are judged against this day, not the wall clock, so builds repeat.
DEMO_AS_OF = dt.date(2026, 6, 30)

@dataclass(frozen=True)
class ExtraRows:
    """Rows added on top of everything else, under a source of their own, before the database is checked and saved:
    the benchmark's synthetic national scale (bench/scale.py: `python -m bench.scale`). The product adds none."""

    title: str  # of their source (kind synthetic_demo)
    file: str  # the file that makes them, named by their source
    step: str  # what the progress says while they are added
    note: str  # the data version's note
    add: Callable[[duckdb.DuckDBPyConnection, int, dt.date], None]  # (connection, their source id, the demo's as-of day)
    figures: dict = field(default_factory=dict)  # added to what build() returns


def build(db_path: Path = DEFAULT_DB, progress: Progress | None = None, extra: ExtraRows | None = None) -> dict:
    """Build the database at `db_path`; return figures about the build (rows per table, seconds).

    `extra` adds rows on top of everything else (the benchmark's national scale); None builds the ordinary database."""
    say = progress or (lambda f, m: None)
    t0 = time.perf_counter()
    tmp = db_path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}.wal")):
        p.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        say(0.02, "Tạo lược đồ dữ liệu")
        con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        con.execute(macros_sql())  # the SQL the queries share (store/macros.sql), stored with the tables it reads
        sources = _Sources()

        say(0.05, "Nạp đơn vị hành chính (63 và 34 tỉnh) từ vietnamadminunits")
        admin = load_admin_units()
        _insert(con, "admin_structure", pd.DataFrame(STRUCTURES))
        for level in ("province", "district", "commune", "department"):  # parents before children
            _insert(con, "admin_unit", admin.units[admin.units.level == level])
        _insert(con, "unit_crosswalk", admin.crosswalk)

        say(0.25, "Nạp danh mục lĩnh vực, bộ chỉ số và chỉ tiêu")
        for table, file in (("par_area", "par_areas.csv"), ("index_family", "index_families.csv"),
                            ("indicator", "indicators.csv")):
            _insert(con, table, pd.read_csv(SEED_DIR / file, dtype=str, keep_default_na=False).replace("", None))
        regions = pd.read_csv(SEED_DIR / "regions.csv", dtype=str)
        _insert(con, "unit_region", regions.assign(unit_id="S63-P-" + regions.code))

        say(0.30, "Nạp số liệu đã công bố")
        published = load_published()
        pub_scores = _published_scores(published, sources)
        pub_aggs = pd.DataFrame([{"family_code": a.family_code, "year": a.year, "aggregate": a.aggregate,
                                  "value": a.value, "note": a.note, "source_id": sources.published(a.source)}
                                 for a in published.aggregates])
        pub_facts = pd.DataFrame([{"fact_id": i, "family_code": f.family, "year": f.year, "kind": f.kind, "level": f.level,
                                   "subject": f.subject, "value": f.value, "arg": f.arg, "detail": f.detail, "quote": f.text,
                                   "disagrees_vi": f.disagrees_vi, "disagrees_en": f.disagrees_en,
                                   "source_id": sources.published(f.source)}
                                  for i, f in enumerate(published.facts, start=1)])

        say(0.35, "Nạp các báo cáo kiểm tra thật (data/reports)")
        reports = _load_reports(sources, set(admin.units.unit_id), dict(zip(admin.units.unit_id, admin.units.short_name, strict=False)))

        say(0.45, "Sinh dữ liệu mô phỏng (có tất định)")
        demo_src = sources.add("synthetic_demo", DEMO_SOURCE_TITLE.format(seed=demo_mod.SEED), file="par_dashboard/building/demo.py")
        demo = demo_mod.generate(admin.units, admin.crosswalk, published, demo_src)
        demo.findings = demo_mod.finish_findings(demo.findings, DEMO_AS_OF)
        frames = demo.frames()
        if extra is not None:
            extra_src = sources.add("synthetic_demo", extra.title, file=extra.file)

        say(0.75, "Ghi dữ liệu: số liệu thật được ưu tiên hơn dữ liệu mô phỏng")
        _insert(con, "source", sources.frame())
        _insert(con, "score", _merge_scores(pub_scores, frames["scores"]))
        _insert(con, "published_aggregate", pub_aggs)
        _insert(con, "published_fact", pub_facts)
        _insert(con, "rank_group", pd.DataFrame([
            {"province_id": f.subject, "year": f.year, "level": f.level, "unit_type": unit_type, "rank_group": group,
             "source_id": sources.published(f.source)}
            for f in published.facts if f.kind == "rank_groups"
            for unit_type, group in (part.split("=", 1) for part in f.detail.split("|"))]))
        for table in ("inspection_plan", "inspection", "inspection_unit"):
            _insert(con, table, pd.concat([reports[table], frames[_DEMO_NAME[table]]], ignore_index=True))
        findings = pd.concat([reports["finding"], frames["findings"]], ignore_index=True)
        for generation in _follow_up_generations(findings):  # a finding after the one it follows up
            _insert(con, "finding", generation)
        # remediation follow-up of the demo findings only (par_dashboard/building/followup_demo.py); real reports state none
        _insert(con, "finding_followup", followup_demo.followups(frames["findings"], frames["inspection_units"], admin.units,
                                                                 DEMO_AS_OF, demo_src))
        _insert(con, "indicator_value", _real_first(reports["indicator_value"], frames["indicator_values"],
                                                    ["unit_id", "indicator_code", "year", "period"]))
        _insert(con, "target", _real_first(reports["target"], frames["targets"], ["indicator_code", "province_id", "year"]))
        if extra is not None:
            say(0.85, extra.step)
            extra.add(con, extra_src, DEMO_AS_OF)
        note = "built from data/" if extra is None else extra.note
        con.execute("INSERT INTO data_version VALUES (1, current_timestamp, ?)", [note])
        fact_table.refresh(con)  # indicator_fact, stored (store/fact_table.py)

        say(0.95, "Kiểm tra và lưu cơ sở dữ liệu")
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in CONTENT_TABLES}  # noqa: S608 - fixed names
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, db_path)
    say(1.0, "Xong")
    figures = {} if extra is None else extra.figures
    return {"seconds": round(time.perf_counter() - t0, 2), **figures, "rows": counts, "skipped": published.skipped}


_DEMO_NAME = {"inspection_plan": "plans", "inspection": "inspections", "inspection_unit": "inspection_units",
              "finding": "findings"}


def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
    """Insert a DataFrame by column name; columns the table has but the frame lacks stay NULL."""
    if df.empty:
        return
    cols = [c for c in con.table(table).columns if c in df.columns]
    con.register("_incoming", df[cols])
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM _incoming")  # noqa: S608 - table and column names come from the schema
    finally:
        con.unregister("_incoming")


def _follow_up_generations(findings: pd.DataFrame) -> list[pd.DataFrame]:
    done: set[str] = set()
    rest = findings
    out = []
    while not rest.empty:
        ready = rest.follows_up_id.isna() | rest.follows_up_id.isin(done)
        if not ready.any():
            raise ValueError("findings follow up findings that do not exist")
        out.append(rest[ready])
        done.update(rest[ready].finding_id)
        rest = rest[~ready]
    return out


def _real_first(real: pd.DataFrame, demo: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Real rows, plus the demo rows whose key no real row has."""
    if real.empty:
        return demo
    keys = pd.MultiIndex.from_frame(real[key])
    return pd.concat([real, demo[~pd.MultiIndex.from_frame(demo[key]).isin(keys)]], ignore_index=True)


def _merge_scores(pub: pd.DataFrame, demo: pd.DataFrame) -> pd.DataFrame:
    """A published score wins; a published rank without a score keeps its rank beside the demo score."""
    key = ["unit_id", "year", "family_code", "area_code"]
    merged = demo.merge(pub, on=key, how="outer", suffixes=("_demo", ""), indicator=True)
    has_pub_score = merged["score"].notna()
    merged["score"] = merged["score"].where(has_pub_score, merged["score_demo"])
    merged["rank_source_id"] = merged["source_id"].where(merged["_merge"] != "left_only")
    merged["rank_source_id"] = merged["rank_source_id"].where(merged["published_rank"].notna() | merged["tier"].notna())
    merged["source_id"] = merged["source_id"].where(has_pub_score | merged["score_demo"].isna(), merged["source_id_demo"])
    out = merged[key + ["score", "published_rank", "rank_of", "tier", "source_id", "rank_source_id", "note"]]
    for col in ("published_rank", "rank_of", "source_id", "rank_source_id"):
        out = out.astype({col: "Int64"})
    return out.sort_values(key).reset_index(drop=True)


def _published_scores(pub: Published, sources: _Sources) -> pd.DataFrame:
    return pd.DataFrame([{
        "unit_id": s.unit_id, "year": s.year, "family_code": s.family_code, "area_code": "TOTAL",
        "score": s.score, "published_rank": s.rank, "rank_of": s.rank_of, "tier": s.tier,
        "source_id": sources.published(s.source), "note": s.note} for s in pub.scores])


class _Sources:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self._by_key: dict[str, int] = {}

    def add(self, kind: str, title: str, url: str | None = None, file: str | None = None,
            published_on=None, note: str | None = None) -> int:
        key = f"{kind}|{title}|{url}|{file}"
        if key not in self._by_key:
            self._by_key[key] = len(self.rows) + 1
            self.rows.append({"source_id": len(self.rows) + 1, "kind": kind, "title": title, "url": url,
                              "file": file, "published_on": published_on, "note": note})
        return self._by_key[key]

    def published(self, src) -> int:
        also = src.urls[1:]
        note = "; ".join(x for x in (src.note, ("Nguồn khác: " + " ; ".join(also)) if also else None) if x) or None
        return self.add("official_publication", src.title, url=src.urls[0], file=src.file, note=note)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows)


def _load_reports(sources: _Sources, known_units: set[str], short_names: dict[str, str]) -> dict[str, pd.DataFrame]:
    """The transcribed real reports (data/reports/*.toml)."""
    out: dict[str, list[dict]] = {t: [] for t in ("inspection_plan", "inspection", "inspection_unit", "finding",
                                                  "indicator_value", "target")}
    for path in sorted(REPORTS_DIR.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        s = doc["source"]
        sid = sources.add(s["kind"], s["title"], url=s.get("url"), file=s.get("file"), note=s.get("note"))

        def unit(ref: str, name: str | None = None, path: Path = path) -> str:
            if ref not in known_units:
                raise ValueError(f"{path.name}: unknown unit {ref}")
            if name and fold(name) != fold(short_names[ref]):
                raise ValueError(f"{path.name}: {ref} is {short_names[ref]!r}, not {name!r}")
            return ref

        for p in doc.get("plans", []):
            out["inspection_plan"].append({**p, "province_id": unit(p.pop("province")), "source_id": sid})
        for i in doc.get("inspections", []):
            visited = i.pop("units")
            out["inspection"].append({**i, "province_id": unit(i.pop("province")), "source_id": sid})
            for v in visited:
                out["inspection_unit"].append({"inspection_id": i["inspection_id"], "unit_id": unit(v["unit"], v.get("name")),
                                               "visited_on": i.get("started_on"), "what_checked": v.get("what_checked")})
        only = doc["inspections"][0]["inspection_id"] if len(doc.get("inspections", [])) == 1 else None
        for f in doc.get("findings", []):
            out["finding"].append({
                "finding_id": f["id"], "inspection_id": f.get("inspection", only), "unit_id": unit(f["unit"]) if "unit" in f else None,
                "area_code": f.get("area"), "kind": f["kind"], "topic": f.get("topic"), "text": f["text"],
                "status": f.get("status"), "status_on": _recorded_on(doc, f.get("inspection", only)) if f.get("status") else None,
                "source_id": sid})
        for v in doc.get("indicator_values", []):
            out["indicator_value"].append({"unit_id": unit(v["unit"]), "indicator_code": v["indicator"], "year": v["year"],
                                           "period": v.get("period", "Y"), "value": float(v["value"]),
                                           "inspection_id": only, "source_id": sid})
        for t in doc.get("targets", []):
            out["target"].append({"indicator_code": t["indicator"], "province_id": unit(t["province"]), "year": t["year"],
                                  "target_value": float(t["value"]), "source_id": sid})
    return {k: pd.DataFrame(v) for k, v in out.items()}


def _recorded_on(doc: dict, inspection_id: str | None):
    """A limitation is open as of the day the inspection recorded it."""
    for i in doc["inspections"]:
        if i["inspection_id"] == inspection_id:
            return i.get("ended_on") or i.get("announced_on")
    return None
