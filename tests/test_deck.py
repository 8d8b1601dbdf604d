"""The presenter deck: its slides from the queries, the offline HTML player (in real Chromium with the network
off), the PDF's text, the chart PNG and the presenter page. PowerPoint is tested in test_deck_pptx.py."""

import datetime as dt
import io
import re
import unicodedata

import pytest
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from par_dashboard.views.present import exports
from par_dashboard.views.present.build import WINDOW, DeckScopeError, build_deck
from par_dashboard.views.present.html import render_html
from tests.browser import ARTIFACTS, ROOT, chromium
from tests.users import sign_in

LANG_SON, ON = "S63-P-20", dt.date(2024, 12, 20)
PROVINCE_KEYS = ["title", "ranking", "map", "areas", "targets", "inspections", "limitations", "remediation", "followup",
                 "recommendations"]
COUNTRY_KEYS = ["title", "ranking_top", "ranking_bottom", "map", "areas", "targets", "inspections", "limitations",
                "remediation", "followup", "recommendations"]


@pytest.fixture(scope="module")
def province_deck(db):
    return build_deck(db.query, lang="vi", year=2024, province_id=LANG_SON, on=ON)


@pytest.fixture(scope="module")
def country_deck(db):
    return build_deck(db.query, lang="vi", year=2024, on=ON)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ---- the deck's content
def test_a_province_deck_has_the_conference_slides_in_order(province_deck):
    assert [s.key for s in province_deck.slides] == PROVINCE_KEYS
    assert province_deck.title == "Kết quả cải cách hành chính năm 2024 — Tỉnh Lạng Sơn"
    title = province_deck.slides[0]
    assert title.subtitle == "Hội nghị tổng kết công tác cải cách hành chính năm 2024"
    assert [s.value for s in title.stats] == ["Ban Chỉ đạo cải cách hành chính Lạng Sơn", "20/12/2024"]
    assert province_deck.file_stem == "trinh-chieu_2024_lang-son"


def test_the_country_deck_ranks_the_top_and_bottom_ten(country_deck, db):
    assert [s.key for s in country_deck.slides] == COUNTRY_KEYS
    scores = db.query("par_score_by_province_year", year=2024, family="PAR_INDEX", area="TOTAL")
    ordered = scores.dropna(subset=["score"]).sort_values("score", ascending=False)
    top, bottom = country_deck.slides[1].chart, country_deck.slides[2].chart
    assert top.series[0].values == ordered.score.head(10).tolist()
    assert bottom.series[0].values == ordered.score.tail(10).tolist()
    assert top.categories[0] == "1. Hải Phòng"  # published: Hải Phòng first in 2024
    assert country_deck.slides[1].bullets[0] == "Dẫn đầu: Hải Phòng, 96,17 điểm"


def test_the_ranking_slide_shows_the_province_among_its_neighbours(province_deck, db):
    slide = province_deck.slides[1]
    scores = db.query("par_score_by_province_year", year=2024, family="PAR_INDEX", area="TOTAL")
    ordered = scores.dropna(subset=["score"]).sort_values("score", ascending=False).reset_index(drop=True)
    i = int(ordered.index[ordered.unit_id == LANG_SON][0])
    window = ordered.iloc[max(0, i - WINDOW): i + WINDOW + 1]
    assert slide.chart.series[0].values == window.score.tolist()
    assert slide.chart.highlight == f"{int(ordered.display_rank[i])}. Lạng Sơn"
    row = ordered.iloc[i]
    assert slide.bullets[0] == f"Lạng Sơn xếp thứ {int(row.display_rank)}/63 với {f'{row.score:.2f}'.replace('.', ',')} điểm"
    assert slide.demo == (window.source_kind == "synthetic_demo").any()


def test_every_slide_with_demo_figures_says_so_and_the_title_slide_warns(province_deck):
    assert province_deck.demo
    assert "Có số liệu mô phỏng" in province_deck.slides[0].bullets[-1]
    for slide in province_deck.slides[1:]:
        if slide.chart is not None and slide.chart.demo:
            assert slide.demo, slide.key


def test_a_year_without_data_gives_slides_that_say_so(db):
    deck = build_deck(db.query, lang="en", year=2016, province_id=LANG_SON, on=ON)
    assert [s.key for s in deck.slides] == PROVINCE_KEYS
    assert deck.slides[1].empty == "No PAR INDEX score for Lạng Sơn in 2016."
    # every slide of the year says it has nothing; the follow-up slide is as of the deck's day, whatever the year
    assert all(s.chart is None for s in deck.slides if s.key != "followup")


def test_a_province_of_the_other_structure_is_refused(db):
    with pytest.raises(DeckScopeError):
        build_deck(db.query, lang="vi", year=2024, province_id="S34-P-20")
    deck = build_deck(db.query, lang="vi", year=2025, province_id="S34-P-20", on=ON)
    assert deck.slides[2].chart.map_layer == "S34-commune"


def test_the_ranking_slides_axis_fits_the_scores_shown(province_deck, country_deck):
    """Issue 18 item 7: the ranking slides' axis ran to 100 whatever the scores (88–91: half the slide empty)."""
    for deck in (province_deck, country_deck):
        for slide in deck.slides:
            if slide.key.startswith("ranking") and slide.chart is not None:
                values = slide.chart.series[0].values
                lo, hi = slide.chart.value_range
                assert lo <= min(values) and max(values) <= hi, (slide.key, lo, hi)
                assert (max(values) - lo) / (hi - lo) >= 0.6, (slide.key, lo, hi, min(values), max(values))


def test_the_2025_decks_compare_with_2024_rolled_up_and_say_so(db):
    """The first 34-province year has no same-province 2024 score: the decks compare with 2024 rolled up to the 34
    provinces and say that the comparison is the app's reading aid, not a published figure."""
    province = build_deck(db.query, lang="vi", year=2025, province_id="S34-P-20", on=ON)
    ranking = next(s for s in province.slides if s.key == "ranking")
    assert any(b.startswith("So với năm 2024 quy đổi về 34 tỉnh:") for b in ranking.bullets), ranking.bullets
    country = build_deck(db.query, lang="en", year=2025, on=ON)
    bottom = next(s for s in country.slides if s.key == "ranking_bottom")
    assert any(b.startswith("Biggest rise:") for b in bottom.bullets)
    assert any("rolled up to 34 provinces" in b and "not a published figure" in b for b in bottom.bullets)


# ---- the offline HTML file
def _markup_without_scripts(html: str) -> str:
    return re.sub(r"<script>.*?</script>", "", html, flags=re.S)


def test_the_html_deck_is_one_file_with_nothing_to_fetch(province_deck):
    html = render_html(province_deck)
    markup = _markup_without_scripts(html)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", markup, flags=re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", markup, flags=re.I)
    assert "<script src" not in html and "<link" not in html
    assert "window.PlotlyGeoAssets" in html  # the map's world outline is in the file, not fetched from plotly's CDN
    assert len(re.findall(r'<section class="slide"', html)) == len(province_deck.slides)


def test_the_html_deck_writes_its_figures_without_building_plotly_objects(country_deck, province_deck, monkeypatch):
    """Issue 17: the presenter page's HTML deck writes each chart's figure dictionary as it is. Building a plotly
    figure per chart (and again in high contrast), with `update_layout` validating every property at each step, was
    ~100 ms a chart: 0,6-1,2 s of a deck's first showing. The figures it writes are the ones the PNG export and
    the layout tests build as plotly figures (`chart_figure` = `go.Figure(chart_spec(...))`)."""
    import json

    import plotly.graph_objects as go
    import plotly.io as pio

    from par_dashboard.views.present.figures import chart_figure
    from par_dashboard.views.present.html import chart_size

    built = []
    original = go.Figure.__init__
    monkeypatch.setattr(go.Figure, "__init__", lambda self, *a, **k: built.append(1) or original(self, *a, **k))
    for deck in (country_deck, province_deck):
        html = render_html(deck)
        assert not built, f"{len(built)} plotly figures built for the HTML of {deck.file_stem}"
        figures = json.loads(re.search(r"const FIGURES = (\{.*?\});", html, flags=re.S).group(1))
        assert len(figures) == sum(1 for number, chart in deck.charts() if chart is not None)
        for number, chart in deck.charts():
            width, height = chart_size(deck.slides[number - 1])
            as_object = json.loads(pio.to_json(chart_figure(chart, deck.lang, width=width, height=height)))
            assert figures[f"plot-{number}"]["figure"] == as_object, (deck.file_stem, number)
        built.clear()


def test_the_html_deck_plays_offline_in_chromium_with_the_keyboard(province_deck, tmp_path):
    path = tmp_path / "deck.html"
    path.write_bytes(exports.to_html(province_deck))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        fetched, errors = [], []
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:")
                   else (fetched.append(r.request.url), r.abort()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)

        def current() -> str:
            return page.evaluate("document.body.dataset.slide")

        assert current() == "1"
        last = str(len(province_deck.slides))  # the province deck's slides, the follow-up slide included
        for key, expected in [("ArrowRight", "2"), ("PageDown", "3"), ("ArrowDown", "4"), ("PageUp", "3"),
                              ("ArrowLeft", "2"), ("End", last), ("ArrowRight", last), ("Home", "1")]:
            page.keyboard.press(key)
            assert current() == expected, key
        page.click("#next")
        assert current() == "2"
        page.screenshot(path=str(ARTIFACTS / "deck-offline-2-ranking.png"))
        page.keyboard.press("ArrowRight")
        page.wait_for_function("document.querySelectorAll('#plot-3 path.choroplethlocation').length > 0", timeout=15_000)
        page.screenshot(path=str(ARTIFACTS / "deck-offline-3-map.png"))
        assert page.locator("#plot-3 path.choroplethlocation").count() == 11  # Lạng Sơn's 11 districts
        # nothing under 24 px, on any slide, charts included (1920×1080, so CSS px are screen px)
        small = page.evaluate("""() => {
            const out = [];
            document.querySelectorAll('.slide *').forEach(el => {
                const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
                if (!own) return;
                const px = parseFloat(getComputedStyle(el).fontSize);
                if (px < 24) out.push([el.tagName, el.textContent.slice(0, 40), px]);
            });
            return out;
        }""")
        assert small == []
        page.keyboard.press("c")
        assert page.evaluate("document.body.classList.contains('contrast')")
        page.screenshot(path=str(ARTIFACTS / "deck-offline-3-map-contrast.png"))
        browser.close()
    assert fetched == []
    assert errors == []


# ---- PDF and PNG (through Debian's Chromium)
def test_the_html_deck_shows_its_first_slide_before_drawing_every_chart_and_draws_them_all_after(country_deck, tmp_path):
    """Issue 17: the presenter page loads the deck again for every year or province chosen, and drawing its ~8 charts
    before the first slide showed took the browser ~1,5 s. A chart is drawn when its slide is shown, the next slide's and
    then the rest in idle time (the next one drawn at once held the first slide's paint back by its drawing time); all of them in the colours of the switch (high contrast here), and every one before
    printing (the PDF)."""
    path = tmp_path / "deck.html"
    path.write_text(render_html(country_deck, contrast=True), encoding="utf-8")
    charts = [n for n, c in country_deck.charts() if c is not None]
    assert len(charts) >= 4
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        # the charts drawn when the deck says its first slide is ready (counted in the same task: idle time comes later)
        page.add_init_script("""new MutationObserver(() => {
            if (document.body && document.body.dataset.ready === '1' && window.drawnAtReady === undefined)
              window.drawnAtReady = Array.from(document.querySelectorAll('.plot')).filter(d => d._fullLayout).length;
          }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-ready']});""")
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        drawn_at_ready = page.evaluate("window.drawnAtReady")
        first = sum(1 for n in charts if n <= 1)
        assert drawn_at_ready == first, (drawn_at_ready, charts)
        page.wait_for_selector("body[data-drawn='all']", timeout=30_000)
        paper = page.evaluate("Array.from(document.querySelectorAll('.plot')).map(d => d._fullLayout && d._fullLayout.paper_bgcolor)")
        assert paper == ["black"] * len(charts), paper
        page.keyboard.press("End")  # a slide shown is drawn, whatever the idle queue did
        assert page.evaluate("document.querySelector('.slide.active .plot') === null || !!document.querySelector('.slide.active .plot .main-svg')")
        assert not errors, errors
    printed = render_html(country_deck, lazy=False)
    assert "if (!false) drawAll();" in printed  # (the PDF's document draws every chart before the first slide shows)


def test_the_pdf_has_a_page_per_slide_and_its_text_keeps_the_diacritics(province_deck):
    reader = PdfReader(io.BytesIO(exports.to_pdf(province_deck)))
    assert len(reader.pages) == len(province_deck.slides)
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    assert round(width / height, 3) == round(16 / 9, 3)
    text = nfc(" ".join(page.extract_text() for page in reader.pages))
    for name in ("Kết quả cải cách hành chính năm 2024", "Tỉnh Lạng Sơn", "Tràng Định", "Hữu Lũng",
                 "Thủ tục hành chính", "Nguyễn Quốc Toàn", "Dữ liệu mô phỏng"):
        assert name in text, name


def test_a_chart_png_is_1920_by_1080(province_deck):
    from PIL import Image

    for number in (2, 3):  # a bar chart and the map
        image = Image.open(io.BytesIO(exports.chart_png(province_deck, number)))
        assert image.size == (1920, 1080)
        assert len(image.getcolors(1_000_000)) > 50  # drawn, not a blank page


# ---- the page
def test_the_present_page_builds_the_deck_of_the_chosen_province(built_db):
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "analyst")
    at.query_params["year"] = "2024"
    at.query_params["province"] = LANG_SON
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    assert at.title[0].value == "Trình chiếu tại hội nghị"
    assert at.radio(key="_w_deck").value == "province"  # no scope in the link: the chosen province's deck
    assert at.selectbox(key="present_province").value == LANG_SON
    frame = at.get("iframe")[0].proto
    assert "Kết quả cải cách hành chính năm 2024 — Tỉnh Lạng Sơn" in frame.srcdoc
    assert "Dữ liệu mô phỏng" in at.warning[0].value
    at.radio(key="_w_deck").set_value("country").run()
    assert "Kết quả cải cách hành chính năm 2024 — Cả nước" in at.get("iframe")[0].proto.srcdoc
    assert at.query_params["deck"] == "country"


def test_the_present_page_asks_which_old_province_for_a_merged_one(built_db):
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "analyst")
    at.query_params["year"] = "2024"
    at.query_params["structure"] = "S34"
    at.query_params["province"] = "S34-P-24"  # Bắc Ninh today: Bắc Giang + Bắc Ninh before 1/7/2025
    at.run()
    at.switch_page("pages/present.py").run()
    assert not at.exception
    old = at.selectbox(key="present_province")
    assert any("tỉnh cũ" in c.value for c in at.caption)
    assert old.options == ["Bắc Giang", "Bắc Ninh"]
    old.set_value("S63-P-27").run()  # the old Bắc Ninh
    assert "năm 2024 — Tỉnh Bắc Ninh" in at.get("iframe")[0].proto.srcdoc
