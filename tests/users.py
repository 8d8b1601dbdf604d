"""Test accounts: one user per role and a data officer scoped to Lạng Sơn, one password for all, in a users file
made once per test session (tests/conftest.py points $PAR_USERS_FILE at it), and a way in for AppTest runs."""

from __future__ import annotations

from pathlib import Path

from par_dashboard.security import auth
from par_dashboard.shell import login

PASSWORD = "mật-khẩu-thử-nghiệm"
SCOPED = "officer_ls"  # a data officer of Lạng Sơn (S63-P-20; S34-P-20 today)
USERS = {role: (role, None) for role in auth.ROLES} | {SCOPED: ("data_officer", "S63-P-20")}


def make_users_file(path: Path) -> Path:
    for name, (role, province) in USERS.items():
        auth.add_user(name, role, PASSWORD, province=province, email=f"{name}@example.vn", path=path)
    return path


def sign_in(at, name: str):
    """Signed in as `name` from the first run: the name in the session, as the login form leaves it (session state
    lives on the server: a browser cannot put it there)."""
    at.session_state[login.SESSION_KEY] = auth.LoggedIn(name)
    return at


def open_page(page: str, section: str = "", *, user: str = "analyst", **params):
    """The dashboard under AppTest, signed in as `user`, on `page` ("rankings", "map", …) showing `section`, the other
    filters from the URL (`params`). Xếp hạng, the first page, is opened from a link naming its section; the others
    by choosing theirs after moving there (AppTest's first run is the first page, which would take a section of
    theirs for none of its own). The run must raise nothing."""
    from streamlit.testing.v1 import AppTest

    from tests.browser import ROOT

    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), user)
    for key, value in {**params, **({"section": section} if section and page == "rankings" else {})}.items():
        at.query_params[key] = value
    at.run()
    if page != "rankings":
        at.switch_page(f"pages/{page}.py")
        at.session_state["section"] = section
        at.run()
    assert not at.exception, at.exception
    return at
