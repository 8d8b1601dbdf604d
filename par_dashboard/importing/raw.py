"""What reading a file gives, before any check: its template sheets as raw rows keyed by column key, with the notices
and the errors about the file as a whole. The readers make it (par_dashboard/importing/reader.py, and papi_panel.py
for the PAPI panel's CSV); the checks (models.py, checks.py) and the import service take it."""

from __future__ import annotations

from dataclasses import dataclass, field

from par_dashboard.i18n import pick
from par_dashboard.importing.encoding import Notice
from par_dashboard.importing.template import SHEET_BY_KEY, Sheet


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
        return pick(self.message_vi, self.message_en, lang)


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
