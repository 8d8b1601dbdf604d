"""Issue 18 item 10, the page: the presenter page's scope (the country, a province, a district or commune, one
inspection) and its inspection are shared filters in the URL. Tried as a user does, through the app: a link opens
the deck it names, a made-up inspection gives the app's notice (never a traceback), each scope's empty state says
what to choose, and every download button of the page gives a file that opens, for each scope."""

import io
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pptx import Presentation
from pypdf import PdfReader
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest, app_test

from tests.browser import ROOT
from tests.users import SCOPED, sign_in

CUA_NAM, CAO_LOC = "S34-C-00082", "S63-D-183"  # a ward of the 34-province structure, a district of the 63 one
DAK_SONG = "DN-2023-DAKSONG"  # a reported inspection of Đắk Nông in 2023, its leader named


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def sql(db, text: str, *params):
    with db.cursor() as cur:
        return cur.execute(text, list(params)).fetchall()


def open_link(query: str, user: str = "analyst") -> AppTest:
    """The app opened at trinh-chieu?<query>, signed in as `user`."""
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), user)
    for key, value in (pair.split("=", 1) for pair in query.split("&")):
        at.query_params[key] = value
    at.run()
    link_notices = [toast.value for toast in at.toast]  # said on the run that opened the link
    at.switch_page("pages/present.py").run()
    assert not at.exception, at.exception
    at.link_notices = link_notices
    return at


def shown(at) -> str:
    """The deck on the page: its HTML, as the frame plays it."""
    return nfc(at.get("iframe")[0].proto.srcdoc)


def deck_title(at) -> str:
    return re.search(r"<title>(.*?)</title>", shown(at), re.S).group(1)


def notices(at) -> str:
    return " ".join([*getattr(at, "link_notices", []), *(toast.value for toast in at.toast)])


# ---- links
@pytest.mark.parametrize("inspection_id", [DAK_SONG, "DEMO-01-2025-KH-D2"])  # 2023 (63 provinces), 2025 (34)
def test_a_link_to_an_inspection_opens_its_deck_with_its_team_leader(built_db, db, inspection_id):
    """Only the scope and the id in the link: the year, province and structure are the inspection's."""
    team, leader, year, province, structure = sql(db, """
        SELECT i.team_label, i.leader_name, i.year, i.province_id, u.structure FROM inspection i
        JOIN admin_unit u ON u.unit_id = i.province_id WHERE i.inspection_id = ?""", inspection_id)[0]
    at = open_link(f"deck=inspection&inspection={inspection_id}")
    assert not notices(at)
    assert at.radio(key="_w_deck").value == "inspection"
    assert at.selectbox(key="_w_inspection").value == inspection_id
    assert (at.session_state["year"], at.session_state["province"], at.session_state["structure"]) == (year, province, structure)
    assert nfc(team) in deck_title(at)
    assert nfc(leader) in shown(at), "the team leader on the team slide"


@pytest.mark.parametrize("unit_id", [CUA_NAM, CAO_LOC])
def test_a_link_to_a_commune_or_district_opens_its_deck(built_db, db, unit_id):
    short, province, province_name, structure = sql(db, """
        SELECT u.short_name, u.province_id, p.short_name, u.structure FROM admin_unit u
        JOIN admin_unit p ON p.unit_id = u.province_id WHERE u.unit_id = ?""", unit_id)[0]
    year = 2025 if structure == "S34" else 2024
    at = open_link(f"structure={structure}&year={year}&province={province}&unit={unit_id}&deck=unit")
    assert not notices(at)
    assert at.radio(key="_w_deck").value == "unit"
    title = deck_title(at)
    assert str(year) in title and nfc(short) in title and nfc(province_name) in title, title
    # the province's deck is one click away, and back in the link
    at.radio(key="_w_deck").set_value("province").run()
    assert nfc(short) not in deck_title(at) and nfc(province_name) in deck_title(at)
    assert at.query_params["deck"] == "province"


def test_an_inspection_left_in_another_pages_link_does_not_move_it(built_db):
    """The inspection stays in every page's link (a shared filter): without deck=inspection it chooses no place."""
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=180), "analyst")
    at.query_params["inspection"] = DAK_SONG
    at.run()
    assert not at.exception and not at.toast
    assert (at.session_state["province"], at.session_state["year"]) == ("", 2024)


@pytest.mark.parametrize("made_up", ["'; DROP TABLE inspection; --", f"{DAK_SONG} "])  # other texts: the next test
def test_a_made_up_inspection_in_a_link_gives_the_notice_not_a_traceback(built_db, made_up):
    at = open_link(f"deck=inspection&inspection={made_up}")
    assert "Bỏ qua giá trị không hợp lệ" in notices(at) and "inspection=" in notices(at)
    assert at.session_state["year"] == 2024  # the defaults, not a made-up inspection's
    chosen = at.selectbox(key="_w_inspection").value  # the year's inspections, one of them shown
    assert chosen and chosen != made_up and at.get("iframe")


ids = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ids)
@example(text="LS-2024-caoloc")  # the ids are compared as written
@example(text="%")  # no pattern
def test_only_an_inspection_that_exists_passes_the_url_check(built_db, db, text):
    """The invariant behind the notice: `inspection=` takes the id of a stored inspection (or nothing), any other
    text raises ValueError — the notice — and never another exception."""
    from par_dashboard.shell import ui

    known = {i for (i,) in sql(db, "SELECT inspection_id FROM inspection")}
    if text == "" or text in known:
        assert ui._validate("inspection", text) == text
    else:
        with pytest.raises(ValueError):
            ui._validate("inspection", text)
    with pytest.raises(ValueError):
        ui._validate("deck", text if text not in ("", "country", "province", "unit", "inspection") else "x")


def test_a_province_scoped_officer_does_not_open_another_provinces_inspection(built_db):
    """A data officer of Lạng Sơn following a link to Đắk Nông's inspection sees a Lạng Sơn one, not Đắk Nông's."""
    at = open_link(f"deck=inspection&inspection={DAK_SONG}", user=SCOPED)
    assert at.session_state["province"].endswith("-P-20")
    assert at.selectbox(key="_w_inspection").value != DAK_SONG
    assert "Đắk Nông" not in deck_title(at)


# ---- empty states say what to choose
@pytest.mark.parametrize("query, says", [
    ("deck=province", "Chọn một tỉnh ở thanh bên"),
    ("deck=unit&province=S63-P-20", "rồi một huyện hoặc xã"),
    ("deck=unit&province=S63-P-20&unit=S63-S-20-SNV", "rồi một huyện hoặc xã"),  # a department: no deck of its own
    ("deck=inspection&year=2018&province=S63-P-20&lang=en", "There is no inspection of"),  # inspections from 2019
])
def test_an_empty_scope_says_what_to_choose(built_db, query, says):
    at = open_link(query)
    assert any(says in i.value for i in at.info), [i.value for i in at.info]
    assert not at.get("iframe")


# ---- every download of the page, for each scope
@pytest.fixture
def media(monkeypatch):
    """The media file managers of the app's runs (AppTest makes a real one per run, then lets it go), the last
    run's last: where a download button's file is, or its deferred maker."""
    made = []

    class Kept(MediaFileManager):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(app_test, "MediaFileManager", Kept)
    return made


def download(at, files: MediaFileManager, key: str, *, make: bool = True) -> tuple[str, bytes]:
    """What the browser gets from a download button: its file's name and bytes, made on the click for the deferred
    ones (`make=False`: the name only, the file left unmade)."""
    button, = (e for e in at.get("download_button") if e.proto.id.endswith(key))
    assert not button.proto.disabled
    if not button.proto.deferred_file_id:
        return button.proto.url, files._storage.get_file(button.proto.url.rsplit("/", 1)[-1]).content
    name = files._deferred_callables[button.proto.deferred_file_id]["filename"]
    if not make:
        return name, b""
    url = files.execute_deferred(button.proto.deferred_file_id)
    return name, files._storage.get_file(url.rsplit("/", 1)[-1]).content


def pptx_text(data: bytes) -> str:
    deck = Presentation(io.BytesIO(data))
    return nfc(" ".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame))


@pytest.mark.parametrize("query, place, made", [
    pytest.param("deck=country", "— Cả nước", False, id="country"),
    pytest.param("province=S63-P-20&deck=province", "— Tỉnh Lạng Sơn", False, id="province"),
    pytest.param(f"structure=S34&year=2025&province=S34-P-01&unit={CUA_NAM}&deck=unit", "Cửa Nam (Hà Nội)", True, id="commune"),
    pytest.param(f"deck=inspection&inspection={DAK_SONG}", "Đoàn kiểm tra số 346", True, id="inspection"),
])
def test_every_download_of_the_page_works_for_each_scope(built_db, media, query, place, made):
    """Each button enabled and named after the deck on screen, its file that deck's. PowerPoint, PDF and PNG are made
    and opened for the two new scopes; for the country and the province (the same buttons, the same makers) the HTML
    is, and test_deck.py / test_deck_pptx.py open those decks' other files (each costs seconds of Chromium)."""
    from PIL import Image

    at = open_link(query)
    files = media[-1]
    title = deck_title(at)
    assert place in title, title  # the scope's deck, not another's
    _, html = download(at, files, "present_dl_html")
    assert title in nfc(html.decode("utf-8"))
    assert b"<script src" not in html and b"Plotly" in html  # plays offline: plotly.js inside (the page's frame loads it)
    pptx_name, pptx = download(at, files, "present_dl_pptx", make=made)
    pdf_name, pdf = download(at, files, "present_dl_pdf", make=made)
    png_name, png = download(at, files, "present_dl_png", make=made)
    stem = pptx_name.removesuffix(".pptx")
    assert pdf_name == f"{stem}.pdf" and png_name.startswith(f"{stem}_") and png_name.endswith(".png")
    if made:
        text = pptx_text(pptx)
        assert title in text, (title, text[:300])
        pages = PdfReader(io.BytesIO(pdf)).pages
        assert len(pages) == len(Presentation(io.BytesIO(pptx)).slides)
        assert " ".join(title.split()) in " ".join(nfc(pages[0].extract_text()).split())
        assert Image.open(io.BytesIO(png)).size == (1920, 1080)


def test_a_rerun_of_the_inspection_scope_builds_nothing_again(built_db, monkeypatch):
    """As tests/test_resultcache.py holds every page to (there with a province's deck): the same filters again, no
    query, no list of inspections or deck rebuilt."""
    from par_dashboard.shell import cached, warm
    from par_dashboard.store.cache import RESULTS

    at = open_link(f"deck=inspection&inspection={DAK_SONG}")
    warm.wait_idle()
    ran = []
    original = cached.Database.query
    monkeypatch.setattr(cached.Database, "query", lambda self, name, **kw: ran.append(name) or original(self, name, **kw))
    before, misses = dict(cached.DERIVED_RUNS), RESULTS.misses
    at.run()
    assert not at.exception
    assert ran == [] and cached.DERIVED_RUNS == before and RESULTS.misses == misses, ran
