"""Login in real Chromium: without a login nothing but the login form is there (a deep link included); a wrong
password is refused in words; the right one opens the linked page with the name and role in the sidebar; signing
out brings the form back. Screenshots of the login page and of the signed-in sidebar are kept as artifacts."""

from playwright.sync_api import expect

from tests.browser import ARTIFACTS, chromium, sign_in, streamlit_server
from tests.users import PASSWORD

LOGIN_TITLE = "Đăng nhập — Bảng theo dõi cải cách hành chính"


def test_login_form_wrong_password_sign_in_and_out(built_db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(built_db) as base, chromium() as browser:
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{base}/kiem-tra?year=2024&province=S63-P-20")
            expect(page.get_by_role("heading", name=LOGIN_TITLE)).to_be_visible(timeout=60_000)
            page.wait_for_timeout(1000)  # a run that drew more would have drawn it by now
            body = page.inner_text("body")
            assert "Lạng Sơn" not in body and "Kiểm tra" not in body, "data or the navigation shown without a login"
            assert page.locator("[data-testid='stSidebarNav'], .js-plotly-plot, [data-testid='stDataFrame']").count() == 0
            page.screenshot(path=str(ARTIFACTS / "login_vi.png"))

            page.get_by_text("English", exact=True).click()
            expect(page.get_by_role("textbox", name="Password")).to_be_visible(timeout=30_000)
            page.get_by_text("Tiếng Việt", exact=True).click()
            expect(page.get_by_label("Mật khẩu")).to_be_visible(timeout=30_000)

            page.get_by_label("Tên đăng nhập").fill("analyst")
            page.get_by_label("Mật khẩu").fill("không phải mật khẩu")
            page.get_by_role("button", name="Đăng nhập", exact=True).click()
            expect(page.get_by_text("Tên đăng nhập hoặc mật khẩu không đúng.")).to_be_visible(timeout=30_000)
            assert page.locator("[data-testid='stSidebarNav']").count() == 0

            sign_in(page, "analyst", PASSWORD)
            sidebar = page.locator("[data-testid='stSidebar']")
            expect(sidebar.get_by_text("Chuyên viên phân tích")).to_be_visible()
            expect(page.locator("[data-testid='stMain'] h1")).to_contain_text("Kiểm tra", timeout=60_000)  # the link kept
            expect(sidebar.get_by_label("Tỉnh, thành phố")).to_have_value("Lạng Sơn")
            nav = sidebar.locator("[data-testid='stSidebarNav']").inner_text()
            assert "Dữ liệu" in nav and "Xếp hạng" in nav
            page.wait_for_timeout(1500)
            sidebar.screenshot(path=str(ARTIFACTS / "login_sidebar_vi.png"))

            page.get_by_role("button", name="Đăng xuất").click()
            expect(page.get_by_role("heading", name=LOGIN_TITLE)).to_be_visible(timeout=30_000)
            assert page.locator("[data-testid='stSidebarNav']").count() == 0
            assert "province=S63-P-20" in page.url, "the filters stay in the address for the next login"
        finally:
            browser.close()
