"""Every page through Streamlit's AppTest, asserting what it shows."""

import re

import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.i18n import fmt_signed
from par_dashboard.shell import ui
from tests.browser import ROOT
from tests.users import sign_in


def _run(built_db, **params) -> AppTest:
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "analyst")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_rankings_2023_shows_quang_ninh_first_and_the_published_average(built_db):
    at = _run(built_db, year="2023")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Dẫn đầu"] == ("Quảng Ninh", "92,18")
    assert metrics["Trung bình cả nước (công bố)"][0] == "86,98"
    assert any("Dữ liệu mô phỏng" in w.value for w in at.warning)
    table = at.dataframe[0].value
    assert table.iloc[0]["Tỉnh, thành phố"] == "Quảng Ninh" and table.iloc[0]["Điểm (%)"] == "92,18"
    assert table.iloc[0]["Nguồn"] == "Công bố"
    row12 = table[table["Tỉnh, thành phố"] == "Đà Nẵng"].iloc[0]
    assert (row12["Hạng"], row12["Điểm (%)"], row12["± hạng"]) == ("12", "88,68", "−7")
    assert "năm 2023" in at.title[0].value


def test_the_rankings_cards_say_what_was_published(built_db):
    """Leadership reads the cards as facts: 2023's largest rise was 9.39 (its province not named), 2024's Bình
    Thuận's 6.39 and the largest of the 9 falls 2.94."""
    at = _run(built_db, year="2023")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Tăng nhiều nhất"][1] == "+9,39"
    assert metrics["Giảm nhiều nhất"][1] != "-5,35"
    at = _run(built_db, year="2024")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["Tăng nhiều nhất"] == ("Bình Thuận", "+6,39")
    assert metrics["Giảm nhiều nhất"][1] == "-2,94"


def test_rankings_in_english(built_db):
    at = _run(built_db, year="2024", lang="en")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    assert metrics["First"] == ("Hải Phòng", "96.17")
    assert metrics["National average (published)"][0] == "88.37"
    assert at.title[0].value == "Public Administration Reform Index (PAR INDEX) ranking, 2024"


def test_34_province_view_groups_old_provinces_under_new_ones(built_db):
    at = _run(built_db, year="2023", structure="S34")
    assert any("01/07/2025" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert "Thuộc tỉnh (từ 01/07/2025)" in table.columns
    bac_giang = table[table["Đơn vị"] == "Bắc Giang"].iloc[0]
    assert bac_giang["Thuộc tỉnh (từ 01/07/2025)"] == "Bắc Ninh"


def test_2025_uses_the_34_province_structure(built_db):
    at = _run(built_db, year="2025", structure="S34")
    assert len(at.dataframe[0].value) == 34


def _scores_and_members(con):
    scores = con.execute(
        "SELECT u.short_name, s.year, u.structure, s.score FROM score s JOIN admin_unit u USING (unit_id) "
        "WHERE u.level = 'province' AND s.family_code = 'PAR_INDEX' AND s.area_code = 'TOTAL' AND s.year IN (2024, 2025)").df()
    members = con.execute(
        "SELECT n.short_name, list(o.short_name) FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id "
        "JOIN admin_unit n ON n.unit_id = cw.new_unit_id WHERE o.level = 'province' GROUP BY n.short_name").fetchall()
    return scores, members


def test_2025_is_compared_with_2024_rolled_up_to_the_34_provinces(built_db, db):
    """`/?structure=S34&year=2025` showed "—" for every change and no rise/fall cards: the first 34-province year is
    compared with 2024 rolled up (the plain mean of the merged provinces' scores), and the page says so."""
    with db.cursor() as con:
        scores, members = _scores_and_members(con)
    y24 = scores[scores.year == 2024].set_index("short_name").score
    y25 = scores[scores.year == 2025].set_index("short_name").score
    change = {new: y25[new] - sum(y24[m] for m in olds) / len(olds) for new, olds in members}
    at = _run(built_db, year="2025", structure="S34")
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    rise = max(change, key=change.get)
    fall = min(change, key=change.get)
    assert metrics["Tăng nhiều nhất"][0] == rise and metrics["Tăng nhiều nhất"][1] == fmt_signed(change[rise], "vi", ascii_minus=True)
    assert metrics["Giảm nhiều nhất"][0] == fall
    assert any("quy đổi về 34 tỉnh" in c.value and "không phải số liệu công bố" in c.value for c in at.caption)
    table = at.dataframe[0].value.set_index("Tỉnh, thành phố")
    assert (table["± điểm"] != "—").all()
    assert table.loc["Hồ Chí Minh", "Năm trước gộp từ"] == "Bà Rịa - Vũng Tàu, Bình Dương, Hồ Chí Minh"
    assert table.loc["Hà Nội", "Năm trước gộp từ"] == "Hà Nội"
    # the years within one structure keep comparing a province with itself
    at = _run(built_db, year="2024", structure="S34")
    assert not any("quy đổi về 34 tỉnh" in c.value for c in at.caption)


def test_63_province_view_does_not_offer_2025(built_db):
    at = _run(built_db, year="2025", structure="S63")
    assert at.selectbox(key="_w_year").value == 2024
    assert any("30/06/2025" in i.value for i in at.info)


def _years_with_scores(db, family: str, area: str = "TOTAL") -> list[int]:
    return sorted(db.query("years_with_scores_for_family", family=family, area=area).year.tolist())


def _opening_year(db, family: str, years: list[int]) -> int:
    """The latest of `years` in which at least half as many provinces are scored as in the best-covered one."""
    counts = db.query("years_with_scores_for_family", family=family, area="TOTAL").set_index("year").n_units
    best = max(counts[y] for y in years)
    return max(y for y in years if 2 * counts[y] >= best)


@pytest.mark.parametrize("family", ["PAPI", "PCI", "SIPAS", "SI766", "PAR_INDEX"])
def test_the_year_list_offers_only_the_years_the_chosen_index_has(built_db, db, family):
    """Issue 18 item 8: PAPI and PCI opened on 2024 with "Không có số liệu" and offered every year of any index."""
    at = _run(built_db, year="2024")
    at.selectbox(key="_w_family").set_value(family).run()
    assert not at.exception, at.exception
    years = [y for y in _years_with_scores(db, family) if y < 2025]  # the 63-province view ends in 2024
    box = at.selectbox(key="_w_year")
    assert sorted(int(o) for o in box.options) == years, (box.options, years)
    # 2024 when it has a score; else the latest year most provinces are scored in (PAPI 2023 has 2 of 63)
    assert box.value == (2024 if 2024 in years else _opening_year(db, family, years))
    assert not any("Không có số liệu" in i.value for i in at.info)
    assert not at.toast, [x.value for x in at.toast]  # a change of index is not a bad link


def test_the_rankings_heading_names_the_chosen_area(built_db):
    at = _run(built_db, year="2023")
    at.selectbox(key="_w_area").set_value("A3").run()
    assert not at.exception, at.exception
    area = at.selectbox(key="_w_area").value
    heading = at.title[0].value
    assert "PAR INDEX" in heading and "2023" in heading and "Thủ tục hành chính" in heading, (heading, area)


def test_partial_published_year_uses_published_ranks_only(built_db):
    at = _run(built_db, year="2024")
    at.selectbox(key="_w_family").set_value("PCI").run()
    at.selectbox(key="_w_year").set_value(2019).run()
    assert not at.exception
    assert any("22/63" in i.value for i in at.info)  # the stored pcivietnam excerpt lists 22 provinces
    table = at.dataframe[0].value
    assert table.iloc[0]["Tỉnh, thành phố"] == "Quảng Ninh" and table.iloc[0]["Hạng"] == "1"
    assert "15" in table["Hạng"].tolist() and "14" not in table["Hạng"].tolist(), "published ranks, not recomputed"


@pytest.mark.parametrize("bad", [{"year": "abc"}, {"lang": "xx"}, {"structure": "S99"}, {"year": "1999"},
                                 {"province": "S63-P-999"}, {"province": "S63-D-183"}, {"unit": "'; DROP TABLE score; --"},
                                 {"indicator": "NOPE"}, {"area": "A9"}])
def test_malformed_url_values_fall_back_to_defaults_with_a_notice(built_db, bad):
    at = _run(built_db, **bad)
    assert at.title and "Xếp hạng" in at.title[0].value
    (key, value), = bad.items()
    notices = " ".join(toast.value for toast in at.toast)
    assert "Bỏ qua giá trị không hợp lệ" in notices and f"{key}={value}" in notices
    assert at.session_state[key] == ui.DEFAULTS[key]


def test_a_link_reopens_the_same_view_and_the_url_follows_the_filters(built_db):
    at = _run(built_db, year="2022", province="S63-P-49", lang="en", structure="S63")
    assert at.session_state["province"] == "S63-P-49" and at.session_state["lang"] == "en"
    assert at.sidebar.selectbox(key="_w_province").value == "S63-P-49"
    at.sidebar.selectbox(key="_w_unit_district").set_value("S63-D-503").run()  # a district of Quảng Nam
    assert at.query_params["unit"] == "S63-D-503" and at.query_params["province"] == "S63-P-49"
    at.switch_page("pages/map.py").run()
    assert not at.exception
    assert at.session_state["unit"] == "S63-D-503" and at.session_state["year"] == 2022


def test_within_province_ranking_lists_districts_and_departments(built_db):
    at = _run(built_db, year="2022")
    at.session_state["section"] = "units"  # the province's districts: a section of their own
    at.run()
    assert any("thanh bên" in i.value for i in at.info)  # no province chosen yet: a sentence, not a blank section
    at.sidebar.selectbox(key="_w_province").set_value("S63-P-49").run()
    assert at.query_params["province"] == "S63-P-49"
    districts = at.dataframe[0].value
    assert districts.iloc[0]["Đơn vị"] == "Bắc Trà My" and districts.iloc[0]["Điểm (%)"] == "91,44"
    assert at.query_params["section"] == "units"
    at.session_state["section"] = "departments"
    at.run()
    assert len(at.dataframe[0].value) > 0


def test_sidebar_tells_which_kinds_of_data_are_shown(built_db):
    at = _run(built_db, year="2023")
    notice = " ".join(c.value for c in at.sidebar.caption)
    assert "Mô phỏng:" in notice and "Công bố:" in notice and "Báo cáo kiểm tra:" in notice


def test_the_english_pages_name_unit_types_in_english(built_db):
    """Issue 18 item 9: "…inspections, 2024 — Tỉnh Lạng Sơn" in the English UI. The proper name stays Vietnamese,
    the type word is English; the Vietnamese page keeps the official name."""
    at = _run(built_db, lang="en", year="2024", province="S63-P-20")
    at.switch_page("pages/inspections.py").run()
    assert not at.exception, at.exception
    title = at.title[0].value
    assert title.endswith("Lạng Sơn Province") and "Tỉnh" not in title, title
    at.switch_page("pages/locality.py").run()
    assert not at.exception, at.exception
    assert at.header[0].value == "Lạng Sơn Province", at.header[0].value
    vi = _run(built_db, year="2024", province="S63-P-20")
    vi.switch_page("pages/inspections.py").run()
    assert vi.title[0].value.endswith("Tỉnh Lạng Sơn"), vi.title[0].value


def test_the_vietnamese_upload_boxes_explain_streamlits_english_buttons(built_db):
    """Streamlit draws "Drag and drop file here" and "Browse files" in English whatever the page's language; the
    Vietnamese page's upload boxes say in Vietnamese what to do (their help), the English ones say it in English."""
    for lang, word in (("vi", "Kéo thả"), ("en", "Drag")):
        at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "data_officer")
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("pages/data.py").run()
        assert not at.exception, at.exception
        uploader = at.file_uploader(key="data_upload")
        assert word in (uploader.proto.help or ""), uploader.proto.help


@pytest.mark.parametrize("year", ["2012", "2021"])
def test_the_sources_list_never_says_nan(built_db, year):
    """Issue 18: a published source without a note was listed as "… — nan"."""
    at = _run(built_db, year=year)
    assert not at.exception, at.exception
    listed = [m.value for m in at.markdown if m.value.startswith("- ")]
    assert listed, "no sources listed"
    assert not any(re.search(r"\bnan\b|\bNone\b", v) for v in listed), listed
