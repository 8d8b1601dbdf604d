"""Figures kept per input: the same data gives the same figure (as plotly.js receives it) without rebuilding;
other data, another language or another option builds anew; what a caller does to its figure stays with it."""

import json

import pandas as pd

from par_dashboard import charts


def _scores(score: float) -> pd.DataFrame:
    return pd.DataFrame({"unit_id": ["S63-P-01", "S63-P-20"], "short_name": ["Hà Nội", "Lạng Sơn"], "score": [91.5, score],
                         "score_group": ["A", "B"], "source_kind": ["synthetic_demo"] * 2, "display_rank": [1, 2],
                         "score_change": [0.5, -1.0], "rank_change": [0, 1]})


def test_the_same_data_gives_the_same_figure_and_other_data_another():
    first = charts.ranking_bar(_scores(84.97), "vi")
    again = charts.ranking_bar(_scores(84.97), "vi")
    assert json.loads(again.to_json()) == json.loads(first.to_json())
    assert json.loads(charts.ranking_bar(_scores(85.0), "vi").to_json()) != json.loads(first.to_json())
    assert json.loads(charts.ranking_bar(_scores(84.97), "en").to_json()) != json.loads(first.to_json())
    assert json.loads(charts.ranking_bar(_scores(84.97), "vi", title="x").to_json()) != json.loads(first.to_json())


def test_a_caller_changing_its_figure_does_not_change_the_kept_one():
    a = charts.ranking_bar(_scores(80.0), "vi")
    b = charts.ranking_bar(_scores(80.0), "vi")
    b.update_layout(title="changed")
    c = charts.ranking_bar(_scores(80.0), "vi")
    assert c.layout.title.text == a.layout.title.text != "changed"
