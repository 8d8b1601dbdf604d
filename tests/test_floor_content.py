"""bench/floor_full_app.py, the floor with the rankings page's content, draws what the rankings page draws: the same
elements, as many of each, so that its time says what Streamlit itself costs for that content (bench/README.md). If the
page gains or loses an element, this fails until the content floor follows."""

from __future__ import annotations

import collections
import shutil

from streamlit.testing.v1 import AppTest

from tests.browser import ROOT
from tests.users import open_page

# what the person looks at and Streamlit draws; not the login's own (a signed-in user's logout button, an anonymous
# visitor's login expander and its field) nor the layout blocks around them
COMPARED = {"ButtonGroup", "Dataframe", "DownloadButton", "Metric", "Radio", "Selectbox", "Title", "Toggle", "Warning",
            "plotly_chart"}


def _kinds(at: AppTest) -> collections.Counter:
    counts: collections.Counter = collections.Counter()

    def walk(node) -> None:
        for child in (node.children.values() if isinstance(getattr(node, "children", None), dict) else []):
            kind = type(child).__name__
            kind = getattr(child, "type", kind) if kind == "UnknownElement" else kind
            counts[kind] += kind in COMPARED
            walk(child)

    walk(at._tree)  # (AppTest has no public walk over every element: its tree is the only whole view of a run)
    return +counts


def test_the_content_floor_draws_the_elements_of_the_rankings_page(built_db, tmp_path, monkeypatch):
    # its own copy: it opens the file read-only, and this process may hold the session's file open for writing
    copy = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, copy)
    monkeypatch.setenv("PAR_DB", str(copy))
    floor = AppTest.from_file(str(ROOT / "bench" / "floor_full_app.py"), default_timeout=180)
    floor.run()
    assert not floor.exception, floor.exception
    monkeypatch.setenv("PAR_DB", str(built_db))
    ours = open_page("rankings", year="2024")
    assert _kinds(floor) == _kinds(ours)
    assert _kinds(ours)["plotly_chart"] == 1 and _kinds(ours)["Metric"] == 4
