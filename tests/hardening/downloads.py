"""No role gets a download it lacks the permission for (tests/test_downloads.py asserts it, subject by subject).

Streamlit's table toolbar offers every st.dataframe / st.data_editor as a raw CSV ("Download as CSV": a cell
`=cmd|' /C calc'!A0` comes out live) and copies cells to the clipboard, to whoever sees the table; the option that
hides both (`client.disableDataExport`) is global and must be on for every session. Plotly's modebar has "Download
plot as a PNG": only for roles with `export`. Every page × every subject (enumerated, not sampled) through AppTest
on a database holding an imported inspection whose findings are formula payloads, with Streamlit's raw export
turned on as an operator might leave it: every element inspected, every table download run and read back.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from par_dashboard.paths import ROOT
from par_dashboard.security import auth
from par_dashboard.security.untrusted import formula_like
from par_dashboard.shell import login
from tests.hardening import environment
from tests.hardening.invariants import Survey, named
from tests.hardening.payloads import FORMULA_PAYLOADS, PROVINCE, build_hostile_database

PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))  # a new page is enumerated too
SUBJECTS = ("anonymous", *auth.ROLES)  # the anonymous visitor (a viewer), then one account per role
SPREADSHEET = {"text/csv": "csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
# Files that are no spreadsheet (a slide deck, a PDF, a web page, chart images, an inspection's summary as Markdown):
# nothing in them is ever evaluated as a formula. Any other kind of download is a finding.
OTHER_KINDS = {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/pdf",
               "text/html", "image/png", "text/markdown"}
# The whole database as the import template (data page, roles with `import` and `export`): ~1 min of CPU each, so
# not rebuilt here; the same function on the same hostile rows is checked cell by cell by the payloads part
# (tests/hardening/payloads.py, "data export (all data in the template)").
CHECKED_ELSEWHERE = {"data_export_real_dl", "data_export_dl"}
SHOWN = "+cmd|' /C calc'!A0"  # a finding of the hostile inspection: in the inspections page's findings table


def user_of(subject: str) -> auth.User:
    if subject == "anonymous":
        return auth.ANONYMOUS
    return auth.User(subject, subject)


@contextlib.contextmanager
def watched_files() -> Iterator[dict]:
    """What each download button would hand the browser: Streamlit's own media manager runs unchanged and is only
    watched (file id or URL -> the callable or the bytes, its type and name)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    seen: dict[str, tuple] = {}
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def watch_add(self, data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        url = add(self, data, mimetype, coordinates, file_name=file_name, is_for_static_download=is_for_static_download)
        seen[url] = (lambda: data, mimetype, file_name)
        return url

    def watch_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        file_id = add_deferred(self, data_callable, mimetype, coordinates, file_name=file_name, element_id=element_id)
        seen[file_id] = (data_callable, mimetype, file_name)
        return file_id

    MediaFileManager.add, MediaFileManager.add_deferred = watch_add, watch_deferred
    try:
        yield seen
    finally:
        MediaFileManager.add, MediaFileManager.add_deferred = add, add_deferred


@contextlib.contextmanager
def raw_export_turned_on() -> Iterator[None]:
    """Streamlit's raw table export as an operator might leave it (a flag, an environment variable, a config file
    not read): on. The app must not depend on its config file for this (`subject_findings` turns it on again before
    every page)."""
    from streamlit import config

    before = config.get_option("client.disableDataExport")
    config.set_option("client.disableDataExport", False)
    try:
        yield
    finally:
        config.set_option("client.disableDataExport", before)


def raw_export_hidden() -> bool:
    """What the browser is told with the session's next run (NewSession.config): the table toolbar's "Download as
    CSV" and cell copy hidden. There is no per-element switch in Streamlit 1.67: it holds for every table drawn."""
    from streamlit.proto.NewSession_pb2 import Config
    from streamlit.runtime.app_session import _populate_config_msg

    msg = Config()
    _populate_config_msg(msg)
    return msg.disable_data_export


def csv_problems(data: bytes) -> tuple[list[str], set[str]]:
    text = data.decode("utf-8-sig")
    # the Vietnamese download separates fields with ";" (exports.CSV_DIALECT), the English one with ","
    sep = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;").delimiter if text.strip() else ","
    cells = [c for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep) for c in row]
    return [f"live cell {c!r}" for c in cells if formula_like(c)], {c.removeprefix("'") for c in cells}


def xlsx_problems(data: bytes) -> tuple[list[str], set[str]]:
    problems, texts = [], set()
    for ws in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    problems.append(f"{ws.title}!{cell.coordinate} is a formula: {cell.value!r}")
                elif isinstance(cell.value, str):
                    texts.add(cell.value.removeprefix("'"))
                    if formula_like(cell.value) and not cell.quotePrefix:
                        problems.append(f"{ws.title}!{cell.coordinate} {cell.value!r} is text Excel would evaluate")
    return problems, texts


@dataclass
class Seen:
    """What a subject's pages offered: the findings, and what was looked at."""

    findings: list[str] = field(default_factory=list)
    texts: set[str] = field(default_factory=set)  # every cell of every spreadsheet read back
    titles: set[str] = field(default_factory=set)
    opened: int = 0  # pages run
    elements: int = 0  # tables, charts and download buttons inspected
    read_back: int = 0  # spreadsheets downloaded and read cell by cell


def page_findings(at, page: str, user: auth.User, files: dict, seen: Seen) -> list[str]:
    """What `user` may not have on this page's run: a download without `export`, a raw table export, a chart image
    without `export`, a spreadsheet with a live cell, a download of an unknown kind."""
    exports = auth.can(user, "export")
    found = []
    if at.dataframe and not raw_export_hidden():
        found.append(f"{len(at.dataframe)} tables with Streamlit's raw CSV download and copy")
    charts, buttons = at.get("plotly_chart"), at.get("download_button")
    seen.elements += len(at.dataframe) + len(charts) + len(buttons)
    for chart in charts:
        options = json.loads(chart.proto.config or "{}")
        image = options.get("displayModeBar") is not False and "toImage" not in options.get("modeBarButtonsToRemove", [])
        if image and not exports:
            found.append(f"chart {chart.proto.id[-12:]}: the modebar's 'Download plot as a PNG' ({options})")
    if buttons and not exports:
        found.append(f"{len(buttons)} download buttons: {[b.proto.label for b in buttons]}")
    for b in (b.proto for b in buttons if b.key not in CHECKED_ELSEWHERE):
        key = b.deferred_file_id or b.url
        if key not in files:
            found.append(f"download {b.label!r}: no file registered")
            continue
        make, mimetype, name = files[key]
        kind = SPREADSHEET.get(mimetype)
        if kind is None:
            if mimetype not in OTHER_KINDS:
                found.append(f"download {b.label!r}: a {mimetype} file ({name})")
            continue
        data = make()
        data = data.encode("utf-8") if isinstance(data, str) else data
        problems, texts = (csv_problems if kind == "csv" else xlsx_problems)(data)
        seen.read_back += 1
        found += [f"download {b.label!r} ({name}): {p}" for p in problems[:3]]
        seen.texts |= texts
    return [f"{page}: {f}" for f in found]


def subject_findings(hostile_db: Path, subject: str, files: dict) -> Seen:
    """Every page `subject` may open, in one session on `hostile_db`, each run inspected (`page_findings`), with
    Streamlit's raw export turned on before each. Inside `watched_files()` (its `files`) and
    `raw_export_turned_on()`; a page that raises stops the walk with a finding."""
    from streamlit import config
    from streamlit.testing.v1 import AppTest

    from tests.users import sign_in

    user, seen = user_of(subject), Seen()
    with environment(PAR_DB=str(hostile_db), PAR_ANONYMOUS="1" if user.anonymous else None):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
        if not user.anonymous:
            sign_in(at, subject)
        at.query_params.update({"year": "2024", "province": PROVINCE})
        at.run()  # signed in (or a guest), on the first page
        for page in PAGES:
            if not login.page_allowed(user, page):
                continue
            config.set_option("client.disableDataExport", False)
            at.switch_page(page).run()
            if at.exception:
                seen.findings.append(f"{page}: raised {at.exception}")
                return seen
            seen.opened += 1
            seen.findings += page_findings(at, page, user, files, seen)
            seen.titles.add(at.title[0].value if at.title else "")
    return seen


def subject_violations(subject: str, seen: Seen) -> list[str]:
    """What `subject_findings` saw: every page the subject may open was opened and drew the page asked for; nothing
    it may not have; and for a role with `export`, the findings table's download held the hostile rows (the check
    read them)."""
    user = user_of(subject)
    wrong = list(seen.findings)
    allowed = sum(login.page_allowed(user, p) for p in PAGES)
    if not seen.opened == allowed >= 6:
        wrong.append(f"{seen.opened} pages opened of the {allowed} allowed")
    if len(seen.titles - {""}) != seen.opened:  # each run drew the page asked for (a rerun can land on the first)
        wrong.append(f"the pages drawn had the titles {sorted(seen.titles)}")
    if auth.can(user, "export") and not (SHOWN in seen.texts and FORMULA_PAYLOADS[1] in seen.texts):
        wrong.append("the findings table's download did not hold the hostile rows")
    return wrong


def run_downloads(db_path: Path, subjects=SUBJECTS) -> dict:
    """Every subject × every page it may open, on a hostile copy of `db_path`: the figures."""
    totals = {"pages": 0, "elements": 0, "read_back": 0}
    with tempfile.TemporaryDirectory(prefix="par-downloads-") as tmp, environment(PAR_BACKUP_DIR=str(Path(tmp) / "backups")):
        hostile = Path(tmp) / "par.duckdb"
        build_hostile_database(db_path, hostile, rename_units=False)
        users = Path(tmp) / "users.json"
        from tests.users import make_users_file

        make_users_file(users)

        with environment(PAR_USERS_FILE=str(users)), watched_files() as files, raw_export_turned_on():
            def check(subject: str) -> list[str]:
                seen = subject_findings(hostile, subject, files)
                totals["pages"] += seen.opened
                totals["elements"] += seen.elements
                totals["read_back"] += seen.read_back
                return subject_violations(subject, seen)

            result: Survey = named(check, {s: {"subject": s} for s in subjects})
    return result.figures() | totals | {"subjects": len(subjects)}
