"""Draw only what is looked at (issue 17): the busy pages (Xếp hạng, Chỉ tiêu, Kiểm tra, Địa phương) show one
section at a time, chosen with a segmented control bound to the shared filter `section` (in the URL). A run draws
that section's charts only, few tables, and every chart the pages showed before is still in one of them; a link
names the section it opens; a section name from another page, or made up, opens the page's first (another page's is kept for
that page)."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.users import open_page

LANG_SON = {"province": "S63-P-20", "year": "2024"}
# page -> the URL's filters, and each section's charts (keys) on them; "" is the first section
PAGES = {
    "rankings": (LANG_SON, {"": {"rank_chart"}, "units": {"sub_district"}, "departments": {"sub_department"}}),
    "indicators": ({"indicator": "OPS_ONTIME_PCT", **LANG_SON}, {"": {"ind_distribution"}, "attainment": {"ind_attainment"},
                                      "topbottom": {"ind_topbottom"}, "heatmap": {"ind_heatmap"}}),
    "inspections": (LANG_SON, {"": {"insp_timeline"}, "findings": {"insp_area_kind"}, "recurring": set(),
                               "remedied": {"insp_remedied_year"}, "summary": set()}),
    "locality": (LANG_SON, {"": set(), "trend": {"loc_trend_chart"}, "indices": {"mi_chart"},
                            "areas": {"loc_area_chart"}, "inspections": set(), "followup": set()}),
}
KEYS = {k for _, sections in PAGES.values() for keys in sections.values() for k in keys}
MAX_TABLES = 2  # a section's table (and one beside it) at most: the rest is in other sections


def charts_drawn(at: AppTest) -> set[str]:
    # an element's id ends with the key its page gave it (Streamlit: "user_key as a suffix")
    return {k for c in at.get("plotly_chart") for k in KEYS if c.proto.id.endswith(k)}


@pytest.mark.parametrize("page", list(PAGES))
def test_each_section_draws_its_own_charts_only_and_every_chart_is_in_one(built_db, page):
    params, sections = PAGES[page]
    seen = set()
    for section, charts in sections.items():
        at = open_page(page, section, **params)
        drawn = charts_drawn(at)
        assert drawn == charts, f"{page} / {section or 'first'}: drew {sorted(drawn)}"
        assert len(at.dataframe) <= MAX_TABLES, f"{page} / {section or 'first'}: {len(at.dataframe)} tables"
        assert at.query_params.get("section", "") == section  # the URL names the section on screen
        seen |= drawn
    assert seen == {k for keys in sections.values() for k in keys}


def test_the_control_changes_the_section_and_another_pages_section_opens_the_first(built_db):
    at = open_page("inspections", **LANG_SON)
    assert charts_drawn(at) == {"insp_timeline"}
    at.get("button_group")[0].set_value("remedied").run()  # the segmented control
    assert not at.exception, at.exception
    assert charts_drawn(at) == {"insp_remedied_year"}
    assert at.query_params["section"] == "remedied"
    # "remedied" is no section of Chỉ tiêu: its first is shown, and the URL is not changed by the move (a query string
    # changed by a move is a second history entry, under the old page's path: tests/test_browser.py)
    at.switch_page("pages/indicators.py").run()
    assert not at.exception, at.exception
    assert charts_drawn(at) == {"ind_distribution"} and at.query_params["section"] == "remedied"
    at.switch_page("pages/inspections.py").run()  # back on the page that chose it: its section again
    assert charts_drawn(at) == {"insp_remedied_year"}
    made_up = open_page("rankings", "<script>", **LANG_SON)  # a link's made-up section: said, and the first shown
    assert charts_drawn(made_up) == {"rank_chart"} and "section" not in made_up.query_params
    assert any("section=" in t.value for t in made_up.toast), "a made-up section is said to be ignored"
