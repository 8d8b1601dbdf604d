"""Issue 18: provenance one click away. A row chosen in a table of the rankings (provinces, and a province's units)
and of the inspections' visits shows its source above the table; the box names the kind, title, address, date and
note, and for an imported row the batch, who loaded it, when and from which file; a missing field is left out, never
written "nan" or "None". (The click itself, in Chromium: tests/test_browser.py::test_a_tables_row_shows_its_source_in_one_click.)"""

from __future__ import annotations

import datetime as dt

import pytest
from streamlit.testing.v1 import AppTest

from tests.users import open_page


@pytest.mark.parametrize(("page", "section"), [("rankings", ""), ("rankings", "units"), ("inspections", ""), ("map", "")])
def test_each_table_of_sources_offers_its_rows_source(built_db, page, section):
    at = open_page(page, section, province="S63-P-20", year="2024")
    assert any("Chọn một dòng của bảng để xem nguồn" in c.value for c in at.caption), [c.value for c in at.caption]


def _box(source_id: int) -> str:
    def script(source_id):
        from par_dashboard.shell import ui
        ui.provenance(source_id, what="Lạng Sơn, 2024")

    at = AppTest.from_function(script, args=(source_id,), default_timeout=60).run()
    assert not at.exception, at.exception
    return "\n".join(m.value for m in at.markdown)


def test_the_box_names_the_source_and_never_writes_nan(work):
    with work.transaction("test sources") as cur:
        cur.execute("INSERT INTO source VALUES (901, 'official_publication', 'Báo cáo 12/BC-UBND', NULL, NULL, NULL, NULL),"
                    " (902, 'import_batch', 'Tệp nhập của Sở Nội vụ', NULL, 'so-noi-vu.xlsx', DATE '2024-06-17', 'Ghi chú')")
        cur.execute("INSERT INTO import_batch VALUES (7, 'officer_ls', TIMESTAMP '2024-06-18 09:30', TIMESTAMP '2024-06-18 09:31',"
                    " 'so-noi-vu.xlsx', 'abc', 'loaded', 3, 0, 0, 0, 902, NULL, NULL)")
    import os
    os.environ["PAR_DB"], before = str(work.path), os.environ["PAR_DB"]
    work.close()
    try:
        bare = _box(901)
        assert "Nguồn của Lạng Sơn, 2024" in bare and "Báo cáo 12/BC-UBND" in bare and "Công bố" in bare
        assert not {"nan", "None", "NaT", "<NA>"} & set(bare.replace(":", " ").split()), bare
        imported = _box(902)
        for part in ("Tệp nhập của Sở Nội vụ", "so-noi-vu.xlsx", f"{dt.date(2024, 6, 17):%d/%m/%Y}", "Ghi chú",
                     "Lô nhập số 7", "officer\\_ls", "18/06/2024", "09:31"):
            assert part in imported, (part, imported)
    finally:
        os.environ["PAR_DB"] = before
