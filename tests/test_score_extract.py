"""The extraction scorer (scripts/score_extract.py) and its gold records, not the extractor: a scorer that
miscounts would make every later extractor number meaningless."""

import copy
import json
import unicodedata

import pytest

from scripts.score_extract import (
    EXAMPLES_DIR,
    GOLD_DIR,
    leader_key,
    load_gold,
    match_findings,
    micro,
    score,
    score_all,
)

GOLD = {
    "province": {"name": "Đắk Nông", "unit_id": "S63-P-67"},
    "year": 2023,
    "plan": {"number": "80/KH-BCĐCCHC", "issued_on": "2024-05-29", "issuer": "Ban Chỉ đạo CCHC tỉnh"},
    "teams": [{"label": "Đoàn kiểm tra số 346", "leader_name": "Lê Trung Trường Vũ", "leader_title": None,
               "started_on": None, "ended_on": "2023-09-28",
               "units": [{"name": "huyện Đăk Song", "unit_id": "S63-D-665"}]}],
    "indicators": [{"indicator_code": "OPS_ONTIME_PCT", "value": 99.8, "unit_id": "S63-D-665", "period": "Y"},
                   {"indicator_code": "OPS_TASKS_TOTAL", "value": 38.0, "unit_id": "S63-D-665", "period": "Y"}],
    "findings": [
        {"kind": "limitation", "area_code": "A1", "text": "công tác tuyên truyền CCHC còn chưa phong phú"},
        {"kind": "limitation", "area_code": "A7", "text": "ứng dụng chữ ký số trong trao đổi văn bản còn thấp"},
        {"kind": "recommendation", "area_code": "A4", "text": "thực hiện tinh giản biên chế"},
    ],
}
SET_FIELDS = ("units", "leaders", "dates", "indicator_values", "findings")


def test_a_perfect_prediction_scores_one_everywhere():
    result = score(GOLD, copy.deepcopy(GOLD))
    for field in ("province", "year", "plan"):
        assert result[field]["accuracy"] == 1.0
    for field in SET_FIELDS:
        assert (result[field]["precision"], result[field]["recall"], result[field]["f1"]) == (1.0, 1.0, 1.0), field
    assert result["indicator_values"]["same_unit"] == 2
    assert result["findings"]["same_area"] == 3


def test_an_empty_prediction_recalls_nothing():
    result = score(GOLD, {})
    for field in SET_FIELDS:
        assert result[field]["recall"] == 0.0 and result[field]["tp"] == 0, field
    assert result["province"]["accuracy"] == result["year"]["accuracy"] == result["plan"]["accuracy"] == 0.0


def test_a_plan_is_scored_only_where_the_gold_has_one():
    gold = {**GOLD, "plan": None}
    assert score(gold, {"plan": {"number": "1/KH-UBND"}})["plan"]["total"] == 0


def test_a_near_duplicate_finding_matches_but_a_different_kind_does_not():
    gold = [{"kind": "limitation", "area_code": "A7", "text": "ứng dụng chữ ký số trong trao đổi văn bản còn thấp"}]
    near = [{"kind": "limitation", "area_code": "A3", "text": "Ứng dụng chữ ký số trong trao đổi văn bản còn thấp..."}]
    wrong_kind = [{**near[0], "kind": "recommendation"}]
    assert len(match_findings(gold, near)) == 1
    assert match_findings(gold, wrong_kind) == []
    result = score({"findings": gold}, {"findings": near})
    assert result["findings"]["tp"] == 1 and result["findings"]["same_area"] == 0


def test_findings_are_matched_one_to_one_best_first():
    gold = [{"kind": "result", "text": "tỷ lệ hồ sơ giải quyết đúng hạn đạt 99,8%"}]
    predicted = [{"kind": "result", "text": "tỷ lệ hồ sơ giải quyết đúng hạn đạt 99,8% trong năm"},
                 {"kind": "result", "text": "tỷ lệ hồ sơ giải quyết đúng hạn đạt 99,8%"}]
    pairs = match_findings(gold, predicted)
    assert pairs == [(gold[0], predicted[1])]
    assert score({"findings": gold}, {"findings": predicted})["findings"]["precision"] == 0.5


def test_a_dissimilar_finding_does_not_match():
    gold = [{"kind": "limitation", "text": "còn có hồ sơ giải quyết quá hạn"}]
    predicted = [{"kind": "limitation", "text": "trả lại hồ sơ cho người dân không có lý do"}]
    assert match_findings(gold, predicted) == []


@pytest.mark.parametrize("name", ["Ông Lê Trung Trường Vũ", "lê trung trường vũ", "đồng chí Lê Trung Trường Vũ",
                                  unicodedata.normalize("NFD", "Lê Trung Trường Vũ"), "Le Trung Truong Vu"])
def test_leader_names_match_without_honorifics_case_or_unicode_form(name):
    assert leader_key(name) == leader_key("Lê Trung Trường Vũ") == "le trung truong vu"
    gold = {"teams": [{"leader_name": "Lê Trung Trường Vũ"}]}
    assert score(gold, {"teams": [{"leader_name": name}]})["leaders"]["f1"] == 1.0


def test_an_honorific_alone_is_kept_as_a_name():
    assert leader_key("Bà") == "ba"
    assert leader_key("Bà Hoàng Thị Hiền") == "hoang thi hien"


def test_indicator_values_compare_rounded_and_report_the_unit_separately():
    gold = {"indicators": [{"indicator_code": "OPS_ONLINE_DVC_PCT", "value": 89.58, "unit_id": "S63-D-183"}]}
    predicted = {"indicators": [{"indicator_code": "OPS_ONLINE_DVC_PCT", "value": 89.5800001, "unit_id": None},
                                {"indicator_code": "OPS_ONTIME_PCT", "value": 89.58, "unit_id": "S63-D-183"}]}
    result = score(gold, predicted)["indicator_values"]
    assert (result["tp"], result["pred"], result["gold"], result["same_unit"]) == (1, 2, 1, 0)


def test_a_year_wrapped_with_its_evidence_still_counts():
    assert score({"year": 2024}, {"year": {"value": 2024, "evidence": [0, 10]}})["year"]["accuracy"] == 1.0


def test_micro_average_pools_counts_not_ratios():
    files = [score(GOLD, copy.deepcopy(GOLD)), score(GOLD, {})]
    pooled = micro(files)
    assert pooled["findings"]["precision"] == 1.0
    assert pooled["findings"]["recall"] == 0.5
    assert pooled["year"] == {"correct": 1, "total": 2, "accuracy": 0.5}
    assert pooled["findings"]["same_area_share"] == 1.0


def test_every_gold_record_parses_names_an_example_and_scores_perfectly_against_itself():
    gold = load_gold()
    assert len(gold) == 11
    assert {p.stem for p in EXAMPLES_DIR.glob("*.txt")} == set(gold)
    texts = {(EXAMPLES_DIR / f"{stem}.txt").read_text(encoding="utf-8"): record for stem, record in gold.items()}
    result = score_all(lambda text: texts[text])
    for field in SET_FIELDS:
        assert result["micro"][field]["f1"] == 1.0, field
    assert result["micro"]["year"]["accuracy"] == result["micro"]["province"]["accuracy"] == 1.0


def test_gold_unit_ids_exist_in_the_database(db):
    units = set(db._con.execute("SELECT unit_id FROM admin_unit").df()["unit_id"])
    for path in sorted(GOLD_DIR.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        ids = [(record.get("province") or {}).get("unit_id")]
        ids += [u["unit_id"] for t in record["teams"] for u in t["units"]]
        ids += [i["unit_id"] for i in record["indicators"]] + [f["unit_id"] for f in record["findings"]]
        assert {u for u in ids if u} <= units, path.name
