"""plotly.js for the presenter page's deck frame, served as a static file (par_dashboard/shell/assets.py; issue 17):
written from the installed plotly, replaced when it differs, never half-written, and the deck kept inline where the
folder cannot be written. (That the frame loads it and draws: test_browser.py's present page test.)"""

import plotly
import pytest

from par_dashboard.shell import assets
from par_dashboard.views.present.html import plotly_js
from tests.browser import ROOT
from tests.test_downloads import _served_options


@pytest.fixture
def static_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(assets, "STATIC_DIR", tmp_path / "static")
    assets._plotly_written.cache_clear()
    yield tmp_path / "static"
    assets._plotly_written.cache_clear()


def test_plotly_js_is_written_once_from_the_installed_plotly_and_named_by_its_version(static_dir):
    src = assets.plotly_src()
    name = f"plotly-{plotly.__version__}.min.js"
    assert src == f"app/static/{name}"  # relative: resolved against the page's address, a proxy's prefix included
    assert (static_dir / name).read_text(encoding="utf-8") == plotly_js()
    assert [p.name for p in static_dir.iterdir()] == [name]  # nothing else served, no temporary file left


def test_a_stale_or_truncated_file_is_replaced(static_dir):
    static_dir.mkdir()
    name = f"plotly-{plotly.__version__}.min.js"
    (static_dir / name).write_text(plotly_js()[:1000], encoding="utf-8")  # a copy cut short (a full disk, a crash)
    assert assets.plotly_src() == f"app/static/{name}"
    assert (static_dir / name).read_text(encoding="utf-8") == plotly_js()


def test_a_folder_that_cannot_be_written_keeps_plotly_inline(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(assets, "STATIC_DIR", blocker / "static")
    assets._plotly_written.cache_clear()
    try:
        assert assets.plotly_src() is None
    finally:
        assets._plotly_written.cache_clear()


def test_every_served_config_serves_the_static_folder(tmp_path):
    keys = ("server.enableStaticServing",)
    assert _served_options(ROOT, keys=keys) == {"server.enableStaticServing": True}
    assert _served_options(tmp_path, "--anonymous", keys=keys) == {"server.enableStaticServing": True}


def test_a_file_removed_while_the_server_runs_is_written_again(static_dir):
    """`static/` emptied under a running server (a clean-up, a deploy): the next deck names a file that is there."""
    src = assets.plotly_src()
    path = static_dir / src.rsplit("/", 1)[1]
    path.unlink()
    assert assets.plotly_src() == src and path.read_text(encoding="utf-8") == plotly_js()
