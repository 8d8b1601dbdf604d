"""Backups of the database, restoring one, and judging whether a database file is damaged.

    backup(db, reason)          a consistent copy of the open database, before every import and rollback
    backups(db_path)            the copies kept (the newest KEEP), newest first; latest_backup(db_path)
    restore(backup, db_path)    put a copy in place, atomically, keeping the current file aside
    diagnose(db_path)           what is wrong with a database file (None: nothing found)
    set_aside(db_path, label)   a file (and its log) kept under another name
(and par_dashboard/building/recovery.py replaces a missing or damaged file: the newest sound backup, else a build)

Why a file copy: DuckDB's own copies (COPY FROM DATABASE, EXPORT DATABASE) both refuse this schema, whose
admin_unit refers to itself. With every write held off (`Database.quiet`) and a CHECKPOINT (the log folded into
the file), the file is one committed state, and copying it is fast (0.03 s for 50 MB, 0.4 s for 418 MB from the
page cache, versus seconds for any rewrite). A copy is written under a `.partial` name, opened to check it, synced
and only then renamed: a backup is there whole or not at all. A backup of a state already backed up (the data
version and its time are in the file name) is not taken twice.

Damage is what DuckDB fails on, looked for all at once instead of on the page that happens to read a bad block,
in a child process (par_dashboard.store.dbcheck): whether the file opens (a log that belongs to another file is refused
there), has its tables, and reads whole (every column of every table; the indexes too when the bytes suggest
damage there). A file DuckDB opens and reads whole is never replaced: its length says nothing (DuckDB cuts free
blocks off the end of the file without lowering the block count its header records). A damaged file is never
deleted: it is renamed `<name>.damaged-<time>` (with its log) before anything else happens.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from par_dashboard.i18n import pick
from par_dashboard.paths import ROOT
from par_dashboard.store.db import Database, DatabaseBusy
from par_dashboard.store.schema import CONTENT_TABLES, ensure_tables

KEEP = 10
REQUIRED_TABLES = frozenset({*CONTENT_TABLES, "data_version"})
Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class Message:
    vi: str
    en: str

    def message(self, lang: str = "vi") -> str:
        return pick(self.vi, self.en, lang)

    def __add__(self, other: Message) -> Message:
        return Message(f"{self.vi} {other.vi}", f"{self.en} {other.en}")


class BackupError(RuntimeError):
    """A backup or restore that did not happen; the message says why in both languages, and that nothing changed."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en

    def message(self, lang: str = "vi") -> str:
        return pick(self.vi, self.en, lang)


class BackupFailed(BackupError):
    pass


class RestoreRefused(BackupError):
    pass


@dataclass(frozen=True)
class Damage(Message):
    kind: str = ""  # empty | not_duckdb | truncated | header | checksum | wal | tables | unreadable


@dataclass(frozen=True)
class Recovery(Message):
    """What `recover` found and did: `damaged` (else the file was missing), `restored` (a backup, else a build)."""

    damaged: bool = False
    restored: bool = False


# ------------------------------------------------------------------------------------------------ backups

def backup_dir(db_path: Path) -> Path:
    """$PAR_BACKUP_DIR, else `backups/` beside the database (data/backups/ for data/par.duckdb, gitignored)."""
    folder = os.environ.get("PAR_BACKUP_DIR")
    return Path(folder) if folder else Path(db_path).parent / "backups"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: dt.datetime
    reason: str
    state: str  # the data version and a hash of its time: equal states hold equal data

    @property
    def when(self) -> str:
        return f"{self.taken_at:%d/%m/%Y %H:%M}"


def backup_prefix(db_path: Path) -> str:
    """What a database's backups are named after: `par` for `par.duckdb` (as they always were); the whole file name for
    any other suffix, so that a mistyped `--db par.duckbd` is never given `par.duckdb`'s backups."""
    path = Path(db_path)
    return path.stem if path.suffix == ".duckdb" else path.name


def _name_re(db_path: Path) -> re.Pattern:
    return re.compile(rf"^{re.escape(backup_prefix(db_path))}-(\d{{8}}-\d{{6}}-\d{{3}})-([a-z0-9-]+)-(v\d+x[0-9a-f]{{6}})\.duckdb$")


def backups(db_path: Path) -> list[BackupInfo]:
    """The backups of this database (by its file name), newest first."""
    folder, pattern = backup_dir(db_path), _name_re(db_path)
    found = []
    for p in folder.glob(f"{glob.escape(backup_prefix(db_path))}-*.duckdb") if folder.is_dir() else ():
        if m := pattern.match(p.name):
            found.append(BackupInfo(p, dt.datetime.strptime(m.group(1), "%Y%m%d-%H%M%S-%f"), m.group(2), m.group(3)))
    return sorted(found, key=lambda b: b.taken_at, reverse=True)


def latest_backup(db_path: Path) -> BackupInfo | None:
    found = backups(db_path)
    return found[0] if found else None


def _state(db: Database) -> str:
    with db.cursor() as cur:
        version, last, first = cur.execute("SELECT max(version), max(built_at), min(built_at) FROM data_version").fetchone()
    return f"v{version}x{hashlib.sha1(f'{last}|{first}'.encode()).hexdigest()[:6]}"  # noqa: S324 - a name, not security


def backup(db: Database, reason: str, *, keep: int = KEEP) -> Path:
    """A copy of the database as it is now in backup_dir(); the existing copy when nothing changed since it.

    Raises BackupFailed (disk full, folder not writable, ...) with nothing left behind."""
    folder = backup_dir(db.path)
    plain = "".join(c for c in unicodedata.normalize("NFD", reason.lower().replace("đ", "d")) if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:40] or "backup"  # "trước kỳ báo cáo" -> "truoc-ky-bao-cao"
    with db.quiet():
        state = _state(db)
        latest = latest_backup(db.path)
        if latest is not None and latest.state == state:
            return latest.path
        now = dt.datetime.now()
        final = folder / f"{backup_prefix(db.path)}-{now:%Y%m%d-%H%M%S}-{now.microsecond // 1000:03d}-{slug}-{state}.duckdb"
        partial = final.with_name(final.name + ".partial")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for stale in folder.glob(f"{glob.escape(backup_prefix(db.path))}-*.partial*"):  # left by a backup that was killed
                stale.unlink()
            with db.cursor() as cur:
                cur.execute("CHECKPOINT")
            _copy_held(db.path, partial)
            wal = _wal(db.path)
            if wal.exists() and wal.stat().st_size:  # not folded in (a reader held it): the copy replays it
                _copy(wal, _wal(partial))
            con = duckdb.connect(str(partial))
            try:
                missing = REQUIRED_TABLES - _tables(con)
                con.execute("CHECKPOINT")
            finally:
                con.close()
            if missing:
                raise duckdb.IOException(f"the copy lacks {sorted(missing)}")
            _fsync(partial)
            os.replace(partial, final)
            _fsync(folder)
        except (OSError, duckdb.Error) as exc:
            for p in (partial, _wal(partial)):
                with contextlib.suppress(OSError):
                    p.unlink(missing_ok=True)
            raise BackupFailed(
                f"Không sao lưu được cơ sở dữ liệu vào {folder} ({_reason(exc)}). Vì chưa có bản sao lưu nên thao tác "
                "không được thực hiện; cơ sở dữ liệu không thay đổi. Hãy giải phóng dung lượng đĩa rồi thử lại.",
                f"The database could not be backed up to {folder} ({_reason(exc)}). Without a backup the operation was "
                "not done; the database is unchanged. Free some disk space and try again.") from exc
    for old in backups(db.path)[keep:]:
        with contextlib.suppress(OSError):  # an old copy that cannot go is no reason to refuse an import
            old.path.unlink(missing_ok=True)
    return final


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc).splitlines()[0][:200]


def _wal(path: Path) -> Path:
    return Path(f"{path}.wal")


def _copy(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)  # in the kernel (sendfile) where it can


_COPY = """import shutil, sys
try:
    shutil.copyfile(sys.argv[1], sys.argv[2])
except OSError as exc:
    print(exc.errno or 0)
    sys.exit(1)
"""


def _copy_held(src: Path, dst: Path) -> None:
    """Copy a database file this process holds open, from a child process: DuckDB's lock on the file is a POSIX
    record lock, which the process loses as soon as it closes any descriptor of that file, its own copy's
    included; the dashboard would then no longer keep other writers (an import or a restore from the command
    line) away from the file it writes."""
    done = subprocess.run([sys.executable, "-c", _COPY, str(src), str(dst)], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    if done.returncode:
        code = int(done.stdout.strip() or 0) if done.stdout.strip().isdigit() else 0
        raise OSError(code or None, os.strerror(code) if code else (done.stderr.strip()[-300:] or "copy failed"))


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tables(con) -> set[str]:
    return {name for (name,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()}


# ------------------------------------------------------------------------------------------------ restore

def _in_use(path: Path) -> RestoreRefused:
    return RestoreRefused(f"Cơ sở dữ liệu {path} đang được dùng (bảng điều khiển đang chạy?). Hãy dừng bảng điều khiển "
                          "rồi khôi phục lại; không có gì thay đổi.",
                          f"The database {path} is in use (is the dashboard running?). Stop the dashboard and restore "
                          "again; nothing changed.")


def restore(source: Path, db_path: Path, *, say: Callable[[str], None] | None = None, action: str = "restore") -> Path | None:
    """Put the backup `source` in place of `db_path`; return where the file it replaced was kept
    (`<name>.before-restore-<time>`, None when there was none).

    Refused (RestoreRefused, nothing changed) while a process holds the database, or when the backup does not
    open with every table. The backup is copied beside the database first; the switch is one rename, so a restore
    killed at any moment leaves the old database or the new one."""
    source, db_path = Path(source), Path(db_path)
    if not source.is_file():
        raise RestoreRefused(f"Không có tệp sao lưu {source}.", f"There is no backup file {source}.")
    if (damage := diagnose(source)) is not None:
        raise RestoreRefused(f"Không khôi phục từ {source.name}: {damage.vi}", f"Not restored from {source.name}: {damage.en}")
    sound = False
    if db_path.exists():
        try:
            sound = diagnose(db_path, in_process_ok=False) is None
        except DatabaseBusy:
            raise _in_use(db_path) from None
    if say:
        say(f"{source} -> {db_path}")
    incoming = db_path.with_name(db_path.name + ".restoring")
    for p in (incoming, _wal(incoming)):
        p.unlink(missing_ok=True)
    try:
        _copy(source, incoming)
        _audit_restore(incoming, source, action)
        _fsync(incoming)
    except (OSError, duckdb.Error) as exc:
        with contextlib.suppress(OSError):
            incoming.unlink(missing_ok=True)
        raise RestoreRefused(f"Không chép được bản sao lưu ({_reason(exc)}); cơ sở dữ liệu không thay đổi.",
                             f"The backup could not be copied ({_reason(exc)}); the database is unchanged.") from exc
    aside = None
    if db_path.exists():
        if sound:  # its log folded in first, so the file set aside is complete and no log outlives it
            con = duckdb.connect(str(db_path))
            con.execute("CHECKPOINT")
            con.close()
        aside = set_aside(db_path, "before-restore", move=False)
    _wal(db_path).unlink(missing_ok=True)  # never pair the restored file with the old file's log
    os.replace(incoming, db_path)
    _fsync(db_path.parent)
    return aside


def _audit_restore(incoming: Path, source: Path, action: str) -> None:
    """The restore is a write like any other: its audit row (who at the shell, when, from which backup) goes into
    the restored copy before the switch, so the database that comes into place already says how it got there."""
    import getpass

    from par_dashboard.security import auth

    con = duckdb.connect(str(incoming))
    try:
        con.execute("BEGIN TRANSACTION")
        ensure_tables(con)  # a backup from before the audit table existed
        auth.audit(con, auth.actor(getpass.getuser()), action, {"backup": source.name})
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def set_aside(path: Path, label: str, *, move: bool) -> Path:
    """`<name>.<label>-<time>` (and its log): renamed (a damaged file leaves its place) or linked (a restore
    replaces the file by rename, so the link keeps the old one whole)."""
    aside = path.with_name(f"{path.name}.{label}-{dt.datetime.now():%Y%m%d-%H%M%S-%f}")
    for src, dst in ((path, aside), (_wal(path), _wal(aside))):
        if not src.exists():
            continue
        if move:
            os.replace(src, dst)
        else:
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
    return aside


# ------------------------------------------------------------------------------------------------ damage

_CRASHES = {signal.SIGSEGV, signal.SIGBUS, signal.SIGABRT, signal.SIGILL, signal.SIGFPE}


def _judged(path: Path, deep: bool | None) -> dict:
    """DuckDB's verdict on the file, from a child process (par_dashboard.store.dbcheck): DuckDB stopping there on a
    damaged file (a crash) cannot take this process, the dashboard, down with it."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    argv = [sys.executable, "-m", "par_dashboard.store.dbcheck", str(path), "--require", ",".join(sorted(REQUIRED_TABLES))]
    done = subprocess.run([*argv, *(["--deep"] if deep else [])], capture_output=True, text=True, env=env, cwd=ROOT,
                          check=False, stdin=subprocess.DEVNULL)
    if done.returncode < 0 and -done.returncode in _CRASHES:
        return {"kind": "unreadable", "detail": f"DuckDB stopped reading it: {signal.Signals(-done.returncode).name}"}
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        # the check itself did not run (killed, out of memory, a broken install): no verdict, so nothing is replaced
        raise RuntimeError(f"the check of {path} did not finish (exit {done.returncode}): {done.stderr.strip()[-500:]}") from None


def _damage(kind: str, name: str, detail: str = "") -> Damage:
    vi, en = {
        "empty": ("Tệp cơ sở dữ liệu {name} rỗng (0 byte).", "The database file {name} is empty (0 bytes)."),
        "not_duckdb": ("Tệp {name} không phải cơ sở dữ liệu DuckDB.", "The file {name} is not a DuckDB database."),
        "truncated": ("Tệp cơ sở dữ liệu {name} bị cắt cụt (thiếu các khối dữ liệu nó dùng ở cuối tệp).",
                      "The database file {name} is truncated (blocks it uses are missing from its end)."),
        "header": ("Phần đầu tệp cơ sở dữ liệu {name} bị hỏng.", "The headers of the database file {name} are damaged."),
        "checksum": ("Tệp cơ sở dữ liệu {name} bị hỏng: {detail} khối dữ liệu sai tổng kiểm tra.",
                     "The database file {name} is damaged: {detail} block(s) fail their checksum."),
        "wal": ("Nhật ký ghi (.wal) của {name} không khớp với tệp cơ sở dữ liệu.",
                "The write-ahead log (.wal) of {name} does not match the database file."),
        "tables": ("Cơ sở dữ liệu {name} thiếu bảng: {detail}.", "The database {name} lacks tables: {detail}."),
        "unreadable": ("Không mở được cơ sở dữ liệu {name} ({detail}).", "The database {name} cannot be opened ({detail})."),
    }[kind]
    return Damage(vi.format(name=name, detail=detail), en.format(name=name, detail=detail), kind)


def diagnose(path: Path, *, in_process_ok: bool = True, deep: bool | None = None) -> Damage | None:
    """What is wrong with the database file at `path` (which must exist), or None.

    A verdict of damage comes from DuckDB failing on the file (par_dashboard.store.dbcheck: it does not open, lacks a
    table, or reading a table, or its indexes, fails): a file DuckDB opens and reads whole is sound, whatever its
    length. Only a file that is empty or does not start as a DuckDB file is judged from its bytes (DuckDB would
    try to open an SQLite file with an extension). `deep`: read the indexes even when the bytes do not suggest it.

    Raises DatabaseBusy when another process holds it (nothing can be said then). A file this process has open
    already opened fine: None, unless `in_process_ok` is False (then DatabaseBusy: a restore would pull the file
    from under that connection)."""
    path = Path(path)
    name = path.name
    path.stat()  # (missing: FileNotFoundError) the file itself is opened only by the child: see _copy_held
    verdict = _judged(path, deep)
    if "busy" in verdict:
        if verdict["busy"] == os.getpid() and in_process_ok:
            return None
        raise DatabaseBusy(str(path))
    kind = verdict.get("kind")
    if kind is None:
        return None
    if kind == "checksum":
        return _damage(kind, name, str(verdict.get("blocks", 1)))
    return _damage(kind, name, verdict.get("detail", "")[:200])
