"""What index results say besides a value: ranks, places gained or lost, changes in points, and figures that are
not a unit's value (group averages, thresholds, ranges, other years).

All on the folded sentence (lower case, no diacritics; offsets equal the text's). Each pattern is searched once
over a sentence, or anchored at a position with a bounded reach: nothing here reads a sentence again per match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Numbers written as words, as ranks and places are ("tăng một bậc", "xếp thứ nhì", "vị trí thứ ba").
NUMBER_WORDS = {"mot": 1, "hai": 2, "ba": 3, "bon": 4, "tu": 4, "nam": 5, "sau": 6, "bay": 7, "tam": 8, "chin": 9,
                "muoi": 10, "nhat": 1, "nhi": 2}
_WORD_NUMBER = r"\d{1,3}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))

# "đứng thứ 5", "xếp thứ nhì", "xếp vị trí thứ 8/9", "nằm vị trí số 44", "đứng thứ 51/63", "xếp hạng 10/63",
# "ở vị trí thứ hai".
RANK = re.compile(
    r"\b(?:dung|xep|nam|o|giu|vuon len|len|xep hang)\s+(?:o\s+)?(?:tai\s+)?"
    r"(?:(?:vi tri|thu hang|hang)\s+(?:thu\s+|so\s+)?|thu\s+)(?P<r>" + _WORD_NUMBER + r")\b"
    r"(?:\s*/\s*(?P<of>\d{1,3})\b)?")
# The first place said in words: "đứng đầu", "dẫn đầu", "quán quân", "điểm cao nhất". Not "nhóm 5 địa phương dẫn
# đầu" (a group) nor "tăng cao nhất" (the largest rise).
# "người đứng đầu" (an agency's head) is no first place
FIRST = re.compile(r"(?<!nguoi )\b(?:dung dau|dan dau|xep dau|dung thu nhat|ngoi vi quan quan|diem cao nhat|diem so cao nhat)\b")
_NOT_FIRST = re.compile(r"(nhom|top|trong so|cac)\s[^,;.]{0,25}$")

# Places gained or lost: "tăng 4 bậc", "tụt 2 bậc", "giảm 7 bậc", "tăng được 4 bậc", "tăng một bậc", "tăng 3 hạng";
# "tăng 3,3 điểm và 8 bậc" (the verb of the points governs the places).
RANK_CHANGE = re.compile(
    r"\b(?P<verb>tang|tut|giam|len|xuong|thang|vuot len|tut xuong)\s+(?:them\s+|duoc\s+)*"
    r"(?:(?P<pts>\d+(?:[,.]\d+)?)\s*(?:%\s*)?(?:diem\s*)?va\s+)?"
    r"(?P<n>" + _WORD_NUMBER + r")\s+(?:bac|hang|vi tri|bac xep hang)\b")
_DOWN = {"tut", "giam", "xuong", "tut xuong"}

# A change: "tăng 0,292 điểm", "giảm 0,52 điểm", "tăng 2,61% so với năm 2022", "thấp hơn 5,42% so với kết quả của
# tỉnh này trong năm 2021", "(tăng 13,09%)", "(+6.39%)". In points, also when printed with "%".
CHANGE = re.compile(
    r"(?P<open>\(\s*)?\b(?P<verb>tang|giam|tut|cao hon|thap hon)\s+(?:them\s+|duoc\s+)?"
    r"(?P<n>\d+(?:[,.]\d+)?)\s*(?P<unit>%\s*diem|%|diem)")
SIGNED = re.compile(r"\(\s*(?P<sign>[+\-–])\s*(?P<n>\d+(?:[,.]\d+)?)\s*(?P<unit>%|diem)?\s*\)")
# What a change is measured against: a year or period (kept), or another unit (not a change of this one's value).
_AGAINST = re.compile(r"\s*(?:,\s*)?so voi\s+(?P<what>[^,;()]{0,60})")
_AGAINST_UNIT = re.compile(r"^(?:don vi|tinh|thanh pho|dia phuong|binh quan|trung binh|muc trung binh|ca nuoc|chi tieu|"
                           r"ke hoach|muc tieu)\b")

# Figures that are no unit's value.
_RANGE_AFTER = re.compile(r"\s*(?:tro len|tro xuong|\s*[-–]\s*(?:duoi\s+)?\d|\s*den\s+(?:duoi\s+)?\d)")
_RANGE_BEFORE = re.compile(r"(?:\btu|\bduoi|\d\s*%?\s*[-–])\s*$")
# A figure said of a set of units: "62 địa phương đạt … trên 80%", "tất cả địa phương đều đạt … trên 80%",
# "63/63 địa phương", "các tỉnh, thành phố … đạt 86,37%".
_COUNTED_SUBJECT = re.compile(r"(?:\b\d+(?:/\d+)?\s+(?:tinh|dia phuong|don vi|co quan|bo|so|huyen|xa)\b|"
                              r"\btat ca (?:cac )?(?:tinh|dia phuong|don vi|co quan)\b)")
NATIONAL_GROUP = re.compile(r"\bcac (?:tinh|tinh, thanh pho|thanh pho truc thuoc|dia phuong|bo|bo, nganh|bo, co quan)\b|"
                            r"\b(?:trung binh|binh quan)(?: chung)?(?: cua)? (?:ca nuoc|toan quoc)\b|\btruc thuoc trung uong\b|\bnhom [abc]\b|"
                            # a region is a group of provinces, whichever way it is written ("vùng Đồng bằng sông
                            # Hồng", "khu vực Tây Nguyên", "Duyên hải Nam Trung Bộ"), and so is "giá trị trung bình"
                            # said of no unit
                            r"\b(?:vung|khu vuc) (?:kinh te|dong bang|dong nam|tay nguyen|trung du|bac trung|duyen hai|"
                            r"mien nui|nam trung|tay bac|dong bac)|\bdong bang song (?:hong|cuu long)\b|\bdong nam bo\b|"
                            r"\btay nguyen\b|\btrung du (?:va )?mien nui\b|\bbac trung bo\b|\bduyen hai\b|"
                            r"\b(?:\d+|sau|hai|ba) vung\b|\bgia tri (?:trung binh|binh quan)\b")
# Unnamed units at the ends of a spread: "tỉnh có mức tăng cao nhất là 7,15% và thấp nhất là 0,04%", "nơi giảm nhiều
# nhất là 3,10% và ít nhất là 0,22%": figures of no unit the text names.
UNNAMED_EXTREME = re.compile(r"(?:\b(?:tinh|dia phuong|don vi) co muc (?:tang|giam)|\bnoi (?:tang|giam)|\bmuc (?:tang|giam))\b"
                             r"[^.;%]{0,30}\bnhat\b[^.;%]{0,10}$|\bva (?:thap|it|cao|nhieu) nhat(?: la)?\s*$")
# The scale of an index is its method, not a result: "Tổng điểm đánh giá là 100 điểm", "35,50 điểm là đánh giá
# thông qua điều tra xã hội học".
SCALE_BEFORE = re.compile(r"\b(?:tong diem|thang diem|diem toi da)\b[^,;.%]{0,30}$")
SCALE_AFTER = re.compile(r"\s*(?:diem\s+)?(?:la\s+)?danh gia (?:thong )?qua\b")
_YEAR = re.compile(r"\b(?:nam\s+)?((?:19|20)\d{2})\b")


def word_number(text: str) -> int:
    return int(text) if text.isdigit() else NUMBER_WORDS[text]


def signed(verb_or_sign: str, n: str) -> float:
    value = float(n.replace(",", ".")) if re.fullmatch(r"\d+[.,]\d{1,2}", n) or "," in n else float(n.replace(".", ""))
    return -value if verb_or_sign in _DOWN or verb_or_sign in ("thap hon", "-", "–") else value


@dataclass(frozen=True)
class Mark:
    """Something said about an index value, with where it is in the sentence: kind is rank, rank_change or change."""

    kind: str
    value: float
    start: int
    end: int
    of: int | None = None  # a rank's total ("51/63")


def marks(folded: str) -> list[Mark]:
    """Ranks, rank changes and changes in a folded sentence, in their order. A change counts when it is measured
    against a year or period ("so với năm 2022"), when it is put in brackets after what changed ("(tăng 13,09%)",
    "(+6.39%)"), or when it is in points; a change measured against another unit ("so với đơn vị đứng cuối") is
    not this unit's change."""
    out: list[Mark] = []
    taken: list[tuple[int, int]] = []
    for m in RANK_CHANGE.finditer(folded):
        sign = -1 if m.group("verb") in _DOWN else 1
        out.append(Mark("rank_change", sign * word_number(m.group("n")), m.start(), m.end()))
        if m.group("pts"):
            out.append(Mark("change", signed(m.group("verb"), m.group("pts")), m.start(), m.start("n")))
        taken.append((m.start(), m.end()))
    for m in RANK.finditer(folded):
        of = int(m.group("of")) if m.group("of") else None
        out.append(Mark("rank", word_number(m.group("r")), m.start(), m.end(), of))
    for m in FIRST.finditer(folded):
        if not _NOT_FIRST.search(folded, max(0, m.start() - 40), m.start()):
            out.append(Mark("rank", 1, m.start(), m.end()))
    for m in CHANGE.finditer(folded):
        if any(a <= m.start() < b for a, b in taken):
            continue
        against = _AGAINST.match(folded, m.end())
        if against and _AGAINST_UNIT.match(against.group("what")):
            continue
        bracketed = bool(m.group("open")) and folded.startswith(")", m.end()) or folded[m.end(): m.end() + 2].strip() == ")"
        if against or bracketed or "diem" in m.group("unit"):
            out.append(Mark("change", signed(m.group("verb"), m.group("n")), m.start("verb"), m.end()))
    for m in SIGNED.finditer(folded):
        out.append(Mark("change", signed(m.group("sign"), m.group("n")), m.start(), m.end()))
    return sorted(out, key=lambda x: x.start)


def not_a_value(folded: str, start: int, end: int, doc_year: int | None) -> bool:
    """Whether the figure at folded[start:end] (its qualifier included) is not a unit's value: a bound of a range
    ("từ 90% trở lên", "80-90%", "từ 70% - dưới 80%"), a threshold said of a set of units ("62 địa phương đạt …
    trên 80%"), a value of another year ("năm 2018 là 81,24%"). Reads 60 characters around the figure."""
    if _RANGE_AFTER.match(folded, end) or _RANGE_BEFORE.search(folded, max(0, start - 8), start):
        return True
    near = folded[max(0, start - 60): start]
    near = near[max(near.rfind(","), near.rfind("("), near.rfind(";")) + 1:] if not near.rstrip().endswith("(") else near
    if _COUNTED_SUBJECT.search(folded, max(0, start - 60), start):
        return True
    if SCALE_BEFORE.search(folded, max(0, start - 40), start) or SCALE_AFTER.match(folded, end):
        return True
    if UNNAMED_EXTREME.search(folded, max(0, start - 80), start):
        return True
    years = [int(y) for y in _YEAR.findall(near)]
    return bool(doc_year and years and years[-1] != doc_year)


_COMPARED_YEAR = re.compile(r"so voi\s+[^,;()]{0,40}$")


def of_another_year(folded: str, start: int, end: int, doc_year: int | None) -> bool:
    """Whether the words around folded[start:end], up to the commas on either side (80 characters at most each way),
    name a year other than the report's, not as what it is compared with ("so với năm 2021")."""
    if not doc_year:
        return False
    a = max(0, start - 80)
    a = max(a, folded.rfind(",", a, start) + 1, folded.rfind(";", a, start) + 1)
    b = min(len(folded), end + 80)
    for stop in (",", ";", "("):
        i = folded.find(stop, end, b)
        if i >= 0:
            b = i
    for m in _YEAR.finditer(folded, a, b):
        if int(m.group(1)) != doc_year and not _COMPARED_YEAR.search(folded, max(a, m.start() - 60), m.start()):
            return True
    return False
