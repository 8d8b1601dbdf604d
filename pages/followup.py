"""Theo dõi khắc phục: the limitations and recommendations of a province or unit as of a day (held in the URL), open
items overdue first, by age and PAR area, what the next inspection must re-check, items that recur across
inspections, and the share closed on time by unit and year."""

import datetime as dt

import streamlit as st

from par_dashboard.i18n import fmt_date, fmt_num, fmt_pct, t
from par_dashboard.shell import cached, login, ui
from par_dashboard.views import followup as fu
from par_dashboard.views import inspections as insp

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
province, unit = st.session_state.get("province", ""), st.session_state.get("unit", "")
area = st.session_state.get("area", "TOTAL")

# Follow-up runs over years, across the reorganisation of 1/7/2025: a province and its counterparts in the other
# structure (an old province and today's, or today's and the old ones it was formed from); a unit and the units
# under and before it.
provinces = cached.query("province_lineage", province_id=province).unit_id.tolist() if province else []
units = cached.query("inspection_place_units", unit_id=unit).unit_id.tolist() if unit else []
place = insp.place_label(cached.query("unit_by_id", unit_id=unit) if unit else None,
                         cached.query("unit_by_id", unit_id=province) if province else None, lang)
whole_country = not provinces
areas = cached.query("par_areas")
area_names = {a.area_code: insp.area_label(a.area_code, a.short_vi, a.short_en, lang) for a in areas.itertuples()}

st.title(t("fu_title", lang, place=place))
st.caption(t("fu_intro", lang))


def _as_of_changed() -> None:
    day = st.session_state.get("_w_as_of")
    ui.set_filter(as_of=day.isoformat() if isinstance(day, dt.date) else "")


c1, c2 = st.columns([1, 2])
st.session_state["_w_as_of"] = ui.as_of()
c1.date_input(t("fu_as_of", lang), key="_w_as_of", format="DD/MM/YYYY", on_change=_as_of_changed,
              min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31), help=t("fu_as_of_help", lang))
with c2:
    ui.filter_widget(st.selectbox, "area", t("area", lang), list(ui.AREAS),
                     format_func=lambda a: t("total", lang) if a == "TOTAL" else area_names[a])
    area = st.session_state.get("area", "TOTAL")
as_of = ui.as_of()
day = fmt_date(as_of, lang)
selection = {"as_of": as_of, "provinces": provinces, "units": units, "area": area}
file_filters = {t("fu_as_of", lang): day, t("province", lang): place, t("area", lang): area}
wide_text = {t("fu_col_text", lang): st.column_config.TextColumn(width="large")}

items = cached.query("followup_items", **selection)
if items.empty:
    ui.empty("fu_none", place=place, date=day)
    st.stop()
demo = bool(items["is_demo"].any())
if demo:
    ui.demo_badge(lang)

# ---- headline figures
s = fu.summary(items)
m1, m2, m3, m4 = st.columns(4)
m1.metric(t("fu_m_open", lang), fmt_num(s.n_open, lang, 0), border=True,
          help=t("fu_m_open_help", lang, date=day, total=fmt_num(s.n_items, lang, 0)))
m2.metric(t("fu_m_overdue", lang), fmt_num(s.n_overdue, lang, 0), border=True, help=t("fu_m_overdue_help", lang, date=day))
m3.metric(t("fu_m_on_time", lang), fmt_pct(s.on_time_pct, lang, 1), border=True,
          help=t("fu_m_on_time_help", lang, on_time=fmt_num(s.n_on_time, lang, 0), due=fmt_num(s.n_due, lang, 0)))
m4.metric(t("fu_m_recheck", lang), fmt_num(s.n_recheck, lang, 0), border=True, help=t("fu_m_recheck_help", lang))
if area != "TOTAL":
    st.caption(t("fu_area_note", lang, area=area_names[area]))
st.caption(t("fu_texts_quoted", lang))


def _columns(table) -> dict:
    """Dates shown dd/mm/yyyy and day counts as whole numbers; the Excel download keeps them typed. The unit (and the
    province before it) and the row's source, its demo mark, stay in view whatever the table's width."""
    config = {**ui.mark_in_view(table.columns, t("fu_col_unit", lang), lang), **wide_text}
    for col in table.columns:
        if table[col].map(lambda v: isinstance(v, dt.date)).any():
            config[col] = st.column_config.DateColumn(col, format="DD/MM/YYYY")
    return config


# ---- 1. open items, overdue first
st.header(t("fu_open_header", lang))
open_items = fu.open_table(items, lang, with_province=whole_country)
if open_items.empty:
    ui.empty("fu_no_open", date=day)
else:
    shown = open_items.head(fu.TABLE_ROWS)
    st.dataframe(fu.on_screen(shown, lang), hide_index=True, width="stretch", placeholder="—", height=min(560, 36 * (len(shown) + 1)),
                 column_config=_columns(shown), key="fu_open_table")
    st.caption(t("fu_open_caption", lang, n=fmt_num(s.n_open, lang, 0), overdue=fmt_num(s.n_overdue, lang, 0),
                 shown=fmt_num(len(shown), lang, 0)))
    ui.downloads(open_items, name="theo dõi khắc phục chưa khắc phục", title=t("fu_open_table_title", lang),
                 filters=file_filters, demo=demo, key="fu_open")
if login.allowed("export"):  # (the buttons are drawn only for roles that may export: no heading without them)
    st.markdown(f"**{t('fu_download_all', lang)}**")
ui.downloads(lambda: fu.items_table(items, lang, with_province=whole_country), name="theo dõi khắc phục",
             title=t("fu_items_table_title", lang), filters=file_filters, demo=demo, key="fu_items")

# ---- 2. open items by age and PAR area
st.header(t("fu_age_header", lang))
counts = fu.age_area_counts(items)
if counts.empty:
    ui.empty("fu_no_open", date=day)
else:
    st.plotly_chart(cached.derived(fu.age_area_chart, "followup_items", lang, **selection), width="stretch", config=ui.chart_config(), key="fu_age_area")

# ---- 3. what the next inspection must re-check
st.header(t("fu_recheck_header", lang))
st.caption(t("fu_recheck_explain", lang))
recheck = fu.recheck_table(items, lang, with_province=whole_country)
if recheck.empty:
    ui.empty("fu_no_recheck", date=day)
else:
    shown = recheck.head(fu.TABLE_ROWS)
    st.dataframe(fu.on_screen(shown, lang), hide_index=True, width="stretch", placeholder="—", height=min(480, 36 * (len(shown) + 1)),
                 column_config=_columns(shown), key="fu_recheck_table")
    ui.downloads(recheck, name="theo dõi khắc phục cần kiểm tra lại", title=t("fu_recheck_table_title", lang),
                 filters=file_filters, demo=demo, key="fu_recheck")

# ---- 4. items that recur across inspections
st.header(t("fu_recurring_header", lang))
st.caption(t("fu_recurring_explain", lang))
recurring = fu.recurring(items)
if recurring.empty:
    ui.empty("fu_no_recurring")
else:
    table = fu.recurring_table(recurring, lang, with_province=whole_country)
    shown = table.head(fu.TABLE_ROWS)
    st.dataframe(fu.on_screen(shown, lang), hide_index=True, width="stretch", placeholder="—", height=min(480, 36 * (len(shown) + 1)),
                 column_config=_columns(shown), key="fu_recurring_table")
    ui.downloads(table, name="theo dõi khắc phục lặp lại", title=t("fu_recurring_table_title", lang), filters=file_filters,
                 demo=bool(recurring["is_demo"].any()), key="fu_recurring")

# ---- 5. share closed on time, by year and by unit
st.header(t("fu_on_time_header", lang))
st.caption(t("fu_on_time_explain", lang))
by_year = fu.on_time_by_year(items)
if by_year.empty:
    ui.empty("fu_no_due", date=day)
else:
    g1, g2 = st.columns([2, 3])
    with g1:
        st.markdown(f"**{t('fu_on_time_by_year', lang)}**")
        st.plotly_chart(cached.derived(fu.on_time_chart, "followup_items", lang, **selection), width="stretch", config=ui.chart_config(), key="fu_on_time_year")
    with g2:
        st.markdown(f"**{t('fu_on_time_by_unit', lang)}**")
        by_unit = fu.on_time_table(fu.on_time(items), lang, with_province=whole_country)
        # The share is written in the page's language ("66,7" in Vietnamese) and still sorts as a number (fu.on_screen)
        st.dataframe(fu.on_screen(by_unit, lang), hide_index=True, width="stretch", placeholder="—",
                     height=min(420, 36 * (len(by_unit) + 1)), key="fu_on_time_table",
                     column_config=ui.mark_in_view(by_unit.columns, t("fu_col_unit", lang), lang))
    ui.downloads(by_unit, name="theo dõi khắc phục đúng hạn", title=t("fu_on_time_table_title", lang), filters=file_filters,
                 demo=demo, key="fu_on_time")
