"""Text encodings of imported files: byte decoding, and repair of the legacy Vietnamese font encodings.

Two separate problems:

* `decode_bytes` turns the bytes of a CSV/text file into text: UTF-8 (with or without BOM), UTF-16 (BOM, or
  recognised by its NUL bytes), or Windows-1258 (which writes tones as combining marks, so its text is
  NFC-normalised). Bytes typed with a TCVN3 or VNI font are recognised too (read as Windows-1252, then repaired).
* `fix_legacy` repairs a text typed with a TCVN3 (ABC) or VNI font before Unicode: Excel stored each font byte as
  the Windows-1252 character of that byte, so openpyxl gives "Hµ Néi" (TCVN3) or "Haø Noäi" (VNI) for "Hà Nội".

The two tables below follow the published layouts of both encodings, the same ones the Vietnamese keyboard
drivers (Unikey, VietKey, xvnkb) convert with; `tests/test_import_encoding.py` round-trips all 134 letters.

TCVN3 (ABC, TCVN 5712:1993 VN3) has codes for the 67 lower-case letters and for the seven plain capitals
Ă Â Đ Ê Ô Ơ Ư only. A capital with a tone mark had no code of its own: the ABC font family drew the lower-case
codes as capitals in its "H" fonts (.VnTimeH). So `to_tcvn3` writes such a capital with the lower-case code, and
`fix_legacy` restores the capital only where the word (or, for a word with no other evidence, the whole text) is
written in capitals: "HµNéI" -> "HÀNỘI", "Hµ Néi" -> "Hà Nội". A capital toned vowel that begins a word written
in lower case ("Ấp Bắc" -> "Êp B¾c") comes back in lower case ("ấp Bắc"): TCVN3 text cannot carry it.

VNI (VNI-Windows) writes a vowel as its base letter followed by a mark byte (a + ø = à, a + ä = ậ, a + ë = ặ) and has
single codes for ơ ư đ and the toned i's; capitals use the capital mark bytes (A + Ø = À), so VNI keeps case.

Detection is conservative: text is converted only when it holds characters that never occur in Unicode
Vietnamese (µ ¸ ¶ ... for TCVN3, ø ï ä ... or "aâ"/"oâ" for VNI), no character that only Unicode Vietnamese has
(ă ơ ư đ ộ ... or a combining mark), and the converted words read as Vietnamese syllables.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Notice:
    """Something the importer did to the text that the user should know about (not an error)."""

    message_vi: str
    message_en: str


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # a Python codec name ("utf-8", "utf-8-sig", "utf-16-le", "cp1258", ...) or "TCVN3" / "VNI"
    notices: list[Notice] = field(default_factory=list)


class EncodingError(ValueError):
    """The bytes are not text in any encoding we read."""

    def __init__(self, message_vi: str, message_en: str):
        super().__init__(message_en)
        self.message_vi = message_vi
        self.message_en = message_en


# --------------------------------------------------------------------------------------------------------------
# The Vietnamese letters

_TONE_MARKS = {"\u0301": 1, "\u0300": 2, "\u0309": 3, "\u0303": 4, "\u0323": 5}  # sắc, huyền, hỏi, ngã, nặng
_BASES = "aăâeêioôơuưy"
_TONED = {  # base -> the base with tones 0..5 (none, sắc, huyền, hỏi, ngã, nặng)
    "a": "aáàảãạ", "ă": "ăắằẳẵặ", "â": "âấầẩẫậ", "e": "eéèẻẽẹ", "ê": "êếềểễệ", "i": "iíìỉĩị",
    "o": "oóòỏõọ", "ô": "ôốồổỗộ", "ơ": "ơớờởỡợ", "u": "uúùủũụ", "ư": "ưứừửữự", "y": "yýỳỷỹỵ",
}
#: The 67 lower-case letters with a diacritic (đ and the toned/modified vowels); with their capitals, the 134.
VIETNAMESE_LETTERS: str = "".join(
    ch for base in _BASES for ch in _TONED[base] if ch not in "aeiouy") + "đ"
VIETNAMESE_LETTERS += VIETNAMESE_LETTERS.upper()
_TONE_OF = {ch: (base, tone) for base, row in _TONED.items() for tone, ch in enumerate(row)}

# --------------------------------------------------------------------------------------------------------------
# TCVN3 (ABC): one code per lower-case letter, as the Windows-1252 character of the font byte

_TCVN3_LOWER = {
    "à": "µ", "á": "¸", "ả": "¶", "ã": "·", "ạ": "¹",
    "ă": "¨", "ằ": "»", "ắ": "¾", "ẳ": "¼", "ẵ": "½", "ặ": "Æ",
    "â": "©", "ầ": "Ç", "ấ": "Ê", "ẩ": "È", "ẫ": "É", "ậ": "Ë",
    "đ": "®",
    "è": "Ì", "é": "Ð", "ẻ": "Î", "ẽ": "Ï", "ẹ": "Ñ",
    "ê": "ª", "ề": "Ò", "ế": "Õ", "ể": "Ó", "ễ": "Ô", "ệ": "Ö",
    "ì": "×", "í": "Ý", "ỉ": "Ø", "ĩ": "Ü", "ị": "Þ",
    "ò": "ß", "ó": "ã", "ỏ": "á", "õ": "â", "ọ": "ä",
    "ô": "«", "ồ": "å", "ố": "è", "ổ": "æ", "ỗ": "ç", "ộ": "é",
    "ơ": "¬", "ờ": "ê", "ớ": "í", "ở": "ë", "ỡ": "ì", "ợ": "î",
    "ù": "ï", "ú": "ó", "ủ": "ñ", "ũ": "ò", "ụ": "ô",
    "ư": "\u00ad", "ừ": "õ", "ứ": "ø", "ử": "ö", "ữ": "÷", "ự": "ù",
    "ỳ": "ú", "ý": "ý", "ỷ": "û", "ỹ": "ü", "ỵ": "þ",
}
_TCVN3_UPPER = {"Ă": "¡", "Â": "¢", "Đ": "§", "Ê": "£", "Ô": "¤", "Ơ": "¥", "Ư": "¦"}
_TCVN3_ENCODE = {**_TCVN3_LOWER, **_TCVN3_UPPER}
for _ch, _code in _TCVN3_LOWER.items():  # toned capitals share the lower-case code (see the module docstring)
    _TCVN3_ENCODE.setdefault(_ch.upper(), _code)
_TCVN3_DECODE = {code: ch for ch, code in {**_TCVN3_LOWER, **_TCVN3_UPPER}.items()}

# Characters of Unicode Vietnamese that live in Latin-1 (and so may also be legacy codes).
_LATIN1_VIETNAMESE = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_TCVN3_SPECIFIC = set(_TCVN3_DECODE) - _LATIN1_VIETNAMESE
_TCVN3_UNAMBIGUOUS_LOWER = set("¨©®ª«¬\u00ad")  # ă â đ ê ô ơ ư: their capitals have codes of their own
_TCVN3_UNAMBIGUOUS_UPPER = set(_TCVN3_UPPER.values())

# --------------------------------------------------------------------------------------------------------------
# VNI (VNI-Windows): base letter + mark byte; single codes for ơ ư đ and the toned i's, and ỵ

_VNI_TONE = ("", "ù", "ø", "û", "õ", "ï")          # a o u e y and ơ ư take these for tones 1..5
_VNI_CIRCUMFLEX = ("â", "á", "à", "å", "ã", "ä")   # â ê ô with tones 0..5
_VNI_BREVE = ("ê", "é", "è", "ú", "ü", "ë")        # ă with tones 0..5
_VNI_I = ("i", "í", "ì", "æ", "ó", "ò")


def _vni_table() -> dict[str, str]:
    table: dict[str, str] = {"đ": "ñ"}
    for base, row in _TONED.items():
        for tone, ch in enumerate(row):
            if base in "aeouy":
                code = base + _VNI_TONE[tone]
            elif base in "âêô":
                code = {"â": "a", "ê": "e", "ô": "o"}[base] + _VNI_CIRCUMFLEX[tone]
            elif base == "ă":
                code = "a" + _VNI_BREVE[tone]
            elif base in "ơư":
                code = {"ơ": "ô", "ư": "ö"}[base] + _VNI_TONE[tone]
            else:  # i
                code = _VNI_I[tone]
            table[ch] = code
    table["ỵ"] = "î"
    table.update({ch.upper(): code.upper() for ch, code in list(table.items())})
    return {ch: code for ch, code in table.items() if ch != code}


_VNI_ENCODE = _vni_table()
_VNI_DECODE: dict[str, str] = {}
for _ch, _code in _VNI_ENCODE.items():
    _VNI_DECODE[_code] = _ch
    if len(_code) == 2:  # a capital with a lower-case mark byte, or the reverse: the base letter decides the case
        _VNI_DECODE.setdefault(_code[0] + _code[1].swapcase(), _ch)
_VNI_MARKS = set("".join(_VNI_TONE + _VNI_CIRCUMFLEX + _VNI_BREVE))
_VNI_MARKS |= {m.upper() for m in _VNI_MARKS}
_VNI_SPECIFIC = (set("".join(c for c in _VNI_ENCODE.values())) - _LATIN1_VIETNAMESE - set("aeiouyAEIOUY"))
_VNI_SPECIFIC_PAIRS = re.compile("[aeoAEO][âÂ]|[aA][êÊ]")  # "aâ", "oâ", "aê" never occur in Unicode Vietnamese
_VNI_SEQUENCE = re.compile("|".join(sorted((re.escape(code) for code in _VNI_DECODE), key=len, reverse=True)))

# Characters only Unicode Vietnamese has (not Latin-1): their presence means the text is not legacy-encoded.
_UNICODE_ONLY = re.compile("[ăĂđĐĩĨũŨơƠưƯ\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b]")


def to_tcvn3(text: str) -> str:
    """The text as a TCVN3 (ABC) font shows it after Windows-1252 decoding ("Hà Nội" -> "Hµ Néi").

    Capitals with a tone mark get the lower-case code (see the module docstring); other characters stay.
    """
    return "".join(_TCVN3_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def to_vni(text: str) -> str:
    """The text as a VNI font shows it after Windows-1252 decoding ("Hà Nội" -> "Haø Noäi")."""
    return "".join(_VNI_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def from_tcvn3(text: str) -> str:
    """TCVN3 text converted without asking whether it is TCVN3 (`fix_legacy` asks): for a user who says so."""
    return unicodedata.normalize("NFC", _convert(text, "TCVN3")[0])


def from_vni(text: str) -> str:
    """VNI text converted without asking whether it is VNI (`fix_legacy` asks): for a user who says so."""
    return unicodedata.normalize("NFC", _convert(text, "VNI")[0])


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 bytes of a text, as Windows writes them: precomposed where the code page has the letter
    (â ă ê ô ơ ư đ ...), the tone as a combining mark after it ("ộ" -> "ô" + U+0323). For test files."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            marks = unicodedata.normalize("NFD", ch)
            tones = "".join(m for m in marks if m in _TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(m for m in marks if m not in _TONE_MARKS))
            out.append((base + tones).encode("cp1258"))  # raises for characters cp1258 cannot write
    return b"".join(out)


# --------------------------------------------------------------------------------------------------------------
# Vietnamese syllables: the check that a conversion produced Vietnamese

_CONSONANTS = set("bcdđghklmnpqrstvxfjwz")
_OPEN_ONLY = {"ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu", "ua",
              "ưa", "oai", "oay", "oao", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyu", "iêu", "yêu", "uơ"}
_FINAL_OPTIONAL = {"a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy", "oo"}
_FINAL_REQUIRED = {"ă", "â", "iê", "yê", "uô", "ươ", "oă", "uâ", "uyê"}
_FINALS = {"c", "ch", "k", "m", "n", "ng", "nh", "p", "t"}


def is_syllable(word: str) -> bool:
    """Whether a word (letters only) can be a Vietnamese syllable: consonants, a vowel group, a final consonant,
    and at most one tone mark. Permissive about initial clusters ("Krông", "Kbang") and tone position ("Hoà")."""
    base = []
    tones = 0
    for ch in unicodedata.normalize("NFC", word).lower():
        if ch in _TONE_OF:
            b, tone = _TONE_OF[ch]
            base.append(b)
            tones += tone > 0
        elif ch in _CONSONANTS:
            base.append(ch)
        else:
            return False
    if tones > 1:
        return False
    s = "".join(base)
    m = re.fullmatch(r"([bcdđghklmnpqrstvxfjwz]*)([aăâeêioôơuưy]+)([bcdđghklmnpqrstvxfjwz]*)", s)
    if not m:
        return False
    initial, vowels, final = m.groups()
    if initial.endswith("q") and vowels.startswith("u") and len(vowels) > 1:
        vowels = vowels[1:]
    elif initial == "g" and vowels.startswith("i") and len(vowels) > 1:
        vowels = vowels[1:]
    if final and final not in _FINALS:
        return False
    if vowels in _OPEN_ONLY:
        return not final
    if vowels in _FINAL_REQUIRED:
        return bool(final)
    return vowels in _FINAL_OPTIONAL


# --------------------------------------------------------------------------------------------------------------
# Legacy detection and repair

_WORD_CHARS = "".join(sorted(set(_TCVN3_DECODE) | _VNI_SPECIFIC | _VNI_MARKS))
_RUN = re.compile(f"(?:[^\\W\\d_]|[{re.escape(_WORD_CHARS)}])+")
_LETTERS = re.compile(r"[^\W\d_]+")


def _decode_tcvn3_run(run: str, all_caps: bool) -> str:
    lower = any((c.isascii() and c.islower()) or c in _TCVN3_UNAMBIGUOUS_LOWER for c in run)
    upper_inside = any((c.isascii() and c.isupper()) or c in _TCVN3_UNAMBIGUOUS_UPPER for c in run[1:])
    capitals = not lower and (upper_inside or all_caps)
    out = []
    for c in run:
        ch = _TCVN3_DECODE.get(c, c)
        if capitals and c in _TCVN3_DECODE and c not in _TCVN3_UNAMBIGUOUS_UPPER:
            ch = ch.upper()
        out.append(ch)
    return "".join(out)


def _tcvn3_all_caps(text: str) -> bool:
    """No lower-case evidence anywhere, and some capital inside a word: the text is written in capitals."""
    if any((c.isascii() and c.islower()) or c in _TCVN3_UNAMBIGUOUS_LOWER for c in text):
        return False
    return any(any((c.isascii() and c.isupper()) or c in _TCVN3_UNAMBIGUOUS_UPPER for c in run[1:])
               for run in _RUN.findall(text))


def _decode_vni_run(run: str) -> str:
    return _VNI_SEQUENCE.sub(lambda m: _VNI_DECODE[m.group()], run)


def _convert(text: str, encoding: str) -> tuple[str, list[tuple[str, str]]]:
    """The converted text, and the (original, converted) words that changed."""
    changed: list[tuple[str, str]] = []
    all_caps = encoding == "TCVN3" and _tcvn3_all_caps(text)

    def replace(m: re.Match) -> str:
        run = m.group()
        new = _decode_tcvn3_run(run, all_caps) if encoding == "TCVN3" else _decode_vni_run(run)
        if new != run:
            changed.append((run, new))
        return new

    return _RUN.sub(replace, text), changed


def _specific_count(text: str, encoding: str) -> int:
    if encoding == "TCVN3":
        return sum(c in _TCVN3_SPECIFIC for c in text)
    return sum(c in _VNI_SPECIFIC for c in text) + len(_VNI_SPECIFIC_PAIRS.findall(text))


def _plausibility(text: str, encoding: str, judged: bool = False) -> tuple[float, int, str] | None:
    """(share of valid syllables, legacy-specific characters, converted text) if converting looks right, else None.
    `judged`: the text's row or column was found to be in `encoding`, so a cell with no legacy-specific character of
    its own ("Cao Léc", whose é is also a Latin-1 letter) may be converted too, if it then reads as Vietnamese."""
    if not judged and not _specific_count(text, encoding):
        return None
    converted, changed = _convert(text, encoding)
    if not changed or not any(any(c.isascii() and c.isalpha() for c in old) for old, _ in changed):
        return None  # a lone symbol ("3 × 4", "10 µg") is not a word typed in a legacy font
    # every non-ASCII word must read as Vietnamese afterwards, the converted ones and those left as they were
    pieces = [piece for piece in _LETTERS.findall(converted) if not piece.isascii()]
    valid = sum(is_syllable(p) for p in pieces)
    share = valid / len(pieces) if pieces else 0.0
    if share < (1.0 if len(pieces) < 4 else 0.85):
        return None
    return share, _specific_count(text, encoding), converted


def fix_legacy(text: str, encoding: str | None = None) -> tuple[str, str | None]:
    """Repair text typed with a TCVN3 (ABC) or VNI font: (NFC text, "TCVN3" | "VNI"), or (text, None) untouched.

    Converts only when the text holds legacy-specific characters, none that only Unicode Vietnamese has,
    and the converted words are Vietnamese syllables; correct Unicode, English/French text and numbers stay as
    they are. A short text that reads equally well both ways ("öa": VNI "ưa", TCVN3 "ửa") stays too, unless
    `encoding` says which one the file uses (see `detect_legacy`). With `encoding` given (its row or column was
    judged to be in it), a text without legacy-specific characters of its own ("Cao Léc" for "Cao Lộc") is
    converted too when its converted words read as Vietnamese syllables.
    """
    if not isinstance(text, str) or text.isascii() or _UNICODE_ONLY.search(text):
        return text, None
    judged = encoding in ("TCVN3", "VNI")
    names = [encoding] if judged else ["TCVN3", "VNI"]
    results = sorted(((score, name) for name in names if (score := _plausibility(text, name, judged))),
                     key=lambda r: r[0][:2], reverse=True)
    if not results or (len(results) == 2 and results[0][0][0] == results[1][0][0]):
        return text, None  # nothing fits, or both read equally well: no guess
    (_, _, converted), name = results[0]
    return unicodedata.normalize("NFC", converted), name


def detect_legacy(texts) -> str | None:
    """The legacy encoding ("TCVN3" | "VNI") of a column or sheet of texts read together, or None.

    Short cells can be ambiguous alone; pass the result to `fix_legacy(cell, encoding)` for each cell.
    """
    return fix_legacy("\n".join(t for t in texts if isinstance(t, str)))[1]


def vietnamese_share(text: str) -> float:
    """Share of the non-ASCII words of a text that are Vietnamese syllables (1.0 when there are none)."""
    words = [w for w in _LETTERS.findall(text) if not w.isascii()]
    return sum(is_syllable(w) for w in words) / len(words) if words else 1.0


# --------------------------------------------------------------------------------------------------------------
# Bytes

_BOMS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f]")

_NOTICE_NFC = Notice(
    "Văn bản dùng dấu tổ hợp (Unicode NFD); đã chuẩn hoá sang dạng dựng sẵn (NFC).",
    "The text used combining diacritics (Unicode NFD); normalised to precomposed form (NFC).")
_NOTICE_CP1258 = Notice(
    "Tệp không phải UTF-8; đã đọc theo bảng mã Windows-1258. Hãy kiểm tra dấu tiếng Việt; lần sau nên lưu tệp dạng CSV UTF-8.",
    "The file is not UTF-8; it was read as Windows-1258. Check the Vietnamese diacritics; next time save it as CSV UTF-8.")


def _legacy_notice(name: str) -> Notice:
    font = "TCVN3 (ABC, phông .Vn…)" if name == "TCVN3" else "VNI (phông VNI-…)"
    font_en = "TCVN3 (ABC, .Vn… fonts)" if name == "TCVN3" else "VNI (VNI-… fonts)"
    return Notice(f"Văn bản được gõ bằng bảng mã cũ {font}; đã chuyển sang Unicode. Hãy kiểm tra lại tên riêng.",
                  f"The text was typed in the legacy {font_en} encoding; converted to Unicode. Please check proper names.")


def _finish(text: str, encoding: str, notices: list[Notice]) -> Decoded:
    if _CONTROL.search(text):
        raise EncodingError(
            "Tệp không phải tệp văn bản (CSV): có ký tự điều khiển/nhị phân. Hãy tải lên tệp CSV (UTF-8) hoặc Excel (.xlsx).",
            "The file is not a text (CSV) file: it contains control/binary characters. Upload a CSV (UTF-8) or Excel (.xlsx) file.")
    nfc = unicodedata.normalize("NFC", text)
    if nfc != text and encoding != "cp1258":
        notices = [*notices, _NOTICE_NFC]
    return Decoded(nfc, encoding, notices)


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """UTF-16 recognised by its NUL bytes: ASCII and Latin-1 characters have a zero high byte."""
    if len(data) < 4 or len(data) % 2:
        return None
    pairs = len(data) // 2
    zeros_even, zeros_odd = data[0::2].count(0), data[1::2].count(0)
    for codec, zeros, other in (("utf-16-le", zeros_odd, zeros_even), ("utf-16-be", zeros_even, zeros_odd)):
        if zeros >= 0.3 * pairs and other <= 0.05 * pairs:
            try:
                return data.decode(codec), codec
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes) -> Decoded:
    """Text of a file's bytes: UTF-8 (BOM or not), UTF-16/32 (BOM, or UTF-16 recognised by its NUL bytes),
    Windows-1258 (decoded then NFC-normalised), or bytes typed in a TCVN3/VNI font (repaired to Unicode).

    Raises `EncodingError` for bytes that are not text in any of these.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _finish(data[len(bom):].decode(codec), codec, [])
            except UnicodeDecodeError as exc:
                raise EncodingError(
                    f"Tệp bắt đầu bằng dấu BOM của {codec.upper()} nhưng nội dung không đúng bảng mã này (byte {exc.start}).",
                    f"The file starts with a {codec.upper()} byte-order mark but its content is not valid {codec.upper()} "
                    f"(byte {exc.start}).") from exc
    if (utf16 := _utf16_without_bom(data)) is not None:
        return _finish(*utf16, [])
    try:
        return _finish(data.decode("utf-8"), "utf-8", [])
    except UnicodeDecodeError:
        pass
    try:
        cp1258 = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        cp1258 = None
    try:
        legacy, name = fix_legacy(data.decode("cp1252"))
    except UnicodeDecodeError:
        legacy, name = None, None
    if name and (cp1258 is None or vietnamese_share(legacy) > vietnamese_share(cp1258)):
        return _finish(legacy, name, [_legacy_notice(name)])
    if cp1258 is not None:
        return _finish(cp1258, "cp1258", [_NOTICE_CP1258])
    raise EncodingError(
        "Không đọc được bảng mã của tệp (không phải UTF-8, UTF-16 hay Windows-1258). Hãy lưu lại dạng CSV UTF-8.",
        "Could not read the file's encoding (not UTF-8, UTF-16 or Windows-1258). Save it again as CSV UTF-8.")
