"""The import service: every bad-input class rejected with its message and the database untouched; idempotent
loads, updates by natural key, partial loads with a quarantine, exact rollbacks, the error workbook, the template,
the PAPI panel, and the round trip export -> import into an empty database."""

import datetime as dt
import hashlib
import io
import re
import shutil
import time
import zipfile

import duckdb
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from par_dashboard.extract.save import save_draft
from par_dashboard.importing import encoding, service, template
from par_dashboard.importing.template import Catalogue
from par_dashboard.paths import PUBLISHED_DIR
from par_dashboard.store.db import Database
from par_dashboard.store.schema import CONTENT_TABLES
from tests.hardening import fuzz, idempotence, unseen
from tests.hardening.invariants import pinned

PAPI_PANEL = PUBLISHED_DIR / "papi_2011_2016_mdtrinh_vietnamdata.csv"  # shipped: a clone has no ../shared/


# ------------------------------------------------------------------------------------------------ helpers

def content_hash(db: Database) -> dict[str, tuple]:
    """Every content table's row count and an order-free hash of its rows (the sum of each row's hash, every column
    in it), bookkeeping tables such as data_version and import_* excluded. The md5 of every row as sorted text said
    the same in ten times the time, and this runs twice in most tests here."""
    with db.cursor() as cur:
        return {t: cur.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchone()  # noqa: S608 - fixed names
                for t in CONTENT_TABLES}


def one(db: Database, sql: str, params: dict | None = None):
    with db.cursor() as cur:
        return cur.execute(sql, params or {}).fetchall()


def data_version(db: Database) -> int:
    return one(db, "SELECT max(version) FROM data_version")[0][0]


def xlsx(rows: dict[str, list[dict]], lang: str = "vi") -> bytes:
    """A template workbook holding these rows (keyed by template column keys)."""
    return template.write_workbook(rows, lang=lang, catalogue=Catalogue.from_seed())


def plain_xlsx(sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> bytes:
    """A workbook written cell by cell, as a person might (any headers, any layout)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in rows:
            ws.append(r)
        if title in hidden:
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


IID = "TEST-LS-2024-9"


def good_rows(iid: str = IID) -> dict[str, list[dict]]:
    """A small, valid file: one new inspection in Lạng Sơn with a visited unit, two findings and a value."""
    return {
        "inspections": [{"inspection_id": iid, "province": "Lạng Sơn", "year": 2024, "team_label": "Đoàn kiểm tra số 9",
                         "leader_name": "Nguyễn Văn An", "started_on": "01/07/2024", "ended_on": "02/07/2024"}],
        "inspection_units": [{"inspection_id": iid, "unit_name": "Huyện Cao Lộc", "unit_province": "Lạng Sơn",
                              "visited_on": "01/07/2024", "what_checked": "Bộ phận một cửa"}],
        "findings": [
            {"inspection_id": iid, "unit_name": "H. Cao Lộc", "unit_province": "Lạng Sơn", "area": "A3", "kind": "Tồn tại, hạn chế",
             "text": "Hồ sơ trễ hạn chưa có thư xin lỗi.", "status": "Chưa khắc phục", "status_on": "02/07/2024"},
            {"finding_id": f"{iid}-K1", "inspection_id": iid, "area": "A3 – Thủ tục hành chính", "kind": "Kiến nghị",
             "text": "Gửi thư xin lỗi đúng quy định."},
        ],
        "indicator_values": [{"unit_name": "Cao Lộc", "unit_level": "Huyện", "unit_province": "Lạng Sơn",
                              "indicator": "OPS_ONTIME_PCT", "year": 2024, "period": "Q2", "value": "97,5", "inspection_id": iid}],
    }


def rejected(db: Database, data: bytes, name: str = "du_lieu.xlsx", **kw) -> service.ImportReport:
    """Load a bad file: it must be rejected and leave every content table and the data version as they were."""
    before, version, n_batches = content_hash(db), data_version(db), len(service.batches(db))
    report = service.load(db, data, name, user="test", **kw)
    assert report.status == "rejected", report.summary("en")
    assert report.batch_id is None
    assert content_hash(db) == before
    assert data_version(db) == version
    assert len(service.batches(db)) == n_batches
    return report


def messages(report: service.ImportReport, code: str | None = None) -> tuple[str, str]:
    errors = [e for e in report.errors if code is None or e.code == code]
    assert errors, [(e.code, e.message_en) for e in report.errors]
    return " | ".join(e.message_vi for e in errors), " | ".join(e.message_en for e in errors)


# ------------------------------------------------------------------------------------------------ a good file

def test_a_new_inspection_loads_as_one_batch_pointing_to_its_source(work):
    version = data_version(work)
    data = xlsx(good_rows())
    report = service.load(work, data, "kiem_tra.xlsx", user="an")
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert report.batch_id == 1
    assert {k: (c.added, c.updated, c.rejected) for k, c in report.counts.items() if c.read} == {
        "inspections": (1, 0, 0), "inspection_units": (1, 0, 0), "findings": (2, 0, 0), "indicator_values": (1, 0, 0)}
    assert data_version(work) == version + 1
    rows = one(work, """SELECT f.kind, f.unit_id, f.area_code, f.status, f.status_on::VARCHAR, s.kind, s.file FROM finding f
                        JOIN source s USING (source_id) WHERE inspection_id = $i ORDER BY f.kind""", {"i": IID})
    assert rows == [("limitation", "S63-D-183", "A3", "open", "2024-07-02", "import_batch", "kiem_tra.xlsx"),
                    ("recommendation", None, "A3", None, None, "import_batch", "kiem_tra.xlsx")]
    assert one(work, "SELECT value FROM indicator_value WHERE inspection_id = $i", {"i": IID}) == [(97.5,)]
    batch = service.batches(work)
    assert list(batch[["batch_id", "user_name", "file_name", "status", "added", "updated", "rejected"]].iloc[0]) == [
        1, "an", "kiem_tra.xlsx", "loaded", 5, 0, 0]
    assert batch.sha256.iloc[0] == report.sha256 == hashlib.sha256(data).hexdigest()


def test_the_template_with_its_real_examples_imports_as_unchanged(work):
    """The examples are the real Lạng Sơn 2024 rows already in the database: nothing new, nothing written."""
    before = content_hash(work)
    for lang in ("vi", "en"):
        report = service.load(work, template.template_workbook(lang), f"mau_{lang}.xlsx", user="test")
        assert report.status == "unchanged", [e.message_en for e in report.errors]
        assert report.unchanged == 13 and report.added == report.updated == 0
    assert content_hash(work) == before
    assert service.batches(work).empty


def test_template_has_drop_downs_readme_and_lists():
    wb = openpyxl.load_workbook(io.BytesIO(template.template_workbook("vi")))
    assert wb.sheetnames == ["Hướng dẫn", "Kế hoạch", "Đoàn kiểm tra", "Đơn vị được kiểm tra", "Phát hiện", "Giá trị chỉ tiêu",
                             "Mục tiêu", "Điểm số", "Danh mục"]
    findings = wb["Phát hiện"]
    headers = [c.value for c in findings[1]]
    assert "Nội dung *" in headers and "Loại *" in headers
    lists = {str(dv.sqref).split(":")[0].rstrip("0123456789"): dv.formula1 for dv in findings.data_validations.dataValidation}
    kind_col = openpyxl.utils.get_column_letter(headers.index("Loại *") + 1)
    area_col = openpyxl.utils.get_column_letter(headers.index("Lĩnh vực") + 1)
    assert lists[kind_col].startswith("'Danh mục'!$") and lists[area_col] == "'Danh mục'!$A$2:$A$9"
    listed = [c.value for c in wb["Danh mục"]["A"][1:9]]
    assert listed == ["A1 – Chỉ đạo điều hành", "A2 – Thể chế", "A3 – Thủ tục hành chính", "A4 – Tổ chức bộ máy",
                      "A5 – Chế độ công vụ", "A6 – Tài chính công", "A7 – Chính quyền số", "A8 – Tác động"]
    readme = "\n".join(str(c.value) for row in wb["Hướng dẫn"].iter_rows() for c in row if c.value)
    assert "dd/mm/yyyy" in readme and "0–100" in readme
    assert wb["Giá trị chỉ tiêu"]["A1"].value is not None
    values = [[c.value for c in r] for r in wb["Giá trị chỉ tiêu"].iter_rows(min_row=2)]
    assert [v for v in values[0] if v in (99.8, 89.58)] == [99.8]  # the real Cao Lộc figure, not an invented one
    en = openpyxl.load_workbook(io.BytesIO(template.template_workbook("en")))
    assert en.sheetnames[1:8] == ["Plans", "Inspections", "Units visited", "Findings", "Indicator values", "Targets", "Scores"]


def test_validate_reports_counts_and_writes_nothing(work):
    before, version = content_hash(work), data_version(work)
    report = service.validate(work, xlsx(good_rows()), "kiem_tra.xlsx")
    assert report.status == "valid" and report.added == 5 and report.batch_id is None
    rows = good_rows()
    rows["indicator_values"].append(dict(rows["indicator_values"][0], period="Q3", value=130))
    report = service.validate(work, xlsx(rows), "kiem_tra.xlsx")  # what loading the valid rows would do
    assert report.status == "rejected" and (report.added, report.rejected) == (5, 1)
    assert service.validate(work, template.template_workbook("vi"), "mau.xlsx").status == "unchanged"
    assert content_hash(work) == before and data_version(work) == version


# ------------------------------------------------------------------------------------------------ bad input, one test per class

def test_missing_column_is_rejected_with_the_column_named(work):
    data = plain_xlsx({"Phát hiện": [["Mã đoàn kiểm tra", "Loại", "Lĩnh vực"], ["LS-2024-CAOLOC", "Kết quả", "A1"]]})
    vi, en = messages(rejected(work, data), "missing_column")
    assert "Trang 'Phát hiện': thiếu cột bắt buộc 'Nội dung'" in vi
    assert "the required column 'Text' is missing" in en


def test_wrong_type_is_rejected_with_row_column_and_value(work):
    rows = good_rows()
    rows["indicator_values"][0]["value"] = "khoảng 90"
    rows["inspections"][0]["ended_on"] = "31/02/2024"
    report = rejected(work, xlsx(rows))
    vi, en = messages(report, "not_number")
    assert "Dòng 2, cột 'Giá trị': 'khoảng 90' không phải số." in vi
    assert "Row 2, column 'Giá trị': 'khoảng 90' is not a number." in en
    vi, en = messages(report, "date_not_real")
    assert "Dòng 2, cột 'Đến ngày': ngày 31/02/2024 không có thật." in vi


def test_percent_out_of_range_is_rejected(work):
    rows = good_rows()
    rows["indicator_values"][0]["value"] = 120
    vi, en = messages(rejected(work, xlsx(rows)), "out_of_range")
    assert "Dòng 2, cột 'Giá trị': giá trị 120 ngoài khoảng 0–100 % của chỉ tiêu OPS_ONTIME_PCT." in vi
    assert "value 120 is outside 0–100 % for indicator OPS_ONTIME_PCT" in en


def test_unknown_unit_is_rejected(work):
    rows = good_rows()
    rows["inspection_units"][0]["unit_name"] = "Huyện Không Tồn Tại"
    vi, en = messages(rejected(work, xlsx(rows)), "unknown_unit")
    assert "Dòng 2, cột 'Tên đơn vị': Không tìm thấy đơn vị “Huyện Không Tồn Tại”" in vi
    assert "Huyện Không Tồn Tại" in en


def test_ambiguous_unit_is_an_error_listing_the_candidates_never_a_guess(work):
    rows = good_rows()
    rows["inspection_units"][0]["unit_name"] = "Cao Lộc"  # the district and the town of Cao Lộc
    vi, en = messages(rejected(work, xlsx(rows)), "ambiguous_unit")
    assert "S63-D-183" in vi and "S63-C-06187" in vi and "Huyện Cao Lộc" in vi and "Thị trấn Cao Lộc" in vi
    assert "S63-D-183" in en and "S63-C-06187" in en


def test_duplicates_inside_the_file_and_against_the_database_are_rejected(work):
    rows = good_rows()
    rows["indicator_values"].append(dict(rows["indicator_values"][0], unit_name="Huyện Cao Lộc", unit_level=None))
    rows["plans"] = [{"plan_id": "KH-MOI", "number": "80/KH-BCĐCCHC", "issuer": "Ban Chỉ đạo CCHC tỉnh", "province": "Lạng Sơn",
                      "year": 2024, "title": "Kế hoạch kiểm tra"}]
    report = rejected(work, xlsx(rows))
    vi, en = messages(report, "duplicate")
    assert "Dòng 3, cột 'Mã chỉ tiêu': trùng với dòng 2 (S63-D-183, OPS_ONTIME_PCT, 2024, Q2)." in vi
    assert "duplicates row 2" in en
    assert "kế hoạch số 80/KH-BCĐCCHC năm 2024 của tỉnh này đã có trong cơ sở dữ liệu với mã 'LS-2024-KH80'" in vi


def test_broken_reference_is_rejected(work):
    rows = good_rows()
    rows["findings"][0]["inspection_id"] = "KHONG-CO-DOAN-NAY"
    rows["findings"][1]["follows_up_id"] = "KHONG-CO-PHAT-HIEN"
    report = rejected(work, xlsx(rows))
    vi, en = messages(report, "broken_reference")
    assert ("Dòng 2, cột 'Mã đoàn kiểm tra': đoàn kiểm tra 'KHONG-CO-DOAN-NAY' không có trong tệp (trang Đoàn kiểm tra) "
            "và chưa có trong cơ sở dữ liệu.") in vi
    assert "inspection 'KHONG-CO-DOAN-NAY' is neither in the file (Inspections sheet) nor in the database" in en
    assert "phát hiện 'KHONG-CO-PHAT-HIEN' không có trong tệp và chưa có trong cơ sở dữ liệu" in vi


# ------------------------------------------------------------------------------------------------ unseen characters, lengths, numbers

def refused(db: Database, data: bytes, name: str = "du_lieu.xlsx") -> service.ImportReport:
    """`rejected` with the quick content hash (a sum of row hashes, 0,1 s instead of 2 s on the whole database)."""
    before, version, n_batches = fuzz.content_hash(db), data_version(db), len(service.batches(db))
    report = service.load(db, data, name, user="test")
    assert report.status == "rejected" and report.batch_id is None, report.summary("en")
    assert (fuzz.content_hash(db), data_version(db), len(service.batches(db))) == (before, version, n_batches)
    return report


visible_ids = unseen.visible_ids


def test_an_id_with_a_zero_width_space_never_loads_beside_the_plain_id(work):
    """`LS-2024-CAOLOC` + U+200B looks exactly like the inspection already in the database: it is refused, with
    the character named, never stored as a second inspection (nor as a second plan, finding, follow-up)."""
    rows = good_rows()
    rows["inspections"].append(dict(rows["inspections"][0], inspection_id="LS-2024-CAOLOC\u200b"))
    rows["plans"] = [{"plan_id": "KH-80\u2060", "number": "80/KH-BCĐCCHC", "issuer": "UBND tỉnh", "province": "Lạng Sơn",
                      "year": 2024, "title": "Kế hoạch kiểm tra"}]
    rows["findings"][1]["finding_id"] = f"{IID}-K1\ufeff"
    rows["findings"][0]["follows_up_id"] = "LS-2024-CAOLOC-L1\u00ad"
    report = refused(work, xlsx(rows))
    vi, en = messages(report, "unseen_character")
    assert "Dòng 3, cột 'Mã đoàn kiểm tra': ô có ký tự vô hình U+200B (ZERO WIDTH SPACE) (ký tự thứ 15)" in vi
    assert "Row 3, column 'Mã đoàn kiểm tra': the cell holds the invisible character U+200B (ZERO WIDTH SPACE)" in en
    for shown in ("U+2060 (WORD JOINER)", "U+FEFF (ZERO WIDTH NO-BREAK SPACE)", "U+00AD (SOFT HYPHEN)"):
        assert shown in vi and shown in en
    assert {e.value for e in report.errors if e.code == "unseen_character"} >= {"LS-2024-CAOLOC⟨U+200B⟩"}
    assert visible_ids(work, "inspection", "inspection_id")["LS-2024-CAOLOC"] == ["LS-2024-CAOLOC"]


def test_a_bidirectional_override_in_a_name_is_refused(work):
    """U+202E makes "Đoàn kiểm tra số 9" + RLO + "1 nạoĐ" read on screen other than it is stored."""
    rows = good_rows()
    rows["inspections"][0]["team_label"] = "Đoàn kiểm tra số 9 \u202e1 nạoĐ"
    rows["inspections"][0]["leader_name"] = "Nguyễn Văn An\u2067"
    rows["findings"][0]["text"] = "Hồ sơ trễ hạn \u202dchưa có thư xin lỗi."
    vi, en = messages(refused(work, xlsx(rows)), "bidi_control")
    assert ("Dòng 2, cột 'Tên đoàn': ô có ký tự điều khiển hướng chữ U+202E (RIGHT-TO-LEFT OVERRIDE), làm văn bản hiển thị "
            "khác với nội dung thật: hãy xóa ký tự này.") in vi
    assert "Row 2, column 'Tên đoàn': the cell holds the bidirectional control character U+202E (RIGHT-TO-LEFT OVERRIDE)" in en
    assert "U+2067 (RIGHT-TO-LEFT ISOLATE)" in vi and "U+202D (LEFT-TO-RIGHT OVERRIDE)" in vi


def test_invisible_characters_in_names_and_texts_are_removed_with_a_notice(work):
    """A soft hyphen, a zero-width space, a word joiner copied from a web page change nothing a reader sees: they go,
    and the notice says which and where. A long text keeps its line breaks; a name gets a space for one."""
    rows = good_rows()
    rows["inspections"][0]["team_label"] = "Đoàn\u200b kiểm\u00ad tra số\u00a09"
    rows["inspections"][0]["leader_name"] = "Nguyễn\nVăn\u2060 An"
    rows["findings"][0]["text"] = "Hồ sơ trễ hạn\r\nchưa có thư\ufeff xin lỗi."
    report = service.load(work, xlsx(rows), "an.xlsx", user="test")
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert one(work, "SELECT team_label, leader_name FROM inspection WHERE inspection_id = $i", {"i": IID}) == [
        ("Đoàn kiểm tra số 9", "Nguyễn Văn An")]
    assert ("Hồ sơ trễ hạn\nchưa có thư xin lỗi.",) in one(work, "SELECT text FROM finding WHERE inspection_id = $i", {"i": IID})
    notices = " | ".join(n.message_vi for n in report.notices)
    assert ("Trang 'Đoàn kiểm tra', cột 'Tên đoàn': đã bỏ ký tự vô hình hoặc ký tự điều khiển U+200B (ZERO WIDTH SPACE), "
            "U+00AD (SOFT HYPHEN) ở 1 dòng (2).") in notices
    assert "cột 'Trưởng đoàn': đã bỏ ký tự vô hình hoặc ký tự điều khiển U+000A" in notices and "ngắt dòng, tab thay bằng dấu cách" in notices
    assert "Trang 'Phát hiện', cột 'Nội dung': đã bỏ ký tự vô hình hoặc ký tự điều khiển U+FEFF" in notices


def limit_case(work, name: str) -> service.ImportReport:
    """One of the named limit cases of tests/hardening/unseen.py (the figures command loads them all): refused,
    nothing written, each expected row's error there."""
    report, wrong = unseen.refusal(work, **unseen.limit_cases()[name])
    assert not wrong, wrong
    return report


def test_a_text_longer_than_its_column_takes_is_refused_with_the_limit_and_its_length(work):
    rows = unseen.long_text_rows(good_rows())
    assert (len(rows["inspections"][0]["team_label"]), len(rows["findings"][0]["text"]), len(rows["findings"][1]["text"])) == (
        201, 4001, 4000)  # the limit itself loads
    report = limit_case(work, "texts one character over their limits")
    vi, en = messages(report, "too_long")
    assert "Dòng 2, cột 'Tên đoàn': nội dung dài 201 ký tự, quá giới hạn 200 ký tự của cột." in vi
    assert "Row 2, column 'Tên đoàn': the text is 201 characters long, over the column's limit of 200 characters." in en
    assert "Dòng 2, cột 'Nội dung': nội dung dài 4.001 ký tự, quá giới hạn 4.000 ký tự của cột." in vi
    assert len([e for e in report.errors if e.code == "too_long"]) == 2
    assert all(len(str(e.value)) < 100 for e in report.errors)  # the error list does not repeat the text back


def test_a_one_megabyte_team_name_is_refused_in_a_workbook_and_in_a_csv(work):
    assert len(unseen.HUGE) == 1_050_000
    vi, en = messages(limit_case(work, "a 1 MB team name in a workbook"), "too_long")
    assert "cột 'Tên đoàn': nội dung dài" in vi and "quá giới hạn 200 ký tự" in vi and "limit of 200 characters" in en
    vi, en = messages(limit_case(work, "a 1 MB team name in a CSV"), "cell_too_long")  # was a crash (csv.Error)
    assert "Dòng 2, cột 'Tên đoàn': ô dài 1.049.999 ký tự, quá giới hạn 131.072 ký tự; dòng này không được đọc." in vi
    assert "Row 2, column 'Tên đoàn': the cell holds 1,049,999 characters, over the limit of 131,072" in en


def test_numbers_out_of_any_sane_range_are_refused_each_with_its_message(work):
    """1e308 dossiers, an infinite or fractional count, a PAPI score above its 80 points, a rank of 1e308 (was a
    crash: DuckDB cannot hold it in an INTEGER): every row refused, each with what is wrong."""
    bad = unseen.OUT_OF_RANGE
    assert bad == [1e308, "1e308", "1e999", "-1e999", "inf", "NaN", float("inf"), 2.5, -1, 1e9 + 1]
    report = limit_case(work, "numbers outside any sane range")
    by_row = {(e.sheet, e.row): e for e in report.errors}
    assert sorted(r for s, r in by_row if s == "Giá trị chỉ tiêu") == list(range(2, 2 + len(bad)))  # 1e9 itself is fine
    msg = {(s, r): e.message_en.split(": ", 1)[1] for (s, r), e in by_row.items()}
    sheet = "Giá trị chỉ tiêu"
    assert msg[sheet, 2] == "value 1e+308 is outside 0–1,000,000,000 for indicator OPS_DOSSIERS_RECEIVED."
    assert msg[sheet, 3] == msg[sheet, 2]
    assert msg[sheet, 4] == "'1e999' is not a valid number (too large)."
    assert msg[sheet, 9] == "value 2.5 of indicator OPS_DOSSIERS_RECEIVED must be a whole number (count)."
    assert msg[sheet, 11] == "value 1,000,000,001 is outside 0–1,000,000,000 for indicator OPS_DOSSIERS_RECEIVED."
    assert by_row[sheet, 11].message_vi.endswith("giá trị 1.000.000.001 ngoài khoảng 0–1.000.000.000 của chỉ tiêu OPS_DOSSIERS_RECEIVED.")
    assert msg["Mục tiêu", 2] == "value 1e+308 is outside 0–1,000,000,000 for indicator OPS_DOSSIERS_RECEIVED."
    assert msg["Điểm số", 2] == "value 81 is outside 0–80 for indicator PAPI."
    assert msg["Điểm số", 3] == "1.00000e+308 is outside 1–100,000."
    assert msg["Điểm số", 4] == "200000 is outside 1–100,000."


def test_every_error_of_a_row_is_reported_not_only_the_first(work):
    rows = good_rows()
    rows["findings"][1].update(kind="Kết quả", status="Đã khắc phục", text="z" * 5000, area="A9")
    rows["inspections"][0].update(started_on=None, announced_on=None, field_days=400, team_label="\u202eĐoàn")
    report = refused(work, xlsx(rows))
    assert sorted(e.code for e in report.errors if e.sheet == "Phát hiện" and e.row == 3) == ["too_long", "unknown_area"]
    assert sorted(e.code for e in report.errors if e.sheet == "Đoàn kiểm tra") == ["bidi_control", "out_of_range"]
    # with every cell right, the checks across cells report all they find too
    rows["findings"][1]["text"], rows["findings"][1]["area"] = "Đã khắc phục.", "A3"
    report = refused(work, xlsx(rows))
    assert sorted(e.code for e in report.errors if e.sheet == "Phát hiện" and e.row == 3) == ["broken_reference", "required", "status_not_allowed"]  # its inspection (row 2) has errors too


def test_a_draft_from_a_text_is_cleaned_and_checked_as_a_file_is(work):
    """A draft accepted on the data page goes through the same import: its invisible characters are removed with a
    notice, a bidirectional override refused, and a vertical tab (Word's Shift+Enter) no longer breaks the
    workbook it is written to (openpyxl refused it: IllegalCharacterError)."""
    def draft(label, leader, day):
        return {"province": {"unit_id": "S63-P-20"}, "year": {"value": 2024}, "text": f"Báo cáo kiểm tra ngày {day}",
                "teams": [{"label": label, "leader_name": leader, "started_on": day, "units": [{"unit_id": "S63-D-183"}]}],
                "findings": [{"team": 1, "unit_id": "S63-D-183", "area_code": "A3", "kind": "limitation",
                              "text": "Hồ sơ\u00ad trễ hạn."}]}

    before = fuzz.content_hash(work)
    report = save_draft(work, draft("Đoàn 1", "Lê \u202eAn", "2024-07-09"), user="test")
    assert report.status == "rejected" and fuzz.content_hash(work) == before
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE)" in messages(report, "bidi_control")[0]
    report = save_draft(work, draft("Đoàn\u200b 1", "Lê\x0bAn", "2024-07-10"), user="test")
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert any("U+200B" in n.message_vi for n in report.notices) and any("U+00AD" in n.message_vi for n in report.notices)
    saved = one(work, "SELECT team_label, leader_name FROM inspection WHERE started_on = DATE '2024-07-10' AND inspection_id LIKE 'VB-%'")
    assert saved == [("Đoàn 1", "Lê An")]




@given(base=unseen.BASES, hidden=unseen.HIDDEN, decomposed=st.booleans())
@pinned(unseen.PINNED)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_a_key_with_unseen_characters_is_refused_or_stored_as_the_key_without_them(work, base, hidden, decomposed):
    """Whatever unseen characters sit wherever in an inspection id: either the load is refused and the database is
    as it was, or the id stored is the id a reader sees (NFC, without them). Never a second id that looks the same
    (tests/hardening/unseen.py; the figures command tries more keys)."""
    wrong = unseen.key_violations(work, base, hidden, decomposed)
    assert not wrong, wrong


def test_wrong_encoding_is_rejected(work):
    text = "Mã đoàn kiểm tra,Loại,Nội dung\nLS-2024-CAOLOC,Kết quả,Đã làm tốt\n"
    data = b"\xef\xbb\xbf" + encoding.encode_cp1258(text)  # says UTF-8, is Windows-1258
    vi, en = messages(rejected(work, data, "phat_hien.csv"), "bad_encoding")
    assert "BOM của UTF-8" in vi and "byte-order mark" in en


def test_legacy_tcvn3_text_is_converted_with_a_notice_not_an_error(work):
    rows = good_rows()
    rows["inspections"][0]["team_label"] = encoding.to_tcvn3("Đoàn kiểm tra số 9 của Ban Chỉ đạo")
    rows["findings"][0]["text"] = encoding.to_tcvn3("Hồ sơ trễ hạn chưa có thư xin lỗi.")
    assert rows["findings"][0]["text"] != "Hồ sơ trễ hạn chưa có thư xin lỗi."
    report = service.load(work, xlsx(rows), "tcvn3.xlsx", user="test")
    assert report.status == "loaded" and not report.errors
    notices = " | ".join(n.message_vi for n in report.notices)
    assert "Trang 'Đoàn kiểm tra', cột 'Tên đoàn': 1 ô gõ bằng bảng mã TCVN3 đã được chuyển sang Unicode." in notices
    assert "Trang 'Phát hiện', cột 'Nội dung': 1 ô" in notices
    assert one(work, "SELECT team_label FROM inspection WHERE inspection_id = $i", {"i": IID}) == [("Đoàn kiểm tra số 9 của Ban Chỉ đạo",)]
    assert ("Hồ sơ trễ hạn chưa có thư xin lỗi.",) in one(work, "SELECT text FROM finding WHERE inspection_id = $i", {"i": IID})


def test_legacy_vni_csv_is_converted_with_a_notice(work):
    header = "Mã đơn vị,Mã chỉ tiêu,Năm,Kỳ,Giá trị,Nguồn\n"
    line = "S63-D-183,OPS_ONTIME_PCT,2024,Q3,98.1," + encoding.to_vni("Báo cáo quý 3 của huyện") + "\n"
    report = service.load(work, (header + line).encode("utf-8"), "gia_tri_chi_tieu.csv", user="test")
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert any("VNI" in n.message_vi for n in report.notices)
    assert one(work, """SELECT s.title FROM indicator_value v JOIN source s USING (source_id)
                        WHERE unit_id = 'S63-D-183' AND period = 'Q3' AND year = 2024""") == [("Báo cáo quý 3 của huyện",)]


def test_oversize_file_is_rejected(work):
    data = b"PK\x03\x04" + b"\0" * service.MAX_BYTES
    vi, en = messages(rejected(work, data), "file_too_large")
    assert vi.startswith("Tệp quá lớn (10,1 MB); giới hạn là 10,0 MB.")  # rounded up: never "10,0 MB; the limit is 10,0"
    assert en.startswith("The file is too large (10.1 MB); the limit is 10.0 MB.")


def test_empty_file_is_rejected(work):
    for data in (b"", b"  \n "):
        vi, en = messages(rejected(work, data, "trong.xlsx"), "empty_file")
        assert vi == "Tệp rỗng: không có dữ liệu nào." and en == "The file is empty: it holds no data."
    vi, _ = messages(rejected(work, "Mã đoàn kiểm tra,Loại\n".encode(), "phat_hien.csv"))
    assert "Không tìm thấy" not in vi


def test_not_a_spreadsheet_is_rejected(work):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    vi, en = messages(rejected(work, png, "du_lieu.xlsx"), "not_a_spreadsheet")
    assert "Tệp là hình ảnh, không phải bảng tính" in vi and "The file is an image" in en
    vi, _ = messages(rejected(work, b"%PDF-1.7\n" + bytes(range(256)), "bao_cao.xlsx"), "not_a_spreadsheet")
    assert "Tệp là tài liệu PDF" in vi
    vi, _ = messages(rejected(work, b"\xd0\xcf\x11\xe0" + bytes(600), "cu.xls"), "not_a_spreadsheet")
    assert "Excel cũ (.xls)" in vi
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    vi, _ = messages(rejected(work, docx.getvalue(), "van_ban.xlsx"), "not_a_spreadsheet")
    assert "không phải bảng tính Excel (.xlsx)" in vi


def test_formula_without_a_computed_value_is_explained(work):
    rows = good_rows()
    rows["indicator_values"][0]["value"] = "=95+2.5"  # written as text by the template writer...
    data = plain_xlsx({"Giá trị chỉ tiêu": [["Mã đơn vị", "Mã chỉ tiêu", "Năm", "Kỳ", "Giá trị"],
                                            ["S63-D-183", "OPS_ONTIME_PCT", 2024, "Q2", "=95+2.5"]]})  # ...openpyxl: a formula
    vi, en = messages(rejected(work, data), "formula_without_value")
    assert "Dòng 2, cột 'Giá trị': ô E2 chứa công thức chưa được tính" in vi
    assert "cell E2 holds a formula that was never computed" in en


def test_formula_cells_are_read_as_their_cached_values(work):
    data = plain_xlsx({"Giá trị chỉ tiêu": [["Mã đơn vị", "Mã chỉ tiêu", "Năm", "Kỳ", "Giá trị"],
                                            ["S63-D-183", "OPS_ONTIME_PCT", 2024, "Q2", "=95+2.5"]]})
    data = _with_cached_value(data, "E2", "97.5")
    report = service.load(work, data, "cong_thuc.xlsx", user="test")
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert one(work, "SELECT value FROM indicator_value WHERE unit_id = 'S63-D-183' AND period = 'Q2'") == [(97.5,)]


def _with_cached_value(data: bytes, cell: str, value: str) -> bytes:
    """What Excel does on saving: the formula keeps the value it computed."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = re.sub(rb'(<c r="' + cell.encode() + rb'"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v></v>)?',
                              rb"\1<v>" + value.encode() + rb"</v>", body)
            dst.writestr(item, body)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ layout tolerance

def test_merged_headers_hidden_sheets_extra_columns_and_loose_header_spelling(work):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "PHAT HIEN"  # sheet names matched without diacritics or case
    ws.append(["Biên bản kiểm tra huyện Cao Lộc"])  # a title row above the headers
    ws.merge_cells("A1:F1")
    ws.append(["ma doan kiem tra", "  LOẠI  ", "Nội   dung", "Lĩnh vực", "Ghi chú riêng", "Người nhập"])
    ws.append(["LS-2024-CAOLOC", "Kiến nghị", "Niêm yết công khai TTHC tại xã Hòa Cư.", "A3", "x", "Lan"])
    ws.append([None, "Kiến nghị", "Cập nhật trang thông tin điện tử xã.", "A7", None, "Lan"])
    ws.merge_cells("A3:A4")  # one inspection id for two rows, merged down
    hidden = wb.create_sheet("Nháp")
    hidden.append(["ghi chép"])
    hidden.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    report = service.load(work, buf.getvalue(), "bien_ban.xlsx", user="test")
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert report.counts["findings"].added == 2
    notices = [n.message_vi for n in report.notices]
    assert "Trang 'PHAT HIEN': bỏ qua các cột không thuộc mẫu: 'Ghi chú riêng', 'Người nhập'." in notices
    assert "Trang ẩn 'Nháp' không phải trang của mẫu: bỏ qua." in notices
    texts = {r[0] for r in one(work, "SELECT text FROM finding WHERE inspection_id = 'LS-2024-CAOLOC' AND kind = 'recommendation'")}
    assert {"Niêm yết công khai TTHC tại xã Hòa Cư.", "Cập nhật trang thông tin điện tử xã."} <= texts


def test_hidden_template_sheet_is_read_with_a_notice_and_english_headers_work(work):
    row = dict(good_rows()["indicator_values"][0], inspection_id=None)
    wb = openpyxl.load_workbook(io.BytesIO(xlsx({"indicator_values": [row]}, lang="en")))
    wb["Indicator values"].sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    report = service.load(work, buf.getvalue(), "values.xlsx", user="test")
    assert report.status == "loaded" and report.added == 1
    assert "Sheet 'Indicator values' is hidden but is a template sheet: read anyway." in [n.message_en for n in report.notices]


def test_csv_record_type_from_headers_or_file_name_in_utf16_and_semicolons(work):
    text = "Mã đơn vị;Mã chỉ tiêu;Năm;Kỳ;Giá trị\nS63-D-183;OPS_EDOC_PCT;2024;Q1;99,5\n"
    report = service.load(work, text.encode("utf-16"), "xuat_tu_he_thong.csv", user="test")  # told by its headers
    assert report.status == "loaded", [e.message_en for e in report.errors]
    assert one(work, "SELECT value FROM indicator_value WHERE indicator_code = 'OPS_EDOC_PCT' AND period = 'Q1' "
                     "AND unit_id = 'S63-D-183' AND year = 2024") == [(99.5,)]
    vi, _ = messages(rejected(work, b"a,b\n1,2\n", "bang.csv"), "unknown_record_type")
    assert "Không nhận ra loại hồ sơ của tệp CSV" in vi


# ------------------------------------------------------------------------------------------------ idempotency, updates

def test_the_same_file_twice_changes_nothing(work):
    """tests/hardening/idempotence.py (the figures command loads more files twice with the same check)."""
    first, again, wrong = idempotence.same_file_twice(work, xlsx(good_rows()), "a.xlsx")
    assert not wrong, wrong
    assert first.status == "loaded"
    assert again.unchanged == 5 and again.added == again.updated == 0
    assert any("đã được nhập ở lô 1" in n.message_vi for n in again.notices)
    assert len(service.batches(work)) == 1


def test_a_corrected_file_updates_the_rows_with_the_same_natural_keys(work):
    service.load(work, xlsx(good_rows()), "a.xlsx", user="test")
    rows = good_rows()
    rows["inspections"][0]["team_label"] = "Đoàn kiểm tra số 9 (sửa)"
    rows["findings"][1]["text"] = "Gửi thư xin lỗi đúng Nghị định 61/2018."
    rows["indicator_values"][0]["value"] = 97.8
    report = service.load(work, xlsx(rows), "a_sua.xlsx", user="test")
    assert report.status == "loaded"
    assert {k: (c.added, c.updated, c.unchanged) for k, c in report.counts.items() if c.read} == {
        "inspections": (0, 1, 0), "inspection_units": (0, 0, 1), "findings": (0, 1, 1), "indicator_values": (0, 1, 0)}
    assert one(work, "SELECT team_label FROM inspection WHERE inspection_id = $i", {"i": IID}) == [("Đoàn kiểm tra số 9 (sửa)",)]
    assert one(work, "SELECT text FROM finding WHERE finding_id = $f", {"f": f"{IID}-K1"}) == [("Gửi thư xin lỗi đúng Nghị định 61/2018.",)]
    assert one(work, "SELECT value FROM indicator_value WHERE inspection_id = $i", {"i": IID}) == [(97.8,)]
    # a plan without an id is the same plan when province, number and year match
    plan = {"number": "80/KH-BCĐCCHC", "issued_on": dt.date(2024, 5, 29), "issuer": "Ban Chỉ đạo cải cách hành chính tỉnh Lạng Sơn",
            "province": "Tỉnh Lạng Sơn", "year": 2024, "title": "Kế hoạch kiểm tra CCHC năm 2024 (bản sửa)"}
    report = service.load(work, xlsx({"plans": [plan]}), "ke_hoach.xlsx", user="test")
    assert (report.counts["plans"].added, report.counts["plans"].updated) == (0, 1)
    assert one(work, "SELECT title FROM inspection_plan WHERE plan_id = 'LS-2024-KH80'") == [("Kế hoạch kiểm tra CCHC năm 2024 (bản sửa)",)]


def _demo_value(db: Database):
    return one(db, """SELECT v.unit_id, v.indicator_code, v.year, v.value FROM indicator_value v JOIN source s USING (source_id)
                      WHERE s.kind = 'synthetic_demo' AND v.period = 'Y' AND v.unit_id LIKE 'S63-D-%'
                      ORDER BY ALL LIMIT 1""")[0]


def test_real_rows_replace_demo_rows_and_rollback_brings_the_demo_back(work):
    before = content_hash(work)
    unit_id, code, year, value = _demo_value(work)
    new_value = 5.0 if value != 5.0 else 6.0
    report = service.load(work, xlsx({"indicator_values": [{"unit_id": unit_id, "indicator": code, "year": year,
                                                             "value": new_value}]}), "that.xlsx", user="test")
    assert report.status == "loaded" and report.updated == 1 and report.added == 0
    fact = one(work, "SELECT value, source_kind FROM indicator_fact WHERE unit_id = $u AND indicator_code = $c AND year = $y",
               {"u": unit_id, "c": code, "y": year})
    assert fact == [(new_value, "import_batch")]
    assert service.rollback(work, report.batch_id, user="test").status == "rolled_back"
    assert one(work, """SELECT v.value, s.kind FROM indicator_value v JOIN source s USING (source_id)
                        WHERE unit_id = $u AND indicator_code = $c AND year = $y AND period = 'Y'""",
               {"u": unit_id, "c": code, "y": year}) == [(value, "synthetic_demo")]
    assert content_hash(work) == before


def test_a_real_inspection_replaces_a_demo_one_that_has_findings_and_rollback_restores_it(work):
    """The demo inspection is referred to by its findings: its row is replaced in place, the findings stay."""
    before = content_hash(work)
    iid, province, year, n_findings = one(work, """
        SELECT i.inspection_id, i.province_id, i.year, count(*) FROM inspection i JOIN finding f USING (inspection_id)
        JOIN source s ON s.source_id = i.source_id WHERE s.kind = 'synthetic_demo' AND i.started_on IS NOT NULL
        GROUP BY ALL ORDER BY 1 LIMIT 1""")[0]
    row = {"inspection_id": iid, "province": province, "year": year, "team_label": "Đoàn kiểm tra (số liệu thật)",
           "started_on": "10/06/" + str(year)}
    report = service.load(work, xlsx({"inspections": [row]}), "that.xlsx", user="test")
    assert report.status == "loaded" and report.updated == 1, [e.message_en for e in report.errors]
    assert one(work, """SELECT i.team_label, s.kind FROM inspection i JOIN source s USING (source_id)
                        WHERE inspection_id = $i""", {"i": iid}) == [("Đoàn kiểm tra (số liệu thật)", "import_batch")]
    assert one(work, "SELECT count(*) FROM finding WHERE inspection_id = $i", {"i": iid}) == [(n_findings,)]
    assert service.rollback(work, report.batch_id, user="test").status == "rolled_back"
    assert content_hash(work) == before


def test_a_row_marked_synthetic_never_replaces_real_data(work):
    row = {"unit_id": "S63-D-183", "indicator": "OPS_ONTIME_PCT", "year": 2024, "period": "to-date", "value": 50, "demo": "có"}
    vi, en = messages(rejected(work, xlsx({"indicator_values": [row]})), "demo_over_real")
    assert "dòng đánh dấu dữ liệu mô phỏng không được thay thế số liệu thật đã có" in vi


# ------------------------------------------------------------------------------------------------ partial loads

def test_partial_load_keeps_the_valid_rows_and_quarantines_the_rest(work):
    before = content_hash(work)
    rows = good_rows()
    rows["indicator_values"] += [
        dict(rows["indicator_values"][0], period="Q3", value=130),  # out of range
        dict(rows["indicator_values"][0], period="Q4", unit_name="Không Có Huyện Này"),  # unknown unit
    ]
    data = xlsx(rows)
    assert service.load(work, data, "mot_phan.xlsx", user="test").status == "rejected"
    report = service.load(work, data, "mot_phan.xlsx", user="test", partial=True)
    assert report.status == "partial"
    assert (report.added, report.rejected) == (5, 2)
    assert report.counts["indicator_values"].rejected == 2
    assert len(report.errors) == 2
    quarantined = one(work, "SELECT sheet, excel_row, errors FROM import_quarantine WHERE batch_id = $b ORDER BY excel_row",
                      {"b": report.batch_id})
    assert [(s, r) for s, r, _ in quarantined] == [("indicator_values", 3), ("indicator_values", 4)]
    assert "ngoài khoảng 0–100" in quarantined[0][2]
    assert service.batches(work).iloc[0][["status", "added", "rejected"]].tolist() == ["partial", 5, 2]
    # the set-aside rows come back as a template file with what is wrong, ready to fix and import again
    wb = openpyxl.load_workbook(io.BytesIO(service.quarantine_workbook(work, report.batch_id, "vi")))
    ws = wb["Giá trị chỉ tiêu"]
    headers = [c.value for c in ws[1]]
    assert headers[-1] == "Lỗi"
    kept = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
    assert [r[headers.index("Kỳ")] for r in kept] == ["Q3", "Q4"]
    assert "ngoài khoảng 0–100" in kept[0][-1]
    fixed = service.validate(work, service.quarantine_workbook(work, report.batch_id, "vi"), "sua.xlsx")
    assert fixed.rejected == 2 and any("bỏ qua các cột không thuộc mẫu: 'Lỗi'" in n.message_vi for n in fixed.notices)
    assert service.rollback(work, report.batch_id, user="test").status == "rolled_back"
    assert content_hash(work) == before


# ------------------------------------------------------------------------------------------------ rollback

def test_rollback_restores_exactly_the_previous_content(work):
    before = content_hash(work)
    service.load(work, xlsx(good_rows()), "a.xlsx", user="test")
    rows = good_rows()
    rows["findings"][1]["text"] = "Sửa nội dung."
    second = service.load(work, xlsx(rows), "b.xlsx", user="test")
    t0 = time.perf_counter()
    result = service.rollback(work, second.batch_id, user="lan")
    seconds = time.perf_counter() - t0
    assert result.status == "rolled_back" and result.restored == 1 and result.deleted == 0
    assert "Đã hoàn tác lô 2" in result.message_vi
    assert service.rollback(work, 1, user="lan").status == "rolled_back"
    assert content_hash(work) == before
    batches = service.batches(work)
    assert batches.rolled_back_by.tolist() == ["lan", "lan"] and batches.rolled_back_at.notna().all()
    again = service.rollback(work, 1, user="lan")
    assert again.status == "already_rolled_back" and "đã được hoàn tác" in again.message_vi
    assert service.rollback(work, 99, user="lan").status == "not_found"
    assert seconds < 30


def test_rollback_is_refused_when_a_later_batch_changed_the_same_rows(work):
    before = content_hash(work)
    service.load(work, xlsx(good_rows()), "a.xlsx", user="test")
    rows = good_rows()
    rows["indicator_values"][0]["value"] = 91
    service.load(work, xlsx(rows), "b.xlsx", user="test")
    after_both = content_hash(work)
    refused = service.rollback(work, 1, user="test")
    assert refused.status == "refused"
    assert refused.message_vi == ("Không hoàn tác được lô 1: lô nhập sau (2) đã sửa lại chính các dòng này. "
                                  "Hãy hoàn tác lô 2 trước (từ lô mới nhất), rồi hoàn tác lô 1.")
    assert content_hash(work) == after_both
    assert service.rollback(work, 2, user="test").status == "rolled_back"
    assert service.rollback(work, 1, user="test").status == "rolled_back"
    assert content_hash(work) == before


def test_rollback_is_refused_when_later_rows_refer_to_rows_the_batch_added(work):
    service.load(work, xlsx({"inspections": good_rows()["inspections"]}), "doan.xlsx", user="test")
    service.load(work, xlsx({"findings": good_rows()["findings"]}), "phat_hien.xlsx", user="test")
    refused = service.rollback(work, 1, user="test")
    assert refused.status == "refused"
    assert "dữ liệu nhập sau (lô 2) tham chiếu tới các dòng lô này đã thêm" in refused.message_vi
    assert "later data (batch 2) refers to rows this batch added" in refused.message_en


# ------------------------------------------------------------------------------------------------ error workbook

def test_error_workbook_marks_the_offending_rows_and_cells(work):
    rows = good_rows()
    rows["indicator_values"][0]["value"] = 120
    data = xlsx(rows)
    report = service.load(work, data, "loi.xlsx", user="test")
    wb = openpyxl.load_workbook(io.BytesIO(service.error_workbook(data, report, "vi")))
    assert wb.sheetnames[0] == "Lỗi"
    listed = [[c.value for c in r] for r in wb["Lỗi"].iter_rows()]
    assert listed[0] == ["Trang", "Dòng", "Cột", "Lỗi", "Giá trị"]
    assert listed[1][:3] == ["Giá trị chỉ tiêu", 2, "Giá trị"] and "ngoài khoảng 0–100" in listed[1][3]
    ws = wb["Giá trị chỉ tiêu"]
    col = [c.value for c in ws[1]].index("Giá trị *") + 1
    cell = ws.cell(2, col)
    assert cell.fill.fgColor.rgb.endswith("F28B82") and "ngoài khoảng 0–100" in cell.comment.text
    assert ws.cell(2, 1).fill.fgColor.rgb.endswith("FDE2E1")
    en = openpyxl.load_workbook(io.BytesIO(service.error_workbook(data, report, "en")))
    assert en.sheetnames[0] == "Errors" and "outside 0–100" in en["Errors"]["D2"].value
    # a file that is not a spreadsheet still gets the list of what is wrong
    bad = service.load(work, b"%PDF-1.4", "x.xlsx", user="test")
    only = openpyxl.load_workbook(io.BytesIO(service.error_workbook(b"%PDF-1.4", bad, "vi")))
    assert only.sheetnames == ["Lỗi"] and "PDF" in only["Lỗi"]["D2"].value


def test_csv_error_workbook_and_formula_looking_text_is_never_a_formula(work):
    text = "Mã đơn vị,Mã chỉ tiêu,Năm,Giá trị,Nguồn\nS63-D-183,OPS_EDOC_PCT,2024,abc,=HYPERLINK(\"x\")\n"
    report = service.load(work, text.encode(), "gia_tri_chi_tieu.csv", user="test")
    wb = openpyxl.load_workbook(io.BytesIO(service.error_workbook(text.encode(), report, "vi")))
    ws = wb["Giá trị chỉ tiêu"]
    assert ws["E2"].data_type == "s" and ws["E2"].value.endswith('=HYPERLINK("x")')
    assert ws["D2"].comment is not None


# ------------------------------------------------------------------------------------------------ PAPI panel

def test_papi_panel_imports_63_provinces_a_year_ranked_as_in_the_panel(work):
    data = PAPI_PANEL.read_bytes()
    # the default build ships the panel as published data: importing it again changes nothing
    assert service.load(work, data, PAPI_PANEL.name, user="test").status == "unchanged"
    with work.transaction("test: a database without the shipped panel") as cur:
        cur.execute("DELETE FROM score WHERE family_code = 'PAPI' AND year BETWEEN 2011 AND 2016")
    report = service.load(work, data, PAPI_PANEL.name, user="test")
    assert report.status == "loaded", [e.message_en for e in report.errors[:5]]
    assert report.counts["scores"].added == 378
    assert any("bảng PAPI 2011–2016" in n.message_vi for n in report.notices)
    panel = pd.read_csv(PAPI_PANEL)
    for year in range(2011, 2017):
        got = work.query("par_score_by_province_year", family="PAPI", area="TOTAL", year=year)
        assert len(got) == 63 and got["rank"].notna().all() and (got.n_scored == 63).all()
        assert set(got.source_kind) == {"import_batch"}
        p = panel[panel.year == year].copy()
        p["rank"] = p.PAPI_unweighted_total.rank(ascending=False, method="min").astype(int)
        expected = dict(zip(p.province_code_gso.astype(int), p["rank"], strict=True))
        assert dict(zip(got.code.astype(int), got["rank"].astype(int), strict=True)) == expected
        assert dict(zip(got.code.astype(int), got.score, strict=True)) == pytest.approx(
            dict(zip(p.province_code_gso.astype(int), p.PAPI_unweighted_total, strict=True)))
    again = service.load(work, data, PAPI_PANEL.name, user="test")
    assert again.status == "unchanged"


# ------------------------------------------------------------------------------------------------ round trip

def test_the_real_data_exported_and_imported_back_changes_nothing(work):
    with work.cursor() as cur:
        data = template.export_workbook(cur, "en", include_demo=False)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb["Scores"].max_row - 1 == one(work, """SELECT count(*) FROM score c JOIN source s USING (source_id)
                                                   WHERE s.kind <> 'synthetic_demo'""")[0][0]
    assert "Synthetic demo" in [c.value for c in wb["Findings"][1]]
    before = content_hash(work)
    report = service.load(work, data, "real.xlsx", user="test")
    assert report.status == "unchanged", [e.message_en for e in report.errors[:5]]
    assert report.unchanged == sum(ws.max_row - 1 for ws in wb.worksheets[1:8])
    assert content_hash(work) == before


FACT_TABLES = ["inspection_plan", "inspection", "inspection_unit", "finding", "indicator_value", "target", "score"]


def empty_copy(built_db, path) -> None:
    """The built database with its units and catalogue (and published aggregates) but none of the facts the
    template carries."""
    shutil.copy(built_db, path)
    con = duckdb.connect(str(path))
    try:
        tables = ["finding_followup", "score", "target", "indicator_value", "inspection_unit", "finding", "inspection", "inspection_plan",
                  "published_aggregate", "published_fact", "rank_group", "source"]
        ddl = {t: con.execute("SELECT sql FROM duckdb_tables() WHERE table_name = $t", {"t": t}).fetchone()[0] for t in tables}
        con.execute("""CREATE TEMP TABLE keep_source AS SELECT * FROM source WHERE source_id IN (SELECT source_id FROM published_aggregate)
                       OR source_id IN (SELECT source_id FROM published_fact)
                       OR source_id IN (SELECT source_id FROM rank_group)""")
        con.execute("CREATE TEMP TABLE keep_aggregate AS SELECT * FROM published_aggregate")
        con.execute("CREATE TEMP TABLE keep_fact AS SELECT * FROM published_fact")
        con.execute("CREATE TEMP TABLE keep_group AS SELECT * FROM rank_group")
        for t in tables:
            con.execute(f"DROP TABLE {t}")
        for t in reversed(tables):
            con.execute(ddl[t])
        con.execute("INSERT INTO source SELECT * FROM keep_source")
        con.execute("INSERT INTO published_aggregate SELECT * FROM keep_aggregate")
        con.execute("INSERT INTO published_fact SELECT * FROM keep_fact")
        con.execute("INSERT INTO rank_group SELECT * FROM keep_group")
    finally:
        con.close()


def facts(cur) -> dict[str, list]:
    """Every fact row without its source ids, with its source said by demo/real, title and address."""
    out = {}
    for t in FACT_TABLES:
        cols = [c[0] for c in cur.execute(f"DESCRIBE {t}").fetchall()]  # noqa: S608
        sel = [f"x.{c}" for c in cols if c not in ("source_id", "rank_source_id")]
        join = ""
        if "source_id" in cols:
            sel += ["s.kind = 'synthetic_demo'", "s.title", "s.url"]
            join = "JOIN source s ON s.source_id = x.source_id"
        if "rank_source_id" in cols:
            sel += ["r.kind = 'synthetic_demo'", "r.title", "r.url"]
            join += " LEFT JOIN source r ON r.source_id = x.rank_source_id"
        out[t] = cur.execute(f"SELECT {', '.join(sel)} FROM {t} x {join} ORDER BY ALL").fetchall()  # noqa: S608
    return out


@pytest.mark.slow(60)  # seconds: started first (tests/conftest.py)
def test_round_trip_export_all_then_import_into_an_empty_database_gives_the_same_content(built_db, tmp_path):
    """Also the large-load check: 218,729 indicator values in one transaction, none lost (see service._stage)."""
    con = duckdb.connect(str(built_db))  # the configuration the session's other connections use
    try:
        data = template.export_workbook(con)
        expected = facts(con)
    finally:
        con.close()
    assert len(data) < service.MAX_BULK_BYTES
    path = tmp_path / "empty.duckdb"
    empty_copy(built_db, path)
    db = Database(path)
    try:
        assert all(n == 0 for n in (one(db, f"SELECT count(*) FROM {t}")[0][0] for t in FACT_TABLES))  # noqa: S608
        report = service.load(db, data, "xuat.xlsx", user="test", max_bytes=service.MAX_BULK_BYTES)
        assert report.status == "loaded", [e.message_en for e in report.errors[:5]]
        with db.cursor() as cur:
            got = facts(cur)
        for t in FACT_TABLES:
            assert len(got[t]) == len(expected[t]), t
            assert got[t] == expected[t], t
        kinds = dict(one(db, "SELECT kind, count(*) FROM source GROUP BY ALL"))
        assert kinds["synthetic_demo"] == 1 and kinds["import_batch"] > 1
        assert set(kinds) <= {"synthetic_demo", "import_batch", "official_publication"}  # published aggregates' own
    finally:
        db.close()


def _typed_in_tcvn3(rows: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """The file as someone with a TCVN3 (ABC) font typed it: every text cell, ids and dates included."""
    return {sheet: [{k: encoding.to_tcvn3(v) if isinstance(v, str) else v for k, v in r.items()} for r in recs]
            for sheet, recs in rows.items()}


def test_a_file_typed_in_tcvn3_converts_short_unit_names_too(work):
    """Issue 18 item 6: "Cao Lộc" typed in TCVN3 is "Cao Léc", which alone also reads as Unicode (é is a Latin-1
    letter): judged cell by cell it stayed, and the row was rejected for an unknown unit. Its row and its column are
    TCVN3, so it is converted with them."""
    rows = _typed_in_tcvn3(good_rows())
    assert rows["indicator_values"][0]["unit_name"] == "Cao Léc"
    report = service.load(work, xlsx(rows), "tcvn3_ca_tep.xlsx", user="test")
    assert report.status == "loaded", [e.message_vi for e in report.errors]
    assert one(work, """SELECT u.short_name FROM indicator_value v JOIN admin_unit u USING (unit_id)
                        WHERE v.indicator_code = 'OPS_ONTIME_PCT' AND v.year = 2024 AND v.period = 'Q2'
                          AND u.short_name LIKE 'Cao L%'""") == [("Cao Lộc",)]


def test_a_short_legacy_cell_follows_its_row_or_its_column():
    # judged by the column: every unit name is short, some hold TCVN3-only codes
    assert encoding.detect_legacy(["Cao Léc", "L¹ng S¬n", "V¨n L·ng"]) == "TCVN3"
    assert encoding.fix_legacy("Cao Léc", "TCVN3") == ("Cao Lộc", "TCVN3")
    assert encoding.fix_legacy("Cao Léc") == ("Cao Léc", None)  # alone it is not guessed
    assert encoding.fix_legacy("Cao Lộc", "TCVN3") == ("Cao Lộc", None)  # Unicode-only letters: never converted


# Independent defects of one indicator-value row and the column each must be reported in (issue 18 item 5: a row
# with a value out of range had its unit and its inspection left unchecked; one error per row reached the user).
ROW_DEFECTS = {"value": ("abc", "Giá trị"), "period": ("Q9", "Kỳ"), "unit_name": ("Cao Lộcc", "Tên đơn vị"),
               "inspection_id": ("KHONG-CO-9", "Mã đoàn kiểm tra")}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(defects=st.sets(st.sampled_from(sorted(ROW_DEFECTS)), min_size=1))
@example(defects={"inspection_id", "period"})  # found by hypothesis before the fix: the bad period hid the inspection
def test_every_problem_of_a_row_is_reported_not_only_the_first(db, defects):
    row = {**good_rows()["indicator_values"][0], "inspection_id": None}  # valid on its own
    row.update({k: ROW_DEFECTS[k][0] for k in defects})
    report = service.validate(db, xlsx({"indicator_values": [row]}), "mot_dong.xlsx")
    assert report.rejected == 1
    columns = sorted({e.column for e in report.errors if e.row == 2})
    assert columns == sorted(ROW_DEFECTS[k][1] for k in defects), [e.message_vi for e in report.errors]


def test_a_value_out_of_range_does_not_hide_the_rows_unit_and_inspection(db):
    """The range of a value is checked against its indicator once every cell reads; that check failing used to stop
    the row there."""
    row = {**good_rows()["indicator_values"][0], "value": "150", "unit_name": "Cao Lộcc", "inspection_id": "KHONG-CO-9"}
    report = service.validate(db, xlsx({"indicator_values": [row]}), "mot_dong.xlsx")
    assert sorted(e.column for e in report.errors) == ["Giá trị", "Mã đoàn kiểm tra", "Tên đơn vị"], \
        [e.message_vi for e in report.errors]
