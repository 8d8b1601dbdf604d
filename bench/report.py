"""The readable table: every figure beside its target, met or NOT met.

Issue 17's targets are ratios to the floor app (bench/floor_app.py) measured in the same run: interactions in
Chromium ≤ 1,3× the floor (default database; 1,5× at scale 1), first visits ≤ 2×, cold start ≤ 1,5×, 20 sessions'
p95 ≤ 1,5× the floor's under the same load, with no errors and bounded memory. Issue 7's absolute budgets remain
for the AppTest diagnostics (the server and naive parts)."""

from __future__ import annotations

BUDGETS = {
    1: {"server_p95_ms": 100, "browser_p95_ms": 400, "cold_start_s": 3.0, "build_s": 30.0, "naive_ratio": None},
    10: {"server_p95_ms": 250, "browser_p95_ms": 800, "cold_start_s": None, "build_s": None, "naive_ratio": 10.0},
}
TARGETS = {"interaction": {"default": 1.3, "1": 1.5, "10": None}, "first_visit": 2.0, "cold_start": 1.5, "sessions_p95": 1.5}


def _x(v) -> str:
    return "—" if v is None else f"{v:.2f}×".replace(".", ",")


def _s(ms) -> str:
    return "—" if ms is None else f"{ms / 1000:.2f} s".replace(".", ",")


def _ratio(a, b):
    return round(a / b, 2) if a and b else None


def _target_rows(result: dict) -> list[tuple[str, str, str, float]]:
    """(target, figure, verdict, ratio) of every figure with an issue-17 target."""
    rows = []
    limit = TARGETS["interaction"][result.get("targets", "default")]
    for name, r in result.get("browser", {}).get("interactions", {}).items():
        worst = max((v for v in (r["ratio_p50"], r["ratio_p95"]) if v is not None), default=None)
        rows.append((f"interaction ≤ {_x(limit)} the floor (p50 and p95)" if limit else "interaction (no target at this scale)",
                     f"{name} {_x(r['ratio_p50'])} / {_x(r['ratio_p95'])}", _verdict(worst, limit), worst or 0))
    if st := result.get("starts"):
        ours, floor = st["ours"], st["floor"]
        for name, s in ours.items():
            if name.startswith("first visit"):
                ratio = _ratio(s["p50_ms"], floor["first visit"]["p50_ms"])
                rows.append((f"first visit ≤ {_x(TARGETS['first_visit'])} the floor's (p50)", f"{name.removeprefix('first visit: ')} {_x(ratio)}",
                             _verdict(ratio, TARGETS["first_visit"]), ratio or 0))
        ratio = _ratio(ours["cold start"]["p50_ms"], floor["cold start"]["p50_ms"])
        rows.append((f"cold start ≤ {_x(TARGETS['cold_start'])} the floor's (p50)", f"{_x(ratio)}",
                     _verdict(ratio, TARGETS["cold_start"]), ratio or 0))
    if conc := result.get("concurrency"):
        for workers in sorted({int(k.split()[1]) for k in conc["runs"]}):
            ours, floor = conc["runs"].get(f"ours {workers}"), conc["runs"].get(f"floor {workers}")
            if not ours or not floor:
                continue
            o, f = ours["by_kind"].get("all interactions", {}), floor["by_kind"].get("all interactions", {})
            ratio = _ratio(o.get("p95_ms"), f.get("p95_ms"))
            section = f"{conc['users']} sessions, {workers} worker(s)"
            rows.append((f"{section}: p95 ≤ {_x(TARGETS['sessions_p95'])} the floor's", _x(ratio),
                         _verdict(ratio, TARGETS["sessions_p95"]), ratio or 0))
            rows.append((f"{section}: no errors", f"ours {ours['errors']}, floor {floor['errors']}",
                         "met" if ours["errors"] == 0 else "NOT met", 0))
            bounded = ours["rss_mb"].get("bounded")
            rows.append((f"{section}: memory bounded", f"peak {ours['rss_mb'].get('peak')} MB",
                         "—" if bounded is None else "met" if bounded else "NOT met", 0))
    return [r for r in rows if r[2] != "—"]


def _loads(result: dict) -> str:
    loads = result.get("load_average", {})
    return ", ".join(f"{k} {v}" for k, v in loads.items()) or "—"


def _interactions_section(br: dict, result: dict) -> list[str]:
    limit = TARGETS["interaction"][result.get("targets", "default")]
    out = ["## 1. Interactions in Chromium: ours / the floor", "", f"Method: {br['method']}.", "",
           "| page / interaction | n | ours p50 | ours p95 | floor p50 | floor p95 | ratio p50 | ratio p95 | target | verdict "
           "| ours p50: to the run / run / after | extra reruns | unchanged |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|---:|"]
    for name, r in br["interactions"].items():
        o, f, ph = r["ours"], r["floor"], r.get("phases_p50_ms", {})
        worst = max((v for v in (r["ratio_p50"], r["ratio_p95"]) if v is not None), default=None)
        out.append(f"| {name} | {o['n']} | {_ms(o['p50_ms'])} | {_ms(o['p95_ms'])} | {_ms(f['p50_ms'])} | {_ms(f['p95_ms'])} "
                   f"| {_x(r['ratio_p50'])} | {_x(r['ratio_p95'])} | {_x(limit)} | {_verdict(worst, limit)} "
                   f"| {_ms(ph.get('to_run_ms'))} / {_ms(ph.get('run_ms'))} / {_ms(ph.get('after_run_ms'))} | {r['extra_reruns']} "
                   f"| {r.get('unchanged', 0)} |")
    if br["errors"]:
        out += ["", f"Failed repetitions ({len(br['errors'])}): " + "; ".join(br["errors"][:6])]
    for name, r in br["interactions"].items():
        if c := r.get("content"):
            out += ["", f"**What Streamlit itself costs for the page's content** ({name}; bench/floor_full_app.py: the "
                    "floor drawing every element of the rankings page and its sidebar, from figures made at its start, "
                    "timed after ours and the floor in each repetition):", "",
                    "| | n | p50 | p95 | / the floor (p50) |", "|---|---:|---:|---:|---:|",
                    f"| the floor | {r['floor']['n']} | {_ms(r['floor']['p50_ms'])} | {_ms(r['floor']['p95_ms'])} | 1,00× |",
                    f"| the floor with the page's content | {c['n']} | {_ms(c['p50_ms'])} | {_ms(c['p95_ms'])} "
                    f"| {_x(r.get('content_ratio_p50'))} |",
                    f"| ours | {r['ours']['n']} | {_ms(r['ours']['p50_ms'])} | {_ms(r['ours']['p95_ms'])} | {_x(r['ratio_p50'])} |",
                    "", f"Ours / the floor with the page's content: {_x(r.get('ours_to_content_p50'))} (p50). A ratio of "
                    f"the content above the {_x(limit)} target means Streamlit alone, drawing what the page shows, "
                    "does not meet it."]
    return out + [""]


def _service_lines(service: dict, method: str) -> list[str]:
    """What one interaction costs the server, without the queue: explains the p95 under load (no target of its own)."""
    ours, floor = service.get("ours"), service.get("floor")
    if not ours or not floor:
        return []
    out = ["", f"**Service time** (what an interaction costs the server, no queue): {method}", "",
           "| app | requests | CPU per request | service p50 | service p95 |", "|---|---:|---:|---:|---:|"]
    for name, r in (("the floor", floor), ("ours", ours)):
        out.append(f"| {name} | {r['requests']} | {_ms(r['cpu_ms_per_request'])} ms | {_ms(r['all']['p50_ms'])} ms "
                   f"| {_ms(r['all']['p95_ms'])} ms |")
    out += ["", f"Ours / the floor: CPU per request {_x(_ratio(ours['cpu_ms_per_request'], floor['cpu_ms_per_request']))}, "
            f"service p50 {_x(_ratio(ours['all']['p50_ms'], floor['all']['p50_ms']))}, "
            f"p95 {_x(_ratio(ours['all']['p95_ms'], floor['all']['p95_ms']))}. Ours by kind (p50 / p95 ms): "
            + "; ".join(f"{k} {_ms(v['p50_ms'])} / {_ms(v['p95_ms'])}" for k, v in ours["by_kind"].items()) + "."]
    return out


def _starts_section(st: dict) -> list[str]:
    ours, floor = st["ours"], st["floor"]
    out = ["## 2. Cold start and first visits: ours / the floor", "",
           "Each start, alternately ours then the floor's: the process started, a fresh Chromium context opens the app as "
           "soon as it answers; *cold start* = process start → first chart drawn (and the run ended); *first visit* = "
           "the page's own clock from the navigation's start to its charts drawn, in a fresh context (nothing cached "
           "in the browser, the server's caches cold for that page). The floor's first visit is its only page.", "",
           "| figure | n | ours p50 | ours slowest | floor p50 | floor slowest | ratio p50 | target | verdict |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name, s in ours.items():
        other = floor.get(name) or (floor["first visit"] if name.startswith("first visit") else None)
        ratio = _ratio(s["p50_ms"], other["p50_ms"]) if other else None
        target = TARGETS["cold_start"] if name == "cold start" else TARGETS["first_visit"] if name.startswith("first visit") else None
        out.append(f"| {name} | {s['n']} | {_s(s['p50_ms'])} | {_s(s['max_ms'])} | {_s(other and other['p50_ms'])} "
                   f"| {_s(other and other['max_ms'])} | {_x(ratio)} | {_x(target)} | {_verdict(ratio, target)} |")
    return out + [""]


def _sessions_section(conc: dict) -> list[str]:
    out = ["## 3. Concurrent sessions, 1 and 2 worker processes", "", f"Method: {conc['method']}", "",
           "| run | requests | req/s | p50 | p95 | errors | RSS start → peak → end (all processes) | bounded |",
           "|---|---:|---:|---:|---:|---:|---|---|"]
    for name, run in conc["runs"].items():
        a, rss = run["by_kind"].get("all interactions", {}), run["rss_mb"]
        out.append(f"| {name} worker(s) | {run['requests']} | {run['requests_per_s']} | {_ms(a.get('p50_ms'))} ms "
                   f"| {_ms(a.get('p95_ms'))} ms | {run['errors']} | {rss.get('start')} → {rss.get('peak')} → {rss.get('end')} MB "
                   f"| {'yes' if rss.get('bounded') else 'NO'} |")
    out += ["", "| workers | ours p95 / floor p95 | target | verdict | ours p50 / floor p50 | the floor with the rankings page's "
            "content: p95 / floor p95 |", "|---:|---:|---:|---|---:|---:|"]
    workers_seen = sorted({int(k.split()[-1]) for k in conc["runs"]})
    for w in workers_seen:
        o, f = conc["runs"].get(f"ours {w}"), conc["runs"].get(f"floor {w}")
        if o and f:
            oa, fa = o["by_kind"].get("all interactions", {}), f["by_kind"].get("all interactions", {})
            ratio = _ratio(oa.get("p95_ms"), fa.get("p95_ms"))
            c = conc["runs"].get(f"floor_full {w}")
            ca = c["by_kind"].get("all interactions", {}) if c else {}
            out.append(f"| {w} | {_x(ratio)} | {_x(TARGETS['sessions_p95'])} | {_verdict(ratio, TARGETS['sessions_p95'])} "
                       f"| {_x(_ratio(oa.get('p50_ms'), fa.get('p50_ms')))} "
                       f"| {_x(_ratio(ca.get('p95_ms'), fa.get('p95_ms'))) if c else '—'} |")
    if any(k.startswith("floor_full") for k in conc["runs"]):
        out += ["", "*The floor with the rankings page's content* (bench/floor_full_app.py) is walked like the floor (its "
                "year), every view made at its start: Streamlit serving what the rankings page shows, with no work of "
                f"ours. Its p95 above {_x(TARGETS['sessions_p95'])} the floor's means that Streamlit alone, serving that "
                "content to these sessions, does not meet the target."]
    if len(workers_seen) > 1:
        lo, hi = workers_seen[0], workers_seen[-1]
        o1, o2 = conc["runs"].get(f"ours {lo}"), conc["runs"].get(f"ours {hi}")
        if o1 and o2:
            a1, a2 = o1["by_kind"].get("all interactions", {}), o2["by_kind"].get("all interactions", {})
            out += ["", f"Ours with {hi} workers against {lo}: p95 {_ms(a2.get('p95_ms'))} vs {_ms(a1.get('p95_ms'))} ms "
                    f"({_x(_ratio(a2.get('p95_ms'), a1.get('p95_ms')))}), p50 {_ms(a2.get('p50_ms'))} vs {_ms(a1.get('p50_ms'))} ms, "
                    f"{o2['requests_per_s']} vs {o1['requests_per_s']} requests/s."]
    for name, run in conc["runs"].items():
        if d := run.get("during"):
            out += ["", f"**Import in the middle** ({name} worker(s)): {d.get('status')} (+{d.get('added')} row) in "
                    f"{d.get('import_s')} s, committed and published {d.get('committed_s')} s into the load; "
                    f"{d.get('sessions_seeing_new')} sessions then showed the new data, {d.get('sessions_never_saw_new')} never did "
                    f"({d.get('sessions_without_answer_after', 0)} had no answer after it before the load ended); "
                    f"from the publication to a session's first answer with the new data: p50 {d.get('seconds_to_new_p50')} s, "
                    f"at most {d.get('seconds_to_new_max')} s (a session sees it at its next interaction: think time "
                    f"{conc['think_s']} s ±50 %); answers to requests started after it still showing the old data: "
                    f"{d.get('stale_answers_started_after_commit')}; errors in that run: {run['errors']}."]
    if service := conc.get("service"):
        out += _service_lines(service, conc.get("service_method", ""))
    samples = [e for run in conc["runs"].values() for e in run.get("error_samples", [])]
    if samples:
        out += ["", "Errors: " + "; ".join(samples[:5])]
    return out + [""]


def _verdict(value, budget, *, at_least: bool = False) -> str:
    if value is None or budget is None:
        return "—"
    return "met" if (value >= budget if at_least else value <= budget) else "NOT met"


def _ms(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _summary(rows: list[tuple[str, str, str, float]]) -> list[str]:
    """Per budget: how many figures meet it, and the worst of those that do not."""
    sections: dict[str, list[tuple[str, str, float]]] = {}
    for section, what, verdict, value in rows:
        sections.setdefault(section, []).append((what, verdict, value))
    met = sum(r[2] == "met" for r in rows)
    out = [f"**{met} of {len(rows)} figures with a target met.**", "", "| target | met | not met (worst first) |", "|---|---:|---|"]
    for section, items in sections.items():
        missed = [w for w, v, _ in sorted(items, key=lambda i: -(i[2] or 0)) if v != "met"]
        shown = "; ".join(missed[:3]) + (f"; … {len(missed) - 3} more" if len(missed) > 3 else "")
        out.append(f"| {section} | {len(items) - len(missed)} of {len(items)} | {shown} |")
    return out + [""]


def _duration(meta: dict) -> str:
    """The run's length once it has ended; a table saved between parts says it is still running."""
    return f"{meta['seconds']:.0f} s" if "seconds" in meta else "still running"


def markdown(result: dict) -> str:
    b = BUDGETS[result["budget_scale"]]
    meta = result["meta"]
    out = [f"# Benchmark suite — {result['label']}", "",
           f"Database `{meta['db']}` ({meta['db_mb']:,.0f} MB; " + ", ".join(f"{k} {v:,}" for k, v in meta["rows"].items()) + ")  ",
           f"{'Quick' if result['quick'] else 'Full'} run, {meta['started']}, " + _duration(meta) + f"; machine: {meta['cpus']} CPUs, "
           f"{meta['mem_gb']} GB; commit {meta['commit']}.  ",
           f"**Load average** (1 min) {meta['load_start']} at the start, {meta.get('load_end', '(running)')} at the end; per part: "
           f"{_loads(result)}. Other work on the machine slows both apps; the ratios, taken alternately in the same run, are "
           "what counts, and they are noisy when the load is high.", ""]
    rows = _target_rows(result)
    out += _summary(rows)
    if result.get("interrupted"):
        out += [f"**{result['interrupted']}.**", ""]
    if failed := result.get("failed"):
        out += ["**Parts that failed:** " + "; ".join(f"{k}: {v[:300]}" for k, v in failed.items()), ""]
    if br := result.get("browser"):
        out += _interactions_section(br, result)
    if st := result.get("starts"):
        out += _starts_section(st)
    if conc := result.get("concurrency"):
        out += _sessions_section(conc)
    if mem := result.get("memory"):
        out += [f"Our browser-measured server: peak RSS {mem['peak_rss_mb']:,.0f} MB"
                + (f" ({mem['peak_rss_with_children_mb']:,.0f} MB with its child processes)" if mem.get("peak_rss_with_children_mb") else "")
                + (f"; exceptions in its log: {'; '.join(mem['log_errors'][:3])}" if mem.get("log_errors") else "") + ".", ""]
    if st := result.get("server_time"):
        out += ["# Diagnostics (AppTest, issue 7's absolute budgets)", ""] + _server_section(st, b)
    if naive := result.get("naive"):
        out += _naive_section(naive, b)
    if build := result.get("build"):
        out += [f"Database build: {build['seconds']:.1f} s, peak RSS {build['peak_rss_mb']:,.0f} MB ({build['how']}).", ""]
    return "\n".join(out) + "\n"


def _server_section(st: dict, b: dict) -> list[str]:
    out = ["## 1. Server time per page", "", f"Method: {st['method']}. {st['reps']} repetitions per interaction and mode. "
           "*uncached*: every cache (query results, derived tables, figures) cleared before each rerun (the first request for a view after a start or an import); "
           "*cached*: the same views asked again. CPU = this process's CPU time meanwhile (DuckDB threads included).", "",
           "| page | first run, cold caches (p50) |", "|---|---:|"]
    out += [f"| {page} | {_ms(d['first_run']['p50_ms'])} ms |" for page, d in st["pages"].items()]
    out += ["", "| page | interaction | uncached p50 | uncached p95 | cached p50 | cached p95 | CPU p50 unc./cached | budget p95 "
            "| uncached | cached |", "|---|---|---:|---:|---:|---:|---:|---:|---|---|"]
    for page, d in st["pages"].items():
        for name, m in d["interactions"].items():
            u, c = m["uncached"], m["cached"]
            out.append(f"| {page} | {name} | {_ms(u['p50_ms'])} | {_ms(u['p95_ms'])} | {_ms(c['p50_ms'])} | {_ms(c['p95_ms'])} "
                       f"| {_ms(u.get('cpu_p50_ms'))} / {_ms(c.get('cpu_p50_ms'))} | {b['server_p95_ms']} "
                       f"| {_verdict(u['p95_ms'], b['server_p95_ms'])} | {_verdict(c['p95_ms'], b['server_p95_ms'])} |")
    if st["errors"]:
        out += ["", f"App exceptions during the runs ({len(st['errors'])}): " + "; ".join(st["errors"][:5])]
    return out + [""]


def _naive_section(naive: dict, b: dict) -> list[str]:
    budget = b["naive_ratio"]
    if "ratio_uncached" not in naive:
        return ["## 4. Naive baseline (bench/naive_rankings.py)", "",
                f"naive: change year p50 {_ms(naive['change year']['p50_ms'])} ms; {naive.get('note', '')}", ""]
    return ["## 4. Naive baseline (bench/naive_rankings.py)", "",
            "Whole score/admin_unit/source tables in pandas once per session, filtered in Python on every rerun; same "
            "AppTest clock, reruns changing the year.", "",
            "| figure | p50 ms | p95 ms |", "|---|---:|---:|",
            f"| naive: first run (loads the tables) | {_ms(naive['first_run']['p50_ms'])} | |",
            f"| naive: change year | {_ms(naive['change year']['p50_ms'])} | {_ms(naive['change year']['p95_ms'])} |",
            f"| ours (rankings page): change year, uncached | {_ms(naive['ours_uncached_p50_ms'])} | |",
            f"| ours (rankings page): change year, cached | {_ms(naive['ours_cached_p50_ms'])} | |", "",
            f"Ratio naive p50 / ours p50: **{naive['ratio_uncached']}×** against our uncached reruns, "
            f"**{naive['ratio_cached']}×** against cached ones"
            + (f" (budget ≥ {budget:.0f}×: {_verdict(naive['ratio_uncached'], budget, at_least=True)})." if budget
               else " (the ≥ 10× budget applies at scale 10)."), ""]


