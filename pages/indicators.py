"""Chỉ tiêu: one indicator across units — distribution, targets met, top and bottom, a unit × year heatmap."""

import streamlit as st

from par_dashboard.i18n import fmt_num, lang_col, t
from par_dashboard.security.untrusted import markdown_text, markdown_url
from par_dashboard.shell import cached, login, ui
from par_dashboard.views import charts
from par_dashboard.views import indicators as ind

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
year = st.session_state.year
structure = ui.view_structure()
province = st.session_state.get("province", "")
chosen_unit = st.session_state.get("unit", "")

catalogue = cached.query("indicator_catalogue")
families = cached.query("index_families")
areas = cached.query("par_areas")
family_names = dict(zip(families.family_code, families[lang_col("name", lang)], strict=True))
area_names = dict(zip(areas.area_code, areas[lang_col("short", lang)], strict=True))
indicator_names = dict(zip(catalogue.indicator_code, catalogue[lang_col("name", lang)], strict=True))

# ---- filters: index family -> PAR area -> indicator (shared), level, year range, top/bottom N
if st.session_state.get("_ind_seen_indicator") != st.session_state.indicator:  # chosen elsewhere (link, another page)
    ui.set_filter(area=ind.area_for(st.session_state.indicator, st.session_state.area, catalogue))
st.session_state["ind_family"] = ind.family_of(st.session_state.indicator, catalogue)
c_family, c_area, c_indicator = st.columns([2, 2, 3])
c_family.selectbox(t("family", lang), ind.FAMILIES, key="ind_family", format_func=family_names.get,
                   on_change=lambda: ui.set_filter(area="TOTAL", indicator=ind.headline_indicator(catalogue, st.session_state.ind_family)))
family = st.session_state.ind_family
area_choices = ind.area_options(catalogue, family)
ui.filter_widget(c_area.selectbox, "area", t("area", lang), area_choices, disabled=len(area_choices) == 1,
                 format_func=lambda a: t("ind_all_areas", lang) if a == "TOTAL" else f"{a[1]}. {area_names[a]}")
ui.filter_widget(c_indicator.selectbox, "indicator", t("indicator", lang),
                 ind.indicator_options(catalogue, family, st.session_state.area), format_func=indicator_names.get)
indicator = st.session_state.indicator
st.session_state["_ind_seen_indicator"] = indicator
info = ind.indicator_row(catalogue, indicator)
unit, direction = info.unit, info.direction

years_by_level = cached.query("indicator_years_by_level", indicator=indicator)
level_choices = ind.level_options(year)
if st.session_state.get("ind_level") not in level_choices or st.session_state.get("_ind_level_for") != (province, year, structure):
    st.session_state["ind_level"] = ind.default_level(year, province, years_by_level, structure)
st.session_state["_ind_level_for"] = (province, year, structure)
c_level, c_range, c_n = st.columns([3, 3, 1])
level = c_level.radio(t("ind_level", lang), level_choices, key="ind_level", horizontal=True,
                      format_func=lambda lv: ind.level_label(lv, lang))
available = ind.years_with_data(years_by_level, level, structure)
if len(available) > 1:
    if (not ind.valid_range(st.session_state.get("ind_years"), available)
            or st.session_state.get("_ind_range_for") != (indicator, level, year, structure)):
        st.session_state["ind_years"] = ind.default_range(available, year)
    st.session_state["_ind_range_for"] = (indicator, level, year, structure)
    year_from, year_to = c_range.select_slider(t("ind_year_range", lang), options=available, key="ind_years")
else:
    year_from = year_to = available[0] if available else year
top_n = int(c_n.number_input(t("ind_top_n", lang), min_value=3, max_value=30, value=10, step=1, key="ind_n"))

# ---- what is shown: scope, queries
in_province = level != "province" and bool(province)
place = cached.unit_labels([province])[province] if in_province else t("ind_scope_country", lang)
level_name = t(f"ind_levelname_{level}", lang)
years_text = f"{year_from}–{year_to}" if year_from != year_to else str(year_from)
scope = {"indicator": indicator, "level": level, "structure": structure, "province_id": province if in_province else ""}
first, last = min(year_from, year), max(year_to, year)
year_scope = {**scope, "year_from": year, "year_to": year}
range_scope = {**scope, "year_from": year_from, "year_to": year_to}
range_rows = cached.query("indicator_value_by_unit_year", **range_scope)
if year_from <= year <= year_to:  # the year's rows are the range's rows of that year: one query, not two
    year_rows = cached.query_from("indicator_value_by_unit_year", range_scope, lambda rows: ind.rows_of_year(rows, year),
                                  **year_scope)
else:
    year_rows = cached.query("indicator_value_by_unit_year", **year_scope)
year_data = year_rows[year_rows.value.notna()]
summary = cached.query("indicator_summary_by_year", **scope, year_from=first, year_to=last).set_index("year")
attainment = cached.query("indicator_target_attainment_by_year", **scope, year_from=first, year_to=last)
highlight = province if level == "province" else (chosen_unit or None)
filters = {t("indicator", lang): indicator, t("year", lang): year, t("ind_level", lang): level,
           t("province", lang): place if in_province else "", t("structure", lang): st.session_state.structure}
demo = ind.is_demo(year_rows) or ind.is_demo(range_rows)
sources = ind.real_sources(year_rows, range_rows)
source_titles = [s["title"] for s in sources]

# ---- 1. title, definition, what the figures are made of
page_title = t("ind_title", lang, indicator=indicator_names[indicator], unit=ind.unit_label(unit, lang), level=level_name,
               place=place, year=year)
st.title(page_title)
st.markdown(t("ind_definition", lang, definition=info[lang_col("definition", lang)],
              direction=t(f"ind_direction_{direction}", lang), family=family_names[family], area=ind.area_suffix(info.area_code, area_names)))
if demo:
    ui.demo_badge(lang)
shown = year_rows if not year_data.empty else range_rows
if not shown.empty:
    st.caption(t("source_kinds", lang, kinds=ind.source_kind_counts(shown, lang)))
if part_year := ind.part_year_units(year_rows, lang):
    st.caption(t("ind_part_year_note", lang, units=part_year))
if level == "province" and structure == "S34" and year_from < ind.FIRST_YEAR_S34:
    st.caption(t("ind_rollup_note", lang))
if in_province and structure == "S34" and year < ind.FIRST_YEAR_S34:
    old = cached.unit_labels(ui.province_in("S63"))
    st.caption(t("ind_old_units_note", lang, year=year, provinces=", ".join(old.values()), current=place))

# ---- metrics for the year
if year_data.empty:
    ui.empty("ind_no_data", indicator=indicator_names[indicator], level=level_name, place=place, year=year)
else:
    stats = summary.loc[year]
    rolled = ind.is_rolled_up(year_rows)
    n_total = len(cached.query("provinces_by_structure", structure="S34")) if rolled else int(stats.n_units)
    year_att = attainment[attainment.year == year]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(t("ind_metric_units", lang), f"{fmt_num(len(year_data), lang, 0)}/{fmt_num(n_total, lang, 0)}", border=True)
    headline = ind.mean_or_total(stats, bool(info.averageable), unit, level, year, lang)
    m2.metric(headline.label, ind.fmt_value(headline.value, unit, lang), help=headline.help, border=True)
    mean_value, mean_label = (headline.value, headline.label) if headline.is_mean else (None, "")
    if not year_att.empty and int(year_att.n_met.iloc[0] + year_att.n_not_met.iloc[0]) > 0:
        judged = int(year_att.n_met.iloc[0] + year_att.n_not_met.iloc[0])
        m3.metric(t("ind_metric_met", lang), f"{fmt_num(int(year_att.n_met.iloc[0]), lang, 0)}/{fmt_num(judged, lang, 0)}",
                  border=True)
    else:
        m3.metric(t("ind_metric_range", lang), f"{ind.fmt_value(year_data.value.min(), unit, lang)} – "
                                               f"{ind.fmt_value(year_data.value.max(), unit, lang)}", border=True)
    picked = year_data[year_data.unit_id == highlight] if highlight else year_data.iloc[0:0]
    if not picked.empty:
        p = picked.iloc[0]
        m4.metric(t("ind_chosen_unit", lang, name=p.short_name, period=ind.period_note(p.period, lang)),
                  ind.fmt_with_unit(p.value, unit, lang),
                  ind.metric_delta(p.change, unit, lang),
                  delta_color="inverse" if direction == "lower" else ("off" if direction == "neutral" else "normal"),
                  help=ui.source_text(p.source_id, what=f"{p.short_name}, {year}"), border=True)  # its source itself

# ---- one section on screen at a time (a rerun draws its chart and table only)
section = ui.section("indicators", {"": t("ind_tab_distribution", lang), "attainment": t("ind_tab_attainment", lang),
                                    "topbottom": t("ind_tab_topbottom", lang), "heatmap": t("ind_tab_heatmap", lang)})
if section == "" and not year_data.empty:
    # ---- 2. distribution across units for the year
    st.subheader(t("ind_sec_distribution", lang, year=year))
    chart_col, table_col = st.columns([1, 1])
    target_min = year_att.target_min.iloc[0] if not year_att.empty else None
    target_max = year_att.target_max.iloc[0] if not year_att.empty else None
    chart_col.plotly_chart(cached.derived(ind.distribution_chart, "indicator_value_by_unit_year", lang, **year_scope,
                                          options={"unit": unit, "mean": mean_value, "mean_label": mean_label,
                                                   "target_min": target_min, "target_max": target_max,
                                                   "highlight": highlight}),
                           width="stretch", config=ui.chart_config(), key="ind_distribution")
    with table_col:
        show_province = level != "province" and (not in_province or year_data.province_id.nunique() > 1)
        ui.table_with_sources(cached.derived(ind.unit_table, "indicator_value_by_unit_year", lang, unit, **year_scope,
                                             options={"show_province": show_province}),
                              ind.unit_table_rows(year_rows), key="ind_units_row", name=t("unit", lang), what=lambda r: f"{r.short_name}, {year}",
                              height=min(420, 35 * (len(year_rows) + 1) + 3))
    ui.downloads(lambda: ind.unit_table(year_rows, lang, unit, show_province=show_province, numbers=True),
                 name=f"{t('page_indicators', lang)} {t('ind_dl_units', lang)}", title=page_title,
                 filters=filters, demo=ind.is_demo(year_rows), key="ind_units", sources=source_titles)

elif section == "attainment":
    # ---- 3. units meeting their target, by year
    st.subheader(t("ind_sec_attainment", lang, years=years_text))
    att = cached.query("indicator_target_attainment_by_year", **range_scope)
    if att.empty:
        ui.empty("ind_no_data_range", indicator=indicator_names[indicator], level=level_name, place=place, years=years_text)
    elif int((att.n_met + att.n_not_met).sum()) == 0:
        ui.empty("ind_no_targets", indicator=indicator_names[indicator], level=level_name, place=place, years=years_text)
    else:
        chart_col, table_col = st.columns([3, 2])
        chart_col.plotly_chart(cached.derived(ind.attainment_chart, "indicator_target_attainment_by_year", lang, **range_scope,
                                              options={"demo": bool(att.any_demo.any())}), width="stretch",
                               config=ui.chart_config(), key="ind_attainment")
        att_table = cached.derived(ind.attainment_table, "indicator_target_attainment_by_year", lang, **range_scope)
        table_col.dataframe(att_table, hide_index=True, width="stretch")
        ui.downloads(att_table, name=f"{t('page_indicators', lang)} {t('ind_dl_attainment', lang)}", title=f"{page_title} · {years_text}",
                     filters={**filters, t("ind_year_range", lang): years_text}, demo=bool(att.any_demo.any()),
                     key="ind_attainment_table", sources=source_titles)
        st.caption(t("ind_attainment_note", lang, rule=t("ind_rule_lower" if direction == "lower" else "ind_rule_higher", lang))
                   + (" " + t("ind_attainment_old_units", lang) if level == "province" and structure == "S34" and year_from < ind.FIRST_YEAR_S34 else ""))

elif section == "topbottom" and not year_data.empty:
    # ---- 4. top and bottom units for the year; a click opens the locality
    st.subheader(t("ind_sec_topbottom", lang, year=year))
    best, worst = ind.top_bottom(year_rows, top_n)
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        event = st.plotly_chart(cached.derived(ind.top_bottom_figure, "indicator_value_by_unit_year", top_n, lang, **year_scope,
                                               options={"unit": unit, "direction": direction, "highlight": highlight}),
                                width="stretch", config=ui.chart_config(), key="ind_topbottom",
                                on_select="rerun", selection_mode="points")
        st.caption(t("ind_click_hint", lang) + ("" if not worst.empty else " " + t("ind_all_units_shown", lang, n=len(best))))
        if clicked := charts.selected_unit(event):
            ui.open_locality(clicked)
    shown_rows = year_rows[year_rows.unit_id.isin(set(best.unit_id) | set(worst.unit_id))]
    with table_col:
        ui.table_with_sources(cached.derived(ind.top_bottom_table, "indicator_value_by_unit_year", top_n, lang, unit, **year_scope),
                              ind.top_bottom_rows(year_rows, top_n), key="ind_topbottom_row", name=t("unit", lang),
                              what=lambda r: f"{r.short_name}, {year}", height=min(420, 35 * (len(shown_rows) + 1) + 3))
    ui.downloads(lambda: ind.top_bottom_table(year_rows, top_n, lang, unit, numbers=True),
                 name=f"{t('page_indicators', lang)} {t('ind_dl_topbottom', lang)}", title=page_title,
                 filters={**filters, "N": top_n}, demo=ind.is_demo(shown_rows), key="ind_topbottom_table",
                 sources=source_titles)

elif section == "heatmap":
    # ---- 5. unit x year heatmap over the range
    st.subheader(t("ind_sec_heatmap", lang, years=years_text))
    if range_rows.value.notna().sum() == 0:
        ui.empty("ind_no_data_range", indicator=indicator_names[indicator], level=level_name, place=place, years=years_text)
    else:
        rows, truncated = cached.derived(ind.heatmap_rows, "indicator_value_by_unit_year", direction, top_n, **range_scope)
        n_units = range_rows.loc[range_rows.value.notna(), "unit_id"].nunique()
        st.caption(t("ind_heatmap_truncated", lang, total=fmt_num(n_units, lang, 0), n=top_n)
                   + ("" if in_province else " " + t("ind_heatmap_pick_province", lang)) if truncated
                   else t("ind_heatmap_sorted", lang, total=fmt_num(n_units, lang, 0)))
        chart_col, table_col = st.columns([3, 2])
        chart_col.plotly_chart(cached.derived(ind.heatmap_figure, "indicator_value_by_unit_year", top_n, lang, **range_scope,
                                              options={"unit": unit, "direction": direction}),
                               width="stretch", config=ui.chart_config(), key="ind_heatmap")
        with table_col:  # a line spans years: its box names the source of its latest value, and that year
            ui.table_with_sources(cached.derived(ind.heatmap_units_table, "indicator_value_by_unit_year", top_n, direction,
                                                 lang, unit, **range_scope),
                                  ind.heatmap_source_rows(range_rows, top_n, direction), key="ind_heatmap_row", name=t("unit", lang),
                                  what=lambda r: f"{r.short_name}, {int(r.year)}", height=min(520, 35 * (len(rows) + 1) + 3))
        ui.downloads(lambda: ind.heatmap_table(range_rows, rows, lang, unit, numbers=True),
                     name=f"{t('page_indicators', lang)} {t('ind_dl_heatmap', lang)}", title=f"{page_title} · {years_text}",
                     filters={**filters, t("ind_year_range", lang): years_text}, demo=ind.is_demo(range_rows),
                     key="ind_heatmap_table", sources=source_titles)

if sources:
    with st.expander(t("ind_sources", lang, n=len(sources))):
        for s in sources:
            st.markdown(f"- {t(s['kind'], lang)}: {markdown_text(s['title'])}" + (f" — {markdown_url(s['url'])}" if s.get("url") else ""))
