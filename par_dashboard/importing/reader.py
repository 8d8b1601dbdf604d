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
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import PurePath

from par_dashboard.importing import encoding
from par_dashboard.importing.encoding import Notice
from par_dashboard.importing.template import ERRORS_TITLES, LISTS_TITLES, README_TITLES, SHEET_BY_KEY, SHEETS, Sheet
from par_dashboard.units import fold

MAX_BYTES = 10 * 1024 * 1024  # an upload on the data page
MAX_BULK_BYTES = 200 * 1024 * 1024  # the command line (bulk loads, full exports)
_UNZIP_FACTOR = 30  # a workbook may expand this much when unzipped (protects against zip bombs)
_HEADER_SEARCH_ROWS = 10


@dataclass(frozen=True)
class RowError:
    """One problem: where (sheet as named in the file, Excel row from 1, column header as in the file), what."""

    sheet: str | None
    row: int | None
    column: str | None
    code: str
    message_vi: str
    message_en: str
    value: object = None

    def message(self, lang: str) -> str:
        return self.message_vi if lang == "vi" else self.message_en


@dataclass
class RawRow:
    row: int  # as Excel numbers it (CSV: the record's number, header = 1)
    values: dict[str, object]


@dataclass
class RawSheet:
    key: str  # template sheet key
    name: str  # as named in the file
    header_row: int
    headers: dict[str, str]  # column key -> header as written in the file
    columns: dict[str, int]  # column key -> 1-based column index
    rows: list[RawRow] = field(default_factory=list)

    @property
    def spec(self) -> Sheet:
        return SHEET_BY_KEY[self.key]


@dataclass
class RawFile:
    kind: str  # "xlsx" | "csv"
    sheets: list[RawSheet] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def file_error(code: str, vi: str, en: str) -> RowError:
    return RowError(None, None, None, code, vi, en)


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


def _match_headers(sheet_key: str, cells: list[object]) -> dict[str, int]:
    """Column key -> 1-based index for the header cells that name a template column (first one wins)."""
    aliases = _ALIASES[sheet_key]
    out: dict[str, int] = {}
    for i, cell in enumerate(cells, start=1):
        if cell is None:
            continue
        key = aliases.get(fold(unicodedata.normalize("NFC", str(cell))))
        if key and key not in out:
            out[key] = i
    return out


def _best_sheet_for_headers(cells: list[object]) -> tuple[str | None, int]:
    best, score = None, 0
    for s in SHEETS:
        n = len(_match_headers(s.key, cells))
        required = [c.key for c in s.columns if c.required]
        n += sum(1 for k in required if k in _match_headers(s.key, cells))  # required columns count double
        if n > score:
            best, score = s.key, n
    return best, score


def _header_row(sheet_key: str, rows: list[list[object]]) -> tuple[int, dict[str, int]]:
    best_i, best = 0, {}
    for i, cells in enumerate(rows[:_HEADER_SEARCH_ROWS]):
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
        archive = wb._archive
        seen_keys: dict[str, str] = {}
        for ws in wb.worksheets:
            title = ws.title
            folded = fold(title)
            if folded in _AUX_TITLES:
                continue
            hidden = ws.sheet_state != "visible"
            ws.reset_dimensions()  # some writers state a wrong sheet size; read what is there
            xml = archive.read(ws._worksheet_path)
            merges = _merged_ranges(xml)
            values = [list(r) for r in ws.iter_rows(values_only=True)]
            _fill_merged(values, merges)
            key = _TITLES.get(folded)
            by_headers = False
            if key is None:
                best, score = None, 0
                for cells in values[:_HEADER_SEARCH_ROWS]:
                    k, s = _best_sheet_for_headers(cells)
                    if s > score:
                        best, score = k, s
                if best is not None and score >= 4:
                    key, by_headers = best, True
            if key is None:
                if hidden:
                    out.notices.append(Notice(f"Trang ẩn '{title}' không phải trang của mẫu: bỏ qua.",
                                              f"Hidden sheet '{title}' is not a template sheet: ignored."))
                elif any(any(c is not None for c in r) for r in values):
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
            sheet = _sheet_from_values(key, title, values, out)
            if sheet is None:
                continue
            _formula_errors(xml, sheet, out)
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
    _repair_legacy_text(out)
    return out


_MERGE_RE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _merged_ranges(xml: bytes) -> list[tuple[int, int, int, int]]:
    start = xml.rfind(b"<mergeCells")
    if start < 0:
        start = xml.rfind(b"mergeCells")
    if start < 0:
        return []
    out = []
    for m in _MERGE_RE.finditer(xml, start):
        c1, r1 = _col_index(m.group(1)), int(m.group(2))
        c2, r2 = (_col_index(m.group(3)), int(m.group(4))) if m.group(3) else (c1, r1)
        out.append((r1, c1, r2, c2))
    return out


def _col_index(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ch - 64)
    return n


def _fill_merged(values: list[list[object]], merges: list[tuple[int, int, int, int]]) -> None:
    """Unmerge: every cell of a merged range gets the value of its top-left cell."""
    for r1, c1, r2, c2 in merges:
        if r1 > len(values):
            continue
        top = values[r1 - 1]
        value = top[c1 - 1] if c1 - 1 < len(top) else None
        for r in range(r1, min(r2, len(values)) + 1):
            row = values[r - 1]
            if len(row) < c2:
                row.extend([None] * (c2 - len(row)))
            for c in range(c1, c2 + 1):
                row[c - 1] = value


_CELL_RE = re.compile(rb'<(?:\w+:)?c\s+r="([A-Z]+)(\d+)"[^>]*?(?<!/)>(.*?)</(?:\w+:)?c>', re.S)
_VALUE_RE = re.compile(rb"<(?:\w+:)?v>[^<]")


def _formula_errors(xml: bytes, sheet: RawSheet, out: RawFile) -> None:
    """A formula cell the writing program never computed has no cached value: say so instead of reading it as empty."""
    if b"<f" not in xml and b":f" not in xml:
        return
    by_index = {i: k for k, i in sheet.columns.items()}
    data_rows = {r.row for r in sheet.rows}
    for m in _CELL_RE.finditer(xml):
        body = m.group(3)
        if (b"<f" in body or b":f>" in body or b":f " in body) and not _VALUE_RE.search(body):
            col, row = _col_index(m.group(1)), int(m.group(2))
            key = by_index.get(col)
            if key is None or row not in data_rows:
                continue
            ref = m.group(1).decode() + m.group(2).decode()
            header = sheet.headers[key]
            out.errors.append(RowError(
                sheet.name, row, header, "formula_without_value",
                f"Dòng {row}, cột '{header}': ô {ref} chứa công thức chưa được tính (tệp do chương trình khác tạo ra). "
                "Hãy mở tệp trong Excel rồi lưu lại, hoặc thay công thức bằng giá trị.",
                f"Row {row}, column '{header}': cell {ref} holds a formula that was never computed (the file was written "
                "by another program). Open the file in Excel and save it again, or replace the formula by its value."))


def _sheet_from_values(key: str, title: str, values: list[list[object]], out: RawFile) -> RawSheet | None:
    header_row, columns = _header_row(key, values)
    if not columns:
        out.notices.append(Notice(f"Trang '{title}': không tìm thấy dòng tiêu đề cột của mẫu; bỏ qua.",
                                  f"Sheet '{title}': no row of template column headers found; ignored."))
        return None
    header_cells = values[header_row - 1]
    headers = {k: str(header_cells[i - 1]).strip().removesuffix("*").strip() for k, i in columns.items()}
    extra = [str(c).strip() for i, c in enumerate(header_cells, start=1)
             if c is not None and str(c).strip() and i not in columns.values()]
    if extra:
        out.notices.append(Notice(f"Trang '{title}': bỏ qua các cột không thuộc mẫu: " + ", ".join(f"'{e}'" for e in extra) + ".",
                                  f"Sheet '{title}': ignored columns that are not in the template: "
                                  + ", ".join(f"'{e}'" for e in extra) + "."))
    sheet = RawSheet(key, title, header_row, headers, columns)
    for r, cells in enumerate(values[header_row:], start=header_row + 1):
        row = {k: _clean(cells[i - 1]) if i - 1 < len(cells) else None for k, i in columns.items()}
        if any(v is not None for v in row.values()):
            sheet.rows.append(RawRow(r, row))
    return sheet


def _clean(value: object) -> object:
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value).strip()
        return value or None
    return value


# ------------------------------------------------------------------------------------------------ csv

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
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        records = [[_clean(c) for c in rec] for rec in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:  # a field past the csv module's limit (131,072 characters): no column takes a tenth of that
        limit = f"{csv.field_size_limit():,}"
        out.errors.append(file_error(
            "cell_too_long", f"Tệp CSV có ô dài hơn {limit.replace(',', '.')} ký tự (hoặc một dấu ngoặc kép không được đóng): "
                             "không cột nào nhận nội dung dài như vậy. Hãy kiểm tra lại tệp.",
            f"The CSV file has a cell longer than {limit} characters (or a quote that is never closed): no column takes "
            "that much text. Check the file."))
        return out
    if not any(any(c is not None for c in r) for r in records):
        out.errors.append(file_error("empty_file", "Tệp rỗng: không có dữ liệu nào.", "The file is empty: it holds no data."))
        return out

    from par_dashboard.importing import papi_panel

    if papi_panel.is_panel(records[0]):
        sheet = papi_panel.to_scores_sheet(records, file_name)
        out.sheets.append(sheet)
        out.notices.append(Notice(papi_panel.NOTICE_VI, papi_panel.NOTICE_EN))
        _repair_legacy_text(out)
        return out

    key = _csv_record_type(records, file_name)
    if key is None:
        out.errors.append(file_error(
            "unknown_record_type",
            "Không nhận ra loại hồ sơ của tệp CSV (theo tên tệp và tiêu đề cột). Mỗi tệp CSV chứa một loại: "
            + ", ".join(s.vi for s in SHEETS) + "; tiêu đề cột như trong mẫu.",
            "Cannot tell the record type of the CSV file (from its name or its headers). One record type per CSV: "
            + ", ".join(s.en for s in SHEETS) + "; headers as in the template."))
        return out
    sheet = _sheet_from_values(key, PurePath(file_name).name, records, out)
    if sheet is not None:
        out.sheets.append(sheet)
    _repair_legacy_text(out)
    return out


def _csv_record_type(records: list[list[object]], file_name: str) -> str | None:
    """The record type a CSV holds: named by the file (if its headers agree) or else told by its headers."""
    best, score = None, 0
    for cells in records[:_HEADER_SEARCH_ROWS]:
        k, s = _best_sheet_for_headers(cells)
        if s > score:
            best, score = k, s
    stem = fold(PurePath(file_name).stem)
    named = next((k for t, k in sorted(_TITLES.items(), key=lambda kv: -len(kv[0])) if t and t in stem), None)
    if named is not None:
        required = {c.key for c in SHEET_BY_KEY[named].columns if c.required}
        if any(required & set(_match_headers(named, cells)) for cells in records[:_HEADER_SEARCH_ROWS]):
            return named
    return best if score >= 2 else None


# ------------------------------------------------------------------------------------------------ legacy fonts

def _repair_legacy_text(out: RawFile) -> None:
    """Text typed with TCVN3 (ABC) or VNI fonts, read as Unicode, becomes proper Vietnamese; one notice per column."""
    for sheet in out.sheets:
        converted: Counter[tuple[str, str]] = Counter()
        for raw in sheet.rows:
            for key, value in raw.values.items():
                if isinstance(value, str):
                    fixed, legacy = encoding.fix_legacy(value)
                    if legacy:
                        raw.values[key] = unicodedata.normalize("NFC", fixed)
                        converted[(key, legacy)] += 1
        for (key, legacy), n in sorted(converted.items()):
            header = sheet.headers.get(key, key)
            out.notices.append(Notice(
                f"Trang '{sheet.name}', cột '{header}': {n} ô gõ bằng bảng mã {legacy} đã được chuyển sang Unicode.",
                f"Sheet '{sheet.name}', column '{header}': {n} cell(s) typed in the {legacy} legacy encoding were converted "
                "to Unicode."))
