"""Chỉ tiêu page: what it shows for given filters in both languages (AppTest), and its pure builders."""

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.views import charts
from par_dashboard.views import indicators as ind
from par_dashboard.views.charts import DEMO_PATTERN
from tests.browser import ROOT
from tests.users import sign_in

# ---- through Streamlit


def _page(section: str = "", **params) -> AppTest:
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "analyst")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/indicators.py")
    at.session_state["section"] = section
    at.run()
    assert not at.exception, at.exception
    return at


SECTIONS = ("", "attainment", "topbottom", "heatmap")  # the page's sections, in the order it once stacked them


def _all(at: AppTest, kind: str) -> list:
    """The values of every element of `kind` ("dataframe", "info", "caption") over the page's sections (a run draws
    one: each is shown in turn), then back on the first."""
    found = []
    for section in (*SECTIONS, ""):
        at.session_state["section"] = section
        at.run()
        assert not at.exception, at.exception
        if section or not found:
            found += [e.value for e in getattr(at, kind)]
    return found


def _table(at: AppTest, column: str, nth: int = 0) -> pd.DataFrame:
    """The nth table of the page (over its sections) that has `column`."""
    tables = [d for d in _all(at, "dataframe") if column in d.columns]
    return tables[nth]


def _metrics(at: AppTest) -> dict:
    return {m.label: m.value for m in at.metric}


def _texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_cao_loc_real_on_time_figure_is_shown_with_its_period_and_source(built_db):
    at = _page(indicator="OPS_ONTIME_PCT", year="2024", province="S63-P-20")
    assert at.title[0].value == "Tỷ lệ hồ sơ TTHC giải quyết đúng và trước hạn (%) — các quận, huyện, Lạng Sơn, năm 2024"
    assert at.radio(key="ind_level").value == "district"
    units = _table(at, "Giá trị (%)")
    assert len(units) == 11
    cao_loc = units[units["Đơn vị"] == "Cao Lộc"].iloc[0]
    assert cao_loc["Giá trị (%)"] == "99,80"
    assert cao_loc["Nguồn"] == "Báo cáo kiểm tra"
    assert cao_loc["Kỳ số liệu"] == "Đến thời điểm kiểm tra"
    assert cao_loc["Mục tiêu"] == "98,00" and cao_loc["Đạt mục tiêu"] == "Đạt"
    assert "Cao Lộc (đến thời điểm kiểm tra)" in _texts(at.caption)
    assert any("Dữ liệu mô phỏng" in w.value for w in at.warning)  # the other districts are demo values
    assert "Báo cáo kiểm tra: 1" in _texts(at.caption)


def test_cao_loc_in_english_uses_decimal_points(built_db):
    at = _page(indicator="OPS_ONTIME_PCT", year="2024", province="S63-P-20", lang="en")
    assert at.title[0].value == "Dossiers resolved on time or early (%) — districts, Lạng Sơn, 2024"
    units = _table(at, "Value (%)")
    cao_loc = units[units["Unit"] == "Cao Lộc"].iloc[0]
    assert (cao_loc["Value (%)"], cao_loc["Source"], cao_loc["Period"]) == ("99.80", "Inspection report", "To the inspection date")
    assert _metrics(at)["Mean of the units"] == "98.82"
    assert "," not in cao_loc["Value (%)"]


@pytest.mark.parametrize("lang, name, value, source", [("vi", "Đơn vị", "92,18", "Công bố"), ("en", "Unit", "92.18", "Published")])
def test_par_index_2023_provinces_top_one_is_quang_ninh_published(built_db, lang, name, value, source):
    at = _page(indicator="PAR_INDEX", year="2023", lang=lang)
    value_col = "Giá trị (%)" if lang == "vi" else "Value (%)"
    for table in (_table(at, value_col, 0), _table(at, value_col, 1)):  # the year's units, then the top/bottom table
        first = table.iloc[0]
        assert (first[name], first[value_col], first["Nguồn" if lang == "vi" else "Source"]) == ("Quảng Ninh", value, source)
        assert first["Hạng công bố" if lang == "vi" else "Published rank"] == "1/63"
    top_bottom = _table(at, value_col, 1)
    assert len(top_bottom) == 20  # 10 best and 10 worst of 63
    metrics = _metrics(at)
    assert metrics["Trung bình cả nước (công bố)" if lang == "vi" else "National average (published)"] == ("86,98" if lang == "vi" else "86.98")


def _raw_attainment(built_db, indicator: str, level: str, province_id: str | None, years: range) -> pd.DataFrame:
    """Units meeting their province's target, counted from the raw tables (not the view, not the page's SQL)."""
    con = duckdb.connect(str(built_db))
    try:
        values = con.table("indicator_value").df()
        sources = con.table("source").df()[["source_id", "kind"]]
        targets = con.table("target").df()
        units = con.table("admin_unit").df()
    finally:
        con.close()
    values = values[values.indicator_code == indicator].merge(sources, on="source_id")
    values = values.assign(demo=values.kind == "synthetic_demo", part_year=values.period != "Y")
    best = values.sort_values(["demo", "part_year"]).drop_duplicates(["unit_id", "year"])  # a real figure wins
    scope = units[(units.level == level) & (units.structure == "S63")]
    if province_id:
        scope = scope[scope.province_id == province_id]
    scope = scope.assign(target_province=scope.province_id.fillna(scope.unit_id))[["unit_id", "target_province"]]
    rows = best.merge(scope, on="unit_id").merge(targets, how="left", left_on=["indicator_code", "target_province", "year"],
                                                 right_on=["indicator_code", "province_id", "year"])
    rows = rows[rows.year.isin(list(years))]
    rows = rows.assign(met=rows.value >= rows.target_value, not_met=rows.value < rows.target_value)
    return rows.groupby("year")[["met", "not_met"]].sum().astype(int)


def test_target_attainment_by_year_equals_a_count_from_the_raw_tables(built_db):
    at = _page(indicator="OPS_ONTIME_PCT", year="2024", province="S63-P-20")
    shown = _table(at, "Chưa đạt")
    expected = _raw_attainment(built_db, "OPS_ONTIME_PCT", "district", "S63-P-20", range(2018, 2025))
    assert shown["Năm"].tolist() == [str(y) for y in expected.index]
    assert shown["Đạt"].tolist() == expected["met"].tolist()
    assert shown["Chưa đạt"].tolist() == expected["not_met"].tolist()
    met, not_met = expected.loc[2024, "met"], expected.loc[2024, "not_met"]
    assert _metrics(at)["Đạt mục tiêu"] == f"{met}/{met + not_met}"


def test_target_attainment_of_all_provinces_equals_the_raw_count(built_db):
    at = _page(indicator="OPS_EDOC_PCT", year="2024", lang="en")
    expected = _raw_attainment(built_db, "OPS_EDOC_PCT", "province", None, range(2024, 2025))
    met, not_met = expected.loc[2024, "met"], expected.loc[2024, "not_met"]
    assert _metrics(at)["Meeting the target"] == f"{met}/{met + not_met}"
    assert met + not_met == 63


@pytest.mark.parametrize("lang, sentence", [("vi", "không có mục tiêu được giao"), ("en", "has no targets")])
def test_an_indicator_without_targets_answers_with_a_sentence(built_db, lang, sentence):
    at = _page(indicator="PAR_INDEX", year="2023", lang=lang)
    assert any(sentence in i for i in _all(at, "info"))
    assert not [d for d in _all(at, "dataframe") if ("Chưa đạt" if lang == "vi" else "Not met") in d.columns]


@pytest.mark.parametrize("lang, sentence", [("vi", "Không có số liệu “Chỉ số PCI (tổng)” cho các tỉnh, thành phố (cả nước) năm 2024"),
                                            ("en", "There are no “PCI (total)” figures for provinces (whole country) in 2024")])
def test_a_year_without_values_answers_with_a_sentence(built_db, lang, sentence):
    at = _page(indicator="PCI", year="2024", lang=lang)
    assert any(sentence in i.value for i in at.info)
    assert not at.metric  # no figures for a year without values
    assert _all(at, "dataframe")  # the years that do have values are still shown over the range


def test_a_level_without_any_values_answers_with_sentences(built_db):
    at = _page(indicator="PAR_A3", year="2024")
    at.radio(key="ind_level").set_value("department").run()
    assert not at.exception
    assert sum("Không có số liệu" in i for i in set(_all(at, "info"))) >= 2  # the year, and the range
    assert not _all(at, "dataframe")


def test_counts_are_summed_never_averaged(built_db):
    at = _page(indicator="OPS_DOSSIERS_RECEIVED", year="2024", province="S63-P-20")
    metrics = _metrics(at)
    assert not any("Trung bình" in label for label in metrics)
    con = duckdb.connect(str(built_db))
    try:
        total = con.execute("""SELECT sum(v.value) FROM indicator_value v JOIN admin_unit u USING (unit_id)
                               WHERE v.indicator_code = 'OPS_DOSSIERS_RECEIVED' AND v.year = 2024
                                 AND u.level = 'district' AND u.province_id = 'S63-P-20'""").fetchone()[0]
    finally:
        con.close()
    assert metrics["Tổng các đơn vị"] == f"{int(total):,}".replace(",", ".")


def test_34_province_view_rolls_old_provinces_up_and_says_so(built_db):
    at = _page(indicator="PAR_INDEX", year="2023", structure="S34")
    assert any("quy về tỉnh, thành phố hiện nay" in c.value for c in at.caption)
    units = _table(at, "Gồm các tỉnh cũ")
    assert len(units) == 34
    bac_ninh = units[units["Đơn vị"] == "Bắc Ninh"].iloc[0]
    # the same year on the 63-province page gives the two old provinces' own values
    old = _table(_page(indicator="PAR_INDEX", year="2023", structure="S63"), "Giá trị (%)").set_index("Đơn vị")
    bg, bn = old.loc["Bắc Giang", "Giá trị (%)"], old.loc["Bắc Ninh", "Giá trị (%)"]
    assert bac_ninh["Gồm các tỉnh cũ"] == f"Bắc Giang {bg} · Bắc Ninh {bn}"
    mean = (float(bg.replace(",", ".")) + float(bn.replace(",", "."))) / 2  # the plain mean, rounded
    assert abs(float(bac_ninh["Giá trị (%)"].replace(",", ".")) - mean) <= 0.006, (bac_ninh["Giá trị (%)"], bg, bn)
    assert bac_ninh["Nguồn"] == "Mô phỏng"  # a mean with a demo part is demo
    assert _metrics(at)["Đơn vị có số liệu"] == "34/34"


def test_communes_of_a_current_province_in_2025(built_db):
    at = _page(indicator="OPS_ONTIME_PCT", year="2025", structure="S34", province="S34-P-20")
    assert at.radio(key="ind_level").value == "commune"
    assert "các xã, phường, Lạng Sơn, năm 2025" in at.title[0].value
    assert any("bảng màu chỉ hiện 10 đơn vị tốt nhất" in c for c in _all(at, "caption"))


def test_family_and_area_choices_narrow_the_indicator(built_db):
    at = _page(year="2024")
    at.selectbox(key="ind_family").set_value("OPS").run()
    assert at.session_state["indicator"] == "OPS_ONTIME_PCT"
    at.selectbox(key="_w_area").set_value("A7").run()
    assert not at.exception
    assert at.session_state["indicator"] in {"OPS_ONLINE_DVC_PCT", "OPS_ONLINE_RECEIVED_PCT", "OPS_ONLINE_PAYMENT_PCT",
                                            "OPS_DIGITISED_PCT", "OPS_EDOC_PCT", "OPS_DIGITAL_SIGNATURE_PCT"}
    at.selectbox(key="ind_family").set_value("SIPAS").run()
    assert (at.session_state["indicator"], at.session_state["area"]) == ("SIPAS", "TOTAL")
    assert at.title[0].value.startswith("Chỉ số hài lòng SIPAS")


def test_an_indicator_from_a_link_keeps_its_area_consistent(built_db):
    at = _page(indicator="OPS_EDOC_PCT", area="A3")
    assert (at.session_state["indicator"], at.session_state["area"]) == ("OPS_EDOC_PCT", "A7")


def test_clicking_a_district_bar_opens_its_locality(built_db):
    at = _page(indicator="OPS_ONTIME_PCT", year="2023", province="S63-P-20", lang="en", section="topbottom")
    at.session_state["ind_topbottom"] = {"selection": {"points": [{"customdata": ["S63-D-183", "district", "S63-P-20"]}],
                                                       "point_indices": [0], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    state = at.session_state
    assert (state["province"], state["unit"], state["year"], state["lang"]) == ("S63-P-20", "S63-D-183", 2023, "en")
    assert "Cao Lộc" in _texts(at.title) + _texts(at.header) + _texts(at.subheader)


# ---- pure builders, no Streamlit


def _year_frame(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({
        "unit_id": ["S63-D-183", "S63-D-186", "S63-D-187"],
        "short_name": ["Cao Lộc", "Hữu Lũng", "Chi Lăng"],
        "level": ["district"] * 3,
        "province_id": ["S63-P-20"] * 3,
        "province_name": ["Lạng Sơn"] * 3,
        "year": [2024] * 3,
        "value": [99.8, 100.0, 96.9],
        "change": [0.3, 2.3, -1.4],
        "rank": [2, 1, 3],
        "target": [98.0] * 3,
        "meets_target": [True, True, False],
        "period": ["to-date", "Y", "Y"],
        "source_kind": ["inspection_report", "synthetic_demo", "synthetic_demo"],
        "published_rank": [None] * 3,
        "rank_of": [None] * 3,
        "note": [None] * 3,
        "n_parts": [1] * 3,
        "parts": [None] * 3,
        "part_values": [None] * 3,
        "real_sources": [[{"kind": "inspection_report", "title": "Báo Lạng Sơn", "url": "https://baolangson.vn/x"}], None, None],
    })
    return frame.assign(**overrides)


@pytest.mark.parametrize("custom", [["S63-D-183", "district", "S63-P-20", "99,80"], ["S63-P-22", "province", "S63-P-22"]])
def test_a_clicked_bar_gives_its_unit(custom):
    assert charts.selected_unit({"selection": {"points": [{"customdata": custom}]}}) == custom[0]


@pytest.mark.parametrize("event", [None, {}, {"selection": {"points": []}}, {"selection": {"points": [{"x": 1}]}},
                                   {"selection": {"points": [{"customdata": [None, None, None]}]}}])
def test_no_click_selects_nothing(event):
    assert charts.selected_unit(event) is None


def test_unit_table_formats_in_both_languages_and_keeps_numbers_for_downloads():
    vi = ind.unit_table(_year_frame(), "vi", "%")
    assert vi["Đơn vị"].tolist() == ["Hữu Lũng", "Cao Lộc", "Chi Lăng"]
    assert vi["Giá trị (%)"].tolist() == ["100,00", "99,80", "96,90"]
    assert vi["± so với năm trước"].tolist() == ["+2,30", "+0,30", "−1,40"]
    assert vi["Kỳ số liệu"].tolist() == ["Cả năm", "Đến thời điểm kiểm tra", "Cả năm"]
    assert vi["Đạt mục tiêu"].tolist() == ["Đạt", "Đạt", "Chưa đạt"]
    en = ind.unit_table(_year_frame(), "en", "%")
    assert en["Value (%)"].tolist() == ["100.00", "99.80", "96.90"]
    numbers = ind.unit_table(_year_frame(), "vi", "%", numbers=True)
    assert numbers["Giá trị (%)"].tolist() == [100.0, 99.8, 96.9] and numbers["unit_id"].iloc[0] == "S63-D-186"


def test_unit_table_leaves_out_target_columns_when_there_are_none():
    table = ind.unit_table(_year_frame(target=[None] * 3, meets_target=[None] * 3), "vi", "%")
    assert "Mục tiêu" not in table.columns and "Đạt mục tiêu" not in table.columns


def test_counts_are_formatted_without_decimals_with_dot_thousands():
    assert ind.fmt_value(2809, "count", "vi") == "2.809"
    assert ind.fmt_value(2809, "count", "en") == "2,809"
    assert ind.fmt_with_unit(345, "days", "vi") == "345 ngày"
    assert ind.fmt_with_unit(99.8, "%", "vi") == "99,80 %"


def test_mean_or_total_never_averages_counts():
    stats = pd.Series({"n_units": 11, "n_with_value": 11, "mean": None, "total": 6688.0, "published_mean": None})
    headline = ind.mean_or_total(stats, False, "count", "district", 2024, "vi")
    assert (headline.label, headline.value, headline.is_mean) == ("Tổng các đơn vị", 6688.0, False)
    partial = pd.Series({"n_units": 63, "n_with_value": 22, "mean": 67.0, "total": None, "published_mean": None})
    headline = ind.mean_or_total(partial, True, "points", "province", 2019, "en")
    assert headline.value is None and "22 of 63" in headline.help
    published = pd.Series({"n_units": 63, "n_with_value": 63, "mean": 86.9, "total": None, "published_mean": 86.98})
    assert ind.mean_or_total(published, True, "%", "province", 2023, "vi").value == 86.98


def test_top_bottom_splits_only_when_there_are_more_than_2n_units():
    frame = _year_frame()
    best, worst = ind.top_bottom(frame, 1)
    assert best.short_name.tolist() == ["Hữu Lũng"] and worst.short_name.tolist() == ["Chi Lăng"]
    best, worst = ind.top_bottom(frame, 2)
    assert len(best) == 3 and worst.empty


def test_heatmap_rows_sorted_by_latest_value_and_truncated():
    frame = pd.concat([_year_frame(), _year_frame(year=[2023] * 3, value=[50.0, 40.0, 60.0])])
    rows, truncated = ind.heatmap_rows(frame, "higher", n=1)
    assert rows == ["S63-D-186", "S63-D-183", "S63-D-187"] and not truncated
    rows, truncated = ind.heatmap_rows(frame, "lower", n=1, max_rows=2)
    assert rows == ["S63-D-187", "S63-D-186"] and truncated  # lower is better: the smallest first


def test_indicator_choices_by_family_and_area():
    catalogue = pd.DataFrame({"indicator_code": ["PAR_INDEX", "PAR_A3", "OPS_ONTIME_PCT", "OPS_EDOC_PCT", "SIPAS"],
                              "family_code": ["PAR_INDEX", "PAR_INDEX", "OPS", "OPS", "SIPAS"],
                              "area_code": ["TOTAL", "A3", "A3", "A7", "TOTAL"]})
    assert ind.area_options(catalogue, "OPS") == ["TOTAL", "A3", "A7"]
    assert ind.area_options(catalogue, "SIPAS") == ["TOTAL"]
    assert ind.indicator_options(catalogue, "PAR_INDEX", "TOTAL") == ["PAR_INDEX", "PAR_A3"]
    assert ind.indicator_options(catalogue, "OPS", "A7") == ["OPS_EDOC_PCT"]
    assert ind.area_for("OPS_EDOC_PCT", "A3", catalogue) == "A7"
    assert ind.area_for("OPS_EDOC_PCT", "TOTAL", catalogue) == "TOTAL"
    assert ind.area_for("SIPAS", "A3", catalogue) == "TOTAL"


def test_default_year_range_ends_at_the_chosen_year():
    assert ind.default_range([2018, 2019, 2020, 2021, 2022, 2023, 2024], 2023) == (2018, 2023)
    assert ind.default_range(list(range(2012, 2025)), 2024) == (2018, 2024)
    assert ind.default_range([2019, 2021, 2023], 2024) == (2019, 2023)
    assert ind.default_range([], 2024) == (2024, 2024)


def test_top_bottom_chart_carries_unit_ids_hatches_demo_and_marks_part_year_values():
    fig = ind.top_bottom_chart(_year_frame(), _year_frame().iloc[0:0], "vi", unit="%", direction="higher")
    bars = fig.data[0]
    assert [c[:3] for c in bars.customdata][0] == ["S63-D-183", "district", "S63-P-20"]
    assert list(bars.marker.pattern.shape) == ["", DEMO_PATTERN, DEMO_PATTERN]
    assert bars.text[0] == "99,80* (+0,30)"
    assert fig.layout.separators == ",."
    assert any("Dữ liệu mô phỏng" in (a.text or "") for a in fig.layout.annotations)
    assert any("đến thời điểm kiểm tra" in (a.text or "") for a in fig.layout.annotations)
    en = ind.top_bottom_chart(_year_frame(), _year_frame().iloc[0:0], "en", unit="%", direction="higher")
    assert en.data[0].text[0] == "99.80* (+0.30)" and en.layout.separators == ".,"


def test_distribution_chart_draws_mean_only_when_given_and_target_line():
    fig = ind.distribution_chart(_year_frame(), "vi", unit="%", mean=98.9, mean_label="Trung bình", target_min=98.0, target_max=98.0)
    assert {s.x0 for s in fig.layout.shapes} == {98.9, 98.0}
    texts = [a.text for a in fig.layout.annotations]
    assert "Trung bình: 98,90" in texts and "Mục tiêu: 98,00" in texts
    no_mean = ind.distribution_chart(_year_frame(), "vi", unit="count")
    assert not no_mean.layout.shapes
    band = ind.distribution_chart(_year_frame(), "en", unit="%", target_min=84.0, target_max=86.0)
    assert band.layout.shapes[0].type == "rect" and "Provinces' targets: 84.00–86.00" in [a.text for a in band.layout.annotations]


def test_heatmap_chart_bolds_real_values_and_follows_the_direction():
    frame = pd.concat([_year_frame(), _year_frame(year=[2023] * 3, value=[95.6, 97.7, 98.3], period=["Y"] * 3,
                                                  source_kind=["synthetic_demo"] * 3)])
    fig = ind.heatmap_chart(frame, ["S63-D-186", "S63-D-183", "S63-D-187"], "vi", unit="%", direction="higher")
    heat = fig.data[0]
    assert list(heat.x) == ["2023", "2024"] and list(heat.y) == ["Hữu Lũng", "Cao Lộc", "Chi Lăng"]
    assert heat.text[1][1] == "<b>99,80*</b>" and heat.text[0][1] == "100,00"
    lower = ind.heatmap_chart(frame, ["S63-D-186"], "vi", unit="%", direction="lower")
    assert lower.data[0].colorscale != heat.colorscale


def test_attainment_chart_stacks_statuses_and_skips_empty_ones():
    att = pd.DataFrame({"year": [2023, 2024], "n_met": [6, 8], "n_not_met": [5, 3], "n_no_target": [0, 0],
                        "n_units": [11, 11], "target_min": [97.5, 98.0], "target_max": [97.5, 98.0]})
    fig = ind.attainment_chart(att, "vi", demo=True)
    assert [tr.name for tr in fig.data] == ["Đạt", "Chưa đạt"] and fig.layout.barmode == "stack"
    assert list(fig.data[0].x) == ["2023", "2024"]
    table = ind.attainment_table(att, "en")
    assert table["Target"].tolist() == ["97.50", "98.00"]


def test_real_sources_are_listed_once():
    frame = pd.concat([_year_frame(), _year_frame()])
    assert ind.real_sources(frame, frame) == [{"kind": "inspection_report", "title": "Báo Lạng Sơn", "url": "https://baolangson.vn/x"}]
