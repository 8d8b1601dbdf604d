"""`python -m par_dashboard serve --workers N`: N Streamlit processes behind HAProxy, started and stopped together.

Why HAProxy (Debian's `haproxy` package): Streamlit keeps each session in the process that created it, so its
websocket, its uploads (/_stcore/upload_file/<session>/...) and its files (/media/...) must reach that process.
HAProxy's open-source build does cookie-based affinity (`cookie ... insert`), proxies websockets as they are, checks
each worker's /_stcore/health before sending it anyone, and sends new sessions to the least busy worker. nginx's
open-source build has only ip_hash for affinity, which puts every user behind one office NAT (or every client of a
benchmark on 127.0.0.1) on the same worker; its cookie `sticky` is in the commercial build. Caddy would do (its
`lb_policy cookie`), but HAProxy is the smaller, more common choice for exactly this job.

What this does:
- checks the database once (a damaged or missing file replaced, par_dashboard/building/recovery.py) and publishes its first
  read-only snapshot (par_dashboard/store/snapshots.py: the workers read snapshots, writes go through a lock across
  processes and publish a new snapshot);
- starts N workers on free local ports (127.0.0.1 only), with one cookie secret between them (a signed cookie made
  by one worker is valid on the others);
- writes HAProxy's configuration into a runtime folder and starts it in the foreground, listening on the address the
  user gave (`--server.address`, `--server.port`: default 127.0.0.1:8501);
- on Ctrl-C or SIGTERM stops all of them and removes the runtime folder; if one of them exits, stops the others
  (a supervisor such as systemd starts the whole again). Each child is also told by the kernel to stop if this
  process dies without cleaning up (PR_SET_PDEATHSIG), so none is left running.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

HAPROXY_CANDIDATES = ("haproxy", "/usr/sbin/haproxy")
DEFAULT_ADDRESS, DEFAULT_PORT = "127.0.0.1", 8501
COOKIE = "par_worker"


class ServeError(RuntimeError):
    pass


def haproxy_path() -> str:
    for name in HAPROXY_CANDIDATES:
        found = shutil.which(name) or (name if os.access(name, os.X_OK) else None)
        if found:
            return found
    raise ServeError("HAProxy is not installed: `apt-get install -y haproxy` (scripts/setup_dev.sh does). "
                     "serve --workers N puts the N processes behind it.")


def pop_option(args: list[str], name: str) -> tuple[str | None, list[str]]:
    """The value of `--name value` or `--name=value` (the last one given) and the arguments without it."""
    value, rest, i = None, [], 0
    while i < len(args):
        a = args[i]
        if a == name and i + 1 < len(args):
            value, i = args[i + 1], i + 2
            continue
        if a.startswith(name + "="):
            value = a.split("=", 1)[1]
        else:
            rest.append(a)
        i += 1
    return value, rest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def haproxy_config(address: str, port: int, workers: Sequence[int], *, server_timeout_s: int = 600) -> str:
    """Cookie affinity (the worker's name in `par_worker`, set by HAProxy on a session's first response: the page
    itself, before its websocket opens), websockets (HTTP/1.1 upgrade, then a tunnel that may stay open for hours),
    health checks on Streamlit's /_stcore/health, new sessions to the worker with the fewest connections."""
    servers = "\n".join(f"    server w{i + 1} 127.0.0.1:{p} cookie w{i + 1} check inter 1s fastinter 250ms rise 1 fall 3"
                        for i, p in enumerate(workers))
    bind = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    return f"""# written by `python -m par_dashboard serve --workers {len(workers)}` (par_dashboard/cli/serving.py)
global
    maxconn 4096

defaults
    mode http
    timeout connect 5s
    timeout client 120s
    timeout server {server_timeout_s}s
    timeout tunnel 12h
    timeout http-keep-alive 60s
    timeout queue 120s
    option redispatch
    retries 2

frontend dashboard
    bind {bind}
    default_backend workers

backend workers
    balance leastconn
    cookie {COOKIE} insert indirect nocache httponly attr "SameSite=Lax"
    option httpchk GET /_stcore/health
    http-check expect status 200
{servers}
"""


def _die_with_parent() -> None:
    """In the child, before exec: the kernel sends SIGTERM when the parent dies (even by SIGKILL)."""
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG = 1


def wait_healthy(base: str, timeout: float, stopped: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not stopped():
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def supervise(worker_command: Callable[[int], list[str]], workers: int, *, address: str, port: int,
              env: dict[str, str], runtime: Path, cwd: Path, log: Callable[[str], None] = print,
              ready: Callable[[], None] | None = None) -> int:
    """Start `workers` processes (`worker_command(port)`) and HAProxy in front of them; return when stopped
    (SIGTERM, SIGINT) or when one of them exited, having stopped every other."""
    haproxy = haproxy_path()
    ports = [free_port() for _ in range(workers)]
    config = runtime / "haproxy.cfg"
    config.write_text(haproxy_config(address, port, ports), encoding="utf-8")
    check = subprocess.run([haproxy, "-c", "-q", "-f", str(config)], capture_output=True, text=True)
    if check.returncode:
        raise ServeError(f"HAProxy refused its configuration {config}:\n{check.stdout}{check.stderr}")
    stop = threading.Event()
    previous = {s: signal.signal(s, lambda *_: stop.set()) for s in (signal.SIGTERM, signal.SIGINT)}
    children: list[tuple[str, subprocess.Popen]] = []
    code = 0
    try:
        for i, p in enumerate(ports):
            children.append((f"worker {i + 1} (port {p})",
                             subprocess.Popen(worker_command(p), cwd=cwd, env=env, preexec_fn=_die_with_parent)))
        children.append(("haproxy", subprocess.Popen([haproxy, "-db", "-f", str(config)], cwd=runtime, env=env,
                                                     preexec_fn=_die_with_parent)))
        log(f"par_dashboard: {workers} worker(s) on 127.0.0.1:{','.join(map(str, ports))} behind HAProxy at "
            f"http://{address}:{port} (runtime files in {runtime})")
        if ready is not None:
            ready()
        while not stop.wait(0.3):
            for name, proc in children:
                if proc.poll() is not None:
                    log(f"par_dashboard: {name} exited with code {proc.returncode}; stopping the others")
                    code = proc.returncode or 1
                    stop.set()
                    break
    finally:
        for _, proc in children:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 15
        for _, proc in children:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code


def serve_workers(workers: int, streamlit_args: list[str]) -> int:
    """The dashboard as `workers` processes over snapshots of its database, behind HAProxy (module docstring)."""
    from par_dashboard.building import recovery as building_recovery
    from par_dashboard.paths import DEFAULT_DB, ROOT
    from par_dashboard.store import snapshots

    if workers < 1:
        raise ServeError("--workers needs a number of processes, 1 or more")
    address, args = pop_option(streamlit_args, "--server.address")
    port, args = pop_option(args, "--server.port")
    address = address or os.environ.get("STREAMLIT_SERVER_ADDRESS") or DEFAULT_ADDRESS
    port = int(port or os.environ.get("STREAMLIT_SERVER_PORT") or DEFAULT_PORT)
    primary = Path(os.environ.get("PAR_DB", DEFAULT_DB)).resolve()
    runtime = Path(tempfile.mkdtemp(prefix="par-serve-"))
    try:
        folder = runtime / "snapshots"
        folder.mkdir()
        recovery = building_recovery.recover(primary, progress=lambda f, msg: print(f"{f:4.0%} {msg}", file=sys.stderr))
        if recovery is not None:
            print(recovery.en, file=sys.stderr)
        building_recovery.save_recovery_notice(folder, recovery)
        shared = snapshots.Snapshots(primary, folder)
        with shared.writer():
            shared.publish()
        # a command-line import meanwhile writes the way the workers do (under their lock) and publishes to them
        snapshots.marker(primary).write_text(json.dumps({"snapshots": str(folder), "pid": os.getpid()}), encoding="utf-8")
        env = {**os.environ, "PAR_DB": str(primary), snapshots.ENV: str(folder),
               # one secret for all: a cookie signed by one worker (st.login) is valid on the others
               "STREAMLIT_SERVER_COOKIE_SECRET": os.environ.get("STREAMLIT_SERVER_COOKIE_SECRET") or secrets.token_hex(32)}

        def command(p: int) -> list[str]:
            return [sys.executable, "-m", "par_dashboard", "serve", *args, "--server.port", str(p),
                    "--server.address", "127.0.0.1", "--server.headless", "true"]

        return supervise(command, workers, address=address, port=port, env=env, runtime=runtime, cwd=ROOT,
                         log=lambda m: print(m, file=sys.stderr, flush=True))
    finally:
        with contextlib.suppress(OSError):
            snapshots.marker(primary).unlink()
        shutil.rmtree(runtime, ignore_errors=True)
