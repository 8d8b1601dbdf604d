"""Reviewing a draft read from report text: the highlighted text, the editor tables and back, and the Data page's
"from text" section driven through AppTest (read, review, accept, save; garbage and English answered clearly)."""

import datetime as dt
import os
import shutil
from html.parser import HTMLParser

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.extract import extract_text, review
from par_dashboard.importing import service
from par_dashboard.importing.names import UnitResolver
from par_dashboard.store.db import Database
from tests.browser import ROOT, shared_dir
from tests.users import sign_in

CAO_LOC = shared_dir() / "domain/examples/seed_langson_2024_caoloc.txt"


class _Marks(HTMLParser):
    """The text of highlight_html's output, with the classes of the marks open over each character; fails on any
    tag closed out of order."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.covering: list[frozenset[str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.stack.append((tag, dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1][0] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data):
        classes = frozenset(c for tag, cls in self.stack if tag == "mark" for c in cls.split())
        self.text.append(data)
        self.covering.extend([classes] * len(data))


def _parse(markup: str) -> _Marks:
    parser = _Marks()
    parser.feed(markup)
    parser.close()
    assert parser.stack == [], f"unclosed tags: {parser.stack}"
    return parser


def _draft(text: str, **fields) -> dict:
    base = {"text": text, "messages": [], "province": None, "year": None, "source_url": None, "plan": None,
            "teams": [], "indicators": [], "findings": []}
    return {**base, **fields}


# ---------------------------------------------------------------------------------------------------- highlight

def test_highlight_escapes_the_text():
    text = "Trước <script>alert(1)</script> & sau: hạn chế <b>đậm</b>.\n\nĐoạn hai."
    draft = _draft(text, findings=[{"kind": "limitation", "area_code": "A1", "text": "x", "evidence": [0, 40]}])
    markup = review.highlight_html(draft)
    assert "<script" not in markup and "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    parsed = _parse(markup)
    assert "".join(parsed.text) == text
    assert set(parsed.tags) == {"div", "mark"}
    assert "white-space:pre-wrap" in markup  # paragraph breaks stay visible


def test_overlapping_spans_nest_and_cover_every_span():
    text = "Đoàn kiểm tra tại xã A, xã B. Tỷ lệ đạt 99,8%; còn chậm. Kiến nghị khắc phục ngay."
    draft = _draft(text,
                   teams=[{"label": "Đoàn 1", "units": [{"name": "xã A", "unit_id": "S63-C-1", "evidence": [18, 22]},
                                                         {"name": "xã B", "unit_id": "S63-C-2", "evidence": [24, 28]}],
                           "evidence": [0, 29]}],
                   indicators=[{"indicator_code": "OPS_ONTIME_PCT", "value": 99.8, "evidence": [30, 56]}],
                   findings=[{"kind": "result", "area_code": "A3", "text": "Tỷ lệ", "evidence": [30, 47]},
                             {"kind": "limitation", "area_code": "A3", "text": "chậm", "evidence": [42, 57]},  # crosses
                             {"kind": "recommendation", "area_code": "A1", "text": "Kiến nghị", "evidence": [58, 200]}])
    parsed = _parse(review.highlight_html(draft))
    assert "".join(parsed.text) == text
    for span in review.evidence_spans(draft):
        inside = parsed.covering[span.start:span.end]
        assert inside and all(f"ev-{span.kind}" in c for c in inside), span
    assert parsed.covering[text.index("còn chậm")] >= {"ev-indicator", "ev-limitation"}
    assert not any(parsed.covering[29:30]), "the space between two spans is not marked"


def test_bad_evidence_is_skipped_not_fatal():
    draft = _draft("Một đoạn văn ngắn.", findings=[{"kind": "odd", "evidence": [5, 2]}, {"kind": "result", "evidence": None},
                                                  {"kind": "result", "evidence": [-4, 999]}])
    parsed = _parse(review.highlight_html(draft))
    assert "".join(parsed.text) == draft["text"]
    assert all("ev-result" in c for c in parsed.covering)


def test_the_cao_loc_draft_is_highlighted_completely(db):
    draft = extract_text(CAO_LOC.read_text(encoding="utf-8"), db=db)
    spans = review.evidence_spans(draft)
    assert {s.kind for s in spans} >= {"team", "unit", "indicator", "result", "limitation", "recommendation"}
    parsed = _parse(review.highlight_html(draft))
    assert "".join(parsed.text) == draft["text"]
    for span in spans:
        assert all(f"ev-{span.kind}" in c for c in parsed.covering[span.start:span.end]), span
    legend = _parse(review.legend_html("vi"))
    assert "Kiến nghị" in "".join(legend.text)


# ---------------------------------------------------------------------------------------------------- tables

def _full_draft() -> dict:
    return _draft(
        "văn bản", source_url="https://example.vn/bai",
        province={"name": "Lạng Sơn", "unit_id": "S63-P-20", "evidence": [0, 3]},
        year={"value": 2024, "evidence": [0, 3]},
        plan={"number": "80/KH-BCĐCCHC", "issued_on": "2024-05-29", "issuer": "Ban Chỉ đạo CCHC tỉnh", "evidence": [0, 3]},
        teams=[{"label": "Đoàn 1", "leader_name": "Nguyễn Văn A", "leader_title": "Phó Giám đốc Sở Nội vụ",
                "started_on": "2024-06-17", "ended_on": "2024-06-18",
                "units": [{"name": "xã Thanh Loà", "unit_id": "S63-C-06193", "evidence": [0, 1]},
                          {"name": "huyện Cao Lộc", "unit_id": "S63-D-183", "evidence": [2, 3]}], "evidence": [0, 3]},
               {"label": "Đoàn 2", "leader_name": None, "leader_title": None, "started_on": "2024-07-01", "ended_on": None,
                "units": [], "evidence": [0, 3]}],
        indicators=[{"indicator_code": "OPS_ONTIME_PCT", "value": 99.8, "unit_name": None, "unit_id": "S63-D-183",
                     "period": "YTD", "target": None, "gap": None, "approx": False, "evidence": [0, 3]},
                    {"indicator_code": "OPS_ONLINE_DVC_PCT", "value": 89.58, "unit_name": "huyện Cao Lộc", "unit_id": "S63-D-183",
                     "period": "Y", "target": 86.0, "gap": 3.58, "approx": True, "keep": False, "evidence": [0, 3]}],
        findings=[{"kind": "limitation", "area_code": "A7", "text": "Tuyên truyền chưa đa dạng", "unit_id": None, "team": 2,
                   "evidence": [0, 3]},
                  {"kind": "recommendation", "area_code": "A3", "text": "Hạn chế chậm hạn", "unit_id": "S63-D-183",
                   "keep": False, "evidence": [0, 3]}])


def _reviewed(draft, tables, **kw):
    fields = {"province": draft["province"]["unit_id"], "year": draft["year"]["value"],
              "plan": {k: draft["plan"][k] for k in ("number", "issued_on", "issuer")}}
    return review.draft_from_tables(draft, **{**fields, **kw}, **tables)


def _without_evidence(records):
    return [{k: v for k, v in r.items() if k != "evidence"} for r in records]


def test_draft_tables_round_trip():
    draft = _full_draft()
    back, problems = _reviewed(draft, review.draft_tables(draft))
    assert problems == []
    assert back["province"] == draft["province"] and back["year"] == draft["year"] and back["plan"] == draft["plan"]
    assert back["text"] == draft["text"] and back["source_url"] == draft["source_url"]
    teams = [{**t, "units": _without_evidence(t["units"])} for t in _without_evidence(draft["teams"])]
    assert back["teams"] == teams
    assert back["indicators"] == [{**r, "keep": r.get("keep", True)} for r in _without_evidence(draft["indicators"])]
    # a finding without a team number belongs to the first team (what saving does with it too)
    # the follow-up columns (deadline, responsible unit) come back empty where the draft had none
    assert back["findings"] == [{**f, "deadline": f.get("deadline"), "responsible": f.get("responsible"),
                                 "keep": f.get("keep", True), "team": f.get("team") or 1}
                                for f in _without_evidence(draft["findings"])]


def test_edited_tables_as_the_editor_returns_them(db):
    """Added rows left blank are dropped, new rows are kept by default, editor dates are Timestamps, and typed unit
    names are resolved within the province (an unknown one is reported, left out)."""
    draft = _full_draft()
    tables = review.draft_tables(draft)
    teams = tables["teams"].astype(object)
    teams.loc[1, "started_on"] = pd.Timestamp("2024-07-02")
    teams.loc[1, "units"] = "Hoà Cư, S63-C-06193, Xã Không Có Thật"
    teams.loc[2] = [None] * len(teams.columns)
    findings = pd.concat([tables["findings"], pd.DataFrame([{"kind": "result", "area_code": "A1", "text": "Mới thêm"},
                                                            {"text": "  "}])], ignore_index=True)
    resolver = UnitResolver.from_db(db)
    back, problems = _reviewed(draft, {**tables, "teams": teams, "findings": findings},
                               resolve=lambda name: resolver.resolve(name, structure="S63", province="S63-P-20"))
    assert len(back["teams"]) == 2
    assert back["teams"][1]["started_on"] == "2024-07-02"
    assert [u["unit_id"] for u in back["teams"][1]["units"]] == ["S63-C-06223", "S63-C-06193"]
    assert len(problems) == 1 and "Xã Không Có Thật" in problems[0]["vi"] and problems[0]["level"] == "warning"
    assert back["findings"][-1] == {"kind": "result", "area_code": "A1", "text": "Mới thêm", "unit_id": None, "team": None,
                                    "deadline": None, "responsible": None, "keep": True}
    changed, _ = _reviewed(draft, tables, province=None, year=2025, plan={"number": "", "issued_on": None, "issuer": " "})
    assert changed["province"] is None and changed["year"] == {"value": 2025, "evidence": None} and changed["plan"] is None


# ---------------------------------------------------------------------------------------------------- the page

@pytest.fixture
def own_db(built_db, tmp_path):
    """A copy of the session's database for a test that saves: the others keep seeing the built one."""
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    if (wal := built_db.with_name(built_db.name + ".wal")).exists():
        shutil.copy(wal, path.with_name(path.name + ".wal"))
    before = os.environ["PAR_DB"]
    os.environ["PAR_DB"] = str(path)
    yield path
    os.environ["PAR_DB"] = before


def _data_page() -> AppTest:
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120), "data_officer")
    at.run()
    at.switch_page("pages/data.py").run()
    assert not at.exception, at.exception
    return at


def _read(at: AppTest, text: str) -> AppTest:
    at.text_area(key="data_text_paste").input(text)
    at.button(key="data_text_read_paste").click().run()
    assert not at.exception, at.exception
    return at


def _province_box(at: AppTest):
    return next(s for s in at.selectbox if s.key and s.key.startswith("data_text_province_"))


def _year_box(at: AppTest):
    return next(n for n in at.number_input if n.key and n.key.startswith("data_text_year_"))


def test_read_review_and_save_the_cao_loc_report(own_db):
    at = _read(_data_page(), CAO_LOC.read_text(encoding="utf-8"))
    assert not at.error
    assert _province_box(at).value == "S63-P-20"
    assert _province_box(at).options[_province_box(at).index] == "Lạng Sơn"
    teams = next(e.value for e in at.data_editor if "leader_title" in e.value.columns)
    assert len(teams) == 1 and "Sở Tư pháp" in teams.iloc[0]["leader_title"]
    assert "S63-C-06193" in teams.iloc[0]["units"]
    assert any("<mark" in h.value and "Cao Lộc" in h.value for h in at.html)
    batches_before = len(service.batches(Database(own_db)))

    _year_box(at).set_value(2025).run()  # the 34-province structure: the detected old province is no longer offered
    assert _province_box(at).value is None
    at.button(key="data_text_accept").click().run()
    assert any("cần tỉnh và năm" in e.value for e in at.error), "no province: nothing saved, and said why"
    assert len(service.batches(Database(own_db))) == batches_before

    _year_box(at).set_value(2024).run()
    assert _province_box(at).value == "S63-P-20"
    at.button(key="data_text_accept").click().run()
    assert not at.exception and not at.error
    assert at.success and at.success[0].value.startswith(("Đã nhập", "Không có gì thay đổi"))
    assert {p.page for p in at.get("page_link")} >= {"kiem-tra", "dia-phuong"}
    saved = Database(own_db)
    batches = service.batches(saved)
    assert len(batches) == batches_before + 1 and batches.iloc[0].file_name.startswith("VB-")
    assert batches.iloc[0].user_name == "data_officer"  # the signed-in user, not a typed name
    visits = saved.query("unit_inspection_visits", unit_id="S63-C-06193")
    assert dt.date(2024, 6, 17) in set(pd.to_datetime(visits.started_on).dt.date)


@pytest.mark.parametrize(("text", "message"), [
    ("asdf qwer 1234", "trống hoặc quá ngắn"),
    ("", "trống hoặc quá ngắn"),
    ("The provincial inspection team visited the district on June 17 and found that the online public service rate "
     "reached 89.58 percent, while the payment rate on the national portal was still below the target.", "không phải tiếng Việt"),
])
def test_garbage_and_english_are_answered_clearly(built_db, text, message):
    at = _read(_data_page(), text)
    assert any(message in e.value for e in at.error)
    assert not any(s.key and s.key.startswith("data_text_province_") for s in at.selectbox), "no review of nothing"


def _docx(text: str) -> bytes:
    import io

    import docx

    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_uploaded_files_are_read_or_refused_clearly(built_db):
    at = _data_page()
    assert not any(f.key == "data_text_file" for f in at.file_uploader), "the file tab runs only when chosen"
    at.session_state["data_text_tabs"] = "Tải tệp"
    at.run()
    at.file_uploader(key="data_text_file").upload("hong.pdf", b"%PDF-1.4 not really", "application/pdf").run()
    at.button(key="data_text_read_file").click().run()
    assert not at.exception
    assert any("PDF" in e.value for e in at.error)
    assert not any(s.key and s.key.startswith("data_text_province_") for s in at.selectbox)

    at.file_uploader(key="data_text_file").set_value(
        ("cao-loc.docx", _docx(CAO_LOC.read_text(encoding="utf-8")),
         "application/vnd.openxmlformats-officedocument.wordprocessingml.document")).run()
    at.button(key="data_text_read_file").click().run()
    assert not at.exception and not at.error
    assert _province_box(at).value == "S63-P-20"


DAK_SONG = ROOT / "data" / "reports" / "seed_daknong_2023_daksong.txt"


def _matched(at: AppTest, status_column: str) -> pd.DataFrame:
    """The table matching the draft to the database (its status column named in the page's language)."""
    tables = [d.value for d in at.dataframe if status_column in d.value.columns]
    assert tables, f"the review shows no table matching the draft to the database (no column {status_column!r})"
    return tables[0]


def _dak_song_teams(path) -> list[str]:
    with Database(path).cursor() as cur:
        return [r[0] for r in cur.execute("SELECT inspection_id FROM inspection WHERE province_id = 'S63-P-67' AND year = 2023 "
                                          "AND team_label ILIKE '%346%' ORDER BY 1").fetchall()]


def test_the_review_shows_what_is_recorded_before_accepting(own_db):
    """Issue 15, defect 5: the Đắk Song report is in the database already. Before the click, the review says so row
    by row (the team is "Đoàn kiểm tra số 346 của UBND tỉnh", DN-2023-DAKSONG), what would update a recorded row, and
    what is new; accepting adds no second inspection, and the same draft then shows as recorded throughout."""
    at = _read(_data_page(), DAK_SONG.read_text(encoding="utf-8"))
    assert not at.error
    table = _matched(at, "Đối chiếu")
    team = table[table["Dòng"] == "Đoàn 1"].iloc[0]
    assert team["Đối chiếu"] == "Đã có trong cơ sở dữ liệu"
    assert "DN-2023-DAKSONG" in team["Ở đâu, thay đổi gì"] and "346 của UBND tỉnh" in team["Ở đâu, thay đổi gì"]
    assert {"Đã có trong cơ sở dữ liệu", "Mới"} <= set(table["Đối chiếu"])
    assert any(table["Ở đâu, thay đổi gì"].str.startswith("DN-2023-DAKSONG-L1"))  # a restated finding, with its id

    # A plan typed in that the database lacks: new, and the recorded inspection would be filed under it.
    plan = next(x for x in at.text_input if x.key.startswith("data_text_plan_no_"))
    plan.input("12/KH-BCĐCCHC").run()
    table = _matched(at, "Đối chiếu")
    assert table[table["Dòng"] == "Kế hoạch"].iloc[0]["Đối chiếu"] == "Mới"
    assert table[table["Dòng"] == "Đoàn 1"].iloc[0]["Đối chiếu"] == "Sẽ cập nhật"
    plan.input("").run()  # the report as read
    assert "Sẽ cập nhật" not in set(_matched(at, "Đối chiếu")["Đối chiếu"])

    at.button(key="data_text_accept").click().run()
    assert not at.exception and not at.error and at.success
    assert _dak_song_teams(own_db) == ["DN-2023-DAKSONG"]
    at.run()
    assert set(_matched(at, "Đối chiếu")["Đối chiếu"]) == {"Đã có trong cơ sở dữ liệu"}
    at.button(key="data_text_accept").click().run()
    assert at.success[0].value.startswith("Không có gì thay đổi")

    at.session_state["lang"] = "en"
    at.run()
    assert not at.exception
    assert set(_matched(at, "Status")["Status"]) == {"Already recorded"}
    assert _dak_song_teams(own_db) == ["DN-2023-DAKSONG"]
