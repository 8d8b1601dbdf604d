"""The public PAPI 2011–2016 provincial panel (CSV, one row per province and year, dimension scores and the
unweighted total) read as the template's scores sheet: family PAPI, area TOTAL, score = PAPI_unweighted_total,
each province found by its GSO code and its name through the unit resolver, in the 63-province structure.

The import service recognises the panel by its headers, so `python -m par_dashboard import <panel.csv>` and an
upload on the data page load it like any other file (batch, change log, rollback).
"""

from __future__ import annotations

from par_dashboard.domain.units import fold
from par_dashboard.importing.raw import RawRow, RawSheet

TOTAL_COLUMN = "PAPI_unweighted_total"
_NEEDED = ("year", "province_code_gso", "province_vi", TOTAL_COLUMN)
SOURCE_TITLE = "PAPI 2011–2016: bảng điểm cấp tỉnh (tổng không trọng số), bộ dữ liệu mdtrinh/vietnamdata"
NOTE_2016 = "PAPI 2016: hai cột của nội dung trách nhiệm giải trình theo chiều dọc đổi ý nghĩa so với các năm trước"
NOTICE_VI = ("Tệp là bảng PAPI 2011–2016 cấp tỉnh: được đọc thành điểm số PAPI (tổng không trọng số) của từng tỉnh, "
             "cơ cấu 63 tỉnh, tỉnh nhận biết theo mã số thống kê và tên.")
NOTICE_EN = ("The file is the PAPI 2011–2016 provincial panel: read as PAPI scores (unweighted total) per province, "
             "63-province structure, provinces identified by GSO code and name.")


def is_panel(header: list[object]) -> bool:
    folded = {fold(str(h)) for h in header if h is not None}
    return all(fold(c) in folded for c in _NEEDED)


def to_scores_sheet(records: list[list[object]], file_name: str) -> RawSheet:
    """The panel's records (header first) as scores rows; the row numbers are the CSV's records (header = 1)."""
    header = [fold(str(h)) if h is not None else "" for h in records[0]]
    at = {c: header.index(fold(c)) for c in _NEEDED}
    headers = {"year": "year", "unit_code": "province_code_gso", "unit_name": "province_vi", "score": TOTAL_COLUMN}
    columns = {k: at[h] + 1 for k, h in (("year", "year"), ("unit_code", "province_code_gso"), ("unit_name", "province_vi"),
                                         ("score", TOTAL_COLUMN))}
    constant = {"unit_level": "level", "structure": "structure", "family": "family", "area": "area", "note": "note",
                "source": "source"}
    # columns the panel does not have are filled in here: index 0 (no cell in the file to mark)
    sheet = RawSheet("scores", file_name, 1, {**headers, **constant}, {**columns, **dict.fromkeys(constant, 0)})
    for n, rec in enumerate(records[1:], start=2):
        if not any(c is not None for c in rec):
            continue

        def cell(name: str, rec=rec):
            i = at[name]
            return rec[i] if i < len(rec) else None

        code = cell("province_code_gso")
        year = cell("year")
        sheet.rows.append(RawRow(n, {
            "unit_code": code.zfill(2) if isinstance(code, str) and code.isdigit() else code,
            "unit_name": cell("province_vi"), "unit_level": "province", "structure": "S63",
            "year": year, "family": "PAPI", "area": "TOTAL", "score": cell(TOTAL_COLUMN),
            "note": NOTE_2016 if str(year).strip() == "2016" else None,
            "source": SOURCE_TITLE,
        }))
    return sheet
