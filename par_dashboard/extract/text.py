"""The report text as the extractor reads it: normalised, page clutter set aside, cut into sentences with spans.

Spans index the normalised text (NFC, `\\n` line ends) that `normalise` returns; the review screen shows that text,
so a span always highlights what the analyst sees. Clutter (menus, visitor counters, image addresses, comment
boxes, download links, photo captions) is skipped, never deleted, so offsets stay those of the whole text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Lines that are page furniture, not report: matched on the folded line (lower case, no diacritics).
_CLUTTER = re.compile(
    r"^(a- a a\+|tang tuong phan|giam tuong phan|dang online|hom nay\s*:|trong thang\s*:|tat ca\s*:|thong ke truy cap|"
    r"luot truy cap|lien ket website|thong tin tuyen truyen|thong tin tong hop|binh luan|gui binh luan|viet binh luan|"
    r"y kien ban doc|chia se|ban in|in bai|tai (quyet dinh|phu luc|ve|file)|xem them|tin lien quan|cac tin khac|"
    r"cap nhat ngay|trang chu|dang nhap|tim kiem|\[source:|\[\.\.\.|\[\u2026|\(btv\)$|mot so hinh anh|"
    r"nguon\s*:\s*https?://)")
_URL_LINE = re.compile(r"^\s*(nguồn\s*:\s*)?(https?://\S+|www\.\S+)\s*$", re.IGNORECASE)
_IMAGE = re.compile(r"\.(jpe?g|png|gif|webp)(\?|$)", re.IGNORECASE)  # in an address (no spaces): ".png" at its end or before "?"
_END_PUNCT = ".!?…;:\"”)"
_ABBREVIATION = re.compile(r"(?:^|(?<=[\s(]))(?:TP|Tp|TX|TT|ThS|TS|PGS|GS)\.$")
# A first line that opens with a day and ends with a full stop is the lead of an article stored without its
# headline ("Ngày 17/9, Đoàn kiểm tra … đã kiểm tra … tại xã …."), not a headline: headlines carry no full stop.
_DATED_LEAD = re.compile(r"(?:(?:sáng|chiều|trưa|tối)\s+)?(?:(?:từ\s+)?ngày\s+)?\d{1,2}[/.\-]\d{1,2}\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”]?\s+(?=[\"“(]?\w)")


def normalise(text: str) -> str:
    """NFC, `\\n` line ends, no NUL or other control characters (a PDF's text layer brings some)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "".join(c if c in "\n\t" or unicodedata.category(c)[0] != "C" else " " for c in text)


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one: offsets in the folded text are offsets in `text`."""
    out = []
    for c in text:
        if c in "đĐ":
            out.append("d")
            continue
        base = unicodedata.normalize("NFD", c)[0]
        out.append(base.lower() if len(base.lower()) == 1 else c)
    return "".join(out)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    folded: str
    line_kind: str  # body | title | caption

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass(frozen=True)
class Document:
    text: str
    sentences: list[Sentence]
    urls: list[str]       # addresses found in the text (the article's own first: a first line or "Nguồn: …")
    clutter_lines: int

    def body(self) -> list[Sentence]:
        return [s for s in self.sentences if s.line_kind != "caption"]


# A first line ending with a full stop and this long is a sentence (a teaser's lead kept alone), not a headline:
# headlines are printed without a final stop, and one of 25 words would be unusually long.
_LEAD_WORDS = 25


def _line_kind(line: str, index: int, lines: list[str], first_text_seen: bool) -> str:
    """title (the first real line, or a short line in capitals), caption (a short line without final
    punctuation between blank lines, as photo captions are), or body."""
    stripped = line.strip()
    if not first_text_seen and (len(stripped) < 200 and not re.search(r"[.!?…]\s+\S", stripped)
                                and not (_DATED_LEAD.match(stripped) and stripped.endswith("."))
                                and not (stripped.endswith(".") and len(stripped.split()) >= _LEAD_WORDS)):
        return "title"  # the headline: the first line, short, one sentence at most
    letters = [c for c in stripped if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(stripped) > 15:
        return "title"
    if len(stripped) < 140 and stripped[-1] not in _END_PUNCT and not re.search(r"\d+([.,]\d+)?\s*%", stripped):
        return "caption"
    return "body"


def _sentences(line: str) -> list[str]:
    """A line cut after . ! ? … where the next word begins with a capital or a digit ("… xã hội... đã được" is one
    sentence; "TTHC. Toàn tỉnh" two)."""
    pieces, start = [], 0
    for m in _SENTENCE_END.finditer(line):
        # the next word, after at most one quote or parenthesis (_SENTENCE_END's lookahead): a few characters, never
        # the rest of the line (a long line of short sentences would be read again from each of them)
        following = line[m.end(): m.end() + 2].lstrip("\"“(")
        if _ABBREVIATION.search(line, max(0, m.start() - 5), m.start()):
            continue  # "UBND TP. Tam Kỳ", "TX. Giá Rai", "ThS. Nguyễn …": a type word or a degree, not a sentence's end
        if following[:1].isupper() or following[:1].isdigit():
            pieces.append(line[start: m.start()])
            start = m.end()
    pieces.append(line[start:])
    return [p for p in pieces if p.strip()]


def read(text: str) -> Document:
    """Cut the normalised `text` into sentences of its non-clutter lines."""
    sentences: list[Sentence] = []
    urls: list[str] = []
    clutter = 0
    offset = 0
    lines = text.split("\n")
    first_text_seen = False
    for i, line in enumerate(lines):
        start = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped:
            continue
        if m := _URL_LINE.match(stripped):
            url = m.group(2)
            if not _IMAGE.search(url):
                urls.append(url)
            clutter += 1
            continue
        folded_line = fold(stripped)
        if _CLUTTER.search(folded_line) or len(re.findall(r"\w", stripped)) < 3:
            clutter += 1
            continue
        kind = _line_kind(line, i, lines, first_text_seen)
        first_text_seen = True
        lead = len(line) - len(line.lstrip())
        pieces = _sentences(stripped)
        pos = start + lead
        for piece in pieces:
            at = text.find(piece, pos)
            if at < 0:
                continue
            sentences.append(Sentence(at, at + len(piece), piece, fold(piece), kind))
            pos = at + len(piece)
    return Document(text, sentences, urls, clutter)
