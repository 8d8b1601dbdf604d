"""An import killed mid-way (SIGKILL, at random moments: anywhere, or while it writes) leaves the database with the
whole batch or none of it, loses no row, opens fine afterwards, and the next import goes through
(tests/hardening/faults.py runs the children and judges what they leave)."""

import pytest

from tests.hardening.faults import run_faults


@pytest.mark.slow(75)  # seconds: started first (tests/conftest.py)
def test_killing_the_import_leaves_the_whole_batch_or_none(built_db):
    figures = run_faults(kills=6, db_path=built_db, kinds=("import",), finish=("import",), full_disk=(), damages=())
    seed = figures["seed"]
    assert figures["failures"] == [], f"seed {seed}: {figures['failures']}"
    assert figures["by_kind"] == {"kill_import": 6}
    assert (figures["inconsistent"], figures["rows_lost"]) == (0, 0), f"seed {seed}"
    assert {o["state"] for o in figures["outcomes"]} <= {"before", "after"}, f"seed {seed}: {figures['outcomes']}"
