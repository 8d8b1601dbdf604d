"""Command line for backups (par_dashboard/backup.py), added to `python -m par_dashboard`:

    backup [--db PATH] [--reason TEXT]    take a backup now                 exit 0, 1 failed, 3 database in use
    backups [--db PATH]                   list the backups, newest first    exit 0
    restore (PATH | --latest) [--db PATH] put a backup in place             exit 0, 1 refused, 3 database in use
    check [--db PATH]                     look for damage; a damaged or missing database is set aside and replaced
                                          by the newest sound backup, else rebuilt      exit 0 sound, 4 recovered,
                                                                                        1 failed, 3 in use

Messages in Vietnamese unless --lang en.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from par_dashboard.paths import DEFAULT_DB

COMMANDS = ("backup", "backups", "restore", "check")
EXIT_OK, EXIT_FAILED, EXIT_BUSY, EXIT_RECOVERED = 0, 1, 3, 4


def add_parser(sub) -> None:
    def common(p):
        p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
        p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the messages (default vi)")

    p = sub.add_parser("backup", help="back the database up now (to $PAR_BACKUP_DIR, default data/backups/)")
    common(p)
    p.add_argument("--reason", default="manual", help="a word or two for the file name (default: manual)")
    common(sub.add_parser("backups", help="list the backups of the database, newest first"))
    p = sub.add_parser("restore", help="put a backup in place of the database (the current file is kept aside)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("path", nargs="?", type=Path, help="the backup file")
    which.add_argument("--latest", action="store_true", help="the newest backup")
    common(p)
    common(sub.add_parser("check", help="check the database file; replace a damaged or missing one (backup, else rebuild)"))


def run(args: argparse.Namespace) -> int:
    return {"backup": _backup, "backups": _list, "restore": _restore, "check": _check}[args.command](args, args.lang == "vi")


def _busy(path: Path, vi: bool) -> int:
    print(f"Cơ sở dữ liệu {path} đang được dùng (bảng điều khiển đang chạy?). Hãy dừng bảng điều khiển rồi chạy lại."
          if vi else f"The database {path} is in use (is the dashboard running?). Stop the dashboard and run this again.",
          file=sys.stderr)
    return EXIT_BUSY


def _backup(args, vi: bool) -> int:
    from par_dashboard import backup
    from par_dashboard.db import Database, DatabaseBusy

    if not args.db.exists():
        print(f"Không có cơ sở dữ liệu {args.db}." if vi else f"There is no database {args.db}.", file=sys.stderr)
        return EXIT_FAILED
    try:
        db = Database(args.db)
    except DatabaseBusy:
        return _busy(args.db, vi)
    try:
        path = backup.backup(db, args.reason)
    except backup.BackupFailed as exc:
        print(exc.message("vi" if vi else "en"), file=sys.stderr)
        return EXIT_FAILED
    finally:
        db.close()
    print(("Đã sao lưu: " if vi else "Backed up: ") + str(path))
    return EXIT_OK


def _list(args, vi: bool) -> int:
    from par_dashboard import backup

    found = backup.backups(args.db)
    if not found:
        print(f"Chưa có bản sao lưu nào trong {backup.backup_dir(args.db)}." if vi
              else f"No backups yet in {backup.backup_dir(args.db)}.")
    for b in found:
        print(f"{b.when}  {b.reason:<24} {b.path.stat().st_size / 1e6:7.1f} MB  {b.path}")
    return EXIT_OK


def _restore(args, vi: bool) -> int:
    from par_dashboard import backup

    source = args.path
    if args.latest:
        latest = backup.latest_backup(args.db)
        if latest is None:
            print(f"Chưa có bản sao lưu nào trong {backup.backup_dir(args.db)}." if vi
                  else f"No backups in {backup.backup_dir(args.db)}.", file=sys.stderr)
            return EXIT_FAILED
        source = latest.path

    def say(what: str) -> None:  # said before the files are switched (the fault checks kill it from here on)
        print(("Đang khôi phục: " if vi else "Restoring: ") + what, file=sys.stderr, flush=True)

    try:
        aside = backup.restore(source, args.db, say=say)
    except backup.RestoreRefused as exc:
        print(exc.message("vi" if vi else "en"), file=sys.stderr)
        return EXIT_BUSY if "in use" in exc.en else EXIT_FAILED
    print((f"Đã khôi phục {args.db} từ {source}." if vi else f"{args.db} restored from {source}.")
          + ((f" Tệp trước đó được giữ ở {aside}." if vi else f" The previous file was kept as {aside}.") if aside else ""))
    return EXIT_OK


def _check(args, vi: bool) -> int:
    from par_dashboard import backup
    from par_dashboard.db import DatabaseBusy

    try:
        notice = backup.recover(args.db, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
    except DatabaseBusy:
        return _busy(args.db, vi)
    except (OSError, backup.BackupError) as exc:
        print(getattr(exc, "en" if not vi else "vi", None) or str(exc), file=sys.stderr)
        return EXIT_FAILED
    if notice is None:
        print(f"Cơ sở dữ liệu {args.db} không có lỗi." if vi else f"The database {args.db} is sound.")
        return EXIT_OK
    print(notice.message("vi" if vi else "en"), file=sys.stderr)
    return EXIT_RECOVERED


def recover_first(db_path: Path, vi: bool) -> None:
    """Before a command writes: a damaged database set aside and replaced, saying so (a missing one is left to
    the command: a mistyped --db must not build a new database)."""
    from par_dashboard import backup
    from par_dashboard.db import DatabaseBusy

    try:
        notice = backup.recover(db_path, create=False)
    except DatabaseBusy:
        return  # the command says so when it opens the database
    if notice is not None:
        print(notice.message("vi" if vi else "en"), file=sys.stderr)
