"""The Kiểm tra page: AppTest runs for real reports (Lạng Sơn 2024, Đắk Nông 2023), the whole country, empty
selections and English; the recurring / remedied SQL on a hand-made database and against pandas on the full one;
the pure builders without Streamlit."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.i18n import fmt_num
from par_dashboard.paths import QUERIES_DIR
from par_dashboard.store.db import Database
from par_dashboard.views import inspections as insp
from tests import findings_search
from tests.browser import ROOT
from tests.users import sign_in

SCHEMA = ROOT / "par_dashboard" / "store" / "schema.sql"
LANG_SON, DAK_NONG = "S63-P-20", "S63-P-67"


def _page(**params) -> AppTest:
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "analyst")
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/inspections.py")
    at.run()
    assert not at.exception, at.exception
    return at


def _open(at: AppTest, section: str) -> AppTest:
    """Show one section of the page (the shared filter its segmented control is bound to)."""
    at.session_state["section"] = section
    at.run()
    assert not at.exception, at.exception
    return at


def _table(at: AppTest, first_column: str) -> pd.DataFrame:
    """The first dataframe on the page whose first column is `first_column`."""
    for frame in at.dataframe:
        if frame.value.columns[0] == first_column:
            return frame.value
    raise AssertionError(f"no table starting with {first_column!r}: {[f.value.columns[0] for f in at.dataframe]}")


def _summary(at: AppTest) -> str:
    found = [m.value for m in at.markdown if "KẾT QUẢ KIỂM TRA" in m.value or "DRAFT INSPECTION RESULTS" in m.value]
    assert len(found) == 1
    return found[0]


def _metrics(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label: (m.value, m.delta) for m in at.metric}


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


# ---------------------------------------------------------------- the page, for real reports

@pytest.fixture
def lang_son_2024(built_db) -> AppTest:
    return _page(year="2024", province=LANG_SON)


def test_lang_son_2024_shows_plan_80_and_its_three_teams_with_their_leaders(lang_son_2024):
    at = lang_son_2024
    assert at.title[0].value == "Kiểm tra công tác cải cách hành chính năm 2024 — Tỉnh Lạng Sơn"
    assert any("Dữ liệu mô phỏng" in w.value for w in at.warning), "demo teams are shown beside the real ones"
    metrics = _metrics(at)
    assert metrics["Kế hoạch kiểm tra"][0] == "2" and metrics["Lượt đoàn kiểm tra"][0] == "6"
    visits = _table(at, "Kế hoạch").set_index("Đoàn kiểm tra")
    expected = {
        "Đoàn kiểm tra tại huyện Văn Lãng": ("Dương Xuân Huyên", "Phó Chủ tịch Thường trực UBND tỉnh, Phó Trưởng Ban Chỉ đạo CCHC tỉnh"),
        "Đoàn kiểm tra tại huyện Tràng Định": ("Hoàng Thị Hiền", "Giám đốc Sở Nội vụ, Phó Trưởng Ban Chỉ đạo CCHC tỉnh"),
        "Đoàn kiểm tra tại huyện Bắc Sơn": ("Nguyễn Quốc Toàn", "Giám đốc Sở Tài chính, Thành viên Ban Chỉ đạo CCHC tỉnh"),
    }
    for team, (leader, title) in expected.items():
        row = visits.loc[team]
        assert row["Kế hoạch"] == "80/KH-BCĐCCHC ngày 29/05/2024"
        assert (row["Trưởng đoàn"], row["Chức vụ"]) == (leader, title)
        assert row["Thời gian kiểm tra"] == "24/06/2024" and row["Nguồn"] == "Báo cáo kiểm tra"
    cao_loc = visits.loc["Đoàn kiểm tra của Ban Chỉ đạo CCHC tỉnh"]
    assert cao_loc["Kế hoạch"] == "—", "the Cao Lộc report names no plan: none is invented"
    assert cao_loc["Trưởng đoàn"] == "(nguồn không nêu tên)"
    assert cao_loc["Đơn vị được kiểm tra"] == "Huyện Cao Lộc, Xã Hòa Cư, Xã Thanh Lòa"
    timeline = _charts(at)[0]
    bars = [d for d in timeline["data"] if d["type"] == "bar"]
    assert "Đoàn kiểm tra tại huyện Văn Lãng" in bars[0]["y"] and bars[0]["base"][0] == "2024-06-17"
    assert any("80/KH-BCĐCCHC" in a.get("text", "") for a in timeline["layout"]["annotations"]), "the plan's issue date is drawn"


def test_cao_loc_summary_is_the_default_and_shows_the_reported_figures(lang_son_2024):
    at = _open(lang_son_2024, "summary")
    assert at.selectbox(key="insp_summary").value == "LS-2024-CAOLOC"
    summary = _summary(at)
    assert summary.startswith("#### CÔNG BỐ DỰ THẢO KẾT QUẢ KIỂM TRA CÔNG TÁC CẢI CÁCH HÀNH CHÍNH NĂM 2024")
    for text in ("**99,8 %**", "**89,58 %**", "**38**", "**34**", "**345 ngày**", "**216 ngày**",
                 "Tỷ lệ hồ sơ TTHC giải quyết đúng và trước hạn đạt 99,8%",
                 "| Thời gian kiểm tra | 17/06/2024 |", "| Căn cứ | Nguồn không nêu kế hoạch kiểm tra |",
                 "Xã Thanh Lòa (UBND xã và Bộ phận \"một cửa\")",
                 "Tỷ lệ thanh toán trên Cổng Dịch vụ công quốc gia chưa đạt so với chỉ tiêu giao của tỉnh. — _Chưa khắc phục, 17/06/2024_",
                 "https://baolangson.vn/kiem-tra-cong-tac-cai-cach-hanh-chinh-tai-huyen-cao-loc-5011958.html"):
        assert text in summary, text
    assert summary.index("I. Kết quả đạt được") < summary.index("II. Tồn tại, hạn chế") < summary.index("III. Kiến nghị")
    assert "Dữ liệu mô phỏng" not in summary


def test_choosing_a_demo_inspection_labels_its_summary_as_demo(lang_son_2024):
    at = _open(lang_son_2024, "summary")
    at.selectbox(key="insp_summary").set_value("DEMO-20-2024-KH-D1").run()
    assert not at.exception, at.exception
    summary = _summary(at)
    assert "Dữ liệu mô phỏng" in summary and "103/KH-UBND" in summary


def test_dak_nong_2023_shows_dak_song_at_its_announcement_without_invented_dates(built_db):
    at = _page(year="2023", province=DAK_NONG)
    row = _table(at, "Kế hoạch").set_index("Đoàn kiểm tra").loc["Đoàn kiểm tra số 346 của UBND tỉnh"]
    assert row["Thời gian kiểm tra"] == "4 ngày kiểm tra thực tế (nguồn không nêu ngày)"
    assert row["Công bố dự thảo"] == "28/09/2023" and row["Trưởng đoàn"] == "Lê Trung Trường Vũ"
    timeline = _charts(at)[0]
    marker = [d for d in timeline["data"] if d.get("name") == "Chỉ biết số ngày và ngày công bố"]
    assert len(marker) == 1 and marker[0]["text"] == ["4 ngày kiểm tra thực tế, công bố 28/09/2023"]
    assert marker[0]["x"][0].startswith("2023-09-28")
    assert all("Đoàn kiểm tra số 346 của UBND tỉnh" not in d["y"] for d in timeline["data"] if d["type"] == "bar"), \
        "no time bar for a visit without field dates"
    assert any(c.value.startswith("◆") for c in at.caption)
    _open(at, "summary")
    assert at.selectbox(key="insp_summary").value == "DN-2023-DAKSONG"
    summary = _summary(at)
    assert "| Thời gian kiểm tra | 4 ngày kiểm tra thực tế (nguồn không nêu ngày) |" in summary
    assert "| Công bố dự thảo | 28/09/2023 |" in summary
    assert "Lê Trung Trường Vũ, Phó Giám đốc Sở Nội vụ tỉnh Đắk Nông" in summary


def test_whole_country_2022_limits_the_timeline_and_paginates_the_findings(built_db, db):
    at = _page(year="2022")
    assert at.title[0].value.endswith("— cả nước")
    n_visits = len(db.query("inspection_by_selection", year=2022, provinces=[], units=[]))
    n_findings = len(db.query("finding_page_by_selection", words=[], limit=None, offset=0, year=2022, provinces=[], units=[], area="TOTAL", kind="", status=""))
    assert _metrics(at)["Lượt đoàn kiểm tra"][0] == fmt_num(n_visits, "vi", 0)
    assert any(f"Cả nước có {n_visits} lượt đoàn kiểm tra năm 2022" in c.value and "25 lượt" in c.value for c in at.caption)
    timeline = _charts(at)[0]
    assert len(timeline["layout"]["yaxis"]["categoryarray"]) == insp.TIMELINE_MAX
    assert len(_table(at, "Kế hoạch")) == n_visits, "the table lists every visit"
    findings = _table(_open(at, "findings"), "Tỉnh, thành phố")
    assert len(findings) == insp.TABLE_PAGE_SIZE
    assert any(c.value.startswith(f"Dòng 1–100 trong {fmt_num(n_findings, 'vi', 0)} phát hiện") for c in at.caption)
    at.number_input(key="insp_page").set_value(2).run()
    assert not at.exception
    assert any(c.value.startswith(f"Dòng 101–200 trong {fmt_num(n_findings, 'vi', 0)} phát hiện") for c in at.caption)
    expected = db.query("finding_page_by_selection", words=[], limit=None, offset=0, year=2022, provinces=[], units=[], area="TOTAL", kind="", status="")
    assert _table(at, "Tỉnh, thành phố")["Nội dung"].tolist() == expected.text.iloc[100:200].tolist()
    at.text_input(key="insp_search").input("Đắk Nông").run()  # fewer rows than two pages: back to the last page
    n_found = len(findings_search.search_findings(expected, "Đắk Nông"))
    assert 0 < n_found <= 100 and at.number_input(key="insp_page").value == 1
    assert any(c.value.startswith(f"Dòng 1–{n_found} trong {n_found} phát hiện") for c in at.caption)


def test_unit_filter_keeps_the_inspections_that_visited_the_unit(built_db):
    at = _page(year="2024", province=LANG_SON, unit="S63-C-06193")  # Xã Thanh Lòa, visited by the Cao Lộc team only
    assert at.title[0].value.endswith("— Xã Thanh Lòa (Lạng Sơn)")
    visits = _table(at, "Kế hoạch")
    assert visits["Đoàn kiểm tra"].tolist() == ["Đoàn kiểm tra của Ban Chỉ đạo CCHC tỉnh"]
    findings = _table(_open(at, "findings"), "Đơn vị")
    assert set(findings["Đơn vị"]) == {"(chung cho đoàn)"}, "findings at other units of the visit are left out"


def test_a_current_province_shows_the_old_provinces_it_was_formed_from(built_db, db):
    at = _page(year="2024", structure="S34", province="S34-P-08")  # Tuyên Quang = old Hà Giang + Tuyên Quang
    assert any("Hà Giang" in c.value and "Tuyên Quang" in c.value and "01/07/2025" in c.value for c in at.caption)
    visits = _table(at, "Kế hoạch")
    expected = db.query("inspection_by_selection", year=2024, provinces=["S63-P-02", "S63-P-08"], units=[])
    assert len(visits) == len(expected) > 0
    assert set(visits["Tỉnh, thành phố"]) == {"Hà Giang", "Tuyên Quang"}


def test_a_current_commune_finds_the_visits_to_the_old_communes_it_was_formed_from(built_db):
    # Xã Cao Lộc (from 1/7/2025) was formed from old communes, Thanh Lòa among them: the Cao Lộc team visited it in 2024.
    at = _page(year="2024", structure="S34", province="S34-P-20", unit="S34-C-06211")
    assert at.title[0].value.endswith("— Xã Cao Lộc (Lạng Sơn)")
    assert any(c.value.startswith("Năm 2024 (trước sắp xếp ngày 01/07/2025): các đoàn kiểm tra của Lạng Sơn, nay thuộc Tỉnh Lạng Sơn")
               for c in at.caption)
    assert _table(at, "Kế hoạch")["Đoàn kiểm tra"].tolist() == ["Đoàn kiểm tra của Ban Chỉ đạo CCHC tỉnh"]


def test_an_empty_selection_answers_with_a_sentence(lang_son_2024):
    at = _open(lang_son_2024, "findings")
    at.selectbox(key="insp_kind").set_value("result")
    at.selectbox(key="insp_status").set_value("resolved").run()
    assert not at.exception
    assert any(i.value.startswith("Không có phát hiện nào khớp với lựa chọn này (Tổng · Kết quả đạt được · Đã khắc phục)")
               for i in at.info)
    at.selectbox(key="insp_kind").set_value("")
    at.selectbox(key="insp_status").set_value("").run()
    at.text_input(key="insp_search").input("zzzz không có").run()
    assert not at.exception, at.exception
    assert any("Không có phát hiện nào chứa “zzzz không có”" in i.value for i in at.info)


def test_a_year_without_inspections_answers_with_a_sentence(built_db):
    at = _page(year="2018", province=LANG_SON)
    assert [i.value for i in at.info] == [
        "Không có đợt kiểm tra nào của Tỉnh Lạng Sơn trong năm 2018. Hãy chọn năm khác hoặc địa phương khác."]
    assert not at.dataframe


def test_search_ignores_diacritics(lang_son_2024):
    at = _open(lang_son_2024, "findings")
    at.text_input(key="insp_search").input("THANH toán cong dich vu chua dat").run()
    assert not at.exception, at.exception
    rows = _table(at, "Đơn vị")
    assert rows["Nội dung"].tolist() == ["Tỷ lệ thanh toán trên Cổng Dịch vụ công quốc gia chưa đạt so với chỉ tiêu giao của tỉnh."]


def test_area_filter_is_the_shared_one(lang_son_2024):
    at = _open(lang_son_2024, "findings")
    at.selectbox(key="_w_area").set_value("A7").run()
    assert not at.exception, at.exception
    assert at.session_state["area"] == "A7"
    assert set(_table(at, "Đơn vị")["Lĩnh vực"]) == {"7. Chính quyền số"}
    assert any("chỉ tính lĩnh vực: 7. Chính quyền số" in c.value for c in at.caption)


def test_english_labels(built_db):
    at = _page(year="2024", province=LANG_SON, lang="en")
    assert at.title[0].value == "Public administration reform inspections, 2024 — Lạng Sơn Province"  # issue 18 item 9
    metrics = _metrics(at)
    assert metrics["Inspection plans"][0] == "2" and metrics["Team visits"][0] == "6"
    assert "All years" in _metrics(_open(at, "remedied"))
    _open(at, "")
    visits = _table(at, "Plan").set_index("Team")
    assert visits.loc["Inspection team at Văn Lãng District", "Plan"] == "80/KH-BCĐCCHC of 29/05/2024"
    assert visits.loc["Inspection team of the provincial PAR Steering Committee", "Leader"] == "(name not stated)"
    # issue 18 item 9: teams, demo leaders and posts in English too, people's names as written
    assert visits.loc["Inspection team at Văn Lãng District", "Leader"] == "Dương Xuân Huyên"
    assert visits.loc["Inspection team at Văn Lãng District", "Leader's post"] == (
        "Standing Vice Chair of the Provincial People's Committee, Deputy Head of the provincial PAR Steering Committee")
    shown = " ".join(str(v) for v in visits.reset_index()[["Team", "Leader", "Leader's post"]].to_numpy().ravel())
    for vietnamese in ("Đoàn kiểm tra", "Trưởng đoàn mô phỏng", "Giám đốc", "Chủ tịch", "UBND", "Sở "):
        assert vietnamese not in shown, vietnamese
    assert "Demo team leader" in shown
    hover = " ".join(str(c) for d in _charts(at)[0]["data"] for row in d.get("customdata") or [] for c in row)
    labels = " ".join(str(y) for d in _charts(at)[0]["data"] for y in d.get("y") or [])
    assert "Inspection team" in labels and "Đoàn kiểm tra" not in labels + hover and "Giám đốc" not in hover
    summary = _summary(_open(at, "summary"))
    assert "DRAFT INSPECTION RESULTS: PUBLIC ADMINISTRATION REFORM, 2024" in summary
    assert "**99.8 %**" in summary and "I. Results achieved" in summary and "| Basis | The source names no inspection plan |" in summary
    assert any("Synthetic demo data" in w.value for w in at.warning)
    assert _charts(_open(at, "findings"))[0]["layout"]["separators"] == ".,"


def test_english_dak_song_note(built_db):
    at = _page(year="2023", province=DAK_NONG, lang="en")
    row = _table(at, "Plan").set_index("Team").loc["Inspection team no. 346 of the Provincial People's Committee"]
    assert row["Field dates"] == "4 field days (dates not stated)" and row["Draft announced"] == "28/09/2023"
    assert row["Leader"] == "Lê Trung Trường Vũ"  # a person's name as written, the post in English
    assert row["Leader's post"] == "Deputy Director of the Department of Home Affairs of Đắk Nông Province"
    marker = [d for d in _charts(at)[0]["data"] if d.get("name") == "Only field days and announcement date known"]
    assert marker[0]["text"] == ["4 field days, announced 28/09/2023"]


# ---------------------------------------------------------------- recurring and remedied: a hand-made database

@pytest.fixture(scope="module")
def small_db(tmp_path_factory) -> Database:
    """One province, two districts, four inspections; every case of the two definitions once."""
    path = tmp_path_factory.mktemp("insp") / "small.duckdb"
    con = duckdb.connect(str(path))
    con.execute(SCHEMA.read_text(encoding="utf-8"))
    con.execute("INSERT INTO source VALUES (1, 'inspection_report', 'R', NULL, NULL, NULL, NULL)")
    con.execute("INSERT INTO admin_structure VALUES ('S63', 'a', 'a', DATE '2008-08-01', NULL, NULL)")
    for uid, level, parent in (("S63-P-99", "province", None), ("S63-D-1", "district", "S63-P-99"), ("S63-D-2", "district", "S63-P-99")):
        con.execute("INSERT INTO admin_unit VALUES (?, 'S63', ?, ?, ?, ?, 'Huyện', ?, ?, NULL, NULL, ?, DATE '2008-08-01', NULL)",
                    [uid, level, uid, uid, uid, parent, parent or None, uid.lower()])
    for code, n in (("A1", 1), ("A3", 3), ("A7", 7)):
        con.execute("INSERT INTO par_area VALUES (?, ?, ?, ?, ?, ?)", [code, n, code, code, code, code])
    # I1 2021 and I2 2022 visit D1 with field dates; I3 2023 visits D1 known only by its announcement (28/09/2023);
    # I4 2022 visits D2; I0 2022 visits D1 *after* I2 (a later visit that an old finding wrongly "follows up").
    inspections = [("I1", 2021, "2021-06-01", None, None), ("I2", 2022, "2022-06-01", None, None),
                   ("I0", 2022, "2022-11-01", None, None), ("I3", 2023, None, 4, "2023-09-28"), ("I4", 2022, "2022-06-10", None, None)]
    for iid, year, start, days, announced in inspections:
        con.execute("INSERT INTO inspection VALUES (?, NULL, 'S63-P-99', ?, ?, NULL, NULL, ?, ?, ?, ?, 1)",
                    [iid, year, f"Đoàn {iid}", start, start, days, announced])
        con.execute("INSERT INTO inspection_unit VALUES (?, ?, NULL, NULL)", [iid, "S63-D-2" if iid == "I4" else "S63-D-1"])
    findings = [  # id, inspection, unit, area, topic, status, resolved_on, follows_up
        ("f1", "I1", "S63-D-1", "A3", "overdue", "resolved", "2022-05-01", None),          # remedied before I2
        ("f5", "I1", "S63-D-1", "A7", "website_stale", "resolved", "2022-07-01", None),    # remedied after I2 started
        ("f2", "I2", "S63-D-1", "A3", "overdue", "open", None, None),                      # recurs: same topic, previous visit
        ("f3", "I2", "S63-D-1", "A7", "signature_low", "resolved", "2022-10-01", None),    # next visit is I0 (1/11/2022)
        ("f4", "I3", "S63-D-1", "A7", "signature_low", "open", None, "f3"),                # recurs: follow-up, but not consecutive
        ("f6", "I3", "S63-D-1", "A7", "website_stale", "open", None, None),                # not consecutive (I1 -> I3)
        ("f7", "I3", "S63-D-1", "A1", "payment_low", "open", None, "f1"),                  # follows up another topic
        ("f8", "I4", "S63-D-2", "A3", "overdue", "open", None, None),                      # other unit; never re-inspected
        ("f9", "I0", "S63-D-1", "A1", "plan_late", "resolved", "2023-09-28", None),        # remedied on I3's announcement
        ("f10", "I2", "S63-D-1", "A1", "plan_late", "open", None, "f9"),                   # "follows up" a later finding;
    ]
    for fid, iid, uid, area, topic, status, resolved, follows in findings:
        con.execute("INSERT INTO finding VALUES (?, ?, ?, ?, 'limitation', ?, ?, ?, ?, ?, ?, 1)",
                    [fid, iid, uid, area, topic, f"text {fid}", status, resolved, resolved, follows])
    con.execute("INSERT INTO finding VALUES ('r1', 'I2', 'S63-D-1', 'A1', 'result', 'x', 'a result', NULL, NULL, NULL, NULL, 1)")
    con.close()
    database = Database(path)
    yield database
    database.close()


def _recurring(database, year, **kw):
    return database.query("finding_recurring_limitation", year=year, provinces=kw.get("provinces", []),
                          units=kw.get("units", []), area=kw.get("area", "TOTAL")).set_index("finding_id")


def test_recurring_limitations_on_hand_made_cases(small_db):
    r2022 = _recurring(small_db, 2022)
    # f10 "follows up" f9 of a later visit: no recurrence; f9 (I0) repeats f10 of the visit before (I2): recurrence.
    assert r2022.index.tolist() == ["f2", "f9"], "f8 is at another unit"
    assert r2022.loc["f2", "prev_finding_id"] == "f1" and r2022.loc["f9", "prev_finding_id"] == "f10"
    assert bool(r2022.loc["f2", "by_previous_inspection"]) and not bool(r2022.loc["f2", "by_follow_up"])
    r2023 = _recurring(small_db, 2023)
    assert r2023.index.tolist() == ["f4"], "f6 skips a visit; f7 follows up another topic"
    assert bool(r2023.loc["f4", "by_follow_up"]) and not bool(r2023.loc["f4", "by_previous_inspection"])
    assert r2023.loc["f4", "prev_year"] == 2022
    assert _recurring(small_db, 2022, area="A3").index.tolist() == ["f2"]
    assert _recurring(small_db, 2022, area="A7").empty
    assert _recurring(small_db, 2022, units=["S63-D-2"]).empty
    assert _recurring(small_db, 2022, provinces=["S63-P-01"]).empty


def test_remedied_before_the_next_inspection_on_hand_made_cases(small_db):
    out = small_db.query("finding_remedied_by_year_area", provinces=[], units=[], area="TOTAL")
    by = {(r.grain, None if pd.isna(r.year) else int(r.year), None if pd.isna(r.area_code) else r.area_code): r
          for r in out.itertuples()}
    # 2021: f1 remedied before I2 (1/6/2022), f5 only after it -> 1 of 2.
    assert (by["year", 2021, None].n_followed, by["year", 2021, None].n_remedied) == (2, 1)
    # 2022: f2 and f10 (next I0), f3 (resolved 1/10, next I0 on 1/11: remedied), f8 never re-inspected, f9 (I0; next
    # is I3, known by its announcement 28/09/2023, resolved that day: remedied).
    year_2022 = by["year", 2022, None]
    assert (year_2022.n_limitations, year_2022.n_followed, year_2022.n_remedied) == (5, 4, 2)
    assert year_2022.remedied_pct == pytest.approx(50.0)
    assert (by["year_area", 2022, "A7"].n_followed, by["year_area", 2022, "A7"].n_remedied) == (1, 1)
    assert by["year", 2023, None].n_followed == 0 and pd.isna(by["year", 2023, None].remedied_pct)
    total = by["all", None, None]
    assert (total.n_limitations, total.n_followed, total.n_remedied) == (10, 6, 3)
    a3 = small_db.query("finding_remedied_by_year_area", provinces=[], units=["S63-D-2"], area="A3")
    assert a3[a3.grain == "all"].n_followed.iloc[0] == 0


# ---------------------------------------------------------------- the same, checked with pandas on the full database

@pytest.fixture(scope="module")
def raw(built_db):
    con = duckdb.connect(str(built_db))
    tables = {name: con.sql(f"SELECT * FROM {name}").df() for name in ("inspection", "inspection_unit", "finding")}  # noqa: S608
    con.close()
    return tables


def _visits(raw) -> pd.DataFrame:
    i = raw["inspection"].assign(on=lambda d: pd.to_datetime(d.started_on.fillna(d.announced_on)))
    v = raw["inspection_unit"].merge(i[["inspection_id", "year", "province_id", "on", "started_on", "announced_on"]])
    return v.assign(visit_on=pd.to_datetime(v.visited_on).fillna(v["on"]))


@pytest.mark.parametrize("provinces", [[], [LANG_SON], [DAK_NONG]])
def test_remedied_sql_matches_pandas(db, raw, provinces):
    visits = _visits(raw)
    f = raw["finding"]
    lim = f[(f.kind == "limitation") & f.unit_id.notna()].merge(
        raw["inspection"].assign(on=lambda d: pd.to_datetime(d.started_on.fillna(d.announced_on)))[["inspection_id", "year", "province_id", "on"]])
    if provinces:
        lim = lim[lim.province_id.isin(provinces)]
    later = lim[["finding_id", "unit_id", "on"]].merge(visits[["unit_id", "on"]].rename(columns={"on": "next_on"}), on="unit_id")
    next_on = later[later.next_on > later["on"]].groupby("finding_id").next_on.min()
    lim = lim.assign(next_on=lim.finding_id.map(next_on))
    followed = lim[lim.next_on.notna()]
    remedied = followed[pd.to_datetime(followed.resolved_on) <= followed.next_on]
    sql = db.query("finding_remedied_by_year_area", provinces=provinces, units=[], area="TOTAL")
    total = sql[sql.grain == "all"].iloc[0]
    assert (total.n_limitations, total.n_followed, total.n_remedied) == (len(lim), len(followed), len(remedied))
    per_year = sql[sql.grain == "year"].set_index("year")
    for year, n in remedied.groupby("year").size().items():
        assert per_year.loc[year, "n_remedied"] == n


@pytest.mark.parametrize(("year", "provinces"), [(2022, []), (2023, [DAK_NONG]), (2024, [LANG_SON])])
def test_recurring_sql_matches_pandas(db, raw, year, provinces):
    visits = _visits(raw).sort_values(["unit_id", "visit_on", "inspection_id"])
    visits["prev_inspection_id"] = visits.groupby("unit_id").inspection_id.shift()
    f = raw["finding"]
    lim = f[(f.kind == "limitation") & f.topic.notna() & f.unit_id.notna()]
    cur = lim.merge(visits[["unit_id", "inspection_id", "prev_inspection_id", "visit_on", "year", "province_id"]])
    prev = lim[["finding_id", "inspection_id", "unit_id", "topic"]].rename(
        columns={"finding_id": "prev_finding_id", "inspection_id": "prev_inspection_id"})
    by_previous = cur.merge(prev, on=["prev_inspection_id", "unit_id", "topic"])
    prev_visit = prev.merge(visits[["unit_id", "inspection_id", "visit_on"]].rename(
        columns={"inspection_id": "prev_inspection_id", "visit_on": "prev_visit_on"}))
    by_follow_up = cur.merge(prev_visit.drop(columns="unit_id"), left_on=["follows_up_id", "topic"], right_on=["prev_finding_id", "topic"])
    by_follow_up = by_follow_up[by_follow_up.prev_visit_on < by_follow_up.visit_on]
    found = pd.concat([by_previous, by_follow_up])
    found = found[(found.year == year) & (found.province_id.isin(provinces) if provinces else True)]
    sql = db.query("finding_recurring_limitation", year=year, provinces=provinces, units=[], area="TOTAL")
    assert set(sql.finding_id) == set(found.finding_id) and len(sql) == sql.finding_id.nunique() > 0


def test_every_query_of_the_page_has_a_header_and_binds_its_values():
    for path in [*QUERIES_DIR.glob("inspection_*.sql"), *QUERIES_DIR.glob("finding_*.sql")]:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("-- "), path.name
        assert "{" not in text and "%s" not in text, path.name


# ---------------------------------------------------------------- pure builders

def _visit(**kw) -> dict:
    base = {"inspection_id": "X", "plan_id": None, "plan_number": None, "plan_issued_on": None, "plan_issuer": None,
            "province_id": "S63-P-67", "province_name": "Đắk Nông", "year": 2023, "team_label": "Đoàn kiểm tra số 346",
            "leader_name": "Lê Trung Trường Vũ", "leader_title": "Phó Giám đốc Sở Nội vụ", "started_on": None, "ended_on": None,
            "field_days": 4, "announced_on": dt.date(2023, 9, 28), "on_date": dt.date(2023, 9, 28),
            "units_visited": "Huyện Đắk Song", "n_units": 1, "n_findings": 14, "source_kind": "inspection_report",
            "source_title": "Hội nghị công bố", "source_url": None, "source_file": "data/reports/x.txt"}
    return {**base, **kw}


def _visits_frame(*rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def test_visit_dates_never_invent_field_dates():
    only_days = _visit()
    assert insp.visit_dates(only_days, "vi") == "4 ngày kiểm tra thực tế (nguồn không nêu ngày)"
    assert insp.visit_period(only_days, "vi") == "4 ngày kiểm tra thực tế, công bố 28/09/2023"
    assert insp.visit_period(only_days, "en") == "4 field days, announced 28/09/2023"
    dated = _visit(started_on=dt.date(2022, 6, 2), ended_on=dt.date(2022, 6, 5), field_days=4)
    assert insp.visit_dates(dated, "vi") == "02/06/2022 – 05/06/2022"
    one_day = _visit(started_on=pd.Timestamp("2024-06-17"), ended_on=pd.Timestamp("2024-06-17"), field_days=pd.NA)
    assert insp.visit_period(one_day, "vi") == "17/06/2024"
    assert insp.visit_dates(_visit(field_days=None, announced_on=None), "en") == "Not stated"


def test_fmt_value_keeps_the_reported_decimals():
    assert insp.fmt_value(99.8, "%", "vi") == "99,8 %"
    assert insp.fmt_value(89.58, "%", "vi") == "89,58 %"
    assert insp.fmt_value(89.58, "%", "en") == "89.58 %"
    assert insp.fmt_value(38.0, "count", "vi") == "38"
    assert insp.fmt_value(2194387.0, "count", "vi") == "2.194.387"
    assert insp.fmt_value(345.0, "days", "vi") == "345 ngày"
    assert insp.fmt_value(None, "%", "vi") == "—"


def test_timeline_draws_bars_for_field_dates_and_a_marker_for_announcement_only():
    rows = insp.timeline_rows(_visits_frame(
        _visit(),
        _visit(inspection_id="Y", team_label="Đoàn kiểm tra số 1", started_on=dt.date(2023, 7, 7), ended_on=dt.date(2023, 7, 8),
               announced_on=dt.date(2023, 7, 18), on_date=dt.date(2023, 7, 7), source_kind="synthetic_demo"),
    ))
    assert rows["y"].tolist() == ["Đoàn kiểm tra số 1", "Đoàn kiểm tra số 346"]
    fig = insp.timeline_figure(rows, "vi")  # the builder itself: its arrays as arrays
    bars = [d for d in fig.data if d.type == "bar"]
    assert len(bars) == 1 and list(bars[0].y) == ["Đoàn kiểm tra số 1"] and list(bars[0].x) == [2 * insp.DAY_MS]
    assert bars[0].marker.pattern.shape == ("/",), "demo bars are hatched"
    diamond = [d for d in fig.data if d.name == "Chỉ biết số ngày và ngày công bố"][0]
    assert list(diamond.text) == ["4 ngày kiểm tra thực tế, công bố 28/09/2023"]
    assert pd.Timestamp(diamond.x[0]) == pd.Timestamp("2023-09-28")
    assert fig.layout.separators == ",." and fig.layout.xaxis.tickformat == "%d/%m/%Y"
    assert any(a.text == "<b>Dữ liệu mô phỏng</b>" for a in fig.layout.annotations)
    real_only = insp.timeline_figure(insp.timeline_rows(_visits_frame(_visit())), "en")
    assert not any("Synthetic" in (a.text or "") for a in real_only.layout.annotations)


def test_timeline_rows_keep_the_most_recent_and_name_the_province_when_several():
    frame = _visits_frame(*[_visit(inspection_id=f"I{k}", team_label="Đoàn kiểm tra số 1", province_id=f"P{k % 2}",
                                   province_name=["Hà Giang", "Tuyên Quang"][k % 2], started_on=dt.date(2024, 6, 1 + k),
                                   ended_on=dt.date(2024, 6, 1 + k), on_date=dt.date(2024, 6, 1 + k)) for k in range(6)])
    rows = insp.timeline_rows(frame, limit=4)
    assert rows["inspection_id"].tolist() == ["I2", "I3", "I4", "I5"]
    assert rows["y"].tolist() == ["Đoàn kiểm tra số 1 · Hà Giang", "Đoàn kiểm tra số 1 · Tuyên Quang",
                                  "Đoàn kiểm tra số 1 · Hà Giang (2)", "Đoàn kiểm tra số 1 · Tuyên Quang (2)"]


def test_area_kind_bar_keeps_all_areas_in_order_and_hatches_demo(db):
    areas = db.query("par_areas")
    counts = pd.DataFrame({"area_code": ["A3", "A3", "A1"], "kind": ["limitation", "limitation", "result"],
                           "is_demo": [False, True, False], "n": [4, 7, 1],
                           "short_vi": ["Thủ tục hành chính", "Thủ tục hành chính", "Chỉ đạo điều hành"],
                           "short_en": ["Procedures", "Procedures", "Direction"]})
    fig = insp.area_kind_bar(counts, areas, "vi")
    assert list(fig.layout.yaxis.categoryarray)[:3] == ["1. Chỉ đạo điều hành", "2. Thể chế", "3. Thủ tục hành chính"]
    assert len(fig.layout.yaxis.categoryarray) == 8
    names = [d.name for d in fig.data]
    assert names == ["Kết quả đạt được", "Tồn tại, hạn chế", "Tồn tại, hạn chế (mô phỏng)"]
    assert fig.data[2].marker.pattern.shape == ("/",) and fig.data[1].marker.pattern.shape == ("",)
    table = insp.area_kind_table(counts, "en")
    assert table.columns.tolist() == ["Area", "Kind", "Source", "Findings"]
    assert table.iloc[1].tolist() == ["3. Procedures", "Limitation", "Demo", 7]


def test_search_folds_both_sides():
    findings = pd.DataFrame({"text": ["Còn có hồ sơ giải quyết quá hạn.", "Ứng dụng chữ ký số còn thấp.", "Khác"],
                             "unit_name": ["Xã Thanh Lòa", "Xã Hòa Cư", "Xã Thanh Loa\u0300"],  # the last one in NFD
                             "province_name": "Lạng Sơn", "team_label": "Đoàn", "topic": [None, "signature_low", None],
                             "short_vi": "x", "short_en": "x"})
    assert findings_search.search_findings(findings, "HO SO QUA HAN")["text"].tolist() == ["Còn có hồ sơ giải quyết quá hạn."]
    assert len(findings_search.search_findings(findings, "thanh lòa")) == 2, "NFC and NFD spellings both match"
    assert len(findings_search.search_findings(findings, "Thanh Loà")) == 2
    assert findings_search.search_findings(findings, "chu ky so")["unit_name"].tolist() == ["Xã Hòa Cư"]
    assert len(findings_search.search_findings(findings, "  ")) == 3
    assert findings_search.search_findings(findings, "đắk").empty


def test_pages():
    assert insp.page_count(250) == 3 and insp.page_count(0) == 1 and insp.page_count(100) == 1


@pytest.mark.parametrize("text", ["", "hồ sơ", "HO SO QUA HAN", "chậm", "Lạng Sơn", "chu ky so", "đoàn 1", "  ",
                                  "không có từ này", "' OR 1=1 --"])
def test_the_page_query_searches_and_orders_as_the_whole_selection(db, text):
    """finding_page_by_selection.sql (the page's table: one page from DuckDB, searched there) gives the rows, the
    order and the total of the whole selection searched in Python (search_findings), for every page."""
    selection = {"year": 2022, "provinces": [], "units": [], "area": "TOTAL", "kind": "", "status": ""}
    expected = findings_search.search_findings(db.query("finding_page_by_selection", **selection, words=[], limit=None, offset=0), text)
    words = insp.search_words(text)
    every = db.query("finding_page_by_selection", **selection, words=words, limit=None, offset=0)
    assert every.finding_id.tolist() == expected.finding_id.tolist()
    assert set(every.n_total) <= {len(expected)}
    second = db.query("finding_page_by_selection", **selection, words=words, limit=100, offset=100)
    assert second.finding_id.tolist() == expected.finding_id.iloc[100:200].tolist()


def test_summary_markdown_follows_the_draft_result_shape_and_escapes_text():
    units = pd.DataFrame({"name": ["Huyện Đắk Song"], "what_checked": ["UBND huyện"]})
    findings = pd.DataFrame([
        {"kind": "limitation", "area_code": "A3", "area_number": 3, "name_vi": "Cải cách TTHC", "name_en": "Procedures",
         "short_vi": "TTHC", "short_en": "Procedures", "unit_id": "S63-D-665", "unit_name": "Huyện Đắk Song",
         "text": "Còn *2* hồ sơ | quá hạn", "status": "resolved", "status_on": dt.date(2024, 3, 1),
         "resolved_on": dt.date(2024, 2, 1), "source_kind": "inspection_report"},
        {"kind": "result", "area_code": None, "area_number": None, "name_vi": None, "name_en": None, "short_vi": None,
         "short_en": None, "unit_id": None, "unit_name": None, "text": "Kết quả chung", "status": None, "status_on": None,
         "resolved_on": None, "source_kind": "inspection_report"},
    ])
    figures = pd.DataFrame({"unit_name": ["Huyện Đắk Song"], "name_vi": ["Tỷ lệ đúng hạn"], "name_en": ["On time"],
                            "unit": ["%"], "value": [99.8], "period": ["to-date"]})
    text = insp.summary_markdown(_visit(), units, findings, figures, "vi")
    assert "| Thời gian kiểm tra | 4 ngày kiểm tra thực tế (nguồn không nêu ngày) |" in text
    assert "| Căn cứ | Nguồn không nêu kế hoạch kiểm tra |" in text
    assert "- Tỷ lệ đúng hạn: **99,8 %** (lũy kế đến thời điểm kiểm tra)" in text
    assert "**Không gắn lĩnh vực**" in text
    assert "- Còn \\*2\\* hồ sơ \\| quá hạn — _Đã khắc phục, 01/02/2024_" in text
    assert "##### III. Kiến nghị\n_Nguồn không nêu nội dung này._" in text
    assert "`data/reports/x.txt`" in text and "Dữ liệu mô phỏng" not in text
    plan = _visit(plan_number="80/KH-BCĐCCHC", plan_issued_on=dt.date(2024, 5, 29), plan_issuer="Ban Chỉ đạo CCHC tỉnh",
                  source_kind="synthetic_demo")
    demo = insp.summary_markdown(plan, units, findings.iloc[:0], figures.iloc[:0], "en")
    assert "| Basis | Plan no. 80/KH-BCĐCCHC of 29/05/2024, issued by Ban Chỉ đạo CCHC tỉnh |" in demo
    assert "**⚠️ Synthetic demo data**" in demo and "Figures recorded" not in demo


def test_default_inspection_prefers_a_real_one_with_most_findings():
    frame = _visits_frame(_visit(inspection_id="D", source_kind="synthetic_demo", n_findings=40),
                          _visit(inspection_id="R1", n_findings=2), _visit(inspection_id="R2", n_findings=10))
    assert insp.default_inspection(frame) == "R2"
    assert list(insp.inspection_choices(frame, "vi"))[-1] == "D"
    assert insp.default_inspection(frame.iloc[:0]) is None


def test_remedied_figure_labels_share_and_n_and_highlights_the_year():
    rows = pd.DataFrame({"grain": "year", "year": [2022, 2023], "area_code": None, "n_limitations": [10, 5],
                         "n_followed": [8, 0], "n_remedied": [6, 0], "remedied_pct": [75.0, None], "any_demo": [True, True]})
    fig = insp.remedied_figure(rows, "vi", by="year", highlight=2022)
    assert list(fig.data[0].text) == ["75,0 %<br>n = 8", "—<br>n = 0"]
    assert list(fig.data[0].marker.color) == [insp.HIGHLIGHT_COLOR, insp.MUTED_COLOR]
    assert any("Dữ liệu mô phỏng" in (a.text or "") for a in fig.layout.annotations)


def test_split_remedied_and_its_headline():
    rows = pd.DataFrame({"grain": ["all", "year", "year", "year_area", "year_area"], "year": [None, 2022, 2023, 2022, 2022],
                         "area_code": [None, None, None, "A1", "A3"], "n_limitations": [9, 6, 3, 2, 4],
                         "n_followed": [5, 5, 0, 0, 5], "n_remedied": [2, 2, 0, 0, 2], "remedied_pct": [40.0, 40.0, None, None, 40.0],
                         "any_demo": True})
    parts = insp.split_remedied(rows, 2023)
    assert parts.any_followed and parts.by_year["year"].tolist() == [2022, 2023]
    assert insp.Remedied.headline(parts.this_year) == (None, 0, 0), "no share when nothing was inspected again"
    assert insp.Remedied.headline(parts.overall) == (40.0, 2, 5)
    assert insp.split_remedied(rows, 2022).year_areas["area_code"].tolist() == ["A3"]
    assert insp.share(3, 0) is None and insp.share(1, 4) == 25.0
