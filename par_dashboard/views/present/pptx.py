"""A deck as a PowerPoint file: bar charts are native, editable PowerPoint charts holding the very numbers of the
deck's `Chart`s (an office re-styles or corrects them in PowerPoint), maps are pictures from the plotly figure.

Text is laid out by measuring it with the deck's font (Noto Sans), so that each box is sized for what it holds:
a file cannot rely on "shrink text on overflow" (PowerPoint recomputes it only when the text is edited, other
viewers not at all), and a slide shown at a conference must not have text running over a chart or off the slide.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io
import math
import re
from pathlib import Path
from typing import NamedTuple
from xml.sax.saxutils import escape

import pandas as pd
from PIL import ImageFont
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.chart.xlsx import CategoryWorkbookWriter
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_TICK_LABEL_POSITION,
    XL_TICK_MARK,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE, MSO_PATTERN
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.oxml.xmlchemy import OxmlElement
from pptx.util import Inches, Pt

from par_dashboard.i18n import language_tag, t
from par_dashboard.views.present import figures, static
from par_dashboard.views.present.model import Chart, Deck, Slide, Stat

FONT = "Noto Sans"
FONT_FILES = ("/usr/share/fonts/truetype/noto/NotoSans-{style}.ttf", "/usr/share/fonts/noto/NotoSans-{style}.ttf",
              "/usr/share/fonts/google-noto/NotoSans-{style}.ttf")
WRAP_SAFETY = 1.06  # measured widths × this = what LibreOffice and PowerPoint need
LINE = 1.22        # line height in ems of a text box: PowerPoint and LibreOffice space single lines ~1.2 × the size
TABLE_LINE = 1.36  # … of a table cell, laid out on the font's own ascent + descent

NAVY = RGBColor(0x1F, 0x3B, 0x73)
ACCENT = RGBColor(0xD9, 0x8C, 0x1F)
REFERENCE = RGBColor(0x9A, 0xA3, 0xAD)
DEMO_RED = RGBColor(0xB4, 0x23, 0x18)
TEXT = RGBColor(0x1F, 0x29, 0x33)
MUTED = RGBColor(0x52, 0x5F, 0x6E)
PALE = RGBColor(0xEE, 0xF2, 0xF8)      # tiles, table bands
BAND_TEXT = RGBColor(0xC9, 0xD4, 0xE8)  # the event under the title, on navy
GRID = RGBColor(0xD3, 0xD8, 0xDE)
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
ROLE_COLOURS = {"main": NAVY, "reference": REFERENCE, "status_resolved": RGBColor(0x1A, 0x7F, 0x4B),
                "status_in_progress": ACCENT, "status_open": DEMO_RED}

# Geometry in inches: a 16:9 slide, a title band, the body, a footer.
SLIDE_W, SLIDE_H = 13.333, 7.5
MARGIN = 0.5
BAND_H = 1.15
BODY_TOP, BODY_BOTTOM = 1.45, 6.8
FOOTER_TOP, FOOTER_H = 6.92, 0.52
GAP = 0.3
INSET_X, INSET_Y = 0.1, 0.05
CELL_X, CELL_Y = 0.08, 0.04
BULLET_INDENT = 0.32
MIN_COLUMN = 0.8

TITLE_SIZES = (32, 30, 28, 26, 24)
BULLET_SIZES = (24, 22, 20, 18)
TABLE_SIZES = (16, 14)
FOOTER_SIZES = (12, 11, 10)
CHART_SIZES = (16, 15, 14, 13, 12)
CHART_SHARE = 0.58        # of the body's width, beside bullets or stats
CHART_SHARE_TABLE = 0.5   # beside a table
MAP_SCALE = 1.6          # pixels per layout pixel of a map picture
MIN_CUT = 30              # a text is never shortened below this many characters
MIN_CELL = 12             # … a table cell below this many
FEW_WORDS = 3             # a cell of this many words or fewer is never shortened


class Box(NamedTuple):
    x: float
    y: float
    w: float
    h: float

    def split(self, share: float) -> tuple[Box, Box]:
        """Left part (`share` of the width) and right part, a gap between them."""
        left = (self.w - GAP) * share
        return Box(self.x, self.y, left, self.h), Box(self.x + left + GAP, self.y, self.w - left - GAP, self.h)

    def below(self, used: float) -> Box:
        return Box(self.x, self.y + used, self.w, max(0.0, self.h - used))


BODY = Box(MARGIN, BODY_TOP, SLIDE_W - 2 * MARGIN, BODY_BOTTOM - BODY_TOP)


def deck_to_pptx(deck: Deck) -> bytes:
    """The deck as a .pptx file: one slide per model slide, speaker notes, footer with sources and numbers."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(SLIDE_W), Inches(SLIDE_H)
    layout = prs.slide_layouts[5]  # "Title Only": the title stays a real title (outline view, accessibility)
    lang_tag = _lang_tag(deck.lang)
    for number, model in enumerate(deck.slides, start=1):
        slide = prs.slides.add_slide(layout)
        if model.key == "title":
            _title_slide(slide, model)
        else:
            _band(slide, model.title)
            _body(slide, model, deck.lang)
        _footer(slide, model, deck.lang, number, len(deck.slides))
        if model.notes:
            slide.notes_slide.notes_text_frame.text = model.notes
            _typefaces(slide.notes_slide.element, lang_tag)
        _typefaces(slide.element, lang_tag)
    _properties(prs, deck)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def _lang_tag(lang: str) -> str:
    return language_tag(lang)


# ---- measuring text
@functools.cache
def _font(bold: bool) -> ImageFont.FreeTypeFont | None:
    for pattern in FONT_FILES:
        path = Path(pattern.format(style="Bold" if bold else "Regular"))
        if path.exists():
            return ImageFont.truetype(str(path), 100)
    return None


@functools.lru_cache(maxsize=20000)
def _width(text: str, size: float, bold: bool = False) -> float:
    """Width of one line of text in inches (an average letter width when the font file is not installed)."""
    font = _font(bold)
    points = len(text) * size * 0.55 if font is None else font.getlength(text) * size / 100
    return points / 72


@functools.lru_cache(maxsize=20000)
def _lines(text: str, size: float, width: float, bold: bool = False) -> int:
    """Lines the text takes in a box `width` inches wide, wrapped at spaces as PowerPoint does (with a margin:
    renderers lay text out a little wider than the font's own advance widths)."""
    width /= WRAP_SAFETY
    total = 0
    for paragraph in str(text).split("\n"):
        lines, line = 1, ""
        for word in paragraph.split():
            trial = f"{line} {word}" if line else word
            if line and _width(trial, size, bold) > width:
                lines, line = lines + 1, word
            else:
                line = trial
            if line == word:  # a word longer than the line is broken inside
                lines += math.ceil(_width(word, size, bold) / width) - 1
        total += lines
    return total


def _line_height(size: float, factor: float = LINE) -> float:
    return size * factor / 72


def _shorten(text: str, chars: int) -> str:
    """The text cut at a word boundary before `chars` characters, with an ellipsis."""
    if len(text) <= chars:
        return text
    cut = text[:chars].rsplit(" ", 1)[0].rstrip(",;:.– —")
    return (cut or text[:chars]) + " …"


def _clip(text: str, size: float, width: float, max_lines: int, shortest: int = MIN_CUT) -> str:
    """The text shortened until it takes at most `max_lines` lines (and no shorter than `shortest` characters)."""
    while len(text) > shortest and _lines(text, size, width) > max_lines:
        text = _shorten(text.removesuffix(" …"), int(len(text) * 0.9))
    return text


# ---- text boxes
def _text_box(slide, box: Box, *, anchor=MSO_ANCHOR.TOP):
    shape = slide.shapes.add_textbox(Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    frame.margin_left = frame.margin_right = Inches(INSET_X)
    frame.margin_top = frame.margin_bottom = Inches(INSET_Y)
    return shape


def _run(paragraph, text: str, size: float, colour: RGBColor = TEXT, bold: bool = False):
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    # The paragraph's end mark keeps the default 18 pt unless told otherwise, and a line is as tall as its
    # largest character: a 14 pt table row would be laid out 18 pt high.
    end = paragraph._p.get_or_add_endParaRPr()
    end.set("sz", str(max(int(end.get("sz", 0)), round(size * 100))))
    return run


def _bullet(paragraph) -> None:
    """A hanging "•" bullet in the accent colour (a text box's paragraphs have none of their own)."""
    p_pr = paragraph._p.get_or_add_pPr()
    p_pr.set("marL", str(Inches(BULLET_INDENT)))
    p_pr.set("indent", str(-Inches(BULLET_INDENT)))
    colour = _element("a:buClr")
    colour.append(_element("a:srgbClr", val=str(ACCENT)))
    p_pr.append(colour)
    p_pr.append(_element("a:buFont", typeface=FONT))
    p_pr.append(_element("a:buChar", char="•"))


def _bullets_height(items: list[str], size: float, width: float) -> float:
    inner = width - 2 * INSET_X - BULLET_INDENT
    lines = sum(_lines(item, size, inner) for item in items)
    return lines * _line_height(size) + (len(items) - 1) * size * 0.5 / 72 + 2 * INSET_Y


def _fit_bullets(items: list[str], width: float, height: float) -> tuple[int, list[str]]:
    """The largest bullet size at which the items fit; at the smallest, the longest items are shortened (the
    speaker notes keep them whole)."""
    for size in BULLET_SIZES:
        if _bullets_height(items, size, width) <= height:
            return size, items
    size, items = BULLET_SIZES[-1], list(items)
    inner = width - 2 * INSET_X - BULLET_INDENT
    while _bullets_height(items, size, width) > height:
        lines = [_lines(item, size, inner) for item in items]
        longest = max(range(len(items)), key=lambda i: lines[i])
        shorter = _clip(items[longest], size, inner, lines[longest] - 1)
        if lines[longest] == 1 or shorter == items[longest]:
            break
        items[longest] = shorter
    return size, items


def _bullets(slide, items: list[str], box: Box) -> float:
    """Bullets in the box; returns the height they take."""
    size, items = _fit_bullets(items, box.w, box.h)
    height = min(box.h, _bullets_height(items, size, box.w))
    frame = _text_box(slide, Box(box.x, box.y, box.w, height)).text_frame
    for i, item in enumerate(items):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_before = Pt(0 if i == 0 else size * 0.5)
        _run(paragraph, item, size)
        _bullet(paragraph)
    return height


# ---- title band, title slide, footer
def _title_size(text: str, width: float, height: float) -> int:
    """The largest size writing the title on one line, else the largest whose lines fit the band's height."""
    for size in TITLE_SIZES:
        if _lines(text, size, width, bold=True) == 1:
            return size
    for size in TITLE_SIZES:
        if _lines(text, size, width, bold=True) * _line_height(size) <= height:
            return size
    return TITLE_SIZES[-1]


def _navy_title(slide, height: float, anchor):
    """The slide's title placeholder as a navy block across the top, `height` inches tall: its text frame, wrapping,
    never resized, anchored at `anchor` (the band of every slide and the title slide's block differ in no more)."""
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = 0, 0, Inches(SLIDE_W), Inches(height)
    shape.fill.solid()
    shape.fill.fore_color.rgb = NAVY
    frame = shape.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = anchor
    return frame


def _band(slide, title: str) -> None:
    """The slide's title, white on a navy band across the top, an accent rule under it."""
    frame = _navy_title(slide, BAND_H, MSO_ANCHOR.MIDDLE)
    frame.margin_left = frame.margin_right = Inches(MARGIN)
    frame.margin_top = frame.margin_bottom = Inches(INSET_Y)
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    _run(paragraph, title, _title_size(title, SLIDE_W - 2 * MARGIN, BAND_H - 2 * INSET_Y), WHITE, bold=True)
    _bar(slide, Box(0, BAND_H, SLIDE_W, 0.06), ACCENT)


def _bar(slide, box: Box, colour: RGBColor):
    """A plain coloured rectangle (band, rule, tile)."""
    bar = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, *(Inches(v) for v in box))
    bar.fill.solid()
    bar.fill.fore_color.rgb = colour
    bar.line.fill.background()
    return bar


def _title_slide(slide, model: Slide) -> None:
    """Deck title and event on a tall navy block; the body and date under it; scope and notices last."""
    block = 3.7
    frame = _navy_title(slide, block, MSO_ANCHOR.BOTTOM)
    frame.margin_left = frame.margin_right = Inches(0.7)
    frame.margin_bottom = Inches(1.35)
    width = SLIDE_W - 1.4
    size = next((s for s in (40, 36, 32, 28) if _lines(model.title, s, width, bold=True) <= 2), 28)
    paragraph = frame.paragraphs[0]
    paragraph.alignment = PP_ALIGN.LEFT
    _run(paragraph, model.title, size, WHITE, bold=True)
    if model.subtitle:
        sub = _text_box(slide, Box(0.7 - INSET_X, block - 1.25, width + 2 * INSET_X, 1.0)).text_frame
        sub_size = next((s for s in (24, 22, 20) if _lines(model.subtitle, s, width) <= 2), 20)
        _run(sub.paragraphs[0], model.subtitle, sub_size, BAND_TEXT)
    _bar(slide, Box(0, block, SLIDE_W, 0.08), ACCENT)
    y = block + 0.3
    if model.stats:
        height = len(model.stats) * _line_height(24) + 2 * INSET_Y
        stats = _text_box(slide, Box(0.7 - INSET_X, y, width + 2 * INSET_X, height)).text_frame
        for i, stat in enumerate(model.stats):
            paragraph = stats.paragraphs[0] if i == 0 else stats.add_paragraph()
            _run(paragraph, f"{stat.label}: ", 20, MUTED)
            _run(paragraph, stat.value, 24, NAVY, bold=True)
        y += height + 0.2
    if model.bullets:
        _bullets(slide, model.bullets, Box(0.7 - INSET_X, y, width + 2 * INSET_X, BODY_BOTTOM - y))


def _footer(slide, model: Slide, lang: str, number: int, count: int) -> None:
    """Sources on the left, the demo mark and the slide number on the right, under a thin rule."""
    line = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, Inches(MARGIN), Inches(FOOTER_TOP - 0.04), Inches(SLIDE_W - MARGIN),
                                      Inches(FOOTER_TOP - 0.04))
    line.line.color.rgb = GRID
    line.line.width = Pt(0.75)
    right = SLIDE_W - MARGIN
    number_w = 1.0
    numbers = _text_box(slide, Box(right - number_w, FOOTER_TOP, number_w, FOOTER_H), anchor=MSO_ANCHOR.MIDDLE)
    numbers.text_frame.paragraphs[0].alignment = PP_ALIGN.RIGHT
    _run(numbers.text_frame.paragraphs[0], f"{number}/{count}", 14, MUTED, bold=True)
    right -= number_w + 0.15
    if model.demo:
        label = t("demo_label", lang)
        width = _width(label, 14, bold=True) + 0.35
        mark = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Inches(right - width), Inches(FOOTER_TOP + 0.07),
                                      Inches(width), Inches(FOOTER_H - 0.14))
        mark.name = "demo_label"
        mark.fill.solid()
        mark.fill.fore_color.rgb = WHITE
        mark.line.color.rgb = DEMO_RED
        mark.line.width = Pt(1.5)
        frame = mark.text_frame
        frame.margin_left = frame.margin_right = Inches(0.05)
        frame.margin_top = frame.margin_bottom = 0
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.paragraphs[0].alignment = PP_ALIGN.CENTER
        _run(frame.paragraphs[0], label, 14, DEMO_RED, bold=True)
        right -= width + 0.2
    if model.sources:
        box = Box(MARGIN, FOOTER_TOP, right - MARGIN, FOOTER_H)
        text = f"{t('source', lang)}: {'; '.join(model.sources)}"
        inner = box.w - 2 * INSET_X
        size = next((s for s in FOOTER_SIZES if _lines(text, s, inner) * _line_height(s) <= box.h - 2 * INSET_Y),
                    FOOTER_SIZES[-1])
        text = _clip(text, size, inner, max(1, int((box.h - 2 * INSET_Y) // _line_height(size))))
        _run(_text_box(slide, box, anchor=MSO_ANCHOR.MIDDLE).text_frame.paragraphs[0], text, size, MUTED)


# ---- the body of a slide
def _body(slide, model: Slide, lang: str) -> None:
    """Chart left and text right, or the chart or the text across the body; the message alone when empty."""
    if model.empty:
        _message(slide, model.empty)
        return
    has_text = bool(model.stats or model.bullets or model.table)
    if model.chart is None:
        _column(slide, model, BODY, wide=True)
    elif not has_text:
        _chart(slide, model.chart, BODY, model.title, lang)
    else:
        chart_box, text_box = BODY.split(CHART_SHARE_TABLE if model.table else CHART_SHARE)
        _chart(slide, model.chart, chart_box, model.title, lang)
        _column(slide, model, text_box, wide=False)


def _message(slide, message: str) -> None:
    box = Box(BODY.x + 1.0, BODY.y + 0.8, BODY.w - 2.0, BODY.h - 1.6)
    panel = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, *(Inches(v) for v in box))
    panel.adjustments[0] = 0.06
    panel.fill.solid()
    panel.fill.fore_color.rgb = PALE
    panel.line.fill.background()
    frame = panel.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = MSO_ANCHOR.MIDDLE
    frame.margin_left = frame.margin_right = Inches(0.5)
    size = next((s for s in (32, 28, 24) if _lines(message, s, box.w - 1.0) <= 3), 24)
    frame.paragraphs[0].alignment = PP_ALIGN.CENTER
    _run(frame.paragraphs[0], message, size, NAVY)


def _column(slide, model: Slide, box: Box, *, wide: bool) -> None:
    """Stats, bullets and table stacked in the box. Beside a chart the bullets are the message and come before
    the table; across the slide (no chart) they are a footnote to the table and come after it."""
    if model.stats:
        box = box.below(_tiles(slide, model.stats, box, columns=min(4, len(model.stats)) if wide else 2) + GAP)
    bullets_first = not wide
    if model.bullets and bullets_first:
        reserve = box.h * 0.3 if model.table else box.h
        box = box.below(_bullets(slide, model.bullets, Box(box.x, box.y, box.w, reserve)) + 0.2)
    if model.table:
        reserve = (_bullets_height(model.bullets, BULLET_SIZES[-1], box.w) + 0.15) if model.bullets and not bullets_first else 0
        reserve = min(reserve, box.h * 0.3)
        box = box.below(_table(slide, model.table, Box(box.x, box.y, box.w, box.h - reserve)) + 0.15)
    if model.bullets and not bullets_first and box.h > 0.3:
        _bullets(slide, model.bullets, box)


def _tiles(slide, stats: list[Stat], box: Box, columns: int) -> float:
    """Big-number tiles in a grid; returns the height of the grid."""
    rows = math.ceil(len(stats) / columns)
    width = (box.w - (columns - 1) * 0.2) / columns
    value_size, label_size = (40, 18) if columns > 2 else (34, 18)
    inner = width - 2 * 0.15
    label_lines = max(_lines(s.label, label_size, inner) for s in stats)
    height = _line_height(value_size) + label_lines * _line_height(label_size) + 0.25
    for i, stat in enumerate(stats):
        x = box.x + (i % columns) * (width + 0.2)
        y = box.y + (i // columns) * (height + 0.2)
        frame = _bar(slide, Box(x, y, width, height), PALE).text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.MIDDLE
        frame.margin_left = frame.margin_right = Inches(0.15)
        frame.margin_top = frame.margin_bottom = Inches(0.05)
        value = frame.paragraphs[0]
        value.alignment = PP_ALIGN.LEFT
        _run(value, stat.value, value_size, NAVY, bold=True)
        if stat.detail:
            _run(value, f"  {stat.detail}", label_size + 2, ACCENT, bold=True)
        label = frame.add_paragraph()
        label.alignment = PP_ALIGN.LEFT
        _run(label, stat.label, label_size, MUTED)
        _bar(slide, Box(x, y, 0.07, height), ACCENT)
    return rows * height + (rows - 1) * 0.2


# ---- tables
def _column_widths(rows: list[list[str]], size: float, width: float) -> list[float]:
    """Column widths filling the table's width. Narrow columns get what their longest cell needs and the rest
    share what remains by their text (water filling); then width moves, a step at a time, to the column where
    it makes the table shortest (long cells in different rows do not all need the same share)."""
    count = len(rows[0])
    natural = [max(_width(str(row[c]), size, bold=(r == 0)) for r, row in enumerate(rows)) * WRAP_SAFETY
               + 2 * CELL_X + 0.05 for c in range(count)]
    if sum(natural) <= width:
        return [n * width / sum(natural) for n in natural]
    widths: list[float | None] = [None] * count
    remaining, flexible = width, set(range(count))
    while flexible:
        share = remaining / len(flexible)
        narrow = {c for c in flexible if natural[c] <= share}
        if not narrow:
            break
        for c in narrow:
            widths[c] = natural[c]
            remaining -= natural[c]
        flexible -= narrow
    weight = sum(natural[c] for c in flexible)
    widths = [w if w is not None else remaining * natural[c] / weight for c, w in enumerate(widths)]
    least = [max(MIN_COLUMN, max(_width(word, size, bold=(r == 0)) for r, row in enumerate(rows)
                                 for word in str(row[c]).split() or [""]) * WRAP_SAFETY + 2 * CELL_X + 0.02)
             for c in range(count)]
    widths = [max(w, low) for w, low in zip(widths, least, strict=True)]
    spare = sum(w - low for w, low in zip(widths, least, strict=True))
    excess = sum(widths) - width  # what raising columns to their longest word added, taken back from the others
    if excess > 0 and spare > 0:
        widths = [w - excess * (w - low) / spare for w, low in zip(widths, least, strict=True)]
    return _balance(rows, size, widths, least)


def _balance(rows: list[list[str]], size: float, widths: list[float], least: list[float]) -> list[float]:
    """Moves width between columns while the table gets shorter, no column narrower than its longest word
    (`least`); moves of several sizes, since a column must often widen by a good deal before any of its cells
    loses a line."""
    best = sum(_row_heights(rows, size, widths))
    for _ in range(40):
        moves = [(give, take, step) for give in range(len(widths)) for take in range(len(widths))
                 for step in (0.1, 0.3, 0.6, 1.2, 2.0) if give != take and widths[give] - step >= least[give]]
        trials = []
        for give, take, step in moves:
            trial = list(widths)
            trial[give], trial[take] = round(trial[give] - step, 2), round(trial[take] + step, 2)
            trials.append((sum(_row_heights(rows, size, trial)), step, trial))
        height, _, trial = min(trials, key=lambda m: (m[0], m[1]), default=(best, 0, widths))
        if height >= best - 1e-9:
            break
        best, widths = height, trial
    return widths


def _row_heights(rows: list[list[str]], size: float, widths: list[float]) -> list[float]:
    return [max(_lines(str(cell), size, w - 2 * CELL_X, bold=(r == 0)) for cell, w in zip(row, widths, strict=True))
            * _line_height(size, TABLE_LINE) + 2 * CELL_Y + 0.02 for r, row in enumerate(rows)]


def _fit_table(rows: list[list[str]], width: float, height: float):
    """Font size, cells, column widths and row heights of a table fitting the box: the larger size if the table
    fits, else the smaller one with long cells of the tallest rows shortened, a line at a time."""
    rows = [[str(cell) for cell in row] for row in rows]
    for size in TABLE_SIZES:
        widths = _column_widths(rows, size, width)
        heights = _row_heights(rows, size, widths)
        if sum(heights) <= height:
            return size, rows, widths, heights
    while sum(heights) > height:
        # a cell worth cutting: a text of more than a few words (a date range, a number, a status stays whole),
        # among its row's tallest; of those, the one in the tallest row, the longest
        lines = {(r, c): _lines(cell, size, widths[c] - 2 * CELL_X)
                 for r, row in enumerate(rows[1:], start=1) for c, cell in enumerate(row)}
        tallest = {r: max(n for (rr, _), n in lines.items() if rr == r) for r in range(1, len(rows))}
        cuttable = [(r, c) for (r, c), n in lines.items()
                    if n > 1 and n == tallest[r] and len(rows[r][c].split()) > FEW_WORDS]
        if not cuttable:
            break
        r, c = max(cuttable, key=lambda rc: (heights[rc[0]], len(rows[rc[0]][rc[1]])))
        shorter = _clip(rows[r][c], size, widths[c] - 2 * CELL_X, lines[r, c] - 1, shortest=MIN_CELL)
        if shorter == rows[r][c]:
            break
        rows[r][c] = shorter
        heights = _row_heights(rows, size, widths)
    return size, rows, widths, heights


def _table(slide, rows: list[list[str]], box: Box) -> float:
    """A native table, navy header, banded rows; returns its height."""
    size, rows, widths, heights = _fit_table(rows, box.w, box.h)
    shape = slide.shapes.add_table(len(rows), len(rows[0]), Inches(box.x), Inches(box.y), Inches(box.w),
                                   Inches(sum(heights)))
    table = shape.table
    for c, w in enumerate(widths):
        table.columns[c].width = Inches(w)
    for r, (row, h) in enumerate(zip(rows, heights, strict=True)):
        table.rows[r].height = Inches(h)
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            cell.fill.solid()
            cell.fill.fore_color.rgb = NAVY if r == 0 else (PALE if r % 2 == 0 else WHITE)
            cell.margin_left = cell.margin_right = Inches(CELL_X)
            cell.margin_top = cell.margin_bottom = Inches(CELL_Y)
            cell.vertical_anchor = MSO_ANCHOR.MIDDLE
            cell.text_frame.word_wrap = True
            _run(cell.text_frame.paragraphs[0], str(text), size, WHITE if r == 0 else TEXT, bold=(r == 0))
    return sum(heights)


# ---- charts
def _chart(slide, chart: Chart, box: Box, slide_title: str, lang: str) -> None:
    if chart.kind == "map":
        _map(slide, chart, box, lang)
    elif chart.kind == "line":
        _line_chart(slide, chart, box, slide_title, lang)
    else:
        _bars(slide, chart, box, slide_title, lang)


def _map(slide, chart: Chart, box: Box, lang: str) -> None:
    """The plotly map as a picture filling the box. The figure is laid out at the box's shape and 1 000 px wide,
    then drawn at 1,6× (1 600 px): laid out at 1 600 px its 24 px lettering would shrink to ~7 pt on the slide."""
    width_px = 1000
    height_px = round(width_px * box.h / box.w)
    fig = figures.chart_figure(chart, lang, width=width_px, height=height_px)
    image = static.to_image(fig, width=width_px, height=height_px, scale=MAP_SCALE)
    picture = slide.shapes.add_picture(io.BytesIO(image), Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h))
    picture.name = "map"


def _number_format(decimals: int, hide_zero: bool = False) -> str:
    number = "#,##0" + ("." + "0" * decimals if decimals else "")
    return f'{number};-{number};""' if hide_zero else number


def _value(value) -> float | None:
    """A series value as the chart stores it: missing (None, NaN) stays missing — no bar, no label."""
    return None if value is None or pd.isna(value) else float(value)


def _category_size(chart: Chart, box: Box) -> int:
    """The chart's text size: the largest at which every category label, wrapped into the ~45 % of the chart's
    width PowerPoint gives it, fits the height of its band of bars."""
    plot = box.h - 0.6 - (0.45 if chart.title else 0) - (0.45 if len(chart.series) > 1 else 0)
    band = plot / max(1, len(chart.categories))
    for size in CHART_SIZES:
        lines = max((_lines(c, size, box.w * 0.45) for c in chart.categories), default=1)
        if lines * size * 1.25 / 72 <= band * 0.9:
            return size
    return CHART_SIZES[-1]


class _TextWorkbookWriter(CategoryWorkbookWriter):
    """A chart's data goes into a workbook inside the .pptx (PowerPoint's "Edit Data"), written by xlsxwriter, which
    makes a formula of any text starting with "=": names stay text there."""

    @contextlib.contextmanager
    def _open_worksheet(self, xlsx_file):
        from xlsxwriter import Workbook

        workbook = Workbook(xlsx_file, {"in_memory": True, "strings_to_formulas": False})
        yield workbook, workbook.add_worksheet()
        workbook.close()


class _ChartData(CategoryChartData):
    @property
    def _workbook_writer(self):
        return _TextWorkbookWriter(self)


def _bars(slide, chart: Chart, box: Box, slide_title: str, lang: str) -> None:
    """A native bar chart: first category at the top, the subject's bar in the accent colour, references grey,
    statuses in their colours; demo data hatched as on the dashboard."""
    stacked = chart.kind == "stacked"
    data = _ChartData(number_format=_number_format(chart.decimals))
    data.categories = chart.categories
    for series in chart.series:
        data.add_series(series.name, [_value(v) for v in series.values])
    kind = XL_CHART_TYPE.BAR_STACKED if stacked else XL_CHART_TYPE.BAR_CLUSTERED
    frame = slide.shapes.add_chart(kind, Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h), data)
    frame.name = f"chart {chart.kind}"
    out = frame.chart
    size = _category_size(chart, box)
    out.font.size = Pt(size)
    out.font.color.rgb = TEXT
    out.has_title = bool(chart.title) and chart.title != slide_title
    if out.has_title:
        out.chart_title.text_frame.text = chart.title
        title_font = out.chart_title.text_frame.paragraphs[0].runs[0].font
        title_font.size, title_font.bold, title_font.color.rgb = Pt(size + 2), True, NAVY
    several = len(chart.series) > 1
    out.has_legend = several
    if several:
        out.legend.position = XL_LEGEND_POSITION.BOTTOM
        out.legend.include_in_layout = False
        out.legend.font.size = Pt(size)

    plot = out.plots[0]
    plot.vary_by_categories = False
    plot.gap_width = 50 if several else 40
    plot.overlap = 100 if stacked else 0
    plot.has_data_labels = True
    labels = plot.data_labels
    labels.number_format = _number_format(chart.decimals, hide_zero=stacked)
    labels.number_format_is_linked = False
    labels.position = XL_LABEL_POSITION.CENTER if stacked else XL_LABEL_POSITION.OUTSIDE_END
    labels.font.size = Pt(size)
    labels.font.bold = stacked
    labels.font.color.rgb = WHITE if stacked else TEXT
    for model, series in zip(chart.series, plot.series, strict=True):
        colour = ROLE_COLOURS.get(model.role, NAVY)
        _fill(series.format.fill, colour, chart.demo)
        if model.role == "main" and chart.highlight in chart.categories:
            _fill(series.points[chart.categories.index(chart.highlight)].format.fill, ACCENT, chart.demo)

    categories = out.category_axis
    categories.reverse_order = True  # PowerPoint draws the first category at the bottom
    categories.major_tick_mark = XL_TICK_MARK.NONE
    categories.format.line.color.rgb = GRID
    categories.tick_labels.font.size = Pt(size)
    values = _value_axis(out, chart)
    values.format.line.fill.background()
    values.major_tick_mark = XL_TICK_MARK.NONE
    values.tick_label_position = XL_TICK_LABEL_POSITION.HIGH  # at the bottom, the category axis being reversed
    values.tick_labels.font.size = Pt(size - 2)
    values.tick_labels.font.color.rgb = MUTED
    values.tick_labels.number_format = _number_format(0)
    values.tick_labels.number_format_is_linked = False
    if chart.value_title:
        values.has_title = True
        values.axis_title.text_frame.text = chart.value_title
        axis_font = values.axis_title.text_frame.paragraphs[0].runs[0].font
        axis_font.size, axis_font.bold, axis_font.color.rgb = Pt(size - 2), False, MUTED
    if stacked:
        _quiet_small_segments(out, chart, box, size)
    for axis in out.element.iter(qn("c:catAx")):  # every category named, none skipped for lack of room
        axis.find(qn("c:noMultiLvlLbl")).addprevious(_element("c:tickLblSkip", val="1"))
    _typefaces(out.element, _lang_tag(lang))


def _line_chart(slide, chart: Chart, box: Box, slide_title: str, lang: str) -> None:
    """A native line chart of a trend: the years as categories (one year is one point, not a fraction of an axis), the
    value axis fixed to the chart's range, the subject navy with its values written, references grey and dashed."""
    data = _ChartData(number_format=_number_format(chart.decimals))
    data.categories = chart.categories
    for series in chart.series:
        data.add_series(series.name, [_value(v) for v in series.values])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, Inches(box.x), Inches(box.y), Inches(box.w), Inches(box.h),
                                   data)
    frame.name = "chart line"
    out = frame.chart
    size = CHART_SIZES[0]
    out.font.size = Pt(size)
    out.font.color.rgb = TEXT
    out.has_title = bool(chart.title) and chart.title != slide_title
    if out.has_title:
        out.chart_title.text_frame.text = chart.title
    out.has_legend = len(chart.series) > 1
    if out.has_legend:
        out.legend.position = XL_LEGEND_POSITION.BOTTOM
        out.legend.include_in_layout = False
        out.legend.font.size = Pt(size)
    for model, series in zip(chart.series, out.plots[0].series, strict=True):
        colour = NAVY if model.role == "main" else REFERENCE
        series.smooth = False
        series.format.line.color.rgb = colour
        series.format.line.width = Pt(3.5 if model.role == "main" else 2)
        if model.role != "main":
            series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = colour
        series.marker.size = 10 if model.role == "main" else 7
        if model.role == "main":
            series.data_labels.show_value = True
            series.data_labels.number_format = _number_format(chart.decimals)
            series.data_labels.number_format_is_linked = False
            series.data_labels.position = XL_LABEL_POSITION.ABOVE
            series.data_labels.font.size = Pt(size)
    values = _value_axis(out, chart)
    values.tick_labels.font.size = Pt(size - 2)
    values.tick_labels.number_format = _number_format(0 if values.major_unit is None or values.major_unit >= 1 else 1)
    values.tick_labels.number_format_is_linked = False
    if chart.value_title:
        values.has_title = True
        values.axis_title.text_frame.text = chart.value_title
    out.category_axis.tick_labels.font.size = Pt(size)
    _typefaces(out.element, _lang_tag(lang))


def _value_axis(out, chart: Chart):
    """The chart's value axis, the bar and the line charts alike: the model's range and a round tick step when it
    has one, light grid lines. The rest (line, ticks, labels) differs between the two and is left to the caller."""
    values = out.value_axis
    if chart.value_range:
        values.minimum_scale, values.maximum_scale = chart.value_range
        values.major_unit = _tick_step(*chart.value_range)
    values.has_major_gridlines = True
    values.major_gridlines.format.line.color.rgb = GRID
    return values


def _quiet_small_segments(out, chart: Chart, box: Box, size: int) -> None:
    """Blank the labels of stacked segments too short to hold their number (they would overprint their
    neighbours'); without a given range the axis is fixed from 0 to a round number above the longest bar, so
    that the segments' lengths are known."""
    totals = [sum(v or 0 for v in column) for column in zip(*(s.values for s in chart.series), strict=True)]
    if not totals or max(totals) <= 0:
        return
    if chart.value_range:
        top = chart.value_range[1] - chart.value_range[0]
    else:
        step = _tick_step(0, max(totals))
        top = math.ceil(max(totals) / step) * step
        out.value_axis.minimum_scale, out.value_axis.maximum_scale, out.value_axis.major_unit = 0, top, step
    labels = min(box.w * 0.45, max(_width(c, size) for c in chart.categories) * WRAP_SAFETY + 0.2)
    plot = box.w - labels - 0.4
    shared = next(out.element.iter(qn("c:barChart"))).find(qn("c:dLbls"))
    for model, series in zip(chart.series, out.element.iter(qn("c:ser")), strict=True):
        small = [i for i, value in enumerate(model.values)
                 if value and _width(f"{value:,.{chart.decimals}f}", size, bold=True) + 0.1 > value / top * plot]
        if not small:
            continue
        own = copy.deepcopy(shared)  # the series' labels as the chart's, less the deleted ones
        for at, i in enumerate(small):
            label = _element("c:dLbl")
            label.append(_element("c:idx", val=str(i)))
            label.append(_element("c:delete", val="1"))
            own.insert(at, label)
        series.find(qn("c:cat")).addprevious(own)


def _tick_step(low: float, high: float, most: int = 6) -> float:
    """A round step (1, 2 or 5 × 10ⁿ) giving at most `most` intervals: the value axis stays legible in a narrow chart."""
    raw = (high - low) / most
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _fill(fill, colour: RGBColor, demo: bool) -> None:
    """Solid, or for demo data hatched in the colour on a pale tint of it."""
    if not demo:
        fill.solid()
        fill.fore_color.rgb = colour
        return
    fill.patterned()
    fill.pattern = MSO_PATTERN.WIDE_UPWARD_DIAGONAL
    fill.fore_color.rgb = colour
    fill.back_color.rgb = RGBColor(*(round(c + (255 - c) * 0.55) for c in colour))


# ---- fonts and document properties
def _element(tag: str, **attributes: str):
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(name, value)
    return element


_AFTER_TYPEFACES = {qn(tag) for tag in ("a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")}


def _typefaces(root, lang_tag: str) -> None:
    """Noto Sans as the Latin, East Asian and complex-script typeface of every run (and default run) under
    `root`, so no character of a Vietnamese text falls back to a font without its diacritics; the language tag
    lets PowerPoint's proofing and line breaking treat the text as Vietnamese."""
    for run in list(root.iter(qn("a:r"), qn("a:fld"))):
        if run.find(qn("a:rPr")) is None:
            run.insert(0, _element("a:rPr"))
    for props in list(root.iter(qn("a:rPr"), qn("a:endParaRPr"), qn("a:defRPr"))):
        props.set("lang", lang_tag)
        for old in [child for child in props if child.tag in {qn("a:latin"), qn("a:ea"), qn("a:cs")}]:
            props.remove(old)
        at = next((i for i, child in enumerate(props) if child.tag in _AFTER_TYPEFACES), len(props))
        for offset, tag in enumerate(("a:latin", "a:ea", "a:cs")):
            props.insert(at + offset, _element(tag, typeface=FONT))


def _properties(prs, deck: Deck) -> None:
    """Title, author, language; the body as company; Noto Sans as the theme's fonts (text typed later in
    PowerPoint keeps the deck's font)."""
    core = prs.core_properties
    core.title, core.subject = deck.title, deck.event
    core.author = core.last_modified_by = deck.body
    core.language = _lang_tag(deck.lang)
    core.revision = 1
    for part in prs.part.package.iter_parts():
        if str(part.partname) == "/docProps/app.xml":
            text = part.blob.decode("utf-8")
            text = text.replace("<Company></Company>", f"<Company>{escape(deck.body)}</Company>")
            text = re.sub(r"<PresentationFormat>[^<]*</PresentationFormat>",
                          "<PresentationFormat>Widescreen</PresentationFormat>", text)
            part.blob = text.encode("utf-8")
    theme = prs.slide_master.part.part_related_by(RT.THEME)
    theme.blob = theme.blob.replace(b'<a:latin typeface="Calibri"/>', f'<a:latin typeface="{FONT}"/>'.encode())
