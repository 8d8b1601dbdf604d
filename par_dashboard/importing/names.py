"""Unit names as people write them in spreadsheets -> `admin_unit` ids.

"H. Cao Lộc", "huyện Cao Lộc", "Cao Lộc", "CAO LỘC" and "Cao Lộc" in NFD all name Huyện Cao Lộc; "Đăk Song" and
"Đắk Song", "Hoà" and "Hòa", "Quí" and "Quý" are the same words. A name is compared in three steps, each looser:

0. the letters with their vowel marks (â ă ê ô ơ ư đ) and the sequence of tones, wherever the tone sits:
   "Hoà Bình" = "Hòa Bình", "Bà Rịa–Vũng Tàu" = "Bà Rịa - Vũng Tàu";
1. the letters without any diacritic ("Dak Song" = "Đắk Song", "Sa Pa" = "Sa Pả");
2. the spelling variants: a syllable-final y ~ i after a consonant ("Quí" = "Quý", "Kì" = "Kỳ") and final k ~ c
   ("Đắc" = "Đắk").

The first step that finds anything decides: one unit is the answer, several are an ambiguity listed with their
district and province, never a guess. So "Sa Pa" (exact) finds Sa Pa even though "sapa" would also match Sa Pả.
A type word in front ("huyện", "H.", "TP.", "TX", "thị trấn", ...) is dropped, and where several units share a
name it picks the one of that type ("TX Kỳ Anh" vs "Huyện Kỳ Anh").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

_TONE_MARKS = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5"}

# Type words, written out (diacritics matter: "Quan Hóa" is not "Quận Hóa") and abbreviated (any case, dot or not).
_TYPE_WORDS = {
    ("thành", "phố"): "Thành phố", ("thị", "xã"): "Thị xã", ("thị", "trấn"): "Thị trấn", ("đặc", "khu"): "Đặc khu",
    ("huyện",): "Huyện", ("quận",): "Quận", ("xã",): "Xã", ("phường",): "Phường", ("tỉnh",): "Tỉnh", ("sở",): "Sở",
}
_TYPE_ABBREVIATIONS = {
    ("t", "p"): "Thành phố", ("tp",): "Thành phố", ("tx",): "Thị xã", ("tt",): "Thị trấn", ("h",): "Huyện",
    ("q",): "Quận", ("x",): "Xã", ("p",): "Phường", ("t",): "Tỉnh", ("đk",): "Đặc khu", ("dk",): "Đặc khu",
}
_FOLDED_TYPE_WORDS = {("thanh", "pho"): "Thành phố", ("thi", "xa"): "Thị xã", ("thi", "tran"): "Thị trấn",
                      ("dac", "khu"): "Đặc khu", ("huyen",): "Huyện", ("quan",): "Quận", ("xa",): "Xã",
                      ("phuong",): "Phường", ("tinh",): "Tỉnh", ("so",): "Sở"}

# Common short forms of province names (folded, no spaces).
_PROVINCE_ALIASES = {"hcm": "hochiminh", "tphcm": "hochiminh", "saigon": "hochiminh", "hn": "hanoi",
                     "brvt": "bariavungtau", "tth": "thuathienhue", "tthue": "thuathienhue"}

_LEVEL_VI = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã", "department": "sở, ngành"}
_LEVEL_EN = {"province": "province", "district": "district", "commune": "commune", "department": "department"}
_STRUCTURE_VI = {"S63": "cơ cấu 63 tỉnh (đến 30/06/2025)", "S34": "cơ cấu 34 tỉnh (từ 01/07/2025)"}
_STRUCTURE_EN = {"S63": "63-province structure (to 30/06/2025)", "S34": "34-province structure (from 01/07/2025)"}
_CODE_LENGTHS = {"province": (1, 2), "district": (3, 3), "commune": (4, 5)}
_UNIT_ID = re.compile(r"^S(63|34)-[PDCS]-[0-9A-Z-]+$", re.IGNORECASE)
_LISTED = 8  # candidates spelled out in a message; all of them are in Resolution.candidates

UNITS_SQL = """
SELECT unit_id, structure, level, code, name, short_name, unit_type, parent_id, province_id
FROM admin_unit
ORDER BY unit_id
"""


@dataclass(frozen=True)
class Resolution:
    """The unit a name stands for, or why there is none: no match, or several (`candidates`, never a guess)."""

    unit_id: str | None
    candidates: list[tuple[str, str]] = field(default_factory=list)  # (unit_id, "Xã Tân Lập, Huyện …, Tỉnh …")
    error_vi: str | None = None
    error_en: str | None = None

    @property
    def ok(self) -> bool:
        return self.unit_id is not None


# --------------------------------------------------------------------------------------------------------------
# Keys


def _tokens(text: str) -> list[str]:
    """NFC lower-case words: punctuation and dashes separate words ("TP.Lạng Sơn", "Bà Rịa–Vũng Tàu"),
    apostrophes join ("Đắk R'Lấp"), and letters and digits part ("Q1", "P.08")."""
    text = unicodedata.normalize("NFC", str(text)).lower()
    text = re.sub(r"['’‘`´]", "", text)
    text = re.sub(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])", " ", text)
    words = re.findall(r"[^\W_]+", text)
    return [str(int(w)) if w.isdigit() else w for w in words]


@lru_cache(maxsize=65536)
def _word_keys(word: str) -> tuple[str, str, str, str]:
    """(letters with vowel marks, tones, folded, folded with spelling variants) of one word:
    ('hoa', '2', 'hoa', 'hoa') for both 'hòa' and 'hoà'."""
    letters, tones = [], []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONE_MARKS:
            tones.append(_TONE_MARKS[ch])
        else:
            letters.append(ch)
    marked = unicodedata.normalize("NFC", "".join(letters))
    folded = _fold(marked)
    variant = re.sub(r"(?<=[^aeiouy])y$|(?<=qu)y$", "i", folded)  # final y ~ i after a consonant or "qu"
    variant = re.sub(r"(?<=[aeiouy])k$", "c", variant)  # final k ~ c
    return marked, "".join(tones), folded, variant


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _keys(words: list[str]) -> tuple[str, str, str]:
    """The three comparison keys (steps 0, 1, 2 of the module docstring) of a name's words."""
    parts = [_word_keys(w) for w in words]
    return ("".join(p[0] for p in parts) + "|" + "".join(p[1] for p in parts),
            "".join(p[2] for p in parts), "".join(p[3] for p in parts))


def _parses(text: str, *, folded_types: bool = True) -> list[tuple[str | None, list[str]]]:
    """Ways to read a name: (type word, remaining words), most likely first.

    A written-out type word with its diacritics or an abbreviation is dropped first; then the words as they
    are; then a type word written without diacritics ("huyen Cao Loc"), which could be part of a name ("Quan Hóa").
    """
    words = _tokens(text)
    if not words:
        return [(None, words)]
    parses: list[tuple[str | None, list[str]]] = []
    for prefix, unit_type in _PREFIXES.get(words[0], ()):
        if tuple(words[:len(prefix)]) == prefix and len(words) > len(prefix):
            parses.append((unit_type, words[len(prefix):]))
    parses.append((None, words))
    if folded_types:
        folded = [_fold(w) for w in words[:2]]
        for prefix, unit_type in _FOLDED_PREFIXES.get(folded[0], ()):
            if tuple(folded[:len(prefix)]) == prefix and len(words) > len(prefix):
                parses.append((unit_type, words[len(prefix):]))
    return parses


def _by_first_word(*tables: dict) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for table in tables:
        for prefix, unit_type in table.items():
            index.setdefault(prefix[0], []).append((prefix, unit_type))
    return index


_PREFIXES = _by_first_word(_TYPE_WORDS, _TYPE_ABBREVIATIONS)
_FOLDED_PREFIXES = _by_first_word(_FOLDED_TYPE_WORDS)


def normalise_name(text: str) -> str:
    """The loosest comparison key of a name: type word dropped, no diacritics, spelling variants merged.

    normalise_name("H. Đắk Song") == normalise_name("huyện Đăk Song") == normalise_name("Dak Song") == "dacsong".
    """
    parses = _parses(text)
    return _keys(parses[0][1])[2]


def _aliases(row) -> list[str]:
    """The names a unit is known by, type words included where the row has them."""
    names = {row.name, re.sub(r"\s*\(.*\)\s*$", "", row.short_name)}
    if row.level == "department":
        short = row.short_name
        names |= {short, re.sub(r"^Sở\s+", "", short), row.code.split("-", 1)[1]}
    return [n for n in names if n]


# --------------------------------------------------------------------------------------------------------------
# The resolver


class UnitResolver:
    """Names, unit ids and official codes -> unit ids, over the `admin_unit` table (both structures, all levels)."""

    def __init__(self, units: pd.DataFrame):
        units = units.copy()
        if "code" not in units.columns:
            units["code"] = units["unit_id"].str.split("-", n=2).str[2]
        units = units.astype(object).where(units.notna(), None)
        self.units = units.set_index("unit_id", drop=False)
        self._rows: dict[str, dict] = {r["unit_id"]: r for r in units.to_dict("records")}
        self._index: list[dict[str, set[str]]] = [{}, {}, {}]
        self._by_code: dict[tuple[str, str], set[str]] = {}
        self._in_province: dict[str, set[str]] = {}
        self._in_parent: dict[str, set[str]] = {}
        for row in units.itertuples(index=False):
            for alias in _aliases(row):
                for unit_type, words in _parses(alias, folded_types=False):
                    if unit_type not in (None, row.unit_type) and row.level != "department":
                        continue
                    for tier, key in enumerate(_keys(words)):
                        self._index[tier].setdefault(key, set()).add(row.unit_id)
            self._by_code.setdefault((row.level, row.code), set()).add(row.unit_id)
            if row.province_id:
                self._in_province.setdefault(row.province_id, set()).add(row.unit_id)
            if row.parent_id:
                self._in_parent.setdefault(row.parent_id, set()).add(row.unit_id)
        self._s34 = {u for u, r in self._rows.items() if r["structure"] == "S34"}
        provinces = {u for u, r in self._rows.items() if r["level"] == "province"}
        for alias, target in _PROVINCE_ALIASES.items():
            if found := self._index[2].get(target, set()) & provinces:
                self._index[2].setdefault(alias, set()).update(found)

    @classmethod
    def from_db(cls, con) -> UnitResolver:
        """From a DuckDB connection or cursor, or a `par_dashboard.store.db.Database`."""
        if hasattr(con, "_con"):  # a Database: a cursor of its shared connection
            cur = con._con.cursor()
            try:
                return cls(cur.execute(UNITS_SQL).df())
            finally:
                cur.close()
        return cls(con.execute(UNITS_SQL).df())

    # ----------------------------------------------------------------------------------------------------------

    def describe(self, unit_id: str) -> str:
        """'Xã Tân Lập, Huyện Đồng Phú, Tỉnh Bình Phước': the unit with its district and province."""
        row = self._rows[unit_id]
        parts = [row["name"]]
        parent = row["parent_id"] if row["level"] != "department" else None
        while parent in self._rows:
            parts.append(self._rows[parent]["name"])
            parent = self._rows[parent]["parent_id"]
        return ", ".join(parts)

    def resolve(self, name: str, *, level: str | None = None, structure: str | None = None,
                province: str | None = None, district: str | None = None) -> Resolution:
        """The unit `name` stands for, among units of `level` and `structure` inside `province` / `district`
        (names or unit ids; they narrow by parent). Exactly one match gives `unit_id`; otherwise an error."""
        if isinstance(name, float) and not pd.isna(name) and name.is_integer():
            name = int(name)  # a code that Excel stored as a number: 6184.0
        text = "" if name is None or (isinstance(name, float) and pd.isna(name)) else str(name).strip()
        scope = self._scope_words(level, structure)
        if not text:
            return Resolution(None, [], f"Thiếu tên đơn vị{scope[0]}.", f"The {scope[1]} name is missing.")

        within: set[str] | None = None
        labels: list[str] = []
        for hint, hint_level in ((province, "province"), (district, "district")):
            if hint is None or (isinstance(hint, float) and pd.isna(hint)) or not str(hint).strip():
                continue
            found = self._narrowing(str(hint).strip(), hint_level, structure, within)
            if isinstance(found, Resolution):
                return found
            ids, label = found
            within = self._inside(ids, hint_level, within)
            labels.insert(0, label)
        where_vi = f" thuộc {', '.join(labels)}" if labels else ""
        where_en = f" in {', '.join(labels)}" if labels else ""

        # A unit id, or an official code with its level
        if _UNIT_ID.match(text) and text.upper() in self._rows:
            uid = text.upper()
            return self._decide(text, [uid] if self._fits(uid, level, structure, within) else [], level, structure,
                                where_vi, where_en, id_given=True)
        if text.isdigit() and level in _CODE_LENGTHS and _CODE_LENGTHS[level][0] <= len(text) <= _CODE_LENGTHS[level][1]:
            code = text.zfill(_CODE_LENGTHS[level][1])
            ids = [u for u in sorted(self._by_code.get((level, code), ())) if self._fits(u, level, structure, within)]
            if ids:
                return self._decide(text, ids, level, structure, where_vi, where_en)

        matches = self._search(text, level, structure, within)
        if not matches and "," in text:  # "Xã Tân Lập, Huyện Bắc Sơn, Tỉnh Lạng Sơn": the parts narrow the first
            parts = [p.strip() for p in text.split(",") if p.strip()]
            if len(parts) in (2, 3) and province is None and district is None:
                res = self.resolve(parts[0], level=level, structure=structure, province=parts[-1],
                                   district=parts[1] if len(parts) == 3 else None)
                if res.unit_id or res.candidates:
                    return res
        if not matches and within is not None:
            elsewhere = self._search(text, level, structure, None)
            if elsewhere:
                listed = self._listing(elsewhere)
                return Resolution(
                    None, [(u, self.describe(u)) for u in elsewhere],
                    f"Không tìm thấy đơn vị “{text}”{scope[0]}{where_vi}; có đơn vị cùng tên ở nơi khác: {listed}.",
                    f"No {scope[1]} “{text}”{where_en}{scope[2]}; units of that name exist elsewhere: {listed}.")
        return self._decide(text, matches, level, structure, where_vi, where_en)

    # ----------------------------------------------------------------------------------------------------------

    def _fits(self, unit_id: str, level: str | None, structure: str | None, within: set[str] | None) -> bool:
        row = self._rows[unit_id]
        return ((level is None or row["level"] == level) and (structure is None or row["structure"] == structure)
                and (within is None or unit_id in within))

    def _search(self, text: str, level: str | None, structure: str | None, within: set[str] | None) -> list[str]:
        """Units whose name matches, by the first comparison step that finds any (see the module docstring)."""
        parses = _parses(text)
        for tier in range(3):
            for unit_type, words in parses:
                if not words:
                    continue
                found = [u for u in sorted(self._index[tier].get(_keys(words)[tier], ()))
                         if self._fits(u, level, structure, within)]
                if len(found) > 1 and unit_type:
                    typed = [u for u in found if self._rows[u]["unit_type"] == unit_type]
                    found = typed or found
                if found:
                    return found
        return []

    def _inside(self, ids: list[str], hint_level: str, within: set[str] | None) -> set[str]:
        """Units inside the given provinces or districts (themselves included: a province narrows to itself)."""
        children = self._in_province if hint_level == "province" else self._in_parent
        inside = set(ids).union(*(children.get(u, set()) for u in ids))
        if hint_level == "district":  # S34 has no districts: its units are not narrowed by one
            inside |= self._s34
        return inside if within is None else inside & within

    def _narrowing(self, hint: str, hint_level: str, structure: str | None, within: set[str] | None):
        """The units a province/district hint names (a province keeps its S63 and S34 units), or an error."""
        label_vi = "tỉnh" if hint_level == "province" else "huyện"
        label_en = "province" if hint_level == "province" else "district"
        if _UNIT_ID.match(hint) and hint.upper() in self._rows:
            uid = hint.upper()
            return [uid], self._rows[uid]["name"]
        matches = self._search(hint, hint_level, structure, within)
        if hint_level == "district" and structure is None:
            matches = [u for u in matches if self._rows[u]["structure"] == "S63"]
        if not matches:
            return Resolution(None, [], f"Không tìm thấy {label_vi} “{hint}”.", f"No {label_en} “{hint}” found.")
        names = {self._rows[u]["name"] for u in matches}
        if len(names) > 1 or (hint_level == "district" and len(matches) > 1):
            listed = self._listing(matches)
            return Resolution(None, [(u, self.describe(u)) for u in matches],
                              f"“{hint}” khớp với nhiều {label_vi}: {listed}. Hãy ghi rõ tên hoặc mã đơn vị.",
                              f"“{hint}” matches several {label_en}s: {listed}. Give the full name or the unit id.")
        return matches, names.pop()

    def _listing(self, ids: list[str]) -> str:
        shown = "; ".join(f"{self.describe(u)} ({u})" for u in ids[:_LISTED])
        return shown + (f"; … (+{len(ids) - _LISTED})" if len(ids) > _LISTED else "")

    @staticmethod
    def _scope_words(level: str | None, structure: str | None) -> tuple[str, str, str]:
        """(' cấp xã (cơ cấu 63 tỉnh …)', 'commune', ' in the 63-province structure (…)') for messages."""
        vi = f" {_LEVEL_VI[level]}" if level in _LEVEL_VI else ""
        en_noun = _LEVEL_EN.get(level, "unit")
        en = ""
        if structure in _STRUCTURE_VI:
            vi += f" ({_STRUCTURE_VI[structure]})"
            en = f" in the {_STRUCTURE_EN[structure]}"
        return vi, en_noun, en

    def _decide(self, text: str, ids: list[str], level, structure, where_vi: str, where_en: str,
                id_given: bool = False) -> Resolution:
        scope_vi, noun, structure_en = self._scope_words(level, structure)
        if len(ids) == 1:
            return Resolution(ids[0], [(ids[0], self.describe(ids[0]))])
        if not ids:
            if id_given:
                row = self._rows[text.upper()]
                return Resolution(None, [], f"Mã đơn vị “{text}” ({row['name']}) không phải đơn vị{scope_vi}{where_vi}.",
                                  f"Unit id “{text}” ({row['name']}) is not a {noun}{where_en}{structure_en}.")
            return Resolution(None, [], f"Không tìm thấy đơn vị “{text}”{scope_vi}{where_vi}.",
                              f"No {noun} named “{text}” found{where_en}{structure_en}.")
        listed = self._listing(ids)
        return Resolution(
            None, [(u, self.describe(u)) for u in ids],
            f"“{text}” khớp với {len(ids)} đơn vị{scope_vi}{where_vi}: {listed}. Hãy ghi rõ huyện, tỉnh hoặc mã đơn vị.",
            f"“{text}” matches {len(ids)} {noun}s{where_en}{structure_en}: {listed}. "
            f"Give the district, the province or the unit id.")
