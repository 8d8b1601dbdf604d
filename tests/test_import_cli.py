"""The command line: `python -m par_dashboard import|rollback|batches|template|export`, its output and exit codes."""

import io
import shutil
import subprocess
import sys

import openpyxl
import pytest

from par_dashboard.store.db import Database
from tests.browser import ROOT
from tests.test_import_service import content_hash, empty_copy, good_rows, xlsx


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "par_dashboard", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"})


@pytest.fixture
def db_path(built_db, tmp_path):
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    return path


def hash_of(path) -> dict[str, str]:
    db = Database(path)
    try:
        return content_hash(db)
    finally:
        db.close()


def test_import_prints_the_report_and_exits_0_then_unchanged_then_rollback(db_path, tmp_path):
    before = hash_of(db_path)
    file = tmp_path / "kiem_tra.xlsx"
    file.write_bytes(xlsx(good_rows()))
    out = cli("import", str(file), "--db", str(db_path), "--user", "lan")
    assert out.returncode == 0, out.stderr
    assert "Đã nhập (lô 1). Thêm 5, cập nhật 0, giữ nguyên 0, bị loại 0 dòng; 0 lỗi." in out.stdout
    assert "Đoàn kiểm tra" in out.stdout  # the counts table, by sheet
    again = cli("import", str(file), "--db", str(db_path), "--lang", "en")
    assert again.returncode == 0
    assert "Nothing changed: every row is already in the database" in again.stdout
    listed = cli("batches", "--db", str(db_path))
    assert listed.returncode == 0 and "kiem_tra.xlsx" in listed.stdout and "lan" in listed.stdout
    undone = cli("rollback", "1", "--db", str(db_path), "--user", "lan")
    assert undone.returncode == 0 and "Đã hoàn tác lô 1: xóa 5 dòng đã thêm, khôi phục 0 dòng đã sửa." in undone.stdout
    assert hash_of(db_path) == before
    refused = cli("rollback", "1", "--db", str(db_path), "--lang", "en")
    assert refused.returncode == 1 and "Batch 1 was already rolled back" in refused.stderr


def test_rejected_file_exits_1_with_row_messages_and_an_errors_workbook(db_path, tmp_path):
    before = hash_of(db_path)
    rows = good_rows()
    rows["indicator_values"][0]["value"] = 120
    file = tmp_path / "loi.xlsx"
    file.write_bytes(xlsx(rows))
    marked = tmp_path / "loi_danh_dau.xlsx"
    out = cli("import", str(file), "--db", str(db_path), "--errors-xlsx", str(marked))
    assert out.returncode == 1
    assert "Không nhập: tệp có lỗi, cơ sở dữ liệu không thay đổi." in out.stdout
    assert "[Giá trị chỉ tiêu] Dòng 2, cột 'Giá trị': giá trị 120 ngoài khoảng 0–100 % của chỉ tiêu OPS_ONTIME_PCT." in out.stderr
    assert openpyxl.load_workbook(io.BytesIO(marked.read_bytes())).sheetnames[0] == "Lỗi"
    assert hash_of(db_path) == before
    not_a_sheet = tmp_path / "anh.xlsx"
    not_a_sheet.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300))
    out = cli("import", str(not_a_sheet), "--db", str(db_path), "--lang", "en")
    assert out.returncode == 1 and "The file is an image, not a spreadsheet." in out.stderr


def test_partial_import_exits_2(db_path, tmp_path):
    rows = good_rows()
    rows["indicator_values"].append(dict(rows["indicator_values"][0], period="Q3", value=130))
    file = tmp_path / "mot_phan.xlsx"
    file.write_bytes(xlsx(rows))
    out = cli("import", str(file), "--db", str(db_path), "--partial")
    assert out.returncode == 2
    assert "Đã nhập một phần (lô 1). Thêm 5, cập nhật 0, giữ nguyên 0, bị loại 1 dòng; 1 lỗi." in out.stdout


def test_a_database_held_by_the_dashboard_is_said_so_and_exits_3(db_path, tmp_path):
    file = tmp_path / "kiem_tra.xlsx"
    file.write_bytes(xlsx(good_rows()))
    holder = Database(db_path)  # as the running dashboard does
    try:
        out = cli("import", str(file), "--db", str(db_path))
        assert out.returncode == 3
        assert "đang được dùng (bảng điều khiển đang chạy?)" in out.stderr
        out = cli("batches", "--db", str(db_path), "--lang", "en")
        assert out.returncode == 3 and "is in use (is the dashboard running?)" in out.stderr
    finally:
        holder.close()


def test_template_and_export_write_workbooks(built_db, tmp_path):
    out = cli("template", str(tmp_path / "mau.xlsx"), "--lang", "en")
    assert out.returncode == 0 and "Template written" in out.stdout
    assert openpyxl.load_workbook(tmp_path / "mau.xlsx").sheetnames[1] == "Plans"
    # the export of a small database (the template's units and catalogue, one imported inspection)
    path = tmp_path / "small.duckdb"
    empty_copy(built_db, path)
    file = tmp_path / "kiem_tra.xlsx"
    file.write_bytes(xlsx(good_rows()))
    assert cli("import", str(file), "--db", str(path)).returncode == 0
    out = cli("export", str(tmp_path / "xuat.xlsx"), "--db", str(path))
    assert out.returncode == 0, out.stderr
    wb = openpyxl.load_workbook(tmp_path / "xuat.xlsx")
    findings = [[c.value for c in r] for r in wb["Phát hiện"].iter_rows()]
    assert len(findings) == 3 and "Gửi thư xin lỗi đúng quy định." in findings[1] + findings[2]
