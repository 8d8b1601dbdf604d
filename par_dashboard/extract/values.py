"""Vietnamese numbers and dates as reports write them.

Numbers: "99,8%", "2.194.387", "89,58 %", "132 ngàn", "48,6 ngàn", "1,3 nghìn", "2 triệu", "03"; a qualifier
before them ("trên", "gần", "hơn", "khoảng") makes them approximate.
Dates: "ngày 29/5/2024", "Sáng 17/6", "14:32 31/05/2023", "từ ngày 25 - 30/5", "Ngày 03/10 - 06/10/2022",
"từ 13/8 đến 16/8/2024", "29-5-2024", "ngày 29 tháng 5 năm 2024"; a day without a year takes the year given.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MULTIPLIER = {"ngan": 1_000, "nghin": 1_000, "trieu": 1_000_000, "ty": 1_000_000_000}
# On folded text (see text.fold): the number, an optional multiplier word, an optional percent sign.
# A dot before one or two digits is a decimal point ("86.37%", "+6.39%": national news often write them so); before
# three, it groups thousands ("65.040"). A score out of 100 may say so ("87,602/100 điểm"), an area's score out of its
# maximum too ("10,5/14 điểm"; "15/15 xã" is a count).
NUMBER = re.compile(
    r"(?<![\w/.,])(?P<q>(?:tren|gan|hon|khoang|xap xi|chua den|it nhat|toi da)\s+)?"
    r"(?P<n>\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![.\d])|\d+\.\d{1,2}(?![.\d])|\d+(?:,\d+)?)(?P<of>/100(?!\d)|/\d{1,3}(?=\s*diem\b))?"
    r"(?P<m>\s+(?:ngan|nghin|trieu|ty)\b)?(?P<pct>\s*%)?(?P<pts>\s*(?:%\s*)?diem\b)?(?![\w/])")


@dataclass(frozen=True)
class Number:
    value: float
    percent: bool
    approx: bool
    start: int  # in the text the number was found in
    end: int
    qstart: int  # where its qualifier ("trên", "gần") starts, else `start`
    points: bool = False  # a score: "87,54 điểm", "96,17/100 điểm", "90,10% điểm"
    qualifier: str | None = None  # "tren", "gan", … as folded


def parse_number(text: str) -> float:
    """'2.194.387' -> 2194387, '99,8' -> 99.8, '6.192' -> 6192 (a dot groups thousands in Vietnamese), '86.37' ->
    86.37 (a dot before one or two digits is a decimal point)."""
    if re.fullmatch(r"\d+\.\d{1,2}", text):
        return float(text)
    return float(text.replace(".", "").replace(",", "."))


def numbers(folded: str) -> list[Number]:
    out = []
    for m in NUMBER.finditer(folded):
        value = parse_number(m.group("n"))
        if m.group("m"):
            value *= _MULTIPLIER[m.group("m").strip()]
        q = m.group("q")
        points = bool(m.group("pts") or m.group("of"))
        out.append(Number(round(value, 6), bool(m.group("pct")) or points, bool(q), m.start("n"), m.end(), m.start(),
                          points, " ".join(q.split()) if q else None))
    return out


_DAY_MONTH = r"(?P<{p}d>\d{{1,2}})[/\-.](?P<{p}m>\d{{1,2}})(?:[/\-.](?P<{p}y>\d{{4}}))?"
# "từ ngày 25 - 30/5", "ngày 03/10 - 06/10/2022", "từ ngày 12/9 đến 16/9/2022", and days joined by "và" or a comma
# after "ngày" ("trong 2 ngày 5 và 6/3/2020", "ngày 25, 26/10").
_RANGE = re.compile(
    # the first day starts a number: else the "08" of "năm 2008, ngày 1/1 - 2/1" began a match that took the range's
    # first day with it, and the range was read as that one day
    r"(?:tu\s+)?(?:(?P<day_word>ngay)\s+)?(?<![\d/.,])(?P<d1>\d{1,2})(?:[/\-.](?P<m1>\d{1,2}))?(?:[/\-.](?P<y1>\d{4}))?"
    r"\s*(?:-|–|den(?: het)?(?: ngay)?|(?:\s*,\s*\d{1,2}){0,5}\s*(?P<joined>va|,))\s*(?:ngay\s+)?" + _DAY_MONTH.format(p="e"))
_SINGLE = re.compile(r"(?<![\d/])" + _DAY_MONTH.format(p="s") + r"(?![\d/])")
_WORDY = re.compile(r"ngay\s+(?:(?P<d1>\d{1,2})\s+(?:-|–|den(?: het)?(?: ngay)?)\s*)?(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})"
                    r"(?:\s+nam\s+(?P<y>\d{4}))?")  # "ngày 15 tháng 3", "từ ngày 03 đến ngày 06 tháng 10 năm 2022"


@dataclass(frozen=True)
class DateSpan:
    start_date: dt.date
    end_date: dt.date
    start: int
    end: int
    year_given: bool


def _date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def dates(folded: str, default_year: int | None) -> list[DateSpan]:
    """Dates and date ranges in a folded sentence; days without a year take `default_year` (skipped without one)."""
    out: list[DateSpan] = []
    # the characters a date already read covers: asking about a span costs its length, not the number of dates
    covered = bytearray(len(folded))

    def free(a: int, b: int) -> bool:
        return covered.find(1, a, b) < 0

    def take(a: int, b: int) -> None:
        covered[a:b] = b"\x01" * (b - a)

    for m in _RANGE.finditer(folded):
        if m.group("joined") and not m.group("day_word"):
            continue  # "5, 6/3" without "ngày": not a date
        year = int(m.group("ey")) if m.group("ey") else default_year
        if year is None or not (1 <= int(m.group("em")) <= 12):
            continue
        end = _date(year, int(m.group("em")), int(m.group("ed")))
        start_month = int(m.group("m1")) if m.group("m1") else int(m.group("em"))
        start_year = int(m.group("y1")) if m.group("y1") else year
        start = _date(start_year, start_month, int(m.group("d1")))
        if start and end and start <= end and (end - start).days <= 62:
            out.append(DateSpan(start, end, m.start(), m.end(), bool(m.group("ey"))))
            take(m.start(), m.end())
    for m in _WORDY.finditer(folded):
        year = int(m.group("y")) if m.group("y") else default_year
        if year and (d := _date(year, int(m.group("m")), int(m.group("d")))) and free(m.start(), m.end()):
            first = _date(year, int(m.group("m")), int(m.group("d1"))) if m.group("d1") else d
            out.append(DateSpan(first if first and first <= d else d, d, m.start(), m.end(), bool(m.group("y"))))
            take(m.start(), m.end())
    for m in _SINGLE.finditer(folded):
        if not free(m.start(), m.end()):
            continue
        before = folded[max(0, m.start() - 12): m.start()]
        if re.search(r"(quy|muc do|so)\s*$", before):  # "quý I/2020", "mức độ 3/4", "số 80/…" are not dates
            continue
        year = int(m.group("sy")) if m.group("sy") else default_year
        if year is None:
            continue
        if (d := _date(year, int(m.group("sm")), int(m.group("sd")))) is not None:
            out.append(DateSpan(d, d, m.start(), m.end(), bool(m.group("sy"))))
            take(m.start(), m.end())
    return sorted(out, key=lambda x: x.start)


# A date is written with '/', '.' or '-' ("17/9/2013", "17.9.2013", "17-9-2013"), each the same way through.
# A year by its number after "năm", a quarter, a month or a day, or after its lunar name ("Tết Kỷ Hợi 2019", "Quý Mão
# 2023": the ten stems and twelve branches), as a text about the New Year holiday names it.
_YEAR_WORDS = re.compile(r"(?:nam|quy [ivx1-4]+/|thang \d{1,2}[/.\-]|\d{1,2}(?P<sep>[/.\-])\d{1,2}(?P=sep)|"
                         r"\b(?:giap|at|binh|dinh|mau|ky|canh|tan|nham|quy) (?:ty|suu|dan|mao|meo|thin|ngo|mui|than|dau|"
                         r"tuat|hoi))\s*(?P<y>(?:19|20)\d{2})\b")
# What a figure is compared with is not what the report is about: "tăng 0,292 điểm so với năm 2022".
_COMPARED = re.compile(r"\bso voi\b[^,;.()]{0,30}?\b(?:nam\s+)?(?:19|20)\d{2}\b")
_DOC_REF = re.compile(r"(nghi dinh|quyet dinh|thong tu|chi thi|nghi quyet|cong van|luat)\s+(so\s+)?\S*\s*(ngay\s+[\d/]+)?")


def year_votes(folded: str) -> dict[int, float]:
    """Years a sentence speaks of ("năm 2024", "quý I/2020", "tháng 10/2023", "29/5/2024"), weighted: a year named
    with "năm" counts double; one inside a legal document's reference (Nghị định số 61/2018/NĐ-CP ngày 23/4/2018)
    not at all."""
    if re.search(r"\b(se|du kien|phan dau)\b", folded):  # plans for a coming year are not what the report is about
        return {}
    masked = _DOC_REF.sub(lambda m: " " * len(m.group(0)), folded)
    masked = _COMPARED.sub(lambda m: " " * len(m.group(0)), masked)
    votes: dict[int, float] = {}
    for m in _YEAR_WORDS.finditer(masked):
        y = int(m.group("y"))
        votes[y] = votes.get(y, 0) + (2.0 if m.group(0).startswith("nam") else 1.0)
    return votes


_PERIOD = [
    (re.compile(r"quy (i|1)\b"), "Q1"), (re.compile(r"quy (ii|2)\b"), "Q2"), (re.compile(r"quy (iii|3)\b"), "Q3"),
    (re.compile(r"quy (iv|4)\b"), "Q4"), (re.compile(r"6 thang dau nam|sau thang dau nam"), "H1"),
    (re.compile(r"\b3 thang dau nam\b"), "Q1"),
    (re.compile(r"tu dau nam( \d{4})? (den nay|toi nay)"), "YTD"),
]
_MONTH = re.compile(r"\bthang (\d{1,2})\b(?!/\d{1,2}/)")


def period(folded: str) -> str | None:
    """The reporting period a sentence names, if any: Q1..Q4, H1, YTD, M01..M12."""
    for pattern, code in _PERIOD:
        if pattern.search(folded):
            return code
    if (m := _MONTH.search(folded)) and 1 <= int(m.group(1)) <= 12 and "thang dau" not in folded:
        return f"M{int(m.group(1)):02d}"
    return None
