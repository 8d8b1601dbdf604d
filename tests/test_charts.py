import pandas as pd

from par_dashboard.charts import DEMO_PATTERN, ranking_bar
from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, fmt_signed


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
    assert any("86,98" in (a.text or "") for a in fig.layout.annotations)


def test_formats():
    import datetime as dt

    assert fmt_num(92.18) == "92,18" and fmt_num(92.18, "en") == "92.18"
    assert fmt_num(2194387, decimals=0) == "2.194.387"
    assert fmt_pct(99.8, decimals=1) == "99,8 %"
    assert fmt_signed(-1.14) == "−1,14" and fmt_signed(2.08) == "+2,08"
    assert fmt_date(dt.date(2024, 5, 29)) == "29/05/2024"
    assert fmt_num(None) == "—"
