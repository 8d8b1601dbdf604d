"""The dashboard server as the suite measures it: the command line tests/browser.py uses (`python -m
par_dashboard serve`, headless, on a free local port), with the agent API on, its memory sampled from /proc.
`app="floor"` starts the floor app (bench/floor_app.py) instead; `workers=N` starts N processes behind HAProxy
(`serve --workers N`, and bench/floor_serve.py for the floor), whose memory is the sum of all of them.

The server holds its database file for writing, so it always gets its own copy (made before the clock starts).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.browser import free_port

ROOT = Path(__file__).resolve().parent.parent


def _status_kb(pid: int, field: str) -> int | None:
    """A field of /proc/<pid>/status in kB (VmRSS: resident now, VmHWM: the peak so far); None once gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return None


def _children(pid: int) -> list[int]:
    """All descendants of pid (kaleido's Chromium, started by the present page, runs as one)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        out += kids
        todo += kids
    return out


class Server:
    """Start with `start()`, wait with `wait_ready()`, stop with `stop()`; `rss` holds (seconds since start,
    server RSS MB, server + descendants RSS MB) sampled every `sample_s` while it runs."""

    def __init__(self, db_copy: Path | None, log_path: Path, sample_s: float = 0.5, *, app: str = "ours", workers: int = 0):
        self.db_copy, self.log_path, self.sample_s = db_copy, log_path, sample_s
        self.app, self.workers = app, workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.rss: list[tuple[float, float, float]] = []
        self.peak_hwm_mb = 0.0
        self._stop = threading.Event()
        self._sampler: threading.Thread | None = None

    def start(self) -> float:
        """Start the process; returns the perf_counter instant it was started (the cold-start clock)."""
        env = {**os.environ, **({"PAR_DB": str(self.db_copy)} if self.db_copy else {})}
        self._log = open(self.log_path, "wb")  # closed in stop()
        options = ["--server.port", str(self.port), "--server.address", "127.0.0.1", "--server.headless", "true",
                   "--server.enableAgentApi", "true", "--server.agentWaitTimeout", "300"]
        workers = ["--workers", str(self.workers)] if self.workers else []
        if self.app == "floor":
            command = ([sys.executable, "-m", "bench.floor_serve", *workers] if workers else
                       [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "floor_app.py")])
        elif self.app == "floor_full":  # the floor with the rankings page's content (bench/floor_full_app.py)
            command = ([sys.executable, "-m", "bench.floor_serve", "--app", "floor_full_app.py", *workers] if workers else
                       [sys.executable, "-m", "streamlit", "run", str(ROOT / "bench" / "floor_full_app.py")])
        else:
            command = [sys.executable, "-m", "par_dashboard", "serve", *workers]
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen([*command, *options], cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)
        self._sampler = threading.Thread(target=self._sample, name="rss-sampler", daemon=True)
        self._sampler.start()
        return self.started_at

    def runtime_dir(self) -> Path | None:
        """`serve --workers`: the folder of its HAProxy configuration and database snapshots (from its log)."""
        import re

        self._log.flush()
        found = re.search(r"runtime files in (\S+?)\)", self.log_path.read_text(errors="replace"))
        return Path(found.group(1)) if found else None

    def wait_ready(self, timeout: float = 120.0, poll_s: float = 0.05) -> float:
        """Poll /_stcore/health; returns the perf_counter instant it first answered."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return time.perf_counter()
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the server did not start; see {self.log_path}") from None
                time.sleep(poll_s)

    def _sample(self) -> None:
        while not self._stop.is_set() and self.proc.poll() is None:
            main = _status_kb(self.proc.pid, "VmRSS")
            if main is None:
                break
            tree = main + sum(_status_kb(c, "VmRSS") or 0 for c in _children(self.proc.pid))
            if self.workers:  # the supervisor is a small parent: the workers and the proxy are what is served
                main = tree
            self.rss.append((round(time.perf_counter() - self.started_at, 2), round(main / 1024, 1), round(tree / 1024, 1)))
            self.peak_hwm_mb = max(self.peak_hwm_mb, (_status_kb(self.proc.pid, "VmHWM") or 0) / 1024)
            self._stop.wait(self.sample_s)

    def rss_now_mb(self) -> float:
        return round((_status_kb(self.proc.pid, "VmRSS") or 0) / 1024, 1)

    def log_errors(self) -> list[str]:
        """Lines of the server's log that report a Python exception (the app's or the server's own)."""
        if not self._log.closed:
            self._log.flush()
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines() if "Traceback" in line or line.startswith(("Error", "Exception"))
                or "Exception in" in line]

    def stop(self) -> None:
        self._stop.set()
        if self.proc is None:
            return
        hwm = _status_kb(self.proc.pid, "VmHWM")
        if hwm:
            self.peak_hwm_mb = max(self.peak_hwm_mb, hwm / 1024)
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._sampler:
            self._sampler.join(5)
        self._log.close()

    def memory(self) -> dict:
        """Peak and the RSS series of this server's life."""
        return {"peak_rss_mb": round(self.peak_hwm_mb, 1),
                "peak_rss_with_children_mb": max((t for _, _, t in self.rss), default=None),
                "samples": len(self.rss)}
