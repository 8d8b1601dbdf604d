"""Table downloads: CSV and Excel files that carry their filters, sources and demo label. No Streamlit."""

from __future__ import annotations

import datetime as dt
import io
import re

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from par_dashboard.domain.units import fold
from par_dashboard.i18n import t
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


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens Vietnamese text correctly; formula-looking text neutralised."""
    return safe_frame(df).to_csv(index=False).encode("utf-8-sig")


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
    for i, row in enumerate(df.itertuples(index=False), start=2):
        for j, v in enumerate(row, start=1):
            set_text(ws.cell(row=i, column=j), _cell(v))
            if isinstance(v, dt.date):  # a date cell (the follow-up tables), shown as people write it
                ws.cell(row=i, column=j).number_format = "DD/MM/YYYY"
    for i, col in enumerate(df.columns, start=1):
        width = max([len(str(col))] + [len(str(v)) for v in df.iloc[:200, i - 1]]) if len(df) else len(str(col))
        ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width + 2))
    ws.freeze_panes = "A2"

    about = wb.create_sheet(t("sheet_about", lang)[:31])
    rows = [(t("export_title", lang), title)] + [(k, "" if v is None else str(v)) for k, v in filters.items()]
    rows += [(t("export_date", lang), dt.date.today().strftime("%d/%m/%Y"))] + [(t("source", lang), s) for s in sources or []]
    for i, (key, value) in enumerate(rows, start=1):
        set_text(about.cell(row=i, column=1), key)
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
