"""The one import service behind the data page and the command line.

    validate(db, data, file_name)                      what a load would do, without writing
    load(db, data, file_name, user=..., partial=False) the whole file in one transaction, or nothing
    rollback(db, batch_id, user=...)                   the database exactly as before the batch
    batches(db)                                        every batch, newest first
    audit_log(db)                                      every write: who, role, when, what (same transaction as it)
    error_workbook(data, report, lang)                 the uploaded file with its problems marked
    quarantine_workbook(db, batch_id, lang)            the rows a partial load set aside, ready to fix and re-import

A load compares every row with the row of the same natural key in the database: a new key is added, a different
row is updated (the previous row is kept in the batch's change log), an identical row is left alone, so the same
file twice changes nothing. Real rows replace demo rows with the same key (a rollback brings the demo rows back);
a row the file marks as synthetic never replaces real data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from par_dashboard.i18n import PerLang, both, pick
from par_dashboard.i18n import t as label
from par_dashboard.importing import checks, reader
from par_dashboard.importing.encoding import Notice
from par_dashboard.importing.raw import RawFile, RowError
from par_dashboard.importing.reader import MAX_BULK_BYTES, MAX_BYTES
from par_dashboard.importing.template import ERRORS_TITLES, SHEET_BY_KEY, Catalogue, write_workbook
from par_dashboard.security import auth
from par_dashboard.security.untrusted import formula_like, safe_file_name
from par_dashboard.store import backup
from par_dashboard.store.db import query_text
from par_dashboard.store.schema import ensure_tables

__all__ = ["ImportReport", "RollbackReport", "SheetCounts", "validate", "load", "rollback", "batches", "audit_log", "error_workbook",
           "quarantine_workbook", "MAX_BYTES", "MAX_BULK_BYTES", "PROGRESS"]

STATUSES = ("loaded", "rejected", "partial", "unchanged", "valid")


@dataclass(frozen=True)
class _Table:
    sheet: str
    name: str
    key: tuple[str, ...]
    columns: tuple[str, ...]  # compared and written besides the key and the source
    sourced: bool = True
    rank_source: bool = False


# The tables an import writes. SQL in this module is formatted only with these names and the schema's own
# column names (identifiers cannot be bound parameters); every value from a file reaches SQL bound or
# through a registered DataFrame.
_TABLES = (
    _Table("plans", "inspection_plan", ("plan_id",), ("number", "issued_on", "issuer", "province_id", "year", "title")),
    _Table("inspections", "inspection", ("inspection_id",),
           ("plan_id", "province_id", "year", "team_label", "leader_name", "leader_title", "started_on", "ended_on",
            "field_days", "announced_on")),
    _Table("inspection_units", "inspection_unit", ("inspection_id", "unit_id"), ("visited_on", "what_checked"), sourced=False),
    _Table("findings", "finding", ("finding_id",),
           ("inspection_id", "unit_id", "area_code", "kind", "topic", "text", "status", "status_on", "resolved_on",
            "follows_up_id")),
    # A findings row's remediation follow-up (template: its optional follow-up columns), with the row's source.
    _Table("findings", "finding_followup", ("finding_id",),
           ("deadline", "responsible", "status", "evidence_text", "evidence_number", "evidence_date", "checked_on")),
    _Table("indicator_values", "indicator_value", ("unit_id", "indicator_code", "year", "period"), ("value", "inspection_id")),
    _Table("targets", "target", ("indicator_code", "province_id", "year"), ("target_value",)),
    _Table("scores", "score", ("unit_id", "year", "family_code", "area_code"),
           ("score", "published_rank", "rank_of", "tier", "note"), rank_source=True),
)
_FOLLOWUP = "finding_followup"  # written from the findings sheet's rows, beside `finding` (see _records)
_BY_SHEET = {t.sheet: t for t in _TABLES if t.name != _FOLLOWUP}
_BY_NAME = {t.name: t for t in _TABLES}
# Who refers to whom: a row a batch added cannot go while rows outside the batch refer to it.
_REFERENCES = {"inspection_plan": [("inspection", "plan_id")],
               "inspection": [("inspection_unit", "inspection_id"), ("finding", "inspection_id"),
                              ("indicator_value", "inspection_id")],
               "finding": [("finding", "follows_up_id"), (_FOLLOWUP, "finding_id")]}


@dataclass
class SheetCounts:
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


_SUMMARY_HEADS = {"loaded": "imp_summary_loaded", "partial": "imp_summary_partial", "unchanged": "imp_summary_unchanged",
                  "rejected": "imp_summary_rejected", "valid": "imp_summary_valid"}


@dataclass
class ImportReport:
    batch_id: int | None
    file_name: str
    sha256: str
    status: str  # loaded | rejected | partial | unchanged (| valid: a dry run found nothing wrong)
    counts: dict[str, SheetCounts] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    sheet_names: dict[str, str] = field(default_factory=dict)  # sheet key -> as named in the file
    dry_run: bool = False  # a check (validate): nothing was written, nor tried

    @property
    def added(self) -> int:
        return sum(c.added for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    @property
    def unchanged(self) -> int:
        return sum(c.unchanged for c in self.counts.values())

    @property
    def rejected(self) -> int:
        return sum(c.rejected for c in self.counts.values())

    def summary(self, lang: str = "vi") -> str:
        if failed := [e for e in self.errors if e.code in ("backup_failed", "write_failed")]:
            return failed[0].message(lang)  # the database, not the file: say that, not "the file has errors"
        # a check loads nothing whatever it finds: it says what a load would meet, not that one failed
        head = "imp_summary_rejected_check" if self.status == "rejected" and self.dry_run else _SUMMARY_HEADS[self.status]
        return label("imp_summary", lang, head=label(head, lang, batch=self.batch_id), added=self.added, updated=self.updated,
                 unchanged=self.unchanged, rejected=self.rejected, errors=len(self.errors))

    def counts_frame(self, lang: str = "vi") -> pd.DataFrame:
        cols = [label(k, lang) for k in ("imp_col_sheet", "imp_col_read", "imp_col_added", "imp_col_updated", "imp_col_unchanged",
                                     "imp_col_rejected")]
        rows = [[SHEET_BY_KEY[k].title(lang), c.read, c.added, c.updated, c.unchanged, c.rejected]
                for k, c in self.counts.items() if c.read]
        return pd.DataFrame(rows, columns=cols)

    def errors_frame(self, lang: str = "vi") -> pd.DataFrame:
        cols = [label(k, lang) for k in ("imp_col_sheet", "imp_col_row", "imp_col_column", "imp_col_problem", "imp_col_value")]
        rows = [[e.sheet, e.row, e.column, e.message(lang), None if e.value is None else str(e.value)] for e in self.errors]
        return pd.DataFrame(rows, columns=cols).astype({cols[1]: "Int64"})


@dataclass
class RollbackReport:
    batch_id: int
    status: str  # rolled_back | refused | not_found | already_rolled_back
    message_vi: str
    message_en: str
    deleted: int = 0
    restored: int = 0

    def message(self, lang: str = "vi") -> str:
        return pick(self.message_vi, self.message_en, lang)


# ------------------------------------------------------------------------------------------------ tables

def _has_tables(cur) -> bool:
    return cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'import_batch' AND NOT temporary").fetchone()[0] > 0


# ------------------------------------------------------------------------------------------------ load

Progress = Callable[[str], None]  # called with "reading", "checking", "writing" as a load goes on
PROGRESS = {"reading": both("imp_progress_reading"), "checking": both("imp_progress_checking"),
            "writing": both("imp_progress_writing")}  # (vi, en)


def validate(db, data: bytes, file_name: str, *, user: auth.User | str = "", max_bytes: int = MAX_BYTES,
             progress: Progress | None = None, isolate: bool = True) -> ImportReport:
    """Everything a load checks (a province-scoped `user`'s scope included), and the counts it would add/update,
    without writing anything."""
    return _run(db, data, file_name, user=user, partial=False, dry_run=True, max_bytes=max_bytes, progress=progress,
                isolate=isolate)


def load(db, data: bytes, file_name: str, *, user: auth.User | str, partial: bool = False, max_bytes: int = MAX_BYTES,
         progress: Progress | None = None, action: str = "import", isolate: bool = True) -> ImportReport:
    """Load the file in one transaction, its audit row included. With errors: nothing is written (status rejected),
    unless `partial`, then the valid rows load and the others are kept in the quarantine (status partial).

    `user`: a signed-in auth.User (refused without the permission `action`, or outside their province), or the
    command line's name for whoever runs it. `action`: "import", or "accept_draft" for a draft read from a text.
    `isolate`: the file is read in a worker process under a time limit (the server); False reads it here, under the
    same limit (the command line)."""
    return _run(db, data, file_name, user=user, partial=partial, dry_run=False, max_bytes=max_bytes, progress=progress,
                audited=action, isolate=isolate)


@dataclass(frozen=True)
class _Job:
    """One load or check of a file: who, which file, how."""

    file_name: str  # a base name, never a path: recorded, shown and offered back
    sha: str
    who: auth.User
    started: dt.datetime
    partial: bool
    dry_run: bool
    audited: str  # the permission a load needs, and the action its audit row names
    say: Progress


def _run(db, data: bytes, file_name: str, *, user: auth.User | str, partial: bool, dry_run: bool, max_bytes: int,
         progress: Progress | None, audited: str = "import", isolate: bool = True) -> ImportReport:
    who = auth.actor(user)
    job = _Job(safe_file_name(file_name), hashlib.sha256(data).hexdigest(), who, dt.datetime.now(), partial, dry_run,
               audited, progress or (lambda stage: None))
    job.say("reading")
    raw = reader.read_limited(data, job.file_name, max_bytes=max_bytes, isolate=isolate)
    report = ImportReport(None, job.file_name, job.sha, "rejected", errors=list(raw.errors), notices=list(raw.notices),
                          dry_run=dry_run)
    if not dry_run and (refused := _not_allowed(who, audited)):
        report.errors = [refused]
        return report
    if any(e.row is None for e in raw.errors) or not raw.sheets:
        return report  # the file as a whole cannot be read: nothing to check row by row
    if not dry_run and (refused := _backup_first(db, "import")):
        report.errors = [refused]
        return report
    try:
        # committed only when written; a check, or a load refused on the way, is rolled back: nothing it staged stays
        return db.attempt(f"import {job.file_name}", lambda cur: _check_and_write(cur, job, raw, report))
    except duckdb.Error as exc:
        if not _write_failure(exc):
            raise
        report.status, report.batch_id = "rejected", None
        report.counts = {k: SheetCounts(read=c.read, rejected=c.rejected) for k, c in report.counts.items()}
        report.errors = [_write_failed(exc)]
        return report


def _check_and_write(cur, job: _Job, raw: RawFile, report: ImportReport) -> tuple[ImportReport, bool]:
    """The file checked, staged and compared with the database in the load's transaction; written when nothing stops
    it. (report, True) when written, (report, False) when the transaction is to be rolled back."""
    ensure_tables(cur)
    _notice_earlier_batch(cur, job.sha, report)
    job.say("checking")
    ctx = checks.Context.from_db(cur)
    checked = checks.validate(raw, ctx)
    _take_checks(report, checked)
    if checked.errors and (not (job.partial or job.dry_run) or any(e.row is None for e in checked.errors)):
        return report, False  # (a dry run goes on, to count what the valid rows would do)
    batch_id = cur.execute("SELECT coalesce(max(batch_id), 0) + 1 FROM import_batch").fetchone()[0]
    sources = _Sources(cur, batch_id, job.file_name, job.who.name, job.sha)
    staged = _stage(cur, checked, sources)
    provinces = _touched_by_load(cur, staged)
    if not _in_scope(cur, job.who, provinces, checked, ctx, report):
        return report, False
    if not staged and report.rejected:  # a partial load of a file without one valid row (found by fuzzing)
        return report, False
    conflicts = _conflicts(cur, staged, checked)
    report.errors = [*report.errors, *[e for r in conflicts for e in r.errors]]
    for r in conflicts:
        report.counts[r.sheet].rejected += 1
    if conflicts and not job.partial:
        return report, False
    _count_actions(cur, staged, report)
    if report.added == 0 and report.updated == 0 and report.rejected == 0:
        report.status = "unchanged"
        return report, False
    if job.dry_run:
        report.status = "rejected" if report.errors else "valid"
        return report, False
    _write_batch(cur, job, report, _Batch(batch_id, sources, staged, [*checked.rejected, *conflicts], provinces))
    return report, True


def _not_allowed(who: auth.User, action: str) -> RowError | None:
    try:
        auth.require(who, action)
    except auth.NotAllowed as exc:
        return RowError(None, None, None, "not_allowed", exc.vi, exc.en)
    return None


def _take_checks(report: ImportReport, checked: checks.Validated) -> None:
    """What the checks found, into the report: errors, notices, sheets, rows read and rejected."""
    report.errors = checked.errors
    report.notices.extend(Notice(vi, en) for vi, en in checked.notices)
    report.sheet_names = checked.sheet_names
    report.counts = {k: SheetCounts(read=n) for k, n in checked.rows_read.items()}
    for r in checked.rejected:
        report.counts[r.sheet].rejected += 1


def _in_scope(cur, who: auth.User, provinces: set[str | None], checked: checks.Validated, ctx: checks.Context,
              report: ImportReport) -> bool:
    """Whether the load stays in a province-scoped user's provinces; when not, the report says which rows do not."""
    counterparts, names = _counterparts(cur), _names(ctx)
    try:
        auth.check_scope(who, provinces, counterparts, names)
    except auth.OutOfScope as exc:
        outside = _outside_rows(cur, auth.allowed_provinces(who, counterparts), checked, names)
        report.errors = [RowError(None, None, None, "out_of_scope", exc.vi, exc.en), *outside, *report.errors]
        return False
    return True


def _count_actions(cur, staged: list[_Table], report: ImportReport) -> None:
    """Per sheet, the staged rows a load adds, updates and leaves as they are."""
    for table in staged:
        if table.name == _FOLLOWUP:
            continue  # counted with its findings row, below
        c = report.counts[table.sheet]
        for action, n in cur.execute(f"SELECT _action, count(*) FROM _in_{table.name} GROUP BY ALL").fetchall():  # noqa: S608 - name from _TABLES
            if action == "insert":
                c.added = n
            elif action == "update":
                c.updated = n
            elif action == "same":
                c.unchanged = n
    if any(table.name == _FOLLOWUP for table in staged):
        # A findings row whose finding is as recorded but whose follow-up is new or changed: an update of the row.
        # (_FOLLOWUP is this module's constant table name, never a value from a file.)
        n = cur.execute(f"""SELECT count(*) FROM _in_{_FOLLOWUP} ff JOIN _in_finding f USING (_row)
                            WHERE f._action = 'same' AND ff._action IN ('insert', 'update')""").fetchone()[0]  # noqa: S608
        report.counts["findings"].unchanged -= n
        report.counts["findings"].updated += n


@dataclass(frozen=True)
class _Batch:
    """What a load writes: its number, sources, staged tables, the rows it sets aside, the provinces it touches."""

    batch_id: int
    sources: _Sources
    staged: list[_Table]
    rejected: list[checks.Rejected]
    provinces: set[str | None]


def _write_batch(cur, job: _Job, report: ImportReport, batch: _Batch) -> None:
    """The batch written: its sources and rows, the rows it sets aside, its import_batch row and its audit row."""
    report.batch_id = batch.batch_id
    report.status = "partial" if report.rejected else "loaded"
    job.say("writing")
    batch.sources.write(batch.staged)
    _write(cur, batch.staged, batch.batch_id)
    _quarantine(cur, batch.batch_id, batch.rejected)
    cur.execute("""INSERT INTO import_batch VALUES ($b, $user, $started, current_localtimestamp(), $file, $sha, $status,
                                                    $added, $updated, $unchanged, $rejected, $source, NULL, NULL)""",
                {"b": batch.batch_id, "user": job.who.name, "started": job.started, "file": job.file_name, "sha": job.sha,
                 "status": report.status, "added": report.added, "updated": report.updated,
                 "unchanged": report.unchanged, "rejected": report.rejected, "source": batch.sources.main_id})
    for table in batch.staged:
        cur.execute(f"DROP TABLE _in_{table.name}")  # table name from _TABLES, never from a file
    cur.execute("DROP TABLE _scope_touch")
    auth.audit(cur, job.who, job.audited, {"batch_id": batch.batch_id, "file": job.file_name, "sha256": job.sha,
                                           "status": report.status, "added": report.added, "updated": report.updated,
                                           "rejected": report.rejected,
                                           "provinces": sorted({p or "" for p in batch.provinces})})


def _backup_first(db, reason: str) -> RowError | None:
    """A backup of the database as it is, before a write (par_dashboard.store.backup); the error when it cannot be taken."""
    try:
        backup.backup(db, reason)
    except backup.BackupFailed as exc:
        return RowError(None, None, None, "backup_failed", exc.vi, exc.en)
    return None


def _write_failure(exc: duckdb.Error) -> bool:
    """A write the disk refused (full, failing) at any point, its commit included: the transaction is rolled back."""
    return isinstance(exc, (duckdb.IOException, duckdb.FatalException)) or (
        isinstance(exc, duckdb.TransactionException) and "Failed to commit" in str(exc))


def _write_failed(exc: Exception) -> RowError:
    detail = str(exc).splitlines()[0].removeprefix("FATAL Error: ")[:200]
    return RowError(None, None, None, "write_failed", *both("imp_write_failed", detail=detail))


# ------------------------------------------------------------------------------------------------ province scope

# What a row belongs to: its own province (plans, inspections, targets) and the province of every row it attaches
# to, its plan, its inspection, its unit, the finding it follows up (a finding belongs to its inspection's and its
# unit's provinces). A province-scoped user's write must stay inside their provinces on all of these, for the row a
# file brings and for the row of the same key it would replace: looking at the incoming row alone let an id of
# another province's row (or a row hung under another province's inspection) change that province's data.
_OWN_PROVINCE = frozenset({"inspection_plan", "inspection", "target"})
_PARENTS = {
    "inspection_plan": (),
    "inspection": (("plan", "plan_id"),),
    "inspection_unit": (("inspection", "inspection_id"), ("unit", "unit_id")),
    "finding": (("inspection", "inspection_id"), ("unit", "unit_id"), ("finding", "follows_up_id")),
    _FOLLOWUP: (("followed_finding", "finding_id"),),
    "indicator_value": (("unit", "unit_id"), ("inspection", "inspection_id")),
    "target": (),
    "score": (("unit", "unit_id"),),
}


def _parents_sql(staged: set[str]) -> dict[str, str]:
    """Per kind of parent, a query of (id, province_id): the province of each row another row may attach to, as the
    database has it and as the staged rows (`_in_<table>` of the tables in `staged`) would make it; both count.
    A finding's are its inspection's and its unit's; only the findings some row of `r` follows up are looked at."""
    def both(table: str, columns: str) -> str:
        return " UNION ALL ".join([f"SELECT {columns} FROM {table}"]  # noqa: S608 - names from _TABLES
                                  + ([f"SELECT {columns} FROM _in_{table}"] if table in staged else []))  # noqa: S608

    units = "SELECT unit_id AS id, CASE WHEN level = 'province' THEN unit_id ELSE province_id END AS province_id FROM admin_unit"
    inspections = both("inspection", "inspection_id AS id, province_id")
    findings = f"""SELECT * FROM ({both('finding', 'finding_id, inspection_id, unit_id')})
                   WHERE finding_id IN (SELECT follows_up_id FROM r)"""  # noqa: S608 - names from _TABLES

    def of_findings(findings: str) -> str:
        return f"""SELECT f.finding_id AS id, p.province_id FROM ({findings}) f JOIN ({inspections}) p ON p.id = f.inspection_id
                   UNION ALL
                   SELECT f.finding_id, u.province_id FROM ({findings}) f JOIN ({units}) u ON u.id = f.unit_id"""  # noqa: S608

    # a follow-up row belongs to its finding's provinces (only the findings some row of `r` is the follow-up of)
    own = f"""SELECT * FROM ({both('finding', 'finding_id, inspection_id, unit_id')})
              WHERE finding_id IN (SELECT finding_id FROM r)"""  # noqa: S608 - names from _TABLES
    return {"unit": units, "plan": both("inspection_plan", "plan_id AS id, province_id"), "inspection": inspections,
            "finding": of_findings(findings), "followed_finding": of_findings(own)}


def _touch(cur, table: _Table, relation, parents: dict[str, str], params: dict | None = None) -> None:
    """Add to _scope_touch the provinces the rows of `relation(columns)` belong to; `relation` is given the columns
    it must yield (its own province, its parents' ids) besides `_row` (the file's row) and `replaced` (a row there
    already, which a load replaces or a rollback deletes or restores). A parent that cannot be found counts as a
    province none is allowed (NULL): when unsure, refuse."""
    t = table.name
    own = t in _OWN_PROVINCE
    columns = (["province_id"] if own else []) + [col for _, col in _PARENTS[t]]
    head = f"SELECT {_TABLES.index(table)}, r._row, r.replaced"
    parts = [f"{head}, 'row', NULL, r.province_id FROM r"] if own else []
    parts += [f"""{head}, '{kind}', r.{col}, p.province_id FROM r LEFT JOIN ({parents[kind]}) p ON p.id = r.{col}
                  WHERE r.{col} IS NOT NULL""" for kind, col in _PARENTS[t]]  # noqa: S608 - names from _TABLES
    cur.execute(f"INSERT INTO _scope_touch WITH r AS ({relation(columns)}) " + " UNION ALL ".join(parts), params or {})  # noqa: S608


def _new_touch_table(cur) -> None:
    cur.execute("""CREATE OR REPLACE TEMP TABLE _scope_touch
                   (ord INTEGER, _row INTEGER, replaced BOOLEAN, kind VARCHAR, ref VARCHAR, province_id VARCHAR)""")


def _touched(cur) -> set[str | None]:
    return {p for (p,) in cur.execute("SELECT DISTINCT province_id FROM _scope_touch").fetchall()}


def _touched_by_load(cur, staged: list[_Table]) -> set[str | None]:
    """The provinces a load would touch (None: a row of no province): of every staged row that adds or changes
    something, of the row it replaces, and of every parent either attaches to. A row the database already has as it
    is changes nothing and is left out (the template's examples of other provinces load as unchanged)."""
    parents = _parents_sql({t.name for t in staged})
    _new_touch_table(cur)
    for table in staged:
        t = table.name
        on = " AND ".join(f"o.{k} = i.{k}" for k in table.key)

        def relation(columns: list[str], t=t, on=on) -> str:
            new, old = ", ".join(f"i.{c}" for c in columns), ", ".join(f"o.{c}" for c in columns)
            return f"""SELECT {new}, i._row, false AS replaced FROM _in_{t} i WHERE i._action <> 'same'
                       UNION ALL
                       SELECT {old}, i._row, true FROM _in_{t} i JOIN {t} o ON {on} WHERE i._action <> 'same'"""  # noqa: S608 - names from _TABLES

        _touch(cur, table, relation, parents)
    return _touched(cur)


_SHOWN_ROWS = 100  # rows named one by one when a file reaches outside the user's provinces; then a count


def _outside_rows(cur, allowed: frozenset[str] | None, checked: checks.Validated, names: dict[str, str]) -> list[RowError]:
    """One error per row that reaches outside `allowed`, saying how (its own province, the row it would replace,
    the parent it attaches to) and which province that is."""
    if allowed is None:
        return []
    found = cur.execute("""SELECT ord, _row, list(DISTINCT {'replaced': replaced, 'kind': kind, 'ref': ref, 'province': province_id}),
                                  count(*) OVER ()
                           FROM _scope_touch WHERE coalesce(province_id, '') NOT IN (SELECT unnest($allowed))
                           GROUP BY ord, _row ORDER BY ord, _row LIMIT $n""",
                        {"allowed": sorted(allowed), "n": _SHOWN_ROWS}).fetchall()
    out = []
    for order, row, reasons, _ in found:
        table = _TABLES[order]
        rec = dict(checked.valid[table.sheet])[row]
        key = ", ".join(str(rec[k]) for k in table.key)
        vi, en = [], []
        for r in sorted(reasons, key=lambda r: (r["replaced"], r["kind"], r["ref"] or "", r["province"] or "")):
            p = names.get(r["province"], r["province"]) or "—"
            v, e = _reason(r["kind"], r["ref"], key, p, r["replaced"])
            if v not in vi:
                vi.append(v)
                en.append(e)
        out.append(RowError(checked.sheet_names[table.sheet], row, None, "out_of_scope",
                            *both("imp_outside_row", row=row, reasons=PerLang("; ".join(vi), "; ".join(en)))))
    if found and (more := found[0][3] - len(found)):
        out.append(RowError(None, None, None, "out_of_scope", *both("imp_outside_more", more=more)))
    return out


_REASONS = {"row": "imp_reason_row", "plan": "imp_reason_plan", "inspection": "imp_reason_inspection", "unit": "imp_reason_unit",
            "finding": "imp_reason_finding", "followed_finding": "imp_reason_followed_finding"}


def _reason(kind: str, ref: str | None, key: str, province: str, replaced: bool) -> tuple[str, str]:
    return both("imp_reason_replaced" if replaced else _REASONS[kind], ref=ref, row_key=key, province=province)


def _touched_by_batch(cur, batch_id: int) -> set[str | None]:
    """The provinces a rollback of the batch would touch: of the rows it added (deleted by the rollback), of the
    rows it changed as they are now and as they were (restored), and of every parent these attach to."""
    parents = _parents_sql(set())
    _new_touch_table(cur)
    changed_tables = {t for (t,) in cur.execute("SELECT DISTINCT table_name FROM import_change WHERE batch_id = $b",
                                                {"b": batch_id}).fetchall()}
    for table in _TABLES:
        t = table.name
        if t not in changed_tables:
            continue
        types = {c[0]: c[1] for c in cur.execute(f"DESCRIBE {t}").fetchall()}  # noqa: S608 - names from _TABLES
        keys = json.dumps({k: types[k] for k in table.key})
        on = " AND ".join(f"o.{k} = k.{k}" for k in table.key)

        def relation(columns: list[str], t=t, keys=keys, on=on, types=types) -> str:
            old = ", ".join(f"o.{c}" for c in columns)
            return f"""SELECT {old}, NULL::INTEGER AS _row, true AS replaced FROM {t} o
                       JOIN (SELECT unnest(json_transform(row_key, '{keys}')) FROM import_change
                             WHERE batch_id = $b AND table_name = '{t}') k ON {on}
                       UNION ALL
                       SELECT {', '.join(columns)}, NULL, true FROM (
                           SELECT unnest(json_transform(previous, '{json.dumps(types)}')) FROM import_change
                           WHERE batch_id = $b AND table_name = '{t}' AND action = 'update')"""  # noqa: S608 - names, types from the schema

        _touch(cur, table, relation, parents, {"b": batch_id})
    provinces = _touched(cur)
    cur.execute("DROP TABLE _scope_touch")
    return provinces


def _counterparts(cur) -> Callable[[str], list[str]]:
    """A province's counterparts in the other structure (queries/province_lineage.sql)."""
    return lambda province: [r[0] for r in cur.execute(query_text("province_lineage"), {"province_id": province}).fetchall()]


def _names(ctx: checks.Context) -> dict[str, str]:
    return {u: v["short_name"] for u, v in ctx.units.items() if v["level"] == "province"}


def _notice_earlier_batch(cur, sha: str, report: ImportReport) -> None:
    row = cur.execute("""SELECT batch_id, finished_at FROM import_batch WHERE sha256 = $sha AND rolled_back_at IS NULL
                         ORDER BY batch_id DESC LIMIT 1""", {"sha": sha}).fetchone()
    if row:
        report.notices.append(Notice(*both("imp_earlier_batch", batch=row[0], at=f"{row[1]:%d/%m/%Y %H:%M}")))


class _Sources:
    """The batch's source rows: one for the file, one per original source the file names, one per demo source."""

    def __init__(self, cur, batch_id: int, file_name: str, user: str, sha: str):
        self.cur = cur
        self.batch_id = batch_id
        self.file_name = file_name
        self.next_id = cur.execute("SELECT coalesce(max(source_id), 0) + 1 FROM source").fetchone()[0]
        self.main_id = self.next_id
        self.rows: dict[tuple, dict] = {(False, None, None): {
            "source_id": self.main_id, "kind": "import_batch", "title": f"Nhập từ tệp {file_name} (lô {batch_id})",
            "url": None, "file": file_name, "note": f"Người nhập: {user}; SHA-256: {sha[:16]}"}}
        self.next_id += 1

    def id_for(self, key: tuple | None) -> int | None:
        if key is None:
            return None
        demo, title, url = key
        if key not in self.rows:
            note = f"Lô nhập {self.batch_id}: {self.file_name}"
            if demo:
                title = title or f"Dữ liệu mô phỏng — nhập từ tệp {self.file_name} (lô {self.batch_id})"
            self.rows[key] = {"source_id": self.next_id, "kind": "synthetic_demo" if demo else "import_batch",
                              "title": title or url, "url": url, "file": self.file_name, "note": note}
            self.next_id += 1
        return self.rows[key]["source_id"]

    def write(self, staged: list[_Table]) -> None:
        """Only the sources some written row points to (and the batch's own)."""
        used = {self.main_id}
        for table in staged:
            if table.sourced:
                cols = "source_id" + (", rank_source_id" if table.rank_source else "")
                for row in self.cur.execute(f"SELECT DISTINCT {cols} FROM _in_{table.name} "  # noqa: S608 - fixed names
                                            "WHERE _action IN ('insert', 'update')").fetchall():
                    used.update(v for v in row if v is not None)
        rows = [r for r in self.rows.values() if r["source_id"] in used]
        df = pd.DataFrame(rows, dtype=object)
        self.cur.register("_sources", df)
        self.cur.execute("INSERT INTO source BY NAME SELECT * FROM _sources")
        self.cur.unregister("_sources")
        self.cur.execute("""INSERT INTO import_change SELECT $b, 'source', to_json({source_id: source_id}), 'insert', NULL
                            FROM source WHERE source_id IN (SELECT unnest($ids))""", {"b": self.batch_id, "ids": sorted(used)})


def _stage(cur, checked: checks.Validated, sources: _Sources) -> list[_Table]:
    """Each table's incoming rows in a temporary table `_in_<table>`, each classified against the database:
    insert (new key), update (the row differs), same, or conflict (a synthetic row over real data)."""
    staged = []
    for table in _TABLES:
        rows = _records(table, checked.valid.get(table.sheet) or [])
        if not rows:
            continue
        records = []
        for row, rec in rows:
            out = {k: v for k, v in rec.items() if not k.startswith("_")}
            out["_row"] = row
            if table.sourced:
                out["source_id"] = sources.id_for(rec["_src"])
                out["_demo"] = rec["_src"][0]
            if table.rank_source:
                out["rank_source_id"] = sources.id_for(rec["_rank_src"])
            records.append(out)
        df = pd.DataFrame(records, dtype=object)
        t = table.name
        # Declared column by column: in DuckDB 2.0 a table made by `CREATE TABLE ... AS SELECT ... LIMIT 0` and then
        # given 122,880 rows or more in the same transaction reads back empty (tests/test_import_service.py checks it).
        columns = ", ".join(f'"{name}" {kind}' for name, kind, *_ in cur.execute(f"DESCRIBE {t}").fetchall())  # noqa: S608 - schema table
        cur.execute(f"CREATE OR REPLACE TEMP TABLE _new ({columns}, _row INTEGER, _demo BOOLEAN)")  # columns from DESCRIBE
        cur.register("_incoming", df)
        cur.execute("INSERT INTO _new BY NAME SELECT * FROM _incoming")
        cur.unregister("_incoming")
        on = " AND ".join(f"t.{k} = i.{k}" for k in table.key)
        same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM i.{c}" for c in table.columns)
        if table.sourced:
            same += " AND coalesce(s.kind = 'synthetic_demo', false) = i._demo"
        if table.rank_source:
            same += " AND (t.rank_source_id IS NULL) = (i.rank_source_id IS NULL)"
        conflict = "i._demo AND s.kind <> 'synthetic_demo'" if table.sourced else "false"
        join_source = "LEFT JOIN source s ON s.source_id = t.source_id" if table.sourced else ""
        # names and fragments from _TABLES and this function's literals only; the file's values are in _new's rows
        cur.execute(f"""
            CREATE OR REPLACE TEMP TABLE _in_{t} AS
            SELECT i.*, CASE WHEN t.{table.key[0]} IS NULL THEN 'insert'
                             WHEN {same} THEN 'same'
                             WHEN {conflict} THEN 'conflict'
                             ELSE 'update' END AS _action
            FROM _new i LEFT JOIN {t} t ON {on} {join_source}""")  # noqa: S608 - names from _TABLES
        cur.execute("DROP TABLE _new")
        staged.append(table)
    return staged


def _records(table: _Table, rows: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """The rows of a sheet that `table` is written from: for finding_followup, the follow-up of each findings row that
    has one, with the row's source."""
    if table.name != _FOLLOWUP:
        return rows
    return [(row, {**rec["_followup"], "_src": rec["_src"]}) for row, rec in rows if rec.get("_followup")]


def _conflicts(cur, staged: list[_Table], checked: checks.Validated) -> list[checks.Rejected]:
    out = []
    for table in staged:
        rows = {r for (r,) in cur.execute(f"SELECT _row FROM _in_{table.name} WHERE _action = 'conflict'").fetchall()}  # noqa: S608
        if not rows:
            continue
        name = checked.sheet_names[table.sheet]
        for row, rec in checked.valid[table.sheet]:
            if row in rows:
                key = ", ".join(str(rec[k]) for k in table.key)
                err = RowError(name, row, None, "demo_over_real", *both("imp_demo_over_real", row=row, row_key=key))
                out.append(checks.Rejected(table.sheet, name, row, {k: v for k, v in rec.items() if not k.startswith("_")},
                                           [err]))
    return out


def _key_json(table: _Table, alias: str) -> str:
    return "to_json({" + ", ".join(f"{k}: {alias}.{k}" for k in table.key) + "})"


# DuckDB checks foreign keys eagerly: inside one transaction it refuses to delete a row, or to change an indexed
# (key or foreign-key) column of a row, that rows committed earlier refer to, even when those rows were deleted
# earlier in the same transaction. Writes that need this are done on temporary copies of the tables concerned
# (and of every table referring to them), which then replace the tables, still in the same transaction.

class _Tables:
    """Where each table's rows are written: the table itself, or its temporary copy `_copy_<table>`."""

    def __init__(self, cur, rebuild: set[str]):
        self.cur = cur
        self.order = _closure(cur, rebuild)  # parents first
        for t in self.order:
            cur.execute(f"CREATE OR REPLACE TEMP TABLE _copy_{t} AS SELECT * FROM {t}")  # noqa: S608 - schema names

    def __getitem__(self, table: str) -> str:
        return f"_copy_{table}" if table in self.order else table

    def swap(self) -> None:
        """The copies become the tables (same definitions as stored in the database), children dropped first."""
        cur = self.cur
        ddl = {t: cur.execute("SELECT sql FROM duckdb_tables() WHERE table_name = $t AND NOT temporary", {"t": t}).fetchone()[0]
               for t in self.order}
        for t in reversed(self.order):
            cur.execute(f"DROP TABLE {t}")  # noqa: S608
        for t in self.order:
            cur.execute(ddl[t])
            self_ref = _self_reference(cur, t)
            if self_ref is None:
                cur.execute(f"INSERT INTO {t} SELECT * FROM _copy_{t}")  # noqa: S608
            else:  # a row after the row it refers to
                key, ref = self_ref  # table and column names from _TABLES, never from a file
                while cur.execute(f"""INSERT INTO {t} SELECT * FROM _copy_{t} c
                                      WHERE c.{key} NOT IN (SELECT {key} FROM {t})
                                        AND (c.{ref} IS NULL OR c.{ref} IN (SELECT {key} FROM {t}))""").fetchone()[0]:  # noqa: S608
                    pass
                left = cur.execute(f"SELECT count(*) FROM _copy_{t} WHERE {key} NOT IN (SELECT {key} FROM {t})").fetchone()[0]  # noqa: S608
                if left:
                    raise RuntimeError(f"{t}: {left} rows refer to rows that do not exist")
            cur.execute(f"DROP TABLE _copy_{t}")


def _references(cur) -> list[tuple[str, str, str, str]]:
    """(table, column, referenced table, referenced column) for every foreign key."""
    return [(t, c[0], r, rc[0]) for t, c, r, rc in cur.execute(
        """SELECT table_name, constraint_column_names, referenced_table, referenced_column_names FROM duckdb_constraints()
           WHERE constraint_type = 'FOREIGN KEY' AND NOT starts_with(table_name, '_')""").fetchall()]


def _self_reference(cur, table: str) -> tuple[str, str] | None:
    return next(((rc, c) for t, c, r, rc in _references(cur) if t == table and r == table), None)


def _closure(cur, tables: set[str]) -> list[str]:
    """The tables and every table referring to them (transitively), parents before children."""
    refs = [(t, r) for t, _, r, _ in _references(cur) if t != r]
    out = set(tables)
    while True:
        more = {t for t, r in refs if r in out} - out
        if not more:
            break
        out |= more
    order: list[str] = []
    while len(order) < len(out):
        for t in sorted(out - set(order)):
            if all(r in order or r not in out for tt, r in refs if tt == t):
                order.append(t)
    return order


_INDEXED = {"inspection_plan": ("province_id", "source_id"),
            "inspection": ("plan_id", "province_id", "source_id"),
            "finding": ("inspection_id", "unit_id", "area_code", "follows_up_id", "source_id")}


def _blocked(cur, staged: list[_Table]) -> set[str]:
    """Tables where an update would change a key column of a row other rows refer to (see _Tables)."""
    out = set()
    referers = {}
    for t, c, r, rc in _references(cur):
        referers.setdefault(r, []).append((t, c, rc))
    for table in staged:
        t = table.name
        if t not in _INDEXED:
            continue
        changed = " OR ".join(f"t.{c} IS DISTINCT FROM i.{c}" for c in _INDEXED[t])
        referenced = " OR ".join(f"EXISTS (SELECT 1 FROM {child} x WHERE x.{col} = t.{rc})"  # noqa: S608 - schema names
                                 for child, col, rc in referers.get(t, []))
        on = " AND ".join(f"t.{k} = i.{k}" for k in table.key)
        n = cur.execute(f"""SELECT count(*) FROM _in_{t} i JOIN {t} t ON {on}
                            WHERE i._action = 'update' AND ({changed}) AND ({referenced or 'false'})""").fetchone()[0]  # noqa: S608
        if n:
            out.add(t)
    return out


def _write(cur, staged: list[_Table], batch_id: int) -> None:
    """Log every written row (its key; for an update, the row as it was), then insert the new rows (a finding
    after the finding it follows up) and update the changed ones."""
    for table in staged:
        t = table.name
        on = " AND ".join(f"t.{k} = i.{k}" for k in table.key)
        cur.execute(f"""INSERT INTO import_change
                        SELECT $b, '{t}', {_key_json(table, 'i')}, i._action, CASE WHEN i._action = 'update' THEN to_json(t) END
                        FROM _in_{t} i LEFT JOIN {t} t ON {on}
                        WHERE i._action IN ('insert', 'update')""", {"b": batch_id})  # noqa: S608
    tables = _Tables(cur, _blocked(cur, staged))
    for table in staged:
        t, target = table.name, tables[table.name]
        cols = [*table.key, *table.columns] + (["source_id"] if table.sourced else []) + (["rank_source_id"] if table.rank_source else [])
        col_list = ", ".join(cols)
        if t == "finding" and target == t:
            while cur.execute(f"""INSERT INTO finding ({col_list}) SELECT {col_list} FROM _in_finding i
                                  WHERE _action = 'insert' AND finding_id NOT IN (SELECT finding_id FROM finding)
                                    AND (follows_up_id IS NULL OR follows_up_id IN (SELECT finding_id FROM finding))""").fetchone()[0]:  # noqa: S608
                pass
        else:
            cur.execute(f"INSERT INTO {target} ({col_list}) SELECT {col_list} FROM _in_{t} WHERE _action = 'insert'")  # noqa: S608
        where = " AND ".join(f"{target}.{k} = i.{k}" for k in table.key)
        indexed = _INDEXED.get(t, ()) if target == t else ()
        plain = [c for c in cols if c not in table.key and c not in indexed]
        cur.execute(f"UPDATE {target} SET {', '.join(f'{c} = i.{c}' for c in plain)} "  # noqa: S608
                    f"FROM _in_{t} i WHERE {where} AND i._action = 'update'")
        for c in indexed:  # only where it changes, on rows nothing refers to (else the table was copied)
            cur.execute(f"UPDATE {t} SET {c} = i.{c} FROM _in_{t} i WHERE {where} AND i._action = 'update' "  # noqa: S608
                        f"AND {t}.{c} IS DISTINCT FROM i.{c}")
    tables.swap()


def _json_value(v):
    if isinstance(v, dt.datetime):
        return v.strftime("%d/%m/%Y %H:%M") if (v.hour or v.minute) else v.strftime("%d/%m/%Y")
    if isinstance(v, dt.date):
        return v.strftime("%d/%m/%Y")
    return str(v)


def _quarantine(cur, batch_id: int, rejected: list[checks.Rejected]) -> None:
    if not rejected:
        return
    rows = [{"batch_id": batch_id, "sheet": r.sheet, "excel_row": r.row,
             "data": json.dumps({k: v for k, v in r.values.items() if v is not None}, ensure_ascii=False, default=_json_value),
             "errors": json.dumps([{"column": e.column, "code": e.code, "message_vi": e.message_vi, "message_en": e.message_en}
                                   for e in r.errors], ensure_ascii=False)}
            for r in rejected]
    seen = set()
    unique = []
    for r in rows:  # a row rejected twice (checks, then a conflict) is kept once
        if (r["sheet"], r["excel_row"]) not in seen:
            seen.add((r["sheet"], r["excel_row"]))
            unique.append(r)
    cur.register("_quarantine", pd.DataFrame(unique, dtype=object))
    cur.execute("INSERT INTO import_quarantine BY NAME SELECT * FROM _quarantine")
    cur.unregister("_quarantine")


# ------------------------------------------------------------------------------------------------ rollback

def rollback(db, batch_id: int, *, user: auth.User | str) -> RollbackReport:
    """Restore the rows the batch updated to what they were, delete the rows it added, in one transaction, with
    its audit row. `user` as for `load` (a signed-in user needs the permission "rollback", and a province-scoped
    one may undo only a batch whose rows, before and after it, and the rows they attach to, are all of their
    province).

    Refused when a later batch (not rolled back) changed the same rows again, or when rows outside the batch
    refer to rows it added: rolling back would then lose or break later data; roll the later batches back first.
    """
    who = auth.actor(user)
    if refused := _not_allowed(who, "rollback"):
        return RollbackReport(batch_id, "refused", refused.message_vi, refused.message_en)
    if refused := _backup_first(db, f"rollback {batch_id}"):
        return RollbackReport(batch_id, "refused", refused.message_vi, refused.message_en)
    try:
        # committed only when undone; a refusal found on the way is rolled back
        report = db.attempt(f"rollback import batch {batch_id}", lambda cur: _undo(cur, who, batch_id))
    except duckdb.Error as exc:
        if not _write_failure(exc):
            raise
        error = _write_failed(exc)
        return RollbackReport(batch_id, "refused", error.message_vi, error.message_en)
    if report.status == "rolled_back":
        # The tables were rewritten (see _Tables): the blocks of their old copies are freed for the next write now,
        # not at the next backup, so that the file does not keep both copies.
        db.checkpoint()
    return report


def _undo(cur, who: auth.User, batch_id: int) -> tuple[RollbackReport, bool]:
    """The batch undone in the rollback's transaction, or why not: (report, True) when done, (report, False) when
    the transaction is to be rolled back."""
    ensure_tables(cur)
    if refused := _cannot_undo(cur, batch_id):
        return refused, False
    provinces = _touched_by_batch(cur, batch_id)
    if refused := _rollback_out_of_scope(cur, who, batch_id, provinces):
        return refused, False
    later = [b for (b,) in cur.execute("""
        SELECT DISTINCT c2.batch_id FROM import_change c1
        JOIN import_change c2 ON c2.table_name = c1.table_name AND c2.row_key = c1.row_key AND c2.batch_id > c1.batch_id
        JOIN import_batch b ON b.batch_id = c2.batch_id AND b.rolled_back_at IS NULL
        WHERE c1.batch_id = $b ORDER BY 1""", {"b": batch_id}).fetchall()]
    if later:
        return _refused(batch_id, later), False
    for table in _TABLES:
        _stage_deletions(cur, table, batch_id)
    if dependents := _dependents(cur, batch_id):
        return _refused(batch_id, dependents, referenced=True), False
    # Deleting the batch's sources touches every table that refers to sources: all are rebuilt (see _Tables).
    tables = _Tables(cur, {"source"})
    restored = sum(_restore_updates(cur, table, batch_id, tables[table.name]) for table in _TABLES)
    deleted = sum(_delete_inserts(cur, table, tables[table.name]) for table in _TABLES)
    cur.execute(f"""DELETE FROM {tables['source']} WHERE source_id IN (
                       SELECT CAST(json_extract(row_key, '$.source_id') AS INTEGER) FROM import_change
                       WHERE batch_id = $b AND table_name = 'source')""", {"b": batch_id})  # noqa: S608
    tables.swap()
    cur.execute("UPDATE import_batch SET rolled_back_at = current_localtimestamp(), rolled_back_by = $u WHERE batch_id = $b",
                {"b": batch_id, "u": who.name})
    auth.audit(cur, who, "rollback", {"batch_id": batch_id, "deleted": deleted, "restored": restored,
                                      "provinces": sorted({p or "" for p in provinces})})
    return RollbackReport(batch_id, "rolled_back", *both("imp_rolled_back", batch=batch_id, deleted=deleted, restored=restored),
                          deleted, restored), True


def _cannot_undo(cur, batch_id: int) -> RollbackReport | None:
    """No such batch, or one rolled back already."""
    row = cur.execute("SELECT rolled_back_at, rolled_back_by FROM import_batch WHERE batch_id = $b", {"b": batch_id}).fetchone()
    if row is None:
        return RollbackReport(batch_id, "not_found", *both("imp_no_batch", batch=batch_id))
    if row[0] is not None:
        return RollbackReport(batch_id, "already_rolled_back",
                              *both("imp_already_rolled_back", batch=batch_id, at=f"{row[0]:%d/%m/%Y %H:%M}", by=row[1]))
    return None


def _rollback_out_of_scope(cur, who: auth.User, batch_id: int, provinces: set[str | None]) -> RollbackReport | None:
    """A province-scoped user may undo the batch only when all the provinces undoing it touches (_touched_by_batch)
    are theirs. Read from the rows themselves, not from the batch's audit row: that one named only the provinces
    of the incoming rows (and a batch loaded before the audit log existed has none)."""
    try:
        auth.check_scope(who, provinces, _counterparts(cur))
    except auth.OutOfScope as exc:
        return RollbackReport(batch_id, "refused", exc.vi, exc.en)
    return None


def _refused(batch_id: int, later: list[int], referenced: bool = False) -> RollbackReport:
    shown = ", ".join(str(b) for b in later if b is not None)
    if not referenced:
        return RollbackReport(batch_id, "refused", *both("imp_refused_changed_later", batch=batch_id, later=shown))
    if not shown:  # only rows not from an import
        label = "imp_refused_referenced_by_other"
    elif None in later:
        label = "imp_refused_referenced_by_batches_and_other"
    else:
        label = "imp_refused_referenced_by_batches"
    return RollbackReport(batch_id, "refused", *both(label, batch=batch_id, later=shown))


def _structure(cur, table: str) -> str:
    cols = cur.execute(f"DESCRIBE {table}").fetchall()  # noqa: S608 - names from _TABLES
    return json.dumps({c[0]: c[1] for c in cols})


def _restore_updates(cur, table: _Table, batch_id: int, target: str) -> int:
    t = table.name
    cur.execute(f"""CREATE OR REPLACE TEMP TABLE _prev AS
                    SELECT unnest(json_transform(previous, '{_structure(cur, t)}')) FROM import_change
                    WHERE batch_id = $b AND table_name = '{t}' AND action = 'update'""", {"b": batch_id})  # noqa: S608
    n = cur.execute("SELECT count(*) FROM _prev").fetchone()[0]
    if n:
        cols = [c[0] for c in cur.execute(f"DESCRIBE {t}").fetchall() if c[0] not in table.key]  # noqa: S608
        sets = ", ".join(f"{c} = p.{c}" for c in cols)
        where = " AND ".join(f"{target}.{k} = p.{k}" for k in table.key)
        cur.execute(f"UPDATE {target} SET {sets} FROM _prev p WHERE {where}")  # noqa: S608
    cur.execute("DROP TABLE _prev")
    return n


def _stage_deletions(cur, table: _Table, batch_id: int) -> None:
    t = table.name
    key_types = {c[0]: c[1] for c in cur.execute(f"DESCRIBE {t}").fetchall() if c[0] in table.key}  # noqa: S608
    structure = json.dumps({k: key_types[k] for k in table.key})
    cur.execute(f"""CREATE OR REPLACE TEMP TABLE _del_{t} AS
                    SELECT unnest(json_transform(row_key, '{structure}')) FROM import_change
                    WHERE batch_id = $b AND table_name = '{t}' AND action = 'insert'""", {"b": batch_id})  # noqa: S608


def _dependents(cur, batch_id: int) -> list[int | None]:
    """Batches (None: not an import) holding rows, not added by this batch, that refer to rows this batch added."""
    found: set[int | None] = set()
    for parent, refs in _REFERENCES.items():
        pkey = _BY_NAME[parent].key[0]
        for child, col in refs:
            ckey = _BY_NAME[child].key
            not_ours = " AND ".join(f"d.{k} = c.{k}" for k in ckey)
            rows = cur.execute(f"""
                SELECT {_key_json(_BY_NAME[child], 'c')} FROM {child} c
                WHERE c.{col} IN (SELECT {pkey} FROM _del_{parent})
                  AND NOT EXISTS (SELECT 1 FROM _del_{child} d WHERE {not_ours})""").fetchall()  # noqa: S608
            for (key,) in rows:
                b = cur.execute("""SELECT max(c.batch_id) FROM import_change c JOIN import_batch b USING (batch_id)
                                   WHERE c.table_name = $t AND c.row_key = $k AND b.rolled_back_at IS NULL""",
                                {"t": child, "k": key}).fetchone()[0]
                found.add(b)
    found.discard(batch_id)
    return sorted(found, key=lambda b: (b is None, b or 0))


def _delete_inserts(cur, table: _Table, target: str) -> int:
    t = table.name
    where = " AND ".join(f"{target}.{k} = d.{k}" for k in table.key)
    n = cur.execute(f"SELECT count(*) FROM _del_{t}").fetchone()[0]  # noqa: S608
    if n:
        cur.execute(f"DELETE FROM {target} USING _del_{t} d WHERE {where}")  # noqa: S608
    cur.execute(f"DROP TABLE _del_{t}")
    return n


# ------------------------------------------------------------------------------------------------ listing

_BATCH_COLUMNS = ["batch_id", "user_name", "started_at", "finished_at", "file_name", "sha256", "status", "added", "updated",
                  "unchanged", "rejected", "source_id", "rolled_back_at", "rolled_back_by"]


def audit_log(db, limit: int = 200) -> pd.DataFrame:
    """The latest audit rows, newest first (empty when nothing was ever written)."""
    with db.cursor() as cur:
        exists = cur.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'audit_log' AND NOT temporary").fetchone()[0]
    if not exists:
        return pd.DataFrame(columns=["audit_id", "at", "user_name", "role", "action", "detail"])
    return db.query("audit_log", limit=limit)


def batches(db) -> pd.DataFrame:
    """Every import batch, newest first (empty when nothing was ever imported)."""
    with db.cursor() as cur:
        if not _has_tables(cur):
            return pd.DataFrame(columns=_BATCH_COLUMNS)
        return cur.execute(f"SELECT {', '.join(_BATCH_COLUMNS)} FROM import_batch ORDER BY batch_id DESC").df()  # noqa: S608


# ------------------------------------------------------------------------------------------------ workbooks

def error_workbook_limited(data: bytes, report: ImportReport, lang: str = "vi") -> bytes:
    """`error_workbook` in a worker process under the time limit (it reads the whole file again, and writes it back);
    when the limit is reached, the errors sheet alone."""
    from par_dashboard.security import worker

    try:
        return worker.call(error_workbook, data, report, lang, limit=worker.limit_for(len(data)))
    except worker.STOPPED:
        return error_workbook(b"", report, lang)


def error_workbook(data: bytes, report: ImportReport, lang: str = "vi") -> bytes:
    """The uploaded sheets with the offending rows filled light red, the offending cells red with a comment
    saying what is wrong, and an errors sheet (first) listing every problem."""
    wb, sheets, in_book = _upload_book(data, report.file_name, lang)
    _mark_errors(wb, sheets, in_book, report.errors, lang)
    _errors_sheet(wb, in_book, report, lang)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload_book(data: bytes, file_name: str, lang: str):
    """The uploaded file as a workbook (a CSV as one sheet), its template sheets by their name in the book, and
    where a sheet the report names is in the book (a CSV's sheet is named as the file in the report); an empty
    book when the file cannot be opened again."""
    from openpyxl import Workbook, load_workbook

    raw = reader.read(data, file_name, max_bytes=max(len(data), 1))
    sheets = {s.name: s for s in raw.sheets}
    report_name = None
    wb = None
    if raw.kind == "xlsx" and raw.sheets:
        try:
            wb = load_workbook(io.BytesIO(data))
        except Exception:  # noqa: BLE001 - then the errors sheet alone
            wb = None
    elif raw.kind == "csv" and raw.sheets:  # the CSV as a sheet, named as the file is in the report
        wb = Workbook()
        ws = wb.active
        ws.title = raw.sheets[0].spec.title(lang)[:31]
        for rec in _csv_records(data):
            ws.append(rec)
            for cell in ws[ws.max_row]:
                _as_text(cell)
        sheets = {ws.title: raw.sheets[0]}
        report_name = raw.sheets[0].name
    if wb is None:
        wb = Workbook()
        wb.remove(wb.active)
        sheets = {}

    def in_book(name: str | None) -> str | None:
        if raw.kind == "csv" and name == report_name:
            return next(iter(sheets))
        return name

    return wb, sheets, in_book


def _mark_errors(wb, sheets: dict, in_book: Callable[[str | None], str | None], errors: list[RowError], lang: str) -> None:
    """Each row with a problem filled light red, each cell with one red with a comment saying what (every problem of
    the cell, or of the row on its first cell)."""
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    row_fill, cell_fill = PatternFill("solid", fgColor="FDE2E1"), PatternFill("solid", fgColor="F28B82")
    by_cell: dict[tuple[str, int, int | None], list[str]] = {}
    for e in errors:
        name = in_book(e.sheet)
        if name not in sheets or e.row is None:
            continue
        sheet = sheets[name]
        col = next((sheet.columns[k] for k, h in sheet.headers.items() if h == e.column), None) if e.column else None
        by_cell.setdefault((name, e.row, col or None), []).append(e.message(lang))
    for (name, row, col), texts in by_cell.items():
        ws = wb[name]
        if row != sheets[name].header_row:
            for c in range(1, ws.max_column + 1):
                ws.cell(row, c).fill = row_fill
        target = ws.cell(row, col or 1)
        if col:
            target.fill = cell_fill
        target.comment = Comment("\n".join(texts), "par_dashboard", width=360, height=120)


def _errors_sheet(wb, in_book: Callable[[str | None], str | None], report: ImportReport, lang: str) -> None:
    """The first sheet: every problem, one a line (as the report's errors table)."""
    from openpyxl.styles import Font

    title = pick(*ERRORS_TITLES, lang)
    while title in wb.sheetnames:
        title += " (2)"
    ws = wb.create_sheet(title, 0)
    ws.append(list(report.errors_frame(lang).columns))
    for c in ws[1]:
        c.font = Font(bold=True)
    for e in report.errors:
        ws.append([in_book(e.sheet), e.row, e.column, e.message(lang), None if e.value is None else str(e.value)])
        for cell in ws[ws.max_row]:
            _as_text(cell)
    for letter, width in zip("ABCDE", (22, 8, 24, 100, 24), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _as_text(cell) -> None:
    """A text that starts like a formula (=, +, -, @, ＝…) stays text: Excel never evaluates it."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True


def _csv_records(data: bytes) -> list[list[str]]:
    from par_dashboard.importing import encoding

    return reader.csv_records(encoding.decode_bytes(data).text.lstrip("\ufeff"))


def quarantine_workbook(db, batch_id: int, lang: str = "vi") -> bytes:
    """The rows batch `batch_id` set aside, in the template's shape with a last column saying what is wrong:
    fix them and import this file."""
    with db.cursor() as cur:
        rows = cur.execute("SELECT sheet, excel_row, data, errors FROM import_quarantine WHERE batch_id = $b ORDER BY sheet, excel_row",
                           {"b": batch_id}).fetchall() if _has_tables(cur) else []
        catalogue = Catalogue.from_db(cur)
    by_sheet: dict[str, list[dict]] = {}
    for sheet, excel_row, data, errors in rows:
        values = json.loads(data)
        messages = [pick(e["message_vi"], e["message_en"], lang) for e in json.loads(errors)]
        by_sheet.setdefault(sheet, []).append({**values, "_errors": f"[{excel_row}] " + " ".join(messages)})
    return write_workbook(by_sheet, lang=lang, catalogue=catalogue, error_column=True,
                          note=both("imp_quarantine_note", batch=batch_id))
