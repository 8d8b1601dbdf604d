"""Names of provincial departments as reports write them, from the department catalogue (data/seed/departments.csv).

A department's name is capitalised on its first word only ("Sở Lao động - Thương binh và Xã hội", "Sở Y tế"), so
the capitalised words after "Sở" do not delimit it: it is matched against the catalogue, written out (any spacing,
dashes and case) or abbreviated by its initials ("Sở TT-TT", "Sở NN-PTNT", "Sở LĐ-TB&XH", "Sở GD&ĐT"). A merged
department a province has and the catalogue lacks ("Sở Văn hóa, Thông tin, Thể thao và Du lịch") matches no
catalogue name: it is kept by its own words, without an id.
"""

from __future__ import annotations

import re
from functools import lru_cache

from par_dashboard.domain.units import departments
from par_dashboard.extract.text import fold

# Words that end an unknown department's name: "Sở Ngoại vụ là đơn vị …", "Sở Ngoại vụ (96,90 điểm)".
_STOP = re.compile(r"(la|va|da|duoc|co|cua|tai|voi|trong|dat|xep|cung|thi|de|dung|o|ve|nam|tinh|thanh|thuoc|lam)$")
_WORD = re.compile(r"\s*([^\W\d_][\w'’]*)")


@lru_cache(maxsize=1)
def _catalogue() -> tuple[re.Pattern, dict[str, str], dict[str, str]]:
    """(pattern of the written-out names on folded text, folded name -> name, initials -> name)."""
    names: dict[str, str] = {}
    initials: dict[str, str] = {}
    for structure in ("S63", "S34"):
        for row in departments(structure):
            if not row["name"].startswith("Sở "):
                continue
            tail = row["name"][3:]
            names[" ".join(re.findall(r"\w+", fold(tail)))] = tail
            initials[row["abbr"][1:]] = tail  # SLDTBXH -> LDTBXH
    alternatives = sorted(names, key=len, reverse=True)
    pattern = re.compile(r"(" + "|".join(r"[\s,\-–&]*".join(map(re.escape, n.split())) for n in alternatives) + r")(?!\w)")
    return pattern, names, initials


_ABBREVIATION = re.compile(r"[A-ZĐ][A-ZĐ&\-.]{1,14}(?![\w])")


def department_at(text: str, folded: str, pos: int) -> tuple[str, int, bool] | None:
    """The department named from `pos` on (just after "Sở "): (its name without "Sở", where it ends, whether it is
    the catalogue's), or None when no name starts there."""
    pattern, names, initials = _catalogue()
    while pos < len(text) and text[pos].isspace():
        pos += 1
    if m := pattern.match(folded, pos):
        return names[" ".join(re.findall(r"\w+", m.group(1)))], m.end(), True
    if m := _ABBREVIATION.match(text, pos):
        letters = re.sub(r"[^A-Z]", "", fold(m.group(0)).upper())
        if letters in initials:
            return initials[letters], m.end(), True
    # not the catalogue's: a capitalised word and the few lower-case words after it, up to a word that ends a name
    first = _WORD.match(text, pos)
    if not first or not first.group(1)[0].isupper():
        return None
    words, end = [first.group(1)], first.end()
    while len(words) < 4:
        m = _WORD.match(text, end)
        if not m or _STOP.match(fold(m.group(1))) or m.group(1)[0].isupper() and len(words) >= 2:
            break
        words.append(m.group(1))
        end = m.end()
    return " ".join(words), end, False
