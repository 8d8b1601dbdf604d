"""The floor with the rankings page's content (issue 17): what Streamlit itself costs to draw what the dashboard's
rankings page draws, with none of our work. Every element of that page's first section and of the sidebar, in the
same order and with the same options, from figures and tables made once at the start (no database, no cache lookup,
no login, no URL, no warming on a run):

- sidebar: the page list (7 pages), a caption and a login expander, the language and structure radios, the
  "real data only" toggle, the year selectbox (labelled and keyed like ours, "Năm", `_w_year`), the province
  selectbox, a caption;
- main: the index and area selectboxes, the title, the demo banner, four headline cards with their "?", the section
  control, the 63-bar ranking chart (the dashboard's own figure, charts.ranking_bar, handed over as the dashboard
  hands a figure it made before) with a caption, the 63-row table
  (rankings.province_table, pinned columns, row selection), the two download buttons, the sources expander.

    PAR_DB=artifacts/bench/default.duckdb python -m streamlit run bench/floor_full_app.py

`bench/floor_app.py` (one selectbox and one chart) is the floor every target is a ratio to. This one tells how much
of our page's time is Streamlit's for the content the page must show, and how much is ours (bench/README.md).
"""

import os
import pickle
from pathlib import Path

import streamlit as st

from par_dashboard.i18n import fmt_num, fmt_signed, t
from par_dashboard.shell.cached import KeptFigure
from par_dashboard.store.db import Database
from par_dashboard.views import charts, rankings

YEARS = list(range(2024, 2015, -1))  # as the floor's (its Chromium driver, bench/browser.py Floor, steps through them)
FIRST_SCORED = 2018  # the default database's first PAR INDEX year: 2016 and 2017 show 2023's and 2024's figures
LANG = "vi"


@st.cache_resource
def _content() -> dict:
    """Every year's figure, table and headline, made once per process (the page's views, as our caches hold them)."""
    db = Database(Path(os.environ["PAR_DB"]), read_only=True)
    try:
        out = {}
        for year in YEARS:
            params = {"year": year if year >= FIRST_SCORED else year + 7, "family": "PAR_INDEX", "area": "TOTAL"}
            provinces = db.query("par_score_by_province_year", **params)
            average = db.query("par_average_by_year", **params).iloc[0]
            figure = charts.ranking_bar(provinces, LANG, **rankings.chart_options(average, provinces, False))
            out[year] = {"figure": pickle.dumps(figure.to_dict()), "table": rankings.province_table(provinces, LANG, False),
                         "head": rankings.headline(provinces), "average": rankings.national_average(average, provinces)[0],
                         "sources": db.query("published_sources_for_year", **params)}
        return out
    finally:
        db.close()


def _rankings() -> None:
    year = st.session_state.get("_w_year", YEARS[0])
    view = _content()[year]
    left, right = st.columns([2, 1])
    left.selectbox(t("family", LANG), list(rankings.FAMILIES), key="family")
    right.selectbox(t("area", LANG), ["TOTAL", *[f"A{i}" for i in range(1, 9)]], key="area")
    st.title(t("rankings_title", LANG, family="Chỉ số CCHC", year=year))
    st.warning(f"**{t('demo_label', LANG)}** — {t('demo_notice', LANG)}", icon="⚠️")
    head = view["head"]
    help_text = ("**Nguồn của Chỉ số CCHC (tổng), {name}, {year}** — Công bố\n- Báo cáo Chỉ số cải cách hành chính "
                 "năm {year} của các bộ, cơ quan ngang bộ, UBND các tỉnh, thành phố trực thuộc trung ương\n- Ngày công "
                 "bố: 01/06/{year}")
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("leader", LANG), head.leader, fmt_num(head.leader_score, LANG), delta_color="off", delta_arrow="off",
              border=True, help=help_text.format(name=head.leader, year=year))
    m2.metric(t("national_avg", LANG), fmt_num(view["average"], LANG) if view["average"] is not None else "—", border=True)
    vs_prev = t("vs_prev", LANG, year=year - 1)
    if head.rise_name:
        m3.metric(t("biggest_rise", LANG), head.rise_name, fmt_signed(head.rise, LANG, ascii_minus=True),
                  delta_description=vs_prev, border=True, help=help_text.format(name=head.rise_name, year=year))
    if head.fall_name:
        m4.metric(t("biggest_fall", LANG), head.fall_name, fmt_signed(head.fall, LANG, ascii_minus=True),
                  delta_description=vs_prev, border=True, help=help_text.format(name=head.fall_name, year=year))
    st.segmented_control(t("section", LANG), ["", "units", "departments"], key="section", required=True, default="",
                         format_func={"": t("rank_sec_provinces", LANG), "units": t("districts", LANG),
                                      "departments": t("departments", LANG)}.get, label_visibility="collapsed")
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        # handed over as the dashboard hands a figure it made before (shell/cached.py KeptFigure: st.plotly_chart
        # then only reads its dict), not as a go.Figure that Streamlit would serialise again at every run
        st.plotly_chart(KeptFigure(view["figure"]), width="stretch", config={"displaylogo": False}, key="rank_chart",
                        on_select="rerun", selection_mode="points")
        st.caption(t("click_to_open", LANG))
    with table_col:
        table = view["table"]
        columns, name, source = list(table.columns), t("province", LANG), t("source", LANG)
        config = {c: st.column_config.Column(pinned=True) for c in (columns[:columns.index(name) + 1] if name in columns else [])}
        if source in columns:
            config[source] = st.column_config.Column(pinned=True, width=92)
        st.container()
        st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                     key="rank_table_row", column_config=config, height=min(900, 36 * (len(table) + 1)))
        row = st.container(horizontal=True)
        row.download_button(t("download_csv", LANG), data=lambda: table.to_csv(index=False).encode(), file_name="x.csv",
                            mime="text/csv", key="csv", on_click="ignore", icon=":material/download:")
        row.download_button(t("download_xlsx", LANG), data=lambda: b"", file_name="x.xlsx", key="xlsx", on_click="ignore",
                            icon=":material/table:")
    if not view["sources"].empty:
        with st.expander(t("sources_used", LANG)):
            for s in view["sources"].itertuples():
                st.markdown(f"- {s.title}")


def _other() -> None:
    st.title("…")


PAGES = [st.Page(_rankings, title=t("page_rankings", LANG), url_path="xep-hang", default=True)] + [
    st.Page(_other, title=title, url_path=path)
    for title, path in (("Bản đồ", "ban-do"), ("Địa phương", "dia-phuong"), ("Chỉ tiêu", "chi-tieu"),
                        ("Kiểm tra", "kiem-tra"), ("Trình chiếu", "trinh-chieu"), ("Dữ liệu", "du-lieu"))]

with st.sidebar:
    st.caption(t("auth_anonymous", LANG))
    with st.expander(t("auth_login_more", LANG), icon=":material/login:"):
        st.text_input("Tên đăng nhập", key="login_name")
    st.radio(t("language", LANG), ["vi", "en"], horizontal=True, key="lang")
    st.radio(t("structure", LANG), ["S63", "S34"], key="structure", format_func=lambda s: t(f"structure_{s}", LANG))
    st.toggle(t("real_only", LANG), key="real", help=t("real_only_help", LANG))
    st.selectbox("Năm", YEARS, key="_w_year")
    st.selectbox(t("province", LANG), ["", "Lạng Sơn", "Hà Tĩnh"], key="province",
                 format_func=lambda u: u or t("whole_country", LANG))
    st.caption("Các loại dữ liệu: Công bố: 1 234 · Mô phỏng: 239 571")
st.navigation(PAGES).run()
