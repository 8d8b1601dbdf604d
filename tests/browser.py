"""Helpers for browser tests: a real Streamlit server on a free local port, and Debian's Chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


def shared_dir() -> Path:
    """The project's shared folder (domain brief, reference panels), read in place, never copied into the repo:
    $PAR_SHARED_DIR, else `../shared` beside the checkout, else /work/shared (CI clones elsewhere)."""
    candidates = [os.environ.get("PAR_SHARED_DIR"), ROOT.parent / "shared", "/work/shared"]
    for c in candidates:
        if c and (Path(c) / "reference").is_dir():
            return Path(c)
    raise FileNotFoundError(f"the shared folder with reference/ was not found in {candidates}; set PAR_SHARED_DIR")


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Debian's chromium is not installed: run `apt-get install -y chromium` (.ci/run does)")
    return path


class _Borrowed:
    """The shared browser as one test sees it: `close()` closes what the test opened in it (its contexts and their
    pages), not the browser."""

    def __init__(self, browser):
        self._browser = browser
        self._before = set(browser.contexts)

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def close(self) -> None:
        for context in self._browser.contexts:
            if context not in self._before:
                context.close()


_playwright = None
_browser = None


@contextlib.contextmanager
def chromium():
    """Debian's Chromium driven by Playwright, one per test process: started on first use and kept for the later
    tests (a launch costs 2-3 s of CPU and some 15 s on a loaded machine; Playwright's sync API cannot start a second
    one beside it anyway). What the block opened in it is closed when it ends; conftest.py stops it at the end."""
    global _playwright, _browser
    from playwright.sync_api import expect, sync_playwright

    if _browser is None or not _browser.is_connected():  # first use, or a test left it crashed
        if _playwright is None:
            _playwright = sync_playwright().start()
            # an expectation waits up to 30 s, not 5: on a loaded machine a signed-in page drew its sidebar's filters
            # after 5 s and the login test failed (it still fails when they never come)
            expect.set_options(timeout=30_000)
        _browser = _playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
    borrowed = _Borrowed(_browser)
    try:
        yield borrowed
    finally:
        borrowed.close()


def stop_chromium() -> None:
    global _playwright, _browser
    if _browser is not None:
        with contextlib.suppress(Exception):
            _browser.close()
    if _playwright is not None:
        with contextlib.suppress(Exception):
            _playwright.stop()
    _playwright = _browser = None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_path: Path, timeout: float = 60.0, *, address: str | None = "127.0.0.1", anonymous: bool = False):
    """A dashboard process on a copy of `db_path`: the dashboard holds its database file for writing, and the
    test process may have the original open. `address=None` leaves the address to .streamlit/config.toml (the
    settings test checks what the server listens on); the server is reached at 127.0.0.1 either way. Users come
    from $PAR_USERS_FILE (tests/conftest.py makes one); `anonymous` turns on read-only viewing without a login."""
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="par-server-"))
    served = workdir / "par.duckdb"
    shutil.copyfile(db_path, served)
    env = {**os.environ, "PAR_DB": str(served)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "par_dashboard", "serve", *(["--anonymous"] if anonymous else []),
         "--server.port", str(port), "--server.headless", "true",
         *(["--server.address", address] if address else [])],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"streamlit did not start:\n{out}") from None
                time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def sign_in(page, name: str, password: str, timeout: int = 60_000) -> None:
    """Through the real login form (Vietnamese labels), then wait for the signed-in sidebar."""
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.get_by_role("button", name="Đăng xuất").wait_for(timeout=timeout)
