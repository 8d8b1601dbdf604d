"""Backups, restore, damaged and missing databases, processes killed during a rebuild or a restore, a full disk
(par_dashboard/store/backup.py, tests/hardening/faults.py; imports killed: tests/test_import_crash.py)."""

import os
import random
import shutil
import subprocess
import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.building import recovery
from par_dashboard.importing import service
from par_dashboard.store import backup
from par_dashboard.store.db import Database
from tests.browser import ROOT
from tests.hardening import faults
from tests.test_import_service import good_rows, xlsx


@pytest.fixture
def work(built_db, tmp_path, monkeypatch):
    """A copy of the session database, its backups in the test's own folder."""
    monkeypatch.setenv("PAR_BACKUP_DIR", str(tmp_path / "backups"))
    path = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, path)
    return path


def cli(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "par_dashboard", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, timeout=300, check=False)


def test_a_backup_before_every_import_and_a_restore_that_keeps_the_file_it_replaces(work):
    db = Database(work)
    try:
        before = faults.state(work)
        first = backup.backup(db, "by hand")
        assert first.parent == backup.backup_dir(work) and "-by-hand-" in first.name
        assert backup.backup(db, "again") == first  # nothing changed since: the same copy, not a second one
        report = service.load(db, xlsx(good_rows()), "a.xlsx", user="test")
        assert report.status == "loaded"
        assert [b.path for b in backup.backups(work)] == [first]  # the import's backup is of the same state
        loaded = faults.state(work)
        second = backup.backup(db, "after import", keep=1)
        assert [b.path for b in backup.backups(work)] == [second] and not first.exists()  # the newest `keep` kept
        with pytest.raises(backup.RestoreRefused, match="in use"):
            backup.restore(second, work)  # this process has it open
    finally:
        db.close()
    db = Database(work)
    try:
        service.rollback(db, report.batch_id, user="test")
        assert faults.state(work) != loaded
    finally:
        db.close()
    aside = backup.restore(second, work)
    assert faults.state(work) == loaded and faults.state(aside) != loaded  # the rolled-back file kept as it was
    assert aside.name.startswith("par.duckdb.before-restore-")
    assert faults.state(aside)["finding"] == before["finding"]
    con = duckdb.connect(str(work))  # the restore is audited in the restored file: who, from which backup
    try:
        action, role, detail = con.execute("SELECT action, role, detail FROM audit_log ORDER BY audit_id DESC LIMIT 1").fetchone()
    finally:
        con.close()
    assert (action, role) == ("restore", "cli") and second.name in detail


def test_an_import_is_refused_when_no_backup_can_be_taken(work, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PAR_BACKUP_DIR", str(blocker / "backups"))  # cannot be created: like a full or read-only disk
    before = faults.state(work)
    db = Database(work)
    try:
        report = service.load(db, xlsx(good_rows()), "a.xlsx", user="test")
    finally:
        db.close()
    assert report.status == "rejected" and report.errors[0].code == "backup_failed"
    assert "Không sao lưu được" in report.summary("vi") and "could not be backed up" in report.summary("en")
    assert faults.state(work) == before


def test_the_command_line_backs_up_lists_and_restores(work):
    done = cli("backups", "--db", work)
    assert done.returncode == 0 and "Chưa có bản sao lưu" in done.stdout
    done = cli("backup", "--db", work, "--reason", "trước kỳ báo cáo", "--lang", "en")
    assert done.returncode == 0 and "Backed up:" in done.stdout, done.stderr
    listed = cli("backups", "--db", work)
    assert listed.returncode == 0 and backup.latest_backup(work).path.name in listed.stdout
    holder = Database(work)  # this process holds the file, as the running dashboard would
    try:
        for args in (("restore", "--latest"), ("check",)):
            done = cli(*args, "--db", work)
            assert done.returncode == 3 and "đang được dùng" in done.stderr, (args, done.stderr)
    finally:
        holder.close()
    done = cli("restore", "--latest", "--db", work)
    assert done.returncode == 0 and "Đã khôi phục" in done.stdout, done.stderr
    damaged = work.with_name("hong.duckdb")
    damaged.write_bytes(b"\x00" * 5000)
    done = cli("restore", damaged, "--db", work, "--lang", "en")
    assert done.returncode == 1 and "not a DuckDB database" in done.stderr
    assert cli("check", "--db", work).returncode == 0


@pytest.mark.parametrize(("damage", "kind"), [("empty", "empty"), ("random", "not_duckdb"), ("text", "not_duckdb"),
                                               ("truncated", "truncated"), ("header", "header"), ("block", "checksum"),
                                               ("wal", "wal")])
def test_each_kind_of_damage_is_named(work, damage, kind):
    assert backup.diagnose(work) is None
    faults.damage(work, damage, random.Random(damage), other=work.with_name("other.duckdb"))
    found = backup.diagnose(work)
    assert found is not None and found.kind == kind
    assert found.vi and found.en and work.name in found.en


def test_a_damaged_database_is_set_aside_and_its_backup_restored_from_the_command_line(work):
    db = Database(work)
    try:
        backup.backup(db, "before")
    finally:
        db.close()
    expected = faults.state(work)
    faults.damage(work, "block", random.Random(1))
    damaged = work.read_bytes()
    done = cli("check", "--db", work, "--lang", "en")
    assert done.returncode == 4, done.stderr
    assert "fail their checksum" in done.stderr and f"The backup of {backup.latest_backup(work).when}" in done.stderr
    aside = next(work.parent.glob("par.duckdb.damaged-*"))
    assert aside.read_bytes() == damaged and faults.state(work) == expected


def test_the_dashboard_says_what_it_did_with_a_damaged_database(work, monkeypatch):
    db = Database(work)
    try:
        backup.backup(db, "before")
    finally:
        db.close()
    work.write_bytes(b"")  # a zero-length file, as a full disk or an interrupted copy leaves
    monkeypatch.setenv("PAR_DB", str(work))
    monkeypatch.setenv("PAR_ANONYMOUS", "1")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    said = [w.value for w in at.warning if "sao lưu" in w.value]
    assert said and "rỗng (0 byte)" in said[0] and backup.latest_backup(work).when in said[0]
    assert backup.diagnose(work) is None and list(work.parent.glob("par.duckdb.damaged-*"))
    at.run()
    assert not [w for w in at.warning if "sao lưu" in w.value]  # said once per session


@pytest.mark.slow(70)  # seconds: started first (tests/conftest.py)
def test_kills_during_a_rebuild_and_a_restore_a_full_disk_and_every_damage(work, tmp_path, monkeypatch):
    """One rebuild from data/ is needed as the state a rebuild gives: the recovery of a damaged database without
    any backup makes it (and is checked on the way)."""
    rebuilt = tmp_path / "rebuilt" / "par.duckdb"
    rebuilt.parent.mkdir()
    rebuilt.write_bytes(b"")
    monkeypatch.setenv("PAR_BACKUP_DIR", str(tmp_path / "no-backups"))
    notice = recovery.recover(rebuilt)
    assert "Không có bản sao lưu nào dùng được" in notice.vi and backup.diagnose(rebuilt) is None
    figures = faults.run_faults(kills=3, db_path=work, kinds=("restore", "rebuild"), rebuilt=rebuilt, finish=("restore",),
                                n_findings=2000,  # (the import only makes the state they start from)
                                full_disk=("backup", "log"))  # (the database file: see the test below)
    seed = figures["seed"]
    assert figures["failures"] == [], f"seed {seed}: {figures['failures']}"
    assert figures["by_kind"] == {"kill_restore": 2, "kill_rebuild": 1, "full_disk": 2, "damaged_file": len(faults.DAMAGES)}
    assert (figures["inconsistent"], figures["rows_lost"]) == (0, 0), f"seed {seed}"


AFTER_FULL_DISK = """
import resource, signal, sys
from pathlib import Path
from par_dashboard.store.db import Database
from par_dashboard.importing import service
db = Database(Path(sys.argv[1]))
with db.cursor() as cur:  # a commit this large then goes into the database file itself, as a large batch does
    cur.execute("SET checkpoint_threshold = '100KB'")
data = Path(sys.argv[2]).read_bytes()
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, resource.RLIM_INFINITY))
first = service.load(db, data, "lon.xlsx", user="test", max_bytes=service.MAX_BULK_BYTES)
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
second = service.load(db, data, "lon.xlsx", user="test", max_bytes=service.MAX_BULK_BYTES)
print(first.status, first.errors[0].code, second.status, second.added)
"""


def test_the_dashboard_connection_works_again_after_a_full_disk(work, tmp_path):
    """A large batch is committed into the database file; when that write fails DuckDB refuses the connection
    until it is opened again: the same Database (the dashboard's, shared by every session) reopens itself."""
    db = Database(work)
    try:
        backup.backup(db, "before")  # taken with room on the disk
    finally:
        db.close()
    big = faults.big_import_file(tmp_path / "lon.xlsx", 2000)
    done = subprocess.run([sys.executable, "-c", AFTER_FULL_DISK, str(work), str(big)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600, check=False)
    assert done.stdout.split() == ["rejected", "write_failed", "loaded", "2001"], done.stderr
