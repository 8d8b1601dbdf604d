"""Dữ liệu: the template, upload with validation, loading (all or the valid rows), import from report text
(read, reviewed beside the highlighted text, accepted), batches and rollback, the audit log.

By role: an analyst reads texts into drafts (no saving); a data officer imports, accepts drafts, rolls back and
reads the audit log. Every write carries the signed-in user (no name typed in) and is refused outside a
province-scoped user's province."""

import datetime as dt
import hashlib
import json

import streamlit as st

from par_dashboard.domain.units import structure_for_year
from par_dashboard.extract import MAX_CHARS, UnreadableFile, extract_input, review
from par_dashboard.extract.match import match_draft
from par_dashboard.extract.save import DraftIncomplete, save_draft
from par_dashboard.i18n import LABELS, pick, t
from par_dashboard.importing import reader, service, template
from par_dashboard.importing.names import UnitResolver
from par_dashboard.security import auth, worker
from par_dashboard.security.untrusted import markdown_text
from par_dashboard.shell import cached, followup_ui, login, ui

user = login.require("draft")  # also when this page is run on its own: nothing is read without it
can_import = auth.can(user, "import")
lang = ui.lang()
db = cached.db()
st.title(t("data_title", lang))
st.caption(t("data_intro", lang))
if auth.read_only_instance():
    st.info(t("data_read_only_instance", lang), icon=":material/lock:")


def _export(include_demo: bool):
    def make() -> bytes:
        with db.cursor() as cur:
            return template.export_workbook(cur, lang, include_demo=include_demo)
    return make


upload = None
if can_import:
    # ---- 1. the template, and all data in its shape
    st.subheader(t("data_template", lang))
    row = st.container(horizontal=True)
    row.download_button(t("data_template_button", lang), data=lambda: template.template_workbook(lang),
                        file_name=f"mau-nhap-lieu-cchc_{lang}.xlsx", key="data_template_dl", on_click="ignore",
                        icon=":material/download:", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    if auth.can(user, "export") and not user.province:  # every province's data: not for a province-scoped user
        row.download_button(t("data_export_real_button", lang), data=_export(False), file_name=f"du-lieu-that-cchc_{lang}.xlsx",
                            key="data_export_real_dl", on_click="ignore", icon=":material/table:",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        row.download_button(t("data_export_button", lang), data=_export(True), file_name=f"du-lieu-cchc_{lang}.xlsx",
                            key="data_export_dl", on_click="ignore", icon=":material/table:",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # ---- 2. upload and check
    st.subheader(t("data_upload", lang))
    # One limit, one number: the label, the widget's own "Limit … MB per file" and its refusal, and the server's
    # server.maxUploadSize (.streamlit/config.toml, checked by tests/test_data_page_import.py) all say reader.MAX_MB.
    upload = st.file_uploader(t("data_upload_label", lang, mb=reader.MAX_MB), type=["xlsx", "csv"],
                              key="data_upload", max_upload_size=reader.MAX_MB,
                              help=t("data_upload_help", lang, mb=reader.MAX_MB))
if upload is not None:
    data = upload.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    # After a load the file's state is that load's result, until the data change again: checking the same file
    # once more would report its set-aside rows as "not loaded, the database is unchanged" under "partly loaded".
    loaded = st.session_state.get("_data_loaded")
    if loaded is not None and loaded["key"] == (sha, db.data_version(), user):
        report = loaded["report"]
    else:
        # Checking takes a second or two: once per file content, data version and user (scope), not on every rerun.
        check_key = (sha, db.data_version(), lang, user)
        if st.session_state.get("_data_check_key") != check_key:
            with st.spinner(t("data_checking", lang)):
                st.session_state["_data_check"] = service.validate(db, data, upload.name, user=user)
            st.session_state["_data_check_key"] = check_key
        report = st.session_state["_data_check"]
    if report.dry_run:
        st.markdown(f"**{t('data_checked', lang, file=markdown_text(report.file_name))}** — {report.summary(lang)}")
    else:
        {"loaded": st.success, "partial": st.warning}.get(report.status, st.info)(
            f"**{t('data_loaded_file', lang, file=markdown_text(report.file_name))}** — {report.summary(lang)}")
    for notice in report.notices:  # they quote the file's sheet names and headers: shown as written
        st.info(markdown_text(pick(notice.message_vi, notice.message_en, lang)))
    if report.counts:
        st.dataframe(report.counts_frame(lang), hide_index=True)
    if report.errors:
        st.error(t("data_has_errors" if report.dry_run else "data_set_aside", lang, n=len(report.errors)))
        for problem in (e for e in report.errors if e.row is None):  # the file as a whole (too large, not a spreadsheet)
            st.error(markdown_text(problem.message(lang)))
        st.markdown(f"**{t('data_errors', lang)}**")
        st.dataframe(report.errors_frame(lang), hide_index=True, width="stretch")
        st.download_button(t("data_error_download", lang), data=lambda: service.error_workbook_limited(data, report, lang),
                           file_name=f"loi_{report.file_name.rsplit('.', 1)[0]}.xlsx", key="data_errors_dl", on_click="ignore",
                           icon=":material/error:", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    # ---- 3. load
    if report.dry_run and report.status in ("valid", "rejected") and report.counts:
        st.subheader(t("data_load", lang))
        partial = bool(report.errors) and st.checkbox(t("data_partial", lang), key="data_partial")
        can_load = not report.errors or partial
        label = t("data_load_partial" if partial else "data_load_all", lang)
        if st.button(label, type="primary", disabled=not can_load, key="data_load_button"):
            result = service.load(db, data, upload.name, user=user, partial=partial)
            if result.status == "rejected":  # nothing written (a backup or the disk refused): said once, the check stays
                st.session_state["data_last_result"] = result.summary(lang)
            else:
                st.session_state["_data_loaded"] = {"key": (sha, db.data_version(), user), "report": result}
            st.rerun()
    if message := st.session_state.pop("data_last_result", None):
        st.error(message)

if can_import:  # ---- the remediation follow-up of one finding (par_dashboard/shell/followup_ui.py)
    followup_ui.form(user, lang)


# ---- from report text: read, review beside the highlighted text, accept
@st.cache_resource(show_spinner=False)
def _resolver(path: str) -> UnitResolver:
    """Unit names -> ids; imports never change the units, so one per database file."""
    return UnitResolver.from_db(cached.database(path))


def _read(*, text: str | None = None, name: str | None = None, data: bytes | None = None) -> None:
    """Extract once per input and data version; the draft stays in session state while it is reviewed. The file is
    read and the text extracted in a worker process under a time limit (par_dashboard.security.worker): the other users'
    pages go on meanwhile, and a text that takes too long is stopped with a message."""
    source = data if text is None else text.encode("utf-8")
    key = (hashlib.sha256(source).hexdigest(), db.data_version())
    if st.session_state.get("_data_text", {}).get("key") == key:
        return
    path = str(db.path)
    resolver = _resolver(path)
    try:
        with st.spinner(t("data_text_reading", lang)):
            draft = worker.call(extract_input, text=text, name=name, data=data, limit=worker.limit_for(len(source)),
                                resolver=worker.Shared(("resolver", path, id(resolver)), resolver))
    except UnreadableFile as exc:
        st.session_state.pop("_data_text", None)
        st.error(pick(exc.vi, exc.en, lang))
        return
    except worker.STOPPED as exc:
        st.session_state.pop("_data_text", None)
        st.error(exc.message(lang, text=text is not None))
        return
    st.session_state["_data_text"] = {"key": key, "draft": draft}


def _editor_columns(kind: str) -> dict:
    """The editors' columns, labelled in the user's language; codes stay codes, shown by their labels."""
    col = st.column_config
    if kind == "teams":
        return {"label": col.TextColumn(t("data_text_col_label", lang)),
                "leader_name": col.TextColumn(t("data_text_col_leader_name", lang)),
                "leader_title": col.TextColumn(t("data_text_col_leader_title", lang)),
                "started_on": col.DateColumn(t("data_text_col_started_on", lang), format="DD/MM/YYYY"),
                "ended_on": col.DateColumn(t("data_text_col_ended_on", lang), format="DD/MM/YYYY"),
                "units": col.TextColumn(t("data_text_col_units", lang), width="large")}
    if kind == "indicators":
        catalogue = cached.query("indicator_catalogue")
        names = dict(zip(catalogue.indicator_code, catalogue[f"name_{lang}"], strict=True))
        return {"keep": col.CheckboxColumn(t("data_text_col_keep", lang), default=True),
                "indicator_code": col.SelectboxColumn(t("data_text_col_indicator", lang), options=list(names), width="medium",
                                                      format_func=lambda c: f"{names.get(c, c)} ({c})", required=True),
                "value": col.NumberColumn(t("data_text_col_value", lang), format="localized"),
                "unit_id": col.TextColumn(t("data_text_col_unit_id", lang)),
                "period": col.SelectboxColumn(t("data_text_col_period", lang), options=review.PERIODS, default="Y",
                                              help=t("data_text_period_help", lang)),
                "approx": col.CheckboxColumn(t("data_text_col_approx", lang), default=False)}
    areas = cached.query("par_areas")
    area_names = dict(zip(areas.area_code, areas[f"short_{lang}"], strict=True))
    return {"keep": col.CheckboxColumn(t("data_text_col_keep", lang), default=True),
            "kind": col.SelectboxColumn(t("data_text_col_kind", lang), options=review.KINDS, default="limitation",
                                        format_func=lambda k: t(f"data_text_kind_{k}", lang), required=True),
            "area_code": col.SelectboxColumn(t("data_text_col_area", lang), options=review.AREAS, width="small",
                                             format_func=lambda a: f"{a} – {area_names.get(a, '')}"),
            "team": col.NumberColumn(t("data_text_col_team", lang), min_value=1, step=1, format="%d", width="small"),
            "text": col.TextColumn(t("data_text_col_text", lang), width="large", required=True),
            "deadline": col.DateColumn(t("fu_col_deadline", lang), format="DD/MM/YYYY"),
            "responsible": col.TextColumn(t("fu_col_responsible", lang))}


def _plan_fields(plan: dict, h: str) -> dict:
    row = st.columns([3, 2, 3])
    issued = dt.date.fromisoformat(plan["issued_on"]) if plan.get("issued_on") else None
    return {"number": row[0].text_input(t("data_text_plan_number", lang), value=plan.get("number") or "", key=f"data_text_plan_no_{h}"),
            "issued_on": row[1].date_input(t("data_text_plan_date", lang), value=issued, format="DD/MM/YYYY", key=f"data_text_plan_date_{h}"),
            "issuer": row[2].text_input(t("data_text_plan_issuer", lang), value=plan.get("issuer") or "", key=f"data_text_plan_by_{h}")}


def _review(draft: dict, h: str) -> dict:
    """The highlighted text on the left, the editable draft on the right; returns the reviewed draft."""
    st.caption(t("data_text_found", lang, teams=len(draft["teams"]), indicators=len(draft["indicators"]),
                 findings=len(draft["findings"])))
    left, right = st.columns([5, 7], gap="medium")
    with left:
        st.markdown(f"**{t('data_text_source', lang)}**")
        st.html(review.legend_html(lang))
        with st.container(height=600, border=True):
            st.html(review.highlight_html(draft, lang))
    with right:
        st.markdown(f"**{t('data_text_edit', lang)}**")
        row = st.columns([1, 2])
        year = row[0].number_input(t("data_text_year", lang), min_value=2000, max_value=2100, step=1, key=f"data_text_year_{h}",
                                   value=(draft["year"] or {}).get("value"))
        structure = structure_for_year(year) if year else "S63"
        provinces = cached.query("provinces_by_structure", structure=structure)
        if (scope := login.province_scope(structure)) is not None:  # a province-scoped user: theirs only
            provinces = provinces[provinces.unit_id.isin(scope)]
        names = dict(zip(provinces.unit_id, provinces.short_name, strict=True))
        found = (draft["province"] or {}).get("unit_id")
        province = row[1].selectbox(t("data_text_province", lang), list(names), format_func=names.get,
                                    index=list(names).index(found) if found in names else None,
                                    placeholder=t("data_text_province_none", lang), key=f"data_text_province_{h}_{structure}")
        plan_fields = _plan_fields(draft["plan"] or {}, h)
        tables = review.draft_tables(draft)
        edited = {}
        for kind, order in (("teams", review.TEAM_COLUMNS), ("indicators", review.INDICATOR_EDITED),
                            ("findings", review.FINDING_EDITED)):
            st.markdown(f"**{t(f'data_text_{kind}', lang)}**")
            edited[kind] = st.data_editor(tables[kind], num_rows="dynamic", hide_index=True, column_order=order, placeholder="—",
                                          column_config=_editor_columns(kind), key=f"data_text_{kind}_{h}")
    resolver = _resolver(str(db.path))
    reviewed, problems = review.draft_from_tables(
        draft, province=province, year=year, plan=plan_fields, **edited,
        resolve=lambda name: resolver.resolve(name, structure=structure, province=province))
    for problem in problems:
        st.warning(problem[lang])
    return reviewed


def _matched(reviewed: dict) -> None:
    """Before the click: each row of the draft already recorded (and where), updating a recorded row (and what
    changes) or new, so that a report already in the database is seen to be there (saving matches it again)."""
    st.markdown(f"**{t('data_text_match_title', lang)}**")
    match = match_draft(db, reviewed)
    if match is None:
        st.info(t("data_text_match_none", lang))
        return
    st.caption(t("data_text_match_intro", lang, **match.counts()))
    st.dataframe(review.match_frame(reviewed, match, lang), hide_index=True, width="stretch")


def _accept(reviewed: dict) -> None:
    """Save only on the click (a role that may), through the audited import service as the signed-in user; say
    what happened and where to see it."""
    if not auth.can(user, "accept_draft"):
        st.info(t("auth_draft_only", lang), icon=":material/lock:")
        return
    if not st.button(t("data_text_accept", lang), type="primary", key="data_text_accept"):
        return
    try:
        with st.spinner(t("data_text_saving", lang)):
            report = save_draft(db, reviewed, user=user, lang=lang)
    except DraftIncomplete as exc:
        st.error(exc.message(lang))
        return
    if report.status == "rejected":
        st.error(f"{t('data_text_rejected', lang)} {report.summary(lang)}")
        st.dataframe(report.errors_frame(lang), hide_index=True, width="stretch")
        return
    st.success(report.summary(lang))
    st.caption(t("data_text_saved_hint", lang))
    links = st.container(horizontal=True)
    links.page_link("pages/inspections.py", label=t("page_inspections", lang), icon=":material/fact_check:")
    links.page_link("pages/locality.py", label=t("page_locality", lang), icon=":material/location_city:")


st.subheader(t("data_text_title", lang))
st.caption(t("data_text_intro", lang))
# The file tab runs only when chosen: one file uploader on the page until then (the Excel one above).
paste_tab, file_tab = st.tabs([t("data_text_tab_paste", lang), t("data_text_tab_file", lang)], key="data_text_tabs",
                              on_change="rerun")
with paste_tab:
    pasted = st.text_area(t("data_text_paste_label", lang), height=200, max_chars=MAX_CHARS, key="data_text_paste")
    if st.button(t("data_text_read", lang), key="data_text_read_paste", icon=":material/document_scanner:"):
        _read(text=pasted)
if file_tab.open:
    text_file = file_tab.file_uploader(t("data_text_file_label", lang), type=["txt", "docx", "pdf"], key="data_text_file",
                                       max_upload_size=reader.MAX_MB, help=t("data_upload_help", lang, mb=reader.MAX_MB))
    if file_tab.button(t("data_text_read", lang), key="data_text_read_file", icon=":material/document_scanner:",
                       disabled=text_file is None):
        _read(name=text_file.name, data=text_file.getvalue())
if text_state := st.session_state.get("_data_text"):
    text_draft = text_state["draft"]
    for note in text_draft["messages"]:
        {"error": st.error, "warning": st.warning}.get(note["level"], st.info)(note[lang])
    if not any(note["level"] == "error" for note in text_draft["messages"]):
        text_reviewed = _review(text_draft, text_state["key"][0][:12])
        _matched(text_reviewed)
        _accept(text_reviewed)

# ---- 4. batches and rollback, the audit log
# Column headings in the page's language, times as dd/mm/yyyy hh:mm:ss; the frames keep the database's names.
_TIMES = ("started_at", "finished_at", "rolled_back_at", "at")


def _columns(frame) -> dict:
    return {c: (st.column_config.DatetimeColumn(t(f"data_col_{c}", lang), format="DD/MM/YYYY HH:mm:ss") if c in _TIMES
                else st.column_config.Column(t(f"data_col_{c}", lang)))
            for c in frame.columns if c != "source_id"}


def _word(prefix: str, code):
    """A code (a role, an action, a status) in the page's language; an unknown one as it is."""
    return t(prefix + code, lang) if isinstance(code, str) and prefix + code in LABELS else code


def _detail_in_words(text) -> str:
    """An audit row's detail (JSON as written by auth.audit) as a phrase: batch, file, outcome, counts, provinces."""
    try:
        detail = json.loads(text)
    except (TypeError, ValueError):
        return text
    if not isinstance(detail, dict):
        return str(detail)
    parts = []
    if "batch_id" in detail:
        parts.append(t("data_detail_batch", lang, batch=detail["batch_id"]))
    if "file" in detail:
        parts.append(t("data_detail_file", lang, file=detail["file"]))
    if "status" in detail:
        parts.append(_word("data_status_", detail["status"]))
    counts = [t(f"data_detail_{k}", lang, n=detail[k]) for k in ("added", "updated", "rejected", "deleted", "restored")
              if k in detail]
    if counts:
        parts.append(", ".join(counts))
    if provinces := [p for p in detail.get("provinces") or [] if p]:
        try:
            names = cached.unit_labels(provinces)
        except (IndexError, KeyError):  # a province no longer in the list of units: its id
            names = {}
        parts.append(t("data_detail_provinces", lang, names=", ".join(names.get(p, p) for p in provinces)))
    if "backup" in detail:
        parts.append(t("data_detail_backup", lang, name=detail["backup"]))
    known = {"batch_id", "file", "status", "added", "updated", "rejected", "deleted", "restored", "provinces", "backup", "sha256"}
    parts += [f"{k}: {v}" for k, v in detail.items() if k not in known]
    return "; ".join(str(p) for p in parts)


def _in_words(frame):
    """A batches or audit table as people read it: roles, actions and statuses named in the page's language, the
    audit detail as a phrase instead of its JSON (shown so, and downloaded so)."""
    out = frame.copy()
    if "role" in out:
        out["role"] = [t("data_role_cli", lang) if r == auth.CLI_ROLE else _word("auth_role_", r) for r in out.role]
    if "action" in out:
        out["action"] = [_word("data_action_", a) for a in out.action]
    if "status" in out:
        out["status"] = [_word("data_status_", s) for s in out.status]
    if "detail" in out:
        out["detail"] = [_detail_in_words(d) for d in out.detail]
    return out


def _as_shown(frame):
    """A table as the page shows it (column names in the reader's language, no internal ids), for its download."""
    return frame[[c for c in frame.columns if c != "source_id"]].rename(columns=lambda c: t(f"data_col_{c}", lang))


if auth.can(user, "rollback"):
    st.subheader(t("data_batches", lang))
    batches = service.batches(db)
    batch_ids = batches.batch_id.tolist()
    open_batches = batches[batches.rolled_back_at.isna()].batch_id.tolist()
    partial_batches = batches[batches.status == "partial"].batch_id.tolist()
    batches = _in_words(batches)
    if batches.empty:
        st.info(t("data_no_batches", lang))
    else:
        st.dataframe(batches, hide_index=True, width="stretch", column_config=_columns(batches),
                     column_order=[c for c in batches.columns if c != "source_id"])
        # Streamlit's raw CSV of a table is off for everyone (login.raw_exports_off): the app's own, neutralised
        # (a file name or a user's text as uploaded can start like a formula)
        ui.downloads(lambda: _as_shown(batches), name="lô nhập", title=t("data_batches", lang), filters={}, demo=False,
                     key="data_batches")
        if open_batches:
            # newest first, and a new widget when a batch is added or rolled back: the box offers the latest batch,
            # not the one chosen (or defaulted to) before it existed
            chosen = st.selectbox(t("data_rollback_choose", lang), open_batches, key=f"data_rollback_batch_{open_batches[0]}")
            confirmed = st.checkbox(t("data_rollback_confirm", lang), key="data_rollback_confirm")
            if st.button(t("data_rollback", lang), disabled=not confirmed, key="data_rollback_button"):
                outcome = service.rollback(db, int(chosen), user=user)
                st.session_state["data_last_rollback"] = (outcome.status == "rolled_back", outcome.message(lang))
                st.rerun()
        if outcome := st.session_state.pop("data_last_rollback", None):
            (st.success if outcome[0] else st.warning)(outcome[1])
        if partial_batches:
            for batch_id in partial_batches[:5]:
                st.download_button(t("data_quarantine_download", lang, batch=batch_id),
                                   data=lambda b=batch_id: service.quarantine_workbook(db, int(b), lang),
                                   file_name=f"dong-de-rieng_lo-{batch_id}.xlsx", key=f"data_quarantine_{batch_id}",
                                   on_click="ignore", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
if auth.can(user, "audit"):
    st.subheader(t("auth_audit_title", lang))
    audit = _in_words(service.audit_log(db))
    if audit.empty:
        st.info(t("auth_audit_empty", lang))
    else:
        st.dataframe(audit, hide_index=True, width="stretch", column_config=_columns(audit))
        ui.downloads(lambda: _as_shown(audit), name="nhật ký", title=t("auth_audit_title", lang), filters={}, demo=False,
                     key="data_audit")
