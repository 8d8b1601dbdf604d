"""Every command of `python -m par_dashboard` when there is no database where it looks (a fresh clone, a mistyped
--db): it builds the default database first and says so, or says in one sentence what to run and exits non-zero;
never a traceback, and never an empty stub file left behind (a stub made scripts/run.sh skip its build and the first
visitor meet a "missing tables" warning). Run as a user runs them: one process each."""

import shutil
import subprocess
import sys

import duckdb
import pytest

from par_dashboard.store import backup
from tests.browser import ROOT
from tests.hardening import cli
from tests.hardening.cli import BUILD, CASES, inputs


def run(cwd, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "par_dashboard", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=300, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", **(env or {})})


@pytest.mark.parametrize("case", list(CASES))
def test_a_missing_database_is_said_with_what_to_run_and_no_stub_is_left(tmp_path, case):
    """tests/hardening/cli.py (the figures command runs every case the same way)."""
    wrong = cli.case_violations(tmp_path, case)
    assert not wrong, wrong


def test_build_makes_a_missing_folder_and_refuses_a_folder_as_the_database(tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    done = run(ROOT, "build", "--db", folder, "--lang", "en")
    assert done.returncode != 0 and "Traceback" not in done.stderr and "is a folder" in done.stderr, done.stderr
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob("*.tmp"))


def test_a_fresh_clone_imports_after_building_the_default_database_first(tmp_path):
    """A copy of the repository as a clone has it (no data/par.duckdb): the commands that only read or undo say
    what to run and leave nothing; `import` builds the default database first, saying so, then imports."""
    clone = tmp_path / "clone"
    for part in ("par_dashboard", "queries", "data"):
        shutil.copytree(ROOT / part, clone / part,
                        ignore=shutil.ignore_patterns("*.duckdb*", "*.tmp", "backups", "__pycache__"))
    default = clone / "data" / "par.duckdb"
    assert not default.exists()
    workbook, _ = inputs(tmp_path)
    for args in (("rollback", "1"), ("batches", "--lang", "en"), ("backup",)):
        done = run(clone, *args)
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert done.stderr.strip().endswith(f": {BUILD}."), done.stderr  # the default database: no --db to add
        assert not default.exists(), f"{args[0]} left a file at {default}"
    assert run(clone, "template", tmp_path / "mau.xlsx").returncode == 0 and not default.exists()  # needs none
    done = run(clone, "import", workbook, "--user", "lan")
    assert done.returncode == 0, done.stderr
    assert "Chưa có cơ sở dữ liệu" in done.stderr and "dựng" in done.stderr  # said before the build's progress
    assert "Đã nhập (lô 1). Thêm 5" in done.stdout
    assert backup.diagnose(default) is None  # a complete database, not a stub


def test_an_empty_database_file_is_not_taken_for_a_database(tmp_path):
    """What an interrupted command of an older version left (12 KB, no tables): `check`, which scripts/run.sh now
    runs before every start instead of testing that the file exists, replaces it; the commands that only read say
    to run `check`."""
    stub = tmp_path / "par.duckdb"
    duckdb.connect(str(stub)).close()
    assert stub.stat().st_size > 0 and backup.diagnose(stub).kind == "tables"
    done = run(ROOT, "batches", "--db", stub, "--lang", "en")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"The database {stub.name} lacks tables") and f"check --db {stub}." in done.stderr
    script = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert "-m par_dashboard check" in script and "[ -f data/par.duckdb ]" not in script
    assert script.index("-m par_dashboard check") < script.index("-m par_dashboard serve")


def test_a_mistyped_name_beside_a_database_with_backups_gets_none_of_them(tmp_path, built_db):
    """`check --db par.duckbd` beside par.duckdb and its backups: backups were found by the part of the name before the
    suffix, so the typo was handed par.duckdb's latest backup and a second database appeared under the wrong name."""
    real = tmp_path / "par.duckdb"
    shutil.copy(built_db, real)
    taken = run(ROOT, "backup", "--db", real)
    assert taken.returncode == 0 and len(backup.backups(real)) == 1, taken.stderr
    typo = tmp_path / "par.duckbd"
    assert backup.backups(typo) == []
    done = run(ROOT, "check", "--db", typo, "--lang", "en")
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("No database at") and f"{BUILD} --db {typo}." in done.stderr, done.stderr
    assert not typo.exists() and len(backup.backups(real)) == 1
