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


def test_the_map_figure_names_its_geometry_by_a_file_holding_exactly_the_features_it_draws(built_db):
    """Issue 17: the page's figure carried the layer's geometry two or three times (one copy per trace) at every
    rerun. It now names a static file of the same features, fetched once by the browser (tests/test_browser.py draws
    it with the network off), named by the content's hash."""
    import json

    from par_dashboard.shell import assets

    for params, layer, provinces in (({"year": "2023"}, "S63-province", None),
                                     ({"year": "2024", "province": "S63-P-20"}, "S63-district", ("S63-P-20",)),
                                     ({"year": "2025", "structure": "S34", "province": "S34-P-24"}, "S34-commune", ("S34-P-24",))):
        at = _map(**params)
        spec = at.get("plotly_chart")[0].proto.spec
        fig = json.loads(spec)
        urls = {tr["geojson"] for tr in fig["data"] if tr["type"] == "choroplethmap"}
        assert len(urls) == 1 and all(isinstance(u, str) for u in urls), urls
        url = urls.pop()
        assert url.startswith("app/static/geo-") and url == assets.geojson_src(layer, provinces)
        served = json.loads((assets.STATIC_DIR / url.rsplit("/", 1)[1]).read_text(encoding="utf-8"))
        assert served == map_view.layer_features(layer, provinces)
        drawn = {loc for tr in fig["data"] if tr["type"] == "choroplethmap" for loc in tr["locations"]}
        assert drawn == {f["id"] for f in served["features"]}  # every feature of the file is drawn, grey or coloured
        assert len(spec) < 60_000, len(spec)  # (the geometry inline: 150 kB for the provinces, MBs for the communes)


def test_without_static_serving_the_figure_keeps_its_geometry(monkeypatch):
    from par_dashboard.shell import assets

    monkeypatch.setattr(assets.st, "get_option", lambda name: False if name == "server.enableStaticServing" else None)
    assert assets.geojson_src("S63-province", None) is None


def test_a_features_file_removed_while_the_server_runs_is_written_again(monkeypatch, tmp_path):
    """`static/` emptied under a running server (a clean-up, a deploy): the next map names a file that is there."""
    import json

    from par_dashboard.shell import assets

    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path / "static")
    url = assets.geojson_src("S63-province", None)
    path = tmp_path / "static" / url.rsplit("/", 1)[1]
    path.unlink()
    assert assets.geojson_src("S63-province", None) == url and path.is_file()
    assert json.loads(path.read_text(encoding="utf-8")) == map_view.layer_features("S63-province", None)
