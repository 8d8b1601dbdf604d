"""Figures kept per input: the same data gives the same figure (as plotly.js receives it) without rebuilding;
other data, another language or another option builds anew; what a caller does to its figure stays with it."""

import json

import pandas as pd

from par_dashboard.views import charts


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


def test_numpy_scalars_are_part_of_the_key():
    """A flag computed with pandas (`df.col.any()`) is a numpy bool: it must key the figure, not skip the cache."""
    import numpy as np

    from par_dashboard.views import figcache

    before = dict(figcache.COUNTS)
    first = charts.ranking_bar(_scores(70.5), "vi", average=np.float64(80.25))
    again = charts.ranking_bar(_scores(70.5), "vi", average=np.float64(80.25))
    other = charts.ranking_bar(_scores(70.5), "vi", average=np.float64(80.5))
    assert figcache.COUNTS["unhashable"] == before["unhashable"]
    assert figcache.COUNTS["built"] == before["built"] + 2
    assert json.loads(again.to_json()) == json.loads(first.to_json()) != json.loads(other.to_json())


def test_a_kept_figure_is_what_the_builder_made():
    """What Streamlit sends (to_dict of the untouched figure) is the builder's figure; reading or copying the figure
    gives plotly's ordinary objects."""
    import copy

    import plotly.graph_objects as go
    import plotly.io as pio

    kept = charts.ranking_bar(_scores(77.0), "vi")
    built = charts.ranking_bar.__wrapped__(_scores(77.0), "vi")
    assert pio.to_json(kept.to_dict(), validate=False) == pio.to_json(built.to_dict(), validate=False)
    assert isinstance(kept, go.Figure) and list(kept.data[0].y) == list(built.data[0].y)
    copied = copy.deepcopy(charts.ranking_bar(_scores(77.0), "vi"))
    assert type(copied) is go.Figure and copied.layout.title.text == built.layout.title.text


def test_list_columns_are_part_of_the_key():
    """DuckDB's LIST columns come as numpy arrays, which pandas cannot hash: such a frame still keys its figure."""
    import numpy as np

    from par_dashboard.views import figcache

    def with_members(members: list[str]) -> pd.DataFrame:
        return _scores(66.0).assign(members=[np.array(members), np.array(["x"])])

    before = dict(figcache.COUNTS)
    charts.ranking_bar(with_members(["a", "b"]), "vi")
    charts.ranking_bar(with_members(["a", "b"]), "vi")
    charts.ranking_bar(with_members(["a", "c"]), "vi")
    assert figcache.COUNTS == {"built": before["built"] + 2, "unhashable": before["unhashable"]}
