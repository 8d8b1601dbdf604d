"""What an inspection covers besides the units it names: units it gives only as numbers ("02 UBND huyện và 04 Sở",
"tại 18 xã, phường", "ít nhất 5 cơ quan thuộc khối sở"), and the PAR areas listed as its content ("Nội dung kiểm
tra gồm: công tác chỉ đạo, điều hành; cải cách thể chế; …").

Both read sentences that speak of inspecting, each once, with patterns anchored at a position and a bounded reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from par_dashboard.extract.scores import NUMBER_WORDS
from par_dashboard.extract.text import Document, Sentence

# ---------------------------------------------------------------------------------------------------- counts
# A number of units: "18 xã, phường", "02 UBND huyện", "ít nhất 5 cơ quan thuộc khối sở", "15/15 xã, thị trấn".
# Numbers up to twenty may be words ("mười đơn vị", "hai huyện", "mười lăm xã"); "năm" and "tư" only before a unit
# word, as the lookahead requires ("năm xã", not "năm 2019"). "40 lượt đơn vị" counts visits as written.
_TEENS = {"muoi mot": 11, "muoi hai": 12, "muoi ba": 13, "muoi bon": 14, "muoi lam": 15, "muoi nam": 15,
          "muoi sau": 16, "muoi bay": 17, "muoi tam": 18, "muoi chin": 19, "hai muoi": 20}
_WORDS = {**{k: v for k, v in NUMBER_WORDS.items() if k not in ("nhat", "nhi")}, **_TEENS}
_COUNT = re.compile(
    r"(?<![\w/.,%])(?P<q>(?:it nhat|toi thieu|tren|hon|gan)\s+)?(?P<n>\d{1,3}|"
    + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?:/\d{1,3})?\s+(?:luot\s+)?"
    r"(?=(?:ubnd|uy ban nhan dan|co quan|don vi|dia phuong|so|huyen|quan|thi xa|thanh pho|xa|phuong|thi tran|phong|ban)\b)")
# Where the counted words end: a ';', ')', ':', '.', the next count (", 4 đơn vị", "và 2 đơn vị"), "trong đó".
_PHRASE_END = re.compile(r"[;:)(.]|,?\s+(?:va\s+)?(?:(?:it nhat|toi thieu)\s+)?(?:\d|(?:" + "|".join(_WORDS) + r")\s+(?:ubnd|so|huyen|xa|don vi|co quan)\b)|\s*,?\s*trong do\b|\s+(?:theo|nham|de|voi|tu ngay|trong|ve|tren dia ban)\b")
# What kind of unit the words count, the more specific first (see tests/gold/extract_unseen/README.md).
_KINDS = [
    ("public_service_unit", r"su nghiep"),
    ("vertical_agency", r"nganh doc|trung uong (dong|dat) tren dia ban"),
    ("district_office", r"(truc thuoc|phong|ban chuyen mon)[^;]{0,40}(cap huyen|huyen|(?<!co )quan)|(cap huyen|huyen)[^;]{0,10}(phong|ban)\b"),
    ("commune_office", r"(phong|ban|nganh)[^;]{0,20}(thuoc |cua |cap )?xa\b"),
    ("commune", r"\b(cap xa|ubnd xa|(?<!thi )xa|(?<!dia )phuong|thi tran)\b"),  # "địa phương" is any level
    ("district", r"\b(cap huyen|ubnd huyen|huyen|(?<!co )quan|thi xa|thanh pho)\b"),
    ("department", r"\b(so|cap tinh|khoi so|co quan chuyen mon)\b"),
]
_KIND_RES = [(k, re.compile(p)) for k, p in _KINDS]
_LEVEL_WORDS = {"department": re.compile(r"\b(so|cap tinh)\b"), "district": re.compile(r"\b(cap huyen|huyen)\b"),
                "commune": re.compile(r"\b(cap xa|(?<!thi )xa|(?<!dia )phuong)\b")}  # "thị xã" is a district
_INSPECTS = re.compile(r"\bkiem tra\b|\blam viec\b")
# Whom the inspection is of, said once for the whole text: "Đối tượng kiểm tra là các phòng, ban thuộc xã".
_OBJECT = re.compile(r"doi tuong (?:duoc )?kiem tra (?:la|gom|bao gom)\s*:?\s*(?P<what>[^.;]{3,80})")
_EXCEPT = re.compile(r"\b(tru|ngoai tru|khong bao gom)\b[^()]{0,40}$")
# The counted units named after them, past a further count: "04 sở, ngành và 03 UBND huyện, thị xã, gồm: Sở Y tế, …"
# Without the colon, "3 cơ quan, gồm Sở Y tế, …" and "4 đơn vị (UBND huyện A, …)" name them too.
_NAMED_AFTER = re.compile(r"[^;.:]{0,60}?\b(?:gom|bao gom|cu the)\s*:|[^;.:()]{0,30}?(?:\(\s*|,?\s*\b(?:gom|bao gom)\s+)"
                          r"(?=(?:ubnd|uy ban|so|chi nhanh|chi cuc|phong|trung tam|van phong|xa|phuong|thi tran|huyen|quan|"
                          r"thi xa|thanh pho)\b)")
# "1 xã thuộc huyện", "2 phường thuộc thị xã …": what follows "thuộc" is where the counted units are
_BELONGS = re.compile(r"\bthuoc\b")
# What a unit means to go on doing ("thời gian tới … sẽ tiếp tục tăng cường kiểm tra tại 33 xã"): no inspection's units.
_GOING_ON = re.compile(r"\b(thoi gian toi|se tiep tuc|tiep tuc tang cuong)\b")
_NOT_UNITS = re.compile(r"^(so\s+(lieu|luong|ho so|hoa|\d)|ban\s+(hanh|do)|don vi tinh)")


@dataclass
class Count:
    count: int
    kind: str
    qualifier: str | None
    text: str
    start: int  # in the whole text
    end: int
    sentence: Sentence


def kind_of(words: str) -> str:
    """The kind of unit counted by the folded words ("cơ quan thuộc khối sở" -> department); words naming several
    levels ("cơ quan chuyên môn cấp tỉnh, đơn vị hành chính cấp huyện") are "unit"."""
    if (of := _BELONGS.search(words)) and (kind := kind_of(words[:of.start()])) != "unit":
        return kind  # "xã thuộc huyện" counts communes; "cơ quan thuộc khối sở" is read whole (the words before say no kind)
    levels = [k for k, p in _LEVEL_WORDS.items() if p.search(words)]
    for kind, pattern in _KIND_RES:
        if pattern.search(words):
            if kind in _LEVEL_WORDS and len(levels) > 1:
                return "unit"
            return kind
    return "unit"


def unit_counts(doc: Document) -> list[Count]:
    """Counts of units inspected, in sentences that speak of inspecting. A count followed by ':' names its units (they
    are the units, not a count); units not inspected ("trừ 3 xã") are no count."""
    body = [s for s in doc.body() if s.line_kind != "caption"]
    object_kind = None
    for s in body:
        if m := _OBJECT.search(s.folded):
            object_kind = kind_of(m.group("what"))
            break
    out: list[Count] = []
    for s in body:
        if not _INSPECTS.search(s.folded) or _GOING_ON.search(s.folded):
            continue
        f = s.folded
        for m in _COUNT.finditer(f):
            if _NOT_UNITS.match(f, m.end()) or f.startswith("mot so", m.start("n")) or _EXCEPT.search(f, max(0, m.start() - 40), m.start()):
                continue
            stop = _PHRASE_END.search(f, m.end(), min(len(f), m.end() + 90))
            end = stop.start() if stop else min(len(f), m.end() + 90)
            if f.startswith(":", end) or _NAMED_AFTER.match(f, m.end()):
                continue  # "kiểm tra đột xuất 5 đơn vị: Chi cục …", "04 sở, ngành và 03 UBND huyện, gồm: …": named
            words = f[m.end(): end].strip(" ,")
            kind = kind_of(words)
            if kind == "unit" and object_kind and object_kind != "unit" and not _LEVEL_WORDS["department"].search(words):
                kind = object_kind  # "02 cơ quan, đơn vị" of an inspection whose object is the commune's offices
            q = m.group("q")
            n = m.group("n")
            out.append(Count(int(n) if n.isdigit() else _WORDS[n], kind, s.text[m.start(): m.start() + len(q.rstrip())] if q else None,
                             s.text[m.start(): end].strip(" ,"), s.start + m.start(), s.start + end, s))
    return out


# ---------------------------------------------------------------------------------------------------- areas
# Where a sentence lists what an inspection checks: "Nội dung kiểm tra …", "tập trung vào …", "kiểm tra công tác …",
# "kiểm tra chuyên đề về …", "06 lĩnh vực trọng tâm, gồm: …".
_CONTENT = re.compile(r"noi dung kiem tra|kiem tra (?:(?:toan dien|thuc te|them)\s+)?(?:chuyen de\s+)?(?:ve\s+)?(?:viec|cong tac|ve)\b|"
                      r"tap trung (?:vao|danh gia|kiem tra)|linh vuc (?:trong tam|kiem tra)|kiem tra (?:cac|nhung) noi dung|"
                      # "kiểm tra hồ sơ, tài liệu về …", "kiểm tra, đánh giá tình hình thực hiện …", "với các nội dung: …"
                      r"kiem tra(?:,? danh gia)?,? (?:ho so,? tai lieu|tinh hinh|ket qua)\b|"
                      r"(?:gom|voi|theo) (?:cac|nhung) noi dung|noi dung (?:lam viec|chinh)\b|"
                      # what the team went through: "đoàn đã tiến hành kiểm tra …", "đoàn còn thực hiện kiểm tra, đánh giá …"
                      r"\b(?:doan|to)\b[^.;,]{0,30}?(?:tien hanh|thuc hien) kiem tra\b|"
                      # the object right after the word: "Đoàn kiểm tra công vụ", "kiểm tra đột xuất kỷ luật, kỷ cương",
                      # "kiểm tra hoạt động vận hành …", "kiểm tra kết quả triển khai …", "kiểm tra giờ giấc làm việc"
                      r"kiem tra (?:toan dien|(?:dot xuat |dinh ky )?(?:cong vu|ky luat|ky cuong|hoat dong|ket qua trien khai|"
                      r"gio giac|gio lam viec))\b")
_ALL = re.compile(r"toan bo (?:cac )?(?:noi dung|linh vuc|cong tac) (?:cua )?(?:cchc|cai cach hanh chinh)|"
                  r"(?:tat ca|ca) (?:8|tam) linh vuc|"
                  # "kiểm tra toàn diện các lĩnh vực", "kiểm tra toàn diện công tác CCHC": every area
                  # "kiểm tra toàn diện các lĩnh vực" (not "toàn diện công tác CCHC" at some units, which the gold
                  # reads as no list)
                  r"kiem tra toan dien (?:cac|tat ca cac) (?:noi dung|linh vuc)")
# Where the content ends: a purpose ("nhằm …"), or the units it is checked at ("kiểm tra công vụ đối với các sở, …, các
# doanh nghiệp có liên quan đến … thủ tục hành chính": whom, not what).
_PURPOSE = re.compile(r"\b(nham|de|qua do)\b|\bdoi voi (?:cac |nhung )?(?:so|co quan|don vi|ubnd|uy ban|xa|huyen|dia phuong)\b")


def content_areas(doc: Document, names: dict[str, re.Pattern]) -> dict[str, tuple[int, int]]:
    """The PAR areas named as what an inspection checks, each with the span of its first naming: the area names
    after a cue of content in the same sentence, up to a statement of purpose ("nhằm …")."""
    found: dict[str, tuple[int, int]] = {}
    for s in doc.body():
        f = s.folded
        cue = _CONTENT.search(f)
        if not cue:
            continue
        if m := _ALL.search(f, cue.start()):
            for area in names:
                found.setdefault(area, (s.start + m.start(), s.start + m.end()))
        purpose = _PURPOSE.search(f, cue.end())
        end = purpose.start() if purpose else len(f)
        for area, pattern in names.items():
            if m := pattern.search(f, cue.start(), end):
                found.setdefault(area, (s.start + m.start(), s.start + m.end()))
    return dict(sorted(found.items()))
