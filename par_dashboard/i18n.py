"""Labels in Vietnamese (default) and English, and number/date formats through Babel."""

from __future__ import annotations

import datetime as dt
import math

from babel.dates import format_date
from babel.numbers import format_decimal

LANGS = ("vi", "en")
_LOCALE = {"vi": "vi_VN", "en": "en_GB"}

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"vi": "Cải cách hành chính — kết quả kiểm tra và chỉ số", "en": "Public administration reform — inspections and indices"},
    "language": {"vi": "Ngôn ngữ", "en": "Language"},
    "structure": {"vi": "Cơ cấu hành chính", "en": "Administrative structure"},
    "structure_S63": {"vi": "63 tỉnh (đến 2024)", "en": "63 provinces (to 2024)"},
    "structure_S34": {"vi": "34 tỉnh (từ 2025)", "en": "34 provinces (from 2025)"},
    "year": {"vi": "Năm", "en": "Year"},
    "family": {"vi": "Bộ chỉ số", "en": "Index"},
    "area": {"vi": "Lĩnh vực", "en": "Area"},
    "total": {"vi": "Tổng", "en": "Total"},
    "page_rankings": {"vi": "Xếp hạng", "en": "Rankings"},
    "demo_label": {"vi": "Dữ liệu mô phỏng", "en": "Synthetic demo data"},
    "demo_notice": {
        "vi": "Ngoài các số liệu đã công bố (có nguồn), số liệu trên trang này được sinh tự động để minh họa và không phải kết quả thật. Số liệu công bố được tô đặc, dữ liệu mô phỏng được tô gạch chéo.",
        "en": "Apart from published figures (with sources), the figures here are generated to illustrate the dashboard and are not real results. Published values are solid, demo values hatched."},
    "published": {"vi": "Công bố", "en": "Published"},
    "inspection_report": {"vi": "Báo cáo kiểm tra", "en": "Inspection report"},
    "import_batch": {"vi": "Dữ liệu nhập", "en": "Imported"},
    "synthetic_demo": {"vi": "Mô phỏng", "en": "Demo"},
    "official_publication": {"vi": "Công bố", "en": "Published"},
    "rankings_title": {"vi": "Xếp hạng {family} năm {year}", "en": "{family} ranking, {year}"},
    "leader": {"vi": "Dẫn đầu", "en": "First"},
    "national_avg": {"vi": "Trung bình cả nước", "en": "National average"},
    "national_avg_published": {"vi": "Trung bình cả nước (công bố)", "en": "National average (published)"},
    "biggest_rise": {"vi": "Tăng nhiều nhất", "en": "Largest rise"},
    "biggest_fall": {"vi": "Giảm nhiều nhất", "en": "Largest fall"},
    "rank": {"vi": "Hạng", "en": "Rank"},
    "province": {"vi": "Tỉnh, thành phố", "en": "Province"},
    "current_province": {"vi": "Thuộc tỉnh (từ 1/7/2025)", "en": "Now part of (from 1/7/2025)"},
    "unit": {"vi": "Đơn vị", "en": "Unit"},
    "ranking_province": {"vi": "Tỉnh đánh giá", "en": "Scored by province"},
    "score": {"vi": "Điểm (%)", "en": "Score (%)"},
    "score_change": {"vi": "± điểm", "en": "± points"},
    "rank_change": {"vi": "± hạng", "en": "± places"},
    "group": {"vi": "Nhóm", "en": "Group"},
    "source": {"vi": "Nguồn", "en": "Source"},
    "group_A": {"vi": "Nhóm A (≥ 90%)", "en": "Group A (≥ 90%)"},
    "group_B": {"vi": "Nhóm B (80–90%)", "en": "Group B (80–90%)"},
    "group_C": {"vi": "Nhóm C (< 80%)", "en": "Group C (< 80%)"},
    "vs_prev": {"vi": "so với {year}", "en": "vs {year}"},
    "no_data": {"vi": "Không có số liệu {what} cho lựa chọn này ({year}). Hãy chọn năm khác hoặc bộ chỉ số khác.",
                "en": "There are no {what} figures for this selection ({year}). Choose another year or index."},
    "partial": {"vi": "Chỉ {n}/{total} tỉnh có số liệu công bố năm {year}: thứ hạng là hạng đã công bố, không tính lại.",
                "en": "Only {n} of {total} provinces have published figures for {year}: ranks are the published ones, not recomputed."},
    "grouped_note": {"vi": "Năm {year} theo cơ cấu 63 tỉnh; các tỉnh cũ được xếp dưới tỉnh mới mà chúng hợp thành từ 1/7/2025.",
                     "en": "{year} used the 63-province structure; old provinces are shown under the province they became part of on 1/7/2025."},
    "s63_ended": {"vi": "Cơ cấu 63 tỉnh kết thúc ngày 30/6/2025: chọn cơ cấu 34 tỉnh để xem năm {year}.",
                  "en": "The 63-province structure ended on 30/6/2025: choose the 34-province structure to see {year}."},
    "within_province": {"vi": "Xếp hạng trong tỉnh", "en": "Ranking within a province"},
    "choose_province": {"vi": "Chọn tỉnh, thành phố", "en": "Choose a province"},
    "districts": {"vi": "Cấp huyện", "en": "Districts"},
    "communes": {"vi": "Cấp xã", "en": "Communes"},
    "departments": {"vi": "Sở, ngành", "en": "Departments"},
    "within_note": {"vi": "Mỗi tỉnh tự đánh giá chỉ số CCHC của các sở, huyện, xã; thứ hạng tính trong tỉnh đã đánh giá.",
                    "en": "Each province scores its own departments, districts and communes; ranks are within the province that scored them."},
    "sources_used": {"vi": "Nguồn số liệu công bố", "en": "Sources of published figures"},
    "data_kinds": {"vi": "Dòng số liệu theo loại nguồn — ", "en": "Data rows by kind of source — "},
    "building": {"vi": "Đang tạo cơ sở dữ liệu lần đầu…", "en": "Building the database for the first time…"},
    "avg_line": {"vi": "TB cả nước {value}", "en": "National avg {value}"},
    "rank_published_note": {"vi": "hạng công bố", "en": "published rank"},
}


def t(key: str, lang: str = "vi", **kw) -> str:
    text = LABELS[key].get(lang) or LABELS[key]["vi"]
    return text.format(**kw) if kw else text


def fmt_num(value, lang: str = "vi", decimals: int = 2) -> str:
    """92.18 -> '92,18' (vi) / '92.18' (en); '—' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    try:
        import pandas as pd

        if pd.isna(value):
            return "—"
    except (TypeError, ValueError):
        pass
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=_LOCALE[lang])


def fmt_signed(value, lang: str = "vi", decimals: int = 2, ascii_minus: bool = False) -> str:
    """+2,08 / −1,14 / 0; '—' when missing. `ascii_minus` for widgets that read the sign (st.metric deltas)."""
    text = fmt_num(value, lang, decimals)
    if text == "—":
        return text
    if float(value) > 0:
        return "+" + text
    return text if ascii_minus else text.replace("-", "−")


def fmt_pct(value, lang: str = "vi", decimals: int = 2) -> str:
    text = fmt_num(value, lang, decimals)
    return text if text == "—" else f"{text} %"


def fmt_date(value: dt.date | None, lang: str = "vi") -> str:
    return "—" if value is None else format_date(value, "dd/MM/yyyy", locale=_LOCALE[lang])


def plotly_separators(lang: str) -> str:
    """Plotly's `layout.separators`: decimal then thousands."""
    return ",." if lang == "vi" else ".,"


def name_col(lang: str) -> str:
    return "name_vi" if lang == "vi" else "name_en"
