"""Địa phương: one unit's profile — indices, targets, trend across 2025, area scores, inspections and findings."""

import pandas as pd
import streamlit as st

from par_dashboard.domain import officials
from par_dashboard.domain.units import display_name, search_variant
from par_dashboard.i18n import fmt_num, fmt_signed, lang_col, t
from par_dashboard.security.untrusted import markdown_text
from par_dashboard.shell import cached, followup_ui, login, multiindex_view, ui
from par_dashboard.views import charts, locality

login.require("read")  # also when this page is run on its own: nothing is read without it
lang = ui.lang()
year = st.session_state.year
st.title(t("loc_title", lang))

# ---- find a unit by name, in either structure
text = st.text_input(t("loc_search", lang), key="loc_search", placeholder=t("loc_search_placeholder", lang), max_chars=100)
if text.strip():
    found = cached.query("unit_search", q=search_variant(text), limit=30)
    if found.empty:
        st.info(t("loc_search_none", lang, q=markdown_text(text)))
    else:
        def describe(u: str) -> str:
            r = found.set_index("unit_id").loc[u]
            where = ", ".join(x for x in (r.district_name, r.province_name) if isinstance(x, str))
            return f"{r['name']}{' — ' + where if where else ''} · {t('loc_structure_' + r.structure, lang)}"

        pick_col, open_col = st.columns([5, 1], vertical_alignment="bottom")
        picked = pick_col.selectbox(t("loc_search_results", lang, n=len(found)), found.unit_id.tolist(),
                                    format_func=describe, key="loc_search_pick")
        if open_col.button(t("loc_open", lang), type="primary", key="loc_search_open"):
            ui.open_locality(picked, switch=False)

province = st.session_state.province
if not province:
    st.info(t("loc_choose", lang))
    st.stop()

departments = cached.query("subunits_of_province", province_id=province, level="department", parent_id="")
dept_names = dict(zip(departments.unit_id, departments.short_name, strict=True))
if st.session_state.get("_profile_department") not in dept_names:
    st.session_state["_profile_department"] = ""
st.selectbox(t("loc_department", lang), [""] + departments.unit_id.tolist(), key="_profile_department",
             format_func=lambda u: dept_names.get(u) or t("none_selected", lang))

subject_id = st.session_state["_profile_department"] or st.session_state.unit or province
unit = cached.query("unit_by_id", unit_id=subject_id).iloc[0]
lineage = cached.query("unit_lineage", unit_id=subject_id)
successors = cached.query("district_successor_communes", unit_id=subject_id) if unit.level == "district" else None

st.header(display_name(unit["name"], unit.short_name, unit.unit_type, lang)
          + ("" if unit.level == "province" else f", {unit.province_name}"))
st.caption(f"{t('loc_level_' + unit.level, lang)} · {t('loc_structure_' + unit.structure, lang)}")
for sentence in locality.lineage_sentences(unit, lineage, lang, district_successors=successors):
    st.markdown(sentence)

# ---- one section on screen at a time (a rerun draws its charts and tables only)
section = ui.section("locality", {"": t("loc_tab_headline", lang), "trend": t("loc_tab_trend", lang),
                                  "indices": t("loc_tab_indices", lang), "areas": t("loc_tab_areas", lang),
                                  "inspections": t("loc_tab_inspections", lang), "followup": t("loc_tab_followup", lang)})


@st.fragment
def trend_section() -> None:
    """The trend of one indicator: its own choice of indicator reruns this part alone."""
    cached.new_run()  # a rerun of its own: the data version read afresh
    # ---- trend over all years, continuous across the 2025 reorganisation
    st.subheader(t("loc_trend", lang))
    catalogue = cached.query("indicator_catalogue").set_index("indicator_code")
    trend_code = st.selectbox(t("loc_trend_indicator", lang), locality.TREND_INDICATORS, key="loc_trend_indicator",
                              format_func=lambda c: catalogue.loc[c, lang_col("name", lang)])
    trend_name = catalogue.loc[trend_code, lang_col("name", lang)]
    trend = cached.query("indicator_trend_by_unit_lineage", unit_id=subject_id, indicator=trend_code)
    if trend[trend.role != "average"].empty:
        ui.empty("loc_no_trend", indicator=trend_name, unit=unit.short_name)
    else:
        avg_label = t("loc_avg_national" if unit.level == "province" else "loc_avg_province", lang)
        st.plotly_chart(cached.derived(charts.trend_lines, "indicator_trend_by_unit_lineage", lang, unit_id=subject_id,
                                       indicator=trend_code, options={"title": f"{trend_name} — {unit.short_name}",
                                                                      "average_label": avg_label,
                                                                      "value_title": catalogue.loc[trend_code, "unit"]}),
                        width="stretch", config=ui.chart_config(), key="loc_trend_chart")
        trend_table = trend.assign(value=[fmt_num(v, lang) for v in trend.value],
                                   source_kind=[t(k, lang) for k in trend.source_kind])
        ui.downloads(trend_table, name=f"{trend_name} {unit.short_name}", title=trend_name,
                     filters={t("unit", lang): unit.short_name, t("indicator", lang): trend_code},
                     demo=trend.source_kind.eq("synthetic_demo").any(), key="loc_trend")


def headline_cards(rows: list, *, rolled: bool = False) -> None:
    """The year's headline figures, one card each; its "?" gives the figure's source itself (title, address, date,
    kind; an import's batch and who loaded it), a rolled-up card's says it has no single source."""
    for col, row in zip(st.columns(4), rows, strict=False):
        name = row[lang_col("name", lang)]
        # several old provinces pooled: the change compares two roll-ups (this year's and the year before's), said so;
        # one old province's figures are its own, compared as any province's
        pooled = rolled and len(row["member_names"]) > 1
        col.metric(name, fmt_num(row["value"], lang),
                   None if pd.isna(row["change"]) else fmt_signed(row["change"], lang, ascii_minus=True),
                   delta_description=t("loc_vs_prev_rolled" if pooled else "vs_prev", lang, year=year - 1), border=True,
                   help=ui.source_text(row["source_id"], what=f"{name}, {unit.short_name}, {year}"))
        notes = [locality.rank_text(row, lang), t(row["source_kind"], lang)]
        if pooled:
            notes.append(locality.members_text(row, lang))
        if notes[0]:
            col.caption(" · ".join(notes))


if section == "":
    # ---- headline cards for the year
    card = cached.query("unit_indicator_card", unit_id=subject_id, year=year)
    st.subheader(t("loc_headline", lang, year=year))
    if card.empty and unit.level == "province" and unit.structure == "S34" and year < ui.FIRST_YEAR_S34:
        # A current province in a year before it existed: its old provinces' figures of that year rolled up as the map
        # and the rankings roll them up (queries/map_value_rollup_s34_year.sql), said so, with a link to each of them
        old_provinces = cached.query("province_lineage", province_id=unit.unit_id).query("structure == 'S63'")
        rolled = locality.rolled_headline_rows(
            {c: cached.query("map_value_rollup_s34_year", indicator=c, year=year) for c in locality.HEADLINE},
            {c: cached.query("map_value_rollup_s34_year", indicator=c, year=year - 1) for c in locality.HEADLINE},
            unit.unit_id, cached.query("indicator_catalogue"))
        if any(r["source_kind"] == "synthetic_demo" for r in rolled):
            ui.demo_badge(lang, hatched=False)
        st.markdown(t("loc_before_formed", lang, unit=unit.short_name, year=year))
        if not rolled:
            ui.empty("loc_no_scores", unit=unit.short_name, year=year)
        else:
            names = [markdown_text(n) for n in old_provinces.short_name]
            st.caption(t("loc_rolled_from", lang, year=year, prev=year - 1, unit=unit.short_name, n=len(names),
                         provinces=", ".join(names))
                       if len(names) > 1 else t("loc_rolled_one", lang, year=year, unit=unit.short_name,
                                                province=names[0] if names else "—"))
            headline_cards(rolled, rolled=True)
        for old in old_provinces.itertuples():
            if st.button(t("loc_open_old", lang, name=old.short_name, year=year), key=f"loc_open_old_{old.unit_id}"):
                ui.open_locality(old.unit_id, switch=False)
    elif card.empty:
        ui.empty("loc_no_scores", unit=unit.short_name, year=year)
    else:
        if card.source_kind.eq("synthetic_demo").any():
            ui.demo_badge(lang, hatched=False)
        headline_cards(cached.derived(locality.headline_rows, "unit_indicator_card", unit_id=subject_id, year=year))

        st.subheader(t("loc_targets", lang, year=year))
        ops = cached.derived(locality.ops_table, "unit_indicator_card", lang, unit_id=subject_id, year=year)
        if ops.empty:
            ui.empty("loc_no_ops", unit=unit.short_name, year=year)
        else:
            ops_rows = cached.derived(locality.ops_rows, "unit_indicator_card", unit_id=subject_id, year=year)
            shown, labels, colours = locality.status_labels(ops, lang)
            status_config = {t("loc_status", lang): st.column_config.MultiselectColumn(options=labels, color=colours)}
            ui.table_with_sources(shown, ops_rows, key="loc_ops_row", name=t("indicator", lang),
                                  what=lambda r: f"{r[lang_col('name', lang)]}, {unit.short_name}, {year}",
                                  column_config=status_config)
            ui.downloads(ops, name=f"{t('loc_targets', lang, year=year)} {unit.short_name}", title=t("loc_targets", lang, year=year),
                         filters={t("unit", lang): unit.short_name, t("year", lang): year},
                         demo=card.source_kind.eq("synthetic_demo").any(), key="loc_ops")
elif section == "trend":
    trend_section()
elif section == "indices":
    # ---- every index of the unit as percentiles over the years, and where they disagree (par_dashboard/multiindex.py)
    multiindex_view.section(unit, lang)
elif section == "areas":
    # ---- eight areas against the national or provincial mean
    st.subheader(t("loc_areas", lang, year=year))
    areas = cached.query("unit_area_scores_year", unit_id=subject_id, year=year)
    if areas.value.isna().all():
        ui.empty("loc_no_areas", unit=unit.short_name, year=year)
    else:
        mean_label = t("loc_avg_national" if unit.level == "province" else "loc_avg_province", lang)
        st.plotly_chart(cached.derived(charts.area_comparison, "unit_area_scores_year", lang, unit_id=subject_id, year=year,
                                       options={"unit_name": unit.short_name, "mean_label": mean_label}),
                        width="stretch", config=ui.chart_config(), key="loc_area_chart")
        st.caption(t("source_kinds", lang, kinds=", ".join(t(k, lang) for k in sorted(areas.source_kind.dropna().unique()))))
        area_table = locality.area_table(areas, lang, unit_name=unit.short_name, mean_label=mean_label)
        ui.downloads(area_table, name=f"{t('loc_areas', lang, year=year)} {unit.short_name}", title=t("loc_areas", lang, year=year),
                     filters={t("unit", lang): unit.short_name, t("year", lang): year},
                     demo=bool(areas.any_demo.fillna(False).any()), key="loc_areas")
elif section == "inspections":
    # ---- inspections and findings
    st.subheader(t("loc_inspections", lang))
    visits = cached.query("unit_inspection_visits", unit_id=subject_id)
    if visits.empty:
        ui.empty("loc_no_inspections", unit=unit.short_name)
    else:
        visits_table = cached.derived(locality.visits_table, "unit_inspection_visits", lang, unit_id=subject_id)
        ui.table_with_sources(visits_table, visits, key="loc_visits_row", what=lambda r: f"{officials.team_label(r.team_label, lang)}, {r.year}",
                              name=t("loc_team", lang))
        ui.downloads(visits_table, name=f"{t('loc_inspections', lang)} {unit.short_name}", title=t("loc_inspections", lang),
                     filters={t("unit", lang): unit.short_name}, demo=visits.source_kind.eq("synthetic_demo").any(), key="loc_visits")

        st.subheader(t("loc_findings", lang))
        findings = cached.query("unit_findings", unit_id=subject_id)
        if sentence := locality.remedied_sentence(findings, lang):
            st.markdown(sentence)
        findings_table = cached.derived(locality.findings_table, "unit_findings", lang, unit_id=subject_id)
        ui.table_with_sources(findings_table, findings, key="loc_findings_row", name=t("loc_unit", lang),
                              what=lambda r: f"{r.unit_name if isinstance(r.unit_name, str) else unit.short_name}, {r.year}",
                              height=min(600, 36 * (len(findings_table) + 1)))
        ui.downloads(findings_table, name=f"{t('loc_findings', lang)} {unit.short_name}", title=t("loc_findings", lang),
                     filters={t("unit", lang): unit.short_name}, demo=findings.source_kind.eq("synthetic_demo").any(),
                     key="loc_findings")
else:
    # ---- open remediation items (par_dashboard/shell/followup_ui.py)
    followup_ui.profile_section(subject_id, unit.level, lang)
