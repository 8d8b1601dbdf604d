"""Streamlit parts of the remediation follow-up outside its own page: the locality profile's open items, and the
Dữ liệu page's follow-up form: a data officer updates the remediation follow-up of one limitation or
recommendation (deadline, responsible unit, status, evidence, when checked). Saved by followup.save through the import
service, as the signed-in user: validated, scope-checked, audited, undone like a batch; the same values twice change
nothing."""

from __future__ import annotations

import streamlit as st

from par_dashboard.domain import officials
from par_dashboard.i18n import fmt_date, fmt_num, t
from par_dashboard.security.untrusted import markdown_text
from par_dashboard.shell import cached, ui
from par_dashboard.views import followup


def form(user, lang: str) -> None:
    db = cached.db()
    st.subheader(t("fu_form_header", lang))
    st.caption(t("fu_form_intro", lang))
    finding_id = st.text_input(t("fu_form_id", lang), key="fu_form_id", max_chars=80).strip()
    if not finding_id:
        return
    row = followup.finding_row(db, finding_id)
    if row is None:
        st.warning(t("fu_form_not_found", lang, id=markdown_text(finding_id)))
        return
    where = f"{row['unit_name'] or '—'} ({row['province_name']}), {officials.team_label(row['team_label'], lang)} {row['year']}"
    st.markdown(f"**{t('fu_form_finding', lang)}** — {markdown_text(where)}: {markdown_text(row['text'])}")
    if row["is_demo"]:
        st.info(t("fu_form_demo", lang))
    key = f"fu_form_{followup.fold(finding_id)[:40]}"  # new widgets (with the recorded values) for another finding
    with st.form(key):
        c1, c2, c3 = st.columns(3)
        status = row["followup_status"] or row["status"] or "open"
        values = {
            "deadline": c1.date_input(t("fu_col_deadline", lang), value=row["deadline"], format="DD/MM/YYYY"),
            "responsible": c2.text_input(t("fu_col_responsible", lang), value=row["responsible"] or "", max_chars=300),
            "followup_status": c3.selectbox(t("fu_form_status", lang), followup.STATUSES, index=followup.STATUSES.index(status),
                                            format_func=lambda s: followup.status_label(s, lang)),
            "evidence_text": st.text_area(t("fu_col_evidence", lang), value=row["evidence_text"] or "", max_chars=2000),
        }
        c4, c5, c6 = st.columns(3)
        values["evidence_number"] = c4.text_input(t("fu_col_evidence_number", lang), value=row["evidence_number"] or "",
                                                  max_chars=100)
        values["evidence_date"] = c5.date_input(t("fu_col_evidence_date", lang), value=row["evidence_date"], format="DD/MM/YYYY")
        values["checked_on"] = c6.date_input(t("fu_col_checked_on", lang), value=row["checked_on"], format="DD/MM/YYYY")
        submitted = st.form_submit_button(t("fu_form_save", lang), type="primary")
    if submitted:
        with st.spinner(t("data_text_saving", lang)):
            report = followup.save(db, finding_id, values, user=user, lang=lang)
        (st.error if report.status == "rejected" else st.success)(report.summary(lang))
        if report.errors:
            st.dataframe(report.errors_frame(lang), hide_index=True, width="stretch")


def profile_section(subject_id: str, level: str, lang: str) -> None:
    """A unit's (or a province's) open items on its locality profile, as of the follow-up page's day: a short table,
    overdue first, and the link to the page."""
    if level == "province":
        provinces, units = cached.query("province_lineage", province_id=subject_id).unit_id.tolist(), []
    else:
        provinces, units = [], cached.query("inspection_place_units", unit_id=subject_id).unit_id.tolist()
    as_of = ui.as_of()
    day = fmt_date(as_of, lang)
    items = cached.query("followup_items", as_of=as_of, provinces=provinces, units=units, area="TOTAL")
    st.subheader(t("fu_profile_header", lang))
    summary = followup.summary(items)
    if not summary.n_open:
        ui.empty("fu_profile_none", date=day)
    else:
        st.caption(t("fu_profile_caption", lang, n=fmt_num(summary.n_open, lang, 0), date=day,
                     overdue=fmt_num(summary.n_overdue, lang, 0)))
        table = followup.unit_open_table(items, lang)
        st.dataframe(table, hide_index=True, width="stretch", key="loc_followup_table",
                     column_config={t("fu_col_text", lang): st.column_config.TextColumn(width="large")})
    st.page_link("pages/followup.py", label=t("fu_profile_link", lang), icon=":material/task_alt:")
