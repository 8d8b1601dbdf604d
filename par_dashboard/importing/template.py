"""The import template: one sheet per record type, its columns, drop-down lists and examples, and the export of
the database's inspection data in the same shape (so that an export imports back to the same content).

The sheet and column specifications here are what the reader matches headers against and what the validator
checks; the workbook writer is shared by the empty template (with real example rows) and the export.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import tomllib
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell._writer import etree_write_cell  # private: see _SheetData._write_cell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import tostring as xml_tostring

from par_dashboard.i18n import both, fmt_num, pick, t, with_decimal_symbol
from par_dashboard.paths import REPORTS_DIR, SEED_DIR
from par_dashboard.security.untrusted import formula_like

# What a text cell is, for the characters it may hold (par_dashboard/importing/cells.py): a KEY (an id, a code others
# refer to or group by, a link) is refused when it holds an unseen character, a NAME (one line) or a LONG text
# (line breaks kept) has them removed, with a notice, and is refused when it holds a bidirectional control.
KEY, NAME, LONG = "key", "name", "long"
# The longest cell of each sort unless a column says otherwise. The data in data/ has ids of up to 38 characters,
# names of up to 68, finding texts of up to 203 (and the Excel cell holds at most 32,767).
MAX_CHARS = {KEY: 64, NAME: 200, LONG: 4000, "code": 300, "number": 50}


@dataclass(frozen=True)
class Column:
    key: str
    vi: str
    en: str
    kind: str  # text | int | num | date | year | code
    required: bool = False
    choices: str | None = None  # name of a drop-down list (LISTS)
    help_vi: str = ""
    help_en: str = ""
    width: int = 16
    text: str = NAME  # KEY | NAME | LONG: how a text column treats unseen characters (codes and numbers: NAME)
    max_len: int | None = None  # characters; None: MAX_CHARS of its sort
    low: int | None = None  # whole-number columns: the smallest and largest value
    high: int | None = None

    def header(self, lang: str) -> str:
        text = pick(self.vi, self.en, lang)
        return f"{text} *" if self.required else text

    @functools.cached_property  # read for every cell of a file
    def max_chars(self) -> int:
        if self.max_len is not None:
            return self.max_len
        if self.kind == "text":
            return MAX_CHARS[self.text]
        return MAX_CHARS["code" if self.kind == "code" else "number"]

    def limits(self, lang: str) -> str:
        """What the template says of the column's limits ("At most 200 characters.", "1–100,000.")."""
        if self.low is not None and self.high is not None:
            return f"{group(self.low, lang)}–{group(self.high, lang)}."
        if self.kind == "text":
            return t("imp_template_at_most", lang, n=group(self.max_chars, lang))
        return ""


def group(n: float, lang: str) -> str:
    """A whole number with its thousands grouped as each language writes them: 100.000 (vi), 100,000 (en)."""
    return fmt_num(int(n), lang, 0)


@dataclass(frozen=True)
class Sheet:
    key: str
    table: str
    vi: str
    en: str
    columns: tuple[Column, ...]
    help_vi: str
    help_en: str
    unit_level: str | None = None  # the level a unit must have; None: any level
    has_units: bool = False
    has_source: bool = True
    keys: tuple[str, ...] = field(default=())  # natural key (column keys after resolution)

    def title(self, lang: str) -> str:
        return pick(self.vi, self.en, lang)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


DATE_HELP_VI, DATE_HELP_EN = "Ngày, dạng dd/mm/yyyy.", "Date, dd/mm/yyyy."
MAX_RANK = 100_000  # a published rank and its "of": ten times the communes of the country (about 10,600 before 2025)

_UNIT_COLUMNS = (
    Column("unit_id", "Mã đơn vị", "Unit id", "text", width=14, text=KEY, max_len=32,
           help_vi="Mã đơn vị trong hệ thống (ví dụ S63-D-183). Ghi mã HOẶC tên đơn vị.",
           help_en="The unit's id in the system (e.g. S63-D-183). Give the id OR the unit name."),
    Column("unit_name", "Tên đơn vị", "Unit name", "text", width=22,
           help_vi="Tên đơn vị, có hoặc không có loại (\"Huyện Cao Lộc\", \"Cao Lộc\"). Tên trùng nhau thì ghi thêm Cấp, Tỉnh, Huyện.",
           help_en="Unit name, with or without its type (\"Huyện Cao Lộc\", \"Cao Lộc\"). Add Level, Province, District "
                   "when names repeat."),
    Column("unit_code", "Mã số thống kê", "GSO code", "text", width=10, text=KEY, max_len=20,
           help_vi="Mã số đơn vị hành chính của Tổng cục Thống kê (không bắt buộc; dùng cùng Cấp và Cấu trúc).",
           help_en="The GSO administrative code (optional; used with Level and Structure)."),
    Column("unit_level", "Cấp", "Level", "code", choices="levels", width=10,
           help_vi="Tỉnh, Huyện, Xã hoặc Sở (không bắt buộc; giúp phân biệt tên trùng).",
           help_en="Province, District, Commune or Department (optional; tells same-named units apart)."),
    Column("unit_province", "Tỉnh", "Province", "text", width=16,
           help_vi="Tỉnh của đơn vị (tên hoặc mã), để phân biệt tên trùng.",
           help_en="The unit's province (name or id), to tell same-named units apart."),
    Column("unit_district", "Huyện", "District", "text", width=16,
           help_vi="Huyện của đơn vị cấp xã (tên hoặc mã), để phân biệt tên trùng.",
           help_en="The district of a commune-level unit (name or id), to tell same-named units apart."),
    Column("structure", "Cấu trúc", "Structure", "code", choices="structures", width=10,
           help_vi="S63 (63 tỉnh, đến 30/06/2025) hoặc S34 (34 tỉnh, từ 01/07/2025). Bỏ trống: theo năm.",
           help_en="S63 (63 provinces, to 30/06/2025) or S34 (34 provinces, from 01/07/2025). Blank: from the year."),
)

_SOURCE_COLUMNS = (
    Column("source", "Nguồn", "Source", "text", width=30, max_len=500,
           help_vi="Văn bản, bài báo hoặc báo cáo chứa số liệu (không bắt buộc).",
           help_en="The document, article or report the figures come from (optional)."),
    Column("source_url", "Đường dẫn nguồn", "Source URL", "text", width=20, text=KEY, max_len=2000,
           help_vi="Địa chỉ web của nguồn (không bắt buộc).", help_en="The source's web address (optional)."),
    Column("demo", "Dữ liệu mô phỏng", "Synthetic demo", "code", choices="yes", width=10,
           help_vi="Ghi \"có\" nếu dòng là dữ liệu mô phỏng (không phải số liệu thật). Bỏ trống với số liệu thật.",
           help_en="\"yes\" when the row is synthetic demo data (not real figures). Leave blank for real data."),
)


# Remediation follow-up of a limitation or recommendation (table finding_followup): optional columns at the end of the
# findings sheet, so that a file made before they existed still reads (every one may be absent or empty). A row with
# any of them set gets a follow-up record; its status, when not given, is the remedy status of the row, else open.
_FOLLOWUP_COLUMNS = (
    Column("deadline", "Hạn khắc phục", "Remediation deadline", "date", width=12,
           help_vi=DATE_HELP_VI + " Chỉ với Tồn tại/hạn chế và Kiến nghị.",
           help_en=DATE_HELP_EN + " Limitations and recommendations only."),
    Column("responsible", "Đơn vị chịu trách nhiệm khắc phục", "Responsible unit", "text", width=24, max_len=300,
           help_vi="Ví dụ Văn phòng UBND huyện, Bộ phận một cửa (không bắt buộc).",
           help_en="E.g. the district People's Committee office, the one-stop shop (optional)."),
    Column("followup_status", "Kết quả theo dõi khắc phục", "Follow-up status", "code", choices="followup_statuses", width=18,
           help_vi="Chưa khắc phục, Đang khắc phục, Đã khắc phục hoặc Không thực hiện được. Bỏ trống: theo Tình trạng "
                   "khắc phục, nếu không thì Chưa khắc phục.",
           help_en="Open, In progress, Resolved or Not feasible. Blank: the Remedy status, else Open."),
    Column("evidence_text", "Minh chứng khắc phục", "Evidence of closure", "text", width=30, text=LONG, max_len=2000,
           help_vi="Văn bản, kết quả cho thấy đã khắc phục (không bắt buộc).",
           help_en="What shows the fix: a report, a decision, a system in use (optional)."),
    Column("evidence_number", "Số văn bản minh chứng", "Evidence document no.", "text", width=16, max_len=100,
           help_vi="Ví dụ 125/BC-UBND.", help_en="E.g. 125/BC-UBND."),
    Column("evidence_date", "Ngày văn bản minh chứng", "Evidence date", "date", width=12,
           help_vi=DATE_HELP_VI + " Ngày được tính là đã khắc phục (hoặc xác định không thực hiện được).",
           help_en=DATE_HELP_EN + " The day the item counts as closed (resolved or found not feasible)."),
    Column("checked_on", "Ngày kiểm tra lại", "Checked on", "date", width=12,
           help_vi=DATE_HELP_VI + " Lần gần nhất tình trạng khắc phục được kiểm tra.",
           help_en=DATE_HELP_EN + " When the follow-up was last checked."),
)
FOLLOWUP_KEYS = tuple(c.key for c in _FOLLOWUP_COLUMNS)


def _year(required=True) -> Column:
    return Column("year", "Năm", "Year", "year", required=required, width=8,
                  help_vi="Năm, 4 chữ số (2000–2035).", help_en="Year, 4 digits (2000–2035).")


def _province() -> Column:
    return Column("province", "Tỉnh", "Province", "text", required=True, width=16,
                  help_vi="Tên tỉnh (\"Lạng Sơn\", \"Tỉnh Lạng Sơn\") hoặc mã (S63-P-20).",
                  help_en="Province name (\"Lạng Sơn\", \"Tỉnh Lạng Sơn\") or id (S63-P-20).")


def _inspection_ref(required: bool) -> Column:
    return Column("inspection_id", "Mã đoàn kiểm tra", "Inspection id", "text", required=required, width=22, text=KEY,
                  help_vi="Mã của đoàn kiểm tra, có trong trang Đoàn kiểm tra hoặc đã có trong cơ sở dữ liệu.",
                  help_en="The inspection's id, on the Inspections sheet or already in the database.")


SHEETS: tuple[Sheet, ...] = (
    Sheet("plans", "inspection_plan", "Kế hoạch", "Plans", (
        Column("plan_id", "Mã kế hoạch", "Plan id", "text", width=16, text=KEY, max_len=80,
               help_vi="Mã tự đặt, duy nhất. Bỏ trống thì kế hoạch được nhận biết theo Tỉnh + Số kế hoạch + Năm.",
               help_en="Your own unique id. Blank: the plan is identified by Province + Plan number + Year."),
        Column("number", "Số kế hoạch", "Plan number", "text", width=18, text=KEY, max_len=50, help_vi="Ví dụ 80/KH-BCĐCCHC.",
               help_en="E.g. 80/KH-BCĐCCHC."),
        Column("issued_on", "Ngày ban hành", "Issued on", "date", width=12, help_vi=DATE_HELP_VI, help_en=DATE_HELP_EN),
        Column("issuer", "Cơ quan ban hành", "Issuer", "text", required=True, width=30, max_len=300,
               help_vi="Ví dụ Ban Chỉ đạo cải cách hành chính tỉnh Lạng Sơn.", help_en="E.g. the provincial PAR Steering Committee."),
        _province(),
        _year(),
        Column("title", "Tên kế hoạch", "Title", "text", required=True, width=40, max_len=500),
    ) + _SOURCE_COLUMNS,
        "Kế hoạch kiểm tra cải cách hành chính: mỗi dòng một kế hoạch.", "PAR inspection plans: one row per plan.",
        keys=("plan_id",)),
    Sheet("inspections", "inspection", "Đoàn kiểm tra", "Inspections", (
        Column("inspection_id", "Mã đoàn kiểm tra", "Inspection id", "text", required=True, width=22, text=KEY,
               help_vi="Mã tự đặt, duy nhất (ví dụ LS-2024-CAOLOC); các trang khác dùng mã này.",
               help_en="Your own unique id (e.g. LS-2024-CAOLOC); the other sheets refer to it."),
        Column("plan_id", "Mã kế hoạch", "Plan id", "text", width=16, text=KEY, max_len=80,
               help_vi="Mã hoặc số của kế hoạch (trang Kế hoạch hoặc đã có trong cơ sở dữ liệu); không bắt buộc.",
               help_en="The plan's id or number (Plans sheet or already in the database); optional."),
        _province(),
        _year(),
        Column("team_label", "Tên đoàn", "Team", "text", required=True, width=30, help_vi="Ví dụ Đoàn kiểm tra số 1.",
               help_en="E.g. Đoàn kiểm tra số 1."),
        Column("leader_name", "Trưởng đoàn", "Team leader", "text", width=20),
        Column("leader_title", "Chức vụ trưởng đoàn", "Leader's title", "text", width=30, max_len=300),
        Column("started_on", "Từ ngày", "Started on", "date", width=12,
               help_vi=DATE_HELP_VI + " Ghi ngày bắt đầu hoặc ngày công bố dự thảo kết quả.",
               help_en=DATE_HELP_EN + " Give the start date or the draft-result date."),
        Column("ended_on", "Đến ngày", "Ended on", "date", width=12, help_vi=DATE_HELP_VI + " Không trước Từ ngày.",
               help_en=DATE_HELP_EN + " Not before the start date."),
        Column("field_days", "Số ngày kiểm tra thực tế", "Field days", "int", width=10, low=0, high=366, help_vi="Số ngày.",
               help_en="Days."),
        Column("announced_on", "Ngày công bố dự thảo kết quả", "Draft result announced on", "date", width=14,
               help_vi=DATE_HELP_VI, help_en=DATE_HELP_EN),
    ) + _SOURCE_COLUMNS,
        "Các đoàn kiểm tra: mỗi dòng một đoàn.", "Inspection teams: one row per team visit.", keys=("inspection_id",)),
    Sheet("inspection_units", "inspection_unit", "Đơn vị được kiểm tra", "Units visited", (
        _inspection_ref(True),
        *_UNIT_COLUMNS,
        Column("visited_on", "Ngày kiểm tra", "Visited on", "date", width=12, help_vi=DATE_HELP_VI, help_en=DATE_HELP_EN),
        Column("what_checked", "Nội dung kiểm tra", "What was checked", "text", width=30, text=LONG, max_len=1000,
               help_vi="Ví dụ UBND huyện và Bộ phận một cửa.", help_en="E.g. UBND huyện và Bộ phận một cửa."),
    ), "Các đơn vị mỗi đoàn đến kiểm tra: mỗi dòng một đơn vị.", "Units each team visited: one row per unit.",
        has_units=True, has_source=False, keys=("inspection_id", "unit_id")),
    Sheet("findings", "finding", "Phát hiện", "Findings", (
        Column("finding_id", "Mã phát hiện", "Finding id", "text", width=22, text=KEY, max_len=80,
               help_vi="Mã tự đặt, duy nhất (không bắt buộc; bỏ trống thì nhận biết theo đoàn + đơn vị + loại + nội dung).",
               help_en="Your own unique id (optional; blank: identified by inspection + unit + kind + text)."),
        _inspection_ref(True),
        *_UNIT_COLUMNS,
        Column("area", "Lĩnh vực", "PAR area", "code", choices="areas", width=24, help_vi="A1–A8 (chọn trong danh sách).",
               help_en="A1–A8 (pick from the list)."),
        Column("kind", "Loại", "Kind", "code", required=True, choices="kinds", width=16,
               help_vi="Kết quả, Tồn tại/hạn chế hoặc Kiến nghị.", help_en="Result, Limitation or Recommendation."),
        Column("topic", "Chủ đề (mã)", "Topic (code)", "text", width=16, text=KEY,
               help_vi="Mã ngắn cho loại vấn đề, để nhận ra hạn chế lặp lại (không bắt buộc).",
               help_en="A short code for the kind of issue, to spot recurring limitations (optional)."),
        Column("text", "Nội dung", "Text", "text", required=True, width=60, text=LONG),
        Column("status", "Tình trạng khắc phục", "Remedy status", "code", choices="statuses", width=16,
               help_vi="Chỉ với Tồn tại/hạn chế: Chưa khắc phục, Đang khắc phục, Đã khắc phục.",
               help_en="Limitations only: Open, In progress, Resolved."),
        Column("status_on", "Ngày ghi nhận tình trạng", "Status as of", "date", width=12, help_vi=DATE_HELP_VI,
               help_en=DATE_HELP_EN),
        Column("resolved_on", "Ngày khắc phục xong", "Resolved on", "date", width=12,
               help_vi=DATE_HELP_VI + " Bắt buộc khi Đã khắc phục.", help_en=DATE_HELP_EN + " Required when Resolved."),
        Column("follows_up_id", "Theo dõi phát hiện (mã)", "Follows up finding (id)", "text", width=22, text=KEY, max_len=80,
               help_vi="Mã phát hiện của lần kiểm tra trước mà phát hiện này theo dõi (không bắt buộc).",
               help_en="The id of an earlier inspection's finding this one follows up (optional)."),
        *_FOLLOWUP_COLUMNS,
    ) + _SOURCE_COLUMNS,
        "Kết quả, tồn tại/hạn chế và kiến nghị của đoàn kiểm tra: mỗi dòng một phát hiện.",
        "Results, limitations and recommendations: one row per finding.", has_units=True, keys=("finding_id",)),
    Sheet("indicator_values", "indicator_value", "Giá trị chỉ tiêu", "Indicator values", (
        *_UNIT_COLUMNS,
        Column("indicator", "Mã chỉ tiêu", "Indicator code", "code", required=True, choices="indicators", width=24,
               help_vi="Mã chỉ tiêu (xem trang Danh mục: tên, đơn vị đo, khoảng giá trị).",
               help_en="Indicator code (see the Lists sheet: names, units, value ranges)."),
        _year(),
        Column("period", "Kỳ", "Period", "code", choices="periods", width=10,
               help_vi="Y (cả năm, mặc định), Q1–Q4, M01–M12 hoặc to-date (từ đầu năm đến thời điểm báo cáo).",
               help_en="Y (the year, default), Q1–Q4, M01–M12 or to-date (year to the reporting day)."),
        Column("value", "Giá trị", "Value", "num", required=True, width=10,
               help_vi="Số (dấu phẩy hoặc dấu chấm thập phân). Tỷ lệ %: 0–100; số lượng: số nguyên 0–1.000.000.000; "
                       "số ngày: 0–1.000.000 (xem trang Danh mục).",
               help_en="A number. Percentages 0–100; counts: whole numbers 0–1,000,000,000; days: 0–1,000,000 "
                       "(see the Lists sheet)."),
        _inspection_ref(False),
    ) + _SOURCE_COLUMNS,
        "Giá trị chỉ tiêu tác nghiệp của đơn vị: mỗi dòng một chỉ tiêu, năm và kỳ.",
        "Operational indicator values: one row per unit, indicator, year and period.", has_units=True,
        keys=("unit_id", "indicator_code", "year", "period")),
    Sheet("targets", "target", "Mục tiêu", "Targets", (
        Column("indicator", "Mã chỉ tiêu", "Indicator code", "code", required=True, choices="indicators", width=24),
        _province(),
        _year(),
        Column("value", "Mục tiêu", "Target", "num", required=True, width=10,
               help_vi="Mục tiêu tỉnh giao, cùng đơn vị đo với chỉ tiêu.", help_en="The province's target, in the indicator's unit."),
    ) + _SOURCE_COLUMNS,
        "Mục tiêu tỉnh giao cho từng chỉ tiêu và năm.", "Provincial targets per indicator and year.",
        keys=("indicator_code", "province_id", "year")),
    Sheet("scores", "score", "Điểm số", "Scores", (
        *_UNIT_COLUMNS,
        _year(),
        Column("family", "Bộ chỉ số", "Index family", "code", required=True, choices="families", width=14,
               help_vi="PAR_INDEX, SIPAS, SI766, PAPI, PCI.", help_en="PAR_INDEX, SIPAS, SI766, PAPI, PCI."),
        Column("area", "Lĩnh vực", "PAR area", "code", choices="score_areas", width=24,
               help_vi="TOTAL (điểm tổng, mặc định) hoặc A1–A8.", help_en="TOTAL (the total, default) or A1–A8."),
        Column("score", "Điểm", "Score", "num", width=10,
               help_vi="Điểm hoặc tỷ lệ theo thang của bộ chỉ số. Ghi Điểm hoặc Thứ hạng (hoặc cả hai).",
               help_en="Score on the index's scale. Give a score or a rank (or both)."),
        Column("published_rank", "Thứ hạng công bố", "Published rank", "int", width=10, low=1, high=MAX_RANK),
        Column("rank_of", "Trên tổng số", "Rank of", "int", width=10, low=1, high=MAX_RANK),
        Column("tier", "Xếp loại", "Tier", "text", width=10, max_len=100, help_vi="Ví dụ tốt, khá.", help_en="E.g. tốt, khá."),
        Column("note", "Ghi chú", "Note", "text", width=30, text=LONG, max_len=1000),
    ) + _SOURCE_COLUMNS + (
        Column("rank_source", "Nguồn thứ hạng", "Rank source", "text", width=24, max_len=500,
               help_vi="Nguồn của thứ hạng/xếp loại, nếu khác Nguồn của điểm.",
               help_en="Where the rank/tier comes from, if not the score's source."),
        Column("rank_source_url", "Đường dẫn nguồn thứ hạng", "Rank source URL", "text", width=20, text=KEY, max_len=2000),
    ),
        "Điểm số các bộ chỉ số (PAR INDEX, SIPAS, PAPI, PCI...) theo đơn vị và năm.",
        "Index scores (PAR INDEX, SIPAS, PAPI, PCI...) per unit and year.", has_units=True,
        keys=("unit_id", "year", "family_code", "area_code")),
)

SHEET_BY_KEY = {s.key: s for s in SHEETS}
README_TITLES = ("Hướng dẫn", "README")
LISTS_TITLES = ("Danh mục", "Lists")
ERRORS_TITLES = ("Lỗi", "Errors")

LEVELS = {"province": ("Tỉnh", "Province"), "district": ("Huyện", "District"), "commune": ("Xã", "Commune"),
          "department": ("Sở", "Department")}
KINDS = {"result": ("Kết quả", "Result"), "limitation": ("Tồn tại, hạn chế", "Limitation"),
         "recommendation": ("Kiến nghị", "Recommendation")}
STATUSES = {"open": ("Chưa khắc phục", "Open"), "in_progress": ("Đang khắc phục", "In progress"),
            "resolved": ("Đã khắc phục", "Resolved")}
FOLLOWUP_STATUSES = {**STATUSES, "not_feasible": ("Không thực hiện được", "Not feasible")}
PERIODS = ("Y", "Q1", "Q2", "Q3", "Q4", *(f"M{m:02d}" for m in range(1, 13)), "to-date")
YES = ("có", "yes")
STRUCTURE_CODES = ("S63", "S34")


@dataclass(frozen=True)
class Catalogue:
    """The codes a file may use: PAR areas, index families, indicators (with their ranges)."""

    areas: pd.DataFrame  # area_code, number, name_vi, name_en, short_vi, short_en
    families: pd.DataFrame  # family_code, name_vi, name_en
    indicators: pd.DataFrame  # indicator_code, family_code, area_code, name_vi, name_en, unit, min_value, max_value

    @classmethod
    def from_db(cls, con) -> Catalogue:
        return cls(con.execute("SELECT area_code, number, name_vi, name_en, short_vi, short_en FROM par_area ORDER BY number").df(),
                   con.execute("SELECT family_code, name_vi, name_en FROM index_family ORDER BY family_code").df(),
                   con.execute("SELECT indicator_code, family_code, area_code, name_vi, name_en, unit, min_value, max_value "
                               "FROM indicator ORDER BY indicator_code").df())

    @classmethod
    def from_seed(cls) -> Catalogue:
        def read(name):
            return pd.read_csv(SEED_DIR / name, keep_default_na=False)

        ind = read("indicators.csv").replace("", None)
        for col in ("min_value", "max_value"):
            ind[col] = pd.to_numeric(ind[col])
        return cls(read("par_areas.csv"), read("index_families.csv"), ind.sort_values("indicator_code"))

    def area_label(self, code: str | None, lang: str) -> str | None:
        if code is None:
            return None
        if code == "TOTAL":
            return "TOTAL – " + t("total", lang)
        row = self.areas[self.areas.area_code == code]
        return f"{code} – {row.iloc[0]['short_' + lang]}" if len(row) else code

    def lists(self, lang: str) -> dict[str, list[str]]:
        areas = [self.area_label(c, lang) for c in self.areas.area_code]
        return {
            "areas": areas,
            "score_areas": [self.area_label("TOTAL", lang), *areas],
            "indicators": list(self.indicators.indicator_code),
            "families": list(self.families.family_code),
            "kinds": [pick(*v, lang) for v in KINDS.values()],
            "statuses": [pick(*v, lang) for v in STATUSES.values()],
            "followup_statuses": [pick(*v, lang) for v in FOLLOWUP_STATUSES.values()],
            "levels": [pick(*v, lang) for v in LEVELS.values()],
            "structures": list(STRUCTURE_CODES),
            "periods": list(PERIODS),
            "yes": [pick(*YES, lang)],
        }


# An indicator's values where the catalogue (data/seed/indicators.csv) states no bound of its own: a percentage is
# 0–100; a count a whole number from 0 to a billion (no unit handles that many dossiers or tasks in a year); days
# 0 to a million; any other unit within ±10^12. So no value is ever 1e308, and none infinite or not a number.
UNIT_RANGES = {"%": (0.0, 100.0), "count": (0.0, 1e9), "days": (0.0, 1e6)}
WHOLE_UNITS = frozenset({"count"})
VALUE_LIMIT = 1e12


def value_range(indicator: dict) -> tuple[float, float, bool]:
    """(lowest, highest, whole numbers only) for a row of the indicator catalogue."""
    unit = indicator["unit"]
    default_lo, default_hi = UNIT_RANGES.get(unit, (-VALUE_LIMIT, VALUE_LIMIT))
    lo, hi = indicator["min_value"], indicator["max_value"]
    lo = default_lo if lo is None or pd.isna(lo) else float(lo)
    hi = default_hi if hi is None or pd.isna(hi) else float(hi)
    return max(lo, -VALUE_LIMIT), min(hi, VALUE_LIMIT), unit in WHOLE_UNITS


def label(mapping: dict[str, tuple[str, str]], code: str | None, lang: str) -> str | None:
    return None if code is None else pick(*mapping[code], lang)


# ---------------------------------------------------------------------------------------------- writing

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
_ERROR_FILL = PatternFill("solid", fgColor="FDE2E1")
# The control characters a worksheet cannot hold (openpyxl refuses them): a line break of another kind (vertical
# tab, form feed: what Word's Shift+Enter pastes) becomes a space, the others go. The importer would remove them
# from a name all the same (importing/cells.py); only a draft or a quarantined row can bring one here.
_BREAK_CONTROLS = re.compile("[\x0b\x0c\x1c-\x1f]")


def _text_cell(ws, value):
    """A value, or a cell that is text even when it starts like a formula (=, +, -, @, ＝…): never evaluated by
    Excel, and kept as typed (quotePrefix, no added apostrophe), so the file imports back unchanged."""
    if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", _BREAK_CONTROLS.sub(" ", value))
    if formula_like(value):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def _date_cell(ws, value):
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    return _text_cell(ws, value)


def write_workbook(rows: dict[str, Iterable[dict]], *, lang: str, catalogue: Catalogue, note: tuple[str, str] = ("", ""),
                   error_column: bool = False) -> bytes:
    """The template workbook: README, one sheet per record type (headers, drop-downs, the given rows as values
    keyed by column key), and the lists sheet the drop-downs read; `note` (vi, en): a line of the README. With `error_column`, each sheet ends with a
    column holding the record's "_errors" text (the importer ignores it, with a notice)."""
    wb = Workbook(write_only=True)
    strings: dict[bytes, int] = {}  # the shared strings: each distinct text once, numbered in order of appearance
    sheet_data: list[_SheetData] = []
    lists = catalogue.lists(lang)
    _readme(wb.create_sheet(pick(*README_TITLES, lang)), lang, pick(*note, lang))
    list_ranges = _lists_sheet_ranges(lists, lang)
    for sheet in SHEETS:
        ws = wb.create_sheet(sheet.title(lang))
        for i, col in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = col.width
        ws.freeze_panes = "A2"
        header = []
        for col in sheet.columns:
            cell = WriteOnlyCell(ws, value=col.header(lang))
            cell.font = Font(bold=True)
            cell.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            header.append(cell)
        if error_column:
            cell = WriteOnlyCell(ws, value=pick(*ERRORS_TITLES, lang))
            cell.font = Font(bold=True, color="B42318")
            header.append(cell)
            ws.column_dimensions[get_column_letter(len(header))].width = 80
        ws.append(header)
        data = _SheetData(ws, sheet, strings, error_column)
        n = data.write(rows.get(sheet.key, ()))
        sheet_data.append(data)
        last = max(n + 500, 1000)
        for i, col in enumerate(sheet.columns, start=1):
            if col.choices:
                dv = DataValidation(type="list", formula1=list_ranges[col.choices], allow_blank=True,
                                    showErrorMessage=False)
            elif col.kind == "text" or col.low is not None:
                dv = _limit_validation(col, lang)
            else:
                continue
            dv.add(f"{get_column_letter(i)}2:{get_column_letter(i)}{last}")
            ws.data_validations.append(dv)
    _lists_sheet(wb.create_sheet(pick(*LISTS_TITLES, lang)), lists, lang, catalogue)
    buf = io.BytesIO()
    wb.save(buf)
    return _assemble(buf.getvalue(), {d.ws.path.lstrip("/"): d for d in sheet_data}, strings)


def _limit_validation(col: Column, lang: str) -> DataValidation:
    """Excel itself stops a text longer than the column takes, or a whole number outside its range, as it is typed
    (the importer checks again: a pasted or generated cell escapes Excel's check)."""
    if col.kind == "text":
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(col.max_chars), allow_blank=True,
                            showErrorMessage=True)
    else:
        dv = DataValidation(type="whole", operator="between", formula1=str(col.low), formula2=str(col.high), allow_blank=True,
                            showErrorMessage=True)
    dv.error = col.limits(lang)
    dv.errorTitle = pick(col.vi, col.en, lang)[:32]  # Excel's limit for the title
    return dv


_LIST_ORDER = ("areas", "score_areas", "indicators", "families", "kinds", "statuses", "levels", "structures", "periods", "yes",
               "followup_statuses")  # (new lists last: the earlier ones keep their columns)


def _lists_sheet_ranges(lists: dict[str, list[str]], lang: str) -> dict[str, str]:
    title = pick(*LISTS_TITLES, lang)
    out = {}
    for i, name in enumerate(_LIST_ORDER, start=1):
        letter = get_column_letter(2 * i - 1)
        out[name] = f"'{title}'!${letter}$2:${letter}${1 + len(lists[name])}"
    return out


_LIST_HEADS = {"areas": "imp_list_areas", "score_areas": "imp_list_score_areas", "indicators": "imp_list_indicators",
               "families": "imp_list_families", "kinds": "imp_list_kinds", "statuses": "imp_list_statuses",
               "followup_statuses": "imp_list_followup_statuses", "levels": "imp_list_levels",
               "structures": "imp_list_structures", "periods": "imp_list_periods", "yes": "imp_list_yes"}


def _lists_sheet(ws, lists: dict[str, list[str]], lang: str, catalogue: Catalogue) -> None:
    """Each list in a column (its drop-down reads it), with names beside the codes."""
    names = {
        "indicators": [f"{r['name_' + lang]} ({r['unit']}, {_range(r, lang)})" for r in catalogue.indicators.to_dict("records")],
        "families": list(catalogue.families["name_" + lang]),
        "areas": list(catalogue.areas["name_" + lang]),
        "score_areas": [t("imp_list_total_score", lang), *catalogue.areas["name_" + lang]],
    }
    header = []
    for name in _LIST_ORDER:
        header += [t(_LIST_HEADS[name], lang), t("imp_list_names", lang)]
    ws.append(header)
    depth = max(len(v) for v in lists.values())
    for r in range(depth):
        row = []
        for name in _LIST_ORDER:
            values, descr = lists[name], names.get(name, [])
            row += [values[r] if r < len(values) else None, descr[r] if r < len(descr) else None]
        ws.append(row)
    for i in range(1, 2 * len(_LIST_ORDER) + 1):
        ws.column_dimensions[get_column_letter(i)].width = 22 if i % 2 else 40


def _range(indicator: dict, lang: str) -> str:
    lo, hi, whole = value_range(indicator)
    text = f"{_num(lo, lang)}–{_num(hi, lang)}"
    return t("imp_template_whole_numbers", lang, range=text) if whole else text


def _num(x: float, lang: str) -> str:
    if x.is_integer():
        return group(x, lang)
    return with_decimal_symbol(f"{x:g}", lang)


_KIND_LABELS = {"text": "imp_kind_text", "int": "imp_kind_int", "num": "imp_kind_num", "date": "imp_kind_date",
                "year": "imp_kind_year", "code": "imp_kind_code"}


def _readme(ws, lang: str, note: str) -> None:
    ws.column_dimensions["A"].width = 26
    ws.column_dimensions["B"].width = 34
    ws.column_dimensions["C"].width = 12
    ws.column_dimensions["D"].width = 90
    ws.append([WriteOnlyCell(ws, value=t("imp_readme_title", lang))])
    ws.append([t("imp_readme_sheets", lang)])
    ws.append([t("imp_readme_formats", lang)])
    if note:
        ws.append([note])
    ws.append([])
    cells = []
    for key in ("imp_col_sheet", "imp_col_column", "imp_readme_required", "imp_readme_content"):
        c = WriteOnlyCell(ws, value=t(key, lang))
        c.font = Font(bold=True)
        c.fill = _HEADER_FILL
        cells.append(c)
    ws.append(cells)
    for sheet in SHEETS:
        c = WriteOnlyCell(ws, value=sheet.title(lang))
        c.font = Font(bold=True)
        ws.append([c, None, None, pick(sheet.help_vi, sheet.help_en, lang)])
        for col in sheet.columns:
            required = pick(*YES, lang) if col.required else ""
            if sheet.has_units and col.key in ("unit_id", "unit_name") and sheet.key != "findings":
                required = t("imp_readme_id_or_name", lang)
            text = pick(col.help_vi, col.help_en, lang)
            described = text if col.kind == "date" and text else f"{t(_KIND_LABELS[col.kind], lang)}. {text}".strip()
            ws.append([None, col.header(lang), required, f"{described} {col.limits(lang)}".strip()])


# ---------------------------------------------------------------------------------------------- template

def template_workbook(lang: str = "vi", catalogue: Catalogue | None = None) -> bytes:
    """The empty template with a few real example rows (Lạng Sơn 2024 inspection reports; a published PAPI score)."""
    return write_workbook(example_rows(lang), lang=lang, catalogue=catalogue or Catalogue.from_seed())


# The example units by name, as a person would write them; tests check each resolves to the id in the report.
EXAMPLE_UNIT_NAMES = {
    "S63-D-183": ("Cao Lộc", "district", "Lạng Sơn"),
    "S63-C-06223": ("Hòa Cư", "commune", "Lạng Sơn"),
    "S63-D-182": ("Văn Lãng", "district", "Lạng Sơn"),
    "S63-P-46": ("Thừa Thiên Huế", "province", None),  # named Thành phố Huế in the unit list: given with its GSO code
}
_EXAMPLE_PROVINCE = "Lạng Sơn"


def example_rows(lang: str = "vi") -> dict[str, list[dict]]:
    """1–3 rows per sheet, taken from the transcribed Lạng Sơn 2024 reports in data/reports."""
    cao_loc = tomllib.loads((REPORTS_DIR / "seed_langson_2024_caoloc.toml").read_text(encoding="utf-8"))
    kh80 = tomllib.loads((REPORTS_DIR / "seed_langson_2024_vanlang_trangdinh_bacson.toml").read_text(encoding="utf-8"))
    cat = Catalogue.from_seed()

    def unit(uid: str) -> dict:
        name, level, province = EXAMPLE_UNIT_NAMES[uid]
        return {"unit_name": name, "unit_level": label(LEVELS, level, lang), "unit_province": province}

    def src(doc) -> dict:
        return {"source": doc["source"]["title"], "source_url": doc["source"].get("url")}

    plan = kh80["plans"][0]
    rows: dict[str, list[dict]] = {"plans": [{**{k: plan[k] for k in ("plan_id", "number", "issued_on", "issuer", "year", "title")},
                                              "province": _EXAMPLE_PROVINCE, **src(kh80)}]}
    insp = []
    for doc, i in ((cao_loc, cao_loc["inspections"][0]), (kh80, kh80["inspections"][0])):
        insp.append({**{k: i.get(k) for k in ("inspection_id", "plan_id", "year", "team_label", "leader_name", "leader_title",
                                              "started_on", "ended_on", "field_days", "announced_on")},
                     "province": _EXAMPLE_PROVINCE, **src(doc)})
    rows["inspections"] = insp
    rows["inspection_units"] = [
        {"inspection_id": "LS-2024-CAOLOC", **unit("S63-D-183"), "visited_on": dt.date(2024, 6, 17),
         "what_checked": cao_loc["inspections"][0]["units"][2]["what_checked"]},
        {"inspection_id": "LS-2024-CAOLOC", **unit("S63-C-06223"), "visited_on": dt.date(2024, 6, 17),
         "what_checked": cao_loc["inspections"][0]["units"][1]["what_checked"]},
        {"inspection_id": "LS-2024-KH80-VANLANG", **unit("S63-D-182"), "visited_on": dt.date(2024, 6, 24),
         "what_checked": kh80["inspections"][0]["units"][0]["what_checked"]},
    ]
    by_id = {f["id"]: f for f in cao_loc["findings"] + kh80["findings"]}
    findings = []
    for fid, iid, doc in (("LS-2024-CAOLOC-R2", "LS-2024-CAOLOC", cao_loc), ("LS-2024-CAOLOC-L1", "LS-2024-CAOLOC", cao_loc),
                          ("LS-2024-KH80-VANLANG-K1", "LS-2024-KH80-VANLANG", kh80)):
        f = by_id[fid]
        status = f.get("status")
        findings.append({"finding_id": None, "inspection_id": iid, **unit(f["unit"]), "area": cat.area_label(f["area"], lang),
                         "kind": label(KINDS, f["kind"], lang), "text": f["text"], "status": label(STATUSES, status, lang),
                         "status_on": dt.date(2024, 6, 17) if status else None, **src(doc)})
    rows["findings"] = findings
    values = {v["indicator"]: v for v in cao_loc["indicator_values"]}
    rows["indicator_values"] = [{**unit("S63-D-183"), "indicator": code, "year": 2024, "period": values[code]["period"],
                                 "value": values[code]["value"], "inspection_id": "LS-2024-CAOLOC", **src(cao_loc)}
                                for code in ("OPS_ONTIME_PCT", "OPS_ONLINE_DVC_PCT")]
    target = cao_loc["targets"][0]
    rows["targets"] = [{"indicator": target["indicator"], "province": _EXAMPLE_PROVINCE, "year": target["year"], "value": target["value"],
                        **src(cao_loc)}]
    # No Lạng Sơn score is published in data/; the example is Thừa Thiên Huế's published PAPI 2023 total.
    rows["scores"] = [{**unit("S63-P-46"), "unit_code": "46", "unit_province": None, "year": 2023, "family": "PAPI",
                       "area": cat.area_label("TOTAL", lang), "score": 46.0415, "published_rank": 1,
                       "note": "~19,500 respondents; 15 top-group provinces", "source": "PAPI 2023 (nvsk.vnanet.vn)",
                       "source_url": "https://nvsk.vnanet.vn/print/infographics-papi-2023-thua-thien-hue-dat-diem-chi-so-cao-nhat-144407.vna"}]
    return rows


# ---------------------------------------------------------------------------------------------- export

_EXPORT_SQL = {
    # Every row of each record type, with its unit's names and its source, keyed by the template's column keys.
    # {real} is "" or a condition keeping real rows only.
    "plans": """
        SELECT p.plan_id, p.number, p.issued_on, p.issuer, p.province_id AS province, p.year, p.title,
               s.kind AS source_kind, s.title AS source, s.url AS source_url
        FROM inspection_plan p JOIN source s USING (source_id) {real} ORDER BY p.plan_id""",
    "inspections": """
        SELECT i.inspection_id, i.plan_id, i.province_id AS province, i.year, i.team_label, i.leader_name, i.leader_title,
               i.started_on, i.ended_on, i.field_days, i.announced_on,
               s.kind AS source_kind, s.title AS source, s.url AS source_url
        FROM inspection i JOIN source s USING (source_id) {real} ORDER BY i.inspection_id""",
    "inspection_units": """
        SELECT iu.inspection_id, iu.unit_id, iu.visited_on, iu.what_checked
        FROM inspection_unit iu JOIN inspection i USING (inspection_id) JOIN source s ON s.source_id = i.source_id {real}
        ORDER BY iu.inspection_id, iu.unit_id""",
    "findings": """
        SELECT f.finding_id, f.inspection_id, f.unit_id, f.area_code AS area, f.kind, f.topic, f.text, f.status,
               f.status_on, f.resolved_on, f.follows_up_id, ff.deadline, ff.responsible, ff.status AS followup_status,
               ff.evidence_text, ff.evidence_number, ff.evidence_date, ff.checked_on,
               s.kind AS source_kind, s.title AS source, s.url AS source_url
        FROM finding f JOIN source s ON s.source_id = f.source_id LEFT JOIN finding_followup ff USING (finding_id) {real}
        ORDER BY f.finding_id""",
    "indicator_values": """
        SELECT v.unit_id, v.indicator_code AS indicator, v.year, v.period, v.value, v.inspection_id,
               s.kind AS source_kind, s.title AS source, s.url AS source_url
        FROM indicator_value v JOIN source s USING (source_id) {real} ORDER BY ALL""",
    "targets": """
        SELECT t.indicator_code AS indicator, t.province_id AS province, t.year, t.target_value AS value,
               s.kind AS source_kind, s.title AS source, s.url AS source_url
        FROM target t JOIN source s USING (source_id) {real} ORDER BY ALL""",
    "scores": """
        SELECT c.unit_id, c.year, c.family_code AS family, c.area_code AS area, c.score, c.published_rank, c.rank_of,
               c.tier, c.note, s.kind AS source_kind, s.title AS source, s.url AS source_url,
               r.title AS rank_source, r.url AS rank_source_url, c.source_id = c.rank_source_id AS rank_same_source
        FROM score c JOIN source s USING (source_id) LEFT JOIN source r ON r.source_id = c.rank_source_id {real}
        ORDER BY c.unit_id, c.year, c.family_code, c.area_code""",
}
_REAL_ONLY = "WHERE s.kind <> 'synthetic_demo'"


def export_rows(con, lang: str = "vi", *, include_demo: bool = True) -> dict[str, Iterator[dict]]:
    """The database's inspection data, scores, targets and indicator values as template rows (without the
    synthetic demo rows when `include_demo` is false)."""
    cat = Catalogue.from_db(con)
    units = con.execute("""
        SELECT u.unit_id, u.name, u.structure, u.level, p.name AS province, CASE WHEN d.level = 'district' THEN d.name END AS district
        FROM admin_unit u LEFT JOIN admin_unit p ON p.unit_id = u.province_id LEFT JOIN admin_unit d ON d.unit_id = u.parent_id
    """).fetchall()  # tuples, not a DataFrame: pandas turns a missing district into NaN, a number cell in the sheet
    unit_cols = {uid: {"unit_id": uid, "unit_name": name, "unit_level": label(LEVELS, level, lang),
                       "unit_province": province if level != "province" else None,
                       "unit_district": district, "structure": structure}
                 for uid, name, structure, level, province, district in units}
    area = {c: cat.area_label(c, lang) for c in [*cat.areas.area_code, "TOTAL"]}

    def rows(key: str) -> Iterator[dict]:
        cur = con.cursor()
        try:
            cur.execute(_EXPORT_SQL[key].format(real="" if include_demo else _REAL_ONLY))
            names = [d[0] for d in cur.description]
            while batch := cur.fetchmany(5000):
                for values in batch:
                    r = dict(zip(names, values, strict=True))
                    if "unit_id" in r and r["unit_id"] is not None:
                        r.update(unit_cols[r["unit_id"]])
                    if "area" in r:
                        r["area"] = area.get(r["area"], r["area"])
                    if key == "findings":
                        r["kind"] = label(KINDS, r["kind"], lang)
                        r["status"] = label(STATUSES, r["status"], lang)
                        r["followup_status"] = label(FOLLOWUP_STATUSES, r["followup_status"], lang)
                    if "source_kind" in r:
                        r["demo"] = pick(*YES, lang) if r.pop("source_kind") == "synthetic_demo" else None
                    if key == "scores" and r.pop("rank_same_source"):
                        r["rank_source"] = r["rank_source_url"] = None  # same as the score's source: said once
                    yield r
        finally:
            cur.close()

    return {s.key: rows(s.key) for s in SHEETS}


def export_workbook(con, lang: str = "vi", *, include_demo: bool = True) -> bytes:
    """All inspection data, scores, targets and indicator values in the template's shape: importing this file
    into a database with the same units and catalogue but no facts gives the same content. The whole database
    (about 275,000 rows, mostly demo indicator values) takes a minute and some 12 MB; without the demo rows
    (`include_demo=False`: the real reports, published scores and imports) it is small and quick."""
    note = both("imp_export_note", day=f"{dt.date.today():%d/%m/%Y}")
    return write_workbook(export_rows(con, lang, include_demo=include_demo), lang=lang, catalogue=Catalogue.from_db(con), note=note)


# ---------------------------------------------------------------------------------------------- assembling

_INLINE_STRING = re.compile(rb'<c ([^>]*?)t="inlineStr"([^>]*)><is><t(?: xml:space="preserve")?>(.*?)</t></is></c>', re.S)
_SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
_SST_REL = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
_SHEET_DATA_END = b"</sheetData>"


def _assemble(data: bytes, sheet_data: dict[str, _SheetData], index: dict[bytes, int]) -> bytes:
    """The workbook openpyxl wrote (README, headers, drop-downs, lists) with each sheet's data rows put in, and its
    text in a shared table as Excel itself keeps it: each distinct text once (a source title repeated on 200,000
    rows is stored once), so the file is several times smaller and reads several times faster. openpyxl writes
    every text cell inline; the few it wrote here are moved into the table `index` the data rows already use."""

    def shared(m: re.Match) -> bytes:
        i = index.setdefault(m.group(3), len(index))
        return b"<c " + m.group(1) + b't="s"' + m.group(2) + b"><v>" + str(i).encode() + b"</v></c>"

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                body = _INLINE_STRING.sub(shared, body)
                rows = sheet_data.get(item.filename)
                if rows is not None and rows.chunks:
                    # The sheet's size, as Excel writes it: without it openpyxl's read-only mode (the importer's)
                    # parses the whole sheet once more just to find it is not there.
                    body = body.replace(b"</sheetPr>", b'</sheetPr><dimension ref="' + rows.dimension.encode() + b'"/>', 1)
                    end = body.index(_SHEET_DATA_END)  # the header row is there: the data rows follow it
                    with zout.open(item.filename, "w", force_zip64=True) as f:
                        f.write(body[:end])
                        for chunk in rows.chunks:
                            f.write(chunk)
                        f.write(body[end:])
                    rows.chunks.clear()
                    continue
            elif item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + _SST_TYPE
                                    + b'"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                body = body.replace(b"</Relationships>", b'<Relationship Type="' + _SST_REL
                                    + b'" Target="sharedStrings.xml" Id="rIdSharedStrings"/></Relationships>')
            zout.writestr(item.filename, body, compress_type=zipfile.ZIP_DEFLATED)
        sst = io.BytesIO()
        sst.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
                  b'spreadsheetml/2006/main" uniqueCount="' + str(len(index)).encode() + b'">')
        for text in index:
            sst.write(b'<si><t xml:space="preserve">' + text + b"</t></si>")
        sst.write(b"</sst>")
        zout.writestr("xl/sharedStrings.xml", sst.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- data rows

# Texts lxml refuses in XML (a lone surrogate, U+FFFE, U+FFFF): such a cell goes the way openpyxl writes it, which
# raises as it always did.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_FIRST_PLAIN_DAY = dt.date(1900, 3, 1)  # before it openpyxl shifts a serial by Excel's 1900 leap-year day
_MAX_CELL_CHARS = 32_767  # openpyxl cuts a longer text there (Excel's limit)
_UNSEEN = object()


class _CellCollector:
    """What openpyxl's cell writer writes, kept as bytes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, element) -> None:
        self.parts.append(xml_tostring(element))


class _SheetData:
    """A sheet's data rows as worksheet XML, written here rather than cell by cell through openpyxl: an export of
    the whole database is some 3.5 million cells, and openpyxl's cell objects and per-cell XML writer took about
    a minute and a half of the export's time. Each cell reads back exactly as openpyxl would have written it
    (tests/test_import_service.py compares them): a text as a shared string, after _text_cell's cleaning and cut at
    32,767 characters; a whole or decimal number with openpyxl's "%.16g"; a date of a date column as its Excel serial
    with the DD/MM/YYYY format. Anything else (a formula-like text with its quotePrefix, a date in a text column, a
    datetime, a boolean, NaN, the error column) is written by openpyxl itself, one cell at a time."""

    def __init__(self, ws, sheet: Sheet, strings: dict[bytes, int], error_column: bool) -> None:
        self.ws, self.sheet, self.strings, self.error_column = ws, sheet, strings, error_column
        self.chunks: list[bytes] = []
        self.dimension = ""  # the sheet's cells, "A1:X100", once written
        self._text: dict[str, str | None] = {}  # a text -> the rest of its cell's XML (None: openpyxl writes it)
        self._date_style = _date_cell(ws, _FIRST_PLAIN_DAY).style_id  # registers the format in the workbook's styles

    def write(self, records: Iterable[dict]) -> int:
        """Writes the records from row 2 on; the number of the last row."""
        columns = [(get_column_letter(i), c.key, c.kind == "date", i) for i, c in enumerate(self.sheet.columns, start=1)]
        errors = (get_column_letter(len(columns) + 1), len(columns) + 1) if self.error_column else None
        text, date_style, batch, n = self._text, self._date_style, [], 1
        for record in records:
            n += 1
            row = str(n)
            parts = ['<row r="', row, '">']
            for letter, key, is_date, i in columns:
                value = record.get(key)
                if value is None:
                    continue
                kind = type(value)
                rest = None
                if kind is str:
                    rest = text.get(value, _UNSEEN)
                    if rest is _UNSEEN:
                        rest = text[value] = self._text_rest(value)
                    if rest == "":
                        continue
                elif kind is int or kind is float:
                    if value - value == 0:  # not NaN nor infinite
                        rest = f' t="n"><v>{value:.16g}</v></c>'  # as openpyxl's safe_string ("%.16g")
                elif kind is dt.date and is_date and value >= _FIRST_PLAIN_DAY:
                    rest = f' s="{date_style}" t="n"><v>{(value - _EXCEL_EPOCH).days}</v></c>'
                if rest is None:
                    parts.append(self._openpyxl_cell(value, i, n, is_date))
                else:
                    parts += ('<c r="', letter, row, '"', rest)
            if errors is not None:
                parts.append(self._error_cell(record.get("_errors"), errors[1], n))
            parts.append("</row>")
            batch.append("".join(parts))
            if len(batch) == 2000:
                self.chunks.append("".join(batch).encode())
                batch = []
        if batch:
            self.chunks.append("".join(batch).encode())
        self.dimension = f"A1:{get_column_letter(len(columns) + (errors is not None))}{n}"
        return n

    def _text_rest(self, value: str) -> str | None:
        """After `<c r="A2"`, the rest of a text cell's XML, or None when openpyxl must write it."""
        if ILLEGAL_CHARACTERS_RE.search(value):
            value = ILLEGAL_CHARACTERS_RE.sub("", _BREAK_CONTROLS.sub(" ", value))
        value = value[:_MAX_CELL_CHARS]
        if not value:
            return ""  # openpyxl writes an empty text as an empty cell, read back as no value: none here
        if value.startswith("=") or formula_like(value) or _NOT_XML.search(value):
            return None
        escaped = (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
                   .encode())
        i = self.strings.setdefault(escaped, len(self.strings))
        return f' t="s"><v>{i}</v></c>'

    def _openpyxl_cell(self, value, column: int, row: int, is_date: bool) -> str:
        cell = _date_cell(self.ws, value) if is_date else _text_cell(self.ws, value)
        return self._write_cell(cell, column, row)

    def _error_cell(self, value, column: int, row: int) -> str:
        cell = WriteOnlyCell(self.ws, value=value)
        cell.fill = _ERROR_FILL
        return self._write_cell(cell, column, row)

    def _write_cell(self, cell, column: int, row: int) -> str:
        # openpyxl's own cell writer, from a private module: openpyxl has no public way to write one cell's XML. An
        # unusual cell (formula-like text, datetime, boolean, NaN, the error column) goes through it so that it is
        # written exactly as openpyxl writes it; tests/test_export_workbook.py reads every kind back against a
        # workbook written through openpyxl alone, so a change of that module fails a test, not a user's file.
        if not isinstance(cell, Cell):
            cell = WriteOnlyCell(self.ws, value=cell)
        cell.column, cell.row = column, row
        if cell._value is None and not cell.has_style:
            return ""
        out = _CellCollector()
        etree_write_cell(out, self.ws, cell, cell.has_style)
        strings = self.strings

        def shared(m: re.Match) -> bytes:
            i = strings.setdefault(m.group(3), len(strings))
            return b"<c " + m.group(1) + b't="s"' + m.group(2) + b"><v>" + str(i).encode() + b"</v></c>"

        return _INLINE_STRING.sub(shared, b"".join(out.parts)).decode()
