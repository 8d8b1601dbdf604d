"""Trình chiếu: a slide deck built from the current filters — the whole country, one province, one district or
commune, or one inspection (its draft-results announcement) — shown full screen, and exported to PowerPoint, PDF, a
single offline HTML file and 1920×1080 chart images. The scope and the inspection are shared filters (in the URL):
a link opens the deck it names."""

import datetime as dt
import threading

import streamlit as st

from par_dashboard.domain.units import structure_for_year
from par_dashboard.i18n import t
from par_dashboard.shell import assets, cached, login, ui
from par_dashboard.views import inspections as insp
from par_dashboard.views.present import exports, static
from par_dashboard.views.present.build import DeckScopeError, build_deck
from par_dashboard.views.present.scopes import build_inspection_deck, build_unit_deck

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
year = st.session_state.year
province, unit = st.session_state.get("province", ""), st.session_state.get("unit", "")
st.title(t("present_title", lang))
st.caption(t("present_intro", lang))

# ---- scope: a shared filter; none named (the default, "") is the chosen province's deck, else the country's. The
# widget shows that default without writing it into the filter: the URL changes only when someone chooses.
scope = st.session_state.get("deck") or ("province" if province else "country")
st.session_state["_w_deck"] = scope
st.radio(t("present_scope", lang), ui.DECK_SCOPES, key="_w_deck", horizontal=True,
         on_change=lambda: ui.set_filter(deck=st.session_state["_w_deck"]),
         format_func=lambda s: t(f"present_scope_{s}", lang))

# The chosen province as it was in the year (an old province before 2025, a current one after).
candidates = ui.province_in(structure_for_year(year))
subject: dict[str, object] = {"year": year, "province_id": ""}
builder = build_deck
if scope == "province":
    if not candidates:
        st.info(t("present_choose_province", lang))
        st.stop()
    names = cached.unit_labels(candidates)
    if len(candidates) > 1:
        st.caption(t("present_several_old", lang, year=year, provinces=", ".join(names.values())))
    if st.session_state.get("present_province") not in candidates:
        st.session_state["present_province"] = candidates[0]
    subject["province_id"] = st.selectbox(t("present_old_province", lang), candidates, key="present_province",
                                          format_func=names.get, disabled=len(candidates) == 1)
elif scope == "unit":
    if not unit:
        st.info(t("present_choose_unit", lang))
        st.stop()
    builder, subject = build_unit_deck, {"year": year, "unit_id": unit}
elif scope == "inspection":
    # The inspections of the year in the chosen province (or the old provinces it was formed from), as on the
    # inspections page; one that is not among them (another year's, a stale link's) gives way to its default.
    selection = {"year": year, "provinces": candidates or ([province] if province else []), "units": []}
    visits = cached.query("inspection_by_selection", **selection)
    if visits.empty:
        place = insp.place_label(None, cached.query("unit_by_id", unit_id=province) if province else None, lang)
        st.info(t("present_no_inspections", lang, place=place, year=year))
        st.stop()
    choices = cached.derived(insp.inspection_choices, "inspection_by_selection", lang, **selection)
    if st.session_state.get("inspection") not in choices:
        ui.set_filter(inspection=insp.default_inspection(visits))
    chosen = ui.filter_widget(st.selectbox, "inspection", t("present_inspection", lang), list(choices),
                              format_func=choices.get)
    builder, subject = build_inspection_deck, {"inspection_id": chosen}

c2, c3 = st.columns(2)
event = c2.text_input(t("present_event", lang), key="present_event", max_chars=160,
                      placeholder=t("deck_insp_event" if scope == "inspection" else "deck_default_event", lang, year=year))
body = c3.text_input(t("present_body", lang), key="present_body", max_chars=160,
                     placeholder=t("present_body_placeholder", lang))
c4, c5 = st.columns([2, 6], vertical_alignment="bottom")
on = c4.date_input(t("present_date", lang), value=dt.date.today(), format="DD/MM/YYYY", key="present_date")
contrast = c5.toggle(t("present_contrast", lang), key="present_contrast")


# The deck and its HTML, kept per filters and data version with the query results (bounded by bytes together).
deck_options = {"lang": lang, **subject, "event": event, "body": body, "on": on, "real_only": cached.real_only()}
try:
    deck = cached.derived(builder, None, cached.query, options=deck_options)
except DeckScopeError:  # a unit the deck is not made for (a department named by a link)
    st.info(t("present_choose_unit", lang))
    st.stop()
# (plotly.js from the server's static files where it can be: shell/assets.py; the downloads below keep it inside)
deck_html = cached.derived(exports.to_html, None, cached.d(builder, None, cached.query, options=deck_options),
                           options={"contrast": contrast, "plotly_src": assets.plotly_src()})
if deck.demo:
    st.warning(f"**{t('demo_label', lang)}** — {t('present_demo_notice', lang)}", icon="⚠️")

# ---- the deck itself: plays in the frame, full screen with F or its button
st.markdown(t("present_keys", lang))
st.iframe(deck_html.decode("utf-8"), height=620)

# ---- exports of the same deck (the last part of the page): for roles that may take files away
if not login.allowed("export"):
    st.stop()
st.subheader(t("present_exports", lang))


@st.cache_resource(show_spinner=False)
def _warm_engine() -> threading.Thread:
    """Start the image engine in the background, once per server: the first export then takes ~1 s, not ~4 s."""
    thread = threading.Thread(target=static.warm_up, name="kaleido-warm-up", daemon=True)
    thread.start()
    return thread


try:
    static.chromium_path()
    browser = True
    _warm_engine()
except static.BrowserMissing:
    browser = False
    st.warning(t("present_no_browser", lang))
row = st.container(horizontal=True)
row.download_button(t("present_pptx", lang), data=lambda: exports.to_pptx(deck), file_name=f"{deck.file_stem}.pptx",
                    mime="application/vnd.openxmlformats-officedocument.presentationml.presentation", on_click="ignore",
                    icon=":material/slideshow:", key="present_dl_pptx", disabled=not browser)
row.download_button(t("present_pdf", lang), data=lambda: exports.to_pdf(deck, contrast=contrast),
                    file_name=f"{deck.file_stem}.pdf", mime="application/pdf", on_click="ignore",
                    icon=":material/picture_as_pdf:", key="present_dl_pdf", disabled=not browser)
# (the file plays offline: plotly.js inside it, unlike the frame above)
row.download_button(t("present_html", lang), data=lambda: exports.to_html(deck, contrast=contrast), file_name=f"{deck.file_stem}.html",
                    mime="text/html", on_click="ignore", icon=":material/code:", key="present_dl_html")
charts = deck.charts()
if charts:
    labels = {n: f"{n}. {deck.slides[n - 1].title}" for n, _ in charts}
    pick, button = st.columns([4, 2], vertical_alignment="bottom")
    number = pick.selectbox(t("present_png_chart", lang), list(labels), format_func=labels.get, key="present_png_pick")
    button.download_button(t("present_png", lang), data=lambda: exports.chart_png(deck, number, contrast=contrast),
                           file_name=f"{deck.file_stem}_{number}.png", mime="image/png", on_click="ignore",
                           icon=":material/image:", key="present_dl_png", disabled=not browser)
st.caption(t("present_exports_note", lang))
