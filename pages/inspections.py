"""Kiểm tra: inspection plans and team visits of a year and place, their findings by PAR area, recurring
limitations, limitations remedied before the next inspection, and one inspection on a page."""

import streamlit as st

from par_dashboard.domain import officials
from par_dashboard.domain.units import structure_for_year
from par_dashboard.i18n import fmt_num, fmt_pct, t
from par_dashboard.security.untrusted import markdown_text, safe_file_name
from par_dashboard.shell import cached, login, ui
from par_dashboard.views import inspections as insp

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
year = st.session_state.year
province, unit = st.session_state.get("province", ""), st.session_state.get("unit", "")
area = st.session_state.get("area", "TOTAL")

# The selection: the year's inspections of the chosen province (an old province's, or the old provinces a current
# one was formed from, before 2025), narrowed to those that visited the chosen unit or a unit under / before it.
provinces = ui.province_in(structure_for_year(year)) or ([province] if province else [])
units = cached.query("inspection_place_units", unit_id=unit).unit_id.tolist() if unit else []
selection = {"year": year, "provinces": provinces, "units": units}
whole_country = not provinces
areas = cached.query("par_areas")
area_names = {a.area_code: insp.area_label(a.area_code, a.short_vi, a.short_en, lang) for a in areas.itertuples()}
province_row = cached.query("unit_by_id", unit_id=province) if province else None
place = insp.place_label(cached.query("unit_by_id", unit_id=unit) if unit else None, province_row, lang)
file_filters = {t("year", lang): year, t("province", lang): place, t("area", lang): area}
wide_text = {t("insp_col_text", lang): st.column_config.TextColumn(width="large")}

# ---- 1. title, demo badge, headline figures
st.title(t("insp_title", lang, year=year, place=place))
if province and provinces != [province]:
    st.caption(t("insp_old_provinces", lang, year=year, province=insp.place_label(None, province_row, lang),
                 provinces=", ".join(cached.unit_labels(provinces).values())))
visits = cached.query("inspection_by_selection", **selection)
if visits.empty:
    ui.empty("insp_no_inspections", place=place, year=year)
    st.stop()
demo_visits = insp.any_demo(visits)
if demo_visits:
    ui.demo_badge(lang)

totals = cached.query("inspection_totals_for_selection", **selection, area=area).iloc[0]
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric(t("insp_m_plans", lang), fmt_num(totals.n_plans, lang, 0), help=t("insp_m_plans_help", lang), border=True)
m2.metric(t("insp_m_inspections", lang), fmt_num(totals.n_inspections, lang, 0), border=True)
m3.metric(t("insp_m_units", lang), fmt_num(totals.n_units, lang, 0), border=True)
m4.metric(t("insp_m_limitations", lang), fmt_num(totals.n_limitations, lang, 0), border=True)
m5.metric(t("insp_m_resolved", lang), fmt_pct(totals.resolved_pct, lang, 1), border=True,
          help=t("insp_m_resolved_help", lang, resolved=fmt_num(totals.n_resolved, lang, 0),
                 total=fmt_num(totals.n_limitations, lang, 0)))
if area != "TOTAL":
    st.caption(t("insp_area_note", lang, area=area_names[area]))
st.caption(t("insp_texts_quoted", lang))
sources = cached.derived(insp.source_refs, "inspection_by_selection", **selection)

# The PAR area: a shared filter (in the URL), for the headline figures above and every section below.
ui.filter_widget(st.selectbox, "area", t("area", lang), list(ui.AREAS),
                 format_func=lambda a: t("total", lang) if a == "TOTAL" else area_names[a])

# ---- one section on screen at a time (a rerun draws its charts and tables only)
section = ui.section("inspections", {"": t("insp_tab_visits", lang), "findings": t("insp_tab_findings", lang),
                                     "recurring": t("insp_tab_recurring", lang), "remedied": t("insp_tab_remedied", lang),
                                     "summary": t("insp_tab_summary", lang)})


@st.fragment
def findings_section() -> None:
    """3.-4. findings by PAR area and kind, then the findings table (searchable, paginated). Their own
    filters (kind, status), the search and the page change nothing else: they rerun this part alone."""
    cached.new_run()  # a rerun of its own: the data version read afresh
    st.header(t("insp_findings_header", lang))
    c2, c3 = st.columns(2)
    kind = c2.selectbox(t("insp_kind", lang), ["", *insp.KINDS], key="insp_kind",
                        format_func=lambda k: insp.kind_label(k, lang) if k else t("insp_all", lang))
    status = c3.selectbox(t("insp_status", lang), ["", *insp.STATUSES], key="insp_status",
                          format_func=lambda s: insp.status_label(s, lang) if s else t("insp_all", lang))
    st.caption(t("insp_filters_note", lang))
    finding_filters = {**selection, "area": area, "kind": kind, "status": status}
    findings_file_filters = {**file_filters, t("insp_kind", lang): kind, t("insp_status", lang): status}
    no_findings = t("insp_no_findings", lang, filters=insp.filters_text(lang, area_name=area_names.get(area), kind=kind, status=status))
    counts = cached.query("finding_by_area_kind", **finding_filters)
    if counts.empty:
        st.info(no_findings)
    else:
        st.plotly_chart(cached.derived(insp.area_kind_bar, "finding_by_area_kind", cached.q("par_areas"), lang, **finding_filters),
                        width="stretch", config=ui.chart_config(),
                        key="insp_area_kind")
        ui.downloads(lambda: insp.area_kind_table(counts, lang), name="kiểm tra phát hiện theo lĩnh vực",
                     title=t("insp_area_kind_title", lang), filters=findings_file_filters, demo=bool(counts.is_demo.any()),
                     key="insp_area_kind", sources=sources)

    # ---- 4. the findings table: searchable, paginated
    st.subheader(t("insp_findings_table_header", lang))
    search = st.text_input(t("insp_search", lang), key="insp_search", placeholder=t("insp_search_placeholder", lang))
    # One page of rows from DuckDB, searched there (finding_page_by_selection.sql): the whole country's findings of a year
    # (58,000 at scale 1, 580,000 at scale 10) never reach pandas; the download asks for all of them when clicked.
    words = insp.search_words(search)

    findings_page = lambda number: cached.query(  # noqa: E731
        "finding_page_by_selection", **finding_filters, words=words, limit=insp.TABLE_PAGE_SIZE,
        offset=(number - 1) * insp.TABLE_PAGE_SIZE)

    page = max(1, st.session_state.get("insp_page", 1))
    shown = findings_page(page)  # each row carries the selection's total (n_total)
    if shown.empty and page > 1:  # past the last page of a narrower selection: its first page tells how many there are
        shown = findings_page(1)
    n_findings = int(shown.n_total.iloc[0]) if not shown.empty else 0
    if n_findings == 0:
        st.info(t("insp_no_search_match", lang, text=markdown_text(search)) if search and not counts.empty else no_findings)
    else:
        n_pages = insp.page_count(n_findings)
        if page > n_pages:
            shown = findings_page(n_pages)
        st.session_state["insp_page"] = min(page, n_pages)
        page = st.number_input(t("insp_page", lang), min_value=1, max_value=n_pages, step=1, key="insp_page",
                               disabled=n_pages == 1)
        findings_table = cached.derived(insp.findings_table, "finding_page_by_selection", lang, **finding_filters, words=words,
                                        limit=insp.TABLE_PAGE_SIZE, offset=(page - 1) * insp.TABLE_PAGE_SIZE,
                                        options={"with_province": whole_country})
        st.dataframe(findings_table, hide_index=True, width="stretch", height=min(600, 36 * (len(shown) + 1)),
                     column_config={**ui.mark_in_view(findings_table.columns, t("insp_col_unit", lang), lang), **wide_text})
        first = (page - 1) * insp.TABLE_PAGE_SIZE + 1
        st.caption(t("insp_rows_caption", lang, first=fmt_num(first, lang, 0), last=fmt_num(first + len(shown) - 1, lang, 0),
                     total=fmt_num(n_findings, lang, 0), size=insp.TABLE_PAGE_SIZE))
        ui.downloads(lambda: insp.findings_table(cached.query("finding_page_by_selection", **finding_filters, words=words,
                                                          limit=None, offset=0), lang, with_province=whole_country),
                     name="kiểm tra phát hiện", title=t("insp_findings_table_title", lang), filters={**findings_file_filters, "q": search},
                     demo=bool(shown.any_demo.iloc[0]), key="insp_findings", sources=sources)


if section == "":
    # ---- 2. plans and teams on a timeline, then the table of visits
    st.header(t("insp_timeline_header", lang))
    rows = cached.derived(insp.timeline_rows_view, "inspection_by_selection", insp.TIMELINE_MAX if whole_country else None, **selection)
    if len(rows) < len(visits):
        st.caption(t("insp_timeline_limited", lang, total=fmt_num(len(visits), lang, 0), year=year, n=len(rows)))
    st.plotly_chart(cached.derived(insp.timeline_chart, "inspection_by_selection", insp.TIMELINE_MAX if whole_country else None,
                                   lang, not whole_country, **selection),
                    width="stretch", config=ui.chart_config(), key="insp_timeline")
    if rows.started_on.isna().any():
        st.caption(t("insp_announced_only_note", lang))
    visits_table = cached.derived(insp.visits_table, "inspection_by_selection", lang, **selection)
    ui.table_with_sources(visits_table, visits, key="insp_visits_row", what=lambda r: officials.team_label(r.team_label, lang), name=t("insp_col_team", lang),
                          height=min(520, 36 * (len(visits_table) + 1)))
    st.caption(t("insp_visits_caption", lang, n=fmt_num(len(visits_table), lang, 0)))
    ui.downloads(visits_table, name="kiểm tra đoàn", title=t("insp_visits_table_title", lang), filters=file_filters,
                 demo=demo_visits, key="insp_visits", sources=sources)
elif section == "findings":
    findings_section()
elif section == "recurring":
    # ---- 5. recurring limitations
    st.header(t("insp_recurring_header", lang))
    st.caption(t("insp_recurring_explain", lang))
    recurring = cached.query("finding_recurring_limitation", **selection, area=area)
    if recurring.empty:
        ui.empty("insp_no_recurring", year=year)
    else:
        r1, r2, r3 = st.columns(3)
        r1.metric(t("insp_recurring_count", lang, year=year), fmt_num(len(recurring), lang, 0), border=True)
        r2.metric(t("insp_recurring_units", lang), fmt_num(recurring.unit_id.nunique(), lang, 0), border=True)
        r3.metric(t("insp_recurring_share", lang),
                  fmt_pct(insp.share(len(recurring), totals.n_limitations), lang, 1), border=True)
        recurring_table = cached.derived(insp.recurring_table, "finding_recurring_limitation", lang, whole_country, **selection, area=area)
        st.dataframe(recurring_table, hide_index=True, width="stretch", height=min(480, 36 * (len(recurring_table) + 1)),
                     column_config={**ui.mark_in_view(recurring_table.columns, t("insp_col_unit", lang), lang), **wide_text})
        ui.downloads(recurring_table, name="kiểm tra hạn chế tái diễn", title=t("insp_recurring_table_title", lang),
                     filters=file_filters, demo=insp.any_demo(recurring), key="insp_recurring", sources=sources)
elif section == "remedied":
    # ---- 6. limitations remedied before the next inspection
    st.header(t("insp_remedied_header", lang))
    st.caption(t("insp_remedied_explain", lang))
    remedied = cached.query("finding_remedied_by_year_area", provinces=provinces, units=units, area=area)
    parts = insp.split_remedied(remedied, year)
    if not parts.any_followed:
        ui.empty("insp_remedied_none")
    else:
        for column, label, row in zip(st.columns(2), (t("insp_remedied_year_metric", lang, year=year), t("insp_remedied_all_metric", lang)),
                                      (parts.this_year, parts.overall), strict=True):
            pct, n_remedied, n_followed = insp.Remedied.headline(row)
            column.metric(label, fmt_pct(pct, lang, 1), border=True, delta_color="off", delta_arrow="off",
                          delta=t("insp_remedied_n", lang, remedied=fmt_num(n_remedied, lang, 0), followed=fmt_num(n_followed, lang, 0)))
        g1, g2 = st.columns(2)
        with g1:
            st.markdown(f"**{t('insp_remedied_by_year_title', lang)}**")
            st.plotly_chart(cached.derived(insp.remedied_chart, "finding_remedied_by_year_area", year, lang, "year",
                                           provinces=provinces, units=units, area=area), width="stretch",
                            config=ui.chart_config(), key="insp_remedied_year")
        with g2:
            st.markdown(f"**{t('insp_remedied_by_area_title', lang, year=year)}**")
            if parts.year_areas.empty:
                ui.empty("insp_remedied_none_year", year=year)
            else:
                st.plotly_chart(cached.derived(insp.remedied_chart, "finding_remedied_by_year_area", year, lang, "area",
                                               cached.q("par_areas"), provinces=provinces, units=units, area=area),
                                width="stretch",
                                config=ui.chart_config(), key="insp_remedied_area")
        ui.downloads(lambda: insp.remedied_table(remedied, areas, lang), name="kiểm tra khắc phục", title=t("insp_remedied_table_title", lang),
                     filters={k: v for k, v in file_filters.items() if k != t("year", lang)},
                     demo=bool(remedied.any_demo.fillna(False).any()), key="insp_remedied", sources=sources)
else:
    # ---- 7. one inspection on a page, in the shape of a "công bố dự thảo kết quả kiểm tra"
    st.header(t("insp_summary_header", lang))
    choices = cached.derived(insp.inspection_choices, "inspection_by_selection", lang, **selection)
    if st.session_state.get("insp_summary") not in choices:
        st.session_state["insp_summary"] = insp.default_inspection(visits)
    chosen = st.selectbox(t("insp_summary_choose", lang), list(choices), key="insp_summary", format_func=choices.get)
    visit = visits[visits.inspection_id == chosen].iloc[0].to_dict()
    summary_findings = cached.query("finding_by_inspection", inspection_id=chosen)
    summary = cached.derived(insp.summary_of, "inspection_by_selection", chosen,
                             cached.q("inspection_units_visited", inspection_id=chosen),
                             cached.q("finding_by_inspection", inspection_id=chosen),
                             cached.q("inspection_indicator_values", inspection_id=chosen), lang, **selection)
    with st.container(border=True, key="insp_summary_box"):
        st.markdown(summary)
    if login.allowed("export"):
        st.download_button(t("insp_summary_md", lang), data=summary.encode("utf-8"), file_name=safe_file_name(f"kiem-tra_{chosen}.md"),
                           mime="text/markdown", key="insp_summary_md", on_click="ignore", icon=":material/description:")
    ui.downloads(cached.derived(insp.summary_findings_table, "finding_by_inspection", lang, inspection_id=chosen), name="kiểm tra tóm tắt",
                 title=f"{t('insp_summary_findings_title', lang)}: {officials.team_label(visit['team_label'], lang)} ({visit['province_name']}, {year})",
                 filters={t("insp_col_team", lang): chosen}, demo=visit["source_kind"] == "synthetic_demo",
                 key="insp_summary_findings", sources=insp.source_refs(visits[visits.inspection_id == chosen]))
