"""The server's security settings, checked where they matter: in the configuration Streamlit reads from
.streamlit/config.toml, and on a running server (what it listens on, what it answers to a foreign page, to the
agent API, to an upload without the XSRF token). `run_settings_checks(base_url)` -> {checks, passed, failures}.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import urllib.parse
from pathlib import Path

from par_dashboard.paths import ROOT

EXPECTED = {
    "server.address": "127.0.0.1",          # this machine only, unless the operator sets another address
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,              # true = cross-origin requests refused
    "server.corsAllowedOrigins": [],
    "server.enableAgentApi": False,
    "server.maxUploadSize": 10,             # the data page's limit, par_dashboard/importing/reader.py MAX_MB
    "browser.gatherUsageStats": False,
    "client.showErrorDetails": "none",      # no exception text or traceback in the browser
    "client.disableDataExport": True,       # no raw CSV of a table from Streamlit's toolbar, whatever the role
    "global.developmentMode": False,        # development mode would allow every origin
}
FOREIGN = "http://evil.example"
_LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1, ::1 as /proc/net/tcp{,6} write them


def effective_config(root: Path = ROOT) -> dict:
    """The options as a server started in `root` reads them (a fresh process: config files, no flags)."""
    code = ("import json; from streamlit import config; config.get_config_options(); "
            f"print(json.dumps({{k: config.get_option(k) for k in {list(EXPECTED)!r}}}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def listening_addresses(port: int) -> set[str]:
    """The local addresses (hex, as the kernel lists them) with a socket listening on `port` (Linux)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def _outward_ip() -> str | None:
    """This machine's address on its network (no packet sent), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("10.255.255.255", 1))
            ip = s.getsockname()[0]
        except OSError:
            return None
    return None if ip.startswith("127.") else ip


def _request(base: str, method: str, path: str, *, headers: dict | None = None, body: bytes | None = None):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "hardening-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def run_settings_checks(base: str) -> dict:
    """Each check: (what, problem or None)."""
    port = urllib.parse.urlsplit(base).port
    results: list[tuple[str, str | None]] = []

    config = effective_config()
    for key, wanted in EXPECTED.items():
        results.append((f"config {key} = {wanted!r}", None if config.get(key) == wanted else f"is {config.get(key)!r}"))

    addresses = listening_addresses(port)
    results.append(("listens on the loopback address only",
                    None if addresses and addresses <= _LOOPBACK else f"listening on {sorted(addresses) or 'nothing'}"))
    if (outward := _outward_ip()) is not None:
        try:
            socket.create_connection((outward, port), timeout=3).close()
            problem = f"accepts connections on {outward}"
        except OSError:
            problem = None
        results.append((f"refuses connections on {outward}", problem))

    for method, path in (("GET", "/_stcore/health"), ("GET", "/_stcore/host-config"), ("OPTIONS", "/_stcore/health")):
        status, headers, _ = _request(base, method, path, headers={"Origin": FOREIGN, "Access-Control-Request-Method": "GET"})
        allow = headers.get("access-control-allow-origin")
        results.append((f"{method} {path} from {FOREIGN}: no Access-Control-Allow-Origin",
                        None if allow is None else f"Access-Control-Allow-Origin: {allow} (HTTP {status})"))

    for path in ("/_stcore/agent/interact", "/_stcore/agent/mcp"):
        status, _, body = _request(base, "POST", path, headers={"Content-Type": "application/json"},
                                   body=json.dumps({"app": "", "actions": []}).encode())
        refused = status >= 400 and b"enableAgentApi" in body
        results.append((f"POST {path} refused (agent API off)", None if refused else f"HTTP {status}: {body[:120]!r}"))
    status, _, body = _request(base, "GET", "/_stcore/agent/openapi.json")
    said = json.loads(body).get("info", {}).get("x-streamlit-agent-api") if status == 200 else None
    results.append(("the agent API's description says it is off", None if said == "disabled" else f"HTTP {status}: {said}"))

    _, headers, _ = _request(base, "GET", "/_stcore/health")
    cookie = next((c.split(";")[0] for c in headers.get("set-cookie", "").split(",") if "_streamlit_xsrf=" in c), "")
    token = cookie.split("=", 1)[1] if cookie else ""
    body, content_type = _multipart("x.csv", b"a,b\n1,2\n")
    path = "/_stcore/upload_file/not-a-session/file-1"
    without, _, _ = _request(base, "PUT", path, headers={"Content-Type": content_type}, body=body)
    results.append(("an upload without the XSRF token is refused (403)", None if without == 403 else f"HTTP {without}"))
    forged, _, _ = _request(base, "PUT", path, headers={"Content-Type": content_type, "X-Xsrftoken": "2|00|00|0",
                                                        "Cookie": cookie}, body=body)
    results.append(("an upload with a forged XSRF token is refused (403)", None if forged == 403 else f"HTTP {forged}"))
    with_token, _, _ = _request(base, "PUT", path, headers={"Content-Type": content_type, "X-Xsrftoken": token,
                                                            "Cookie": cookie}, body=body)
    results.append(("the same upload with the session's token passes the XSRF check (then fails on the session)",
                    None if token and with_token not in (403, 200, 204) else f"HTTP {with_token}, cookie {bool(token)}"))

    failures = [f"{what}: {problem}" for what, problem in results if problem]
    return {"checks": len(results), "passed": len(results) - len(failures), "failures": failures}
