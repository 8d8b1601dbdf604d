"""The dashboard's door (the Streamlit side of par_dashboard/security/auth.py): the login page, who is signed in, the
sidebar's name, role and logout, and the check each page makes itself before reading any data.

A session remembers only the signed-in name (auth.LoggedIn, in server-side session state: a browser cannot set it);
the role and province come from the users file on every run. OIDC through st.login() is offered when the operator
put an [auth] section in .streamlit/secrets.toml: the provider's e-mail must belong to a user of the file, whose
role applies. Without a login, nothing but the login page is drawn, unless the operator turned anonymous read-only
viewing on (PAR_ANONYMOUS=1, or `serve --anonymous`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import streamlit as st

from par_dashboard.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, t
from par_dashboard.security import auth
from par_dashboard.security.untrusted import markdown_text
from par_dashboard.shell import cached

SESSION_KEY = "_auth"
# The permission a page needs to be listed and opened; every page not named here needs "read".
PAGE_PERMISSION = {"pages/data.py": "draft"}


def _lang() -> str:
    """The session's language; on the login page (before the filters exist) the URL's, so a shared link in English
    asks for the password in English."""
    lang = st.session_state.get("lang") or st.query_params.get("lang")
    return lang if lang in LANGS else DEFAULT_LANG


def _oidc_providers() -> list[str | None]:
    """[None] for one provider configured in [auth] itself, the names of [auth.<name>] sections, or []."""
    try:
        if not st.secrets.load_if_toml_exists() or "auth" not in st.secrets:
            return []
        section = st.secrets["auth"]
    except (FileNotFoundError, KeyError):
        return []
    named = [name for name, value in section.items() if isinstance(value, Mapping)]
    return named or [None]


def _oidc_email() -> str | None:
    """The e-mail of an OIDC sign-in (None without one)."""
    if _oidc_providers() and st.user.get("is_logged_in"):
        return st.user.get("email") or ""
    return None


def current_user() -> auth.User | None:
    """The signed-in user, else the anonymous viewer when the operator allows it, else None.
    Raises auth.UsersFileError when the users file cannot be read."""
    state = st.session_state.get(SESSION_KEY)
    if isinstance(state, auth.LoggedIn):
        account = auth.read_users().get(auth.normalize_name(state.name))
        if account is not None:
            return account.user
        del st.session_state[SESSION_KEY]  # removed from the file meanwhile: signed out
    if (email := _oidc_email()) and (user := auth.user_by_email(email)):
        return user
    return auth.ANONYMOUS if auth.anonymous_enabled() else None


def _user_or_stop(lang: str) -> auth.User | None:
    """current_user(), or the reason the users file cannot be read, said in words, and the run stopped."""
    try:
        return current_user()
    except auth.UsersFileError as exc:
        st.error(exc.message(lang))
        st.stop()


def allowed(permission: str) -> bool:
    try:
        return auth.can(current_user(), permission)
    except auth.UsersFileError:
        return False


def page_allowed(user: auth.User, page: str) -> bool:
    return auth.can(user, PAGE_PERMISSION.get(page, "read"))


def raw_exports_off(page=None) -> None:
    """Streamlit's own table toolbar offers every table as a raw CSV (a cell `=cmd|' /C calc'!A0` stays a live
    formula) and copies its cells, to whoever sees it, whatever the role. The one switch that hides both,
    `client.disableDataExport`, is global (no table or session has its own), so it is on for everyone
    (.streamlit/config.toml, and `serve` insists); the roles that may export get the app's own neutralised CSV and
    Excel buttons (ui.downloads). A server started some other way with it off is put right here, before a page
    draws a table: the browser reads the switch from the first message of each run, so the run starts again, on
    the same page (`page`, the navigation's; None: the page run on its own) with the same address."""
    if st.get_option("client.disableDataExport") is True:
        return
    st.set_option("client.disableDataExport", True)
    if page is not None:
        st.switch_page(page)  # a bare rerun would land on the default page: the first run asks for it by its path
    st.rerun()


def gate(pages: Callable[[], list] | None = None) -> auth.User:
    """First thing of every run: the user, or the login page alone and a stop (nothing queried, no filters).

    `pages`: the app's pages, registered in a hidden navigation on the login page and never run: a link to a
    page (/kiem-tra?...) then stays in the address bar and opens after the login, as it would have."""
    lang = _lang()
    user = _user_or_stop(lang)
    if user is not None:
        return user
    if pages is not None:
        st.navigation(pages(), position="hidden")
    with st.container(width=640):
        _login_page(lang)
    st.stop()


def require(permission: str) -> auth.User:
    """Each page's own check, before it reads anything: a page run without the gate, or by a role that may not
    open it, says why and stops."""
    raw_exports_off()
    lang = _lang()
    user = _user_or_stop(lang)
    if auth.can(user, permission):
        return user
    # a guest (anonymous viewing) is asked to sign in (the sidebar has the form); a signed-in role is told it may not
    st.error(t("auth_refused" if user and not user.anonymous else "auth_refused_nobody", lang), icon=":material/lock:")
    st.stop()


def province_scope(structure: str) -> list[str] | None:
    """A province-scoped user's province as units of `structure` (itself, or its counterparts); None: unscoped."""
    user = current_user()
    if user is None or not user.province:
        return None
    return [u for u in counterparts(user.province) if u.startswith(structure)]


def counterparts(province: str) -> list[str]:
    """The province and its counterparts in the other structure (queries/province_lineage.sql)."""
    return cached.query("province_lineage", province_id=province).unit_id.tolist()


# ---------------------------------------------------------------------------------------------- drawing

def _set_lang() -> None:
    """The login page's language switch: into the session and the URL, which the filters adopt after login."""
    lang = st.session_state["_auth_lang"]
    st.session_state["lang"] = lang
    if lang == DEFAULT_LANG:  # a URL names the language only when it is not the default (ui.sync_url)
        st.query_params.pop("lang", None)
    else:
        st.query_params["lang"] = lang


def _login_page(lang: str) -> None:
    st.session_state["_auth_lang"] = lang
    st.radio(t("language", lang), list(LANGS), key="_auth_lang", horizontal=True, on_change=_set_lang,
             format_func=LANG_NAMES.get)
    st.title(t("auth_title", lang))
    st.caption(t("auth_intro", lang))
    email = _oidc_email()
    if email is not None:  # signed in with the provider, but no user of the file has that address
        st.error(t("auth_oidc_unknown", lang, email=email or "—"), icon=":material/person_off:")
        if st.button(t("auth_logout", lang), key="auth_oidc_logout", icon=":material/logout:"):
            st.logout()
    try:
        accounts = auth.read_users()
    except auth.UsersFileError as exc:  # nobody can sign in until the operator repairs it: no form to try
        st.error(exc.message(lang), icon=":material/error:")
        return
    if not accounts:
        st.info(t("auth_no_users", lang), icon=":material/info:")
    login_form(lang, "page")
    for provider in _oidc_providers():
        if st.button(t("auth_oidc_button", lang) + (f" ({provider})" if provider else ""), key=f"auth_oidc_{provider}",
                     icon=":material/badge:"):
            st.login(provider) if provider else st.login()


def login_form(lang: str, where: str) -> None:
    """Name and password; a wrong pair (or a locked name) is said in words, a right one signs in and reruns."""
    with st.form(f"auth_form_{where}", border=where == "page"):
        name = st.text_input(t("auth_name", lang), key=f"auth_name_{where}", autocomplete="username", max_chars=64)
        password = st.text_input(t("auth_password", lang), type="password", key=f"auth_password_{where}",
                                 autocomplete="current-password", max_chars=1024)
        submitted = st.form_submit_button(t("auth_submit", lang), type="primary", icon=":material/login:")
    if not submitted:
        return
    try:
        user = auth.authenticate(name, password, source=_source())
    except auth.AuthError as exc:
        st.error(exc.message(lang), icon=":material/error:")
        return
    st.session_state[SESSION_KEY] = auth.LoggedIn(user.name)
    st.rerun()


def _source() -> str:
    """Where a login comes from, for the per-address throttle: the address Streamlit's server sees (st.context). That
    is the TCP peer, or, when the peer is a proxy the server trusts, the client the proxy names in X-Forwarded-For:
    uvicorn trusts the addresses of $FORWARDED_ALLOW_IPS, by default 127.0.0.1 and ::1 (a proxy on this machine),
    and so must a proxy on another host be listed there. The header is never read here: any client can send one.
    Localhost, or a proxy on this machine that sends no X-Forwarded-For, gives no address: "local" (one address)."""
    try:
        address = st.context.ip_address
    except RuntimeError:  # no server
        return auth.LOCAL_SOURCE
    return address if isinstance(address, str) and address else auth.LOCAL_SOURCE  # (AppTest's server is a mock)


def sidebar(user: auth.User, lang: str) -> None:
    """Who is signed in and with which role (and province), and the logout button; for an anonymous visitor, that
    they only read, and a login for more."""
    if user.anonymous:
        st.caption(t("auth_anonymous", lang))
        with st.expander(t("auth_login_more", lang), icon=":material/login:"):
            login_form(lang, "sidebar")
        return
    scope = ""
    if user.province:
        scope = " · " + markdown_text(cached.unit_labels([user.province]).get(user.province, user.province))
    st.markdown(f":material/person: **{markdown_text(user.name)}**  \n{t('auth_role_' + user.role, lang)}{scope}")
    st.button(t("auth_logout", lang), key="auth_logout", icon=":material/logout:", on_click=_logout)


def _logout() -> None:
    """Before the next run: forget the whole session (the filters come back from the URL), and end an OIDC
    sign-in at the provider's side too."""
    oidc = not isinstance(st.session_state.get(SESSION_KEY), auth.LoggedIn)
    st.session_state.clear()
    if oidc:
        st.logout()
