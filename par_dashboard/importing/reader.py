"""Reading an uploaded file into rows keyed by the template's column keys.

Excel (.xlsx) through openpyxl with cached values (formula cells read as the value Excel last computed), merged
cells unmerged and filled, hidden and unknown sheets and columns skipped with a notice; CSV (one record type per
file, told by its headers or its name) through the shared byte decoder. Every text cell goes through the legacy
Vietnamese font repair (TCVN3/VNI typed text becomes Unicode, with a notice). Problems with the file as a whole
(too large, empty, not a spreadsheet) come back as errors without a row.
"""

from __future__ import annotations

import csv
import io
import math
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import PurePath

from par_dashboard.domain.units import fold
from par_dashboard.importing import encoding, papi_panel
from par_dashboard.importing.encoding import Notice
from par_dashboard.importing.raw import RawFile, RawRow, RawSheet, RowError, file_error
from par_dashboard.importing.template import ERRORS_TITLES, LISTS_TITLES, README_TITLES, SHEET_BY_KEY, SHEETS, Sheet

# An upload on the data page: the one number the page's label, the upload widget and Streamlit's server.maxUploadSize
# (.streamlit/config.toml) all give.
MAX_MB = 10
MAX_BYTES = MAX_MB * 1024 * 1024
MAX_BULK_BYTES = 200 * 1024 * 1024  # the command line (bulk loads, full exports)
_UNZIP_FACTOR = 30  # a workbook may expand this much when unzipped (protects against zip bombs)
_HEADER_SEARCH_ROWS = 10


Cells = dict[int, object]  # 1-based column -> value, only the cells a row has
Grid = dict[int, Cells]  # row number (as Excel numbers it) -> its cells, only the rows a sheet has


def _mb(n: int, *, up: bool = False) -> str:
    """'10,5 MB'; `up` rounds up, so a file just past the limit never reads as the limit itself."""
    mb = math.ceil(n / 1024 / 1024 * 10) / 10 if up else n / 1024 / 1024
    return f"{mb:.1f}".replace(".", ",") + " MB"


def read(data: bytes, file_name: str, *, max_bytes: int = MAX_BYTES) -> RawFile:
    """The file's template sheets as rows; `errors` set (and no sheets) when the file cannot be read at all."""
    suffix = PurePath(file_name).suffix.lower()
    if len(data) > max_bytes:
        mb = _mb(len(data), up=True)
        cap = _mb(max_bytes)
        return RawFile("?", errors=[file_error(
            "file_too_large", f"Tệp quá lớn ({mb}); giới hạn là {cap}. Hãy chia tệp thành nhiều tệp nhỏ hơn "
                              f"hoặc nhập bằng dòng lệnh (python -m par_dashboard import).",
            f"The file is too large ({mb.replace(',', '.')}); the limit is {cap.replace(',', '.')}. Split it into smaller "
            f"files or load it from the command line (python -m par_dashboard import).")])
    if not data.strip():
        return RawFile("?", errors=[file_error("empty_file", "Tệp rỗng: không có dữ liệu nào.", "The file is empty: it holds no data.")])
    kind = _sniff(data, suffix)
    if kind == "xlsx":
        return _read_xlsx(data, max_bytes)
    if kind == "csv":
        return _read_csv(data, file_name)
    vi, en = _NOT_SPREADSHEET[kind]
    return RawFile("?", errors=[file_error("not_a_spreadsheet", vi, en)])


def read_limited(data: bytes, file_name: str, *, max_bytes: int = MAX_BYTES, isolate: bool = True) -> RawFile:
    """`read` under the time limit of par_dashboard.security.worker: in a worker process, so that the server's other sessions
    go on while a file is read, or (`isolate=False`: the command line) in this process under an alarm. A file that
    takes too long comes back as an error without a row, like any file that cannot be read."""
    from par_dashboard.security import worker

    if len(data) > max_bytes:
        return read(data, file_name, max_bytes=max_bytes)  # refused at once: no need to send it anywhere
    try:
        return worker.call(read, data, file_name, max_bytes=max_bytes, limit=worker.limit_for(len(data)), isolate=isolate)
    except worker.STOPPED as exc:
        code = {worker.TooSlow: "too_slow", worker.Busy: "server_busy", worker.Crashed: "reader_crashed"}[type(exc)]
        return RawFile("?", errors=[file_error(code, exc.vi, exc.en)])


_NOT_SPREADSHEET = {
    "xls": ("Tệp là bảng tính Excel cũ (.xls) hoặc tệp có mật khẩu. Hãy mở trong Excel và lưu lại dạng .xlsx (Excel Workbook).",
            "The file is an old Excel workbook (.xls) or a password-protected file. Open it in Excel and save it as .xlsx."),
    "ods": ("Tệp là bảng tính OpenDocument (.ods). Hãy lưu lại dạng .xlsx hoặc .csv.",
            "The file is an OpenDocument spreadsheet (.ods). Save it as .xlsx or .csv."),
    "pdf": ("Tệp là tài liệu PDF, không phải bảng tính. Hãy dùng mẫu Excel (.xlsx) hoặc tệp CSV.",
            "The file is a PDF document, not a spreadsheet. Use the Excel template (.xlsx) or a CSV file."),
    "image": ("Tệp là hình ảnh, không phải bảng tính. Hãy dùng mẫu Excel (.xlsx) hoặc tệp CSV.",
              "The file is an image, not a spreadsheet. Use the Excel template (.xlsx) or a CSV file."),
    "zip": ("Tệp nén không phải bảng tính Excel (.xlsx) (có thể là tài liệu Word hoặc tệp .zip). Hãy dùng mẫu Excel hoặc tệp CSV.",
            "The file is a zip archive but not an Excel workbook (.xlsx) (perhaps a Word document or a .zip). "
            "Use the Excel template or a CSV file."),
    "binary": ("Tệp không phải bảng tính (không phải .xlsx, cũng không phải văn bản CSV).",
               "The file is not a spreadsheet (neither .xlsx nor CSV text)."),
    "bad_xlsx": ("Tệp có đuôi .xlsx nhưng không đọc được như bảng tính Excel (tệp hỏng hoặc không phải Excel).",
                 "The file is named .xlsx but cannot be read as an Excel workbook (damaged, or not Excel)."),
}


def _sniff(data: bytes, suffix: str) -> str:
    head = data[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                names = set(z.namelist())
                if "mimetype" in names and b"opendocument.spreadsheet" in z.read("mimetype"):
                    return "ods"
                return "xlsx" if "xl/workbook.xml" in names else "zip"
        except zipfile.BadZipFile:
            return "bad_xlsx" if suffix in (".xlsx", ".xlsm") else "binary"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith((b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"BM")) or head[8:12] == b"WEBP":
        return "image"
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "bad_xlsx"
    if _looks_binary(data[:4096]):
        return "binary"
    return "csv"


def _looks_binary(chunk: bytes) -> bool:
    if chunk.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs
        return False
    if b"\x00" in chunk:
        # UTF-16 without a byte-order mark: every other byte NUL in ASCII text
        return not (chunk[1::2].count(0) > len(chunk) // 3 or chunk[0::2].count(0) > len(chunk) // 3)
    control = sum(1 for b in chunk if b < 9 or 13 < b < 32)
    return control > len(chunk) // 20


# ------------------------------------------------------------------------------------------------ headers

def _aliases(sheet: Sheet) -> dict[str, str]:
    out = {}
    for col in sheet.columns:
        for text in (col.vi, col.en, col.key):
            out.setdefault(fold(text), col.key)
    return out


_ALIASES = {s.key: _aliases(s) for s in SHEETS}
_TITLES = {fold(t): s.key for s in SHEETS for t in (s.vi, s.en, s.key, s.table)}
_AUX_TITLES = {fold(t) for t in README_TITLES + LISTS_TITLES + ERRORS_TITLES}


def _match_headers(sheet_key: str, cells: Cells) -> dict[str, int]:
    """Column key -> 1-based index for the header cells that name a template column (first one wins)."""
    aliases = _ALIASES[sheet_key]
    out: dict[str, int] = {}
    for i, cell in sorted(cells.items()):
        if cell is None:
            continue
        key = aliases.get(fold(unicodedata.normalize("NFC", str(cell))))
        if key and key not in out:
            out[key] = i
    return out


def _best_sheet_for_headers(cells: Cells) -> tuple[str | None, int]:
    best, score = None, 0
    for s in SHEETS:
        n = len(_match_headers(s.key, cells))
        required = [c.key for c in s.columns if c.required]
        n += sum(1 for k in required if k in _match_headers(s.key, cells))  # required columns count double
        if n > score:
            best, score = s.key, n
    return best, score


def _first_rows(rows: Grid) -> list[Cells]:
    """The rows a header may be on (the first _HEADER_SEARCH_ROWS, empty ones included)."""
    return [rows.get(r, {}) for r in range(1, _HEADER_SEARCH_ROWS + 1)]


def _header_row(sheet_key: str, rows: Grid) -> tuple[int, dict[str, int]]:
    best_i, best = 0, {}
    for i, cells in enumerate(_first_rows(rows)):
        found = _match_headers(sheet_key, cells)
        if len(found) > len(best):
            best_i, best = i, found
    return best_i + 1, best


# ------------------------------------------------------------------------------------------------ xlsx

def _read_xlsx(data: bytes, max_bytes: int) -> RawFile:
    import openpyxl

    out = RawFile("xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unzipped = sum(i.file_size for i in z.infolist())
        if unzipped > _UNZIP_FACTOR * max(max_bytes, MAX_BYTES):
            out.errors.append(file_error("file_too_large", f"Bảng tính quá lớn khi giải nén ({_mb(unzipped)}).",
                                         f"The workbook is too large once unzipped ({_mb(unzipped).replace(',', '.')})."))
            return out
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any failure to parse means the same thing to the user
        vi, en = _NOT_SPREADSHEET["bad_xlsx"]
        out.errors.append(file_error("not_a_spreadsheet", vi, en))
        return out
    try:
        seen_keys: dict[str, str] = {}
        for ws in wb.worksheets:
            title = ws.title
            folded = fold(title)
            if folded in _AUX_TITLES:
                continue
            hidden = ws.sheet_state != "visible"
            parsed = _parse_sheet(wb, ws)
            rows = parsed.rows
            if not _fill_merged(rows, parsed.merges):
                out.errors.append(RowError(title, None, None, "too_many_merged_cells",
                                           f"Trang '{title}' có quá nhiều ô gộp (các vùng gộp chồng lên nhau hoặc phủ cả "
                                           "trang). Hãy bỏ gộp ô (Merge & Center) rồi lưu lại.",
                                           f"Sheet '{title}' has too many merged cells (overlapping merged ranges, or ranges "
                                           "covering the whole sheet). Unmerge the cells (Merge & Center) and save again."))
                continue
            key = _TITLES.get(folded)
            by_headers = False
            if key is None:
                best, score = None, 0
                for cells in _first_rows(rows):
                    k, s = _best_sheet_for_headers(cells)
                    if s > score:
                        best, score = k, s
                if best is not None and score >= 4:
                    key, by_headers = best, True
            if key is None:
                if hidden:
                    out.notices.append(Notice(f"Trang ẩn '{title}' không phải trang của mẫu: bỏ qua.",
                                              f"Hidden sheet '{title}' is not a template sheet: ignored."))
                elif any(any(c is not None for c in r.values()) for r in rows.values()):
                    out.notices.append(Notice(
                        f"Trang '{title}' không phải trang của mẫu (tên trang và tiêu đề cột không khớp): bỏ qua.",
                        f"Sheet '{title}' is not a template sheet (neither its name nor its headers match): ignored."))
                continue
            if key in seen_keys:
                out.errors.append(RowError(title, None, None, "duplicate_sheet",
                                           f"Trang '{title}' và trang '{seen_keys[key]}' cùng là loại '{SHEET_BY_KEY[key].vi}'; "
                                           "hãy gộp vào một trang.",
                                           f"Sheets '{title}' and '{seen_keys[key]}' are both '{SHEET_BY_KEY[key].en}'; "
                                           "put them in one sheet."))
                continue
            seen_keys[key] = title
            if by_headers:
                spec = SHEET_BY_KEY[key]
                out.notices.append(Notice(f"Trang '{title}' được đọc là '{spec.vi}' (theo tiêu đề cột).",
                                          f"Sheet '{title}' read as '{spec.en}' (from its column headers)."))
            if hidden:
                out.notices.append(Notice(f"Trang '{title}' đang ẩn nhưng là trang của mẫu: vẫn được đọc.",
                                          f"Sheet '{title}' is hidden but is a template sheet: read anyway."))
            sheet = _sheet_from_values(key, title, rows, out)
            if sheet is None:
                continue
            _formula_errors(parsed.uncomputed, sheet, out)
            out.sheets.append(sheet)
    except Exception:  # noqa: BLE001 - a sheet that does not parse (found by fuzzing: an XML ParseError here) is the same damage
        vi, en = _NOT_SPREADSHEET["bad_xlsx"]
        return RawFile("xlsx", errors=[file_error("not_a_spreadsheet", vi, en)])
    finally:
        wb.close()
    if not out.sheets and not out.errors:
        out.errors.append(file_error(
            "no_template_sheets",
            "Không tìm thấy trang nào của mẫu (" + ", ".join(s.vi for s in SHEETS) + "). Hãy dùng mẫu tải từ trang Dữ liệu.",
            "No template sheet found (" + ", ".join(s.en for s in SHEETS) + "). Use the template from the Data page."))
    _too_long_cells(out)
    _repair_legacy_text(out)
    return out


@dataclass
class _ParsedSheet:
    rows: Grid
    merges: list[tuple[int, int, int, int]]  # (first row, first column, last row, last column)
    uncomputed: list[tuple[int, int]]  # (row, column) of formula cells without a cached value


def _parse_sheet(wb, ws) -> _ParsedSheet:
    """One pass of openpyxl's own streaming parser over the sheet's XML: the cells it has (no row or column is made
    up for the gaps, so a lone cell at XFD1048576 costs one cell, not a billion), its merged ranges and its formula
    cells without a value. An XML parser, not a pattern search: comments, CDATA and odd nesting are what XML says
    they are, and the time is linear in the XML's size."""
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        uncomputed: list[tuple[int, int]] = []

        def parse_cell(self, element):
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                self.uncomputed.append((cell["row"], cell["column"]))
            return cell

    rows: Grid = {}
    last = 0
    with ws._get_source() as src:  # the same arguments openpyxl's read-only sheet gives its parser
        parser = Parser(src, ws._shared_strings, data_only=True, epoch=wb.epoch, date_formats=wb._date_formats,
                        timedelta_formats=wb._timedelta_formats)
        parser.uncomputed = []
        for number, cells in parser.parse():
            if number <= last:
                continue  # a row written twice or out of order: the first one counts, as openpyxl reads it
            last = number
            rows[number] = {c["column"]: c["value"] for c in cells if c["value"] is not None}
    merges = []
    for merged in (parser.merged_cells.mergeCell if parser.merged_cells is not None else []):
        try:
            c1, r1, c2, r2 = range_boundaries(merged.ref)
        except (TypeError, ValueError):
            continue  # not a range: nothing to unmerge
        if None not in (c1, r1, c2, r2):
            merges.append((r1, c1, r2, c2))
    return _ParsedSheet(rows, merges, parser.uncomputed)


_MERGE_BUDGET = 1_000_000  # cells that unmerging may fill beyond the cells a sheet has


def _fill_merged(rows: Grid, merges: list[tuple[int, int, int, int]]) -> bool:
    """Unmerge: every cell of a merged range gets the value of its top-left cell, within the rows and columns the
    sheet has. False (and the sheet left as is) when that would fill more cells than the budget: merged ranges do
    not overlap in a workbook Excel wrote, so their area stays within the sheet's, but crafted ones can each cover
    the whole sheet."""
    if not merges or not rows:
        return True
    last_row = max(rows)
    last_col = max((max(cells) for cells in rows.values() if cells), default=0)
    budget = _MERGE_BUDGET + sum(len(cells) for cells in rows.values())
    for r1, c1, r2, c2 in merges:
        if r1 > last_row or c1 > last_col:
            continue
        value = rows.get(r1, {}).get(c1)
        r2, c2 = min(r2, last_row), min(c2, last_col)
        if r2 < r1 or c2 < c1:
            continue
        budget -= (r2 - r1 + 1) * (c2 - c1 + 1)
        if budget < 0:
            return False
        for r in range(r1, r2 + 1):
            cells = rows.setdefault(r, {})
            for c in range(c1, c2 + 1):
                if value is None:
                    cells.pop(c, None)
                else:
                    cells[c] = value
    return True


def _formula_errors(uncomputed: list[tuple[int, int]], sheet: RawSheet, out: RawFile) -> None:
    """A formula cell the writing program never computed has no cached value: say so instead of reading it as empty."""
    from openpyxl.utils.cell import get_column_letter

    by_index = {i: k for k, i in sheet.columns.items()}
    data_rows = {r.row for r in sheet.rows}
    for row, col in uncomputed:
        key = by_index.get(col)
        if key is None or row not in data_rows:
            continue
        ref = f"{get_column_letter(col)}{row}"
        header = sheet.headers[key]
        out.errors.append(RowError(
            sheet.name, row, header, "formula_without_value",
            f"Dòng {row}, cột '{header}': ô {ref} chứa công thức chưa được tính (tệp do chương trình khác tạo ra). "
            "Hãy mở tệp trong Excel rồi lưu lại, hoặc thay công thức bằng giá trị.",
            f"Row {row}, column '{header}': cell {ref} holds a formula that was never computed (the file was written "
            "by another program). Open the file in Excel and save it again, or replace the formula by its value."))


def _sheet_from_values(key: str, title: str, rows: Grid, out: RawFile) -> RawSheet | None:
    header_row, columns = _header_row(key, rows)
    if not columns:
        out.notices.append(Notice(f"Trang '{title}': không tìm thấy dòng tiêu đề cột của mẫu; bỏ qua.",
                                  f"Sheet '{title}': no row of template column headers found; ignored."))
        return None
    header_cells = rows.get(header_row, {})
    headers = {k: str(header_cells[i]).strip().removesuffix("*").strip() for k, i in columns.items()}
    extra = [_shorten(str(c).strip()) for i, c in sorted(header_cells.items())
             if c is not None and str(c).strip() and i not in columns.values()]
    if extra:
        out.notices.append(Notice(f"Trang '{title}': bỏ qua các cột không thuộc mẫu: " + ", ".join(f"'{e}'" for e in extra) + ".",
                                  f"Sheet '{title}': ignored columns that are not in the template: "
                                  + ", ".join(f"'{e}'" for e in extra) + "."))
    sheet = RawSheet(key, title, header_row, headers, columns)
    for r in sorted(n for n in rows if n > header_row):
        cells = rows[r]
        row = {k: _clean(cells.get(i)) for k, i in columns.items()}
        if any(v is not None for v in row.values()):
            sheet.rows.append(RawRow(r, row))
    return sheet


def _shorten(text: str, n: int = 80) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        return value or None
    return value


# ------------------------------------------------------------------------------------------------ csv

def csv_records(text: str) -> list[list[str]]:
    """The records of a CSV text, its delimiter sniffed (`,` `;` or tab) from its start; fields of any length (the
    csv module's own guard, 131 072 characters, raised an error that stopped the whole file: `_too_long_cells`
    refuses such a field with a message on its row instead)."""
    if csv.field_size_limit() < len(text) + 1:
        csv.field_size_limit(max(len(text) + 1, MAX_BULK_BYTES))  # process-wide; nothing here relies on the guard
    try:
        delimiter = csv.Sniffer().sniff(text[:8192], delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _read_csv(data: bytes, file_name: str) -> RawFile:
    out = RawFile("csv")
    try:
        decoded = encoding.decode_bytes(data)
    except encoding.EncodingError as exc:
        out.errors.append(file_error("bad_encoding", exc.message_vi, exc.message_en))
        return out
    out.notices.extend(decoded.notices)
    text = decoded.text.lstrip("\ufeff")
    if "\x00" in text:
        vi, en = _NOT_SPREADSHEET["binary"]
        out.errors.append(file_error("not_a_spreadsheet", vi, en))
        return out
    try:
        records = [[_clean(c) for c in rec] for rec in csv_records(text)]
    except csv.Error as exc:  # a quote left open at the very end, with strict dialects: the file is damaged
        out.errors.append(file_error("bad_csv", f"Tệp CSV bị hỏng, không đọc được ({exc}).",
                                     f"The CSV file is damaged and cannot be read ({exc})."))
        return out
    if not any(any(c is not None for c in r) for r in records):
        out.errors.append(file_error("empty_file", "Tệp rỗng: không có dữ liệu nào.", "The file is empty: it holds no data."))
        return out

    if papi_panel.is_panel(records[0]):
        sheet = papi_panel.to_scores_sheet(records, file_name)
        out.sheets.append(sheet)
        out.notices.append(Notice(papi_panel.NOTICE_VI, papi_panel.NOTICE_EN))
        _too_long_cells(out)
        _repair_legacy_text(out)
        return out

    rows = {n: {i: c for i, c in enumerate(rec, start=1) if c is not None} for n, rec in enumerate(records, start=1)}
    key = _csv_record_type(rows, file_name)
    if key is None:
        out.errors.append(file_error(
            "unknown_record_type",
            "Không nhận ra loại hồ sơ của tệp CSV (theo tên tệp và tiêu đề cột). Mỗi tệp CSV chứa một loại: "
            + ", ".join(s.vi for s in SHEETS) + "; tiêu đề cột như trong mẫu.",
            "Cannot tell the record type of the CSV file (from its name or its headers). One record type per CSV: "
            + ", ".join(s.en for s in SHEETS) + "; headers as in the template."))
        return out
    sheet = _sheet_from_values(key, PurePath(file_name).name, rows, out)
    if sheet is not None:
        out.sheets.append(sheet)
    _too_long_cells(out)
    _repair_legacy_text(out)
    return out


def _csv_record_type(rows: Grid, file_name: str) -> str | None:
    """The record type a CSV holds: named by the file (if its headers agree) or else told by its headers."""
    best, score = None, 0
    first = _first_rows(rows)
    for cells in first:
        k, s = _best_sheet_for_headers(cells)
        if s > score:
            best, score = k, s
    stem = fold(PurePath(file_name).stem)
    named = next((k for t, k in sorted(_TITLES.items(), key=lambda kv: -len(kv[0])) if t and t in stem), None)
    if named is not None:
        required = {c.key for c in SHEET_BY_KEY[named].columns if c.required}
        if any(required & set(_match_headers(named, cells)) for cells in first):
            return named
    return best if score >= 2 else None


# ------------------------------------------------------------------------------------------------ too long cells

MAX_CELL_CHARS = 131_072  # no field of the template comes near; the csv module's old guard, kept as a message


def _too_long_cells(out: RawFile) -> None:
    """A row with a cell longer than MAX_CELL_CHARS is refused with a message saying where (and not read further:
    no field can hold it, and every later step would carry it)."""
    for sheet in out.sheets:
        kept = []
        for raw in sheet.rows:
            long = [(k, len(v)) for k, v in raw.values.items() if isinstance(v, str) and len(v) > MAX_CELL_CHARS]
            if not long:
                kept.append(raw)
                continue
            for key, n in long:
                header = sheet.headers.get(key, key)
                out.errors.append(RowError(
                    sheet.name, raw.row, header, "cell_too_long",
                    # Vietnamese groups thousands with dots: only the numbers are written so, not the sentence
                    f"Dòng {raw.row}, cột '{header}': ô dài {f'{n:,}'.replace(',', '.')} ký tự, quá giới hạn "
                    f"{f'{MAX_CELL_CHARS:,}'.replace(',', '.')} ký tự; dòng này không được đọc.",
                    f"Row {raw.row}, column '{header}': the cell holds {n:,} characters, over the limit of "
                    f"{MAX_CELL_CHARS:,}; this row was not read."))
        sheet.rows = kept


# ------------------------------------------------------------------------------------------------ legacy fonts

def _repair_legacy_text(out: RawFile) -> None:
    """Text typed with TCVN3 (ABC) or VNI fonts, read as Unicode, becomes proper Vietnamese; one notice per column.

    The encoding is judged on a whole column, else on a whole row, not cell by cell: a short cell can hold no
    character that only the legacy font writes ("Cao Léc" is TCVN3 "Cao Lộc", its é also a Latin-1 letter) and
    stayed as typed while the rest of the file was converted (its unit then unknown, its row rejected)."""
    # Both judgements are pure functions of the texts: a whole-province file repeats its rows' texts (a source
    # title, a unit's names) on thousands of rows, each judged once here.
    row_judged: dict[tuple[str, ...], str | None] = {}
    cell_fixed: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    for sheet in out.sheets:
        converted: Counter[tuple[str, str]] = Counter()
        texts: dict[object, list[str]] = {}
        for raw in sheet.rows:
            for key, value in raw.values.items():
                if isinstance(value, str) and not value.isascii():
                    texts.setdefault(key, []).append(value)
        by_column = {key: encoding.detect_legacy(values) for key, values in texts.items()}
        for raw in sheet.rows:
            row_texts = tuple(v for v in raw.values.values() if isinstance(v, str) and not v.isascii())
            by_row = None
            if row_texts:
                by_row = row_judged.get(row_texts, "")
                if by_row == "":
                    by_row = row_judged[row_texts] = encoding.detect_legacy(row_texts)
            for key, value in raw.values.items():
                if isinstance(value, str):
                    judged = (value, by_column.get(key) or by_row)
                    answer = cell_fixed.get(judged)
                    if answer is None:
                        answer = cell_fixed[judged] = encoding.fix_legacy(*judged)
                    fixed, legacy = answer
                    if legacy:
                        raw.values[key] = unicodedata.normalize("NFC", fixed)
                        converted[(key, legacy)] += 1
        for (key, legacy), n in sorted(converted.items()):
            header = sheet.headers.get(key, key)
            out.notices.append(Notice(
                f"Trang '{sheet.name}', cột '{header}': {n} ô gõ bằng bảng mã {legacy} đã được chuyển sang Unicode.",
                f"Sheet '{sheet.name}', column '{header}': {n} cell(s) typed in the {legacy} legacy encoding were converted "
                "to Unicode."))
