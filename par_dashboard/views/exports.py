"""Table downloads: CSV and Excel files that carry their filters, sources and demo label. No Streamlit."""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from par_dashboard.domain.units import fold
from par_dashboard.i18n import number_symbols, t
from par_dashboard.security.untrusted import formula_like


def slug(text: str) -> str:
    """'Lạng Sơn' -> 'lang-son': file names without diacritics or spaces survive every mail client."""
    words = [fold(w) for w in re.split(r"[\s/,;:()]+", str(text))]
    return "-".join(w for w in words if w)


def file_stem(name: str, filters: dict[str, object]) -> str:
    """'xep-hang_PAR_INDEX_2023_lang-son': the table's name, then each filter value that is set, in order."""
    parts = [slug(name)] + [slug(str(v)) if not re.fullmatch(r"[A-Za-z0-9_]+", str(v)) else str(v)
                            for v in filters.values() if v not in (None, "", [])]
    return "_".join(p for p in parts if p)


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula ("=HYPERLINK(…)", "@SUM(…)", "+cmd|…", "＝…") gets a
    leading apostrophe, shown by Excel as the text itself. Signed numbers such as "+2,08" stay as they are."""
    return "'" + value if formula_like(value) else value


def safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


# What a CSV file of each language uses between fields and before decimals. Excel in vi-VN reads a list separator
# ";" and a decimal comma (a comma-delimited file with "96,17" splits the number in two); in English "," and ".".
CSV_DIALECT = {"vi": (";", ","), "en": (",", ".")}
# What the CSV download's name says of its separators (csv_file_name), and how its dates are written.
CSV_NAME_TAG = {"vi": "vi_dau-cham-phay", "en": "en_comma"}
CSV_DATE = {"vi": lambda day: day.strftime("%d/%m/%Y"), "en": lambda day: day.isoformat()}


def csv_file_name(stem: str, lang: str) -> str:
    """The CSV download's name says which separators it uses, so whoever opens it elsewhere knows how to read it."""
    return f"{stem}_{CSV_NAME_TAG[lang]}.csv"


def to_csv_bytes(df: pd.DataFrame, lang: str = "vi") -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly; formula-looking text neutralised.
    Numbers and dates (also those a page formatted for reading) are written plainly in the language's dialect:
    "1234,5" with ";" between fields in Vietnamese, "1234.5" with "," in English (CSV_DIALECT)."""
    sep, decimal = CSV_DIALECT[lang]
    out = df.copy()
    for j in range(out.shape[1]):
        typed = typed_column(out.iloc[:, j].tolist(), lang)
        if typed is not None:
            out[out.columns[j]] = pd.Series([typed.csv_text(v, decimal, lang) for v in typed.values],
                                             index=out.index, dtype=object)
    return safe_frame(out).to_csv(index=False, sep=sep).encode("utf-8-sig")


# ---- typed cells: the tables of the pages hold text formatted for reading ("96,17", "+2,08", "−1,14", "12,50 %",
# "17/06/2024", "2019"); a spreadsheet needs the numbers and dates themselves to sum, sort and chart them. A column
# is typed only when every filled cell reads as the same kind ("—" and blanks are missing values), so a text column
# holding one number-like text ("+2,08" among findings, a plan number "12.345") stays text.
_MINUS = r"\-\u2212"  # "-" and the minus sign U+2212 that fmt_signed writes
_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_MISSING = {"", "—", "-"}


@functools.cache
def _number_pattern(lang: str) -> re.Pattern:
    """A number as fmt_num / fmt_signed / fmt_pct write it in `lang` (Babel's vi_VN and en_GB symbols): no leading
    zeros (a code such as "01" is text), groups of three or none, then decimals and an optional percent sign."""
    decimal, group = map(re.escape, number_symbols(lang))
    return re.compile(rf"(?P<sign>[+{_MINUS}]?)(?P<int>0|[1-9]\d{{0,2}}(?:{group}\d{{3}})+|[1-9]\d*)"
                      rf"(?:{decimal}(?P<frac>\d+))?(?P<pct>\s?%)?")


@dataclass
class Typed:
    values: list  # Decimal / int / datetime.date / None
    number_format: str  # Excel's format code; Excel shows it with the reader's separators
    percent: bool = False

    def csv_text(self, value, decimal: str, lang: str) -> str:
        if value is None:
            return ""
        if isinstance(value, dt.date):
            return CSV_DATE[lang](value)
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        number = number * 100 if self.percent else number
        text = format(number.normalize() if number == number.to_integral_value() else number, "f")
        text = text.replace(".", decimal)
        return f"{text}%" if self.percent else text


def typed_column(values: list, lang: str) -> Typed | None:
    """The column's values as numbers or dates with their Excel format, or None when it is text."""
    parsed, kinds, decimals, signed, years = [], set(), 0, False, True
    pattern = _number_pattern(lang)
    for v in values:
        v = _cell(v)
        if v is None or (isinstance(v, str) and v.strip() in _MISSING):
            parsed.append(None)
            continue
        if isinstance(v, bool):
            return None
        if isinstance(v, (dt.date, dt.datetime)):
            parsed.append(v.date() if isinstance(v, dt.datetime) else v)
            kinds.add("date")
            continue
        if isinstance(v, (int, float, Decimal)):
            if isinstance(v, float) and not math.isfinite(v):
                return None
            number = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
            kinds.add("number")
        elif isinstance(v, str) and (m := _DATE.fullmatch(v.strip())):
            try:
                parsed.append(dt.date(int(m[3]), int(m[2]), int(m[1])))
            except ValueError:
                return None
            kinds.add("date")
            continue
        elif isinstance(v, str) and (m := pattern.fullmatch(v.strip())):
            number = Decimal(m["int"].replace(",", "").replace(".", "") + "." + (m["frac"] or "0"))
            number = -number if m["sign"] and m["sign"] != "+" else number
            signed |= m["sign"] == "+"
            kinds.add("percent" if m["pct"] else "number")
            if m["pct"]:
                number /= 100
                decimals = max(decimals, len(m["frac"] or ""))
                parsed.append(number)
                continue
        else:
            return None
        exponent = number.normalize().as_tuple().exponent
        decimals = max(decimals, min(4, -exponent) if isinstance(exponent, int) and exponent < 0 else 0)
        years &= number == number.to_integral_value() and 1900 <= number <= 2100
        parsed.append(number)
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind == "date":
        return Typed(parsed, "dd/mm/yyyy")
    if kind == "percent":
        return Typed(parsed, "0" + ("." + "0" * decimals if decimals else "") + "%", percent=True)
    if years and decimals == 0:  # a year is 2019, not 2.019
        return Typed([None if p is None else int(p) for p in parsed], "0")
    body = "#,##0" + ("." + "0" * decimals if decimals else "")
    values_ = [None if p is None else (int(p) if decimals == 0 else float(p)) for p in parsed]
    return Typed(values_, f"+{body};-{body};{body}" if signed else body)


def set_text(cell, value) -> None:
    """Write a value into an openpyxl cell without letting text become a formula."""
    cell.value = neutralise(value)
    if isinstance(cell.value, str):
        cell.data_type = "s"


def to_xlsx_bytes(df: pd.DataFrame, *, title: str, filters: dict[str, object], lang: str,
                  demo: bool, sources: list[str] | None = None) -> bytes:
    """One sheet with the table, one with what it is: title, filters, sources, demo label, export date."""
    wb = Workbook()
    ws = wb.active
    ws.title = t("sheet_data", lang)[:31]
    for j, col in enumerate(df.columns, start=1):
        set_text(ws.cell(row=1, column=j), str(col))
        ws.cell(row=1, column=j).font = Font(bold=True)
    for j in range(1, df.shape[1] + 1):
        column = df.iloc[:, j - 1].tolist()
        typed = typed_column(column, lang)
        for i, v in enumerate(column, start=2):
            cell = ws.cell(row=i, column=j)
            if typed is None:
                set_text(cell, _cell(v))
            else:
                value = typed.values[i - 2]
                cell.value = float(value) if isinstance(value, Decimal) else value
                cell.number_format = typed.number_format
    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in df.iloc[:200, i - 1]]) if len(df) else len(str(col))
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    ws.freeze_panes = "A2"

    about = wb.create_sheet(t("sheet_about", lang)[:31])
    rows = [(t("export_title", lang), title)] + [(k, "" if v is None else str(v)) for k, v in filters.items()]
    rows += [(t("export_date", lang), dt.date.today())] + [(t("source", lang), s) for s in sources or []]
    for i, (key, value) in enumerate(rows, start=1):
        set_text(about.cell(row=i, column=1), key)
        if isinstance(value, dt.date):  # a date cell, shown day first
            about.cell(row=i, column=2, value=value).number_format = "dd/mm/yyyy"
            about.cell(row=i, column=2).alignment = Alignment(horizontal="left")
        else:
            set_text(about.cell(row=i, column=2), value)
    about["A1"].font = Font(bold=True)
    if demo:
        about.append([t("demo_label", lang), t("demo_notice", lang)])
        for cell in about[about.max_row]:
            cell.font = Font(bold=True, color="B42318")
            cell.fill = PatternFill("solid", fgColor="FFF4ED")
    about.column_dimensions["A"].width = 28
    about.column_dimensions["B"].width = 100
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value):
    if value is None:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if value is pd.NaT or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value
