"""Inspection teams and their leaders as a page in a given language shows them.

The database keeps a team's label and its leader's title as the report wrote them, in Vietnamese
("Đoàn kiểm tra số 3", "Phó Chủ tịch UBND tỉnh"). An English page translates them by rule, from the official
English of the posts and bodies below (the phrases are the one place to extend). A label or title is translated
whole or not at all: when any part of it is not a phrase known here, the page shows it as written (a quote),
never an English-Vietnamese mix. People's names are never translated; the demo's made-up leaders ("Trưởng đoàn
mô phỏng 3", a role and a number) are.
"""

from __future__ import annotations

import re

from par_dashboard.domain.units import UNIT_TYPE_EN
from par_dashboard.i18n import pick

# Posts: Vietnamese -> (English, English of its "Phó " deputy, or None where a deputy is no post).
POSTS = {
    "Chủ tịch Thường trực": ("Standing Chair", "Standing Vice Chair"),
    "Chủ tịch": ("Chair", "Vice Chair"),
    "Giám đốc": ("Director", "Deputy Director"),
    "Chánh Văn phòng": ("Chief of the Office", "Deputy Chief of the Office"),
    "Trưởng": ("Head", "Deputy Head"),  # "Phó Trưởng Ban Chỉ đạo…": the Ban is the body's
    "Trưởng đoàn": ("Team leader", "Deputy team leader"),
    "Thành viên": ("Member", None),
    "Lãnh đạo": ("Senior official", None),
}
# Bodies a post belongs to ("Giám đốc Sở Nội vụ": the Director OF the Department of Home Affairs).
BODIES = {
    "UBND tỉnh": "the Provincial People's Committee",
    "Văn phòng UBND tỉnh": "the Office of the Provincial People's Committee",
    "Sở Nội vụ": "the Department of Home Affairs",
    "Sở Tư pháp": "the Department of Justice",
    "Sở Tài chính": "the Department of Finance",
    "Sở Khoa học và Công nghệ": "the Department of Science and Technology",
    "Sở Kế hoạch và Đầu tư": "the Department of Planning and Investment",
    "Sở Thông tin và Truyền thông": "the Department of Information and Communications",
    "Ban Chỉ đạo CCHC tỉnh": "the provincial PAR Steering Committee",
}
DEMO_LEADER = ("Trưởng đoàn mô phỏng", "Demo team leader")  # building/demo.py LEADER_NAME, a role and a number
TEAM = ("Đoàn kiểm tra", "Inspection team")

# A proper name after a unit type word ("tỉnh Đắk Nông", "huyện Văn Lãng"): capitalised words, nothing else.
_PROPER = r"(?P<proper>(?:[^\W\d_][\w]*)(?: [^\W\d_][\w]*)*)"
# Type words as a title writes them inside a phrase ("tỉnh", "huyện") or first ("Tỉnh"). Matched case-sensitively:
# re.IGNORECASE folds more than str.casefold does (ı, K…), and a phrase matched must be a key found.
_TYPE_EN = {**UNIT_TYPE_EN, **{k[0].lower() + k[1:]: v for k, v in UNIT_TYPE_EN.items()}}
_TYPES = "|".join(re.escape(k) for k in sorted(_TYPE_EN, key=len, reverse=True))
_UNIT = re.compile(rf"(?P<type>{_TYPES}) {_PROPER}")
_BODY = "|".join(re.escape(k) for k in sorted(BODIES, key=len, reverse=True))
_POST = "|".join(re.escape(k) for k in sorted(POSTS, key=len, reverse=True))
_TITLE_PART = re.compile(rf"(?P<deputy>Phó )?(?P<post>{_POST})(?: (?P<body>{_BODY}))?(?: (?P<unit>.+))?")
_TEAM = re.compile(rf"{TEAM[0]}(?: số (?P<number>[0-9]+))?(?: của (?P<body>{_BODY})| tại (?P<unit>.+))?")
_DEMO = re.compile(rf"{DEMO_LEADER[0]} (?P<number>[0-9]+)")  # ASCII digits: '٣' is one to \d


def _unit(text: str) -> str | None:
    """'tỉnh Đắk Nông' -> 'Đắk Nông Province' (the English form units.display_name gives); None if not a unit."""
    m = _UNIT.fullmatch(text)
    if not m or not all(w[0].isupper() for w in m["proper"].split()):
        return None
    return f"{m['proper']} {_TYPE_EN[m['type']]}"


def _title_part(part: str) -> str | None:
    # A part after a comma may start small ("…, thành viên Ban Chỉ đạo"): matched as if capitalised.
    m = _TITLE_PART.fullmatch(part[:1].upper() + part[1:])
    if not m:
        return None
    plain, deputy = POSTS[m["post"]]
    english = deputy if m["deputy"] else plain
    if english is None:
        return None
    if m["body"]:
        english += f" of {BODIES[m['body']]}"
    if m["unit"]:
        unit = _unit(m["unit"])
        if unit is None:
            return None
        english += f" of {unit}"
    # shown in the report's case ("…, member of")
    return english if part[0].isupper() else english[0].lower() + english[1:]


def leader_title(title: str | None, lang: str) -> str | None:
    """A leader's title as a page in `lang` shows it; a title with any unknown part is shown as written."""
    return pick(title, _title_en(title), lang)


def _title_en(title: str | None) -> str | None:
    if not isinstance(title, str) or not title.strip():
        return title
    parts = [_title_part(p.strip()) for p in title.split(",")]
    return title if None in parts else ", ".join(parts)


def leader_name(name: str | None, lang: str) -> str | None:
    """A leader's name as a page in `lang` shows it: people's names as written, the demo's made-up roles in English."""
    return pick(name, _name_en(name), lang)


def _name_en(name: str | None) -> str | None:
    if not isinstance(name, str):
        return name
    m = _DEMO.fullmatch(name)
    return f"{DEMO_LEADER[1]} {m['number']}" if m else name


def team_label(label: str | None, lang: str) -> str | None:
    """A team's label as a page in `lang` shows it: 'Đoàn kiểm tra số 3' -> 'Inspection team no. 3'."""
    return pick(label, _label_en(label), lang)


def _label_en(label: str | None) -> str | None:
    if not isinstance(label, str):
        return label
    # Not stripped: two labels that differ in spacing stay two (the timeline's rows are named by the label).
    m = _TEAM.fullmatch(label)
    if not m:
        return label
    english = TEAM[1] + (f" no. {m['number']}" if m["number"] else "")
    if m["body"]:
        english += f" of {BODIES[m['body']]}"
    if m["unit"]:
        unit = _unit(m["unit"])
        if unit is None:
            return label
        english += f" at {unit}"
    return english
