"""Command line: `python -m par_dashboard build [--db PATH]` rebuilds the database from data/;
`python -m par_dashboard serve [--workers N] [--anonymous] [--read-only] [streamlit options]` starts the dashboard
(par_dashboard/shell/server.py; --workers N: N processes behind HAProxy on --server.address/--server.port,
par_dashboard/cli/serving.py; --anonymous:
read-only viewing without a login; --read-only: a replica that opens the database file read-only, no writes); `users add|passwd|role|remove|list` manages who may sign in (par_dashboard/cli/users.py);
`backup`, `backups`, `restore PATH|--latest`, `check` keep and restore copies of the database and replace a damaged
one (par_dashboard/cli/backup.py);
`deck OUT_DIR [--year --province --lang --formats]` writes a presenter deck (HTML, PDF, PPTX, chart PNGs);
`extract FILE` prints the draft inspection record read from a report (.txt, .docx, .pdf; "-" reads stdin) as JSON;
`facts [--db PATH] [--lang en]` prints every published fact beside what the database says (exit 1 on a difference;
par_dashboard/views/facts.py);
`import FILE`, `rollback BATCH_ID`, `batches`, `template OUT.xlsx`, `export OUT.xlsx` load and audit data
through the import service (`import` exits 0 loaded/unchanged, 1 rejected, 2 partial; any command exits 3 when
the database is held by the running dashboard).

No database where a command looks: `import`, `export`, `deck` and `extract` build the default one first (a fresh
clone), saying so; otherwise the command says in one sentence what to run and exits 1. Only `build` makes a database
at a path given with --db (a mistyped path must not become a new, empty database), and nothing leaves an empty file
behind (par_dashboard/cli/backup.py: need_database)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from par_dashboard.cli import backup as backup_cli
from par_dashboard.cli import users as users_cli
from par_dashboard.i18n import DEFAULT_LANG, pick, t
from par_dashboard.paths import DEFAULT_DB


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m par_dashboard", description="PAR inspection dashboard tools")
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="(re)build the DuckDB database from the files in data/")
    b.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    b.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the messages (default vi)")
    # The synthetic national scale is the benchmark's (bench/scale.py; the product does not import bench/): the old
    # option is still understood, to say where it went instead of argparse's bare "unrecognized arguments".
    b.add_argument("--scale", type=float, default=None, help=argparse.SUPPRESS)
    sub.add_parser("serve", help="start the dashboard (options after `serve` go to `streamlit run`)", add_help=False)
    _add_import_commands(sub)
    users_cli.add_parser(sub)
    backup_cli.add_parser(sub)
    d = sub.add_parser("deck", help="write the presenter deck of a province (or the whole country) for a year")
    d.add_argument("out_dir", type=Path)
    d.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    d.add_argument("--year", type=int, default=2024)
    d.add_argument("--province", default="", help="unit id of the year's structure, e.g. S63-P-20 (default: the country)")
    d.add_argument("--lang", choices=("vi", "en"), default="vi")
    d.add_argument("--formats", default="html,pdf,pptx,png", help="comma-separated: html, pdf, pptx, png")
    e = sub.add_parser("extract", help="read a report text (.txt, .docx, .pdf, or - for stdin) and print its draft record as JSON")
    e.add_argument("file")
    e.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    e.add_argument("--with-text", action="store_true", help="include the normalised text the evidence spans index")
    e.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the messages (default vi)")
    fa = sub.add_parser("facts", help="print every published fact beside what the database says; exit 1 if one differs")
    fa.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
    fa.add_argument("--lang", choices=("vi", "en"), default="vi")
    args, rest = parser.parse_known_args(argv)
    try:
        return _run(parser, args, rest)
    except backup_cli.NoDatabase as exc:  # no database where --db points: one sentence of what to run
        print(exc.message(getattr(args, "lang", "vi")), file=sys.stderr)
        return 1


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, rest: list[str]) -> int:
    if args.command == "serve":
        from par_dashboard.cli.serving import ServeError, pop_option, serve_workers

        workers, rest = pop_option(rest, "--workers")
        if workers is None:
            from par_dashboard.shell.server import serve  # Streamlit is imported only to serve

            return serve(rest)
        try:
            return serve_workers(int(workers), rest)
        except (ServeError, ValueError) as exc:
            print(f"serve --workers: {exc}", file=sys.stderr)
            return 2
    if args.command == "users":
        return users_cli.run(args)
    if args.command in backup_cli.COMMANDS:
        return backup_cli.run(args)
    if args.command in IMPORT_COMMANDS:
        if rest:
            parser.error(f"unrecognized arguments: {' '.join(rest)}")
        return run_import_command(args)

    if args.command == "deck":
        return write_deck(args)
    if args.command == "extract":
        return extract_command(args)
    if args.command == "facts":
        return facts_command(args)
    if args.command == "build":
        from par_dashboard.building.build import build

        if args.scale is not None:
            print(t("cli_scale_is_bench", args.lang, db=args.db, scale=f"{args.scale:g}"), file=sys.stderr)
            return 2
        if args.db.is_dir():
            raise backup_cli.not_a_folder(args.db)
        args.db.parent.mkdir(parents=True, exist_ok=True)  # the one command that makes a database where --db says
        result = build(args.db, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
        print(json.dumps({"database": str(args.db), **result}, ensure_ascii=False, indent=2))
    return 0


def write_deck(args) -> int:
    """Write the deck in each asked format to OUT_DIR and print what was written, with the time each took."""
    import time

    from par_dashboard.views.present import exports

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(exports.FORMATS))
    if unknown:
        print(f"unknown format(s): {', '.join(unknown)}; choose from {', '.join(exports.FORMATS)}", file=sys.stderr)
        return 1
    backup_cli.need_database(args.db, args.lang, build=True, repair=False)
    from par_dashboard.store.db import Database, DatabaseBusy
    from par_dashboard.views.present.build import DeckScopeError, build_deck

    try:
        database = Database(args.db, read_only=True)
    except DatabaseBusy:
        print(f"{args.db} is held by the running dashboard: make the deck on its Trình chiếu page, or stop it first",
              file=sys.stderr)
        return EXIT_BUSY
    try:
        deck = build_deck(database.query, lang=args.lang, year=args.year, province_id=args.province)
    except DeckScopeError:
        print(f"{args.province} is not a province of the {args.year} structure (before 2025: S63-P-…, from 2025: S34-P-…)",
              file=sys.stderr)
        return 1
    args.out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        start = time.perf_counter()
        if fmt == "png":
            paths = []
            for number, _ in deck.charts():
                path = args.out_dir / f"{deck.file_stem}_{number}.png"
                path.write_bytes(exports.chart_png(deck, number))
                paths.append(str(path))
        else:
            path = args.out_dir / f"{deck.file_stem}.{fmt}"
            path.write_bytes({"html": exports.to_html, "pdf": exports.to_pdf, "pptx": exports.to_pptx}[fmt](deck))
            paths = [str(path)]
        written.append({"format": fmt, "files": paths, "seconds": round(time.perf_counter() - start, 2)})
    print(json.dumps({"deck": deck.title, "slides": len(deck.slides), "written": written}, ensure_ascii=False, indent=2))
    return 0


def facts_command(args) -> int:
    """One line per published fact (status | fact | published | database | source | why); the summary last.
    Exit 0 when nothing differs (sources that disagree with each other are reported, not failed), 1 otherwise."""
    from par_dashboard.store.db import Database, DatabaseBusy
    from par_dashboard.views.facts import DIFFERS, check_all, summary

    backup_cli.need_database(args.db, args.lang, build=True, repair=False)
    try:
        database = Database(args.db, read_only=True)
    except DatabaseBusy:
        print(f"{args.db} is held by the running dashboard: stop it first", file=sys.stderr)
        return EXIT_BUSY
    try:
        checks = check_all(database.query, args.lang)
    finally:
        database.close()
    for check in checks:
        print(check.line(args.lang))
    print(summary(checks, args.lang))
    return 1 if any(c.status == DIFFERS for c in checks) else 0


def extract_command(args) -> int:
    """Exit 0 with a draft (even an empty one, whose messages say why), 1 when the file cannot be read or takes longer
    than the time limit to read (par_dashboard.security.worker; here in this process, under an alarm)."""
    from par_dashboard.extract import UnreadableFile, extract_input
    from par_dashboard.importing.names import UnitResolver
    from par_dashboard.security import worker
    from par_dashboard.store.db import Database, DatabaseBusy

    try:
        if args.file == "-":
            source = {"text": sys.stdin.read()}
        else:
            path = Path(args.file)
            source = {"name": path.name, "data": path.read_bytes()}
    except OSError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    backup_cli.need_database(args.db, args.lang, build=True, repair=False)
    try:
        database = Database(args.db, read_only=True)
    except DatabaseBusy:
        print(f"{args.db} is held by the running dashboard: use its Dữ liệu page, or stop it first", file=sys.stderr)
        return EXIT_BUSY
    size = len(source.get("data") or source.get("text") or "")
    try:
        draft = worker.call(extract_input, **source, resolver=UnitResolver.from_db(database), limit=worker.limit_for(size),
                            isolate=False)
    except UnreadableFile as exc:
        print(getattr(exc, args.lang, None) or exc.en, file=sys.stderr)
        return 1
    except worker.STOPPED as exc:
        print(exc.message(args.lang, text="text" in source), file=sys.stderr)
        return 1
    if not args.with_text:
        draft["text_chars"] = len(draft.pop("text"))
    print(json.dumps(draft, ensure_ascii=False, indent=2))
    return 0


IMPORT_COMMANDS = ("import", "rollback", "batches", "template", "export")
EXIT_LOADED, EXIT_REJECTED, EXIT_PARTIAL, EXIT_BUSY = 0, 1, 2, 3


def _add_import_commands(sub) -> None:
    def common(p, lang=True):
        p.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"database file (default {DEFAULT_DB})")
        if lang:
            p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of messages and sheet names (default vi)")

    p = sub.add_parser("import", help="load an Excel (.xlsx) or CSV file through the import service")
    p.add_argument("file", type=Path)
    common(p)
    p.add_argument("--user", default=None, help="who imports (default: the login name)")
    p.add_argument("--partial", action="store_true",
                   help="load the valid rows and keep the others in the quarantine (default: all or nothing)")
    p.add_argument("--errors-xlsx", type=Path, default=None, help="also write the file with its problems marked")
    p = sub.add_parser("rollback", help="undo an import batch")
    p.add_argument("batch_id", type=int)
    common(p)
    p.add_argument("--user", default=None)
    common(sub.add_parser("batches", help="list the import batches"))
    p = sub.add_parser("template", help="write the empty import template (.xlsx)")
    p.add_argument("out", type=Path)
    p.add_argument("--lang", choices=("vi", "en"), default="vi")
    p = sub.add_parser("export", help="write the database's inspection data, scores, targets and values in the template format")
    p.add_argument("out", type=Path)
    common(p)
    p.add_argument("--no-demo", action="store_true", help="leave out the synthetic demo rows (real data only)")


def _user(name: str | None) -> str:
    if name:
        return name
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def run_import_command(args) -> int:
    lang = getattr(args, "lang", DEFAULT_LANG)
    if args.command == "template":
        from par_dashboard.importing.template import template_workbook

        args.out.write_bytes(template_workbook(args.lang))
        print(t("cli_template_written", lang, path=args.out))
        return 0
    # Missing: a fresh clone's import or export builds the default database first (saying so); a rollback or a
    # list of batches has nothing to show in a new database, so they say what to run, as any command does for a
    # path given with --db. Damaged: the commands that write set it aside and replace it, saying so (not while
    # `serve --workers` runs over it: serve checked it at its start, and its workers read snapshots of it).
    from par_dashboard.store import snapshots
    from par_dashboard.store.db import Database, DatabaseBusy

    build, repair = {"import": (True, True), "rollback": (False, True), "batches": (False, False),
                     "export": (True, False)}[args.command]
    backup_cli.need_database(args.db, lang, build=build, repair=repair and not snapshots.live_folder(args.db))
    try:
        if folder := snapshots.live_folder(args.db):  # `serve --workers` runs over it: write as its workers do
            db = Database(args.db, snapshots=snapshots.Snapshots(args.db, folder))
        else:
            db = Database(args.db, read_only=args.command in ("batches", "export"))
    except DatabaseBusy:
        print(t("cli_db_busy_import", lang, db=args.db), file=sys.stderr)
        return EXIT_BUSY
    try:
        return _IMPORT_HANDLERS[args.command](db, args, lang)
    finally:
        db.close()


def _cmd_import(db, args, lang: str) -> int:
    from par_dashboard.importing import service

    data = args.file.read_bytes()

    def progress(stage: str) -> None:
        print(pick(*service.PROGRESS[stage], lang), file=sys.stderr, flush=True)

    report = service.load(db, data, args.file.name, user=_user(args.user), partial=args.partial,
                          max_bytes=service.MAX_BULK_BYTES, progress=progress, isolate=False)  # read here, under the limit
    print(report.summary(lang))
    if report.counts:
        print(report.counts_frame(lang).to_string(index=False))
    for n in report.notices:
        print("• " + pick(n.message_vi, n.message_en, lang))
    shown = report.errors[:200]
    for e in shown:
        where = f"[{e.sheet}] " if e.sheet else ""
        print("✗ " + where + e.message(lang), file=sys.stderr)
    if len(report.errors) > len(shown):
        more = len(report.errors) - len(shown)
        print(t("cli_more_errors", lang, n=more), file=sys.stderr)
    if args.errors_xlsx and report.errors:
        args.errors_xlsx.write_bytes(service.error_workbook(data, report, lang))
        print(t("cli_errors_marked", lang, path=args.errors_xlsx))
    return {"loaded": EXIT_LOADED, "unchanged": EXIT_LOADED, "partial": EXIT_PARTIAL}.get(report.status, EXIT_REJECTED)


def _cmd_rollback(db, args, lang: str) -> int:
    from par_dashboard.importing import service

    report = service.rollback(db, args.batch_id, user=_user(args.user))
    print(report.message(lang), file=sys.stdout if report.status == "rolled_back" else sys.stderr)
    return 0 if report.status == "rolled_back" else 1


def _cmd_batches(db, args, lang: str) -> int:
    from par_dashboard.importing import service

    df = service.batches(db)
    if df.empty:
        print(t("cli_no_batches", lang))
    else:
        print(df.drop(columns=["sha256", "source_id"]).to_string(index=False))
    return 0


def _cmd_export(db, args, lang: str) -> int:
    from par_dashboard.importing.template import export_workbook

    with db.cursor() as cur:
        args.out.write_bytes(export_workbook(cur, lang, include_demo=not args.no_demo))
    print(t("cli_exported", lang, path=args.out))
    return 0


_IMPORT_HANDLERS = {"import": _cmd_import, "rollback": _cmd_rollback, "batches": _cmd_batches, "export": _cmd_export}
