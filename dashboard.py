"""Entry point: navigation, shared filters, language and data-kind notice."""

import streamlit as st

from par_dashboard import ui
from par_dashboard.i18n import fmt_num, t

st.set_page_config(page_title="CCHC — PAR dashboard", page_icon="🏛️", layout="wide")

bad_url_values = ui.init_state()
lang = ui.lang()
ui.ensure_database(lang)

years = ui.query("score_years", family="PAR_INDEX", area="TOTAL", level="province")
all_years = sorted(years.year.unique().tolist())

with st.sidebar:
    st.radio(t("language", lang), ["vi", "en"], key="lang", horizontal=True,
             format_func=lambda code: {"vi": "Tiếng Việt", "en": "English"}[code])
    lang = ui.lang()
    st.radio(t("structure", lang), ["S63", "S34"], key="structure",
             format_func=lambda s: t(f"structure_{s}", lang))
    allowed = [y for y in all_years if st.session_state.structure == "S34" or y < ui.FIRST_YEAR_S34]
    if st.session_state.year not in allowed:
        if st.session_state.year in all_years and st.session_state.structure == "S63":
            st.info(t("s63_ended", lang, year=st.session_state.year))
        else:
            bad_url_values.append(f"year={st.session_state.year}")
        st.session_state.year = max(y for y in allowed if y <= ui.DEFAULTS["year"] or y == min(allowed))
    st.selectbox(t("year", lang), allowed[::-1], key="year")
    kinds = ui.query("data_kinds")
    st.caption(t("data_kinds", lang) + " · ".join(f"{t(k.kind, lang)}: {fmt_num(k.n_rows, lang, 0)}" for k in kinds.itertuples()))

if bad_url_values:
    st.toast(("Bỏ qua giá trị không hợp lệ trong địa chỉ: " if lang == "vi" else "Ignored invalid values in the link: ")
             + ", ".join(bad_url_values), icon="ℹ️")
ui.sync_url()

pages = [st.Page("pages/rankings.py", title=t("page_rankings", lang), icon="🏆", url_path="xep-hang", default=True)]
st.navigation(pages).run()
