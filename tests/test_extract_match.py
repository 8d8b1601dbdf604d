"""A draft read from a report text, matched to what is recorded before it is saved (issue 15, defect 5): a report
whose inspection is in the database adds no second inspection and no restated finding, and saving the same draft
twice changes nothing, whatever its spelling (team label, Unicode form, spacing, punctuation, order of findings).

The checks here judge the database with their own rules (team numbers, day spans, word containment), not with the
matcher's, so that a matcher that forgets a case is caught rather than agreed with. They and the spellings' strategy
are in tests/hardening/idempotence.py: the figures command (`python -m tests.hardening`) saves more spellings."""

import copy
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings

from par_dashboard.extract import review
from par_dashboard.extract.match import match_draft, plan_key, team_number
from tests.hardening import idempotence
from tests.hardening.idempotence import DAK_SONG, SEEDS, fresh_copy, spellings


@pytest.fixture(scope="module")
def drafts(db) -> dict[str, dict]:
    return idempotence.read_drafts(db)


# ---------------------------------------------------------------------------------------------------- (a) the seed reports

@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.stem)
def test_a_seed_report_already_recorded_is_not_saved_again(built_db, drafts, seed):
    """Every report in data/reports is in the default database (from its transcription): reading it and accepting
    the draft refers to that inspection and adds none of its recorded findings again; accepting it twice changes
    nothing. The reported case is Đắk Song: "Thêm 20", "Đoàn kiểm tra số 346" beside "Đoàn kiểm tra số 346 của UBND
    tỉnh", each finding twice (the record has no field dates, only the day its draft result was announced)."""
    draft = drafts[seed.stem]
    with fresh_copy(built_db) as db:
        first, findings, wrong = idempotence.first_save(db, draft)
        assert not wrong, wrong
        if seed == DAK_SONG:
            assert draft["teams"][0]["label"] == "Đoàn kiểm tra số 346"  # shorter than the recorded label
            with db.cursor() as cur:
                added = cur.execute("SELECT DISTINCT inspection_id FROM finding WHERE NOT list_contains($ids, finding_id)",
                                    {"ids": sorted(findings)}).fetchall()
            assert added in ([], [("DN-2023-DAKSONG",)]) and first.added < len(draft["findings"])
        wrong = idempotence.saved_twice_violations(db, draft)
        assert not wrong, wrong


# ---------------------------------------------------------------------------------------------------- (b) any spelling of it

def test_any_spelling_of_a_recorded_report_is_saved_once(built_db, drafts):
    @settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spellings(drafts))
    def saved_once(draft):
        wrong = idempotence.spelling_violations(built_db, draft)
        assert not wrong, wrong

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
