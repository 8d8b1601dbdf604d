"""The rankings page in real Chromium (Debian's package driven by Playwright), with a screenshot kept."""

from playwright.sync_api import sync_playwright

from tests.browser import ARTIFACTS, CHROMIUM_FLAGS, chromium_path, streamlit_server


def test_rankings_page_renders_2023_in_chromium(built_db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(built_db) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1200})
            page.goto(f"{base}/?year=2023")
            page.wait_for_selector(".js-plotly-plot .bars", timeout=60_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "rankings_2023_vi.png"), full_page=True)
            text = page.inner_text("body")
            assert "Xếp hạng Chỉ số cải cách hành chính (PAR INDEX) năm 2023" in text
            assert "Dữ liệu mô phỏng" in text
            bar_labels = page.locator(".js-plotly-plot .bars text").evaluate_all("els => els.map(e => e.textContent)")
            assert bar_labels[0] == "92,18"
            assert "year=2023" in page.url
        finally:
            browser.close()
