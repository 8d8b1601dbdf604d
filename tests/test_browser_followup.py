"""The Theo dõi khắc phục page in Debian's Chromium (no download): an open item due on 30/09/2024 is not overdue on
the day the link names (29/09/2024) and appears as overdue once the link's day is past its deadline."""

from __future__ import annotations

import shutil

import pytest
from playwright.sync_api import expect

from par_dashboard.importing import service
from par_dashboard.store.db import Database
from tests.browser import chromium, streamlit_server
from tests.test_followup import OFFICER, good_rows, one, xlsx


@pytest.fixture(scope="module")
def app(built_db, tmp_path_factory):
    """A server on a copy of the database with one inspection of an otherwise unvisited Lạng Sơn commune: an open
    limitation due on 30/09/2024."""
    path = tmp_path_factory.mktemp("followup") / "par.duckdb"
    shutil.copy(built_db, path)
    db = Database(path)
    commune = one(db, """SELECT unit_id FROM admin_unit WHERE province_id = 'S63-P-20' AND level = 'commune'
                         AND unit_id NOT IN (SELECT unit_id FROM finding WHERE unit_id IS NOT NULL)
                         AND unit_id NOT IN (SELECT unit_id FROM inspection_unit) ORDER BY unit_id LIMIT 1""")[0][0]
    rows = good_rows()
    iid = rows["inspections"][0]["inspection_id"]
    rows["inspection_units"] = [{"inspection_id": iid, "unit_id": commune, "visited_on": "01/07/2024"}]
    rows["findings"] = [{"inspection_id": iid, "unit_id": commune, "area": "A3", "kind": "Tồn tại, hạn chế",
                         "text": "Hồ sơ trễ hạn chưa có thư xin lỗi.", "deadline": "30/09/2024"}]
    rows.pop("indicator_values")
    assert service.load(db, xlsx(rows), "han.xlsx", user=OFFICER).status == "loaded"
    db.close()
    with streamlit_server(path, anonymous=True) as base, chromium() as browser:
        try:
            yield base, browser, commune
        finally:
            browser.close()


def _metric(page, label: str):
    return page.locator("[data-testid='stMetric']").filter(has_text=label).locator("[data-testid='stMetricValue']")


def test_the_overdue_item_appears_when_the_as_of_date_passes_its_deadline(app):
    base, browser, commune = app
    page = browser.new_page(viewport={"width": 1440, "height": 1400})
    outside = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
               else (outside.append(route.request.url), route.abort()))
    page.goto(f"{base}/theo-doi-khac-phuc?province=S63-P-20&unit={commune}&as_of=2024-09-29")
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=90_000)
    expect(_metric(page, "Chưa khắc phục")).to_have_text("1", timeout=90_000)
    expect(_metric(page, "Quá hạn")).to_have_text("0")
    # Streamlit's date input: day, month and year segments (spin buttons), filled from the link's as_of
    day = page.get_by_role("spinbutton", name="day, Tính đến ngày")
    month = page.get_by_role("spinbutton", name="month, Tính đến ngày")
    expect(day).to_have_attribute("aria-valuenow", "29")
    expect(month).to_have_attribute("aria-valuenow", "9")

    # The day after the deadline, through the link (typing into the date segments did not send the date in headless
    # Chromium; the AppTest test moves the date input itself)
    page.goto(f"{base}/theo-doi-khac-phuc?province=S63-P-20&unit={commune}&as_of=2024-10-01")
    expect(day).to_have_attribute("aria-valuenow", "1", timeout=90_000)
    expect(month).to_have_attribute("aria-valuenow", "10")
    expect(_metric(page, "Quá hạn")).to_have_text("1", timeout=60_000)
    expect(page.locator("[data-testid='stDataFrame']").first).to_be_visible()  # the open items, overdue first
    assert not outside, outside
    page.close()
