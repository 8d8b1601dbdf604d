"""Roles and login: the role × page matrix (tests/hardening/roles.py), password hashing, lockout, the users
command line, province scope, the login page, OIDC mapping, and the audit row written in the same transaction as
each write (a refused or failed write leaves none)."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from streamlit.testing.v1 import AppTest

from par_dashboard.extract.save import save_draft
from par_dashboard.importing import service, template
from par_dashboard.security import auth
from par_dashboard.shell import login
from par_dashboard.store.db import Database
from tests.browser import ROOT
from tests.hardening import logins
from tests.hardening.roles import run_role_checks
from tests.test_import_service import content_hash, good_rows, one, xlsx
from tests.users import PASSWORD, SCOPED, sign_in

HA_NOI_VALUE = {"indicator_values": [{"unit_id": "S63-P-01", "indicator": "OPS_ONTIME_PCT", "year": 2024, "period": "Y",
                                      "value": 91.5, "source": "Báo cáo thử"}]}


def user(name: str) -> auth.User:
    return auth.read_users()[name].user


def audit_rows(db: Database) -> list[tuple]:
    return one(db, "SELECT user_name, role, action, detail FROM audit_log ORDER BY audit_id")


# ---------------------------------------------------------------------------------------------- the matrix

def test_every_role_sees_only_its_pages_and_buttons(built_db):
    result = run_role_checks(built_db)
    assert result["failures"] == []
    assert result["checks"] == result["passed"] >= 150


# ---------------------------------------------------------------------------------------------- permissions, hashing

def test_each_role_has_what_the_role_before_it_has_and_more():
    assert auth.can(auth.User("a", "viewer"), "read") and not auth.can(auth.User("a", "viewer"), "export")
    assert auth.can(auth.User("a", "analyst"), "draft") and not auth.can(auth.User("a", "analyst"), "accept_draft")
    assert auth.can(auth.User("a", "data_officer"), "rollback") and not auth.can(auth.User("a", "data_officer"), "manage_users")
    assert auth.PERMISSIONS["admin"] == auth.ALL_PERMISSIONS
    assert not auth.can(None, "read") and not auth.can(auth.User("a", "cli"), "read")
    with pytest.raises(ValueError):
        auth.can(auth.User("a", "admin"), "delete_everything")


def test_passwords_are_stored_as_argon2id_hashes_and_checked():
    stored = auth.hash_password("mật khẩu đúng")
    assert stored.startswith("$argon2id$") and "mật khẩu" not in stored
    assert auth.verify_password(stored, "mật khẩu đúng")
    assert not auth.verify_password(stored, "mật khẩu sai")
    assert not auth.verify_password("not a hash", "x")
    assert auth.hash_password("mật khẩu đúng") != stored  # salted


def test_five_failures_lock_the_name_for_a_minute(users_file, tmp_path):
    now = [1000.0]
    guard = auth.LoginGuard(tmp_path / "attempts.sqlite", clock=lambda: now[0])
    for _ in range(4):
        with pytest.raises(auth.AuthError, match="Wrong user name or password"):
            auth.authenticate("viewer", "wrong", path=users_file, guard=guard)
    with pytest.raises(auth.AuthError, match="try again in 60 seconds") as locked:
        auth.authenticate("viewer", "wrong", path=users_file, guard=guard)
    assert "thử lại sau 60 giây" in locked.value.vi
    now[0] += 30
    with pytest.raises(auth.AuthError, match="try again in 30 seconds"):  # even with the right password
        auth.authenticate("viewer", PASSWORD, path=users_file, guard=guard)
    now[0] += 31
    assert auth.authenticate("Viewer", PASSWORD, path=users_file, guard=guard).role == "viewer"  # names are case-blind
    for _ in range(5):  # an unknown name is counted too, and answered exactly like a wrong password
        with pytest.raises(auth.AuthError):
            auth.authenticate("no-such-user", "x", path=users_file, guard=guard)
    assert guard.wait_s("no-such-user") == 60


one_user = logins.one_user  # a users file with one analyst, "lan"


def trail_of(path) -> list[dict]:
    trail = auth.audit_trail_path(path)
    return [json.loads(line) for line in trail.read_text(encoding="utf-8").splitlines()] if trail.exists() else []


LOGIN_5_WRONG_THEN_RIGHT = """
import sys
from par_dashboard.security import auth
path = auth.Path(sys.argv[1])
for _ in range(int(sys.argv[2])):
    try:
        auth.authenticate("lan", "sai mật khẩu", path=path)
    except auth.AuthError as exc:
        print(exc.en)
try:
    print("signed in as", auth.authenticate("lan", sys.argv[3], path=path).name)
except auth.AuthError as exc:
    print(exc.en)
"""


def test_a_lockout_outlives_the_process_that_counted_it(tmp_path):
    """Five wrong passwords in one process; a new process (a restart, or another replica on the machine) still
    refuses the right one: the failures live beside the users file, not in a process's memory."""
    path = one_user(tmp_path)

    def process(wrong: int) -> list[str]:
        done = subprocess.run([sys.executable, "-c", LOGIN_5_WRONG_THEN_RIGHT, str(path), str(wrong), PASSWORD],
                              cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
                              env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)})
        return done.stdout.splitlines()

    first = process(5)
    # the 5th failure locks the name for 60 s (59 when a slow machine took a second between the lock and its message)
    assert first[3] == "Wrong user name or password." and re.search(r"try again in (59|60) seconds", first[4]), first
    assert first[5].startswith("Too many failed attempts"), first  # in the same process, as before
    second = process(0)
    assert second[0].startswith("Too many failed attempts: this user name is locked, try again in"), second
    kept = auth.attempts_path(path)
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600 and kept.parent == path.parent


def test_one_password_sprayed_over_many_names_from_one_address_is_throttled(tmp_path):
    """One source tries one password on 25 names (each tried once: no name reaches its own limit); after the
    per-source limit every try from there is refused unchecked, even a right password, while another address signs
    in. Each refusal is in the trail with the name, the address and why; a locked source's tries are written once."""
    path = one_user(tmp_path)
    now = [5000.0]
    guard = auth.LoginGuard(clock=lambda: now[0])
    limit = guard.source_limit
    said = []
    for i in range(limit + 5):
        with pytest.raises(auth.AuthError) as refused:
            auth.authenticate(f"nguoi{i}", "Mua-xuan-2024", source="203.0.113.7", path=path, guard=guard)
        said.append(refused.value.en)
    assert said[: limit - 1] == ["Wrong user name or password."] * (limit - 1)
    assert all("from this address" in s and "try again in 60 seconds" in s for s in said[limit - 1:]), said[limit - 1:]
    assert "từ địa chỉ này" in refused.value.vi
    with pytest.raises(auth.AuthError, match="from this address"):
        auth.authenticate("lan", PASSWORD, source="203.0.113.7", path=path, guard=guard)
    assert auth.authenticate("lan", PASSWORD, source="198.51.100.2", path=path, guard=guard).name == "lan"
    trail = [e for e in trail_of(path) if e["action"] == "login_refused"]
    assert [e["reason"] for e in trail] == ["unknown_name"] * limit + ["source_locked"]  # the lock's tries: once
    assert {e["source"] for e in trail} == {"203.0.113.7"} and trail[0]["name"] == "nguoi0" and all(e["at"] for e in trail)
    assert trail[limit - 1]["locks"] == ["source"]
    now[0] += 61  # the lock served: the next run of failures locks the address for twice as long
    for i in range(limit):
        with pytest.raises(auth.AuthError) as refused:
            auth.authenticate(f"khac{i}", "Mua-xuan-2024", source="203.0.113.7", path=path, guard=guard)
    assert "try again in 120 seconds" in refused.value.en


def test_an_address_that_keeps_failing_waits_twice_as_long_each_time(tmp_path):
    """Up to an hour; a lock longer than the quiet window that forgets failures still counts for the next one."""
    now = [0.0]
    guard = auth.LoginGuard(tmp_path / "attempts.sqlite", source_limit=1, clock=lambda: now[0])
    waits = []
    for i in range(8):
        assert list(guard.admit(f"a{i}", "203.0.113.9").locks) == ["source"]  # each try locks it (a new name each time)
        with pytest.raises(auth.Throttled, match="from this address"):
            guard.admit(f"b{i}", "203.0.113.9")
        waits.append(guard.wait_s(f"c{i}", "203.0.113.9"))
        now[0] += waits[-1] + 1
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    now[0] += guard.window_s  # quiet for a window after the last lock ended: forgotten
    guard.admit("d", "203.0.113.9")
    assert guard.wait_s("e", "203.0.113.9") == 60


def test_a_wrong_password_log_never_holds_the_password(tmp_path):
    path = one_user(tmp_path)
    guard = auth.LoginGuard()
    with pytest.raises(auth.AuthError):
        auth.authenticate("lan", "bí-mật-không-được-ghi", source="192.0.2.1", path=path, guard=guard)
    (entry,) = trail_of(path)[1:]
    assert entry["action"] == "login_refused" and entry["reason"] == "wrong_password" and entry["source"] == "192.0.2.1"
    assert "bí-mật" not in auth.audit_trail_path(path).read_text(encoding="utf-8")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=logins.STEPS)
def test_the_guard_bounds_guesses_per_name_and_per_source_across_restarts(tmp_path_factory, steps):
    """Whatever the order of tries, names, addresses, pauses and restarts: a guard restarted before any try decides
    exactly as one that never was (the state is the file's); and within any `lock_s` seconds a name gets at most
    `limit` wrong passwords checked between two right ones, and an address at most `source_limit`
    (tests/hardening/logins.py; the figures command runs more sequences)."""
    wrong = logins.guard_violations(tmp_path_factory.mktemp("guard"), steps)
    assert not wrong, wrong


# ---------------------------------------------------------------------------------------------- the users file's mode

@pytest.mark.parametrize("mode", logins.TESTED_MODES, ids=lambda m: f"{m:o}")
def test_a_users_file_others_may_write_or_read_is_refused_saying_how_to_fix_it(tmp_path, mode):
    """Writable by others: anyone could add an admin; readable: the password hashes leak. Refused until `chmod 600`,
    a cached read included (the file was read at 0600 first). The figures command tries every such mode."""
    wrong = logins.mode_violations(tmp_path, mode)
    assert not wrong, wrong


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_users_file_owned_by_someone_else_is_refused(tmp_path):
    path = one_user(tmp_path)
    os.chown(path, 12345, -1)
    with pytest.raises(auth.UsersFileError, match="is owned by another user"):
        auth.read_users(path)


def test_the_users_command_and_the_login_page_refuse_a_world_writable_users_file(tmp_path, built_db, monkeypatch):
    path = tmp_path / "conf" / "users.json"
    assert users_cli(tmp_path, "add", "lan", "--role", "admin", "--password-stdin", password="một mật khẩu dài\n").returncode == 0
    path.chmod(0o666)
    listed = users_cli(tmp_path, "list", "--lang", "en")
    assert listed.returncode == 1 and f"chmod 600 {path}" in listed.stderr and "Traceback" not in listed.stderr
    added = users_cli(tmp_path, "add", "ke-gian", "--role", "admin", "--password-stdin", password="một mật khẩu dài\n")
    assert added.returncode == 1 and "ke-gian" not in path.read_text(encoding="utf-8")
    monkeypatch.setenv("PAR_USERS_FILE", str(path))
    at = app().run()
    assert not at.exception and any(f"chmod 600 {path}" in e.value for e in at.error)
    assert not at.text_input  # no form to try


# ---------------------------------------------------------------------------------------------- the users command

def users_cli(tmp_path, *args: str, password: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8", "PAR_USERS_FILE": str(tmp_path / "conf" / "users.json")}
    return subprocess.run([sys.executable, "-m", "par_dashboard", "users", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=env, input=password)


def test_users_command_adds_lists_changes_and_removes_with_a_trail(tmp_path, built_db):
    # its own copy: the session's database may be held by a dashboard another test of this worker started (the
    # command then says, rightly, that the dashboard is using it)
    built_db = Path(shutil.copy(built_db, tmp_path / "par.duckdb"))
    add = users_cli(tmp_path, "add", "lan", "--role", "data_officer", "--province", "S63-P-20", "--db", str(built_db),
                    "--password-stdin", password="một mật khẩu dài\n")
    assert add.returncode == 0, add.stderr
    path = tmp_path / "conf" / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []  # written atomically
    assert auth.authenticate("lan", "một mật khẩu dài", path=path, guard=auth.LoginGuard()).province == "S63-P-20"

    dup = users_cli(tmp_path, "add", "LAN", "--role", "viewer", "--password-stdin", password="một mật khẩu khác\n")
    assert dup.returncode == 1 and "Đã có người dùng «LAN»" in dup.stderr
    bad_role = users_cli(tmp_path, "add", "minh", "--role", "boss", "--lang", "en", "--password-stdin", password="x" * 12)
    assert bad_role.returncode == 1 and "Unknown role «boss»: choose one of viewer, analyst, data_officer, admin" in bad_role.stderr
    bad_province = users_cli(tmp_path, "add", "minh", "--role", "viewer", "--province", "S63-P-99", "--db", str(built_db),
                             "--password-stdin", password="x" * 12)
    assert bad_province.returncode == 1 and "Không có tỉnh mã «S63-P-99»" in bad_province.stderr
    short = users_cli(tmp_path, "add", "minh", "--role", "viewer", "--password-stdin", password="ngắn\n")
    assert short.returncode == 1 and "ít nhất 8 ký tự" in short.stderr

    assert users_cli(tmp_path, "role", "lan", "admin").returncode == 0
    assert users_cli(tmp_path, "passwd", "lan", "--password-stdin", password="mật khẩu mới tinh\n").returncode == 0
    listed = users_cli(tmp_path, "list")
    assert listed.returncode == 0 and "lan" in listed.stdout and "admin" in listed.stdout and "S63-P-20" in listed.stdout
    assert "$argon2" not in listed.stdout + listed.stderr
    assert users_cli(tmp_path, "remove", "lan").returncode == 0
    missing = users_cli(tmp_path, "remove", "lan")
    assert missing.returncode == 1 and "Không có người dùng «lan»" in missing.stderr

    trail = [json.loads(line) for line in auth.audit_trail_path(path).read_text(encoding="utf-8").splitlines()]
    assert [e["action"] for e in trail] == ["add", "role", "passwd", "remove"]
    assert trail[1]["previous_role"] == "data_officer" and all(e["by"] and e["at"] and e["name"] == "lan" for e in trail)
    assert stat.S_IMODE(auth.audit_trail_path(path).stat().st_mode) == 0o600
    assert "một mật khẩu" not in auth.audit_trail_path(path).read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "shown"), [("lan\u200b", "U+200B (ZERO WIDTH SPACE) (ký tự thứ 4)"),
                                            ("\u202eadmin", "U+202E (RIGHT-TO-LEFT OVERRIDE) (ký tự thứ 1)"),
                                            ("an\u00adh", "U+00AD (SOFT HYPHEN)"), ("a\x00b", "U+0000"),
                                            ("lan\u2066", "U+2066 (LEFT-TO-RIGHT ISOLATE)")])
def test_a_user_name_with_a_character_nobody_sees_is_refused_naming_it(tmp_path, name, shown):
    """"lan" + U+200B would be a second account that reads "lan" in every list: refused, the character named."""
    path = tmp_path / "users.json"
    auth.add_user("lan", "viewer", PASSWORD, path=path)
    with pytest.raises(auth.AuthError) as refused:
        auth.add_user(name, "admin", PASSWORD, path=path)
    assert shown in refused.value.vi and "ký tự không nhìn thấy" in refused.value.vi
    assert shown.split(" (ký")[0] in refused.value.en
    assert list(auth.read_users(path)) == ["lan"]


def test_a_user_name_typed_decomposed_is_the_same_name():
    auth.check_name(unicodedata.normalize("NFD", "Lâm.nguyễn"))  # NFC first: the combining marks are part of letters


# ---------------------------------------------------------------------------------------------- scope

def test_a_scoped_user_may_touch_their_province_and_its_counterparts_only():
    lineage = {"S63-P-20": ["S63-P-20", "S34-P-20"]}
    scoped = auth.User("lan", "data_officer", "S63-P-20")
    auth.check_scope(scoped, ["S63-P-20", "S34-P-20"], lineage.get)
    auth.check_scope(auth.User("an", "data_officer"), ["S63-P-01", None], lineage.get)  # unscoped: anything
    with pytest.raises(auth.OutOfScope) as refused:
        auth.check_scope(scoped, ["S63-P-20", "S63-P-01", None], lineage.get, {"S63-P-01": "Hà Nội", "S63-P-20": "Lạng Sơn"})
    assert refused.value.vi == ("Bạn chỉ được thay đổi dữ liệu của Lạng Sơn; dữ liệu này thuộc: —, Hà Nội. "
                                "Không có gì được ghi.")


def test_a_scoped_officer_cannot_import_another_province_and_nothing_is_written(work):
    before = content_hash(work)
    report = service.load(work, xlsx(HA_NOI_VALUE), "ha_noi.xlsx", user=user(SCOPED))
    assert report.status == "rejected" and report.errors[0].code == "out_of_scope"
    assert "Bạn chỉ được thay đổi dữ liệu của Lạng Sơn; dữ liệu này thuộc: Hà Nội." in report.errors[0].message_vi
    assert service.validate(work, xlsx(HA_NOI_VALUE), "ha_noi.xlsx", user=user(SCOPED)).errors[0].code == "out_of_scope"
    assert content_hash(work) == before and service.batches(work).empty and service.audit_log(work).empty
    # The template's examples (Lạng Sơn, Thừa Thiên Huế) are in the database as they are: they touch nothing.
    assert service.load(work, template.template_workbook("vi"), "mau.xlsx", user=user(SCOPED)).status == "unchanged"
    own = service.load(work, xlsx(good_rows()), "lang_son.xlsx", user=user(SCOPED))  # Lạng Sơn: allowed
    assert own.status == "loaded"
    assert json.loads(audit_rows(work)[0][3])["provinces"] == ["S63-P-20"]


def test_roles_without_the_permission_cannot_write_through_the_service(work):
    before = content_hash(work)
    for name in ("viewer", "analyst"):
        report = service.load(work, xlsx(good_rows()), "a.xlsx", user=user(name))
        assert report.status == "rejected" and report.errors[0].code == "not_allowed"
        assert "không được phép" in report.errors[0].message_vi
    loaded = service.load(work, xlsx(good_rows()), "a.xlsx", user=user("data_officer"))
    refused = service.rollback(work, loaded.batch_id, user=user("analyst"))
    assert refused.status == "refused" and "may not do this" in refused.message_en
    assert service.rollback(work, loaded.batch_id, user=user(SCOPED)).status == "rolled_back"  # a Lạng Sơn batch
    other = service.load(work, xlsx(HA_NOI_VALUE), "ha_noi.xlsx", user=user("data_officer"))
    scoped = service.rollback(work, other.batch_id, user=user(SCOPED))
    assert scoped.status == "refused" and "Hà Nội" not in scoped.message_vi and "S63-P-01" in scoped.message_vi
    assert service.rollback(work, other.batch_id, user=user("admin")).status == "rolled_back"
    assert content_hash(work) == before


# ---------------------------------------------------------------------------------------------- audit

def test_every_write_leaves_one_audit_row_with_who_when_what(work):
    loaded = service.load(work, xlsx(good_rows()), "kiem_tra.xlsx", user=user("data_officer"))
    service.load(work, xlsx(good_rows()), "kiem_tra.xlsx", user=user("data_officer"))  # unchanged: nothing written
    bad = good_rows()
    bad["indicator_values"][0]["value"] = 120
    assert service.load(work, xlsx(bad), "loi.xlsx", user=user("data_officer")).status == "rejected"  # nothing written
    service.rollback(work, loaded.batch_id, user=user("admin"))
    service.load(work, xlsx(good_rows()), "cli.xlsx", user="lan")  # the command line
    rows = audit_rows(work)
    assert [(r[0], r[1], r[2]) for r in rows] == [("data_officer", "data_officer", "import"), ("admin", "admin", "rollback"),
                                                  ("lan", "cli", "import")]
    first = json.loads(rows[0][3])
    assert first["batch_id"] == loaded.batch_id and first["file"] == "kiem_tra.xlsx" and first["added"] == 5
    assert json.loads(rows[1][3]) == {"batch_id": loaded.batch_id, "deleted": 5, "restored": 0, "provinces": ["S63-P-20"]}
    assert one(work, "SELECT count(*) FROM audit_log WHERE \"at\" IS NULL")[0][0] == 0
    assert service.audit_log(work).action.tolist() == ["import", "rollback", "import"]  # newest first


def test_a_write_whose_audit_row_fails_is_undone_with_it(work):
    """The audit row is written last, in the write's own transaction: when it cannot be written (here an action
    the audit log does not know), the rows written before it are rolled back too."""
    before = content_hash(work)
    with pytest.raises(ValueError, match="delete_everything"):
        service.load(work, xlsx(good_rows()), "a.xlsx", user="lan", action="delete_everything")
    assert content_hash(work) == before and service.batches(work).empty and service.audit_log(work).empty


def test_an_accepted_draft_is_audited_as_such_and_refused_to_an_analyst(work):
    from par_dashboard.extract import extract_text
    from tests.test_extract_review import CAO_LOC

    draft = extract_text(CAO_LOC.read_text(encoding="utf-8"), db=work)
    refused = save_draft(work, draft, user=user("analyst"))
    assert refused.status == "rejected" and refused.errors[0].code == "not_allowed" and service.audit_log(work).empty
    report = save_draft(work, draft, user=user("data_officer"))
    assert report.status == "loaded"
    assert [(r[0], r[2]) for r in audit_rows(work)] == [("data_officer", "accept_draft")]


def test_an_existing_database_gets_the_audit_table(built_db, tmp_path):
    path = tmp_path / "old.duckdb"
    shutil.copy(built_db, path)
    db = Database(path)
    with db.cursor() as cur:
        cur.execute("DROP TABLE audit_log")
    assert service.audit_log(db).empty  # no table: nothing to show, no error
    service.load(db, xlsx(good_rows()), "a.xlsx", user="lan")
    assert len(service.audit_log(db)) == 1
    db.close()


# ---------------------------------------------------------------------------------------------- the login page

def app(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    for k, v in params.items():
        at.query_params[k] = v
    return at


def fill(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="auth_name_page").input(name)
    at.text_input(key="auth_password_page").input(password)
    return at.button[-1].click().run()


def test_login_form_refuses_a_wrong_password_then_signs_in_keeps_the_link_and_signs_out(built_db):
    at = app(year="2022", province="S63-P-20").run()
    assert [x.value for x in at.title] == ["Đăng nhập — Bảng theo dõi cải cách hành chính"]
    fill(at, "analyst", "sai mật khẩu")
    assert [e.value for e in at.error] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    assert not at.dataframe and not at.sidebar.selectbox
    fill(at, "analyst", PASSWORD)
    assert not at.exception
    assert at.session_state["year"] == 2022 and at.session_state["province"] == "S63-P-20"  # the link survived
    assert any("analyst" in m.value and "Chuyên viên phân tích" in m.value for m in at.sidebar.markdown)
    at.sidebar.button(key="auth_logout").click().run()
    assert [x.value for x in at.title] == ["Đăng nhập — Bảng theo dõi cải cách hành chính"]
    assert login.SESSION_KEY not in at.session_state


def test_a_refused_login_on_the_page_is_in_the_trail_with_its_address(built_db, tmp_path, monkeypatch):
    path = one_user(tmp_path)
    monkeypatch.setenv("PAR_USERS_FILE", str(path))
    at = fill(app().run(), "lan", "sai mật khẩu")
    assert [e.value for e in at.error] == ["Tên đăng nhập hoặc mật khẩu không đúng."]
    (entry,) = [e for e in trail_of(path) if e["action"] == "login_refused"]
    assert (entry["name"], entry["source"], entry["reason"]) == ("lan", auth.LOCAL_SOURCE, "wrong_password")
    assert stat.S_IMODE(auth.attempts_path(path).stat().st_mode) == 0o600


def test_the_language_switch_works_before_login_and_stays_after(built_db):
    at = app().run()
    at.radio(key="_auth_lang").set_value("en").run()
    assert at.title[0].value == "Sign in — Public administration reform dashboard"
    assert at.text_input(key="auth_password_page").label == "Password"
    fill(at, "viewer", PASSWORD)
    assert not at.exception and at.session_state["lang"] == "en"
    assert any("Viewer" in m.value for m in at.sidebar.markdown)


def test_a_removed_user_is_signed_out_at_the_next_run(built_db, tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    auth.add_user("tam", "analyst", PASSWORD, path=path)
    monkeypatch.setenv("PAR_USERS_FILE", str(path))
    at = sign_in(app(), "tam").run()
    assert not at.exception and at.sidebar.button(key="auth_logout")
    auth.remove_user("tam", path=path)
    at.run()
    assert [x.value for x in at.title] == ["Đăng nhập — Bảng theo dõi cải cách hành chính"]


def test_anonymous_viewing_only_when_turned_on(built_db, monkeypatch):
    at = app().run()
    assert at.title[0].value.startswith("Đăng nhập")
    monkeypatch.setenv("PAR_ANONYMOUS", "1")
    at = app().run()
    assert not at.exception and at.title[0].value.startswith("Xếp hạng")
    assert any("Khách: chỉ xem" in c.value for c in at.sidebar.caption)
    at.switch_page("pages/data.py").run()  # hidden from the menu; a link to it asks the guest to sign in
    assert not at.exception and [e.value for e in at.error] == [login.t("auth_refused_nobody", "vi")]
    assert not at.get("file_uploader") and not at.dataframe


def test_oidc_email_maps_to_a_user_of_the_file_or_to_no_access(built_db):
    at = app()
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "id", "client_secret": "secret",
                          "server_metadata_url": "https://login.example.vn/.well-known/openid-configuration"}
    at.run()
    assert any(b.label == "Đăng nhập bằng tài khoản tổ chức" for b in at.button)
    at.user = {"is_logged_in": True, "email": "Analyst@example.vn"}
    at.run()
    assert not at.exception and any("analyst" in m.value for m in at.sidebar.markdown)
    at.user = {"is_logged_in": True, "email": "stranger@example.vn"}
    at.run()
    assert any("stranger@example.vn" in e.value and "chưa được cấp quyền" in e.value for e in at.error)
    assert not at.dataframe and not at.sidebar.selectbox


def test_users_file_outside_the_repository_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("PAR_USERS_FILE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert auth.users_path() == tmp_path / "par-dashboard" / "users.json"
    assert not str(auth.users_path()).startswith(str(ROOT))
    monkeypatch.setenv("PAR_USERS_FILE", "~/u.json")
    assert auth.users_path() == auth.Path(os.path.expanduser("~/u.json"))


def test_a_broken_users_file_is_said_on_the_login_page(built_db, tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    path.write_text('{"users": {"lan": {"role": "boss", "password": "x"}}}', encoding="utf-8")  # edited by hand
    path.chmod(0o600)  # (as the users command wrote it)
    monkeypatch.setenv("PAR_USERS_FILE", str(path))
    at = app().run()
    assert not at.exception and any("vai trò không hợp lệ cho lan" in e.value for e in at.error)
    assert not at.text_input  # no form to try
    path.write_text("{không phải JSON", encoding="utf-8")
    at.run()
    assert any("Không đọc được tệp người dùng" in e.value for e in at.error)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_link_to_a_page_the_role_may_not_open_says_so_in_the_pages_language(built_db, lang):
    """Issue 18 item 4: /du-lieu opened by a viewer showed Streamlit's English "Page not found" dialog and the
    rankings page. Every page is registered (those the role may not use hidden from the menu), so the link opens the
    page, which says in words why it shows nothing."""
    from streamlit.util import calc_hash

    at = sign_in(app(lang=lang), "viewer").run()
    assert not at.exception, at.exception
    at._page_hash = calc_hash("du-lieu")  # what the browser asks for at /du-lieu (a page's hash is its URL path's)
    at.run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [login.t("auth_refused", lang)], [e.value for e in at.error]
    assert not at.title and not at.dataframe and not at.get("plotly_chart"), "another page was shown instead"
    assert not at.get("file_uploader")
