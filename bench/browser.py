"""End to end in real Chromium (Debian's, driven by Playwright with the flags of tests/browser.py): cold start to
the first chart, and interactions from the click to the updated chart drawn.

The clock runs in the page, so Playwright's own round trips are not in it: it starts at the `pointerdown` of the
click that makes the change (the option in a selectbox, the bar) and stops at the first animation frame where
- the plotly charts' drawn content (axis and bar texts, number of points) differs from before the click,
- Streamlit's app reports its script as not running (`data-test-script-state`), no element is stale (faded)
  and the status widget is gone,
- and, for a click that opens another page, the URL is that page's.
After that the page is left to settle (idle for QUIET_MS, not timed); a run that starts meanwhile is counted as
an extra rerun: the user sees the page fade again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page

from bench.server import Server
from bench.stats import percentile, summary

QUIET_MS = 600
VIEWPORT = {"width": 1600, "height": 1200}

INIT_JS = r"""
(() => {
  const b = window.__bench = {t0: null, events: []};
  document.addEventListener('pointerdown', () => { b.t0 = performance.now(); }, true);
  // every change of the app's script state, with its time: where an interaction's time goes
  new MutationObserver(records => {
    for (const r of records) {
      if (r.attributeName === 'data-test-script-state') b.events.push([performance.now(), r.target.getAttribute(r.attributeName)]);
    }
    if (b.events.length > 500) b.events.splice(0, 250);
  }).observe(document, {attributes: true, subtree: true, attributeFilter: ['data-test-script-state']});
  b.phases = (t0, t1) => {
    const after = b.events.filter(e => e[0] >= t0 && e[0] <= t1);
    const start = after.find(e => e[1] === 'running');
    const ends = after.filter(e => e[1] === 'notRunning');
    const end = ends.length ? ends[ends.length - 1] : null;
    return {to_run_ms: start ? start[0] - t0 : null, run_ms: start && end ? end[0] - start[0] : null,
            after_run_ms: end ? t1 - end[0] : null};
  };
  b.running = () => {
    const app = document.querySelector('[data-testid="stApp"]');
    return !app || app.getAttribute('data-test-script-state') !== 'notRunning'
      || !!document.querySelector('[data-stale="true"]') || !!document.querySelector('[data-testid="stStatusWidget"]');
  };
  b.charts = () => Array.from(document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot'));
  b.sig = () => location.pathname + '#' + b.charts().map(p => {
    const layer = p.querySelector('.cartesianlayer');
    return (layer ? layer.textContent : '') + ':' + p.querySelectorAll('.point').length;
  }).join('|');
  b.waitUpdated = ([before, path, minCharts, timeoutMs]) => new Promise(resolve => {
    const start = performance.now();
    let idleSince = null;
    const check = () => {
      const now = performance.now(), running = b.running();
      const ran = b.events.some(e => e[0] >= b.t0 && e[1] === 'running');
      idleSince = running || !ran ? null : (idleSince ?? now);
      if (!running && b.charts().length >= minCharts && b.sig() !== before && (!path || location.pathname.endsWith(path))) {
        resolve({ok: true, ms: now - b.t0, phases: b.phases(b.t0, now)});
      } else if (now - start > timeoutMs || (idleSince !== null && now - idleSince > 5000)) {
        // timed out, or the run ended 5 s ago and the chart did not change: the view has no chart to update
        resolve({ok: false, ms: now - b.t0, running, charts: b.charts().length, path: location.pathname});
      } else {
        requestAnimationFrame(check);
      }
    };
    check();
  });
  b.settle = ([quietMs, timeoutMs]) => new Promise(resolve => {
    const start = performance.now();
    let idleSince = b.running() ? null : start, runs = 0, wasRunning = b.running();
    const check = () => {
      const now = performance.now(), running = b.running();
      if (running && !wasRunning) runs += 1;
      wasRunning = running;
      if (running) idleSince = null; else if (idleSince === null) idleSince = now;
      if ((idleSince !== null && now - idleSince >= quietMs) || now - start > timeoutMs) resolve(runs);
      else requestAnimationFrame(check);
    };
    check();
  });
})();
"""

FIRST_CHART_JS = ("() => window.__bench && !window.__bench.running()"
                  " && document.querySelectorAll('[data-testid=\"stMain\"] .js-plotly-plot .bars .point').length > 0")


# Where a cold start's time goes, in the page's clock (ms since the navigation started; cold_start adds the time the
# page was opened at): the first script run's start and end as the page saw them, the end of the download of
# Plotly's JavaScript (fetched when the first chart arrives), and now (the chart drawn).
TIMELINE_JS = """() => {
  const ev = window.__bench.events;
  const run = ev.find(e => e[1] === 'running');
  const end = run && ev.find(e => e[1] === 'notRunning' && e[0] > run[0]);
  const plotly = performance.getEntriesByType('resource').find(e => e.name.includes('PlotlyChart'));
  return {page_run_start: run ? run[0] : null, page_run_end: end ? end[0] : null,
          plotly_js_loaded: plotly ? plotly.responseEnd : null, chart_drawn: performance.now()};
}"""


def _p50(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(percentile(present, 0.5), 1) if present else None


def new_page(browser: Browser) -> Page:
    page = browser.new_page(viewport=VIEWPORT)
    page.add_init_script(INIT_JS)
    return page


def open_settled(page: Page, url: str, timeout_ms: int) -> None:
    """Open a view and wait until its chart is drawn and the app has been idle for QUIET_MS (not timed)."""
    page.goto(url)
    page.wait_for_function(FIRST_CHART_JS, timeout=timeout_ms)
    page.evaluate("a => window.__bench.settle(a)", [QUIET_MS, timeout_ms])


def cold_start(browser: Browser, db_copy: Path, workdir: Path, runs: int, timeout_ms: int,
               log: Callable[[str], None] = print) -> tuple[dict, Server]:
    """Start the server `runs` times; each time, from the process start to the rankings chart drawn in an already
    open Chromium tab, with a timeline in seconds since the process start (page opened once the server answers,
    first script run start and end, Plotly's JavaScript loaded, chart drawn). The last server is returned running,
    for the measurements that follow."""
    ready, first_chart, steps = [], [], []
    server = None
    for k in range(runs):
        if server:
            server.stop()
        page = new_page(browser)
        server = Server(db_copy, workdir / f"server-{k}.log")
        t0 = server.start()
        ready.append(server.wait_ready() - t0)
        t_goto = time.perf_counter()
        page.goto(server.base + "/")
        page.wait_for_function(FIRST_CHART_JS, timeout=timeout_ms)
        first_chart.append(time.perf_counter() - t0)
        opened = t_goto - t0
        steps.append({"page_opened": opened,
                      **{k: opened + v / 1000 for k, v in page.evaluate(TIMELINE_JS).items() if v is not None}})
        page.close()
        log(f"  cold start {k + 1}: server answers after {ready[-1]:.2f} s, rankings chart drawn after {first_chart[-1]:.2f} s"
            f" ({', '.join(f'{k} {v:.2f}' for k, v in steps[-1].items())} s)")
    timeline = {k: round(percentile([s[k] for s in steps if k in s], 0.5), 2) for k in steps[-1]}
    return {"server_ready": summary(ready), "first_chart": summary(first_chart), "timeline_p50_s": timeline}, server


def _sidebar_select(page: Page, label: str, option: str, *, type_to_filter: bool) -> str:
    """Open a sidebar selectbox and choose an option; returns the chart signature taken just before the choice."""
    box = page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True))
    box.click()
    if type_to_filter:
        page.keyboard.type(option)
    target = page.get_by_role("option", name=option, exact=True)
    target.wait_for()
    before = page.evaluate("window.__bench.sig()")
    target.click()
    return before


def _timed(page: Page, before: str, *, path: str, min_charts: int, timeout_ms: int) -> dict:
    """Milliseconds from the click to the updated chart (see the module docstring), where they went (to the
    run's start, the run, after the run), and the extra reruns seen while the page settled."""
    result = page.evaluate("a => window.__bench.waitUpdated(a)", [before, path, min_charts, timeout_ms])
    if not result["ok"]:
        raise TimeoutError(f"the chart was not updated (time out {timeout_ms} ms, or the run ended without it): {result}")
    result["extra"] = page.evaluate("a => window.__bench.settle(a)", [QUIET_MS, timeout_ms])
    return result


def _again(values: list, current) -> list:
    """The same values in the same order, starting where a change is seen: a selectbox set to the value it holds
    changes nothing (the last value of the first pass may equal the first of the second)."""
    if len(set(values)) > 1 and values[0] == values[-1]:
        values = values[1:] + values[:1]
    return values if values[0] != current else values[1:] + values[:1]


def interactions(browser: Browser, base: str, *, years: list[int], provinces: list[str], reps: int, timeout_ms: int,
                 log: Callable[[str], None] = print) -> dict:
    """Choose a year, change the province (rankings page, sidebar), click a bar (rankings -> locality profile)."""
    page = new_page(browser)
    out: dict[str, dict] = {}
    errors: list[str] = []

    def record(name: str, steps: list[Callable[[], dict]]) -> None:
        results = []
        for step in steps:
            try:
                results.append(step())
            except Exception as exc:  # a failed repetition is reported, the others still count
                errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
        phases = {k: _p50([r["phases"][k] for r in results]) for k in ("to_run_ms", "run_ms", "after_run_ms")}
        out[name] = {**summary([r["ms"] / 1000 for r in results]), "phases_p50_ms": phases,
                     "extra_reruns": sum(r["extra"] for r in results)}
        if results:
            log(f"  browser {name}: p50 {out[name]['p50_ms']:.0f} p95 {out[name]['p95_ms']:.0f} ms ({len(results)} of"
                f" {len(steps)}; p50 to the run {phases['to_run_ms']}, run {phases['run_ms']}, after {phases['after_run_ms']} ms;"
                f" {out[name]['extra_reruns']} extra reruns)")

    year_values = [y for y in years if y != 2024]
    open_settled(page, f"{base}/?year=2024", timeout_ms)

    def year_step(year: int):
        return lambda: _timed(page, _sidebar_select(page, "Năm", str(year), type_to_filter=False),
                              path="", min_charts=1, timeout_ms=timeout_ms)

    # Each value once, then the same values again: the first pass is what the first person to ask for a view sees
    # (its queries and figures not cached yet), the second what everyone after them sees.
    chosen_years = [year_values[i % len(year_values)] for i in range(reps)]
    record("choose a year (rankings)", [year_step(y) for y in chosen_years])
    record("choose a year (rankings), viewed before", [year_step(y) for y in _again(chosen_years, 2024)])

    open_settled(page, f"{base}/?year=2024", timeout_ms)

    def province_step(name: str):
        return lambda: _timed(page, _sidebar_select(page, "Tỉnh, thành phố", name, type_to_filter=True),
                              path="", min_charts=2, timeout_ms=timeout_ms)

    chosen_provinces = [provinces[i % len(provinces)] for i in range(reps)]
    record("change province (rankings)", [province_step(p) for p in chosen_provinces])
    record("change province (rankings), viewed before", [province_step(p) for p in _again(chosen_provinces, None)])

    def bar_step(i: int):
        def step():
            open_settled(page, f"{base}/?year={years[i % len(years)]}", timeout_ms)
            bars = page.locator("[data-testid='stMain'] .js-plotly-plot").first.locator(".bars .point path")
            bar = bars.nth((i * 7) % min(30, bars.count()))  # a different province each time, in the top 30
            bar.scroll_into_view_if_needed()
            box = bar.bounding_box()
            # Plotly takes clicks on its drag layer: click near the visible end of the bar (as tests/test_browser.py)
            x, y = box["x"] + box["width"] - 15, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.wait_for_timeout(300)
            before = page.evaluate("window.__bench.sig()")
            page.mouse.click(x, y)
            return _timed(page, before, path="/dia-phuong", min_charts=1, timeout_ms=timeout_ms)
        return step

    record("click a bar -> profile", [bar_step(i) for i in range(reps)])
    page.close()
    return {"method": "Playwright + /usr/bin/chromium (tests/browser.py flags), clock in the page: pointerdown of the "
                      "click -> first frame with the chart's new content, script not running, nothing stale",
            "interactions": out, "errors": errors}
