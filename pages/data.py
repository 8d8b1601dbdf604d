"""Dữ liệu: the template, upload with validation, loading (all or the valid rows), batches and rollback."""

import hashlib

import streamlit as st

from par_dashboard import ui
from par_dashboard.i18n import t
from par_dashboard.importing import reader, service, template

lang = ui.lang()
db = ui.db()
st.title(t("data_title", lang))
st.caption(t("data_intro", lang))

# ---- 1. the template, and all data in its shape
st.subheader(t("data_template", lang))
row = st.container(horizontal=True)
row.download_button(t("data_template_button", lang), data=lambda: template.template_workbook(lang),
                    file_name=f"mau-nhap-lieu-cchc_{lang}.xlsx", key="data_template_dl", on_click="ignore",
                    icon=":material/download:", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _export(include_demo: bool):
    def make() -> bytes:
        with db.cursor() as cur:
            return template.export_workbook(cur, lang, include_demo=include_demo)
    return make


row.download_button(t("data_export_real_button", lang), data=_export(False), file_name=f"du-lieu-that-cchc_{lang}.xlsx",
                    key="data_export_real_dl", on_click="ignore", icon=":material/table:",
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
row.download_button(t("data_export_button", lang), data=_export(True), file_name=f"du-lieu-cchc_{lang}.xlsx",
                    key="data_export_dl", on_click="ignore", icon=":material/table:",
                    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

# ---- 2. upload and check
st.subheader(t("data_upload", lang))
upload = st.file_uploader(t("data_upload_label", lang, mb=reader.MAX_BYTES // (1024 * 1024)), type=["xlsx", "csv"],
                          key="data_upload")
if upload is not None:
    data = upload.getvalue()
    # Checking takes a second or two: once per file content and data version, not on every rerun.
    check_key = (hashlib.sha256(data).hexdigest(), db.data_version(), lang)
    if st.session_state.get("_data_check_key") != check_key:
        with st.spinner(t("data_checking", lang)):
            st.session_state["_data_check"] = service.validate(db, data, upload.name)
        st.session_state["_data_check_key"] = check_key
    report = st.session_state["_data_check"]
    st.markdown(f"**{t('data_checked', lang, file=upload.name)}** — {report.summary(lang)}")
    for notice in report.notices:
        st.info(notice.message_vi if lang == "vi" else notice.message_en)
    if report.counts:
        st.dataframe(report.counts_frame(lang), hide_index=True)
    if report.errors:
        st.error(t("data_has_errors", lang, n=len(report.errors)))
        st.markdown(f"**{t('data_errors', lang)}**")
        st.dataframe(report.errors_frame(lang), hide_index=True, width="stretch")
        st.download_button(t("data_error_download", lang), data=lambda: service.error_workbook(data, report, lang),
                           file_name=f"loi_{upload.name.rsplit('.', 1)[0]}.xlsx", key="data_errors_dl", on_click="ignore",
                           icon=":material/error:", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # ---- 3. load
    if report.status in ("valid", "rejected") and report.counts:
        st.subheader(t("data_load", lang))
        user = st.text_input(t("data_user", lang), key="data_user")
        partial = bool(report.errors) and st.checkbox(t("data_partial", lang), key="data_partial")
        can_load = not report.errors or partial
        label = t("data_load_partial" if partial else "data_load_all", lang)
        if st.button(label, type="primary", disabled=not can_load, key="data_load_button"):
            if not user.strip():
                st.warning(t("data_user_missing", lang))
            else:
                result = service.load(db, data, upload.name, user=user.strip(), partial=partial)
                st.session_state["data_last_result"] = result.summary(lang)
                st.rerun()
    if message := st.session_state.pop("data_last_result", None):
        st.success(message)

# ---- 4. batches and rollback
st.subheader(t("data_batches", lang))
batches = service.batches(db)
if batches.empty:
    st.info(t("data_no_batches", lang))
else:
    st.dataframe(batches, hide_index=True, width="stretch")
    open_batches = batches[batches.rolled_back_at.isna()].batch_id.tolist()
    if open_batches:
        chosen = st.selectbox(t("data_rollback_choose", lang), open_batches, key="data_rollback_batch")
        confirmed = st.checkbox(t("data_rollback_confirm", lang), key="data_rollback_confirm")
        if st.button(t("data_rollback", lang), disabled=not confirmed, key="data_rollback_button"):
            outcome = service.rollback(db, int(chosen), user=st.session_state.get("data_user") or "dashboard")
            st.session_state["data_last_rollback"] = (outcome.status == "rolled_back", outcome.message(lang))
            st.rerun()
    if outcome := st.session_state.pop("data_last_rollback", None):
        (st.success if outcome[0] else st.warning)(outcome[1])
    partial_batches = batches[batches.status == "partial"].batch_id.tolist()
    if partial_batches:
        for batch_id in partial_batches[:5]:
            st.download_button(t("data_quarantine_download", lang, batch=batch_id),
                               data=lambda b=batch_id: service.quarantine_workbook(db, int(b), lang),
                               file_name=f"dong-de-rieng_lo-{batch_id}.xlsx", key=f"data_quarantine_{batch_id}",
                               on_click="ignore", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
