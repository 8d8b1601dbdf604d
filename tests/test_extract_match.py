"""A draft read from a report text, matched to what is recorded before it is saved (issue 15, defect 5): a report
whose inspection is in the database adds no second inspection and no restated finding, and saving the same draft
twice changes nothing, whatever its spelling (team label, Unicode form, spacing, punctuation, order of findings).

The checks here judge the database with their own rules (team numbers, day spans, word containment), not with the
matcher's, so that a matcher that forgets a case is caught rather than agreed with."""

import copy
import itertools
import re
import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from par_dashboard.extract import extract_text, review
from par_dashboard.extract.match import match_draft, plan_key, team_number
from par_dashboard.extract.save import save_draft
from par_dashboard.importing import service
from par_dashboard.importing.names import UnitResolver
from par_dashboard.store.db import Database
from par_dashboard.store.schema import CONTENT_TABLES
from tests.browser import ROOT

SEEDS = sorted((ROOT / "data" / "reports").glob("*.txt"))
DAK_SONG = ROOT / "data" / "reports" / "seed_daknong_2023_daksong.txt"


@pytest.fixture(scope="module")
def drafts(db) -> dict[str, dict]:
    resolver = UnitResolver.from_db(db)
    return {p.stem: extract_text(p.read_text(encoding="utf-8"), resolver=resolver) for p in SEEDS}


@contextmanager
def fresh_copy(built_db: Path):
    """A copy of the built database of its own (a hypothesis example must not see the previous one's writes)."""
    folder = Path(tempfile.mkdtemp(prefix="match-"))
    shutil.copy(built_db, folder / "par.duckdb")
    database = Database(folder / "par.duckdb")
    try:
        yield database
    finally:
        database.close()
        shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------- the test's own rules

def _plain(text) -> str:
    text = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _team_no(label) -> int | None:
    m = re.search(r"\bdoan\b.*?\bso\s*(\d+)", " ".join(_plain(label).split())) or re.search(r"\bdoan\s+(\d+)\b", _plain(label))
    return int(m.group(1)) if m else None


def _inspections(db: Database, province: str) -> list[dict]:
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


def _twins(db: Database, province: str) -> list[tuple[str, str]]:
    """Pairs of inspections that are one: the same team number (or, without numbers, a unit in common) on
    overlapping days (the same year when either has no day)."""
    out = []
    for a, b in itertools.combinations(_inspections(db, province), 2):
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


def _restated(db: Database, before: set[str], inspection_ids: list[str]) -> list[tuple[str, str]]:
    """Findings added since `before` (finding ids) that restate one recorded before: the same kind in the same
    inspection, and all the words of one in the other."""
    with db.cursor() as cur:
        rows = cur.execute("SELECT finding_id, inspection_id, kind, text FROM finding WHERE list_contains($ids, inspection_id)",
                           {"ids": inspection_ids}).fetchall()
    old = [r for r in rows if r[0] in before]
    return [(new[0], o[0]) for new in rows if new[0] not in before for o in old
            if new[1] == o[1] and new[2] == o[2] and (_words(new[3]) <= _words(o[3]) or _words(o[3]) <= _words(new[3]))]


def _finding_ids(db: Database) -> set[str]:
    with db.cursor() as cur:
        return {r[0] for r in cur.execute("SELECT finding_id FROM finding").fetchall()}


def content_hash(db: Database) -> dict[str, tuple]:
    """Every content table's rows, hashed (order aside), and how many batches and audit rows there are."""
    with db.cursor() as cur:
        out = {t: cur.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchone() for t in CONTENT_TABLES}  # noqa: S608
    return out | {"batches": len(service.batches(db)), "audit": len(service.audit_log(db, limit=10_000))}


def _saved_twice_changes_nothing(db: Database, draft: dict) -> None:
    after_first = content_hash(db)
    again = save_draft(db, draft, user="analyst")
    assert again.status == "unchanged", again.summary("en")
    assert content_hash(db) == after_first


# ---------------------------------------------------------------------------------------------------- (a) the seed reports

@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_a_seed_report_already_recorded_is_not_saved_again(built_db, drafts, seed):
    """Every report in data/reports is in the default database (from its transcription): reading it and accepting
    the draft refers to that inspection and adds none of its recorded findings again; accepting it twice changes
    nothing. The reported case is Đắk Song: "Thêm 20", "Đoàn kiểm tra số 346" beside "Đoàn kiểm tra số 346 của UBND
    tỉnh", each finding twice (the record has no field dates, only the day its draft result was announced)."""
    draft = drafts[seed.stem]
    province = draft["province"]["unit_id"]
    with fresh_copy(built_db) as db:
        inspections = [i["id"] for i in _inspections(db, province)]
        findings = _finding_ids(db)
        first = save_draft(db, draft, user="analyst")
        assert first.status in ("loaded", "unchanged") and not first.errors, first.summary("en")
        assert [i["id"] for i in _inspections(db, province)] == inspections, "a second record of an inspection already there"
        assert _twins(db, province) == []
        assert _restated(db, findings, inspections) == [], "findings already recorded were added again"
        if seed == DAK_SONG:
            assert draft["teams"][0]["label"] == "Đoàn kiểm tra số 346"  # shorter than the recorded label
            with db.cursor() as cur:
                added = cur.execute("SELECT DISTINCT inspection_id FROM finding WHERE NOT list_contains($ids, finding_id)",
                                    {"ids": sorted(findings)}).fetchall()
            assert added in ([], [("DN-2023-DAKSONG",)]) and first.added < len(draft["findings"])
        _saved_twice_changes_nothing(db, draft)


# ---------------------------------------------------------------------------------------------------- (b) any spelling of it

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


def test_any_spelling_of_a_recorded_report_is_saved_once(built_db, drafts):
    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spellings(drafts))
    def saved_once(draft):
        province = draft["province"]["unit_id"]
        with fresh_copy(built_db) as db:
            inspections = [i["id"] for i in _inspections(db, province)]
            first = save_draft(db, draft, user="analyst")
            assert first.status in ("loaded", "unchanged") and not first.errors, first.summary("en")
            _saved_twice_changes_nothing(db, draft)
            assert _twins(db, province) == []
            assert [i["id"] for i in _inspections(db, province)] == inspections

    saved_once()


# ---------------------------------------------------------------------------------------------------- the rules, shown

@pytest.mark.parametrize(("label", "number"), [
    ("Đoàn kiểm tra số 346", 346), ("Đoàn kiểm tra số 346 của UBND tỉnh", 346), ("Đoàn 346", 346),
    ("ĐOÀN KIỂM TRA SỐ 346", 346), (unicodedata.normalize("NFD", "Đoàn  kiểm\ntra số: 0346"), 346),
    ("Đoàn kiểm tra liên ngành số 2 (Quyết định 346/QĐ-UBND)", 2), ("Đoàn kiểm tra tại huyện Văn Lãng", None),
    ("Đoàn kiểm tra của Ban Chỉ đạo CCHC tỉnh", None), (None, None),
])
def test_team_numbers(label, number):
    assert team_number(label) == number


def test_plan_numbers_are_compared_folded():
    assert {plan_key(n) for n in ("80/KH-BCĐCCHC", "số 80/KH-BCĐCCHC", "Kế hoạch số 80 / kh-bcdcchc",
                                  unicodedata.normalize("NFD", "80/KH-BCĐCCHC"))} == {"80khbcdcchc"}
    assert plan_key("81/KH-BCĐCCHC") != plan_key("80/KH-BCĐCCHC")


def test_the_review_says_what_is_recorded_updated_or_new(db, drafts):
    """Before saving: the Đắk Song team is recorded (and where), its restated findings with their ids; a plan
    typed in that the database lacks is new (a synthetic demo plan of the same number is not the report's), and
    the recorded inspection would get it filled in; a figure other than the recorded one updates it."""
    draft = copy.deepcopy(drafts[DAK_SONG.stem])
    match = match_draft(db, draft)
    assert (match.plan, match.teams[0].status, match.teams[0].id) == (None, "recorded", "DN-2023-DAKSONG")
    assert [u.status for u in match.units[0]] == ["recorded"]
    recorded = {m.id for m in match.findings if m.status == "recorded"}
    assert {"DN-2023-DAKSONG-L1", "DN-2023-DAKSONG-L2", "DN-2023-DAKSONG-K4"} <= recorded
    assert all(m.id == "DN-2023-DAKSONG" for m in match.findings if m.status == "new")

    demo_plan = "112/KH-UBND"  # Đắk Nông's synthetic 2023 plan
    draft["plan"] = {"number": f"số {demo_plan}", "issued_on": None, "issuer": "UBND tỉnh"}
    draft["indicators"] = [{"indicator_code": "OPS_ONTIME_PCT", "value": 12.5, "unit_id": "S63-D-665", "period": "Y", "keep": True}]
    match = match_draft(db, draft)
    assert match.plan.status == "new" and match.plan.id.startswith("VB-")
    assert match.teams[0].status == "update" and match.teams[0].changes == (("plan_id", None, match.plan.id),)
    assert match.indicators[0].status in ("new", "update")
    for lang, words in (("vi", ("Đã có trong cơ sở dữ liệu", "Sẽ cập nhật", "Mới")), ("en", ("Already recorded", "Will update", "New"))):
        frame = review.match_frame(draft, match, lang)
        status = frame.iloc[:, 2]
        assert set(words) <= set(status), (lang, set(status))
        team = frame[frame.iloc[:, 0] == ("Đoàn 1" if lang == "vi" else "Team 1")].iloc[0]
        assert team.iloc[2] == words[1] and "DN-2023-DAKSONG" in team.iloc[3] and match.plan.id in team.iloc[3]
