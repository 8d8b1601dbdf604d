"""Xếp hạng: provinces ranked by an index for a year, then the units within one province."""

import streamlit as st

from par_dashboard.i18n import fmt_num, fmt_signed, lang_col, t
from par_dashboard.security.untrusted import markdown_text, markdown_url
from par_dashboard.shell import cached, login, ui
from par_dashboard.views import charts, rankings

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
year = st.session_state.year
structure = st.session_state.structure

families = cached.query("index_families")
areas = cached.query("par_areas")

left, right = st.columns([2, 1])
family_names = {c: rankings.family_label(c, families, lang) for c in rankings.FAMILIES}
# the index and the area are shared filters (in the URL: a link to a SIPAS ranking opens SIPAS)
family = ui.filter_widget(left.selectbox, "family", t("family", lang), rankings.FAMILIES, format_func=family_names.get)
area_names = dict(zip(areas.area_code, areas[lang_col("short", lang)], strict=False))
area_label = lambda a: t("total", lang) if a == "TOTAL" else f"{a[1]}. {area_names[a]}"  # noqa: E731
if family == "PAR_INDEX":  # the areas are the PAR INDEX's own
    area = ui.filter_widget(right.selectbox, "area", t("area", lang), ["TOTAL", *areas.area_code.tolist()], format_func=area_label)
else:  # the other indexes have a total only; the shared area (chosen on another page) is kept, not changed
    area = right.selectbox(t("area", lang), ["TOTAL"], key="rank_area_total", disabled=True, format_func=area_label)

family_name = family_names[family]
# The page's first run chose its index after the sidebar offered every year: a year this index has no score for
# moves to its latest one (the sidebar then offers its years only, dashboard.py).
index_coverage = cached.query("years_with_scores_for_family", family=family, area=area)
allowed_years = [y for y in index_coverage.year.tolist() if structure == "S34" or y < ui.FIRST_YEAR_S34]
if allowed_years and year not in allowed_years:
    ui.set_filter(year=rankings.opening_year(index_coverage, allowed_years))
    st.rerun()
if area == "TOTAL":
    st.title(t("rankings_title", lang, family=family_name, year=year))
else:
    st.title(t("rankings_title_area", lang, family=family_name, year=year, area=f"{area[1]}. {area_names[area]}"))

provinces = cached.query("par_score_by_province_year", year=year, family=family, area=area)
if provinces.empty or provinces.score.isna().all():
    ui.empty("no_data", what=family_name, year=year)
    st.stop()

is_demo = provinces.source_kind.eq("synthetic_demo").any()
if is_demo:
    ui.demo_badge(lang)
n_scored, n_units = int(provinces.n_scored.iloc[0]), int(provinces.n_units.iloc[0])
if n_scored < n_units:
    st.info(t("partial", lang, n=n_scored, total=n_units, year=year))
grouped = structure == "S34" and year < ui.FIRST_YEAR_S34
if grouped:
    st.caption(t("grouped_note", lang, year=year))
rolled = bool(provinces.prev_rolled.any())  # the first year of a structure: compared with the year before rolled up
if rolled:
    st.caption(t("rolled_note", lang, year=year, prev=year - 1))
vs_prev = t("vs_prev_rolled" if rolled else "vs_prev", lang, year=year - 1)

average = cached.query("par_average_by_year", year=year, family=family, area=area).iloc[0]
avg_value, has_published_mean, show_average = rankings.national_average(average, provinces)
head = cached.derived(rankings.headline, "par_score_by_province_year", year=year, family=family, area=area)
m1, m2, m3, m4 = st.columns(4)
# over the scored provinces only when some have no figure (published years in part, "real data only"): said on each card
among = f" {t('among_scored', lang, n=n_scored, total=n_units)}" if n_scored < n_units else ""
shown_names = provinces.short_name.tolist()


def source_of(name: str) -> str | None:
    """A card's "?": the source of the named province's figure itself (title, address, date, kind; an import's batch
    and who loaded it), as its table row's box gives it. (By position: filtering the frame took every column along,
    ~40 % of a cached rerun's server time for the three cards.)"""
    if name not in shown_names:
        return None
    row = shown_names.index(name)
    return ui.source_text(provinces.source_id.iat[row], what=f"{name}, {year}", rank_source_id=provinces.rank_source_id.iat[row])


m1.metric(t("leader", lang) + among, head.leader, fmt_num(head.leader_score, lang), delta_color="off", delta_arrow="off",
          border=True, help=source_of(head.leader))
m2.metric(t("national_avg_published" if has_published_mean else "national_avg", lang),
          fmt_num(avg_value, lang) if show_average and avg_value is not None else "—", border=True)
if head.rise_name:
    m3.metric(t("biggest_rise", lang) + among, head.rise_name, fmt_signed(head.rise, lang, ascii_minus=True),
              delta_description=vs_prev, border=True, help=source_of(head.rise_name))
if head.fall_name:
    m4.metric(t("biggest_fall", lang) + among, head.fall_name, fmt_signed(head.fall, lang, ascii_minus=True),
              delta_description=vs_prev, border=True, help=source_of(head.fall_name))

# One section on screen at a time (a rerun draws its chart and table only): the provinces, or the units of the
# chosen province at one level.
sub_level = "commune" if year >= ui.FIRST_YEAR_S34 else "district"
section = ui.section("rankings", {"": t("rank_sec_provinces", lang),
                                  "units": t("communes" if sub_level == "commune" else "districts", lang),
                                  "departments": t("departments", lang)})
if section == "":
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        figure = cached.derived(charts.ranking_bar, "par_score_by_province_year", lang, year=year, family=family, area=area,
                                options=rankings.chart_options(average, provinces, grouped))
        event = st.plotly_chart(figure, width="stretch", config=ui.chart_config(), key="rank_chart",
                                on_select="rerun", selection_mode="points")
        st.caption(t("click_to_open", lang))
        if clicked := charts.selected_unit(event):
            ui.open_locality(clicked)
    with table_col:
        table = cached.derived(rankings.province_table, "par_score_by_province_year", lang, grouped, year=year, family=family, area=area)
        ui.table_with_sources(table, provinces, key="rank_table_row", what=lambda r: f"{r.short_name}, {year}",
                              name=t("unit" if grouped else "province", lang),
                              height=min(900, 36 * (len(provinces) + 1)))
        ui.downloads(table, name=t("page_rankings", lang), title=t("rankings_title", lang, family=family_name, year=year),
                     filters={t("family", lang): family, t("area", lang): area, t("year", lang): year, t("structure", lang): structure},
                     demo=is_demo, key="rank_table", sources=sorted({s for s in provinces.source_title if isinstance(s, str)}))

    sources = cached.query("published_sources_for_year", year=year, family=family, area=area)
    if not sources.empty:
        with st.expander(t("sources_used", lang)):
            for s in sources.itertuples():
                # a source without a URL or a note has NULL there (NaN in the frame): nothing is written for it, never "nan"
                url = f": {markdown_url(s.url)}" if isinstance(s.url, str) and s.url else ""
                note = f" — {markdown_text(s.note)}" if isinstance(s.note, str) and s.note else ""
                st.markdown(f"- {markdown_text(s.title)}{url}{note}")
else:
    st.header(t("within_province", lang))
    st.caption(t("within_note", lang))
    province_id = st.session_state.province
    if not province_id:
        st.info(t("choose_province_hint", lang))
        st.stop()
    st.subheader(cached.unit_labels([province_id])[province_id])
    level = sub_level if section == "units" else "department"
    units = cached.query("par_score_by_subunit_year", year=year, family=family, area=area, level=level, province_id=province_id)
    if units.empty:
        ui.empty("no_data", what=family_name, year=year)
        st.stop()
    several = units.ranking_province.nunique() > 1
    figure = cached.derived(charts.ranking_bar, "par_score_by_subunit_year", lang, year=year, family=family, area=area,
                            level=level, province_id=province_id,
                            options={"group_col": "ranking_province" if several else None})
    event = st.plotly_chart(figure,
                            width="stretch", config=ui.chart_config(), key=f"sub_{level}",
                            on_select="rerun", selection_mode="points")
    if clicked := charts.selected_unit(event):
        ui.open_locality(clicked)
    sub_table = cached.derived(rankings.subunit_table, "par_score_by_subunit_year", lang, year=year, family=family, area=area,
                               level=level, province_id=province_id)
    ui.table_with_sources(sub_table, units, key="sub_table_row", what=lambda r: f"{r.short_name}, {year}",
                          name=t("unit", lang))
    ui.downloads(sub_table, name=f"{t('page_rankings', lang)} {t(level + 's', lang)}",
                 title=t("rankings_title", lang, family=family_name, year=year),
                 filters={t("family", lang): family, t("area", lang): area, t("year", lang): year,
                          t("province", lang): cached.unit_labels([province_id])[province_id]},
                 demo=units.source_kind.eq("synthetic_demo").any(), key=f"sub_table_{level}")
