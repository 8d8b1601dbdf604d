"""The locality profile: search, lineage across 1/7/2025, headline figures, targets, inspections and findings."""

import pandas as pd
from streamlit.testing.v1 import AppTest

from par_dashboard.domain.units import search_variant
from par_dashboard.i18n import fmt_num
from par_dashboard.security.untrusted import markdown_text
from par_dashboard.views import locality
from tests.browser import ROOT
from tests.users import sign_in


def _profile(section: str = "", **params) -> AppTest:
    """The profile for the URL's filters, showing `section` (its first by default)."""
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "analyst")
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/locality.py")
    at.session_state["section"] = section
    at.run()
    assert not at.exception, at.exception
    return at


def test_search_ignores_diacritics_unit_types_and_spelling_variants(db):
    def hits(text):
        return db.query("unit_search", q=search_variant(text), limit=30)

    dak_song = hits("dak song")
    assert {"S63-D-665", "S34-C-24718"} <= set(dak_song.unit_id)  # the old district and the current commune
    assert dak_song.iloc[0].short_name == "Đắk Song"
    assert "S63-C-06193" in set(hits("Thanh Loà").unit_id) and "S63-C-06193" in set(hits("thanh lòa").unit_id)
    assert "S63-D-602" in set(hits("Phú Quý").unit_id)  # spelled "Phú Quí" in the package
    assert "S63-D-665" in set(hits("huyện Đắc Song").unit_id)
    assert hits("zzzzqqq").empty


def test_search_on_the_page_opens_the_chosen_unit_in_its_own_structure(built_db):
    at = _profile()
    assert any("thanh bên" in i.value for i in at.info)  # nothing chosen: a sentence
    at.text_input(key="loc_search").input("dak song").run()
    pick = at.selectbox(key="loc_search_pick")
    assert "Huyện Đắk Song" in pick.format_func(pick.value)
    at.button(key="loc_search_open").click().run()
    at.run()
    assert not at.exception
    assert at.header[0].value == "Huyện Đắk Song, Đắk Nông"
    assert at.session_state["unit"] == "S63-D-665"


def test_cao_loc_2024_shows_real_report_figures_against_targets(built_db):
    at = _profile(province="S63-P-20", unit="S63-D-183", year="2024")
    assert at.header[0].value == "Huyện Cao Lộc, Lạng Sơn"
    assert any("Từ 01/07/2025 thuộc **Lạng Sơn**" in m.value for m in at.markdown)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Tỷ lệ hồ sơ TTHC giải quyết đúng và trước hạn"] == "99,80"
    ops = at.dataframe[0].value.set_index("Chỉ tiêu")
    online = ops.loc["Tỷ lệ dịch vụ công trực tuyến phát sinh hồ sơ trực tuyến"]
    assert online["Giá trị"] == "89,58 % (đến thời điểm kiểm tra)"
    assert online["Mục tiêu"] == "86,00 %" and online["Đánh giá"] == "Đạt"
    assert online["Nguồn"] == "Báo cáo kiểm tra"
    assert any("Dữ liệu mô phỏng" in w.value for w in at.warning)
    at.session_state["section"] = "inspections"  # the visits are in their own section
    at.run()
    assert not at.exception, at.exception
    visits = at.dataframe[0].value
    real = visits[visits["Nguồn"] == "Báo cáo kiểm tra"].iloc[0]
    assert real["Thời gian"] == "17/06/2024" and "Thanh Lòa" in real["Đơn vị được kiểm tra"]


def test_dak_song_in_english_shows_field_days_not_invented_dates(built_db):
    at = _profile(province="S63-P-67", unit="S63-D-665", year="2023", lang="en", section="inspections")
    assert any("From 01/07/2025 part of **Lâm Đồng**" in m.value for m in at.markdown)
    visits = at.dataframe[0].value
    real = visits[visits["Source"] == "Inspection report"].iloc[0]
    assert real["Dates"] == "4 field days; announced 28/09/2023"
    assert real["Leader"].startswith("Lê Trung Trường Vũ")


def test_a_current_province_shows_what_it_was_formed_from_and_continues_its_history(built_db):
    at = _profile(province="S34-P-24", structure="S34", year="2025")
    formed = next(m.value for m in at.markdown if m.value.startswith("Hình thành từ"))
    assert formed == "Hình thành từ: Bắc Giang, Bắc Ninh."
    one_to_one = _profile(province="S34-P-20", structure="S34", year="2025")
    par = next(m for m in one_to_one.metric if m.label == "Chỉ số CCHC (tổng)")
    assert par.delta  # Lạng Sơn was not merged: 2025 is compared with the old Lạng Sơn's 2024


def test_trend_series_cross_2025(db):
    trend = db.query("indicator_trend_by_unit_lineage", unit_id="S34-P-24", indicator="PAR_INDEX")
    absorbed = trend[trend.role == "absorbed"]
    assert set(absorbed.short_name) == {"Bắc Giang", "Bắc Ninh"}
    assert absorbed.year.max() == 2024 and trend[trend.role == "self"].year.min() == 2025
    old = db.query("indicator_trend_by_unit_lineage", unit_id="S63-P-20", indicator="PAR_INDEX")
    assert old[old.role == "became"].year.tolist() == [2025]


def test_visit_dates_never_invent_a_day():
    row = pd.Series({"started_on": None, "ended_on": None, "field_days": 4, "announced_on": pd.Timestamp("2023-09-28")})
    assert locality.visit_dates(row, "vi") == "4 ngày kiểm tra thực tế; công bố 28/09/2023"
    row = pd.Series({"started_on": pd.Timestamp("2019-08-27"), "ended_on": pd.Timestamp("2019-08-31"), "field_days": 5,
                     "announced_on": None})
    assert locality.visit_dates(row, "vi") == "27/08/2019 – 31/08/2019"


def test_a_current_province_in_a_year_before_it_existed_leads_to_the_provinces_it_was_formed_from(db):
    """Tuyên Quang of the 34 provinces (from 01/07/2025) chosen for 2024: no figure of its own that year, and the page
    says whose figures those are, with a way to each old province's profile (Tuyên Quang and Hà Giang), which then
    shows that province's 2024 headline."""
    with db.cursor() as cur:
        current = cur.execute("SELECT unit_id FROM admin_unit WHERE structure = 'S34' AND level = 'province' "
                              "AND short_name = 'Tuyên Quang'").fetchone()[0]
        old = dict(cur.execute("""SELECT o.unit_id, o.short_name FROM unit_crosswalk cw JOIN admin_unit o ON o.unit_id = cw.old_unit_id
                                  WHERE cw.new_unit_id = ? AND o.level = 'province'""", [current]).fetchall())
    assert sorted(old.values()) == ["Hà Giang", "Tuyên Quang"]
    at = _profile(structure="S34", province=current, year="2024")
    assert at.session_state["year"] == 2024 and at.session_state["province"] == current
    assert not any("Chưa có điểm" in i.value for i in at.info)  # its old provinces' figures, rolled up (test below)
    assert any("từ 01/07/2025" in m.value and "2024" in m.value for m in at.markdown)
    buttons = {b.key.removeprefix("loc_open_old_"): b for b in at.button if (b.key or "").startswith("loc_open_old_")}
    assert set(buttons) == set(old)
    assert all(old[u] in b.label and "2024" in b.label for u, b in buttons.items())
    hagiang = next(u for u, n in old.items() if n == "Hà Giang")
    buttons[hagiang].click().run()
    at.run()  # the pending filters are applied on the run after the click (ui.open_locality)
    assert not at.exception, at.exception
    assert at.session_state["province"] == hagiang and at.session_state["structure"] == "S63"
    assert at.session_state["year"] == 2024 and len(at.metric) >= 1


def test_each_headline_cards_help_names_its_source_itself(work, monkeypatch):
    """Issue 18's last edges: a headline card's "?" said only the KIND of its source ("Công bố"). It gives the source
    itself, as the table rows' boxes do: title, address, date dd/mm/yyyy, kind, and for an imported figure its batch and
    who loaded it. Lạng Sơn 2024, its PAR INDEX figure here brought by an import (batch 7, officer_ls)."""
    with work.transaction("test sources") as cur:
        cur.execute("INSERT INTO source VALUES (902, 'import_batch', 'Tệp nhập của Sở Nội vụ', NULL, 'so-noi-vu.xlsx',"
                    " DATE '2024-06-17', NULL)")
        cur.execute("INSERT INTO import_batch VALUES (7, 'officer_ls', TIMESTAMP '2024-06-18 09:30', TIMESTAMP '2024-06-18 09:31',"
                    " 'so-noi-vu.xlsx', 'abc', 'loaded', 1, 0, 0, 0, 902, NULL, NULL)")
        cur.execute("UPDATE score SET source_id = 902 WHERE unit_id = 'S63-P-20' AND year = 2024"
                    " AND family_code = 'PAR_INDEX' AND area_code = 'TOTAL'")
        sources = cur.execute("""SELECT i.name_vi, s.kind, s.title, s.url, s.published_on FROM indicator_fact f
                                 JOIN indicator i USING (indicator_code) JOIN source s USING (source_id)
                                 WHERE f.unit_id = 'S63-P-20' AND f.year = 2024""").fetchall()
    monkeypatch.setenv("PAR_DB", str(work.path))
    work.close()
    at = _profile(province="S63-P-20", year="2024")
    helps = {m.label: m.proto.help for m in at.metric}
    assert len(helps) >= 3, helps
    kinds = {"official_publication": "Công bố", "inspection_report": "Báo cáo kiểm tra", "import_batch": "Dữ liệu nhập",
             "synthetic_demo": "Mô phỏng"}
    for name, kind, title, url, published_on in sources:
        if name not in helps:
            continue
        text = helps[name]
        assert f"Nguồn của {markdown_text(name)}, Lạng Sơn, 2024" in text and markdown_text(title) in text, text
        assert kinds[kind] in text, (kind, text)
        if url:
            assert url.split("//")[-1][:20] in text, (url, text)
        if published_on:
            assert published_on.strftime("%d/%m/%Y") in text, text
        assert not {"nan", "None", "NaT", "<NA>"} & set(text.replace(":", " ").split()), text
    par = helps["Chỉ số CCHC (tổng)"]
    for part in ("Tệp nhập của Sở Nội vụ", "so-noi-vu.xlsx", "17/06/2024", "Lô nhập số 7", "officer\\_ls", "18/06/2024"):
        assert part in par, (part, par)


def _rolled_up(db, unit_id: str, year: int) -> dict[str, pd.Series]:
    """What the map's roll-up gives the current province `unit_id` for `year`, by headline indicator."""
    out = {}
    for code in locality.HEADLINE:
        rows = db.query("map_value_rollup_s34_year", indicator=code, year=year)
        rows = rows[rows.unit_id == unit_id]
        if not rows.empty:
            out[code] = rows.iloc[0]
    return out


def test_a_current_province_before_it_existed_shows_its_old_provinces_figures_rolled_up_as_the_map_does(db):
    """Issue 18's last edges: Tuyên Quang (34 provinces) chosen for 2024 showed a sentence and links, no figure. Its
    headline cards are Tuyên Quang's and Hà Giang's 2024 figures rolled up, equal to the map's roll-up of 2024 (its
    rank among the 34 rolled up too), labelled with the two old provinces, the links kept; the cards of a province
    formed from one old province (Lạng Sơn) are that province's own figures, with their source."""
    catalogue = db.query("indicator_catalogue").set_index("indicator_code")
    with db.cursor() as cur:
        tq = cur.execute("SELECT unit_id FROM admin_unit WHERE structure = 'S34' AND level = 'province' "
                         "AND short_name = 'Tuyên Quang'").fetchone()[0]
    expected = _rolled_up(db, tq, 2024)
    assert expected and all(sorted(r.member_names) == ["Hà Giang", "Tuyên Quang"] for r in expected.values())
    at = _profile(structure="S34", province=tq, year="2024")
    cards = {m.label: m for m in at.metric}
    assert set(cards) == {catalogue.loc[c, "name_vi"] for c in expected}, set(cards)
    for code, row in expected.items():
        card = cards[catalogue.loc[code, "name_vi"]]
        assert card.value == fmt_num(row.value, "vi"), (code, card.value, row.value)
        assert "không có một nguồn duy nhất" in card.proto.help, card.proto.help  # two old provinces: no single source
    captions = " ".join(c.value for c in at.caption)
    assert "gộp từ 2 tỉnh cũ" in captions and "Hà Giang" in captions and "Tuyên Quang" in captions, captions
    assert f"hạng {int(expected['PAR_INDEX']['rank'])}/34" in captions, captions
    links = [b.label for b in at.button if (b.key or "").startswith("loc_open_old_")]  # the links kept
    assert len(links) == 2 and any("Hà Giang" in b for b in links) and any("Tuyên Quang" in b for b in links), links

    # one old province: its own figures and source (Lạng Sơn 2024), the same in English
    own = db.query("unit_indicator_card", unit_id="S63-P-20", year=2024).set_index("indicator_code")
    at = _profile(structure="S34", province="S34-P-20", year="2024", lang="en")
    cards = {m.label: m for m in at.metric}
    expected = _rolled_up(db, "S34-P-20", 2024)
    assert expected and set(cards) == {catalogue.loc[c, "name_en"] for c in expected}
    for code in expected:
        card = cards[catalogue.loc[code, "name_en"]]
        assert card.value == fmt_num(own.loc[code, "value"], "en"), (code, card.value)
        assert "Source of" in card.proto.help and "no single source" not in card.proto.help, card.proto.help
    assert any("the one province it was formed from" in c.value for c in at.caption)


def test_a_rolled_up_cards_change_says_it_compares_two_roll_ups(db):
    """Tuyên Quang (34 provinces) for 2024: each card's change is its 2024 roll-up minus its 2023 roll-up (Tuyên Quang's
    and Hà Giang's figures pooled both years), but the label read "so với 2023", as if 2023 were a figure of its own.
    The label says both years are rolled up (vi and en); a province formed from one old province (Lạng Sơn) compares
    that province's own figures, and a plain profile its own, both labelled as before."""
    with db.cursor() as cur:
        tq = cur.execute("SELECT unit_id FROM admin_unit WHERE structure = 'S34' AND level = 'province' "
                         "AND short_name = 'Tuyên Quang'").fetchone()[0]
    for lang, words in (("vi", ("so với 2023", "gộp, ", "2023 gộp")), ("en", ("vs 2023", "both pooled"))):
        at = _profile(structure="S34", province=tq, year="2024", lang=lang)
        changed = [m for m in at.metric if m.proto.delta]
        assert changed, [m.label for m in at.metric]  # the 2023 roll-up exists: the cards show a change
        for card in changed:
            assert all(w in card.proto.delta_description for w in words), (lang, card.label, card.proto.delta_description)
            # a card 230 px wide at 1 440 px shows ~21 characters beside the change before "…" (seen in the s6 shots)
            assert len(card.proto.delta_description) <= 21, card.proto.delta_description
        captions = " ".join(c.value for c in at.caption)  # said in full above the cards
        assert ("so với số liệu năm 2023 gộp" if lang == "vi" else "against the 2023 figures rolled up") in captions, captions
        for params in ({"structure": "S34", "province": "S34-P-20"}, {"province": "S63-P-20"}):
            at = _profile(**params, year="2024", lang=lang)
            descriptions = {m.proto.delta_description for m in at.metric if m.proto.delta}
            assert descriptions == {words[0]}, (params, descriptions)
