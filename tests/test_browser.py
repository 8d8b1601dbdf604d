"""The dashboard in real Chromium (Debian's package driven by Playwright), with screenshots kept as artifacts.

Every request that does not go to the local Streamlit server is blocked and recorded: the dashboard must
work offline, the map included.
"""

import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.browser import ARTIFACTS, chromium


@pytest.fixture(scope="module")
def app(anonymous_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium() as browser:  # read only: no login needed
        try:
            yield anonymous_server, browser
        finally:
            browser.close()


def _page(app, path: str, height: int = 1400):
    base, browser = app
    page = browser.new_page(viewport={"width": 1600, "height": height})
    page.outside_requests = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
               else (page.outside_requests.append(route.request.url), route.abort()))
    page.goto(f"{base}/{path}")
    return page


_IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning' && !document.querySelector('[data-stale="true"]')
    && !document.querySelector('[data-testid="stStatusWidget"]') && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def _settled(page, timeout: int = 60_000) -> None:
    """The run is over and nothing on screen is stale: Streamlit's own script state (the app's
    `data-test-script-state`) says "notRunning", twice 400 ms apart (a click's rerun may not have begun at the
    first look; on a loaded machine a click made during a run can be lost)."""
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)  # the page's title: the run has begun
    for _ in range(2):
        page.wait_for_timeout(400)
        page.wait_for_function(_IDLE, timeout=timeout)


def test_rankings_page_renders_2023(app):
    page = _page(app, "?year=2023", height=1200)
    page.wait_for_selector(".js-plotly-plot .bars", timeout=60_000)
    _settled(page)
    page.screenshot(path=str(ARTIFACTS / "rankings_2023_vi.png"), full_page=True)
    text = page.inner_text("body")
    assert "Xếp hạng Chỉ số cải cách hành chính (PAR INDEX) năm 2023" in text
    assert "Dữ liệu mô phỏng" in text
    bar_labels = page.locator(".js-plotly-plot .bars text").evaluate_all("els => els.map(e => e.textContent)")
    assert bar_labels[0] == "92,18"
    assert "year=2023" in page.url
    assert page.outside_requests == []


def test_the_first_pages_own_path_opens_it(app):
    """Issue 18: /xep-hang (the rankings page's own path, in its links and its downloads' names) showed Streamlit's
    "Page not found" dialog: only "/" served the first page."""
    page = _page(app, "xep-hang?year=2019", height=1200)
    page.wait_for_selector(".js-plotly-plot .bars", timeout=60_000)
    _settled(page)
    text = page.inner_text("body")
    assert "Xếp hạng Chỉ số cải cách hành chính (PAR INDEX) năm 2019" in text
    assert "not found" not in text.lower() and "year=2019" in page.url


def test_a_link_with_a_province_reopens_that_province_and_draws_its_chart(app):
    # the province's units are the page's second section (issue 17: one section drawn per run), kept in the link
    page = _page(app, "?year=2022&province=S63-P-49&section=units", height=2400)
    page.wait_for_selector(".js-plotly-plot .bars", timeout=60_000)
    _settled(page)
    expect(page.locator("[data-testid='stSidebar']").get_by_label("Tỉnh, thành phố")).to_have_value("Quảng Nam")
    expect(page.get_by_role("heading", name="Quảng Nam")).to_be_visible()
    charts = page.locator(".js-plotly-plot")
    assert charts.count() == 1  # the province's districts only: the national ranking is the other section
    district_bars = charts.nth(0).locator(".bars text").evaluate_all("els => els.map(e => e.textContent)")
    assert district_bars[0] == "91,44"  # Bắc Trà My, first of Quảng Nam's districts in 2022 (published)
    page.screenshot(path=str(ARTIFACTS / "rankings_quang_nam_2022_vi.png"), full_page=True)


def test_clicking_a_bar_opens_that_locality_profile(app):
    page = _page(app, "?year=2023", height=1400)
    page.wait_for_selector(".js-plotly-plot .bars .point", timeout=60_000)
    _settled(page)
    # Plotly takes clicks on its drag layer, above the bars: click near the visible end of the first bar
    # (bars start at 0, left of the axis range, so their box begins off the plot).
    box = page.locator(".js-plotly-plot").first.locator(".bars .point path").first.bounding_box()
    x, y = box["x"] + box["width"] - 15, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(r"/dia-phuong\?.*province=S63-P-22"), timeout=60_000)
    _settled(page)
    expect(page.get_by_role("heading", name="Tỉnh Quảng Ninh")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "locality_after_click_vi.png"), full_page=True)


def test_changing_the_language_relabels_the_page_and_the_link(app):
    page = _page(app, "dia-phuong?year=2024&province=S63-P-20&unit=S63-D-183", height=2600)
    _settled(page)
    expect(page.get_by_role("heading", name="Huyện Cao Lộc, Lạng Sơn")).to_be_visible()
    page.locator("[data-testid='stSidebar']").get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="Locality profile")).to_be_visible(timeout=30_000)
    _settled(page)
    assert "lang=en" in page.url and "unit=S63-D-183" in page.url
    text = page.inner_text("body")
    assert "Dossiers resolved on time or early" in text and "99.80" in text
    page.screenshot(path=str(ARTIFACTS / "locality_cao_loc_en.png"), full_page=True)


def _region_point(page, layer: str, unit_id: str) -> tuple[float, float]:
    """Where a region of the map is on screen: a point inside its shape (not its centroid, which a concave province
    may lie outside of), projected by the map the page drew."""
    from shapely.geometry import shape

    from par_dashboard.views import geo

    feature = next(f for f in geo.load_layer(layer)["features"] if f["id"] == unit_id)
    inside = shape(feature["geometry"]).representative_point()
    return tuple(page.evaluate("""([lon, lat]) => {
        const map = document.querySelector('.js-plotly-plot')._fullLayout.map._subplot.map;
        const at = map.project([lon, lat]), box = map.getContainer().getBoundingClientRect();
        return [box.left + at.x, box.top + at.y];
    }""", [inside.x, inside.y]))


def _click_region(page, layer: str, unit_id: str) -> None:
    x, y = _region_point(page, layer, unit_id)
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)


def test_the_map_draws_with_the_network_off_and_a_click_selects_a_province(app):
    page = _page(app, "ban-do?year=2024", height=1300)
    page.wait_for_selector(".js-plotly-plot .maplibregl-canvas", timeout=60_000)
    _settled(page)
    page.wait_for_timeout(1500)
    text = page.inner_text("body")
    assert "Bản đồ Chỉ số CCHC (tổng) năm 2024" in text and "Dữ liệu mô phỏng" in text
    assert page.outside_requests == [], page.outside_requests
    page.screenshot(path=str(ARTIFACTS / "map_2024_vi.png"), full_page=True)
    # Issue 18, provenance one click away from a map region: a province's click drills down and the box above the
    # table names the province's source (a district's click, its source and a button to its profile: under AppTest,
    # tests/test_provenance.py, cheaper than a second real click)
    _click_region(page, "S63-province", "S63-P-20")
    expect(page).to_have_url(re.compile(r"province=S63-P-20"), timeout=60_000)
    _settled(page)
    source = page.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer']", has_text=re.compile("^Nguồn của "))
    expect(source).to_contain_text("Nguồn của Lạng Sơn, 2024", timeout=30_000)
    assert "nan" not in source.inner_text().split() and page.outside_requests == []
    page.screenshot(path=str(ARTIFACTS / "map_region_source_vi.png"), full_page=True)


def test_back_and_forward_restore_the_filters(app):
    page = _page(app, "?year=2022&province=S63-P-20&section=units", height=1200)
    _settled(page)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Chỉ tiêu", exact=True).click()
    expect(page).to_have_url(re.compile(r"/chi-tieu"), timeout=30_000)
    _settled(page)
    assert "province=S63-P-20" in page.url and "year=2022" in page.url
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"/chi-tieu"), timeout=30_000)
    _settled(page)
    assert "year=2022" in page.url and "section=units" in page.url  # the section left is the section back
    expect(page.get_by_role("heading", name="Lạng Sơn")).to_be_visible()


def _view(page) -> tuple[str, str, str]:
    """What a person sees of the view: the page, the query string, the heading."""
    path, _, query = page.url.split("/", 3)[-1].partition("?")
    return path, query, page.locator("[data-testid='stMain'] h1").first.inner_text()


def test_every_filter_is_one_history_entry_and_back_and_forward_restore_each_view(app):
    """Issue 18 item 2: a SIPAS link opened PAR INDEX (the index was not in the URL); a change of two filters wrote
    two history entries and a page move three, so the first Back cleared the province, the default view could not
    be reached again and a third Back left the app. Now: one entry per change, each Back the view before it."""
    page = _page(app, "", height=1200)
    _settled(page)
    start = page.evaluate("history.length")
    views = [_view(page)]
    steps = [
        lambda: (page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").nth(0).click(),
                 page.get_by_role("option", name="2022").click()),
        lambda: (page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").nth(1).click(),
                 page.keyboard.type("Lạng Sơn"), page.keyboard.press("Enter")),
        lambda: (page.locator("[data-testid='stMain'] [data-testid='stSelectbox']").first.click(),
                 page.get_by_role("option", name=re.compile("SIPAS")).click()),
        lambda: page.locator("[data-testid='stSidebarNav']").get_by_text("Chỉ tiêu", exact=True).click(),
    ]
    for n, step in enumerate(steps, 1):
        before = page.url  # read before the step: a quick move has changed it by the time the step returns
        step()
        try:
            page.wait_for_function(f"location.href !== {before!r}", timeout=30_000)
        except PlaywrightTimeout:
            pytest.fail(f"step {n}: the URL stayed {page.url} (history {page.evaluate('history.length')})")
        _settled(page)
        views.append(_view(page))
    assert page.evaluate("history.length") == start + len(steps)
    assert views[1][1] == "year=2022" and views[2][1] == "year=2022&province=S63-P-20"
    assert "family=SIPAS" in views[3][1] and "SIPAS" in views[3][2], views[3]
    assert views[4][0] == "chi-tieu" and views[4][1] == views[3][1]
    for before in reversed(views[:-1]):  # Back: each view in turn, the default one (no query) last, still the app
        page.go_back()
        page.wait_for_timeout(500)
        _settled(page)
        assert _view(page) == before
    for after in views[1:]:
        page.go_forward()
        page.wait_for_timeout(500)
        _settled(page)
        assert _view(page) == after
    # a shared link to a SIPAS ranking opens SIPAS
    shared = _page(app, "?family=SIPAS&year=2023", height=1200)
    _settled(shared)
    assert "SIPAS" in _view(shared)[2] and "2023" in _view(shared)[2]


def test_the_present_page_plays_the_deck_with_the_keyboard(app):
    page = _page(app, "trinh-chieu?year=2024&province=S63-P-20", height=1300)
    _settled(page)
    deck = page.frame_locator("iframe").first
    deck.locator("body[data-ready='1']").wait_for(timeout=60_000)
    frame = next(f for f in page.frames if f.url == "about:srcdoc")
    assert frame.evaluate("document.body.dataset.slide") == "1"
    # plotly.js comes from the server's static files, once for every deck shown (shell/assets.py), not in the frame
    srcdoc = page.locator("iframe").first.get_attribute("srcdoc")
    assert len(srcdoc) < 1_000_000 and '<script src="app/static/plotly-' in srcdoc, len(srcdoc)
    assert frame.evaluate("typeof Plotly.newPlot") == "function"
    deck.locator("#slide-1").click()  # focus the deck, as a presenter does
    page.keyboard.press("PageDown")
    page.keyboard.press("ArrowRight")
    assert frame.evaluate("document.body.dataset.slide") == "3"
    page.keyboard.press("PageUp")
    assert frame.evaluate("document.body.dataset.slide") == "2"
    assert "Lạng Sơn xếp thứ" in deck.locator("#slide-2").inner_text()
    page.screenshot(path=str(ARTIFACTS / "present_page_slide2_vi.png"))
    assert page.outside_requests == []


def test_a_link_to_an_inspection_plays_its_deck(app):
    """Issue 18 item 10: a shared link naming an inspection opens its draft-results deck where it was held (Đắk
    Nông, 2023), its team leader on the team slide, and the address keeps the scope for the next one to share."""
    page = _page(app, "trinh-chieu?deck=inspection&inspection=DN-2023-DAKSONG", height=1300)
    _settled(page)
    deck = page.frame_locator("iframe").first
    deck.locator("body[data-ready='1']").wait_for(timeout=60_000)
    assert "Lê Trung Trường Vũ" in deck.locator("#slide-2").text_content()  # not on screen yet: its text
    assert "Đoàn kiểm tra số 346" in deck.locator("#slide-1").text_content()
    for kept in ("deck=inspection", "inspection=DN-2023-DAKSONG", "year=2023", "province=S63-P-67"):
        assert kept in page.url, page.url
    assert page.outside_requests == []


def test_a_tables_row_shows_its_source_in_one_click(app):
    """Issue 18: provenance one click away. A click on a row of the rankings table shows that row's source (title,
    kind, date) under it; before a click, a sentence says how."""
    page = _page(app, "?year=2022", height=1400)
    page.wait_for_selector("[data-testid='stDataFrame']", timeout=60_000)
    _settled(page)
    expect(page.get_by_text("Chọn một dòng của bảng để xem nguồn")).to_be_visible()
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 35 + 17)  # the first row's selection box (row markers: the left column)
    _settled(page)
    source = page.locator("[data-testid='stMain'] [data-testid='stMarkdownContainer']", has_text=re.compile("^Nguồn của "))
    expect(source).to_be_visible(timeout=30_000)
    text = source.inner_text()
    assert "2022" in text and ("Công bố" in text or "Mô phỏng" in text), text
    assert "nan" not in text.split()
