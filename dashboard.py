"""Entry point: navigation, the shared filters (mirrored in the URL), language and data-kind notice."""

import streamlit as st

from par_dashboard import ui
from par_dashboard.i18n import fmt_num, t

st.set_page_config(page_title="CCHC — PAR dashboard", page_icon="🏛️", layout="wide")

lang = ui.lang()
ui.ensure_database(lang)
bad_url_values = ui.init_state()
lang = ui.lang()

years = ui.query("years_with_scores")
all_years = sorted(years.year.unique().tolist())

with st.sidebar:
    # Widgets bind to shadow keys (ui.filter_widget): Streamlit drops widget state on a page switch,
    # the shared filters must survive it.
    ui.filter_widget(st.radio, "lang", t("language", lang), ["vi", "en"], horizontal=True,
                     format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
    lang = ui.lang()
    ui.filter_widget(st.radio, "structure", t("structure", lang), ["S63", "S34"],
                     format_func=lambda s: t(f"structure_{s}", lang))
    allowed = [y for y in all_years if st.session_state.structure == "S34" or y < ui.FIRST_YEAR_S34]
    if st.session_state.year not in allowed:
        if st.session_state.year in all_years and st.session_state.structure == "S63":
            st.info(t("s63_ended", lang, year=st.session_state.year))
        else:
            bad_url_values.append(f"year={st.session_state.year}")
        st.session_state.year = max(y for y in allowed if y <= ui.DEFAULTS["year"] or y == min(allowed))
    ui.filter_widget(st.selectbox, "year", t("year", lang), allowed[::-1])
    ui.locality_filters(lang)
    kinds = ui.query("data_kinds")
    st.caption(t("data_kinds", lang) + " · ".join(f"{t(k.kind, lang)}: {fmt_num(k.n_rows, lang, 0)}" for k in kinds.itertuples()))

if bad_url_values:
    st.toast(t("invalid_url", lang, values=", ".join(bad_url_values)), icon="ℹ️")
ui.sync_url()

pages = [
    st.Page("pages/rankings.py", title=t("page_rankings", lang), icon=":material/leaderboard:", url_path="xep-hang", default=True),
    st.Page("pages/map.py", title=t("page_map", lang), icon=":material/map:", url_path="ban-do"),
    st.Page("pages/locality.py", title=t("page_locality", lang), icon=":material/location_city:", url_path="dia-phuong"),
    st.Page("pages/indicators.py", title=t("page_indicators", lang), icon=":material/monitoring:", url_path="chi-tieu"),
    st.Page("pages/inspections.py", title=t("page_inspections", lang), icon=":material/fact_check:", url_path="kiem-tra"),
    st.Page("pages/present.py", title=t("page_present", lang), icon=":material/co_present:", url_path="trinh-chieu"),
    st.Page("pages/data.py", title=t("page_data", lang), icon=":material/upload_file:", url_path="du-lieu"),
]
st.navigation(pages).run()
