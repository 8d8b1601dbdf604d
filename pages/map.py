"""Bản đồ: a choropleth of one indicator for a year — provinces, or the districts / communes of a province."""

import streamlit as st

from par_dashboard.i18n import lang_col, t
from par_dashboard.shell import cached, login, ui
from par_dashboard.views import charts, geo
from par_dashboard.views import map as map_view

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
year = st.session_state.year
structure = ui.view_structure()

catalogue = cached.query("indicator_catalogue")
names = dict(zip(catalogue.indicator_code, catalogue[lang_col("name", lang)], strict=True))
ui.filter_widget(st.selectbox, "indicator", t("indicator", lang), catalogue.indicator_code.tolist(), format_func=names.get)
indicator = st.session_state.indicator
info = catalogue.set_index("indicator_code").loc[indicator]
national_layer, sub_layer, sub_level = map_view.layers(structure, year)
st.title(t("map_title", lang, indicator=names[indicator], year=year))

province = st.session_state.province
if province:
    # The units inside the chosen province; before 2025 those are the districts of the old province(s).
    old_provinces = ui.province_in("S63") if sub_level == "district" else [province]
    df = cached.query("map_value_by_unit_year", structure=sub_layer[:3], level=sub_level, province_ids=old_provinces,
                  indicator=indicator, year=year)
    layer = geo.load_layer(sub_layer)
    geojson = {"type": "FeatureCollection",
               "features": [f for f in layer["features"] if f["properties"].get("province_id") in old_provinces]}
    province_name = cached.unit_labels([province])[province]
    where = province_name
    if st.button(t("map_back", lang), key="map_back"):
        ui.set_filter(province="")
        st.rerun()
    st.subheader(t("map_units_of", lang, province=province_name))
    name_label = "unit"
elif national_layer == "S34-province" and year < ui.FIRST_YEAR_S34:
    df = cached.query("map_value_rollup_s34_year", indicator=indicator, year=year)
    geojson = geo.load_layer(national_layer)
    where, name_label = t("whole_country", lang), "province"
    st.caption(t("map_rollup_note", lang, year=year))
else:
    df = cached.query("map_value_by_unit_year", structure=national_layer[:3], level="province", province_ids=[],
                  indicator=indicator, year=year)
    geojson = geo.load_layer(national_layer)
    where, name_label = t("whole_country", lang), "province"

if df.empty:
    st.info(t("map_no_data", lang, indicator=names[indicator], where=where, year=year))
    st.stop()

is_demo = df.source_kind.eq("synthetic_demo").any()
if is_demo:
    ui.demo_badge(lang)
shown = map_view.with_hover(df, lang, info.unit)
hover = [(t("loc_value", lang), "h_value"), (t("rank", lang), "h_rank")]
hover += [(t("map_members", lang), "h_members")] if "h_members" in shown else [(t("score_change", lang), "h_change")]
hover += [(t("source", lang), "h_source")]

map_col, table_col = st.columns([3, 2])
with map_col:
    figure = geo.choropleth(shown, geojson, lang=lang, colorbar_title=info.unit, hover_lines=hover,
                            reverse_scale=info.direction == "lower", selected_unit=st.session_state.unit or None,
                            demo=is_demo, demo_label=t("demo_label", lang), no_data_label=t("map_no_data_region", lang),
                            height=640, map_width=geo.MAP_COLUMN_PX, uirevision=f"{national_layer}-{province}")
    event = st.plotly_chart(figure, width="stretch", config=ui.chart_config(scrollZoom=True), key="map_chart",
                            on_select="rerun", selection_mode="points")
    st.caption(t("map_click_hint", lang) + " " + t("map_offline", lang))
    if clicked := charts.selected_unit(event):
        ui.open_locality(clicked, switch=bool(province))
with table_col:
    table = map_view.table(shown, lang, name_label=name_label)
    st.dataframe(table, hide_index=True, width="stretch", height=min(600, 35 * (len(table) + 1) + 3))
    ui.downloads(table, name=f"{t('page_map', lang)} {indicator}", title=t("map_title", lang, indicator=names[indicator], year=year),
                 filters={t("indicator", lang): indicator, t("year", lang): year, t("structure", lang): structure,
                          t("province", lang): where},
                 demo=is_demo, key="map_table")
    st.caption(t("source_kinds", lang, kinds=", ".join(t(k, lang) for k in sorted(df.source_kind.unique()))))
