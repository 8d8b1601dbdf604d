"""Screenshots of dashboard pages in headless Chromium, for a person to look at.

    .venv/bin/python scripts/screenshots.py [name=url_path?query ...]

Without arguments takes every page in Vietnamese and one in English. Saved in artifacts/screenshots/.
Requests to anything but the local server are blocked, so a page that needs the internet shows it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright  # noqa: E402

from par_dashboard.paths import DEFAULT_DB  # noqa: E402
from tests.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, streamlit_server  # noqa: E402

DEFAULT_SHOTS = {
    "rankings_vi": "?year=2023",
    "map_vi": "ban-do?year=2024",
    "map_province_vi": "ban-do?year=2024&province=S63-P-20",
    "locality_vi": "dia-phuong?year=2024&province=S63-P-20&unit=S63-D-183",
    "indicators_vi": "chi-tieu?year=2024&indicator=OPS_ONTIME_PCT",
    "inspections_vi": "kiem-tra?year=2024&province=S63-P-20",
    "locality_en": "dia-phuong?lang=en&year=2025&structure=S34&province=S34-P-24",
    "present_vi": "trinh-chieu?year=2024&province=S63-P-20",
}


def wait_until_drawn(page, timeout_ms: int = 90_000) -> None:
    """Until the script run has finished and no element is still a loading skeleton."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout_ms)  # the page's title: the run has begun
    page.wait_for_timeout(1500)
    page.wait_for_function(
        "!document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout_ms)
    page.wait_for_timeout(1500)


def main(args: list[str]) -> None:
    shots = dict(a.split("=", 1) for a in args) if args else DEFAULT_SHOTS
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(DEFAULT_DB, anonymous=True) as base, sync_playwright() as p:  # read pages: no login
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        blocked: list[str] = []
        for name, spec in shots.items():
            path, _, height = spec.partition("@")  # "ban-do?year=2024@1400": the app scrolls inside, so a tall
            page = browser.new_page(viewport={"width": 1600, "height": int(height or 2400)})  # viewport shows it all
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                       else (blocked.append(route.request.url), route.abort()))
            page.goto(f"{base}/{path}")
            wait_until_drawn(page)
            out = ARTIFACTS / f"{name}.png"
            page.screenshot(path=str(out), full_page=True)
            print(out)
            page.close()
        browser.close()
        if blocked:
            print("blocked requests:", *sorted(set(blocked)), sep="\n  ")


if __name__ == "__main__":
    main(sys.argv[1:])
