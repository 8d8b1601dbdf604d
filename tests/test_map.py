"""The map page through AppTest: layers by structure and year, roll-up to today's provinces, drill-down, languages."""

from streamlit.testing.v1 import AppTest

from par_dashboard.views import map as map_view
from tests.browser import ROOT
from tests.users import sign_in


def _map(**params) -> AppTest:
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "analyst")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/map.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _figure(at):
    import json

    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_63_province_map_2023_ranks_quang_ninh_first_with_its_published_score(built_db):
    at = _map(year="2023")
    assert at.title[0].value == "Bản đồ Chỉ số CCHC (tổng) năm 2023"
    table = at.dataframe[0].value
    assert len(table) == 63
    first = table.iloc[0]
    assert (first["Hạng"], first["Tỉnh, thành phố"], first["Giá trị"], first["Nguồn"]) == ("1", "Quảng Ninh", "92,18 %", "Công bố")
    fig = _figure(at)
    assert {tr["type"] for tr in fig["data"]} <= {"choroplethmap", "scattermap"}
    assert fig["layout"]["map"]["style"] == "white-bg"
    assert any("Dữ liệu mô phỏng" in w.value for w in at.warning)


def test_34_province_view_of_2023_rolls_old_provinces_up_and_says_so(built_db):
    at = _map(year="2023", structure="S34")
    assert len(at.dataframe[0].value) == 34
    assert any("trung bình cộng (không trọng số)" in c.value for c in at.caption)
    bac_ninh = at.dataframe[0].value.set_index("Tỉnh, thành phố").loc["Bắc Ninh"]
    assert "Bắc Giang:" in bac_ninh["Các tỉnh cũ"] and "Bắc Ninh:" in bac_ninh["Các tỉnh cũ"]


def test_a_chosen_province_shows_its_districts_and_in_2025_its_communes(built_db):
    at = _map(year="2024", province="S63-P-20", indicator="OPS_ONTIME_PCT")
    table = at.dataframe[0].value
    assert len(table) == 11 and "Cao Lộc" in table["Đơn vị"].tolist()
    cao_loc = table.set_index("Đơn vị").loc["Cao Lộc"]
    assert cao_loc["Giá trị"] == "99,80 %" and cao_loc["Nguồn"] == "Báo cáo kiểm tra"
    current = _map(year="2025", structure="S34", province="S34-P-20", lang="en")
    assert current.title[0].value == "Map of PAR INDEX (total), 2025"
    assert len(current.dataframe[0].value) == 65  # Lạng Sơn's communes from 1/7/2025


def test_no_data_answers_with_a_sentence(built_db):
    at = _map(year="2018", indicator="PCI")
    assert any("Không có số liệu" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_layers_follow_structure_and_year():
    assert map_view.layers("S63", 2024) == ("S63-province", "S63-district", "district")
    assert map_view.layers("S34", 2023) == ("S34-province", "S63-district", "district")
    assert map_view.layers("S34", 2025) == ("S34-province", "S34-commune", "commune")
