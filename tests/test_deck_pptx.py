"""The PowerPoint deck: one slide per model slide, native charts holding the very numbers the queries return,
the map as a picture, speaker notes, footer marks, and empty slides that say why they are empty."""

import io

import pytest
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from par_dashboard.i18n import t
from par_dashboard.views import locality
from par_dashboard.views.present.build import build_deck
from par_dashboard.views.present.pptx import deck_to_pptx

LANG_SON = "S63-P-20"
YEAR = 2024
ACCENT, NAVY, GREY = RGBColor(0xD9, 0x8C, 0x1F), RGBColor(0x1F, 0x3B, 0x73), RGBColor(0x9A, 0xA3, 0xAD)
STATUS_COLOURS = {"status_resolved": RGBColor(0x1A, 0x7F, 0x4B), "status_in_progress": ACCENT,
                  "status_open": RGBColor(0xB4, 0x23, 0x18)}


def _open(deck):
    return Presentation(io.BytesIO(deck_to_pptx(deck)))


@pytest.fixture(scope="module")
def province(db):
    deck = build_deck(db.query, lang="vi", year=YEAR, province_id=LANG_SON)
    return deck, _open(deck)


@pytest.fixture(scope="module")
def country(db):
    deck = build_deck(db.query, lang="vi", year=YEAR)
    return deck, _open(deck)


def _slide(pair, key):
    deck, prs = pair
    number = next(i for i, s in enumerate(deck.slides) if s.key == key)
    return deck.slides[number], prs.slides[number]


def _chart(slide):
    charts = [shape.chart for shape in slide.shapes if shape.has_chart]
    assert len(charts) == 1
    return charts[0]


def _texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def _window(ranking, unit_id, around=5):
    """The provinces ranked nearest the unit, best first, straight from the ranking query."""
    scored = ranking[ranking["score"].notna()].sort_values("score", ascending=False).reset_index(drop=True)
    i = int(scored.index[scored["unit_id"] == unit_id][0])
    return scored.iloc[max(0, i - around): i + around + 1]


def _label(row) -> str:
    return f"{int(row['display_rank'])}. {row['short_name']}"


@pytest.mark.parametrize("scope", ["province", "country"])
def test_one_slide_per_model_slide_titled_as_the_model_on_a_16_9_page(scope, request):
    deck, prs = request.getfixturevalue(scope)
    assert len(prs.slides) == len(deck.slides) == (10 if scope == "province" else 11)
    assert [s.shapes.title.text_frame.text for s in prs.slides] == [s.title for s in deck.slides]
    assert prs.slide_width / prs.slide_height == pytest.approx(16 / 9, abs=1e-3)
    assert prs.core_properties.title == deck.title
    assert prs.core_properties.author == deck.body
    for number, slide in enumerate(prs.slides, start=1):
        assert f"{number}/{len(deck.slides)}" in _texts(slide)


def test_ranking_chart_is_the_window_around_the_province_from_the_query(province, db):
    window = _window(db.query("par_score_by_province_year", year=YEAR, family="PAR_INDEX", area="TOTAL"), LANG_SON)
    model, slide = _slide(province, "ranking")
    chart = _chart(slide)
    assert chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
    plot = chart.plots[0]
    assert list(plot.categories) == [_label(r) for _, r in window.iterrows()]
    assert list(plot.series[0].values) == pytest.approx(window["score"].tolist())
    assert chart.category_axis.reverse_order  # the best-ranked at the top, as in the data
    assert (chart.value_axis.minimum_scale, chart.value_axis.maximum_scale) == model.chart.value_range
    assert plot.data_labels.number_format == "#,##0.00"
    assert not chart.has_legend
    here = window["unit_id"].tolist().index(LANG_SON)
    assert plot.series[0].points[here].format.fill.fore_color.rgb == ACCENT
    assert plot.series[0].format.fill.fore_color.rgb == NAVY


def test_country_ranking_charts_are_the_top_and_bottom_ten(country, db):
    ranking = db.query("par_score_by_province_year", year=YEAR, family="PAR_INDEX", area="TOTAL")
    scored = ranking[ranking["score"].notna()].sort_values("score", ascending=False)
    for key, rows in (("ranking_top", scored.head(10)), ("ranking_bottom", scored.tail(10))):
        plot = _chart(_slide(country, key)[1]).plots[0]
        assert list(plot.categories) == [_label(r) for _, r in rows.iterrows()]
        assert list(plot.series[0].values) == pytest.approx(rows["score"].tolist())


def test_areas_chart_is_the_province_against_the_national_mean(province, db):
    scores = db.query("unit_area_scores_year", unit_id=LANG_SON, year=YEAR).sort_values("number")
    chart = _chart(_slide(province, "areas")[1])
    plot = chart.plots[0]
    assert list(plot.categories) == [f"{n}. {s}" for n, s in zip(scores["number"], scores["short_vi"], strict=True)]
    province_series, mean_series = plot.series
    assert province_series.name == "Lạng Sơn"
    assert mean_series.name == t("loc_avg_national", "vi")
    assert list(province_series.values) == pytest.approx(scores["value"].tolist())
    assert list(mean_series.values) == pytest.approx(scores["peer_mean"].tolist())
    assert mean_series.format.fill.fore_color.rgb == GREY
    assert chart.has_legend


def test_targets_chart_and_table_are_the_key_indicators_of_the_card(province, db):
    card = db.query("unit_indicator_card", unit_id=LANG_SON, year=YEAR).set_index("indicator_code")
    codes = [c for c in locality.KEY_OPS if c in card.index]
    assert codes
    slide = _slide(province, "targets")[1]
    plot = _chart(slide).plots[0]
    assert list(plot.categories) == card.loc[codes, "name_vi"].tolist()
    values, targets = plot.series
    assert list(values.values) == pytest.approx(card.loc[codes, "value"].tolist())
    assert list(targets.values) == pytest.approx(card.loc[codes, "target_value"].tolist())
    tables = [shape.table for shape in slide.shapes if shape.has_table]
    assert len(tables) == 1 and len(tables[0].rows) == len(codes) + 1
    assert tables[0].cell(0, 0).text_frame.text == t("indicator", "vi")
    cell_runs = [r for row in tables[0].rows for cell in row.cells for p in cell.text_frame.paragraphs for r in p.runs]
    assert min(r.font.size.pt for r in cell_runs) >= 14


def test_remediation_is_a_stacked_chart_coloured_by_status(province):
    model, slide = _slide(province, "remediation")
    chart = _chart(slide)
    assert chart.chart_type == XL_CHART_TYPE.BAR_STACKED
    for series, expected in zip(chart.plots[0].series, model.chart.series, strict=True):
        assert series.name == expected.name
        assert list(series.values) == pytest.approx(expected.values)
        assert series.format.fill.fore_color.rgb == STATUS_COLOURS[expected.role]


def test_map_slide_holds_a_picture(province):
    slide = _slide(province, "map")[1]
    assert [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert not [s for s in slide.shapes if s.has_chart]


def test_speaker_notes_are_the_models_in_vietnamese(province):
    deck, prs = province
    notes = [s.notes_slide.notes_text_frame.text for s in prs.slides]
    assert notes == [s.notes for s in deck.slides]
    assert all(n.strip() for n in notes)
    assert "Lạng Sơn" in notes[0] and "Lạng Sơn" in _slide(province, "ranking")[1].notes_slide.notes_text_frame.text


def test_every_run_is_noto_sans(province):
    for slide in province[1].slides:
        for props in slide.element.iter(qn("a:rPr")):
            assert {props.find(qn(tag)).get("typeface") for tag in ("a:latin", "a:ea", "a:cs")} == {"Noto Sans"}


def test_demo_slides_carry_the_demo_label_and_sources(province):
    deck, prs = province
    label = t("demo_label", "vi")
    assert any(s.demo for s in deck.slides)
    for model, slide in zip(deck.slides, prs.slides, strict=True):
        assert (label in _texts(slide)) == model.demo
        if model.sources:
            assert any(text.startswith(f"{t('source', 'vi')}: ") for text in _texts(slide))


def test_a_year_without_data_gives_empty_slides_with_their_message(db):
    deck = build_deck(db.query, lang="vi", year=2016, province_id=LANG_SON)
    prs = _open(deck)
    empty = [(m, s) for m, s in zip(deck.slides, prs.slides, strict=True) if m.empty]
    assert empty
    for model, slide in empty:
        assert model.empty in _texts(slide)
        assert not [s for s in slide.shapes if s.has_chart or s.has_table or s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def test_english_deck_has_english_titles(db):
    deck = build_deck(db.query, lang="en", year=YEAR, province_id=LANG_SON)
    prs = _open(deck)
    titles = [s.shapes.title.text_frame.text for s in prs.slides]
    assert titles == [s.title for s in deck.slides]
    assert t("deck_ranking_title", "en", year=YEAR) in titles
    assert t("deck_recommendations_title", "en") in titles
    assert prs.core_properties.language == "en-GB"
