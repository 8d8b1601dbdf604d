"""Faults: processes killed at random moments, a full disk, damaged files, and what is left afterwards.

    run_faults(kills=N, seed=S) -> {"injected", "rows_lost", "inconsistent", "failures", "by_kind", "outcomes"}

Each kill runs a real command in a child process on a copy of the database and sends it SIGKILL: an import of a
large file (`python -m par_dashboard import`, backup included), a rebuild (`build`, which writes a temporary file
and renames it), or a restore (`restore`). The moment is drawn at random: anywhere in the run, or after the child
says it is writing (the import's transaction, the build's last step, the restore's file switch). Afterwards the
database must open and hold, table by table, exactly the state before the command or exactly the state after it
(`inconsistent` counts the others); `rows_lost` counts the rows present both before and after that are missing.
Then the same command is run to the end on a killed copy: nothing a killed run left behind may stand in its way.

A full disk is a child whose file size limit (RLIMIT_FSIZE, with SIGXFSZ ignored, so a write fails with EFBIG as
on a full disk) is low: at the backup before the import (which must be refused, saying the backup failed), at the
log written at commit, and at the database file (a large batch is committed into it, and DuckDB then refuses the
connection until it is opened again). Each must exit with a message, no traceback, and leave the database as it
was. A damaged file (empty, random bytes, text, truncated, a flipped header or data block, a log
from another database) must be set aside untouched and replaced by the backup (see par_dashboard.store.backup).
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from par_dashboard.paths import DEFAULT_DB, ROOT

N_FINDINGS = 20_000
INSPECTION = "FAULT-LS-2024"
KINDS = ("import", "rebuild", "restore")
DAMAGES = ("empty", "random", "text", "truncated", "header", "block", "wal")
# What the commands say on stderr when they reach their writing part (the import's and build's own progress lines).
WRITING = {"import": "Đang ghi vào cơ sở dữ liệu", "rebuild": "Kiểm tra và lưu", "restore": "Đang khôi phục"}
EARLY = {"rebuild": ("Nạp đơn vị hành chính", "Sinh dữ liệu mô phỏng", "Ghi dữ liệu")}  # the build's earlier lines
_BOOKKEEPING = ("import_batch", "import_change", "import_quarantine", "audit_log")


# ------------------------------------------------------------------------------------------------ children

def big_import_file(path: Path, n: int = N_FINDINGS) -> Path:
    """One new inspection with `n` findings: long enough to be killed while reading, checking or writing."""
    from par_dashboard.importing.template import Catalogue, write_workbook

    rows = {
        "inspections": [{"inspection_id": INSPECTION, "province": "S63-P-20", "year": 2024, "team_label": "Đoàn kiểm tra thử",
                         "started_on": "01/08/2024", "ended_on": "02/08/2024"}],
        "findings": [{"finding_id": f"{INSPECTION}-{i:05d}", "inspection_id": INSPECTION, "unit_id": "S63-D-183",
                      "area": f"A{i % 8 + 1}", "kind": "Kết quả", "text": f"Phát hiện thử số {i}."} for i in range(n)],
    }
    path.write_bytes(write_workbook(rows, lang="vi", catalogue=Catalogue.from_seed()))
    return path


def command(kind: str, db_path: Path, arg: Path) -> list[str]:
    """The command line of a child: import FILE, build, or restore BACKUP, on `db_path`."""
    head = [sys.executable, "-m", "par_dashboard"]
    if kind == "import":
        return [*head, "import", str(arg), "--db", str(db_path), "--user", "fault"]
    if kind == "rebuild":
        return [*head, "build", "--db", str(db_path)]
    return [*head, "restore", str(arg), "--db", str(db_path)]


def start(argv: list[str], *, backups: Path | None = None, file_limit: int | None = None) -> subprocess.Popen:
    """A child in its own session (stderr readable line by line); `file_limit` caps the size of any file it writes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if backups is not None:
        env["PAR_BACKUP_DIR"] = str(backups)

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG, as on a full disk
        resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=limit if file_limit else None)  # noqa: PLW1509 - only setrlimit/signal


def wait_for(proc: subprocess.Popen, text: str) -> bool:
    """Read the child's stderr until a line holds `text` (False: it ended first)."""
    for line in proc.stderr:
        if text in line:
            return True
    return False


def kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)


# ------------------------------------------------------------------------------------------------ states

@functools.cache
def _state_of_reference(path: Path) -> dict[str, str]:
    """The state of a file no child touches any more (the before and after of a scenario)."""
    return state(path)


def state(db_path: Path) -> dict[str, str]:
    """Table by table, a hash of the content (count and order-free sum of row hashes); the import bookkeeping
    by its row counts (its rows carry times)."""
    from par_dashboard.store.schema import CONTENT_TABLES

    con = duckdb.connect(str(db_path))  # opens (replaying its log) as the dashboard would
    try:
        tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}
        out = {t: "{}:{}".format(*con.execute(f"SELECT count(*), coalesce(sum(hash(x)), 0) FROM {t} x").fetchone())  # noqa: S608 - fixed names
               for t in CONTENT_TABLES}
        for t in _BOOKKEEPING:
            # a restore writes its own audit row into the restored file: the backup's content, plus who restored it
            where = " WHERE action NOT IN ('restore', 'recover')" if t == "audit_log" else ""
            out[t] = str(con.execute(f"SELECT count(*) FROM {t}{where}").fetchone()[0] if t in tables else 0)  # noqa: S608
        return out
    finally:
        con.close()


def rows_lost(now: Path, before: Path, after: Path) -> int:
    """Rows in every content table both before and after the command (the data it must not touch) missing now."""
    from par_dashboard.store.schema import CONTENT_TABLES

    con = duckdb.connect(str(now))
    try:
        con.execute(f"ATTACH '{before}' AS b (READ_ONLY)")
        con.execute(f"ATTACH '{after}' AS a (READ_ONLY)")
        return sum(con.execute(f"""SELECT count(*) FROM ((SELECT * FROM b.{t} INTERSECT ALL SELECT * FROM a.{t})
                                   EXCEPT ALL SELECT * FROM {t})""").fetchone()[0] for t in CONTENT_TABLES)  # noqa: S608
    finally:
        con.close()


@dataclass
class _Result:
    injected: int = 0
    rows_lost: int = 0
    inconsistent: int = 0
    failures: list[str] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    outcomes: list[dict] = field(default_factory=list)

    def count(self, kind: str) -> None:
        self.injected += 1
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1

    def fail(self, text: str) -> None:
        self.failures.append(text)


# ------------------------------------------------------------------------------------------------ kills

@dataclass
class _Scenario:
    """One kind of command: the file it starts from, its argument, and the file it gives when run to the end."""

    kind: str
    before: Path
    arg: Path | None
    after: Path | None = None
    duration: float = 0.0  # of a whole run (0: unknown, the kill moments follow the child's progress lines)
    writing: float = 1.0  # of its part after it says it is writing


def _run_to_end(s: _Scenario, work: Path, name: str) -> subprocess.CompletedProcess:
    """Run the command to the end on a copy of its `before`; sets its `after`, and its durations."""
    path = work / f"{name}.duckdb"
    shutil.copyfile(s.before, path)
    t0 = time.perf_counter()
    proc = start(command(s.kind, path, s.arg), backups=work / f"{name}-backups")
    said = wait_for(proc, WRITING[s.kind])
    t_writing = time.perf_counter()
    out, err = proc.communicate(timeout=900)
    end = time.perf_counter()
    s.after, s.duration, s.writing = path, end - t0, (end - t_writing) if said else 1.0
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@dataclass
class _Killed:
    scenario: _Scenario
    path: Path
    outcome: dict


def _kill_once(s: _Scenario, run: int, rng: random.Random, work: Path, result: _Result) -> _Killed:
    path = work / f"{s.kind}-kill{run}.duckdb"
    shutil.copyfile(s.before, path)
    proc = start(command(s.kind, path, s.arg), backups=work / f"{s.kind}-kill{run}-backups")
    early = EARLY.get(s.kind)
    if rng.random() < 0.4 and (s.duration or early):  # anywhere: starting, reading, checking, writing
        if s.duration:
            delay = rng.uniform(0.1 * s.duration, 1.05 * s.duration)
            moment = f"{delay:.2f} s after the start"
        else:
            marker = rng.choice(early)
            wait_for(proc, marker)
            delay = rng.uniform(0, 1.0)
            moment = f"{delay:.2f} s after «{marker}»"
        time.sleep(delay)
    else:  # while it writes (or commits, or renames)
        wait_for(proc, WRITING[s.kind])
        delay = rng.uniform(0, 1.1 * s.writing)
        time.sleep(delay)
        moment = f"{delay:.2f} s after it said it was writing"
    finished = proc.poll() is not None
    kill(proc)
    result.count(f"kill_{s.kind}")
    outcome = {"kind": s.kind, "run": run, "moment": moment, "finished_before_kill": finished}
    result.outcomes.append(outcome)
    return _Killed(s, path, outcome)


def _judge(k: _Killed, result: _Result) -> None:
    """The killed copy opens and holds the state before or the state after, and every row kept by both."""
    s, outcome, moment = k.scenario, k.outcome, k.outcome["moment"]
    try:
        now = state(k.path)
    except duckdb.Error as exc:
        result.inconsistent += 1
        result.fail(f"{s.kind} killed {moment}: the database does not open ({exc})")
        outcome["state"] = "does not open"
        return
    before, after = _state_of_reference(s.before), _state_of_reference(s.after)
    outcome["state"] = "before" if now == before else "after" if now == after else "neither"
    if outcome["state"] == "neither":
        result.inconsistent += 1
        changed = [t for t in now if now[t] not in (before[t], after[t])]
        result.fail(f"{s.kind} killed {moment}: neither the state before nor after (tables {changed})")
    lost = rows_lost(k.path, s.before, s.after)
    result.rows_lost += lost
    if lost:
        result.fail(f"{s.kind} killed {moment}: {lost} row(s) of the data before lost")
    outcome["rows_lost"] = lost


def _then_to_end(s: _Scenario, killed: _Killed, result: _Result) -> None:
    """The same command to the end, in place on a killed copy (whose file, kept aside first, is judged later): what
    the kill left behind must not be in its way. A kind without a state after yet (a rebuild) takes this run's."""
    path = killed.path
    killed.path = path.with_name(f"{path.stem}-as-killed.duckdb")
    shutil.copyfile(path, killed.path)
    if Path(f"{path}.wal").exists():
        shutil.copyfile(f"{path}.wal", f"{killed.path}.wal")
    proc = start(command(s.kind, path, s.arg), backups=path.with_name(f"{path.stem}-backups"))
    out, err = proc.communicate(timeout=900)
    if proc.returncode != 0:
        result.fail(f"{s.kind} after a killed {s.kind}: exit {proc.returncode}: {err[-500:]}")
    elif s.after is None:
        s.after = path
    elif state(path) != _state_of_reference(s.after):
        result.fail(f"{s.kind} after a killed {s.kind}: not the state a whole {s.kind} gives")


def _scenarios(kinds, original: Path, work: Path, big: Path, rebuilt: Path | None, result: _Result) -> list[_Scenario]:
    """Each kind run once to the end first (the import always: the others start from its result): the state after
    it and how long it takes. Not a rebuild (a whole build takes seconds): its kills follow its progress lines,
    and its state after is `rebuilt` (a database just built from data/) or the build run after its kills."""
    from par_dashboard.store import backup as backups_mod
    from par_dashboard.store.db import Database

    out = []
    imp = _Scenario("import", original, big)
    done = _run_to_end(imp, work, "import-whole")
    if done.returncode != 0:
        result.fail(f"the whole import failed: {done.stderr[-500:]}")
    if "import" in kinds:
        out.append(imp)
    if "rebuild" in kinds:  # from the database with the import: a rebuild drops it
        out.append(_Scenario("rebuild", imp.after, None, after=rebuilt))  # its state after: from the run that finishes
    if "restore" in kinds:  # the database with the import, back to its backup from before it
        previous = os.environ.get("PAR_BACKUP_DIR")
        os.environ["PAR_BACKUP_DIR"] = str(work / "restore-source")
        try:
            db = Database(original)
            try:
                source = backups_mod.backup(db, "fault source")
            finally:
                db.close()
        finally:
            _setenv("PAR_BACKUP_DIR", previous)
        res = _Scenario("restore", imp.after, source)
        done = _run_to_end(res, work, "restore-whole")
        if done.returncode != 0:
            result.fail(f"the whole restore failed: {done.stderr[-500:]}")
        out.append(res)
    return sorted(out, key=lambda s: list(kinds).index(s.kind))


def _setenv(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


# ------------------------------------------------------------------------------------------------ full disk

# (what runs out of room, the file imported, the file size limit): the backup before the import; the log written
# at commit (a small batch); the database file itself (a large batch is committed by writing it to the file)
FULL_DISK = (("backup", "small", 4096), ("log", "small", 4096), ("file", "big", 1_000_000))
_SAYS = {"backup": "Không sao lưu được", "log": "Không ghi được vào cơ sở dữ liệu", "file": "Không ghi được vào cơ sở dữ liệu"}


def _full_disk(original: Path, files: dict[str, Path], work: Path, result: _Result, cases) -> None:
    """Imports whose writes fail as on a full disk: each must be refused with its message, no traceback, and
    leave the database as it was (and openable). From the log on, the backup is taken first (as it would
    have been by an earlier import), so that the import's own write is what fails."""
    from par_dashboard.store import backup as backups_mod
    from par_dashboard.store.db import Database

    expected = state(original)
    for case, file, limit in (c for c in FULL_DISK if c[0] in cases):
        path = work / f"full-{case}.duckdb"
        shutil.copyfile(original, path)
        folder = work / f"full-{case}-backups"
        if case != "backup":
            previous = os.environ.get("PAR_BACKUP_DIR")
            os.environ["PAR_BACKUP_DIR"] = str(folder)
            try:
                db = Database(path)
                try:
                    backups_mod.backup(db, "before full disk")
                finally:
                    db.close()
            finally:
                _setenv("PAR_BACKUP_DIR", previous)
        proc = start(command("import", path, files[file]), backups=folder, file_limit=limit)
        out, err = proc.communicate(timeout=900)
        result.count("full_disk")
        where = f"full disk ({case})"
        if proc.returncode != 1:
            result.fail(f"{where}: exit {proc.returncode}, not 1 (refused)")
        if _SAYS[case] not in err or "Traceback" in err:
            result.fail(f"{where}: no clear message ({err[-400:]!r})")
        if backups_mod.diagnose(path) is not None:
            result.fail(f"{where}: the database is damaged afterwards")
            continue
        if state(path) != expected:
            result.inconsistent += 1
            result.fail(f"{where}: the database changed")
        if any(folder.glob("*.partial*")):
            result.fail(f"{where}: a partial backup was left behind")


# ------------------------------------------------------------------------------------------------ damaged files

def damage(path: Path, kind: str, rng: random.Random, *, other: Path | None = None) -> None:
    """Damage a database file the way disks, copies and people do."""
    size = path.stat().st_size
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "random":
        path.write_bytes(rng.randbytes(rng.randrange(1, 2_000_000)))
    elif kind == "text":
        path.write_text("Đây không phải cơ sở dữ liệu.\n" * 100, encoding="utf-8")
    elif kind == "truncated":
        os.truncate(path, rng.randrange(12_288, size))
    elif kind in ("header", "block"):
        at = rng.randrange(4096, 12_288) if kind == "header" else _in_a_used_block(path, rng)
        with open(path, "r+b") as f:
            f.seek(at)
            old = f.read(8)
            f.seek(at)
            f.write(bytes(b ^ 0xFF for b in old))
    elif kind == "wal":  # a log written by another database beside this file
        assert other is not None
        con = duckdb.connect(str(other))
        con.execute("PRAGMA disable_checkpoint_on_shutdown")
        con.execute("CREATE TABLE t AS SELECT range AS x FROM range(1000)")
        con.close()
        shutil.copyfile(f"{other}.wal", f"{path}.wal")
    else:
        raise ValueError(kind)


def _in_a_used_block(path: Path, rng: random.Random) -> int:
    from par_dashboard.store.dbcheck import used_blocks

    size, offsets = used_blocks(path)
    return rng.choice(offsets) + rng.randrange(0, size - 8)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""


def _damaged_files(original: Path, work: Path, rng: random.Random, result: _Result, damages=DAMAGES) -> None:
    """Each damage with a backup at hand: set aside untouched, the backup restored, the data as backed up."""
    from par_dashboard.building import recovery
    from par_dashboard.store import backup as backups_mod
    from par_dashboard.store.db import Database

    expected = state(original)
    previous = os.environ.get("PAR_BACKUP_DIR")
    try:
        for kind in damages:
            folder = work / f"damage-{kind}"
            folder.mkdir()
            os.environ["PAR_BACKUP_DIR"] = str(folder / "backups")
            path = folder / "par.duckdb"
            shutil.copyfile(original, path)
            db = Database(path)
            try:
                backups_mod.backup(db, "before damage")
            finally:
                db.close()
            damage(path, kind, rng, other=folder / "other.duckdb")
            damaged = (_sha(path), _sha(Path(f"{path}.wal")))
            result.count("damaged_file")
            try:
                notice = recovery.recover(path)
            except Exception as exc:  # noqa: BLE001 - a figure: any failure to recover is counted, not raised
                result.fail(f"damaged ({kind}): recovery failed: {type(exc).__name__}: {exc}")
                continue
            aside = sorted(folder.glob("par.duckdb.damaged-*[0-9]"))
            if notice is None:
                result.fail(f"damaged ({kind}): not noticed")
                continue
            if not aside or (_sha(aside[-1]), _sha(Path(f"{aside[-1]}.wal"))) != damaged:
                result.fail(f"damaged ({kind}): the damaged file was not kept as it was")
            if backups_mod.latest_backup(path).when not in notice.vi:
                result.fail(f"damaged ({kind}): the message does not say which backup: {notice.en}")
            if state(path) != expected:
                result.inconsistent += 1
                result.fail(f"damaged ({kind}): the restored database is not the backup")
    finally:
        _setenv("PAR_BACKUP_DIR", previous)


# ------------------------------------------------------------------------------------------------ all

def run_faults(kills: int = 6, *, seed: int | None = None, db_path: Path | None = None, kinds=KINDS,
               rebuilt: Path | None = None, finish=KINDS, full_disk=tuple(c[0] for c in FULL_DISK), damages=DAMAGES,
               n_findings: int = N_FINDINGS, say: Callable[[str], None] | None = None) -> dict:
    """`kills` child processes killed at random moments (spread over `kinds`), then for each kind in `finish` the
    command run to the end on a killed copy, the full-disk imports (the cases of FULL_DISK named in `full_disk`)
    and the damaged files (`damages`); the figures, with a line per failure. A copy of `db_path` (default $PAR_DB or data/par.duckdb) is used, never the file itself.
    `rebuilt`: a database just built from data/ (the state a rebuild gives), to save running a whole build.
    The seed (drawn and reported when not given) fixes the kill moments."""
    seed = random.randrange(1_000_000) if seed is None else seed
    rng = random.Random(seed)
    say = say or (lambda text: None)
    result = _Result()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="par-faults-") as tmp:
        work = Path(tmp)
        original = work / "original.duckdb"
        shutil.copyfile(Path(db_path or os.environ.get("PAR_DB", DEFAULT_DB)), original)
        big = big_import_file(work / "big.xlsx", n_findings)
        scenarios = _scenarios(kinds, original, work, big, rebuilt, result) if kills and kinds else []
        say("whole runs: " + ", ".join(f"{s.kind} {s.duration:.1f} s" for s in scenarios if s.duration))
        say(f"{time.perf_counter() - started:.1f} s: killing")
        killed = [_kill_once(scenarios[run % len(scenarios)], run, rng, work, result) for run in range(kills if scenarios else 0)]
        for s in scenarios:
            mine = [k for k in killed if k.scenario is s]
            if mine and (s.kind in finish or s.after is None):
                _then_to_end(s, mine[-1], result)
        for k in killed:
            if k.scenario.after is not None:
                _judge(k, result)
            say(str(k.outcome))
        say(f"{time.perf_counter() - started:.1f} s: killed and judged")
        if full_disk:
            large = big if n_findings == N_FINDINGS or "file" not in full_disk else big_import_file(work / "large.xlsx")
            _full_disk(original, {"big": large, "small": big_import_file(work / "small.xlsx", 200)}, work, result, full_disk)
            say(f"{time.perf_counter() - started:.1f} s: full disk")
        if damages:
            _damaged_files(original, work, rng, result, damages)
            say(f"{time.perf_counter() - started:.1f} s: damaged files")
        _state_of_reference.cache_clear()
    return {"injected": result.injected, "rows_lost": result.rows_lost, "inconsistent": result.inconsistent,
            "failures": result.failures, "by_kind": result.by_kind, "seed": seed,
            "seconds": round(time.perf_counter() - started, 1), "outcomes": result.outcomes}
