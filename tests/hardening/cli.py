"""The command line without a database (tests/test_cli_database.py asserts it, command by command).

Every command of `python -m par_dashboard` when there is no database where it looks (a mistyped --db in an existing
folder, a folder that does not exist): it says in one sentence what to run and exits 1, or has nothing to do and
exits 0, or refuses; never a traceback, and never an empty stub file left behind (a stub made scripts/run.sh skip its
build and the first visitor meet a "missing tables" warning). Run as a user runs them: one process each.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from par_dashboard.paths import ROOT
from tests.hardening.invariants import Survey, named

BUILD = "python -m par_dashboard build"

# Each command with --db at a path where no database is: a mistyped file name in an existing folder ("typo", messages
# in English) or a folder that does not exist ("no-folder", in Vietnamese), and how it must end: "build" (one sentence
# naming the build command for that very path, exit 1), "ok" (nothing to do, exit 0) or "refused" (exit 1: `restore`
# has no backup to put there, or no folder to put it in).
CASES = {
    "import": (lambda d, w, r: ("import", w), "typo", "build"),
    "rollback": (lambda d, w, r: ("rollback", "1"), "no-folder", "build"),
    "batches": (lambda d, w, r: ("batches",), "typo", "build"),
    "export": (lambda d, w, r: ("export", d / "xuat.xlsx"), "no-folder", "build"),
    "deck": (lambda d, w, r: ("deck", d / "deck", "--formats", "html"), "typo", "build"),
    "extract": (lambda d, w, r: ("extract", r), "no-folder", "build"),
    "backup": (lambda d, w, r: ("backup",), "typo", "build"),
    "backups": (lambda d, w, r: ("backups",), "no-folder", "ok"),
    "restore": (lambda d, w, r: ("restore", "--latest"), "typo", "refused"),
    "restore-file": (lambda d, w, r: ("restore", w), "no-folder", "refused"),
    "facts": (lambda d, w, r: ("facts",), "no-folder", "build"),
    "check-typo": (lambda d, w, r: ("check",), "typo", "build"),
    "check": (lambda d, w, r: ("check",), "no-folder", "build"),
    "users": (lambda d, w, r: ("users", "add", "lan", "--role", "viewer", "--province", "S63-P-20", "--password-stdin"),
              "typo", "ok"),
}


def inputs(folder: Path) -> tuple[Path, Path]:
    """A file each command reads (an import workbook, a report text; a sound backup is not needed: none exists)."""
    from tests.test_import_service import good_rows, xlsx

    workbook = folder / "kiem_tra.xlsx"
    workbook.write_bytes(xlsx(good_rows()))
    report = folder / "bao-cao.txt"
    report.write_text("Đoàn kiểm tra công tác cải cách hành chính tại tỉnh Lạng Sơn.", encoding="utf-8")
    return workbook, report


def case_violations(folder: Path, case: str, workbook: Path | None = None, report: Path | None = None) -> list[str]:
    """Run the command of `case` with --db where no database is, in `folder` (which holds no database yet)."""
    if workbook is None or report is None:
        workbook, report = inputs(folder)
    args, where, end = CASES[case]
    lang = "en" if where == "typo" else "vi"
    db = folder / "par.duckbd" if where == "typo" else folder / "khong-co" / "par.duckdb"
    done = subprocess.run([sys.executable, "-m", "par_dashboard", *map(str, args(folder, workbook, report)), "--db",
                           str(db), "--lang", lang], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
                          input="một mật khẩu dài\n", env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8",
                                                            "PAR_USERS_FILE": str(folder / "conf" / "users.json")})
    said = done.stdout + done.stderr
    wrong = []
    if "Traceback" in said:
        wrong.append(f"a traceback: {said[-400:]}")
    if db.exists():
        wrong.append(f"{case} left a file at {db}")
    if db.parent.exists() and list(db.parent.glob(db.name + "*")):
        wrong.append(f"{case} left {sorted(p.name for p in db.parent.glob(db.name + '*'))}")
    if end == "ok":
        return wrong + ([] if done.returncode == 0 else [f"exit {done.returncode}: {said[-300:]}"])
    if done.returncode != 1:
        wrong.append(f"exit {done.returncode}, not 1: {said[-300:]}")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if len(lines) != 1:  # one sentence, nothing else
        return wrong + [f"{len(lines)} lines said, not one: {lines[:5]}"]
    if end == "build":
        if f"{BUILD} --db {db}." not in lines[0]:  # what to run, for that very path
            wrong.append(f"does not say what to run for that path: {lines[0]}")
        if not lines[0].startswith("No database at" if lang == "en" else "Không có cơ sở dữ liệu tại"):
            wrong.append(f"does not begin by saying there is no database: {lines[0]}")
    return wrong


def run_cli() -> dict:
    """Every command of CASES, each in a folder of its own: the figures."""
    with tempfile.TemporaryDirectory(prefix="par-cli-") as tmp:
        shared = Path(tmp) / "inputs"
        shared.mkdir()
        workbook, report = inputs(shared)
        counter = iter(range(len(CASES)))

        def check(case: str) -> list[str]:
            folder = Path(tmp) / f"case-{next(counter)}"
            folder.mkdir()
            return case_violations(folder, case, workbook, report)

        result: Survey = named(check, {c: {"case": c} for c in CASES})
    return result.figures() | {"commands": len({CASES[c][0](Path("x"), "w", "r")[0] for c in CASES})}
