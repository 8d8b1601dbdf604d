"""Scope: no write by a scoped user changes any row outside its province (tests/test_import_scope.py asserts it).

A data officer scoped to Lạng Sơn, from the attacker's side: every named attack (an id of another province's row
reused, a row hung under another province's inspection, plan or finding; a rollback undoing another province's
rows; an accepted draft hanging a finding under another province's inspection) is refused as a whole with nothing
written; and hypothesis mixes rows of both provinces, with ids taken from the database and new ones: whatever the
status, no row of another province changes, and a rejected or unchanged load leaves the content hash as it was.
"""

from __future__ import annotations

import io
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from hypothesis import strategies as st

from par_dashboard.importing import service
from par_dashboard.importing.template import SHEETS
from par_dashboard.security import auth
from par_dashboard.store.db import Database
from par_dashboard.store.schema import CONTENT_TABLES
from tests.hardening import environment
from tests.hardening.invariants import Survey, named, note, survey
from tests.users import SCOPED, USERS

OFFICER = auth.User(SCOPED, *USERS[SCOPED])  # a data officer of Lạng Sơn (S63-P-20, and S34-P-20 today)
ADMIN = auth.User("admin", "admin")
DN_INSPECTION = "DN-2023-DAKSONG"  # an inspection of Đắk Nông (S63-P-67), with a visited unit and findings
DN_FINDING = "DN-2023-DAKSONG-R1"
DN_PLAN = "DEMO-67-2024-KH"
LS_INSPECTION = "LS-2024-CAOLOC"  # an inspection of Lạng Sơn
OWN = ("S63-P-20", "S34-P-20")  # the officer's province and its counterpart in the 34-province structure


def quick_hash(db: Database) -> dict[str, tuple]:
    """Every content table's row count and an order-free hash of its rows (tests/test_import_service.py's
    content_hash says the same in 1.5 s; this takes a tenth of it)."""
    with db.cursor() as cur:
        return {t: cur.execute(f"SELECT count(*), sum(hash(x)) FROM {t} x").fetchone() for t in CONTENT_TABLES}  # noqa: S608


def plain_workbook(rows: dict[str, list[dict]]) -> bytes:
    """The template's sheets and headers with these rows, written plainly with openpyxl (no drop-downs, no lists:
    ten times quicker than the template itself, and what a person's own workbook looks like)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in SHEETS:
        ws = wb.create_sheet(spec.title("vi"))
        ws.append([c.header("vi") for c in spec.columns])
        for rec in rows.get(spec.key, []):
            ws.append([rec.get(c.key) for c in spec.columns])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ the named attacks

# Each: the rows of the attacker's file (a data officer of Lạng Sơn loads it), and the sheet whose first row is the
# offending one.
ATTACKS: dict[str, tuple[dict[str, list[dict]], str]] = {
    # the issue's case: an inspection row of "Lạng Sơn" carrying the id of a Đắk Nông inspection
    "inspection id of another province": (
        {"inspections": [{"inspection_id": DN_INSPECTION, "province": "Lạng Sơn", "year": 2023, "team_label": "cập nhật 2",
                          "started_on": "28/09/2023"}]}, "inspections"),
    "finding id of another province": (
        {"findings": [{"finding_id": DN_FINDING, "inspection_id": LS_INSPECTION, "unit_id": "S63-D-183", "area": "A1",
                       "kind": "Kết quả", "text": "Nội dung đã bị ghi đè."}]}, "findings"),
    "own unit visited under another province's inspection": (
        {"inspection_units": [{"inspection_id": DN_INSPECTION, "unit_id": "S63-D-183", "visited_on": "28/09/2023"}]},
        "inspection_units"),
    "finding under another province's inspection": (
        {"findings": [{"inspection_id": DN_INSPECTION, "unit_id": "S63-D-183", "area": "A1", "kind": "Kiến nghị",
                       "text": "Một kiến nghị cài vào đoàn của tỉnh khác."}]}, "findings"),
    "follow-up of another province's finding": (
        {"findings": [{"inspection_id": LS_INSPECTION, "unit_id": "S63-D-183", "area": "A1", "kind": "Kiến nghị",
                       "text": "Theo dõi một phát hiện của tỉnh khác.", "follows_up_id": DN_FINDING}]}, "findings"),
    **{f"indicator value of {which} under another province's inspection": (
        {"indicator_values": [{"unit_id": unit, "indicator": "OPS_ONTIME_PCT", "year": 2023, "period": "Q3", "value": 88,
                               "inspection_id": DN_INSPECTION, "source": "Báo cáo thử"}]}, "indicator_values")
       for which, unit in (("own unit", "S63-D-183"), ("foreign unit", "S63-D-665"))},
    "plan id of another province": (
        {"plans": [{"plan_id": DN_PLAN, "number": "99/KH-UBND", "issuer": "UBND tỉnh Lạng Sơn", "province": "Lạng Sơn",
                    "year": 2024, "title": "Kế hoạch chiếm chỗ"}]}, "plans"),
    "inspection under another province's plan": (
        {"inspections": [{"inspection_id": "LS-2024-MOI", "plan_id": DN_PLAN, "province": "Lạng Sơn", "year": 2024,
                          "team_label": "Đoàn mới", "started_on": "01/07/2024"}]}, "inspections"),
}
# Batches an unscoped officer loaded that touched Đắk Nông: a scoped officer's rollback would delete or restore
# Đắk Nông rows.
ROLLBACKS: dict[str, dict[str, list[dict]]] = {
    "visit_under_foreign_inspection": {"inspection_units": [{"inspection_id": DN_INSPECTION, "unit_id": "S63-D-183",
                                                             "visited_on": "28/09/2023"}]},
    "inspection_moved_in": {"inspections": [{"inspection_id": DN_INSPECTION, "province": "Lạng Sơn", "year": 2023,
                                             "team_label": "cập nhật 2", "started_on": "28/09/2023"}]},
}
DRAFT_FINDING = "Bộ phận một cửa huyện Cao Lộc chưa niêm yết đủ thủ tục hành chính mới."


def refusal(db: Database, rows: dict[str, list[dict]], who: auth.User = OFFICER) -> tuple[service.ImportReport, list[str]]:
    """Load the attacker's file: refused as a whole for scope, nothing written, no batch and no audit row; the dry run
    refused too. The report, and what is wrong."""
    before, data = quick_hash(db), plain_workbook(rows)
    report = service.load(db, data, "tan_cong.xlsx", user=who)
    if report.status != "rejected":
        return report, [f"not refused: {report.summary('en')}"]
    wrong = []
    codes = [(e.code, e.message_en) for e in report.errors]
    if report.errors[0].code != "out_of_scope":
        wrong.append(f"refused, not for scope: {codes}")
    elif not ("Không có gì được ghi" in report.errors[0].message_vi and "Nothing was written" in report.errors[0].message_en):
        wrong.append(f"the refusal does not say nothing was written: {report.errors[0].message_en}")
    if quick_hash(db) != before:
        wrong.append("the refused load changed the content")
    if not service.batches(db).empty or not service.audit_log(db).empty:
        wrong.append("the refused load left a batch or an audit row")
    dry = service.validate(db, data, "tan_cong.xlsx", user=who)
    if not dry.errors or dry.errors[0].code != "out_of_scope":
        wrong.append(f"the dry run did not refuse it for scope: {[(e.code, e.message_en) for e in dry.errors]}")
    return report, wrong


def rollback_refusal(db: Database, rows: dict[str, list[dict]], *, undo_as_admin: bool = True) -> list[str]:
    """The admin loads `rows` (touching Đắk Nông); the scoped officer's rollback of that batch is refused naming the
    province, and changes nothing; the admin's own rollback of it still works (when `undo_as_admin`)."""
    batch = service.load(db, plain_workbook(rows), "admin.xlsx", user=ADMIN)
    if batch.status != "loaded":
        return [f"the admin's batch did not load: {batch.summary('en')}"]
    wrong = []
    provinces = json.loads(service.audit_log(db).detail.iloc[0])["provinces"]
    if provinces != ["S63-P-20", "S63-P-67"]:
        wrong.append(f"the audit row of the admin's batch says {provinces}, not both provinces")
    after_load = quick_hash(db)
    undo = service.rollback(db, batch.batch_id, user=OFFICER)
    if not (undo.status == "refused" and "S63-P-67" in undo.message_vi and "S63-P-67" in undo.message_en):
        wrong.append(f"the officer's rollback: {undo.status}, {undo.message_en}")
    if quick_hash(db) != after_load or not service.batches(db).rolled_back_at.isna().all():
        wrong.append("the refused rollback changed the content or marked the batch")
    if undo_as_admin and service.rollback(db, batch.batch_id, user=ADMIN).status != "rolled_back":
        wrong.append("the admin could not roll the batch back afterwards")
    return wrong


def draft_attack(db: Database, text: str) -> tuple[service.ImportReport, list[str]]:
    """The Đắk Nông report (`text`) is matched to the inspection recorded for it (DN-2023-DAKSONG): a Lạng Sơn officer
    who adds a finding of their own unit to that draft would hang it under a Đắk Nông inspection. Refused for scope,
    naming the inspection and the province; nothing written, no audit row."""
    from par_dashboard.extract import extract_text
    from par_dashboard.extract.save import save_draft

    draft = extract_text(text, db=db)
    draft["findings"] = [{**draft["findings"][0], "unit_id": "S63-D-183", "text": DRAFT_FINDING}]  # the only new row
    before = quick_hash(db)
    report = save_draft(db, draft, user=OFFICER)
    wrong = []
    if not (report.status == "rejected" and report.errors and report.errors[0].code == "out_of_scope"):
        wrong.append(f"not refused for scope: {report.summary('en')}")
    elif not any("DN-2023-DAKSONG" in e.message_vi and "Đắk Nông" in e.message_vi for e in report.errors[1:]):
        wrong.append("the refusal does not name the inspection and its province")
    if quick_hash(db) != before or not service.audit_log(db).empty:
        wrong.append("the refused draft changed the content or left an audit row")
    return report, wrong


# ------------------------------------------------------------------------------------------------ the invariant

# What a row belongs to, said here independently of the service: its own province, and its plan's, inspection's,
# unit's and followed-up finding's (that finding's inspection's and unit's). Each entry: a province expression, or
# (alias, a relation of id -> p, the column it is joined on); alias "f" (the followed-up finding) only leads on.
_UNIT = "(SELECT unit_id AS id, CASE WHEN level = 'province' THEN unit_id ELSE province_id END AS p FROM admin_unit)"
_INSPECTION = "(SELECT inspection_id AS id, province_id AS p FROM inspection)"
_BELONGS = {
    "inspection_plan": ["x.province_id"],
    "inspection": ["x.province_id", ("pl", "(SELECT plan_id AS id, province_id AS p FROM inspection_plan)", "x.plan_id")],
    "inspection_unit": [("i", _INSPECTION, "x.inspection_id"), ("u", _UNIT, "x.unit_id")],
    "finding": [("i", _INSPECTION, "x.inspection_id"), ("u", _UNIT, "x.unit_id"),
                ("f", "(SELECT finding_id AS id, inspection_id, unit_id FROM finding)", "x.follows_up_id"),
                ("fi", _INSPECTION, "f.inspection_id"), ("fu", _UNIT, "f.unit_id")],
    "indicator_value": [("u", _UNIT, "x.unit_id"), ("i", _INSPECTION, "x.inspection_id")],
    "target": ["x.province_id"],
    "score": [("u", _UNIT, "x.unit_id")],
}


def outside_rows(db: Database) -> dict[str, tuple]:
    """Per table, the count and an order-free hash of the rows that belong (also) to a province not the officer's."""
    out = {}
    with db.cursor() as cur:
        for table, parts in _BELONGS.items():
            joined = [p for p in parts if isinstance(p, tuple)]
            joins = " ".join(f"LEFT JOIN {rel} {alias} ON {alias}.id = {col}" for alias, rel, col in joined)
            provinces = [p for p in parts if isinstance(p, str)] + [f"{alias}.p" for alias, _, _ in joined if alias != "f"]
            outside = " OR ".join(f"coalesce({p}, $own) NOT IN ($own, $counterpart)" for p in provinces)  # no parent: not outside
            out[table] = cur.execute(f"SELECT count(*), sum(hash(x)) FROM {table} x {joins} WHERE {outside}",  # noqa: S608
                                     {"own": OWN[0], "counterpart": OWN[1]}).fetchone()
    return out


# Ids of the officer's province, of others (Đắk Nông, Hà Nội), and new ones; provinces by name and by id.
PROVINCES = ["Lạng Sơn", "S34-P-20", "Đắk Nông", "Hà Nội", "S34-P-68"]
PLANS = ["LS-2024-KH80", "DEMO-20-2024-KH", DN_PLAN, "DEMO-01-2024-KH", "KH-THU-1"]
INSPECTIONS = [LS_INSPECTION, "DEMO-20-2024-KH-D1", DN_INSPECTION, "DEMO-67-2024-KH-D1", "DEMO-01-2024-KH-D1", "THU-1"]
FINDINGS = ["LS-2024-CAOLOC-R1", "LS-2024-CAOLOC-K1", DN_FINDING, "DN-2023-DAKSONG-R2", "THU-F1"]
UNITS = ["S63-D-183", "S63-P-20", "S63-D-185", "S63-D-665", "S63-P-67", "S63-P-01"]
YEARS = st.sampled_from([2023, 2024])
TEXTS = st.sampled_from(["cập nhật 2", "Nội dung thử.", "Gửi thư xin lỗi đúng quy định."])


def _maybe(values: list[str]):
    return st.none() | st.sampled_from(values)


SHEET_ROWS = {
    "plans": st.fixed_dictionaries({"plan_id": st.sampled_from(PLANS), "number": st.sampled_from(["991/KH-THU", "992/KH-THU"]),
                                    "issuer": st.just("UBND tỉnh"), "province": st.sampled_from(PROVINCES), "year": YEARS,
                                    "title": TEXTS}),
    "inspections": st.fixed_dictionaries({"inspection_id": st.sampled_from(INSPECTIONS), "plan_id": _maybe(PLANS),
                                          "province": st.sampled_from(PROVINCES), "year": YEARS, "team_label": TEXTS,
                                          "started_on": st.just("01/07/2024")}),
    "inspection_units": st.fixed_dictionaries({"inspection_id": st.sampled_from(INSPECTIONS), "unit_id": st.sampled_from(UNITS),
                                               "visited_on": st.just("02/07/2024")}),
    "findings": st.fixed_dictionaries({"finding_id": _maybe(FINDINGS), "inspection_id": st.sampled_from(INSPECTIONS),
                                       "unit_id": _maybe(UNITS), "area": st.just("A1"),
                                       "kind": st.sampled_from(["Kết quả", "Kiến nghị"]), "text": TEXTS,
                                       "follows_up_id": _maybe(FINDINGS)}),
    "indicator_values": st.fixed_dictionaries({"unit_id": st.sampled_from(UNITS), "indicator": st.just("OPS_ONTIME_PCT"),
                                               "year": YEARS, "period": st.sampled_from(["Y", "Q2"]),
                                               "value": st.integers(50, 100), "inspection_id": _maybe(INSPECTIONS)}),
    "targets": st.fixed_dictionaries({"indicator": st.just("OPS_ONTIME_PCT"), "province": st.sampled_from(PROVINCES),
                                      "year": YEARS, "value": st.integers(80, 100)}),
    "scores": st.fixed_dictionaries({"unit_id": st.sampled_from(["S63-P-20", "S63-P-67", "S63-P-01"]), "year": YEARS,
                                     "family": st.just("PAR_INDEX"), "area": st.just("TOTAL"), "score": st.integers(60, 95)}),
}
# A few sheets of one or two rows each: a file of twenty random rows almost always has an error somewhere.
WORKBOOKS = st.sets(st.sampled_from(list(SHEET_ROWS)), min_size=1, max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries({k: st.lists(SHEET_ROWS[k], min_size=1, max_size=2) for k in sorted(keys)}))
ISSUE = {"inspections": [{"inspection_id": DN_INSPECTION, "province": "Lạng Sơn", "year": 2023, "team_label": "cập nhật 2",
                          "started_on": "28/09/2023"}]}
PINNED = [
    {"rows": ISSUE, "partial": False},
    # found by hypothesis before the fix: the Đắk Nông plan taken over by its id
    {"rows": {"plans": [{"plan_id": DN_PLAN, "number": "991/KH-THU", "issuer": "UBND tỉnh", "province": "Lạng Sơn",
                         "year": 2023, "title": "cập nhật 2"}],
              "inspections": [{"inspection_id": LS_INSPECTION, "plan_id": None, "province": "Lạng Sơn", "year": 2023,
                               "team_label": "cập nhật 2", "started_on": "01/07/2024"}]},
     "partial": False},
]


@dataclass(frozen=True)
class Pristine:
    """The built database, a folder to copy it into for each case (the backup a load takes first is then of the
    same state every time: taken once), and what the untouched database looks like."""

    source: Path
    folder: Path
    outside: dict
    hashes: dict

    @classmethod
    def of(cls, source: Path, folder: Path, db: Database | None = None) -> Pristine:
        """`db`: the source already open in this process (DuckDB refuses a second connection of another kind)."""
        opened = db or Database(source, read_only=True)
        try:
            return cls(Path(source), Path(folder), outside_rows(opened), quick_hash(opened))
        finally:
            if db is None:
                opened.close()

    def __repr__(self) -> str:  # in a failing example's report: not two screens of hashes
        return "Pristine(...)"


def load_violations(pristine: Pristine, rows: dict[str, list[dict]], partial: bool) -> list[str]:
    """Whatever the file mixes (rows of their province and of others, ids of rows there and new ones, partial or
    not) and whatever its status: every row of another province is as it was, and a rejected or unchanged load left
    the whole database as it was."""
    path = pristine.folder / "par.duckdb"
    path.with_name("par.duckdb.wal").unlink(missing_ok=True)
    shutil.copy(pristine.source, path)
    db = Database(path)
    try:
        report = service.load(db, plain_workbook(rows), "tron.xlsx", user=OFFICER, partial=partial)
        note(report.status if report.status != "rejected" else f"rejected: {report.errors[0].code}")
        if report.status in ("rejected", "unchanged"):  # nothing at all changed (so no row of another province)
            if quick_hash(db) != pristine.hashes or not service.batches(db).empty:
                return [f"a {report.status} load changed the database: {report.summary('en')}"]
            return []
        wrong = []
        changed = sorted(t for t, v in outside_rows(db).items() if v != pristine.outside[t])
        if changed:
            wrong.append(f"rows of another province changed in {changed}: {report.summary('en')}")
        provinces = set(json.loads(service.audit_log(db).detail.iloc[0])["provinces"])
        if not provinces <= set(OWN):
            wrong.append(f"the audit row names {sorted(provinces)}")
        return wrong
    finally:
        db.close()


# ------------------------------------------------------------------------------------------------ the survey

def run_scope(db_path: Path, examples: int = 200, seed: int = 0) -> dict:
    """The named attacks, each on a fresh copy of `db_path`, and `examples` generated workbooks (after the pinned
    ones): the figures."""
    from par_dashboard.paths import ROOT

    report_text = (ROOT / "data" / "reports" / "seed_daknong_2023_daksong.txt").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="par-scope-") as tmp, environment(PAR_BACKUP_DIR=str(Path(tmp) / "backups")):
        folder = Path(tmp)

        def on_a_copy(action):
            def check(**case) -> list[str]:
                path = folder / "attack.duckdb"
                path.with_name("attack.duckdb.wal").unlink(missing_ok=True)
                shutil.copy(db_path, path)
                db = Database(path)
                try:
                    return action(db, **case)
                finally:
                    db.close()
            return check

        attacks = named(on_a_copy(lambda db, rows: refusal(db, rows)[1]), {k: {"rows": rows} for k, (rows, _) in ATTACKS.items()})
        named(on_a_copy(lambda db, rows: rollback_refusal(db, rows, undo_as_admin=False)),
              {f"rollback: {k}": {"rows": rows} for k, rows in ROLLBACKS.items()}, into=attacks)
        named(on_a_copy(lambda db: draft_attack(db, report_text)[1]), {"accepted draft under Đắk Nông's inspection": {}},
              into=attacks)
        (folder / "loads").mkdir()
        pristine = Pristine.of(db_path, folder / "loads")
        loads = survey(lambda rows, partial: load_violations(pristine, rows, partial), examples=examples, cases=PINNED,
                       seed=seed, rows=WORKBOOKS, partial=st.booleans())
    total = Survey().add(attacks).add(loads)
    return total.figures() | {"attacks": attacks.counts(), "workbooks": loads.counts(), "pinned": len(PINNED)}
