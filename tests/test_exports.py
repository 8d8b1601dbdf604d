"""Table downloads: file names carry the filters; CSV opens in Excel with diacritics; the workbook says what it is."""

import io
import re

import pandas as pd
from openpyxl import load_workbook

from par_dashboard.i18n import LABELS
from par_dashboard.views import exports
from tests.browser import ROOT


def test_file_names_carry_the_filters_without_diacritics():
    stem = exports.file_stem("Xếp hạng", {"Bộ chỉ số": "PAR_INDEX", "Năm": 2023, "Tỉnh": "Lạng Sơn", "Huyện": ""})
    assert stem == "xep-hang_PAR_INDEX_2023_lang-son"


def test_csv_has_a_byte_order_mark_and_keeps_vietnamese_text():
    data = exports.to_csv_bytes(pd.DataFrame({"Đơn vị": ["Đắk Song"], "Điểm (%)": ["89,27"]}))
    assert data.startswith(b"\xef\xbb\xbf")
    assert "Đắk Song" in data.decode("utf-8-sig")


def test_workbook_has_the_table_and_an_about_sheet_with_filters_and_demo_label():
    df = pd.DataFrame({"Đơn vị": ["Cao Lộc", "Văn Lãng"], "Giá trị": [99.8, None]})
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(
        df, title="Chỉ tiêu", filters={"Năm": 2024}, lang="vi", demo=True, sources=["Báo Lạng Sơn"])))
    data, about = book["Số liệu"], book["Thông tin"]
    assert [c.value for c in data[1]] == ["Đơn vị", "Giá trị"]
    assert [c.value for c in data[2]] == ["Cao Lộc", 99.8] and data["B3"].value is None
    about_text = [[c.value for c in row] for row in about.iter_rows()]
    assert ["Năm", "2024"] in about_text and ["Nguồn", "Báo Lạng Sơn"] in about_text
    assert any(row[0] == "Dữ liệu mô phỏng" for row in about_text)


def test_every_label_used_in_the_code_exists_in_both_languages():
    pattern = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']""")
    used = set()
    for path in [*ROOT.glob("pages/*.py"), *ROOT.glob("par_dashboard/*.py"), ROOT / "dashboard.py"]:
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    # "loc_level_" + level: a prefix of dynamic keys, at least one of which must exist
    missing = sorted(k for k in used if k not in LABELS and not (k.endswith("_") and any(x.startswith(k) for x in LABELS)))
    assert not missing, missing
    assert all(LABELS[k]["vi"] and LABELS[k]["en"] for k in LABELS)


def test_formula_injection_is_neutralised_in_csv_and_excel():
    evil = ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]
    df = pd.DataFrame({"Nội dung": evil + ["+2,08", "−1,14", "-3,5 %", "bình thường"]})
    csv = pd.read_csv(io.BytesIO(exports.to_csv_bytes(df)), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert csv["Nội dung"].tolist()[:5] == ["'" + e for e in evil]
    assert csv["Nội dung"].tolist()[5:] == ["+2,08", "−1,14", "-3,5 %", "bình thường"]
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(df, title="=1+1", filters={"@x": "=2"}, lang="vi", demo=False)))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row] + [c for row in book.worksheets[1].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = [c.value for c in book.worksheets[0]["A"]][1:]
    assert values[:5] == ["'" + e for e in evil] and values[5] == "+2,08"
