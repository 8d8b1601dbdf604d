"""Command line for backups (par_dashboard/store/backup.py), added to `python -m par_dashboard`:

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

from par_dashboard.i18n import pick, t
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
    try:
        return {"backup": _backup, "backups": _list, "restore": _restore, "check": _check}[args.command](args, args.lang)
    except NoDatabase as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return EXIT_FAILED


def _busy(path: Path, lang: str) -> int:
    print(t("cli_db_busy", lang, db=path), file=sys.stderr)
    return EXIT_BUSY


def _backup(args, lang: str) -> int:
    need_database(args.db, lang, build=False, repair=False)  # nothing to back up: what to run instead
    from par_dashboard.store import backup
    from par_dashboard.store.db import Database, DatabaseBusy

    try:
        db = Database(args.db)
    except DatabaseBusy:
        return _busy(args.db, lang)
    try:
        path = backup.backup(db, args.reason)
    except backup.BackupFailed as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_FAILED
    finally:
        db.close()
    print(t("cli_backed_up", lang, path=path))
    return EXIT_OK


def _list(args, lang: str) -> int:
    from par_dashboard.store import backup

    found = backup.backups(args.db)
    if not found:
        print(t("cli_no_backups_yet", lang, folder=backup.backup_dir(args.db)))
    for b in found:
        print(f"{b.when}  {b.reason:<24} {b.path.stat().st_size / 1e6:7.1f} MB  {b.path}")
    return EXIT_OK


def _restore(args, lang: str) -> int:
    from par_dashboard.store import backup

    _folder_exists(args.db)
    source = args.path
    if args.latest:
        latest = backup.latest_backup(args.db)
        if latest is None:
            print(t("cli_no_backups", lang, folder=backup.backup_dir(args.db)), file=sys.stderr)
            return EXIT_FAILED
        source = latest.path

    def say(what: str) -> None:  # said before the files are switched (the fault checks kill it from here on)
        print(t("cli_restoring", lang, what=what), file=sys.stderr, flush=True)

    try:
        aside = backup.restore(source, args.db, say=say)
    except backup.RestoreRefused as exc:
        print(exc.message(lang), file=sys.stderr)
        return EXIT_BUSY if "in use" in exc.en else EXIT_FAILED
    print(t("cli_restored", lang, db=args.db, source=source) + (" " + t("cli_restored_kept", lang, aside=aside) if aside else ""))
    return EXIT_OK


def _check(args, lang: str) -> int:
    from par_dashboard.building import recovery
    from par_dashboard.store import backup
    from par_dashboard.store.db import DatabaseBusy

    if args.db.is_dir():
        raise not_a_folder(args.db)
    if not args.db.exists() and not (is_default(args.db) or (args.db.parent.is_dir() and backup.backups(args.db))):
        # Nothing to restore, and a build from data/ at a path given by --db could be a typo's new database: that
        # is asked for by name (`build`). The default database is built: a fresh clone's `check` sets it up.
        need_database(args.db, lang, build=False, repair=False)
    try:
        notice = recovery.recover(args.db, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
    except DatabaseBusy:
        return _busy(args.db, lang)
    except (OSError, backup.BackupError) as exc:
        print(getattr(exc, lang, None) or str(exc), file=sys.stderr)  # a BackupError's text in `lang`, else the OS's
        return EXIT_FAILED
    if notice is None:
        print(t("cli_db_sound", lang, db=args.db))
        return EXIT_OK
    print(notice.message(lang), file=sys.stderr)
    return EXIT_RECOVERED


def _folder_exists(db_path: Path) -> None:
    """A database is put only into a folder that exists: a missing one is a mistyped --db, not a place to create."""
    if db_path.is_dir():
        raise not_a_folder(db_path)
    if not db_path.parent.is_dir():
        raise NoDatabase(f"Không có thư mục {db_path.parent} (--db {db_path}); hãy kiểm tra lại đường dẫn, hoặc tạo cơ sở "
                         f"dữ liệu mới ở đó: {build_command(db_path)}.",
                         f"There is no folder {db_path.parent} (--db {db_path}); check the path, or create a new database "
                         f"there: {build_command(db_path)}.")


class NoDatabase(Exception):
    """A command that cannot go on where --db points: one sentence, in each language, of what is wrong and what to
    run (exit EXIT_FAILED)."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en

    def message(self, lang: str) -> str:
        return pick(self.vi, self.en, lang)


def is_default(db_path: Path) -> bool:
    return Path(db_path).absolute() == DEFAULT_DB.absolute()


def build_command(db_path: Path) -> str:
    """The command that makes a database at `db_path` (the default needs no --db)."""
    import shlex

    return "python -m par_dashboard build" + ("" if is_default(db_path) else f" --db {shlex.quote(str(db_path))}")


def not_a_folder(db_path: Path) -> NoDatabase:
    return NoDatabase(f"{db_path} là một thư mục, không phải tệp cơ sở dữ liệu: hãy trỏ --db tới một tệp .duckdb "
                      f"(mặc định {DEFAULT_DB}).",
                      f"{db_path} is a folder, not a database file: point --db at a .duckdb file (default {DEFAULT_DB}).")


def need_database(db_path: Path, lang: str, *, build: bool, repair: bool) -> None:
    """Before a command opens the database at `db_path`, so that it never meets a missing or incomplete one (and
    never leaves an empty one behind: opening a missing file for writing would create it).

    Missing: the default database is built first, saying so, when `build` (the commands that need its data: a fresh
    clone's first import, export, deck, extract); otherwise NoDatabase says what to run. A path given with --db is
    never created here: a mistyped name must not become a new, empty database somewhere.
    Present but damaged or incomplete: set aside and replaced (its newest sound backup, else a rebuild), saying so,
    when `repair` (the commands that write); otherwise NoDatabase says to run `check`.
    A file another process holds is left to the command, which says so when it opens it."""
    db_path = Path(db_path)
    if db_path.is_dir():
        raise not_a_folder(db_path)
    if not db_path.exists():
        if not (build and is_default(db_path)):
            raise NoDatabase(f"Không có cơ sở dữ liệu tại {db_path}; để tạo, hãy chạy: {build_command(db_path)}.",
                             f"No database at {db_path}; to create one, run: {build_command(db_path)}.")
        from par_dashboard.building.build import build as build_database

        print(t("cli_building_first", lang, db=db_path), file=sys.stderr, flush=True)
        build_database(db_path, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr, flush=True))
        return
    if repair:
        recover_first(db_path, lang)
        return
    from par_dashboard.store import backup
    from par_dashboard.store.db import DatabaseBusy

    try:
        damage = backup.diagnose(db_path)
    except DatabaseBusy:
        return
    if damage is not None:
        check = build_command(db_path).replace(" build", " check", 1)
        raise NoDatabase(f"{damage.vi.rstrip('.')}; để thay bằng bản sao lưu mới nhất (nếu không có thì dựng lại), hãy "
                         f"chạy: {check}.",
                         f"{damage.en.rstrip('.')}; to replace it with its newest sound backup (else a rebuild), run: "
                         f"{check}.")


def recover_first(db_path: Path, lang: str) -> None:
    """Before a command writes: a damaged database set aside and replaced by its backup, saying so (a missing one is
    left to need_database: a mistyped --db must not build a new database)."""
    from par_dashboard.building import recovery
    from par_dashboard.store.db import DatabaseBusy

    try:
        notice = recovery.recover(db_path, create=False)
    except DatabaseBusy:
        return  # the command says so when it opens the database
    if notice is not None:
        print(notice.message(lang), file=sys.stderr)
