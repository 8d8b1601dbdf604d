import pandas as pd

from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, fmt_signed
from par_dashboard.views.charts import DEMO_PATTERN, ranking_bar


def _frame(demo=True):
    return pd.DataFrame({
        "short_name": ["Hà Nội", "Quảng Ninh", "An Giang"],
        "current_province": ["Hà Nội", "Quảng Ninh", "An Giang"],
        "score": [91.43, 92.18, 81.32],
        "display_rank": [3, 1, 63],
        "score_group": ["A", "A", "B"],
        "score_change": [1.0, -0.5, None],
        "rank_change": [0, 1, None],
        "source_kind": ["official_publication", "official_publication", "synthetic_demo" if demo else "official_publication"],
    })


def test_bars_sorted_best_first_with_decimal_comma():
    fig = ranking_bar(_frame(), "vi", average=86.98)
    bar = fig.data[0]
    assert list(bar.y) == ["Quảng Ninh", "Hà Nội", "An Giang"]
    assert list(bar.text) == ["92,18", "91,43", "81,32"]
    assert fig.layout.separators == ",."
    assert fig.layout.yaxis.autorange == "reversed"


def test_demo_values_are_hatched_and_labelled():
    fig = ranking_bar(_frame(demo=True), "vi")
    assert list(fig.data[0].marker.pattern.shape) == ["", "", DEMO_PATTERN]
    assert any("Dữ liệu mô phỏng" in (a.text or "") for a in fig.layout.annotations)
    fig = ranking_bar(_frame(demo=False), "en")
    assert not any("demo" in (a.text or "").lower() for a in fig.layout.annotations)
    assert fig.layout.separators == ".,"


def test_grouped_view_uses_two_level_categories():
    fig = ranking_bar(_frame(), "vi", group_col="current_province")
    assert len(fig.data[0].y) == 2


def test_average_line_is_drawn_and_labelled():
    fig = ranking_bar(_frame(), "vi", average=86.98)
    assert any(s.x0 == 86.98 for s in fig.layout.shapes)
    assert any("86,98" in (d.name or "") for d in fig.data)  # named in the legend (tests/test_chart_layout.py: apart)


def test_formats():
    import datetime as dt

    assert fmt_num(92.18) == "92,18" and fmt_num(92.18, "en") == "92.18"
    assert fmt_num(2194387, decimals=0) == "2.194.387"
    assert fmt_pct(99.8, decimals=1) == "99,8 %"
    assert fmt_signed(-1.14) == "−1,14" and fmt_signed(2.08) == "+2,08"
    assert fmt_date(dt.date(2024, 5, 29)) == "29/05/2024"
    assert fmt_num(None) == "—"


def test_numbers_match_babel_format_decimal():
    """fmt_num formats with the locale's symbols and Python's decimal rounding instead of calling Babel's
    format_decimal each time: the same text for every kind of value, half-way cases and negative zero included."""
    import random

    import numpy as np
    from babel.numbers import format_decimal

    from par_dashboard.i18n import _LOCALE

    rng = random.Random(7)
    values = [0, -0.0, -0.001, 0.005, 0.015, 2.675, 1.005, -2.5, 2.5, 99.95, 99.845, 1234567.891, -1234567.5, 1e-7,
              np.float64(92.18), np.int64(2194387), np.float32(1.1), 12345678901234.5]
    values += [round(rng.uniform(-1e6, 1e6), rng.randint(0, 5)) for _ in range(1500)]
    values += [rng.uniform(-100, 100) for _ in range(1500)] + [rng.randint(-10**7, 10**7) for _ in range(500)]
    differ = [(v, lang, d) for v in values for lang in ("vi", "en") for d in (0, 1, 2, 3)
              if fmt_num(v, lang, d) != format_decimal(v, format="#,##0" + ("." + "0" * d if d else ""), locale=_LOCALE[lang])]
    assert differ == []


def test_the_demo_legend_entry_has_a_swatch_streamlits_plotly_draws():
    """Seen at 1 440 and 1 920 px (s6 review): the rankings chart's legend said "Dữ liệu mô phỏng" beside nothing. Its
    swatch was a pattern of white lines with no background of its own: the plotly.js Streamlit ships (its theme) draws
    such a pattern on a transparent ground, white on the white page (checked in a real Streamlit page: with a
    `bgcolor`, or `fillmode="overlay"` as the indicators' legend has, the swatch shows). Every legend entry drawn with
    a pattern names the ground it is drawn on."""
    for fig in (ranking_bar(_frame(demo=True), "vi"), ranking_bar(_frame(demo=True), "en", group_col="current_province")):
        swatches = [d for d in fig.data if d.name and d.type == "bar" and d.marker.pattern.shape]
        assert [d.name for d in swatches] in (["Dữ liệu mô phỏng"], ["Synthetic demo data"]), [d.name for d in fig.data]
        for d in swatches:
            pattern = d.marker.pattern
            assert pattern.fillmode == "overlay" or (pattern.bgcolor and pattern.bgcolor != pattern.fgcolor), pattern
