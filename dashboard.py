"""Entry point: the login gate, navigation (the pages the role may open), the shared filters (mirrored in the URL),
language and data-kind notice."""

import streamlit as st

from par_dashboard.i18n import LANG_NAMES, LANGS, fmt_num, t
from par_dashboard.shell import cached, login, ui, warm
from par_dashboard.views import rankings

st.set_page_config(page_title="CCHC — PAR dashboard", page_icon="🏛️", layout="wide")

PAGES = [  # path, title label, icon, URL path; the first is the default
    ("pages/rankings.py", "page_rankings", ":material/leaderboard:", "xep-hang"),
    ("pages/map.py", "page_map", ":material/map:", "ban-do"),
    ("pages/locality.py", "page_locality", ":material/location_city:", "dia-phuong"),
    ("pages/indicators.py", "page_indicators", ":material/monitoring:", "chi-tieu"),
    ("pages/inspections.py", "page_inspections", ":material/fact_check:", "kiem-tra"),
    ("pages/followup.py", "page_followup", ":material/task_alt:", "theo-doi-khac-phuc"),
    ("pages/present.py", "page_present", ":material/co_present:", "trinh-chieu"),
    ("pages/data.py", "page_data", ":material/upload_file:", "du-lieu"),
]


def navigation(user) -> list:
    """Every page, those `user` may not open hidden from the menu; None (the login page, nobody signed in yet): all
    of them, for a hidden navigation that only keeps the link's page to open after the login. A hidden page is still
    registered so that a link to it (/du-lieu for a viewer) opens it and it says in words, in the page's language,
    why it shows nothing (login.require), instead of Streamlit's English "Page not found" over the first page."""
    def page(path, label, icon, url, **kw):
        return st.Page(path, title=t(label, lang), icon=icon, url_path=url, **kw)

    first, *others = PAGES
    # The first page is served at "/" only (Streamlit's default page has no path of its own), so its own path,
    # /xep-hang, which links and the downloads' file names use, said "Page not found": the same page, unlisted,
    # answers there too. Streamlit keys a page by its url_path, so the default's is another ("xep-hang-").
    return [page(*first[:3], f"{first[3]}-", default=True), page(*first, visibility="hidden"),
            *(page(*p, visibility="visible" if user is None or login.page_allowed(user, p[0]) else "hidden") for p in others)]


run_clock = ui.run_clock()
warm.run_started()  # the warming waits for this run to end (they share the GIL)
cached.new_run()  # this run's database and data version are looked up afresh
lang = ui.lang()
user = login.gate(lambda: navigation(None))  # no login (anonymous viewing off): the login page only, then stop
cached.ensure_database(lang)
warm.after_check(cached.db(), cached.data_version(cached.db()))  # the national views, in the background: after the check
bad_url_values = ui.init_state(st.context.url)
lang = ui.lang()

years = cached.query("years_with_scores")
all_years = sorted(years.year.unique().tolist())
# On the rankings page, the years of its index and area only: PAPI and PCI end before 2024, and a year without a
# score of the index is no choice to offer.
index_years, index_coverage = [], None
if st.context.url is not None:  # the rankings page: the default ("/") or "/xep-hang"
    on_rankings = st.context.url.rstrip("/").rsplit("/", 1)[-1] not in {url for _, _, _, url in PAGES[1:]}
else:  # no browser (AppTest): its index box has a state only while that page is on screen
    on_rankings = st.session_state.get("_w_family") is not None
if on_rankings:
    family = st.session_state.family
    area = st.session_state.area if family == "PAR_INDEX" else "TOTAL"
    index_coverage = cached.query("years_with_scores_for_family", family=family, area=area)
    index_years = index_coverage.year.tolist()

with st.sidebar:
    login.sidebar(user, lang)
    # Widgets bind to shadow keys (ui.filter_widget): Streamlit drops widget state on a page switch,
    # the shared filters must survive it.
    ui.filter_widget(st.radio, "lang", t("language", lang), list(LANGS), horizontal=True, format_func=LANG_NAMES.get)
    lang = ui.lang()
    ui.filter_widget(st.radio, "structure", t("structure", lang), ["S63", "S34"],
                     format_func=lambda s: t(f"structure_{s}", lang))
    ui.real_only_toggle(lang)  # every page, deck and download without synthetic rows (cached.reader)
    allowed = [y for y in all_years if st.session_state.structure == "S34" or y < ui.FIRST_YEAR_S34]
    if index_years and (of_index := [y for y in allowed if y in index_years]):
        if st.session_state.year in allowed and st.session_state.year not in of_index:
            # another index's year: this index's latest well-covered one, no notice
            st.session_state.year = rankings.opening_year(index_coverage, of_index)
        allowed = of_index
    if st.session_state.year not in allowed:
        if st.session_state.year in all_years and st.session_state.structure == "S63":
            st.info(t("s63_ended", lang, year=st.session_state.year))
        else:
            bad_url_values.append(f"year={st.session_state.year}")
        st.session_state.year = max(y for y in allowed if y <= ui.DEFAULTS["year"] or y == min(allowed))
    ui.filter_widget(st.selectbox, "year", t("year", lang), allowed[::-1])
    ui.locality_filters(lang)
    kinds = cached.query("data_kinds")
    st.caption(t("data_kinds", lang) + " · ".join(f"{t(k.kind, lang)}: {fmt_num(k.n_rows, lang, 0)}" for k in kinds.itertuples()))

if bad_url_values:
    st.toast(t("invalid_url", lang, values=", ".join(bad_url_values)), icon="ℹ️")
ui.sync_url()
# After the URL is written: the page's own entry in the browser's history then carries the filters (navigation
# writes it; a query string written after it would add a second entry, with a second Back to undo one move).
page = st.navigation(navigation(user))
login.raw_exports_off(page)  # before any table: Streamlit's raw CSV download off for every role
try:
    page.run()
finally:
    ui.log_run(run_clock, page.url_path)
