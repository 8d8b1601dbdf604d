"""Who sees what: the role × page matrix, run through Streamlit's AppTest (the app's own script, server side).

For nobody signed in, the anonymous visitor (anonymous viewing on), each role, a province-scoped data officer and a
viewer signed in while anonymous viewing is on: which pages the navigation lists, which export and write controls a
page draws, what the sidebar says, and that a page run on its own without the permission refuses in words and reads
nothing (the database path then points at a file that does not exist: any read would create it).

`run_role_checks(db_path)` returns {"checks": n, "passed": n, "failures": [...]}; tests/test_auth.py asserts no
failure, and the figures command prints the counts. The database is copied first and only read.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from par_dashboard.i18n import t
from par_dashboard.paths import ROOT
from par_dashboard.security import auth
from par_dashboard.shell import login
from tests.hardening import environment

PASSWORD = "role-check-password"
SCOPED = ("officer_ls", "S63-P-20")  # a data officer of Lạng Sơn
OTHER_PROVINCE = "S63-P-01"  # asked for in the URL: a scoped user must stay on their own
PAGES = ("pages/rankings.py", "pages/map.py", "pages/locality.py", "pages/indicators.py", "pages/inspections.py",
         "pages/present.py", "pages/data.py")
# What the issue asks, written here again rather than read from login.PAGE_PERMISSION: a check, not a copy.
EXPECTED_PERMISSION = {"pages/data.py": "draft"}
DRAFT_TEXT = ("BÁO CÁO Kết quả kiểm tra công tác cải cách hành chính năm 2024 tại UBND huyện Cao Lộc, tỉnh Lạng Sơn. "
              "Đoàn kiểm tra do đồng chí Nguyễn Văn A, Phó Giám đốc Sở Nội vụ làm trưởng đoàn, kiểm tra ngày 12/9/2024.")


@dataclass(frozen=True)
class Subject:
    label: str
    name: str | None  # the signed-in user (None: nobody)
    anonymous: bool  # anonymous viewing turned on by the operator
    present: bool = False  # also open the present page (a deck is built: a few seconds, so for two roles only)

    def user(self) -> auth.User | None:
        if self.name is None:
            return auth.ANONYMOUS if self.anonymous else None
        role, province = _accounts()[self.name]
        return auth.User(self.name, role, province)


SUBJECTS = (Subject("nobody", None, False), Subject("anonymous visitor", None, True),
            *(Subject(role, role, False, present=role in ("viewer", "analyst")) for role in auth.ROLES),
            Subject("scoped data officer", SCOPED[0], False), Subject("viewer, anonymous on", "viewer", True))


def _accounts() -> dict[str, tuple[str, str | None]]:
    return {role: (role, None) for role in auth.ROLES} | {SCOPED[0]: ("data_officer", SCOPED[1])}


class _Checks:
    def __init__(self):
        self.n = 0
        self.failures: list[str] = []

    def check(self, ok: bool, what: str) -> None:
        self.n += 1
        if not ok:
            self.failures.append(what)

    def result(self) -> dict:
        return {"checks": self.n, "passed": self.n - len(self.failures), "failures": self.failures}


def run_role_checks(db_path: Path) -> dict:
    """The whole matrix on a copy of `db_path`, with a users file of its own (one user per role, one scoped)."""
    work = Path(tempfile.mkdtemp(prefix="par-roles-"))
    try:
        db = work / "par.duckdb"
        shutil.copyfile(db_path, db)
        users = work / "users.json"
        for name, (role, province) in _accounts().items():
            auth.add_user(name, role, PASSWORD, province=province, path=users)
        checks = _Checks()
        with environment(PAR_USERS_FILE=str(users), PAR_DB=str(db), PAR_ANONYMOUS=None):
            for subject in SUBJECTS:
                _subject_checks(checks, subject, work)
            _direct_runs(checks, work)
        return checks.result()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _app(subject: Subject, script: str = "dashboard.py", **params):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / script), default_timeout=180)
    for k, v in params.items():
        at.query_params[k] = v
    if subject.name:
        at.session_state[login.SESSION_KEY] = auth.LoggedIn(subject.name)
    return at


def _in_navigation(at, page: str) -> bool:
    """Whether the subject may open the page. Every page is registered (a link to one the role may not use opens it
    and it says why in words, issue 18 item 4); one that needs more than reading is run to see it refuse or not."""
    try:
        at.switch_page(page)
    except ValueError:
        return False
    if page not in EXPECTED_PERMISSION:
        return True
    at.run()
    refused = {t("auth_refused", lang) for lang in ("vi", "en")} | {t("auth_refused_nobody", lang) for lang in ("vi", "en")}
    return not any(e.value in refused for e in at.error)


def _subject_checks(c: _Checks, s: Subject, work: Path) -> None:
    anonymous = "1" if s.anonymous else None
    if s.user() is None:
        missing = work / "nobody.duckdb"  # the gate must stop before anything opens (and so creates) it
        with environment(PAR_ANONYMOUS=anonymous, PAR_DB=str(missing)):
            at = _app(s, year="2024").run()
            c.check(not at.exception, f"{s.label}: the login page raised {at.exception}")
            keys = [w.key for w in at.text_input]
            c.check(keys == ["auth_name_page", "auth_password_page"], f"{s.label}: login form fields are {keys}")
            c.check([x.value for x in at.title] == [t("auth_title", "vi")], f"{s.label}: something besides the login page has a title")
            drawn = len(at.dataframe) + len(at.metric) + len(at.get("plotly_chart")) + len(at.sidebar.selectbox)
            c.check(drawn == 0, f"{s.label}: {drawn} data elements or filters drawn without a login")
            c.check(not missing.exists(), f"{s.label}: the database was opened without a login")
        return
    user = s.user()
    with environment(PAR_ANONYMOUS=anonymous):
        params = {"year": "2024", "province": OTHER_PROVINCE if user.province else SCOPED[1]}
        at = _app(s, **params).run()
        c.check(not at.exception, f"{s.label}: the first page raised {at.exception}")
        if at.exception:
            return
        sidebar = " ".join(m.value for m in [*at.sidebar.markdown, *at.sidebar.caption]).replace("\\", "")  # unescaped
        if user.anonymous:
            c.check(t("auth_anonymous", "vi") in sidebar, f"{s.label}: the sidebar does not say the visitor is a guest")
            c.check("auth_logout" not in [b.key for b in at.sidebar.button], f"{s.label}: a guest has a logout button")
        else:
            c.check(user.name in sidebar and t(f"auth_role_{user.role}", "vi") in sidebar,
                    f"{s.label}: the sidebar does not show the name and role")
            c.check("auth_logout" in [b.key for b in at.sidebar.button], f"{s.label}: no logout button")
        listed = {page: _in_navigation(at, page) for page in PAGES}
        for page, shown in listed.items():
            c.check(shown == auth.can(user, EXPECTED_PERMISSION.get(page, "read")),
                    f"{s.label}: {page} {'listed' if shown else 'not listed'} in the navigation")
        if user.province:
            box = at.sidebar.selectbox(key="_w_province")
            c.check(len(box.options) == 1 and box.value == SCOPED[1] and box.disabled,
                    f"{s.label}: the province filter offers {box.options} (value {box.value}), not {SCOPED[1]} alone and fixed")
        _page_checks(c, s, user, at)


def _page_checks(c: _Checks, s: Subject, user: auth.User, at) -> None:
    exports = auth.can(user, "export")
    at.switch_page("pages/inspections.py").run()
    c.check(not at.exception, f"{s.label}: the inspections page raised {at.exception}")
    n = len(at.get("download_button"))
    c.check((n > 0) == exports, f"{s.label}: {n} download buttons on the inspections page")
    if s.present:
        at.switch_page("pages/present.py").run()
        c.check(not at.exception, f"{s.label}: the present page raised {at.exception}")
        c.check(len(at.get("iframe")) == 1, f"{s.label}: the present page shows no deck")
        n = len(at.get("download_button"))
        c.check((n > 0) == exports, f"{s.label}: {n} deck export buttons on the present page")
    if not auth.can(user, "draft"):
        return
    at.switch_page("pages/data.py").run()
    c.check(not at.exception, f"{s.label}: the data page raised {at.exception}")
    subheaders = [x.value for x in at.subheader]
    uploads = len(at.get("file_uploader"))
    c.check((uploads > 0) == auth.can(user, "import"), f"{s.label}: {uploads} file uploaders on the data page")
    for permission, label in (("rollback", "data_batches"), ("audit", "auth_audit_title"), ("draft", "data_text_title")):
        c.check((t(label, "vi") in subheaders) == auth.can(user, permission),
                f"{s.label}: section «{t(label, 'vi')}» {'missing' if auth.can(user, permission) else 'shown'}")
    n = len(at.get("download_button"))
    c.check((n > 0) == auth.can(user, "import"), f"{s.label}: {n} download buttons on the data page")
    at.text_area(key="data_text_paste").input(DRAFT_TEXT)
    at.button(key="data_text_read_paste").click().run()
    c.check(not at.exception, f"{s.label}: reading a text into a draft raised {at.exception}")
    accept = "data_text_accept" in [b.key for b in at.button]
    c.check(accept == auth.can(user, "accept_draft"), f"{s.label}: the accept button {'shown' if accept else 'missing'}")
    told = any(t("auth_draft_only", "vi") in x.value for x in at.info)
    c.check(told != auth.can(user, "accept_draft"), f"{s.label}: whether the draft can be saved is not said")


def _direct_runs(c: _Checks, work: Path) -> None:
    """Each page run on its own (no gate before it): without the permission it says so and reads nothing."""
    missing = work / "direct.duckdb"
    cases = [(Subject("nobody", None, False), page, "auth_refused_nobody") for page in PAGES]
    cases += [(Subject("viewer", "viewer", False), "pages/data.py", "auth_refused"),
              (Subject("anonymous visitor", None, True), "pages/data.py", "auth_refused_nobody")]  # a guest: sign in
    for subject, page, message in cases:
        with environment(PAR_DB=str(missing), PAR_ANONYMOUS="1" if subject.anonymous else None):
            at = _app(subject, page).run()
        what = f"{page} run on its own by {subject.label}"
        c.check(not at.exception, f"{what}: raised {at.exception}")
        c.check([e.value for e in at.error] == [t(message, "vi")], f"{what}: no refusal in words")
        c.check(len(at.title) + len(at.dataframe) + len(at.get("plotly_chart")) == 0, f"{what}: drew the page")
        c.check(not missing.exists(), f"{what}: opened the database")
