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
