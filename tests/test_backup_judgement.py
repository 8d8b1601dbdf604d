"""A sound database is never judged damaged: imports, rollbacks, checkpoints and backups on a real DuckDB file,
then the `check` command, the dashboard's start and the choice of a backup to restore (par_dashboard/store/backup.py,
par_dashboard/store/dbcheck.py); and the file does not grow with each import and rollback.

DuckDB cuts free blocks off the end of a file without lowering the block count its header records: after a
rollback (which rewrites the tables) the file is shorter than that count says, and whole.

The invariant's sequences and body, and the damage done to an index block, are in tests/hardening/judgement.py: the
figures command (`python -m tests.hardening`) runs more sequences of them."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from streamlit.testing.v1 import AppTest

from par_dashboard.building import recovery
from par_dashboard.importing import service
from par_dashboard.paths import ROOT
from par_dashboard.store import backup
from par_dashboard.store.db import Database
from tests.hardening import judgement
from tests.hardening.invariants import pinned
from tests.hardening.judgement import OPS, inspections, rows, set_aside, sha
from tests.test_import_service import xlsx


@pytest.fixture(scope="session")
def small_db(built_db, tmp_path_factory) -> Path:
    """The session database's schema and reference tables, without its large tables (10 MB, not 50)."""
    return judgement.small_database(built_db, tmp_path_factory.mktemp("small") / "par.duckdb")


def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "par_dashboard", *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300, check=False)


def import_and_roll_back(db: Database, iid: str) -> None:
    report = service.load(db, xlsx(rows(iid)), f"{iid}.xlsx", user="test")
    assert report.status == "loaded", report.summary("en")
    undone = service.rollback(db, report.batch_id, user="test")
    assert undone.status == "rolled_back", undone.message("en")


@pytest.fixture(scope="module")
def twice(small_db, tmp_path_factory) -> Path:
    """Import → roll back → import → roll back, the file closed after each (it is then shorter than its header's
    block count says): the folder with the database and its backups."""
    folder = tmp_path_factory.mktemp("twice")
    path = folder / "par.duckdb"
    shutil.copyfile(small_db, path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAR_BACKUP_DIR", str(folder / "backups"))
        for iid in ("TWICE-1", "TWICE-2"):
            db = Database(path)
            try:
                import_and_roll_back(db, iid)
            finally:
                db.close()
    return folder


@pytest.fixture
def rolled_back_twice(twice, tmp_path, monkeypatch) -> Path:
    """A copy of that folder for one test: the database, its backups beside it."""
    folder = shutil.copytree(twice, tmp_path / "twice")
    monkeypatch.setenv("PAR_BACKUP_DIR", str(folder / "backups"))
    return folder / "par.duckdb"


# ------------------------------------------------------------------------------------------------ the report

def test_check_keeps_a_database_that_two_rollbacks_left_shorter_than_its_header_says(rolled_back_twice):
    path = rolled_back_twice
    before = sha(path)
    done = cli("check", "--db", path, "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "is sound" in done.stdout
    assert set_aside(path) == [] and sha(path) == before  # not replaced: the second rollback's result stays
    assert not inspections(path) & {"TWICE-1", "TWICE-2"}  # (the pre-rollback backup would bring TWICE-2 back)
    assert backup.diagnose(path, deep=True) is None  # DuckDB reads every index of it too


def test_the_dashboard_keeps_it_at_its_start(rolled_back_twice, monkeypatch):
    path = rolled_back_twice
    before = sha(path)
    monkeypatch.setenv("PAR_DB", str(path))
    monkeypatch.setenv("PAR_ANONYMOUS", "1")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.run()
    assert not [w.value for w in at.warning if "sao lưu" in w.value]
    assert set_aside(path) == [] and sha(path) == before


def test_a_backup_taken_from_it_is_sound_and_is_the_one_restored(rolled_back_twice):
    path = rolled_back_twice
    db = Database(path)
    try:
        taken = backup.backup(db, "after two rollbacks")
    finally:
        db.close()
    assert backup.diagnose(taken) is None
    older = [b.path for b in backup.backups(path)[1:]]  # before each import and each rollback
    assert older, "the imports and rollbacks took backups"
    path.write_bytes(b"")  # really damaged now: the newest sound backup comes back, the one just taken
    notice = recovery.recover(path)
    assert notice is not None and notice.restored and taken.name in notice.en
    assert not inspections(path) & {"TWICE-1", "TWICE-2"}


def test_a_damaged_index_block_is_still_found_by_duckdb_reading_the_indexes(rolled_back_twice):
    """The bytes only say where DuckDB must look: a file DuckDB reads whole is sound, one it cannot is not."""
    path = rolled_back_twice
    assert judgement.damage_an_index_block(path)
    assert backup.diagnose(path) is not None


WRITER = """import duckdb, sys
try:
    duckdb.connect(sys.argv[1]).close()
    print("opened")
except duckdb.Error as exc:
    print("refused" if "lock" in str(exc) else exc)
"""


def test_a_backup_keeps_other_writers_away_from_the_file_the_dashboard_holds(small_db, tmp_path, monkeypatch):
    """DuckDB's lock on the file is a POSIX record lock: closing any descriptor of the file (a copy read it)
    drops it for the whole process. A backup taken by the dashboard must not let an import or a restore from the
    command line open the file it writes; nor may `check` read it as if nobody held it."""
    monkeypatch.setenv("PAR_BACKUP_DIR", str(tmp_path / "backups"))
    path = tmp_path / "par.duckdb"
    shutil.copyfile(small_db, path)
    db = Database(path)
    try:
        backup.backup(db, "held")
        writer = subprocess.run([sys.executable, "-c", WRITER, str(path)], capture_output=True, text=True, check=False)
        assert writer.stdout.strip() == "refused", writer.stdout + writer.stderr
        with pytest.raises(backup.RestoreRefused, match="in use"):
            backup.restore(backup.latest_backup(path).path, path)
        assert backup.diagnose(path) is None  # (this process's own file: it opened)
    finally:
        db.close()


# ------------------------------------------------------------------------------------------------ the invariant

@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pinned(judgement.PINNED)  # the report's sequence
@given(steps=OPS)
def test_a_database_that_opens_and_reads_whole_is_never_replaced(small_db, steps):
    """After each step the file is closed and checked as the `check` command and the dashboard's start do: it is
    never set aside nor replaced, holds what the steps made (the inspections of the batches not rolled back), and
    every backup taken is sound (tests/hardening/judgement.py; the figures command runs more sequences)."""
    wrong = judgement.sequence_violations(small_db, steps)
    assert not wrong, wrong


# ------------------------------------------------------------------------------------------------ growth

def test_imports_and_rollbacks_do_not_grow_the_file_cycle_after_cycle(small_db, tmp_path, monkeypatch):
    """A rollback rewrites the tables that refer to the sources (see service._Tables): the first one leaves the file
    larger by about one copy of them; the blocks the old copies held are reused afterwards, so the file stays
    within that one copy however many cycles follow (sizes, not times: the dashboard keeps the file open)."""
    monkeypatch.setenv("PAR_BACKUP_DIR", str(tmp_path / "backups"))
    path = tmp_path / "par.duckdb"
    shutil.copyfile(small_db, path)

    def size() -> int:
        wal = Path(f"{path}.wal")
        return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    start = size()
    db = Database(path)
    try:
        sizes = []
        for cycle in range(4):
            import_and_roll_back(db, f"GROW-{cycle}")
            sizes.append(size())
    finally:
        db.close()
    one_cycle = max(sizes[0] - start, 1)
    assert max(sizes) <= start + 2 * one_cycle, [start, *sizes]  # growing every cycle: start + 4 * one_cycle
    assert size() <= start + 2 * one_cycle
