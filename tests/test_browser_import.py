"""The import flow in real Chromium: download the template, fill it, upload it, see the error explained, fix it,
load, see the new figure on the locality page, roll the batch back and see the old figure again."""

import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from par_dashboard.importing import template
from tests.browser import ARTIFACTS, chromium, sign_in, streamlit_server
from tests.users import PASSWORD

SHEET = "Giá trị chỉ tiêu"


def _filled_template(value) -> bytes:
    """The template as a person would fill it: example rows kept, one row of their own added."""
    book = load_workbook(io.BytesIO(template.template_workbook("vi")))
    ws = book[SHEET]
    headers = [c.value for c in ws[1]]
    row = {"Tên đơn vị": "Văn Lãng", "Cấp": "Huyện", "Tỉnh": "Lạng Sơn", "Mã chỉ tiêu *": "OPS_ONTIME_PCT",
           "Năm *": 2024, "Kỳ": "Y", "Giá trị *": value, "Nguồn": "Báo cáo CCHC năm 2024 của UBND huyện Văn Lãng (thử nghiệm)"}
    ws.append([row.get(h) for h in headers])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def _settled(page, timeout: int = 60_000) -> None:
    page.wait_for_selector("[data-testid='stMain'] h1", timeout=timeout)
    page.wait_for_timeout(800)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')"
                           " && !document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=timeout)


def _open(page, url: str) -> None:
    """A page load is a new session: sign in again as the data officer, through the form; the link is kept."""
    page.goto(url)
    sign_in(page, "data_officer", PASSWORD)
    _settled(page)


def _upload(page, name: str, data: bytes) -> None:
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(
        files=[{"name": name, "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "buffer": data}])
    page.wait_for_timeout(1000)
    _settled(page)


def _ontime_metric(page) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Tỷ lệ hồ sơ TTHC giải quyết đúng")
    return metric.locator("[data-testid='stMetricValue']").inner_text()


@pytest.mark.slow(70)  # seconds: started first (tests/conftest.py)
def test_template_upload_errors_fix_load_see_and_roll_back(built_db):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with streamlit_server(built_db) as base, chromium() as browser:
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 2400}, accept_downloads=True)
            profile = f"{base}/dia-phuong?year=2024&province=S63-P-20&unit=S63-D-182"
            _open(page, profile)
            before = _ontime_metric(page)
            assert before == "99,60"

            _open(page, f"{base}/du-lieu")
            with page.expect_download() as download:
                page.get_by_role("button", name="Tải mẫu Excel (có dòng ví dụ)").click()
            assert download.value.suggested_filename == "mau-nhap-lieu-cchc_vi.xlsx"

            _upload(page, "van-lang-2024.xlsx", _filled_template(120))
            # the errors table is a canvas grid; its cells are also in the page as an accessible grid
            cells = page.locator("[data-testid^='glide-cell']", has_text=re.compile(r"120 ngoài khoảng"))
            expect(cells.first).to_be_attached(timeout=30_000)
            expect(page.get_by_text(re.compile(r"Tệp còn \d+ lỗi"))).to_be_visible()
            assert page.get_by_role("button", name="Nạp toàn bộ tệp").is_disabled()
            page.screenshot(path=str(ARTIFACTS / "data_upload_error_vi.png"), full_page=True)

            _upload(page, "van-lang-2024-da-sua.xlsx", _filled_template(97.77))
            page.get_by_role("button", name="Nạp toàn bộ tệp").click()
            expect(page.get_by_text(re.compile(r"Đã nhập \(lô \d+\)"))).to_be_visible(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "data_loaded_vi.png"), full_page=True)

            _open(page, profile)
            assert _ontime_metric(page) == "97,77"
            expect(page.get_by_text("Dữ liệu nhập").first).to_be_visible()

            _open(page, f"{base}/du-lieu")
            page.get_by_text("Tôi hiểu: mọi dòng lô này đã thêm sẽ bị xóa").click()
            _settled(page)
            page.get_by_role("button", name="Hoàn tác lô này").click()
            _settled(page)
            page.screenshot(path=str(ARTIFACTS / "data_rolled_back_vi.png"), full_page=True)
            expect(page.get_by_text(re.compile(r"[Đđ]ã hoàn tác lô \d+"))).to_be_visible(timeout=30_000)
            _open(page, profile)
            assert _ontime_metric(page) == before
        finally:
            browser.close()
