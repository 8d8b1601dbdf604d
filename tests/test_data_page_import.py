"""The data page's import screen as a data officer meets it (issue 18 item 5): what it says after a partial load, the
rollback box, the size limit, the audit log in words. Streamlit's AppTest on a copy of the database."""

import shutil
import tomllib

import pytest
from streamlit.testing.v1 import AppTest

from par_dashboard.i18n import LABELS
from par_dashboard.importing import reader, template
from par_dashboard.importing.template import Catalogue
from tests.browser import ROOT
from tests.users import sign_in


@pytest.fixture
def data_page(built_db, tmp_path, monkeypatch):
    """The data page of a data officer, on a copy of the database the test may write to."""
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    monkeypatch.setenv("PAR_DB", str(path))

    def open_page(lang: str = "vi") -> AppTest:
        at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "data_officer")
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("pages/data.py").run()
        assert not at.exception, at.exception
        return at
    return open_page


def _value_row(period: str, value: str) -> dict:
    return {"unit_name": "Cao Lộc", "unit_level": "Huyện", "unit_province": "Lạng Sơn", "indicator": "OPS_ONTIME_PCT",
            "year": 2024, "period": period, "value": value}


def _workbook(*rows: dict) -> bytes:
    return template.write_workbook({"indicator_values": list(rows)}, lang="vi", catalogue=Catalogue.from_seed())


def _texts(at: AppTest) -> list[str]:
    return [e.value for kind in (at.markdown, at.success, at.warning, at.info, at.error) for e in kind]


def _load(at: AppTest, name: str, data: bytes, *, partial: bool = False) -> AppTest:
    at.file_uploader(key="data_upload").upload(name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").run()
    assert not at.exception, at.exception
    if partial:
        at.checkbox(key="data_partial").check().run()
    at.button(key="data_load_button").click().run()
    assert not at.exception, at.exception
    return at


def test_after_a_partial_load_the_page_says_what_happened_and_not_the_opposite(data_page):
    at = data_page()
    at.file_uploader(key="data_upload").upload("mot_phan.xlsx", _workbook(_value_row("Q2", "97,5"), _value_row("Q3", "abc")),
                                               "application/octet-stream").run()
    checked = " | ".join(_texts(at))
    assert "chưa nhập" in checked and "cơ sở dữ liệu không thay đổi" not in checked, checked  # a check loads nothing
    at.checkbox(key="data_partial").check().run()
    at.button(key="data_load_button").click().run()
    assert not at.exception, at.exception
    shown = " | ".join(_texts(at))
    assert "Đã nhập một phần (lô" in shown, shown
    assert "không thay đổi" not in shown and "Không nhập" not in shown and "chưa nhập" not in shown, shown
    assert not any(b.key == "data_load_button" for b in at.button), "the file just loaded is not offered again"


def test_the_rollback_box_offers_the_latest_batch(data_page):
    at = _load(data_page(), "lo_a.xlsx", _workbook(_value_row("Q2", "97,5")))
    box = next(s for s in at.selectbox if (s.key or "").startswith("data_rollback_batch"))
    first = box.value
    at = _load(at, "lo_b.xlsx", _workbook(_value_row("Q3", "98,5")))
    box = next(s for s in at.selectbox if (s.key or "").startswith("data_rollback_batch"))
    assert int(box.value) == max(int(o) for o in box.options) == int(first) + 1, (box.value, box.options)


def test_the_size_limit_is_one_number_on_the_label_the_widget_and_the_server(data_page):
    at = data_page()
    uploader = at.file_uploader(key="data_upload")
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert f"{reader.MAX_MB} MB" in uploader.label
    assert uploader.proto.max_upload_size_mb == reader.MAX_MB == config["server"]["maxUploadSize"]
    assert reader.MAX_BYTES == reader.MAX_MB * 1024 * 1024


@pytest.mark.parametrize(("lang", "action", "role"), [("vi", "Nhập tệp", "Cán bộ dữ liệu"),
                                                       ("en", "Imported a file", "Data officer")])
def test_the_audit_log_is_in_words_of_the_pages_language(data_page, lang, action, role):
    at = _load(data_page(lang), "nhat_ky.xlsx", _workbook(_value_row("Q2", "97,5")))
    audit = at.dataframe[-1].value
    codes = {"import", "accept_draft", "rollback", "data_officer", "analyst", "admin", "cli"}
    cells = {str(v) for col in audit.columns if col not in ("user_name", LABELS["data_col_user_name"][lang]) for v in audit[col]}
    assert not cells & codes, cells & codes
    assert not any(c.lstrip().startswith("{") for c in cells), "raw JSON shown"
    first = audit.iloc[0]
    assert action in first.tolist() and role in first.tolist(), first.tolist()
    assert any("nhat_ky.xlsx" in str(v) for v in first.tolist())
