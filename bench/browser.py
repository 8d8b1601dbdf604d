"""End to end in real Chromium (Debian's, driven by Playwright with the flags of tests/browser.py): cold start to
the first chart, first visits, and interactions from the click to the updated charts drawn — ours and the floor
app's (bench/floor_app.py) alternately, in the same run (`paired_interactions`, `starts_and_first_visits`).

"Done", the clock's end: the clock runs in the page, so Playwright's own round trips are not in it: it starts at the
`pointerdown` of the click that makes the change (the option in a selectbox, a radio, the bar) and stops at the
first animation frame where
- a script run started after the click and has ended: Streamlit's app reports "notRunning"
  (`data-test-script-state`), no element is stale (faded) and the status widget (the running indicator) is gone,
- every chart box of the main area (`stPlotlyChart`) holds a drawn Plotly graph, and the drawn content of the
  charts (their texts: titles, axes, legends; the number of their paths and the fills of bars and map regions;
  the deck frame's document on the present page) differs from before the click: the changed figure is on screen,
- the deck frame of the present page holds the document of its new deck, whose first slide is drawn (its
  `body[data-ready=1]`: before, the clock stopped when the frame's source changed, not when the deck showed),
- and, for a click that opens another page, the URL is that page's.
If the run has ended and nothing is redrawn within 3 s, the view's charts do not depend on what changed (the whole
country's inspections under either structure): the clock stops at the run's end, and the repetition is counted as
*unchanged*. No run within 20 s of the click is a failed repetition.
After that the page is left to settle (idle for QUIET_MS, not timed); a run that starts meanwhile is counted as
an extra rerun: the user sees the page fade again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Browser, Page

from bench.server import Server
from bench.stats import percentile, summary

QUIET_MS = 600
VIEWPORT = {"width": 1600, "height": 1200}

INIT_JS = r"""
(() => {
  const UNCHANGED_MS = 3000;
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
  const hash = (text, stride) => { let h = 0; for (let i = 0; i < text.length; i += stride) h = (h * 31 + text.charCodeAt(i)) | 0; return h; };
  // what a person sees of each chart: its texts, how many shapes, the bars' and regions' colours (a year changes a
  // map's colours only); and the deck frame's document (the present page draws its charts inside it)
  b.sig = () => location.pathname + '#' + b.charts().map(p => {
    const fills = Array.from(p.querySelectorAll('.point path, path.point, path.choroplethlocation')).map(e => e.style.fill).join();
    return hash(p.textContent, 1) + ':' + p.querySelectorAll('path').length + ':' + hash(fills, 1);
  }).join('|') + '#' + Array.from(document.querySelectorAll('[data-testid="stMain"] iframe'))
      .map(f => { const d = f.getAttribute('srcdoc') || f.src || ''; return d.length + ':' + hash(d, 13); }).join('|')
    // the headline figures (a section without a chart: a profile's cards)
    + '#' + hash(Array.from(document.querySelectorAll('[data-testid="stMain"] [data-testid="stMetric"]')).map(m => m.textContent).join('|'), 1);
  // every chart box of the main area holds a drawn graph (and there is something drawn: a chart, the deck frame,
  // or — a section without a chart, a profile's first — a table or a headline figure)
  b.drawn = () => {
    const main = '[data-testid="stMain"] ';
    const boxes = Array.from(document.querySelectorAll(main + '[data-testid="stPlotlyChart"]'));
    // (or a sentence saying why there is nothing to draw: the locality page in the other structure, a year before it)
    const others = document.querySelectorAll(main + 'iframe, ' + main + '[data-testid="stDataFrame"], ' + main + '[data-testid="stMetric"], '
                                              + main + '[data-testid="stAlert"]').length;
    // the deck frame (present page): the document of its current srcdoc (same title) says its first slide is drawn
    const decks = Array.from(document.querySelectorAll(main + 'iframe[srcdoc]')).every(f => {
      const src = f.getAttribute('srcdoc'), at = src.indexOf('<title>');
      if (at < 0) return true;
      const title = src.slice(at + 7, src.indexOf('</title>', at)).replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
      const doc = f.contentDocument;
      return !!doc && !!doc.body && doc.title === title && doc.body.dataset.ready === '1';
    });
    return (boxes.length + others) > 0 && decks && boxes.every(box => box.querySelector('.js-plotly-plot .main-svg'));
  };
  b.waitUpdated = ([before, path, minCharts, timeoutMs]) => new Promise(resolve => {
    const start = performance.now();
    let idleSince = null;
    const check = () => {
      const now = performance.now(), running = b.running();
      // (a run of a few ms may never show "running" in the DOM: React batches it with its end; the changed charts
      // then say that it ran)
      const ran = b.events.some(e => e[0] >= b.t0 && e[1] === 'running');
      const ready = !running && b.charts().length >= minCharts && b.drawn() && (!path || location.pathname.endsWith(path));
      idleSince = ready && ran ? (idleSince ?? now) : null;
      if (ready && b.sig() !== before) {
        resolve({ok: true, ms: now - b.t0, phases: b.phases(b.t0, now)});
      } else if (idleSince !== null && now - idleSince > UNCHANGED_MS) {
        // the run ended and nothing was redrawn within UNCHANGED_MS: this view's charts do not depend on what was
        // changed (the whole country's inspections under either structure); done when the run ended
        resolve({ok: true, ms: idleSince - b.t0, phases: b.phases(b.t0, idleSince), unchanged: true});
      } else if (now - start > timeoutMs || (!ran && now - start > 20000)) {
        // timed out, or no run started within 20 s of the click (the click changed nothing)
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

FIRST_CHART_JS = "() => window.__bench && !window.__bench.running() && window.__bench.drawn()"


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


def _sidebar_select(page: Page, label: str, option: str, *, type_to_filter: bool, where: str = "stSidebar") -> str:
    """Open a selectbox (of the sidebar, or `where="stMain"`) and choose an option; returns the chart signature
    taken just before the choice."""
    box = page.locator(f"[data-testid='{where}'] [data-testid='stSelectbox']").filter(has=page.get_by_text(label, exact=True))
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



# ---------------------------------------------------------------------------------------------------- ours vs floor

# Every page of the dashboard, with the link it is first opened at (the locality page needs a province to draw).
PAGES = {"rankings": "/?year=2024", "map": "/ban-do?year=2024", "locality": "/dia-phuong?year=2024&province=S63-P-20",
         "indicators": "/chi-tieu?year=2024", "inspections": "/kiem-tra?year=2024", "present": "/trinh-chieu?year=2024"}
STRUCTURES = {"S63": "63 tỉnh (đến 2024)", "S34": "34 tỉnh (từ 2025)"}  # the sidebar radio's labels (labels/common.toml)
FINDING_KINDS = ["Kết quả đạt được", "Tồn tại, hạn chế", "Kiến nghị"]  # labels/inspections.toml: insp_kind_result, _limitation, _recommendation


def _click_radio(page: Page, label: str) -> str:
    before = page.evaluate("window.__bench.sig()")
    page.locator("[data-testid='stSidebar'] [data-testid='stRadio'] label").filter(has_text=label).first.click()
    return before


class Floor:
    """The floor app open in its own tab: `step()` chooses another year and times it like ours."""

    def __init__(self, browser: Browser, base: str, timeout_ms: int):
        self.page, self.timeout_ms, self.years, self.i = new_page(browser), timeout_ms, list(range(2023, 2015, -1)), 0
        open_settled(self.page, base + "/", timeout_ms)

    def step(self) -> dict:
        year = self.years[self.i % len(self.years)]
        self.i += 1
        return _timed(self.page, _sidebar_select(self.page, "Năm", str(year), type_to_filter=False), path="",
                      min_charts=1, timeout_ms=self.timeout_ms)

    def close(self) -> None:
        self.page.close()


def paired_interactions(browser: Browser, base: str, floor_base: str, *, years: list[int], provinces: list[str], reps: int,
                        timeout_ms: int, pages: list[str] | None = None, log: Callable[[str], None] = print,
                        content_base: str | None = None) -> dict:
    """Every page's year, province and structure, plus open a profile (rankings -> locality) and filter findings
    (inspections): each repetition of ours followed by one of the floor's (its year), so both see the same machine.
    Year and province: each value once (the first request for each view since the start), then the same values
    again (*viewed before*: what everyone after the first sees). Structure: switched there and back."""
    reps = max(2, reps)  # the second pass needs a value to come back from
    ours, floor = new_page(browser), Floor(browser, floor_base, timeout_ms)
    # The floor with the rankings page's content (bench/floor_full_app.py), timed after ours and the floor on the
    # rankings page's year, viewed before: how much of that interaction is Streamlit's for what the page shows.
    content = Floor(browser, content_base, timeout_ms) if content_base else None
    if content is not None:
        # every year shown once in its tab first (untimed), as ours and the floor have shown theirs before their
        # "viewed before": plotly.js keeps the sizes of the texts it measured, and a new year's labels are measured
        for _ in content.years:
            content.step()
    rows: dict[str, dict] = {}
    errors: list[str] = []

    def record(name: str, steps: list[Callable[[], dict]], with_content: bool = False) -> None:
        mine, theirs, full = [], [], []
        runs = [(mine, None), (theirs, floor.step)] + [(full, content.step)] * (with_content and content is not None)
        for step in steps:
            for results, run in runs:
                run = run or step
                try:
                    results.append(run())
                except Exception as exc:  # a failed repetition is reported, the others still count
                    errors.append(f"{name} ({'ours' if run is step else 'floor'}): {type(exc).__name__}: {str(exc)[:300]}")
        row = {"ours": summary([r["ms"] / 1000 for r in mine]), "floor": summary([r["ms"] / 1000 for r in theirs]),
               "phases_p50_ms": {k: _p50([r["phases"][k] for r in mine]) for k in ("to_run_ms", "run_ms", "after_run_ms")},
               "extra_reruns": sum(r["extra"] for r in mine), "unchanged": sum(bool(r.get("unchanged")) for r in mine)}
        for q in ("p50", "p95"):
            o, f = row["ours"][f"{q}_ms"], row["floor"][f"{q}_ms"]
            row[f"ratio_{q}"] = round(o / f, 2) if o and f else None
        if full:
            row["content"] = summary([r["ms"] / 1000 for r in full])
            c = row["content"]["p50_ms"]
            row["content_ratio_p50"] = round(c / row["floor"]["p50_ms"], 2) if c and row["floor"]["p50_ms"] else None
            row["ours_to_content_p50"] = round(row["ours"]["p50_ms"] / c, 2) if c and row["ours"]["p50_ms"] else None
        rows[name] = row
        log(f"  {name}: ours p50 {row['ours']['p50_ms']} p95 {row['ours']['p95_ms']} ms, floor p50 {row['floor']['p50_ms']} "
            f"p95 {row['floor']['p95_ms']} ms -> {row['ratio_p50']}x / {row['ratio_p95']}x ({len(mine)} of {len(steps)})")

    year_values = [years[(i + 1) % len(years)] for i in range(reps)]  # 2024 is where every page opens
    province_values = [provinces[i % len(provinces)] for i in range(reps)]
    for name in pages or list(PAGES):
        url = base + PAGES[name]

        def year_step(year: int):
            return lambda: _timed(ours, _sidebar_select(ours, "Năm", str(year), type_to_filter=False), path="",
                                  min_charts=0, timeout_ms=timeout_ms)

        def province_step(province: str):
            return lambda: _timed(ours, _sidebar_select(ours, "Tỉnh, thành phố", province, type_to_filter=True), path="",
                                  min_charts=0, timeout_ms=timeout_ms)

        def structure_step(structure: str):
            return lambda: _timed(ours, _click_radio(ours, STRUCTURES[structure]), path="", min_charts=0, timeout_ms=timeout_ms)

        open_settled(ours, url, timeout_ms)
        record(f"{name} / year", [year_step(y) for y in year_values])
        record(f"{name} / year, viewed before", [year_step(y) for y in _again(year_values, year_values[-1])],
               with_content=name == "rankings")
        open_settled(ours, url, timeout_ms)
        record(f"{name} / province", [province_step(v) for v in province_values])
        record(f"{name} / province, viewed before", [province_step(v) for v in _again(province_values, province_values[-1])])
        open_settled(ours, url, timeout_ms)
        record(f"{name} / structure", [structure_step("S34" if i % 2 == 0 else "S63") for i in range(max(2, reps))])

        if name == "rankings":
            def bar_step(i: int):
                def step():
                    open_settled(ours, f"{base}/?year={years[i % len(years)]}", timeout_ms)
                    bars = ours.locator("[data-testid='stMain'] .js-plotly-plot").first.locator(".bars .point path")
                    bars.first.wait_for(timeout=timeout_ms)  # (counted before the chart was drawn: 0 bars, a failed repetition)
                    bar = bars.nth((i * 7) % min(30, bars.count()))  # a different province each time, in the top 30
                    bar.scroll_into_view_if_needed()
                    box = bar.bounding_box()
                    # Plotly takes clicks on its drag layer: click near the visible end of the bar (tests/test_browser.py)
                    x, y = box["x"] + box["width"] - 15, box["y"] + box["height"] / 2
                    ours.mouse.move(x, y)
                    ours.wait_for_timeout(300)
                    before = ours.evaluate("window.__bench.sig()")
                    ours.mouse.click(x, y)
                    return _timed(ours, before, path="/dia-phuong", min_charts=0, timeout_ms=timeout_ms)  # its first section: cards, no chart
                return step

            record("open a profile (rankings -> locality)", [bar_step(i) for i in range(reps)])
        if name == "inspections":
            open_settled(ours, url + ("&" if "?" in url else "?") + "section=findings", timeout_ms)  # their own section

            def kind_step(kind: str):
                return lambda: _timed(ours, _sidebar_select(ours, "Loại phát hiện", kind, type_to_filter=False, where="stMain"),
                                      path="", min_charts=0, timeout_ms=timeout_ms)

            kinds = [FINDING_KINDS[i % len(FINDING_KINDS)] for i in range(max(2, reps))]
            record("inspections / filter findings (kind)", [kind_step(k) for k in kinds])
    ours.close()
    floor.close()
    if content is not None:
        content.close()
    return {"method": "Playwright + /usr/bin/chromium (tests/browser.py flags); clock in the page from the click's "
                      "pointerdown to the first frame where a run started after the click has ended (script state "
                      "notRunning, nothing stale, no status widget), every chart box holds a drawn graph (the present "
                      "page: its deck frame's new document has drawn its first slide) and what the charts show changed (or, if nothing is redrawn within 3 s, the run's end: 'unchanged'); each repetition of ours followed by one of the floor app's (its year)",
            "interactions": rows, "errors": errors}


def _visit(browser: Browser, url: str, timeout_ms: int) -> tuple[float, Page]:
    """A new person: a fresh browser context (nothing cached), the link opened; seconds from the navigation's start
    (the page's own clock) to its charts drawn and the run ended."""
    page = new_page(browser)
    page.goto(url)
    page.wait_for_function(FIRST_CHART_JS, timeout=timeout_ms)
    return page.evaluate("performance.now()") / 1000, page


def starts_and_first_visits(browser: Browser, make_server: Callable[[str, int], Server], *, starts: int, timeout_ms: int,
                            pages: list[str] | None = None, log: Callable[[str], None] = print) -> tuple[dict, Server]:
    """`starts` times, alternately: our server started (the clock starts with the process), the rankings page opened
    in a fresh tab as soon as it answers -> its chart drawn (the cold start; and the rankings page's first visit,
    from the navigation), then every other page in a fresh tab (its first visit: cold caches); then the floor app's
    the same way (its cold start and its first visit). Returns the figures and our last server, left running."""
    out: dict[str, dict[str, list[float]]] = {"ours": {}, "floor": {}}
    keep = None
    for k in range(starts):
        for app in ("ours", "floor"):
            server = make_server(app, k)
            t0 = server.start()
            try:
                ready = server.wait_ready() - t0
                visit, page = _visit(browser, server.base + ("/?year=2024" if app == "ours" else "/"), timeout_ms)
            except BaseException:  # (an interruption too) no server left running
                server.stop()
                raise
            cold = time.perf_counter() - t0
            page.close()
            figures = out[app]
            figures.setdefault("server answers", []).append(ready)
            figures.setdefault("cold start", []).append(cold)
            figures.setdefault("first visit: rankings" if app == "ours" else "first visit", []).append(visit)
            if app == "ours":
                try:
                    for name in pages or list(PAGES):
                        if name != "rankings":
                            seconds, page = _visit(browser, server.base + PAGES[name], timeout_ms)
                            page.close()
                            figures.setdefault(f"first visit: {name}", []).append(seconds)
                except BaseException:
                    server.stop()
                    raise
            log(f"  start {k + 1} {app}: answers {ready:.2f} s, first chart {cold:.2f} s; first visits "
                + ", ".join(f"{n.removeprefix('first visit').strip(': ') or 'its page'} {v[-1]:.2f}" for n, v in figures.items()
                           if n.startswith("first visit")))
            if app == "ours" and k == starts - 1:
                keep = server
            else:
                server.stop()
    return {app: {name: summary(values) for name, values in figures.items()} for app, figures in out.items()}, keep
