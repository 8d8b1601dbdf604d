"""A sound database is never judged damaged: imports, rollbacks, checkpoints and backups on a real DuckDB file,
then the `check` command, the dashboard's start and the choice of a backup to restore (par_dashboard/store/backup.py,
par_dashboard/store/dbcheck.py); and the file does not grow with each import and rollback.

DuckDB cuts free blocks off the end of a file without lowering the block count its header records: after a
rollback (which rewrites the tables) the file is shorter than that count says, and whole."""

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from par_dashboard.building import recovery
from par_dashboard.importing import service
from par_dashboard.paths import ROOT, SCHEMA_FILE
from par_dashboard.store import backup
from par_dashboard.store.db import Database
from tests.test_import_service import xlsx

# The reference tables an import looks names up in; the large tables (findings, values, scores) are left empty,
# so that a rollback, which rewrites the tables that refer to the sources, takes a second rather than several.
_REFERENCE = ("source", "admin_structure", "par_area", "index_family", "indicator", "data_version")


@pytest.fixture(scope="session")
def small_db(built_db, tmp_path_factory) -> Path:
    """The session database's schema and reference tables, without its large tables (10 MB, not 50)."""
    path = tmp_path_factory.mktemp("small") / "par.duckdb"
    source = path.with_name("source.duckdb")  # a copy: this process may hold the session database open (the db fixture)
    shutil.copy(built_db, source)
    con = duckdb.connect(str(path))
    try:
        con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))
        con.execute("ATTACH ? AS b (READ_ONLY)", [str(source)])
        for t in _REFERENCE:
            con.execute(f"INSERT INTO {t} SELECT * FROM b.{t}")  # noqa: S608 - fixed names
        for level in ("province", "district", "commune", "department"):  # a unit after its parent
            con.execute("INSERT INTO admin_unit SELECT * FROM b.admin_unit WHERE level = ?", [level])
        con.execute("INSERT INTO unit_crosswalk SELECT * FROM b.unit_crosswalk")
        con.execute("DETACH b")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    source.unlink()
    return path


def rows(iid: str, n_findings: int = 2) -> dict[str, list[dict]]:
    """A new inspection in Lạng Sơn with a visited unit and `n_findings` findings (nothing another batch shares)."""
    return {
        "inspections": [{"inspection_id": iid, "province": "Lạng Sơn", "year": 2024, "team_label": f"Đoàn {iid}",
                         "started_on": "01/07/2024", "ended_on": "02/07/2024"}],
        "inspection_units": [{"inspection_id": iid, "unit_name": "Huyện Cao Lộc", "unit_province": "Lạng Sơn",
                              "visited_on": "01/07/2024"}],
        "findings": [{"finding_id": f"{iid}-{i}", "inspection_id": iid, "area": "A3", "kind": "Tồn tại, hạn chế",
                      "text": f"Phát hiện {i} của {iid}."} for i in range(n_findings)],
    }


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def inspections(path: Path) -> set[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {i for (i,) in con.execute("SELECT inspection_id FROM inspection").fetchall()}
    finally:
        con.close()


def set_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*-*"))  # .damaged-<time>, .before-restore-<time>


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
    from par_dashboard.store.dbcheck import FIRST_BLOCK, used_blocks

    path = rolled_back_twice
    con = duckdb.connect(str(path), read_only=True)
    try:
        data = {b for t in backup.REQUIRED_TABLES
                for (b,) in con.execute("SELECT DISTINCT block_id FROM pragma_storage_info(?) WHERE block_id >= 0", [t]).fetchall()}
    finally:
        con.close()
    size, offsets = used_blocks(path)
    index_like = [o for o in offsets if (o - FIRST_BLOCK) // size not in data and (o - FIRST_BLOCK) // size > 0]
    assert index_like
    with open(path, "r+b") as f:
        f.seek(index_like[-1] + size // 2)
        f.write(b"\xff" * 8)
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

OPS = st.lists(st.tuples(st.sampled_from(["import", "rollback", "checkpoint", "backup"]), st.integers(0, 2**16)),
               min_size=2, max_size=4)


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@example(steps=[("import", 1), ("rollback", 0), ("import", 2), ("rollback", 0)])  # the report's sequence
@given(steps=OPS)
def test_a_database_that_opens_and_reads_whole_is_never_replaced(small_db, monkeypatch, steps):
    """After each step the file is closed and checked as the `check` command and the dashboard's start do: it is
    never set aside nor replaced, holds what the steps made (the inspections of the batches not rolled back), and
    every backup taken is sound."""
    with tempfile.TemporaryDirectory(prefix="par-judge-") as tmp:
        monkeypatch.setenv("PAR_BACKUP_DIR", str(Path(tmp) / "backups"))
        path = Path(tmp) / "par.duckdb"
        shutil.copyfile(small_db, path)
        live: dict[int, str] = {}  # batch -> its inspection
        for n, (op, pick) in enumerate(steps):
            db = Database(path)
            try:
                if op == "import":
                    iid = f"PROP-{n}-{pick}"
                    report = service.load(db, xlsx(rows(iid, 1 + pick % 3)), f"{iid}.xlsx", user="test")
                    assert report.status == "loaded", report.summary("en")
                    live[report.batch_id] = iid
                elif op == "rollback" and live:
                    batch = sorted(live)[pick % len(live)]
                    assert service.rollback(db, batch, user="test").status == "rolled_back"
                    del live[batch]
                elif op == "checkpoint":
                    with db.cursor() as cur:
                        cur.execute("CHECKPOINT")
                elif op == "backup":
                    assert backup.diagnose(backup.backup(db, "property")) is None
            finally:
                db.close()
            made = sha(path)
            assert recovery.recover(path) is None, (n, op)
            assert set_aside(path) == [] and sha(path) == made, (n, op)
            assert inspections(path) == set(live.values()), (n, op)
        for b in backup.backups(path):
            assert backup.diagnose(b.path) is None, b.path.name


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
