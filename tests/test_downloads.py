"""Downloads follow the role (issue 15, defect 4): a role without `export` (the anonymous visitor, a viewer) gets no
download of any kind, and every download a role does get is neutralised against formula injection.

Streamlit's table toolbar offers every st.dataframe / st.data_editor as a raw CSV ("Download as CSV": a cell
`=cmd|' /C calc'!A0` comes out live) and copies cells to the clipboard, to whoever sees the table. The option that
hides both (`client.disableDataExport`) is global, not per element or per session: it must be on for every session
(then no raw table export reaches any role), and the roles that may export use the app's own neutralised buttons.
Plotly's modebar has "Download plot as a PNG": a download too, so only for roles with `export`.

Checked from the visitor's side, on a database holding an imported inspection whose findings are formula payloads:
every page × every subject (enumerated, not sampled) through AppTest, every element proto inspected, every table
download run and read back; the served configurations; and a real Chromium session hovering a table and a chart.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect, sync_playwright
from streamlit import config
from streamlit.proto.NewSession_pb2 import Config
from streamlit.runtime.app_session import _populate_config_msg
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from par_dashboard.security import auth
from par_dashboard.security.untrusted import formula_like
from par_dashboard.shell import login
from tests.browser import ARTIFACTS, CHROMIUM_FLAGS, ROOT, chromium_path, sign_in, streamlit_server
from tests.hardening import environment
from tests.hardening.payloads import FORMULA_PAYLOADS, PROVINCE, build_hostile_database
from tests.users import PASSWORD
from tests.users import sign_in as app_sign_in

PAGES = sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))  # a new page is enumerated too
SUBJECTS = ("anonymous", *auth.ROLES)  # the anonymous visitor (a viewer), then one account per role
SPREADSHEET = {"text/csv": "csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx"}
# Files that are no spreadsheet (a slide deck, a PDF, a web page, chart images, an inspection's summary as Markdown):
# nothing in them is ever evaluated as a formula. Any other kind of download is a finding.
OTHER_KINDS = {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/pdf",
               "text/html", "image/png", "text/markdown"}
# The whole database as the import template (data page, roles with `import` and `export`): ~1 min of CPU each, so
# not rebuilt here; the same function on the same hostile rows is checked cell by cell in
# tests/test_hardening_input.py (payloads: "data export (all data in the template)").
CHECKED_ELSEWHERE = {"data_export_real_dl", "data_export_dl"}
SHOWN = "+cmd|' /C calc'!A0"  # a finding of the hostile inspection: in the inspections page's findings table


def _user(subject: str) -> auth.User:
    if subject == "anonymous":
        return auth.ANONYMOUS
    return auth.User(subject, subject)


@pytest.fixture(scope="module")
def hostile_db(built_db, tmp_path_factory):
    """The session database with a Lạng Sơn 2024 inspection imported through the service whose every finding is a
    formula payload (tests/hardening/payloads.py)."""
    path = tmp_path_factory.mktemp("downloads") / "par.duckdb"
    build_hostile_database(built_db, path, rename_units=False)
    return path


@pytest.fixture
def files(monkeypatch):
    """What each download button would hand the browser: Streamlit's own media manager runs unchanged and is only
    watched (file id or URL -> the callable or the bytes, its type and name)."""
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

    monkeypatch.setattr(MediaFileManager, "add", watch_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", watch_deferred)
    return seen


@pytest.fixture
def operator_turned_export_on():
    """Streamlit's raw table export as an operator might leave it (a flag, an environment variable, a config file
    not read): on, before every run. The app must not depend on its config file for this."""
    before = config.get_option("client.disableDataExport")
    config.set_option("client.disableDataExport", False)
    yield
    config.set_option("client.disableDataExport", before)


def _raw_export_hidden() -> bool:
    """What the browser is told with the session's next run (NewSession.config): the table toolbar's "Download as
    CSV" and cell copy hidden. There is no per-element switch in Streamlit 1.67: it holds for every table drawn."""
    msg = Config()
    _populate_config_msg(msg)
    return msg.disable_data_export


def _csv_problems(data: bytes) -> tuple[list[str], set[str]]:
    cells = [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]
    return [f"live cell {c!r}" for c in cells if formula_like(c)], {c.removeprefix("'") for c in cells}


def _xlsx_problems(data: bytes) -> tuple[list[str], set[str]]:
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


def _page_findings(at, page: str, user: auth.User, files: dict, texts: set[str]) -> list[str]:
    """What `user` may not have on this page's run: a download without `export`, a raw table export, a chart image
    without `export`, a spreadsheet with a live cell, a download of an unknown kind."""
    exports = auth.can(user, "export")
    found = []
    if at.dataframe and not _raw_export_hidden():
        found.append(f"{len(at.dataframe)} tables with Streamlit's raw CSV download and copy")
    for chart in at.get("plotly_chart"):
        options = json.loads(chart.proto.config or "{}")
        image = options.get("displayModeBar") is not False and "toImage" not in options.get("modeBarButtonsToRemove", [])
        if image and not exports:
            found.append(f"chart {chart.proto.id[-12:]}: the modebar's 'Download plot as a PNG' ({options})")
    buttons = at.get("download_button")
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
        problems, seen = (_csv_problems if kind == "csv" else _xlsx_problems)(data)
        found += [f"download {b.label!r} ({name}): {p}" for p in problems[:3]]
        texts |= seen
    return [f"{page}: {f}" for f in found]


@pytest.mark.parametrize("subject", SUBJECTS)
def test_no_subject_gets_a_download_its_role_may_not_have_on_any_page(subject, hostile_db, files, operator_turned_export_on):
    user = _user(subject)
    anonymous = "1" if user.anonymous else None
    with environment(PAR_DB=str(hostile_db), PAR_ANONYMOUS=anonymous):
        at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180)
        if not user.anonymous:
            app_sign_in(at, subject)
        at.query_params.update({"year": "2024", "province": PROVINCE})
        at.run()  # signed in (or a guest), on the first page
        findings, texts, titles, opened = [], set(), set(), 0
        for page in PAGES:
            if not login.page_allowed(user, page):
                continue
            config.set_option("client.disableDataExport", False)
            at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            opened += 1
            findings += _page_findings(at, page, user, files, texts)
            titles.add(at.title[0].value if at.title else "")
    assert opened == sum(login.page_allowed(user, p) for p in PAGES) >= 6
    assert len(titles - {""}) == opened, titles  # each run drew the page asked for (a rerun can land on the first)
    assert not findings, "\n".join(findings)
    if auth.can(user, "export"):  # the check read the hostile rows: the findings table's download holds them
        assert SHOWN in texts and FORMULA_PAYLOADS[1] in texts


# ------------------------------------------------------------------------------------------------ served configs

SERVE_PROBE = """
import json, sys
from streamlit import config
from streamlit.web import bootstrap
def report(*args, **kwargs):  # instead of starting the server: the options it would start with
    print("SERVED " + json.dumps({k: config.get_option(k) for k in ("server.enableAgentApi", "client.disableDataExport")}))
bootstrap.run = report
from par_dashboard.cli.main import main
main(sys.argv[1:])
"""


def _served_options(cwd: Path, *serve_args: str) -> dict:
    """The options `python -m par_dashboard serve ARGS` starts the server with, through Streamlit's own command line
    and config files (only the start itself is left out), from `cwd`, without STREAMLIT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")} | {"PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", SERVE_PROBE, "serve", *serve_args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("SERVED ")), None)
    assert line, out.stdout + out.stderr
    return json.loads(line.removeprefix("SERVED "))


def test_every_served_config_keeps_the_agent_api_and_raw_table_exports_off(tmp_path):
    text = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    toml = tomllib.loads(text)
    assert toml["server"]["enableAgentApi"] is False
    assert toml["client"]["disableDataExport"] is True
    # the file says why: the agent API serves pages and their table data without a browser session
    assert re.search(r"tests?.{0,40}benchmark|benchmark.{0,40}tests?", text, re.IGNORECASE | re.DOTALL)
    wanted = {"server.enableAgentApi": False, "client.disableDataExport": True}
    assert _served_options(ROOT) == wanted  # scripts/run.sh starts it from the checkout
    # from anywhere (the config beside dashboard.py is read), and an operator's flag cannot bring Streamlit's raw
    # table download back
    assert _served_options(tmp_path, "--anonymous", "--client.disableDataExport", "false") == wanted
    # scripts/run.sh: `serve` with the anonymous switch and the operator's own arguments, nothing that turns either on
    run = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert run.rstrip().splitlines()[-1] == 'exec .venv/bin/python -m par_dashboard serve "${ANONYMOUS[@]}" "$@"'
    assert not re.search(r"enableAgentApi|disableDataExport|STREAMLIT_", run)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "enableAgentApi" in readme and "disableDataExport" in readme


# ------------------------------------------------------------------------------------------------ in Chromium

def _offered_in_chromium(page, who: str) -> list[str]:
    """Hover the page's first table and first chart: what their toolbar and modebar offer to download."""
    table = page.locator("[data-testid='stDataFrame']").first
    expect(table).to_be_visible(timeout=90_000)
    page.wait_for_timeout(1500)
    table.hover()
    toolbar = page.locator("[data-testid='stElementToolbar']").first
    expect(toolbar.get_by_role("button").first).to_be_visible(timeout=10_000)
    labels = [b.get_attribute("aria-label") or "" for b in toolbar.get_by_role("button").all()]
    page.screenshot(path=str(ARTIFACTS / f"downloads_table_toolbar_{who}.png"))
    chart = page.locator(".js-plotly-plot").first
    chart.hover()
    modebar = chart.locator(".modebar")
    expect(modebar).to_be_attached(timeout=10_000)
    titles = [b.get_attribute("data-title") or "" for b in modebar.locator(".modebar-btn").all()]
    assert "Search" in labels and "Zoom in" in titles, (who, labels, titles)  # the toolbar and the modebar are there
    offered = [x for x in labels + titles if "download" in x.lower() or "tải" in x.lower()]
    offered += [f"the app's button {x}" for x in page.locator("[data-testid='stDownloadButton']").all_inner_texts()]
    return [f"{who}: {x}" for x in offered]


def test_a_table_and_a_chart_offer_no_download_to_a_guest_or_a_viewer_in_chromium(built_db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(built_db, anonymous=True) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/?year=2024")
            offered = _offered_in_chromium(page, "anonymous")
            page.get_by_text("Đăng nhập để làm thêm").click()  # the guest signs in from the sidebar
            sign_in(page, "viewer", PASSWORD)
            offered += _offered_in_chromium(page, "viewer")
        finally:
            browser.close()
    assert not offered, "\n".join(offered)
