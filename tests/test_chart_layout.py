"""Issue 18 item 7: what the charts' texts look like when plotly.js draws them in real Chromium, at the widths the
pages give them (a third, a half and two fifths of 1 440 and 1 920 px): no stamp, label or note over another text,
none cut off at the figure's edge."""

import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st_

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


# ---- issue 17: the left margin measured on the server, so that plotly draws a chart once (not once more when its
# automargin finds the category labels wider than the margin)
def _drawn_margin(page, fig, width: int) -> tuple[float, float]:
    """(the left margin plotly drew with, the leftmost y tick label's left edge) for the figure drawn `width` px wide."""
    text_boxes(page, fig, width)
    return tuple(page.evaluate("""() => { const c = document.getElementById('c');
        const lefts = [...c.querySelectorAll('.ytick text')].map(e => e.getBoundingClientRect().left);
        return [c._fullLayout._size.l, Math.min(...lefts)]; }"""))


def _assert_drawn_once(page, fig, name: str, width: int = 580) -> None:
    margin = fig.layout.margin.l
    drawn, left = _drawn_margin(page, fig, width)
    assert drawn == margin, f"{name}: plotly widened the left margin {margin} -> {drawn} px (its labels measured short)"
    assert left >= 0, f"{name}: a label starts {left} px left of the figure"
    assert left <= 20, f"{name}: the longest label starts {left:.0f} px from the figure's edge: room wasted"


@pytest.mark.parametrize("year", [2018, 2024])
def test_the_ranking_charts_margin_is_what_its_labels_need_so_plotly_draws_it_once(browser, db, year):
    df = db.query("par_score_by_province_year", year=year, family="PAR_INDEX", area="TOTAL")
    for lang in ("vi", "en"):
        _assert_drawn_once(browser, charts.ranking_bar(df, lang, average=88.37), f"ranking {year} {lang}")


def test_the_deck_charts_are_drawn_once_too(browser, decks):
    from par_dashboard.views.present.figures import chart_figure
    from par_dashboard.views.present.html import chart_size

    checked = 0
    for deck in decks:
        for number, chart in deck.charts():
            if chart.kind not in ("map", "line"):
                width, height = chart_size(deck.slides[number - 1])
                fig = chart_figure(chart, deck.lang, width=width, height=height)
                drawn, left = _drawn_margin(browser, fig, width)
                assert drawn == fig.layout.margin.l and left >= 0, (deck.file_stem, number, drawn, fig.layout.margin.l, left)
                checked += 1
    assert checked >= 6


LETTERS = "aăâbcdđeêghiklmnoôơpqrstuưvxyàằầèềìòồờùừỳáắấéếíóốớúứýảẳẩẻểỉỏổởủửỷãẵẫẽễĩõỗỡũữỹạặậẹệịọộợụựỵ"


@settings(max_examples=40, deadline=None)
@given(st_.lists(st_.text(alphabet=LETTERS + LETTERS.upper() + " -.()0123456789", min_size=1, max_size=40)
                 .filter(str.strip), min_size=1, max_size=12, unique=True), st_.sampled_from([11, 12, 13, 16, 24, 30]))
def test_no_labels_are_measured_shorter_than_chromium_draws_them(browser, labels, size):
    """Whatever the labels (Vietnamese letters, capitals, digits, punctuation): the measured margin holds them, so
    automargin never has to widen it. (Labels wider than 40 % of the figure are left out: plotly then narrows the
    margin below what they need, whatever it was given; no chart of ours has such labels.)"""
    import plotly.graph_objects as go

    assume(charts.label_margin(labels, size) <= 0.4 * 580)
    fig = go.Figure(go.Bar(x=list(range(1, len(labels) + 1)), y=labels, orientation="h"))
    charts.apply_theme(fig, "vi")
    # (high enough for every label to be drawn: plotly skips some when they do not fit)
    fig.update_layout(yaxis={"automargin": True, "type": "category", "tickfont": {"size": size}},
                      height=160 + 2 * size * len(labels))
    _assert_drawn_once(browser, charts.fit_label_margin(fig), f"labels {labels}")


def test_the_inspections_follow_up_and_profile_charts_are_drawn_once_too(browser, db):
    import datetime as dt

    from par_dashboard.views import followup as fu
    from par_dashboard.views import inspections as insp

    areas = db.query("par_areas")
    whole = {"provinces": [], "units": [], "area": "TOTAL"}
    lang_son = {"provinces": ["S63-P-20"], "units": [], "area": "TOTAL"}
    figures = {
        "timeline, country": insp.timeline_chart(db.query("inspection_by_selection", year=2024, provinces=[], units=[]),
                                                 insp.TIMELINE_MAX, "vi", False),
        "timeline, Lạng Sơn": insp.timeline_chart(db.query("inspection_by_selection", year=2024, provinces=["S63-P-20"], units=[]),
                                                  None, "en", True),
        "findings by area": insp.area_kind_bar(db.query("finding_by_area_kind", year=2024, kind="", status="", **whole), areas, "vi"),
        "remedied by area": insp.remedied_chart(db.query("finding_remedied_by_year_area", **lang_son), 2024, "vi", "area", areas),
        "follow-up by area": fu.age_area_chart(db.query("followup_items", as_of=dt.date(2026, 12, 7), **whole), "vi"),
        "profile areas": charts.area_comparison(db.query("unit_area_scores_year", unit_id="S63-P-20", year=2024), "vi",
                                                unit_name="Lạng Sơn", mean_label="TB"),
    }
    fitted = 0
    for name, fig in figures.items():
        if fig.layout.margin.l and fig.layout.margin.l > 10:  # measured (a chart of numbers or dates is left alone)
            _assert_drawn_once(browser, fig, name)
            fitted += 1
    assert fitted >= 4, [(n, f.layout.margin.l) for n, f in figures.items()]
