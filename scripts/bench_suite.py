"""The benchmark suite (not a test: figures depend on the machine). See bench/README.md.

Every figure that has a target is a ratio to the floor app (bench/floor_app.py: Streamlit itself, one selectbox and
one chart) measured alternately with ours in the same run (issue 17).

    .venv/bin/python scripts/bench_suite.py --db PATH [--label scale1] [--quick]
        [--concurrency 20 --seconds 60] [--build-scale S] [--parts browser,concurrency,server,naive]

Writes artifacts/bench/suite-<label>.json and .md and prints the table. The database is copied first (the running
dashboard may hold PATH): one copy for the in-process AppTest runs, one for the measured server process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT_DIR = ROOT / "artifacts" / "bench"
PARTS = ("browser", "concurrency", "server", "naive")
DEFAULT_PARTS = ("browser", "concurrency")  # the ratios to the floor; server and naive: AppTest diagnostics (issue 7)
SEARCH_WORDS = ["hồ sơ", "chậm", "công khai", "thủ tục", "một cửa", "tuyên truyền", "quá hạn", "trực tuyến", "bộ máy",
                "tài chính", "ho so qua han", "không có từ này"]


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--db", type=Path, required=True, help="database to measure (copied first, never opened in place)")
    p.add_argument("--label", help="names the output files (default: the database file's stem)")
    p.add_argument("--quick", action="store_true", help="fewer repetitions, 2 starts, 30 s loads (a first look)")
    p.add_argument("--reps", type=int, help="repetitions per server interaction and mode (default 10, quick 3)")
    p.add_argument("--browser-reps", type=int, help="repetitions per Chromium interaction and pass (default 5, quick 2)")
    p.add_argument("--cold-starts", type=int, help="starts of each app: cold start, first visits (default 3, quick 2)")
    p.add_argument("--concurrency", type=int, help="concurrent sessions (default 20; 0 = off)")
    p.add_argument("--seconds", type=float, help="duration of each concurrent load (default 60, quick 30)")
    p.add_argument("--workers", default="1,2", help="the loads' numbers of worker processes (default 1,2)")
    p.add_argument("--browser-pages", help="comma-separated pages for Chromium (default: every page)")
    p.add_argument("--think", type=float, default=2.0, help="mean think time between a user's actions, s (default 2)")
    p.add_argument("--build-scale", type=float, help="also time a database build of this scale (in a temp dir)")
    p.add_argument("--budgets", type=int, choices=(1, 10), help="issue 7's budgets of the server part (default: from the label)")
    p.add_argument("--targets", choices=("default", "1", "10"),
                   help="interaction target of the database: default 1,3x, scale 1 1,5x, scale 10 none (default: from the label)")
    p.add_argument("--parts", default=",".join(DEFAULT_PARTS), help=f"comma-separated subset of {','.join(PARTS)}")
    p.add_argument("--pages", help="comma-separated pages for the server part (default: every page)")
    p.add_argument("--seed", type=int, default=7)
    args = p.parse_args(argv)
    args.label = args.label or args.db.stem
    args.reps = args.reps or (3 if args.quick else 10)
    args.browser_reps = args.browser_reps or (2 if args.quick else 5)
    args.cold_starts = args.cold_starts or (2 if args.quick else 3)
    args.concurrency = 20 if args.concurrency is None else args.concurrency
    args.seconds = args.seconds or (30 if args.quick else 60)
    args.workers = [int(w) for w in str(args.workers).split(",") if w.strip()]
    args.budgets = args.budgets or (10 if re.search(r"scale[-_ ]?10\b", args.label) else 1)
    found = re.search(r"scale[-_ ]?(10|1)\b", args.label)
    args.targets = args.targets or (found.group(1) if found else "default")
    args.parts = [x.strip() for x in args.parts.split(",") if x.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        p.error(f"unknown parts {sorted(unknown)}")
    return args


def fixtures(db: Path):
    """The values interactions cycle through, read from (a copy of) the measured database."""
    import duckdb

    from bench.server_time import Fixtures

    con = duckdb.connect(str(db), read_only=True)
    try:
        q = lambda sql: con.execute(sql).fetchall()  # noqa: E731 - a local shorthand
        # years the rankings page draws a chart for (PAR INDEX of provinces), in the 63-province structure
        years = [y for (y,) in q("SELECT DISTINCT s.year FROM score s JOIN admin_unit u USING (unit_id) "
                                 "WHERE u.level = 'province' AND s.family_code = 'PAR_INDEX' AND s.area_code = 'TOTAL' "
                                 "AND s.score IS NOT NULL AND s.year < 2025 ORDER BY 1 DESC")]
        provinces = q("SELECT unit_id, short_name FROM admin_unit WHERE structure = 'S63' AND level = 'province' ORDER BY code")
        spread = provinces[::5]
        districts = dict(q("SELECT parent_id, min(unit_id) FROM admin_unit WHERE level = 'district' GROUP BY parent_id"))
        home = next(((p, districts[p]) for p in ("S63-P-20", *[u for u, _ in provinces]) if p in districts), ("", ""))
        rows = {t: q(f"SELECT count(*) FROM {t}")[0][0]  # noqa: S608 - fixed table names
                for t in ("admin_unit", "indicator_value", "score", "inspection", "finding")}
    finally:
        con.close()
    fx = Fixtures(years=years, provinces=[u for u, _ in spread],
                  profiles=[(u, districts[u]) for u, _ in spread if u in districts and u != home[0]],
                  search_words=SEARCH_WORDS, home=home)
    return fx, [name for _, name in spread], rows


def build_time(scale: float, workdir: Path) -> dict:
    """bench.scale.build_scaled(path, S), the ordinary build with the scale rows on top, in a child process, so its
    peak RSS is its own (getrusage of the waited child)."""
    target = workdir / "built.duckdb"
    code = ("import sys, json; from pathlib import Path; from bench.scale import build_scaled; "
            "r = build_scaled(Path(sys.argv[1]), float(sys.argv[2])); print(json.dumps({'seconds': r.get('seconds')}))")
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(target), str(scale)], cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode:
        raise RuntimeError(f"the build failed:\n{done.stderr[-3000:]}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    size = target.stat().st_size / 2**20
    target.unlink()
    how = f"build_scaled(path, {scale:g})"
    log(f"  build: {wall:.1f} s, peak RSS {peak_kb / 1024:.0f} MB, {size:.0f} MB ({how})")
    return {"seconds": round(wall, 2), "reported_seconds": json.loads(done.stdout.strip().splitlines()[-1])["seconds"],
            "peak_rss_mb": round(peak_kb / 1024, 1), "db_mb": round(size, 1), "how": how}


def meta(args, db: Path, rows: dict) -> dict:
    import duckdb
    import pandas
    import plotly
    import streamlit

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"db": str(args.db), "db_mb": round(db.stat().st_size / 2**20, 1), "rows": rows,
            "started": dt.datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(),
            "mem_gb": round(mem_kb / 2**20, 1), "load_start": round(os.getloadavg()[0], 2),
            "commit": commit + ("+changes" if dirty else ""),
            "versions": {"python": sys.version.split()[0], "streamlit": streamlit.__version__, "duckdb": duckdb.__version__,
                         "pandas": pandas.__version__, "plotly": plotly.__version__}}


def import_file() -> bytes:
    """The import done in the middle of the load: the template with one new row (a quarterly value of Văn Lãng that
    the database does not have), so the sidebar's counts change: what each session shows tells which data it sees."""
    import io

    from openpyxl import load_workbook

    from par_dashboard.importing import template

    book = load_workbook(io.BytesIO(template.template_workbook("vi")))
    ws = book["Giá trị chỉ tiêu"]
    headers = [c.value for c in ws[1]]
    row = {"Tên đơn vị": "Văn Lãng", "Cấp": "Huyện", "Tỉnh": "Lạng Sơn", "Mã chỉ tiêu *": "OPS_ONTIME_PCT",
           "Năm *": 2024, "Kỳ": "Q1", "Giá trị *": 91.5, "Nguồn": "Benchmark: an import during the load"}
    ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def import_during(server, primary: Path, at_s: float):
    """At `at_s` into the load: an import through the real import service (backup, one transaction, audit row), as
    the Dữ liệu page does it, by a Database in this process over the running workers' snapshots: the lock across
    processes, the primary written, a new snapshot published. Returns what it measured."""
    def run(t_origin: float) -> dict:
        from par_dashboard.importing import service
        from par_dashboard.store.db import Database
        from par_dashboard.store.snapshots import Snapshots

        data = import_file()
        time.sleep(max(0.0, t_origin + at_s - time.perf_counter()))
        folder = server.runtime_dir() / "snapshots"
        db = Database(primary, snapshots=Snapshots(primary, folder))
        started = time.perf_counter()
        report = service.load(db, data, "benchmark-import.xlsx", user="benchmark")
        done = time.perf_counter()
        db.close()
        log(f"  import in the middle: {report.status} in {done - started:.2f} s (added {report.added})")
        return {"status": report.status, "added": report.added, "import_s": round(done - started, 2),
                "started_s": round(started - t_origin, 2), "committed_s": round(done - t_origin, 2)}
    return run


SERVICE_STEPS = 18  # steps of each walk in the service-time measurement (20 walks: 360 requests)
SERVICE_SETTLE_S = 5.0  # after the warm-up: the default year's warming done


def concurrency(args, fx, server_db: Path, workdir: Path) -> dict:
    """For each number of workers: the floor app and ours, one after the other, each behind HAProxy with that many
    processes, `args.concurrency` agent-API sessions for `args.seconds`; with 2 workers (the largest), an import in
    the middle of ours."""
    from bench import agent
    from bench.server import Server
    from par_dashboard.i18n import t

    marker = t("data_kinds", "vi")
    common = {"profiles": fx.profiles or [fx.home], "search_words": fx.search_words, "log": log}
    out: dict = {"users": args.concurrency, "seconds": args.seconds, "think_s": args.think, "runs": {}, "service": {}}
    # first the service time: the same walks one request at a time, 1 worker, each app on a server of its own
    for app in ("floor", "ours"):
        primary = workdir / "service.duckdb"
        if app == "ours":
            shutil.copyfile(server_db, primary)
        server = Server(primary if app == "ours" else None, workdir / f"service-{app}.log", app=app, workers=1)
        # the warming of the default year only (over within the warm-up below): the CPU counted is the interactions',
        # not that of the background warming of every other year, which a served start also runs
        warm_setting = os.environ.get("PAR_WARM")
        os.environ["PAR_WARM"] = "default"
        try:
            server.start()
        finally:
            if warm_setting is None:
                os.environ.pop("PAR_WARM", None)
            else:
                os.environ["PAR_WARM"] = warm_setting
        try:
            server.wait_ready()
            agent.warm(server, 1, agent.PAGES if app == "ours" else [""])
            time.sleep(SERVICE_SETTLE_S)
            run = agent.service(server, users=args.concurrency, steps=SERVICE_STEPS, seed=args.seed + 2000,
                                floor=app != "ours", **{k: common[k] for k in ("profiles", "search_words")})
        finally:
            server.stop()
        out["service"][app] = run
        log(f"  service time, {app}: {run['requests']} requests one at a time, {run['cpu_ms_per_request']} ms of CPU "
            f"each, p50 {run['all']['p50_ms']} p95 {run['all']['p95_ms']} ms")
    for workers in args.workers:
        # the floor, the floor with the rankings page's content (bench/floor_full_app.py: every view made at its
        # start, its year walked like the floor's), ours
        for app in ("floor", "floor_full", "ours"):
            # the database copied afresh: an import of the run before must not be there
            primary = workdir / f"load-{workers}.duckdb"
            if app != "floor":
                shutil.copyfile(server_db, primary)
            server = Server(primary if app != "floor" else None, workdir / f"load-{app}-{workers}.log", app=app,
                            workers=workers)
            server.start()
            try:
                server.wait_ready()
                warmed = agent.warm(server, workers, agent.PAGES if app == "ours" else [""])
                log(f"  {app}, {workers} worker(s): warmed up in {warmed:.1f} s (each worker ran each page once)")
                during = import_during(server, primary, args.seconds / 4) if app == "ours" and workers == max(args.workers) else None
                run = agent.load(server, users=args.concurrency, seconds=args.seconds, think_s=args.think,
                                 seed=args.seed + 1000, floor=app != "ours", marker=marker if app == "ours" else None,
                                 during=during, **common)
            finally:
                server.stop()
            run["memory"], run["warm_up_s"] = server.memory(), round(warmed, 1)
            out["runs"][f"{app} {workers}"] = run
    out["service_method"] = (f"the load's walks ({args.concurrency} sessions, {SERVICE_STEPS} steps each, another seed) "
                             "one request at a time, in turn, through HAProxy with 1 worker: each request's time is its "
                             "service time, with no queue in it; CPU = the server's processes' user + system time "
                             "(DuckDB's threads included) per request. Before it, one session opened every page once; the server warms "
                             "the default year only (PAR_WARM=default), done before the walk starts, so the CPU is the "
                             "interactions' alone.")
    out["method"] = (f"Streamlit's agent API (POST /_stcore/agent/interact) through HAProxy (serve --workers N; the floor "
                     f"app through the same supervisor, bench/floor_serve.py), {args.concurrency} sessions from threads of "
                     f"this process for {args.seconds:.0f} s, think time {args.think} s (±50 %); ours: random walks over "
                     "every page (year, province, structure, page, profile, findings filters), the floor: its year. "
                     "Before each load, one session per worker opened every page once (untimed: the processes have imported "
                     "their modules and run each page, as after a few minutes of use; the views asked then are still "
                     "uncached). p95 over every interaction (a session's first run excluded).")
    return out


def save(result: dict) -> str:
    """Write the JSON and the table so far (after every part: a long run stopped midway keeps what it measured)."""
    from bench.report import markdown

    table = markdown(result) if "rows" in result.get("meta", {}) else "(no figures)"
    stem = OUT_DIR / f"suite-{result['label']}"
    stem.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    stem.with_suffix(".md").write_text(table, encoding="utf-8")
    return table


def part(result: dict, key: str, title: str, measure) -> None:
    """One part of the suite; a part that fails is reported in the output and the others still run."""
    log(title)
    result.setdefault("load_average", {})[f"{key} start"] = round(os.getloadavg()[0], 2)
    try:
        result[key] = measure()
    except Exception as exc:
        log(f"  FAILED: {type(exc).__name__}: {exc}")
        result.setdefault("failed", {})[key] = f"{type(exc).__name__}: {str(exc)[:1000]}"
    result["load_average"][f"{key} end"] = round(os.getloadavg()[0], 2)
    save(result)


def server_time_part(args, fx, result: dict) -> dict:
    from bench import server_time

    def checkpoint(so_far: dict) -> None:
        result["server_time"] = so_far
        save(result)

    pages = tuple(x.strip() for x in args.pages.split(",")) if args.pages else None
    return server_time.measure(fx, args.reps, first_runs=1 if args.quick else 3, log=log, checkpoint=checkpoint,
                               pages_wanted=pages)


def naive_part(args, fx, result: dict) -> dict:
    from bench import server_time

    naive = server_time.naive_baseline(fx.years, max(args.reps, 5), log=log)
    log(f"  naive change year p50 {naive['change year']['p50_ms']} ms")
    ours = result.get("server_time", {}).get("pages", {}).get("rankings", {}).get("interactions", {}).get("change year")
    if not ours:
        return {**naive, "note": "run the server part too for the ratio"}
    naive["ours_uncached_p50_ms"], naive["ours_cached_p50_ms"] = ours["uncached"]["p50_ms"], ours["cached"]["p50_ms"]
    naive["ratio_uncached"] = round(naive["change year"]["p50_ms"] / ours["uncached"]["p50_ms"], 2)
    naive["ratio_cached"] = round(naive["change year"]["p50_ms"] / ours["cached"]["p50_ms"], 2)
    return naive


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # stopped with SIGTERM, still stop the measured server and remove the database copies (finally blocks)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    t_start = time.perf_counter()
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="par-bench-"))
    result: dict = {"label": args.label, "quick": args.quick, "budget_scale": args.budgets, "targets": args.targets,
                    "concurrency_users": args.concurrency, "parts": args.parts}
    try:
        app_db, server_db = workdir / "apptest.duckdb", workdir / "server.duckdb"
        log(f"copying {args.db} ({args.db.stat().st_size / 2**20:.0f} MB) into {workdir}")
        shutil.copyfile(args.db, app_db)
        shutil.copyfile(args.db, server_db)
        fx, province_names, rows = fixtures(app_db)
        result["meta"] = meta(args, app_db, rows)
        if args.build_scale is not None:
            part(result, "build", "database build", lambda: build_time(args.build_scale, workdir))
        os.environ["PAR_DB"] = str(app_db)
        # AppTest sessions sign in (bench/server_time.py); the measured server lets Chromium and the agent API read
        # the figure pages without a login (anonymous viewing: those parts never open the data page).
        from bench.server_time import bench_users

        os.environ["PAR_USERS_FILE"] = str(bench_users(workdir / "users.json"))
        os.environ["PAR_ANONYMOUS"] = "1"
        if "server" in args.parts:
            part(result, "server_time", f"server time (AppTest, {args.reps} repetitions)",
                 lambda: server_time_part(args, fx, result))
        if "naive" in args.parts:
            part(result, "naive", "naive baseline", lambda: naive_part(args, fx, result))
        if "browser" in args.parts or ("concurrency" in args.parts and args.concurrency):
            run_server_parts(args, fx, province_names, server_db, workdir, result)
    except (KeyboardInterrupt, SystemExit) as exc:
        result["interrupted"] = f"stopped ({type(exc).__name__}) before the end: only the parts shown were measured"
        log(result["interrupted"])
    finally:
        result["meta"] = {**result.get("meta", {}), "seconds": round(time.perf_counter() - t_start, 1),
                          "load_end": round(os.getloadavg()[0], 2)}
        shutil.rmtree(workdir, ignore_errors=True)
    print(save(result))
    log(f"wrote {OUT_DIR / f'suite-{args.label}.json'} and .md")
    return 1 if result.get("interrupted") else 0


def run_server_parts(args, fx, province_names: list[str], server_db: Path, workdir: Path, result: dict) -> None:
    """Starts and first visits (ours and the floor alternately), then on our last server and a floor server:
    Chromium interactions (alternately); memory throughout. Then the concurrent loads (their own servers)."""
    from playwright.sync_api import sync_playwright

    from bench import browser as chromium
    from bench.server import Server
    from tests.browser import CHROMIUM_FLAGS, chromium_path

    timeout_ms = 180_000  # a repetition that takes longer fails (and is reported); the others still count
    holder: dict = {}
    pages = [x.strip() for x in args.browser_pages.split(",")] if args.browser_pages else None
    if "browser" in args.parts:
        with sync_playwright() as p:
            br = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
            try:
                result["meta"]["versions"]["chromium"] = br.version

                def make(app: str, k: int) -> Server:
                    return Server(server_db if app == "ours" else None, workdir / f"{app}-start-{k}.log", app=app)

                def starts() -> dict:
                    measured, holder["server"] = chromium.starts_and_first_visits(
                        br, make, starts=args.cold_starts, timeout_ms=timeout_ms, pages=pages, log=log)
                    return measured

                part(result, "starts", f"cold starts and first visits ({args.cold_starts}x each, alternately), "
                     f"Chromium {br.version}", starts)
                if holder.get("server"):
                    floor = Server(None, workdir / "floor-browser.log", app="floor")
                    # the floor with the rankings page's content, from a copy of the same database (ours holds its
                    # own file for writing) (bench/floor_full_app.py)
                    content_db = workdir / "floor-content.duckdb"
                    shutil.copyfile(args.db, content_db)
                    content = Server(content_db, workdir / "floor-content-browser.log", app="floor_full")
                    floor.start()
                    content.start()
                    try:
                        floor.wait_ready()
                        content.wait_ready()
                        part(result, "browser", f"interactions in Chromium, ours and the floor alternately "
                             f"({args.browser_reps} repetitions per pass)",
                             lambda: chromium.paired_interactions(br, holder["server"].base, floor.base, years=fx.years,
                                                                  provinces=province_names, reps=args.browser_reps,
                                                                  timeout_ms=timeout_ms, pages=pages, log=log,
                                                                  content_base=content.base))
                    finally:
                        floor.stop()
                        content.stop()
            finally:
                br.close()
                # stopped however the part ended (an interruption too): no server outlives the suite
                if server := holder.get("server"):
                    server.stop()
                    result["memory"] = {**server.memory(), "log_errors": server.log_errors()[:10]}
    if "concurrency" in args.parts and args.concurrency:
        part(result, "concurrency", f"concurrency: {args.concurrency} sessions for {args.seconds:.0f} s, "
             f"{', '.join(map(str, args.workers))} worker(s), the floor and ours", lambda: concurrency(args, fx, server_db, workdir))


if __name__ == "__main__":
    sys.exit(main())
