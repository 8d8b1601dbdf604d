"""Text cells cleaned and checked before the row models read them: Unicode NFC, unseen characters, lengths.

An unseen character (par_dashboard/security/untrusted.py: zero-width and other format characters, bidirectional controls,
control characters) is treated by what the column holds (template.Column.text):

- a KEY (an id, a code others refer to or group by, a plan number, a link) holding one is refused, with a message
  naming it. Removing it silently would do no harm to the id alone, but it would also hide that the file (or the
  system it came from) has two spellings of one id, and a link or a number would be stored other than it was
  written; kept, `LS-2024-CAOLOC` + U+200B would sit beside `LS-2024-CAOLOC` as a second inspection nobody can
  tell apart. Refused, the user retypes it and nothing ambiguous is ever stored.
- a NAME (one line) or a LONG text (line breaks and tabs kept) has its invisible and control characters removed,
  with a notice: a soft hyphen or a zero-width space copied from a web page or a Word file changes nothing a
  reader sees. A bidirectional control is refused even there: it makes the text display in an order other than
  the one it has (`"Đoàn 1 " + U+202E + "3 nạoĐ"` shows as "Đoàn 1 Đoạn 3"), which is how a text is made to say on
  screen what it does not say in the data.

Spaces of other widths (U+00A0, U+3000…) become plain spaces everywhere: they look the same. Codes picked from a
list, numbers and dates are NAMEs here (each is then read strictly, or matched against the catalogue). Then every
cell is held to its column's length, with the limit and the length in the message.
"""

from __future__ import annotations

import unicodedata

from par_dashboard.importing.template import KEY, LONG, NAME, Column, group
from par_dashboard.security.untrusted import bidi_control, char_label, maybe_unseen, unseen

# White-space control characters: a line break in a one-line name reads as a space.
BREAKS = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")


# (the value the row model reads, why it is refused: (code, vi, en) or None, the characters removed from a name or
# a text for the notice). A plain tuple: a file of 275,000 rows has millions of cells.
Checked = tuple[object, tuple[str, str, str] | None, tuple[str, ...]]


def _listed(chars: list[str]) -> str:
    shown = ", ".join(char_label(c) for c in chars[:3])
    return shown + (f" (+{len(chars) - 3})" if len(chars) > 3 else "")


def _kind(ch: str) -> tuple[str, str]:
    if bidi_control(ch):
        return "ký tự điều khiển hướng chữ", "bidirectional control character"
    if unicodedata.category(ch) == "Cc":
        return "ký tự điều khiển", "control character"
    return "ký tự vô hình", "invisible character"


def check(value: object, col: Column) -> Checked:
    """The cell as the row model should read it, or why it is refused."""
    if not isinstance(value, str):
        return value, None, ()
    text = unicodedata.normalize("NFC", value)
    removed: list[str] = []
    if maybe_unseen(text):  # rare: most cells hold letters, marks, digits, punctuation, symbols and spaces only
        text, removed, error = _unseen(text, col)
        if error:
            return value, error, ()
    text = text.strip()
    limit = col.max_chars
    if len(text) > limit:
        return value, ("too_long", f"nội dung dài {group(len(text), 'vi')} ký tự, quá giới hạn {group(limit, 'vi')} ký tự của cột",
                       f"the text is {group(len(text), 'en')} characters long, over the column's limit of "
                       f"{group(limit, 'en')} characters"), ()
    return text or None, None, tuple(removed)


def _unseen(text: str, col: Column) -> tuple[str, list[str], tuple[str, str, str] | None]:
    """(cleaned text, characters removed, refusal)."""
    role = col.text if col.kind == "text" else NAME
    if role == KEY:
        text = text.strip()  # around an id, a line break or a tab typed by mistake is not part of it
    out: list[str] = []
    first = 0  # where the first refused character is (from 1)
    removed: dict[str, None] = {}
    refused: dict[str, None] = {}
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if cat == "Zs":
            out.append(" ")
        elif not unseen(ch):
            out.append(ch)  # letters, marks, private-use and unassigned code points: shown as they are
        elif role == KEY or bidi_control(ch):
            refused.setdefault(ch)
            first = first or i + 1
        elif role == LONG and ch in "\n\t":
            out.append(ch)
        elif role == LONG and ch in BREAKS:
            if ch == "\r" and text[i + 1:i + 2] == "\n":
                continue  # \r\n: one line break
            out.append("\n")
        else:
            out.append(" " if ch in BREAKS else "")
            removed.setdefault(ch)
    if refused:
        chars = list(refused)
        vi_kind, en_kind = _kind(chars[0])
        if role == KEY:
            return text, [], ("unseen_character",
                              f"ô có {vi_kind} {_listed(chars)} (ký tự thứ {first}); một mã có ký tự không nhìn thấy là mã "
                              "khác với mã trông giống hệt nó: hãy gõ lại ô này",
                              f"the cell holds the {en_kind} {_listed(chars)} (character {first}); an id with a character "
                              "nobody sees is another id than the one it looks like: retype this cell")
        return text, [], ("bidi_control",
                          f"ô có ký tự điều khiển hướng chữ {_listed(chars)}, làm văn bản hiển thị khác với nội dung thật: "
                          "hãy xóa ký tự này",
                          f"the cell holds the bidirectional control character {_listed(chars)}, which makes the text "
                          "display other than it reads: delete it")
    return "".join(out), list(removed), None
