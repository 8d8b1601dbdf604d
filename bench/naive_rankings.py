"""The rankings page written the naive way: the benchmark suite's baseline, not part of the dashboard.

Whole tables (score, admin_unit, source) are read into pandas once per session and kept in session state; every
rerun filters them in Python and draws the same headline figures, ranking chart and table as pages/rankings.py
(PAR INDEX, all areas, one year). It has no sidebar, so it does less than our page, not more.

    PAR_DB=/tmp/copy.duckdb .venv/bin/streamlit run bench/naive_rankings.py   # to look at it
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # par_dashboard, when run on its own

import pandas as pd  # noqa: E402
import streamlit as st  # noqa: E402

from par_dashboard.domain.units import structure_for_year  # noqa: E402
from par_dashboard.i18n import fmt_num, t  # noqa: E402
from par_dashboard.shell import cached
from par_dashboard.views import charts, rankings  # noqa: E402

FAMILY, AREA, LANG = "PAR_INDEX", "TOTAL", "vi"

if "naive_tables" not in st.session_state:
    with cached.db().cursor() as cur:
        st.session_state.naive_tables = {name: cur.execute(f"SELECT * FROM {name}").df()  # noqa: S608 - fixed names
                                         for name in ("score", "admin_unit", "source", "index_family")}
tables = st.session_state.naive_tables
scores, units, sources = tables["score"], tables["admin_unit"], tables["source"]

years = sorted(scores.loc[scores.family_code == FAMILY, "year"].unique().tolist(), reverse=True)
year = st.selectbox(t("year", LANG), years, index=years.index(2024) if 2024 in years else 0, key="year")
structure = structure_for_year(year)

provinces = units[(units.level == "province")]
ours = scores[(scores.family_code == FAMILY) & (scores.area_code == AREA) & scores.year.isin([year, year - 1])
              & scores.unit_id.isin(provinces.unit_id)]
ours = ours.merge(sources[["source_id", "kind", "title"]], on="source_id", how="left")
ours = ours.merge(sources[["source_id", "kind"]].rename(columns={"source_id": "rank_source_id", "kind": "rank_source_kind"}),
                  on="rank_source_id", how="left")


def _ranked(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["computed_rank"] = rows.score.rank(ascending=False, method="min")
    rows["n_scored"] = rows.score.notna().sum()
    return rows


cur = _ranked(ours[ours.year == year])
prev = _ranked(ours[ours.year == year - 1])[["unit_id", "score", "computed_rank", "n_scored"]]
shown = provinces[provinces.structure == structure][["unit_id", "code", "name", "short_name", "structure"]]
n_units = len(shown)
df = shown.merge(cur, on="unit_id", how="left").merge(prev, on="unit_id", how="left", suffixes=("", "_prev"))
full, full_prev = df.n_scored == n_units, (df.n_scored_prev == n_units) & (df.n_scored == n_units)
df["rank"] = df.computed_rank.where(full)
df["display_rank"] = df["rank"].fillna(df.published_rank.astype("float64"))
df["score_change"] = df.score - df.score_prev
df["rank_change"] = (df.computed_rank_prev - df.computed_rank).where(full_prev)
df["score_group"] = [None if pd.isna(s) else "A" if s >= 90 else "B" if s >= 80 else "C" for s in df.score]
df = df.rename(columns={"kind": "source_kind", "title": "source_title"})
df = df[df.score.notna() | df.published_rank.notna()].sort_values(["display_rank", "score"], ascending=[True, False])

st.title(t("rankings_title", LANG, family=rankings.family_label(FAMILY, tables["index_family"], LANG), year=year))
if df.empty:
    st.stop()
head = rankings.headline(df)
st.metric(t("leader", LANG), head.leader, fmt_num(head.leader_score, LANG), border=True)
st.metric(t("national_avg", LANG), fmt_num(df.score.mean(), LANG), border=True)
st.plotly_chart(charts.ranking_bar(df, LANG, average=df.score.mean()), width="stretch", key="naive_chart")
st.dataframe(rankings.ranking_table(df, LANG), hide_index=True, width="stretch")
