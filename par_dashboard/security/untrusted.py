"""Text that came from outside (an uploaded file, a report, a URL, a search box) made safe where it is shown or kept.

Streamlit renders the text of st.markdown, st.title, st.caption, st.info… as Markdown (with LaTeX between `$`,
`:colour[…]` directives and links), so a finding text such as `**[x](javascript:…)**` or `$\\text{…}$` would be
formatted instead of shown. `markdown_text` escapes it to read literally. `formula_like` tells which cell texts a
spreadsheet would run as a formula; `safe_file_name` keeps only a harmless base name of an uploaded file's name.
"""

from __future__ import annotations

import re
import unicodedata

# Inline Markdown syntax: code, emphasis, strikethrough, links and Streamlit's `:red[…]`, HTML and autolinks, LaTeX,
# table cells, entities, headings and quotes, Streamlit's `:emoji:` / `:material/…:` and `http:` autolinks; at the
# start, list markers (- + 1.). A backslash before any ASCII punctuation shows that character itself (CommonMark);
# the rest of the punctuation is harmless, and left alone so the Markdown stays readable ("80/KH-UBND (2024)").
_MD_INLINE = re.compile(r"([\\`*_~\[\]<>$|&#:])")
_LIST_START = re.compile(r"^(\d{1,9})([.)])")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")
_HTTP_URL = re.compile(r"https?://[^\s<>\"'`\\]+", re.IGNORECASE)


def markdown_text(text: object) -> str:
    """`text` as Markdown that displays exactly `text` on one line (inside a sentence, a list item or a table cell);
    at the start of a line it cannot begin a list, a quote, a heading or a code block either."""
    out = _MD_INLINE.sub(r"\\\1", _LINE_BREAKS.sub(" ", str(text)).strip())
    return "\\" + out if out.startswith(("-", "+")) else _LIST_START.sub(r"\1\\\2", out)


def markdown_code(text: object) -> str:
    """`text` as an inline code span (a file name, an id), whatever backticks it holds."""
    text = _LINE_BREAKS.sub(" ", str(text))
    fence = "`" * (max((len(run) for run in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown_url(url: object) -> str:
    """A web address as a Markdown link when it is a plain http(s) address, else as escaped text (no `javascript:`)."""
    url = str(url).strip()
    return f"<{url}>" if _HTTP_URL.fullmatch(url) else markdown_text(url)


# A cell a spreadsheet reads as a formula (or as a DDE command): =, +, -, @ and the full-width forms Excel also
# accepts when typed with an East Asian input method; tab and carriage return hide what follows in a CSV field.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?[\d.,\s]+%?")


def formula_like(value: object) -> bool:
    """A text a spreadsheet would evaluate. Signed numbers ("+2,08", "-5") are not: they are harmless as numbers."""
    return isinstance(value, str) and value.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value)


MAX_NAME_CHARS = 120
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*\\/]')


def safe_file_name(name: object, default: str = "tep-tai-len") -> str:
    """The base name of an uploaded file, fit to record, show and offer for download: no folders (`../`, `C:\\`,
    `/etc/`), no control characters (NUL, line breaks), no characters Windows refuses, no leading dots, at most
    MAX_NAME_CHARS characters with the extension kept. Never a path: nothing is written under this name anyway."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = _UNSAFE_NAME_CHARS.sub("_", text)
    text = " ".join(text.split()).lstrip(". ").rstrip(". ")
    if len(text) > MAX_NAME_CHARS:
        stem, dot, ext = text.rpartition(".")
        ext = ext if dot and 0 < len(ext) <= 10 else ""
        text = (stem if ext else text)[: MAX_NAME_CHARS - len(ext) - 1].rstrip(". ") + ("." + ext if ext else "")
    return text or default


# ------------------------------------------------------------------------------------------------ unseen characters
# Characters that change a text without being seen: zero-width and other format characters (category Cf: U+200B–
# U+200D, U+2060–U+2064, U+FEFF, the soft hyphen U+00AD…), bidirectional controls (embeddings, overrides, isolates
# and the three direction marks, which make a text display in an order other than the one it has), control
# characters (Cc) and the line and paragraph separators. Told by `unicodedata`; the only hand-written part is the
# few default-ignorable code points Unicode puts in other categories (unicodedata has no such property).
_BIDI_CLASSES = frozenset({"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"})
_BIDI_MARKS = frozenset("\u200e\u200f\u061c")  # LRM, RLM, ALM: of class L, R, AL like letters, yet invisible marks
_IGNORABLE = frozenset(
    "\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0"  # combining grapheme joiner, Hangul fillers, Khmer inherent vowels
    + "".join(map(chr, range(0x180B, 0x1810)))  # Mongolian variation selectors (and the vowel separator)
    + "".join(map(chr, range(0xFE00, 0xFE10)))  # variation selectors
    + "".join(map(chr, range(0xE0100, 0xE01F0))))  # variation selectors supplement


def bidi_control(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in _BIDI_CLASSES or ch in _BIDI_MARKS


def unseen(ch: str) -> bool:
    """A character that shows nothing (or changes how its neighbours show) and is not a plain space: format (Cf),
    control (Cc), line or paragraph separator, bidirectional control, default-ignorable."""
    return unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp") or ch in _IGNORABLE or bidi_control(ch)


_IGNORABLE_RE = re.compile("[\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0\U000e0100-\U000e01ef]")


def maybe_unseen(text: str) -> bool:
    """False when `text` surely holds no unseen character (quick, in C: the common case); True when it may."""
    if text.isascii():  # ids, codes, numbers: only a control character can hide there
        return not text.isprintable()
    return not text.isprintable() or _IGNORABLE_RE.search(text) is not None


def char_label(ch: str) -> str:
    """'U+200B (ZERO WIDTH SPACE)': how a message names a character nobody can see."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" ({name})" if name else "")


def shown(text: str, limit: int = 60) -> str:
    """`text` as a message may quote it: each unseen character written out as ⟨U+200B⟩, cut to about `limit`
    characters (a megabyte of text is not repeated back)."""
    out = "".join(f"⟨U+{ord(c):04X}⟩" if unseen(c) else c for c in text[: limit + 1])
    return out if len(text) <= limit else out[:limit] + "…"
