"""Rules and dictionaries that turn a report's sentences into a draft inspection record.

Each rule reads the folded sentence (lower case, no diacritics; offsets equal the text's) and returns values
with the sentence's span as evidence. Unit names go through the importer's `UnitResolver`, so "Đăk Song",
"Thanh Loà" and "TP. Lạng Sơn" resolve the same way here as in a spreadsheet.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections import Counter
from dataclasses import dataclass, field

from par_dashboard.domain.units import fold as squash
from par_dashboard.extract import gazetteer, scores
from par_dashboard.extract.text import Document, Sentence, fold
from par_dashboard.extract.values import dates, numbers, period, year_votes
from par_dashboard.importing.names import UnitResolver

# ---------------------------------------------------------------------------------------------------- units
# Type words as written (NFC, any case) -> the level a name after them is looked up at.
_TYPES = [("thành phố", "city"), ("thị xã", "district"), ("thị trấn", "commune"), ("huyện", "district"),
          ("quận", "district"), ("phường", "commune"), ("xã", "commune"), ("đặc khu", "commune"), ("tỉnh", "province"),
          ("tp.", "city"), ("tp ", "city"), ("sở", "department")]
# Abbreviated type words, in capitals and with their dot: "H.Cẩm Mỹ", "UBND TX. Giá Rai", "TT.Phùng", "P.Tân Phong".
_ABBREVIATIONS = {"h.": "district", "tx.": "district", "q.": "district", "tt.": "commune", "p.": "commune"}
_CAPITAL = "A-ZĐÂĂÊÔƠƯÀÁẢÃẠÈÉẺẼẸÌÍỈĨỊÒÓỎÕỌÙÚỦŨỤỲÝỶỸỴ"
_TYPE_RE = re.compile(r"(?<![\w])(?:(" + "|".join(re.escape(t.strip()) for t, _ in _TYPES) + r")(?=[\s.:,])|"
                      r"(?-i:(H|TX|Q|TT|P)\.)(?=\s?[" + _CAPITAL + r"]))", re.IGNORECASE)
_NAME_WORD = re.compile(r"\s*([^\W\d_][\w'’-]*|\d{1,2}\b)", re.UNICODE)
_SPACES = re.compile(r"\s*")
_LIST_SEP = re.compile(r"\s*(,|và|;)\s*(?:(?:UBND|Ủy ban nhân dân|Uỷ ban nhân dân)\s+)?", re.IGNORECASE)
_LEVELS = {"commune": ("commune",), "district": ("district",), "province": ("province",), "city": ("district", "province"),
           "department": ("department",)}
_PLURAL_BEFORE = re.compile(r"(?i:(?<!\w)(?:các|những)|(?<![\d/.,])\d{1,3})\s+$")
_LIST_OPENS = re.compile(r"\s*(?:,\s*(?:phường|thị trấn|xã|thị xã|thành phố|huyện|quận)\s*){0,3}(?:(?:gồm|bao gồm|là)\s*:?|:)\s*",
                         re.IGNORECASE)  # "5 xã: A, B", "các xã, thị trấn: A, B", "6 xã gồm A, B"
_TYPE_WORD_OF = {"commune": "xã", "district": "huyện"}


@dataclass
class Mention:
    name: str          # as written, with its type word: "xã Thanh Loà"
    kind: str          # commune | district | city | province | department
    start: int         # offsets in the whole text
    end: int
    unit_id: str | None = None
    parent: str | None = None  # the district written after a commune: "xã Sơn Đông (huyện Ba Vì)"
    near: str | None = None    # the district named before a commune in its sentence: "UBND thị xã Quảng Trị và phường 1"


def _name_after(text: str, pos: int) -> tuple[str, int]:
    """Capitalised words (or a ward number) from `pos`: 'Thanh Loà' in 'xã Thanh Loà, Hoà Cư'."""
    words, end = [], pos
    while len(words) < 5:
        m = _NAME_WORD.match(text, end)
        if not m:
            break
        word = m.group(1)
        if (words and word.isdigit()) or not (word[0].isupper() or word.isdigit()):
            break
        words.append(word)
        end = m.end()
    return " ".join(words), end


# A branch of the province's land registry office (under its Sở Tài nguyên và Môi trường) is named by the district it
# serves; the conventions record a sub-department against its Sở, not against that district.
_LAND_BRANCH = re.compile(r"chi nhanh van phong dang ky (?:quyen su dung )?dat dai\s*$")
_LAND_DEPARTMENT = "Tài nguyên và Môi trường"


def mentions(sentence: Sentence) -> list[Mention]:
    """Unit names with a type word in the sentence; "các xã A, B và C" gives three communes."""
    text, out = sentence.text, []
    for m in _TYPE_RE.finditer(text):
        type_word = (m.group(1) or m.group(2) + ".").lower()
        kind = _ABBREVIATIONS.get(type_word) or next(k for t, k in _TYPES if t.strip() == type_word)
        pos = m.end()
        # a list: "các xã A, B và C", "5 xã: A, B, C", "những phường A, B"
        plural = bool(_PLURAL_BEFORE.search(text, max(0, m.start() - 12), m.start()))
        if plural and (colon := _LIST_OPENS.match(text, pos)):  # "5 xã: A, B", "6 xã gồm: A, B", "6 xã gồm A, B"
            pos = colon.end()
        while True:
            if kind == "department":
                hit = gazetteer.department_at(text, sentence.folded, pos)
                if hit is None:
                    break
                name, end, _ = hit
                written = f"Sở {name}"
            else:
                name, end = _name_after(text, pos)
                if not name:
                    break
                written = f"{type_word} {name}" if kind != "city" else f"thành phố {name}"
            if kind in ("district", "city") and _LAND_BRANCH.search(sentence.folded, max(0, m.start() - 45), m.start()):
                # "Chi nhánh Văn phòng đăng ký đất đai quận 3": the department's branch serving the district
                out.append(Mention(f"Sở {_LAND_DEPARTMENT}", "department",
                                   sentence.start + m.start(), sentence.start + end))
                break
            out.append(Mention(written, kind, sentence.start + _SPACES.match(text, pos).end(), sentence.start + end))
            if not plural:
                break
            sep = _LIST_SEP.match(text, end)
            if not sep or not _NAME_WORD.match(text, sep.end()):
                break
            pos = sep.end()
    return _parents(out, sentence)


def _parents(found: list[Mention], sentence: Sentence) -> list[Mention]:
    """A district in brackets right after a commune names the commune's district ("UBND phường Trung Sơn Trầm (thị xã
    Sơn Tây)"): it narrows the commune's name, and is not a unit of its own."""
    out: list[Mention] = []
    last_district: Mention | None = None
    for m in found:
        between = sentence.text[out[-1].end - sentence.start: m.start - sentence.start] if out else ""
        bracketed = between.strip().startswith("(") and not re.search(r"[),;]", between)
        addressed = re.fullmatch(r",\s*\S+(\s+\S+)?\s*", between) and not re.search(r"(?i)ubnd|ủy ban|uỷ ban", between)
        if out and m.kind in ("district", "city") and out[-1].kind == "commune" and len(between) < 16 and (bracketed or addressed):
            out[-1].parent = m.name
            continue
        if m.kind == "commune" and last_district:
            m.near = last_district.name
        if m.kind in ("district", "city"):
            last_district = m  # kept as the list goes: looking back for it at each commune took the square of the list
        out.append(m)
    return out


@dataclass
class Places:
    """The units a document names, resolved once the province is known."""

    resolver: UnitResolver
    structure: str
    province: str | None = None
    main_district: str | None = None
    cache: dict = field(default_factory=dict)

    def resolve(self, mention: Mention) -> str | None:
        # read again once the province (and the district the text is about) is known
        key = (mention.name.lower(), mention.kind, self.province, self.main_district, mention.parent, mention.near)
        if key in self.cache:
            return self.cache[key]
        found = None
        for level in _LEVELS.get(mention.kind, ()):  # a ministry is no unit of the catalogue
            if self.structure == "S34" and level == "district":
                continue
            district = mention.parent if level == "commune" and self.structure == "S63" else None
            r = self.resolver.resolve(mention.name, level=level, structure=self.structure,
                                      province=self.province if level != "province" else None, district=district)
            if not r.ok and district:
                r = self.resolver.resolve(mention.name, level=level, structure=self.structure, province=self.province)
            # a commune name the province holds several times ("phường 1"): the one in the district named before it
            # in the sentence, else in the district the text is about
            hints = (mention.near, self.main_district) if level == "commune" and self.structure == "S63" else ()
            for hint in hints if not r.ok and len(r.candidates) > 1 else ():
                if hint and (narrowed := self.resolver.resolve(mention.name, level=level, structure=self.structure,
                                                               province=self.province, district=hint)).ok:
                    r = narrowed
                    break
            if r.ok:
                found = r.unit_id
                break
        self.cache[key] = found
        return found


# ---------------------------------------------------------------------------------------------------- province
def province_from_url(url: str, resolver: UnitResolver, structure: str) -> tuple[str | None, str | None]:
    """(province, district) named in a web address: in its host written together ('baolangson.vn',
    'bactramy.quangnam.gov.vn', 'huyendamha.vn', 'nammau.babe.gov.vn'), in its path as a slug ('…/huyen-dak-glong/…').
    A part of the host that is a name ('dongnai' of 'phulam.dongnai.gov.vn', 'babe': 4+ letters) outweighs names found
    inside a part ('lamdong' inside 'phulamdongnai'); those and the slug's count from 5 letters. Only one match per
    level counts."""
    address = re.sub(r"^https?://", "", url)
    host, _, path = address.partition("/")
    labels = [squash(x) for x in host.split(".")]
    slug = " " + " ".join(squash(w) for w in re.split(r"[-/._?=&]+", path) if w) + " "
    found: dict[str, set[str]] = {}
    for level in ("province", "district"):
        exact: set[str] = set()
        inside: set[str] = set()
        for name, ids in _spaced_names(resolver, structure, level).items():
            together = name.replace(" ", "")
            if len(ids) != 1:
                continue
            if len(together) >= 4 and together in labels:
                exact |= ids
            elif len(together) >= 5 and (any(together in x for x in labels) or f" {name} " in slug):
                inside |= ids
        if exact or inside:
            found[level] = exact or inside
    province = next(iter(found["province"])) if len(found.get("province", ())) == 1 else None
    district = next(iter(found["district"])) if len(found.get("district", ())) == 1 else None
    if district and province and (resolver.units.loc[district, "province_id"] != province
                                  or squash(resolver.units.loc[district, "short_name"]) == squash(resolver.units.loc[province, "short_name"])):
        district = None  # 'baothainguyen.vn' is the province's paper, not the city of Thái Nguyên's
    if district and not province:
        province = resolver.units.loc[district, "province_id"]
    return province, district


def _spaced_names(resolver: UnitResolver, structure: str, level: str) -> dict[str, set[str]]:
    """Folded names with their spaces: 'dak glong' -> {unit ids}."""
    out: dict[str, set[str]] = {}
    units = resolver.units
    for row in units[(units.structure == structure) & (units.level == level)].itertuples():
        key = " ".join(squash(w) for w in row.short_name.split())
        out.setdefault(key, set()).add(row.unit_id)
    return out


_SUBJECT_YEAR = re.compile(r"(?:par[ -]?index|sipas|chi so (?:cai cach hanh chinh|cchc|hai long)|"
                           r"kiem tra (?:cong tac )?(?:cai cach hanh chinh|cchc))[^.;,]{0,12}?\b(?:nam )?(?P<y>(?:19|20)\d{2})\b")


def document_year(doc: Document) -> int | None:
    """The year the text speaks of most (a headline counts double); its web address counts as a headline when it
    names one ("…-nam-2020-…", a date "d20080427…"), and alone when the text names none."""
    votes: Counter = Counter()
    for s in doc.sentences:
        for y, w in year_votes(s.folded).items():
            votes[y] += w * (2 if s.line_kind == "title" else 1)
        for m in _SUBJECT_YEAR.finditer(s.folded):  # "PAR INDEX 2021", "kiểm tra công tác CCHC năm 2019": what it is about
            votes[int(m.group("y"))] += 3 * (2 if s.line_kind == "title" else 1)
    for url in doc.urls[:1]:
        path = url.split("/", 3)[-1].lower()
        if m := re.search(r"nam-((?:19|20)\d{2})(?!\d)", path):
            votes[int(m.group(1))] += 4
        elif not votes and (m := re.search(r"(?<![\d])d?((?:19|20)\d{2})(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])\d{0,9}(?!\d)", path)):
            votes[int(m.group(1))] += 1
    if not votes:
        return None
    best = max(votes.values())
    return max(y for y, w in votes.items() if w == best)


# ---------------------------------------------------------------------------------------------------- plan
# The issuer's name is bounded (no issuer is 200 characters long): unbounded, each "kế hoạch số …" of a long clause
# without punctuation was read to the clause's end, and a clause of many of them took the square of its length.
_PLAN = re.compile(r"\bke hoach(?: so)?\s*:?\s*(?P<num>\d+/(?:\d{4}/)?[\w\-]*[a-z][\w\-]*)(?: ngay (?P<date>\d{1,2}/\d{1,2}/\d{4}))?")
_ISSUER = re.compile(r" cua (?P<issuer>[^,;.]{1,200}?)(?= ve | ve viec| trien khai| kiem tra| nham| theo|,|;|\.|$)")


# The day a plan is issued, said before it: "Ngày 11/5/2016, UBND tỉnh ban hành Kế hoạch số 1173/KH-UBND", "ngày 5/11,
# UBND tỉnh … đã ký ban hành Kế hoạch …". Between the day and the plan: the issuer and the act, in one clause (bounded:
# the issuer is no longer than 120 characters), so a deadline in another clause ("báo cáo trước ngày …; …") is not it.
_ISSUED_BEFORE = re.compile(r"(?<![\w/])ngay\s+(?P<day>\d{1,2}(?:/\d{1,2}(?:/\d{4})?| thang \d{1,2}(?: nam \d{4})?))\s*,\s*"
                            r"[^,;:.]{0,120}?\b(?:vua |da )?(?:ky )?(?:ban hanh|phe duyet|ky)\s+$")


def plan(doc: Document, year: int | None = None) -> dict | None:
    """The plan the inspection follows: a Kế hoạch number ("Kế hoạch số 80/KH-BCĐCCHC ngày 29/5/2024 của …", "Kế hoạch
    1173/KH-UBND"), the first one said with an inspection if several are named. Its day is the one after it, else the
    one its issuing clause opens with (a day without a year takes the text's `year`)."""
    found = None
    for s in doc.body():
        for m in _PLAN.finditer(s.folded):
            if found is None or "kiem tra" in s.folded and "kiem tra" not in found[0].folded:
                found = (s, m)
            break
        if found and "kiem tra" in found[0].folded:
            break
    if found is None:
        return None
    s, m = found
    date = dates(m.group("date") or "", None)
    if not date and (before := _ISSUED_BEFORE.search(s.folded, max(0, m.start() - 160), m.start())):
        date = dates("ngay " + before.group("day"), year)
    issuer = _ISSUER.match(s.folded, m.end())
    return {"number": s.text[m.start("num"): m.end("num")], "issued_on": date[0].start_date.isoformat() if date else None,
            "issuer": s.text[issuer.start("issuer"): issuer.end("issuer")] if issuer else None, "evidence": list(s.span)}


# ---------------------------------------------------------------------------------------------------- teams
_HONORIFIC = r"(?<![\w])(?:đồng chí|đ/c|ông|bà)"
_PERSON = r"(?P<name>(?:(?=[A-ZĐÂĂÊÔƠƯÀÁẢÃẠÈÉẺẼẸÌÍỈĨỊÒÓỎÕỌÙÚỦŨỤỲÝỶỸỴ])\w+\s+){1,4}(?=[A-ZĐÂĂÊÔƠƯÀÁẢÃẠÈÉẺẼẸÌÍỈĨỊÒÓỎÕỌÙÚỦŨỤỲÝỶỸỴ])\w+)"
# A title is at most 200 characters (the longest real ones are half that): unbounded, every "ông X Y" not followed by
# "làm trưởng đoàn" was read to the end of its sentence, and a sentence of many names took the square of its length.
_LEADER = re.compile(
    _HONORIFIC + r"\s+" + _PERSON + r"\s*(?:[,–—-]\s*(?P<title>.{1,200}?))?\s*,?\s+(?=(?:làm|là)\s+(?:trưởng\s+đoàn|tổ\s+trưởng)|đã\s|có buổi|dẫn đầu)"
    r"(?:(?:làm|là)\s+(?:trưởng\s+đoàn|tổ\s+trưởng)(?:\s+kiểm\s+tra)?(?P<where>\s+tại\s+[^;.]+)?)?", re.IGNORECASE)
_CAPS = "A-ZĐÂĂÊÔƠƯÀÁẢÃẠÈÉẺẼẸÌÍỈĨỊÒÓỎÕỌÙÚỦŨỤỲÝỶỸỴẰẮẲẴẶẦẤẨẪẬỀẾỂỄỆỒỐỔỖỘỜỚỞỠỢỪỨỬỮỰ"
_NAME_CASED = r"(?P<name>[" + _CAPS + r"]\w*(?:\s+[" + _CAPS + r"]\w*){1,4})"
_HONORIFIC_I = r"(?i:đồng chí|đ/c|ông|bà)"
# The leader named after the word: "Trưởng đoàn là ông Nguyễn Văn A, Phó Giám đốc Sở Nội vụ", "trưởng đoàn: bà …";
# not after "Phó trưởng đoàn" (a deputy heads no team: the conventions).
# The head of a "tổ" is its "tổ trưởng": "Tổ trưởng Tổ kiểm tra, ông Nguyễn Văn A, …", "Tổ trưởng: bà …".
_LEADER_AFTER = re.compile(r"(?<![Pp]hó\s)(?i:trưởng\s+đoàn|tổ\s+trưởng)(?:\s+(?i:kiểm\s+tra))?"
                           r"(?:\s+(?i:tổ\s+(?:kiểm\s+tra|công\s+tác)))?(?:\s+(?i:là))?\s*[:,]?\s*" + _HONORIFIC_I + r"\s+"
                           # a title is no name ("… của trưởng đoàn kiểm tra, đồng chí Phó Chủ tịch UBND huyện, …")
                           + r"(?!(?:Phó|Chủ|Giám|Trưởng|Bí|Chánh|Thứ|Bộ|Tổ|Vụ|Cục)\s)" + _NAME_CASED
                           # the name ends at a lowercase word when no title follows ("… ông A đánh giá: …")
                           + r"(?:\s*[,–—-]\s*(?P<title>[^.;()]{1,150}?))?(?=\s*[.;(]|\s+(?:và|cùng|đã|có|làm)\b|$|"
                           r"\s+(?![" + _CAPS + r"])[^\W\d_])")
# The leader in apposition: "ông Nguyễn Văn A, Phó Giám đốc Sở Nội vụ, Trưởng đoàn kiểm tra".
_LEADER_APPOSITION = re.compile(_HONORIFIC_I + r"\s+" + _NAME_CASED + r"\s*[,–—-]\s*(?P<title>[^.;]{1,150}?)\s*[,–—-]\s*(?<![Pp]hó\s)(?i:trưởng\s+đoàn)")  # a deputy leads no team
# Title first, then the name, without an honorific: "do Phó Chủ tịch UBND huyện Nguyễn Văn An làm trưởng đoàn".
_TITLED_NAME = re.compile(r"^(?P<title>.*?\S)\s+(?P<name>[" + _CAPS + r"]\w*(?:\s+[" + _CAPS + r"]\w*){2,5})$")
# Vietnamese family names: where a person's name starts in a run of capitalised words ("… huyện Cao Lộc Nguyễn Văn An").
_SURNAMES = {"nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong",
             "ly", "dinh", "dao", "trinh", "mai", "luong", "lam", "ha", "cao", "ta", "to", "vuong", "chu", "truong", "doan",
             "luu", "thai", "kieu", "quach", "trieu", "lo", "luc", "hua", "nong", "tong", "khuat", "lai", "giang", "dieu",
             "tieu", "bach", "nghiem"}
# "do Phó Giám đốc Sở Nội vụ Nguyễn Văn A làm trưởng đoàn", "… dẫn đầu", "do Trưởng phòng Nội vụ huyện chủ trì"
_LEADER_TITLE_ONLY = re.compile(r"do\s+(?P<title>(?:lãnh đạo|(?:phó\s+)?(?:giám đốc|chủ tịch|trưởng phòng|trưởng ban|chánh văn phòng|"
                                r"chánh thanh tra|bí thư))[^;.]{1,200}?)\s+(?:làm\s+trưởng\s+đoàn|dẫn\s+đầu|chủ\s+trì)\b",
                                re.IGNORECASE)
# A title, then the person's name (a family name first): "Chủ tịch UBND tỉnh Võ Trọng Hải", "Giám đốc Sở Nội vụ Lê Văn A".
_TITLED_INSPECTOR = re.compile(r"(?P<title>(?i:phó\s+)?(?i:chủ tịch|giám đốc|trưởng phòng|chánh văn phòng|trưởng ban)"
                               r"(?:\s+[^.;,\s]+){1,6}?)\s+(?P<name>(?:" + "|".join(sorted({"Nguyễn", "Trần", "Lê", "Phạm",
                               "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh",
                               "Đào", "Trịnh", "Mai", "Lương", "Lâm", "Hà", "Cao", "Tạ", "Tô", "Vương", "Chu", "Trương",
                               "Đoàn", "Lưu", "Thái", "Tăng"})) + r")(?:\s+[" + _CAPS + r"]\w*){1,4})")
# What follows the person: the inspection itself, possibly with others ("… và lãnh đạo một số sở đã đi kiểm tra").
_INSPECTED_AFTER = re.compile(r"\s*(?:và\s+[^.;]{0,80}?\s+)?(?:đã\s+)?(?:đi\s+|trực tiếp\s+)*kiểm\s+tra\b", re.IGNORECASE)
_TEAM_WORD = re.compile(r"(doan kiem tra|doan cong tac|to cong tac|to kiem tra|^doan(?= (?:da |se )?(?:tien hanh |tien hanh )?kiem tra))"
                        r"(?: (?:so )?(\d+))?")
# Several leaders in one clause: "do các ông Trịnh Thanh Phong, Giám đốc Sở Nội vụ và Ngô Công Hầu, Phó Giám đốc Sở Nội
# vụ làm Trưởng đoàn" — one team each. The list is bounded (no list of leaders is 400 characters long).
_LEADERS = re.compile(r"\bdo\s+(?:các|hai|02|ba|03)\s+(?:đồng chí|đ/c|ông|bà)(?:,?\s+bà)?\s+(?P<list>[^.;]{5,400}?)\s+"
                      r"(?:lần lượt\s+)?(?:làm|là)\s+(?:các\s+)?(?:trưởng\s+đoàn|tổ\s+trưởng)", re.IGNORECASE)
# Teams counted, then their heads: "02 tổ kiểm tra do ông A - Giám đốc và ông B - Phó Giám đốc Sở phụ trách" (one team
# each; "phụ trách", "dẫn đầu" say "lead" as "làm trưởng đoàn" does).
_LEADERS_OF_TEAMS = re.compile(r"\b(?:hai|02|2|ba|03|3|bốn|04|4)\s+(?:đoàn|tổ)\b[^.;]{0,40}?\bdo\s+(?:đồng chí|đ/c|ông|bà)\s+"
                               r"(?P<list>[^.;]{5,400}?)\s+(?:lần lượt\s+)?(?:(?:làm|là)\s+(?:các\s+)?(?:trưởng\s+đoàn|tổ\s+"
                               r"trưởng)|phụ\s+trách|dẫn\s+đầu)\b", re.IGNORECASE)
# a person's title after a dash ("ông A - Giám đốc") is cut from the name as after a comma
_LIST_PARTS = re.compile(r"(,\s*|;\s*|\s+và\s+|\s+[–—-]\s+)")
_HONORIFIC_WORDS = re.compile(r"^(?:ông|bà|đồng chí|đ/c)\s+", re.IGNORECASE)


def _people(listed: str) -> list[tuple[str, str | None]]:
    """(name, title) of each person of "A, title of A và B, title of B": a part whose words are all capitalised (2 to
    5 of them) is a name, the parts up to the next name its title."""
    parts = _LIST_PARTS.split(listed)
    out: list[list[str]] = []
    for i in range(0, len(parts), 2):
        part = _HONORIFIC_WORDS.sub("", parts[i].strip())
        words = part.split()
        if 2 <= len(words) <= 5 and all(w[:1].isupper() for w in words):
            out.append([part, ""])
        elif out:
            out[-1][1] += (parts[i - 1] if out[-1][1] else "") + parts[i]
    return [(name, _clean_title(title)) for name, title in out]
# An inspection plan is an inspection: "ban hành Kế hoạch số 32/KH-UBND về Kiểm tra cải cách hành chính …".
_PLAN_OF_INSPECTION = re.compile(r"\bke hoach(?: so [\w/\-]+)?(?: ngay [\d/]+)?(?: ve| ve viec)? kiem tra (?:cong tac )?"
                                 r"(?:cai cach hanh chinh|cchc)")
_INSPECTED_AT = re.compile(r"\bkiem tra\b[^.;:]{0,80}?\b(?:tai|o)\b")  # "tại xã …", "ở xã …"
_VISIT_HINT = re.compile(r"kiem tra|lam viec|kiem tra thuc te")


MAX_TEAM_UNITS = 100  # units one team visits, at most (real teams visit a few; a sentence may name hundreds)


@dataclass
class Team:
    label: str
    leader_name: str | None
    leader_title: str | None
    sentence: Sentence
    units: list[Mention] = field(default_factory=list)
    started_on: str | None = None
    ended_on: str | None = None
    planned: bool = False  # read from a plan to inspect, not from a team's own sentence


def _name_at_end(title: str, run: str) -> tuple[str, str | None]:
    """A person's name at the end of a title's capitalised words: from the last family name that leaves two to four
    words ("Cao Lộc Nguyễn Văn An" -> "Nguyễn Văn An"); none when no family name starts one."""
    words = run.split()
    for i in range(len(words) - 3, -1, -1):
        if fold(words[i]) in _SURNAMES and 2 <= len(words) - i - 1 <= 4:
            return " ".join([title, *words[:i]]), " ".join(words[i:])
    return f"{title} {run}", None


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = re.sub(r"\s*[,–-]\s*(trưởng\s+đoàn|tổ\s+trưởng)\b.*$", "", title.strip(" ,–-"), flags=re.IGNORECASE)
    title = re.sub(r"\s+(làm|là)\s+(trưởng\s+đoàn|tổ\s+trưởng).*$", "", title.strip(" ,–-"), flags=re.IGNORECASE)
    title = re.sub(r"\s+(đã|có)\s.*$", "", title)
    if "(" not in title:
        title = title.rstrip(")")  # "(Tổ trưởng: đồng chí …, Phó Chánh Văn phòng UBND tỉnh)"
    return title.strip(" ,–-") or None


def teams(doc: Document, places: Places, year: int | None) -> list[Team]:
    found: list[Team] = []
    body = doc.body()
    any_leader = any(_LEADER.search(s.text) or _LEADER_TITLE_ONLY.search(s.text) or _LEADERS.search(s.text)
                     or _LEADERS_OF_TEAMS.search(s.text) or _LEADER_AFTER.search(s.text)
                     or _LEADER_APPOSITION.search(s.text) for s in body)
    for s in body:
        leaders = list(_LEADER.finditer(s.text))
        team_words = [m for m in _TEAM_WORD.finditer(s.folded)]
        if (many := _LEADERS.search(s.text) or _LEADERS_OF_TEAMS.search(s.text)) and (people := _people(many.group("list"))):
            for name, title in people:
                found.append(Team(f"Đoàn kiểm tra {len(found) + 1}", name, title, s))
            continue
        if not leaders and (m := _LEADER_AFTER.search(s.text) or _LEADER_APPOSITION.search(s.text)):
            found.append(Team(_label(team_words[0], s) if team_words else f"Đoàn kiểm tra {len(found) + 1}",
                              m.group("name"), _clean_title(m.group("title")), s))
            continue
        if not leaders and (m := _LEADER_TITLE_ONLY.search(s.text)) and team_words:
            title, name = _clean_title(m.group("title")), None
            if title and (split := _TITLED_NAME.match(title)):
                title, name = _name_at_end(split.group("title"), split.group("name"))  # "… huyện Cao Lộc Nguyễn Văn An"
            found.append(Team(_label(team_words[0], s), name, title, s))
            continue
        for m in leaders:
            if not (team_words or "truong doan" in s.folded or "to truong" in s.folded):
                continue
            where = m.group("where")
            label = _label(team_words[0], s) if team_words and len(leaders) == 1 else (
                f"Đoàn kiểm tra {where.strip()}" if where else f"Đoàn kiểm tra {len(found) + 1}")
            team = Team(label, m.group("name").strip(), _clean_title(m.group("title")), s)
            if where:
                sub = Sentence(s.start + m.start("where"), s.start + m.end("where"), where, fold(where), "body")
                team.units = [x for x in mentions(sub) if x.kind in ("district", "commune", "city", "department")]
            found.append(team)
        if not leaders and not any_leader and team_words and _VISIT_HINT.search(s.folded) and (
                not found or found[-1].sentence.line_kind == "title" and s.line_kind == "body" and len(found) == 1):
            found[:] = [Team(_label(team_words[0], s), None, None, s)]  # a body sentence says more than the headline
    if not found:
        for s in body:
            if m := _PLAN_OF_INSPECTION.search(s.folded):  # a plan to inspect, naming no team
                found.append(Team(s.text[m.start(): m.end()][:1].upper() + s.text[m.start() + 1: m.end()], None, None, s,
                                  planned=True))
                break
    if not found:
        # an inspection told without a team word: "Phòng Nội vụ huyện … tiến hành kiểm tra công tác CCHC tại các xã A, B":
        # the units right after "tại" are the ones inspected (those before it are who inspects); "Qua kiểm tra … tại …,
        # UBND huyện đã chấn chỉnh …" reports what came of an inspection, not one
        for s in body:
            if s.line_kind == "body" and (m := _INSPECTED_AT.search(s.folded)):
                units = [x for x in mentions(s) if x.start - s.start >= m.end() and not _excepted(x, s)
                         and x.kind in ("district", "commune", "city", "department")]
                if units and units[0].start - s.start - m.end() <= 20 and not re.match(r"\s*qua kiem tra", s.folded):
                    team = Team("Đoàn kiểm tra", None, None, s)
                    team.units = units
                    found.append(team)
                    break
    if len(found) == 1 and found[0].leader_name is None:
        # one team and no leader named as such: the one person said to have inspected leads it ("đồng chí A – Phó
        # Trưởng phòng Nội vụ huyện đã kiểm tra …", "Chủ tịch UBND tỉnh A và lãnh đạo một số sở đã đi kiểm tra …")
        for s in body:
            if "kiem tra" in s.folded and (m := _LEADER.search(s.text) or _TITLED_INSPECTOR.search(s.text)) and \
                    _INSPECTED_AFTER.match(s.text, m.end()):
                found[0].leader_name, found[0].leader_title = m.group("name").strip(), _clean_title(m.group("title"))
                break
    # units and dates for each team: its own sentence, else the document's visit sentences (one team only). Read
    # once per sentence: a sentence naming many leaders gives many teams, and reading it again for each one took
    # the square of its length.
    visit_units = _visited_units(body, places)
    visits = [s for s in body if _VISIT_HINT.search(s.folded)]
    visit_ends = [s.end for s in visits]
    own_units: dict[int, list[Mention]] = {}
    dates_of: dict[int, tuple[str, str] | None] = {}
    for team in found:
        s = team.sentence
        if not team.units:
            if id(s) not in own_units:
                own = [x for x in mentions(s) if x.kind in ("district", "commune", "city", "department")
                       and not _is_inspector(x, doc.text) and not _excepted(x, s)]
                for x in own:
                    x.unit_id = places.resolve(x)
                own_units[id(s)] = _dedupe(own)[:MAX_TEAM_UNITS]
            # a team formed by a plan names no unit in its sentence; of several teams, the first takes the units the
            # text does not share out (the conventions: the units are listed under the first)
            team.units = list(own_units[id(s)]) if not team.planned else []
            if not team.units and (len(found) == 1 or team is found[0] and not any(t.units for t in found[1:])):
                team.units = visit_units
            elif len(found) == 1 and not team.planned:
                # one team: the units its other sentences say it visits are its too ("Sáng 7/10, đoàn kiểm tra tại xã
                # A. … Đoàn sẽ kiểm tra thực tế tại các xã B, C và D")
                team.units = team.units + visit_units
            if not team.units and places.main_district and re.search(r"\b(ubnd|uy ban nhan dan) huyen\b", s.folded):
                name = places.resolver.units.loc[places.main_district, "name"]
                team.units = [Mention(name, "district", s.start, s.end, places.main_district)]
        for x in team.units:
            x.unit_id = places.resolve(x)
        team.units = _dedupe(team.units)[:MAX_TEAM_UNITS]
        if id(s) not in dates_of:
            dates_of[id(s)] = _team_dates(s, visits, visit_ends, year)
        if when := dates_of[id(s)]:
            team.started_on, team.ended_on = when
    return found


def _label(m: re.Match, s: Sentence) -> str:
    raw = s.text[m.start(): m.end()]
    if fold(raw) == "doan":  # "Đoàn đã tiến hành kiểm tra …"
        return "Đoàn kiểm tra"
    return raw[:1].upper() + raw[1:]


def _is_inspector(mention: Mention, whole: str, offset: int = 0) -> bool:
    """'UBND tỉnh Đăk Nông' in 'Đoàn kiểm tra của UBND tỉnh …', a leader's own body ('Sở Tư pháp' in 'lãnh đạo Sở Tư
    pháp'): the unit that inspects, not one inspected. `whole` is the text from `offset` on (the document's, or a
    sentence's: 40 characters before the mention within its sentence are enough)."""
    at = mention.start - offset
    before = fold(whole[max(0, at - 40): at])
    # the type word before the name is one word or two ("của UBND thành phố Tam Kỳ")
    if mention.kind != "province" and (office := _OFFICE_OF.search(fold(whole[max(0, at - 70): at]))) and not _VISIT_WORD.search(office.group(0)):
        return True  # "Phó Trưởng phòng Phòng Kiểm tra và Pháp chế, Sở Nội vụ": a person's office, not a unit visited
    if _OBJECT_OF.search(before):
        return False  # "đã kiểm tra công tác CCHC của xã Bình Tú": whose work is checked, not who checks
    if mention.kind == "department" and (
            _TEAM_OF.search(before) or _SENDS_TEAMS.match(fold(whole[mention.end - offset: mention.end - offset + 60]))):
        # "đoàn công tác Sở Nội vụ …", "Sở Nội vụ với 02 tổ kiểm tra …": whose team, not where it went (a department
        # inspects others; a district's own team is kept, as the gold keeps the district whose communes it visits)
        return True
    return bool(re.search(r"(cua|lanh dao|giam doc|chu tich|truong|thanh vien|uy vien)\s+(ubnd\s+|ban chi dao\s+)?"
                          r"(?:thanh pho|thi xa|thi tran|dac khu|\S*)\s*$", before)) or mention.kind == "province"


# The body a team belongs to, named right after the team word ("đoàn công tác Sở Nội vụ", "tổ kiểm tra của Sở …"), or
# as the subject that sends its teams ("Sở Nội vụ với 02 tổ kiểm tra …", "… (tỉnh X) cùng 2 đoàn kiểm tra …").
_TEAM_OF = re.compile(r"\b(?:doan|to)\s+(?:kiem tra|cong tac)(?:\s+(?:cong vu|dot xuat|cai cach hanh chinh|cchc))?"
                      r"(?:\s+cua)?\s+(?:ubnd\s+)?(?:thanh pho|thi xa|thi tran|\S*)\s*$")
_SENDS_TEAMS = re.compile(r"(?:\s*(?:tinh|thanh pho|tp\.?)\s+[^\W\d]+(?:\s+[^\W\d]+){0,2}?)?\s*,?\s*(?:voi|cung)\s+"
                          r"(?:\d+|hai|ba|bon|nam|cac)\s+(?:doan|to)\s+(?:kiem tra|cong tac)\b")


# The work checked, then whose it is: "(đã) kiểm tra công tác CCHC của xã …" (not "Đoàn kiểm tra công tác … của tỉnh").
_OBJECT_OF = re.compile(r"(?<!doan )(?<!to )\bkiem tra\s+(?:cong tac|viec|tinh hinh|ket qua|hoat dong)\b[^,;.]{0,30}?"
                        r"\bcua\s+(?:ubnd\s+)?(?:thanh pho|thi xa|thi tran|\S*)\s*$")
# A person's title naming an office of a unit, just before the unit: "Trưởng phòng Phòng Kiểm tra và Pháp chế Sở …"
_OFFICE_OF = re.compile(r"\b(?:(?:pho )?truong phong|chanh van phong|pho chanh van phong|chuyen vien|(?:pho )?truong ban)\b[^;()]{0,45}$")
_VISIT_WORD = re.compile(r"\b(tai|lam viec|voi|den)\b|(?<!phong )\bkiem tra\b")  # not "Phòng Kiểm tra …"


# A list of the units inspected: "Các đơn vị được kiểm tra bao gồm: …", "kiểm tra đột xuất 5 đơn vị: …".
_UNIT_LIST = re.compile(r"(?:(?:don vi|co quan|dia phuong)[^:;.]{0,30}(?:duoc|se duoc) kiem tra[^:;.]{0,20}|"
                        r"kiem tra[^:;.]{0,40}\b\d+\s+(?:don vi|co quan|dia phuong|xa|huyen|so)[^:;.]{0,30}):")
# Units named as NOT inspected: "(trừ 3 xã: Nhơn Lý, Nhơn Hải và Nhơn Châu)".
_EXCEPT = re.compile(r"\b(tru|ngoai tru|khong bao gom)\b[^()]{0,40}$")


def _excepted(mention: Mention, s: Sentence) -> bool:
    """A unit the text names as not inspected ("tại 18 xã, phường (trừ 3 xã: Nhơn Lý, …)")."""
    at = mention.start - s.start
    return bool(_EXCEPT.search(s.folded[max(0, at - 60): at]))


_LIST_GAP = re.compile(r"\s*(?:,|;|va)\s*(?:(?:ubnd|uy ban nhan dan)\s+)?(?:thanh pho|thi xa|thi tran|huyen|quan|xa|phuong|so|tp\.?)?\s*")


def _visited_units(body: list[Sentence], places: Places) -> list[Mention]:
    out: list[Mention] = []
    for s in body:
        if not re.search(r"kiem tra|lam viec|mot cua", s.folded):
            continue
        listed = _UNIT_LIST.search(s.folded)
        previous_end = None  # where the last unit taken from this sentence ends
        for x in mentions(s):
            if x.kind in ("district", "commune", "city", "department") and not _is_inspector(x, s.text, s.start):
                at = x.start - s.start
                before = s.folded[max(0, at - 60): at]
                if _excepted(x, s):
                    continue
                if re.search(r"\b(thong qua|gui ve|bao cao ve|cua)\b[^,;]{0,25}$", before):
                    continue  # "gửi về UBND tỉnh (thông qua Sở Nội vụ)": where reports go, not a unit inspected
                # the next of a list of units taken ("tại Sở Y tế, …, UBND huyện Tuy Phước, UBND thị xã An Nhơn")
                follows = previous_end is not None and _LIST_GAP.fullmatch(s.folded, previous_end - s.start, at)
                if (follows or listed and at >= listed.end()
                        or re.search(r"(tai|voi|o|cac|va|ubnd|mot cua\"?)\s*(ubnd\s*)?$", before.strip() + " ")
                        or re.search(r"\btai\b[^();]*$", before)):
                    out.append(x)
                    previous_end = x.end
    return out


def _dedupe(units: list[Mention]) -> list[Mention]:
    seen, out = set(), []
    for x in units:
        key = x.unit_id or squash(x.name)
        if key not in seen:
            seen.add(key)
            out.append(x)
    return out


# Days that are not the visit's: a document's date ("Kế hoạch số … ngày 29/5/2024", "Quyết định số 1551/QĐ-UBND ngày
# 01/7/2020"), a deadline ("báo cáo … trước ngày 7/2/2017", "chậm nhất ngày …").
_NOT_VISIT_DAY = re.compile(r"(?:ke hoach|quyet dinh|cong van|thong bao|chi thi|nghi quyet|to trinh|bao cao|van ban)(?: so)?:? "
                            r"\S+ ngay [\d/]+(?: thang \d+ nam \d+)?|"
                            r"(?:truoc|cham nhat(?: la)?|han(?: chot| cuoi)?(?: la)?|ke tu)\s+ngay\s+[\d/]+|"
                            # a page's date-and-time stamp ("03/09/2025 16:07", "14:32 31/05/2023"): when it was posted
                            r"\d{1,2}/\d{1,2}/\d{4},?\s+\d{1,2}:\d{2}\b|\b\d{1,2}:\d{2},?\s+\d{1,2}/\d{1,2}/\d{4}")
# A sentence that forms a team: the day it opens with is the day of the decision, not of the visit.
# So is a sentence that issues a paper ("Ngày 20/9/2021, Sở Nội vụ có Báo cáo kết quả kiểm tra …", "… ký Thông báo
# kết luận …"): that day is the paper's, not the visit's. Not "công bố": a team meets a unit "để công bố dự thảo kết
# quả kiểm tra" on a day of its visit (example seed_daknong_2023).
_FORMED = re.compile(r"\bthanh lap\b|\bquyet dinh\b|\bban hanh\b|\bda ky\b|\bky (?:thong bao|van ban|cong van|bao cao)\b|"
                     r"\bco (?:bao cao|van ban|thong bao|cong van|to trinh)\b")  # "đã ký", not "kỷ luật", "Tam Kỳ"
_VISIT_TIME = re.compile(r"\bthoi gian (?:kiem tra|lam viec|tien hanh kiem tra)\b|\bkiem tra (?:du kien )?(?:tu|trong|vao) (?:ngay|cac ngay)\b")
_VISIT_DAY_CUE = re.compile(r"\b(tu ngay|kiem tra (?:dot xuat |thuc te )?(?:tu|trong|vao|tai)|lam viec (?:tu|trong|vao)|trong (?:2|hai|3|ba) ngay)\b")


def _team_dates(sentence: Sentence, visits: list[Sentence], ends: list[int], year: int | None) -> tuple[str, str] | None:
    """The first date of the team's sentence, else of the last two visit sentences before it, else of the next one
    after it (`visits`: the body's sentences that speak of inspecting or working, in order; `ends`: where each ends)."""
    before = bisect.bisect_right(ends, sentence.start)
    # then the next visit sentence: "Trưởng đoàn: ông … . Từ ngày 3-5/8/2020, đoàn đã kiểm tra tại …"
    after = bisect.bisect_right(ends, sentence.end)
    # and, a little further on, a sentence that says when the visits are ("Kế hoạch yêu cầu … phục vụ đoàn kiểm tra.
    # Thời gian kiểm tra dự kiến từ ngày 20 - 25/5/2023"): its cue says the date is the visit's
    candidates = [sentence] + visits[max(0, before - 2): before][::-1] + visits[after: after + 1] + [
        v for v in visits[after + 1: after + 4] if _VISIT_TIME.search(v.folded)]
    for s in candidates:
        # a plan's date and a deadline ("báo cáo … trước ngày 7/2/2017", "chậm nhất ngày …") are not the visit's
        folded = _NOT_VISIT_DAY.sub(lambda m: " " * len(m.group(0)), s.folded)
        formed = _FORMED.search(folded) and not _VISIT_DAY_CUE.search(folded)
        for d in dates(folded, year):
            if formed and not (d.start_date < d.end_date):
                continue  # "Ngày 11/3/2019, UBND tỉnh ban hành quyết định thành lập đoàn …": the decision's day
            return d.start_date.isoformat(), d.end_date.isoformat()
    return None


# ---------------------------------------------------------------------------------------------------- indicators
@dataclass(frozen=True)
class Rule:
    code: str | None  # None: an index the catalogue lacks (its figures are not recorded)
    pattern: re.Pattern
    percent: bool


_PCT_RULES = [Rule(c, re.compile(p), True) for c, p in [
    ("OPS_ONLINE_DVC_PCT", r"dich vu cong.{0,40}phat sinh ho so|phat sinh ho so truc tuyen"),
    ("OPS_ONLINE_PAYMENT_PCT", r"thanh toan"),
    ("OPS_DIGITISED_PCT", r"so hoa"),
    ("OPS_DIGITAL_SIGNATURE_PCT", r"ky so|chu ky so"),
    ("OPS_EDOC_PCT", r"van ban.{0,60}(moi truong mang|dien tu)|van ban di, den"),
    ("OPS_TASKS_DONE_PCT", r"nhiem vu.{0,40}hoan thanh|hoan thanh.{0,40}nhiem vu"),
    ("OPS_ONLINE_RECEIVED_PCT", r"tiep nhan.{0,30}truc tuyen|(ho so|nop).{0,15}truc tuyen|dich vu cong truc tuyen muc do"),
    ("OPS_ONTIME_PCT", r"dung han|truoc han|dung va truoc han|(dung|truoc|dung va truoc) thoi (gian|han) quy dinh"),
    ("PAR_INDEX", r"chi so cai cach hanh chinh|par index|chi so cchc"),
    ("SIPAS", r"sipas|hai long"),
    ("OPS_APOLOGY_PCT", r"xin loi"),
    ("PAPI", r"\bpapi\b|hieu qua quan tri va hanh chinh cong"),
    ("PCI", r"\bpci\b|nang luc canh tranh"),
    (None, r"chuyen doi so|\bdti\b|\bict index\b|chi so (san sang|ung dung cntt)"),  # indexes the catalogue lacks
]]
_COUNT_RULES = [  # (code, pattern ending just before the number, pattern starting just after it) on the folded clause
    ("OPS_DOSSIERS_RECEIVED", r"(tiep nhan|(tong so|moi tiep nhan|yeu cau giai quyet).{0,40}la)\s+$", r"^\s*(bo|ho so)\b"),
    ("OPS_DOSSIERS_RECEIVED", r"(tiep nhan|co)\s+$", r"^\s*ho so yeu cau"),
    ("OPS_OVERDUE_DOSSIERS", r"(tre han|qua han)( la)?\s+$", r"^\s*(ho so)?"),
    ("OPS_OVERDUE_DOSSIERS", r"\s$", r"^\s*(bo\s+)?ho so (giai quyet )?(tre han|qua han)"),
    ("OPS_PENDING_DOSSIERS", r"dang giai quyet\s+$", r"^\s*(bo\s+)?ho so"),
    ("OPS_PENDING_DOSSIERS", r"\s$", r"^\s*(bo\s+)?ho so dang giai quyet"),
    ("OPS_TASKS_TOTAL", r"(tiep nhan|giao|xu ly)\s+$", r"^\s*nhiem vu"),
    ("OPS_TASKS_DONE", r"(dung han|hoan thanh)\s+$", r"^\s*nhiem vu"),
    ("OPS_TTHC_CUT_COUNT", r"cat giam.{0,60}(doi voi|cat giam)\s+$", r"^\s*(tthc|thu tuc)"),
    ("OPS_APOLOGY_LETTERS", r"\s$", r"^\s*thu xin loi"),
    ("OPS_RETURNED_NO_REASON", r"tra lai\s+$", r"^\s*ho so.{0,30}khong (co )?ly do"),
]
_CHANGE_BEFORE = re.compile(r"(tang|giam|thap hon|cao hon|chiem|hon|kem|vuot|\+|-)\s*$")
_TARGET_BEFORE = re.compile(r"(chi tieu|ke hoach|muc tieu)( (duoc )?giao| de ra| cua tinh| la)?\s*$")
# Compiled to match at a position of the clause (`pattern.match(clause, n.end)`): a slice of the rest of the clause for
# each number copied the clause once per number.
_COUNT_RULES = [(code, re.compile(pre), re.compile(post.removeprefix("^"))) for code, pre, post in _COUNT_RULES]
_GAP = re.compile(r"\s*(,\s*)?(vuot|cao hon|thap hon|giam)\s+(?P<n>\d+(?:,\d+)?)\s*%\s*so voi (ke hoach|chi tieu|muc tieu)")


@dataclass
class Value:
    code: str
    value: float | None
    approx: bool
    sentence: Sentence
    unit: Mention | None
    period: str | None
    gap: float | None = None
    target: float | None = None
    at: int = 0  # where the number is in the whole text
    qualifier: str | None = None    # "trên" of "trên 97 %", as written
    change: float | None = None     # in points against the previous period
    rank: int | None = None
    rank_of: int | None = None
    rank_change: int | None = None  # places gained (negative: lost)
    spans: dict = field(default_factory=dict)  # field -> [start, end) in the whole text: the words it was read from


def _clauses(s: Sentence) -> list[tuple[int, str]]:
    """(offset in the sentence, folded clause) split at ';' and at 'trong đó' (what follows is a part)."""
    out, pos = [], 0
    for piece in re.split(r"(;|\btrong do\b)", s.folded):
        if piece not in (";", "trong do"):
            out.append((pos, piece))
        pos += len(piece)
    return out


def province_names(resolver: UnitResolver, structure: str) -> re.Pattern:
    """Province names written bare, as national rankings do ("Quảng Ninh tiếp tục dẫn đầu … 92,18%"), and
    ministries ("Bộ Tư pháp … 89,95%"), whose figures are not a province's."""
    units = resolver.units
    names = sorted(units[(units.structure == structure) & (units.level == "province")].short_name, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?P<ministry>Bộ\s+(?:[A-ZĐ]\w*\s*){1,5}|Ngân hàng Nhà nước|Văn phòng Chính phủ|Thanh tra Chính phủ|"
                      r"Ủy ban Dân tộc|Uỷ ban Dân tộc)|(?<![\w])(?:TP\.?\s*)?(?P<province>"
                      + "|".join(re.escape(n) for n in names) + r"|(?<=TP\.)HCM|(?<=TP)HCM|(?<=TP )HCM|(?<=Tp\.)HCM)(?![\w])")


def province_name(matched: str) -> str:
    """The name a bare match stands for ("HCM" of "TP.HCM" is Hồ Chí Minh)."""
    return "Hồ Chí Minh" if matched == "HCM" else matched


_WORD_BEFORE = re.compile(r"([" + _CAPITAL + r"]\w*)\s+$")


def in_a_persons_name(text: str, start: int) -> bool:
    """Whether a province's name at `start` ends a person's name: "Phó Thủ tướng Trương Hòa Bình", "ông Lê Hà Nam"
    (a capitalised surname just before it)."""
    m = _WORD_BEFORE.search(text[max(0, start - 12):start])
    return bool(m) and fold(m.group(1)) in _SURNAMES


def _bare_mentions(s: Sentence, pattern: re.Pattern | None) -> list[Mention]:
    if pattern is None:
        return []
    out = []
    for m in pattern.finditer(s.text):
        if m.group("province") and in_a_persons_name(s.text, m.start()):
            continue
        if m.group("ministry"):
            out.append(Mention(m.group("ministry").strip(), "ministry", s.start + m.start(), s.start + m.end()))
        else:
            out.append(Mention(f"tỉnh {province_name(m.group('province'))}", "province", s.start + m.start("province"),
                               s.start + m.end("province")))
    return out


def indicator_values(doc: Document, bare_names: re.Pattern | None = None, year: int | None = None) -> list[Value]:
    out: list[Value] = []
    doc_period = next((p for s in doc.sentences if s.line_kind == "title" and (p := period(s.folded))), None)
    topic = next((r for s in doc.sentences[:4] for r in _PCT_RULES if r.code in ("PAR_INDEX", "SIPAS") and r.pattern.search(s.folded)),
                 None)
    line_period: tuple[int, str | None] = (-1, None)
    body = doc.body()
    line_ends = [m.start() for m in re.finditer("\n", doc.text)]
    last_of: dict[tuple[str, str], Value] = {}  # (code, unit name) -> its latest value: a later sentence's rank change
    for s in [s for s in body if s.line_kind != "title"] + [s for s in body if s.line_kind == "title"]:  # a headline repeats
        line = bisect.bisect_left(line_ends, s.start)  # the line it is on (counting from the start for each: quadratic)
        own = period(s.folded)
        if own:
            line_period = (line, own)
        sentence_period = own or (line_period[1] if line_period[0] == line else None) or doc_period
        if not re.search(r"\d|mot bac|\bbac\b|dan dau|dung dau", s.folded):
            continue
        # a department's figure is the department's when it is the clause's subject ("Sở Tư pháp dẫn đầu với 92,3%",
        # "Sở Y tế đạt 90,1%"), not the province's; a department only named (its report, "theo Sở Nội vụ") is not
        typed = [m for m in mentions(s) if m.kind != "department" or _DEPARTMENT_SAYS.match(s.folded, m.end - s.start)]
        covered = _Covered(typed)
        unit_before = _UnitBefore(sorted(typed + [m for m in _bare_mentions(s, bare_names) if not covered(m.start)],
                                         key=lambda m: m.start))
        first = len(out)
        events: list[tuple[int, Value | None]] = []  # the sentence's figures in order: a value, or None for one that is no value
        for offset, clause in _clauses(s):
            previous_end = 0
            for n in numbers(clause):
                # What comes before the number as far as the patterns anchored at its end can see: the whole clause
                # before each number made the rules read a long clause once per number it holds.
                head = _end_of(clause, n.qstart)
                before = clause[previous_end: n.qstart]
                context = s.folded[max(0, offset + n.start - 160): offset + n.start]  # the sentence before it
                previous_end = n.end
                at = s.start + offset + n.start
                points = n.percent or bool(_POINTS_BEFORE.search(head))
                if points:
                    if _TARGET_BEFORE.search(head) and out and out[-1].sentence is s:
                        out[-1].target = n.value  # "đạt 45,6%, chưa đạt chỉ tiêu 60% tỉnh giao"
                        continue
                    if _AIMED.search(head):
                        events.append((at, None))
                        continue  # "Mục tiêu năm 2023, tỉnh phấn đấu đạt 60% …": a figure aimed at, not reached
                    if _is_change(head, n):
                        continue  # "tăng 2,61% so với năm 2022": read as a change below
                    if scores.not_a_value(s.folded, offset + n.qstart, offset + n.end, year):
                        events.append((at, None))
                        continue
                    rule = _best_rule(before)
                    tail = before.rstrip()
                    if rule is None and (not tail or tail[-1] in ",;:(" or tail.endswith((" co", " voi"))
                                         or _NOUN_AFTER.match(clause, n.end)):
                        # "100% văn bản đi, đến được xử lý trên …"
                        rule = _best_rule(clause[n.end: n.end + 80].split(";")[0], first=True)
                    rule = rule or _best_rule(context)
                    near_unit = re.search(r"(" + _UNIT_WORDS + r")[^%]{0,40}$", before) or re.search(r"(dat|la|voi|\()\s*$", before)
                    if rule is None and topic is not None and (near_unit or n.points):
                        rule = topic  # "Hà Nội (91,43%, xếp thứ 3)" in a report about one index
                    if rule is None or rule.code is None or rule.code == "OPS_APOLOGY_PCT" and "xin loi" not in before:
                        continue
                    unit = unit_before(at)
                    if unit is not None and unit.kind == "ministry" or _of_a_group(clause, n.qstart, offset, unit, s):
                        events.append((at, None))
                        continue  # a ministry's figure, a group's (national average): not a unit of the dashboard
                    code = rule.code
                    if rule is topic and code == "PAR_INDEX" and n.points:
                        # "cải cách thủ tục hành chính đạt 10,5/14 điểm" in a report about the index: that area's score
                        code = _code_before(s.folded, offset + n.qstart, topic) or code
                    value = Value(code, n.value, n.approx, s, unit, sentence_period, at=at)
                    value.spans["value"] = [at, s.start + offset + n.end]
                    if n.qualifier:
                        value.qualifier = s.text[offset + n.qstart: offset + n.qstart + len(n.qualifier)]
                        value.spans["qualifier"] = [s.start + offset + n.qstart, at]
                    if gap := _GAP.match(clause, n.end):
                        sign = -1 if gap.group(2) in ("thap hon", "giam") else 1
                        value.gap = sign * float(gap.group("n").replace(",", "."))
                    out.append(value)
                    events.append((at, value))
                else:
                    for code, pre, post in _COUNT_RULES:
                        if pre.search(head) and post.match(clause, n.end):
                            unit = unit_before(s.start + offset + n.start)
                            if unit is not None and unit.kind == "ministry":
                                break  # a ministry's count ("Bộ Tư pháp tiếp nhận 12 hồ sơ"): no unit of the dashboard
                            out.append(Value(code, n.value, n.approx, s, unit, sentence_period, at=s.start + offset + n.start))
                            events.append((at, out[-1]))
                            break
            if m := re.search(r"khong (co )?(con )?ho so (giai quyet )?(qua han|tre han)", clause):  # "không có hồ sơ quá hạn"
                out.append(Value("OPS_OVERDUE_DOSSIERS", 0.0, False, s, unit_before(s.start + offset + m.start()),
                                 sentence_period, at=s.start + offset + m.start()))
            if m := re.search(r"tu (\d[\d.]*) ngay xuong (con )?(\d[\d.]*) ngay", clause):
                unit = unit_before(s.start + offset + m.start())
                at = s.start + offset + m.start()
                out.append(Value("OPS_TTHC_DAYS_BEFORE", float(m.group(1).replace(".", "")), False, s, unit, sentence_period, at=at))
                out.append(Value("OPS_TTHC_DAYS_AFTER", float(m.group(3).replace(".", "")), False, s, unit, sentence_period, at=at))
        out.extend(_marked(s, events, unit_before, topic, sentence_period, last_of, year))
        for v in out[first:]:
            last_of[(v.code, v.unit.name if v.unit else "")] = v
    return _dedupe_values(out)


# Between a rank and the unit it is of, words that lead to a name ("đứng đầu cả nước là Hải Phòng"): no comma, no "sau"
# ("đứng thứ 3 …, sau Thừa Thiên Huế (87,01%)": behind that unit, the rank stays the subject's).
_NAMED_NEXT = re.compile(r"[^,;:(]{0,30}")
_NOT_NAMED_NEXT = re.compile(r"\b(sau|truoc|hon|chi sau|tren|duoi)\b")
_DEPARTMENT_SAYS = re.compile(r"[^,;.]{0,25}?\b(dat|dan dau|dung dau|xep (thu|hang|vi tri)|dung thu|co (chi so|diem)|voi)\b")
_AIMED = re.compile(r"\b(phan dau|muc tieu|du kien|ke hoach de ra)\b[^;.]{0,80}$")
# "100% hồ sơ … đúng hạn": the figure comes first, what it measures after it.
_NOUN_AFTER = re.compile(r"\s*(ho so|van ban|thu tuc|tthc|nhiem vu|dich vu|can bo|cong chuc)\b")
INDEX_CODES = {"PAR_INDEX", "SIPAS", "PAPI", "PCI", *(f"PAR_A{i}" for i in range(1, 9))}
# A figure in points after words naming it a score: "Điểm số trung bình … của các sở, ban, ngành là 90,60".
_POINTS_BEFORE = re.compile(r"\bdiem(?: so)?\b[^;:%]{0,80}\b(?:la|dat)\s*$")
_CHANGE_VERB = re.compile(r"\b(tang|giam|tut|cao hon|thap hon|nhieu hon|it hon|chenh lech)\b(?![^,;(]*\b(dat|la)\b)[^,;(]{0,40}$")


def _is_change(head: str, n) -> bool:
    """A percentage that is a change, not a value: after "tăng", "giảm", "cao hơn" … with no "đạt"/"là" between
    ("tăng 2,61% so với năm 2022", "giảm nhiều nhất là 2.94%" is still a change: "là" names the amount)."""
    tail = head.rstrip()
    if _CHANGE_BEFORE.search(tail[-12:]) and not re.search(r"(dat|la)\s*$", tail):
        return True
    if n.qualifier == "hon" and re.search(r"(cao|thap|nhieu|it|tang|giam)\s*$", tail):
        return True  # "cao hơn 2.65%": "hơn" read as the qualifier of the number
    return bool(re.search(r"\b(tang|giam)\b[^,;(%]{0,30}\b(nhat|nhieu|it)\b[^,;(%]{0,10}\bla\s*$", tail)) or bool(
        _CHANGE_VERB.search(tail[-60:]) and not re.search(r"\b(dat|la|voi)\s*$", tail))


_LEVEL_GROUP = re.compile(r"\b(cac so|khoi so|cac quan|cac huyen|cap huyen|cap xa|cac xa|ca (3|ba|hai|2) cap|khoi huyen)\b")


def _of_a_group(clause: str, qstart: int, offset: int, unit: Mention | None, s: Sentence) -> bool:
    """A figure said of a national group ("của các tỉnh, thành phố trực thuộc Trung ương … đạt 86,37%"): no unit named
    after the group, within the clause (200 characters before the figure)."""
    a = max(0, qstart - 200)
    last = None
    for m in scores.NATIONAL_GROUP.finditer(clause, a, qstart):
        last = m
    if last is None or _LEVEL_GROUP.search(clause, last.end(), qstart):
        return False
    return unit is None or unit.start < s.start + offset + last.start()


def _marked(s: Sentence, events: list, unit_before, topic, sentence_period, last_of: dict, year: int | None) -> list[Value]:
    """Ranks, rank changes and changes of the sentence, set on the value they are said of (the figure before them in
    the sentence; a rank said first, the figure after it), or on a value of their own when the sentence gives none
    ("tụt 5 bậc so với năm 2014" of a district's index whose value the text does not give)."""
    created: list[Value] = []
    positions = [at for at, _ in events]
    for mk in scores.marks(s.folded):
        pos = s.start + mk.start
        if scores.of_another_year(s.folded, mk.start, mk.end, year):
            continue  # "Đứng vị trí thứ 2 về Chỉ số CCHC năm 2021, …" in a report about 2022
        i = bisect.bisect_left(positions, pos)
        owner = events[i - 1][1] if i else None
        if i and owner is None:
            continue  # said of a figure that is no unit's value (a national average's change)
        following = events[i][1] if i < len(events) else None
        if mk.kind == "rank" and following is not None and (
                (owner is None or owner.rank is not None) and events[i][0] - pos < 80
                # the unit the next figure is of is named after the rank, in the same clause: "đứng đầu cả nước là
                # Hải Phòng đạt 91,26" is Hải Phòng's first place, not the figure's before it
                or following.unit is not None and following.unit.start > pos
                and _NAMED_NEXT.fullmatch(between := s.folded[mk.end: following.unit.start - s.start])
                and not _NOT_NAMED_NEXT.search(between)):
            owner = following
        if owner is not None and (owner.code not in INDEX_CODES and mk.kind != "change" or getattr(owner, mk.kind) is not None):
            owner = None
        if owner is None:
            code = _code_before(s.folded, mk.start, topic)
            unit = unit_before(pos)
            if code is None or unit is not None and unit.kind == "ministry":
                continue
            earlier = last_of.get((code, unit.name if unit else ""))
            if mk.kind != "change" and earlier is not None and getattr(earlier, mk.kind) is None and unit is not None:
                owner = earlier  # "… Đồng Nai đạt 82,92% điểm, đứng thứ 51/63. … Đồng Nai … vẫn tăng được 4 bậc."
            else:
                owner = Value(code, None, False, s, unit, sentence_period, at=pos)
                created.append(owner)
                events.insert(i, (pos, owner))
                positions.insert(i, pos)
        setattr(owner, mk.kind, int(mk.value) if mk.kind != "change" else mk.value)
        if mk.kind == "rank" and mk.of:
            owner.rank_of = mk.of
        owner.spans[mk.kind] = [pos, s.start + mk.end]
    return created


def _code_before(folded: str, end: int, topic) -> str | None:
    """The index a change or rank without a figure is about, from the words just before it (since the last ';', ':'
    or sentence start, 120 characters at most): an index named there, else a PAR area named there in a report
    about the PAR index ("xây dựng chính quyền điện tử, chính quyền số (tăng 13,09%)"), else the report's index."""
    start = max(0, end - 120)
    cut = max(folded.rfind(";", start, end), folded.rfind(":", start, end))
    segment = folded[cut + 1 if cut >= 0 else start: end]
    rule = _best_rule(segment)
    if rule is not None and rule.code in INDEX_CODES - {"PAR_INDEX"}:
        return rule.code
    if (rule is None or rule.code == "PAR_INDEX") and topic is not None and topic.code == "PAR_INDEX" or (
            rule is not None and rule.code == "PAR_INDEX"):
        named = [a for a, pattern in AREA_NAMES.items() if pattern.search(segment)]
        if len(named) == 1 and (rule is None or "chi so" not in segment):
            return f"PAR_{named[0]}"
        return "PAR_INDEX"
    if rule is None and topic is not None:
        return topic.code
    return None


_UNIT_WORDS = r"[A-ZĐ]\w+|tinh|huyen|thanh pho|thi xa|xa|phuong"


def _best_rule(context: str, *, first: bool = False) -> Rule | None:
    """The rule whose words end closest before the number; where several rules' words overlap there, the more
    specific one ("hồ sơ thanh toán trực tuyến" is a payment rate before it is an online dossier rate; "hồ sơ trực
    tuyến được giải quyết đúng hạn" is an on-time rate). `first`: the words that start closest after the number."""
    hits = [(rule, m) for rule in _PCT_RULES for m in rule.pattern.finditer(context)]
    if not hits:
        return None
    last = (min(hits, key=lambda h: h[1].start()) if first else max(hits, key=lambda h: h[1].end()))[1]
    overlapping = [rule for rule, m in hits if m.start() < last.end() and m.end() > last.start()]
    return min(overlapping, key=_PCT_RULES.index)


def _end_of(text: str, end: int, keep: int = 120) -> str:
    """`text[:end]` as far as a pattern anchored at its end (`…\\s*$`, 80 characters at most besides the spaces) can
    reach: the spaces before `end`, and `keep` characters before them."""
    start = end
    while start > 0 and text[start - 1].isspace():  # str.isspace and the patterns' \s are the same characters
        start -= 1
    return text[max(0, start - keep): end]


class _Covered:
    """Whether a position is inside one of the mentions (which may overlap): a search, not a loop over them."""

    def __init__(self, mentions: list[Mention]):
        spans = sorted((m.start, m.end) for m in mentions)
        self.starts = [a for a, _ in spans]
        self.reach = list(itertools.accumulate((b for _, b in spans), max))  # the furthest end so far

    def __call__(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos)
        return i > 0 and self.reach[i - 1] > pos


class _UnitBefore:
    """The last of the units (in their order) that ends at or before a position, found by a search."""

    def __init__(self, units: list[Mention]):
        self.units = units
        order = sorted(range(len(units)), key=lambda i: units[i].end)
        self.ends = [units[i].end for i in order]
        self.last = list(itertools.accumulate(order, max))  # the latest unit among those ending first

    def __call__(self, pos: int) -> Mention | None:
        i = bisect.bisect_right(self.ends, pos)
        return self.units[self.last[i - 1]] if i else None


def _dedupe_values(values: list[Value]) -> list[Value]:
    """Each value once; a headline's figure that the body states otherwise for the same measure is its rounding
    ("100% hồ sơ đúng hạn" over a body's 99,8%), not a second value."""
    seen, out = set(), []
    in_body = {(v.code, v.unit.name if v.unit else None) for v in values if v.sentence.line_kind != "title" and v.value is not None}
    in_body |= {(code, None) for code, _ in in_body}
    for v in values:
        if v.sentence.line_kind == "title" and v.value is not None and (v.code, v.unit.name if v.unit else None) in in_body:
            continue
        key = (v.code, v.value, v.unit.name if v.unit else None, v.change, v.rank_change)
        if key not in seen:
            seen.add(key)
            out.append(v)
    return out


# ---------------------------------------------------------------------------------------------------- findings
AREA_WORDS = {
    "A7": r"truc tuyen|dich vu cong|chu ky so|ky so|so hoa|chuyen doi so|chinh quyen (dien tu|so)|cong nghe thong tin|"
          r"thiet bi|trang thong tin dien tu|cong thong tin|phan mem|mang internet|may tinh|van ban (dien tu|di, den)|"
          r"he thong thong tin|thanh toan",
    "A3": r"thu tuc hanh chinh|tthc|ho so|mot cua|giai quyet|xin loi|niem yet|cong khai|tra ket qua|tiep nhan",
    # the hours kept and absences from the office are the civil service's discipline (Chỉ thị 26/CT-TTg)
    "A5": r"ky luat|ky cuong|cong vu|can bo|cong chuc|quy hoach|dao tao|thuc thi|trach nhiem cong vu|vang mat|"
          r"gio giac|gio lam viec|gio hanh chinh",
    "A4": r"to chuc bo may|bien che|tinh gian|vi tri viec lam|sap xep",
    "A6": r"tai chinh|ngan sach|tu chu|chi tieu noi bo",
    "A2": r"the che|van ban quy pham|phap luat|van ban phap|quy che",
    "A8": r"hai long|nguoi dan va doanh nghiep|tac dong|sipas",
    "A1": r"chi dao|dieu hanh|ke hoach|tuyen truyen|kiem tra|nguoi dung dau|tien do|nhiem vu",
}
_ORDER = ["A7", "A3", "A5", "A4", "A6", "A2", "A8", "A1"]
# The names of the eight areas as reports list them (the content of an inspection, the areas of an index), old names
# included: "hiện đại hóa hành chính" is A7, "xây dựng và nâng cao chất lượng đội ngũ CBCCVC" A5, "xây dựng và tổ chức
# thực hiện văn bản QPPL" A2. Narrower than AREA_WORDS, which place a finding's sentence.
AREA_NAMES = {a: re.compile(p) for a, p in {
    # Each area by the words that define it in the national PAR programme (Nghị quyết 76/NQ-CP, the eight areas of
    # the PAR INDEX), not by one report's list: direction includes propaganda of PAR; the apparatus its arrangement,
    # staffing quotas and job positions; public finance the use of budgets and autonomy; the e-government area is
    # named "Chính phủ điện tử, Chính phủ số" nationally and "chính quyền …" locally.
    "A1": r"chi dao,? (va )?dieu hanh|cong tac chi dao|(?:trien khai|thuc hien) (?:cac )?van ban chi dao|"
          r"(?:cong tac |viec )?tuyen truyen\b",
    "A2": r"the che|van ban quy pham phap luat|van ban qppl|ra soat,? (?:he thong hoa )?van ban|thi hanh phap luat",
    "A3": r"thu tuc hanh chinh|\btthc\b|mot cua",
    # how the reorganised local government runs ("vận hành mô hình chính quyền địa phương 2 cấp") is its apparatus
    "A4": r"to chuc bo may|bo may hanh chinh|(?:van hanh|hoat dong) (?:theo )?mo hinh chinh quyen|"
          r"sap xep (?:lai )?(?:to chuc|bo may|cac co quan|don vi)|\bbien che\b|vi tri viec lam",
    "A5": r"che do cong vu|\bcong vu\b|doi ngu can bo|can bo, cong chuc, vien chuc|\bcbccvc\b|ky luat,? ky cuong|"
          r"tuyen dung|danh gia,? xep loai (?:can bo|cong chuc|vien chuc)|gio giac|gio lam viec|gio hanh chinh",
    "A6": r"tai chinh cong|cai cach tai chinh|quan ly,? su dung (?:kinh phi|ngan sach|tai san cong)|"
          r"(?:co che |quyen )?tu chu (?:ve )?tai chinh",
    "A7": r"hien dai hoa( nen)? hanh chinh|chinh quyen dien tu|chinh quyen so|chuyen doi so|ung dung cong nghe thong tin|"
          r"chinh phu (?:dien tu|so)|ung dung cntt",
    "A8": r"hai long|sipas|tac dong cua cai cach",
}.items()}


_DIGITAL_RATE = re.compile(r"\bty le\b[^,;]{0,60}\b(truc tuyen|so hoa|ky so|thanh toan)")


def area_of(folded: str) -> str:
    """The PAR area whose words occur most (ties: the more specific area first; no word: direction, A1)."""
    if _DIGITAL_RATE.search(folded):
        return "A7"  # "tỷ lệ hồ sơ TTHC … trực tuyến": what is measured is the online service, however often "hồ sơ" is said
    scores = {a: len(re.findall(AREA_WORDS[a], folded)) for a in _ORDER}
    best = max(scores.values())
    return next(a for a in _ORDER if scores[a] == best) if best else "A1"


# "một số tồn tại, hạn chế như: …", "còn một số hạn chế: …", "những khuyết điểm cụ thể là: …"
# or without the colon, "còn một số hạn chế như chỉ số SIPAS còn thấp, …"
_LIMIT_HEAD = re.compile(r"(han che|ton tai|thieu sot|yeu kem|bat cap|khuyet diem)[^:.;]{0,80}:|"
                         r"(mot so|nhung|cac) (han che|ton tai|thieu sot|yeu kem|bat cap|khuyet diem)[^:.;]{0,40}?"
                         r"\bnhu\b(?!\s+(sau|tren|vay|the|da)\b)\s*:?|"
                         # what fell, listed: "một số lĩnh vực lại giảm điểm, giảm bậc so với năm 2020 như: …"
                         r"\b(giam (diem|bac)|tut (hang|bac)|sut giam)\b[^:.;]{0,80}?\b(nhu|gom|la)\s*:")
# "chưa" + any verb is something not (yet) done ("chưa đeo thẻ", "chưa bố trí", "chưa đạt"): a list of the verbs
# seen in a few reports missed the next report's verb. Not "chưa có trường hợp …", "chưa phát hiện …" (no fault found).
_LIMIT_CUE = re.compile(r"\b(con (cham|thap|chua|thieu|han che|co ho so|nhieu|ton tai)|"
                        r"chua (?!co (?:truong hop|hien tuong|sai sot|vi pham|ho so (?:tre|qua) han)|phat hien|tung|xay ra)[^\W\d]|khong (duy tri|co ly do|dat|dung (quy dinh|thoi gian|han))|"
                        r"chua xac dinh|chua co su|cham\s*$|cham tre|tre han|cham hon|cham so voi|vi pham|sai sot|sai quy dinh|vang mat|vang \d|van con (thap|cham|nhieu)|"
                        r"di (lam )?muon|ve som|"
                        # a duty not done: "không đeo thẻ công chức", "không niêm yết …"
                        r"khong (deo|thuc hien|chap hanh|niem yet|cong khai|cap nhat|ban hanh|bo tri|trien khai))")
# "không có hồ sơ trễ hạn", "không có ý kiến phản ánh": the absence of a fault is a result. So are absences with a
# reason ("các trường hợp vắng mặt đều có lý do"), "không có hiện tượng đi muộn" and "không phát hiện công chức, viên
# chức vắng mặt không có lý do" (the staff list may hold commas; the fault's own "không có lý do" is part of it).
_NO_FAULT = re.compile(r"\bkhong (phat hien|co truong hop|co hien tuong)[^;.]{0,40}?"
                       r"(vang mat|di (lam )?muon|ve som|bo vi tri)(?:,? (?:va |hoac )?(?:vang mat|di (?:lam )?muon|ve som|bo vi tri)){0,3}"
                       r"( khong (co )?ly do)?|"
                       r"\bvang mat (deu |cung )?co ly do|"
                       r"\bkhong (co |con |de |phat sinh |xay ra )?[^,;]{0,25}(tre han|qua han|sai sot|vi pham|phan anh|kien nghi|"
                       r"khieu nai|to cao|ton dong)")
# A directive: "Chủ tịch UBND huyện chỉ đạo các phòng …", "Giao UBND các xã …", "UBND huyện vừa chỉ đạo Văn phòng …"
# — the verb with whom it directs after it; "văn bản chỉ đạo", "công tác chỉ đạo, điều hành", "được giao" are not one.
_DIRECTS = (r"(?<!van ban )(?<!cong tac )(?<!su )(?<!duoc )(?<!ban )(?:chi dao|giao)(?=\s+(?:cac|nhung|ubnd|uy ban|so|"
            r"phong|van phong|co quan|don vi|trung tam|bo phan|chi cuc)\b)")
_RECOMMEND = re.compile(r"(^\s*((dong thoi|ngoai ra|ben canh do|tiep theo|do vay|vi vay|do do)[\s,]*)?(co nhung |co )?|\b(doan|truong doan|to kiem tra|to cong tac|dong chi|ong|ba|lanh dao|chu tich|giam doc|ubnd|ban chi dao|thanh vien|so noi vu|phong noi vu)\b[^.;]{0,120}?)"
                        r"\b(de nghi|yeu cau|kien nghi|de xuat|" + _DIRECTS + r")\b(?!\s+lam ro)(?! giai quyet)")
# What a unit must do: "thời gian tới, huyện cần tăng cường …", "xã phải chấn chỉnh …"; "những hạn chế cần khắc phục"
# names shortcomings, not a task.
_NEED = re.compile(r"\b(?:can|phai|can phai)\s+(?=(?:tap trung|tiep tuc|tang cuong|day manh|chu trong|nang cao|quan tam|"
                   r"khac phuc|chan chinh|thuc hien|ra soat|bo sung|hoan thien|som|kip thoi|nghiem tuc|trien khai|xay dung|phat huy|"
                   r"het suc|no luc|co gang|chiu trach nhiem)\b)")  # "người đứng đầu phải chịu trách nhiệm …": a rule set
_NEEDED_FIX = re.compile(r"(han che|ton tai|thieu sot|khuyet diem|van de|noi dung|viec)\s*(?:,\s*\S+\s*)?$")
_NEED_HEAD = re.compile(r"[^:;.]{0,80}?\b(?:nhiem vu|giai phap|noi dung|viec|van de)\b[^:;.]{0,30}:\s*")
_RECOMMEND_FOLLOW = re.compile(r"^(trong do|dong thoi|ngoai ra)\b.*\b(chu trong|tang cuong|thuc hien|tiep tuc|dau tu)")
_RESULT_CUE = re.compile(r"qua kiem tra|ket qua|ghi nhan|danh gia cao|bieu duong|da (xay dung|ban hanh|trien khai|thuc hien|"
                         r"hoan thanh|tiep nhan|chu dong|quan tam)|duoc quan tam|thuc hien (tot|nghiem tuc)|duoc nang cao|"
                         r"duoc cai thien|100%")
_RESULT_ITEM = re.compile(r"\b(da|duoc|dat|hoan thanh|thuc hien|trien khai|ban hanh|xay dung|tich cuc|chu dong|day manh|"
                          r"nghiem tuc|kip thoi|day du|nang cao|cong khai|co du|deu co|niem yet|chap hanh)\b|\b100\s*%|"
                          + _NO_FAULT.pattern)
_ITEM_CUE = re.compile(r"\b(con|chua|cham|thap|thieu|khong|han che)\b")


@dataclass
class Finding:
    kind: str
    text: str
    sentence: Sentence
    area: str


_COMMA = re.compile(r"(?<!\d),|,(?!\d)")  # not the decimal comma of "91,87"
_CONTINUES = re.compile(r"\s*(trong do|giai quyet|tiep nhan|thuc hien|xu ly|trien khai|cap nhat|ban hanh|va|hoac|nhung|de)\b")
_RESULT_SPLIT = re.compile(r"\b(duoc|da|dat)\b|\d+\s*%")
_AND = re.compile(r"\s+va\s+")
_OWN_MARK = re.compile(r"\d+\s*%|\b(day du|kip thoi|dung han|dung quy dinh|truoc han|nghiem tuc|dam bao)\b")
_FRESH = re.compile(r",\s*(?=(?:tuy nhien|don vi|ubnd|uy ban|cac don vi|bo phan|can bo|cong chuc|100\s*%)\b)|"
                    r"\s+va\s+(?=(?:giai quyet|niem yet|cong khai|tiep nhan|tra ket qua|thuc hien|trien khai|ban hanh|xay dung)\b)")
_STRONG_REC_VERB = r"(khan truong|tang cuong|kip thoi|day manh|chu trong|han che toi da|tiep tuc|dau tu|thuc hien tot)"
_REC_VERB = re.compile(r"\b(tiep tuc|tang cuong|quan tam|khan truong|kip thoi|thuc hien|day manh|chu trong|nang cao|han che|"
                       r"phat huy|tap trung|dau tu|xay dung|ra soat|chan chinh|khac phuc|bo sung|hoan thien|to chuc|trien khai|"
                       r"can|som|uu tien|nghien cuu)\b")
_FUTURE = re.compile(r"\b(se|du kien|phan dau)\s+(tang cuong|tiep tuc|day manh|xem xet|thuc hien|trien khai|to chuc)")
_META = re.compile(r"chi ra (nhung|mot so|cac) (ton tai|han che)|co nhung de xuat|^(tuy nhien|ben canh|thuc hien (ke hoach|chi dao|cong van)|"
                   r"sau khi|truoc do|de danh gia|theo do|trong ngay|ngay \d|day la|(dong thoi,? )?qua do)|to chuc \d+ doan|"
                   r"ban hanh (quyet dinh|ke hoach (so|kiem tra|\d))|trien khai ke hoach|kiem tra thuc te tai|(da|duoc) kiem tra|to chuc kiem tra|"
                   r"lam viec (voi|tai)|nham phuc vu|\b(se|du kien|phan dau)\b|^muc tieu\b|"
                   # what the team did besides inspecting: "Dịp này, đoàn cũng đã trao đổi, hướng dẫn …"
                   r"^(nhan )?dip nay\b|\b(doan|to)( kiem tra)? (cung )?(da )?(trao doi|huong dan|giai dap)\b|"
                   # what a host reported at the meeting, whom the team invites: the meeting, not what was found
                   r"\bbao cao (nhung |cac )?(ket qua|tinh hinh)|\bmoi dai dien\b")
# Statements that are no finding of any kind, even with a word of shortcoming in them ("Dịp này, quận ra mắt phần
# mềm 'Phản ánh hành vi vi phạm'"): an occasion's launch, whom the team invites, a plan's purpose ("Mục đích …",
# "Nắm bắt tình hình … để …", "Nắm được những kết quả cũng như những hạn chế … để kịp thời chấn chỉnh").
_NOT_FINDING = re.compile(r"^(nhan )?dip nay\b|\bra mat\b|\bmoi dai dien\b|"
                          r"^[-–+•*\d.)\s]*(?:muc dich\b|(?:nham |de )?nam (?:bat|duoc|ro)\b)|"  # a plan's purpose
                          # a legal text's preamble ("Căn cứ Nghị định số …") and closing articles ("Quyết định này
                          # có hiệu lực …", "… chịu trách nhiệm thi hành Quyết định này"): its form, not what was found
                          r"^[-–+•*\s]*(?:dieu \d+\.\s*)?can cu\b|\b(?:quyet dinh|ke hoach|van ban) nay co hieu luc\b|"
                          r"\bchiu trach nhiem thi hanh\b")
# Requests that prepare an inspection ("xây dựng báo cáo … gửi về", "cung cấp các thông tin, tài liệu theo yêu cầu của Đoàn",
# "tạo điều kiện thuận lợi để Đoàn kiểm tra thực hiện nhiệm vụ"): procedure, not recommendations.
_PROCEDURE = re.compile(r"xay dung bao cao|de cuong|cung cap (cac |day du )?(thong tin|tai lieu|ho so)|"
                        r"tao dieu kien (thuan loi )?(de|cho) (doan|to)|chuan bi (day du )?(ho so|tai lieu|bao cao)")
_PURPOSE = re.compile(r",?\s*\b(qua do|nham)\b")


_WORD = re.compile(r"\S+")  # a word as str.split() cuts them


class _Hits:
    """Where a pattern matches in a text, found in one pass, then asked about any span by a search: whether it
    matches within [a, b) (for patterns that match neither ',' ';' nor ':', the places spans are cut at, the same
    as searching text[a:b]), and for _WORD how many words text[a:b].split() gives."""

    def __init__(self, pattern: re.Pattern, text: str):
        self.starts, self.ends = [], []
        for m in pattern.finditer(text):
            self.starts.append(m.start())
            self.ends.append(m.end())

    def within(self, a: int, b: int) -> bool:
        i = bisect.bisect_left(self.starts, a)
        return i < len(self.starts) and self.ends[i] <= b

    def touching(self, a: int, b: int) -> int:
        return bisect.bisect_left(self.starts, b) - bisect.bisect_right(self.ends, a) if a < b else 0


def _without_final_dots(text: str) -> str:
    """The text without its final dots and ellipses and the spaces between them ("… đúng quy định. . …" -> "… đúng quy
    định"). A pattern did this before, `(spaces, then "..." or "…" or ".")` repeated up to the end, whose nested
    repetition took time exponential in the number of dots of a text not ending with one ("……………. x")."""
    if not text.endswith((".", "…")):
        return text
    end = len(text)
    while end and (text[end - 1] in ".…" or text[end - 1].isspace()):
        end -= 1
    return text[:end]


def _split(text: str, start: int, end: int, kind: str) -> list[tuple[int, str]]:
    """Pieces of text[start:end] at ',' where each piece reads as its own statement: every piece says something
    is lacking (limitations), or a new piece starts with a strong verb (recommendations), or every piece states a
    result."""
    piece = text[start:end]
    folded = fold(piece)
    ends: dict[int, int] = {}  # where the piece after a cut starts, when the cut is more than one comma
    if kind == "recommendation":
        cuts = [m.start() for m in re.finditer(r",\s*(?=" + _STRONG_REC_VERB + r"\b)", folded)]
    elif kind == "limitation":
        commas = [m.start() for m in _COMMA.finditer(folded)]
        parts = [folded[a + 1 if a else 0: b] for a, b in zip([0, *commas], [*commas, len(folded)], strict=True)]
        cuts = commas if len(parts) > 1 and all(_ITEM_CUE.search(p) for p in parts) else []
        if not cuts:  # "Chưa có kiến nghị rà soát … và tỷ lệ hồ sơ trực tuyến vẫn còn thấp": two shortcomings
            words, cues = _Hits(_WORD, folded), _Hits(_ITEM_CUE, folded)
            since = 0
            for m in _AND.finditer(folded):
                if (words.touching(since, m.start()) >= 4 and cues.within(since, m.start())
                        and words.touching(m.end(), len(folded)) >= 4 and cues.within(m.end(), len(folded))):
                    cuts.append((m.start(), m.end()))
                    since = m.end()
    else:  # results: cut where each side is a statement of 5+ words with its own "được / đã / đạt / N %"
        # The words and marks of the piece are found once and counted by span: read again at each comma (what is left
        # of the piece before and after it), a long piece of many commas took the square of its length.
        words, marks = _Hits(_WORD, folded), _Hits(_RESULT_SPLIT, folded)
        commas = [m.start() for m in _COMMA.finditer(folded)] + [len(folded)]
        cuts, since = [], 0
        for comma, following in itertools.pairwise(commas):
            right = comma + 1
            if _CONTINUES.match(folded, right):
                continue  # "…, trong đó …", "…, giải quyết 100% …": the same statement goes on
            if (words.touching(since, comma) >= 5 and marks.within(since, comma)
                    and words.touching(right, len(folded)) >= 5 and marks.within(right, len(folded))):
                if words.touching(right, following) >= 5 or not marks.within(right, following):
                    cuts.append(comma)
                    since = right
        # A new statement also starts where a new subject does (", đơn vị …", ", UBND xã …", ", tuy nhiên …"), and at
        # "và" before a verb of its own ("… niêm yết … tại Bộ phận Một cửa và giải quyết … 100% hồ sơ …"), when
        # what comes before holds a few words since the last cut.
        taken = set(cuts)
        since = 0
        for m in _FRESH.finditer(folded):
            cut = m.start()
            if cut in taken or cut < since:
                since = max(since, cut + 1 if cut in taken else since)
                continue
            before = bisect.bisect_right(cuts, cut)
            last = max(since, cuts[before - 1] + 1 if before else 0)
            comma = _COMMA.search(folded, m.end())
            stop = comma.start() if comma else len(folded)
            if m.group(0).startswith(","):
                if folded[max(0, cut - 8): cut].endswith(("co quan", " uy", "hdnd")):
                    continue  # "cơ quan, đơn vị", "Tỉnh ủy, UBND tỉnh": one enumeration
                ok = words.touching(last, cut) >= 4 and words.touching(m.end(), stop) >= 5
            else:  # "và" before a verb: two statements when what follows says how it went ("100%", "đầy đủ")
                ok = (words.touching(last, cut) >= 6 and words.touching(m.end(), stop) >= 5
                      and bool(_OWN_MARK.search(folded, m.end(), stop)))
            if ok:
                cuts.insert(before, cut)
                ends[cut] = m.end() if not m.group(0).startswith(",") else cut + 1
                since = m.end()
    out, prev = [], 0
    for cut in [*cuts, len(piece)]:
        cut, after = (cut if isinstance(cut, tuple) else (cut, ends.get(cut, cut + 1)))
        out.append((start + prev, piece[prev:cut]))
        prev = after
    return out


def _items(text: str, start: int, end: int, kind: str) -> list[tuple[int, str]]:
    """Items of a list: the pieces of a clause (see `_split`), trimmed; a piece of a few words with nothing said
    about it ("Thuế", "Đất đai" in "như: Thuế; Đất đai; … đã được quan tâm") belongs to the piece that follows."""
    parts = []
    for at, piece in _split(text, start, end, kind):
        lead = len(piece) - len(piece.lstrip())
        cleaned = _without_final_dots(piece.strip()).strip(" ,")
        if cleaned:
            parts.append((at + lead, cleaned))
    merged: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for at, item in parts:
        if pending is not None:
            at, item = pending[0], text[pending[0]: at + len(item)].strip()
            pending = None
        if len(item.split()) <= 4 and not _RESULT_ITEM.search(fold(item)) and not _ITEM_CUE.search(fold(item)):
            pending = (at, item)
            continue
        merged.append((at, item))
    if pending is not None:
        merged.append(pending)
    return [(at, item) for at, item in merged if len(item) >= 12]


# Clauses end at ';', and at ", do vậy / vì vậy / do đó" before a request ("…, do vậy Sở Nội vụ yêu cầu …"): what
# is asked follows from the shortcoming before it but is a recommendation of its own.
# Also at ", đồng thời chỉ ra / chỉ rõ …": what was pointed out is a statement apart from the praise before it.
# And at a dash between words ("… chưa đeo thẻ – việc số hóa … chưa đạt"), as ';' is: not between figures ("25 – 30/5").
_CLAUSE_CUT = re.compile(r";(?![^();]{0,80}\))|(?<=[^\W\d])\s+[–—]\s+(?=[^\W\d])|"
                         r",\s*(?=(?:do vay|vi vay|do do)\b[^,.;]{0,60}?\b(?:yeu cau|de nghi|kien nghi)\b)|"
                         r",\s*(?=dong thoi,?\s+(?:da\s+)?chi (?:ra|ro)\b)")
# Shortcomings said to have been pointed out but not named ("đồng thời chỉ rõ cụ thể những việc còn tồn tại, hạn chế
# cần khắc phục …"): no limitation, and no task either. With a colon the list that follows names them, and is kept.
_POINTED_OUT = re.compile(r"\s*(?:dong thoi,?\s+)?(?:da\s+)?chi (?:ra|ro)(?: cu the)?\s+(?:nhung|mot so|cac)\s+"
                          r"(?:viec |van de )?(?:con )?(?:ton tai|han che|thieu sot|yeu kem)[^:]*$")


def _clause_bounds(folded: str) -> list[tuple[int, int]]:
    """Clauses between ';', a clause of a few words with nothing said about it joined to the next one
    ("như: Thuế; Đất đai; Tư pháp; … đã được quan tâm" is one statement)."""
    bounds, prev = [], 0
    for m in _CLAUSE_CUT.finditer(folded):
        bounds.append((prev, m.start()))
        prev = m.end()
    bounds.append((prev, len(folded)))
    merged: list[tuple[int, int]] = []
    pending = None
    # found once, counted by span: a run of clauses with nothing in them (";;;;") grows one piece, read again whole
    # at each ';' it took the square of its length
    words, results, cues = _Hits(_WORD, folded), _Hits(_RESULT_ITEM, folded), _Hits(_ITEM_CUE, folded)
    colons = [m.start() for m in re.finditer(":", folded)]
    for a, b in bounds:
        a = pending if pending is not None else a
        pending = None
        last_colon = bisect.bisect_left(colons, b) - 1
        p = colons[last_colon] + 1 if last_colon >= 0 and colons[last_colon] >= a else a  # the piece after its last ':'
        if words.touching(p, b) <= 4 and not results.within(p, b) and not cues.within(p, b) and b < len(folded):
            pending = a
            continue
        merged.append((a, b))
    return merged


def _clause_kind(cf: str, at: int, folded: str, list_kind: str | None, previous_kind: str | None) -> tuple[str | None, int, bool]:
    """(kind, where its content starts, whether it opens a list that later clauses continue)."""
    if m := _LIMIT_HEAD.search(cf):
        return "limitation", at + m.end(), True
    if m := _RECOMMEND.search(cf):
        start = _complement(folded, at + m.end())
        if head := _NEED_HEAD.match(folded, start, at + len(cf)):  # "tập trung thực hiện các nhiệm vụ, giải pháp sau: …"
            start = head.end()
        return "recommendation", start, True
    if list_kind:
        return list_kind, at, True
    if previous_kind == "recommendation" and (m := _RECOMMEND_FOLLOW.search(cf)):
        verb = _REC_VERB.search(cf, m.start())
        return "recommendation", at + (verb.start() if verb else 0), True
    if (m := _NEED.search(cf)) and not _NEEDED_FIX.search(cf, max(0, m.start() - 30), m.start()):
        if head := _NEED_HEAD.match(cf, m.start()):  # "huyện cần tập trung một số nhiệm vụ: a; b; c"
            return "recommendation", at + head.end(), True
        if cf.startswith("chiu trach nhiem", m.end()):
            return "recommendation", at, False  # "…, người đứng đầu phải chịu trách nhiệm …": who answers is the rule
        return "recommendation", at + m.end(), False  # "thời gian tới, huyện cần tăng cường …"
    if m := _FUTURE.search(cf):
        verb = _REC_VERB.search(cf, m.start())
        return "recommendation", at + (verb.start() if verb else 0), False
    if previous_kind == "recommendation" and re.search(r"\bcung (xem xet|tang cuong|thuc hien|tiep tuc)", cf):
        return "recommendation", at + re.search(r"\bcung ", cf).end(), False
    if _shortfall(cf) and not re.search(r"\d+([.,]\d+)?\s*%", cf):
        lead = _FOUND_LEAD.match(cf)  # "Kết quả kiểm tra cho thấy, tại thời điểm kiểm tra có 2 công chức vắng mặt"
        return "limitation", at + (lead.end() if lead else 0), False
    if _RESULT_CUE.search(cf) or _RESULT_ITEM.search(cf):
        # "Theo báo cáo của UBND huyện, trong 9 tháng đầu năm 2022, huyện đã …": the statement after its leads
        lead = _RESULT_LEAD.match(cf)
        return "result", at + (lead.end() if lead else 0), False
    return None, at, False


_FOUND_LEAD = re.compile(r"\s*((qua |theo )?(ket qua )?kiem tra( thuc te)?[^,]*?(cho thay|,)\s*,?\s*|theo bao cao(?: cua [^,]{1,40})?,\s*|"
                         r"nguyen nhan(?: chu yeu)?(?: la)?(?: do)?\s*:?,?\s*)")  # "Nguyên nhân là do …": the cause is the finding
# What a result is said after, not part of it: a time ("trong 9 tháng đầu năm, …"), a place ("Tại trụ sở UBND và Bộ
# phận một cửa phường A, TP. B, …") and the team that noted it ("…, đoàn công tác Sở Nội vụ ghi nhận …": the statement
# starts at "ghi nhận"). Each lead ends at a comma (or before "ghi nhận"), its parts bounded.
_RESULT_LEAD = re.compile(r"(?:" + _FOUND_LEAD.pattern + r"|\s*(?:trong|tu) [^,]{0,40},\s*|"
                          r"\s*tai (?!do\b|day\b)[^,]{1,80},(?:\s*(?:tp|tx|thanh pho|thi xa|huyen|quan|tinh)\.?\s[^,]{1,30},)?\s*|"
                          r"[^,]{1,80},(?:\s*(?:tp|tx|thanh pho|thi xa|huyen|quan|tinh)\.?\s[^,]{1,30},)?"
                          r"\s*(?:doan|to)\b[^,]{0,40}?\s(?=ghi nhan\b))+")
# A sentence about what an inspection will check, how or of whom, not about what it found.
_CONTENT_ONLY = re.compile(r"noi dung kiem tra|(?:kiem tra|hoat dong kiem tra|cong tac kiem tra) (?:se )?tap trung|"
                           r"linh vuc trong tam|doi tuong (?:duoc )?kiem tra|hinh thuc kiem tra|"
                           r"^(?:(?:dong thoi|ngoai ra|ben canh do),? )?(?:doan |to )?(?:(?:cung|con)\s+)*kiem tra(?:,? xac minh)? (?:viec|chuyen de|them|tinh hinh|nhung|cac)\b|"
                           # a team's duty and a plan's purpose: "Đoàn … có nhiệm vụ kiểm tra …", "Mục đích của kế hoạch …",
                           # "Nắm bắt tình hình … để …"
                           r"\bco nhiem vu\b|^muc dich\b|^(?:nham |de )?nam (?:bat|duoc|ro)\b|"
                           r"(?:ban hanh|trien khai|thuc hien|theo) (?:cac )?ke hoach(?: so [\w/\-]+)?(?: ve| ve viec)? kiem tra"
                           # what the team went through: "Tại đây, đoàn đã tiến hành kiểm tra …", "Ngoài ra, đoàn còn thực
                           # hiện kiểm tra, đánh giá việc …" (what it found follows "Qua kiểm tra", which is kept)
                           r"|^(?:(?:tai day|ngoai ra|dong thoi|ben canh do|sau do),? )?(?:doan|to)(?: kiem tra| cong tac)?"
                           r"(?:\s+(?:da|con|cung|da truc tiep))*\s+(?:tien hanh|thuc hien) kiem tra\b(?![^.;]{0,200}\b(?:ghi nhan|cho thay|danh gia cao)\b)")


# What a team's head said, after a colon, in the sentence that names the head: "…, Trưởng đoàn đánh giá: …".
_HEAD_SAYS = re.compile(r"\b(?:danh gia|nhan xet|ket luan|cho rang|ghi nhan)\s*:\s*")
# A team's visit told as its own sentence ("Tổ công tác của UBND tỉnh đã làm việc, kiểm tra việc …"), and the words by
# which such a sentence reports what was found as well ("… và ghi nhận …").
_TEAM_VISITED = re.compile(r"\b(?:doan|to) (?:kiem tra|cong tac)\b[^.;:]{0,60}?\b(?:da|se) (?:den )?(?:lam viec|kiem tra)\b")
_RESULT_SAID = re.compile(r"\b(?:ghi nhan|cho thay|danh gia|nhan thay|phat hien|chi ra|bieu duong)\b")


def findings(doc: Document, team_sentences: set[int] | None = None, announcement: bool = False) -> list[Finding]:
    """Results, limitations and recommendations, one per statement. `team_sentences`: the ids of the sentences that
    formed the teams (who inspected whom: not findings). An announcement of index results (`announcement`) states
    results as values: its result sentences are not findings, its weaknesses and directives are."""
    out: list[Finding] = []
    body = [s for s in doc.body() if s.line_kind == "body"]
    previous_kind = None
    team_sentences = team_sentences or set()
    for s in body:
        f = s.folded
        said_from = 0
        if (id(s) in team_sentences or _TEAM_WORD.search(f) and (_LEADER.search(s.text) or "truong doan" in f)) and not _LIMIT_HEAD.search(f):
            previous_kind = None
            if not (said := _HEAD_SAYS.search(f)):
                continue  # who inspected whom: the team, not a finding
            said_from = said.end()  # "…, Tổ trưởng, ông A đánh giá: …": what the head said is what was found
        elif _TEAM_VISITED.search(f) and not _RESULT_SAID.search(f):
            previous_kind = None
            continue  # "Tổ công tác … đã làm việc, kiểm tra việc …": the visit, not what it found
        if _CONTENT_ONLY.search(f) and not (_LIMIT_HEAD.search(f) or re.search(r"qua kiem tra|ket qua kiem tra", f)):
            previous_kind = None
            continue
        list_kind, last_kind = None, None
        for a, b in _clause_bounds(f):
            if b <= said_from:
                continue
            a = max(a, said_from)
            if _POINTED_OUT.match(f[a:b]):
                continue
            kind, start, opens = _clause_kind(f[a:b], a, f, list_kind, previous_kind)
            list_kind = kind if opens else list_kind
            if kind is None:
                continue
            last_kind = kind
            purpose = _PURPOSE.search(f, start, b) if kind == "recommendation" else None
            if purpose:  # "…, qua đó nhằm nâng cao …": the aim, not a further recommendation
                b = purpose.start()
            for offset, item in _items(s.text, start, b, kind):
                item_kind = kind
                if bullet := _BULLET.match(item):  # "- UBND huyện đã …", "+ …", "• …": a list's marker, not its words
                    offset, item = offset + bullet.end(), item[bullet.end():]
                if lead := _LEAD.match(fold(item)):  # "tuy nhiên …", "bên cạnh đó, …": the statement after them
                    turn = re.match(r"\s*(tuy nhien|nhung|song)\b", lead.group(0))
                    offset, item = offset + lead.end(), item[lead.end():]
                    if turn and kind == "result":
                        item_kind = "limitation"
                item_folded = fold(item)
                if item_kind == "result" and _shortfall(item_folded):  # "tuy nhiên …" has made it a limitation already
                    if re.search(r"\d", item_folded):
                        continue  # "Số hồ sơ giải quyết trễ hạn là 245": a count, said among the results
                    item_kind = "limitation"  # a shortcoming among the results: "…, tuy nhiên … chưa …"
                if item_kind == "result" and (not _RESULT_ITEM.search(item_folded) or _META.search(item_folded)
                                              or item_folded.startswith("phat bieu") or announcement or _aim_only(item_folded)):
                    continue
                if item_kind == "limitation" and kind == "result" and (announcement or _META.search(item_folded)):
                    continue
                if _NOT_FINDING.search(item_folded):
                    continue
                if item_kind == "recommendation" and _PROCEDURE.search(item_folded):
                    continue
                if len(item) < 12:
                    continue
                span = Sentence(s.start + offset, s.start + offset + len(item), item, item_folded, "body")
                out.append(Finding(item_kind, item[:1].upper() + item[1:], span, area_of(item_folded)))
            if purpose:
                break
        previous_kind = last_kind
    return out


_EXCUSED = re.compile(r"\bvang mat (deu |cung )?co ly do")


def _shortfall(folded: str) -> bool:
    """Whether the words say something is lacking; "không có hồ sơ trễ hạn" says nothing is, nor do absences that the
    same statement says had a reason ("có 3 công chức vắng mặt nhưng các trường hợp vắng mặt đều có lý do")."""
    cleaned = _NO_FAULT.sub(" ", folded)
    if _EXCUSED.search(folded):
        cleaned = re.sub(r"\bvang mat\b(?! khong)", " ", cleaned)
    return bool(_LIMIT_CUE.search(cleaned))


_BULLET = re.compile(r"\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][.)])\s+")
_LEAD = re.compile(r"\s*(?:(?:tuy nhien|nhung|song|ben canh do|dong thoi|ngoai ra|nhin chung|vao luc [\dh: ]+)\b,?\s*)+")
_AIM = re.compile(r"\bnham\b")


def _aim_only(folded: str) -> bool:
    """A statement of what is aimed at ("… kịp thời phát hiện, chấn chỉnh … nhằm nâng cao …"), nothing done before it."""
    m = _AIM.search(folded)
    return bool(m) and not re.search(r"\b(da|duoc|dat)\b", folded[: m.start()])


def _complement(folded: str, verb_end: int) -> int:
    """Where a recommendation's content starts: its first verb after 'đề nghị các cơ quan, đơn vị, UBND các xã …'
    (within 120 characters; else right after the verb)."""
    m = _REC_VERB.search(folded, verb_end, min(len(folded), verb_end + 120))
    # a window of 40 characters, not the rest of the text: a sentence of many requests would read it again for each
    if m and (short := re.match(r"\s*\S+(?:\s+\S+)?\s*(?:[.;]|$)", folded[m.start(): m.start() + 40])) and (
            short.group(0).rstrip().endswith((".", ";")) or m.start() + 40 >= len(folded)):
        return verb_end  # "yêu cầu Chủ tịch UBND huyện có văn bản chấn chỉnh": the verb ends it; whom it asks is part of it
    return m.start() if m else verb_end
