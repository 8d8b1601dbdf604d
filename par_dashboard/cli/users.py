"""`python -m par_dashboard users add|passwd|role|remove|list`: the dashboard's accounts, kept in the users file
($PAR_USERS_FILE, default ~/.config/par-dashboard/users.json; owner-only, argon2id hashes). Every change is appended
to users-audit.jsonl beside it with the OS user who made it. `list` never prints a hash."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from par_dashboard.i18n import t
from par_dashboard.paths import DEFAULT_DB
from par_dashboard.security import auth


def add_parser(sub) -> None:
    users = sub.add_parser("users", help="manage the dashboard's users (the file $PAR_USERS_FILE, "
                                         "default ~/.config/par-dashboard/users.json)")
    cmds = users.add_subparsers(dest="users_command", required=True)

    def common(p):
        p.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of messages (default vi)")
        return p

    add = common(cmds.add_parser("add", help="add a user: --role viewer|analyst|data_officer|admin"))
    add.add_argument("name")
    add.add_argument("--role", required=True, help=f"one of {', '.join(auth.ROLES)}")
    add.add_argument("--province", default=None, help="scope the user to one province (unit id, e.g. S63-P-20)")
    add.add_argument("--email", default=None, help="the address an OIDC login (st.login) signs in with")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    add.add_argument("--db", type=Path, default=DEFAULT_DB, help="database to check --province against")
    passwd = common(cmds.add_parser("passwd", help="set a user's password"))
    passwd.add_argument("name")
    passwd.add_argument("--password-stdin", action="store_true")
    role = common(cmds.add_parser("role", help="change a user's role"))
    role.add_argument("name")
    role.add_argument("role", help=f"one of {', '.join(auth.ROLES)}")
    remove = common(cmds.add_parser("remove", help="remove a user"))
    remove.add_argument("name")
    common(cmds.add_parser("list", help="list the users (name, role, province, e-mail; never a password hash)"))


def run(args) -> int:
    try:
        return _HANDLERS[args.users_command](args, args.lang)
    except auth.AuthError as exc:
        print(exc.message(args.lang), file=sys.stderr)
        return 1


def _password(args, lang: str) -> str:
    """The first line of stdin with --password-stdin (for scripts), else typed twice without echo."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(t("cli_password", lang))
    if getpass.getpass(t("cli_password_again", lang)) != first:
        raise auth.AuthError("Hai lần nhập mật khẩu không khớp; không có gì thay đổi.",
                             "The two passwords differ; nothing was changed.")
    return first


def _check_province(province: str, db_path: Path, lang: str) -> None:
    """Against the database when it can be read; by its shape only when it cannot (not built yet, or held by the
    running dashboard), and then say so."""
    import duckdb

    from par_dashboard.store.db import Database, DatabaseBusy

    shape_error = auth.AuthError(f"«{province}» không phải mã tỉnh (ví dụ S63-P-20 hoặc S34-P-20).",
                                 f"«{province}» is not a province id (e.g. S63-P-20 or S34-P-20).")
    if not auth.PROVINCE_ID.match(province):
        raise shape_error
    if not db_path.is_file():
        print(t("cli_province_shape_only_no_db", lang, province=province, db=db_path), file=sys.stderr)
        return
    try:
        db = Database(db_path, read_only=True)
    except DatabaseBusy:
        print(t("cli_province_not_checked_busy", lang, province=province, db=db_path), file=sys.stderr)
        return
    try:
        found = db.query("unit_by_id", unit_id=province)
    except duckdb.Error:  # an incomplete or damaged file: `check` repairs it, the user is added meanwhile
        print(t("cli_province_shape_only_unreadable", lang, province=province, db=db_path), file=sys.stderr)
        return
    finally:
        db.close()
    if found.empty or found.level.iloc[0] != "province":
        raise auth.AuthError(f"Không có tỉnh mã «{province}» trong cơ sở dữ liệu.", f"There is no province «{province}» in the database.")


def _add(args, lang: str) -> int:
    auth.check_name(args.name)  # all checks before asking for a password
    auth.check_role(args.role)
    if args.province:
        _check_province(args.province, args.db, lang)
    if auth.normalize_name(args.name) in auth.read_users():
        raise auth.AuthError(f"Đã có người dùng «{args.name}».", f"User «{args.name}» already exists.")
    auth.add_user(args.name, args.role, _password(args, lang), province=args.province, email=args.email)
    print(t("cli_user_added", lang, name=args.name, role=args.role, path=auth.users_path()))
    return 0


def _passwd(args, lang: str) -> int:
    auth.set_password(args.name, _password(args, lang))
    print(t("cli_password_changed", lang, name=args.name))
    return 0


def _role(args, lang: str) -> int:
    auth.set_role(args.name, args.role)
    print(t("cli_role_changed", lang, name=args.name, role=args.role))
    return 0


def _remove(args, lang: str) -> int:
    auth.remove_user(args.name)
    print(t("cli_user_removed", lang, name=args.name))
    return 0


def _list(args, lang: str) -> int:
    accounts = auth.read_users()
    path = auth.users_path()
    if not accounts:
        print(t("cli_no_users", lang, path=path))
        return 0
    head = tuple(t(f"cli_users_col_{c}", lang) for c in ("name", "role", "province", "email", "changed"))
    rows = [head] + [(a.user.name, a.user.role, a.user.province or "—", a.user.email or "—", a.changed_at)
                     for a in sorted(accounts.values(), key=lambda a: auth.normalize_name(a.user.name))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
    print(f"({path})")
    return 0


_HANDLERS = {"add": _add, "passwd": _passwd, "role": _role, "remove": _remove, "list": _list}
