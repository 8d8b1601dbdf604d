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
The page × subject check's body is in tests/hardening/downloads.py: the figures command runs the same.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, ROOT, chromium, sign_in
from tests.hardening import downloads
from tests.hardening.downloads import SUBJECTS
from tests.hardening.payloads import build_hostile_database
from tests.users import PASSWORD


@pytest.fixture(scope="module")
def hostile_db(built_db, tmp_path_factory):
    """The session database with a Lạng Sơn 2024 inspection imported through the service whose every finding is a
    formula payload (tests/hardening/payloads.py)."""
    path = tmp_path_factory.mktemp("downloads") / "par.duckdb"
    build_hostile_database(built_db, path, rename_units=False)
    return path


@pytest.fixture
def files():
    """What each download button would hand the browser (Streamlit's own media manager, watched)."""
    with downloads.watched_files() as seen:
        yield seen


@pytest.fixture
def operator_turned_export_on():
    """Streamlit's raw table export as an operator might leave it: on, before every run."""
    with downloads.raw_export_turned_on():
        yield


@pytest.mark.parametrize("subject", SUBJECTS)
def test_no_subject_gets_a_download_its_role_may_not_have_on_any_page(subject, hostile_db, files, operator_turned_export_on):
    """tests/hardening/downloads.py: every page the subject may open, every element inspected, every spreadsheet
    read back (the figures command runs the same for every subject)."""
    wrong = downloads.subject_violations(subject, downloads.subject_findings(hostile_db, subject, files))
    assert not wrong, "\n".join(wrong)


# ------------------------------------------------------------------------------------------------ served configs

SERVE_PROBE = """
import json, os, sys
from streamlit import config
from streamlit.web import bootstrap
def report(*args, **kwargs):  # instead of starting the server: the options it would start with
    print("SERVED " + json.dumps({k: config.get_option(k) for k in os.environ["PROBE_KEYS"].split(",")}))
bootstrap.run = report
from par_dashboard.cli.main import main
main(sys.argv[1:])
"""


def _served_options(cwd: Path, *serve_args: str, keys: tuple[str, ...] = ("server.enableAgentApi", "client.disableDataExport")) -> dict:
    """The options `keys` that `python -m par_dashboard serve ARGS` starts the server with, through Streamlit's own
    command line and config files (only the start itself is left out), from `cwd`, without STREAMLIT_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")} | {"PYTHONPATH": str(ROOT),
                                                                                    "PROBE_KEYS": ",".join(keys)}
    out = subprocess.run([sys.executable, "-c", SERVE_PROBE, "serve", *serve_args], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    line = next((x for x in out.stdout.splitlines() if x.startswith("SERVED ")), None)
    assert line, out.stdout + out.stderr
    return json.loads(line.removeprefix("SERVED "))


def test_the_served_app_does_not_collect_all_garbage_after_every_run(tmp_path):
    """Streamlit's default full collection after each script run held the GIL for most of a warm rerun's server time
    (py-spy: 84 % of the script threads' samples on the rankings page) and grows with the result cache: every way the
    app is served turns it off (the effect is measured by the benchmark, scripts/bench.sh, not timed here)."""
    keys = ("runner.postScriptGC",)
    assert _served_options(ROOT, keys=keys) == {"runner.postScriptGC": False}
    assert _served_options(tmp_path, "--anonymous", keys=keys) == {"runner.postScriptGC": False}


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


def test_a_table_and_a_chart_offer_no_download_to_a_guest_or_a_viewer_in_chromium(anonymous_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = anonymous_server
    with chromium() as browser:
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
