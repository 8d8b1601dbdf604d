"""Table downloads: file names carry the filters; CSV opens in Excel with diacritics; the workbook says what it is."""

import io
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
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
    csv = pd.read_csv(io.BytesIO(exports.to_csv_bytes(df)), encoding="utf-8-sig", dtype=str, keep_default_na=False, sep=";")
    assert csv["Nội dung"].tolist()[:5] == ["'" + e for e in evil]
    assert csv["Nội dung"].tolist()[5:] == ["+2,08", "−1,14", "-3,5 %", "bình thường"]
    book = load_workbook(io.BytesIO(exports.to_xlsx_bytes(df, title="=1+1", filters={"@x": "=2"}, lang="vi", demo=False)))
    cells = [c for row in book.worksheets[0].iter_rows() for c in row] + [c for row in book.worksheets[1].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = [c.value for c in book.worksheets[0]["A"]][1:]
    assert values[:5] == ["'" + e for e in evil] and values[5] == "+2,08"


# ---- issue 18 item 1: downloads hold numbers and dates, not the text a page formats for reading

def _ranking_rows() -> pd.DataFrame:
    return pd.DataFrame({"rank": [1, 2, None], "short_name": ["Quảng Ninh", "Hải Phòng", "Cao Bằng"],
                         "score": [96.17, 1234.5, None], "score_change": [2.08, -1.14, None],
                         "rank_change": [3, -2, None], "score_group": ["A", "B", None],
                         "source_kind": ["published", "synthetic_demo", "synthetic_demo"]})


def test_excel_download_holds_typed_numbers_and_dates_with_display_formats():
    from par_dashboard.i18n import fmt_date, fmt_pct
    from par_dashboard.views import rankings

    for lang in ("vi", "en"):
        table = rankings.ranking_table(_ranking_rows(), lang)
        table["Ngày"] = [fmt_date(pd.Timestamp("2024-06-17").date(), lang), "—", fmt_date(pd.Timestamp("2019-01-02").date(), lang)]
        table["Năm"] = ["2019", "2020", "2021"]
        table["Tỷ lệ"] = [fmt_pct(12.5, lang), fmt_pct(100, lang), "—"]
        table["Mã"] = ["01", "02", "=1+1"]  # codes with leading zeros and a formula stay text
        ws = load_workbook(io.BytesIO(exports.to_xlsx_bytes(table, title="x", filters={}, lang=lang, demo=False))).worksheets[0]
        head = {c.value: c.column_letter for c in ws[1]}
        score, change, rank = ws[f"{head[LABELS['score'][lang]]}2"], ws[f"{head[LABELS['score_change'][lang]]}3"], ws[f"{head[LABELS['rank'][lang]]}2"]
        assert (score.data_type, score.value, score.number_format) == ("n", 96.17, "#,##0.00"), lang
        assert ws[f"{head[LABELS['score'][lang]]}3"].value == 1234.5
        assert ws[f"{head[LABELS['score'][lang]]}4"].value is None  # "—" is an empty cell, not a text among numbers
        assert (change.data_type, change.value) == ("n", -1.14) and change.number_format.startswith("+#,##0.00;-")
        assert (rank.data_type, rank.value) == ("n", 1)
        day = ws[f"{head['Ngày']}2"]
        assert day.is_date and day.value.date() == pd.Timestamp("2024-06-17").date() and day.number_format == "dd/mm/yyyy"
        year = ws[f"{head['Năm']}2"]
        assert (year.data_type, year.value, year.number_format) == ("n", 2019, "0")
        assert (ws[f"{head['Tỷ lệ']}2"].value, ws[f"{head['Tỷ lệ']}2"].number_format) == (0.125, "0.00%")
        assert [ws[f"{head['Mã']}{i}"].value for i in (2, 3, 4)] == ["01", "02", "'=1+1"]
        assert all(c.data_type == "s" for c in ws[head["Mã"]])


def test_csv_download_uses_the_languages_separators_and_says_so_in_its_name():
    import csv

    from par_dashboard.views import rankings

    for lang, sep, number, name in (("vi", ";", "1234,5", "bang_vi_dau-cham-phay.csv"), ("en", ",", "1234.5", "bang_en_comma.csv")):
        table = rankings.ranking_table(_ranking_rows(), lang)
        table["Nội dung"] = ["=HYPERLINK(\"http://x\")", "a; b, c", "@SUM(A1)"]
        rows = list(csv.reader(io.StringIO(exports.to_csv_bytes(table, lang).decode("utf-8-sig")), delimiter=sep))
        assert {len(r) for r in rows} == {len(table.columns)}, (lang, rows)
        col = {h: i for i, h in enumerate(rows[0])}
        assert [r[col[LABELS["score"][lang]]] for r in rows[1:]] == ["96" + ("," if lang == "vi" else ".") + "17", number, ""]
        assert [r[col[LABELS["score_change"][lang]]] for r in rows[1:]][1] == ("-1,14" if lang == "vi" else "-1.14")
        assert [r[col["Nội dung"]] for r in rows[1:]] == ["'=HYPERLINK(\"http://x\")", "a; b, c", "'@SUM(A1)"]
        assert exports.csv_file_name("bang", lang) == name


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.floats(-1e9, 1e9, allow_nan=False)), min_size=1, max_size=8),
       lang=st.sampled_from(["vi", "en"]), signed=st.booleans())
def test_any_formatted_number_column_comes_back_as_its_rounded_value(values, lang, signed):
    """Whatever numbers a page formats (fmt_num / fmt_signed, 2 decimals), Excel gets the rounded numbers and the CSV
    reads back to them in the language's dialect."""
    import csv
    from decimal import ROUND_HALF_EVEN, Decimal

    from par_dashboard.i18n import fmt_num, fmt_signed

    fmt = fmt_signed if signed else fmt_num
    table = pd.DataFrame({"v": [fmt(v, lang) for v in values]})
    expected = [None if v is None else float(Decimal(str(v)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)) for v in values]
    ws = load_workbook(io.BytesIO(exports.to_xlsx_bytes(table, title="x", filters={}, lang=lang, demo=False))).worksheets[0]
    got = [c.value for c in ws["A"]][1:]
    if any(v is not None for v in values):
        assert got == expected and all(c.data_type == "n" for c in ws["A"][1:] if c.value is not None)
    sep, decimal = exports.CSV_DIALECT[lang]
    cells = [r[0] for r in csv.reader(io.StringIO(exports.to_csv_bytes(table, lang).decode("utf-8-sig")), delimiter=sep)][1:]
    back = [None if c in ("", "—") else float(c.replace(decimal, ".")) for c in cells]
    assert back == expected
