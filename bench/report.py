"""Budgets of issue 7 and the readable table: every figure beside its budget, met or NOT met."""

from __future__ import annotations

BUDGETS = {
    1: {"server_p95_ms": 100, "browser_p95_ms": 400, "cold_start_s": 3.0, "build_s": 30.0, "naive_ratio": None},
    10: {"server_p95_ms": 250, "browser_p95_ms": 800, "cold_start_s": None, "build_s": None, "naive_ratio": 10.0},
}
CONCURRENCY_P95_FACTOR = 2.0


def _verdict(value, budget, *, at_least: bool = False) -> str:
    if value is None or budget is None:
        return "—"
    return "met" if (value >= budget if at_least else value <= budget) else "NOT met"


def _ms(v) -> str:
    return "—" if v is None else f"{v:,.0f}"


def _budget_rows(result: dict, b: dict) -> list[tuple[str, str, str, float]]:
    """(section, figure, verdict, value to rank by) of every figure that has a budget, for the summary."""
    rows = []
    for page, data in result.get("server_time", {}).get("pages", {}).items():
        for name, modes in data["interactions"].items():
            for mode, s in modes.items():
                rows.append(("server rerun p95", f"{page} / {name} ({mode}) {_ms(s['p95_ms'])} ms",
                             _verdict(s["p95_ms"], b["server_p95_ms"]), s["p95_ms"]))
    for name, s in result.get("browser", {}).get("interactions", {}).items():
        rows.append(("browser interaction p95", f"{name} {_ms(s['p95_ms'])} ms", _verdict(s["p95_ms"], b["browser_p95_ms"]),
                     s["p95_ms"]))
    if cold := result.get("cold_start"):
        rows.append(("cold start", f"to the first chart {cold['first_chart']['max_ms'] / 1000:.2f} s (slowest)",
                     _verdict(cold["first_chart"]["max_ms"] / 1000, b["cold_start_s"]), 0))
    if build := result.get("build"):
        rows.append(("build", f"{build['seconds']:.1f} s", _verdict(build["seconds"], b["build_s"]), 0))
    if (naive := result.get("naive")) and "ratio_uncached" in naive:
        rows.append(("naive baseline", f"naive / ours (uncached) {naive['ratio_uncached']}×",
                     _verdict(naive["ratio_uncached"], b["naive_ratio"], at_least=True), 0))
    if conc := result.get("concurrency"):
        users = conc["many"]["users"]
        for kind, row in conc["comparison"].items():
            rows.append((f"{users} sessions: p95 vs single user", f"{kind} {row['ratio']}×", row["verdict"], row["ratio"] or 0))
        rows.append((f"{users} sessions: errors", f"{conc['many']['errors']} errors",
                     "met" if conc["many"]["errors"] == 0 else "NOT met", 0))
        bounded = conc["many"]["rss_mb"].get("bounded")
        rows.append((f"{users} sessions: memory bounded", f"peak {conc['many']['rss_mb'].get('peak')} MB",
                     "—" if bounded is None else "met" if bounded else "NOT met", 0))
    return [r for r in rows if r[2] != "—"]


def _summary(rows: list[tuple[str, str, str, float]]) -> list[str]:
    """Per budget: how many figures meet it, and the worst of those that do not."""
    sections: dict[str, list[tuple[str, str, float]]] = {}
    for section, what, verdict, value in rows:
        sections.setdefault(section, []).append((what, verdict, value))
    met = sum(r[2] == "met" for r in rows)
    out = [f"**{met} of {len(rows)} budgeted figures met.**", "", "| budget | met | not met (worst first) |", "|---|---:|---|"]
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
           f"{meta['mem_gb']} GB, load average {meta['load_start']} at the start, {meta.get('load_end', '(running)')} at the end"
           f" (other work on the machine inflates wall times; CPU time is shown beside them); commit {meta['commit']}.  ",
           f"Budgets of scale {result['budget_scale']}: server rerun p95 ≤ {b['server_p95_ms']} ms, browser interaction p95 ≤ "
           f"{b['browser_p95_ms']} ms" + (f", cold start ≤ {b['cold_start_s']:.0f} s" if b["cold_start_s"] else "")
           + (f", build ≤ {b['build_s']:.0f} s" if b["build_s"] else "") + (f", ≥ {b['naive_ratio']:.0f}× the naive baseline" if b["naive_ratio"] else "")
           + f"; {result['concurrency_users'] or 20} sessions: p95 ≤ {CONCURRENCY_P95_FACTOR:.0f}× single-user, no errors, memory bounded.", ""]
    rows = _budget_rows(result, b)
    out += _summary(rows)
    if any(r[2] != "met" for r in rows):
        out += ["What limits the budgets not met, and the plan for each: `docs/SCALING.md` §2 (server reruns, browser, "
                "cold start, concurrency) and §3 (scale 10, the naive baseline).", ""]
    if result.get("interrupted"):
        out += [f"**{result['interrupted']}.**", ""]
    if failed := result.get("failed"):
        out += ["**Parts that failed:** " + "; ".join(f"{k}: {v[:300]}" for k, v in failed.items()), ""]
    if st := result.get("server_time"):
        out += _server_section(st, b)
    if br := result.get("browser"):
        out += _browser_section(br, b)
    out += _start_section(result, b)
    if naive := result.get("naive"):
        out += _naive_section(naive, b)
    if conc := result.get("concurrency"):
        out += _concurrency_section(conc)
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


def _browser_section(br: dict, b: dict) -> list[str]:
    out = ["## 2. End to end in Chromium", "", f"Method: {br['method']}.", "",
           "| interaction | n | p50 ms | p95 ms | budget p95 | verdict | p50: to the run / run / after | extra reruns |",
           "|---|---:|---:|---:|---:|---|---|---:|"]
    for name, s in br["interactions"].items():
        ph = s.get("phases_p50_ms", {})
        out.append(f"| {name} | {s['n']} | {_ms(s['p50_ms'])} | {_ms(s['p95_ms'])} | {b['browser_p95_ms']} "
                   f"| {_verdict(s['p95_ms'], b['browser_p95_ms'])} | {_ms(ph.get('to_run_ms'))} / {_ms(ph.get('run_ms'))} / "
                   f"{_ms(ph.get('after_run_ms'))} | {s['extra_reruns']} |")
    if br["errors"]:
        out += ["", "Failed repetitions: " + "; ".join(br["errors"][:5])]
    return out + [""]


def _start_section(result: dict, b: dict) -> list[str]:
    out = ["## 3. Cold start, build, memory", "", "| figure | n | p50 | slowest | budget | verdict |", "|---|---:|---:|---:|---:|---|"]
    if cold := result.get("cold_start"):
        for name, key in (("server process start → /_stcore/health answers", "server_ready"),
                          ("server process start → rankings chart drawn in Chromium", "first_chart")):
            s = cold[key]
            budget = b["cold_start_s"] if key == "first_chart" else None
            shown = "—" if budget is None else f"{budget:.0f} s"
            out.append(f"| {name} | {s['n']} | {s['p50_ms'] / 1000:.2f} s | {s['max_ms'] / 1000:.2f} s | {shown} "
                       f"| {_verdict(s['max_ms'] / 1000, budget)} |")
    if (cold := result.get("cold_start")) and cold.get("timeline_p50_s"):
        steps = " → ".join(f"{k.replace('_', ' ')} {v:.2f} s" for k, v in cold["timeline_p50_s"].items())
        out.append(f"| cold start timeline (p50, s since the process start) | | {steps} | | | |")
    if build := result.get("build"):
        budget = "—" if b["build_s"] is None else f"{b['build_s']:.0f} s"
        out.append(f"| database build ({build['how']}) | 1 | {build['seconds']:.1f} s | | {budget} "
                   f"| {_verdict(build['seconds'], b['build_s'])} |")
        out.append(f"| build: peak RSS | 1 | {build['peak_rss_mb']:,.0f} MB | | — | — |")
    else:
        out.append("| database build | — | not measured (give --build-scale) | | | |")
    if mem := result.get("memory"):
        out.append(f"| server peak RSS over the whole run (VmHWM) | 1 | {mem['peak_rss_mb']:,.0f} MB | | — | — |")
        if mem.get("peak_rss_with_children_mb"):
            out.append(f"| … with its child processes (kaleido's Chromium) | 1 | {mem['peak_rss_with_children_mb']:,.0f} MB | | — | — |")
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


def _concurrency_section(conc: dict) -> list[str]:
    one, many = conc["single"], conc["many"]
    out = ["## 5. Concurrency", "", f"Method: {conc['method']}", "",
           f"Single user: {one['requests']} requests in {one['wall_s']} s (think time {one['think_s']} s). "
           f"{many['users']} users: {many['requests']} requests in {many['wall_s']} s ({many['requests_per_s']}/s), "
           f"think time {many['think_s']} s (uniform ±50 %).", "",
           "| interaction | single n | single p50 | single p95 | many n | many p50 | many p95 | p95 ratio | budget | verdict |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for kind, row in conc["comparison"].items():
        s1, sn = one["by_kind"].get(kind, {}), many["by_kind"].get(kind, {})
        out.append(f"| {kind} | {s1.get('n', 0)} | {_ms(s1.get('p50_ms'))} | {_ms(s1.get('p95_ms'))} | {sn.get('n', 0)} "
                   f"| {_ms(sn.get('p50_ms'))} | {_ms(sn.get('p95_ms'))} | {row['ratio']}× | ≤ {CONCURRENCY_P95_FACTOR:.0f}× | {row['verdict']} |")
    rss = many["rss_mb"]
    out += ["", f"Errors: **{many['errors']}**" + (" — " + "; ".join(many["error_samples"][:3]) if many["errors"] else "")
            + f" (single user: {one['errors']}).", "",
            f"Server RSS during the load: {rss.get('start')} MB at the start, peak {rss.get('peak')} MB, {rss.get('end')} MB at the end"
            f" (with child processes: peak {rss.get('peak_with_children')} MB); "
            f"bounded (last third within 10 % of the peak before it): **{'yes' if rss.get('bounded') else 'NO'}**.", ""]
    return out
