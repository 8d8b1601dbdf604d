"""The findings search of the inspections page done in Python, over a whole selection in pandas: what the page's
SQL (queries/finding_page_by_selection.sql, one page at a time) is checked against. Only the tests use it."""

import pandas as pd

from par_dashboard.domain.units import fold
from par_dashboard.views.inspections import search_words

# The columns the page's search looks in (finding_page_by_selection.sql searches the same ones).
SEARCH_COLUMNS = ("text", "unit_name", "province_name", "team_label", "topic", "short_vi", "short_en")


def search_findings(findings: pd.DataFrame, text: str) -> pd.DataFrame:
    """Findings whose text, unit, province, team, topic or area contains every word of `text`, ignoring diacritics,
    case and spacing (both sides through units.fold: 'ho so qua han' finds 'Còn có hồ sơ giải quyết quá hạn')."""
    words = search_words(text)
    if not words or findings.empty:
        return findings
    haystack = pd.Series("", index=findings.index)
    for column in SEARCH_COLUMNS:  # fold each distinct value once: texts, units and teams repeat a lot
        values = findings[column].fillna("").astype(str)
        haystack = haystack + " " + values.map({v: fold(v) for v in values.unique()})
    keep = pd.Series(True, index=findings.index)
    for word in words:
        keep &= haystack.str.contains(word, regex=False)
    return findings[keep]
