"""Who may do what: roles and their permissions, the users file, passwords, failed-login lockout, province scope,
and the audit row every write leaves.

No Streamlit here: the command line (`python -m par_dashboard users ...`) and the import service use this module
too; par_dashboard/shell/login.py is the dashboard's side (the login page, the sidebar, each page's own check).

The users file lives outside the repository (default ~/.config/par-dashboard/users.json, or $PAR_USERS_FILE),
readable by its owner only, and holds argon2id hashes, never passwords; a users file (or any file beside it) that
other users may read or write, or that another user owns, is refused until `chmod 600` (check_private). Changes to
it are appended to a JSON-lines trail beside it (who at the shell, when, what), and so is every refused login (name,
address, why); failed logins are counted per name and per address in users-attempts.sqlite beside it (LoginGuard),
so a restart or another replica keeps a lockout. Changes to the database are recorded in its `audit_log` table in
the same transaction as the change itself, so a write without its audit row cannot exist.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
import os
import re
import sqlite3
import stat
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from par_dashboard.i18n import pick
from par_dashboard.security.untrusted import char_label, unseen

# ---------------------------------------------------------------------------------------------- roles

ROLES = ("viewer", "analyst", "data_officer", "admin")
# Each role has what the role before it has, plus these.
_GRANTED = {
    "viewer": ("read",),  # every page of charts and tables, and presenting the deck
    "analyst": ("export", "draft"),  # downloads and exports; reading a report's text into a draft (not saving it)
    "data_officer": ("import", "accept_draft", "rollback", "audit"),  # every write, and reading the audit log
    "admin": ("manage_users",),
}
PERMISSIONS: dict[str, frozenset[str]] = {}
_so_far: frozenset[str] = frozenset()
for _role in ROLES:
    _so_far = PERMISSIONS[_role] = _so_far | frozenset(_GRANTED[_role])
ALL_PERMISSIONS = PERMISSIONS["admin"]
# Writes from the command line: whoever can run it can write the database file anyway. The audit row says so.
CLI_ROLE = "cli"
PROVINCE_ID = re.compile(r"^S(63|34)-P-\d{2}$")
_NAME = re.compile(r"^[\w.@-]{1,64}$")
MIN_PASSWORD = 8


@dataclass(frozen=True)
class User:
    name: str
    role: str
    province: str | None = None  # a province-scoped user sees and changes that province only
    email: str | None = None  # matched to st.user.email when the dashboard signs in through OIDC
    anonymous: bool = False


ANONYMOUS = User(name="", role="viewer", anonymous=True)


def can(user: User | None, permission: str) -> bool:
    """Whether `user` (None: nobody signed in) has `permission`; an unknown permission name is a bug, not a no."""
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}; known: {sorted(ALL_PERMISSIONS)}")
    if permission in WRITES and read_only_instance():
        return False
    return user is not None and permission in PERMISSIONS.get(user.role, frozenset())


# What changes the database: refused to everyone on a read-only replica.
WRITES = frozenset({"import", "accept_draft", "rollback"})


def read_only_instance() -> bool:
    """A replica (`serve --read-only`): it opens the database file read-only, as many processes may at once
    (docs/SCALING.md), so no role may write through it."""
    return os.environ.get("PAR_READ_ONLY", "").strip().lower() in ("1", "true", "yes", "on")


def anonymous_enabled() -> bool:
    """Read-only viewing without a login: only when the operator turned it on (`serve --anonymous` sets it)."""
    return os.environ.get("PAR_ANONYMOUS", "").strip().lower() in ("1", "true", "yes", "on")


def normalize_name(name: str) -> str:
    """Login names compare case-blind and whatever the Unicode composition ("Lan" is "lan")."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True)
class LoggedIn:
    """What the dashboard keeps in the session after a password login: the name only. The role and scope are
    read from the users file on every run, so a change (or a removal) applies at once."""

    name: str
    at: float = field(default_factory=time.time)


class AuthError(Exception):
    """A refusal with its message in both languages."""

    def __init__(self, vi: str, en: str):
        super().__init__(en)
        self.vi, self.en = vi, en

    def message(self, lang: str) -> str:
        return pick(self.vi, self.en, lang)


class UsersFileError(AuthError):
    pass


class NotAllowed(AuthError):
    pass


class OutOfScope(AuthError):
    pass


# ---------------------------------------------------------------------------------------------- passwords

# argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane): ~0.1 s per check on the 2-core server, so a login
# stays quick while a stolen file costs an attacker that per guess. Each hash records its parameters: changing them
# later keeps the old hashes verifiable.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY: list[str] = []


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """argon2's own comparison is constant-time; a malformed stored hash is a mismatch, not a crash."""
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """Checked against when the name is unknown: an unknown name takes as long as a wrong password."""
    if not _DUMMY:
        _DUMMY.append(hash_password(os.urandom(16).hex()))
    return _DUMMY[0]


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AuthError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", f"The password needs at least {MIN_PASSWORD} characters.")


# ---------------------------------------------------------------------------------------------- lockout

LOCAL_SOURCE = "local"  # a try whose address is not known (localhost, or no server: the command line, AppTest)


class Throttled(AuthError):
    """A try refused unchecked: its name (`which` "name") or its source ("source") is locked for `wait` seconds.
    `first`: the first refusal of this lock (the one the trail records)."""

    def __init__(self, which: str, wait: float, first: bool):
        s = max(1, round(wait))
        if which == "source":
            super().__init__(f"Quá nhiều lần đăng nhập sai từ địa chỉ này: hãy thử lại sau {s} giây.",
                             f"Too many failed sign-ins from this address: try again in {s} seconds.")
        else:
            super().__init__(f"Đã nhập sai quá nhiều lần: tên đăng nhập này bị tạm khóa, hãy thử lại sau {s} giây.",
                             f"Too many failed attempts: this user name is locked, try again in {s} seconds.")
        self.which, self.wait, self.first = which, wait, first


@dataclass(frozen=True)
class Ticket:
    """One try let through to the password check, counted as a failure until `LoginGuard.succeeded` says otherwise.
    `locks`: what this try's failure locked (kind -> (the lock's end, the end of the lock before it))."""

    path: Path
    name: str
    source: str
    locks: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def attempts_path(users: Path) -> Path:
    """The failed tries, beside the users file (users-attempts.sqlite for users.json)."""
    return users.with_name(users.stem + "-attempts.sqlite")


class LoginGuard:
    """Failed logins counted per name and per source (the client's address), in a small SQLite file beside the users
    file: a restart keeps them, and every process of the machine (replicas included) counts in the same place.

    Why a file beside the users file and not the database: a replica opens the database read-only and the dashboard
    holds it for writing, so neither could record a failure there from another process; the users file is per
    machine already, and its folder is owner-only. Why SQLite and not JSON: each try is one short transaction of two
    rows (a JSON file is rewritten whole per try, and a flood of made-up names makes it large); SQLite's own locks
    serialise processes, and its journal files take the file's owner-only mode.

    A name: `limit` failures in a row (a right password clears them) lock it for `lock_s` seconds, whatever the
    password. A source: `source_limit` failures over any names (one password sprayed over many names) lock it for
    `source_lock_s`, doubling with each further lock up to `max_lock_s` (a right password takes back only its own
    try: an attacker's own account cannot reset the count). Failures and locks are forgotten after `window_s` of
    quiet. Each try is counted before its password is checked (and taken back when right), so parallel tries cannot
    slip past a limit while the ~0.1 s hash check runs."""

    def __init__(self, path: Path | None = None, *, limit: int = 5, lock_s: float = 60.0, source_limit: int = 20,
                 source_lock_s: float = 60.0, max_lock_s: float = 3600.0, window_s: float = 900.0,
                 clock: Callable[[], float] = time.time):
        self.path = path  # None: beside the users file of each try
        self.limit, self.lock_s, self.source_limit, self.source_lock_s = limit, lock_s, source_limit, source_lock_s
        self.max_lock_s, self.window_s, self.clock = max_lock_s, window_s, clock  # wall time: shared by processes
        self._connections: dict[Path, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def _file(self, users: Path | None) -> Path:
        return self.path or attempts_path(users or users_path())

    def _rules(self, kind: str) -> tuple[int, float, float]:
        """(failures that lock, the first lock's seconds, its growth per further lock)"""
        return (self.limit, self.lock_s, 1.0) if kind == "name" else (self.source_limit, self.source_lock_s, 2.0)

    @contextlib.contextmanager
    def _transaction(self, path: Path) -> Iterator[sqlite3.Connection]:
        with self._lock:  # one connection per file and process, shared by Streamlit's session threads
            con = self._connections.get(path)
            if con is None:
                con = self._connections[path] = _open_attempts(path)
            try:
                con.execute("BEGIN IMMEDIATE")  # the write lock up front: other processes wait (busy_timeout)
                yield con
                con.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    con.execute("ROLLBACK")
                raise

    def _load(self, con: sqlite3.Connection, key: str, now: float) -> list:
        """[failures, last failure, lock end, locks so far, lock end already said]; forgotten after a quiet window."""
        row = con.execute("SELECT failures, last, until, strikes, said FROM attempt WHERE key = ?", (key,)).fetchone()
        entry = list(row) if row else [0, 0.0, 0.0, 0, 0.0]
        if entry[2] <= now and now - max(entry[1], entry[2]) > self.window_s:
            entry = [0, entry[1], 0.0, 0, 0.0]
        elif now - entry[1] > self.window_s:
            entry[0] = 0
        return entry

    @staticmethod
    def _store(con: sqlite3.Connection, key: str, entry: list) -> None:
        con.execute("INSERT OR REPLACE INTO attempt VALUES (?, ?, ?, ?, ?, ?)", (key, *entry))

    def admit(self, name: str, source: str | None = None, users: Path | None = None) -> Ticket:
        """Let one try of `name` from `source` through to the password check, or raise Throttled."""
        keys = {"name": "n:" + normalize_name(name), "source": "s:" + (source or LOCAL_SOURCE)}
        path, now = self._file(users), self.clock()
        refused, locks = None, {}
        with self._transaction(path) as con:
            # Entries quiet for a window (since the last failure and since the lock's end) are forgotten.
            con.execute("DELETE FROM attempt WHERE last < ?1 AND until < ?1", (now - self.window_s,))
            entries = {kind: self._load(con, key, now) for kind, key in keys.items()}
            locked = [(e[2] - now, kind == "name", kind) for kind, e in entries.items() if e[2] > now]
            if locked:  # refused unchecked; the lock's first refusal marked as said
                wait, _, which = max(locked)
                first = entries[which][4] != entries[which][2]
                entries[which][4] = entries[which][2]
                self._store(con, keys[which], entries[which])
                refused = Throttled(which, wait, first)
            else:
                for kind, e in entries.items():
                    limit, base, growth = self._rules(kind)
                    e[0], e[1] = e[0] + 1, now
                    if e[0] >= limit:
                        before = e[2]
                        e[0], e[2], e[3] = 0, now + min(self.max_lock_s, base * growth ** e[3]), e[3] + 1
                        locks[kind] = (e[2], before)
                    self._store(con, keys[kind], e)
        if refused is not None:
            raise refused
        return Ticket(path, keys["name"], keys["source"], locks)

    def succeeded(self, ticket: Ticket) -> None:
        """The right password: the name's failures and lock cleared; the source's count takes back this try only."""
        with self._transaction(ticket.path) as con:
            con.execute("DELETE FROM attempt WHERE key = ?", (ticket.name,))
            now = self.clock()
            e = self._load(con, ticket.source, now)
            if "source" in ticket.locks and e[2] == ticket.locks["source"][0]:  # this try locked it: undone
                e[0], e[2], e[3] = self.source_limit - 1, ticket.locks["source"][1], max(0, e[3] - 1)
            else:
                e[0] = max(0, e[0] - 1)
            self._store(con, ticket.source, e)

    def wait_s(self, name: str, source: str | None = None, users: Path | None = None) -> float:
        """Seconds before `name` (and `source`, when given) may try again (0: now)."""
        now = self.clock()
        with self._transaction(self._file(users)) as con:
            keys = ["n:" + normalize_name(name)] + ([f"s:{source}"] if source else [])
            return max(0.0, *(self._load(con, k, now)[2] - now for k in keys))


def _open_attempts(path: Path) -> sqlite3.Connection:
    """The attempts file, created owner-only, refused like the users file when others may write or read it (they
    could then clear their own lockout, or lock everybody out)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    check_private(path, "attempts")
    try:
        con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        con.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer; -wal/-shm take the file's mode
        con.execute("PRAGMA synchronous=NORMAL")  # a power cut may lose the last few failures, never the file
        con.execute("""CREATE TABLE IF NOT EXISTS attempt (key TEXT PRIMARY KEY, failures INTEGER NOT NULL,
                       last REAL NOT NULL, until REAL NOT NULL, strikes INTEGER NOT NULL, said REAL NOT NULL)""")
        con.execute("CREATE INDEX IF NOT EXISTS attempt_last ON attempt (last)")
    except sqlite3.Error as exc:
        raise UsersFileError(f"Không đọc được tệp ghi lần đăng nhập sai {path}: {exc}. Hãy xóa tệp này (các lần khóa "
                             "hiện tại sẽ được bỏ).",
                             f"The failed-login file {path} cannot be read: {exc}. Remove it (the current lockouts "
                             "are then forgotten).") from exc
    return con


GUARD = LoginGuard()


def authenticate(name: str, password: str, *, source: str | None = None, path: Path | None = None,
                 guard: LoginGuard = GUARD) -> User:
    """The user whose name and password these are; raises AuthError (wrong name or password, or locked out: the
    name, or `source`, the address the try comes from). The message never says which of name and password was
    wrong; the trail beside the users file records every refusal with the name, the source and why."""
    path = path or users_path()
    source = source or LOCAL_SOURCE
    accounts = read_users(path)  # a users file that may not be read: said before anything is counted
    try:
        ticket = guard.admit(name, source, users=path)
    except Throttled as refused:
        if refused.first:  # once per lock: a locked name or address hammered does not flood the trail
            _trail(path, "login_refused", name.strip()[:64], source=source, reason=f"{refused.which}_locked")
        raise
    account = accounts.get(normalize_name(name))
    if verify_password(account.password_hash if account else _dummy_hash(), password) and account:
        guard.succeeded(ticket)
        return account.user
    _trail(path, "login_refused", name.strip()[:64], source=source,
           reason="wrong_password" if account else "unknown_name", **({"locks": sorted(ticket.locks)} if ticket.locks else {}))
    if ticket.locks:
        which = max(ticket.locks, key=lambda kind: (ticket.locks[kind][0], kind == "name"))
        raise Throttled(which, ticket.locks[which][0] - guard.clock(), False)
    raise AuthError("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password.")


# ---------------------------------------------------------------------------------------------- the users file

@dataclass(frozen=True)
class Account:
    user: User
    password_hash: str
    created_at: str
    changed_at: str


def users_path() -> Path:
    """$PAR_USERS_FILE, else users.json in the user's configuration folder: never inside the repository."""
    if env := os.environ.get("PAR_USERS_FILE"):
        return Path(env).expanduser()
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "par-dashboard" / "users.json"


def audit_trail_path(path: Path) -> Path:
    return path.with_name(path.stem + "-audit.jsonl")


_CACHE: dict[Path, tuple[tuple, dict[str, Account]]] = {}


def read_users(path: Path | None = None) -> dict[str, Account]:
    """Accounts by normalized name ({} when the file does not exist yet). Read again only when the file changed:
    the dashboard asks on every script run."""
    path = path or users_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    check_private(path, "users", st)  # on every call: a chmod changes neither the time nor the size the cache is keyed by
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _CACHE.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        accounts = {normalize_name(name): Account(User(name, e["role"], e.get("province"), e.get("email")),
                                                  e["password"], e.get("created_at", ""), e.get("changed_at", ""))
                    for name, e in data["users"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise UsersFileError(f"Không đọc được tệp người dùng {path}: {exc}",
                             f"The users file {path} cannot be read: {exc}") from exc
    if bad := sorted(a.user.name for a in accounts.values() if a.user.role not in ROLES):  # edited by hand
        raise UsersFileError(f"Tệp người dùng {path}: vai trò không hợp lệ cho {', '.join(bad)} (chọn {', '.join(ROLES)}).",
                             f"The users file {path}: unknown role for {', '.join(bad)} (choose {', '.join(ROLES)}).")
    _CACHE[path] = (stamp, accounts)
    return accounts


_PRIVATE_FILES = {  # each file of the users' folder in words, and what others could do by changing or reading it
    "users": ("Tệp người dùng", "The users file", "ví dụ thêm một tài khoản quản trị", "e.g. add an admin account",
              "các mã băm mật khẩu", "the password hashes"),
    "attempts": ("Tệp ghi các lần đăng nhập sai", "The failed-login file", "xóa lần bị khóa của mình hoặc khóa mọi người",
                 "clear their own lockout or lock everybody out", "ai đăng nhập sai, từ đâu", "who failed to sign in, from where"),
    "audit": ("Nhật ký người dùng", "The users' audit trail", "viết thêm dòng giả", "forge entries",
              "ai đã thay đổi gì", "who changed what"),
}


def check_private(path: Path, kind: str = "users", st: os.stat_result | None = None) -> None:
    """Refuse (UsersFileError, saying how to fix it) a file of the users' folder that other users may write or read,
    or that another user owns (they could change its mode at any time). The project writes them 0600; a file copied
    or created by hand may not be."""
    import shlex

    st = st or path.stat()
    what_vi, what_en, write_vi, write_en, read_vi, read_en = _PRIVATE_FILES[kind]
    quoted = shlex.quote(str(path))
    if st.st_uid != os.geteuid():
        raise UsersFileError(f"{what_vi} {path} thuộc về người dùng khác (uid {st.st_uid}), không phải người chạy bảng "
                             f"điều khiển (uid {os.geteuid()}): người đó có thể sửa nó ({write_vi}). Không dùng tệp này "
                             f"cho đến khi chạy: chown {os.geteuid()} {quoted} && chmod 600 {quoted}",
                             f"{what_en} {path} is owned by another user (uid {st.st_uid}), not by the one running the "
                             f"dashboard (uid {os.geteuid()}): they could change it ({write_en}). It is not used until "
                             f"you run: chown {os.geteuid()} {quoted} && chmod 600 {quoted}")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        if mode & 0o022:
            who_vi, who_en, harm_vi, harm_en = "sửa", "change", write_vi, write_en
        else:
            who_vi, who_en, harm_vi, harm_en = "đọc", "read", read_vi, read_en
        raise UsersFileError(f"{what_vi} {path} có quyền {mode:04o}: người dùng khác có thể {who_vi} nó ({harm_vi}). "
                             f"Không dùng tệp này cho đến khi chạy: chmod 600 {quoted}",
                             f"{what_en} {path} has mode {mode:04o}: other users may {who_en} it ({harm_en}). "
                             f"It is not used until you run: chmod 600 {quoted}")


def user_by_email(email: str | None, path: Path | None = None) -> User | None:
    if not email:
        return None
    wanted = email.strip().casefold()
    return next((a.user for a in read_users(path).values() if a.user.email and a.user.email.casefold() == wanted), None)


def _write_users(path: Path, accounts: dict[str, Account]) -> None:
    """Atomically: a new file (owner-only from its first byte) renamed over the old one, so a crash leaves
    either the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = {"version": 1, "users": {a.user.name: {"role": a.user.role, "province": a.user.province, "email": a.user.email,
                                                  "password": a.password_hash, "created_at": a.created_at,
                                                  "changed_at": a.changed_at}
                                    for a in sorted(accounts.values(), key=lambda a: normalize_name(a.user.name))}}
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


@contextlib.contextmanager
def _locked_file(path: Path) -> Iterator[None]:
    """One change to the users file at a time (two commands at once would otherwise lose one of them)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _trail(path: Path, action: str, name: str, **details) -> None:
    entry = {"at": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "by": os_user(), "action": action,
             "name": name, **details}
    trail = audit_trail_path(path)
    fd = os.open(trail, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        check_private(trail, "audit", os.fstat(fd))
        f.write(json.dumps(entry, ensure_ascii=False) + "\n")


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def check_name(name: str) -> None:
    """Letters, digits and . _ @ - (NFC: a name typed decomposed is the same name). A character nobody sees (a
    zero-width space, a bidirectional control, a control character) is named in the refusal: "lan" + U+200B would
    otherwise be refused with no visible reason, or, were it let through, be a second account that reads "lan"."""
    text = unicodedata.normalize("NFC", name.strip())
    hidden = [c for c in text if unseen(c)]
    if hidden:
        raise AuthError(f"Tên đăng nhập có ký tự không nhìn thấy {char_label(hidden[0])} (ký tự thứ {text.index(hidden[0]) + 1}): "
                        "hãy gõ lại tên.",
                        f"The user name holds the unseen character {char_label(hidden[0])} (character "
                        f"{text.index(hidden[0]) + 1}): retype the name.")
    if not _NAME.fullmatch(text):
        raise AuthError("Tên đăng nhập chỉ gồm chữ, số và . _ @ - (tối đa 64 ký tự).",
                        "A user name has letters, digits and . _ @ - only (64 at most).")


def check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"Vai trò không hợp lệ «{role}»: chọn một trong {', '.join(ROLES)}.",
                        f"Unknown role «{role}»: choose one of {', '.join(ROLES)}.")


def _change(path: Path | None, name: str, action: str, apply: Callable[[dict[str, Account], str], dict]) -> None:
    """Read, change, write and record one change, under the file's lock; `apply` returns what the trail says."""
    path = path or users_path()
    with _locked_file(path):
        if audit_trail_path(path).exists():  # refused before the change, not after it was written
            check_private(audit_trail_path(path), "audit")
        _CACHE.pop(path, None)
        accounts = dict(read_users(path))
        details = apply(accounts, normalize_name(name))
        _write_users(path, accounts)
        _trail(path, action, name, **details)


def _existing(accounts: dict[str, Account], key: str, name: str) -> Account:
    if key not in accounts:
        raise AuthError(f"Không có người dùng «{name}».", f"There is no user «{name}».")
    return accounts[key]


def add_user(name: str, role: str, password: str, *, province: str | None = None, email: str | None = None,
             path: Path | None = None) -> None:
    check_name(name)
    check_role(role)
    check_password_rules(password)
    if province is not None and not PROVINCE_ID.match(province):
        raise AuthError(f"«{province}» không phải mã tỉnh (ví dụ S63-P-20 hoặc S34-P-20).",
                        f"«{province}» is not a province id (e.g. S63-P-20 or S34-P-20).")
    hashed = hash_password(password)

    def apply(accounts: dict[str, Account], key: str) -> dict:
        if key in accounts:
            raise AuthError(f"Đã có người dùng «{accounts[key].user.name}».", f"User «{accounts[key].user.name}» already exists.")
        accounts[key] = Account(User(unicodedata.normalize("NFC", name.strip()), role, province, email), hashed, _now(), _now())
        return {"role": role, "province": province, "email": email}

    _change(path, name, "add", apply)


def set_password(name: str, password: str, *, path: Path | None = None) -> None:
    check_password_rules(password)
    hashed = hash_password(password)

    def apply(accounts: dict[str, Account], key: str) -> dict:
        old = _existing(accounts, key, name)
        accounts[key] = replace(old, password_hash=hashed, changed_at=_now())
        return {}

    _change(path, name, "passwd", apply)


def set_role(name: str, role: str, *, path: Path | None = None) -> None:
    check_role(role)

    def apply(accounts: dict[str, Account], key: str) -> dict:
        old = _existing(accounts, key, name)
        accounts[key] = replace(old, user=replace(old.user, role=role), changed_at=_now())
        return {"role": role, "previous_role": old.user.role}

    _change(path, name, "role", apply)


def remove_user(name: str, *, path: Path | None = None) -> None:
    def apply(accounts: dict[str, Account], key: str) -> dict:
        old = _existing(accounts, key, name)
        del accounts[key]
        return {"previous_role": old.user.role}

    _change(path, name, "remove", apply)


# ---------------------------------------------------------------------------------------------- province scope

def allowed_provinces(user: User, counterparts: Callable[[str], Iterable[str]]) -> frozenset[str] | None:
    """The provinces a scoped user may touch: theirs and its counterparts in the other structure (the current
    province an old one became part of, or the old ones a current one was formed from). None: not scoped."""
    if not user.province:
        return None
    return frozenset({user.province, *counterparts(user.province)})


def check_scope(user: User, provinces: Iterable[str | None], counterparts: Callable[[str], Iterable[str]],
                names: Mapping[str, str] | None = None) -> None:
    """Raise OutOfScope when any of `provinces` (None: a row of no province, e.g. a national target) is outside
    a scoped user's province."""
    allowed = allowed_provinces(user, counterparts)
    if allowed is None:
        return
    outside = sorted({p or "" for p in provinces} - allowed)
    if not outside:
        return
    names = names or {}
    shown = ", ".join(names.get(p, p) or "—" for p in outside[:5]) + (" …" if len(outside) > 5 else "")
    own = names.get(user.province, user.province)
    raise OutOfScope(f"Bạn chỉ được thay đổi dữ liệu của {own}; dữ liệu này thuộc: {shown}. Không có gì được ghi.",
                     f"You may change data of {own} only; this data belongs to: {shown}. Nothing was written.")


# ---------------------------------------------------------------------------------------------- the audit log

AUDITED = ("import", "accept_draft", "rollback", "restore", "recover")


def actor(user: User | str) -> User:
    """A write's author: a signed-in user, or a name from the command line (role "cli")."""
    return user if isinstance(user, User) else User(name=user, role=CLI_ROLE)


def require(user: User, permission: str) -> None:
    """Raise NotAllowed unless `user` may; the command line (role "cli") always may."""
    if user.role != CLI_ROLE and not can(user, permission):
        raise NotAllowed(f"Vai trò của bạn ({user.role}) không được phép làm việc này.",
                         f"Your role ({user.role}) may not do this.")


def audit(cur, user: User, action: str, detail: dict) -> None:
    """One audit row, written with the cursor of the write's own transaction: both are committed, or neither."""
    if action not in AUDITED:
        raise ValueError(action)
    cur.execute("""INSERT INTO audit_log SELECT coalesce(max(audit_id), 0) + 1, current_localtimestamp(), $name, $role,
                                                $action, $detail FROM audit_log""",
                {"name": user.name, "role": user.role, "action": action,
                 "detail": json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True)})
