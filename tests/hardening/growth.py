"""Reading any input of n bytes takes at most c·n time (tests/test_linear_time.py asserts it).

Growth, never a wall time: each crafted input is read at several sizes and the CPU time per unit at the largest is
compared with the smallest (a linear reader stays near 1, fixed costs make it lower; the quadratic readers these
checks were written against gave 4-8x at the tests' sizes). CPU time (`time.process_time`), the least of a few runs,
so that a busy machine does not count. The tests read each input up to 8x its smallest size; the figures command up
to 16x (32x for Word), and searches more mixes of the extraction rules' fragments.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl
from hypothesis import strategies as st

from tests.hardening.invariants import Survey, note, survey

GROWTH_BOUND = 3.0  # CPU time per unit, largest size over smallest


def cpu(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def growth(make: Callable[[int], object], sizes: list[int], run: Callable[[object], object], repeats: int = 3,
           bound: float | None = GROWTH_BOUND) -> tuple[float, list[tuple[int, float]]]:
    """`run(make(n))` for each size n, smallest first: the worst growth of the time per unit from the smallest size to
    each larger one, and the (size, seconds) measured. Stops at the first size past `bound` (a quadratic reader at the
    next size would only take longer to say the same)."""
    figures, worst = [], 0.0
    for n in sizes:
        value = make(n)
        figures.append((n, cpu(lambda value=value: run(value), repeats)))
        (n0, t0), (n1, t1) = figures[0], figures[-1]
        if len(figures) > 1:
            worst = max(worst, (t1 / n1) / max(t0 / n0, 1e-6 / n0))
        if bound is not None and worst >= bound:
            break
    return worst, figures


# ------------------------------------------------------------------------------------------------ the workbook

def workbook(extra: bytes = b"", *, rows: list[list] | None = None, rows_xml: bytes = b"") -> bytes:
    """A template sheet of indicator values with a formula cell Excel never computed (the reader looks at formulas
    then), `rows_xml` put after its rows and `extra` XML after its cells."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Giá trị chỉ số"
    ws.append(["Mã đơn vị", "Mã chỉ số *", "Năm *", "Giá trị *"])
    for row in rows or [["S63-P-20", "OPS_ONTIME_PCT", 2024, "=1+1"]]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = body.replace(b"</sheetData>", rows_xml + b"</sheetData>", 1).replace(b"</worksheet>", extra + b"</worksheet>", 1)
            dst.writestr(info.filename, body)
    return out.getvalue()


def comments(n: int) -> bytes:
    """The report's file: ~20 KB holding tens of thousands of `<!--<c r="A1">-->` took 82 s (a pattern searched from
    each one to the end of the sheet for its closing tag)."""
    return workbook(b'<!--<c r="A1">-->' * n)


def unclosed_cells(n: int) -> bytes:
    return workbook(b"<!--" + b'<c r="A1" ' * n + b"-->")


def merged_ranges(n: int) -> bytes:
    return workbook(b'<mergeCells count="%d">' % n + b'<mergeCell ref="A3:D9"/>' * n + b"</mergeCells>",
                    rows_xml=b'<row r="9"><c r="D9"><v>1</v></c></row>')


def far_cells(n: int) -> bytes:
    """n rows each with a cell at XFD (the last column), and one at the last row (openpyxl made up every row and
    column between: a list of 16 384 values a row, a million empty rows)."""
    cells = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>' % (r, r, r) for r in range(3, 3 + n))
    return workbook(b"", rows_xml=cells + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')


def long_csv_field(n: int) -> bytes:
    """A CSV whose one quoted field holds n pieces of text with doubled quotes and line breaks, 32 characters each
    once read (past 131 072 characters, n > 4096, the field is refused on its row: the reader must still get there
    in time linear in it)."""
    piece = 'Ghi chú ""trích dẫn"", dòng\r\nmới; '
    return ("Mã đơn vị,Mã chỉ tiêu,Năm,Giá trị,Nguồn\n"
            f'S63-P-20,OPS_ONTIME_PCT,2024,99.5,"{piece * n}"\n'
            "S63-P-20,OPS_DIGITISED_PCT,2024,80,ngắn\n").encode()


def merged_docx(n: int) -> bytes:
    """A Word report whose table has a first column merged down its n rows (Word's "Merge Cells")."""
    import docx
    from docx.table import _Cell

    document = docx.Document()
    document.add_paragraph("Báo cáo kết quả kiểm tra cải cách hành chính năm 2024 tại huyện Cao Lộc, tỉnh Lạng Sơn.")
    table = document.add_table(rows=n, cols=2)
    for i, tr in enumerate(table._tbl.tr_lst):  # cell by cell: python-docx's table.cell() is itself slow on merges
        first, second = tr.tc_lst
        first.vMerge = "continue" if i else "restart"
        _Cell(second, table).text = f"Xã số {i} đã hoàn thành"
    _Cell(table._tbl.tr_lst[0].tc_lst[0], table).text = "Các xã được kiểm tra"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


HEAD = "Báo cáo kiểm tra cải cách hành chính năm 2024 của tỉnh Lạng Sơn.\n"


def date_ranges(n: int) -> str:
    """The report's text: "từ ngày 25 - 30/5 " 8 000 times took 30–40 s (the rules read the whole sentence before
    each date and each number, and checked each date against every one before it)."""
    return HEAD + "từ ngày 25 - 30/5 " * n


# ------------------------------------------------------------------------------------------------ the cases

@dataclass(frozen=True)
class Case:
    """A crafted input read at several sizes: `make(n)` builds it, `reader` names what reads it (run by `runner`),
    `sizes` are the tests', `larger` the figures command's."""

    title: str
    make: Callable[[int], object]
    reader: str
    sizes: tuple[int, ...]
    larger: tuple[int, ...]


CASES = {
    "xlsx_comments": Case("xlsx comments shaped like unclosed cells", comments, "xlsx", (1000, 2000, 4000, 8000),
                          (1000, 2000, 4000, 8000, 16000)),
    "xlsx_unclosed_cells": Case("xlsx cells never closed", unclosed_cells, "xlsx", (500, 1000, 2000, 4000),
                                (500, 1000, 2000, 4000, 8000)),
    "xlsx_merged_ranges": Case("xlsx merged ranges over the same cells", merged_ranges, "xlsx", (500, 1000, 2000, 4000),
                               (500, 1000, 2000, 4000, 8000)),
    "xlsx_far_cells": Case("xlsx cells at column XFD", far_cells, "xlsx", (500, 1000, 2000, 4000), (500, 1000, 2000, 4000, 8000)),
    "csv_long_field": Case("csv field of quotes and line breaks", long_csv_field, "csv", (250, 500, 1000, 2000),
                           (250, 500, 1000, 2000, 4000, 8000)),
    "docx_merges": Case("docx column merged down n rows", merged_docx, "docx", (100, 200, 400), (100, 200, 400, 800, 1600)),
    "text_date_ranges": Case("text 'từ ngày 25 - 30/5' repeated", date_ranges, "text", (1000, 2000, 4000, 8000),
                             (1000, 2000, 4000, 8000, 16000)),
}


def runner(reader: str, resolver=None) -> Callable[[object], object]:
    from par_dashboard.extract import extract_text, read_file
    from par_dashboard.importing import reader as importing

    return {"xlsx": lambda data: importing.read(data, "gia_tri.xlsx"),
            "csv": lambda data: importing.read(data, "gia_tri_chi_so.csv"),
            "docx": lambda data: read_file("bao-cao.docx", data),
            "text": lambda text: extract_text(text, resolver=resolver)}[reader]


def case_growth(name: str, resolver=None, *, larger: bool = False) -> tuple[float, list[tuple[int, float]]]:
    case = CASES[name]
    return growth(case.make, list(case.larger if larger else case.sizes), runner(case.reader, resolver))


# Pieces that set off the rules: names with honorifics, dates, numbers and rates, lists, plans, team words, clause
# cues, dots, addresses; and what a first superlinear hunt over the example reports' clauses found.
FRAGMENTS = [
    "từ ngày 25 - 30/5 ", "ông Nguyễn Văn An, ", "đồng chí Hoàng Thị Hiền, ", "Kết quả, ", "ngày 3 tháng 5 ",
    "đạt 89,95%, ", "100% cán bộ, ", "tiếp nhận 12 hồ sơ, ", "; ", ": ", "xã An Bình, Hoà Cư và ", "các xã ",
    "kế hoạch số 80/KH-UBND ngày 29/5/2024 của UBND tỉnh ", "do lãnh đạo Sở Nội vụ ", "Đoàn kiểm tra số 1 ",
    "làm trưởng đoàn ", "tồn tại hạn chế như: ", "đề nghị UBND huyện tiếp tục ", "đã hoàn thành tốt nhiệm vụ ",
    "chưa đạt chỉ tiêu ", "...", "…", ". ", "\n", "https://a.vn/x.png?b", "Trong năm 2020, ", "(BTV) Tháng 10, ",
    "Bộ Tư pháp ", "Quảng Ninh 92,18% ", "trong đó ", "AAAA", "     ",
    # round 4's rules (issue 19): a plan's day before it, a page's stamp, a result's leads, directives, pointing out
    "Ngày 11/5, UBND tỉnh ban hành Kế hoạch số 1173/KH-UBND ", "03/09/2025 16:07 ", "Tại trụ sở UBND phường A, TP. B, ",
    "đoàn công tác Sở Nội vụ ghi nhận ", ", đồng thời chỉ rõ những tồn tại ", "Chủ tịch UBND huyện chỉ đạo các phòng ",
    "Giao UBND các xã ", "kiểm tra công tác CCHC của xã Bình Tú ", "đã kiểm tra ở xã Hà Linh ",
    "kiểm tra toàn diện các lĩnh vực ", "Chủ tịch UBND tỉnh Võ Trọng Hải và lãnh đạo các sở ",
]
PIECES = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=5)
PINNED = [
    {"pieces": ["ông Nguyễn Văn An, "]},  # each took the square of its count before (found by the hunt)
    {"pieces": ["Kết quả, ", "đã hoàn thành tốt nhiệm vụ "]},
    {"pieces": ["đã hoàn thành tốt nhiệm vụ ", "..."]},  # dots: exponential in their number
    {"pieces": ["; "]},
    {"pieces": ["các xã ", "ông Nguyễn Văn An, ", "Kết quả, ", "Bộ Tư pháp "]},  # what hypothesis found before the fix
    {"pieces": ["ngày 3 tháng 5 "]},
    {"pieces": ["tiếp nhận 12 hồ sơ, ", "Bộ Tư pháp "]},  # a ministry's count: KeyError 'ministry' (found by hypothesis)
    {"pieces": ["Tại trụ sở UBND phường A, TP. B, ", "đoàn công tác Sở Nội vụ ghi nhận "]},  # round 4's leads of a result
    {"pieces": ["Ngày 11/5, UBND tỉnh ban hành Kế hoạch số 1173/KH-UBND ", "Chủ tịch UBND huyện chỉ đạo các phòng "]},
]
MIX_HEAD = "Báo cáo kiểm tra cải cách hành chính năm 2024 của tỉnh Lạng Sơn về thủ tục hành chính.\n"
MIX_BOUND = GROWTH_BOUND + 1  # two sizes only, two runs each: a wider margin


def mix_growth(resolver, pieces: list[str]) -> float:
    """The text `pieces` make, repeated to ~1 500 characters and to 8 times that: the growth of the CPU time per unit."""
    from par_dashboard.extract import extract_text

    unit = "".join(pieces)
    n = max(1, 1500 // len(unit))

    def run(count: int) -> float:
        return cpu(lambda: extract_text(MIX_HEAD + unit * count, resolver=resolver), repeats=2)

    small, large = run(n), run(8 * n)
    return (large / 8) / max(small, 1e-3)


def mix_violations(resolver, pieces: list[str], worst: list[float] | None = None) -> list[str]:
    """The growth of the mix below the bound (`worst`: a one-item list kept at the worst growth seen)."""
    found = mix_growth(resolver, pieces)
    note(f"growth under {int(found) + 1}x" if found < 3 else "growth 3x or more")
    if worst is not None:
        worst[0] = max(worst[0], found)
    return [] if found < MIX_BOUND else [f"{''.join(pieces)!r}: the time per unit grew {found:.1f}x from 1x to 8x its size"]


# ------------------------------------------------------------------------------------------------ the survey

def run_growth(db_path, examples: int = 60, seed: int = 0, larger: bool = True) -> dict:
    """Each crafted input at the figures command's sizes (`larger`; else the tests'), then the pinned and `examples`
    generated mixes of fragments: the growth of each (worst over the sizes) and the violations (at or past the
    bound)."""
    from par_dashboard.importing.names import UnitResolver
    from par_dashboard.store.db import Database

    db = Database(db_path, read_only=True)
    try:
        resolver = UnitResolver.from_db(db)
    finally:
        db.close()
    result = Survey()
    cases = {}
    for name, case in CASES.items():
        measured = {}

        def check(name=name, measured=measured) -> list[str]:
            worst, figures = case_growth(name, resolver, larger=larger)
            measured.update(growth=round(worst, 2), sizes=[n for n, _ in figures], seconds=[round(s, 4) for _, s in figures])
            return [] if worst < GROWTH_BOUND else [f"time per unit grew {worst:.1f}x: {figures}"]

        result.run(check, {}, name)
        cases[name] = {"title": case.title, "reader": case.reader} | measured
    worst = [0.0]
    mixes = survey(lambda pieces: mix_violations(resolver, pieces, worst), examples=examples, cases=PINNED, seed=seed,
                   pieces=PIECES)
    result.add(mixes)
    return result.figures() | {"cases": cases, "bound": GROWTH_BOUND,
                               "mixes": mixes.counts() | {"worst": round(worst[0], 2), "bound": MIX_BOUND}}
