"""Issue 18 item 7: what the charts' texts look like when plotly.js draws them in real Chromium, at the widths the
pages give them (a third, a half and two fifths of 1 440 and 1 920 px): no stamp, label or note over another text,
none cut off at the figure's edge."""

import pandas as pd
import pytest

from par_dashboard.views import charts
from par_dashboard.views import indicators as ind
from tests.browser import chromium
from tests.chart_layout import collisions, crossed_by_lines, cut_off, plotly_page, text_boxes
from tests.test_indicators import _year_frame

WIDTHS = (480, 580, 868)  # the narrowest column a chart gets at 1 440 px is ~480 px


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:  # the test process's one Chromium: Playwright's sync API cannot start a second beside it
        yield plotly_page(b)


def _clean(browser, fig, name: str) -> None:
    for width in WIDTHS:
        boxes, size = text_boxes(browser, fig, width)
        assert boxes, f"{name}: nothing drawn"
        over = [(a.kind, a.text[:40], b.kind, b.text[:40]) for a, b in collisions(boxes)]
        assert not over, f"{name} at {width} px: texts over each other {over}"
        cut = [(b.kind, b.text[:60]) for b in cut_off(boxes, size)]
        assert not cut, f"{name} at {width} px: cut off at the edge {cut}"
        crossed = [(a.kind, a.text[:40]) for a, _ in crossed_by_lines(boxes)]
        assert not crossed, f"{name} at {width} px: a line through a text {crossed}"


@pytest.mark.parametrize("year", [2018, 2024])  # 2018: groups A, B and C, demo and published rows
def test_the_ranking_chart_keeps_the_average_the_groups_and_the_demo_stamp_apart(browser, db, year):
    df = db.query("par_score_by_province_year", year=year, family="PAR_INDEX", area="TOTAL")
    for lang in ("vi", "en"):
        fig = charts.ranking_bar(df, lang, average=88.37)
        names = [d.name for d in fig.data if d.name]
        assert any("88" in n for n in names), names  # the average is named (in the legend)
        _clean(browser, fig, f"ranking {year} {lang}")


def test_the_heatmap_and_top_bottom_notes_fit_the_chart(browser):
    frame = pd.concat([_year_frame(), _year_frame(year=[2023] * 3, value=[95.6, 97.7, 98.3], period=["Y"] * 3,
                                                  source_kind=["synthetic_demo"] * 3)])
    rows = ["S63-D-186", "S63-D-183", "S63-D-187"]
    for lang in ("vi", "en"):
        _clean(browser, ind.heatmap_chart(frame, rows, lang, unit="%", direction="higher"), f"heatmap {lang}")
        year = frame[frame.year == 2024]
        best, worst = ind.top_bottom(year, 2)
        _clean(browser, ind.top_bottom_chart(best, worst, lang, unit="%", direction="higher"), f"top/bottom {lang}")


# ---- the deck's charts (issue 18 item 7: slide 8's legend lay over its axis title)
@pytest.fixture(scope="module")
def decks(db):
    import datetime as dt

    from par_dashboard.views.present.build import build_deck

    on = dt.date(2024, 12, 20)
    return [build_deck(db.query, lang=lang, year=2024, province_id=pid, on=on)
            for lang, pid in (("vi", "S63-P-20"), ("en", "S63-P-20"), ("vi", ""))]


def test_the_deck_charts_keep_legend_axis_title_and_stamp_apart(browser, decks):
    """Every bar chart of the province deck (vi, en) and the country deck, at the size of its slide and (vi) as the
    1920×1080 PNG: no legend entry or stamp over another text (the status legend sat on the axis title), none cut off."""
    from par_dashboard.views.present.exports import PNG_H, PNG_W
    from par_dashboard.views.present.figures import chart_figure
    from par_dashboard.views.present.html import chart_size

    checked = 0
    for deck in decks:
        for number, chart in deck.charts():
            if chart.kind == "map":
                continue
            width, height = chart_size(deck.slides[number - 1])
            sizes = [(width, height, False)] + [(PNG_W, PNG_H, True)] * (deck.lang == "vi")
            for w, h, alone in sizes:
                fig = chart_figure(chart, deck.lang, width=w, height=h, show_title=alone)
                boxes, size = text_boxes(browser, fig, w)
                name = f"{deck.file_stem} slide {number} ({deck.slides[number - 1].key}) at {w} px"
                over = [(a.kind, a.text[:40], b.kind, b.text[:40]) for a, b in collisions(boxes)]
                assert not over, f"{name}: texts over each other {over}"
                cut = [(b.kind, b.text[:60]) for b in cut_off(boxes, size)]
                assert not cut, f"{name}: cut off at the edge {cut}"
                checked += 1
    assert checked >= 20  # each deck's bar charts, on the slide and as a PNG
