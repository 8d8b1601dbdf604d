"""Saving the same thing twice changes nothing (tests/test_extract_match.py and tests/test_import_service.py assert
it).

A report already recorded (each of data/reports, as read, and spelt otherwise: its team labelled longer, shorter or
in capitals, NFC or NFD, spaced and punctuated otherwise, its findings in another order) adds no second inspection
and no restated finding, and saving its draft a second time changes nothing; a workbook loaded a second time is
"unchanged". The database is judged with rules of its own here (team numbers, day spans, word containment), not with
the matcher's, so that a matcher that forgets a case is caught rather than agreed with.
"""

from __future__ import annotations

import copy
import itertools
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import strategies as st

from par_dashboard.extract.save import save_draft
from par_dashboard.importing import service
from par_dashboard.paths import REPORTS_DIR
from par_dashboard.store.db import Database
from par_dashboard.store.schema import CONTENT_TABLES
from tests.hardening import environment
from tests.hardening.invariants import Survey, named, note, survey

SEEDS = sorted(REPORTS_DIR.glob("*.txt"))
DAK_SONG = REPORTS_DIR / "seed_daknong_2023_daksong.txt"


def read_drafts(db: Database) -> dict[str, dict]:
    """Each seed report read into a draft, by its stem."""
    from par_dashboard.extract import extract_text
    from par_dashboard.importing.names import UnitResolver

    resolver = UnitResolver.from_db(db)
    return {p.stem: extract_text(p.read_text(encoding="utf-8"), resolver=resolver) for p in SEEDS}


@contextmanager
def fresh_copy(built_db: Path) -> Iterator[Database]:
    """A copy of the built database of its own (a hypothesis example must not see the previous one's writes)."""
    folder = Path(tempfile.mkdtemp(prefix="match-"))
    shutil.copy(built_db, folder / "par.duckdb")
    database = Database(folder / "par.duckdb")
    try:
        yield database
    finally:
        database.close()
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------- the checks' own rules

def _plain(text) -> str:
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _team_no(label) -> int | None:
    m = re.search(r"\bdoan\b.*?\bso\s*(\d+)", " ".join(_plain(label).split())) or re.search(r"\bdoan\s+(\d+)\b", _plain(label))
    return int(m.group(1)) if m else None


def inspections_of(db: Database, province: str) -> list[dict]:
    """The real (not synthetic) inspections of a province, each with its days (whatever is recorded) and units."""
    with db.cursor() as cur:
        rows = cur.execute("""
            WITH visits AS (SELECT inspection_id, min(visited_on) AS first_visit, max(visited_on) AS last_visit,
                                   list(unit_id) AS units FROM inspection_unit GROUP BY ALL)
            SELECT i.inspection_id, i.team_label, i.year,
                   least(i.started_on, i.ended_on, i.announced_on, v.first_visit),
                   greatest(i.started_on, i.ended_on, i.announced_on, v.last_visit), v.units
            FROM inspection i JOIN source s USING (source_id) LEFT JOIN visits v USING (inspection_id)
            WHERE i.province_id = $p AND s.kind <> 'synthetic_demo'
            ORDER BY 1""", {"p": province}).fetchall()
    return [{"id": r[0], "number": _team_no(r[1]), "year": r[2], "days": (r[3], r[4]) if r[3] else None, "units": set(r[5] or ())}
            for r in rows]


def twins(db: Database, province: str) -> list[tuple[str, str]]:
    """Pairs of inspections that are one: the same team number (or, without numbers, a unit in common) on
    overlapping days (the same year when either has no day)."""
    out = []
    for a, b in itertools.combinations(inspections_of(db, province), 2):
        if a["days"] and b["days"]:
            together = a["days"][0] <= b["days"][1] and b["days"][0] <= a["days"][1]
        else:
            together = a["year"] == b["year"]
        same_team = (a["number"] == b["number"] if a["number"] is not None and b["number"] is not None
                     else bool(a["days"] and b["days"] and a["units"] & b["units"]))
        if together and same_team:
            out.append((a["id"], b["id"]))
    return out


def _words(text) -> set[str]:
    return set(re.findall(r"\w+", _plain(text)))


def restated(db: Database, before: set[str], inspection_ids: list[str]) -> list[tuple[str, str]]:
    """Findings added since `before` (finding ids) that restate one recorded before: the same kind in the same
    inspection, and all the words of one in the other."""
    with db.cursor() as cur:
        rows = cur.execute("SELECT finding_id, inspection_id, kind, text FROM finding WHERE list_contains($ids, inspection_id)",
                           {"ids": inspection_ids}).fetchall()
    old = [r for r in rows if r[0] in before]
    return [(new[0], o[0]) for new in rows if new[0] not in before for o in old
            if new[1] == o[1] and new[2] == o[2] and (_words(new[3]) <= _words(o[3]) or _words(o[3]) <= _words(new[3]))]


def finding_ids(db: Database) -> set[str]:
    with db.cursor() as cur:
        return {r[0] for r in cur.execute("SELECT finding_id FROM finding").fetchall()}


def content_hash(db: Database) -> dict[str, tuple]:
    """Every content table's rows, hashed (order aside), and how many batches and audit rows there are."""
    with db.cursor() as cur:
        out = {t: cur.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchone() for t in CONTENT_TABLES}  # noqa: S608
    return out | {"batches": len(service.batches(db)), "audit": len(service.audit_log(db, limit=10_000))}


# ---------------------------------------------------------------------------------------------------- the checks

def saved_twice_violations(db: Database, draft: dict) -> list[str]:
    """The draft saved once already: saving it again is "unchanged" and changes nothing."""
    after_first = content_hash(db)
    again = save_draft(db, draft, user="analyst")
    wrong = [] if again.status == "unchanged" else [f"saved a second time: {again.summary('en')}"]
    if content_hash(db) != after_first:
        wrong.append("the second save changed the database")
    return wrong


def first_save(db: Database, draft: dict) -> tuple[service.ImportReport, set[str], list[str]]:
    """A draft of a report already recorded, saved on `db`: no second record of an inspection, no two inspections
    that are one, no restated finding. The report, the finding ids before, and what is wrong."""
    province = draft["province"]["unit_id"]
    inspections = [i["id"] for i in inspections_of(db, province)]
    findings = finding_ids(db)
    first = save_draft(db, draft, user="analyst")
    if first.status not in ("loaded", "unchanged") or first.errors:
        return first, findings, [f"the first save: {first.summary('en')}"]
    note(f"first save {first.status}")
    wrong = []
    if [i["id"] for i in inspections_of(db, province)] != inspections:
        wrong.append("a second record of an inspection already there")
    if found := twins(db, province):
        wrong.append(f"inspections that are one: {found}")
    if found := restated(db, findings, inspections):
        wrong.append(f"findings already recorded were added again: {found[:3]}")
    return first, findings, wrong


def recorded_once_violations(db: Database, draft: dict) -> list[str]:
    """`first_save`, then the second save changes nothing."""
    first, _, wrong = first_save(db, draft)
    if first.status not in ("loaded", "unchanged") or first.errors:
        return wrong
    return wrong + saved_twice_violations(db, draft)


def spelling_violations(built_db: Path, draft: dict) -> list[str]:
    with fresh_copy(built_db) as db:
        return recorded_once_violations(db, draft)


_SUFFIXES = ("", " của UBND tỉnh", " của Ủy ban nhân dân tỉnh", " (theo Quyết định của Chủ tịch UBND tỉnh)")


@st.composite
def spellings(draw, drafts: dict[str, dict]) -> dict:
    """A recorded report's draft as another reader might have left it: its team labelled longer, shorter or in
    capitals, every text in NFC or NFD, spaced otherwise, punctuated otherwise, its findings in another order."""
    draft = copy.deepcopy(drafts[draw(st.sampled_from(sorted(drafts)))])
    form = draw(st.sampled_from(["NFC", "NFD"]))
    space = draw(st.sampled_from([" ", "  ", " \n ", "\u00a0"]))
    end = draw(st.sampled_from(["", ".", ";", " …"]))

    def spelt(text):
        return None if text is None else unicodedata.normalize(form, text).replace(" ", space)

    for team in draft["teams"]:
        label = team["label"] + draw(st.sampled_from(_SUFFIXES))
        label = {"as is": label, "upper": label.upper(),
                 "short": re.sub(r"^Đoàn kiểm tra số", "Đoàn", label)}[draw(st.sampled_from(["as is", "upper", "short"]))]
        team["label"] = spelt(label)
        team["leader_name"], team["leader_title"] = spelt(team["leader_name"]), spelt(team["leader_title"])
    findings = [{**f, "text": spelt(f["text"]) + end} for f in draft["findings"]]
    draft["findings"] = draw(st.permutations(findings))
    return draft


def same_file_twice(db: Database, data: bytes, name: str) -> tuple[service.ImportReport, service.ImportReport | None, list[str]]:
    """A workbook loaded once (loaded, or unchanged when it holds what is recorded), then again: "unchanged", no batch,
    the content, the data version and the batches as they were. Both reports, and what is wrong."""
    first = service.load(db, data, name, user="test")
    if first.status not in ("loaded", "unchanged"):
        return first, None, [f"the first load: {first.summary('en')}"]
    note(f"first load {first.status}")
    with db.cursor() as cur:
        version = cur.execute("SELECT max(version) FROM data_version").fetchone()[0]
    after_first, n_batches = content_hash(db), len(service.batches(db))
    again = service.load(db, data, name, user="test")
    wrong = [] if again.status == "unchanged" and again.batch_id is None else [f"loaded a second time: {again.summary('en')}"]
    with db.cursor() as cur:
        if cur.execute("SELECT max(version) FROM data_version").fetchone()[0] != version:
            wrong.append("the second load bumped the data version")
    if content_hash(db) != after_first or len(service.batches(db)) != n_batches:
        wrong.append("the second load changed the database")
    return first, again, wrong


def same_file_twice_violations(db: Database, data: bytes, name: str) -> list[str]:
    return same_file_twice(db, data, name)[2]


# ---------------------------------------------------------------------------------------------------- the survey

def run_idempotence(db_path: Path, examples: int = 40, seed: int = 0) -> dict:
    """Each seed report saved twice, `examples` spellings of them saved twice, and workbooks loaded twice (the
    import test's file, the template's examples in both languages): the figures."""
    from par_dashboard.importing import template
    from tests.test_import_service import good_rows, xlsx

    with tempfile.TemporaryDirectory(prefix="par-twice-") as tmp, environment(PAR_BACKUP_DIR=str(Path(tmp) / "backups")):
        db = Database(db_path, read_only=True)
        try:
            drafts = read_drafts(db)
        finally:
            db.close()

        def on_a_copy(check):
            def run(**case) -> list[str]:
                with fresh_copy(db_path) as copy_:
                    return check(copy_, **case)
            return run

        seeds = named(on_a_copy(recorded_once_violations), {f"seed {stem}": {"draft": d} for stem, d in drafts.items()})
        spelt = survey(lambda draft: spelling_violations(db_path, draft), examples=examples, seed=seed,
                       draft=spellings(drafts))
        files = {"the import test's workbook": {"data": xlsx(good_rows()), "name": "a.xlsx"},
                 "the template's examples (vi)": {"data": xlsx(template.example_rows("vi")), "name": "mau.xlsx"},
                 "the template's examples (en)": {"data": xlsx(template.example_rows("en"), lang="en"), "name": "sample.xlsx"}}
        workbooks = named(on_a_copy(same_file_twice_violations), files)
    total = Survey().add(seeds).add(spelt).add(workbooks)
    return total.figures() | {"seeds": seeds.counts(), "spellings": spelt.counts(), "workbooks": workbooks.counts()}
