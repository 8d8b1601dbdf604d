"""Every index on one screen (issue 20) in real Chromium: the locality page draws the multi-index chart and says which
indices disagree most, for Bà Rịa - Vũng Tàu in 2021 (published PCI rank 9/63, PAPI group 4 of 4)."""

from tests.browser import ARTIFACTS, chromium


def test_the_multi_index_chart_draws_and_the_disagreement_sentence_shows(anonymous_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base = anonymous_server
    with chromium() as browser:
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 3200})
            outside = []
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                       else (outside.append(route.request.url), route.abort()))
            page.goto(f"{base}/dia-phuong?province=S63-P-77&year=2021&section=indices")  # the section with every index
            heading = page.get_by_role("heading", name="Mọi chỉ số trên một màn hình")
            heading.wait_for(timeout=90_000)
            chart = page.locator(".js-plotly-plot").filter(has_text="Phân vị theo từng chỉ số")
            chart.locator(".scatterlayer .trace").first.wait_for(timeout=60_000)
            legend = chart.locator(".legend .legendtext").evaluate_all("els => els.map(e => e.textContent)")
            assert {"PAR INDEX", "SIPAS", "PAPI", "PCI"} <= set(legend)
            assert chart.locator(".scatterlayer .point").count() >= 20  # markers drawn, not only an empty frame
            sentence = page.get_by_text("Năm 2021, Bà Rịa - Vũng Tàu đứng ở nhóm cao nhất của PCI (phân vị 87)")
            sentence.wait_for(timeout=30_000)
            assert "nhóm thấp nhất của PAPI (phân vị 12): chênh 75 điểm phân vị" in sentence.inner_text()
            heading.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "multiindex_brvt_2021_vi.png"), full_page=True)
            assert outside == []
        finally:
            browser.close()
