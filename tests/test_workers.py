"""Several dashboard processes (`serve --workers N`, par_dashboard/cli/serving.py) over snapshots of one database
(par_dashboard/store/snapshots.py): a write by one process reaches the others; through HAProxy a real Chromium session
keeps to its worker (websocket, uploads, /media), an import on one worker shows on the other, and SIGTERM leaves
no process and no port behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest
from playwright.sync_api import expect

from par_dashboard.cli.serving import haproxy_path
from par_dashboard.importing import service
from par_dashboard.store.db import Database
from par_dashboard.store.snapshots import Snapshots
from tests.browser import ROOT, chromium, free_port, sign_in
from tests.test_browser_import import _filled_template, _ontime_metric
from tests.users import PASSWORD

# A reader in another process: prints the data version it sees every time it changes, until told to stop.
READER = """
import sys, time
from pathlib import Path
from par_dashboard.store.db import Database
from par_dashboard.store.snapshots import Snapshots
db = Database(Path(sys.argv[1]), snapshots=Snapshots(Path(sys.argv[1]), Path(sys.argv[2])))
seen = None
while True:
    v = db.data_version()
    if v != seen:
        with db.cursor() as cur:
            value = cur.execute("SELECT value FROM indicator_value WHERE unit_id = 'S63-D-182' AND year = 2024 "
                                "AND indicator_code = 'OPS_ONTIME_PCT' AND period = 'Y'").fetchone()[0]
        print(v, value, time.time(), flush=True)
        seen = v
    if Path(sys.argv[3]).exists():
        break
    time.sleep(0.02)
"""


def _shared(built_db: Path, tmp_path: Path) -> tuple[Path, Snapshots]:
    primary = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, primary)
    shared = Snapshots(primary, tmp_path / "snapshots")
    with shared.writer():
        shared.publish()
    return primary, shared


def test_an_import_in_one_process_reaches_a_reader_in_another(built_db, tmp_path, monkeypatch):
    monkeypatch.setenv("PAR_BACKUP_DIR", str(tmp_path / "backups"))
    primary, shared = _shared(built_db, tmp_path)
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(primary), str(shared.folder), str(stop)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = reader.stdout.readline().split()
        writer = Database(primary, snapshots=shared)
        before = writer.data_version()
        assert int(first[0]) == before
        # the real import service, through the snapshot database: backup, one transaction, publish
        report = service.load(writer, _filled_template(97.77), "van-lang.xlsx", user="cli")
        assert report.status == "loaded", report.errors
        committed = time.time()
        assert writer.data_version() == before + 1
        seen = reader.stdout.readline().split()  # blocks until the reader prints the new version (or dies)
        assert seen, reader.stderr.read()[-2000:]
        assert int(seen[0]) == writer.data_version() and float(first[1]) == 99.6 and float(seen[1]) == 97.77
        assert float(seen[2]) - committed < 5  # it polled a stat: well within a second on an idle machine
        # nobody holds the primary between writes: another process may open it (the snapshot mode's whole point)
        duckdb.connect(str(primary), read_only=True).close()
        writer.close()
    finally:
        stop.touch()
        reader.wait(30)


def test_writes_from_two_processes_take_turns(built_db, tmp_path):
    """Two processes writing at once: both commit (one waits for the other's lock), each publishes, nothing lost."""
    primary, shared = _shared(built_db, tmp_path)
    code = ("import sys; from pathlib import Path; from par_dashboard.store.db import Database; "
            "from par_dashboard.store.snapshots import Snapshots; p = Path(sys.argv[1]); "
            "db = Database(p, snapshots=Snapshots(p, Path(sys.argv[2])))\n"
            "for i in range(5):\n"
            "    with db.transaction('test ' + sys.argv[3]) as cur: cur.execute('SELECT 1')\n"
            "print(db.data_version())")
    before = Database(primary, snapshots=shared).data_version()
    procs = [subprocess.Popen([sys.executable, "-c", code, str(primary), str(shared.folder), str(k)], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(2)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e[-1500:] for _, e in outs]
    assert shared.current()["version"] == before + 10
    assert max(int(o.strip()) for o, _ in outs) == before + 10
    assert len(list(shared.folder.glob("*.duckdb"))) <= 3  # old snapshots deleted


def test_a_command_line_import_while_workers_serve_is_published_to_them(built_db, tmp_path):
    """`python -m par_dashboard import` while `serve --workers` runs (its marker beside the database): written under
    the workers' lock and published as a snapshot, not into a file they would never reopen."""
    from par_dashboard.store import snapshots

    primary, shared = _shared(built_db, tmp_path)
    snapshots.marker(primary).write_text(json.dumps({"snapshots": str(shared.folder), "pid": os.getpid()}))
    reader = Database(primary, snapshots=shared)
    before = reader.data_version()
    upload = tmp_path / "van-lang.xlsx"
    upload.write_bytes(_filled_template(97.77))
    done = subprocess.run([sys.executable, "-m", "par_dashboard", "import", str(upload), "--db", str(primary)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PAR_BACKUP_DIR": str(tmp_path / "backups")})
    assert done.returncode == 0, done.stderr[-2000:]
    assert reader.data_version() == before + 1 == shared.current()["version"]
    with reader.cursor() as cur:
        assert cur.execute("SELECT value FROM indicator_value WHERE unit_id = 'S63-D-182' AND year = 2024 "
                           "AND indicator_code = 'OPS_ONTIME_PCT' AND period = 'Y'").fetchone()[0] == 97.77


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.add(c)
            todo.append(c)
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not (shutil.which("haproxy") or os.access("/usr/sbin/haproxy", os.X_OK)),
                    reason="HAProxy not installed: scripts/setup_dev.sh installs it")
@pytest.mark.slow(60)  # seconds: started first (tests/conftest.py)
def test_two_workers_behind_haproxy_in_chromium(built_db, tmp_path):
    haproxy_path()
    primary = tmp_path / "par.duckdb"
    shutil.copyfile(built_db, primary)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "PAR_DB": str(primary), "PAR_BACKUP_DIR": str(tmp_path / "backups")}
    serve = subprocess.Popen([sys.executable, "-m", "par_dashboard", "serve", "--workers", "2", "--server.port", str(port)],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        workers_up = 0
        while workers_up < 2:  # both workers answer through the proxy (HAProxy's cookie says which one did)
            assert serve.poll() is None and time.monotonic() < deadline, serve.stdout.read().decode()[-3000:]
            try:
                seen = set()
                for _ in range(6):
                    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                        seen.add(r.headers.get("set-cookie", "").split(";")[0])
                workers_up = len(seen - {""})
            except OSError:
                time.sleep(0.3)
        children = _descendants(serve.pid)
        # the agent API stays off in a served configuration (only the benchmark turns it on)
        agent = urllib.request.Request(f"{base}/_stcore/agent/interact", data=b"{}", method="POST",
                                       headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(agent, timeout=10)
        assert refused.value.code in (400, 403, 404, 405)
        assert any("haproxy" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace") for c in children)

        with chromium() as browser:
            try:
                officer = browser.new_context(viewport={"width": 1600, "height": 2400}, accept_downloads=True)
                page = officer.new_page()
                profile = f"{base}/dia-phuong?year=2024&province=S63-P-20&unit=S63-D-182"
                page.goto(profile)
                sign_in(page, "data_officer", PASSWORD)
                expect(page.locator("[data-testid='stMetric']").first).to_be_visible(timeout=60_000)
                before = _ontime_metric(page)
                worker = next(c["value"] for c in officer.cookies() if c["name"] == "par_worker")

                # A viewer pinned to the other worker: the rankings page through the proxy, its websocket, a chart.
                other = browser.new_context(viewport={"width": 1600, "height": 1200})
                other.add_cookies([{"name": "par_worker", "value": "w2" if worker == "w1" else "w1", "url": base}])
                viewer = other.new_page()
                viewer.goto(f"{base}/?year=2023")
                sign_in(viewer, "viewer", PASSWORD)
                viewer.wait_for_selector("[data-testid='stMain'] .js-plotly-plot .bars .point", timeout=90_000)
                assert {c["value"] for c in other.cookies() if c["name"] == "par_worker"} == {"w2" if worker == "w1" else "w1"}

                # the officer's session: a /media download and an upload, both reaching the officer's worker
                page.goto(f"{base}/du-lieu")
                sign_in(page, "data_officer", PASSWORD)
                with page.expect_download() as download:
                    page.get_by_role("button", name="Tải mẫu Excel (có dòng ví dụ)").click()
                assert download.value.suggested_filename == "mau-nhap-lieu-cchc_vi.xlsx"
                page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(files=[{
                    "name": "van-lang.xlsx", "buffer": _filled_template(97.77),
                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
                page.get_by_role("button", name="Nạp toàn bộ tệp").click(timeout=90_000)
                expect(page.get_by_text("Đã nhập (lô")).to_be_visible(timeout=90_000)
                imported = time.monotonic()

                # the other worker shows the new figure on its next run: poll it, within a bound
                metric = viewer.locator("[data-testid='stMetric']").filter(has_text="Tỷ lệ hồ sơ TTHC giải quyết đúng")
                while True:
                    viewer.goto(profile)  # a new session, on the same worker (its cookie)
                    sign_in(viewer, "viewer", PASSWORD)
                    expect(metric).to_be_visible(timeout=60_000)
                    if _ontime_metric(viewer) == "97,77":
                        break
                    assert time.monotonic() - imported < 30, f"still {_ontime_metric(viewer)} (was {before})"
                assert before != "97,77"
            finally:
                browser.close()
    finally:
        if serve.poll() is None:
            serve.send_signal(signal.SIGTERM)
        try:
            serve.wait(40)
        except subprocess.TimeoutExpired:
            serve.kill()
            raise
    assert serve.returncode == 0, serve.stdout.read().decode()[-3000:]
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert children and not [c for c in children if _alive(c)]  # no orphan: workers, HAProxy
    assert not _port_open(port)


def test_haproxy_config_is_valid_and_sticky(tmp_path):
    from par_dashboard.cli.serving import haproxy_config

    cfg = haproxy_config("127.0.0.1", 8501, [40001, 40002])
    assert "cookie par_worker insert" in cfg and cfg.count("server w") == 2 and "timeout tunnel" in cfg
    if shutil.which("haproxy") or os.access("/usr/sbin/haproxy", os.X_OK):
        (tmp_path / "h.cfg").write_text(cfg)
        assert subprocess.run([haproxy_path(), "-c", "-q", "-f", str(tmp_path / "h.cfg")]).returncode == 0


def test_pointer_is_switched_whole(built_db, tmp_path):
    """A reader never sees a half-written pointer: it is written aside and renamed (json always parses)."""
    _, shared = _shared(built_db, tmp_path)
    first = shared.current()
    assert json.loads(shared.pointer.read_text())["file"] == first["file"]
    assert (shared.folder / first["file"]).exists() and not list(shared.folder.glob("*.partial"))
