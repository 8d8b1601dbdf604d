"""Bản đồ: a choropleth of one indicator for a year — provinces, or the districts / communes of a province."""

import streamlit as st

from par_dashboard.i18n import lang_col, t
from par_dashboard.shell import assets, cached, login, ui
from par_dashboard.views import charts
from par_dashboard.views import map as map_view

CLICKED = "_map_clicked"  # the region clicked last: its source, shown above the table

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
    source = ("map_value_by_unit_year", {"structure": sub_layer[:3], "level": sub_level, "province_ids": old_provinces,
                                         "indicator": indicator, "year": year})
    layer, features_of = sub_layer, tuple(old_provinces)
    province_name = cached.unit_labels([province])[province]
    where = province_name
    if st.button(t("map_back", lang), key="map_back"):
        ui.set_filter(province="")
        st.rerun()
    st.subheader(t("map_units_of", lang, province=province_name))
    name_label = "unit"
elif national_layer == "S34-province" and year < ui.FIRST_YEAR_S34:
    source = ("map_value_rollup_s34_year", {"indicator": indicator, "year": year})
    layer, features_of = national_layer, None
    where, name_label = t("whole_country", lang), "province"
    st.caption(t("map_rollup_note", lang, year=year))
else:
    source = ("map_value_by_unit_year", {"structure": national_layer[:3], "level": "province", "province_ids": [],
                                         "indicator": indicator, "year": year})
    layer, features_of = national_layer, None
    where, name_label = t("whole_country", lang), "province"
df = cached.query(source[0], **source[1])

if df.empty:
    ui.empty("map_no_data", indicator=names[indicator], where=where, year=year)
    st.stop()

is_demo = df.source_kind.eq("synthetic_demo").any()
if is_demo:
    ui.demo_badge(lang, hatched=False)  # a choropleth: the table's Source column marks the demo rows
map_col, table_col = st.columns([3, 2])
with map_col:
    figure = cached.derived(map_view.choropleth_of, source[0], layer, features_of, lang, **source[1],
                            options={"unit": info.unit, "reverse_scale": info.direction == "lower",
                                     "selected_unit": st.session_state.unit or None, "height": 640,
                                     "uirevision": f"{national_layer}-{province}",
                                     "geojson_url": assets.geojson_src(layer, features_of)})
    event = st.plotly_chart(figure, width="stretch", config=ui.chart_config(scrollZoom=True), key="map_chart",
                            on_select="rerun", selection_mode="points")
    st.caption(t("map_click_hint", lang) + " " + t("map_offline", lang))
    if clicked := charts.selected_unit(event):
        # The region's source goes to the box above the table (kept in the session: a province's click drills down,
        # and the box then shows above its units' table). A roll-up region pools several old provinces: no source.
        hit = df[df.unit_id == clicked]
        if not hit.empty:
            st.session_state[CLICKED] = {
                "unit": clicked, "what": f"{hit.short_name.iloc[0]}, {year}", "indicator": indicator, "year": year,
                "province": province or clicked,
                "source_id": int(hit.source_id.iloc[0]) if "source_id" in hit and ui.present(hit.source_id.iloc[0]) else None}
        if not province:
            ui.open_locality(clicked, switch=False)


def clicked_region() -> None:
    """The box of the region clicked last on this map (the indicator, year and province shown), and for a unit
    inside a province the way on to its profile (a click on it used to open the profile at once: it would have
    left the page before its source could be read)."""
    ui.source_box(click["source_id"], what=click["what"])
    if click["unit"] != province and st.button(t("map_open_profile", lang, name=click["what"].rsplit(",", 1)[0]),
                                               key="map_open_profile"):
        ui.open_locality(click["unit"])


click = st.session_state.get(CLICKED)
if not (click and click["indicator"] == indicator and click["year"] == year and click["province"] == province):
    click = None
with table_col:
    table = cached.derived(map_view.table_of, source[0], lang, info.unit, name_label, **source[1])
    if "source_id" in df:  # a row's source one click away (a roll-up's row of several old provinces has none: the box says so)
        ui.table_with_sources(table, df, key="map_table_row", what=lambda r: f"{r.short_name}, {year}",
                              clicked=clicked_region if click else None, height=min(600, 35 * (len(table) + 1) + 3),
                              name=t(name_label, lang))
    else:  # the roll-up's members are a wide column: the name and the mark stay in view
        st.dataframe(table, hide_index=True, width="stretch", height=min(600, 35 * (len(table) + 1) + 3),
                     column_config=ui.mark_in_view(table.columns, t(name_label, lang), lang))
    ui.downloads(table, name=f"{t('page_map', lang)} {indicator}", title=t("map_title", lang, indicator=names[indicator], year=year),
                 filters={t("indicator", lang): indicator, t("year", lang): year, t("structure", lang): structure,
                          t("province", lang): where},
                 demo=is_demo, key="map_table")
    st.caption(t("source_kinds", lang, kinds=", ".join(t(k, lang) for k in sorted(df.source_kind.unique()))))
