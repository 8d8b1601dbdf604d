"""Concurrent sessions against one running server through Streamlit's agent API (`POST /_stcore/agent/interact`).

An agent session is an ordinary AppSession on the server: the same script runner, session state, callbacks and
caches as a browser's, without a browser. Twenty Chromium tabs would need more CPU than the 2-core machine has
beside the server; twenty HTTP clients need almost none, so the server is what gets measured. The server also
encodes each result as a JSON snapshot (the agent API's own cost, which a browser session does not have): the
single-user figures are taken the same way, so the comparison is like with like.

Each simulated user walks the dashboard at random: change the year, change the province, switch the structure,
open another page, open a locality profile, and on the inspections page filter the findings (area, kind, status,
search; their section opened first), with a think time between actions. Every request's time is recorded by kind; an HTTP error or a run
that raised (the snapshot's status "error") is an error.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from bench.server import Server
from bench.stats import summary

PAGES = ["", "ban-do", "dia-phuong", "chi-tieu", "kiem-tra", "trinh-chieu"]  # url paths; the data page imports, left out
FINDING_FILTERS = ["_w_area", "insp_kind", "insp_status"]


class AgentError(RuntimeError):
    pass


def _nodes(tree) -> list[dict]:
    """Every element of a snapshot's tree, depth first."""
    out, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            out.append(node)
            todo.extend(node.get("children") or [])
    return out


class AgentClient:
    """One agent-API session over one keep-alive HTTP connection."""

    def __init__(self, base: str, timeout_s: float = 900):
        url = urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout_s)
        self.session_id: str | None = None
        self.snapshot: dict = {}
        self.cookies: dict[str, str] = {}  # HAProxy's affinity cookie (serve --workers): the session's worker

    def _post(self, body: dict) -> tuple[int, dict]:
        headers = {"Content-Type": "application/json"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request("POST", "/_stcore/agent/interact", body=json.dumps(body), headers=headers)
        response = self.conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        data = response.read()
        try:
            return response.status, json.loads(data) if data else {}
        except ValueError:  # not the agent API's answer: the proxy's own page (a worker not up yet: 503)
            raise AgentError(f"HTTP {response.status}, not JSON: {data[:200]!r}") from None

    def interact(self, **body) -> float:
        """Send one transition; returns its seconds (waiting out `wait_timed_out` answers); raises AgentError."""
        if self.session_id:
            body["session_id"] = self.session_id
        t0 = time.perf_counter()
        status, data = self._post(body)
        while status == 202:  # the run outlasted server.agentWaitTimeout: collect it
            status, data = self._post({"session_id": data.get("session_id") or self.session_id})
        seconds = time.perf_counter() - t0
        if status != 200:
            error = data.get("error", data)
            raise AgentError(f"HTTP {status}: {error.get('code') if isinstance(error, dict) else error}")
        self.session_id, self.snapshot = data["session_id"], data
        if data.get("status") == "error":
            messages = [n.get("props", {}).get("message", "") for n in _nodes(data.get("tree")) if n.get("type") == "exception"]
            raise AgentError("the app raised: " + ("; ".join(m[:200] for m in messages) or "(no message)"))
        return seconds

    def widget(self, key: str) -> dict | None:
        actions = {a["key"] for a in self.snapshot.get("actions", [])}
        if key not in actions:
            return None
        return next((n for n in _nodes(self.snapshot.get("tree")) if n.get("key") == key), None)

    def page(self) -> str:
        return (self.snapshot.get("page") or {}).get("url_path", "")

    def text_after(self, prefix: str, length: int = 160) -> str | None:
        """The text that follows `prefix` in the snapshot (the sidebar's data caption: what data this session shows)."""
        text = json.dumps(self.snapshot.get("tree"), ensure_ascii=False)
        at = text.find(prefix)
        return None if at < 0 else text[at:at + length]

    def close(self) -> None:
        self.conn.close()


@dataclass
class Walk:
    """A simulated user's random walk; `profiles` are (province id, district id) pairs to open."""

    rng: random.Random
    profiles: list[tuple[str, str]]
    search_words: list[str]
    records: list[tuple[str, float, float]] = field(default_factory=list)  # (kind, start offset s, seconds)
    errors: list[str] = field(default_factory=list)
    marker: str | None = None  # record the text after it in every answer (what data the session was shown)
    seen: list[tuple[float, float, str | None]] = field(default_factory=list)  # (start offset s, end offset s, text)

    def _other_option(self, client: AgentClient, key: str) -> dict | None:
        node = client.widget(key)
        if not node:
            return None
        options = [o for o in node.get("props", {}).get("options", []) if o != node.get("value")]
        return {key: self.rng.choice(options)} if options else None

    def step(self, client: AgentClient) -> tuple[str, dict]:
        """The next action: its kind and the request body."""
        if client.page() == "kiem-tra" and self.rng.random() < 0.5:
            if client.widget("insp_kind") is None:  # the findings are a section of the page: open it (its link)
                return "open findings", {"page": "kiem-tra", "query_params": {"section": ["findings"]}}
            if self.rng.random() < 0.25:
                return "filter findings", {"widget_state": {"insp_search": self.rng.choice(self.search_words + [""])}}
            change = self._other_option(client, self.rng.choice(FINDING_FILTERS))
            if change:
                return "filter findings", {"widget_state": change}
        roll = self.rng.random()
        for kind, key, p in (("change year", "_w_year", 0.3), ("change province", "_w_province", 0.5),
                             ("switch structure", "_w_structure", 0.6)):
            if roll < p:
                change = self._other_option(client, key)
                if change:
                    return kind, {"widget_state": change}
                break
        if roll < 0.8:
            return "open a page", {"page": self.rng.choice([p for p in PAGES if p != client.page()])}
        province, unit = self.rng.choice(self.profiles)
        return "open a profile", {"page": "dia-phuong", "query_params": {"province": [province], "unit": [unit]}}

    def run(self, client: AgentClient, until: float, think_s: float, t_origin: float) -> None:
        def timed(kind: str, body: dict) -> None:
            start = time.perf_counter()
            try:
                self.records.append((kind, round(start - t_origin, 3), client.interact(**body)))
                if self.marker:
                    self.seen.append((start - t_origin, time.perf_counter() - t_origin, client.text_after(self.marker)))
            except (AgentError, OSError, http.client.HTTPException, ValueError) as exc:
                self.errors.append(f"{kind} {json.dumps(body, ensure_ascii=False)[:160]}: {str(exc)[:300]}")
                if isinstance(exc, (OSError, http.client.HTTPException)):
                    client.conn.close()  # reconnects on the next request

        timed("first run", {})
        while time.perf_counter() < until:
            if think_s:
                time.sleep(self.rng.uniform(0.5, 1.5) * think_s)
            if time.perf_counter() >= until:
                break
            timed(*self.step(client))


def warm(server: Server, workers: int, pages: list[str]) -> float:
    """Before a load: one session per worker (HAProxy's affinity cookie chosen, so each worker gets one) opens each of
    `pages`: every process has imported its modules and run its pages once, as after a few minutes of use. The
    result caches stay cold for the views the load asks for (other years, provinces). Returns the seconds taken."""
    t0 = time.perf_counter()
    for i in range(max(1, workers)):
        client = AgentClient(server.base)
        client.cookies["par_worker"] = f"w{i + 1}"
        try:
            deadline = time.monotonic() + 120
            while True:  # HAProxy answers 503 for a worker that is still starting (the health check reached another)
                try:
                    client.interact(**({"page": pages[0]} if pages[0] else {}))
                    break
                except AgentError as exc:
                    if "HTTP 503" not in str(exc) or time.monotonic() > deadline:
                        raise
                    client.close()
                    client = AgentClient(server.base)
                    client.cookies["par_worker"] = f"w{i + 1}"
                    time.sleep(0.5)
            for page in pages[1:]:
                client.interact(**({"page": page} if page else {}))
        finally:
            client.close()
    return time.perf_counter() - t0


class FloorWalk(Walk):
    """A user of the floor app (bench/floor_app.py): changes the year, the one thing it has."""

    def step(self, client: AgentClient) -> tuple[str, dict]:
        change = self._other_option(client, "_w_year")
        return ("change year", {"widget_state": change}) if change else ("first run", {})


def load(server: Server, *, users: int, seconds: float, think_s: float, seed: int, profiles: list[tuple[str, str]],
         search_words: list[str], log: Callable[[str], None] = print, floor: bool = False, marker: str | None = None,
         during: Callable[[float], dict] | None = None) -> dict:
    """`users` sessions walking at random for `seconds`; latency by kind, errors, the server's RSS meanwhile.
    `floor`: the floor app's walk. `during(t_origin)`, if given, runs in its own thread while the users walk (an
    import in the middle) and returns what it measured."""
    kind = FloorWalk if floor else Walk
    walks = [kind(random.Random(seed + i), profiles, search_words, marker=marker) for i in range(users)]
    clients = [AgentClient(server.base) for _ in range(users)]
    n_rss, n_log_errors = len(server.rss), len(server.log_errors())
    t_origin = time.perf_counter()
    until = t_origin + seconds
    threads = []
    for i, (walk, client) in enumerate(zip(walks, clients, strict=True)):
        thread = threading.Thread(target=walk.run, args=(client, until, think_s, t_origin), name=f"user-{i}", daemon=True)
        thread.start()
        threads.append(thread)
        time.sleep(min(1.0, seconds / 20) / max(1, users))  # users arrive over up to a second, not all in one instant
    side: dict = {}
    if during is not None:
        helper = threading.Thread(target=lambda: side.update(during(t_origin)), name="during", daemon=True)
        helper.start()
        threads.append(helper)
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - t_origin
    for client in clients:
        client.close()
    records = [r for w in walks for r in w.records]
    errors = [e for w in walks for e in w.errors]
    by_kind: dict[str, list[float]] = {}
    for kind, _, secs in records:
        by_kind.setdefault(kind, []).append(secs)
    rss = [(round(t - (t_origin - server.started_at), 2), main, tree) for t, main, tree in server.rss[n_rss:]]
    log_errors = server.log_errors()[n_log_errors:]
    result = {
        "users": users, "seconds": seconds, "think_s": think_s, "wall_s": round(wall, 1),
        "requests": len(records), "requests_per_s": round(len(records) / wall, 2),
        "all": summary([r[2] for r in records]),
        "by_kind": {**{k: summary(v) for k, v in sorted(by_kind.items())},
                    "all interactions": summary([r[2] for r in records if r[0] != "first run"])},
        "errors": len(errors) + len(log_errors), "error_samples": (errors + log_errors)[:10],
        "rss_mb": _rss_summary(rss),
    }
    if during is not None:
        result["during"] = {**side, **_freshness(walks, side)}
    log(f"  {users} user(s), {seconds:.0f} s, think {think_s} s: {len(records)} requests, p50 {result['all']['p50_ms']} "
        f"p95 {result['all']['p95_ms']} ms, {result['errors']} errors, RSS peak {result['rss_mb'].get('peak')} MB")
    return result


def _rss_summary(rss: list[tuple[float, float, float]]) -> dict:
    """Server RSS over the load: start, peak, end, a series about every 2 s, and whether it stopped growing
    (bounded: the last third's peak is within 10 % of the peak before it)."""
    if not rss:
        return {}
    mains = [m for _, m, _ in rss]
    third = max(1, len(mains) // 3)
    before, last = max(mains[:-third] or mains), max(mains[-third:])
    step = max(1, len(rss) // 40)
    return {"start": mains[0], "peak": max(mains), "end": mains[-1], "peak_with_children": max(t for _, _, t in rss),
            "bounded": last <= before * 1.10, "series": [(t, m) for t, m, _ in rss[::step]]}


def _freshness(walks: list[Walk], side: dict) -> dict:
    """After a write committed at `side["committed_s"]` (offset from the load's start), how soon each session was
    shown the new data: per session, from the commit to the end of its first answer that showed it; and how many
    answers to requests *started* after the commit still showed the old data (the switch is per run)."""
    committed, old = side.get("committed_s"), side.get("marker_before")
    if committed is None:
        return {}
    delays, stale_after, never, silent = [], 0, 0, 0
    for w in walks:
        after = [(start, end, text) for start, end, text in w.seen if end >= committed]
        silent += not after  # no answer after the publication before the load ended
        first_new = next(((start, end) for start, end, text in after if text is not None and text != old), None)
        stale_after += sum(1 for start, _, text in after if start > committed + 0.5 and text == old)
        if first_new is None:
            never += bool(after)
        else:
            delays.append(first_new[1] - committed)
    delays.sort()
    return {"sessions_seeing_new": len(delays), "sessions_never_saw_new": never, "sessions_without_answer_after": silent,
            "seconds_to_new_max": round(delays[-1], 2) if delays else None,
            "seconds_to_new_p50": round(delays[len(delays) // 2], 2) if delays else None,
            "stale_answers_started_after_commit": stale_after}


def _cpu_s(pids: list[int]) -> float:
    """User + system CPU seconds used so far by these processes (all their threads: DuckDB's too)."""
    import os

    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115 - read at once
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def service(server: Server, *, users: int, steps: int, seed: int, profiles: list[tuple[str, str]],
            search_words: list[str], floor: bool = False) -> dict:
    """The load's walks without its overlap: `users` sessions, each taking `steps` steps of its random walk, one
    request at a time in turn (no think time, never two requests at once). Each request's time is then its service
    time, with no queue in it, and the server's CPU per request is what one interaction costs it: what the 20
    sessions' p95 is made of, measured without the queueing that makes a p95 under load swing from run to run
    (issue 17: the 1-worker p95 was 804-2 617 ms across four runs of the same code)."""
    from bench.server import _children

    kind = FloorWalk if floor else Walk
    walks = [kind(random.Random(seed + i), profiles, search_words) for i in range(users)]
    clients = [AgentClient(server.base) for _ in range(users)]
    pids = [server.proc.pid, *_children(server.proc.pid)]
    records: dict[str, list[float]] = {}
    try:
        for client in clients:
            client.interact()
        cpu0, t0 = _cpu_s(pids), time.perf_counter()
        for _ in range(steps):
            for walk, client in zip(walks, clients, strict=True):
                kind_, body = walk.step(client)
                start = time.perf_counter()
                client.interact(**body)
                records.setdefault(kind_, []).append(time.perf_counter() - start)
        wall, cpu = time.perf_counter() - t0, _cpu_s(pids) - cpu0
    finally:
        for client in clients:
            client.close()
    n = sum(len(v) for v in records.values())
    return {"users": users, "steps": steps, "requests": n, "wall_s": round(wall, 1), "cpu_s": round(cpu, 2),
            "cpu_ms_per_request": round(1000 * cpu / n, 1) if n else None,
            "all": summary([s for v in records.values() for s in v]),
            "by_kind": {k: summary(v) for k, v in sorted(records.items())}}
