"""The locality page's "every index on one screen" section (Streamlit); the computing is par_dashboard.multiindex."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from par_dashboard.i18n import t
from par_dashboard.security.untrusted import markdown_text
from par_dashboard.shell import cached, ui
from par_dashboard.views import multiindex as mi


def real_only_toggle(lang: str) -> bool:
    """The sidebar's "real data only" switch, held in the URL (?real=1) like the other shared filters. No page had
    one yet: this section is the first to read it."""
    st.session_state["_w_real"] = bool(st.session_state.get("real", 0))
    st.sidebar.toggle(t("mi_real_only", lang), key="_w_real", help=t("mi_real_only_help", lang),
                      on_change=lambda: ui.set_filter(real=int(st.session_state["_w_real"])))
    return bool(st.session_state.get("real", 0))


def section(unit: pd.Series, lang: str) -> None:
    """PAR INDEX, SIPAS, the 766 index, PAPI and PCI of `unit` as percentiles over the years, and the sentence
    saying which two disagree most in the chosen year."""
    real_only = real_only_toggle(lang)
    st.subheader(t("mi_title", lang))
    name = unit["short_name"]
    st.caption(t("mi_intro", lang, unit=markdown_text(name)))
    pts = cached.derived(mi.points, "multiindex_ranks", real_only, unit_id=unit["unit_id"])
    if pts.empty:
        st.info(t("mi_real_only_empty" if real_only else "mi_none", lang, unit=markdown_text(name)))
        return
    choices = mi.years(pts)[::-1]
    page_year = st.session_state.get("year")
    if (st.session_state.get("mi_year") not in choices
            or st.session_state.get("_mi_year_for") != (unit["unit_id"], real_only, page_year)):
        st.session_state["mi_year"] = mi.default_year(pts, prefer=page_year)
    st.session_state["_mi_year_for"] = (unit["unit_id"], real_only, page_year)
    year = st.selectbox(t("mi_year", lang), choices, key="mi_year")
    fig = cached.derived(mi.figure_of, "multiindex_ranks", real_only, lang, unit_id=unit["unit_id"],
                         options={"title": t("mi_chart_title", lang, unit=name), "year": year})
    st.plotly_chart(fig, width="stretch", config=ui.chart_config(), key="mi_chart")
    st.markdown(mi.sentence(pts, year, name, lang))
    st.caption(t("mi_marks_caption", lang) + " " + t("mi_ci_caption", lang))
    ui.downloads(lambda: mi.table(pts, lang), name=f"{t('mi_title', lang)} {name}", title=t("mi_title", lang),
                 filters={t("unit", lang): name, t("mi_real_only", lang): int(real_only)},
                 demo=bool(pts["demo"].any()), key="mi_table")
