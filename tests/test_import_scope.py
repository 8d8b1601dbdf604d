"""A data officer scoped to one province, from the attacker's side: no import, accepted draft or rollback of theirs
may change a row of another province, neither by reusing the id (the key) of another province's row nor by
hanging a row under another province's inspection, plan, unit or finding. Each attack is refused as a whole, with
the row and the province named, and nothing written; then hypothesis mixes rows of both provinces, with ids taken
from the database and new ones, and checks that no row outside the officer's province ever changes."""

import io
import json
import shutil

import openpyxl
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from par_dashboard.importing import service
from par_dashboard.importing.template import SHEETS
from par_dashboard.security import auth
from par_dashboard.store.db import Database
from par_dashboard.store.schema import CONTENT_TABLES
from tests.test_import_service import IID, good_rows, one, xlsx
from tests.users import SCOPED, USERS

OFFICER = auth.User(SCOPED, *USERS[SCOPED])  # a data officer of Lạng Sơn (S63-P-20, and S34-P-20 today)
ADMIN = auth.User("admin", "admin")
DN_INSPECTION = "DN-2023-DAKSONG"  # an inspection of Đắk Nông (S63-P-67), with a visited unit and findings
DN_FINDING = "DN-2023-DAKSONG-R1"
DN_PLAN = "DEMO-67-2024-KH"
LS_INSPECTION = "LS-2024-CAOLOC"  # an inspection of Lạng Sơn


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


def refused(db: Database, rows: dict[str, list[dict]], who: auth.User = OFFICER) -> service.ImportReport:
    """Load the attacker's file: refused as a whole for scope, nothing written, no batch and no audit row."""
    before, data = quick_hash(db), plain_workbook(rows)
    report = service.load(db, data, "tan_cong.xlsx", user=who)
    assert report.status == "rejected", report.summary("en")
    assert report.errors[0].code == "out_of_scope", [(e.code, e.message_en) for e in report.errors]
    assert "Không có gì được ghi" in report.errors[0].message_vi and "Nothing was written" in report.errors[0].message_en
    assert quick_hash(db) == before and service.batches(db).empty and service.audit_log(db).empty
    assert service.validate(db, data, "tan_cong.xlsx", user=who).errors[0].code == "out_of_scope"  # the dry run too
    return report


def row_error(report: service.ImportReport, sheet: str) -> service.RowError:
    """The error naming the offending row of `sheet` (its first data row: the template's header is row 1)."""
    found = [e for e in report.errors if e.code == "out_of_scope" and e.sheet == report.sheet_names[sheet]]
    assert found, [(e.code, e.sheet, e.row, e.message_en) for e in report.errors]
    assert found[0].row == 2 and found[0].message_vi.startswith("Dòng 2:") and found[0].message_en.startswith("Row 2:")
    return found[0]


def province_of_inspection(db: Database, iid: str) -> tuple:
    return one(db, "SELECT province_id, team_label FROM inspection WHERE inspection_id = $i", {"i": iid})[0]


# ------------------------------------------------------------------------------------------------ the attacks

def test_reusing_the_id_of_another_provinces_inspection_cannot_move_it(work):
    """The issue's case: an inspection row of "Lạng Sơn" carrying the id of a Đắk Nông inspection."""
    rows = {"inspections": [{"inspection_id": DN_INSPECTION, "province": "Lạng Sơn", "year": 2023, "team_label": "cập nhật 2",
                             "started_on": "28/09/2023"}]}
    report = refused(work, rows)
    assert "Đắk Nông" in report.errors[0].message_vi
    err = row_error(report, "inspections")
    assert DN_INSPECTION in err.message_vi and "Đắk Nông" in err.message_vi and "Đắk Nông" in err.message_en
    assert province_of_inspection(work, DN_INSPECTION) == ("S63-P-67", "Đoàn kiểm tra số 346 của UBND tỉnh")


def test_reusing_the_id_of_another_provinces_finding_cannot_overwrite_it(work):
    before = one(work, "SELECT inspection_id, unit_id, text FROM finding WHERE finding_id = $f", {"f": DN_FINDING})
    rows = {"findings": [{"finding_id": DN_FINDING, "inspection_id": LS_INSPECTION, "unit_id": "S63-D-183", "area": "A1",
                          "kind": "Kết quả", "text": "Nội dung đã bị ghi đè."}]}
    err = row_error(refused(work, rows), "findings")
    assert DN_FINDING in err.message_vi and "Đắk Nông" in err.message_vi
    assert one(work, "SELECT inspection_id, unit_id, text FROM finding WHERE finding_id = $f", {"f": DN_FINDING}) == before


def test_a_visited_unit_of_ones_own_province_cannot_be_added_under_another_provinces_inspection(work):
    rows = {"inspection_units": [{"inspection_id": DN_INSPECTION, "unit_id": "S63-D-183", "visited_on": "28/09/2023"}]}
    err = row_error(refused(work, rows), "inspection_units")
    assert DN_INSPECTION in err.message_vi and "Đắk Nông" in err.message_vi


def test_a_finding_cannot_be_added_under_another_provinces_inspection(work):
    rows = {"findings": [{"inspection_id": DN_INSPECTION, "unit_id": "S63-D-183", "area": "A1", "kind": "Kiến nghị",
                          "text": "Một kiến nghị cài vào đoàn của tỉnh khác."}]}
    err = row_error(refused(work, rows), "findings")
    assert DN_INSPECTION in err.message_vi and "Đắk Nông" in err.message_en


def test_a_finding_cannot_follow_up_a_finding_of_another_province(work):
    rows = {"findings": [{"inspection_id": LS_INSPECTION, "unit_id": "S63-D-183", "area": "A1", "kind": "Kiến nghị",
                          "text": "Theo dõi một phát hiện của tỉnh khác.", "follows_up_id": DN_FINDING}]}
    err = row_error(refused(work, rows), "findings")
    assert DN_FINDING in err.message_vi and "Đắk Nông" in err.message_vi


@pytest.mark.parametrize("unit", ["S63-D-183", "S63-D-665"], ids=["own_unit", "foreign_unit"])
def test_an_indicator_value_cannot_attach_to_another_provinces_inspection(work, unit):
    rows = {"indicator_values": [{"unit_id": unit, "indicator": "OPS_ONTIME_PCT", "year": 2023, "period": "Q3", "value": 88,
                                  "inspection_id": DN_INSPECTION, "source": "Báo cáo thử"}]}
    err = row_error(refused(work, rows), "indicator_values")
    assert "Đắk Nông" in err.message_vi


def test_reusing_the_id_of_another_provinces_plan_cannot_move_it(work):
    rows = {"plans": [{"plan_id": DN_PLAN, "number": "99/KH-UBND", "issuer": "UBND tỉnh Lạng Sơn", "province": "Lạng Sơn",
                       "year": 2024, "title": "Kế hoạch chiếm chỗ"}]}
    err = row_error(refused(work, rows), "plans")
    assert DN_PLAN in err.message_vi and "Đắk Nông" in err.message_vi
    assert one(work, "SELECT province_id FROM inspection_plan WHERE plan_id = $p", {"p": DN_PLAN}) == [("S63-P-67",)]


def test_an_inspection_cannot_be_put_under_another_provinces_plan(work):
    rows = {"inspections": [{"inspection_id": "LS-2024-MOI", "plan_id": DN_PLAN, "province": "Lạng Sơn", "year": 2024,
                             "team_label": "Đoàn mới", "started_on": "01/07/2024"}]}
    err = row_error(refused(work, rows), "inspections")
    assert DN_PLAN in err.message_vi and "Đắk Nông" in err.message_vi


@pytest.mark.parametrize("attack", ["visit_under_foreign_inspection", "inspection_moved_in"])
def test_a_scoped_officer_cannot_roll_back_a_batch_that_changed_another_province(work, attack):
    """A batch an unscoped officer loaded that touched Đắk Nông: undoing it deletes or restores Đắk Nông rows. Its
    audit row says so (the province of the inspection the visit hangs under, or the one the inspection left)."""
    rows = ({"inspection_units": [{"inspection_id": DN_INSPECTION, "unit_id": "S63-D-183", "visited_on": "28/09/2023"}]}
            if attack == "visit_under_foreign_inspection" else
            {"inspections": [{"inspection_id": DN_INSPECTION, "province": "Lạng Sơn", "year": 2023, "team_label": "cập nhật 2",
                              "started_on": "28/09/2023"}]})
    batch = service.load(work, plain_workbook(rows), "admin.xlsx", user=ADMIN)
    assert batch.status == "loaded"
    assert json.loads(service.audit_log(work).detail.iloc[0])["provinces"] == ["S63-P-20", "S63-P-67"]
    after_load = quick_hash(work)
    undo = service.rollback(work, batch.batch_id, user=OFFICER)
    assert undo.status == "refused" and "S63-P-67" in undo.message_vi and "S63-P-67" in undo.message_en
    assert quick_hash(work) == after_load and service.batches(work).rolled_back_at.isna().all()
    if attack == "visit_under_foreign_inspection":  # (the other one rebuilds tables: seconds, for nothing more)
        assert service.rollback(work, batch.batch_id, user=ADMIN).status == "rolled_back"


def test_a_scoped_officer_still_rolls_back_their_own_batch_and_the_audit_says_where(work):
    loaded = service.load(work, xlsx(good_rows()), "lang_son.xlsx", user=OFFICER)
    assert loaded.status == "loaded"
    assert service.rollback(work, loaded.batch_id, user=OFFICER).status == "rolled_back"
    import_detail, rollback_detail = (json.loads(d) for d in service.audit_log(work).detail.iloc[::-1])
    assert import_detail["provinces"] == rollback_detail["provinces"] == ["S63-P-20"]


def test_accepting_a_draft_cannot_hang_findings_under_another_provinces_inspection(work):
    """The Đắk Nông report is matched to the inspection recorded for it (DN-2023-DAKSONG, extract/match.py): a Lạng Sơn
    officer who adds a finding of their own to that draft would hang it under a Đắk Nông inspection."""
    from par_dashboard.extract import extract_text
    from par_dashboard.extract.save import save_draft
    from par_dashboard.paths import ROOT

    text = (ROOT / "data" / "reports" / "seed_daknong_2023_daksong.txt").read_text(encoding="utf-8")
    draft = extract_text(text, db=work)
    draft["findings"] = [{**draft["findings"][0], "unit_id": "S63-D-183",  # Cao Lộc, Lạng Sơn: the only new row
                          "text": "Bộ phận một cửa huyện Cao Lộc chưa niêm yết đủ thủ tục hành chính mới."}]
    before, n_findings = quick_hash(work), one(work, "SELECT count(*) FROM finding WHERE inspection_id = 'DN-2023-DAKSONG'")
    report = save_draft(work, draft, user=OFFICER)
    assert report.status == "rejected" and report.errors[0].code == "out_of_scope", report.summary("en")
    assert any("DN-2023-DAKSONG" in e.message_vi and "Đắk Nông" in e.message_vi for e in report.errors[1:])
    assert quick_hash(work) == before and service.audit_log(work).empty
    assert one(work, "SELECT count(*) FROM finding WHERE inspection_id = 'DN-2023-DAKSONG'") == n_findings


def test_legitimate_scoped_imports_still_load(work):
    """Their own rows, an update of their own inspection, and the template's untouched examples of other provinces."""
    assert service.load(work, xlsx(good_rows()), "a.xlsx", user=OFFICER).status == "loaded"
    rows = good_rows()
    rows["inspections"][0]["team_label"] = "Đoàn kiểm tra số 9 (sửa)"
    rows["findings"][1]["text"] = "Gửi thư xin lỗi đúng quy định, trong 5 ngày."
    again = service.load(work, xlsx(rows), "b.xlsx", user=OFFICER)
    assert (again.status, again.updated) == ("loaded", 2)
    assert province_of_inspection(work, IID) == ("S63-P-20", "Đoàn kiểm tra số 9 (sửa)")


# ------------------------------------------------------------------------------------------------ the invariant

OWN = ("S63-P-20", "S34-P-20")  # the officer's province and its counterpart in the 34-province structure

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


class Pristine(tuple):
    def __repr__(self) -> str:  # in a failing example's report: not two screens of hashes
        return "Pristine(...)"


@pytest.fixture(scope="module")
def pristine(db, tmp_path_factory):
    """A folder to copy the built database into for each example (the backup a load takes first is then of the
    same state every time: taken once), and what the untouched database looks like."""
    return Pristine((tmp_path_factory.mktemp("scope"), outside_rows(db), quick_hash(db)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=WORKBOOKS, partial=st.booleans())
@example(rows=ISSUE, partial=False)
@example(rows={"plans": [{"plan_id": DN_PLAN, "number": "991/KH-THU", "issuer": "UBND tỉnh", "province": "Lạng Sơn", "year": 2023,
                          "title": "cập nhật 2"}],
               "inspections": [{"inspection_id": LS_INSPECTION, "plan_id": None, "province": "Lạng Sơn", "year": 2023,
                                "team_label": "cập nhật 2", "started_on": "01/07/2024"}]},
         partial=False)  # found by hypothesis before the fix: the Đắk Nông plan taken over by its id
def test_no_load_by_a_scoped_officer_changes_a_row_of_another_province(pristine, built_db, rows, partial):
    """Whatever the file mixes (rows of their province and of others, ids of rows there and new ones, partial or
    not) and whatever its status: every row of another province is as it was, and a rejected or unchanged load left
    the whole database as it was."""
    folder, outside_before, hash_before = pristine
    path = folder / "par.duckdb"
    path.with_name("par.duckdb.wal").unlink(missing_ok=True)
    shutil.copy(built_db, path)
    db = Database(path)
    try:
        report = service.load(db, plain_workbook(rows), "tron.xlsx", user=OFFICER, partial=partial)
        event(report.status if report.status != "rejected" else f"rejected: {report.errors[0].code}")
        if report.status in ("rejected", "unchanged"):  # nothing at all changed (so no row of another province)
            assert quick_hash(db) == hash_before and service.batches(db).empty, report.summary("en")
        else:
            assert outside_rows(db) == outside_before, report.summary("en")
            assert set(json.loads(service.audit_log(db).detail.iloc[0])["provinces"]) <= set(OWN)
    finally:
        db.close()
