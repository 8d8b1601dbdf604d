"""The template workbook's data rows (par_dashboard/importing/template.py, _SheetData): written as worksheet XML
rather than cell by cell through openpyxl, they must read back exactly as openpyxl would have written them, for any
value a draft, a quarantined row or the database can hand over; and the work per data row must not go through
openpyxl's cell objects (what made exporting the whole database take minutes)."""

import datetime as dt
import io
import math

import openpyxl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import Cell

from par_dashboard.importing import template
from par_dashboard.importing.template import SHEET_BY_KEY, Catalogue

CATALOGUE = Catalogue.from_seed()

# Texts as a clumsy paste or an attacker may bring them: control characters, line breaks of every kind, XML's own
# characters, leading formula signs, Vietnamese, spaces at either end. No lone surrogate nor U+FFFE/U+FFFF: openpyxl
# refuses those, in both ways of writing.
_TEXT = st.text(st.one_of(st.sampled_from(list("=+-@\t\r\n\x0b\x01 &<>\"'ạĐ€０＝,.%")),
                          st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff")), max_size=12)
_VALUE = st.one_of(st.none(), _TEXT, st.integers(-(10**18), 10**18), st.floats(), st.booleans(),
                   st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
                   st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31)))


def _cells(data: bytes, title: str, first_row: int) -> dict[tuple[int, int], tuple]:
    """What a reader sees of each data cell holding something (a reader tells no absent cell from an empty one), by
    record and column: value, type, number format, quote prefix (NaN said as text)."""
    ws = openpyxl.load_workbook(io.BytesIO(data))[title]
    return {(c.row - first_row, c.column): (repr(c.value) if isinstance(c.value, float) and math.isnan(c.value) else c.value,
                                            c.data_type, c.number_format, c.quotePrefix)
            for row in ws.iter_rows(min_row=first_row) for c in row if c.value is not None}


def _as_openpyxl_writes(records: list[dict], sheet) -> bytes:
    """The data rows the way write_workbook wrote them before: one openpyxl cell per value, in write-only mode."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet.title("vi"))
    for record in records:
        ws.append([template._date_cell(ws, record.get(c.key)) if c.kind == "date" else template._text_cell(ws, record.get(c.key))
                   for c in sheet.columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@settings(max_examples=25, deadline=None)
@given(key=st.sampled_from(["findings", "indicator_values", "inspections"]),
       values=st.lists(st.lists(_VALUE, min_size=1, max_size=30), min_size=1, max_size=4))
@example(key="findings", values=[["=1+1", "-5", "a\r\nb", "", float("nan"), dt.date(1900, 2, 28), dt.date(1900, 3, 1),
                                  10**17, 1 / 3, True, dt.datetime(2024, 5, 6, 7, 8), "x\x0by\x01"] * 3])
def test_every_data_cell_reads_back_as_openpyxl_would_have_written_it(key, values):
    sheet = SHEET_BY_KEY[key]
    records = [{c.key: row[i % len(row)] for i, c in enumerate(sheet.columns)} for row in values]
    data = template.write_workbook({key: records}, lang="vi", catalogue=CATALOGUE)
    got = _cells(data, sheet.title("vi"), 2)
    want = _cells(_as_openpyxl_writes(records, sheet), sheet.title("vi"), 1)
    assert got == want


def test_no_openpyxl_cell_per_data_row(monkeypatch):
    """A deterministic work counter instead of a clock: the values openpyxl binds to its cell objects. Headers,
    README and lists take a fixed number; the data rows (texts, numbers, dates: what an export holds) take none, so
    the count is the same for 100 rows as for 800. Writing every cell through openpyxl grew it by a cell per value."""
    bound = 0
    real = Cell._bind_value

    def counting(self, value):
        nonlocal bound
        bound += 1
        return real(self, value)

    monkeypatch.setattr(Cell, "_bind_value", counting)
    base = template.example_rows("vi")
    counts = {}
    for n in (100, 200, 400, 800):
        rows = {key: [{**r, "year": 2000 + i % 30} if "year" in r else r for i in range(n) for r in [recs[i % len(recs)]]]
                for key, recs in base.items()}
        bound = 0
        template.write_workbook(rows, lang="vi", catalogue=CATALOGUE)
        counts[n] = bound
    assert counts[800] == counts[100], counts
