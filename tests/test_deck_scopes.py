"""Issue 18 item 10: the deck of one district or commune and the deck of one inspection (its draft-results
announcement), in every format the province deck has, vi and en. The figures are recomputed here from the tables
with SQL of the test's own, never read back from the builder; each file is opened as a user would open it."""

import datetime as dt
import io
import unicodedata

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pypdf import PdfReader

from par_dashboard.i18n import fmt_num, t
from par_dashboard.views.present import exports
from par_dashboard.views.present.figures import chart_figure
from par_dashboard.views.present.html import chart_size
from par_dashboard.views.present.scopes import build_inspection_deck, build_unit_deck
from tests.browser import chromium
from tests.chart_layout import plotly_page, text_boxes

ON = dt.date(2024, 12, 20)
CAO_LOC, CUA_NAM = "S63-D-183", "S34-C-00082"  # a district of the 63-province structure, a ward of the 34 one
REAL, DEMO = "LS-2024-CAOLOC", "DEMO-01-2019-KH-D1"


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def sql(db, text: str, *params):
    with db.cursor() as cur:
        return cur.execute(text, list(params)).fetchall()


def unit_ranks(db, unit_id: str) -> dict[int, tuple[float, int, int]]:
    """year -> (score, rank among the units of its level in its province, how many), straight from the tables."""
    rows = sql(db, """
        WITH me AS (SELECT * FROM admin_unit WHERE unit_id = ?),
        peers AS (SELECT u.unit_id, s.year, s.score FROM admin_unit u JOIN me ON u.level = me.level AND u.province_id = me.province_id
                  JOIN score s ON s.unit_id = u.unit_id AND s.family_code = 'PAR_INDEX' AND s.area_code = 'TOTAL'
                  WHERE s.score IS NOT NULL)
        SELECT p.year, p.score, (SELECT count(*) FROM peers q WHERE q.year = p.year AND q.score > p.score) + 1,
               (SELECT count(*) FROM peers q WHERE q.year = p.year)
        FROM peers p, me WHERE p.unit_id = me.unit_id ORDER BY p.year""", unit_id)
    return {int(y): (float(s), int(r), int(n)) for y, s, r, n in rows}


@pytest.fixture(scope="module")
def decks(db):
    return {
        "district": build_unit_deck(db.query, lang="vi", year=2024, unit_id=CAO_LOC, on=ON),
        "commune": build_unit_deck(db.query, lang="en", year=2025, unit_id=CUA_NAM, on=ON),
        "real": build_inspection_deck(db.query, lang="vi", inspection_id=REAL, on=ON),
        "demo": build_inspection_deck(db.query, lang="en", inspection_id=DEMO, on=ON),
    }


# ---- a district or commune
@pytest.mark.parametrize("name, unit_id, year", [("district", CAO_LOC, 2024), ("commune", CUA_NAM, 2025)])
def test_a_unit_deck_ranks_the_unit_within_its_province_over_the_years(decks, db, name, unit_id, year):
    deck = decks[name]
    ranks = unit_ranks(db, unit_id)
    score, rank, n = ranks[year]
    slides = {s.key: s for s in deck.slides}
    ranking = slides["ranking"]
    assert f" {rank}/{n} " in ranking.bullets[0] or f" {rank} of {n} " in ranking.bullets[0], ranking.bullets[0]
    assert fmt_num(score, deck.lang) in ranking.bullets[0]
    assert ranking.chart.highlight.startswith(f"{rank}. ")
    assert score in ranking.chart.series[0].values
    trend = slides["trend"].chart
    assert trend.kind == "line"
    assert trend.categories == [str(y) for y in sorted(ranks)]
    assert trend.series[0].values == pytest.approx([ranks[y][0] for y in sorted(ranks)])
    for y in sorted(ranks)[-6:]:
        s, r, k = ranks[y]
        assert any(b.startswith(f"{y}:") and fmt_num(s, deck.lang) in b and f"{r}" in b and f"{k}" in b
                   for b in slides["trend"].bullets), (y, slides["trend"].bullets)


def test_a_unit_deck_lists_the_inspections_held_there_and_their_findings(decks, db):
    deck = decks["district"]
    slides = {s.key: s for s in deck.slides}
    inspections = sql(db, """SELECT DISTINCT i.inspection_id, src.kind FROM inspection i JOIN source src USING (source_id)
                             JOIN inspection_unit iu USING (inspection_id) JOIN admin_unit u ON u.unit_id = iu.unit_id
                             WHERE u.unit_id = ? OR u.parent_id = ?""", CAO_LOC, CAO_LOC)
    assert slides["inspections"].stats[0].value == fmt_num(len(inspections), "vi", 0)
    limitations = sql(db, """SELECT count(*) FROM finding f JOIN admin_unit u ON u.unit_id = f.unit_id
                             WHERE f.kind = 'limitation' AND (u.unit_id = ? OR u.parent_id = ?)""", CAO_LOC, CAO_LOC)[0][0]
    general = sql(db, """SELECT count(*) FROM finding f WHERE f.kind = 'limitation' AND f.unit_id IS NULL AND f.inspection_id IN
                         (SELECT iu.inspection_id FROM inspection_unit iu JOIN admin_unit u USING (unit_id)
                          WHERE u.unit_id = ? OR u.parent_id = ?)""", CAO_LOC, CAO_LOC)[0][0]
    assert sum(slides["limitations"].chart.series[0].values) == limitations + general
    assert sum(sum(s.values) for s in slides["remediation"].chart.series) == limitations + general
    demo_rows = [r for r in slides["inspections"].table[1:] if "(mô phỏng)" in r[0]]
    assert len(demo_rows) == sum(k == "synthetic_demo" for _, k in inspections[:len(slides["inspections"].table) - 1])


# ---- one inspection
def test_an_inspection_deck_is_its_draft_results_announcement(decks, db):
    deck = decks["real"]
    slides = {s.key: s for s in deck.slides}
    team, leader_title, started = sql(db, "SELECT team_label, leader_title, started_on FROM inspection WHERE inspection_id = ?", REAL)[0]
    table = dict(map(tuple, slides["team"].table[1:]))
    assert table["Đoàn kiểm tra"] == team
    assert leader_title[:40] in table["Trưởng đoàn"]
    assert started.strftime("%d/%m/%Y") in table["Thời gian"]
    units = sql(db, "SELECT count(*) FROM inspection_unit WHERE inspection_id = ?", REAL)[0][0]
    assert len(slides["units"].table) - 1 == units
    counts = dict(sql(db, "SELECT kind, count(*) FROM finding WHERE inspection_id = ? GROUP BY kind", REAL))
    chart = slides["findings"].chart
    for series, kind in zip(chart.series, ("result", "limitation", "recommendation"), strict=True):
        assert sum(series.values) == counts.get(kind, 0), kind
    per_area = dict(sql(db, """SELECT a.number || '. ' || a.short_vi, count(*) FROM finding f JOIN par_area a USING (area_code)
                               WHERE f.inspection_id = ? AND f.kind = 'limitation' GROUP BY 1""", REAL))
    assert dict(zip(chart.categories, chart.series[1].values, strict=True)) == {a: per_area.get(a, 0) for a in chart.categories}
    assert not any(s.demo for s in deck.slides)  # a real report: no demo mark anywhere


def test_a_synthetic_inspection_says_so_on_every_slide_in_every_format(decks):
    deck = decks["demo"]
    assert all(s.demo for s in deck.slides)
    prs = Presentation(io.BytesIO(exports.to_pptx(deck)))
    for number, slide in enumerate(prs.slides, start=1):
        assert [s for s in slide.shapes if s.name == "demo_label"], f"slide {number} has no demo mark"
    html = exports.to_html(deck).decode()
    assert html.count('<span class="demo">') == len(deck.slides)
    rows = [r for s in deck.slides if s.table and s.key != "team" for r in s.table[1:]]
    assert rows and all(r[0].endswith("(demo)") for r in rows)  # and row by row in its tables


def test_an_english_inspection_deck_names_its_team_and_leader_in_english(decks, db):
    """Issue 18 item 9: the title and team slide of an English deck, and a unit deck's list of visits, carry no
    Vietnamese team label, post or demo leader; a real person's name stays as written."""
    demo_team, demo_leader = sql(db, "SELECT team_label, leader_name FROM inspection WHERE inspection_id = ?", DEMO)[0]
    number = demo_team.rsplit(" ", 1)[1]
    real = build_inspection_deck(db.query, lang="en", inspection_id=REAL, on=ON)
    for deck in (decks["demo"], real):
        table = dict(map(tuple, next(s for s in deck.slides if s.key == "team").table[1:]))
        text = " ".join([deck.title, table["Team"], table["Leader"]])  # other rows quote sources, plans, findings
        for vietnamese in ("Đoàn kiểm tra", "Trưởng đoàn mô phỏng", "Giám đốc", "Chủ tịch", "Chánh Văn phòng", "Lãnh đạo",
                           "Ban Chỉ đạo", "UBND"):
            assert vietnamese not in text, (vietnamese, deck.subject_id)
        assert table["Team"] in deck.title
    demo = dict(map(tuple, next(s for s in decks["demo"].slides if s.key == "team").table[1:]))
    assert demo["Team"] == f"Inspection team no. {number}" and demo_leader.startswith("Trưởng đoàn mô phỏng")
    assert demo["Leader"].startswith(f"Demo team leader {number}, ")
    district = build_unit_deck(db.query, lang="en", year=2024, unit_id=CAO_LOC, on=ON)
    visits = next(s for s in district.slides if s.key == "inspections").table  # a unit deck's list of visits
    assert visits and [r[1] for r in visits[1:] if "Đoàn" in r[1] or "Inspection team" not in r[1]] == []
    team = dict(map(tuple, next(s for s in real.slides if s.key == "team").table[1:]))
    assert team["Team"] == "Inspection team of the provincial PAR Steering Committee"
    assert team["Leader"].startswith("Senior official of the Department of Justice, member of the provincial PAR")


def test_an_inspection_without_findings_gives_a_deck_that_says_so(work):
    with work.transaction("test: an inspection without findings") as con:
        con.execute("""INSERT INTO inspection (inspection_id, province_id, year, team_label, leader_name, started_on, ended_on,
                                               source_id)
                       SELECT 'TEST-EMPTY', province_id, year, 'Đoàn kiểm tra số 99', 'Trưởng đoàn thử', started_on, ended_on,
                              source_id FROM inspection WHERE inspection_id = ?""", [REAL])
    for lang, team in (("vi", "Đoàn kiểm tra số 99"), ("en", "Inspection team no. 99")):  # the label in `lang` (item 9)
        deck = build_inspection_deck(work.query, lang=lang, inspection_id="TEST-EMPTY", on=ON)
        slides = {s.key: s for s in deck.slides}
        for key in ("findings", "limitations", "recommendations", "deadlines"):
            assert slides[key].empty and team in slides[key].empty, (lang, key)
            assert slides[key].chart is None
        prs = Presentation(io.BytesIO(exports.to_pptx(deck)))
        text = " ".join(shape.text_frame.text for slide in prs.slides for shape in slide.shapes if shape.has_text_frame)
        assert t("deck_insp_no_findings", lang, team=team) in text


# ---- every format opens and carries the figures
@pytest.mark.parametrize("name, printed", [("district", True), ("commune", False), ("real", False), ("demo", True)])
def test_each_scope_deck_opens_in_every_format(decks, name, printed):
    """PowerPoint and HTML for each deck; PDF and PNG (Chromium, seconds each) for a unit's and an inspection's."""
    from PIL import Image

    deck = decks[name]
    prs = Presentation(io.BytesIO(exports.to_pptx(deck)))
    assert len(prs.slides) == len(deck.slides)
    for model, slide in zip(deck.slides, prs.slides, strict=True):
        assert slide.shapes.title.text_frame.text == model.title
        charts = [s.chart for s in slide.shapes if s.has_chart]
        if model.chart is not None and model.chart.kind != "map" and not model.empty:
            assert len(charts) == 1, model.key
            assert list(charts[0].plots[0].categories) == model.chart.categories
            for read, written in zip(charts[0].plots[0].series, model.chart.series, strict=True):
                assert list(read.values) == pytest.approx(written.values)
            if model.chart.kind == "line":
                assert charts[0].chart_type == XL_CHART_TYPE.LINE_MARKERS
    html = exports.to_html(deck).decode()
    assert html.count('<section class="slide"') == len(deck.slides)
    if not printed:
        return
    reader = PdfReader(io.BytesIO(exports.to_pdf(deck)))
    assert len(reader.pages) == len(deck.slides)
    text = nfc(" ".join(page.extract_text() for page in reader.pages))
    assert nfc(deck.slides[1].title) in text
    number = deck.charts()[0][0]
    image = Image.open(io.BytesIO(exports.chart_png(deck, number)))
    assert image.size == (1920, 1080)


# ---- a trend of one year (issue 18 item 7: drawn on a 0,25-wide axis)
def test_a_one_year_trend_is_one_point_on_a_readable_axis(decks):
    deck = decks["commune"]  # the wards of the 34 provinces have a score from 2025 only
    slide = next(s for s in deck.slides if s.key == "trend")
    assert slide.chart.categories == ["2025"]
    with chromium() as browser:
        page = plotly_page(browser)
        width, height = chart_size(slide)
        boxes, _ = text_boxes(page, chart_figure(slide.chart, deck.lang, width=width, height=height), width)
        x_ticks = page.evaluate("() => Array.from(document.querySelectorAll('.xtick text')).map(e => e.textContent)")
        assert x_ticks == ["2025"], x_ticks  # a year is a year: no 2024,8 … 2025,2
        lo, hi = page.evaluate("() => document.getElementById('c')._fullLayout.yaxis.range")
        assert hi - lo >= 1.0, (lo, hi)
        assert lo <= min(min(s.values) for s in slide.chart.series) and max(max(s.values) for s in slide.chart.series) <= hi
    prs = Presentation(io.BytesIO(exports.to_pptx(deck)))
    chart = next(s.chart for s in prs.slides[deck.slides.index(slide)].shapes if s.has_chart)
    axis = chart.value_axis
    assert axis.maximum_scale - axis.minimum_scale >= 1.0
