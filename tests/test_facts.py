"""`python -m par_dashboard facts`: every published fact beside what the database says, on the default build."""

import shutil
import subprocess
import sys

import duckdb
import pytest

from par_dashboard.building.published import load_published
from par_dashboard.store.db import Database
from par_dashboard.views.facts import DIFFERS, DISAGREE, EQUAL, check_all
from tests.browser import ROOT


@pytest.fixture(scope="module")
def published():
    return load_published()


@pytest.fixture
def copy(built_db, tmp_path):
    """A copy of the session database (the session's own connection keeps the original busy)."""
    path = tmp_path / "par.duckdb"
    shutil.copy(built_db, path)
    return path


def test_the_facts_command_finds_no_difference_on_the_default_database(copy):
    run = subprocess.run([sys.executable, "-m", "par_dashboard", "facts", "--db", str(copy)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600,
                         env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8"})
    lines = run.stdout.splitlines()
    assert run.returncode == 0, "\n".join(x for x in lines if x.startswith("KHÁC")) or run.stderr[-2000:]
    assert not [x for x in lines if x.startswith("KHÁC")]
    assert len(lines) > 300 and lines[-1].endswith("không kiểm được") and " 0 khác" in lines[-1]
    # the figures leadership read on the 2023 page, as published
    assert any(x.startswith("khớp | tăng nhiều nhất, PAR INDEX 2023") and "+9,39" in x for x in lines), lines
    assert any(x.startswith("khớp | số tỉnh giảm điểm, PAR INDEX 2023 | công bố: 6 | cơ sở dữ liệu: 6") for x in lines)
    assert any(x.startswith("khớp | giảm nhiều nhất, PAR INDEX 2024") and "−2,94" in x for x in lines)
    # 2023's last place: both sources kept, the disagreement said, not failed
    assert any(x.startswith("khớp | xếp cuối: An Giang — PAR INDEX 2023") for x in lines)
    assert any(x.startswith("nguồn vênh nhau | nhóm thấp nhất (Bình Thuận, Sóc Trăng), PAR INDEX 2023") for x in lines)
    # the real panels, one line per year
    assert sum(1 for x in lines if x.startswith("khớp | bảng PAPI") and "63/63" in x) == 6
    assert sum(1 for x in lines if x.startswith("khớp | bảng PCI") and "63/63" in x) == 5


def test_a_changed_figure_is_a_difference_and_a_failure(copy, published):
    """The check reads the data: one demo score moved, one published score changed, and each shows."""
    con = duckdb.connect(str(copy))
    try:
        # the 2023 province with the largest rise (9.39, its province not named) rises a little more
        uid = con.execute("""
            SELECT c.unit_id FROM score c JOIN score p ON p.unit_id = c.unit_id AND p.year = 2022
              AND p.family_code = 'PAR_INDEX' AND p.area_code = 'TOTAL'
            WHERE c.year = 2023 AND c.family_code = 'PAR_INDEX' AND c.area_code = 'TOTAL' AND c.unit_id LIKE 'S63-P-%'
            ORDER BY round(c.score - p.score, 2) DESC LIMIT 1""").fetchone()[0]
        con.execute("""UPDATE score SET score = score + 0.5 WHERE unit_id = ? AND year = 2023 AND family_code = 'PAR_INDEX'
                       AND area_code = 'TOTAL'""", [uid])
        con.execute("""UPDATE score SET score = 96.18 WHERE unit_id = 'S63-P-31' AND year = 2024 AND family_code = 'PAR_INDEX'
                       AND area_code = 'TOTAL'""")
    finally:
        con.close()
    db = Database(copy, read_only=True)
    try:
        checks = check_all(db.query, "en", published)
    finally:
        db.close()
    differs = {c.what for c in checks if c.status == DIFFERS}
    assert "largest rise, PAR INDEX 2023" in differs
    assert "national average PAR INDEX 2023" in differs, "the mean moved with it"
    assert "score: Hải Phòng — PAR INDEX 2024" in differs
    assert {c.status for c in checks} >= {EQUAL, DIFFERS, DISAGREE}


def test_the_command_refuses_a_database_held_by_another_process(copy):
    holder = duckdb.connect(str(copy))  # read-write: as the running dashboard holds it
    try:
        code = subprocess.run([sys.executable, "-c", "import sys; from par_dashboard.cli.main import main; "
                               f"sys.exit(main(['facts', '--db', {str(copy)!r}]))"], cwd=ROOT, capture_output=True,
                              text=True, timeout=300).returncode
    finally:
        holder.close()
    assert code == 3
